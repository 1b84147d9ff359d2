"""A create whose id is taken by a different resource is 409 `already_exists`, naming the id's field;
an identical repeat of an organization or group create returns what exists (tests/test_tenancy.py)."""

import httpx
from helpers import unique


def _already_exists(response: httpx.Response, param: str) -> None:
    assert response.status_code == 409, response.text
    assert (response.json()["error"]["code"], response.json()["error"]["param"]) == ("already_exists", param)


def test_a_group_created_again_with_other_content_already_exists(admin: httpx.Client) -> None:
    name = unique("group")
    assert admin.post("/api/model-access-groups/create", json={"group_name": name}).status_code == 201
    other = admin.post("/api/model-access-groups/create", json={"group_name": name, "description": "other"})
    _already_exists(other, "group_name")


def test_an_alias_created_again_already_exists(admin: httpx.Client) -> None:
    body = {"alias": unique("Alias"), "litellm_model": "gpt-4o-mini"}
    assert admin.post("/api/model-aliases/create", json=body).status_code == 201
    _already_exists(admin.post("/api/model-aliases/create", json=body), "alias")


def test_a_team_created_again_already_exists(make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    again = admin.post("/api/teams/create", json={"organization_id": team.organization_id, "team_id": team.team_id})
    _already_exists(again, "team_id")
