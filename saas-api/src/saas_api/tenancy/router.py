"""Admin API: organizations, model access groups, model aliases, teams, their API keys and credits."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from ..auth import AdminDep
from ..db import SessionDep, run_in_transaction
from ..idempotency import idempotent
from ..litellm_proxy import proxy_of
from ..models import TeamStatus
from . import credits, keys, lookups, model_access, organizations, schemas, teams

router = APIRouter(prefix="/api", dependencies=[AdminDep])


def _created(response: Response, created: bool) -> None:
    """A create answers 201, and an identical repeat of one 200 with what exists."""
    if not created:
        response.status_code = 200


# -- organizations ------------------------------------------------------------------------------


@router.post("/organizations/create", response_model=schemas.OrganizationOut, status_code=201, tags=["organizations"])
def create_organization(
    data: schemas.OrganizationCreate, session: SessionDep, response: Response
) -> schemas.OrganizationOut:
    """Create an organization. Repeating an identical request returns the existing one (200)."""
    org, created = organizations.create_organization(session, data)
    _created(response, created)
    return org


@router.get("/organizations", response_model=list[schemas.OrganizationOut], tags=["organizations"])
def list_organizations(session: SessionDep) -> list[schemas.OrganizationOut]:
    return organizations.list_organizations(session)


@router.get("/organizations/{organization_id}", response_model=schemas.OrganizationOut, tags=["organizations"])
def get_organization(organization_id: str, session: SessionDep) -> schemas.OrganizationOut:
    return organizations.organization_out(session, lookups.get_organization(session, organization_id))


# -- model access groups ------------------------------------------------------------------------


@router.post(
    "/model-access-groups/create", response_model=schemas.AccessGroupOut, status_code=201, tags=["model access"]
)
def create_group(data: schemas.AccessGroupCreate, session: SessionDep, response: Response) -> schemas.AccessGroupOut:
    """Create a model access group. Repeating an identical request returns the existing one (200)."""
    group, created = model_access.create_group(session, data)
    _created(response, created)
    return group


@router.get("/model-access-groups", response_model=list[schemas.AccessGroupOut], tags=["model access"])
def list_groups(session: SessionDep) -> list[schemas.AccessGroupOut]:
    return model_access.list_groups(session)


@router.get("/model-access-groups/{group_name}", response_model=schemas.AccessGroupOut, tags=["model access"])
def get_group(group_name: str, session: SessionDep) -> schemas.AccessGroupOut:
    return model_access.group_out(session, lookups.get_group(session, group_name))


@router.put("/model-access-groups/{group_name}", response_model=schemas.AccessGroupOut, tags=["model access"])
async def update_group(group_name: str, data: schemas.AccessGroupUpdate, request: Request) -> schemas.AccessGroupOut:
    """Change a group's description or aliases; the LiteLLM keys of its teams follow."""
    return await model_access.update_group(proxy_of(request), group_name, data)


# -- model aliases ------------------------------------------------------------------------------


@router.post("/model-aliases/create", response_model=schemas.AliasOut, status_code=201, tags=["model access"])
async def create_alias(data: schemas.AliasCreate, request: Request) -> schemas.AliasOut:
    """Create an alias. Prices not given are taken from LiteLLM's cost map for the model."""
    return await model_access.create_alias(proxy_of(request), data)


@router.get("/model-aliases", response_model=list[schemas.AliasOut], tags=["model access"])
def list_aliases(session: SessionDep) -> list[schemas.AliasOut]:
    return model_access.list_aliases(session)


@router.get("/model-aliases/{alias}", response_model=schemas.AliasOut, tags=["model access"])
def get_alias(alias: str, session: SessionDep) -> schemas.AliasOut:
    return model_access.alias_out(session, lookups.get_alias(session, alias))


@router.put("/model-aliases/{alias}", response_model=schemas.AliasOut, tags=["model access"])
async def update_alias(alias: str, data: schemas.AliasUpdate, request: Request) -> schemas.AliasOut:
    return await model_access.update_alias(proxy_of(request), alias, data)


# -- teams --------------------------------------------------------------------------------------


@router.post("/teams/create", response_model=schemas.TeamCreated, status_code=201, tags=["teams"])
async def create_team(data: schemas.TeamCreate, request: Request) -> schemas.TeamCreated:
    """Create a team with its first API key, returned here once (`api_key`). The team's LiteLLM
    virtual key, which carries its models and rate limits, is minted and kept server-side."""
    return await teams.create_team(proxy_of(request), data)


