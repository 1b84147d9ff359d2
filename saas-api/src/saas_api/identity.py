"""Who a team key is: `GET /api/me`, so a client given only its key learns its team."""

from fastapi import APIRouter
from pydantic import BaseModel

from .auth import CurrentTeam

router = APIRouter(prefix="/api", tags=["jobs"])


class Identity(BaseModel):
    team_id: str
    organization_id: str


@router.get("/me", response_model=Identity)
async def who_am_i(team: CurrentTeam) -> Identity:
    """The team (and its organization) that the API key in `Authorization` belongs to."""
    return Identity(team_id=team.team_id, organization_id=team.organization_id)
