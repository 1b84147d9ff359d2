"""Organizations, model access groups, model aliases and teams.

Teams mirror into LiteLLM: each team is a LiteLLM team with one LiteLLM virtual key, kept
server-side (keys.py), whose model list is the LiteLLM models behind the aliases of the team's access
groups. Changing groups or aliases updates that key; suspending a team blocks it. The keys teams
hold are API keys of ours (keys.py), which the proxy does not know.
"""

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import admission
from ..auth import forget_key
from ..billing import ledger
from ..billing.pricing import per_token_usd_to_micros_per_mtok
from ..config import get_settings
from ..db import run_in_transaction
from ..errors import Conflict, NotFound, UnprocessableEntity
from ..litellm_proxy import AdminRequestRefused, LiteLLMProxy
from ..models import (
    BudgetMode,
    CacheScope,
    EntryKind,
    FailedJobPolicy,
    LimitType,
    ModelAccessGroup,
    ModelAlias,
    Organization,
    Team,
    TeamKey,
    TeamStatus,
    group_aliases,
    team_access_groups,
)
from ..money import MICROS_PER_USD, usd_to_micros
from . import keys, schemas

BUDGET_UNITS = {
    BudgetMode.JOB_BASED: "credits",
    BudgetMode.CONSUMPTION_USD: "usd_micros",
    BudgetMode.CONSUMPTION_TOKENS: "tokens",
}


# -- organizations ------------------------------------------------------------------------------


def create_organization(session: Session, data: schemas.OrganizationCreate) -> tuple[schemas.OrganizationOut, bool]:
    """Create an organization; an identical repeat returns the existing one (created=False)."""
    existing = session.get(Organization, data.organization_id)
    if existing is not None:
        if existing.name != data.name or existing.metadata_ != data.metadata:
            raise Conflict(f"organization '{data.organization_id}' already exists", param="organization_id")
        return organization_out(session, existing), False
    org = Organization(id=data.organization_id, name=data.name, metadata_=data.metadata)
    session.add(org)
    session.flush()
    return organization_out(session, org), True


def organization_out(session: Session, org: Organization) -> schemas.OrganizationOut:
    team_ids = session.execute(select(Team.id).where(Team.organization_id == org.id).order_by(Team.id)).scalars()
    return schemas.OrganizationOut(
        organization_id=org.id,
        name=org.name,
        metadata=org.metadata_,
        created_at=org.created_at,
        team_ids=list(team_ids),
    )


def get_organization(session: Session, organization_id: str) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound(f"organization '{organization_id}' not found")
    return org


def list_organizations(session: Session) -> list[schemas.OrganizationOut]:
    orgs = session.execute(select(Organization).order_by(Organization.created_at, Organization.id)).scalars()
    return [organization_out(session, org) for org in orgs]


# -- model aliases and access groups ------------------------------------------------------------


def _aliases_of_group(session: Session, group_name: str) -> list[str]:
    rows = session.execute(
        select(group_aliases.c.alias).where(group_aliases.c.group_name == group_name).order_by(group_aliases.c.alias)
    )
    return list(rows.scalars())


def _groups_of_alias(session: Session, alias: str) -> list[str]:
    rows = session.execute(
        select(group_aliases.c.group_name).where(group_aliases.c.alias == alias).order_by(group_aliases.c.group_name)
    )
    return list(rows.scalars())


def _require_aliases(session: Session, aliases: Iterable[str]) -> None:
    wanted = set(aliases)
    found = set(session.execute(select(ModelAlias.alias).where(ModelAlias.alias.in_(wanted))).scalars())
    if missing := sorted(wanted - found):
        raise UnprocessableEntity(f"unknown model alias(es): {', '.join(missing)}", param="model_aliases")


def _require_groups(session: Session, groups: Iterable[str], param: str = "access_groups") -> None:
    wanted = set(groups)
    found = set(
        session.execute(select(ModelAccessGroup.group_name).where(ModelAccessGroup.group_name.in_(wanted))).scalars()
    )
    if missing := sorted(wanted - found):
        raise UnprocessableEntity(f"unknown model access group(s): {', '.join(missing)}", param=param)


def group_out(session: Session, group: ModelAccessGroup) -> schemas.AccessGroupOut:
    return schemas.AccessGroupOut(
        group_name=group.group_name,
        description=group.description,
        model_aliases=_aliases_of_group(session, group.group_name),
        created_at=group.created_at,
    )


