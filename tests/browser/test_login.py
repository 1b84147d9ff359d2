"""Login: the master key is traded for a session token; only the token is kept, and only while valid."""

import json

import httpx
from panel import at, log_in, screenshot, session_storage, session_token
from playwright.sync_api import Page, expect


def test_pages_need_a_login(page: Page) -> None:
    page.goto("/teams/")
    expect(page).to_have_url(at("/login/?next=%2Fteams%2F"))
    expect(page.get_by_role("heading", name="SaaS LiteLLM admin")).to_be_visible()


def test_a_wrong_master_key_shows_the_api_error_and_keeps_nothing(page: Page, stack) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login/")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("error-master_key")).to_be_visible()  # checked before sending
    page.get_by_label("Master key").fill("sk-admin-not-the-key")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("error")).to_contain_text("invalid admin key")
    assert session_storage(page) == {}
    screenshot(page, "login")


def test_login_keeps_only_the_session_token_never_the_master_key(page: Page, stack) -> None:  # type: ignore[no-untyped-def]
    log_in(page, stack.master_key, "/login/?next=%2Fmodels%2F")
    expect(page).to_have_url(at("/models/"))
    stored = session_storage(page)
    assert stack.master_key not in json.dumps(stored)
    assert page.evaluate("() => localStorage.length") == 0
    assert "master" not in page.evaluate("() => document.cookie")
    token = session_token(page)
    assert token.startswith("sess-")
    with httpx.Client(base_url=stack.api_url) as client:
        assert client.get("/api/admin/session", headers={"X-Admin-Session": token}).status_code == 200


def test_logout_revokes_the_session(admin_page: Page, stack) -> None:  # type: ignore[no-untyped-def]
    token = session_token(admin_page)
    admin_page.get_by_role("button", name="Log out").click()
    expect(admin_page).to_have_url(at("/login/"))
    assert session_storage(admin_page) == {}
    with httpx.Client(base_url=stack.api_url) as client:
        assert client.get("/api/admin/session", headers={"X-Admin-Session": token}).status_code == 401


def test_a_session_revoked_on_the_server_sends_the_panel_back_to_login(admin_page: Page, stack) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=stack.api_url) as client:
        revoked = client.post("/api/admin/logout", headers={"X-Admin-Session": session_token(admin_page)})
        assert revoked.status_code == 204
    admin_page.goto("/teams/")
    expect(admin_page).to_have_url(at("/login/?next=%2Fteams%2F&expired=1"))
    expect(admin_page.get_by_role("status")).to_contain_text("Your session has expired")
    assert session_storage(admin_page) == {}


def test_an_expired_session_sends_the_panel_back_to_login(admin_page: Page) -> None:
    admin_page.evaluate(
        """() => {
        const session = JSON.parse(sessionStorage.getItem('saas-admin.session'));
        session.expires_at = new Date(Date.now() + 1500).toISOString();
        sessionStorage.setItem('saas-admin.session', JSON.stringify(session));
    }"""
    )
    admin_page.goto("/organizations/")
    expect(admin_page.get_by_role("heading", name="Organizations")).to_be_visible()
    # the frame's timer fires at expires_at, without any request
    expect(admin_page).to_have_url(at("/login/?next=%2Forganizations%2F&expired=1"), timeout=10_000)
