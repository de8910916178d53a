"""Keyboard and phone use on the demo, in chromium: tab order, where focus goes after a form is sent, visible
and unclipped focus rings, buttons that are buttons, and a result that stays in line at phone width."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from mentorloom.demo import COORDINATOR, DEMO_PASSWORD
from tests.web.conftest import DESKTOP, PHONE, LiveServer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WAITING_MENTEE = "tom@demo.mentorloom.org"
MENTOR = "lukas@demo.mentorloom.org"
PROGRAM = "/programs/1"
# The focused element's outline: its style, and every box that cuts it off (a scroll or overflow: hidden
# ancestor, or the viewport).
OUTLINE = """() => {
  const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
  const grow = s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth) + parseFloat(s.outlineOffset);
  const box = {left: r.left - grow, top: r.top - grow, right: r.right + grow, bottom: r.bottom + grow};
  const outside = b => box.left < b.left - 0.5 || box.top < b.top - 0.5
    || box.right > b.right + 0.5 || box.bottom > b.bottom + 0.5;
  const cut = [];
  for (let a = e.parentElement; a; a = a.parentElement) {
    const as = getComputedStyle(a);
    if ((as.overflowX !== 'visible' || as.overflowY !== 'visible') && outside(a.getBoundingClientRect()))
      cut.push(a.tagName.toLowerCase() + '.' + a.className);
  }
  if (outside({left: 0, top: 0, right: innerWidth, bottom: innerHeight})) cut.push('viewport');
  return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), cut};
}"""


def log_in(page: Page, server: LiveServer, email: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server.url}/")


def tab_to(page: Page, target: Locator, limit: int = 60) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would get there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def focused(page: Page) -> str:
    return str(page.evaluate("(e => e.id || e.textContent.trim())(document.activeElement)"))


def test_login_tabs_from_email_to_password_to_the_button_and_only_then_to_forgot(
    demo_server: LiveServer, page: Page
) -> None:
    page.goto(f"{demo_server.url}/login")
    expect(page.get_by_label("E-mail address")).to_be_focused()
    order = []
    for _ in range(3):
        page.keyboard.press("Tab")
        order.append(focused(page))
    assert order == ["f-password", "Log in", "Forgot your password?"]

    page.get_by_label("E-mail address").fill(COORDINATOR[0])
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    email = page.get_by_label("E-mail address")
    expect(email).to_be_focused()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description("E-mail or password is not correct.")


def test_after_sending_a_form_focus_is_on_the_first_error_then_on_the_confirmation(
    demo_server: LiveServer, page: Page
) -> None:
    log_in(page, demo_server, COORDINATOR[0])
    page.goto(f"{demo_server.url}{PROGRAM}")
    invite = page.locator("#invite")
    invite.get_by_role("button", name="Send invitation").click()

    email = invite.get_by_label("E-mail address")
    expect(email).to_be_focused()  # not the page body: the first field that needs fixing
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile(r"\w"))  # its error message is read with it
    expect(invite.get_by_label("Name")).to_have_attribute("aria-invalid", "true")

    email.fill("neu.person@example.org")
    invite.get_by_label("Name").fill("Neue Person")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".flash")).to_contain_text("The invitation to neu.person@example.org is on its way.")
    expect(page.locator(".flash")).to_be_focused()


def test_what_looks_like_a_button_answers_space_and_button_styled_links_are_links(
    demo_server: LiveServer, page: Page
) -> None:
    log_in(page, demo_server, WAITING_MENTEE)
    page.goto(f"{demo_server.url}{PROGRAM}")
    # "My match" and "Open mentorships" go somewhere: links (Enter), no longer buttons that ignore Space.
    expect(page.locator("a[role=button]")).to_have_count(0)
    expect(page.get_by_role("link", name="Open mentorships")).to_be_visible()
    my_match = page.get_by_role("link", name="My match")
    tab_to(page, my_match)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{demo_server.url}{PROGRAM}/matching/mine")

    # A folded form's summary is a button: Space unfolds it.
    expect(page.locator("a[role=button]")).to_have_count(0)
    ask = page.get_by_role("button", name=re.compile(r"^Ask Priya Raman"))
    tab_to(page, ask)
    page.keyboard.press("Space")
    expect(ask.locator("xpath=..")).to_have_attribute("open", "")
    expect(ask.locator("xpath=..").get_by_role("button", name="Send request")).to_be_visible()

    # A real button: Space switches the language.
    german = page.get_by_role("button", name="DE", exact=True)
    tab_to(page, german)
    page.keyboard.press("Space")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_role("button", name="EN", exact=True).click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_focus_rings_show_and_are_not_cut_off(
    demo_server: LiveServer, open_page: Callable[..., Page], viewport: dict[str, int]
) -> None:
    page = open_page(viewport)
    log_in(page, demo_server, MENTOR)
    page.goto(f"{demo_server.url}{PROGRAM}")
    if viewport is PHONE:
        page.get_by_role("button", name="Menu").click()
    targets: dict[str, Any] = {
        "stat card": page.locator("a.stat-card").first,
        "language switch": page.get_by_role("button", name="DE", exact=True),
        "button-styled link": page.get_by_role("link", name="My match"),
    }
    for name, target in targets.items():
        tab_to(page, target)
        ring = page.evaluate(OUTLINE)
        assert ring["style"] != "none" and ring["width"] >= 2, f"{name}: no visible focus ring ({ring})"
        assert not ring["cut"], f"{name}: the focus ring is cut off by {ring['cut']}"
    tab_to(page, targets["stat card"])
    screenshot(page, "focus-stat-card", both=False)


def test_the_import_result_keeps_its_invitation_button_in_line(demo_server: LiveServer, page: Page) -> None:
    log_in(page, demo_server, COORDINATOR[0])
    page.context.add_cookies([{"name": "ml_lang", "value": "de", "url": demo_server.url}])
    page.goto(f"{demo_server.url}{PROGRAM}/import")
    rows = "".join(f"import{i}@example.org;Importierte Person {i};mentee\n" for i in range(10))
    page.locator("#f-file").set_input_files(
        files=[{"name": "neu.csv", "mimeType": "text/csv", "buffer": f"email;name;role\n{rows}".encode()}]
    )
    page.get_by_role("button", name="Prüfen und importieren").click()
    send = page.get_by_role("button", name=re.compile(r"^\d+ Einladungen senden$"))
    expect(send).to_be_visible()
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        text = send.locator("xpath=preceding-sibling::p[1]").bounding_box()
        button = send.bounding_box()
        assert text is not None and button is not None
        where = f"at {viewport['width']} px the button is at {button}, the text at {text}"
        assert abs(button["x"] - text["x"]) <= 1, where
        assert button["y"] >= text["y"] + text["height"], "the button sits below its explanation"
    page.set_viewport_size(DESKTOP)
    screenshot(page, "import-result-de")
