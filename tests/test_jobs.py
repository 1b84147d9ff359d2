"""The job workflow: create, call, complete; what is recorded and what is charged."""

import httpx
import psycopg2
from helpers import TeamCtx, alias_price_micros


def _call_rows(stack, job_id: str) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}")
    with conn, conn.cursor() as cur:
        cur.execute("select * from llm_calls where job_id = %s order by created_at", (job_id,))
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    conn.close()
    return rows


def test_job_lifecycle_pending_in_progress_completed(make_team) -> None:  # type: ignore[no-untyped-def]
    team: TeamCtx = make_team(credits_allocated=10)
    created = team.client.post("/api/jobs/create", json={"job_type": "document_analysis", "metadata": {"doc": "d1"}})
    assert created.status_code == 201
    job = created.json()
    assert job["status"] == "pending" and job["metadata"] == {"doc": "d1"}
    reply = team.call(job["job_id"])
    assert reply.status_code == 200, reply.text
    assert reply.json()["response"]["content"].startswith("Hello!")
    assert reply.json()["response"]["finish_reason"] == "stop"
    assert team.client.get(f"/api/jobs/{job['job_id']}").json()["status"] == "in_progress"
    summary = team.complete(job["job_id"]).json()
    assert summary["status"] == "completed"
    assert summary["costs"]["total_calls"] == 1
    assert summary["costs"]["credits_applied"] == 1
    assert summary["costs"]["credits_remaining"] == 9


def test_a_job_of_three_calls_costs_one_credit(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=5)
    job_id = team.create_job("document_analysis")
    for step in ("extract", "classify", "summarize"):
        assert team.call(job_id, f"{step} this document").status_code == 200
    summary = team.complete(job_id).json()
    assert summary["costs"]["total_calls"] == 3
    assert summary["costs"]["credits_remaining"] == 4


def test_failed_job_costs_no_credit(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=5)
    job_id = team.create_job()
    team.call(job_id)
    summary = team.complete(job_id, "failed").json()
    assert summary["status"] == "failed"
    assert summary["costs"]["credits_applied"] == 0
    assert summary["costs"]["credits_remaining"] == 5


