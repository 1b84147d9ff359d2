"""Teams hold API keys of ours; their LiteLLM virtual key stays server-side, encrypted. Teams from
before migration 0006 keep their keys, which stop opening the proxy. Revocation and key prefixes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time

import httpx
import psycopg2
from helpers import ROOT, unique
from saas_api import vault
from saas_api.db import new_session
from saas_api.models import LiteLLMKey, Team, TeamKey, team_access_groups
from sqlalchemy import func, insert
from stack_access import (
    extra_api_processes,
    litellm_admin,
    proxy_answers,
    saas_db,
    stack_module,
    stored_litellm_key,
)

ALL_MODELS = ["gpt-4.1-nano", "gpt-4o", "gpt-4o-mini"]
CHAT = {"messages": [{"role": "user", "content": "Say hello!"}]}


def _works_here(base_url: str, key: str) -> None:
    """A job with one call, made with `key` on the SaaS API at `base_url`."""
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
        job = client.post("/api/jobs/create", json={"job_type": "key-check"})
        assert job.status_code == 201, job.text
        job_id = job.json()["job_id"]
        call = client.post(f"/api/jobs/{job_id}/llm-call", json=CHAT)
        assert call.status_code == 200, call.text
        assert client.post(f"/api/jobs/{job_id}/complete", json={"status": "completed"}).status_code == 200


# -- item 6: the keys teams hold are ours ----------------------------------------------------------


def test_the_keys_a_team_gets_are_refused_by_the_proxy_and_work_here(make_team, admin, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    minted = admin.post(f"/api/teams/{team.team_id}/keys")
    assert minted.status_code == 201, minted.text
    for key in (team.key, minted.json()["virtual_key"]):
        assert proxy_answers(stack, key) == (401, 401)  # neither a call nor the model list
        assert key.startswith("sk-saas-")
        for port in stack.api_ports:
            _works_here(f"http://127.0.0.1:{port}", key)
    assert minted.json()["api_key"] == minted.json()["virtual_key"]  # the former field name, kept


def test_the_team_litellm_key_is_kept_encrypted_and_never_shown(admin, stack) -> None:  # type: ignore[no-untyped-def]
    org = unique("org")
    assert admin.post("/api/organizations/create", json={"organization_id": org, "name": "Keys"}).status_code == 201
    body = {"organization_id": org, "team_id": unique("team"), "access_groups": ["cheap-models"], "rpm_limit": 50,
            "credits_allocated": 10}  # fmt: skip
    created = admin.post("/api/teams/create", json=body)
    assert created.status_code == 201, created.text
    team_id, api_key = body["team_id"], created.json()["api_key"]
    key_hash, litellm_key = stored_litellm_key(stack, str(team_id))

    # The proxy knows it as the team's key, with the team's models and limits; the team's calls use it.
    with litellm_admin(stack) as proxy:
        info = proxy.get("/key/info", params={"key": key_hash}).json()["info"]
        assert (info["team_id"], info["models"], info["rpm_limit"]) == (team_id, ["gpt-4.1-nano"], 50)
        assert proxy_answers(stack, litellm_key, "gpt-4.1-nano") == (200, 200)
        assert proxy.post("/key/block", json={"key": key_hash}).status_code == 200
        with httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {api_key}"}) as team:
            job_id = team.post("/api/jobs/create", json={"job_type": "x"}).json()["job_id"]
            blocked = team.post(f"/api/jobs/{job_id}/llm-call", json=CHAT)
            assert blocked.status_code == 403 and "blocked" in blocked.json()["error"]["message"]
            assert proxy.post("/key/unblock", json={"key": key_hash}).status_code == 200
            assert team.post(f"/api/jobs/{job_id}/llm-call", json=CHAT).status_code == 200
            assert team.post(f"/api/jobs/{job_id}/complete", json={"status": "completed"}).status_code == 200

    # Nobody is shown it: not the admin, not the team; no log line or database column holds it.
    shown = [created.text, admin.get(f"/api/teams/{team_id}").text, admin.get(f"/api/teams/{team_id}/keys").text,
             admin.get("/api/teams").text, admin.post(f"/api/teams/{team_id}/keys").text]  # fmt: skip
    assert all(litellm_key not in text for text in shown)
    dump = subprocess.run(
        ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", stack.saas_db], capture_output=True, text=True, check=True
    )
    assert litellm_key not in dump.stdout and key_hash in dump.stdout
    for log in (ROOT / "test-artifacts" / "logs").glob("saas-api*.log"):
        assert litellm_key not in log.read_text(errors="replace"), log


# -- item 6: teams from before migration 0006 ------------------------------------------------------


def _legacy_team(stack, admin) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A team made before 0006, as migration 0006 leaves it: its key is a LiteLLM virtual key minted by
    the proxy (as create_team did then), marked in_litellm; it has no LiteLLM key of its own."""
    org, team_id = unique("org"), unique("legacy")
    assert admin.post("/api/organizations/create", json={"organization_id": org, "name": "Old"}).status_code == 201
    metadata = {"saas_organization_id": org, "saas_team_id": team_id}
    with litellm_admin(stack) as proxy:
        assert proxy.post("/team/new", json={"team_id": team_id, "models": [], "metadata": metadata}).is_success
        minted = proxy.post("/key/generate", json={"team_id": team_id, "key_alias": f"saas-team-{team_id}",
                                                   "models": ALL_MODELS, "metadata": metadata})  # fmt: skip
        assert minted.is_success, minted.text
        key = minted.json()["key"]
    with new_session() as session, session.begin():
        session.add(Team(id=team_id, organization_id=org, team_alias="Old team"))
        session.flush()
        session.add(TeamKey(key_hash=hashlib.sha256(key.encode()).hexdigest(), team_id=team_id, key_prefix=key[:7],
                            in_litellm=True))  # fmt: skip
        session.execute(insert(team_access_groups).values(team_id=team_id, group_name="all-models"))
    assert admin.post(f"/api/teams/{team_id}/credits/add", json={"amount": 100}).status_code == 200
    return team_id, key


