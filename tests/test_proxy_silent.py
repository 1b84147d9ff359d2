"""A LiteLLM proxy that accepts connections but never answers: "the proxy is not answering" (503,
Retry-After), told apart from a provider that failed or timed out, which the proxy itself reports
(502/504: tests/test_provider_errors.py). Key management gets its own short timeout."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from stack_access import extra_api_processes

# The API process under test: the proxy is told to give up after 1 s, we wait 1 s more for its
# answer; key management waits 1 s.
TIMEOUTS = {"LLM_TIMEOUT_SECONDS": "1", "LITELLM_GRACE_SECONDS": "1", "LITELLM_ADMIN_TIMEOUT_SECONDS": "1"}
CHAT = {"messages": [{"role": "user", "content": "Say hello!"}]}


@pytest.fixture
def silent_proxy() -> Iterator[str]:
    """A TCP listener on a free loopback port that accepts every connection and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_forever() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in [*accepted, listener]:
        conn.close()


def _assert_not_answering(response: httpx.Response, started: float, within: float) -> None:
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.json()["error"] == {
        "type": "service_unavailable", "message": "the LiteLLM proxy is not answering", "param": None, "code": "service_unavailable",
    }  # fmt: skip
    assert int(response.headers["Retry-After"]) >= 1
    assert elapsed < within, f"answered after {elapsed:.1f} s"


def test_a_silent_proxy_is_503_not_answering_on_calls_and_key_management(make_team, stack, silent_proxy) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=10)
    with extra_api_processes(stack, ["saas-api-silent-proxy"], LITELLM_PROXY_URL=silent_proxy, **TIMEOUTS) as [url]:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {team.key}"}, timeout=30) as client:
            job_id = client.post("/api/jobs/create", json={"job_type": "silent"}).json()["job_id"]
            for route in ("llm-call", "llm-call-stream"):
                started = time.monotonic()
                _assert_not_answering(client.post(f"/api/jobs/{job_id}/{route}", json=CHAT), started, 1 + 1 + 2)
            done = client.post(f"/api/jobs/{job_id}/complete", json={"status": "failed"})
            assert done.status_code == 200
            assert done.json()["costs"]["failed_calls"] == 2 and done.json()["costs"]["credits_remaining"] == 10

        with httpx.Client(base_url=url, headers={"X-Admin-Key": stack.master_key}, timeout=30) as admin:
            body = {"organization_id": team.organization_id, "team_id": f"{team.team_id}-silent"}
            started = time.monotonic()
            _assert_not_answering(admin.post("/api/teams/create", json=body), started, 1 + 2)
            assert admin.get(f"/api/teams/{body['team_id']}").status_code == 404  # nothing recorded
