"""Issue 14.1: every route of the app, called as every persona, answers what tests/security/matrix.py says,
changes nothing for those it refuses, and no private text reaches anyone but the people allowed to read it.

Each call runs inside a savepoint rolled back afterwards, so calls do not affect each other. Every 2xx
response body (HTML, JSON, CSV, ICS, and the files inside ZIP exports) is searched for the world's private
markers; every marker must also be found somewhere by its author, so a broken seed cannot pass silently.
"""

from __future__ import annotations

import io
import re
import time
import warnings
import zipfile
from collections import defaultdict
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from tests.security.bodies import api_body
from tests.security.matrix import MATRIX, UNCHECKED_DENIAL
from tests.security.routes import Call, app_routes, fill, is_api, outcome, send
from tests.security.world import MENTEE, PERSONAS, World, seeded_world

pytestmark = pytest.mark.anyio

# Writes a refused request may make: its login session's "last seen", the audit log, the per-pair row lock.
HARMLESS_WRITES = re.compile(
    r"^(INSERT INTO audit_events|UPDATE user_sessions|UPDATE api_tokens SET last_used|UPDATE mentorships SET cycle=)"
)


def test_every_route_has_an_entry(settings: Settings) -> None:
    """A new route fails here until its row in MATRIX says who may call it; a removed one leaves a stale row."""
    from mentorloom.app import create_app

    routes = app_routes(create_app(settings))
    missing = sorted(routes - MATRIX.keys(), key=lambda r: (r[1], r[0]))
    stale = sorted(MATRIX.keys() - routes, key=lambda r: (r[1], r[0]))
    assert not missing and not stale, f"routes without an entry: {missing}\nentries without a route: {stale}"


def _texts(response: httpx.Response) -> str:
    """The searchable text of a response; a ZIP export is opened and all its files are read."""
    if response.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return response.text


class Writes:
    """The write statements run on the test's connection while recording (requests and jobs share it)."""

    def __init__(self) -> None:
        self.recording = False
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.recording and statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            flat = " ".join(statement.split())
            if not HARMLESS_WRITES.match(flat):
                self.statements.append(flat[:160])


async def _call_every_route(
    app: FastAPI, db_session: Session, world: World, routes: list[tuple[str, str]]
) -> tuple[list[str], dict[str, list[str]]]:
    """Call each route as each persona in a rolled-back savepoint: (problems, response texts per reader)."""
    connection = db_session.connection()
    writes = Writes()
    event.listen(connection, "before_cursor_execute", writes)
    problems: list[str] = []
    seen: dict[str, list[str]] = defaultdict(list)
    try:
        for method, path in routes:
            expected = MATRIX[(method, path)]
            body = api_body(method, path, world.ids) if is_api(path) else None
            url = fill(path, world)
            for name in PERSONAS:
                savepoint = connection.begin_nested()
                writes.recording, writes.statements = True, []
                try:
                    response = await send(world.personas[name], Call(method, path, body), url)
                finally:
                    writes.recording = False
                    _roll_back(connection, savepoint)
                got = outcome(response)
                where = f"{method} {path} as {name}: {response.status_code}"
                if got == "5xx":
                    problems.append(f"{where} (server error) {response.text[:200]}")
                elif (method, path) in UNCHECKED_DENIAL:
                    if 200 <= response.status_code < 300 and method not in ("GET", "HEAD"):
                        problems.append(f"{where}: an empty form succeeded")
                elif got != expected[name]:
                    problems.append(f"{where}, expected {expected[name]}")
                if expected[name] != "ok" and writes.statements:
                    problems.append(f"{where}: refused but wrote {writes.statements}")
                if method == "GET" and 200 <= response.status_code < 300:
                    # the calendar feed is the mentee's, whoever holds its secret address
                    reader = MENTEE if path.startswith("/ical/") else name
                    seen[reader].append(f"{method} {url}\n{_texts(response)}")
    finally:
        event.remove(connection, "before_cursor_execute", writes)
    return problems, seen


def _roll_back(connection: Any, savepoint: Any) -> None:
    # A request whose session was left open (it should not be) would sit above our savepoint: end it first.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while connection._nested_transaction is not None and connection._nested_transaction is not savepoint:
            connection._nested_transaction.rollback()
        savepoint.rollback()


def _leaks(world: World, seen: dict[str, list[str]]) -> list[str]:
    """Markers found by someone not allowed to read them, and markers their author never found."""
    found: list[str] = []
    for marker, readers in world.markers.items():
        for persona, texts in seen.items():
            if persona in readers:
                continue
            found += [f"{marker} reached {persona} in {t.splitlines()[0]}" for t in texts if marker in t]
        if not any(marker in t for t in seen.get(world.authors[marker], [])):
            found.append(f"{marker} was never shown to its author {world.authors[marker]}: the check cannot fail")
    return found


def _outbox(outbox: Path) -> list[tuple[str, str, str]]:
    """(recipient, subject, every text part and attachment) of each mail in the outbox."""
    out = []
    for path in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        parts = [p.get_payload(decode=True) or b"" for p in message.walk() if not p.is_multipart()]
        out.append(
            (str(message["To"]), str(message["Subject"]), "\n".join(b.decode("utf-8", "replace") for b in parts))
        )
    return out


def _mail_leaks(world: World, settings: Settings) -> tuple[list[str], int]:
    """Mails of the outbox carrying a marker to someone not allowed to read it."""
    persona_of = {p.user.email: p.name for p in world.personas.values() if p.user is not None}
    mails = _outbox(settings.mail_outbox)
    found = []
    for to, subject, body in mails:
        reader = persona_of.get(to)
        for marker, readers in world.markers.items():
            if marker in subject + body and reader not in readers:
                found.append(f"mail to {to} ({reader}) '{subject}' carries {marker}")
    return found, len(mails)


@pytest.mark.slow
async def test_permission_matrix_and_no_private_text_leaks(
    app: FastAPI, db_session: Session, settings: Settings
) -> None:
    app.state.settings.api_rate_limit = "100000/minute"  # thousands of calls from a few tokens
    routes = sorted(MATRIX, key=lambda r: (r[1], r[0]))
    started = time.monotonic()
    async with seeded_world(app, db_session) as world:
        db_session.commit()
        problems, seen = await _call_every_route(app, db_session, world, routes)
        leaks = _leaks(world, seen)
        mail_leaks, mail_count = _mail_leaks(world, settings)
    calls = len(routes) * len(PERSONAS)
    print(f"{len(routes)} routes × {len(PERSONAS)} personas = {calls} calls in {time.monotonic() - started:.1f} s")
    assert mail_count > 0, "the seed should have mailed someone (messages, invitations)"
    assert not problems, f"{len(problems)} wrong answers:\n" + "\n".join(problems)
    assert not leaks + mail_leaks, "private text leaked:\n" + "\n".join(leaks + mail_leaks)


def test_the_leak_check_can_fail() -> None:
    """A marker shown to the partner is reported, and so is one its author never saw (a broken seed)."""
    world = World(ids={}, personas={})
    note = world.marker("privatenote", MENTEE, frozenset())
    assert _leaks(world, {MENTEE: [f"GET /mine\n{note}"]}) == []
    leaked = _leaks(world, {MENTEE: [f"GET /mine\n{note}"], "mentor": [f"GET /theirs\n…{note}…"]})
    assert leaked == [f"{note} reached mentor in GET /theirs"]
    assert "never shown to its author" in _leaks(world, {})[0]
