"""Admin API: organizations, access groups, aliases, teams, credits, suspend/resume."""

import hashlib

import httpx
import psycopg2
from helpers import unique
from stack_access import litellm_admin, proxy_answers, stored_litellm_key


def test_organization_create_list_get(admin: httpx.Client) -> None:
    org_id = unique("org")
    created = admin.post("/api/organizations/create", json={"organization_id": org_id, "name": "ACME"})
    assert created.status_code == 201
    assert created.json()["organization_id"] == org_id
    assert admin.get(f"/api/organizations/{org_id}").json()["name"] == "ACME"
    assert org_id in [o["organization_id"] for o in admin.get("/api/organizations").json()]


def test_identical_create_is_idempotent_but_a_different_one_conflicts(admin: httpx.Client) -> None:
    body = {"organization_id": unique("org"), "name": "ACME"}
    assert admin.post("/api/organizations/create", json=body).status_code == 201
    assert admin.post("/api/organizations/create", json=body).status_code == 200
    assert admin.post("/api/organizations/create", json={**body, "name": "Other"}).status_code == 409


def test_unknown_organization_is_404(admin: httpx.Client) -> None:
    response = admin.get("/api/organizations/nope-does-not-exist")
    assert response.status_code == 404
    assert "nope-does-not-exist" in response.json()["error"]["message"]


def test_alias_prices_default_to_litellm_cost_map(admin: httpx.Client) -> None:
    alias = admin.get("/api/model-aliases/ChatAgent").json()
    # gpt-4o-mini in LiteLLM's bundled cost map: $0.15 / $0.60 per 1M tokens
    assert alias["litellm_model"] == "gpt-4o-mini"
    assert alias["input_price_per_million"] == "0.15"
    assert alias["output_price_per_million"] == "0.6"


def test_alias_for_a_model_the_proxy_does_not_serve_is_refused(admin: httpx.Client) -> None:
    response = admin.post("/api/model-aliases/create", json={"alias": unique("a"), "litellm_model": "no-such-model"})
    assert response.status_code == 422
    assert "no-such-model" in response.json()["error"]["message"]


def test_alias_with_explicit_price_and_markup(admin: httpx.Client) -> None:
    name = unique("Priced")
    body = {"alias": name, "litellm_model": "gpt-4o", "input_price_per_million": "2.5",
            "output_price_per_million": "10", "markup_percent": "30"}  # fmt: skip
    created = admin.post("/api/model-aliases/create", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["markup_percent"] == "30.00"
    updated = admin.put(f"/api/model-aliases/{name}", json={"output_price_per_million": "12.5"})
    assert updated.json()["output_price_per_million"] == "12.5"


def test_access_group_create_get_update(admin: httpx.Client) -> None:
    name = unique("group")
    created = admin.post("/api/model-access-groups/create", json={"group_name": name, "description": "d"})
    assert created.status_code == 201
    assert created.json()["model_aliases"] == []
    updated = admin.put(f"/api/model-access-groups/{name}", json={"model_aliases": ["ChatAgent", "NanoAgent"]})
    assert updated.json()["model_aliases"] == ["ChatAgent", "NanoAgent"]
    assert admin.get(f"/api/model-access-groups/{name}").json()["model_aliases"] == ["ChatAgent", "NanoAgent"]
    assert name in [g["group_name"] for g in admin.get("/api/model-access-groups").json()]


def test_access_group_with_unknown_alias_is_422(admin: httpx.Client) -> None:
    response = admin.post(
        "/api/model-access-groups/create", json={"group_name": unique("g"), "model_aliases": ["Ghost"]}
    )
    assert response.status_code == 422
    assert "Ghost" in response.json()["error"]["message"]


def test_team_create_returns_the_key_once_and_stores_only_its_hash(make_team, admin: httpx.Client, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=1000, rpm_limit=100)
    shown = admin.get(f"/api/teams/{team.team_id}").json()
    assert "virtual_key" not in shown and "api_key" not in shown
    assert shown["credits_allocated"] == 1000 and shown["credits_remaining"] == 1000
    assert team.key.startswith(shown["key_prefix"])
    conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}")
    with conn, conn.cursor() as cur:
        cur.execute("select key_hash from team_keys where team_id = %s", (team.team_id,))
        assert cur.fetchall() == [(hashlib.sha256(team.key.encode()).hexdigest(),)]
        cur.execute("select count(*) from team_keys where key_hash = %s or key_prefix = %s", (team.key, team.key))
        assert cur.fetchone()[0] == 0
    conn.close()


