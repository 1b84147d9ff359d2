"""Work in flight when things go wrong: an API process killed with 50 calls in flight, and 100
concurrent streams of which 30 are abandoned by their clients and 10 cut by the provider."""

import asyncio
import signal
import threading
import time
import uuid

import httpx
import psycopg2


def _sql(stack, query: str, *args):  # type: ignore[no-untyped-def]
    conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}")
    with conn, conn.cursor() as cur:
        cur.execute(query, args)
        rows = cur.fetchall()
    conn.close()
    return rows


def test_api_process_killed_with_50_calls_in_flight_loses_none(make_team, admin, fake, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_tokens", credits_allocated=1_000_000, api_index=1)
    job_id = team.create_job()
    before = fake.get("/_fake/stats").json().get("calls", 0)
    url = f"http://127.0.0.1:{stack.api_ports[1]}/api/jobs/{job_id}/llm-call"

    def call(i: int) -> None:
        body = {
            "messages": [{"role": "user", "content": f"[[fake:latency=2500]] kill {i} {uuid.uuid4()}"}],
            "max_tokens": 40,
        }
        try:
            httpx.post(url, json=body, headers={"Authorization": f"Bearer {team.key}"}, timeout=30)
        except httpx.HTTPError:
            pass  # the process dies under it

    threads = [threading.Thread(target=call, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while _sql(stack, "select count(*) from llm_calls where job_id = %s", job_id)[0][0] < 50:
        assert time.monotonic() < deadline, "the calls never all got in flight"
        time.sleep(0.05)
    stack.stop_process("saas-api-1", signal.SIGKILL)
    for thread in threads:
        thread.join()
    stack.start_api(1)
    deadline = time.monotonic() + 120  # LiteLLM writes its spend log in batches
    while _sql(stack, "select count(*) from llm_calls where job_id = %s and status = 'in_flight'", job_id)[0][0]:
        assert time.monotonic() < deadline, "calls still in flight"
        admin.post("/api/admin/sweep", timeout=60)
        time.sleep(2)
    rows = _sql(stack, "select status, completion_tokens, credits_charged from llm_calls where job_id = %s", job_id)
    # Requests the provider received: when our process dies, LiteLLM may drop a provider request
    # that was about to finish, yet log it as a success; its spend log is what we bill.
    provider_saw = fake.get("/_fake/stats").json()["calls"] - before
    assert len(rows) == 50 and provider_saw == 50
    assert all(status == "success" and tokens > 0 and charged > 0 for status, tokens, charged in rows), rows
    assert admin.get(f"/api/teams/{team.team_id}").json()["credits_held"] == 0
    team.complete(job_id)


def test_100_streams_abandoned_cut_or_finished_are_all_recorded_and_billed(make_team, stack, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_tokens", credits_allocated=10_000_000)
    job_id = team.create_job()
    kinds = ["abandon"] * 30 + ["cut"] * 10 + ["finish"] * 60

    async def one(client: httpx.AsyncClient, kind: str, i: int) -> tuple[str, str | None]:
        directive = "[[fake:cut_after=3]]" if kind == "cut" else "[[fake:chunk_delay=30]]"
        body = {"messages": [{"role": "user", "content": f"{directive} [[fake:words=20]] stream {i} {uuid.uuid4()}"}]}
        async with client.stream("POST", f"/api/jobs/{job_id}/llm-call-stream", json=body) as response:
            assert response.status_code == 200, await response.aread()
            seen = 0
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    seen += 1
                    if kind == "abandon" and seen == 2:
                        return kind, None  # the client leaves mid-stream
                    if '"call_id"' in line:
                        return kind, line
        return kind, None

    async def run() -> list[tuple[str, str | None]]:
        async with httpx.AsyncClient(base_url=stack.api_url, headers={"Authorization": f"Bearer {team.key}"},
                                     timeout=60, limits=httpx.Limits(max_connections=100)) as client:  # fmt: skip
            return await asyncio.gather(*(one(client, kind, i) for i, kind in enumerate(kinds)))

    asyncio.run(run())
    deadline = time.monotonic() + 10
    while True:
        rows = _sql(
            stack,
            "select status, completion_tokens, credits_charged, error_type from llm_calls where job_id = %s",
            job_id,
        )
        open_holds = admin.get(f"/api/teams/{team.team_id}").json()["credits_held"]
        if len(rows) == 100 and all(r[0] != "in_flight" for r in rows) and open_holds == 0:
            break
        assert time.monotonic() < deadline, f"{sum(r[0] == 'in_flight' for r in rows)} in flight, {open_holds} held"
        time.sleep(0.2)
    success = [r for r in rows if r[0] == "success"]
    failed = [r for r in rows if r[0] == "failed"]
    assert len(success) == 90 and len(failed) == 10
    assert all(tokens == 20 and charged > 20 for _, tokens, charged, _ in success)  # abandoned ones too: full usage
    assert all(tokens > 0 and charged > 0 for _, tokens, charged, _ in failed)  # cut ones: what arrived
    team.complete(job_id)
