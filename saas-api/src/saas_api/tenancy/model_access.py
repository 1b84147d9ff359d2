"""Model aliases and the access groups that hold them: what a team may call, and at what price.

An alias names one LiteLLM model with our prices; a group is a set of aliases; a team may use the
aliases of its groups. Changing which models a group's aliases stand for changes the model lists
of its teams' LiteLLM keys, which follow here (litellm_sync.py).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from .. import admission
from ..billing.pricing import per_token_usd_to_micros_per_mtok
from ..config import get_settings
from ..db import run_in_transaction
from ..errors import AlreadyExists, UnprocessableEntity
from ..litellm_proxy import LiteLLMProxy
from ..models import AliasMode, CacheScope, ModelAccessGroup, ModelAlias, group_aliases, team_access_groups
from ..money import MICROS_PER_USD, usd_to_micros
from . import litellm_sync, schemas
from .lookups import get_alias, get_group

# -- who may use what -----------------------------------------------------------------------------


def team_groups(session: Session, team_id: str) -> list[str]:
    rows = session.execute(
        select(team_access_groups.c.group_name)
        .where(team_access_groups.c.team_id == team_id)
        .order_by(team_access_groups.c.group_name)
    )
    return list(rows.scalars())


def set_team_groups(session: Session, team_id: str, groups: list[str]) -> None:
    session.execute(delete(team_access_groups).where(team_access_groups.c.team_id == team_id))
    if groups:
        session.execute(insert(team_access_groups), [{"team_id": team_id, "group_name": g} for g in groups])


def team_aliases(session: Session, team_id: str) -> list[ModelAlias]:
    """The aliases a team may use: those of its access groups."""
    rows = session.execute(
        select(ModelAlias)
        .join(group_aliases, group_aliases.c.alias == ModelAlias.alias)
        .join(team_access_groups, team_access_groups.c.group_name == group_aliases.c.group_name)
        .where(team_access_groups.c.team_id == team_id)
        .distinct()
        .order_by(ModelAlias.alias)
    )
    return list(rows.scalars())


def teams_with_groups(session: Session, groups: list[str]) -> list[str]:
    rows = session.execute(
        select(team_access_groups.c.team_id).where(team_access_groups.c.group_name.in_(groups)).distinct()
    )
    return sorted(rows.scalars())


def require_groups(session: Session, groups: Iterable[str], param: str = "access_groups") -> None:
    wanted = set(groups)
    found = set(
        session.execute(select(ModelAccessGroup.group_name).where(ModelAccessGroup.group_name.in_(wanted))).scalars()
    )
    if missing := sorted(wanted - found):
        raise UnprocessableEntity(f"unknown model access group(s): {', '.join(missing)}", param=param)


def _require_aliases(session: Session, aliases: Iterable[str]) -> None:
    wanted = set(aliases)
    found = set(session.execute(select(ModelAlias.alias).where(ModelAlias.alias.in_(wanted))).scalars())
    if missing := sorted(wanted - found):
        raise UnprocessableEntity(f"unknown model alias(es): {', '.join(missing)}", param="model_aliases")


# -- access groups --------------------------------------------------------------------------------


def _aliases_of_group(session: Session, group_name: str) -> list[str]:
    rows = session.execute(
        select(group_aliases.c.alias).where(group_aliases.c.group_name == group_name).order_by(group_aliases.c.alias)
    )
    return list(rows.scalars())


def _set_group_aliases(session: Session, group_name: str, aliases: Iterable[str]) -> None:
    session.execute(delete(group_aliases).where(group_aliases.c.group_name == group_name))
    rows = [{"group_name": group_name, "alias": alias} for alias in sorted(set(aliases))]
    if rows:
        session.execute(insert(group_aliases), rows)


def group_out(session: Session, group: ModelAccessGroup) -> schemas.AccessGroupOut:
    return schemas.AccessGroupOut(
        group_name=group.group_name,
        description=group.description,
        model_aliases=_aliases_of_group(session, group.group_name),
        created_at=group.created_at,
    )


def list_groups(session: Session) -> list[schemas.AccessGroupOut]:
    groups = session.execute(select(ModelAccessGroup).order_by(ModelAccessGroup.group_name)).scalars()
    return [group_out(session, g) for g in groups]


def create_group(session: Session, data: schemas.AccessGroupCreate) -> tuple[schemas.AccessGroupOut, bool]:
    """Create a group; an identical repeat returns the existing one (created=False)."""
    existing = session.get(ModelAccessGroup, data.group_name)
    if existing is not None:
        # Aliases left out of the repeat mean "whatever it has".
        same = existing.description == data.description and (
            data.model_aliases is None or set(_aliases_of_group(session, data.group_name)) == set(data.model_aliases)
        )
        if not same:
            raise AlreadyExists(f"model access group '{data.group_name}' already exists", param="group_name")
        return group_out(session, existing), False
    aliases = data.model_aliases or []
    _require_aliases(session, aliases)
    group = ModelAccessGroup(group_name=data.group_name, description=data.description)
    session.add(group)
    session.flush()
    _set_group_aliases(session, data.group_name, aliases)
    return group_out(session, group), True


async def update_group(proxy: LiteLLMProxy, group_name: str, data: schemas.AccessGroupUpdate) -> schemas.AccessGroupOut:
    """Change a group's description or aliases; the LiteLLM keys of its teams follow."""

    def write(session: Session) -> tuple[schemas.AccessGroupOut, list[str]]:
        group = get_group(session, group_name)
        if "description" in data.model_fields_set:
            group.description = data.description
        if data.model_aliases is not None:
            _require_aliases(session, data.model_aliases)
            _set_group_aliases(session, group_name, data.model_aliases)
        session.flush()
        return group_out(session, group), teams_with_groups(session, [group_name])

    out, teams = await run_in_transaction(write)
    admission.forget()
    await litellm_sync.sync_team_models(proxy, teams)
    return out


