"""Typed dates and times, and the program's minimum fit: bad input answers a clear error naming the field.

The API answers 422 with the field in `errors`; a page shows its form again with the message at the field (a NUL
character is refused before any form, on the error page naming the field). Either way nothing is written and
nothing answers 500. Every test runs on SQLite and PostgreSQL (the `client` and `db_session` fixtures).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.accounts.service import start_session
from mentorloom.mentorships import goals
from mentorloom.mentorships.access import seat_for
from mentorloom.mentorships.models import Goal, Mentorship
from mentorloom.profiles.models import Profile
from mentorloom.programs.models import Program
from mentorloom.web.csrf import session_token
from tests.edge.test_limits import _Server, _settings
from tests.matching.helpers import coordinator_user
from tests.matching.test_views import login
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio

NUL = "\x00"
HUGE_TEXT = "9" * 100_000
# Dates no calendar has, years out of reach, NUL, a huge text, numbers the database cannot hold.
BAD_DAYS: list[Any] = [
    "31.02.2026",
    "2026-02-31",
    "2026-13-01",
    "0000-01-01",
    "0001-01-01",
    "99999-01-01",
    "9999-12-31",
    "1899-12-31",
    "3000-01-01",
    "20260101",  # digits alone: pydantic read them as seconds since 1970
    "0",
    "2026-12-05T10:00",
    f"2026-12-05{NUL}",
    HUGE_TEXT,
    "-1",
    2**31,
    2**63,
    -1,
    0,
    86400 * 20_000,  # whole days since 1970 were taken as a date (10 October 2024)
]
BAD_TIMES: list[Any] = ["25:00", "7:5", "24:30", "12:60", "-1:00", f"09:30{NUL}", HUGE_TEXT, "٠٩:٣٠", 2**31, -1]
BAD_WEEKDAYS: list[Any] = [7, -1, 2**31, 2**63]
BAD_MINIMUM_FIT: list[Any] = [101, -1, 2**31, 2**63, 10**400, "abc", 50.5]
# The same as a form posts them, text only. The API tries every bad day above; a page's own part is reading the
# typed text and showing the message.
PAGE_DAYS = [
    "31.02.2026",
    "2026-02-31",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "20260101",
    "2026-12-05T10:00",
    f"2026-12-05{NUL}",
    HUGE_TEXT,
    "-1",
    "2147483648",
]
PAGE_TIMES = ["25:00", "7:5", "24:30", "12:60", "-1:00", "2147483648", f"09:30{NUL}", HUGE_TEXT]
PAGE_WEEKDAYS = ["7", "-1", "2147483648", "9223372036854775808", "x"]
PAGE_MINIMUM_FIT = ["101", "-1", "2147483648", "9223372036854775808", "9" * 5000, "abc", "50.5", HUGE_TEXT]
# pydantic's own messages: English, and written for programmers ("Datetimes provided to dates should have zero time")
PYDANTIC_ENGLISH = re.compile(r"Input should|should have|Unable to|Value error|String should|Datetimes|exceeded")


@dataclass
class World:
    client: httpx.AsyncClient
    session: Session
    pair: Pair
    _goal: Goal | None = None
    program_form: dict[str, str] = field(default_factory=dict)

    @property
    def page(self) -> str:
        return f"/programs/{self.pair.program.id}/mentorships/{self.pair.mentorship.id}"

    def goal(self) -> Goal:
        """The pair's goal (added on first use, through the service as the API adds one)."""
        if self._goal is None:
            seat = seat_for(self.session, self.pair.mentor.user, self.pair.program.id, self.pair.mentorship.id)
            self._goal = goals.add_goal(self.session, seat, self.pair.program, {"title": "Negotiate"})
            self.session.flush()
        self.session.refresh(self._goal)
        return self._goal

    def written(self) -> tuple[Any, ...]:
        """Everything these inputs could change: compared before and after a refused request."""
        self.session.expire_all()
        mentorship = self.session.get_one(Mentorship, self.pair.mentorship.id)
        program = self.session.get_one(Program, self.pair.program.id)
        kept = self.session.scalars(select(Goal).where(Goal.mentorship_id == mentorship.id).order_by(Goal.id)).all()
        profiles = [self.session.get_one(Profile, m.id) for m in (self.pair.mentor, self.pair.mentee)]
        return (
            mentorship.planned_end_on,
            [(g.key, g.title, g.target_date, g.lock_version) for g in kept],
            (program.name, program.starts_on, program.ends_on, dict(program.settings or {})),
            [(p.version, list(p.availability)) for p in profiles],
        )


