"""Usage queries over a seeded history: organizations, teams, jobs and `rows` llm_calls, written
with generate_series straight into the benchmark's own SaaS database, then read back through the
admin usage endpoints.

The history: `ORGS` organizations of `TEAMS_PER_ORG` teams each, `JOB_TYPES` job types, three
aliases, `CALLS_PER_JOB` calls a job, spread evenly over the last `DAYS` days; one job in twenty
failed. Each team then holds rows / (ORGS * TEAMS_PER_ORG) calls and each organization ten times that.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg2

ORGS = 20
TEAMS_PER_ORG = 10
JOB_TYPES = 8
CALLS_PER_JOB = 10
DAYS = 90

# Per table: the rows (a FROM clause) and an SQL expression for each column. Only the columns the
# table has are written, so the seed follows schema changes that add optional columns; a new
# required column it does not know stops it with a clear message.
_JOB_START = "%(now)s - make_interval(secs => (%(jobs)s - j) * %(seconds_per_job)s)"
_FAILED_CALL = "j %% 20 = 0 AND k = %(calls_per_job)s - 1"
_TABLES: list[tuple[str, str, dict[str, str]]] = [
    ("organizations", "generate_series(1, %(orgs)s) AS o", {
        "id": "'bench-org-' || o", "name": "'Benchmark organization ' || o", "metadata": "'{}'",
    }),
    ("teams", "generate_series(1, %(teams)s) AS t", {
        "id": "'bench-team-' || t", "organization_id": "'bench-org-' || (1 + (t - 1) %% %(orgs)s)",
        "team_alias": "'Benchmark team ' || t", "key_hash": "md5('bench-key-a' || t) || md5('bench-key-b' || t)",
        "key_prefix": "'sk-bnch'", "status": "'active'", "budget_mode": "'job_based'", "limit_type": "'hard'",
        "warn_threshold_percent": "80", "markup_percent": "0", "metadata": "'{}'", "credits_allocated": "100000",
        "credits_available": "100000", "credits_held": "0",
    }),
    ("jobs", "generate_series(0, %(jobs)s - 1) AS j", {
        "id": "md5('bench-job-' || j)::uuid", "team_id": "'bench-team-' || (1 + j %% %(teams)s)",
        "organization_id": "'bench-org-' || (1 + (j %% %(teams)s) %% %(orgs)s)",
        "job_type": "'job-type-' || (j %% %(job_types)s)",
        "status": "CASE WHEN j %% 20 = 0 THEN 'failed' ELSE 'completed' END", "metadata": "'{}'",
        "credits_charged": "CASE WHEN j %% 20 = 0 THEN 0 ELSE 1 END", "created_at": _JOB_START,
        "updated_at": f"{_JOB_START} + interval '30 seconds'", "completed_at": f"{_JOB_START} + interval '30 seconds'",
    }),
    ("llm_calls", "generate_series(0, %(rows)s - 1) AS c, "
                  "LATERAL (SELECT c / %(calls_per_job)s AS j, c %% %(calls_per_job)s AS k) AS ids", {
        "id": "gen_random_uuid()", "job_id": "md5('bench-job-' || j)::uuid",
        "team_id": "'bench-team-' || (1 + j %% %(teams)s)",
        "organization_id": "'bench-org-' || (1 + (j %% %(teams)s) %% %(orgs)s)",
        "job_type": "'job-type-' || (j %% %(job_types)s)",
        "alias": "(ARRAY['ChatAgent', 'SmartAgent', 'NanoAgent'])[1 + c %% 3]",
        "model_group": "(ARRAY['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-nano'])[1 + c %% 3]",
        "resolved_model": "(ARRAY['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-nano'])[1 + c %% 3]",
        "status": f"CASE WHEN {_FAILED_CALL} THEN 'failed' ELSE 'success' END", "stream": "c %% 7 = 0",
        "prompt_tokens": "40 + c %% 400", "completion_tokens": "10 + c %% 200",
        "provider_cost_micros": "30 + c %% 500", "client_cost_micros": "36 + c %% 600", "credits_charged": "0",
        "cost_source": "'proxy'", "latency_ms": "150 + c %% 900", "cache_hit": "c %% 10 = 0",
        "finish_reason": "'stop'", "structured": "false",
        "error_type": f"CASE WHEN {_FAILED_CALL} THEN 'upstream_error' END",
        "created_at": f"{_JOB_START} + make_interval(secs => k)",
        "finished_at": f"{_JOB_START} + make_interval(secs => k + 1)",
    }),
]  # fmt: skip

_SUMMARIES = """
INSERT INTO job_cost_summaries (job_id, total_calls, successful_calls, failed_calls, prompt_tokens, completion_tokens,
                                provider_cost_micros, client_cost_micros, total_latency_ms, credits_charged)
SELECT job_id, count(*), count(*) FILTER (WHERE status = 'success'), count(*) FILTER (WHERE status = 'failed'),
       sum(prompt_tokens), sum(completion_tokens), sum(provider_cost_micros), sum(client_cost_micros),
       sum(latency_ms), 0
