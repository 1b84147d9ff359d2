"""The last credit cannot be spent twice: many calls at once, over two keys and two API processes."""

import asyncio
import uuid

import httpx
import pytest
from helpers import TeamCtx


async def _fire(stack, keys: list[str], count: int, body_for) -> list[int]:  # type: ignore[no-untyped-def]
    """`count` requests released together behind a barrier, spread over keys and API processes."""
    barrier = asyncio.Event()
    limits = httpx.Limits(max_connections=count)
    clients = [
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits) for port in stack.api_ports
    ]

    async def one(i: int) -> int:
        await barrier.wait()
        client = clients[i % len(clients)]
        key = keys[(i // len(clients)) % len(keys)]
        response = await client.post(
            "/api/jobs/create-and-call", json=body_for(i), headers={"Authorization": f"Bearer {key}"}
        )
        return response.status_code

    tasks = [asyncio.create_task(one(i)) for i in range(count)]
    await asyncio.sleep(0.2)
    barrier.set()
    statuses = await asyncio.gather(*tasks)
    for client in clients:
        await client.aclose()
    return statuses


def _warm_up(stack, keys: list[str]) -> None:  # type: ignore[no-untyped-def]
    """One call per key first. LiteLLM seeds each key's spend counters from its database on first use;
    under the offline Prisma stand-in a cold burst of 200 such reads can kill the query engine."""
    for key in keys:
        body = {
            "job_type": "warm-up",
            "max_tokens": 50,
            "messages": [{"role": "user", "content": f"warm {uuid.uuid4()}"}],
        }
        response = httpx.post(
            f"{stack.api_url}/api/jobs/create-and-call", json=body, headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_200_calls_at_once_against_50_credits_spend_exactly_50(make_team, admin, fake, stack, seed: int) -> None:  # type: ignore[no-untyped-def]
    team: TeamCtx = make_team(credits_allocated=52)
    second_key = admin.post(f"/api/teams/{team.team_id}/keys").json()["virtual_key"]
    _warm_up(stack, [team.key, second_key])  # two jobs, two credits: 50 left
    marker = f"race-{seed}-{uuid.uuid4().hex}"
    before = fake.get("/_fake/stats").json().get("completions", 0)

    def body(i: int) -> dict:  # type: ignore[type-arg]
        return {"job_type": "race", "messages": [{"role": "user", "content": f"{marker} {i}"}]}

    statuses = asyncio.run(_fire(stack, [team.key, second_key], 200, body))
    assert sorted(set(statuses)) == [200, 402], statuses
    assert statuses.count(200) == 50 and statuses.count(402) == 150
    assert fake.get("/_fake/stats").json()["completions"] - before == 50
    balance = admin.get(f"/api/teams/{team.team_id}").json()
    assert (balance["credits_remaining"], balance["credits_held"]) == (0, 0)
    jobs = admin.get("/api/admin/jobs", params={"team_id": team.team_id, "limit": 200}).json()["items"]
    raced = [j for j in jobs if j["job_type"] == "race"]
    assert len(raced) == 50 and {j["status"] for j in raced} == {"completed"}


def test_consumption_budget_never_goes_below_zero_under_a_hard_limit(make_team, admin, stack) -> None:  # type: ignore[no-untyped-def]
    # Enough tokens for a handful of calls: holds, not luck, decide who gets in.
    team: TeamCtx = make_team(budget_mode="consumption_tokens", credits_allocated=2_000)
    _warm_up(stack, [team.key])

    def body(i: int) -> dict:  # type: ignore[type-arg]
        return {
            "job_type": "race",
            "max_tokens": 50,
            "messages": [{"role": "user", "content": f"tokens {uuid.uuid4()} {i}"}],
        }

    statuses = asyncio.run(_fire(stack, [team.key], 60, body))
    assert set(statuses) <= {200, 402} and 200 in statuses and 402 in statuses
    balance = admin.get(f"/api/teams/{team.team_id}").json()
    assert balance["credits_remaining"] >= 0 and balance["credits_held"] == 0
