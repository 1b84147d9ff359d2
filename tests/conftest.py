"""One real stack per test session: PostgreSQL databases made for the session (and dropped after),
the fake provider, the real LiteLLM proxy, and two SaaS API processes sharing one database.

Fixtures build data through the admin API, like a user would. After every test, every team's
ledger must reconcile with its balance and with its calls.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg2
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import stack as stack_module  # noqa: E402
from helpers import ROOT, TeamCtx, unique  # noqa: E402

ALIASES = stack_module.DEMO_ALIASES
SUFFIX = secrets.token_hex(4)

# Settings for in-process use of saas_api (ledger property tests); the API processes get the same.
os.environ.setdefault("MASTER_KEY", f"sk-admin-test-{secrets.token_urlsafe(12)}")
os.environ.setdefault("LITELLM_MASTER_KEY", f"sk-litellm-test-{secrets.token_urlsafe(12)}")
os.environ.setdefault("SAAS_ENCRYPTION_KEY", stack_module.new_encryption_key())
os.environ["SAAS_DATABASE_URL"] = f"postgresql+psycopg2://postgres@127.0.0.1:5432/saas_test_{SUFFIX}"

# Short deadlines so fault tests finish quickly; the sweeper runs only when a test asks for it.
API_ENV = {
    "LLM_TIMEOUT_SECONDS": "3",
    "SWEEPER_INTERVAL_SECONDS": "0",
    "CALL_TTL_SECONDS": "1",
    "SPEND_LOG_GRACE_SECONDS": "90",
    "MAX_CONCURRENT_CALLS_PER_KEY": "120",  # above the 100 per key the race tests send at once
    "MAX_BODY_BYTES": "200000",
    "LOG_LEVEL": "DEBUG",  # so the secrets test sees everything the API could log
    "JOB_TTL_SECONDS": "3600",
    # Every test client is 127.0.0.1 and some send wrong admin keys on purpose; test_admin_throttle
    # checks the lockout on API processes of its own, with a low limit.
    "ADMIN_AUTH_MAX_FAILURES": "1000",
    "CORS_ORIGINS": f'["http://127.0.0.1:{os.environ.setdefault("TEST_PANEL_PORT", str(stack_module.free_port()))}"]',
}


@pytest.fixture(scope="session")
def stack() -> Iterator[stack_module.Stack]:
    run = stack_module.Stack(
        master_key=os.environ["MASTER_KEY"],
        litellm_master_key=os.environ["LITELLM_MASTER_KEY"],
        encryption_key=os.environ["SAAS_ENCRYPTION_KEY"],
        saas_db=f"saas_test_{SUFFIX}",
        litellm_db=f"saas_test_litellm_{SUFFIX}",
        fake_port=stack_module.free_port(),
        litellm_port=stack_module.free_port(),
        api_ports=[stack_module.free_port(), stack_module.free_port()],
        log_dir=ROOT / "test-artifacts" / "logs",
        cache_namespace=f"saas-test-{SUFFIX}",
        api_env=API_ENV,
    )
    try:
        run.start()
        with httpx.Client(base_url=run.api_url, headers={"X-Admin-Key": run.master_key}, timeout=30) as admin:
            for alias in ALIASES:
                assert admin.post("/api/model-aliases/create", json=alias).status_code == 201
            group = {"group_name": "all-models", "model_aliases": [a["alias"] for a in ALIASES]}
            assert admin.post("/api/model-access-groups/create", json=group).status_code == 201
            cheap = {"group_name": "cheap-models", "model_aliases": ["NanoAgent"]}
            assert admin.post("/api/model-access-groups/create", json=cheap).status_code == 201
        yield run
    finally:
        run.stop()
        stack_module.drop_database(run.pg_server, run.saas_db)
        stack_module.drop_database(run.pg_server, run.litellm_db)


@pytest.fixture
def admin(stack: stack_module.Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.api_url, headers={"X-Admin-Key": stack.master_key}, timeout=30) as client:
        yield client


@pytest.fixture
def anonymous(stack: stack_module.Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.api_url, timeout=30) as client:
        yield client


@pytest.fixture
def fake(stack: stack_module.Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.fake_url, timeout=10) as client:
        yield client


@pytest.fixture
def make_team(stack: stack_module.Stack, admin: httpx.Client) -> Iterator[Callable[..., TeamCtx]]:
    """Factory: a new organization (unless given) and team; keyword arguments go to /api/teams/create."""
    clients: list[httpx.Client] = []

    def factory(organization_id: str | None = None, api_index: int = 0, **fields: object) -> TeamCtx:
        if organization_id is None:
            organization_id = unique("org")
            response = admin.post(
                "/api/organizations/create", json={"organization_id": organization_id, "name": "Test Org"}
            )
            assert response.status_code == 201, response.text
        body = {
            "organization_id": organization_id,
            "team_id": unique("team"),
            "access_groups": ["all-models"],
            "credits_allocated": 100,
            **fields,
        }
        response = admin.post("/api/teams/create", json=body)
        assert response.status_code == 201, response.text
        key = response.json()["virtual_key"]
        port = stack.api_ports[api_index]
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"}, timeout=30
        )
        clients.append(client)
        return TeamCtx(team_id=str(body["team_id"]), organization_id=organization_id, key=key, client=client)

    yield factory
    for client in clients:
        client.close()


def _books(stack: stack_module.Stack) -> list[str]:
    """Every way the books can disagree, as messages (empty when they reconcile)."""
    problems = []
    conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}")
    try:
        with conn.cursor() as cur:
            cur.execute(
                """
                select t.id, t.credits_available, t.credits_held,
                       coalesce(sum(c.amount), 0), coalesce(sum(c.held_delta), 0),
                       (select coalesce(sum(h.amount), 0) from credit_holds h where h.team_id = t.id and h.status = 'open')
                from teams t left join credit_transactions c on c.team_id = t.id
                group by t.id
                """
            )
            for team, available, held, ledger_available, ledger_held, open_holds in cur.fetchall():
                if (available, held) != (ledger_available, ledger_held) or held != open_holds:
                    problems.append(
                        f"{team}: balance ({available}, {held}) ledger ({ledger_available}, {ledger_held}) open holds {open_holds}"
                    )
            cur.execute(
                """
                select l.id from llm_calls l
                where l.hold_id is not null and l.status <> 'in_flight' and l.credits_charged <> coalesce(
                    (select sum(charged) from credit_transactions c where c.hold_id = l.hold_id and c.kind = 'settle'), 0)
                """
            )
            problems += [f"call {row[0]}: credits_charged differs from its settle entry" for row in cur.fetchall()]
            cur.execute(
                "select h.id from credit_holds h where (select count(*) from credit_transactions c "
                "where c.hold_id = h.id and c.kind in ('settle', 'release')) <> (case when h.status = 'open' then 0 else 1 end)"
            )
            problems += [f"hold {row[0]}: not resolved exactly once" for row in cur.fetchall()]
    finally:
        conn.close()
    return problems


@pytest.fixture(autouse=True)
def books_reconcile(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every test that used the stack: the ledger, the balances and the calls agree."""
    yield
    if "stack" in request.fixturenames:
        problems = _books(request.getfixturevalue("stack"))
        assert not problems, "the books do not reconcile:\n" + "\n".join(problems)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that restart the machine's PostgreSQL or Redis run last."""
    items.sort(key=lambda item: item.get_closest_marker("disruptive") is not None)
