"""The personal home in chromium: a mentor's to-do list and pairs, a coordinator's items, the header badge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from mentorloom.db import utcnow
from mentorloom.matching.models import MentorRequest
from mentorloom.mentorships.models import Mentorship, MentorshipSource, MentorshipStatus
from mentorloom.programs import service as programs
from mentorloom.programs.models import Role
from mentorloom.programs.schemas import ProgramIn
from tests.factories import make_user
from tests.web.conftest import PHONE, LiveServer, screenshot
from tests.web.test_browser import log_in, password_hash

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _seed(server: LiveServer) -> None:
    """Mia mentors Nico (20 days in, no agreement yet) in one program and has a request waiting in another."""
    with server.database.session() as session:
        cora = make_user(session, email="cora@example.org", name="Cora Coordinator")
        cora.password_hash = password_hash()
        pairs = programs.create_program(session, ProgramIn(name="Long Pairs"), coordinator=cora)
        spring = programs.create_program(session, ProgramIn(name="Spring Cohort"), coordinator=cora)
        people = {}
        for key, program, name, role in (
            ("mia", pairs, "Mia Mentor", Role.MENTOR),
            ("nico", pairs, "Nico Mentee", Role.MENTEE),
            ("mia2", spring, "Mia Mentor", Role.MENTOR),
            ("lena", spring, "Lena Lernt", Role.MENTEE),
        ):
            email = f"{name.split()[0].lower()}@example.org"
            user = people[key.rstrip("2")].user if key.endswith("2") else make_user(session, email=email, name=name)
            user.password_hash = password_hash()
            people[key] = programs.add_member(session, program, user, role)
        session.add(
            Mentorship(
                program_id=pairs.id,
                mentor_id=people["mia"].id,
                mentee_id=people["nico"].id,
                source=MentorshipSource.MATCHING,
                status=MentorshipStatus.ACTIVE,
                started_at=utcnow() - timedelta(days=20),
            )
        )
        session.add(
            MentorRequest(
                program_id=spring.id,
                mentee_id=people["lena"].id,
                mentor_id=people["mia2"].id,
                message="Could you help me with negotiation?",
                expires_at=utcnow() + timedelta(days=10),
            )
        )


def _fits_the_width(tab: Page) -> None:
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= tab.viewport_size["width"], f"the page is {width}px wide"


def test_home_shows_what_waits_and_the_badge_counts_it(
    live_server: LiveServer, page: Page, open_page: Callable[..., Page]
) -> None:
    _seed(live_server)
    log_in(page, live_server, "mia@example.org")
    todo = page.get_by_role("region", name="Waiting for you")
    expect(todo.get_by_role("link", name="Answer Lena Lernt's request")).to_be_visible()
    expect(todo.get_by_role("link", name="Write your agreement with Nico Mentee")).to_be_visible()
    expect(todo.get_by_role("link", name="Say whether the match with Nico Mentee fits")).to_be_visible()
    expect(
        page.get_by_role("region", name="My mentorships").get_by_role("link", name="Nico Mentee", exact=True)
    ).to_be_visible()
    expect(page.get_by_role("heading", name="My programs")).to_be_visible()
    expect(page.locator("#todo-badge")).to_contain_text("3")
    screenshot(page, "home-mentor")

    page.get_by_role("link", name="Spring Cohort").click()
    expect(page.locator("#todo-badge")).to_contain_text("3")  # fetched after the page loaded
    page.goto(live_server.url + "/")
    todo.get_by_role("link", name="Write your agreement with Nico Mentee").click()
    expect(page).to_have_url(f"{live_server.url}/programs/1/mentorships/1")

    phone = open_page(PHONE)
    log_in(phone, live_server, "mia@example.org")
    expect(phone.get_by_role("region", name="Waiting for you")).to_be_visible()
    expect(phone.locator("#todo-badge-menu")).to_have_text("3")  # the menu is closed, its button shows the count
    phone.get_by_role("link", name="Long Pairs").click()
    expect(phone.locator("#todo-badge-menu")).to_have_text("3")
    _fits_the_width(phone)

    coordinator = open_page()
    log_in(coordinator, live_server, "cora@example.org")
    needs = coordinator.get_by_role("region", name="Needs you as coordinator")
    expect(needs.get_by_role("link", name="1 pair without a confirmed agreement after two weeks")).to_be_visible()
    # a coordinator in no pair gets no empty "waiting for you" and "my mentorships" panels
    expect(coordinator.get_by_role("region", name="Waiting for you")).to_have_count(0)
    expect(coordinator.get_by_role("region", name="My mentorships")).to_have_count(0)
    screenshot(coordinator, "home-coordinator")
