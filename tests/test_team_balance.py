"""What a team sees of its own balance, the admin's refund, key labels, and reports that keep each
budget unit apart."""

import uuid

import httpx
from saas_litellm_client import SaasLiteLLMSyncClient


def test_a_team_reads_its_balance_and_ledger_with_its_own_key(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=10, job_type_prices={"document_analysis": 3})
    team.complete(team.create_job("document_analysis"))
    open_job = team.create_job("chat_session")
    response = team.client.get(f"/api/teams/{team.team_id}/balance")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["budget_unit"] == "credits"
    assert (body["credits_remaining"], body["credits_available"], body["credits_held"]) == (7, 6, 1)
    assert body["period"] is None and body["next_renewal_at"] is None
    assert body["job_type_prices"] == {"document_analysis": 3}
    kinds = [entry["kind"] for entry in body["entries"]]
    assert kinds == ["hold", "settle", "hold", "grant"]
    assert body["entries"][0]["job_id"] == open_job
    assert body["entries"][0]["balance_after"] == 7
    # Never costs or models: only the team's own amounts, in its unit.
    assert not any("cost" in key or "model" in key or "charged" in key for key in body)
    assert all(set(entry) == {"id", "kind", "amount", "held_delta", "balance_after", "job_id", "reason",
                              "created_at"} for entry in body["entries"])  # fmt: skip