def _shown(value: Any) -> str:
    return repr(value if not isinstance(value, str) or len(value) < 40 else value[:20] + "…")


# --- the API --------------------------------------------------------------------------------------------------------


async def _put_planned_end(w: World, value: Any) -> httpx.Response:
    return await w.client.put(f"{w.pair.base}/planned-end", json={"planned_end_on": value}, headers=w.pair.mentee_h)


async def _post_goal(w: World, value: Any) -> httpx.Response:
    body = {"title": "Lead a team", "target_date": value}
    return await w.client.post(f"{w.pair.base}/goals", json=body, headers=w.pair.mentor_h)


async def _patch_goal(w: World, value: Any) -> httpx.Response:
    goal = w.goal()
    body = {"lock_version": goal.lock_version, "target_date": value}
    return await w.client.patch(f"{w.pair.base}/goals/{goal.key}", json=body, headers=w.pair.mentor_h)


async def _revise_goal(w: World, value: Any) -> httpx.Response:
    goal = w.goal()
    body = {"lock_version": goal.lock_version, "target_date": value, "reason": "Later"}
    return await w.client.post(f"{w.pair.base}/goals/{goal.key}/revisions", json=body, headers=w.pair.mentor_h)


async def _put_program(w: World, **fields: Any) -> httpx.Response:
    url = f"/api/v1/programs/{w.pair.program.id}"
    return await w.client.put(url, json={"name": "Renamed", **fields}, headers=w.pair.coord_h)


async def _program_starts(w: World, value: Any) -> httpx.Response:
    return await _put_program(w, starts_on=value)


async def _program_ends(w: World, value: Any) -> httpx.Response:
    return await _put_program(w, ends_on=value)


async def _minimum_fit(w: World, value: Any) -> httpx.Response:
    return await _put_program(w, settings={"min_proposal_score": value})


async def _profile(w: World, window: dict[str, Any]) -> httpx.Response:
    url = f"/api/v1/programs/{w.pair.program.id}/participants/{w.pair.mentee.id}/profile"
    body = {"name": "Mentee Moritz", "timezone": "Europe/Berlin", "availability": [window]}
    return await w.client.put(url, json=body, headers=w.pair.mentee_h)


async def _window_start(w: World, value: Any) -> httpx.Response:
    return await _profile(w, {"day": 0, "start": value, "end": "24:00"})


async def _window_end(w: World, value: Any) -> httpx.Response:
    return await _profile(w, {"day": 0, "start": "00:00", "end": value})


async def _window_day(w: World, value: Any) -> httpx.Response:
    return await _profile(w, {"day": value, "start": "09:00", "end": "10:00"})


# case → (request, the field the answer must name, the bad values)
API_CASES = {
    "planned-end": (_put_planned_end, "planned_end_on", BAD_DAYS),
    "new-goal": (_post_goal, "target_date", BAD_DAYS),
    "goal-change": (_patch_goal, "target_date", BAD_DAYS),
    "goal-revision": (_revise_goal, "target_date", BAD_DAYS),
    "program-start": (_program_starts, "starts_on", BAD_DAYS),
    "program-end": (_program_ends, "ends_on", BAD_DAYS),
    "minimum-fit": (_minimum_fit, "settings.min_proposal_score", BAD_MINIMUM_FIT),
    "window-start": (_window_start, "availability.0.start", BAD_TIMES),
    "window-end": (_window_end, "availability.0.end", BAD_TIMES),
    "window-day": (_window_day, "availability.0.day", BAD_WEEKDAYS),
}


