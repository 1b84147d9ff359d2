"""Usage reports: totals, breakdowns by job type, alias and team, organization scope, periods."""

from datetime import UTC, datetime, timedelta


def test_reports_break_down_costs_by_job_type_alias_and_team(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(markup_percent="20")
    colleague = make_team(organization_id=team.organization_id)
    for job_type, models in (("extract", ["ChatAgent", "NanoAgent"]), ("summarize", ["ChatAgent"])):
        job_id = team.create_job(job_type)
        for model in models:
            assert team.call(job_id, f"{job_type} with {model}", model=model).status_code == 200
        team.complete(job_id)
    other_job = colleague.create_job("extract")
    colleague.call(other_job, "colleague")
    colleague.complete(other_job, "failed")

    report = admin.get(f"/api/teams/{team.team_id}/usage").json()
    assert report["costs"]["calls"] == 3 and report["jobs"]["completed"] == 2
    assert {b["key"]: (b["jobs"], b["costs"]["calls"]) for b in report["by_job_type"]} == {
        "extract": (1, 2),
        "summarize": (1, 1),
    }
    assert {b["key"]: b["costs"]["calls"] for b in report["by_model"]} == {"ChatAgent": 2, "NanoAgent": 1}
    for dimension in ("by_job_type", "by_model", "by_team"):
        assert (
            sum(b["costs"]["provider_cost_micros"] for b in report[dimension])
            == report["costs"]["provider_cost_micros"]
        )
    assert (
        report["costs"]["margin_micros"]
        == report["costs"]["client_cost_micros"] - report["costs"]["provider_cost_micros"]
    )

    org = admin.get(f"/api/organizations/{team.organization_id}/usage").json()
    assert org["costs"]["calls"] == 4
    assert {b["key"]: b["jobs"] for b in org["by_team"]} == {team.team_id: 2, colleague.team_id: 1}
    assert org["jobs"]["failed"] == 1

    only_extract = admin.get(f"/api/organizations/{team.organization_id}/usage", params={"job_type": "extract"}).json()
    assert only_extract["costs"]["calls"] == 3

    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert admin.get(f"/api/teams/{team.team_id}/usage", params={"start": future}).json()["costs"]["calls"] == 0

    overview = admin.get(
        "/api/usage/overview", params={"organization_id": team.organization_id, "granularity": "hour"}
    ).json()
    assert sum(p["calls"] for p in overview["series"]) == 4
    assert overview["totals"]["costs"]["calls"] == 4


def test_a_bad_period_is_422(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    response = admin.get(f"/api/teams/{team.team_id}/usage", params={"start": "0001-01-01T00:00:00+23:00"})
    assert response.status_code == 422
