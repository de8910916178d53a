"""The audit log page, its CSV export and API: administrators only, filters that hold, exports recorded."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.audit.context import origin
from mentorloom.audit.models import AuditAction, AuditEvent
from mentorloom.audit.queries import AuditFilter, filtered
from mentorloom.audit.service import record
from mentorloom.programs.models import Role
from mentorloom.programs.service import add_member
from tests.audit.helpers import one
from tests.factories import make_program, make_token, make_user
from tests.matching.test_views import login

pytestmark = pytest.mark.anyio


def _world(session: Session) -> dict[str, object]:
    program = make_program(session, name="Audit Alpha")
    other = make_program(session, name="Audit Beta")
    alice = make_user(session, name="Alice Auditee", email="alice.auditee@example.org")
    bob = make_user(session, name="Bob Bystander", email="bob.bystander@example.org")
    with origin("198.51.100.7"):
        record(session, AuditAction.SIGN_IN, actor=alice, target_type="user", target_id=alice.id)
        record(session, AuditAction.SIGN_IN_FAILED, actor=None, target_type="user", target_id=bob.id)
        record(
            session,
            AuditAction.MATCHING_PUBLISHED,
            actor=alice,
            target_type="match_run",
            target_id=1,
            program_id=program.id,
        )
        record(
            session,
            AuditAction.PROGRAM_CREATED,
            actor=bob,
            target_type="program",
            target_id=other.id,
            program_id=other.id,
        )
    return {"program": program, "other": other, "alice": alice, "bob": bob}


@pytest.mark.parametrize("who", ["anonymous", "mentee", "coordinator"])
async def test_only_administrators_see_the_log(client: httpx.AsyncClient, db_session: Session, who: str) -> None:
    world = _world(db_session)
    headers: dict[str, str] = {}
    if who != "anonymous":
        user = make_user(db_session)
        add_member(db_session, world["program"], user, Role.MENTEE if who == "mentee" else Role.COORDINATOR)  # type: ignore[arg-type]
        await login(client, db_session, user)
        headers = make_token(db_session, user)
    page = await client.get("/admin/audit")
    exported = await client.get("/admin/audit.csv")
    api = await client.get("/api/v1/admin/audit", headers=headers)
    if who == "anonymous":
        assert page.status_code == exported.status_code == 303 and api.status_code == 401
    else:
        assert page.status_code == exported.status_code == api.status_code == 403
        assert "Alice Auditee" not in page.text and "/admin/audit" not in (await client.get("/")).text
    db_session.expire_all()
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "audit_exported")) is None


async def test_the_page_lists_and_filters(client: httpx.AsyncClient, db_session: Session) -> None:
    world = _world(db_session)
    admin = make_user(db_session, is_admin=True, name="Ada Admin")
    await login(client, db_session, admin)
    home = await client.get("/")
    assert 'href="/admin/audit"' in home.text
    page = await client.get("/admin/audit")
    assert page.status_code == 200
    assert "Matching published" in page.text and "Alice Auditee" in page.text and "198.51.100.7" in page.text
    only = await client.get("/admin/audit", params={"action": "matching_published"})
    assert only.text.count("data-event=") == 1 and 'data-action="matching_published"' in only.text
    by_program = await client.get("/admin/audit", params={"program": str(world["other"].id)})  # type: ignore[attr-defined]
    assert by_program.text.count("data-event=") == 1 and "Program created" in by_program.text
    # the person search finds the actor and the person an event is about (Bob's failed sign-in has no actor)
    bob = await client.get("/admin/audit", params={"person": "bystander"})
    assert {"sign_in_failed", "program_created"} == set(_actions(bob.text))
    future = (date.today() + timedelta(days=3)).isoformat()
    empty = await client.get("/admin/audit", params={"date_from": future})
    assert "data-empty" in empty.text and "No entries match these filters" in empty.text
    bad = await client.get("/admin/audit", params={"date_from": "someday", "action": "nonsense"})
    assert bad.status_code == 422 and "Correct the marked filter to see entries" in bad.text
    assert "data-event=" not in bad.text  # not the whole log under a filter the reader believes applied


def _actions(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-action="')[1:]]


async def test_the_csv_export_follows_the_filters_and_is_recorded(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    world = _world(db_session)
    admin = make_user(db_session, is_admin=True)
    await login(client, db_session, admin)
    answer = await client.get("/admin/audit.csv", params={"person": "alice.auditee@"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert {r["action"] for r in rows} == {"sign_in", "matching_published"}
    published = next(r for r in rows if r["action"] == "matching_published")
    assert published["actor_name"] == "Alice Auditee" and published["program_name"] == "Audit Alpha"
    assert published["origin"] == "198.51.100.7" and published["at_utc"].endswith("+00:00")
    exported = one(db_session, AuditAction.AUDIT_EXPORTED, actor_user_id=admin.id)
    assert exported.detail["person_ids"] == [world["alice"].id] and exported.origin == "127.0.0.1"  # type: ignore[attr-defined]
    assert "alice.auditee" not in str(exported.detail)  # the log outlives an erasure: ids only, never the search


async def test_an_exported_search_for_a_person_does_not_outlive_their_erasure(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    """The export records the people its search found by id: after the erasure neither the typed address nor the
    typed name is anywhere in the (append-only) log."""
    from mentorloom.privacy.erasure import erase_person
    from tests.privacy.test_erasure import every_text

    world = _world(db_session)
    admin = make_user(db_session, is_admin=True)
    await login(client, db_session, admin)
    for search in ("alice.auditee@example.org", "Alice Auditee"):
        assert (await client.get("/admin/audit.csv", params={"person": search})).status_code == 200
    assert (await client.get("/admin/audit.csv", params={"person": "nobody-at-all"})).status_code == 200
    db_session.expire_all()
    erase_person(db_session, world["alice"], by=admin)  # type: ignore[arg-type]
    text = every_text(db_session)
    assert "alice.auditee" not in text and "Alice Auditee" not in text
    exports = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.AUDIT_EXPORTED).order_by(AuditEvent.id)
    ).all()
    assert [e.detail["person_ids"] for e in exports] == [[world["alice"].id], [world["alice"].id], []]  # type: ignore[attr-defined]


@pytest.mark.parametrize("params", [{"program": "2147483648"}, {"date_from": "9999-99-99"}, {"action": "nonsense"}])
async def test_a_csv_export_with_an_unreadable_filter_is_refused_and_not_recorded(
    client: httpx.AsyncClient, db_session: Session, params: dict[str, str]
) -> None:
    admin = make_user(db_session, is_admin=True)
    await login(client, db_session, admin)
    answer = await client.get("/admin/audit.csv", params=params)
    assert answer.status_code == 422 and not answer.headers["content-type"].startswith("text/csv")
    exported = db_session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.AUDIT_EXPORTED)).all()
    assert exported == []


async def test_the_api_pages_and_filters(client: httpx.AsyncClient, db_session: Session) -> None:
    world = _world(db_session)
    headers = make_token(db_session, make_user(db_session, is_admin=True))
    first = await client.get("/api/v1/admin/audit", headers=headers, params={"per_page": 2})
    assert first.status_code == 200
    body = first.json()
    assert body["per_page"] == 2 and len(body["items"]) == 2 and body["total"] >= 5
    assert body["items"][0]["at"] >= body["items"][1]["at"]
    by_program = await client.get(
        "/api/v1/admin/audit",
        headers=headers,
        params={"program_id": world["program"].id},  # type: ignore[attr-defined]
    )
    assert [i["action"] for i in by_program.json()["items"]] == ["matching_published"]
    assert by_program.json()["items"][0]["origin"] == "198.51.100.7"
    today = datetime.now(UTC).date().isoformat()
    todays = await client.get("/api/v1/admin/audit", headers=headers, params={"date_from": today, "date_to": today})
    assert todays.json()["total"] == body["total"]
    wrong = await client.get("/api/v1/admin/audit", headers=headers, params={"action": "nonsense"})
    assert wrong.status_code == 422
    far = await client.get("/api/v1/admin/audit", headers=headers, params={"date_to": "9999-12-31"})
    assert far.status_code == 200


ACTIONS = [AuditAction.SIGN_IN, AuditAction.SIGN_IN_FAILED, AuditAction.ROLE_CHANGED, AuditAction.DATA_EXPORTED]
NAMES = ["Hanna Hoch", "Ivo Ilic", "Jana Jung"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    spec=st.lists(
        st.tuples(
            st.sampled_from(ACTIONS),
            st.sampled_from([None, 0, 1, 2]),
            st.sampled_from([None, 0, 1]),
            st.integers(0, 10),
        ),
        min_size=1,
        max_size=12,
    ),
    action=st.sampled_from([None, *ACTIONS]),
    person=st.sampled_from(["", "hanna", "IVO", "jung@", "%", "_"]),
    program=st.sampled_from([None, 0, 1]),
    window=st.tuples(st.integers(0, 10), st.integers(0, 10)),
)
def test_filtering_returns_exactly_the_matching_events(
    db_session: Session,
    spec: list[tuple[AuditAction, int | None, int | None, int]],
    action: AuditAction | None,
    person: str,
    program: int | None,
    window: tuple[int, int],
) -> None:
    nested = db_session.begin_nested()
    try:
        people = [
            make_user(db_session, name=n, email=f"{n.split()[0].lower()}.{n.split()[1].lower()}@example.org")
            for n in NAMES
        ]
        programs = [make_program(db_session), make_program(db_session)]
        base = datetime(2030, 1, 1, tzinfo=UTC)
        # the filter is under test, not record(): write each event with its own time
        made = [
            AuditEvent(
                at=base + timedelta(days=day, hours=12),
                actor_user_id=people[who].id if who is not None else None,
                action=act.value,
                program_id=programs[prog].id if prog is not None else None,
                origin="test",
                detail={},
            )
            for act, who, prog, day in spec
        ]
        db_session.add_all(made)
        db_session.flush()
        since, until = base + timedelta(days=min(window)), base + timedelta(days=max(window))
        f = AuditFilter(
            action=action,
            person=person,
            program_id=programs[program].id if program is not None else None,
            since=since,
            until=until,
        )
        found = {e.id for e in db_session.scalars(filtered(f)) if e.id in {m.id for m in made}}

        def matches(event: AuditEvent, who: int | None) -> bool:
            user = people[who] if who is not None else None
            needle = person.lower()
            return (
                (action is None or event.action == action.value)
                and (f.program_id is None or event.program_id == f.program_id)
                and since <= event.at < until
                and (not needle or (user is not None and (needle in user.email or needle in user.display_name.lower())))
            )

        assert found == {e.id for e, (_a, who, _p, _d) in zip(made, spec, strict=True) if matches(e, who)}
    finally:
        nested.rollback()
