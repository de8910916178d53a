"""End-to-end flows in Debian's chromium against a live server: what people see and do."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.accounts.security import hash_password
from mentorloom.profiles import service as profiles
from mentorloom.profiles.schemas import ProfileIn
from mentorloom.programs import service as programs
from mentorloom.programs.models import Membership, Role
from mentorloom.programs.schemas import ProgramIn
from tests.factories import mailed_links, make_user
from tests.web.conftest import PHONE, LiveServer, screenshot

# One xdist worker runs them all (`make test` uses --dist loadgroup), so chromium starts once.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "correct horse battery"
PROGRAM = "Green Futures Mentoring"
COORDINATOR = "cora@example.org"
MENTOR = "mia@example.org"
# 30 more mentors and mentees, so that the directory (33 people with Cora, Mia and Sam) has two pages.
FIRST_NAMES = (
    "Anton", "Berta", "Carla", "Dario", "Emil", "Frida", "Gustav", "Hanna", "Ida", "Jonas",
    "Kemal", "Lina", "Malte", "Nora", "Oskar", "Paula", "Quentin", "Rosa", "Samir", "Tilda",
    "Ugo", "Vera", "Wanda", "Xaver", "Yusuf", "Zora", "Alma", "Bruno", "Clara", "Dmitri",
)  # fmt: skip


@cache
def password_hash() -> str:
    # Hashing costs a third of a second on purpose; one hash serves every seeded login.
    return hash_password(PASSWORD)


@dataclass(frozen=True)
class Seed:
    program_id: int
    mentor_user_id: int
    mentor_membership_id: int
    mentors: int  # in the program, Mia included
    participants: int  # everyone in the directory, the coordinator included


def seed(server: LiveServer, *, crowd: bool = False) -> Seed:
    """A program with a coordinator and a mentor who can log in; with `crowd`, 30 more participants."""
    with server.database.session() as session:
        coordinator = make_user(session, email=COORDINATOR, name="Cora Coordinator")
        coordinator.password_hash = password_hash()
        program = programs.create_program(
            session,
            ProgramIn(name=PROGRAM, description="Pairs mentors and newcomers for a year."),
            coordinator=coordinator,
        )
        mentor = make_user(session, email=MENTOR, name="Mia Mentor")
        mentor.password_hash = password_hash()
        mia = programs.add_member(session, program, mentor, Role.MENTOR)
        # Another mentor's expertise makes "Negotiation" a known skill for autocomplete.
        sam = programs.add_member(session, program, make_user(session, name="Sam Senior"), Role.MENTOR)
        _profile(session, sam, name="Sam Senior", department="Sales", expertise=[{"skill": "Negotiation", "level": 5}])
        mentors, people = 2, 3
        if crowd:
            for i, first in enumerate(FIRST_NAMES):
                role = Role.MENTOR if i % 3 == 0 else Role.MENTEE
                user = make_user(session, email=f"{first.lower()}@example.org", name=f"{first} Example")
                membership = programs.add_member(session, program, user, role)
                _profile(session, membership, name=user.display_name, department="Finance" if i < 4 else "Research")
                mentors += role is Role.MENTOR
            people += len(FIRST_NAMES)
        return Seed(program.id, mentor.id, mia.id, mentors, people)


def _profile(session: Session, membership: Membership, **fields: Any) -> None:
    profile = profiles.get_profile(session, membership)
    profiles.update_profile(session, profile, ProfileIn(languages=["en"], **fields))


def field(scope: Any, label: str) -> Any:
    """The control labelled exactly `label`, or `label *` when it is required."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}(\s*\*)?$"))


def log_in(page: Page, server: LiveServer, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{server.url}/login")
    field(page, "E-mail address").fill(email)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def open_program(page: Page) -> None:
    page.get_by_role("link", name=PROGRAM).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PROGRAM)


# --- 1. a coordinator invites a mentee, who accepts and sees the program ----------------------


