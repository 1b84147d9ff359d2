"""Prices per job type: a job_based team's job holds its type's price when it starts and pays that
hold when it completes; types without a price cost 1; failed jobs stay free; 0 makes a type free."""

import pytest


def _balance(team) -> dict:  # type: ignore[no-untyped-def, type-arg]
    response = team.client.get(f"/api/teams/{team.team_id}/balance")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_job_holds_and_pays_its_types_price(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=20, job_type_prices={"document_analysis": 5, "chat_session": 1})
    job_id = team.create_job("document_analysis")
    held = _balance(team)
    assert (held["credits_available"], held["credits_held"]) == (15, 5)
    summary = team.complete(job_id)
    assert summary.status_code == 200, summary.text
    assert summary.json()["costs"]["credits_applied"] == 5
    after = _balance(team)
    assert (after["credits_remaining"], after["credits_held"]) == (15, 0)


def test_a_type_without_a_price_costs_the_default_of_one(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=20, job_type_prices={"document_analysis": 5})
    assert team.complete(team.create_job("other")).json()["costs"]["credits_applied"] == 1
    assert _balance(team)["credits_remaining"] == 19


def test_a_failed_priced_job_is_free(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=20, job_type_prices={"document_analysis": 5})
    response = team.complete(team.create_job("document_analysis"), status="failed")
    assert response.json()["costs"]["credits_applied"] == 0
    assert _balance(team)["credits_remaining"] == 20


def test_a_price_of_zero_makes_a_type_free_even_with_no_credit_left(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=0, job_type_prices={"ping": 0})
    assert team.complete(team.create_job("ping")).json()["costs"]["credits_applied"] == 0
    assert team.client.post("/api/jobs/create", json={"job_type": "other"}).status_code == 402


def test_a_job_the_team_cannot_afford_is_402_naming_the_unit_and_price(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=4, job_type_prices={"document_analysis": 5})
    response = team.client.post("/api/jobs/create", json={"job_type": "document_analysis"})
    assert response.status_code == 402
    message = response.json()["error"]["message"]
    assert message.endswith("has 4 credits available; this work needs 5 credits")
    assert _balance(team)["credits_available"] == 4  # nothing was held


def test_an_open_job_pays_the_price_it_held_when_prices_change(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=20, job_type_prices={"document_analysis": 5})
    job_id = team.create_job("document_analysis")
    response = admin.patch(f"/api/teams/{team.team_id}", json={"job_type_prices": {"document_analysis": 2}})
    assert response.status_code == 200, response.text
    assert response.json()["job_type_prices"] == {"document_analysis": 2}
    assert team.complete(job_id).json()["costs"]["credits_applied"] == 5
    assert team.complete(team.create_job("document_analysis")).json()["costs"]["credits_applied"] == 2
    assert _balance(team)["credits_remaining"] == 13


@pytest.mark.parametrize(
    "prices",
    [{"a": -1}, {"a": 1.5}, {"a": "5"}, {"a": 10**9 + 1}, {"": 1}, {f"t{i}": 1 for i in range(201)}],
)
def test_invalid_prices_are_422(make_team, admin, prices) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    response = admin.patch(f"/api/teams/{team.team_id}", json={"job_type_prices": prices})
    assert response.status_code == 422, response.text
    assert admin.get(f"/api/teams/{team.team_id}").json()["job_type_prices"] == {}


def test_prices_may_not_be_null(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(job_type_prices={"a": 3})
    assert admin.patch(f"/api/teams/{team.team_id}", json={"job_type_prices": None}).status_code == 422
    assert admin.get(f"/api/teams/{team.team_id}").json()["job_type_prices"] == {"a": 3}
