"""The mentorship flow in chromium: both confirm the agreement, the mentor revises a goal, the mentee reviews."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from mentorloom.db import utcnow
from mentorloom.mentorships.models import Mentorship, MentorshipSource, MentorshipStatus
from mentorloom.mentorships.reviews import STATEMENTS
from mentorloom.programs import service as programs
from mentorloom.programs.models import Role
from mentorloom.programs.schemas import ProgramIn
from tests.factories import make_user
from tests.web.conftest import LiveServer, screenshot
from tests.web.test_browser import field, log_in, password_hash

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _seed(server: LiveServer) -> str:
    """A program with Mia (mentor) and Nico (mentee) in a mentorship that started 90 days ago."""
    with server.database.session() as session:
        coordinator = make_user(session, email="cora@example.org", name="Cora Coordinator")
        program = programs.create_program(session, ProgramIn(name="Long Pairs"), coordinator=coordinator)
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
            started_at=utcnow() - timedelta(days=90),
        )
        session.add(mentorship)
        session.flush()
        return f"/programs/{program.id}/mentorships/{mentorship.id}"


def test_agree_confirm_revise_and_review(live_server: LiveServer, page: Page, open_page: Callable[..., Page]) -> None:
    path = _seed(live_server)
    log_in(page, live_server, "mia@example.org")
    expect(page.get_by_role("heading", name="My programs")).to_be_visible()
    page.goto(live_server.url + path + "/agreement/edit")
    field(page, "In my own words").fill("Help Nico prepare salary talks.")
    page.get_by_role("button", name="Save the agreement").click()
    expect(page.locator(".flash")).to_have_text("The agreement was saved.")
    page.get_by_role("link", name="Edit the agreement").click()
    new_goal = page.locator("#new-goal")
    field(new_goal, "Title").fill("Lead a salary talk")
    new_goal.get_by_role("button", name="Add the goal").click()
    expect(page.locator(".flash")).to_have_text("The goal was added.")
    page.goto(live_server.url + path)
    page.get_by_role("button", name="Confirm the agreement").click()
    expect(page.get_by_text("You confirmed. Waiting for your partner.")).to_be_visible()

    mentee = open_page()
    log_in(mentee, live_server, "nico@example.org")
    expect(mentee.get_by_role("heading", name="My programs")).to_be_visible()
    mentee.goto(live_server.url + path)
    expect(mentee.get_by_text("Help Nico prepare salary talks.")).to_be_visible()
    mentee.get_by_role("button", name="Confirm the agreement").click()
    expect(mentee.locator("#agreement")).to_contain_text("Confirmed by both")

    page.reload()
    goal = page.locator(".ms-goal").first
    goal.get_by_role("button", name="Revise").click()
    field(goal, "Title").fill("Lead two salary talks")
    field(goal, "Why does the goal change?").fill("The first talk went well")
    goal.get_by_role("button", name="Save the revision").click()
    expect(page.locator(".flash")).to_contain_text("The goal was revised.")
    expect(page.locator("#goals")).to_contain_text("Lead two salary talks")
    expect(page.locator(".ms-timeline")).to_contain_text("The first talk went well")
    screenshot(page, "mentorship-home", both=False)

    mentee.goto(live_server.url + path)
    mentee.get_by_role("link", name="Answer the review").click()
    for i, key in enumerate(STATEMENTS):
        mentee.locator(f'input[name="score.{key}"][value="{4 if i else 2}"]').check()
    field(mentee, "What should we change?").fill("Meet in person once a month")
    mentee.get_by_label("Share my answers with my partner").check()
    mentee.get_by_role("button", name="Send the review").click()
    expect(mentee.locator(".flash")).to_have_text("Thank you, your review was saved.")
    expect(mentee.get_by_role("heading", name=re.compile("Your answers"))).to_contain_text("shared")
