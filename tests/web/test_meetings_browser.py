"""Meetings in chromium, two people in two browser contexts (issue 11, done when): Ana plans the series with
"find a time", moves one meeting, records a meeting with agenda, notes and an action item as held, and both give
feedback; at 1280 and 375 px, keyboard-reachable, without sideways scrolling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from mentorloom.dates import local
from mentorloom.db import utcnow
from tests.meetings.page_helpers import ServicePair, service_pair
from tests.web.conftest import PHONE, LiveServer, screenshot
from tests.web.test_browser import log_in, password_hash

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _pair(server: LiveServer) -> tuple[ServicePair, str, str]:
    with server.database.session() as session:
        pair = service_pair(session)
        hashed = password_hash()
        for member in (pair.mentor, pair.mentee):
            member.user.password_hash = hashed
        emails = pair.mentor.user.email, pair.mentee.user.email
    return pair, *emails


def _no_overflow(tab: Page) -> None:
    overflow = tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{tab.url} is {overflow} px wider than the screen"


def test_two_people_plan_hold_and_give_feedback(
    live_server: LiveServer, page: Page, open_page: Callable[..., Page]
) -> None:
    pair, ana, ben = _pair(live_server)
    url = live_server.url
    log_in(page, live_server, ana)
    page.goto(url + pair.home)
    panel = page.locator("#meetings")
    panel.get_by_role("link", name="Plan your meetings").click()

    # find a time: both local times, the fit, the weeks daylight saving moves it out of Ben's hours
    suggestions = page.locator("#suggestions")
    first = suggestions.locator(".suggestion").first
    expect(first).to_contain_text("for you")
    expect(first).to_contain_text("for Ben Mentee (New York)")
    expect(first).to_contain_text("outside the hours Ben Mentee is available")
    screenshot(page, "meetings-find-a-time")
    first.get_by_role("link", name="Use this time").click()
    expect(page.locator("#f-local_time")).to_have_value("18:00")
    expect(page.locator("#f-timezone")).to_have_value("Europe/Berlin")
    page.get_by_role("button", name="Plan the meetings").click()
    expect(page.locator(".flash")).to_contain_text("Your meetings are planned")
    expect(page.get_by_text("Weekly on Tuesday at 6:00 PM (Berlin)")).to_be_visible()
    screenshot(page, "meetings-list")

    # move the second meeting by a day, from its own page
    page.locator(".meeting-list .meeting-when").first.click()
    page.get_by_text("Move this meeting").click()
    day = page.locator("#f-move-day")
    moved_to = day.input_value()
    page.locator("#f-move-time").fill("19:30")
    page.get_by_role("button", name="Move the meeting").click()
    expect(page.locator(".flash")).to_contain_text("The meeting is moved")
    expect(page.locator("h1")).to_contain_text("7:30 PM")
    assert moved_to

    # a meeting that took place yesterday: recorded, with agenda, notes and an action item
    page.goto(url + pair.meetings)
    yesterday = local(utcnow() - timedelta(days=1)).date().isoformat()
    page.get_by_text("Add a meeting").click()
    page.locator("#f-add-day").fill(yesterday)
    page.locator("#f-add-time").fill("18:00")
    page.get_by_role("button", name="Add the meeting").click()
    expect(page.locator(".flash")).to_contain_text("is planned")
    meeting_url = page.url.split("#")[0]
    page.locator("#f-agenda-text").fill("How to open the talk")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#agenda")).to_contain_text("How to open the talk")
    page.locator("#f-notes-notes").fill("We agreed on **three** key points.")
    page.get_by_role("button", name="Save the notes").click()
    expect(page.locator("#notes strong")).to_have_text("three")
    page.get_by_text("Add an action item").click()
    page.locator("#f-action-title").fill("Draft the first slide")
    page.get_by_role("button", name="Add the action item").click()
    expect(page.locator("#actions")).to_contain_text("Draft the first slide")
    page.get_by_label("Yes, we met").check()
    page.get_by_role("button", name="Save the answer").click()
    expect(page.locator(".flash")).to_contain_text("How useful was the meeting")
    feedback = page.locator("#feedback")
    feedback.get_by_label("4").check()
    feedback.get_by_label("What went well?").fill("Clear plan for the talk")
    feedback.get_by_role("button", name="Send my feedback").click()
    expect(page.locator(".flash")).to_contain_text("Thank you for your feedback")
    screenshot(page, "meeting-held")

    # Ben, on his phone, sees all of it and answers in turn
    phone = open_page(PHONE)
    log_in(phone, live_server, ben)
    phone.goto(meeting_url)
    expect(phone.locator("#agenda")).to_contain_text("How to open the talk")
    expect(phone.locator("#actions")).to_contain_text("Draft the first slide")
    expect(phone.locator("#feedback")).to_contain_text("Ana Mentor found the meeting 4 of 5 useful")
    expect(phone.locator("#feedback")).to_contain_text("Clear plan for the talk")
    phone.locator("#feedback").get_by_label("5").check()
    phone.locator("#feedback").get_by_role("button", name="Send my feedback").click()
    expect(phone.locator(".flash")).to_contain_text("Thank you for your feedback")
    _no_overflow(phone)
    screenshot(phone, "meeting-held-partner", both=False)

    page.reload()
    expect(page.locator("#feedback")).to_contain_text("Ben Mentee found the meeting 5 of 5 useful")
    page.goto(url + pair.home)
    expect(page.locator("#meetings svg.sparkline")).to_be_visible()
    screenshot(page, "pair-home-meetings")


def test_meeting_pages_in_german_at_phone_width(live_server: LiveServer, open_page: Callable[..., Page]) -> None:
    pair, ana, _ben = _pair(live_server)
    phone = open_page()
    log_in(phone, live_server, ana)
    phone.goto(live_server.url + pair.meetings)
    phone.get_by_role("button", name="DE", exact=True).click()
    expect(phone.locator("html")).to_have_attribute("lang", "de")
    phone.set_viewport_size(PHONE)
    for path in (pair.meetings, f"{pair.meetings}/plan?find=1"):
        phone.goto(live_server.url + path)
        _no_overflow(phone)
    screenshot(phone, "meetings-plan-de", both=False)
