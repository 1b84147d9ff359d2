"""Organizations: the tenants that teams belong to. They exist only here; LiteLLM has none."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AlreadyExists
from ..models import Organization, Team
from . import schemas


def organization_out(session: Session, org: Organization) -> schemas.OrganizationOut:
    team_ids = session.execute(select(Team.id).where(Team.organization_id == org.id).order_by(Team.id)).scalars()
    return schemas.OrganizationOut(
        organization_id=org.id,
        name=org.name,
        metadata=org.metadata_,
        created_at=org.created_at,
        team_ids=list(team_ids),
    )


def create_organization(session: Session, data: schemas.OrganizationCreate) -> tuple[schemas.OrganizationOut, bool]:
    """Create an organization; an identical repeat returns the existing one (created=False)."""
    existing = session.get(Organization, data.organization_id)
    if existing is not None:
        if existing.name != data.name or existing.metadata_ != data.metadata:
            raise AlreadyExists(f"organization '{data.organization_id}' already exists", param="organization_id")
        return organization_out(session, existing), False
    org = Organization(id=data.organization_id, name=data.name, metadata_=data.metadata)
    session.add(org)
    session.flush()
    return organization_out(session, org), True


def list_organizations(session: Session) -> list[schemas.OrganizationOut]:
    orgs = session.execute(select(Organization).order_by(Organization.created_at, Organization.id)).scalars()
    return [organization_out(session, org) for org in orgs]
