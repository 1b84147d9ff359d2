"""Who may call what: team keys, the admin key, and tenant isolation."""

import httpx
from helpers import unique
from stack_access import stored_litellm_key


def test_missing_or_wrong_team_key_is_401(anonymous: httpx.Client) -> None:
    missing = anonymous.post("/api/jobs/create", json={"job_type": "x"})
    assert missing.status_code == 401
    assert missing.json()["error"]["type"] == "authentication_error"
    wrong = anonymous.post("/api/jobs/create", json={"job_type": "x"}, headers={"Authorization": "Bearer sk-wrong"})
    assert wrong.status_code == 401


def test_the_team_litellm_key_is_not_an_api_key(make_team, anonymous: httpx.Client, stack) -> None:  # type: ignore[no-untyped-def]
    """Team API keys and the team's LiteLLM key are different secrets; only the first opens this API."""
    team = make_team()
    _, litellm_key = stored_litellm_key(stack, team.team_id)
    assert litellm_key != team.key
    refused = anonymous.get("/api/jobs", headers={"Authorization": f"Bearer {litellm_key}"})
    assert refused.status_code == 401 and refused.json()["error"]["message"] == "invalid API key"
    assert team.client.get("/api/jobs").status_code == 200


def test_admin_routes_need_the_master_key(anonymous: httpx.Client, make_team) -> None:  # type: ignore[no-untyped-def]
    assert anonymous.get("/api/organizations").status_code == 401
    assert anonymous.get("/api/organizations", headers={"X-Admin-Key": "wrong"}).status_code == 403
    team = make_team()
    # A team key is not an admin key.
    assert team.client.get("/api/organizations").status_code == 401
    assert team.client.get("/api/organizations", headers={"X-Admin-Key": team.key}).status_code == 403


def test_another_teams_job_is_404(make_team) -> None:  # type: ignore[no-untyped-def]
    owner, intruder = make_team(), make_team()
    job_id = owner.create_job()
    assert intruder.client.get(f"/api/jobs/{job_id}").status_code == 404
    assert intruder.call(job_id).status_code == 404
    assert intruder.complete(job_id).status_code == 404
    assert owner.complete(job_id).status_code == 200


def test_job_for_another_team_id_is_refused(make_team) -> None:  # type: ignore[no-untyped-def]
    team, other = make_team(), make_team()
    response = team.client.post("/api/jobs/create", json={"job_type": "x", "team_id": other.team_id})
    assert response.status_code == 403
    assert response.json()["error"]["param"] == "team_id"


def test_team_usage_is_visible_only_to_the_team_and_admins(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team, other = make_team(), make_team()
    own = team.client.get(f"/api/teams/{team.team_id}/usage")
    assert own.status_code == 200
    assert "costs" not in own.json()  # teams never see our costs
    assert other.client.get(f"/api/teams/{team.team_id}/usage").status_code == 404
    assert "provider_cost_micros" in admin.get(f"/api/teams/{team.team_id}/usage").json()["costs"]


def test_team_job_list_shows_only_its_own_jobs(make_team) -> None:  # type: ignore[no-untyped-def]
    team, other = make_team(), make_team()
    mine = team.create_job(job_type=unique("kind"))
    theirs = other.create_job()
    listed = [j["job_id"] for j in team.client.get("/api/jobs").json()]
    assert mine in listed and theirs not in listed
    team.complete(mine)
    other.complete(theirs)


def test_admin_panel_session_login_and_logout(anonymous: httpx.Client, stack) -> None:  # type: ignore[no-untyped-def]
    assert anonymous.post("/api/admin/login", json={"master_key": "wrong"}).status_code == 403
    token = anonymous.post("/api/admin/login", json={"master_key": stack.master_key}).json()["token"]
    session = {"X-Admin-Session": token}
    assert anonymous.get("/api/organizations", headers=session).status_code == 200
    assert anonymous.post("/api/admin/logout", headers=session).status_code == 204
    assert anonymous.get("/api/organizations", headers=session).status_code == 401
