"""The engine, sessions, and the way async routes run database work.

Two ways in, one database:

* SQLAlchemy + psycopg2 for everything but the call path: async routes run each unit of work, one
  transaction, in a worker thread with `run_in_transaction`, so the event loop never blocks on it.
* asyncpg for the call path's two statements per LLM call (`fetch_one`): one round trip each, on
  the event loop, no thread hand-off and no ORM. Measured in `benchmarks/call_path_sql.py`: these
  statements cost 0.15-0.3 ms of CPU on asyncpg against 0.45-0.65 ms through SQLAlchemy and
  psycopg2 in a thread, and answer 0.4 ms sooner.
"""

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from functools import lru_cache
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

import asyncpg
from anyio import to_thread
from fastapi import Depends
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from .config import get_settings
from .errors import ServiceUnavailable

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_overflow,
        # No pre-ping (a round trip per transaction): a connection that died with a database restart
        # fails its first use, which `transaction` turns into a 503 (and `record` retries).
        pool_recycle=300,
        pool_timeout=5,
        connect_args={"connect_timeout": 5, "options": "-c statement_timeout=15000"},
    )


@lru_cache
def _session_factory() -> sessionmaker[Session]:
    return sessionmaker(get_engine(), expire_on_commit=False)


def new_session() -> Session:
    return _session_factory()()


def transaction(fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run fn(session, ...) in one transaction: committed when it returns, rolled back if it raises."""
    try:
        with new_session() as session, session.begin():
            return fn(session, *args, **kwargs)
    except PoolTimeout as exc:
        log.warning("database pool exhausted: %s", exc)
        raise ServiceUnavailable("the service is busy; retry shortly") from exc
    except DBAPIError as exc:
        if exc.connection_invalidated or isinstance(exc.orig, _connection_errors()):
            log.warning("database unavailable: %s", exc.orig)
            raise ServiceUnavailable("the database is unavailable; retry shortly") from exc
        raise


async def run_in_transaction(fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    return await to_thread.run_sync(lambda: transaction(fn, *args, **kwargs))


async def retrying(attempt: Callable[[], Awaitable[T]]) -> T:
    """Await `attempt()`, retrying through a short database outage (a restart takes seconds).
    Used where the work it records has already happened and must not be lost."""
    delay = 0.1
    for tries in range(8):
        try:
            return await attempt()
        except ServiceUnavailable:
            if tries == 7:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")


async def with_db_retries(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a transaction (`run_in_transaction`), retrying through a short database outage."""
    return await retrying(lambda: run_in_transaction(fn, *args, **kwargs))


def _connection_errors() -> tuple[type[BaseException], ...]:
    import psycopg2

    return (psycopg2.OperationalError, psycopg2.InterfaceError)


def get_session() -> Iterator[Session]:
    """Request-scoped session for sync routes; commits on success."""
    with new_session() as session, session.begin():
        yield session


# scope="function": commit before the response is sent, so a client never reads ahead of its own write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


# -- the call path: asyncpg ---------------------------------------------------------------------

_call_pool: asyncpg.Pool | None = None
_call_pool_lock = asyncio.Lock()
# What a database restart, an exhausted server or a dropped connection raises: the caller gets a 503.
_ASYNCPG_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.OperatorInterventionError,  # shutting down, starting up, statement timeout
    asyncpg.InsufficientResourcesError,  # too many connections
    asyncpg.InternalClientError,  # a connection left mid-operation when the server went away
    OSError,
    TimeoutError,
)


async def _pool() -> asyncpg.Pool:
    global _call_pool
    if _call_pool is None:
        async with _call_pool_lock:
            if _call_pool is None:
                settings = get_settings()
                dsn = make_url(settings.database_url).set(drivername="postgresql")
                _call_pool = await asyncpg.create_pool(
                    dsn.render_as_string(hide_password=False),
                    min_size=1,
                    max_size=settings.db_call_pool_size,
                    timeout=5,  # connecting
                    command_timeout=15,
                    max_inactive_connection_lifetime=300,
                    server_settings={"statement_timeout": "15000"},
                    reset=_keep_session,
                )
    return _call_pool


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Skip asyncpg's reset query (a round trip per statement): the call path sets no session state,
    no LISTEN, no advisory locks, and leaves no transaction open."""


class Statement:
    """SQL with `:name` parameters, for asyncpg (which numbers them: $1, $2...). Its values come from
    one mapping, so a large statement's parameters are named where they are built, not counted."""

    def __init__(self, sql: str):
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match[1] not in names:
                names.append(match[1])
            return f"${names.index(match[1]) + 1}"

        self.sql = re.sub(r"(?<![:\w]):([a-z_]+)\b", number, sql)
        self.names = tuple(names)

    def args(self, values: Mapping[str, object]) -> list[object]:
        return [values[name] for name in self.names]


async def fetch_one(statement: Statement, values: Mapping[str, object]) -> asyncpg.Record | None:
    """Run one statement on its own (PostgreSQL commits it): the call path's unit of work."""
    args = statement.args(values)
    try:
        pool = await _pool()
        async with pool.acquire(timeout=5) as conn:
            try:
                return await conn.fetchrow(statement.sql, *args)
            except asyncpg.InternalClientError:
                conn.terminate()  # its protocol state is broken: the pool must not hand it out again
                raise
    except _ASYNCPG_UNAVAILABLE as exc:
        log.warning("database unavailable: %r", exc)
        raise ServiceUnavailable("the database is unavailable; retry shortly") from exc


async def close_call_pool() -> None:
    global _call_pool
    if _call_pool is not None:
        await _call_pool.close()
        _call_pool = None