@pytest.mark.parametrize("name", list(API_CASES))
async def test_the_api_names_the_bad_field_and_writes_nothing(
    name: str, client: httpx.AsyncClient, db_session: Session
) -> None:
    case, expected, values = API_CASES[name]
    world = World(client, db_session, make_pair(db_session))
    world.goal()  # the goal cases change it; the others must not add one
    wrong: list[str] = []
    for value in values:
        before = world.written()
        response = await case(world, value)
        named = [e.get("field") for e in response.json().get("errors", [])] if response.status_code == 422 else []
        if response.status_code != 422 or expected not in named:
            wrong.append(f"{_shown(value)}: {response.status_code} {response.text[:200]}")
        elif response.headers["content-type"] != "application/problem+json":
            wrong.append(f"{_shown(value)}: {response.headers['content-type']}")
        if world.written() != before:
            wrong.append(f"{_shown(value)} was written")
    assert not wrong, "\n".join(wrong)


async def test_a_good_date_still_goes_through_the_api(client: httpx.AsyncClient, db_session: Session) -> None:
    """The guards refuse only what is wrong: the same requests with sound values are saved."""
    world = World(client, db_session, make_pair(db_session))
    later = date.today().replace(day=1).replace(year=date.today().year + 1)
    assert (await _put_planned_end(world, later.isoformat())).status_code == 200
    assert (await _post_goal(world, "2027-12-05")).status_code == 201
    assert (await _minimum_fit(world, 55)).json()["settings"]["min_proposal_score"] == 55
    saved = await _window_end(world, "24:00")
    assert saved.status_code == 200 and saved.json()["availability"] == [{"day": 0, "start": "00:00", "end": "24:00"}]


# --- the pages ------------------------------------------------------------------------------------------------------


async def _as_mentee(w: World) -> str:
    return await login(w.client, w.session, w.pair.mentee.user)


async def _page_planned_end(w: World, token: str, value: str) -> httpx.Response:
    return await w.client.post(f"{w.page}/planned-end", data={"csrf_token": token, "planned_end_on": value})


async def _page_new_goal(w: World, token: str, value: str) -> httpx.Response:
    data = {"csrf_token": token, "goal.title": "Lead a team", "goal.target_date": value}
    return await w.client.post(f"{w.page}/goals", data=data)


async def _page_revise_goal(w: World, token: str, value: str) -> httpx.Response:
    goal = w.goal()
    data = {
        "csrf_token": token,
        "lock_version": str(goal.lock_version),
        "title": goal.title,
        "target_date": value,
        "reason": "Later",
    }
    return await w.client.post(f"{w.page}/goals/{goal.key}/revise", data=data)


async def _program_form(w: World, token: str, **fields: str) -> httpx.Response:
    url = f"/programs/{w.pair.program.id}/edit"
    if not w.program_form:  # the form as the page fills it in, read once
        form = (await w.client.get(url)).text
        w.program_form = dict(re.findall(r'name="([\w.]+)" value="([^"]*)"', form))
        w.program_form |= {"default_cadence": "monthly", "language": "en", "settings.matching_mode": "optimal"}
    return await w.client.post(url, data={**w.program_form, "csrf_token": token, **fields})


async def _page_program_start(w: World, token: str, value: str) -> httpx.Response:
    return await _program_form(w, token, starts_on=value)


async def _page_program_end(w: World, token: str, value: str) -> httpx.Response:
    return await _program_form(w, token, ends_on=value)


async def _page_minimum_fit(w: World, token: str, value: str) -> httpx.Response:
    return await _program_form(w, token, **{"settings.min_proposal_score": value})


async def _profile_form(w: World, token: str, day: str, start: str, end: str) -> httpx.Response:
    url = f"/programs/{w.pair.program.id}/participants/{w.pair.mentee.id}/edit"
    version = w.session.get_one(Profile, w.pair.mentee.id).version
    data = {
        "csrf_token": token,
        "name": "Mentee Moritz",
        "timezone": "Europe/Berlin",
        "version": str(version),
        "avail_day": day,
        "avail_start": start,
        "avail_end": end,
    }
    return await w.client.post(url, data=data)


