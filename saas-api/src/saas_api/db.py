"""The engine, sessions, and the way async routes run database work.

Database work is synchronous (SQLAlchemy + psycopg2); async routes run each unit of work, one
transaction, in a worker thread with `run_in_transaction`, so the event loop never blocks on it.
"""

import logging
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Annotated, Concatenate, ParamSpec, TypeVar

from anyio import to_thread
from fastapi import Depends
from sqlalchemy import Engine, create_engine
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


def _connection_errors() -> tuple[type[BaseException], ...]:
    import psycopg2

    return (psycopg2.OperationalError, psycopg2.InterfaceError)


def get_session() -> Iterator[Session]:
    """Request-scoped session for sync routes; commits on success."""
    with new_session() as session, session.begin():
        yield session


# scope="function": commit before the response is sent, so a client never reads ahead of its own write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
