"""Stable error codes: every error body names its case in `error.code`, one of the codes that
saas_api/errors.py lists and docs/api.md documents, and the typed client raises the matching class
with that `.code`. Each code is triggered here against the real stack at least once."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg2
import pytest
from helpers import ROOT, unique
from saas_api import errors
from saas_litellm_client import (
    CallsInFlightError,
    ConflictError,
    IdempotencyConflictError,
    InvalidRequestError,
    JobNotOpenError,
    ModelNotAllowedError,
    PermissionDeniedError,
    SaasLiteLLMSyncClient,
)
from saas_litellm_client.errors import _BY_CODE
from sse import events

API_DOC = ROOT / "docs" / "api.md"
SOURCES = ROOT / "saas-api" / "src" / "saas_api"


def _error_classes() -> Iterator[type[errors.DomainError]]:
    pending = [errors.DomainError]
    while pending:
        cls = pending.pop()
        yield cls
        pending += cls.__subclasses__()


def _documented_rows() -> set[tuple[str, int, str]]:
    """(code, status, type) of each row of docs/api.md's error table."""
    row = re.compile(r"^\| `(\w+)` \| (\d{3}) \| `(\w+)` \|", re.MULTILINE)
    return {(code, int(status), kind) for code, status, kind in row.findall(API_DOC.read_text())}


# -- the list, its classes and its docs (no stack needed) ----------------------------------------


def test_every_error_class_sends_a_listed_code_with_its_status() -> None:
    listed = {(row.code, row.status) for row in errors.ERROR_CODES}
    # Conflict is only the base of the 409s: each of them has a subclass and a code of its own.
    sent = {(cls.code, cls.status_code) for cls in _error_classes() if cls is not errors.Conflict}
    assert sent == listed


def test_docs_list_every_code_with_its_status_and_type() -> None:
    types = {(cls.code, cls.status_code): cls.type for cls in _error_classes()}
    listed = {(row.code, row.status, types[row.code, row.status]) for row in errors.ERROR_CODES}
    assert _documented_rows() == listed


def test_no_409_is_raised_without_a_code_of_its_own() -> None:
    bare = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(SOURCES.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"(?<!class )(?<!\w)Conflict\(", line)
    ]
    assert not bare, f"raise a subclass of Conflict (AlreadyExists, JobNotOpen, CallsInFlight…): {bare}"


def test_every_code_is_triggered_here() -> None:
    triggered = set(re.findall(r'_error\(.*, \d{3}, "(\w+)"\)', Path(__file__).read_text()))
    assert triggered == {row.code for row in errors.ERROR_CODES}


def test_the_client_knows_every_code() -> None:
    assert {row.code for row in errors.ERROR_CODES} <= _BY_CODE.keys()


def test_the_openapi_responses_name_each_code_of_their_status() -> None:
    spec = json.loads((ROOT / "docs" / "openapi.json").read_text())
    responses = spec["paths"]["/api/jobs/{job_id}/complete"]["post"]["responses"]
    for row in errors.ERROR_CODES:
        if row.status not in (405, 422):  # 405 is no operation's answer; FastAPI describes 422 itself
            assert f"`{row.code}`" in responses[str(row.status)]["description"], row


# -- each code, against the stack --------------------------------------------------------------


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    error = response.json()["error"]
    assert error["code"] == code, error
    return dict(error)


def _sync_client(stack, team) -> SaasLiteLLMSyncClient:  # type: ignore[no-untyped-def]
    return SaasLiteLLMSyncClient(stack.api_url, team.team_id, team.key, max_retries=0)


def test_authentication_failed(anonymous: httpx.Client) -> None:
    _error(anonymous.get("/api/jobs"), 401, "authentication_failed")
    _error(anonymous.get("/api/organizations"), 401, "authentication_failed")


