"""Every mentorship state change is audited, whichever door it comes through.

Two halves. The source scan fails when code outside the two audited functions (`lifecycle.transition` and
`placement.place`) writes a mentorship's status, so a new path cannot bypass them unnoticed. The driven tests go
through each door (API, page form, fit check, the inactivity job, matching offers, mentor requests) with a watch on
every status the ORM writes in any session, and check that each write has its audit event.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

import mentorloom
from mentorloom.accounts.models import User
from mentorloom.audit.models import AuditAction, AuditEvent
from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.jobs import JobQueue
from mentorloom.matching import service as matching
from mentorloom.mentorships.models import Mentorship, MentorshipStatus, Retrospective, Side
from mentorloom.privacy import erasure
from mentorloom.privacy.tasks import RETENTION_JOB
from mentorloom.programs.models import Membership, Role
from tests.audit.helpers import events
from tests.clock import Clock
from tests.conftest import SharedConnectionDatabase
from tests.factories import make_program
from tests.health.test_inactivity import DAY, N, quiet_pair
from tests.matching.helpers import coordinator_user, headers_for, participant, sample_people
from tests.mentorships.helpers import Pair, make_pair
from tests.mentorships.test_views import _page, browser

pytestmark = pytest.mark.anyio
CLIENT = "127.0.0.1"
SRC = Path(mentorloom.__file__).parent

# --- the source scan -------------------------------------------------------------------------------------------

# The only functions that may write a mentorship's status; both record the audit event themselves.
AUDITED_WRITERS = {("mentorships/lifecycle.py", "transition"), ("mentorships/placement.py", "place")}
# Names under which other objects with a `status` are changed (runs, proposals, requests, meetings, ...). A status
# write on any other name counts as a mentorship's: name it here if it is not one.
OTHER_STATUS_OWNERS = {"run", "proposal", "p", "request", "job", "meeting", "agreement"}


def status_writes(source: str) -> list[tuple[int, str, str]]:
    """(line, enclosing function, what) for each place in `source` that may write a mentorship's status."""
    tree = ast.parse(source)
    found: list[tuple[int, str, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            what = _status_write(child)
            if what:
                found.append((child.lineno, inner, what))  # type: ignore[attr-defined]
            visit(child, inner)

    visit(tree, "<module>")
    return found


def _status_write(node: ast.AST) -> str | None:
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        flat = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
        for target in flat:
            if isinstance(target, ast.Attribute) and target.attr == "status":
                owner = ast.unparse(target.value)
                if owner.split(".")[-1] not in OTHER_STATUS_OWNERS:
                    return f"{owner}.status = ..."
    if isinstance(node, ast.Call):
        name = ast.unparse(node.func)
        if name == "Mentorship":
            return "Mentorship(...)"
        if name == "setattr" and len(node.args) > 1 and "status" in ast.unparse(node.args[1]):
            return ast.unparse(node)
        if name.endswith(".values") and "update(Mentorship)" in name.replace(" ", ""):
            return ast.unparse(node)[:80]
    is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
    if is_text and re.search(r"update\s+mentorships\b", str(node.value), re.IGNORECASE):  # type: ignore[attr-defined]
        return "raw SQL UPDATE mentorships"
    return None


def test_only_the_audited_functions_write_a_mentorships_status() -> None:
    stray = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        for line, function, what in status_writes(path.read_text(encoding="utf-8")):
            if (relative, function) not in AUDITED_WRITERS:
                stray.append(f"{relative}:{line} in {function}(): {what}")
    assert not stray, (
        "a mentorship's status is written outside lifecycle.transition / placement.place, so it may go "
        f"unaudited; go through them (or name a non-mentorship owner in OTHER_STATUS_OWNERS): {stray}"
    )
    seen = {(relative, function) for relative, function in AUDITED_WRITERS}
    for relative, function in seen:
        writes = status_writes((SRC / relative).read_text(encoding="utf-8"))
        assert any(f == function for _line, f, _what in writes), f"{relative}:{function} writes no status any more"


def test_the_scan_sees_a_status_written_behind_the_services_back() -> None:
    snippet = """
def sneaky(session, pair, ms):
    pair.mentorship.status = MentorshipStatus.PAUSED
    ms.status, ms.ended_at = S.COMPLETED, now
    setattr(ms, "status", S.ACTIVE)
    session.add(Mentorship(program_id=1, status=S.ACTIVE))
    session.execute(update(Mentorship).where(Mentorship.id == 1).values(status=S.PAUSED))
    session.execute(text("UPDATE mentorships SET status = 'paused'"))
    meeting.status = MeetingStatus.HELD
"""
    assert [line for line, function, _what in status_writes(snippet)] == [3, 4, 5, 6, 7, 8]
    assert {function for _line, function, _what in status_writes(snippet)} == {"sneaky"}


# --- the driven paths ------------------------------------------------------------------------------------------


class StatusWatch:
    """Every mentorship status the ORM writes in any session (requests and jobs have their own) while installed."""

    def __init__(self) -> None:
        self.changes: list[tuple[int, str | None, str]] = []

    def after_flush(self, session: Session, _context: object) -> None:
        # after_flush still shows the flushed objects as new or dirty, with their attribute history
        for obj in [*session.new, *session.dirty]:
            if not isinstance(obj, Mentorship):
                continue
            history = inspect(obj).attrs.status.history
            before = history.deleted[0].value if history.deleted else None
            if obj in session.new:
                self.changes.append((obj.id, None, obj.status.value))
            elif history.added and history.added[0].value != before:
                self.changes.append((obj.id, before, history.added[0].value))


@contextmanager
def watching() -> Iterator[StatusWatch]:
    watch = StatusWatch()
    event.listen(Session, "after_flush", watch.after_flush)
    try:
        yield watch
    finally:
        event.remove(Session, "after_flush", watch.after_flush)


def assert_all_audited(session: Session, watch: StatusWatch) -> list[AuditEvent]:
    """Each status write seen has an audit event (same pair, same from and to); returns the events."""
    assert watch.changes, "the path changed no mentorship's status: the test drives nothing"
    pairs = {mid for mid, _before, _after in watch.changes}
    audited = [e for e in events(session, AuditAction.MENTORSHIP_STATE_CHANGED) if e.target_id in pairs]
    written = Counter(watch.changes)
    logged = Counter((e.target_id, e.detail["from"], e.detail["to"]) for e in audited)
    assert not written - logged, f"status writes without an audit event: {sorted((written - logged).elements())}"
    return audited


def trail(audited: list[AuditEvent], mentorship_id: int) -> list[tuple[str | None, str, str]]:
    return [(e.detail["from"], e.detail["to"], e.detail["action"]) for e in audited if e.target_id == mentorship_id]


async def test_every_api_door(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    coordinator = coordinator_user(db_session, program)
    coord_h = headers_for(db_session, _membership_of(db_session, coordinator.id, program.id))
    mentor = participant(db_session, program, Role.MENTOR, "Mentor Api", capacity=3)
    mentees = [participant(db_session, program, Role.MENTEE, f"Mentee Api {i}") for i in range(3)]
    mentor_h, mentees_h = headers_for(db_session, mentor), [headers_for(db_session, m) for m in mentees]
    base = f"/api/v1/programs/{program.id}/mentorships"

    async def ok(url: str, headers: dict[str, str], body: dict[str, object] | None = None) -> dict[str, object]:
        response = await client.post(url, headers=headers, json=body or {})
        assert response.status_code in (200, 201), (url, response.text)
        return dict(response.json())

    with watching() as watch:
        ids = []
        for mentee in mentees:
            ids.append(int(str((await ok(base, coord_h, {"mentor_id": mentor.id, "mentee_id": mentee.id}))["id"])))
        first, second, third = ids
        await ok(f"{base}/{first}/accept", mentees_h[0])
        await ok(f"{base}/{first}/accept", mentor_h)
        for action in ("pause", "resume", "complete", "finish"):
            await ok(f"{base}/{first}/{action}", coord_h if action == "finish" else mentor_h)
        await ok(f"{base}/{second}/decline", coord_h, {"reason": "Not now"})
        await ok(f"{base}/{third}/accept", mentees_h[2])
        await ok(f"{base}/{third}/accept", mentor_h)
        await ok(f"{base}/{third}/complete", mentor_h)
        await ok(f"{base}/{third}/renew", mentor_h, {"note": "Once more"})
        await ok(f"{base}/{third}/end-early", mentees_h[2], {"closure_reason": "lack_of_time", "rematch": False})
    audited = assert_all_audited(db_session, watch)
    assert trail(audited, first) == [
        (None, "proposed", "place"),
        ("proposed", "active", "activate"),
        ("active", "paused", "pause"),
        ("paused", "active", "resume"),
        ("active", "completing", "complete"),
        ("completing", "completed", "finish"),
    ]
    assert trail(audited, second) == [(None, "proposed", "place"), ("proposed", "declined", "decline")]
    assert [t[2] for t in trail(audited, third)] == ["place", "activate", "complete", "renew", "end_early"]
    by = {e.detail["action"]: e.actor_user_id for e in audited if e.target_id == first}
    assert by == {
        "place": coordinator.id,
        "activate": mentor.user_id,  # the second of the two to accept
        "pause": mentor.user_id,
        "resume": mentor.user_id,
        "complete": mentor.user_id,
        "finish": coordinator.id,
    }
    assert all(e.origin == CLIENT and e.program_id == program.id for e in audited)


async def test_every_page_form(app: FastAPI, db_session: Session) -> None:
    proposed = make_pair(db_session, status=MentorshipStatus.PROPOSED)
    renewing = make_pair(db_session)
    with watching() as watch:
        async with browser(app, db_session, proposed.mentee.user) as (mentee, e_token):
            await _form(mentee, f"{_page(proposed)}/accept", e_token)
        async with browser(app, db_session, proposed.mentor.user) as (mentor, m_token):
            await _form(mentor, f"{_page(proposed)}/accept", m_token)
            for action in ("pause", "resume", "complete"):
                await _form(mentor, f"{_page(proposed)}/state/{action}", m_token)
        async with browser(app, db_session, _coordinator(db_session, proposed)) as (coordination, c_token):
            await _form(coordination, f"{_page(proposed)}/finish", c_token)
        async with browser(app, db_session, renewing.mentor.user) as (mentor, m_token):
            await _form(mentor, f"{_page(renewing)}/state/complete", m_token)
            await _form(mentor, f"{_page(renewing)}/renew", m_token, note="Another year")
            await _form(mentor, f"{_page(renewing)}/end-early", m_token, closure_reason="life_circumstances")
    audited = assert_all_audited(db_session, watch)
    assert [t[2] for t in trail(audited, proposed.mentorship.id)] == [
        "activate",
        "pause",
        "resume",
        "complete",
        "finish",
    ]
    assert [t[2] for t in trail(audited, renewing.mentorship.id)] == ["complete", "renew", "end_early"]
    assert all(e.origin == CLIENT and e.actor_user_id is not None for e in audited)


async def _form(c: httpx.AsyncClient, url: str, token: str, **fields: str) -> None:
    response = await c.post(url, data={"csrf_token": token, **fields})
    assert response.status_code == 303, (url, response.status_code, response.text[:500])


async def test_the_fit_check_ending(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=20)
    with watching() as watch:
        answer = await client.post(f"{pair.base}/fit-check", headers=pair.mentor_h, json={"fits": False})
        assert answer.status_code == 200, answer.text
    [ended] = assert_all_audited(db_session, watch)
    assert (ended.detail, ended.actor_user_id, ended.origin) == (
        {"from": "active", "to": "ended_early", "action": "end_early"},
        None,  # nobody is named for a failed fit check
        CLIENT,
    )


def test_the_inactivity_job(db_session: Session, settings: Settings) -> None:
    quiet, start = quiet_pair(db_session)
    completing, later = quiet_pair(db_session, status=MentorshipStatus.COMPLETING)
    clock = Clock(max(start, later) + (N - 7) * DAY)  # both quiet long enough
    jobs = job_queue(settings, db_session, clock)
    with watching() as watch:
        jobs.wake(INACTIVITY_JOB)  # the warnings
        clock.advance(7 * DAY)
        jobs.wake(INACTIVITY_JOB)  # the conclusions
    audited = assert_all_audited(db_session, watch)
    assert trail(audited, quiet.mentorship.id) == [("active", "ended_early", "end_early")]
    assert trail(audited, completing.mentorship.id) == [("completing", "completed", "finish")]
    assert {(e.origin, e.actor_user_id) for e in audited} == {("job:health.inactivity", None)}


async def test_matching_offers_and_mentor_requests(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    people = sample_people(db_session, program)
    coordinator = coordinator_user(db_session, program)
    run = matching.start_run(db_session, program, coordinator)
    matching.compute_run(db_session, run)
    base = f"/api/v1/programs/{program.id}/matching"
    coord_h = headers_for(db_session, _membership_of(db_session, coordinator.id, program.id))
    assert (await client.post(f"{base}/runs/{run.id}/publish", headers=coord_h)).status_code == 200
    [offer] = [o for o in matching.offers_for(db_session, people["sophie"].user, program.id)]
    assert offer.mentor_id is not None
    requester = participant(db_session, program, Role.MENTEE, "Mentee Request")
    asked = participant(db_session, program, Role.MENTOR, "Mentor Request")
    with watching() as watch:
        for member in (people["sophie"], offer.mentor):
            answer = await client.post(
                f"{base}/proposals/{offer.id}/answer",
                headers=headers_for(db_session, member),
                json={"answer": "accepted"},
            )
            assert answer.status_code == 200, answer.text
        sent = await client.post(
            f"{base}/requests", headers=headers_for(db_session, requester), json={"mentor_id": asked.id}
        )
        assert sent.status_code == 201, sent.text
        accepted = await client.post(
            f"{base}/requests/{sent.json()['id']}/accept", headers=headers_for(db_session, asked), json={}
        )
        assert accepted.status_code == 200, accepted.text
    audited = assert_all_audited(db_session, watch)
    assert sorted((e.detail["to"], e.detail["action"], e.actor_user_id) for e in audited) == sorted(
        [("active", "place", offer.mentor.user_id), ("active", "place", asked.user_id)]
    )


def test_retention_and_erasure_leave_every_state_as_it_is(db_session: Session, settings: Settings) -> None:
    """Neither changes a state (program figures stay right), so neither owes a state-change event; were one to,
    the watch would see it here."""
    ended = make_pair(db_session, status=MentorshipStatus.COMPLETED, started_days_ago=3000)
    ended.mentorship.ended_at = utcnow() - timedelta(days=2000)
    ended.program.settings = {"retention_months": 12}
    active = make_pair(db_session)
    db_session.add(Retrospective(mentorship_id=active.mentorship.id, cycle=1, side=Side.MENTEE, what_worked="x"))
    db_session.flush()
    jobs = job_queue(settings, db_session, Clock(utcnow()))
    with watching() as watch:
        jobs.wake(RETENTION_JOB)
        erasure.erase_person(db_session, active.mentee.user, by=_coordinator(db_session, active))
        db_session.flush()
    assert watch.changes == []
    db_session.expire_all()
    assert ended.mentorship.anonymised_at is not None  # the job did run
    assert (ended.mentorship.status, active.mentorship.status) == (MentorshipStatus.COMPLETED, MentorshipStatus.ACTIVE)


INACTIVITY_JOB = "health.inactivity"


def job_queue(settings: Settings, session: Session, clock: Clock) -> JobQueue:
    """The jobs as the worker runs them (through the queue, which sets the audit origin), at a fixed time."""
    jobs = JobQueue(settings, SharedConnectionDatabase(session), immediate=True)
    jobs.context.clock = clock
    return jobs


def _coordinator(session: Session, pair: Pair) -> User:
    user_id = session.scalars(
        select(Membership.user_id).where(Membership.program_id == pair.program.id, Membership.role == Role.COORDINATOR)
    ).first()
    return session.get_one(User, user_id)


def _membership_of(session: Session, user_id: int, program_id: int) -> Membership:
    return session.scalars(
        select(Membership).where(Membership.user_id == user_id, Membership.program_id == program_id)
    ).one()
