"""Erasure: the person is anonymised and locked out, their own words are gone, the partner's and the
coordination's words stay, and every program figure (people per role, pairs per state, meetings held, ratings)
is the same before and after."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import ERASED_DOMAIN, ApiToken, User, UserSession
from mentorloom.audit.models import AuditEvent
from mentorloom.db import Base
from mentorloom.errors import Conflict
from mentorloom.meetings.models import Meeting, MeetingFeedback, MeetingStatus
from mentorloom.mentorships.models import Mentorship, ReviewAnswer
from mentorloom.notifications.models import MailState, OutboxMail
from mentorloom.privacy.erasure import erase_person
from mentorloom.programs.models import Membership, Program
from tests.factories import make_token, make_user, set_password
from tests.matching.test_views import login
from tests.privacy.helpers import build_world

pytestmark = pytest.mark.anyio


def every_text(session: Session) -> str:
    """Every string, JSON and binary column of every row of every table, joined: a marker is in the database or
    not (a stored upload or any other bytes are read as UTF-8; JSON as its Python text, non-ASCII as it is)."""
    session.flush()
    found: list[str] = []
    for table in Base.metadata.sorted_tables:
        # In key order: PostgreSQL returns rows in their on-disk order, which a no-op UPDATE (the erasure's row
        # lock) changes, so an unordered read could differ in order alone.
        for row in session.execute(select(table).order_by(*table.primary_key.columns)):
            found.extend(str(value) for value in row if isinstance(value, str | dict | list))
            found.extend(bytes(value).decode("utf-8", "replace") for value in row if isinstance(value, bytes))
    return "\n".join(found)


def figures(session: Session, program: Program) -> dict[str, Any]:
    """What a program counts: people per role, pairs per state, meetings held, ratings."""
    pid = program.id
    return {
        "roles": sorted(
            session.execute(
                select(Membership.role, func.count()).where(Membership.program_id == pid).group_by(Membership.role)
            )
        ),
        "states": sorted(
            session.execute(
                select(Mentorship.status, func.count()).where(Mentorship.program_id == pid).group_by(Mentorship.status)
            )
        ),
        "held": session.scalar(
            select(func.count()).where(Meeting.program_id == pid, Meeting.status == MeetingStatus.HELD)
        ),
        "usefulness": sorted(
            session.scalars(select(MeetingFeedback.usefulness).where(MeetingFeedback.program_id == pid))
        ),
        "review_scores": sorted(session.scalars(select(ReviewAnswer.score))),
    }


def test_erasure_removes_the_persons_words_and_keeps_everyone_elses(db_session: Session) -> None:
    world = build_world(db_session)
    admin = make_user(db_session, is_admin=True)
    before = figures(db_session, world.pair.program)
    mentee = world.mentee
    old_email = mentee.email
    db_session.add(
        OutboxMail(key="privacy-test-mail", to_address=old_email, locale="en", template="t", context={"x": 1})
    )
    erase_person(db_session, mentee, by=admin)
    text = every_text(db_session)
    for marker in world.of("mentee"):
        assert marker not in text, marker
    for marker in world.of("mentor") + world.of("coordinator") + world.of("pair"):
        assert marker in text, marker
    assert figures(db_session, world.pair.program) == before
    assert old_email not in text and "Mentee Moritz" not in text
    assert mentee.is_active is False and mentee.erased_at is not None and mentee.email.endswith("@erased.invalid")
    mail = db_session.scalars(select(OutboxMail).where(OutboxMail.key == "privacy-test-mail")).one()
    assert mail.state is MailState.CANCELLED and mail.context == {}
    assert db_session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == mentee.id)) == 0
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "person_erased")).one()
    assert (event.actor_user_id, event.target_id) == (admin.id, mentee.id)


def test_erasing_twice_changes_nothing_the_second_time(db_session: Session) -> None:
    world = build_world(db_session)
    admin = make_user(db_session, is_admin=True)
    first = erase_person(db_session, world.mentor, by=admin)
    text = every_text(db_session)
    second = erase_person(db_session, world.mentor, by=admin)
    assert not first.already and second.already and second.erased_at == first.erased_at
    assert every_text(db_session) == text


def test_the_last_active_admin_cannot_be_erased(db_session: Session) -> None:
    for other in db_session.scalars(select(User).where(User.is_admin)):
        other.is_admin = False  # the test database may hold admins of other tests' savepoints: none here
    admin = make_user(db_session, is_admin=True)
    second = make_user(db_session, is_admin=True)
    erase_person(db_session, second, by=admin)  # another active admin remains: allowed
    with pytest.raises(Conflict):
        erase_person(db_session, admin, by=None)
    with pytest.raises(Conflict):
        erase_person(db_session, admin, by=admin)
    assert admin.erased_at is None and admin.is_active


async def test_an_erased_person_cannot_log_in_nor_use_old_sessions_or_tokens(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    world = build_world(db_session)
    person = world.mentee
    headers = make_token(db_session, person)
    email = person.email
    await login(client, db_session, person)
    password = set_password(db_session, person)
    assert (await client.get("/account")).status_code == 200
    erase_person(db_session, person, by=make_user(db_session, is_admin=True))
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    page = await client.get("/account")
    assert page.status_code == 303 and "/login" in page.headers["location"]
    assert db_session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == person.id)) == 0
    await client.get("/login")
    token = str(client.cookies.get("ml_csrf"))
    for address in (email, person.email):
        response = await client.post("/login", data={"email": address, "password": password, "csrf_token": token})
        assert response.status_code == 401


async def test_the_api_erases_for_admins_only(client: httpx.AsyncClient, db_session: Session) -> None:
    world = build_world(db_session)
    url = f"/api/v1/admin/people/{world.mentee.id}/erase"
    for outsider in (world.pair.mentor_h, world.pair.coord_h):
        assert (await client.post(url, headers=outsider)).status_code == 403
    assert (await client.post(url)).status_code == 401
    admin_h = make_token(db_session, make_user(db_session, is_admin=True))
    response = await client.post(url, headers=admin_h)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user_id"] == world.mentee.id and body["already_erased"] is False
    again = await client.post(url, headers=admin_h)
    assert again.status_code == 200 and again.json()["already_erased"] is True
    assert (await client.post("/api/v1/admin/people/2147483647/erase", headers=admin_h)).status_code == 404


async def test_the_page_asks_for_the_address_before_erasing(client: httpx.AsyncClient, db_session: Session) -> None:
    world = build_world(db_session)
    admin = make_user(db_session, is_admin=True, name="Ada Admin")
    token = await login(client, db_session, admin)
    people = await client.get("/admin/people", params={"q": world.mentee.display_name})
    assert people.status_code == 200 and f"/admin/people/{world.mentee.id}/erase" in people.text
    local, _at, domain = world.mentee.email.rpartition("@")
    assert f"{local}<wbr>@{domain}" in people.text  # a long address breaks before its "@" on a phone
    url = f"/admin/people/{world.mentee.id}/erase"
    form = await client.get(url)
    assert form.status_code == 200 and world.mentee.email in form.text
    # the admin learns before confirming that a pair not ended is touched, and what its people are told
    assert 'data-open-pairs="1"' in form.text and "1 mentorship of this person has not ended yet." in form.text
    admins_form = await client.get(f"/admin/people/{admin.id}/erase")
    assert admins_form.status_code == 200 and "data-open-pairs" not in admins_form.text
    wrong = await client.post(url, data={"csrf_token": token, "email": "someone@else.org"})
    assert wrong.status_code == 422 and world.mentee.erased_at is None
    done = await client.post(url, data={"csrf_token": token, "email": world.mentee.email.upper()})
    assert done.status_code == 303
    db_session.refresh(world.mentee)
    assert world.mentee.erased_at is not None
    # the list shows no placeholder address for the erased person: a dash, and the badge says why
    listed = (await client.get("/admin/people")).text
    assert world.mentee.email.endswith(f"@{ERASED_DOMAIN}") and ERASED_DOMAIN not in listed
    assert listed.count("data-no-address>—</td>") == 1 and "Erased on" in listed


async def test_people_pages_are_for_admins_only(client: httpx.AsyncClient, db_session: Session) -> None:
    world = build_world(db_session)
    await login(client, db_session, world.mentor)
    assert (await client.get("/admin/people")).status_code == 403
    assert (await client.get(f"/admin/people/{world.mentee.id}/erase")).status_code == 403
    token = str(client.cookies.get("ml_csrf"))
    refused = await client.post(
        f"/admin/people/{world.mentee.id}/erase", data={"csrf_token": token, "email": world.mentee.email}
    )
    assert refused.status_code == 403
    db_session.refresh(world.mentee)
    assert world.mentee.erased_at is None


def test_the_partners_notifications_and_mails_name_the_label_instead(db_session: Session) -> None:
    from mentorloom.notifications.models import Notification

    world = build_world(db_session)
    mentee, program_id = world.mentee, world.pair.program.id
    name, address = 'Jürgen "Jo" Müller 100%', mentee.email
    mentee.display_name = name
    context = {"partner_name": name, "nested": [{"who": name}], "other": "Jürgen", "count": 3}
    db_session.add(
        Notification(user_id=world.mentor.id, program_id=program_id, kind="message", key="privacy-n1", context=context)
    )
    db_session.add(
        OutboxMail(
            key="privacy-m1",
            program_id=program_id,
            to_address=world.mentor.email,
            locale="de",
            template="t",
            context={"partner_name": name, "reply_to": address},
        )
    )
    db_session.flush()
    erase_person(db_session, mentee, by=None)
    db_session.expire_all()
    note = db_session.scalars(select(Notification).where(Notification.key == "privacy-n1")).one()
    label = mentee.display_name
    assert note.context == {"partner_name": label, "nested": [{"who": label}], "other": "Jürgen", "count": 3}
    mail = db_session.scalars(select(OutboxMail).where(OutboxMail.key == "privacy-m1")).one()
    assert mail.context == {"partner_name": label, "reply_to": mentee.email}
    assert mail.to_address == world.mentor.email and name not in every_text(db_session)


def test_nothing_is_notified_or_mailed_to_an_erased_person_afterwards(db_session: Session) -> None:
    """A reminder, an event invitation or a digest made after the erasure finds nobody to tell: no entry, no mail."""
    from mentorloom.notifications.models import Notification
    from mentorloom.notifications.service import notify, queue_mail

    world = build_world(db_session)
    mentee, mentor = world.mentee, world.mentor
    erase_person(db_session, mentee, by=None)
    program_id = world.pair.program.id
    assert notify(db_session, user=mentee, kind="health_nudge", key="after-erasure", program_id=program_id) is None
    assert queue_mail(db_session, key="after-erasure-mail", to=mentee.email, locale="de", template="t") is None
    told = notify(db_session, user=mentor, kind="health_nudge", key="after-erasure-partner", program_id=program_id)
    assert told is not None  # the partner is still told: the guard is about the erased person only
    keys = {"after-erasure", "after-erasure-mail", "after-erasure-partner"}
    entries = db_session.scalars(select(Notification.user_id).where(Notification.key.in_(keys))).all()
    mails = db_session.scalars(select(OutboxMail.to_address).where(OutboxMail.key.in_(keys))).all()
    assert entries == [mentor.id]
    assert mentee.email not in mails


def test_sent_mails_keep_neither_the_name_in_their_subject_nor_the_address_in_their_error(db_session: Session) -> None:
    """A mail already sent to the partner stores its rendered subject ("How did your meeting with Jo go?"), and
    a mail that failed to reach the person stores the server's answer, which names the address: both go."""
    world = build_world(db_session)
    mentee, program_id = world.mentee, world.pair.program.id
    mentee.display_name, address = "Jolanda Quist-Erasable", mentee.email
    db_session.add(
        OutboxMail(
            key="privacy-sent-subject",
            program_id=program_id,
            to_address=world.mentor.email,
            locale="en",
            template="meeting_followup",
            context={"partner_name": mentee.display_name},
            subject=f"How did your meeting with {mentee.display_name} go?",
            state=MailState.SENT,
        )
    )
    db_session.add(
        OutboxMail(
            key="privacy-failed-error",
            program_id=program_id,
            to_address=address,
            locale="en",
            template="meeting_followup",
            state=MailState.FAILED,
            last_error=f"SMTPRecipientsRefused: {{'{address}': (550, b'5.1.1 <{address}>: no such user')}}",
        )
    )
    db_session.flush()
    erase_person(db_session, mentee, by=None)
    db_session.expire_all()
    sent = db_session.scalars(select(OutboxMail).where(OutboxMail.key == "privacy-sent-subject")).one()
    assert sent.subject == f"How did your meeting with {mentee.display_name} go?"
    failed = db_session.scalars(select(OutboxMail).where(OutboxMail.key == "privacy-failed-error")).one()
    assert address not in failed.last_error and failed.state is MailState.FAILED
    text = every_text(db_session)
    assert "Jolanda Quist-Erasable" not in text and address not in text