def test_permission_denied(make_team, anonymous: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    _error(team.client.post("/api/jobs/create", json={"job_type": "x", "team_id": "other"}), 403, "permission_denied")
    _error(anonymous.get("/api/organizations", headers={"X-Admin-Key": "wrong"}), 403, "permission_denied")


def test_team_suspended(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    assert admin.post(f"/api/teams/{team.team_id}/suspend").status_code == 200
    _error(team.client.post("/api/jobs/create", json={"job_type": "x"}), 403, "team_suspended")


def test_model_not_allowed_names_the_model(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(access_groups=["cheap-models"])
    job_id = team.create_job()
    error = _error(team.call(job_id, model="SmartAgent"), 403, "model_not_allowed")
    assert (error["type"], error["param"]) == ("permission_denied", "model")
    with _sync_client(stack, team) as client, pytest.raises(ModelNotAllowedError) as caught:
        client.llm_call(job_id, "hi", model="SmartAgent")
    assert isinstance(caught.value, PermissionDeniedError) and caught.value.code == "model_not_allowed"
    team.complete(job_id)


def test_a_team_without_aliases_is_model_not_allowed(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(access_groups=[])
    job_id = team.create_job()
    _error(team.call(job_id), 403, "model_not_allowed")
    team.complete(job_id)


def test_insufficient_credits(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=0)
    _error(team.client.post("/api/jobs/create", json={"job_type": "x"}), 402, "insufficient_credits")


def test_not_found_for_a_resource_and_for_a_route(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    _error(team.client.get(f"/api/jobs/{uuid.uuid4()}"), 404, "not_found")
    _error(team.client.get("/api/no-such-route"), 404, "not_found")


def test_method_not_allowed(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    refused = team.client.delete("/api/jobs")
    _error(refused, 405, "method_not_allowed")
    assert refused.headers["Allow"] == "GET"


def test_already_exists(admin: httpx.Client) -> None:
    org = unique("org")
    assert admin.post("/api/organizations/create", json={"organization_id": org, "name": "One"}).status_code == 201
    taken = admin.post("/api/organizations/create", json={"organization_id": org, "name": "Two"})
    assert _error(taken, 409, "already_exists")["param"] == "organization_id"


def test_job_not_open_for_a_call_and_a_completion(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    assert team.complete(job_id).status_code == 200
    _error(team.call(job_id), 409, "job_not_open")
    _error(team.complete(job_id), 409, "job_not_open")
    with _sync_client(stack, team) as client, pytest.raises(JobNotOpenError) as caught:
        client.complete_job(job_id)
    assert isinstance(caught.value, ConflictError) and caught.value.code == "job_not_open"


def _in_background(work: Callable[[], httpx.Response]) -> tuple[threading.Thread, list[httpx.Response]]:
    answers: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: answers.append(work()))
    thread.start()
    return thread, answers


def test_calls_in_flight(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    thread, _ = _in_background(lambda: team.call(job_id, "[[fake:latency=2000]] slow"))
    deadline = time.monotonic() + 5
    while not team.client.get(f"/api/jobs/{job_id}").json()["calls"] and time.monotonic() < deadline:
        time.sleep(0.05)  # until the call is admitted
    _error(team.complete(job_id), 409, "calls_in_flight")
    with _sync_client(stack, team) as client, pytest.raises(CallsInFlightError) as caught:
        client.complete_job(job_id)
    assert isinstance(caught.value, ConflictError) and caught.value.code == "calls_in_flight"
    thread.join()
    assert team.complete(job_id).status_code == 200


def test_idempotency_in_progress(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"job_type": "x", "messages": [{"role": "user", "content": "[[fake:latency=2000]] slow"}]}

    def send() -> httpx.Response:
        return team.client.post("/api/jobs/create-and-call", json=body, headers=key)

    # One claims the key and runs for 2 s; the other finds it claimed.
    threads = [_in_background(send) for _ in range(2)]
    for thread, _ in threads:
        thread.join()
    ran, refused = sorted((answer for _, [answer] in threads), key=lambda answer: answer.status_code)
    assert ran.status_code == 200, ran.text
    error = _error(refused, 409, "idempotency_in_progress")
    assert error["param"] == "Idempotency-Key" and refused.headers["Retry-After"] == "1"


def test_request_too_large(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    big = {"job_type": "x", "metadata": {"text": "x" * 300_000}}  # MAX_BODY_BYTES is 200 000 in tests
    _error(team.client.post("/api/jobs/create", json=big), 413, "request_too_large")


def test_invalid_request_for_a_value_and_for_a_body_that_cannot_be_parsed(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    assert _error(team.call(job_id, temperature=7), 422, "invalid_request")["param"] == "temperature"
    deep = '{"a":' * 20_000 + "1" + "}" * 20_000  # 120 kB, under MAX_BODY_BYTES; too deep for the parser
    headers = {"Content-Type": "application/json"}
    _error(team.client.post(f"/api/jobs/{job_id}/llm-call", content=deep, headers=headers), 400, "invalid_request")
    with _sync_client(stack, team) as client, pytest.raises(InvalidRequestError) as caught:
        client.llm_call(job_id, "hi", temperature=7)
    assert caught.value.code == "invalid_request"
    team.complete(job_id)


def test_idempotency_conflict(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    assert team.client.post("/api/jobs/create", json={"job_type": "a"}, headers=key).status_code == 201
    other = team.client.post("/api/jobs/create", json={"job_type": "b"}, headers=key)
    assert _error(other, 422, "idempotency_conflict")["param"] == "Idempotency-Key"
    with _sync_client(stack, team) as client, pytest.raises(IdempotencyConflictError) as caught:
        client.create_job("b", idempotency_key=key["Idempotency-Key"])
    assert isinstance(caught.value, InvalidRequestError) and caught.value.code == "idempotency_conflict"
    [job] = team.client.get("/api/jobs").json()
    team.complete(job["job_id"])


def test_rate_limited(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    limited = _error(team.call(job_id, "[[fake:error=429]]"), 429, "rate_limited")
    assert limited["type"] == "rate_limit_error"
    team.complete(job_id, "failed")


def test_provider_error_before_and_during_a_stream(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    _error(team.call(job_id, "[[fake:error=500]]"), 502, "provider_error")
    body = {"messages": [{"role": "user", "content": "[[fake:cut_after=3]] [[fake:words=20]] cut"}]}
    with team.client.stream("POST", f"/api/jobs/{job_id}/llm-call-stream", json=body) as response:
        name, data = list(events(response))[-1]
    assert name == "error" and data["error"]["code"] == "provider_error"
    team.complete(job_id, "failed")


def test_provider_timeout(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    _error(team.call(job_id, "[[fake:timeout]]"), 504, "provider_timeout")
    team.complete(job_id, "failed")


def test_service_unavailable_while_a_teams_keys_are_set_up(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()  # its key is not used (so not cached) before the update below
    conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}")
    try:
        with conn, conn.cursor() as cur:
            cur.execute("update litellm_keys set minted_at = null where team_id = %s", (team.team_id,))
        _error(team.client.get("/api/jobs"), 503, "service_unavailable")
    finally:
        with conn, conn.cursor() as cur:
            cur.execute("update litellm_keys set minted_at = now() where team_id = %s", (team.team_id,))
        conn.close()


def test_internal_error(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    too_deep: Any = "x"
    for _ in range(300):
        too_deep = {"a": too_deep}  # stored before metadata had limits: listing it fails unexpectedly
    conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}")
    try:
        with conn, conn.cursor() as cur:
            cur.execute("update jobs set metadata = %s where id = %s", (json.dumps(too_deep), job_id))
        error = _error(team.client.get("/api/jobs"), 500, "internal_error")
        assert error["type"] == "api_error"
    finally:
        with conn, conn.cursor() as cur:
            cur.execute("update jobs set metadata = '{}' where id = %s", (job_id,))
        conn.close()
    assert team.complete(job_id).status_code == 200
