"""What admitting a call needs to know about a team and its aliases, cached per process for a
moment: it changes rarely and is read on every call.

Money never depends on this cache: credits are checked and held by a conditional UPDATE in the
same transaction as the call. A suspension reaches other processes within `TTL_SECONDS`, and the
team's LiteLLM key is blocked at once, so the proxy refuses its calls meanwhile. Changes made
through this process drop the cache immediately.
"""

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import run_in_transaction
from .errors import ModelNotAllowed, NotFound
from .models import ModelAlias, Team, group_aliases, team_access_groups

TTL_SECONDS = 2.0
V = TypeVar("V")


@dataclass(frozen=True)
class TeamView:
    team_id: str
    organization_id: str
    status: str
    budget_mode: str
    markup_percent: Decimal
    default_alias: str | None
    allowed_aliases: frozenset[str]


@dataclass(frozen=True)
class AliasView:
    alias: str
    litellm_model: str
    input_price_micros_per_mtok: int
    output_price_micros_per_mtok: int
    markup_percent: Decimal | None
    cache_enabled: bool
    cache_scope: str
    max_output_tokens: int
    mode: str = "chat"  # models.AliasMode
    supports_vision: bool = True


_teams: dict[str, tuple[float, TeamView]] = {}
_aliases: dict[str, tuple[float, AliasView | None]] = {}


def forget() -> None:
    """Drop everything cached (called by every change to teams, groups or aliases)."""
    _teams.clear()
    _aliases.clear()


async def call_views(team_id: str, requested_alias: str | None) -> tuple[TeamView, AliasView]:
    """The team and the alias a call uses: from the cache while fresh, else read in a transaction."""
    hit, team = _cached(_teams, team_id)
    if hit:
        name = _alias_name(team, requested_alias)
        hit, alias = _cached(_aliases, name)
        if hit:
            return team, _allowed(team, name, alias)
    return await run_in_transaction(_load_views, team_id, requested_alias)


def _load_views(session: Session, team_id: str, requested_alias: str | None) -> tuple[TeamView, AliasView]:
    team = _team_view(session, team_id)
    name = _alias_name(team, requested_alias)
    return team, _allowed(team, name, _alias_view(session, name))


def _cached(cache: dict[str, tuple[float, V]], key: str) -> tuple[bool, V]:
    """(whether the cache holds a fresh entry for key, the entry); an alias's entry may be None."""
    cached = cache.get(key)
    if cached and cached[0] > time.monotonic():
        return True, cached[1]
    return False, None  # type: ignore[return-value]


def _team_view(session: Session, team_id: str) -> TeamView:
    hit, cached = _cached(_teams, team_id)
    if hit:
        return cached
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"team '{team_id}' not found")
    allowed = session.execute(
        select(group_aliases.c.alias)
        .join(team_access_groups, team_access_groups.c.group_name == group_aliases.c.group_name)
        .where(team_access_groups.c.team_id == team_id)
    ).scalars()
    view = TeamView(
        team_id=team.id,
        organization_id=team.organization_id,
        status=team.status,
        budget_mode=team.budget_mode,
        markup_percent=team.markup_percent,
        default_alias=team.default_alias,
        allowed_aliases=frozenset(allowed),
    )
    _teams[team_id] = (time.monotonic() + TTL_SECONDS, view)
    return view


def _alias_view(session: Session, name: str) -> AliasView | None:
    hit, cached_alias = _cached(_aliases, name)
    if hit:
        return cached_alias
    alias = session.get(ModelAlias, name)
    view = (
        None
        if alias is None
        else AliasView(
            alias=alias.alias,
            litellm_model=alias.litellm_model,
            input_price_micros_per_mtok=alias.input_price_micros_per_mtok,
            output_price_micros_per_mtok=alias.output_price_micros_per_mtok,
            markup_percent=alias.markup_percent,
            cache_enabled=alias.cache_enabled,
            cache_scope=alias.cache_scope,
            max_output_tokens=alias.max_output_tokens,
            mode=alias.mode,
            supports_vision=alias.supports_vision,
        )
    )
    _aliases[name] = (time.monotonic() + TTL_SECONDS, view)
    return view


def _alias_name(team: TeamView, requested: str | None) -> str:
    """The alias a call uses: the one asked for, else the team's default, else its first."""
    name = requested or team.default_alias or min(team.allowed_aliases, default=None)
    if name is None:
        raise ModelNotAllowed(
            f"team '{team.team_id}' has no model aliases; ask an admin to grant an access group", param="model"
        )
    return name


def _allowed(team: TeamView, name: str, alias: AliasView | None) -> AliasView:
    if alias is None:
        raise NotFound(f"model alias '{name}' not found", param="model")
    if name not in team.allowed_aliases:
        raise ModelNotAllowed(f"team '{team.team_id}' may not use model alias '{name}'", param="model")
    return alias
