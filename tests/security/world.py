"""The seeded world of the permission matrix: two programs, every persona, and a private marker in every private item.

Program A has a coordinator, a pair (mentor M, mentee E) and another mentee; program B has the outsider; an
instance administrator and an anonymous visitor complete the personas. Each side of the pair writes every kind
of private and pair-shared item through the API, each text carrying a unique marker, and the world records who
may read each marker, so the leak check knows what must never reach whom.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import ApiToken, User
from mentorloom.db import utcnow
from mentorloom.mentorships.reviews import STATEMENTS
from mentorloom.notifications.models import MailState, Notification, OutboxMail
from mentorloom.profiles.models import ImportJob, Profile
from mentorloom.programs.models import Role
from tests.factories import make_program, make_token, make_user
from tests.matching.helpers import coordinator_user, participant
from tests.matching.test_views import login
from tests.mentorships.helpers import make_pair

ANON, OUTSIDER, MENTEE, MENTOR, OTHER, COORD, ADMIN = (
    "anonymous",
    "outsider",
    "mentee",
    "mentor",
    "other_mentee",
    "coordinator",
    "admin",
)
PERSONAS = (ANON, OUTSIDER, MENTEE, MENTOR, OTHER, COORD, ADMIN)
PAIR = frozenset({MENTEE, MENTOR})
COORDINATION = frozenset({COORD, ADMIN})


@dataclass
class Persona:
    name: str
    user: User | None
    client: httpx.AsyncClient
    api: dict[str, str]  # Authorization header for the API ({} when anonymous)
    csrf: str  # the page forms' token (the login session's)


@dataclass
class World:
    ids: dict[str, int | str]
    personas: dict[str, Persona]
    markers: dict[str, frozenset[str]] = field(default_factory=dict)  # marker → who may read it
    authors: dict[str, str] = field(default_factory=dict)  # marker → its author

    def marker(self, kind: str, author: str, readers: frozenset[str]) -> str:
        text = f"PRIVATE-{kind}-{author}-{uuid.uuid4().hex[:10]}"
        self.markers[text] = readers | {author}
        self.authors[text] = author
        return text


def _ok(response: httpx.Response, *codes: int) -> dict[str, Any]:
    assert response.status_code in (codes or (200, 201)), f"{response.request.url}: {response.text}"
    return response.json() if response.content else {}


@asynccontextmanager
async def seeded_world(app: FastAPI, session: Session) -> AsyncIterator[World]:
    """Build the world (people in the database, private items through the API) and sign everyone in."""
    program = make_program(session, name="Program A")
    program.settings = {"health": {"pulse_enabled": True}, "review_interval_weeks": 4}
    coordinator = coordinator_user(session, program, "Clara Coordinator")
    pair = make_pair(
        session,
        program=program,
        started_days_ago=12 * 7 + 1,
        duration_months=24,
        coordinator_headers=make_token(session, coordinator),
    )
    other = participant(session, program, Role.MENTEE, "Otto Othermentee")
    program_b = make_program(session, name="Program B")
    outsider = participant(session, program_b, Role.MENTEE, "Olga Outsider")
    admin = make_user(session, name="Ada Admin", is_admin=True)
    users = {
        OUTSIDER: outsider.user,
        MENTEE: pair.mentee.user,
        MENTOR: pair.mentor.user,
        OTHER: other.user,
        COORD: coordinator,
        ADMIN: admin,
    }
    session.flush()
    async with AsyncExitStack() as stack:
        personas: dict[str, Persona] = {}
        for name in PERSONAS:
            client = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://testserver"
                )
            )
            user = users.get(name)
            if user is None:
                await client.get("/login")
                personas[name] = Persona(name, None, client, {}, str(client.cookies.get("ml_csrf")))
                continue
            csrf = await login(client, session, user)
            personas[name] = Persona(name, user, client, make_token(session, user), csrf)
        world = World(
            ids={
                "program_id": program.id,
                "program_b": program_b.id,
                "mentorship_id": pair.mentorship.id,
                "mentor_membership": pair.mentor.id,
                "mentee_membership": pair.mentee.id,
                "other_membership": other.id,
                "coordinator_user": coordinator.id,
                "other_user": other.user.id,
            },
            personas=personas,
        )
        await _seed_items(world, session, pair.base)
        yield world


async def _seed_items(w: World, session: Session, base: str) -> None:
    """Every kind of private and pair-shared item, written by each side through the API."""
    p = w.personas
    me, mo, co = p[MENTEE], p[MENTOR], p[COORD]
    prog = f"/api/v1/programs/{w.ids['program_id']}"

    async def api(who: Persona, method: str, path: str, body: Any = None, *codes: int) -> dict[str, Any]:
        url = path if path.startswith("/") else f"{base}/{path}"
        return _ok(await who.client.request(method, url, headers=who.api, json=body), *codes)

    # The agreement (its expectations are the pair's words) and a goal, confirmed by both.
    goal = await api(me, "POST", "goals", {"title": w.marker("goal", MENTEE, PAIR)})
    w.ids["key"] = goal["key"]
    lock = (await api(mo, "GET", "agreement"))["lock_version"]
    await api(
        mo,
        "PATCH",
        "agreement",
        {"lock_version": lock, "cadence": "weekly", "expectations": w.marker("agreement", MENTOR, PAIR)},
    )
    for who in (mo, me):
        lock = (await api(who, "GET", "agreement"))["lock_version"]
        await api(who, "POST", "agreement/confirm", {"lock_version": lock})
    await api(
        me, "POST", f"goals/{w.ids['key']}/progress", {"progress": 30, "note": w.marker("progress", MENTEE, PAIR)}
    )

    # Meetings: a series with an upcoming meeting (agenda, action item), and a held meeting.
    series = {"weekday": 1, "local_time": "18:00", "timezone": "Europe/Berlin", "starts_on": "2027-03-01"}
    series["until"] = "2027-04-30"
    await api(mo, "POST", "meetings/series", series)
    upcoming = await api(mo, "GET", "meetings")
    w.ids["meeting_id"] = upcoming[0]["id"] if isinstance(upcoming, list) else upcoming["items"][0]["id"]
    m = f"meetings/{w.ids['meeting_id']}"
    agenda = await api(mo, "POST", f"{m}/agenda", {"text": w.marker("agenda", MENTOR, PAIR)})
    w.ids["agenda_item"] = agenda["agenda"][0]["id"]
    action = await api(me, "POST", f"{m}/action-items", {"title": w.marker("action", MENTEE, PAIR), "owner": "mentee"})
    w.ids["action_item"] = action["id"]
    start = (utcnow() - timedelta(days=2)).replace(microsecond=0, tzinfo=None)
    held = await api(mo, "POST", "meetings", {"starts_at": start.isoformat(timespec="minutes"), "timezone": "UTC"})
    w.ids["held_id"] = held["id"]
    h = f"meetings/{held['id']}"
    await api(me, "POST", f"{h}/outcome", {"outcome": "held"})
    notes = await api(mo, "GET", h)
    await api(
        mo, "PUT", f"{h}/notes", {"notes": w.marker("notes", MENTOR, PAIR), "notes_version": notes["notes_version"]}
    )
    for who, side in ((me, MENTEE), (mo, MENTOR)):
        await api(who, "PUT", f"{h}/private-note", {"text": w.marker("privatenote", side, frozenset())})
    await api(
        me,
        "PUT",
        f"{h}/feedback",
        {"usefulness": 4, "went_well": w.marker("feedback", MENTEE, frozenset()), "visibility": "private"},
    )
    await api(
        mo,
        "PUT",
        f"{h}/feedback",
        {"usefulness": 2, "to_change": w.marker("feedback-coord", MENTOR, frozenset()), "visibility": "coordinators"},
    )

    # Reflections: one private, one for the partner, by each side.
    for who, side in ((me, MENTEE), (mo, MENTOR)):
        private = await api(who, "POST", "reflections", {"challenge": w.marker("reflection", side, frozenset())})
        await api(
            who,
            "POST",
            "reflections",
            {"challenge": w.marker("reflection-shared", side, PAIR), "visibility": "partner"},
        )
        w.ids[f"reflection_{side}"] = private["id"]
    w.ids["reflection_id"] = w.ids[f"reflection_{MENTEE}"]

    # Reviews: the mentee keeps theirs private, the mentor shares theirs.
    scores = dict.fromkeys(STATEMENTS, 4)
    review = await api(
        me, "POST", "reviews", {"scores": scores, "change_suggestion": w.marker("review", MENTEE, frozenset())}
    )
    w.ids["review_period"] = review["period"]
    await api(
        mo,
        "POST",
        "reviews",
        {"scores": scores, "change_suggestion": w.marker("review-shared", MENTOR, PAIR), "shared_with_partner": True},
    )

    # Messages, a private kudos, a resource, a milestone, the pulse's "stuck" line (for the mentor only).
    for who, side in ((me, MENTEE), (mo, MENTOR)):
        sent = await api(who, "POST", "messages", {"body": w.marker("message", side, PAIR)})
        w.ids[f"message_{side}"] = sent["id"]
    w.ids["message_id"] = w.ids[f"message_{MENTEE}"]
    kudos = await api(mo, "POST", "kudos", {"text": w.marker("kudos", MENTOR, PAIR)})
    w.ids["kudos_id"] = kudos["id"]
    resource = await api(
        me, "POST", "resources", {"url": "https://example.org/r", "title": w.marker("resource", MENTEE, PAIR)}
    )
    w.ids["pair_resource"] = resource["id"]
    milestone = await api(mo, "POST", "milestones", {"title": "First talk"})
    w.ids["milestone_id"] = milestone["id"]
    await api(me, "POST", "pulse", {"score": 2, "stuck": True, "text": w.marker("pulse", MENTEE, frozenset({MENTOR}))})

    # A pause with a reason (the pair's words, kept in the history), then resumed.
    await api(me, "POST", "pause", {"reason": w.marker("pause", MENTEE, PAIR)})
    await api(mo, "POST", "resume", {"reason": ""})

    # Coordination's own: a note on the pair's health; the mentee's line manager (self and coordination).
    await api(
        co,
        "POST",
        f"{prog}/health/pairs/{w.ids['mentorship_id']}/notes",
        {"text": w.marker("healthnote", COORD, COORDINATION)},
    )
    profile = session.get(Profile, w.ids["mentee_membership"])
    assert profile is not None
    profile.line_manager_email = f"{w.marker('linemanager', MENTEE, COORDINATION).lower()}@example.org"
    # The same marker in lower case is what will be shown; keep the registry in step.
    original = next(k for k in w.markers if k.startswith("PRIVATE-linemanager"))
    w.markers[original.lower()] = w.markers.pop(original)
    w.authors[original.lower()] = w.authors.pop(original)
    session.flush()

    # Program-level objects for the path parameters.
    library = await api(co, "POST", f"{prog}/library", {"url": "https://example.org/l", "title": "Library link"})
    w.ids["library_resource"] = library["id"]
    event = await api(
        co,
        "POST",
        f"{prog}/events",
        {
            "title": "Meetup",
            "starts_at": "2027-05-01T18:00",
            "ends_at": "2027-05-01T20:00",
            "timezone": "Europe/Berlin",
            "audience": "program",
        },
    )
    w.ids["event_id"] = event["id"]
    request = await api(
        p[OTHER], "POST", f"{prog}/matching/requests", {"mentor_id": w.ids["mentor_membership"], "message": "Hello"}
    )
    w.ids["request_id"] = request["id"]
    run = await api(co, "POST", f"{prog}/matching/runs", {}, 200, 201, 202)
    w.ids["run_id"] = run["id"]
    proposals = await api(co, "GET", f"{prog}/matching/runs/{run['id']}/proposals")
    items = proposals if isinstance(proposals, list) else proposals.get("items", [])
    w.ids["proposal_id"] = items[0]["id"] if items else 0
    feed = await api(me, "POST", "/api/v1/account/calendar-feed", None, 200, 201)
    w.ids["feed_url"] = str(feed.get("url", ""))
    w.ids["feed_token"] = w.ids["feed_url"].rsplit("/", 1)[-1].removesuffix(".ics")
    _ids_of_rows(w, session)


def _ids_of_rows(w: World, session: Session) -> None:
    """Ids the API does not hand out: the mentee's token and notification, a failed mail, an import job."""
    mentee = w.personas[MENTEE].user
    assert mentee is not None
    w.ids["token_id"] = session.scalars(select(ApiToken.id).where(ApiToken.user_id == mentee.id)).first() or 0
    w.ids["notification_id"] = (
        session.scalars(select(Notification.id).where(Notification.user_id == mentee.id)).first() or 0
    )
    assert w.ids["notification_id"], "the partner's message should have notified the mentee"
    mail = session.scalars(select(OutboxMail).where(OutboxMail.program_id == w.ids["program_id"])).first()
    assert mail is not None, "the seed should have mailed someone in program A"
    mail.state = MailState.FAILED
    job = ImportJob(program_id=w.ids["program_id"], requested_by_id=w.ids["coordinator_user"], filename="p.csv")
    session.add(job)
    session.flush()
    w.ids |= {
        "mail_id": mail.id,
        "job_id": job.id,
        "version": 1,
        "state_action": "pause",
        "page_token": "no-such-token",
    }
