"""Daily usage rollups: reports read whole past days from the daily tables and agree, number for
number, with the calls and jobs themselves; a day is rolled up only once nothing in it can change."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg2
import pytest

DAYS_BACK = 3


@contextmanager
def saas_db(stack) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}")
    try:
        with conn, conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def move_team_back(stack, team_id: str, days: int) -> None:  # type: ignore[no-untyped-def]
    """Move a team's history `days` into the past and forget every rollup, in one transaction that holds
    the rollup row, so no sweeper rolls up in between (they skip a locked row)."""
    with saas_db(stack) as cur:
        cur.execute("select 1 from usage_rollup where id = 1 for update")
        for table in ("llm_calls", "jobs"):
            cur.execute(
                f"update {table} set created_at = created_at - make_interval(days => %s) where team_id = %s",
                (days, team_id),
            )
        cur.execute("delete from daily_call_usage; delete from daily_job_usage")
        cur.execute("update usage_rollup set rolled_up_to = null")


def raw_totals(stack, team_id: str, start: datetime) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    with saas_db(stack) as cur:
        cur.execute(
            "select count(*), coalesce(sum(prompt_tokens), 0), coalesce(sum(provider_cost_micros), 0),"
            " coalesce(sum(client_cost_micros), 0) from llm_calls where team_id = %s and created_at >= %s",
            (team_id, start),
        )
        return tuple(int(v) for v in cur.fetchone())  # type: ignore[return-value]


def rolled_up_to(stack) -> datetime | None:  # type: ignore[no-untyped-def]
    with saas_db(stack) as cur:
        cur.execute("select rolled_up_to from usage_rollup where id = 1")
        return cur.fetchone()[0]  # type: ignore[no-any-return]


def daily_calls(stack, team_id: str) -> int:  # type: ignore[no-untyped-def]
    with saas_db(stack) as cur:
        cur.execute("select coalesce(sum(calls), 0) from daily_call_usage where team_id = %s", (team_id,))
        return int(cur.fetchone()[0])


@pytest.fixture
def past_team(stack, make_team):  # type: ignore[no-untyped-def]
    """A team with two ended jobs (four calls, two aliases) made DAYS_BACK days ago."""
    team = make_team(markup_percent="25")
    for job_type, models in (("extract", ["ChatAgent", "NanoAgent", "ChatAgent"]), ("summarize", ["NanoAgent"])):
        job_id = team.create_job(job_type)
        for model in models:
            assert team.call(job_id, f"{job_type} via {model}", model=model).status_code == 200
        assert team.complete(job_id, "completed" if job_type == "extract" else "failed").status_code == 200
    move_team_back(stack, team.team_id, DAYS_BACK)
    return team


def test_reports_over_rolled_up_days_match_the_calls(stack, admin, past_team) -> None:  # type: ignore[no-untyped-def]
    before = admin.get(f"/api/teams/{past_team.team_id}/usage").json()
    sweep = admin.post("/api/admin/sweep")
    assert sweep.status_code == 200 and sweep.json()["days_rolled_up"] >= 1  # the team's day, at least
    assert daily_calls(stack, past_team.team_id) == 4  # the report below reads the daily rows
    after = admin.get(f"/api/teams/{past_team.team_id}/usage").json()
    assert after == before

    calls, prompt, provider, client = raw_totals(stack, past_team.team_id, datetime(2000, 1, 1, tzinfo=UTC))
    costs = after["costs"]
    assert (costs["calls"], costs["prompt_tokens"], costs["provider_cost_micros"], costs["client_cost_micros"]) == (
        calls, prompt, provider, client,
    )  # fmt: skip
    assert {b["key"]: (b["jobs"], b["costs"]["calls"]) for b in after["by_job_type"]} == {
        "extract": (1, 3),
        "summarize": (1, 1),
    }
    assert {b["key"]: b["costs"]["calls"] for b in after["by_model"]} == {"ChatAgent": 2, "NanoAgent": 2}
    assert (after["jobs"]["completed"], after["jobs"]["failed"], after["jobs"]["credits_charged"]) == (1, 1, 1)

    series = admin.get("/api/usage/overview", params={"team_id": past_team.team_id, "granularity": "day"}).json()[
        "series"
    ]
    day = (datetime.now(UTC) - timedelta(days=DAYS_BACK)).date().isoformat()
    assert [(p["period"][:10], p["calls"], p["jobs"]) for p in series] == [(day, 4, 2)]


def test_a_period_starting_mid_day_adds_the_calls_of_that_day_itself(stack, admin, past_team) -> None:  # type: ignore[no-untyped-def]
    assert admin.post("/api/admin/sweep").status_code == 200
    with saas_db(stack) as cur:  # a start between the team's calls: part of its day counts, part not
        cur.execute(
            "select created_at from llm_calls where team_id = %s order by created_at limit 1 offset 2",
            (past_team.team_id,),
        )
        start = cur.fetchone()[0]
    report = admin.get(f"/api/teams/{past_team.team_id}/usage", params={"start": start.isoformat()}).json()
    calls, prompt, provider, _ = raw_totals(stack, past_team.team_id, start)
    assert calls == 2
    assert (report["costs"]["calls"], report["costs"]["prompt_tokens"], report["costs"]["provider_cost_micros"]) == (
        calls, prompt, provider,
    )  # fmt: skip


def test_a_day_with_an_open_job_waits_until_the_job_ends(stack, admin, make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job("long-running")
    assert team.call(job_id, "still working").status_code == 200
    move_team_back(stack, team.team_id, DAYS_BACK)
    assert admin.post("/api/admin/sweep").status_code == 200
    open_day = (datetime.now(UTC) - timedelta(days=DAYS_BACK)).replace(hour=0, minute=0, second=0, microsecond=0)
    assert rolled_up_to(stack) == open_day  # nothing from the job's day on is rolled up
    assert daily_calls(stack, team.team_id) == 0
    assert admin.get(f"/api/teams/{team.team_id}/usage").json()["costs"]["calls"] == 1

    assert team.complete(job_id).status_code == 200
    assert admin.post("/api/admin/sweep").status_code == 200
    assert rolled_up_to(stack) > open_day
    assert daily_calls(stack, team.team_id) == 1
    report = admin.get(f"/api/teams/{team.team_id}/usage").json()
    assert (report["costs"]["calls"], report["jobs"]["completed"]) == (1, 1)
