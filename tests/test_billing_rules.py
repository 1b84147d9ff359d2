"""The billing rules an outside trial broke: one price per alias whatever the door, holds that cover
everything sent, overruns charged or written off in the open, who pays for failed jobs, refused
requests that leave nothing behind, bounded replies, and the credit warning on every response."""

import json
import uuid

import httpx
import psycopg2
from helpers import TeamCtx, alias_price_micros
from sse import events


def _rows(stack, sql: str, *args: object) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}")
    with conn, conn.cursor() as cur:
        cur.execute(sql, args)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    conn.close()
    return rows


def _calls(stack, job_id: str) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    return _rows(stack, "select * from llm_calls where job_id = %s order by created_at", job_id)


def _alias(admin: httpx.Client, **fields: object) -> str:
    """A new alias on gpt-4o-mini in a group of its own; returns the group."""
    name = f"Rule{uuid.uuid4().hex[:8]}"
    body = {"alias": name, "litellm_model": "gpt-4o-mini", **fields}
    assert admin.post("/api/model-aliases/create", json=body).status_code == 201
    group = f"rule-{uuid.uuid4().hex[:8]}"
    assert (
        admin.post("/api/model-access-groups/create", json={"group_name": group, "model_aliases": [name]}).status_code
        == 201
    )
    return group


def _stream(team: TeamCtx, path: str, body: dict) -> tuple[httpx.Headers, list]:  # type: ignore[type-arg]
    with team.client.stream("POST", path, json=body) as response:
        assert response.status_code == 200, response.read()
        return response.headers, list(events(response))


# -- 1. one alias price, one bill ----------------------------------------------------------------


def test_an_alias_price_bills_buffered_streamed_and_v1_calls_alike(make_team, admin, stack) -> None:  # type: ignore[no-untyped-def]
    group = _alias(admin, input_price_per_million="1", output_price_per_million="4")
    team = make_team(budget_mode="consumption_usd", credits_allocated=10_000_000, access_groups=[group])
    job_id = team.create_job()
    prompt = [{"role": "user", "content": f"price me the same way {uuid.uuid4()}"}]
    assert team.client.post(f"/api/jobs/{job_id}/llm-call", json={"messages": prompt}).status_code == 200
    _stream(team, f"/api/jobs/{job_id}/llm-call-stream", {"messages": prompt})
    alias = admin.get("/api/model-aliases").json()
    name = next(a["alias"] for a in alias if group in a["access_groups"])
    v1 = team.client.post(
        "/v1/chat/completions", json={"model": name, "messages": prompt}, headers={"X-Job-Id": job_id}
    )
    assert v1.status_code == 200, v1.text
    calls = _calls(stack, job_id)
    assert [c["stream"] for c in calls] == [False, True, False]
    for call in calls:
        at_alias_price = alias_price_micros(call, prices=(1_000_000, 4_000_000))
        assert call["client_cost_micros"] == at_alias_price == call["credits_charged"]
        # What we pay comes from LiteLLM for every door (gpt-4o-mini: $0.15 / $0.60 per 1M tokens).
        assert call["cost_source"] == "proxy"
        assert abs(call["provider_cost_micros"] - (call["prompt_tokens"] * 0.15 + call["completion_tokens"] * 0.6)) <= 1
    assert len({c["client_cost_micros"] for c in calls}) == 1  # same prompt, same reply, same bill
    team.complete(job_id)


# -- 2. holds and overruns -----------------------------------------------------------------------


def _big_schema(properties: int = 300) -> dict:  # type: ignore[type-arg]
    described = {"type": "string", "description": "a field the model must fill in " * 5}
    return {"type": "object", "properties": {f"field_{i}": described for i in range(properties)}}