@router.get("/teams", response_model=list[schemas.TeamOut], tags=["teams"])
def list_teams(session: SessionDep, organization_id: str | None = None) -> list[schemas.TeamOut]:
    return teams.list_teams(session, organization_id)


@router.get("/teams/{team_id}", response_model=schemas.TeamOut, tags=["teams"])
def get_team(team_id: str, session: SessionDep) -> schemas.TeamOut:
    return teams.team_out(session, lookups.get_team(session, team_id))


@router.patch("/teams/{team_id}", response_model=schemas.TeamOut, tags=["teams"])
async def update_team(team_id: str, data: schemas.TeamUpdate, request: Request) -> schemas.TeamOut:
    """Edit limits, markup, access groups; the team's LiteLLM key follows."""
    return await teams.update_team(proxy_of(request), team_id, data)


@router.post("/teams/{team_id}/suspend", response_model=schemas.TeamOut, tags=["teams"])
async def suspend_team(team_id: str, request: Request) -> schemas.TeamOut:
    return await teams.set_team_status(proxy_of(request), team_id, TeamStatus.SUSPENDED)


@router.post("/teams/{team_id}/resume", response_model=schemas.TeamOut, tags=["teams"])
async def resume_team(team_id: str, request: Request) -> schemas.TeamOut:
    return await teams.set_team_status(proxy_of(request), team_id, TeamStatus.ACTIVE)


# -- team API keys ------------------------------------------------------------------------------


@router.get("/teams/{team_id}/keys", response_model=list[schemas.TeamKeyOut], tags=["teams"])
def list_keys(team_id: str, session: SessionDep) -> list[schemas.TeamKeyOut]:
    return keys.list_keys(session, team_id)


@router.post("/teams/{team_id}/keys", response_model=schemas.TeamKeyCreated, status_code=201, tags=["teams"])
async def create_key(
    team_id: str, request: Request, data: schemas.TeamKeyCreate | None = None
) -> schemas.TeamKeyCreated:
    """Another API key for the team, e.g. to rotate keys without downtime or one per environment
    (`label`: `production`, `staging`). Shown once (`api_key`)."""
    return await keys.create_key(proxy_of(request), team_id, data.label if data else None)


@router.delete("/teams/{team_id}/keys/{key_id}", response_model=schemas.TeamKeyOut, tags=["teams"])
async def revoke_key(team_id: str, key_id: str, request: Request) -> schemas.TeamKeyOut:
    """Revoke an active key (its `key_id` from the key list); an unknown or revoked one is 404."""
    return await keys.revoke_key(proxy_of(request), team_id, key_id)


# -- credits ------------------------------------------------------------------------------------


@router.post("/teams/{team_id}/credits/add", response_model=schemas.TeamOut, tags=["credits"])
def add_credits(team_id: str, data: schemas.CreditsAdd, session: SessionDep) -> schemas.TeamOut:
    return credits.add_credits(session, team_id, data)


@router.post("/teams/{team_id}/credits/adjust", response_model=schemas.TeamOut, tags=["credits"])
def adjust_credits(team_id: str, data: schemas.CreditsAdjust, session: SessionDep) -> schemas.TeamOut:
    """A signed correction, recorded in the ledger with its reason."""
    return credits.adjust_credits(session, team_id, data)


@router.post("/teams/{team_id}/credits/refund", response_model=schemas.TeamOut, tags=["credits"])
async def refund_credits(
    team_id: str,
    data: schemas.CreditsRefund,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    """Give charged credits back (a `refund` entry, optionally for one of the team's jobs): the
    balance rises, the allocation stays the same. An `Idempotency-Key` makes a retry refund once."""

    async def work() -> tuple[int, schemas.TeamOut]:
        return 200, await run_in_transaction(credits.refund_credits, team_id, data)

    return await idempotent(team_id, idempotency_key, "credits.refund", data, work)


@router.get("/teams/{team_id}/ledger", response_model=schemas.LedgerOut, tags=["credits"])
def team_ledger(
    team_id: str,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="cursor: entries with a smaller id")] = None,
) -> schemas.LedgerOut:
    """The team's balance and its ledger entries, newest first."""
    return credits.team_ledger(session, team_id, limit, before)
