"""Teams: created with their LiteLLM team and key and their first API key, edited, suspended and
resumed. Their LiteLLM key follows every change to their models, limits and status (litellm_sync.py).
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import admission
from ..billing import ledger
from ..billing.units import budget_unit
from ..db import run_in_transaction
from ..errors import AlreadyExists, UnprocessableEntity
from ..litellm_proxy import LiteLLMProxy
from ..models import BudgetMode, EntryKind, FailedJobPolicy, LimitType, Team, TeamStatus, group_aliases
from . import keys, litellm_sync, schemas
from .lookups import get_organization, get_team
from .model_access import require_groups, set_team_groups, team_groups

# The team settings a create or an edit copies as they are.
_SETTINGS = ("team_alias", "limit_type", "warn_threshold_percent", "overage_ceiling", "markup_percent",
             "failed_job_policy", "job_type_prices", "default_alias", "rpm_limit", "tpm_limit")  # fmt: skip


def credit_balance(team: Team) -> dict[str, int]:
    """The team's credits as the admin views show them (the team and its ledger)."""
    return {
        "credits_allocated": team.credits_allocated,
        "credits_remaining": team.credits_remaining,
        "credits_available": team.credits_available,
        "credits_held": team.credits_held,
    }


def team_out(session: Session, team: Team) -> schemas.TeamOut:
    return schemas.TeamOut(
        team_id=team.id,
        organization_id=team.organization_id,
        team_alias=team.team_alias,
        status=team.status,
        access_groups=team_groups(session, team.id),
        budget_mode=BudgetMode(team.budget_mode),
        budget_unit=budget_unit(team.budget_mode),
        limit_type=LimitType(team.limit_type),
        warn_threshold_percent=team.warn_threshold_percent,
        overage_ceiling=team.overage_ceiling,
        markup_percent=team.markup_percent,
        failed_job_policy=FailedJobPolicy(team.failed_job_policy),
        job_type_prices=team.job_type_prices,
        default_alias=team.default_alias,
        rpm_limit=team.rpm_limit,
        tpm_limit=team.tpm_limit,
        **credit_balance(team),
        credits_used=team.credits_used,
        key_prefix=keys.newest_key_prefix(session, team.id),
        metadata=team.metadata_,
        created_at=team.created_at,
    )


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


def _already_exists(team_id: str) -> AlreadyExists:
    return AlreadyExists(f"team '{team_id}' already exists", param="team_id")


async def create_team(proxy: LiteLLMProxy, data: schemas.TeamCreate) -> schemas.TeamCreated:
    """Validate, mint the LiteLLM team and the team's LiteLLM key, then record the team with its
    opening grant and its first API key (returned once)."""

    def validate(session: Session) -> list[str]:
        get_organization(session, data.organization_id)
        if session.get(Team, data.team_id) is not None:
            raise _already_exists(data.team_id)
        require_groups(session, data.access_groups)
        _check_default_alias(session, data.default_alias, data.access_groups)
        return litellm_sync.litellm_models(session, data.access_groups)

    models = await run_in_transaction(validate)
    litellm_key = await litellm_sync.register_team(
        proxy, data.team_id, data.team_alias, data.organization_id, models, data.rpm_limit, data.tpm_limit
    )
    api_key = keys.new_api_key()

    def write(session: Session) -> schemas.TeamCreated:
        settings = {name: getattr(data, name) for name in _SETTINGS}
        team = Team(id=data.team_id, organization_id=data.organization_id, budget_mode=data.budget_mode,
                    metadata_=data.metadata, **settings)  # fmt: skip
        session.add(team)
        session.flush()
        session.add(litellm_key.row(data.team_id))
        keys.add_api_key(session, data.team_id, api_key)
        set_team_groups(session, data.team_id, data.access_groups)
        if data.credits_allocated:
            ledger.add_credits(session, data.team_id, data.credits_allocated, EntryKind.GRANT, "initial allocation")
        session.flush()
        session.refresh(team)
        return schemas.TeamCreated(**team_out(session, team).model_dump(), api_key=api_key, virtual_key=api_key)

    try:
        return await run_in_transaction(write)
    except IntegrityError as exc:
        await litellm_sync.discard_team(proxy, data.team_id)
        if getattr(exc.orig, "pgcode", None) == "23505" and "teams_pkey" in str(exc.orig):
            raise _already_exists(data.team_id) from exc
        raise
    except Exception:
        await litellm_sync.discard_team(proxy, data.team_id)
        raise


async def update_team(proxy: LiteLLMProxy, team_id: str, data: schemas.TeamUpdate) -> schemas.TeamOut:
    """Edit a team's settings and access groups; its LiteLLM key follows its models and limits."""
    fields = data.model_fields_set

    def write(session: Session) -> tuple[schemas.TeamOut, dict[str, object]]:
        team = get_team(session, team_id)
        groups = data.access_groups if data.access_groups is not None else team_groups(session, team_id)
        if data.access_groups is not None:
            require_groups(session, data.access_groups)
            set_team_groups(session, team_id, groups)
        default_alias = data.default_alias if "default_alias" in fields else team.default_alias
        _check_default_alias(session, default_alias, groups)
        for name in ("limit_type", "warn_threshold_percent", "markup_percent", "failed_job_policy", "job_type_prices"):
            if name in fields and getattr(data, name) is None:
                raise UnprocessableEntity(f"{name}: may not be null", param=name)
        for name in _SETTINGS:
            if name in fields:
                setattr(team, name, getattr(data, name))
        if data.metadata is not None:
            team.metadata_ = data.metadata
        key_changes: dict[str, object] = {}
        if data.access_groups is not None:
            key_changes["models"] = litellm_sync.litellm_models(session, groups)
        for limit in ("rpm_limit", "tpm_limit"):
            if limit in fields:
                key_changes[limit] = getattr(data, limit)
        session.flush()
        return team_out(session, team), key_changes

    out, changes = await run_in_transaction(write)
    admission.forget()
    if changes:
        await litellm_sync.update_team_keys(proxy, team_id, **changes)
    return out


async def set_team_status(proxy: LiteLLMProxy, team_id: str, status: TeamStatus) -> schemas.TeamOut:
    """Suspend or resume: our status stops admission at once; the LiteLLM key follows."""

    def write(session: Session) -> schemas.TeamOut:
        team = get_team(session, team_id)
        team.status = status
        session.flush()
        return team_out(session, team)

    out = await run_in_transaction(write)
    admission.forget()
    await litellm_sync.block_team_keys(proxy, team_id, status == TeamStatus.SUSPENDED)
    return out
