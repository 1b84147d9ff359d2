"""Input the API cannot store or send back is refused up front with a 422 in the one error shape:
metadata past its limits, NaN and Infinity, numbers past their columns, dates past the calendar, and
nesting deep enough to exhaust a recursive check. What still fails unexpectedly is a JSON 500 with a
request id that the log has, with the traceback."""

import json
import time
from typing import Any

import httpx
import psycopg2
import pytest
from helpers import unique


def _nested(depth: int, leaf: Any = "x") -> dict[str, Any]:
    """An object `depth` levels deep: {"a": {"a": ... leaf}}."""
    value: Any = leaf
    for _ in range(depth - 1):
        value = {"a": value}
    return {"a": value}


def _refused(response: httpx.Response, param: str | None = None) -> dict[str, Any]:
    """The response is a 422 in the one error shape; returns the error."""
    assert response.status_code == 422, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "invalid_request"
    if param is not None:
        assert error["param"] == param, error
    return dict(error)


def _post_raw(client: httpx.Client, url: str, body: str, method: str = "POST") -> httpx.Response:
    return client.request(method, url, content=body.encode(), headers={"Content-Type": "application/json"})


# -- metadata -----------------------------------------------------------------------------------


def test_metadata_nested_260_deep_is_refused_and_nothing_is_stored(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=3)
    error = _refused(team.client.post("/api/jobs/create", json={"job_type": "x", "metadata": _nested(260)}), "metadata")
    assert "nested deeper than 5 levels" in error["message"]
    assert team.client.get("/api/jobs").json() == []  # no job, and the listing still works
    assert team.client.get(f"/api/teams/{team.team_id}/usage").json()["credits_remaining"] == 3


LIMITS = {
    # limit: (metadata at the limit, metadata one step past it, words of the message)
    "depth": (_nested(5), _nested(6), "nested deeper than 5 levels at 'a.a.a.a.a'"),
    "keys": ({f"k{i}": i for i in range(50)}, {f"k{i}": i for i in range(51)}, "more than 50 keys"),
    "array items": ({"list": list(range(50))}, {"list": list(range(51))}, "more than 50 items at 'list'"),
    "key length": ({"k" * 40: 1}, {"k" * 41: 1}, "a key of 41 characters (1-40 allowed)"),
    "empty key": ({"k": 1}, {"": 1}, "a key of 0 characters"),
    "string length": ({"s": "é" * 500}, {"s": "é" * 501}, "a string longer than 500 characters at 's'"),
    "size": (
        {f"k{i}": "x" * 300 for i in range(50)},  # about 15 KB
        {f"k{i}": {"a": "x" * 350} for i in range(50)},  # about 18 KB
        "bytes as JSON, more than 16384",
    ),
}


@pytest.mark.parametrize("limit", LIMITS)
def test_metadata_up_to_its_limit_is_kept_and_past_it_refused(make_team, limit: str) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    at_limit, past_limit, message = LIMITS[limit]
    created = team.client.post("/api/jobs/create", json={"job_type": "x", "metadata": at_limit})
    assert created.status_code == 201, created.text
    assert team.client.get(f"/api/jobs/{created.json()['job_id']}").json()["metadata"] == at_limit
    assert (
        message
        in _refused(team.client.post("/api/jobs/create", json={"job_type": "x", "metadata": past_limit}), "metadata")[
            "message"
        ]
    )
    assert len(team.client.get("/api/jobs").json()) == 1
    assert team.complete(created.json()["job_id"]).status_code == 200