# -- model aliases --------------------------------------------------------------------------------


def _usd_per_million(micros: int) -> Decimal:
    # Plain notation: normalize() alone would print $10 as "1E+1".
    return Decimal(format((Decimal(micros) / MICROS_PER_USD).normalize(), "f"))


def _groups_of_alias(session: Session, alias: str) -> list[str]:
    rows = session.execute(
        select(group_aliases.c.group_name).where(group_aliases.c.alias == alias).order_by(group_aliases.c.group_name)
    )
    return list(rows.scalars())


def alias_out(session: Session, alias: ModelAlias) -> schemas.AliasOut:
    return schemas.AliasOut(
        alias=alias.alias,
        litellm_model=alias.litellm_model,
        input_price_per_million=_usd_per_million(alias.input_price_micros_per_mtok),
        output_price_per_million=_usd_per_million(alias.output_price_micros_per_mtok),
        markup_percent=alias.markup_percent,
        cache_enabled=alias.cache_enabled,
        cache_scope=CacheScope(alias.cache_scope),
        max_output_tokens=alias.max_output_tokens,
        mode=AliasMode(alias.mode),
        supports_vision=alias.supports_vision,
        description=alias.description,
        access_groups=_groups_of_alias(session, alias.alias),
    )


def list_aliases(session: Session) -> list[schemas.AliasOut]:
    aliases = session.execute(select(ModelAlias).order_by(ModelAlias.alias)).scalars()
    return [alias_out(session, a) for a in aliases]


@dataclass(frozen=True)
class _ModelTerms:
    """What an alias takes from its LiteLLM model: per-1M-token prices, output limit, capabilities."""

    input_price: int
    output_price: int
    max_output: int
    mode: AliasMode
    supports_vision: bool


async def _proxy_price(proxy: LiteLLMProxy, litellm_model: str) -> _ModelTerms:
    """The model's prices, output token limit and capabilities from LiteLLM's model info; 422 if the
    proxy does not serve it."""
    prices = await proxy.model_prices()
    if litellm_model not in prices:
        served = ", ".join(sorted(prices)) or "none"
        raise UnprocessableEntity(
            f"the LiteLLM proxy serves no model named '{litellm_model}' (it serves: {served})", param="litellm_model"
        )
    info = prices[litellm_model]
    return _ModelTerms(
        per_token_usd_to_micros_per_mtok(info.input_cost_per_token),
        per_token_usd_to_micros_per_mtok(info.output_cost_per_token),
        info.max_output_tokens or get_settings().default_max_output_tokens,
        # LiteLLM's "responses" models answer chat too; every mode but embedding is a chat alias here.
        AliasMode.EMBEDDING if info.mode == AliasMode.EMBEDDING else AliasMode.CHAT,
        info.supports_vision,
    )


