"""Engagement in chromium, two people in two browser contexts (issue 12, done when): Ana celebrates a milestone,
Ben shares an article, Ben answers yes to a full event and lands on its waiting list, and the two exchange
messages that appear on the other's open page without a reload; at 1280 and 375 px, without sideways scrolling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from mentorloom.config import Settings
from mentorloom.dates import local
from mentorloom.db import utcnow
from mentorloom.engagement import events
from mentorloom.engagement.models import RsvpAnswer
from mentorloom.engagement.schemas.events import EventIn
from mentorloom.programs.models import Role
from tests.matching.helpers import coordinator_user, participant
from tests.meetings.page_helpers import ServicePair, service_pair
from tests.web.conftest import PHONE, LiveServer, screenshot
from tests.web.test_browser import log_in, password_hash

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
POLL_WAIT = 15_000  # ms: the conversation polls every few seconds


def _setup(server: LiveServer) -> tuple[ServicePair, str, str, int]:
    """Ana and Ben, and a program evening with one seat that Carla has taken already."""
    with server.database.session() as session:
        pair = service_pair(session)
        hashed = password_hash()
        for member in (pair.mentor, pair.mentee):
            member.user.password_hash = hashed
        coordinator = coordinator_user(session, pair.program, "Clara Coordinator")
        carla = participant(session, pair.program, Role.MENTEE, "Carla Early")
        day = local(utcnow() + timedelta(days=10)).date().isoformat()
        body = EventIn.model_validate(
            {
                "title": "Evening of negotiation stories",
                "starts_at": f"{day}T18:00",
                "ends_at": f"{day}T20:00",
                "timezone": "Europe/Berlin",
                "capacity": 1,
                "audience": "program",
                "location": "Room 4.12",
            }
        )
        settings: Settings = server.settings
        event = events.create_event(session, settings, events.program_seat(session, coordinator, pair.program.id), body)
        events.answer(
            session, settings, events.event_access(session, carla.user, pair.program.id, event.id), RsvpAnswer.YES
        )
        emails = pair.mentor.user.email, pair.mentee.user.email
        event_id = event.id
    return pair, *emails, event_id


def _no_overflow(tab: Page) -> None:
    overflow = tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{tab.url} is {overflow} px wider than the screen"


def test_celebrate_share_wait_and_talk(live_server: LiveServer, page: Page, open_page: Callable[..., Page]) -> None:
    pair, ana, ben, event_id = _setup(live_server)
    url = live_server.url
    log_in(page, live_server, ana)
    ben_tab = open_page()
    log_in(ben_tab, live_server, ben)

    # Ana plans a milestone and celebrates it: a celebration card, on the timeline too
    page.goto(url + pair.home + "/milestones")
    page.locator("#f-title").fill("First talk given")
    page.get_by_role("button", name="Plan the milestone").click()
    planned = page.locator("#planned li", has_text="First talk given")
    planned.get_by_label("A note for the celebration (optional)").fill("Twenty people came!")
    planned.get_by_role("button", name="Mark as reached").click()
    card = page.locator("#reached .celebration-card", has_text="First talk given")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Twenty people came!")
    screenshot(page, "engagement-milestones")
    page.goto(url + pair.home + "/timeline")
    expect(page.locator(".timeline-milestone", has_text="First talk given")).to_be_visible()
    _no_overflow(page)

    # Ben shares an article with Ana; it shows on her resources and on the timeline
    ben_tab.goto(url + pair.home + "/resources")
    ben_tab.locator("#f-url").fill("https://example.org/negotiation-basics")
    ben_tab.locator("#f-title").fill("Negotiation basics <b>for starters</b>")
    ben_tab.locator("#f-why").fill("The part on preparation is what we discussed.")
    ben_tab.locator("#f-tags").fill("negotiation, preparation")
    ben_tab.get_by_role("button", name="Share with my partner").click()
    shared = ben_tab.get_by_role("link", name="Negotiation basics <b>for starters</b>", exact=True)
    expect(shared).to_be_visible()  # the markup is text, not bold
    assert shared.get_attribute("rel") == "noopener noreferrer nofollow"
    screenshot(ben_tab, "engagement-resources")
    page.goto(url + pair.home + "/resources")
    expect(page.get_by_role("link", name="Negotiation basics <b>for starters</b>", exact=True)).to_be_visible()

    # the evening is full (Carla has the only seat): Ben's yes puts him first on the waiting list
    ben_tab.goto(f"{url}/programs/{pair.program.id}/events/{event_id}")
    expect(ben_tab.locator("#rsvp")).to_contain_text("The event is full")
    ben_tab.get_by_role("button", name="Yes, I am coming").click()
    expect(ben_tab.locator("#rsvp")).to_contain_text("You are number 1 on the waiting list")
    screenshot(ben_tab, "engagement-event-waiting")
    _no_overflow(ben_tab)

    # both open the conversation; what one sends appears on the other's page without a reload
    page.goto(url + pair.home + "/messages")
    ben_tab.goto(url + pair.home + "/messages")
    ben_tab.locator("#f-body").fill("Hi Ana, congratulations on the talk! <script>alert(1)</script>")
    ben_tab.get_by_role("button", name="Send message").click()
    expect(ben_tab.locator("#message-list .message-mine")).to_contain_text("congratulations on the talk")
    expect(ben_tab.locator("#f-body")).to_have_value("")
    incoming = page.locator("#message-list .message", has_text="congratulations on the talk")
    expect(incoming).to_be_visible(timeout=POLL_WAIT)
    expect(incoming).to_contain_text("<script>alert(1)</script>")  # shown as text, never run
    page.locator("#f-body").fill("Thank you, Ben! Slides: https://example.org/slides")
    page.get_by_role("button", name="Send message").click()
    reply = ben_tab.locator("#message-list .message", has_text="Thank you, Ben!")
    expect(reply).to_be_visible(timeout=POLL_WAIT)
    expect(reply.get_by_role("link", name="https://example.org/slides")).to_have_attribute(
        "rel", "noopener noreferrer nofollow"
    )
    assert ben_tab.url.endswith("/messages")  # never navigated: the message came in by itself
    screenshot(page, "engagement-messages")

    # at phone width the pages fit the screen
    phone = open_page(PHONE)
    log_in(phone, live_server, ben)
    for path in ("/messages", "/timeline", "/resources", "/milestones"):
        phone.goto(url + pair.home + path)
        _no_overflow(phone)
    screenshot(phone, "engagement-timeline-phone", both=False)
