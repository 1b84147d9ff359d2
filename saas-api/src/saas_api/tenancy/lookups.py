"""Finding an organization, team, model access group or model alias by its id, or NotFound.

Here, below the resource modules, because those need each other's lookups: keys.py and credits.py
look a team up, and teams.py creates a team with its first key (keys.py); in teams.py, get_team
would make an import cycle.
"""

from typing import TypeVar

from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import Base, ModelAccessGroup, ModelAlias, Organization, Team

Row = TypeVar("Row", bound=Base)


def _find(session: Session, table: type[Row], key: str, what: str) -> Row:
    row = session.get(table, key)
    if row is None:
        raise NotFound(f"{what} '{key}' not found")
    return row


def get_organization(session: Session, organization_id: str) -> Organization:
    return _find(session, Organization, organization_id, "organization")


def get_team(session: Session, team_id: str) -> Team:
    return _find(session, Team, team_id, "team")


def get_group(session: Session, group_name: str) -> ModelAccessGroup:
    return _find(session, ModelAccessGroup, group_name, "model access group")


def get_alias(session: Session, alias: str) -> ModelAlias:
    return _find(session, ModelAlias, alias, "model alias")