def get_group(session: Session, group_name: str) -> ModelAccessGroup:
    group = session.get(ModelAccessGroup, group_name)
    if group is None:
        raise NotFound(f"model access group '{group_name}' not found")
    return group


def create_group(session: Session, data: schemas.AccessGroupCreate) -> tuple[schemas.AccessGroupOut, bool]:
    existing = session.get(ModelAccessGroup, data.group_name)
    if existing is not None:
        # An identical repeat (aliases left out means "whatever it has") returns the group.
        same = existing.description == data.description and (
            data.model_aliases is None or set(_aliases_of_group(session, data.group_name)) == set(data.model_aliases)
        )
        if not same:
            raise Conflict(f"model access group '{data.group_name}' already exists", param="group_name")
        return group_out(session, existing), False
    aliases = data.model_aliases or []
    _require_aliases(session, aliases)
    group = ModelAccessGroup(group_name=data.group_name, description=data.description)
    session.add(group)
    session.flush()
    _set_group_aliases(session, data.group_name, aliases)
    return group_out(session, group), True


def _set_group_aliases(session: Session, group_name: str, aliases: Iterable[str]) -> None:
    session.execute(delete(group_aliases).where(group_aliases.c.group_name == group_name))
    rows = [{"group_name": group_name, "alias": alias} for alias in sorted(set(aliases))]
    if rows:
        session.execute(insert(group_aliases), rows)


def update_group(
    session: Session, group_name: str, data: schemas.AccessGroupUpdate
) -> tuple[schemas.AccessGroupOut, list[str]]:
    """Update a group; returns it and the teams whose LiteLLM keys must follow."""
    group = get_group(session, group_name)
    if "description" in data.model_fields_set:
        group.description = data.description
    if data.model_aliases is not None:
        _require_aliases(session, data.model_aliases)
        _set_group_aliases(session, group_name, data.model_aliases)
    session.flush()
    admission.forget()
    return group_out(session, group), _teams_with_groups(session, [group_name])


def list_groups(session: Session) -> list[schemas.AccessGroupOut]:
    groups = session.execute(select(ModelAccessGroup).order_by(ModelAccessGroup.group_name)).scalars()
    return [group_out(session, g) for g in groups]


def _teams_with_groups(session: Session, groups: list[str]) -> list[str]:
    rows = session.execute(
        select(team_access_groups.c.team_id).where(team_access_groups.c.group_name.in_(groups)).distinct()
    )
    return sorted(rows.scalars())