def test_every_metadata_field_has_the_limits(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=5)
    deep, job_id = _nested(6), team.create_job()
    attempts = {
        "job create": team.client.post("/api/jobs/create", json={"job_type": "x", "metadata": deep}),
        "create-and-call": team.client.post(
            "/api/jobs/create-and-call",
            json={"job_type": "x", "metadata": deep, "messages": [{"role": "user", "content": "hi"}]},
        ),
        "complete": team.client.post(f"/api/jobs/{job_id}/complete", json={"status": "completed", "metadata": deep}),
        "organization": admin.post(
            "/api/organizations/create", json={"organization_id": unique("org"), "name": "x", "metadata": deep}
        ),
        "team create": admin.post(
            "/api/teams/create",
            json={"organization_id": team.organization_id, "team_id": unique("team"), "metadata": deep},
        ),
        "team update": admin.patch(f"/api/teams/{team.team_id}", json={"metadata": deep}),
    }
    for route, response in attempts.items():
        assert response.status_code == 422, (route, response.text)
        assert response.json()["error"]["param"] == "metadata", route
    # Nothing was written: one job (still open), its credit held, the team's metadata as it was.
    assert [j["job_id"] for j in team.client.get("/api/jobs").json()] == [job_id]
    assert team.client.get(f"/api/jobs/{job_id}").json()["status"] == "pending"
    assert admin.get(f"/api/teams/{team.team_id}").json()["metadata"] == {}
    assert team.complete(job_id).status_code == 200


# -- numbers and text that cannot be stored -------------------------------------------------------


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(make_team, admin: httpx.Client, constant: str) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job = _post_raw(team.client, "/api/jobs/create", f'{{"job_type": "x", "metadata": {{"score": {constant}}}}}')
    assert constant in _refused(job)["message"]
    patch = _post_raw(admin, f"/api/teams/{team.team_id}", f'{{"metadata": {{"score": {constant}}}}}', "PATCH")
    assert constant in _refused(patch)["message"]
    job_id = team.create_job()
    call = _post_raw(
        team.client, f"/api/jobs/{job_id}/llm-call",
        f'{{"messages": [{{"role": "user", "content": "hi"}}], "temperature": {constant}}}',
    )  # fmt: skip
    _refused(call)
    assert [j["job_id"] for j in team.client.get("/api/jobs").json()] == [job_id]  # only the job made for the call
    assert team.complete(job_id, "failed").status_code == 200


