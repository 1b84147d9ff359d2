"""Admin API: organizations, model access groups, model aliases, teams and their credits."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ..auth import AdminDep
from ..billing import ledger
from ..db import SessionDep, run_in_transaction
from ..litellm_proxy import LiteLLMProxy
from ..models import EntryKind, TeamStatus
from . import schemas, service

router = APIRouter(prefix="/api", dependencies=[AdminDep])


def _proxy(request: Request) -> LiteLLMProxy:
    return request.app.state.proxy  # type: ignore[no-any-return]


# -- organizations ------------------------------------------------------------------------------


@router.post("/organizations/create", response_model=schemas.OrganizationOut, status_code=201, tags=["organizations"])
def create_organization(
    data: schemas.OrganizationCreate, session: SessionDep, response: Response
) -> schemas.OrganizationOut:
    """Create an organization. Repeating an identical request returns the existing one (200)."""
    org, created = service.create_organization(session, data)
    if not created:
        response.status_code = 200
    return org


@router.get("/organizations", response_model=list[schemas.OrganizationOut], tags=["organizations"])
def list_organizations(session: SessionDep) -> list[schemas.OrganizationOut]:
    return service.list_organizations(session)


@router.get("/organizations/{organization_id}", response_model=schemas.OrganizationOut, tags=["organizations"])
def get_organization(organization_id: str, session: SessionDep) -> schemas.OrganizationOut:
    return service.organization_out(session, service.get_organization(session, organization_id))


# -- model access groups ------------------------------------------------------------------------


@router.post(
    "/model-access-groups/create", response_model=schemas.AccessGroupOut, status_code=201, tags=["model access"]
)
def create_group(data: schemas.AccessGroupCreate, session: SessionDep, response: Response) -> schemas.AccessGroupOut:
    """Create a model access group. Repeating an identical request returns the existing one (200)."""
    group, created = service.create_group(session, data)
    if not created:
        response.status_code = 200
    return group


@router.get("/model-access-groups", response_model=list[schemas.AccessGroupOut], tags=["model access"])
def list_groups(session: SessionDep) -> list[schemas.AccessGroupOut]:
    return service.list_groups(session)


@router.get("/model-access-groups/{group_name}", response_model=schemas.AccessGroupOut, tags=["model access"])
def get_group(group_name: str, session: SessionDep) -> schemas.AccessGroupOut:
    return service.group_out(session, service.get_group(session, group_name))


@router.put("/model-access-groups/{group_name}", response_model=schemas.AccessGroupOut, tags=["model access"])
async def update_group(group_name: str, data: schemas.AccessGroupUpdate, request: Request) -> schemas.AccessGroupOut:
    """Change a group's description or aliases; the LiteLLM keys of its teams follow."""
    group, teams = await run_in_transaction(service.update_group, group_name, data)
    await service.sync_team_keys(_proxy(request), teams)
    return group


# -- model aliases ------------------------------------------------------------------------------


@router.post("/model-aliases/create", response_model=schemas.AliasOut, status_code=201, tags=["model access"])
async def create_alias(data: schemas.AliasCreate, request: Request) -> schemas.AliasOut:
    """Create an alias. Prices not given are taken from LiteLLM's cost map for the model."""
    alias, teams = await service.create_alias(_proxy(request), data)
    await service.sync_team_keys(_proxy(request), teams)
    return alias


@router.get("/model-aliases", response_model=list[schemas.AliasOut], tags=["model access"])
def list_aliases(session: SessionDep) -> list[schemas.AliasOut]:
    return service.list_aliases(session)


@router.get("/model-aliases/{alias}", response_model=schemas.AliasOut, tags=["model access"])
def get_alias(alias: str, session: SessionDep) -> schemas.AliasOut:
    return service.alias_out(session, service.get_alias(session, alias))


@router.put("/model-aliases/{alias}", response_model=schemas.AliasOut, tags=["model access"])
async def update_alias(alias: str, data: schemas.AliasUpdate, request: Request) -> schemas.AliasOut:
    updated, teams = await service.update_alias(_proxy(request), alias, data)
    await service.sync_team_keys(_proxy(request), teams)
    return updated


# -- teams --------------------------------------------------------------------------------------


@router.post("/teams/create", response_model=schemas.TeamCreated, status_code=201, tags=["teams"])
async def create_team(data: schemas.TeamCreate, request: Request) -> schemas.TeamCreated:
    """Create a team with its first API key, returned here once (`api_key`). The team's LiteLLM
    virtual key, which carries its models and rate limits, is minted and kept server-side."""
    return await service.create_team(_proxy(request), data)


