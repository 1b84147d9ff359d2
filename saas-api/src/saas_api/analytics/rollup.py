"""Daily usage rollups: calls and ended jobs summed per UTC day, so a report over months reads
thousands of rows instead of millions.

A day is rolled up once, when it is final: it ended over a minute ago (no transaction that began
in it is still to commit), no call created before its end is in flight and no job created before
its end is open. Finished calls and ended jobs never change, so the sums stay exact. The sweeper
moves `rolled_up_to` forward; reports read the daily rows before it and the calls and jobs
themselves after it (service.py), so they are always up to date.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

_FINAL_BEFORE = text("""
SELECT least(
    date_trunc('day', now() - interval '1 minute', 'UTC'),
    (SELECT date_trunc('day', min(created_at), 'UTC') FROM llm_calls WHERE status = 'in_flight'),
    (SELECT date_trunc('day', min(created_at), 'UTC') FROM jobs WHERE status IN ('pending', 'in_progress'))
)
""")

_ROLL_CALLS = text("""
WITH rolled AS (
INSERT INTO daily_call_usage (day, team_id, job_type, alias, organization_id, calls, successful_calls, failed_calls,
                              prompt_tokens, completion_tokens, provider_cost_micros, client_cost_micros, cache_hits,
                              latency_ms_sum, latency_ms_count, credits_written_off)
SELECT date_trunc('day', created_at, 'UTC'), team_id, job_type, alias, organization_id, count(*),
       count(*) FILTER (WHERE status = 'success'), count(*) FILTER (WHERE status = 'failed'), sum(prompt_tokens),
       sum(completion_tokens), sum(provider_cost_micros), sum(client_cost_micros), count(*) FILTER (WHERE cache_hit),
       coalesce(sum(latency_ms), 0), count(latency_ms), sum(credits_written_off)
FROM llm_calls
WHERE created_at >= coalesce(CAST(:since AS timestamptz), '-infinity') AND created_at < :upto
GROUP BY 1, 2, 3, 4, 5
RETURNING day
)
SELECT count(DISTINCT day) FROM rolled
""")

_ROLL_JOBS = text("""
INSERT INTO daily_job_usage (day, team_id, job_type, status, organization_id, jobs, credits_charged,
                             uncharged_provider_cost_micros)
SELECT date_trunc('day', j.created_at, 'UTC'), j.team_id, j.job_type, j.status, t.organization_id, count(*),
       sum(j.credits_charged), coalesce(sum(s.provider_cost_micros) FILTER (WHERE j.credits_charged = 0), 0)
FROM jobs j JOIN teams t ON t.id = j.team_id LEFT JOIN job_cost_summaries s ON s.job_id = j.id
WHERE j.created_at >= coalesce(CAST(:since AS timestamptz), '-infinity') AND j.created_at < :upto
GROUP BY 1, 2, 3, 4, 5
""")


def roll_up(session: Session) -> int:
    """Roll up the days that became final since the last pass; returns how many days of calls it
    summed. Safe beside other processes: one holds the rollup row, the others skip."""
    rolled_up_to = session.execute(
        text("SELECT rolled_up_to FROM usage_rollup WHERE id = 1 FOR UPDATE SKIP LOCKED")
    ).first()
    if rolled_up_to is None:
        return 0
    since: datetime | None = rolled_up_to[0]
    upto: datetime = session.execute(_FINAL_BEFORE).scalar_one()
    if since is not None and upto <= since:
        return 0
    params: dict[str, Any] = {"upto": upto, "since": since}
    days: int = session.execute(_ROLL_CALLS, params).scalar_one()
    session.execute(_ROLL_JOBS, params)
    session.execute(text("UPDATE usage_rollup SET rolled_up_to = :upto WHERE id = 1"), params)
    return days


def rolled_up_to(session: Session) -> datetime | None:
    return session.execute(text("SELECT rolled_up_to FROM usage_rollup WHERE id = 1")).scalar_one_or_none()
