"""Tenant isolation, mass assignment, secrets, and the caps on input size and concurrency."""

import asyncio
import subprocess
import uuid

import httpx
import pytest
from helpers import ROOT
from stack_access import stored_litellm_key


@pytest.fixture
def tenants(make_team):  # type: ignore[no-untyped-def]
    """Two organizations with two teams each, every team with a job."""
    teams = []
    for _ in range(2):
        first = make_team()
        teams += [first, make_team(organization_id=first.organization_id)]
    jobs = {t.team_id: t.create_job() for t in teams}
    yield teams, jobs
    for team in teams:
        team.complete(jobs[team.team_id])


def test_no_team_reaches_another_tenants_job_or_usage(tenants) -> None:  # type: ignore[no-untyped-def]
    teams, jobs = tenants
    for actor in teams:
        for owner in teams:
            if owner is actor:
                continue
            job_id = jobs[owner.team_id]
            assert actor.client.get(f"/api/jobs/{job_id}").status_code == 404
            assert actor.call(job_id).status_code == 404
            assert actor.client.post(f"/api/jobs/{job_id}/complete", json={"status": "failed"}).status_code == 404
            stream = actor.client.post(
                f"/api/jobs/{job_id}/llm-call-stream", json={"messages": [{"role": "user", "content": "x"}]}
            )
            assert stream.status_code == 404
            assert actor.client.get(f"/api/teams/{owner.team_id}/usage").status_code == 404
            door = actor.client.post("/v1/chat/completions", headers={"X-Job-Id": job_id},
                                     json={"model": "ChatAgent", "messages": [{"role": "user", "content": "x"}]})  # fmt: skip
            assert door.status_code == 404
        listed = {j["job_id"] for j in actor.client.get("/api/jobs", params={"limit": 200}).json()}
        assert listed == {jobs[actor.team_id]}


def test_team_keys_and_no_key_are_refused_on_every_admin_route(tenants, stack, anonymous) -> None:  # type: ignore[no-untyped-def]
    teams, _ = tenants
    spec = anonymous.get("/openapi.json").json()
    admin_routes = [
        (method, path)
        for path, operations in spec["paths"].items()
        for method in operations
        if path.startswith("/api/") and not path.startswith("/api/jobs") and path not in ("/api/admin/login", "/api/me")
        and not path.endswith(("/usage", "/balance")) or path == "/api/usage/overview"
    ]  # fmt: skip
    assert len(admin_routes) > 15
    for method, path in admin_routes:
        url = path.replace("{team_id}", teams[0].team_id).replace("{organization_id}", teams[0].organization_id)
        url = url.replace("{job_id}", str(uuid.uuid4())).replace("{group_name}", "all-models")
        url = url.replace("{alias}", "ChatAgent").replace("{key_id}", "0" * 16)
        assert anonymous.request(method, url, json={}).status_code == 401, (method, url)
        assert teams[0].client.request(method, url, json={}).status_code == 401, (method, url)
        spoofed = teams[0].client.request(method, url, json={}, headers={"X-Admin-Key": teams[0].key})
        assert spoofed.status_code == 403, (method, url)


@pytest.mark.parametrize("field", ["team_id", "balance", "credits", "role", "api_base", "credits_available"])
def test_mass_assignment_is_refused_and_changes_nothing(make_team, admin, field: str) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=7)
    job_id = team.create_job()
    value = "evil" if field in ("team_id", "role", "api_base") else 10**9
    before = admin.get(f"/api/teams/{team.team_id}").json()
    attempts = [
        team.client.post(
            f"/api/jobs/{job_id}/llm-call", json={"messages": [{"role": "user", "content": "x"}], field: value}
        ),
        team.client.post(f"/api/jobs/{job_id}/complete", json={"status": "completed", field: value}),
        admin.patch(f"/api/teams/{team.team_id}", json={field: value}),
        admin.post(
            "/api/organizations/create",
            json={"organization_id": f"o-{uuid.uuid4().hex[:6]}", "name": "x", field: value},
        ),
        admin.post(f"/api/teams/{team.team_id}/credits/add", json={"amount": 1, field: value}),
        admin.put("/api/model-aliases/ChatAgent", json={field: value}),
    ]
    for response in attempts:
        assert response.status_code == 422, response.request.url
        assert response.json()["error"]["param"] == field
    assert admin.get(f"/api/teams/{team.team_id}").json() == before
    assert team.complete(job_id).status_code == 200


def test_keys_never_appear_in_logs_error_bodies_or_the_database(make_team, stack, admin) -> None:  # type: ignore[no-untyped-def]
    canary = make_team()
    _, litellm_key = stored_litellm_key(stack, canary.team_id)  # the team's, kept server-side
    job_id = canary.create_job()
    bodies = [
        canary.call(job_id, "[[fake:error=500]]").text,
        canary.call(job_id, model="Ghost").text,
        canary.call(job_id, "[[fake:timeout]]").text,
        canary.client.get("/api/jobs/not-a-uuid").text,
    ]
    canary.complete(job_id, "failed")
    admin.post(f"/api/teams/{canary.team_id}/suspend")
    bodies.append(canary.call(job_id).text)
    secrets = (canary.key, litellm_key)
    assert all(secret not in body for body in bodies for secret in secrets)
    dump = subprocess.run(
        ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", stack.saas_db], capture_output=True, text=True, check=True
    )
    assert all(secret not in dump.stdout for secret in secrets)
    for log in (ROOT / "test-artifacts" / "logs").glob("saas-api*.log"):
        text = log.read_text(errors="replace")
        assert all(secret not in text for secret in secrets), log


def test_oversized_bodies_are_413_and_huge_max_tokens_422(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    huge = team.call(job_id, "x" * 300_000)
    assert huge.status_code == 413
    assert team.call(job_id, max_tokens=10**6).status_code == 422
    team.complete(job_id, "failed")


def test_text_that_cannot_be_stored_is_422_wherever_it_comes(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    """A NUL or a lone surrogate escaped in JSON, or %00 in a path or a query, is refused before any
    work: nothing is recorded and nothing fails later with a 500."""
    team = make_team()
    job_id = team.create_job()
    for content in ("nul \\u0000 inside", "lone \\ud800 surrogate"):
        body = '{"messages": [{"role": "user", "content": "' + content + '"}]}'
        response = team.client.post(
            f"/api/jobs/{job_id}/llm-call", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, response.text
    assert team.client.get("/api/jobs", params={"job_type": "a\x00b"}).status_code == 422
    assert admin.get("/api/teams/nul%00team").status_code == 422
    assert admin.get("/api/organizations/nul%00org/usage").status_code == 422
    assert team.client.get(f"/api/jobs/{job_id}").json()["costs"]["total_calls"] == 0
    team.complete(job_id, "failed")


def test_calls_in_flight_per_key_are_capped(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=500)
    job_id = team.create_job()

    async def burst() -> list[int]:
        body = {"messages": [{"role": "user", "content": "[[fake:latency=1500]] hold the line"}], "max_tokens": 5}
        async with httpx.AsyncClient(base_url=stack.api_url, headers={"Authorization": f"Bearer {team.key}"},
                                     timeout=60, limits=httpx.Limits(max_connections=200)) as client:  # fmt: skip
            responses = await asyncio.gather(
                *(client.post(f"/api/jobs/{job_id}/llm-call", json=body) for _ in range(130))
            )
        assert all(r.headers.get("retry-after") for r in responses if r.status_code == 429)
        return [r.status_code for r in responses]

    statuses = asyncio.run(burst())
    assert statuses.count(429) >= 10 and set(statuses) <= {200, 429}, statuses
    team.complete(job_id)
