"""Issue 10, done when: a new pair walks from the offer to a confirmed agreement with one goal, keyboard only,
at 375 px, in German.

Only Tab, Shift+Tab, typing, Enter and Space are used after the first address is typed; the labels are looked up
in the German catalogue, so the test follows the wording instead of pinning it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from mentorloom.i18n import gettext, use_locale
from mentorloom.matching import service
from tests.factories import make_program
from tests.matching.helpers import coordinator_user, sample_people
from tests.web.conftest import PHONE, LiveServer, screenshot
from tests.web.test_browser import PASSWORD, password_hash

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WAITING = (
    "You accepted. Now we are waiting for %(name)s to accept; you get an e-mail as soon as your mentorship starts."
)

# The accessible name of the focused element, near enough for links, buttons and labelled fields.
FOCUSED_NAME = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "";
  const label = e.labels && e.labels.length ? e.labels[0].innerText : "";
  return (e.getAttribute("aria-label") || label || e.innerText || e.value || "").replace(/\\s+/g, " ").trim();
}"""


def de(message: str, **variables: Any) -> str:
    with use_locale("de"):
        return gettext(message, **variables)


def tab_to(page: Page, name: str, *, limit: int = 150) -> None:
    """Press Tab until the focused element's name contains `name` (German text from the catalogue)."""
    seen: list[str] = []
    page.wait_for_load_state()
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_NAME)
        if name in focused:
            return
        seen.append(focused)
    raise AssertionError(f"Tab never reached {name!r}; passed {seen[:60]}")


def press_and_load(page: Page, key: str = "Enter") -> None:
    """Press `key` on the focused link or button and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)


def keyboard_login(page: Page, server: LiveServer, email: str) -> None:
    page.goto(f"{server.url}/login")  # typed into the address bar
    tab_to(page, de("E-mail address"))
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert de("Password") in page.evaluate(FOCUSED_NAME), "the password should follow the e-mail address"
    page.keyboard.type(PASSWORD)
    press_and_load(page)
    expect(page).to_have_url(f"{server.url}/")


def _offer(server: LiveServer) -> tuple[str, str]:
    """A published matching that offers Anna (mentor) to Sophie (mentee); returns their e-mail addresses."""
    with server.database.session() as session:
        program = make_program(session)
        people = sample_people(session, program)
        for person in (people["anna"], people["sophie"]):
            person.user.password_hash = password_hash()
        run = service.start_run(session, program, coordinator_user(session, program))
        service.compute_run(session, run)
        service.publish(session, run)
        return people["anna"].user.email, people["sophie"].user.email


def _phone_in_german(browser: Any) -> Page:
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    tab = context.new_page()
    tab.set_default_timeout(10000)
    return tab


def _no_overflow(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the phone"


def test_a_new_pair_reaches_a_confirmed_agreement_by_keyboard_on_a_phone_in_german(
    live_server: LiveServer, browser: Any
) -> None:
    anna_email, sophie_email = _offer(live_server)
    sophie, anna = _phone_in_german(browser), _phone_in_german(browser)
    try:
        # Sophie answers first: from her home's to-do list to the offer, accept, and she is told what happens next.
        keyboard_login(sophie, live_server, sophie_email)
        expect(sophie.locator("html")).to_have_attribute("lang", "de")
        tab_to(sophie, de("Answer your match suggestion"))
        press_and_load(sophie, "Enter")
        tab_to(sophie, de("Accept"))
        press_and_load(sophie, "Enter")
        expect(sophie.locator(".offer-waiting")).to_contain_text(de(WAITING, name="Anna"))
        _no_overflow(sophie)

        # Anna's yes starts the mentorship and leads her to the pair's home with its first steps.
        keyboard_login(anna, live_server, anna_email)
        tab_to(anna, de("Answer your match suggestion"))
        press_and_load(anna, "Enter")
        tab_to(anna, de("Accept"))
        press_and_load(anna, "Enter")
        expect(anna).to_have_url(re.compile(r"/programs/\d+/mentorships/\d+$"))
        expect(anna.locator("#next-step").get_by_role("heading")).to_have_text(de("Your first steps"))
        pair_url = anna.url
        _no_overflow(anna)
        screenshot(anna, "keyboard-pair-home-de", both=False)

        # The main action is the next possible step: the first goal, then her expectations, then confirm.
        tab_to(anna, de("Add your first goal"))
        press_and_load(anna, "Enter")
        tab_to(anna, de("Title"))
        anna.keyboard.type("Gehaltsgespräche sicher führen")
        tab_to(anna, de("Add the goal"))
        press_and_load(anna, "Enter")
        expect(anna.locator(".flash")).to_have_text(de("The goal was added."))
        tab_to(anna, de("In my own words"))
        anna.keyboard.type("Ich helfe Sophie, ihr nächstes Gehaltsgespräch vorzubereiten.")
        tab_to(anna, de("Save the agreement"))
        press_and_load(anna, "Enter")
        expect(anna.locator(".flash")).to_have_text(de("The agreement was saved."))
        anna.goto(pair_url)  # typed: back to the pair's home
        tab_to(anna, de("Confirm the agreement"))
        press_and_load(anna, "Space")
        expect(anna.locator("#agreement")).to_contain_text(de("You confirmed. Waiting for your partner."))

        # Sophie finds the agreement waiting for her on her home, and confirms it by keyboard.
        sophie.goto(live_server.url + "/")
        tab_to(sophie, de("Confirm the agreement with %(name)s", name="Anna"))
        press_and_load(sophie, "Enter")
        expect(sophie.get_by_text("Gehaltsgespräche sicher führen").first).to_be_visible()
        tab_to(sophie, de("Confirm the agreement"))
        press_and_load(sophie, "Enter")
        expect(sophie.locator("#agreement")).to_contain_text(de("Confirmed by both"))
        _no_overflow(sophie)
        screenshot(sophie, "keyboard-agreement-confirmed-de", both=False)
    finally:
        sophie.context.close()
        anna.context.close()