def _percent(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _usd_per_million(micros: int) -> Decimal:
    # Plain notation: normalize() alone would print $10 as "1E+1".
    return Decimal(format((Decimal(micros) / MICROS_PER_USD).normalize(), "f"))


def alias_out(session: Session, alias: ModelAlias) -> schemas.AliasOut:
    return schemas.AliasOut(
        alias=alias.alias,
        litellm_model=alias.litellm_model,
        input_price_per_million=_usd_per_million(alias.input_price_micros_per_mtok),
        output_price_per_million=_usd_per_million(alias.output_price_micros_per_mtok),
        markup_percent=_percent(alias.markup_percent) if alias.markup_percent is not None else None,
        cache_enabled=alias.cache_enabled,
        cache_scope=CacheScope(alias.cache_scope),
        max_output_tokens=alias.max_output_tokens,
        description=alias.description,
        access_groups=_groups_of_alias(session, alias.alias),
    )


def get_alias(session: Session, alias: str) -> ModelAlias:
    found = session.get(ModelAlias, alias)
    if found is None:
        raise NotFound(f"model alias '{alias}' not found")
    return found


def list_aliases(session: Session) -> list[schemas.AliasOut]:
    aliases = session.execute(select(ModelAlias).order_by(ModelAlias.alias)).scalars()
    return [alias_out(session, a) for a in aliases]


async def _proxy_price(proxy: LiteLLMProxy, litellm_model: str) -> tuple[int, int, int]:
    """The model's per-1M-token prices and output token limit from LiteLLM's cost map; 422 if the
    proxy does not serve it."""
    prices = await proxy.model_prices()
    if litellm_model not in prices:
        served = ", ".join(sorted(prices)) or "none"
        raise UnprocessableEntity(
            f"the LiteLLM proxy serves no model named '{litellm_model}' (it serves: {served})", param="litellm_model"
        )
    input_cost, output_cost, max_output = prices[litellm_model]
    return (
        per_token_usd_to_micros_per_mtok(input_cost),
        per_token_usd_to_micros_per_mtok(output_cost),
        max_output or get_settings().default_max_output_tokens,
    )


async def create_alias(proxy: LiteLLMProxy, data: schemas.AliasCreate) -> tuple[schemas.AliasOut, list[str]]:
    input_price, output_price, max_output = await _proxy_price(proxy, data.litellm_model)
    if data.input_price_per_million is not None:
        input_price = usd_to_micros(data.input_price_per_million)
    if data.output_price_per_million is not None:
        output_price = usd_to_micros(data.output_price_per_million)

    def write(session: Session) -> tuple[schemas.AliasOut, list[str]]:
        if session.get(ModelAlias, data.alias) is not None:
            raise Conflict(f"model alias '{data.alias}' already exists", param="alias")
        _require_groups(session, data.access_groups)
        alias = ModelAlias(
            alias=data.alias,
            litellm_model=data.litellm_model,
            input_price_micros_per_mtok=input_price,
            output_price_micros_per_mtok=output_price,
            markup_percent=data.markup_percent,
            cache_enabled=data.cache_enabled,
            cache_scope=data.cache_scope,
            max_output_tokens=data.max_output_tokens or max_output,
            description=data.description,
        )
        session.add(alias)
        session.flush()
        if data.access_groups:
            session.execute(insert(group_aliases), [{"group_name": g, "alias": data.alias} for g in data.access_groups])
        return alias_out(session, alias), _teams_with_groups(session, data.access_groups)

    result = await run_in_transaction(write)
    admission.forget()
    return result


async def update_alias(proxy: LiteLLMProxy, name: str, data: schemas.AliasUpdate) -> tuple[schemas.AliasOut, list[str]]:
    model_max_output = None
    if data.litellm_model is not None:
        model_max_output = (await _proxy_price(proxy, data.litellm_model))[2]

    def write(session: Session) -> tuple[schemas.AliasOut, list[str]]:
        alias = get_alias(session, name)
        fields = data.model_fields_set
        if data.litellm_model is not None:
            alias.litellm_model = data.litellm_model
        if data.max_output_tokens is not None or model_max_output is not None:  # a new model brings its own limit
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
        affected = _teams_with_groups(session, _groups_of_alias(session, name)) if data.litellm_model else []
        return alias_out(session, alias), affected

    result = await run_in_transaction(write)
    admission.forget()
    return result


# -- teams --------------------------------------------------------------------------------------


def team_groups(session: Session, team_id: str) -> list[str]:
    rows = session.execute(
        select(team_access_groups.c.group_name)
        .where(team_access_groups.c.team_id == team_id)
        .order_by(team_access_groups.c.group_name)
    )
    return list(rows.scalars())


def team_out(session: Session, team: Team) -> schemas.TeamOut:
    return schemas.TeamOut(
        team_id=team.id,
        organization_id=team.organization_id,
        team_alias=team.team_alias,
        status=team.status,
        access_groups=team_groups(session, team.id),
        budget_mode=BudgetMode(team.budget_mode),
        budget_unit=BUDGET_UNITS[BudgetMode(team.budget_mode)],
        limit_type=LimitType(team.limit_type),
        warn_threshold_percent=team.warn_threshold_percent,
        overage_ceiling=team.overage_ceiling,
        markup_percent=_percent(team.markup_percent),
        failed_job_policy=FailedJobPolicy(team.failed_job_policy),
        default_alias=team.default_alias,
        rpm_limit=team.rpm_limit,
        tpm_limit=team.tpm_limit,
        credits_allocated=team.credits_allocated,
        credits_remaining=team.credits_remaining,
        credits_available=team.credits_available,
        credits_held=team.credits_held,
        credits_used=team.credits_used,
        key_prefix=keys.newest_key_prefix(session, team.id),
        metadata=team.metadata_,
        created_at=team.created_at,
    )


def get_team(session: Session, team_id: str) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"team '{team_id}' not found")
    return team


def list_teams(session: Session, organization_id: str | None = None) -> list[schemas.TeamOut]:
    query = select(Team).order_by(Team.created_at, Team.id)
    if organization_id is not None:
        query = query.where(Team.organization_id == organization_id)
    return [team_out(session, team) for team in session.execute(query).scalars()]


