"""The meeting list and planning pages: empty states, planning a series in both people's zones, find a time,
refusals shown at the field with nothing written, the video setting, who may see what, the pair-home panel and
the list's overdue flag."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.meetings import series, service
from mentorloom.meetings.models import Meeting, MeetingSeries
from mentorloom.meetings.service import When
from mentorloom.mentorships import agreements
from mentorloom.mentorships.models import Side
from mentorloom.programs.models import Cadence, Role
from mentorloom.programs.service import add_member
from tests.factories import make_user
from tests.meetings.page_helpers import browser, field_error, meeting_ids, plan_form, service_pair

pytestmark = pytest.mark.anyio


def _series_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(MeetingSeries)) or 0


async def test_without_a_confirmed_agreement_the_page_leads_to_it(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session, confirmed=False)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        page = await c.get(pair.meetings)
        assert page.status_code == 200
        assert "Confirm the agreement together first" in page.text
        assert f'href="{pair.home}#agreement"' in page.text
        assert "Plan your meetings" not in page.text
        refused = await c.post(f"{pair.meetings}/plan", data=plan_form(token))
        assert refused.status_code == 409
        assert "Confirm your agreement first" in refused.text
    assert _series_count(db_session) == 0


async def test_a_confirmed_pair_is_offered_find_a_time(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        page = await c.get(pair.meetings)
        assert "Nothing planned yet" in page.text
        assert f'href="{pair.meetings}/plan?find=1#suggestions"' in page.text


async def test_the_plan_form_opens_with_the_agreement_and_my_zone(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session, cadence=Cadence.BIWEEKLY)
    last = pair.mentorship.planned_end_on
    assert last is not None
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        form = await c.get(f"{pair.meetings}/plan")
    assert '<option value="biweekly" selected>' in form.text
    assert "As in your agreement." in form.text
    assert f'value="{last.isoformat()}"' in form.text  # the mentorship's planned end
    assert '<option value="America/New_York" selected>' in form.text  # Ben's own zone


async def test_planning_a_series_shows_it_in_each_persons_time(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        done = await c.post(f"{pair.meetings}/plan", data=plan_form(token))
        assert done.status_code == 303 and done.headers["location"] == pair.meetings
        assert "Your meetings are planned" in unquote(done.cookies.get("ml_flash", ""))
        page = await c.get(pair.meetings)
        assert "Weekly on Tuesday at 6:00\u202fPM (Berlin)" in page.text
        assert "Next meeting" in page.text and "for Ben Mentee" in page.text
        assert "12:00\u202fPM for Ben Mentee" in page.text
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        page = await c.get(pair.meetings)
        next_card = page.text[page.text.index("Next meeting") :]
        assert re.search(r"12:00\u202fPM</a>", next_card)  # Ben reads his own noon
        assert "6:00\u202fPM for Ana Mentor" in next_card
    assert _series_count(db_session) == 1


def _meet_step(html_text: str) -> str:
    match = re.search(r'<li data-step="meet"[^>]*>', html_text)
    assert match, "the first steps list the meeting step"
    return match.group(0)


async def test_planning_ticks_the_first_meeting_step_on_the_pair_home(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        assert "data-done" not in _meet_step((await c.get(pair.home)).text)
        assert (await c.post(f"{pair.meetings}/plan", data=plan_form(token))).status_code == 303
        assert "data-done" in _meet_step((await c.get(pair.home)).text)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"local_time": "25:99"}, "f-local_time", "Enter a time such as 09:30."),
        ({"starts_on": "the 5th"}, "f-starts_on", "Enter a date as YYYY-MM-DD."),
        ({"until": "2026-01-01"}, "f-until", "The last day comes before the first."),
        ({"starts_on": "2031-01-07", "until": "2031-03-01"}, "f-starts_on", "Choose a day from"),
        ({"duration_minutes": "5"}, "f-duration_minutes", "Enter a number of at least 15."),
        ({"timezone": "Mars/Olympus_Mons"}, "f-timezone", "Unknown time zone"),
        ({"location": "x" * 301}, "f-location", "Enter at most 300 characters."),
    ],
)
async def test_a_refused_plan_shows_the_message_at_its_field_and_writes_nothing(
    app: FastAPI, db_session: Session, change: dict[str, str], field: str, message: str
) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        refused = await c.post(f"{pair.meetings}/plan", data=plan_form(token, **change))
    assert refused.status_code == 422
    assert message in html.unescape(field_error(refused.text, field))
    typed = next(iter(change.values()))
    if len(typed) < 100 and field != "f-timezone":
        assert f'value="{typed}"' in refused.text  # what was typed stays in the form
    assert _series_count(db_session) == 0


async def test_find_a_time_in_both_zones_with_the_daylight_saving_weeks(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, _token):
        found = await c.get(f"{pair.meetings}/plan?find=1")
        text = html.unescape(found.text)
        assert "Tue 6:00\u202fPM for you" in text and "Tue 12:00\u202fPM for Ben Mentee (New York)" in text
        assert re.search(r"fits \d+ of \d+ meetings", text)
        # Europe and America change their clocks on different Sundays: those weeks Ben's noon window is missed
        assert "outside the hours Ben Mentee is available" in text
        link = re.search(r'href="([^"]*/plan\?[^"]*)#plan-form"', found.text)
        assert link
        filled = await c.get(html.unescape(link.group(1)))
    assert 'id="f-local_time" name="local_time" value="18:00"' in filled.text
    assert '<option value="Europe/Berlin" selected>' in filled.text
    assert re.search(r'<option value="1" selected>Tuesday</option>', filled.text)
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        theirs = html.unescape((await c.get(f"{pair.meetings}/plan?find=1")).text)
    assert "Tue 12:00\u202fPM for you" in theirs and "Tue 6:00\u202fPM for Ana Mentor (Berlin)" in theirs


async def test_find_a_time_without_overlap_explains_and_links_the_availability(
    app: FastAPI, db_session: Session
) -> None:
    mornings = [{"day": 0, "start": "06:00", "end": "07:00"}]
    pair = service_pair(db_session, windows=(mornings, mornings))  # 06:00 in Berlin is midnight in New York
    async with browser(app, db_session, pair.mentor.user) as (c, _token):
        found = await c.get(f"{pair.meetings}/plan?find=1")
    assert "We found no time in both your availabilities" in found.text
    assert f'href="/programs/{pair.program.id}/participants/{pair.mentor.id}/edit"' in found.text


async def test_a_new_cadence_in_the_agreement_asks_to_update_the_series(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        assert (await c.post(f"{pair.meetings}/plan", data=plan_form(token))).status_code == 303
        agreement = agreements.in_force(db_session, pair.mentorship)
        assert agreement is not None
        agreement.cadence = Cadence.BIWEEKLY  # as a confirmed new version would say
        db_session.flush()
        page = await c.get(pair.meetings)
    assert "Your agreement now says every two weeks. Update the series" in page.text
    assert f'href="{pair.meetings}/plan" class="button small">Update the series' in page.text


async def test_coordinators_get_403_and_others_404(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    other = service_pair(db_session, names=("Olga Other", "Otto Other"))
    async with browser(app, db_session, other.mentor.user) as (c, token):
        await c.post(f"{other.meetings}/plan", data=plan_form(token))
        foreign = meeting_ids((await c.get(other.meetings)).text)[0]
    coordinator = make_user(db_session, name="Clara Coordinator")
    add_member(db_session, pair.program, coordinator, Role.COORDINATOR)
    async with browser(app, db_session, coordinator) as (c, token):
        for path in (pair.meetings, f"{pair.meetings}/plan", f"{pair.meetings}/{foreign}"):
            assert (await c.get(path)).status_code in (403, 404)
        assert (await c.get(pair.meetings)).status_code == 403
        assert (await c.post(f"{pair.meetings}/plan", data=plan_form(token))).status_code == 403
    async with browser(app, db_session, pair.mentor.user) as (c, _token):
        assert (await c.get(f"{pair.meetings}/{foreign}")).status_code == 404  # another pair's meeting
        elsewhere = f"/programs/{other.program.id}/mentorships/{pair.mentorship.id}/meetings"
        assert (await c.get(elsewhere)).status_code == 404
        assert (await c.get(other.meetings)).status_code == 404


async def test_the_video_setting(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        page = await c.get(pair.meetings)
        assert "https://meet.jit.si/mentorloom-" in page.text
        bad = await c.post(f"{pair.meetings}/video", data={"csrf_token": token, "video.video_link": "zoom.us/j/1"})
        assert bad.status_code == 422
        assert "starting with https://" in field_error(bad.text, "f-video-video_link")
        assert 'value="zoom.us/j/1"' in bad.text
        link = "https://zoom.us/j/123456"
        saved = await c.post(f"{pair.meetings}/video", data={"csrf_token": token, "video.video_link": link})
        assert saved.status_code == 303
        assert f'href="{link}"' in (await c.get(pair.meetings)).text
        back = await c.post(f"{pair.meetings}/video", data={"csrf_token": token, "use_room": "1"})
        assert back.status_code == 303
        assert link not in (await c.get(pair.meetings)).text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"add.day": ""}, "f-add-day", "Enter a date as YYYY-MM-DD."),
        ({"add.day": "2031-03-04"}, "f-add-day", "Choose a day from"),
        ({"add.time": "half past six"}, "f-add-time", "Enter a time such as 09:30."),
        ({"add.duration_minutes": "2147483648"}, "f-add-duration_minutes", "Enter a number of at most"),
    ],
)
async def test_a_refused_extra_meeting_shows_the_message_at_its_field(
    app: FastAPI, db_session: Session, change: dict[str, str], field: str, message: str
) -> None:
    pair = service_pair(db_session)
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    form = {"add.day": tomorrow, "add.time": "18:00", "add.duration_minutes": "60", "add.format": "video"}
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        refused = await c.post(f"{pair.meetings}/add", data={"csrf_token": token, **form, **change})
    assert refused.status_code == 422
    assert message in field_error(refused.text, field)
    assert db_session.scalar(select(func.count()).select_from(Meeting)) == 0


async def test_overdue_on_the_pair_home_and_the_coordinators_list(
    app: FastAPI, db_session: Session, engine: Engine
) -> None:
    pair = service_pair(db_session, started_days_ago=60)
    for n in range(3):  # more pairs, so one query per row would show
        service_pair(db_session, names=(f"Mira {n}", f"Max {n}"), program=pair.program, started_days_ago=2)
    async with browser(app, db_session, pair.mentor.user) as (c, _token):
        home = await c.get(pair.home)
    assert "You have not met for 60 days; you agreed to meet weekly." in home.text
    assert f'href="{pair.meetings}"' in home.text
    coordinator = make_user(db_session, name="Clara Coordinator")
    add_member(db_session, pair.program, coordinator, Role.COORDINATOR)
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if re.search(r"\bFROM meetings\b", statement):
            statements.append(statement)

    async with browser(app, db_session, coordinator) as (c, _token):
        event.listen(engine, "before_cursor_execute", count)
        try:
            listing = await c.get(f"/programs/{pair.program.id}/mentorships")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        view = await c.get(pair.home)
    assert listing.text.count('class="badge badge-warning">Overdue</span>') == 1
    assert "No meeting held for 60 days" in listing.text
    assert len(statements) == 1  # the whole list's last meetings in one query
    assert "No meeting held for 60 days" in view.text
    assert "Agendas, notes and feedback of the meetings stay with the pair." in view.text


async def test_the_calendar_feed_on_the_account_page(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        assert "Turn the calendar feed on" in (await c.get("/account")).text
        made = await c.post("/account/calendar-feed", data={"csrf_token": token})
        assert made.status_code == 200
        url = re.search(r'id="feed-url" value="(http://testserver/ical/[^"]+\.ics)"', made.text)
        assert url and "copy it now" in made.text
        again = await c.get("/account")
        assert url.group(1) not in again.text and "Your calendar feed is on since" in again.text
        path = url.group(1).removeprefix("http://testserver")
        assert (await c.get(path)).headers["content-type"].startswith("text/calendar")
        rotated = await c.post("/account/calendar-feed", data={"csrf_token": token})
        assert (await c.get(path)).status_code == 404  # the old address stops at once
        new = re.search(r'id="feed-url" value="http://testserver(/ical/[^"]+\.ics)"', rotated.text)
        assert new
        off = await c.post("/account/calendar-feed/revoke", data={"csrf_token": token})
        assert off.status_code == 303
        assert (await c.get(new.group(1))).status_code == 404
        assert "Turn the calendar feed on" in (await c.get("/account")).text


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"cadence": "monthly", "monthly_by": "date", "day_of_month": "15"}, "Monthly on day 15 at 6:00\u202fPM"),
        ({"cadence": "monthly", "week_of_month": "-1", "weekday": "3"}, "Monthly on the last Thursday at 6:00\u202fPM"),
        ({"cadence": "biweekly", "weekday": "4"}, "Every two weeks on Friday at 6:00\u202fPM"),
    ],
)
async def test_the_plan_reads_as_a_sentence(
    app: FastAPI, db_session: Session, change: dict[str, str], sentence: str
) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        assert (await c.post(f"{pair.meetings}/plan", data=plan_form(token, **change))).status_code == 303
        page = await c.get(pair.meetings)
    assert f"{sentence} (Berlin)" in page.text


async def test_earlier_meetings_show_ten_then_more(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session, started_days_ago=40)
    for days in range(2, 14):  # twelve meetings recorded afterwards
        start = (utcnow() - timedelta(days=days)).replace(hour=17, minute=0, second=0, microsecond=0, tzinfo=None)
        when = When(start.date(), start, "UTC")
        service.add_meeting(db_session, pair.seat(Side.MENTOR), when, series.Details(), pair.mentor.user)
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        first = await c.get(pair.meetings)
        assert len(meeting_ids(first.text)) == 10 and f'href="{pair.meetings}?past=20#past"' in first.text
        more = await c.get(f"{pair.meetings}?past=20")
    assert len(meeting_ids(more.text)) == 12 and "?past=30" not in more.text
    assert "Did it take place?" in more.text  # none was said to have taken place yet