@router.get("/teams", response_model=list[schemas.TeamOut], tags=["teams"])
def list_teams(session: SessionDep, organization_id: str | None = None) -> list[schemas.TeamOut]:
    return service.list_teams(session, organization_id)


@router.get("/teams/{team_id}", response_model=schemas.TeamOut, tags=["teams"])
def get_team(team_id: str, session: SessionDep) -> schemas.TeamOut:
    return service.team_out(session, service.get_team(session, team_id))


@router.patch("/teams/{team_id}", response_model=schemas.TeamOut, tags=["teams"])
async def update_team(team_id: str, data: schemas.TeamUpdate, request: Request) -> schemas.TeamOut:
    """Edit limits, markup, access groups; the team's LiteLLM key follows."""
    return await service.update_team(_proxy(request), team_id, data)


@router.post("/teams/{team_id}/credits/add", response_model=schemas.TeamOut, tags=["credits"])
def add_credits(team_id: str, data: schemas.CreditsAdd, session: SessionDep) -> schemas.TeamOut:
    service.get_team(session, team_id)
    ledger.add_credits(session, team_id, data.amount, EntryKind.TOPUP, data.reason)
    return service.team_out(session, service.get_team(session, team_id))


@router.post("/teams/{team_id}/credits/adjust", response_model=schemas.TeamOut, tags=["credits"])
def adjust_credits(team_id: str, data: schemas.CreditsAdjust, session: SessionDep) -> schemas.TeamOut:
    """A signed correction, recorded in the ledger with its reason."""
    service.get_team(session, team_id)
    ledger.add_credits(session, team_id, data.amount, EntryKind.ADJUSTMENT, data.reason)
    return service.team_out(session, service.get_team(session, team_id))


@router.post("/teams/{team_id}/suspend", response_model=schemas.TeamOut, tags=["teams"])
async def suspend_team(team_id: str, request: Request) -> schemas.TeamOut:
    return await service.set_team_status(_proxy(request), team_id, TeamStatus.SUSPENDED)


@router.post("/teams/{team_id}/resume", response_model=schemas.TeamOut, tags=["teams"])
async def resume_team(team_id: str, request: Request) -> schemas.TeamOut:
    return await service.set_team_status(_proxy(request), team_id, TeamStatus.ACTIVE)


@router.get("/teams/{team_id}/keys", response_model=list[schemas.TeamKeyOut], tags=["teams"])
def list_keys(team_id: str, session: SessionDep) -> list[schemas.TeamKeyOut]:
    return service.list_keys(session, team_id)


@router.post("/teams/{team_id}/keys", response_model=schemas.TeamKeyCreated, status_code=201, tags=["teams"])
async def create_key(team_id: str, request: Request) -> schemas.TeamKeyCreated:
    """Another API key for the team, e.g. to rotate keys without downtime. Shown once (`api_key`)."""
    return await service.create_key(_proxy(request), team_id)


@router.delete("/teams/{team_id}/keys/{key_id}", response_model=schemas.TeamKeyOut, tags=["teams"])
async def revoke_key(team_id: str, key_id: str, request: Request) -> schemas.TeamKeyOut:
    """Revoke an active key (its `key_id` from the key list); an unknown or revoked one is 404."""
    return await service.revoke_key(_proxy(request), team_id, key_id)


@router.get("/teams/{team_id}/ledger", response_model=schemas.LedgerOut, tags=["credits"])
def team_ledger(
    team_id: str,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="cursor: entries with a smaller id")] = None,
) -> schemas.LedgerOut:
    """The team's balance and its ledger entries, newest first."""
    team = service.get_team(session, team_id)
    entries = ledger.entries(session, team_id, limit, before)
    return schemas.LedgerOut(
        team_id=team.id,
        budget_unit=service.BUDGET_UNITS[service.BudgetMode(team.budget_mode)],
        credits_allocated=team.credits_allocated,
        credits_remaining=team.credits_remaining,
        credits_available=team.credits_available,
        credits_held=team.credits_held,
        entries=[
            schemas.LedgerEntryOut(
                id=e.id,
                kind=e.kind,
                amount=e.amount,
                held_delta=e.held_delta,
                charged=e.charged,
                balance_after=e.balance_after,
                job_id=str(e.job_id) if e.job_id else None,
                call_id=str(e.call_id) if e.call_id else None,
                hold_id=str(e.hold_id) if e.hold_id else None,
                reason=e.reason,
                created_at=e.created_at,
            )  # fmt: skip
            for e in entries
        ],
        next_cursor=entries[-1].id if len(entries) == limit else None,
    )
