"""Idempotency-Key: replays, conflicts, and no double charge."""

import asyncio
import uuid

import httpx


def test_retry_with_the_same_key_replays_without_a_second_charge_or_provider_call(make_team, fake) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_tokens", credits_allocated=100_000)
    job_id = team.create_job()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"messages": [{"role": "user", "content": f"once {uuid.uuid4()}"}]}
    before = fake.get("/_fake/stats").json().get("calls", 0)
    first = team.client.post(f"/api/jobs/{job_id}/llm-call", json=body, headers=key)
    remaining = team.client.get(f"/api/jobs/{job_id}").json()["costs"]["credits_remaining"]
    again = team.client.post(f"/api/jobs/{job_id}/llm-call", json=body, headers=key)
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert fake.get("/_fake/stats").json()["calls"] - before == 1
    summary = team.client.get(f"/api/jobs/{job_id}").json()
    assert summary["costs"]["total_calls"] == 1 and summary["costs"]["credits_remaining"] == remaining
    team.complete(job_id)


def test_same_key_with_a_different_body_is_422(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    assert team.client.post("/api/jobs/create", json={"job_type": "a"}, headers=key).status_code == 201
    other = team.client.post("/api/jobs/create", json={"job_type": "b"}, headers=key)
    assert other.status_code == 422
    assert other.json()["error"]["param"] == "Idempotency-Key"
    [job] = team.client.get("/api/jobs").json()
    team.complete(job["job_id"])


def test_errors_are_replayed_too(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"messages": [{"role": "user", "content": "hi"}], "model": "Ghost"}
    first = team.client.post(f"/api/jobs/{job_id}/llm-call", json=body, headers=key)
    again = team.client.post(f"/api/jobs/{job_id}/llm-call", json=body, headers=key)
    assert first.status_code == again.status_code == 404
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    team.complete(job_id)


def test_keys_belong_to_a_team(make_team) -> None:  # type: ignore[no-untyped-def]
    one, two = make_team(), make_team()
    key = {"Idempotency-Key": "shared-key"}
    a = one.client.post("/api/jobs/create", json={"job_type": "x"}, headers=key).json()
    b = two.client.post("/api/jobs/create", json={"job_type": "x"}, headers=key).json()
    assert a["job_id"] != b["job_id"] and b["team_id"] == two.team_id
    one.complete(a["job_id"])
    two.complete(b["job_id"])


def test_twenty_identical_requests_at_once_make_one_job_and_one_charge(make_team, stack, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=10)
    key = {"Idempotency-Key": str(uuid.uuid4()), "Authorization": f"Bearer {team.key}"}
    body = {"job_type": "once", "messages": [{"role": "user", "content": f"[[fake:latency=300]] {uuid.uuid4()}"}]}

    async def fire() -> list[httpx.Response]:
        clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", timeout=30) for p in stack.api_ports]
        try:
            return await asyncio.gather(
                *(clients[i % 2].post("/api/jobs/create-and-call", json=body, headers=key) for i in range(20))
            )
        finally:
            for client in clients:
                await client.aclose()

    responses = asyncio.run(fire())
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 409}, statuses
    firsts = [r for r in responses if r.status_code == 200 and "Idempotent-Replayed" not in r.headers]
    assert len(firsts) == 1
    replays = [r for r in responses if r.status_code == 200 and r.headers.get("Idempotent-Replayed") == "true"]
    assert all(r.json() == firsts[0].json() for r in replays)
    late = team.client.post("/api/jobs/create-and-call", json=body, headers={"Idempotency-Key": key["Idempotency-Key"]})
    assert late.status_code == 200 and late.json() == firsts[0].json()
    assert len(team.client.get("/api/jobs").json()) == 1
    assert admin.get(f"/api/teams/{team.team_id}").json()["credits_remaining"] == 9
