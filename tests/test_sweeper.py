"""Stale work: expired jobs give back their credit; calls a dead process left in flight are
finished from LiteLLM's own record, so nothing that reached the provider goes unbilled."""

import signal
import threading
import time

import httpx
import psycopg2


def _sql(stack, query: str, *args):  # type: ignore[no-untyped-def]
    conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}")
    with conn, conn.cursor() as cur:
        cur.execute(query, args)
        rows = cur.fetchall() if cur.description else None
    conn.close()
    return rows


def test_expired_job_is_failed_and_its_credit_released(make_team, admin, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=2)
    job_id = team.create_job()
    assert admin.get(f"/api/teams/{team.team_id}").json()["credits_available"] == 1
    _sql(stack, "update jobs set updated_at = now() - interval '2 hours' where id = %s", job_id)
    swept = admin.post("/api/admin/sweep").json()
    assert swept["jobs"] >= 1
    job = team.client.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "failed"
    assert admin.get(f"/api/teams/{team.team_id}").json()["credits_available"] == 2


def test_sweeping_twice_at_once_resolves_each_hold_once(make_team, admin, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=10)
    jobs = [team.create_job() for _ in range(5)]
    _sql(stack, "update jobs set updated_at = now() - interval '2 hours' where id = any(%s::uuid[])", jobs)
    with httpx.Client(
        base_url=f"http://127.0.0.1:{stack.api_ports[1]}", headers={"X-Admin-Key": stack.master_key}
    ) as other:
        threads = [threading.Thread(target=c.post, args=("/api/admin/sweep",)) for c in (admin, other, admin, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert admin.get(f"/api/teams/{team.team_id}").json()["credits_available"] == 10
    # (the autouse reconciliation checks every hold was resolved exactly once)


def test_call_left_in_flight_by_a_killed_process_is_billed_from_litellms_spend_log(make_team, admin, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_tokens", credits_allocated=100_000, api_index=1)
    job_id = team.create_job()
    outcome: dict[str, object] = {}

    def slow_call() -> None:
        try:
            outcome["status"] = team.call(job_id, "[[fake:latency=1500]] survive me", max_tokens=50).status_code
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    caller = threading.Thread(target=slow_call)
    caller.start()
    deadline = time.monotonic() + 10
    while not _sql(stack, "select 1 from llm_calls where job_id = %s", job_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    stack.stop_process("saas-api-1", signal.SIGKILL)  # dies with the call in flight
    caller.join()
    assert "error" in outcome
    stack.start_api(1)
    [(call_id, status)] = _sql(stack, "select id, status from llm_calls where job_id = %s", job_id)
    assert status == "in_flight"
    deadline = time.monotonic() + 60  # LiteLLM writes its spend log in batches
    while time.monotonic() < deadline:
        admin.post("/api/admin/sweep")
        [(status, tokens)] = _sql(stack, "select status, completion_tokens from llm_calls where id = %s", call_id)
        if status != "in_flight":
            break
        time.sleep(2)
    assert status == "success" and tokens > 0
    summary = team.complete(job_id).json()
    assert summary["costs"]["credits_applied"] > 0
