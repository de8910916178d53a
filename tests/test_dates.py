"""Dates and times in the page's language and the reader's time zone; dates typed the way the page writes them.

A native <input type="date"> or "time" follows the browser's language, not the page's, so date and time fields
are text fields that say their format in the page's language and understand it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom import dates, i18n
from mentorloom.accounts.models import ApiToken
from mentorloom.mentorships.models import Goal
from mentorloom.profiles.models import Profile
from mentorloom.profiles.service import person_timezone
from mentorloom.programs.models import Role
from tests.factories import make_user
from tests.mentorships.helpers import make_pair
from tests.mentorships.test_views import _page, browser

# 23:30 UTC on 5 December is already 6 December in Berlin, still 5 December in New York.
LATE = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "zone", "day", "moment"),
    [
        ("de", "Europe/Berlin", "6. Dezember 2026", "06.12.2026, 00:30 Uhr (Berlin)"),
        ("de", "America/New_York", "5. Dezember 2026", "05.12.2026, 18:30 Uhr (New York)"),
        ("en", "Europe/Berlin", "December 6, 2026", "Dec 6, 2026, 12:30\u202fAM (Berlin)"),
    ],
)
def test_a_moment_reads_in_the_page_language_and_the_readers_zone(
    locale: str, zone: str, day: str, moment: str
) -> None:
    with i18n.use_locale(locale), dates.use_timezone(zone):
        assert dates.format_day(LATE, "long") == day
        assert dates.format_moment(LATE).replace("\u202f", " ") == moment.replace("\u202f", " ")
    with i18n.use_locale(locale):
        assert dates.format_day(date(2026, 12, 5), "long").startswith(("5.", "December 5"))  # a day stays the day


@pytest.mark.parametrize(
    ("locale", "day", "moment"),
    [("de", "07.12.2026", "07.12.2026, 14:00 Uhr"), ("en", "12/7/2026", "12/7/2026, 2:00 PM")],
)
def test_the_short_form_writes_four_digit_years(locale: str, day: str, moment: str) -> None:
    """Audit log, notifications and messages use the short form; Babel's own wrote "12/7/26" and "07.12.26"."""
    at = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    with i18n.use_locale(locale), dates.use_timezone("Europe/Berlin"):
        assert dates.format_day(at, "short") == day
        assert dates.format_moment(at, "short", with_zone=False).replace("\u202f", " ") == moment


def test_time_zones_read_as_places_never_as_raw_names() -> None:
    with i18n.use_locale("de"):
        assert dates.zone_name("Europe/Berlin") == "Berlin (Deutschland)"
        assert dates.zone_name("Asia/Dubai") == "Dubai (Vereinigte Arabische Emirate)"
        assert dates.zone_name("UTC") == "Koordinierte Weltzeit (UTC)"
        for raw in ("Factory", "localtime", "Etc/GMT+5", "EST5EDT"):
            assert re.fullmatch(r"UTC[+−]\d\d:\d\d", dates.zone_name(raw)), raw
    with i18n.use_locale("en"):
        assert dates.zone_name("Europe/Berlin") == "Berlin (Germany)"


def test_typed_dates_and_times_are_understood_as_the_page_writes_them() -> None:
    with i18n.use_locale("de"):
        assert dates.date_hint() == "TT.MM.JJJJ"
        assert [dates.typed_day(t) for t in ("5.12.2026", "05.12.2026", " 5. 12. 2026", "2026-12-05")] == [
            "2026-12-05"
        ] * 4
        assert dates.typed_day("31.2.2026") == "31.2.2026"  # no such day: the schema says so
        assert dates.input_day(date(2026, 12, 5)) == "05.12.2026"
    with i18n.use_locale("en"):
        assert dates.date_hint() == "YYYY-MM-DD"
        assert dates.typed_day("5.12.2026") == "5.12.2026" and dates.typed_day("2026-12-05") == "2026-12-05"
        assert dates.input_day(date(2026, 12, 5)) == "2026-12-05"
    assert [dates.typed_time(t) for t in ("9.30", "9,30", "930", "0930", "9", "18 Uhr", "24:00", "9:5")] == [
        "09:30",
        "09:30",
        "09:30",
        "09:30",
        "09:00",
        "18:00",
        "24:00",
        "9:5",
    ]


def test_the_person_time_zone_is_their_profile_else_their_programs(db_session: Session) -> None:
    pair = make_pair(db_session)
    profile = db_session.get_one(Profile, pair.mentee.id)
    profile.timezone = "America/New_York"
    db_session.flush()
    assert person_timezone(db_session, pair.mentee.user_id) == "America/New_York"
    assert person_timezone(db_session, make_user(db_session).id) == "UTC"


@pytest.mark.anyio
async def test_account_page_shows_last_use_in_the_persons_zone_and_language(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)  # people of Berlin
    for token in db_session.scalars(select(ApiToken).where(ApiToken.user_id == pair.mentee.user_id)):
        token.last_used_at = LATE
    db_session.flush()
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        english = await c.get("/account")
        assert re.search(r"Dec 6, 2026, 12:30\W+AM \(Berlin\)", english.text), english.text
        c.cookies.set("ml_lang", "de")
        german = (await c.get("/account")).text
        assert "06.12.2026, 00:30 Uhr (Berlin)" in german and "Dec 6" not in german

    db_session.get_one(Profile, pair.mentee.id).timezone = "America/New_York"
    db_session.flush()
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        c.cookies.set("ml_lang", "de")
        assert "05.12.2026, 18:30 Uhr (New York)" in (await c.get("/account")).text