def test_the_team_ledger_pages_newest_first(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=10)
    for _ in range(2):
        team.complete(team.create_job())
    first = team.client.get(f"/api/teams/{team.team_id}/balance", params={"limit": 2}).json()
    assert len(first["entries"]) == 2 and first["next_cursor"] == first["entries"][-1]["id"]
    rest = team.client.get(f"/api/teams/{team.team_id}/balance", params={"limit": 2, "before": first["next_cursor"]})
    ids = [e["id"] for e in first["entries"] + rest.json()["entries"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4


def test_another_teams_balance_is_404_and_no_key_is_401(make_team, anonymous) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = make_team(), make_team()
    response = mine.client.get(f"/api/teams/{theirs.team_id}/balance")
    assert response.status_code == 404
    assert theirs.team_id in response.text and "credits_available" not in response.text
    assert anonymous.get(f"/api/teams/{mine.team_id}/balance").status_code == 401


def test_an_admin_reads_any_teams_balance(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=1_000_000, budget_mode="consumption_usd")
    body = admin.get(f"/api/teams/{team.team_id}/balance").json()
    assert (body["budget_unit"], body["credits_available"]) == ("usd_micros", 1_000_000)
    assert admin.get("/api/teams/no-such-team/balance").status_code == 404


def test_an_admin_refund_raises_the_balance_not_the_allocation(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=10, job_type_prices={"report": 4})
    job_id = team.create_job("report")
    team.complete(job_id)
    body = {"amount": 4, "reason": "customer complaint", "job_id": job_id}
    response = admin.post(f"/api/teams/{team.team_id}/credits/refund", json=body)
    assert response.status_code == 200, response.text
    assert (response.json()["credits_remaining"], response.json()["credits_allocated"]) == (10, 10)
    entry = team.client.get(f"/api/teams/{team.team_id}/balance").json()["entries"][0]
    assert (entry["kind"], entry["amount"], entry["job_id"], entry["reason"]) == (
        "refund", 4, job_id, "customer complaint"
    )  # fmt: skip


def test_a_refund_retried_with_its_idempotency_key_refunds_once(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=10)
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"amount": 3, "reason": "goodwill"}
    first = admin.post(f"/api/teams/{team.team_id}/credits/refund", json=body, headers=headers)
    second = admin.post(f"/api/teams/{team.team_id}/credits/refund", json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert admin.get(f"/api/teams/{team.team_id}").json()["credits_available"] == 13


def test_a_refund_needs_an_admin_a_reason_and_the_teams_own_job(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team, other = make_team(), make_team()
    url = f"/api/teams/{team.team_id}/credits/refund"
    assert team.client.post(url, json={"amount": 1, "reason": "me"}).status_code == 401
    assert admin.post(url, json={"amount": 1}).status_code == 422
    assert admin.post(url, json={"amount": 0, "reason": "x"}).status_code == 422
    response = admin.post(url, json={"amount": 1, "reason": "x", "job_id": other.create_job()})
    assert response.status_code == 404 and response.json()["error"]["param"] == "job_id"
    assert admin.post("/api/teams/no-such-team/credits/refund", json={"amount": 1, "reason": "x"}).status_code == 404


def test_keys_carry_a_label_shown_in_the_list(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    created = admin.post(f"/api/teams/{team.team_id}/keys", json={"label": "staging"})
    assert created.status_code == 201, created.text
    assert created.json()["label"] == "staging"
    unlabelled = admin.post(f"/api/teams/{team.team_id}/keys")
    assert unlabelled.status_code == 201 and unlabelled.json()["label"] is None
    labels = [key["label"] for key in admin.get(f"/api/teams/{team.team_id}/keys").json()]
    assert labels == [None, "staging", None]
    assert admin.post(f"/api/teams/{team.team_id}/keys", json={"label": "x" * 65}).status_code == 422
    with httpx.Client(base_url=str(team.client.base_url), headers={"Authorization": f"Bearer {created.json()['api_key']}"}) as staging:  # fmt: skip
        assert staging.get(f"/api/teams/{team.team_id}/balance").status_code == 200


def test_reports_sum_charges_per_unit_and_never_across_units(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    jobs_team = make_team(credits_allocated=10, job_type_prices={"report": 2})
    org = jobs_team.organization_id
    usd_team = make_team(organization_id=org, credits_allocated=1_000_000, budget_mode="consumption_usd")
    jobs_team.complete(jobs_team.create_job("report"))
    job_id = usd_team.create_job()
    assert usd_team.call(job_id).status_code == 200
    usd_team.complete(job_id)
    charged_usd = admin.get(f"/api/teams/{usd_team.team_id}").json()["credits_used"]
    assert charged_usd > 0
    report = admin.get(f"/api/organizations/{org}/usage").json()
    assert report["jobs"]["credits_charged_by_unit"] == {"credits": 2, "usd_micros": charged_usd}
    assert report["jobs"]["credits_charged"] is None  # two units: no single total
    overview = admin.get("/api/usage/overview", params={"organization_id": org}).json()
    assert overview["totals"]["jobs"]["credits_charged_by_unit"] == {"credits": 2, "usd_micros": charged_usd}
    point = overview["series"][-1]
    assert point["credits_charged_by_unit"] == {"credits": 2, "usd_micros": charged_usd}
    assert point["credits_charged"] is None
    one_unit = admin.get(f"/api/teams/{jobs_team.team_id}/usage").json()["jobs"]
    assert (one_unit["credits_charged"], one_unit["credits_charged_by_unit"]) == (2, {"credits": 2})
    assert jobs_team.client.get(f"/api/teams/{jobs_team.team_id}/usage").json()["jobs"]["credits_charged"] == 2


def test_the_typed_clients_read_the_balance(stack, make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=10, job_type_prices={"report": 4})
    with SaasLiteLLMSyncClient(stack.api_url, team.team_id, team.key) as client:
        job = client.create_job("report")
        balance = client.get_balance(limit=1)
        assert (balance.budget_unit, balance.credits_available, balance.credits_held) == ("credits", 6, 4)
        assert balance.job_type_prices == {"report": 4}
        assert [(e.kind, e.job_id) for e in balance.entries] == [("hold", job.job_id)]
        older = client.get_balance(before=balance.next_cursor)
        assert [e.kind for e in older.entries] == ["grant"] and older.next_cursor is None


def test_a_spoofed_admin_header_with_a_team_key_is_refused_on_the_balance(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    response = team.client.get(f"/api/teams/{team.team_id}/balance", headers={"X-Admin-Key": team.key})
    assert response.status_code == 403
