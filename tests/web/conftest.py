"""A live server on a real SQLite file and Debian's chromium driven by Playwright."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from mentorloom import migrate
from mentorloom.config import Settings
from mentorloom.db import Database
from tests.conftest import require_or_skip

CHROMIUM = "/usr/bin/chromium"
# Screenshots of key pages for humans to look at (gitignored); each run overwrites them.
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(self, settings: Settings, port: int) -> None:
        from mentorloom.app import create_app

        self.settings = settings
        self.database = Database(settings.sqlalchemy_url)
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings, database=self.database), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.database.dispose()


@pytest.fixture()
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    port = _free_port()
    settings = Settings(
        var_dir=tmp_path / "var", secret_key="browser-test", jobs_immediate=True, base_url=f"http://127.0.0.1:{port}"
    )
    migrate.upgrade(settings.sqlalchemy_url)
    server = LiveServer(settings, port)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server with the demo loaded (what `make run` shows), shared by one module's tests.

    Logins are not rate-limited here: such a module logs in as several people within a minute.
    """
    from mentorloom.demo import load_demo

    port = _free_port()
    settings = Settings(
        var_dir=tmp_path_factory.mktemp("demo") / "var",
        secret_key="browser-test",
        jobs_immediate=True,
        base_url=f"http://127.0.0.1:{port}",
        login_rate_limit="1000/minute",
    )
    migrate.upgrade(settings.sqlalchemy_url)
    server = LiveServer(settings, port)
    with server.database.session() as session:
        load_demo(session)
    server.start()
    yield server
    server.stop()


# Package scope, not session: Playwright's sync API keeps its asyncio loop marked as running on this
# thread while it is open, which breaks every anyio test that runs after it on the same worker.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    require_or_skip(shutil.which("chromium") is not None or Path(CHROMIUM).exists(), f"Debian chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _new_page(browser: Any, viewport: dict[str, int], js_errors: list[str]) -> tuple[Any, Any]:
    # en-US pins the negotiated UI language; a test switches to German on purpose.
    context = browser.new_context(viewport=viewport, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(10000)
    tab.on("pageerror", lambda error: js_errors.append(f"{tab.url}: {error}"))
    return context, tab


@pytest.fixture()
def open_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open a tab in a fresh browser context (own cookies), e.g. for a second person or a phone.

    A JavaScript error on any of its pages fails the test.
    """
    contexts: list[Any] = []
    js_errors: list[str] = []

    def open_(viewport: dict[str, int] = DESKTOP) -> Any:
        context, tab = _new_page(browser, viewport, js_errors)
        contexts.append(context)
        return tab

    yield open_
    for context in contexts:
        context.close()
    assert not js_errors, f"JavaScript errors: {js_errors}"


@pytest.fixture()
def page(open_page: Callable[..., Any]) -> Any:
    return open_page(DESKTOP)


def screenshot(tab: Any, name: str, *, both: bool = True) -> None:
    """Save a full-page screenshot at the tab's width and, with `both`, at phone width as well."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    size = tab.viewport_size
    tab.screenshot(path=SCREENSHOT_DIR / f"{name}-{size['width']}.png", full_page=True)
    if both and size["width"] != PHONE["width"]:
        tab.set_viewport_size(PHONE)
        tab.screenshot(path=SCREENSHOT_DIR / f"{name}-{PHONE['width']}.png", full_page=True)
        tab.set_viewport_size(size)