def test_coordinator_invites_a_mentee_who_accepts_and_sees_the_program(
    live_server: LiveServer, page: Page, open_page: Callable[..., Page]
) -> None:
    seed(live_server)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))  # pages need a login
    screenshot(page, "login")
    log_in(page, live_server, COORDINATOR)
    expect(page.get_by_role("heading", name="My programs")).to_be_visible()
    screenshot(page, "my-programs")
    open_program(page)

    invite = page.locator("#invite")
    field(invite, "E-mail address").fill("nina.newcomer@example.org")
    field(invite, "Name").fill("Nina Newcomer")
    field(invite, "Role").select_option("mentee")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".flash")).to_have_text("The invitation to nina.newcomer@example.org is on its way.")
    expect(page.get_by_role("link", name=re.compile(r"^1\s+mentee$"))).to_be_visible()
    screenshot(page, "program-overview")

    links = mailed_links(live_server.settings.mail_outbox, "/invitation/")
    assert len(links) == 1 and links[0].startswith(live_server.url)
    invitation = links[0].removeprefix(live_server.url)

    invitee = open_page()  # a different browser: no coordinator cookies
    invitee.goto(live_server.url + invitation)
    expect(invitee.get_by_role("heading", name="Welcome, Nina Newcomer")).to_be_visible()
    field(invitee, "Password").fill("a long sentence to remember")
    field(invitee, "Repeat the password").fill("a long sentence to forget")
    invitee.get_by_role("button", name="Accept invitation").click()
    repeat = field(invitee, "Repeat the password")
    expect(repeat).to_have_attribute("aria-invalid", "true")
    expect(repeat).to_have_accessible_description("The two passwords differ.")
    expect(invitee.locator("#f-password2-error")).to_have_text("The two passwords differ.")
    screenshot(invitee, "invitation-error")

    field(invitee, "Password").fill("a long sentence to remember")
    repeat.fill("a long sentence to remember")
    invitee.get_by_role("button", name="Accept invitation").click()
    expect(invitee.locator(".flash")).to_have_text("Your password is set. Log in now.")
    log_in(invitee, live_server, "nina.newcomer@example.org", "a long sentence to remember")
    expect(invitee.get_by_role("heading", name="My programs")).to_be_visible()
    open_program(invitee)
    expect(invitee.locator("h1 .badge")).to_have_text("Mentee")
    # Reused links fail: the password changed, so the signed link no longer matches.
    invitee.goto(live_server.url + invitation)
    expect(invitee.get_by_role("heading", name="Not found")).to_be_visible()


# --- 2. the participant directory ---------------------------------------------------------------


def test_directory_search_filter_and_pages_without_reloading(live_server: LiveServer, page: Page) -> None:
    data = seed(live_server, crowd=True)
    log_in(page, live_server, COORDINATOR)
    page.goto(f"{live_server.url}/programs/{data.program_id}/participants")
    count = page.locator(".result-count")
    rows = page.locator("#results tbody tr")
    expect(count).to_contain_text(f"{data.participants} participants")
    expect(rows).to_have_count(25)
    screenshot(page, "directory")
    page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page

    search = page.get_by_role("searchbox", name="Search participants")
    search.press_sequentially("finance", delay=20)
    expect(count).to_contain_text("4 participants")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Finance")
    expect(page).to_have_url(re.compile(r"[?&]q=finance"))

    search.fill("")
    search.press_sequentially("bert", delay=20)
    expect(count).to_contain_text("1 participant")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Berta Example")

    search.fill("nobody-like-this")
    expect(page.get_by_role("heading", name="Nobody matches these filters")).to_be_visible()
    page.get_by_role("link", name="Clear filters").first.click()
    expect(count).to_contain_text(f"{data.participants} participants")
    expect(search).to_have_value("")

    page.get_by_role("combobox", name="Role").select_option("mentor")
    expect(count).to_contain_text(f"{data.mentors} participants")
    expect(page.locator("#results tbody .badge-mentee")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"[?&]role=mentor"))
    page.get_by_role("combobox", name="Role").select_option("")

    expect(count).to_contain_text(f"{data.participants} participants")
    pager = page.get_by_role("navigation", name="Pages")
    expect(pager).to_contain_text("Page 1 of 2")
    pager.get_by_role("link", name="Next").click()
    expect(pager).to_contain_text("Page 2 of 2")
    expect(rows).to_have_count(data.participants - 25)
    expect(page).to_have_url(re.compile(r"[?&]page=2"))
    pager.get_by_role("link", name="Previous").click()
    expect(pager).to_contain_text("Page 1 of 2")
    assert page.evaluate("window.__sameDocument") is True


# --- 3. a mentor edits their profile ------------------------------------------------------------


