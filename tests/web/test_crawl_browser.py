"""Every role follows the demo's own links in chromium: no refused inline code, no console error, no broken link.

tests/web/test_csp_browser.py visits a fixed list of main pages; this walks from the home page through the links the
pages offer (breadth first, one page per URL shape such as /programs/N/participants/N, ROLE_PAGES pages per role)
and then asks for every further link found, without drawing it: an answer of 400 or more to a link a page offers is
a broken link. Only GET, and never a link that logs out or leads to erasing, deleting, cancelling, revoking, ending
or withdrawing.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from mentorloom.demo import DEMO_PASSWORD
from tests.web.conftest import DESKTOP, LiveServer
from tests.web.test_csp_browser import RECORD_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ROLE_PAGES = 30  # drawn in the browser, per role (about 0.4 s each on a busy 2-core machine)
ROLE_LINKS = 200  # further links only asked for, per role (about 0.04 s each)
# no htmx request under way, and the violation events of the last swap dispatched (they are queued as tasks)
SETTLED = "() => !document.querySelector('.htmx-request') && new Promise(done => setTimeout(() => done(true), 0))"
SKIP = re.compile(r"(^|[/_.-])(logout|erase|delete|cancel|revoke|end|withdraw)([/_.-]|$)", re.IGNORECASE)


def shape(path: str, query: str) -> str:
    """The URL with ids and query values left out: /programs/N/participants/N?band."""
    return re.sub(r"\d+", "N", path) + "?" + ",".join(sorted(re.findall(r"([^&=]+)=", query)))


class Crawl:
    def __init__(self, tab: Page, base: str) -> None:
        self.tab, self.base = tab, base
        self.problems: list[str] = []
        self.console: list[str] = []  # every console error of the walk, with its page
        self.seen: set[str] = {"/"}
        self.shapes: set[str] = {shape("/", "")}
        self.pages: deque[tuple[str, str]] = deque([("/", "home")])
        self.links: list[tuple[str, str]] = []  # (link, page offering it): asked for, not drawn
        tab.add_init_script(RECORD_VIOLATIONS)
        tab.on("console", self._console)

    def _console(self, message: Any) -> None:
        # collected for the whole walk: a message that arrives late still counts, under the page it came from
        if message.type == "error" or "Policy" in message.text or "Refused" in message.text:
            where = urlsplit(message.location.get("url") or self.tab.url).path
            self.console.append(f"{where}: console {message.type}: {message.text}")

    def offer(self, href: str, source: str) -> None:
        parts = urlsplit(urldefrag(href)[0])
        if f"{parts.scheme}://{parts.netloc}" != self.base or SKIP.search(parts.path):
            return
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in self.seen:
            return
        self.seen.add(path)
        key = shape(parts.path, parts.query)
        if key in self.shapes:
            self.links.append((path, source))
        else:
            self.shapes.add(key)
            self.pages.append((path, source))

    def draw(self, path: str, source: str) -> bool:
        """Open the page in the tab; False for a download (asked for with ask() instead)."""
        try:
            response = self.tab.goto(self.base + path, wait_until="load")
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):
                self.ask(path, source)
                return False
            raise
        assert response is not None
        if response.status >= 400:
            self.problems.append(f"{path} (a link on {source}): {response.status}")
        if "text/html" not in response.headers.get("content-type", ""):
            return False
        # htmx fragments that load with the page (badges, panels) count too; quicker than waiting for network idle
        self.tab.wait_for_function(SETTLED)
        for violation in self.tab.evaluate("window.__csp"):
            self.problems.append(f"{path}: refused by the CSP: {violation}")
        for href in self.tab.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            self.offer(href, path)
        return True

    def ask(self, path: str, source: str) -> None:
        answer = self.tab.context.request.get(self.base + path, max_redirects=5)
        if answer.status >= 400:
            self.problems.append(f"{path} (a link on {source}): {answer.status}")

    def run(self) -> int:
        drawn = 0
        while self.pages and drawn < ROLE_PAGES:
            drawn += self.draw(*self.pages.popleft())
        for path, source in (list(self.pages) + self.links)[:ROLE_LINKS]:
            self.ask(path, source)
        self.problems += self.console
        return drawn


@pytest.mark.parametrize("role", ["coordinator", "mentee", "mentor", "admin"])
def test_a_role_follows_the_links_without_violations_errors_or_broken_links(
    demo_server: LiveServer, open_page: Callable[..., Page], role: str
) -> None:
    tab = open_page(DESKTOP)
    tab.goto(f"{demo_server.url}/login")
    tab.fill("input[name=email]", f"{role}@demo.mentorloom.org")
    tab.fill("input[name=password]", DEMO_PASSWORD)
    tab.press("input[name=password]", "Enter")  # the first submit button on /login switches the language
    tab.wait_for_url(f"{demo_server.url}/")
    crawl = Crawl(tab, demo_server.url)
    drawn = crawl.run()
    assert drawn >= 15, f"only {drawn} pages reached"
    assert not crawl.problems, "\n".join(crawl.problems)


def test_the_icon_browsers_ask_for_on_their_own_is_there(
    demo_server: LiveServer, open_page: Callable[..., Page]
) -> None:
    """Chromium asks for /favicon.ico when it shows a document that names no icon, such as the OpenAPI JSON the API
    docs link to; a 404 there was a console error of the walk."""
    tab = open_page(DESKTOP)
    answer = tab.context.request.get(f"{demo_server.url}/favicon.ico")
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg+xml")