async def create_alias(proxy: LiteLLMProxy, data: schemas.AliasCreate) -> schemas.AliasOut:
    """Create an alias, in the groups named; prices not given come from LiteLLM's cost map. The
    LiteLLM keys of the groups' teams gain its model."""
    terms = await _proxy_price(proxy, data.litellm_model)
    input_price, output_price = terms.input_price, terms.output_price
    if data.input_price_per_million is not None:
        input_price = usd_to_micros(data.input_price_per_million)
    if data.output_price_per_million is not None:
        output_price = usd_to_micros(data.output_price_per_million)

    def write(session: Session) -> tuple[schemas.AliasOut, list[str]]:
        if session.get(ModelAlias, data.alias) is not None:
            raise AlreadyExists(f"model alias '{data.alias}' already exists", param="alias")
        require_groups(session, data.access_groups)
        alias = ModelAlias(
            alias=data.alias,
            litellm_model=data.litellm_model,
            input_price_micros_per_mtok=input_price,
            output_price_micros_per_mtok=output_price,
            markup_percent=data.markup_percent,
            cache_enabled=data.cache_enabled,
            cache_scope=data.cache_scope,
            max_output_tokens=data.max_output_tokens or terms.max_output,
            mode=terms.mode,
            supports_vision=terms.supports_vision if data.supports_vision is None else data.supports_vision,
            description=data.description,
        )
        session.add(alias)
        session.flush()
        if data.access_groups:
            session.execute(insert(group_aliases), [{"group_name": g, "alias": data.alias} for g in data.access_groups])
        return alias_out(session, alias), teams_with_groups(session, data.access_groups)

    out, teams = await run_in_transaction(write)
    admission.forget()
    await litellm_sync.sync_team_models(proxy, teams)
    return out


async def update_alias(proxy: LiteLLMProxy, name: str, data: schemas.AliasUpdate) -> schemas.AliasOut:
    """Change an alias; a new LiteLLM model brings its own output limit, and reaches the LiteLLM
    keys of the teams that may use the alias."""
    terms = await _proxy_price(proxy, data.litellm_model) if data.litellm_model is not None else None
    model_max_output = terms.max_output if terms is not None else None

    def write(session: Session) -> tuple[schemas.AliasOut, list[str]]:
        alias = get_alias(session, name)
        fields = data.model_fields_set
        if data.litellm_model is not None and terms is not None:
            alias.litellm_model = data.litellm_model
            alias.mode, alias.supports_vision = terms.mode, terms.supports_vision
        if data.supports_vision is not None:
            alias.supports_vision = data.supports_vision
        if data.max_output_tokens is not None or model_max_output is not None:
            alias.max_output_tokens = data.max_output_tokens or model_max_output or alias.max_output_tokens
        if data.cache_scope is not None:
            alias.cache_scope = data.cache_scope
        if data.input_price_per_million is not None:
            alias.input_price_micros_per_mtok = usd_to_micros(data.input_price_per_million)
        if data.output_price_per_million is not None:
            alias.output_price_micros_per_mtok = usd_to_micros(data.output_price_per_million)
        if "markup_percent" in fields:
            alias.markup_percent = data.markup_percent
        if data.cache_enabled is not None:
            alias.cache_enabled = data.cache_enabled
        if "description" in fields:
            alias.description = data.description
        session.flush()
        affected = teams_with_groups(session, _groups_of_alias(session, name)) if data.litellm_model else []
        return alias_out(session, alias), affected

    out, teams = await run_in_transaction(write)
    admission.forget()
    await litellm_sync.sync_team_models(proxy, teams)
    return out