def test_the_hold_covers_tools_and_the_response_schema(make_team, admin, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_usd", credits_allocated=1_000_000)
    job_id = team.create_job()
    schema = _big_schema()
    response_format = {"type": "json_schema", "json_schema": {"name": "form", "schema": schema}}
    tools = [{"type": "function", "function": {"name": "fill", "parameters": schema}}]
    assert len(json.dumps(response_format)) > 50_000
    reply = team.call(
        job_id, "fill the form", response_format=response_format, tools=tools, tool_choice="none", max_tokens=50
    )
    assert reply.status_code == 200, reply.text
    [call] = _calls(stack, job_id)
    assert call["prompt_tokens"] > 2 * len(json.dumps(schema)) // 4  # the provider counted both schemas
    [hold] = _rows(stack, "select * from credit_transactions where call_id = %s and kind = 'hold'", call["id"])
    assert -hold["amount"] >= call["client_cost_micros"]
    assert call["credits_charged"] == call["client_cost_micros"] and call["credits_written_off"] == 0
    team.complete(job_id)


def test_a_cost_past_the_hold_is_charged_from_the_balance(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_usd", credits_allocated=1_000_000)
    job_id = team.create_job()
    # The provider counts 200k prompt tokens for a short prompt: 30,000 micro-USD, above the hold.
    assert team.call(job_id, "[[fake:prompt_tokens=200000]] tokenize me oddly", max_tokens=20).status_code == 200
    [call] = _calls(stack, job_id)
    [hold] = _rows(stack, "select * from credit_transactions where call_id = %s and kind = 'hold'", call["id"])
    assert call["client_cost_micros"] > -hold["amount"]
    assert call["credits_charged"] == call["client_cost_micros"] and call["credits_written_off"] == 0
    team.complete(job_id)


def test_a_cost_the_team_cannot_pay_is_written_off_in_the_ledger_and_reported(make_team, admin, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_usd", credits_allocated=5_000)  # hard limit
    job_id = team.create_job()
    assert team.call(job_id, "[[fake:prompt_tokens=200000]] tokenize me oddly", max_tokens=20).status_code == 200
    [call] = _calls(stack, job_id)
    assert call["credits_charged"] == 5_000  # all the team had: the balance never goes below zero
    assert call["credits_written_off"] == call["client_cost_micros"] - 5_000 > 0
    [settle] = _rows(stack, "select * from credit_transactions where call_id = %s and kind = 'settle'", call["id"])
    assert (settle["charged"], settle["written_off"]) == (5_000, call["credits_written_off"])
    assert admin.get(f"/api/teams/{team.team_id}").json()["credits_remaining"] == 0
    report = admin.get(f"/api/teams/{team.team_id}/usage").json()
    assert report["costs"]["credits_written_off"] == call["credits_written_off"]
    team.complete(job_id)


# -- 3. who pays for a failed job ----------------------------------------------------------------


def test_failed_jobs_are_free_by_default_and_their_provider_cost_is_reported(make_team, admin, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=5)
    assert admin.get(f"/api/teams/{team.team_id}").json()["failed_job_policy"] == "free"
    job_id = team.create_job()
    for _ in range(3):
        assert team.call(job_id).status_code == 200
    assert team.complete(job_id, "failed").json()["costs"]["credits_applied"] == 0
    provider = sum(c["provider_cost_micros"] for c in _calls(stack, job_id))
    report = admin.get(f"/api/teams/{team.team_id}/usage").json()
    assert report["uncharged_jobs_provider_cost_micros"] == provider > 0
    assert "uncharged_jobs_provider_cost_micros" not in team.client.get(f"/api/teams/{team.team_id}/usage").json()


def test_a_team_can_be_charged_for_failed_jobs_that_delivered_work(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=5, failed_job_policy="charge_if_any_call_succeeded")
    delivered = team.create_job()
    assert team.call(delivered).status_code == 200
    assert team.complete(delivered, "failed").json()["costs"]["credits_applied"] == 1
    nothing_delivered = team.create_job()
    assert team.call(nothing_delivered, "[[fake:error=500]]").status_code == 502
    assert team.complete(nothing_delivered, "failed").json()["costs"]["credits_applied"] == 0
    assert admin.get(f"/api/teams/{team.team_id}").json()["credits_remaining"] == 4
    patched = admin.patch(f"/api/teams/{team.team_id}", json={"failed_job_policy": "free"})
    assert patched.status_code == 200 and patched.json()["failed_job_policy"] == "free"
    assert admin.patch(f"/api/teams/{team.team_id}", json={"failed_job_policy": "sometimes"}).status_code == 422


# -- 4. a refused request leaves nothing behind --------------------------------------------------


def test_a_refused_create_and_call_leaves_no_job(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=5)
    message = [{"role": "user", "content": "hi"}]
    for path in ("/api/jobs/create-and-call", "/api/jobs/create-and-call-stream"):
        unknown = team.client.post(path, json={"job_type": "t", "model": "NoSuchAlias", "messages": message})
        assert unknown.status_code == 404, unknown.text
        too_long = team.client.post(path, json={"job_type": "t", "max_tokens": 10**9, "messages": message})
        assert too_long.status_code == 422, too_long.text
    for body in ({"model": "NoSuchAlias"}, {"model": "ChatAgent", "max_tokens": 10**9}):
        assert team.client.post("/v1/chat/completions", json={**body, "messages": message}).status_code in (404, 422)
    assert team.client.get("/api/jobs").json() == []
    usage = team.client.get(f"/api/teams/{team.team_id}/usage").json()
    assert usage["jobs"]["total"] == 0 and usage["credits_remaining"] == 5


# -- 5. a response cache per tenant --------------------------------------------------------------


def test_the_response_cache_is_never_shared_across_tenants(make_team, admin, stack) -> None:  # type: ignore[no-untyped-def]
    team_group = _alias(admin, cache_enabled=True)
    org_group = _alias(admin, cache_enabled=True, cache_scope="organization")
    first = make_team(access_groups=[team_group, org_group])
    same_org = make_team(organization_id=first.organization_id, access_groups=[team_group, org_group])
    other_org = make_team(access_groups=[team_group, org_group])

    def hits(group: str, prompt: str) -> list[bool]:
        alias = next(a["alias"] for a in admin.get("/api/model-aliases").json() if group in a["access_groups"])
        seen = []
        for team in (first, first, same_org, other_org):
            job_id = team.create_job()
            reply = team.call(job_id, prompt, model=alias)
            assert reply.status_code == 200, reply.text
            seen.append(reply.json()["cache_hit"])
            team.complete(job_id)
        return seen

    # Each team its own cache by default; an organization-wide cache when the alias says so, never wider.
    assert hits(team_group, f"secret plan {uuid.uuid4()}") == [False, True, False, False]
    assert hits(org_group, f"shared plan {uuid.uuid4()}") == [False, True, True, False]


# -- 8. bounded replies --------------------------------------------------------------------------


def test_an_alias_bounds_every_reply_by_default_with_its_models_output_limit(make_team, admin, stack) -> None:  # type: ignore[no-untyped-def]
    aliases = {a["alias"]: a for a in admin.get("/api/model-aliases").json()}
    assert aliases["ChatAgent"]["max_output_tokens"] == 16384  # gpt-4o-mini's, from LiteLLM's cost map
    group = _alias(admin, max_output_tokens=30)
    team = make_team(credits_allocated=5, access_groups=[group])  # job-based: sends no max_tokens
    job_id = team.create_job()
    reply = team.call(job_id, "[[fake:words=100000]] talk forever")
    assert reply.status_code == 200
    assert reply.json()["response"]["finish_reason"] == "length"
    asked_for_more = team.call(job_id, "[[fake:words=100000]] talk forever, please", max_tokens=5000)
    assert asked_for_more.json()["response"]["finish_reason"] == "length"
    assert [c["completion_tokens"] for c in _calls(stack, job_id)] == [30, 30]
    _, streamed = _stream(team, f"/api/jobs/{job_id}/llm-call-stream", {"messages": [
        {"role": "user", "content": "[[fake:words=100000]] stream forever"}]})  # fmt: skip
    assert streamed[-2][1]["finish_reason"] == "length"
    team.complete(job_id)


# -- 12. the warning, the 402 and the job's metadata ---------------------------------------------


def test_every_response_to_a_team_past_its_threshold_carries_the_warning(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=100, limit_type="soft", warn_threshold_percent=1)
    warmup = team.create_job()
    team.complete(warmup)  # 1 of 100 used: at the threshold
    message = [{"role": "user", "content": "hi"}]
    job_id = team.create_job()
    responses = {
        "jobs/create": team.client.post("/api/jobs/create", json={"job_type": "t"}),
        "llm-call": team.call(job_id),
        "complete": team.complete(job_id),
        "create-and-call": team.client.post("/api/jobs/create-and-call", json={"job_type": "t", "messages": message}),
        "/v1": team.client.post("/v1/chat/completions", json={"model": "ChatAgent", "messages": message}),
    }
    for path in ("/api/jobs/create-and-call-stream",):
        responses[path] = httpx.Response(200, headers=_stream(team, path, {"job_type": "t", "messages": message})[0])
    missing = [name for name, response in responses.items() if "X-Credits-Warning" not in response.headers]
    assert not missing, f"no X-Credits-Warning on {missing}"
    fresh = make_team(credits_allocated=100, limit_type="soft", warn_threshold_percent=50)
    assert "X-Credits-Warning" not in fresh.client.post("/api/jobs/create", json={"job_type": "t"}).headers
    for response in responses.values():
        if response.status_code == 201 and "job_id" in response.json():
            team.complete(response.json()["job_id"])


def test_the_402_of_a_usd_team_speaks_dollars(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_usd", credits_allocated=10)
    job_id = team.create_job()
    refused = team.call(job_id)
    assert refused.status_code == 402
    message = refused.json()["error"]["message"]
    assert "$" in message and "credits" not in message
    team.complete(job_id)


def test_a_completed_jobs_metadata_can_be_read_back(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=5)
    job_id = team.create_job(metadata={"doc": "d1"})
    done = team.client.post(f"/api/jobs/{job_id}/complete", json={"status": "completed", "metadata": {"pages": 3}})
    assert done.json()["result_metadata"] == {"pages": 3}
    job = team.client.get(f"/api/jobs/{job_id}").json()
    assert (job["metadata"], job["result_metadata"]) == ({"doc": "d1"}, {"pages": 3})
    failed = team.create_job()
    team.client.post(f"/api/jobs/{failed}/complete", json={"status": "failed", "error_message": "bad scan"})
    assert team.client.get(f"/api/jobs/{failed}").json()["error_message"] == "bad scan"


def test_the_typed_client_exposes_the_warning(stack, make_team) -> None:  # type: ignore[no-untyped-def]
    from saas_litellm_client import SaasLiteLLMSyncClient

    team = make_team(credits_allocated=100, limit_type="soft", warn_threshold_percent=1)
    with SaasLiteLLMSyncClient(stack.api_url, team.team_id, team.key) as client:
        first = client.create_job("t")
        assert first.credits_warning is False
        assert client.complete_job(first.job_id).credits_warning is True
        job = client.create_job("t")
        assert job.credits_warning is True
        with client.llm_call_stream(job.job_id, "hi") as stream:
            stream.collect()
        assert stream.credits_warning and stream.result.credits_warning
        client.complete_job(job.job_id)