def test_every_call_records_its_cost_metadata(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(markup_percent="50")
    job_id = team.create_job()
    call_id = team.call(job_id, "record me please").json()["call_id"]
    [row] = _call_rows(stack, job_id)
    assert str(row["id"]) == call_id
    assert row["status"] == "success"
    assert row["alias"] == "ChatAgent" and row["model_group"] == "gpt-4o-mini"
    assert row["resolved_model"] == "openai/gpt-4o-mini"
    assert row["prompt_tokens"] > 0 and row["completion_tokens"] > 0
    # LiteLLM's x-litellm-response-cost for gpt-4o-mini at $0.15/$0.60 per 1M tokens, in micro-USD
    expected = row["prompt_tokens"] * 0.15 + row["completion_tokens"] * 0.60
    assert row["cost_source"] == "proxy"
    assert abs(row["provider_cost_micros"] - expected) <= 1
    assert row["client_cost_micros"] == alias_price_micros(row, markup_percent=50)  # the alias's price, +50 %
    assert row["latency_ms"] >= 0 and row["cache_hit"] is False
    team.complete(job_id)


def test_create_and_call_is_one_job_one_call_completed(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=3)
    response = team.client.post(
        "/api/jobs/create-and-call",
        json={"job_type": "quick", "messages": [{"role": "user", "content": "one shot"}]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response"]["content"]
    assert body["job"]["status"] == "completed"
    assert body["job"]["costs"]["credits_remaining"] == 2


def test_create_and_call_that_fails_leaves_a_failed_job_and_no_charge(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=3)
    response = team.client.post(
        "/api/jobs/create-and-call",
        json={"job_type": "quick", "messages": [{"role": "user", "content": "[[fake:error=500]]"}]},
    )
    assert response.status_code == 502
    [job] = team.client.get("/api/jobs").json()
    assert job["status"] == "failed"
    assert team.client.get(f"/api/teams/{team.team_id}/usage").json()["credits_remaining"] == 3


def test_team_without_credits_cannot_start_work(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=0)
    response = team.client.post("/api/jobs/create", json={"job_type": "x"})
    assert response.status_code == 402
    assert response.json()["error"]["type"] == "insufficient_credits"


def test_credits_run_out_after_the_last_job(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=1)
    job_id = team.create_job()
    # The held credit is spoken for: a second job is refused while the first runs.
    assert team.client.post("/api/jobs/create", json={"job_type": "x"}).status_code == 402
    team.complete(job_id)
    assert team.client.post("/api/jobs/create", json={"job_type": "x"}).status_code == 402


def test_completed_job_takes_no_more_calls_or_completions(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    team.complete(job_id)
    assert team.call(job_id).status_code == 409
    assert team.complete(job_id).status_code == 409


def test_unknown_alias_is_404_naming_it(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    response = team.call(job_id, model="NoSuchAgent")
    assert response.status_code == 404
    assert "NoSuchAgent" in response.json()["error"]["message"]
    team.complete(job_id)


def test_alias_outside_the_teams_groups_is_403_naming_it(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(access_groups=["cheap-models"])
    job_id = team.create_job()
    response = team.call(job_id, model="SmartAgent")
    assert response.status_code == 403
    assert "SmartAgent" in response.json()["error"]["message"]
    assert team.call(job_id).json()["model"] == "NanoAgent"  # the default: the team's only alias
    team.complete(job_id)


def test_malformed_body_is_422_naming_the_field(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    missing = team.client.post(f"/api/jobs/{job_id}/llm-call", json={})
    assert missing.status_code == 422
    assert missing.json()["error"]["param"] == "messages"
    bad_temp = team.call(job_id, temperature=7)
    assert bad_temp.status_code == 422 and bad_temp.json()["error"]["param"] == "temperature"
    not_json = team.client.post(
        f"/api/jobs/{job_id}/llm-call", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 422
    assert team.client.get("/api/jobs/not-a-uuid").status_code == 422
    team.complete(job_id)


def test_teams_cannot_pass_provider_settings_through(make_team, fake: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    for field, value in (("api_base", "http://evil.example"), ("api_key", "sk-x"), ("mock_response", "pwned")):
        response = team.call(job_id, **{field: value})
        assert response.status_code == 422, field
        assert response.json()["error"]["param"] == field
    team.complete(job_id)


def test_structured_output_passes_through_and_records_parsing(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
              "required": ["name", "age"]}  # fmt: skip
    response = team.call(
        job_id,
        "extract: Ada, 36",
        response_format={"type": "json_schema", "json_schema": {"name": "p", "schema": schema}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["response"]["parsed"] == {"name": "example", "age": 42}
    [row] = _call_rows(stack, job_id)
    assert row["structured"] is True and row["parsed_ok"] is True
    team.complete(job_id)


def test_cache_enabled_alias_serves_repeats_from_litellms_redis_cache(
    make_team, admin: httpx.Client, fake: httpx.Client, stack
) -> None:  # type: ignore[no-untyped-def]
    import uuid

    name = f"Cached{uuid.uuid4().hex[:6]}"
    assert (
        admin.post(
            "/api/model-aliases/create", json={"alias": name, "litellm_model": "gpt-4o-mini", "cache_enabled": True}
        ).status_code
        == 201
    )
    group = f"cached-{uuid.uuid4().hex[:6]}"
    admin.post("/api/model-access-groups/create", json={"group_name": group, "model_aliases": [name]})
    team = make_team(access_groups=[group])
    job_id = team.create_job()
    prompt = f"cache me {uuid.uuid4()}"
    before = fake.get("/_fake/stats").json().get("calls", 0)
    first = team.call(job_id, prompt)
    second = team.call(job_id, prompt)
    assert first.json()["response"] == second.json()["response"]
    assert (first.json()["cache_hit"], second.json()["cache_hit"]) == (False, True)
    assert fake.get("/_fake/stats").json()["calls"] - before == 1
    rows = _call_rows(stack, job_id)
    assert rows[1]["cache_hit"] is True and rows[1]["provider_cost_micros"] == 0
    team.complete(job_id)