def test_team_create_mints_a_litellm_key_limited_to_the_groups_models(make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team(access_groups=["cheap-models"])
    key_hash, _ = stored_litellm_key(stack, team.team_id)  # server-side: the team holds an API key of ours
    with litellm_admin(stack) as proxy:
        info = proxy.get("/key/info", params={"key": key_hash}).json()["info"]
    assert info["models"] == ["gpt-4.1-nano"]
    assert info["team_id"] == team.team_id


def test_duplicate_team_is_409(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    body = {"organization_id": team.organization_id, "team_id": team.team_id}
    assert admin.post("/api/teams/create", json=body).status_code == 409


def test_team_in_unknown_organization_or_group_is_refused(admin: httpx.Client, make_team) -> None:  # type: ignore[no-untyped-def]
    assert (
        admin.post("/api/teams/create", json={"organization_id": "missing-org", "team_id": unique("t")}).status_code
        == 404
    )
    org = make_team().organization_id
    response = admin.post(
        "/api/teams/create", json={"organization_id": org, "team_id": unique("t"), "access_groups": ["nope"]}
    )
    assert response.status_code == 422
    assert "nope" in response.json()["error"]["message"]


def test_list_teams_by_organization(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    first = make_team()
    second = make_team(organization_id=first.organization_id)
    other = make_team()
    listed = {t["team_id"] for t in admin.get("/api/teams", params={"organization_id": first.organization_id}).json()}
    assert listed == {first.team_id, second.team_id}
    assert other.team_id not in listed
    assert admin.get(f"/api/organizations/{first.organization_id}").json()["team_ids"] == sorted(listed)


def test_add_credits_is_a_ledger_entry(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=10)
    response = admin.post(f"/api/teams/{team.team_id}/credits/add", json={"amount": 5, "reason": "top-up"})
    assert response.status_code == 200
    assert response.json()["credits_remaining"] == 15
    ledger = admin.get(f"/api/teams/{team.team_id}/ledger").json()
    assert [(e["kind"], e["amount"]) for e in ledger["entries"]] == [("topup", 5), ("grant", 10)]
    assert ledger["entries"][0]["balance_after"] == 15


def test_add_credits_rejects_non_positive_amounts(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    response = admin.post(f"/api/teams/{team.team_id}/credits/add", json={"amount": -5})
    assert response.status_code == 422
    assert response.json()["error"]["param"] == "amount"


def test_suspend_blocks_work_and_the_litellm_key_resume_restores_both(make_team, admin: httpx.Client, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    job_id = team.create_job()
    assert admin.post(f"/api/teams/{team.team_id}/suspend").json()["status"] == "suspended"
    refused = team.call(job_id)
    assert refused.status_code == 403
    assert refused.json()["error"]["type"] == "team_suspended"
    assert team.client.post("/api/jobs/create", json={"job_type": "x"}).status_code == 403
    _, litellm_key = stored_litellm_key(stack, team.team_id)
    assert proxy_answers(stack, litellm_key)[0] == 401  # the proxy refuses the team's blocked LiteLLM key too
    assert admin.post(f"/api/teams/{team.team_id}/resume").json()["status"] == "active"
    assert proxy_answers(stack, litellm_key)[0] == 200
    assert team.call(job_id).status_code == 200
    assert team.complete(job_id).status_code == 200


def test_changing_access_groups_updates_the_litellm_key(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team(access_groups=["cheap-models"])
    job_id = team.create_job()
    assert team.call(job_id, model="SmartAgent").status_code == 403
    patched = admin.patch(f"/api/teams/{team.team_id}", json={"access_groups": ["all-models"]})
    assert patched.status_code == 200, patched.text
    assert team.call(job_id, model="SmartAgent").status_code == 200
    team.complete(job_id)


def test_team_update_edits_limits_and_markup(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    patched = admin.patch(f"/api/teams/{team.team_id}", json={"markup_percent": "25", "rpm_limit": 500})
    assert patched.json()["markup_percent"] == "25.00" and patched.json()["rpm_limit"] == 500


def test_a_team_can_have_several_keys_and_revoke_one(make_team, admin: httpx.Client, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    minted = admin.post(f"/api/teams/{team.team_id}/keys")
    assert minted.status_code == 201
    second = minted.json()["api_key"]
    assert second != team.key
    headers = {"Authorization": f"Bearer {second}"}
    with httpx.Client(base_url=stack.api_url, headers=headers) as other:
        job_id = other.post("/api/jobs/create", json={"job_type": "x"}).json()["job_id"]
        assert team.client.get(f"/api/jobs/{job_id}").status_code == 200  # same team, either key
        assert (
            other.post(
                f"/api/jobs/{job_id}/llm-call", json={"messages": [{"role": "user", "content": "hi"}]}
            ).status_code
            == 200
        )
        keys = admin.get(f"/api/teams/{team.team_id}/keys").json()
        assert len(keys) == 2 and all("virtual_key" not in k and "api_key" not in k for k in keys)
        revoked = admin.delete(f"/api/teams/{team.team_id}/keys/{minted.json()['key_id']}")
        assert revoked.json()["revoked_at"] is not None
        # This process forgot the key at once (the others within auth.py's 5 s cache).
        assert other.post(f"/api/jobs/{job_id}/complete", json={"status": "completed"}).status_code == 401
    assert team.complete(job_id).status_code == 200
