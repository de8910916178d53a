"""The mail outbox against a real SMTP server (aiosmtpd): nothing lost while it is down, never sent four times."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.jobs import JobContext
from mentorloom.notifications.delivery import RETRY_SCHEDULE, claim, deliver, mail_lease, sweep_outbox
from mentorloom.notifications.models import MailState, OutboxMail
from mentorloom.notifications.service import mail_problems, queue_mail
from mentorloom.programs.models import Role
from mentorloom.programs.service import invite
from tests.clock import Clock
from tests.conftest import SharedConnectionDatabase
from tests.factories import make_membership, make_program, set_password
from tests.matching.test_views import login
from tests.notifications.test_mail import Collector, free_port


class SlowCollector(Collector):
    """Takes the message, then answers only after the client has given up."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        await asyncio.sleep(self.delay)
        return "250 OK"


class EnvelopeCollector(Collector):
    """Also keeps each envelope's recipients and MAIL FROM options."""

    def __init__(self) -> None:
        super().__init__()
        self.envelopes: list[tuple[list[str], list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((list(envelope.rcpt_tos), list(envelope.mail_options)))
        return await super().handle_DATA(server, session, envelope)


class RefusingCollector(Collector):
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return "550 5.1.1 No such user"


class Server:
    """A real SMTP server on a fixed port, started and stopped at will (an outage)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self, handler: Collector, *, smtputf8: bool = True) -> Collector:
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=smtputf8)
        self.controller.start()
        return handler

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture()
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.stop()


@pytest.fixture()
def clock() -> Clock:
    # A little ahead of the wall clock, so mails the test queues (stamped with real time) are due at once.
    return Clock(utcnow() + timedelta(seconds=10))


def _ctx(db_session: Session, settings: Settings, server: Server, clock: Clock) -> JobContext:
    settings = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": server.port, "smtp_timeout": 0.5, "job_lease_seconds": 5}
    )
    return JobContext(settings, SharedConnectionDatabase(db_session), clock=clock)  # type: ignore[arg-type]


def _queue(db_session: Session, key: str = "k1", to: str = "jürgen@example.org", **context: Any) -> OutboxMail:
    mail = queue_mail(
        db_session,
        key=key,
        to=to,
        locale="de",
        template="request_sent",
        **{"name": "Jürgen", "program_name": "Programm", "partner_name": "Ana", "message_text": "Hallo", **context},
    )
    assert mail is not None
    db_session.flush()
    return mail


def _state(db_session: Session, mail_id: int) -> OutboxMail:
    mail = db_session.get(OutboxMail, mail_id, populate_existing=True)
    assert mail is not None
    return mail


def test_the_same_key_is_queued_once_and_a_rolled_back_event_queues_nothing(db_session: Session) -> None:
    _queue(db_session, "once")
    assert queue_mail(db_session, key="once", to="x@example.org", locale="en", template="request_sent") is None
    savepoint = db_session.begin_nested()
    _queue(db_session, "rolled-back")
    savepoint.rollback()
    keys = db_session.scalars(select(OutboxMail.key)).all()
    assert keys == ["once"]


def test_invitations_survive_an_smtp_outage_and_go_out_once_each(
    db_session: Session, settings: Settings, server: Server, clock: Clock
) -> None:
    ctx = _ctx(db_session, settings, server, clock)
    program = make_program(db_session)
    for n in range(5):
        invite(db_session, program, email=f"p{n}@example.org", name=f"P{n}", role=Role.MENTEE)
    ids = db_session.scalars(select(OutboxMail.id).order_by(OutboxMail.id)).all()
    assert len(ids) == 5  # recorded with the invitation itself, before anything is sent
    # 75 seconds of outage: two attempts each, both back off, nothing is lost or given up.
    assert [deliver(ctx, i) for i in ids] == ["pending"] * 5
    assert [deliver(ctx, i) for i in ids] == ["skipped"] * 5  # the back-off is not over
    clock.advance(timedelta(seconds=RETRY_SCHEDULE[0] + 1))
    assert [deliver(ctx, i) for i in ids] == ["pending"] * 5
    clock.advance(timedelta(seconds=RETRY_SCHEDULE[1] + 1))
    collector = server.start(Collector())
    assert [deliver(ctx, i) for i in ids] == ["sent"] * 5
    assert [deliver(ctx, i) for i in ids] == ["skipped"] * 5
    assert len(collector.messages) == 5
    assert {_state(db_session, i).attempts for i in ids} == {3}


def test_a_timeout_is_unknown_retried_once_after_the_lease_with_the_same_message_id(
    db_session: Session, settings: Settings, server: Server, clock: Clock
) -> None:
    ctx = _ctx(db_session, settings, server, clock)
    collector = server.start(SlowCollector(delay=1.5))
    mail = _queue(db_session, program_id=make_program(db_session).id)
    assert deliver(ctx, mail.id) == "pending"
    assert _state(db_session, mail.id).unknown_outcomes == 1
    clock.advance(mail_lease(ctx.settings) - timedelta(seconds=1))
    assert deliver(ctx, mail.id) == "skipped"  # not before the lease is over
    clock.advance(timedelta(seconds=2))
    assert deliver(ctx, mail.id) == "failed"  # a second unknown outcome: never a third copy
    clock.advance(timedelta(hours=1))
    assert deliver(ctx, mail.id) == "skipped"
    ids = {message_from_bytes(m)["Message-ID"] for m in collector.messages}
    assert len(collector.messages) == 2 and len(ids) == 1
    db_session.expire_all()
    count, problems = mail_problems(db_session, mail.program_id or 0)
    assert count == 1 and problems[0].id == mail.id and "unknown" in problems[0].last_error


def test_a_refused_recipient_fails_at_once_and_is_shown_to_the_coordinator(
    db_session: Session, settings: Settings, server: Server, clock: Clock
) -> None:
    ctx = _ctx(db_session, settings, server, clock)
    server.start(RefusingCollector())
    program = make_program(db_session)
    mail = _queue(db_session, program_id=program.id)
    assert deliver(ctx, mail.id) == "failed"
    assert "550" in _state(db_session, mail.id).last_error
    assert mail_problems(db_session, program.id)[0] == 1


def test_an_umlaut_address_goes_out_with_smtputf8_and_an_idn_domain_in_ascii(
    db_session: Session, settings: Settings, server: Server, clock: Clock
) -> None:
    ctx = _ctx(db_session, settings, server, clock)
    collector = server.start(EnvelopeCollector(), smtputf8=True)
    umlaut = _queue(db_session, "jörg", to="jörg@bücher.example")
    idn = _queue(db_session, "anna", to="anna@bücher.example")
    assert [deliver(ctx, umlaut.id), deliver(ctx, idn.id)] == ["sent", "sent"]
    (umlaut_rcpt, umlaut_options), (idn_rcpt, idn_options) = collector.envelopes
    assert umlaut_rcpt == ["jörg@xn--bcher-kva.example"] and "SMTPUTF8" in umlaut_options
    assert idn_rcpt == ["anna@xn--bcher-kva.example"] and "SMTPUTF8" not in idn_options  # ASCII needs nothing
    to_lines = [line for m in collector.messages for line in m.splitlines() if line.startswith(b"To:")]
    assert to_lines == ["To: jörg@xn--bcher-kva.example".encode(), b"To: anna@xn--bcher-kva.example"]
    assert b"=?utf-8?" not in collector.messages[0].split(b"\r\n\r\n")[0].lower()


def test_an_umlaut_address_fails_clearly_when_the_server_has_no_smtputf8(
    db_session: Session, settings: Settings, server: Server, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = _ctx(db_session, settings, server, clock)
    collector = server.start(EnvelopeCollector(), smtputf8=False)
    program = make_program(db_session)
    umlaut = _queue(db_session, "jörg", to="jörg@example.org", program_id=program.id)
    idn = _queue(db_session, "anna", to="anna@bücher.example", program_id=program.id)
    assert deliver(ctx, umlaut.id) == "failed"  # at once: the same server gives the same answer tomorrow
    assert deliver(ctx, idn.id) == "sent"  # an IDN domain in ASCII form needs no SMTPUTF8
    assert [rcpt for rcpt, _options in collector.envelopes] == [["anna@xn--bcher-kva.example"]]
    error = _state(db_session, umlaut.id).last_error
    assert "SMTPUTF8" in error and "jörg@example.org" in error and "non-ASCII" in error
    assert any("SMTPUTF8" in record.getMessage() for record in caplog.records)
    db_session.expire_all()
    count, problems = mail_problems(db_session, program.id)
    assert count == 1 and problems[0].id == umlaut.id


def test_retries_stop_after_about_twelve_hours(
    db_session: Session, settings: Settings, server: Server, clock: Clock
) -> None:
    ctx = _ctx(db_session, settings, server, clock)
    mail = _queue(db_session)
    outcomes = []
    for wait in (*RETRY_SCHEDULE, 0):
        outcomes.append(deliver(ctx, mail.id))
        clock.advance(timedelta(seconds=wait + 1))
    assert outcomes == ["pending"] * len(RETRY_SCHEDULE) + ["failed"]
    assert 11 * 3600 < sum(RETRY_SCHEDULE) < 14 * 3600


def test_a_worker_that_dies_mid_send_leaves_a_lease_the_sweeper_turns_into_one_retry(
    db_session: Session, settings: Settings, server: Server, clock: Clock
) -> None:
    ctx = _ctx(db_session, settings, server, clock)
    mail = _queue(db_session)
    lease = mail_lease(ctx.settings)
    assert claim(db_session, mail.id, lease, clock(), ctx.settings.mail_from)  # ... and the worker is killed
    message_id = _state(db_session, mail.id).message_id
    assert sweep_outbox(db_session, clock()) == 0  # the lease still runs
    clock.advance(lease + timedelta(seconds=1))
    assert sweep_outbox(db_session, clock()) == 1
    collector = server.start(Collector())
    assert deliver(ctx, mail.id) == "sent"
    assert message_from_bytes(collector.messages[0])["Message-ID"] == message_id
    # Dying twice while sending means nobody knows: failed, not a third copy.
    other = _queue(db_session, "k2")
    for _ in range(2):
        assert claim(db_session, other.id, lease, clock(), ctx.settings.mail_from)
        clock.advance(lease + timedelta(seconds=1))
        sweep_outbox(db_session, clock())
    assert _state(db_session, other.id).state is MailState.FAILED


def test_an_invitation_accepted_before_it_went_out_is_cancelled(
    db_session: Session, settings: Settings, server: Server, clock: Clock
) -> None:
    ctx = _ctx(db_session, settings, server, clock)
    collector = server.start(Collector())
    membership = invite(db_session, make_program(db_session), email="fast@example.org", name="F", role=Role.MENTOR)
    set_password(db_session, membership.user)
    (mail_id,) = db_session.scalars(select(OutboxMail.id)).all()
    assert deliver(ctx, mail_id) == "cancelled"
    assert collector.messages == []
    assert db_session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.state == "sent")) == 0


@pytest.mark.anyio
async def test_coordinators_see_undelivered_mail_and_send_it_again(db_session: Session, client: Any) -> None:
    """The program page lists failed mails to its coordinators (nobody else), and "Send again" re-queues one."""
    program = make_program(db_session)
    other = make_program(db_session, name="Other")
    mail = _queue(db_session, program_id=program.id)
    mail.state, mail.last_error, mail.subject = MailState.FAILED, "550 No such user", "Einladung"
    foreign = _queue(db_session, "foreign", program_id=other.id)
    foreign.state = MailState.FAILED
    db_session.flush()
    coordinator = make_membership(db_session, program=program, role=Role.COORDINATOR).user
    mentee = make_membership(db_session, program=program, role=Role.MENTEE).user
    await login(client, db_session, mentee)
    assert "could not be delivered" not in (await client.get(f"/programs/{program.id}")).text
    token = await login(client, db_session, coordinator)
    page = (await client.get(f"/programs/{program.id}")).text
    assert "1 e-mail could not be delivered" in page and "550 No such user" in page
    url = f"/programs/{program.id}/mails/{foreign.id}/retry"
    assert (await client.post(url, data={"csrf_token": token})).status_code == 404
    response = await client.post(f"/programs/{program.id}/mails/{mail.id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    assert _state(db_session, mail.id).state in (MailState.PENDING, MailState.SENT)
    assert "could not be delivered" not in (await client.get(f"/programs/{program.id}")).text
