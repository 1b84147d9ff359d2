"""Provider faults become clear statuses, are recorded, and cost nothing."""

import time

import pytest


@pytest.mark.parametrize(
    ("directive", "status"),
    [("[[fake:error=429]]", 429), ("[[fake:error=500]]", 502), ("[[fake:error=503]]", 502),
     ("[[fake:malformed]]", 502), ("[[fake:error_body]]", 502)],
)  # fmt: skip
def test_provider_error_maps_to_a_clear_status_and_costs_nothing(make_team, directive: str, status: int) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_usd", credits_allocated=1_000_000)
    job_id = team.create_job()
    response = team.call(job_id, f"fail please {directive}")
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
    if status == 429:
        assert int(response.headers["Retry-After"]) >= 1
    summary = team.client.get(f"/api/jobs/{job_id}").json()
    assert summary["costs"]["failed_calls"] == 1
    assert summary["costs"]["credits_remaining"] == 1_000_000
    assert team.call(job_id, "and now a good one").status_code == 200  # the next call works
    team.complete(job_id)


def test_provider_timeout_is_504_within_the_deadline(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    started = time.monotonic()
    response = team.call(job_id, "[[fake:timeout]]")
    elapsed = time.monotonic() - started
    assert response.status_code == 504, response.text
    assert elapsed < 3 + 2  # LLM_TIMEOUT_SECONDS=3 in the test stack, plus 2 s
    team.complete(job_id, "failed")


def test_error_responses_never_name_models_or_providers(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    for directive in ("[[fake:error=500]]", "[[fake:malformed]]", "[[fake:error=429]]"):
        text = team.call(job_id, directive).text.lower()
        for secret in ("gpt-4o", "openai", "litellm", "fake provider"):
            assert secret not in text
    team.complete(job_id, "failed")
