"""Browser tests: the admin panel's static build in Debian's Chromium, driven by Playwright, against
the session's real stack.

The panel is served from http://127.0.0.1:$TEST_PANEL_PORT (the API's CORS origin for the test
stack, set in tests/conftest.py) with a `config.json` that points it at the stack's API.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from panel import log_in
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
PANEL_OUT = ROOT / "admin-panel" / "out"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps dialing Google, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class PanelHandler(SimpleHTTPRequestHandler):
    """Serves admin-panel/out like `python -m http.server`, plus the runtime config.json."""

    def __init__(self, *args: Any, config: bytes, **kwargs: Any) -> None:
        self.config = config
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/config.json":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(self.config)))
            self.end_headers()
            self.wfile.write(self.config)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def panel_build() -> Path:
    """The static build; built once here if `make panel` has not been run."""
    if not (PANEL_OUT / "index.html").exists():
        if shutil.which("npm") is None:
            pytest.fail("admin-panel/out is missing and npm is not installed: run `make panel`")
        subprocess.run(["make", "panel"], cwd=ROOT, check=True)
    return PANEL_OUT


@pytest.fixture(scope="session")
def panel_url(stack: Any, panel_build: Path) -> Iterator[str]:
    port = int(os.environ["TEST_PANEL_PORT"])
    config = json.dumps({"apiBaseUrl": stack.api_url, "litellmUiUrl": f"{stack.litellm_url}/ui"}).encode()
    handler = functools.partial(PanelHandler, directory=str(panel_build), config=config)
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, name="panel-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")  # sync Playwright keeps an event loop running: end it with the module
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `make setup` installs Debian's chromium (as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, panel_url: str) -> Iterator[Page]:
    """A fresh browser context (empty sessionStorage) per test; uncaught page errors fail the test."""
    context = browser.new_context(
        base_url=panel_url,
        viewport={"width": 1440, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def admin_page(page: Page, stack: Any) -> Page:
    """A page logged in through the login form."""
    log_in(page, stack.master_key)
    return page
