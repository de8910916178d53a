"""The main pages in chromium under the strict CSP: not one refused script, style or image, as coordinator and mentee.

Violations are caught twice: the `securitypolicyviolation` events (recorded by an init script, which the page's CSP
does not govern) and chromium's console messages about the policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page
from sqlalchemy import select

from mentorloom.accounts.models import User
from mentorloom.demo import COORDINATOR, DEMO_PASSWORD
from mentorloom.mentorships.models import Mentorship
from mentorloom.programs.models import Membership, Program
from tests.health.test_analytics_pages import history
from tests.web.conftest import DESKTOP, PHONE, LiveServer, screenshot
from tests.web.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

MENTEE = "mentee@demo.mentorloom.org"
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = (e.sourceFile || "") + ":" + e.lineNumber;
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + where);
});
"""


@pytest.fixture(scope="module")
def ids(demo_server: LiveServer) -> dict[str, int]:
    """The demo program (with a year of pair history added, so the charts draw) and the demo mentee's pair."""
    with demo_server.database.session() as session:
        program = session.scalars(select(Program).order_by(Program.id)).first()
        assert program is not None
        mentee = session.scalar(
            select(Membership).join(User).where(User.email == MENTEE, Membership.program_id == program.id)
        )
        assert mentee is not None
        pair = session.scalar(select(Mentorship).where(Mentorship.mentee_id == mentee.id))
        assert pair is not None
        history(session, program)
        return {"program": program.id, "pair": pair.id}


@pytest.fixture()
def watched(open_page: Callable[..., Page]) -> Iterator[Callable[[dict[str, int]], tuple[Page, list[str]]]]:
    def open_(viewport: dict[str, int] = DESKTOP) -> tuple[Page, list[str]]:
        tab = open_page(viewport)
        tab.add_init_script(RECORD_VIOLATIONS)
        console: list[str] = []
        tab.on(
            "console",
            lambda m: (
                console.append(f"{tab.url}: {m.text}")
                if m.type in ("error", "warning") and ("Policy" in m.text or "Refused" in m.text)
                else None
            ),
        )
        return tab, console

    yield open_


def visit(tab: Page, console: list[str], url: str) -> None:
    response = tab.goto(url)
    assert response is not None and response.status == 200, url
    tab.wait_for_load_state("networkidle")
    violations: list[str] = tab.evaluate("window.__csp")
    assert not violations and not console, f"{url}: {violations} {console}"


def pages(server: LiveServer, ids: dict[str, int], *, coordinator: bool) -> list[str]:
    program, pair = f"{server.url}/programs/{ids['program']}", ids["pair"]
    common = ["/", "/account", "/notifications", f"/programs/{ids['program']}/mentorships/{pair}"]
    if coordinator:
        common += [
            f"/programs/{ids['program']}",
            f"/programs/{ids['program']}/participants",
            f"/programs/{ids['program']}/matching",
            f"/programs/{ids['program']}/mentorships",
            f"/programs/{ids['program']}/meetings/figures",
            f"/programs/{ids['program']}/reviews",
            f"/programs/{ids['program']}/health",
            f"/programs/{ids['program']}/health/analytics",
            f"/programs/{ids['program']}/health/retention",
        ]
    else:
        common += [
            f"/programs/{ids['program']}",
            "/messages",
            f"/programs/{ids['program']}/mentorships/{pair}/timeline",
        ]
    assert program
    return [server.url + path for path in common] + [f"{server.url}/api/v1/docs"]


def test_coordinator_pages_keep_the_policy(demo_server: LiveServer, ids: dict[str, int], watched: Any) -> None:
    tab, console = watched(DESKTOP)
    visit(tab, console, f"{demo_server.url}/login")
    log_in(tab, demo_server, COORDINATOR[0], DEMO_PASSWORD)
    tab.wait_for_url(f"{demo_server.url}/")
    for url in pages(demo_server, ids, coordinator=True):
        visit(tab, console, url)
    # Swagger UI drew the operations from its own files
    assert tab.locator(".opblock").count() > 10
    for name in ("analytics", "retention"):
        visit(tab, console, f"{demo_server.url}/programs/{ids['program']}/health/{name}")
        chart = tab.locator("img.chart-image").first
        assert chart.evaluate("img => img.complete && img.naturalWidth > 0"), f"the {name} chart did not draw"
        assert chart.get_attribute("alt")
        screenshot(tab, f"csp-{name}")


def test_mentee_pages_keep_the_policy(demo_server: LiveServer, ids: dict[str, int], watched: Any) -> None:
    tab, console = watched(PHONE)
    log_in(tab, demo_server, MENTEE, DEMO_PASSWORD)
    tab.wait_for_url(f"{demo_server.url}/")
    for url in pages(demo_server, ids, coordinator=False):
        visit(tab, console, url)
