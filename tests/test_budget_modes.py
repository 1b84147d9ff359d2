"""Budget modes, limits and markup: what each call and job deducts, exactly."""

import httpx
from helpers import alias_price_micros


def _ledger(admin: httpx.Client, team_id: str) -> list[dict]:  # type: ignore[type-arg]
    return list(reversed(admin.get(f"/api/teams/{team_id}/ledger").json()["entries"]))


def _calls(admin: httpx.Client, job_id: str) -> list[dict]:  # type: ignore[type-arg]
    return admin.get(f"/api/admin/jobs/{job_id}").json()["calls"]


def test_consumption_usd_holds_the_maximum_then_charges_the_client_cost(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_usd", credits_allocated=1_000_000, markup_percent="30")
    job_id = team.create_job()
    assert team.call(job_id, "price me", max_tokens=100).status_code == 200
    [call] = _calls(admin, job_id)
    assert call["client_cost_micros"] == alias_price_micros(call, markup_percent=30)
    grant, hold, settle = _ledger(admin, team.team_id)
    assert (grant["kind"], hold["kind"], settle["kind"]) == ("grant", "hold", "settle")
    assert hold["amount"] < 0 and settle["held_delta"] == hold["amount"]
    assert settle["charged"] == call["client_cost_micros"] == call["credits_charged"]
    assert -hold["amount"] >= settle["charged"]  # the hold was an upper bound
    team.complete(job_id)
    assert admin.get(f"/api/teams/{team.team_id}").json()["credits_remaining"] == 1_000_000 - settle["charged"]


def test_consumption_tokens_deducts_the_calls_tokens(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_tokens", credits_allocated=50_000)
    job_id = team.create_job()
    team.call(job_id, "count me")
    [call] = _calls(admin, job_id)
    summary = team.complete(job_id).json()
    assert summary["costs"]["credits_applied"] == call["prompt_tokens"] + call["completion_tokens"]
    assert summary["costs"]["budget_unit"] == "tokens"
    assert summary["costs"]["credits_remaining"] == 50_000 - summary["costs"]["credits_applied"]


def test_hard_limit_refuses_a_call_it_cannot_cover(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_tokens", credits_allocated=100)
    job_id = team.create_job()
    refused = team.call(job_id, "too big", max_tokens=500)
    assert refused.status_code == 402
    assert "needs" in refused.json()["error"]["message"]
    assert team.call(job_id, "fits", max_tokens=20).status_code == 200
    assert admin.get(f"/api/teams/{team.team_id}").json()["credits_available"] >= 0
    team.complete(job_id)


def test_alias_markup_overrides_the_teams(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    import uuid

    name = f"Marked{uuid.uuid4().hex[:6]}"
    admin.post(
        "/api/model-aliases/create", json={"alias": name, "litellm_model": "gpt-4o-mini", "markup_percent": "100"}
    )
    group = f"marked-{uuid.uuid4().hex[:6]}"
    admin.post("/api/model-access-groups/create", json={"group_name": group, "model_aliases": [name, "ChatAgent"]})
    team = make_team(
        budget_mode="consumption_usd", credits_allocated=1_000_000, markup_percent="10", access_groups=[group]
    )
    job_id = team.create_job()
    team.call(job_id, "team markup", model="ChatAgent")
    team.call(job_id, "alias markup", model=name)
    team_markup, alias_markup = _calls(admin, job_id)
    assert team_markup["client_cost_micros"] == alias_price_micros(team_markup, markup_percent=10)
    assert alias_markup["client_cost_micros"] == alias_price_micros(alias_markup, markup_percent=100)
    team.complete(job_id)


def test_soft_limit_warns_past_the_threshold_and_allows_overage_up_to_the_ceiling(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=5, limit_type="soft", warn_threshold_percent=60, overage_ceiling=2)
    seen_warning = False
    for _ in range(7):  # 5 credits plus an overage of 2
        created = team.client.post("/api/jobs/create", json={"job_type": "soft"})
        assert created.status_code == 201, created.text
        seen_warning |= "X-Credits-Warning" in created.headers
        team.complete(created.json()["job_id"])
    assert seen_warning
    assert team.client.post("/api/jobs/create", json={"job_type": "soft"}).status_code == 402
    usage = team.client.get(f"/api/teams/{team.team_id}/usage").json()
    assert usage["credits_remaining"] == -2


def test_suspend_and_resume_lose_nothing(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=3)
    job_id = team.create_job()
    team.call(job_id)
    before = admin.get(f"/api/teams/{team.team_id}").json()
    admin.post(f"/api/teams/{team.team_id}/suspend")
    assert team.call(job_id).status_code == 403
    admin.post(f"/api/teams/{team.team_id}/resume")
    after = admin.get(f"/api/teams/{team.team_id}").json()
    assert (after["credits_available"], after["credits_held"]) == (before["credits_available"], before["credits_held"])
    assert team.call(job_id).status_code == 200
    assert team.complete(job_id).json()["costs"]["credits_remaining"] == 2