def _check_default_alias(session: Session, default_alias: str | None, groups: list[str]) -> None:
    if default_alias is None:
        return
    rows = session.execute(
        select(group_aliases.c.alias).where(
            group_aliases.c.group_name.in_(groups), group_aliases.c.alias == default_alias
        )
    ).first()
    if rows is None:
        raise UnprocessableEntity(
            f"default_alias '{default_alias}' is not in the team's access groups", param="default_alias"
        )


async def create_team(proxy: LiteLLMProxy, data: schemas.TeamCreate) -> schemas.TeamCreated:
    """Validate, mint the LiteLLM team and the team's LiteLLM key, then record the team with its
    opening grant and its first API key."""

    def validate(session: Session) -> list[str]:
        get_organization(session, data.organization_id)
        if session.get(Team, data.team_id) is not None:
            raise Conflict(f"team '{data.team_id}' already exists", param="team_id")
        _require_groups(session, data.access_groups)
        _check_default_alias(session, data.default_alias, data.access_groups)
        return keys.litellm_models(session, data.access_groups)

    models = await run_in_transaction(validate)
    metadata = {"saas_organization_id": data.organization_id, "saas_team_id": data.team_id}
    # An empty list would mean "every model" to LiteLLM; the team's key carries its models.
    try:
        await proxy.create_team(data.team_id, data.team_alias, [], metadata)
    except AdminRequestRefused as exc:
        # Left by an attempt that timed out before recording the team (we have none by this id): reuse it.
        if exc.status != 400 or "already exists" not in exc.message:
            raise
    try:
        litellm_key = await keys.mint_litellm_key(
            proxy, data.team_id, data.organization_id, models, data.rpm_limit, data.tpm_limit
        )
    except Exception:
        await proxy.delete_team(data.team_id)
        raise
    api_key = keys.new_api_key()

    def write(session: Session) -> schemas.TeamCreated:
        team = Team(
            id=data.team_id,
            organization_id=data.organization_id,
            team_alias=data.team_alias,
            budget_mode=data.budget_mode,
            limit_type=data.limit_type,
            warn_threshold_percent=data.warn_threshold_percent,
            overage_ceiling=data.overage_ceiling,
            markup_percent=data.markup_percent,
            failed_job_policy=data.failed_job_policy,
            default_alias=data.default_alias,
            rpm_limit=data.rpm_limit,
            tpm_limit=data.tpm_limit,
            metadata_=data.metadata,
        )
        session.add(team)
        session.flush()
        session.add(litellm_key.row(data.team_id))
        keys.add_api_key(session, data.team_id, api_key)
        if data.access_groups:
            session.execute(
                insert(team_access_groups), [{"team_id": data.team_id, "group_name": g} for g in data.access_groups]
            )
        if data.credits_allocated:
            ledger.add_credits(session, data.team_id, data.credits_allocated, EntryKind.GRANT, "initial allocation")
        session.flush()
        session.refresh(team)
        return schemas.TeamCreated(**team_out(session, team).model_dump(), api_key=api_key, virtual_key=api_key)

    try:
        return await run_in_transaction(write)
    except IntegrityError as exc:
        await proxy.delete_team(data.team_id)
        if getattr(exc.orig, "pgcode", None) == "23505" and "teams_pkey" in str(exc.orig):
            raise Conflict(f"team '{data.team_id}' already exists", param="team_id") from exc
        raise
    except Exception:
        await proxy.delete_team(data.team_id)
        raise


async def update_team(proxy: LiteLLMProxy, team_id: str, data: schemas.TeamUpdate) -> schemas.TeamOut:
    fields = data.model_fields_set

    def write(session: Session) -> tuple[schemas.TeamOut, dict[str, object]]:
        team = get_team(session, team_id)
        groups = data.access_groups if data.access_groups is not None else team_groups(session, team_id)
        if data.access_groups is not None:
            _require_groups(session, data.access_groups)
            session.execute(delete(team_access_groups).where(team_access_groups.c.team_id == team_id))
            if groups:
                session.execute(insert(team_access_groups), [{"team_id": team_id, "group_name": g} for g in groups])
        default_alias = data.default_alias if "default_alias" in fields else team.default_alias
        _check_default_alias(session, default_alias, groups)
        for name in ("limit_type", "warn_threshold_percent", "markup_percent", "failed_job_policy"):
            if name in fields and getattr(data, name) is None:
                raise UnprocessableEntity(f"{name}: may not be null", param=name)
        for name in ("team_alias", "limit_type", "warn_threshold_percent", "overage_ceiling", "markup_percent",
                     "failed_job_policy", "default_alias", "rpm_limit", "tpm_limit"):  # fmt: skip
            if name in fields:
                setattr(team, name, getattr(data, name))
        if data.metadata is not None:
            team.metadata_ = data.metadata
        key_changes: dict[str, object] = {}
        if data.access_groups is not None:
            key_changes["models"] = keys.litellm_models(session, groups)
        for limit in ("rpm_limit", "tpm_limit"):
            if limit in fields:
                key_changes[limit] = getattr(data, limit)
        session.flush()
        return team_out(session, team), key_changes

    out, changes = await run_in_transaction(write)
    admission.forget()
    if changes:
        for key_hash in await run_in_transaction(keys.litellm_key_hashes, team_id):
            await proxy.update_key(key_hash, **changes)
    return out


