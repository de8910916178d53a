"""Messages in chromium, two people in two browser contexts: each sends without the page reloading (the form
empties, the message appears once), the other sees it arrive through the poll, the header badge counts unread
messages, and a <script> in a message stays text."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.meetings.page_helpers import ServicePair, service_pair
from tests.web.conftest import LiveServer, screenshot
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


def _send(tab: Page, text: str) -> None:
    tab.locator("#f-body").fill(text)
    tab.get_by_role("button", name="Send message").click()


def test_two_people_exchange_messages_without_reloading(
    live_server: LiveServer, page: Page, open_page: Callable[..., Page]
) -> None:
    pair, mentor_email, mentee_email = _pair(live_server)
    url = live_server.url + pair.home + "/messages"
    log_in(page, live_server, mentor_email)
    page.goto(live_server.url + pair.home)
    page.locator("#messages").get_by_role("link", name="Write a message").click()
    expect(page.get_by_text("No messages yet.")).to_be_visible()
    page.evaluate("window.__same_page = true")

    _send(page, "Hello! Here is the talk I mentioned: https://example.org/talk")
    mine = page.locator("#message-list [data-message-id]")
    expect(mine).to_have_count(1)
    expect(page.locator("#f-body")).to_have_value("")  # the form emptied
    link = mine.first.get_by_role("link", name="https://example.org/talk")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(page.get_by_text("No messages yet.")).to_have_count(0)
    _send(page, "<script>window.__pwned = 1</script>")
    expect(mine).to_have_count(2)

    other = open_page()
    log_in(other, live_server, mentee_email)
    other.goto(live_server.url + "/")
    badge = other.locator("#nav-messages [data-unread-messages]")
    expect(badge).to_contain_text("2")
    other.locator("#nav-messages a").click()
    other.get_by_role("link", name="Conversation with").first.click()
    assert other.url.startswith(url)
    theirs = other.locator("#message-list [data-message-id]")
    expect(theirs).to_have_count(2)
    expect(theirs.nth(1)).to_contain_text("<script>window.__pwned = 1</script>")
    assert other.evaluate("window.__pwned") is None
    other.evaluate("window.__same_page = true")

    _send(other, "Thanks, I will watch it tonight.")
    expect(theirs).to_have_count(3)
    expect(other.locator("#f-body")).to_have_value("")

    # the mentor's open page receives the reply through the poll, without a reload
    expect(mine).to_have_count(3, timeout=12000)
    expect(mine.nth(2)).to_contain_text("Thanks, I will watch it tonight.")
    _send(page, "Great – tell me what you think.")
    expect(theirs).to_have_count(4, timeout=12000)
    page.wait_for_timeout(5000)  # another poll round: nothing arrives twice
    expect(mine).to_have_count(4)
    expect(theirs).to_have_count(4)
    assert page.evaluate("window.__same_page") is True and other.evaluate("window.__same_page") is True

    # an empty message is refused in place, and nothing is added
    page.locator("#f-body").fill("   ")
    page.locator("#f-body").evaluate("el => el.removeAttribute('required')")
    page.get_by_role("button", name="Send message").click()
    expect(page.locator("#message-form-error")).to_contain_text("Write a message first")
    expect(mine).to_have_count(4)
    screenshot(page, "messages-conversation")