def test_the_words_nan_and_infinity_in_text_are_fine(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    created = team.client.post("/api/jobs/create", json={"job_type": "NaN", "metadata": {"note": "Infinity and NaN"}})
    assert created.status_code == 201, created.text
    assert created.json()["metadata"] == {"note": "Infinity and NaN"}
    # ...while the number beside them is still refused, wherever it is.
    _refused(_post_raw(team.client, "/api/jobs/create", '{"job_type": "NaN", "metadata": {"note": "NaN", "n": NaN}}'))
    assert team.complete(created.json()["job_id"]).status_code == 200


def test_a_nul_nested_400_deep_is_refused(make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    deep_nul = "[" * 400 + '"\\u0000"' + "]" * 400
    response = _post_raw(team.client, "/api/jobs/create", f'{{"job_type": "x", "metadata": {{"a": {deep_nul}}}}}')
    assert "cannot be stored" in _refused(response)["message"]
    job_id = team.create_job()
    tools = _post_raw(
        team.client, f"/api/jobs/{job_id}/llm-call",
        f'{{"messages": [{{"role": "user", "content": "hi"}}], "tools": [{{"x": {deep_nul}}}]}}',
    )  # fmt: skip
    assert "cannot be stored" in _refused(tools)["message"]
    assert team.complete(job_id, "failed").status_code == 200


PAST_THEIR_COLUMN = [
    ("credits/adjust", "amount", str(2**63)),
    ("credits/adjust", "amount", "1e30"),
    ("credits/adjust", "amount", str(-(2**63) - 1)),
    ("credits/adjust", "amount", str(10**15 + 1)),
    ("credits/add", "amount", str(2**63)),
    ("patch", "overage_ceiling", "1e30"),
    ("patch", "overage_ceiling", str(2**63)),
    ("patch", "rpm_limit", "1e30"),
    ("patch", "rpm_limit", str(2**31)),
    ("patch", "tpm_limit", str(2**40)),
]


def test_numbers_past_their_column_are_422(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=10)
    before = admin.get(f"/api/teams/{team.team_id}").json()
    for route, field, value in PAST_THEIR_COLUMN:
        if route == "patch":
            response = _post_raw(admin, f"/api/teams/{team.team_id}", f'{{"{field}": {value}}}', "PATCH")
        else:
            response = _post_raw(admin, f"/api/teams/{team.team_id}/{route}", f'{{"{field}": {value}, "reason": "x"}}')
        assert response.status_code == 422, (route, field, value, response.text)
        _refused(response, field)
    assert admin.get(f"/api/teams/{team.team_id}").json() == before


def test_numbers_at_their_bounds_are_kept(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=10, limit_type="soft")
    patched = admin.patch(
        f"/api/teams/{team.team_id}", json={"overage_ceiling": 10**15, "rpm_limit": 2**31 - 1, "tpm_limit": 2**31 - 1}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["overage_ceiling"], patched.json()["rpm_limit"]) == (10**15, 2**31 - 1)
    adjusted = admin.post(f"/api/teams/{team.team_id}/credits/adjust", json={"amount": -(10**15), "reason": "x"})
    assert adjusted.status_code == 200 and adjusted.json()["credits_remaining"] == 10 - 10**15
    # The other way, past the bound, is refused (a 500 before the bound).
    _refused(admin.patch(f"/api/teams/{team.team_id}", json={"rpm_limit": 2**31}), "rpm_limit")


def test_alias_prices_past_the_bound_are_422(admin: httpx.Client) -> None:
    alias = {"alias": unique("Priced"), "litellm_model": "gpt-4o-mini", "input_price_per_million": 1e30}
    _refused(admin.post("/api/model-aliases/create", json=alias), "input_price_per_million")
    alias["input_price_per_million"] = "100000000000000"
    _refused(admin.post("/api/model-aliases/create", json=alias), "input_price_per_million")
    assert admin.get(f"/api/model-aliases/{alias['alias']}").status_code == 404


# -- dates --------------------------------------------------------------------------------------


def test_usage_dates_past_the_calendar_are_422(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    # Reports step dates by days once there is a rollup to read: make sure there is one.
    assert admin.post("/api/admin/sweep").status_code == 200
    for param in ("start", "end"):
        far = {param: "9999-12-31T23:59:59Z"}
        _refused(team.client.get(f"/api/teams/{team.team_id}/usage", params=far), param)
        _refused(admin.get(f"/api/teams/{team.team_id}/usage", params=far), param)
        _refused(admin.get(f"/api/organizations/{team.organization_id}/usage", params=far), param)
        _refused(admin.get("/api/usage/overview", params={**far, "granularity": "month"}), param)
        _refused(admin.get("/api/admin/jobs", params=far), param)
        assert admin.get("/api/usage/overview", params={param: "9998-12-31T23:59:59Z"}).status_code == 200


# -- the last resort ----------------------------------------------------------------------------


def test_an_unexpected_error_is_json_with_a_request_id_the_log_has(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    # Metadata stored before it had limits: too deep to serialize, so listing it fails unexpectedly.
    conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}")
    try:
        with conn, conn.cursor() as cur:
            cur.execute("update jobs set metadata = %s where id = %s", (json.dumps(_nested(300)), job_id))
        response = team.client.get("/api/jobs")
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/json"
        error = response.json()["error"]
        request_id = response.headers["x-request-id"]
        assert error == {
            "type": "api_error",
            "message": f"an unexpected error occurred; quote request id {request_id} when you report it",
            "param": None,
            "code": "internal_error",
        }
        assert "serializ" not in response.text.lower()  # the exception's text stays in the log
        # The connection stays usable, and the operator finds the request by its id, with the traceback.
        assert team.client.get(f"/api/teams/{team.team_id}/usage").status_code == 200
        log = stack.log_dir / "saas-api.log"
        deadline = time.monotonic() + 5
        while request_id not in log.read_text(errors="replace") and time.monotonic() < deadline:
            time.sleep(0.05)
        logged = log.read_text(errors="replace")
        assert f"request id {request_id}: GET /api/jobs" in logged
        assert "Traceback" in logged[logged.index(request_id) :]
    finally:
        with conn, conn.cursor() as cur:
            cur.execute("update jobs set metadata = '{}' where id = %s", (job_id,))
        conn.close()
    assert team.complete(job_id).status_code == 200
