"""Helpers for the browser tests: log in, take screenshots, wait for the panel's API calls."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def log_in(page: Page, master_key: str, path: str = "/login/") -> None:
    page.goto(path)
    page.get_by_label("Master key").fill(master_key)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot in test-artifacts/screenshots/ (not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def session_storage(page: Page) -> dict[str, str]:
    return page.evaluate("() => Object.fromEntries(Object.entries(sessionStorage))")


def session_token(page: Page) -> str:
    import json

    return str(json.loads(session_storage(page)["saas-admin.session"])["token"])


def at(path: str) -> re.Pattern[str]:
    """What `expect(page).to_have_url` should match for a path on the panel (any origin)."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}$")
