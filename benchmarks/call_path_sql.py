"""Why the call path runs on asyncpg: the two statements every LLM call costs (`calls/store.py`),
run the same way through three database stacks, in one run on one machine.

    asyncpg                         what the API uses: one pool, on the event loop
    SQLAlchemy + asyncpg            the same driver under SQLAlchemy's asyncio engine
    SQLAlchemy + psycopg2, thread   the named stack: sync engine, each statement in a worker thread

Each round admits and records one call (BEGIN_CALL then FINISH_CALL, each committed on its own)
for a job-based team; the figures are the wall time of the pair and the CPU this process spent on
it. Usage: .venv/bin/python benchmarks/call_path_sql.py [--calls N]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import uvloop
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402
from saas_api.calls.store import BEGIN_CALL, FINISH_CALL  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432"
JOBS = 10


def seed(url: str) -> list[uuid.UUID]:
    engine = create_engine(url)
    jobs = [uuid.uuid4() for _ in range(JOBS)]
    with engine.begin() as conn:
        conn.execute(text("insert into organizations (id, name, metadata) values ('o', 'o', '{}')"))
        conn.execute(
            text(
                "insert into teams (id, organization_id, status, budget_mode, limit_type,"
                " warn_threshold_percent, markup_percent, metadata, credits_allocated, credits_available,"
                " credits_held) values ('t', 'o', 'active', 'job_based', 'hard', 80, 0, '{}', 10, 10, 0)"
            )
        )
        for job in jobs:
            conn.execute(
                text(
                    "insert into jobs (id, team_id, job_type, status, metadata, credits_charged)"
                    " values (:id, 't', 'bench', 'pending', '{}', 0)"
                ),
                {"id": job},
            )
    engine.dispose()
    return jobs


def begin_args(job: uuid.UUID, call: uuid.UUID) -> list[Any]:
    return BEGIN_CALL.args(
        {"job": job, "team": "t", "call": call, "organization": "o", "alias": "ChatAgent", "model_group": "gpt-4o-mini",
         "stream": False, "structured": False, "amount": 0, "hold": None, "open_statuses": ["pending", "in_progress"],
         "in_progress": "in_progress", "in_flight": "in_flight"}
    )  # fmt: skip


def finish_args(call: uuid.UUID) -> list[Any]:
    return FINISH_CALL.args(
        {"call": call, "in_flight": "in_flight", "status": "success", "prompt_tokens": 12, "completion_tokens": 20,
         "provider_cost_micros": 14, "client_cost_micros": 14, "cost_source": "proxy", "resolved_model": "gpt-4o-mini",
         "latency_ms": 5, "cache_hit": False, "finish_reason": "stop", "parsed_ok": None, "error_type": None,
         "error_message": None, "charge": 0, "reason": "x"}
    )  # fmt: skip


def named(sql: str) -> str:
    """$n placeholders as SQLAlchemy's :pn."""
    return re.sub(r"\$(\d+)", lambda m: f":p{m.group(1)}", sql)


def as_params(args: list[Any]) -> dict[str, Any]:
    return {f"p{i}": value for i, value in enumerate(args, 1)}


async def stacks(url: str) -> tuple[dict[str, Callable[[uuid.UUID], Awaitable[None]]], Callable[[], Awaitable[None]]]:
    pool = await asyncpg.create_pool(url.replace("+psycopg2", ""), min_size=JOBS, max_size=JOBS)
    async_engine = create_async_engine(url.replace("psycopg2", "asyncpg"), pool_size=JOBS)
    sync_engine = create_engine(url, pool_size=JOBS)
    begin_sql, finish_sql = text(named(BEGIN_CALL.sql)), text(named(FINISH_CALL.sql))

    async def raw(job: uuid.UUID) -> None:
        call = uuid.uuid4()
        async with pool.acquire() as conn:
            await conn.fetchrow(BEGIN_CALL.sql, *begin_args(job, call))
        async with pool.acquire() as conn:
            await conn.fetchrow(FINISH_CALL.sql, *finish_args(call))

    async def sqlalchemy_async(job: uuid.UUID) -> None:
        call = uuid.uuid4()
        for sql, args in ((begin_sql, begin_args(job, call)), (finish_sql, finish_args(call))):
            async with async_engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                (await conn.execute(sql, as_params(args))).first()

    def sync_pair(job: uuid.UUID) -> None:
        call = uuid.uuid4()
        for sql, args in ((begin_sql, begin_args(job, call)), (finish_sql, finish_args(call))):
            with sync_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sql, as_params(args)).first()

    async def sqlalchemy_thread(job: uuid.UUID) -> None:
        await asyncio.to_thread(sync_pair, job)

    async def close() -> None:
        await pool.close()
        await async_engine.dispose()
        sync_engine.dispose()

    return {
        "asyncpg": raw,
        "SQLAlchemy + asyncpg": sqlalchemy_async,
        "SQLAlchemy + psycopg2, thread": sqlalchemy_thread,
    }, close


async def load(
    run: Callable[[uuid.UUID], Awaitable[None]], jobs: list[uuid.UUID], per_client: int
) -> tuple[list[float], float, float]:
    """One client per job, each running `per_client` pairs: (latencies, CPU seconds, wall seconds)."""
    latencies: list[float] = []

    async def client(job: uuid.UUID) -> None:
        for _ in range(per_client):
            started = time.perf_counter()
            await run(job)
            latencies.append(time.perf_counter() - started)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client(job) for job in jobs))
    return latencies, time.process_time() - cpu, time.perf_counter() - wall


async def measure(url: str, jobs: list[uuid.UUID], calls: int) -> None:
    variants, close = await stacks(url)
    try:
        for run in variants.values():  # warm up: connections, prepared statements, caches
            for job in jobs:
                await run(job)
        print(f"{'pair of statements':32s} {'clients':>7s} {'p50 ms':>8s} {'pairs/s':>8s} {'CPU ms/pair':>12s}")
        for clients in (1, 10):
            for _ in range(2):  # two rounds, interleaved, so noise lands on all
                for name, run in variants.items():
                    latencies, cpu, wall = await load(run, [jobs[i % JOBS] for i in range(clients)], calls // clients)
                    print(
                        f"{name:32s} {clients:7d} {statistics.median(latencies) * 1000:8.2f} "
                        f"{len(latencies) / wall:8.0f} {cpu / len(latencies) * 1000:12.3f}"
                    )
    finally:
        await close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    args = parser.parse_args()
    database = f"saas_bench_sql_{secrets.token_hex(4)}"
    stack.create_database(SERVER, database)
    try:
        url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{database}"
        stack.migrate_saas(url)
        uvloop.run(measure(url, seed(url), args.calls))
    finally:
        stack.drop_database(SERVER, database)


if __name__ == "__main__":
    main()