def test_mentor_profile_edit_shows_errors_then_saves(live_server: LiveServer, page: Page) -> None:
    data = seed(live_server)
    log_in(page, live_server, MENTOR)
    open_program(page)
    page.get_by_role("link", name="Edit my profile").click()
    expect(page.get_by_role("heading", name=re.compile("Your profile"))).to_be_visible()

    name = field(page, "Name")
    availability = page.get_by_role("group", name="Availability")
    name.fill("")
    availability.get_by_label("Day").select_option(label="Monday")
    availability.get_by_label("From").fill("11:00")
    availability.get_by_label("To", exact=True).fill("09:00")
    page.get_by_label("Honesty").check()
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved yet.")
    expect(page.get_by_role("alert")).to_contain_text("Correct the 2 marked fields and save again.")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description("This field is required.")
    to_time = availability.get_by_label("To", exact=True).first
    expect(to_time).to_have_attribute("aria-invalid", "true")
    expect(to_time).to_have_accessible_description("The end time must be after the start time.")
    expect(page.get_by_label("Honesty")).to_be_checked()  # the input survives the error
    screenshot(page, "profile-edit-errors")
    with live_server.database.session() as session:
        assert session.get(User, data.mentor_user_id).display_name == "Mia Mentor"  # nothing was saved

    name.fill("Mia Weber")
    page.get_by_label("Department or team").fill("Engineering")
    availability.get_by_label("From").first.fill("09:00")
    availability.get_by_label("To", exact=True).first.fill("11:30")
    page.get_by_label("Learning").check()
    expertise = page.get_by_role("group", name="Your expertise")
    skill = expertise.get_by_label("Skill").first
    skill.press_sequentially("nego", delay=30)
    expect(page.locator("#skill-options option[value='Negotiation']")).to_have_count(1)
    skill.fill("Negotiation")
    expertise.get_by_label("Level").first.select_option("4")
    page.get_by_label("Topics and hobbies you enjoy").fill("hiking, chess")
    page.get_by_role("group", name=re.compile("^Languages you can hold")).get_by_label("German").check()
    page.get_by_role("button", name="Save profile").click()

    expect(page.locator(".flash")).to_have_text("The profile is saved.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mia Weber")
    values = page.locator("article", has=page.get_by_role("heading", name="Values"))
    expect(values.locator(".chip-value")).to_have_text(["Honesty", "Learning"])
    skills = page.locator("article", has=page.get_by_role("heading", name="Expertise"))
    expect(skills.locator("li")).to_have_text([re.compile(r"Negotiation\s+4/5\s+Advanced")])
    week = page.locator("article", has=page.get_by_role("heading", name="Availability"))
    expect(week.locator("dt")).to_have_text(["Monday"])
    expect(week.locator("dd")).to_have_text(["09:00–11:30"])
    interests = page.locator("article", has=page.get_by_role("heading", name="Interests"))
    expect(interests.locator(".chip")).to_have_count(2)
    expect(interests).to_contain_text("hiking")
    expect(interests).to_contain_text("chess")
    expect(page.locator(".facts > div", has_text="Languages").locator("dd")).to_have_text("German")
    expect(page.get_by_text("Engineering")).to_be_visible()
    screenshot(page, "profile-view")


# --- 4. German --------------------------------------------------------------------------------


def test_switching_to_german_persists_across_pages_and_logins(
    live_server: LiveServer, page: Page, open_page: Callable[..., Page]
) -> None:
    data = seed(live_server)
    log_in(page, live_server, COORDINATOR)
    expect(page.get_by_role("heading", name="My programs")).to_be_visible()
    page.get_by_role("button", name="DE", exact=True).click()

    expect(page.get_by_role("heading", name="Meine Programme")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("button", name="DE", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    open_program(page)
    expect(page.get_by_role("heading", name="Jemanden einladen")).to_be_visible()
    expect(page.get_by_text("12 Monate").first).to_be_visible()
    screenshot(page, "program-overview-de")
    page.get_by_role("link", name="Teilnehmende", exact=True).click()
    expect(page.get_by_role("heading", name="Teilnehmende", exact=True)).to_be_visible()
    expect(page.locator(".result-count")).to_contain_text("3 Personen")
    page.get_by_role("link", name="Konto").click()
    expect(page.get_by_role("heading", name="Konto", exact=True)).to_be_visible()
    expect(page.get_by_text("Deutsch", exact=True)).to_be_visible()

    # The choice is stored with the account: a new browser gets German after logging in.
    other = open_page()
    log_in(other, live_server, COORDINATOR)
    expect(other.get_by_role("heading", name="Meine Programme")).to_be_visible()
    other.goto(f"{live_server.url}/programs/{data.program_id}/participants/{data.mentor_membership_id}")
    expect(other.get_by_role("heading", name="Vorstellung")).to_be_visible()

    page.get_by_role("button", name="EN", exact=True).click()
    expect(page.get_by_role("heading", name="Account", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


# --- 5. phone width -----------------------------------------------------------------------------


def test_phone_width_collapses_the_nav_and_nothing_scrolls_sideways(
    live_server: LiveServer, open_page: Callable[..., Page]
) -> None:
    data = seed(live_server, crowd=True)
    phone = open_page(PHONE)
    log_in(phone, live_server, MENTOR)
    menu = phone.get_by_role("button", name="Menu")
    account = phone.get_by_role("link", name="Account")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(account).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(account).to_be_visible()
    phone.keyboard.press("Escape")
    expect(account).to_be_hidden()

    base = f"{live_server.url}/programs/{data.program_id}"
    pages = {
        "program-overview": base,
        "directory": f"{base}/participants",
        "profile-edit": f"{base}/participants/{data.mentor_membership_id}/edit",
    }
    for name, url in pages.items():
        phone.goto(url)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} scrolls sideways at {PHONE['width']} px ({width} px wide)"
    screenshot(phone, "profile-edit")