@pytest.mark.anyio
async def test_a_german_page_takes_a_german_date_and_shows_it_german(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        c.cookies.set("ml_lang", "de")
        form = (await c.get(f"{_page(pair)}/agreement/edit")).text
        field = re.search(r'<input type="text" id="f-goal-target_date"[^>]*>', form)
        assert (
            field and 'lang="de"' in field.group(0) and 'aria-describedby="f-goal-target_date-hint"' in field.group(0)
        )
        assert "Format: TT.MM.JJJJ" in form and 'type="date"' not in form

        added = await c.post(
            f"{_page(pair)}/goals",
            data={"csrf_token": token, "goal.title": "Souverän verhandeln", "goal.target_date": "5.12.2027"},
        )
        assert added.status_code == 303, added.text
        goal = db_session.scalars(select(Goal).where(Goal.mentorship_id == pair.mentorship.id)).one()
        assert goal.target_date == date(2027, 12, 5)
        home = (await c.get(_page(pair))).text
        assert "Zieldatum: 05.12.2027" in home and 'value="05.12.2027"' in home  # shown and prefilled the German way

        wrong = await c.post(
            f"{_page(pair)}/goals",
            data={"csrf_token": token, "goal.title": "Zweites Ziel", "goal.target_date": "31.2.2027"},
        )
        assert wrong.status_code == 422 and "Geben Sie ein Datum im Format TT.MM.JJJJ ein." in wrong.text
        assert 'value="31.2.2027"' in wrong.text  # what was typed stays to be corrected

        c.cookies.set("ml_lang", "en")
        english = (await c.get(_page(pair))).text
        assert "Target date: Dec 5, 2027" in english and 'value="2027-12-05"' in english and 'lang="en"' in english


@pytest.mark.anyio
async def test_availability_times_are_text_fields_in_24_hours(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        c.cookies.set("ml_lang", "de")
        page = (await c.get(f"/programs/{pair.program.id}/participants/{pair.mentee.id}/edit")).text
        assert 'type="time"' not in page
        assert re.search(r'<input name="avail_start" value="[^"]*" lang="de" inputmode="decimal"', page)


def test_coordinators_without_profile_get_their_programs_zone(db_session: Session) -> None:
    pair = make_pair(db_session)
    lone = make_user(db_session)
    from mentorloom.programs.service import add_member

    add_member(db_session, pair.program, lone, Role.COORDINATOR)
    assert person_timezone(db_session, lone.id) == "Europe/Berlin"


def test_no_native_date_or_time_field_is_left() -> None:
    """A native field would show the browser's format (mm/dd/yyyy, 02:00 PM) on a German page."""
    from mentorloom.templating import TEMPLATE_DIR

    found = [
        str(path.relative_to(TEMPLATE_DIR))
        for path in TEMPLATE_DIR.rglob("*.html")
        if re.search(r'type="(?:date|time|datetime-local)"|type=\\?"date', path.read_text(encoding="utf-8"))
    ]
    assert not found, f"use m.date_input or a text field with the format hint: {found}"


@pytest.mark.anyio
async def test_program_dates_are_typed_and_shown_the_german_way(app: FastAPI, db_session: Session) -> None:
    from mentorloom.programs.models import Program
    from tests.matching.helpers import coordinator_user

    pair = make_pair(db_session)
    coordinator = coordinator_user(db_session, pair.program)
    async with browser(app, db_session, coordinator) as (c, token):
        c.cookies.set("ml_lang", "de")
        form = (await c.get(f"/programs/{pair.program.id}/edit")).text
        fields = re.findall(r'<input type="text" id="f-(?:starts|ends)_on"[^>]*lang="de"[^>]*>', form)
        assert len(fields) == 2 and form.count("Format: TT.MM.JJJJ") == 2
        values = dict(re.findall(r'name="([\w.]+)" value="([^"]*)"', form))
        values |= {
            "csrf_token": token,
            "default_cadence": "monthly",
            "language": "de",
            "settings.matching_mode": "optimal",
        }

        backwards = await c.post(
            f"/programs/{pair.program.id}/edit", data={**values, "starts_on": "1.3.2027", "ends_on": "28.2.2027"}
        )
        assert backwards.status_code == 422 and "Das Enddatum darf nicht vor dem Startdatum liegen." in backwards.text
        assert 'value="1.3.2027"' in backwards.text  # as typed, to be corrected

        saved = await c.post(
            f"/programs/{pair.program.id}/edit", data={**values, "starts_on": "1.3.2027", "ends_on": "28.2.2028"}
        )
        assert saved.status_code == 303, saved.text
        program = db_session.get_one(Program, pair.program.id)
        db_session.refresh(program)
        assert (program.starts_on, program.ends_on) == (date(2027, 3, 1), date(2028, 2, 28))
        overview = (await c.get(f"/programs/{pair.program.id}")).text
        assert "1. März 2027" in overview and "28. Februar 2028" in overview
        assert 'value="01.03.2027"' in (await c.get(f"/programs/{pair.program.id}/edit")).text