async def sync_team_keys(proxy: LiteLLMProxy, team_ids: list[str]) -> None:
    """Make the LiteLLM keys of these teams allow exactly their groups' models."""

    def load(session: Session) -> list[tuple[str, list[str]]]:
        return [
            (key_hash, keys.team_litellm_models(session, t))
            for t in team_ids
            for key_hash in keys.litellm_key_hashes(session, t)
        ]

    for key_hash, models in await run_in_transaction(load):
        await proxy.update_key(key_hash, models=models)


async def set_team_status(proxy: LiteLLMProxy, team_id: str, status: TeamStatus) -> schemas.TeamOut:
    """Suspend or resume: our status stops admission at once; the LiteLLM key follows."""

    def write(session: Session) -> tuple[schemas.TeamOut, list[str]]:
        team = get_team(session, team_id)
        team.status = status
        session.flush()
        return team_out(session, team), keys.litellm_key_hashes(session, team_id)

    out, key_hashes = await run_in_transaction(write)
    admission.forget()
    for key_hash in key_hashes:
        await proxy.set_key_blocked(key_hash, status == TeamStatus.SUSPENDED)
    return out


# -- team API keys ------------------------------------------------------------------------------


def _key_out(key: TeamKey) -> schemas.TeamKeyOut:
    return schemas.TeamKeyOut(
        key_id=key.key_id, key_prefix=key.key_prefix, created_at=key.created_at, revoked_at=key.revoked_at
    )


def list_keys(session: Session, team_id: str) -> list[schemas.TeamKeyOut]:
    get_team(session, team_id)
    rows = session.execute(select(TeamKey).where(TeamKey.team_id == team_id).order_by(TeamKey.created_at)).scalars()
    return [_key_out(k) for k in rows]


async def _move_to_own_litellm_key(proxy: LiteLLMProxy, team_id: str) -> None:
    """A team from before 0006 gets its own LiteLLM key before its keys change (as at startup)."""
    if await run_in_transaction(keys.needs_migration, team_id):
        await keys.ensure_own_litellm_key(proxy, team_id)


async def create_key(proxy: LiteLLMProxy, team_id: str) -> schemas.TeamKeyCreated:
    """Another API key for the team (rotation, or one key per environment). Ours alone: the proxy
    is not asked."""
    await run_in_transaction(get_team, team_id)
    await _move_to_own_litellm_key(proxy, team_id)
    api_key = keys.new_api_key()

    def write(session: Session) -> schemas.TeamKeyCreated:
        row = keys.add_api_key(session, team_id, api_key)
        return schemas.TeamKeyCreated(**_key_out(row).model_dump(), api_key=api_key, virtual_key=api_key)

    return await run_in_transaction(write)


async def revoke_key(proxy: LiteLLMProxy, team_id: str, key_id: str) -> schemas.TeamKeyOut:
    """Revoke an active key: this process refuses it at once, the others within auth.py's cache TTL.
    A key that is unknown or already revoked is 404."""
    await _move_to_own_litellm_key(proxy, team_id)  # so the key no longer opens the proxy either

    def write(session: Session) -> TeamKey:
        get_team(session, team_id)
        key = session.execute(
            select(TeamKey)
            .where(TeamKey.team_id == team_id, TeamKey.key_hash.startswith(key_id, autoescape=True))
            .with_for_update()
        ).scalar_one_or_none()
        if key is None or len(key_id) < 16 or key.revoked_at is not None:
            raise NotFound(f"no active key '{key_id}' for team '{team_id}'", param="key_id")
        key.revoked_at = func.now()
        session.flush()
        session.refresh(key)
        return key

    key = await run_in_transaction(write)
    forget_key(key.key_hash)
    return _key_out(key)
