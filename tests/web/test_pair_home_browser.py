"""A new pair's home in chromium: the next step leads, at desktop and phone width, in English and German."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from mentorloom.db import utcnow
from mentorloom.mentorships.models import Mentorship, MentorshipSource, MentorshipStatus
from mentorloom.programs import service as programs
from mentorloom.programs.models import Role
from mentorloom.programs.schemas import ProgramIn
from tests.factories import make_user
from tests.web.conftest import PHONE, LiveServer, screenshot
from tests.web.test_browser import log_in, password_hash

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _new_pair(server: LiveServer) -> str:
    """Mia (mentor) and Nico (mentee), both accepted yesterday: no goal, no agreement confirmed yet."""
    with server.database.session() as session:
        coordinator = make_user(session, email="cora@example.org", name="Cora Coordinator")
        program = programs.create_program(session, ProgramIn(name="First Week"), coordinator=coordinator)
        people = []
        for email, name, role in (
            ("mia@example.org", "Mia Mentor", Role.MENTOR),
            ("nico@example.org", "Nico Mentee", Role.MENTEE),
        ):
            user = make_user(session, email=email, name=name)
            user.password_hash = password_hash()
            people.append(programs.add_member(session, program, user, role))
        mentorship = Mentorship(
            program_id=program.id,
            mentor_id=people[0].id,
            mentee_id=people[1].id,
            source=MentorshipSource.MATCHING,
            status=MentorshipStatus.ACTIVE,
            started_at=utcnow() - timedelta(days=1),
        )
        session.add(mentorship)
        session.flush()
        return f"/programs/{program.id}/mentorships/{mentorship.id}"


def test_a_new_pair_home_leads_with_its_first_goal(
    live_server: LiveServer, page: Page, open_page: Callable[..., Page]
) -> None:
    path = _new_pair(live_server)
    log_in(page, live_server, "mia@example.org")
    page.goto(live_server.url + path)
    next_step = page.locator("#next-step")
    expect(next_step.get_by_role("heading")).to_have_text("Your first steps")
    expect(next_step.get_by_role("link", name="Add your first goal")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm the agreement")).to_be_disabled()
    expect(page.locator("#confirm-blocked")).to_contain_text("Add at least one goal first")
    screenshot(page, "pair-home-new")

    phone = open_page()
    log_in(phone, live_server, "nico@example.org")
    phone.goto(live_server.url + path)
    phone.get_by_role("button", name="DE", exact=True).click()  # in the header at desktop width
    expect(phone.locator("html")).to_have_attribute("lang", "de")
    phone.set_viewport_size(PHONE)
    expect(phone.locator("#next-step").get_by_role("heading")).to_have_text("Ihre ersten Schritte")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the phone"
    screenshot(phone, "pair-home-new-de")