async def _page_window_start(w: World, token: str, value: str) -> httpx.Response:
    return await _profile_form(w, token, "0", value, "24:00")


async def _page_window_end(w: World, token: str, value: str) -> httpx.Response:
    return await _profile_form(w, token, "0", "00:00", value)


async def _page_window_day(w: World, token: str, value: str) -> httpx.Response:
    return await _profile_form(w, token, value, "09:00", "10:00")


# case → (who, request, the id of the message's element on the page, the bad values)
PAGE_CASES = {
    "planned-end": ("mentee", _page_planned_end, "f-planned_end_on-error", PAGE_DAYS),
    "new-goal": ("mentee", _page_new_goal, "f-goal-target_date-error", PAGE_DAYS),
    "goal-revision": ("mentee", _page_revise_goal, "goal-{key}", PAGE_DAYS),
    "program-start": ("coordinator", _page_program_start, "f-starts_on-error", PAGE_DAYS),
    "program-end": ("coordinator", _page_program_end, "f-ends_on-error", PAGE_DAYS),
    "minimum-fit": ("coordinator", _page_minimum_fit, "f-settings-min_proposal_score-error", PAGE_MINIMUM_FIT),
    "window-start": ("mentee", _page_window_start, "f-availability-0-start-error", PAGE_TIMES),
    "window-end": ("mentee", _page_window_end, "f-availability-0-end-error", PAGE_TIMES),
    "window-day": ("mentee", _page_window_day, "f-availability-0-day-error", PAGE_WEEKDAYS),
}


# A typed date is read the page language's way; times and numbers are the same on every page, and an untranslated
# (pydantic's own) message would show on a German page as much as on an English one.
PAGE_RUNS = [(name, "de") for name in PAGE_CASES] + [
    (name, "en") for name, case in PAGE_CASES.items() if case[3] is PAGE_DAYS
]


@pytest.mark.parametrize(("name", "language"), PAGE_RUNS)
async def test_pages_show_the_message_at_the_field_and_write_nothing(
    name: str, language: str, client: httpx.AsyncClient, db_session: Session
) -> None:
    who, case, anchor, values = PAGE_CASES[name]
    world = World(client, db_session, make_pair(db_session))
    if who == "coordinator":
        token = await login(client, db_session, coordinator_user(db_session, world.pair.program, "Cora"))
    else:
        token = await _as_mentee(world)
    client.cookies.set("ml_lang", language)
    world.goal()
    wrong: list[str] = []
    for value in values:
        before = world.written()
        response = await case(world, token, value)
        if world.written() != before:
            wrong.append(f"{_shown(value)} was written")
        if (
            response.status_code >= 500
            or response.status_code < 400
            or "text/html" not in response.headers.get("content-type", "")
        ):
            wrong.append(f"{_shown(value)}: {response.status_code} {response.text[:300]}")
            continue
        if NUL in value:  # refused before any form, naming the field on the error page
            if "NUL" not in response.text:
                wrong.append(f"{_shown(value)}: the NUL is not named")
            continue
        if response.status_code != 422:
            wrong.append(f"{_shown(value)}: {response.status_code}, not the form again")
        key = re.search(r'action="[^"]*/goals/([^/"]+)/revise"', response.text)
        element = anchor.format(key=key.group(1) if key else "?")
        at = response.text.find(f'id="{element}"')
        shown = re.search(r'class="field-error[^"]*"[^>]*>(.*?)</', response.text[at:], re.S) if at >= 0 else None
        if shown is None:
            wrong.append(f"{_shown(value)}: no message at {element}")
        elif not shown.group(1).strip() or PYDANTIC_ENGLISH.search(shown.group(1)):
            wrong.append(f"{_shown(value)}: {shown.group(1).strip()!r} at {element}")
    assert not wrong, "\n".join(wrong)