def test_a_calendar_file_sent_to_the_partner_loses_the_name_even_across_a_line_fold(db_session: Session) -> None:
    """An invitation's .ics (kept in the mail's data) names both people; its lines fold at 75 octets, so a long
    name is split in two there and an exact-value rename missed it."""
    import icalendar

    world = build_world(db_session)
    mentee = world.mentee
    mentee.display_name = "Maximiliane Wilhelmine Jacqueline-Theodora von Hohenzollern-Sigmaringen"
    name, address = mentee.display_name, mentee.email
    calendar = icalendar.Calendar()
    event = icalendar.Event()
    event.add("summary", f"Mentoring: {name} and {world.mentor.display_name}")
    event.add("description", f"A long description that pushes the attendee line further along: {name}")
    event.add("organizer", f"mailto:{address}", parameters={"CN": name})
    calendar.add_component(event)
    ics = calendar.to_ical().decode()
    assert ics.replace("\r\n ", "").count(name) > ics.count(name)  # the test means something only if one is split
    db_session.add(
        OutboxMail(
            key="privacy-ics",
            program_id=world.pair.program.id,
            to_address=world.mentor.email,
            locale="en",
            template="meeting_invitation",
            context={"_ics": ics, "line": f"You meet {name} tomorrow."},
        )
    )
    db_session.flush()
    erase_person(db_session, mentee, by=None)
    db_session.expire_all()
    mail = db_session.scalars(select(OutboxMail).where(OutboxMail.key == "privacy-ics")).one()
    stored = mail.context["_ics"]
    unfolded = stored.replace("\r\n ", "")
    assert name not in unfolded and address not in unfolded and mentee.display_name in unfolded
    assert mail.context["line"] == f"You meet {mentee.display_name} tomorrow."
    parsed = icalendar.Calendar.from_ical(stored)  # still a calendar a client reads
    assert mentee.display_name in str(parsed.walk("VEVENT")[0]["summary"])
    assert name not in every_text(db_session)