def _migrated(stack, team_id: str) -> bool:  # type: ignore[no-untyped-def]
    conn = saas_db(stack)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select (select minted_at is not null from litellm_keys where team_id = %s), "
                "(select bool_or(in_litellm) from team_keys where team_id = %s)",
                (team_id, team_id),
            )
            minted, in_litellm = cur.fetchone()
    finally:
        conn.close()
    return bool(minted) and not in_litellm


def _wait_migrated(stack, team_ids: list[str], timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not all(_migrated(stack, t) for t in team_ids):
        assert time.monotonic() < deadline, f"not migrated within {timeout:.0f} s: {team_ids}"
        time.sleep(0.25)


def test_a_team_from_before_0006_keeps_its_key_which_no_longer_opens_the_proxy(admin, stack) -> None:  # type: ignore[no-untyped-def]
    team_id, old_key = _legacy_team(stack, admin)
    old_hash = hashlib.sha256(old_key.encode()).hexdigest()
    _works_here(stack.api_url, old_key)  # before the migration: forwarded as it is
    assert proxy_answers(stack, old_key)[0] == 200

    # Every API process migrates at startup; here a new one does.
    with extra_api_processes(stack, ["saas-api-migrates"]) as [url]:
        _wait_migrated(stack, [team_id])
        assert proxy_answers(stack, old_key) == (401, 401)
        for base_url in [url, *(f"http://127.0.0.1:{port}" for port in stack.api_ports)]:
            _works_here(base_url, old_key)
    key_hash, litellm_key = stored_litellm_key(stack, team_id)
    assert proxy_answers(stack, litellm_key) == (200, 200)
    with litellm_admin(stack) as proxy:
        assert proxy.get("/key/info", params={"key": old_hash}).json()["info"]["status"] == "deleted"
        assert proxy.get("/key/info", params={"key": key_hash}).json()["info"]["models"] == ALL_MODELS


def test_a_team_from_before_0006_moves_as_soon_as_its_keys_change(admin, stack) -> None:  # type: ignore[no-untyped-def]
    team_id, old_key = _legacy_team(stack, admin)
    minted = admin.post(f"/api/teams/{team_id}/keys")
    assert minted.status_code == 201, minted.text
    assert _migrated(stack, team_id)
    assert proxy_answers(stack, old_key)[0] == 401
    for key in (old_key, minted.json()["api_key"]):
        _works_here(stack.api_url, key)


def test_key_migration_resumes_after_a_crash_with_two_processes_starting_at_once(admin, stack) -> None:  # type: ignore[no-untyped-def]
    """Three teams, each where a migration that died left it: its key stored but not minted; minted
    but not recorded as minted; recorded, with the old key not yet deleted from the proxy."""
    teams = {state: _legacy_team(stack, admin) for state in ("stored", "minted", "recorded")}
    stored: dict[str, tuple[str, str]] = {}
    for state, (team_id, _) in teams.items():
        key = "sk-" + hashlib.sha256(team_id.encode()).hexdigest()
        stored[team_id] = (hashlib.sha256(key.encode()).hexdigest(), key)
        with new_session() as session, session.begin():
            session.add(LiteLLMKey(team_id=team_id, key_hash=stored[team_id][0], encrypted_key=vault.encrypt(key),
                                   minted_at=func.now() if state == "recorded" else None))  # fmt: skip
        if state != "stored":
            with litellm_admin(stack) as proxy:
                body = {"team_id": team_id, "key": key, "key_alias": f"saas-key-{team_id}", "models": ALL_MODELS}
                assert proxy.post("/key/generate", json=body).is_success

    names = ["saas-api-migrates-a", "saas-api-migrates-b"]
    with extra_api_processes(stack, names) as urls:
        _wait_migrated(stack, list(stored))
        for _, old_key in teams.values():
            assert proxy_answers(stack, old_key)[0] == 401
            _works_here(urls[1], old_key)
    for team_id, (key_hash, key) in stored.items():
        assert stored_litellm_key(stack, team_id) == (key_hash, key)  # the stored key, no second one
        assert proxy_answers(stack, key)[0] == 200
    # One process did the work, under the lock; the other found nothing left.
    logs = "".join((stack.log_dir / f"{name}.log").read_text() for name in names)
    for team_id in stored:
        assert logs.count(f"team {team_id} now calls the proxy with its own LiteLLM key") == 1


def test_migration_0006_marks_every_existing_key_as_a_litellm_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    server, name = "postgresql://postgres@127.0.0.1:5432", unique("saas_migration").replace("-", "_")
    url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    stack_module.create_database(server, name)
    try:
        alembic = [str(stack_module.BIN / "alembic"), "-c", str(ROOT / "saas-api" / "alembic.ini")]
        env = {**os.environ, "SAAS_DATABASE_URL": url}
        subprocess.run([*alembic, "upgrade", "0005"], check=True, env=env, capture_output=True)
        conn = psycopg2.connect(f"{server}/{name}")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("insert into organizations (id, name, metadata) values ('o', 'O', '{}')")
            cur.execute(
                "insert into teams (id, organization_id, key_prefix, status, budget_mode, limit_type, "
                "warn_threshold_percent, markup_percent, metadata, credits_allocated, credits_available, credits_held) "
                "values ('t', 'o', 'sk-old1', 'active', 'job_based', 'hard', 80, 0, '{}', 0, 0, 0)"
            )
            cur.execute(
                "insert into team_keys (key_hash, team_id, key_prefix) values (%s, 't', 'sk-old1')", ("a" * 64,)
            )
        subprocess.run([*alembic, "upgrade", "head"], check=True, env=env, capture_output=True)
        with conn.cursor() as cur:
            cur.execute("select key_hash, in_litellm from team_keys")
            assert cur.fetchall() == [("a" * 64, True)]
            cur.execute("select count(*) from litellm_keys")
            assert cur.fetchone() == (0,)
            cur.execute(
                "insert into team_keys (key_hash, team_id, key_prefix) values (%s, 't', 'sk-saas-new')", ("b" * 64,)
            )
            cur.execute("select in_litellm from team_keys where key_hash = %s", ("b" * 64,))
            assert cur.fetchone() == (False,)  # keys made from now on are ours alone
        subprocess.run([*alembic, "downgrade", "0005"], check=True, env=env, capture_output=True)
        with conn.cursor() as cur:
            cur.execute("select key_prefix from teams")
            assert cur.fetchall() == [("sk-old1",)]
        conn.close()
    finally:
        stack_module.drop_database(server, name)


# -- item 10: revocation and the team's key prefix -------------------------------------------------


def test_revoking_a_revoked_or_unknown_key_is_404(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team, other = make_team(), make_team()
    minted = admin.post(f"/api/teams/{team.team_id}/keys").json()
    path = f"/api/teams/{team.team_id}/keys/{minted['key_id']}"
    assert admin.delete(path).status_code == 200
    for again in (admin.delete(path), admin.delete(f"/api/teams/{team.team_id}/keys/{'0' * 16}"),
                  admin.delete(f"/api/teams/{other.team_id}/keys/{minted['key_id']}")):  # fmt: skip
        assert again.status_code == 404, again.text
        assert again.json()["error"]["type"] == "not_found"
        assert "litellm" not in again.text.lower()
    with httpx.Client(base_url=team.client.base_url, headers={"Authorization": f"Bearer {minted['api_key']}"}) as c:
        assert c.get("/api/jobs").status_code == 401
    assert team.client.get("/api/jobs").status_code == 200


def test_team_key_prefix_is_the_newest_active_keys(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team()

    def prefix() -> str | None:
        return admin.get(f"/api/teams/{team.team_id}").json()["key_prefix"]  # type: ignore[no-any-return]

    first_id = admin.get(f"/api/teams/{team.team_id}/keys").json()[0]["key_id"]
    assert team.key.startswith(prefix())
    second = admin.post(f"/api/teams/{team.team_id}/keys").json()
    assert second["api_key"].startswith(prefix()) and not team.key.startswith(prefix())
    assert admin.delete(f"/api/teams/{team.team_id}/keys/{second['key_id']}").status_code == 200
    assert team.key.startswith(prefix())
    assert admin.delete(f"/api/teams/{team.team_id}/keys/{first_id}").status_code == 200
    assert prefix() is None