async def test_the_program_form_saves_a_sound_minimum_fit_and_keeps_what_it_does_not_show(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    """A setting without a form field (overdue_factor) made every save of this form fail on an unshown message."""
    from mentorloom.programs.schemas import ProgramSettings

    world = World(client, db_session, make_pair(db_session))
    token = await login(client, db_session, coordinator_user(db_session, world.pair.program, "Cora"))
    form = (await client.get(f"/programs/{world.pair.program.id}/edit")).text
    unshown = {  # numbers the form has no field for, each set to its highest value (not its default)
        name: next(m.le for m in info.metadata if hasattr(m, "le"))
        for name, info in ProgramSettings.model_fields.items()
        if info.annotation in (int, float) and f'name="settings.{name}"' not in form
    }
    program = db_session.get_one(Program, world.pair.program.id)
    program.settings = ProgramSettings().model_dump(mode="json") | unshown
    db_session.flush()
    response = await _page_minimum_fit(world, token, "55")
    assert response.status_code == 303, response.text[-2000:]
    saved = world.written()[2][3]
    assert saved["min_proposal_score"] == 55
    assert {name: saved[name] for name in unshown} == unshown


def test_the_range_message_names_the_first_and_last_day_as_the_page_writes_dates() -> None:
    from mentorloom import i18n
    from mentorloom.dates import input_day
    from mentorloom.mentorships.schemas import PlannedEndIn
    from mentorloom.web.forms import validation_messages

    with i18n.use_locale("de"):
        with pytest.raises(ValidationError) as refused:
            PlannedEndIn.model_validate({"planned_end_on": "1.1.1899"})
        assert (
            validation_messages(refused.value)["planned_end_on"]
            == "Geben Sie ein Datum vom 01.01.1900 bis zum 31.12.2999 ein."
        )
        assert input_day(date(999, 1, 2)) == "02.01.0999"  # four digits, as the hint asks (%Y wrote "999")
    with i18n.use_locale("en"):
        assert input_day(date(999, 1, 2)) == "0999-01-02"


# --- many at once ---------------------------------------------------------------------------------------------------


@pytest.fixture()
def live(tmp_path: Path, fresh_database_url: str) -> Iterator[_Server]:
    migrate.upgrade(fresh_database_url)
    with _Server(_settings(tmp_path, fresh_database_url, db_pool_size=5, db_pool_timeout=10)) as server:
        yield server


@pytest.mark.slow
async def test_sixty_planned_end_posts_at_once_answer_without_a_500(live: _Server) -> None:
    """Good and bad dates for one mentorship at the same moment: each is saved or refused, none fails."""
    database = live.app.state.db
    with database.session() as session:
        pair = make_pair(session)
        cookie = start_session(session, pair.mentee.user, 1)
        page = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}/planned-end"
        mentorship_id = pair.mentorship.id
    token = session_token(live.app.state.settings.signing_key, cookie)
    year = date.today().year + 1
    values = [
        f"{1 + i % 28}.{1 + i % 12}.{year}" if i % 2 else ["31.02.2026", "0000-01-01", HUGE_TEXT][i % 3]
        for i in range(60)
    ]
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=live.url, limits=limits, timeout=30) as client:
        client.cookies.set("ml_session", cookie)
        client.cookies.set("ml_lang", "de")
        responses = await asyncio.gather(
            *(client.post(page, data={"csrf_token": token, "planned_end_on": v}) for v in values)
        )
    codes = [r.status_code for r in responses]
    assert all(code < 500 for code in codes), [
        (v[:20], r.status_code, r.text[:200]) for v, r in zip(values, responses, strict=True) if r.status_code >= 500
    ]
    assert {codes[i] for i in range(0, 60, 2)} == {422}  # every bad date refused at its field
    assert {codes[i] for i in range(1, 60, 2)} <= {303, 409, 503}
    with database.session() as session:
        saved = session.get_one(Mentorship, mentorship_id).planned_end_on
    assert saved is not None and saved.year == year
