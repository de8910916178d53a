"""Every page each role can reach, in English and German, at 1280 and 375 px: no WCAG 2.2 A/AA violation that
axe-core finds, no sideways scrolling, no text cut off. A page built from now on is checked as soon as a link
leads to it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from mentorloom.accounts.security import LinkSigner
from mentorloom.accounts.service import INVITATION, PASSWORD_RESET, make_link_token, user_by_email
from mentorloom.demo import COORDINATOR, DEMO_PASSWORD, DEMO_PROGRAM
from mentorloom.demo_pair import PAIR_MENTEE, PAIR_MENTOR
from mentorloom.matching import service as matching
from mentorloom.profiles import import_jobs
from mentorloom.programs.models import Program
from mentorloom.programs.service import uninvited_memberships
from tests.conftest import require_or_skip
from tests.web.a11y import AXE, Finding, axe_context, check, crawl, recheck, report
from tests.web.conftest import DESKTOP, PHONE, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WAITING = "tom@demo.mentorloom.org"
# The demo's pair (Jürgen and Sophie), and Tom, a mentee still waiting for a match.
LOGINS = {"coordinator": COORDINATOR[0], "mentor": PAIR_MENTOR, "mentee": PAIR_MENTEE, "waiting-mentee": WAITING}
PAGES_PER_ROLE = 60
# Ten people without an account: the import result offers "Send 10 invitations".
IMPORTED = "email,name,role\n" + "".join(f"new{i}@example.org,Neue Person {i},mentee\n" for i in range(10))
BAD_IMPORT = "email,name,role\nnot-an-address,X,mentor\nok@example.org,,trainer\n"


@pytest.fixture(scope="module")
def extra_pages(demo_server: LiveServer) -> dict[str, list[str]]:
    """Pages no link leads to (background imports, mailed links), after adding a matching run to review."""
    require_or_skip(AXE.exists(), f"axe-core at {AXE} (run `make assets`)")
    with demo_server.database.session() as session:
        program = session.scalars(select(Program).where(Program.name == DEMO_PROGRAM)).one()
        coordinator = user_by_email(session, COORDINATOR[0])
        assert coordinator is not None
        matching.compute_run(session, matching.start_run(session, program, coordinator))
        jobs = []
        for name, data in (("neu.csv", IMPORTED), ("kaputt.csv", BAD_IMPORT)):
            job = import_jobs.create_import_job(session, program.id, coordinator, name, data.encode())
            import_jobs.run_import_job(session, job)
            jobs.append(job.id)
        signer = LinkSigner(demo_server.settings.signing_key)
        reset = make_link_token(signer, PASSWORD_RESET, coordinator)
        invitation = make_link_token(signer, INVITATION, uninvited_memberships(session, program.id)[0].user)
        return {
            "coordinator": [f"/programs/{program.id}/imports/{job}" for job in jobs] + ["/no-such-page"],
            "anonymous": [f"/reset/{reset}", f"/invitation/{invitation}"],
        }


def logged_in_state(browser: Any, server: LiveServer, email: str) -> dict[str, Any]:
    """The cookies of a fresh session of `email`, for every browser context of a crawl to share."""
    context = browser.new_context(locale="en-US")
    try:
        tab = context.new_page()
        tab.goto(f"{server.url}/login")
        tab.locator("input[name=email]").fill(email)
        tab.locator("input[name=password]").fill(DEMO_PASSWORD)
        tab.locator("form[action='/login'] button[type=submit]").click()
        tab.wait_for_url(f"{server.url}/")
        state: dict[str, Any] = context.storage_state()
        return state
    finally:
        context.close()


def _menu_open(tab: Any, server: LiveServer, view: str) -> list[Finding]:
    """The phone's navigation menu, opened."""
    tab.goto(f"{server.url}/")
    tab.locator(".nav-toggle").click()
    return check(tab, "/", f"{view} menu open")


@pytest.mark.parametrize("role", ["anonymous", *LOGINS])
def test_every_page_passes_axe_and_fits_the_phone(
    demo_server: LiveServer, extra_pages: dict[str, list[str]], browser: Any, role: str
) -> None:
    server = demo_server
    started = time.monotonic()
    findings: list[Finding] = []
    errors: list[str] = []
    state = logged_in_state(browser, server, LOGINS[role]) if role in LOGINS else None
    extra = extra_pages.get(role, [])
    pages: list[str] = []
    for language in ("en", "de"):
        for viewport in (DESKTOP, PHONE):
            view = f"{language} {viewport['width']}"
            cookies = [{"name": "ml_lang", "value": language, "url": server.url}]
            with axe_context(browser, viewport, errors, state, cookies) as tab:
                if not pages:  # the first view finds the pages, the other three check the same ones
                    start = ["/login", "/forgot"] if state is None else ["/"]
                    result = crawl(tab, server.url, start, view, limit=PAGES_PER_ROLE)
                    pages = result.pages + extra
                    findings += result.findings + recheck(tab, server.url, extra, view)
                else:
                    findings += recheck(tab, server.url, pages, view)
                if state is not None and viewport is PHONE:
                    findings += _menu_open(tab, server, view)
    print(f"\n{role}: {len(pages)} pages x 4 views in {time.monotonic() - started:.0f} s, {len(findings)} findings")
    print("\n".join(pages))
    assert not errors, f"JavaScript errors: {errors}"
    assert not findings, report(findings)