FROM llm_calls WHERE team_id LIKE 'bench-team-%%' GROUP BY job_id
"""


def _insert_sql(cur: Any, table: str, rows: str, expressions: dict[str, str]) -> str:
    cur.execute(
        "select column_name, is_nullable = 'NO' and column_default is null from information_schema.columns "
        "where table_schema = current_schema() and table_name = %s",
        (table,),
    )
    present = dict(cur.fetchall())
    missing = [name for name, required in present.items() if required and name not in expressions]
    if missing:
        raise RuntimeError(f"benchmarks/usage.py does not know how to fill {table}.{', '.join(missing)}")
    columns = [name for name in expressions if name in present]
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(expressions[c] for c in columns)} FROM {rows}"


def seed(database_url: str, rows: int) -> float:
    """Write the history; returns the seconds it took (including VACUUM ANALYZE)."""
    teams = ORGS * TEAMS_PER_ORG
    jobs = max(1, rows // CALLS_PER_JOB)
    params = {
        "orgs": ORGS,
        "teams": teams,
        "job_types": JOB_TYPES,
        "jobs": jobs,
        "rows": jobs * CALLS_PER_JOB,
        "calls_per_job": CALLS_PER_JOB,
        "seconds_per_job": DAYS * 86400 / jobs,
        "now": datetime.now(UTC),
    }
    started = time.perf_counter()
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            # Skip the per-row foreign key triggers: the ids are consistent by construction.
            cur.execute("SET LOCAL session_replication_role = replica")
            for table, source, expressions in _TABLES:
                cur.execute(_insert_sql(cur, table, source, expressions), params)
            cur.execute(_SUMMARIES)
            # History written into the past: forget any rollup already made, as after a restore
            # (docs/operations.md), so the next sweeper pass rolls up the seeded days.
            cur.execute("DELETE FROM daily_call_usage; DELETE FROM daily_job_usage")
            cur.execute("UPDATE usage_rollup SET rolled_up_to = NULL")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")  # fresh statistics and a visibility map, as a live database has
    finally:
        conn.close()
    return time.perf_counter() - started


def roll_up(api_url: str, master_key: str, database_url: str) -> float:
    """Seconds until the finished days of the seeded history are rolled up: by the sweeper pass
    asked for here, or by the API's own timer if that one got there first."""
    started = time.perf_counter()
    response = httpx.post(f"{api_url}/api/admin/sweep", headers={"X-Admin-Key": master_key}, timeout=600)
    response.raise_for_status()
    conn = psycopg2.connect(database_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            while time.perf_counter() - started < 600:
                cur.execute("select rolled_up_to is not null from usage_rollup")
                if cur.fetchone()[0]:
                    break
                time.sleep(0.05)
    finally:
        conn.close()
    return time.perf_counter() - started


@dataclass(frozen=True)
class UsageQuery:
    label: str
    path: str
    params: dict[str, str]
    rows_in_scope: str  # what the query aggregates, for the table


def queries(rows: int) -> list[UsageQuery]:
    now = datetime.now(UTC)
    month = {"start": (now - timedelta(days=30)).isoformat(), "end": now.isoformat()}
    per_team = rows // (ORGS * TEAMS_PER_ORG)
    per_org = per_team * TEAMS_PER_ORG
    return [
        UsageQuery("team, last 30 days", "/api/teams/bench-team-7/usage", month, f"~{per_team // 3:,} calls"),
        UsageQuery("team, all time", "/api/teams/bench-team-7/usage", {}, f"{per_team:,} calls"),
        UsageQuery(
            "team + job type, 30 days",
            "/api/teams/bench-team-7/usage",
            {**month, "job_type": "job-type-7"},
            f"~{per_team // 3:,} calls",
        ),  # fmt: skip
        UsageQuery(
            "organization, last 30 days", "/api/organizations/bench-org-3/usage", month, f"~{per_org // 3:,} calls"
        ),
        UsageQuery("organization, all time", "/api/organizations/bench-org-3/usage", {}, f"{per_org:,} calls"),
        UsageQuery(
            "overview: org + 30 days",
            "/api/usage/overview",
            {**month, "organization_id": "bench-org-3"},
            f"~{per_org // 3:,} calls",
        ),  # fmt: skip
        UsageQuery(
            "overview: team + job type",
            "/api/usage/overview",
            {"team_id": "bench-team-7", "job_type": "job-type-7"},
            f"{per_team:,} calls",
        ),  # fmt: skip
        UsageQuery(
            "overview: job type + 7 days",
            "/api/usage/overview",
            {"job_type": "job-type-3", "start": (now - timedelta(days=7)).isoformat(), "end": now.isoformat()},
            f"~{rows * 7 // DAYS // JOB_TYPES:,} calls",
        ),  # fmt: skip
        UsageQuery("overview: last 30 days", "/api/usage/overview", month, f"~{rows // 3:,} calls"),
        UsageQuery("overview: everything", "/api/usage/overview", {}, f"{rows:,} calls"),
    ]


@dataclass(frozen=True)
class QueryTiming:
    query: UsageQuery
    p50_ms: float
    max_ms: float
    response_bytes: int


def time_queries(api_url: str, master_key: str, rows: int, repeats: int) -> list[QueryTiming]:
    """Each query once to warm up, then `repeats` times; wall time at the client, in ms."""
    timings = []
    with httpx.Client(base_url=api_url, headers={"X-Admin-Key": master_key}, timeout=120) as client:
        for query in queries(rows):
            samples = []
            size = 0
            for attempt in range(repeats + 1):
                started = time.perf_counter()
                response = client.get(query.path, params=query.params)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{query.label}: HTTP {response.status_code} {response.text[:300]}")
                if attempt:
                    samples.append(elapsed)
                size = len(response.content)
            timings.append(QueryTiming(query, statistics.median(samples), max(samples), size))
        # Fast is worthless if wrong: the whole platform's report must count every seeded call.
        everything = client.get("/api/usage/overview").json()["totals"]["costs"]["calls"]
        if everything < rows:
            raise RuntimeError(f"the platform report counts {everything:,} calls, fewer than the {rows:,} seeded")
    return timings
