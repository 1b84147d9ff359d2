"""Failed admin authentications (X-Admin-Key, X-Admin-Session, the panel login) lock the client out
for a while, across API processes; the right key from that client is refused too until the window
ends, while other clients are not affected.

The session's shared API processes allow many failures (every test client is 127.0.0.1), so these
tests run two processes of their own with a low limit and a short window. Each test is a different
client: uvicorn takes the client address from X-Forwarded-For when the peer is 127.0.0.1.
"""

import dataclasses
import secrets
import time
from collections.abc import Iterator

import httpx
import pytest
import stack as stack_module

MAX_FAILURES = 3
WINDOW_SECONDS = 4


@pytest.fixture(scope="module")
def apis(stack: stack_module.Stack) -> Iterator[list[httpx.Client]]:
    """Two more API processes on the session's database and Redis, with a low failure limit."""
    throttled = dataclasses.replace(
        stack,
        api_ports=[stack_module.free_port(), stack_module.free_port()],
        api_env={
            **stack.api_env,
            "ADMIN_AUTH_MAX_FAILURES": str(MAX_FAILURES),
            "ADMIN_AUTH_WINDOW_SECONDS": str(WINDOW_SECONDS),
        },
        log_dir=stack.log_dir / "admin-throttle",
        processes={},
    )
    try:
        throttled.start_api(0)
        throttled.start_api(1)
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) for port in throttled.api_ports]
        yield clients
        for client in clients:
            client.close()
    finally:
        throttled.stop()


def a_client() -> dict[str, str]:
    """Headers that make the requests come from a client address of their own."""
    return {"X-Forwarded-For": f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"}


def _locked_out(response: httpx.Response) -> bool:
    if response.status_code != 429:
        return False
    assert response.json()["error"]["type"] == "rate_limit_error"
    assert 1 <= int(response.headers["Retry-After"]) <= WINDOW_SECONDS
    return True


def test_failures_on_either_process_lock_the_client_out_of_both(apis, stack) -> None:  # type: ignore[no-untyped-def]
    first, second = apis
    client, master = a_client(), {"X-Admin-Key": stack.master_key}
    login = first.post("/api/admin/login", headers=client, json={"master_key": stack.master_key})
    session = {"X-Admin-Session": login.json()["token"]}
    for attempt in range(MAX_FAILURES):
        api = apis[attempt % 2]
        assert api.get("/api/organizations", headers={**client, "X-Admin-Key": "wrong"}).status_code == 403
    # The right key, a valid session and a right login are all refused now, on both processes.
    for api in apis:
        assert _locked_out(api.get("/api/organizations", headers={**client, **master}))
        assert _locked_out(api.get("/api/organizations", headers={**client, **session}))
        assert _locked_out(api.post("/api/admin/login", headers=client, json={"master_key": stack.master_key}))
        assert _locked_out(api.get("/api/usage/overview", headers={**client, **master}))
    # Other clients are not: the lockout is the client's, not the key's. (Not 127.0.0.1 itself: the
    # session's other tests count their own failed admin credentials under that address.)
    assert second.get("/api/organizations", headers={**a_client(), **master}).status_code == 200
    assert first.get("/api/organizations", headers={**a_client(), **master}).status_code == 200


def test_the_lockout_ends_with_its_window(apis, stack) -> None:  # type: ignore[no-untyped-def]
    client, master = a_client(), {"X-Admin-Key": stack.master_key}
    started = time.monotonic()
    for _ in range(MAX_FAILURES):
        assert apis[0].post("/api/admin/login", headers=client, json={"master_key": "wrong"}).status_code == 403
    assert _locked_out(apis[1].get("/api/organizations", headers={**client, **master}))
    # Attempts during the lockout are refused unchecked and do not prolong it.
    deadline = started + WINDOW_SECONDS + 5
    while (response := apis[1].get("/api/organizations", headers={**client, **master})).status_code != 200:
        assert _locked_out(response) and time.monotonic() < deadline, response.text
        time.sleep(0.2)
    assert time.monotonic() - started >= WINDOW_SECONDS - 1
    # A new window: failures count from zero again.
    assert apis[0].get("/api/organizations", headers={**client, "X-Admin-Key": "wrong"}).status_code == 403
    assert apis[0].get("/api/organizations", headers={**client, **master}).status_code == 200


def test_only_failed_credentials_count(apis, stack) -> None:  # type: ignore[no-untyped-def]
    client, master = a_client(), {"X-Admin-Key": stack.master_key}
    for _ in range(2 * MAX_FAILURES):
        assert apis[0].get("/api/organizations", headers={**client, **master}).status_code == 200
        assert apis[1].get("/api/organizations", headers=client).status_code == 401  # no credential at all
    bad_session = {"X-Admin-Session": "sess-" + secrets.token_urlsafe(32)}
    for _ in range(MAX_FAILURES - 1):
        assert apis[1].get("/api/organizations", headers={**client, **bad_session}).status_code == 401
    assert apis[0].get("/api/organizations", headers={**client, **master}).status_code == 200
    # The last failure the limit allows: a bad session counts like a bad key or login.
    assert apis[0].get("/api/organizations", headers={**client, **bad_session}).status_code == 401
    assert _locked_out(apis[0].get("/api/organizations", headers={**client, **master}))
