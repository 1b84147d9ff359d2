"""The admin job browser (the panel's Jobs page): jobs across teams with what they cost, and a job
with every call. The panel reads these fields by name; the spec names their types."""

import uuid

import httpx
from helpers import TeamCtx

JOB_FIELDS = {"job_id", "team_id", "job_type", "status", "metadata", "result_metadata", "error_message",
              "created_at", "updated_at", "completed_at", "credits_charged"}  # fmt: skip
SUMMARY_FIELDS = {"total_calls", "successful_calls", "failed_calls", "prompt_tokens", "completion_tokens",
                  "provider_cost_micros", "client_cost_micros", "total_latency_ms", "credits_charged", "created_at"}  # fmt: skip
CALL_FIELDS = {"call_id", "alias", "model_group", "resolved_model", "status", "stream", "prompt_tokens",
               "completion_tokens", "provider_cost_micros", "client_cost_micros", "credits_charged", "cost_source",
               "latency_ms", "cache_hit", "finish_reason", "parsed_ok", "error_type", "created_at"}  # fmt: skip


def _ended_job(team: TeamCtx, calls: int = 1) -> str:
    job_id = team.create_job()
    for _ in range(calls):
        assert team.call(job_id).status_code == 200
    assert team.complete(job_id).status_code == 200
    return job_id


def test_job_list_shows_each_job_with_its_costs_once_it_ended(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    open_job, ended = team.create_job(), _ended_job(team)
    page = admin.get("/api/admin/jobs", params={"team_id": team.team_id}).json()
    assert (page["has_more"], page["limit"], page["offset"]) == (False, 50, 0)
    rows = {row["job_id"]: row for row in page["items"]}
    assert list(rows) == [ended, open_job]  # newest first
    assert set(rows[ended]) == JOB_FIELDS | {"total_calls", "provider_cost_micros", "client_cost_micros"}
    assert rows[ended]["total_calls"] == 1 and rows[ended]["provider_cost_micros"] > 0
    assert (rows[open_job]["total_calls"], rows[open_job]["provider_cost_micros"]) == (None, None)


def test_job_list_pages_newest_first(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    first, second = team.create_job(), team.create_job()
    page = admin.get("/api/admin/jobs", params={"team_id": team.team_id, "limit": 1}).json()
    assert ([row["job_id"] for row in page["items"]], page["has_more"]) == ([second], True)
    rest = admin.get("/api/admin/jobs", params={"team_id": team.team_id, "limit": 1, "offset": 1}).json()
    assert ([row["job_id"] for row in rest["items"]], rest["has_more"]) == ([first], False)


def test_job_detail_shows_every_call_with_its_model_and_costs(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = _ended_job(team, calls=2)
    detail = admin.get(f"/api/admin/jobs/{job_id}").json()
    assert set(detail) == JOB_FIELDS | {"summary", "calls"}
    assert set(detail["summary"]) == SUMMARY_FIELDS and detail["summary"]["total_calls"] == 2
    assert [set(call) for call in detail["calls"]] == [CALL_FIELDS, CALL_FIELDS]
    call = detail["calls"][0]
    assert call["status"] == "success" and call["model_group"] and call["provider_cost_micros"] > 0


def test_an_open_job_has_no_summary_yet(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    detail = admin.get(f"/api/admin/jobs/{job_id}").json()
    assert (detail["summary"], detail["calls"], detail["status"]) == (None, [], "pending")


def test_an_unknown_job_is_404(admin: httpx.Client) -> None:
    missing = uuid.uuid4()
    response = admin.get(f"/api/admin/jobs/{missing}")
    assert response.status_code == 404 and str(missing) in response.json()["error"]["message"]
