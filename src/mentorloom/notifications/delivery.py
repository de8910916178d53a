"""Delivering the outbox: claim a mail with a lease, send it outside any transaction, record the outcome.

- sent: done.  Refused (5xx): failed at once.
- not handed over (server down, 4xx): back off and try again for about twelve hours, then failed.
- unknown (no answer after DATA, or the worker died holding the lease): try once more after the lease with the
  same Message-ID, so the receiving side can drop a duplicate; a second unknown outcome is failed.
Failed mails are listed for the program's coordinators.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.jobs.context import JobContext
from mentorloom.jobs.service import LOST_WAKE_GRACE, SWEEP_BATCH, rowcount, wake_after_commit
from mentorloom.notifications.mail import (
    MailError,
    PermanentMailError,
    UncertainDelivery,
    build_mailer,
    new_message_id,
)
from mentorloom.notifications.models import MailState, OutboxMail
from mentorloom.notifications.service import DELIVER_TASK, MailObsolete, compose

log = logging.getLogger(__name__)

# Seconds to wait after the n-th failed attempt; about 12 hours in all before a mail counts as failed.
RETRY_SCHEDULE = (30, 60, 120, 300, 600, 1200, 1800) + (3600,) * 11


def mail_lease(settings: Settings) -> timedelta:
    """Long enough for a connect and a DATA answer, each bounded by the SMTP timeout."""
    return timedelta(seconds=max(settings.job_lease_seconds, 2 * settings.smtp_timeout + 5))


def deliver(ctx: JobContext, mail_id: int) -> str:
    """Try to deliver one mail now, if it is due and no other worker holds it; returns the outcome."""
    with ctx.database.session() as session:  # committed before we talk to the server: a crash leaves a trace
        if not claim(session, mail_id, mail_lease(ctx.settings), ctx.clock(), ctx.settings.mail_from):
            return "skipped"
    with ctx.database.session() as session:
        mail = session.get(OutboxMail, mail_id)
        assert mail is not None
        try:
            message = compose(session, ctx.settings, mail)
        except MailObsolete:
            mail.state, mail.lease_until = MailState.CANCELLED, None
            return "cancelled"
    try:
        build_mailer(ctx.settings).send(message)
    except MailError as exc:
        return _record_error(ctx, mail_id, exc)
    with ctx.database.session() as session:
        _mark_sent(session, mail_id, ctx.clock())
    return "sent"


def claim(session: Session, mail_id: int, lease: timedelta, now: datetime, sender: str) -> bool:
    """Take a due mail for this worker with a lease; False when another worker has it or it is not due."""
    taken = session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.state == MailState.PENDING, OutboxMail.next_attempt_at <= now)
        .values(state=MailState.SENDING, lease_until=now + lease, attempts=OutboxMail.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(taken) != 1:
        return False
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.message_id.is_(None))
        .values(message_id=new_message_id(sender))
        .execution_options(synchronize_session=False)
    )
    return True


def _record_error(ctx: JobContext, mail_id: int, exc: MailError) -> str:
    log.warning("mail %s: %s", mail_id, exc)
    now = ctx.clock()
    with ctx.database.session() as session:
        mail = session.get(OutboxMail, mail_id, with_for_update=True)
        if mail is None or mail.state is not MailState.SENDING:
            return "skipped"
        mail.last_error = f"{type(exc).__name__}: {exc}"[:4000]
        if isinstance(exc, PermanentMailError):
            _set(mail, MailState.FAILED, now)
        elif isinstance(exc, UncertainDelivery):
            _unknown_outcome(mail, now + mail_lease(ctx.settings), now)
        else:
            _retry_later(mail, now)
        outcome = mail.state.value
    return outcome


def _retry_later(mail: OutboxMail, now: datetime) -> None:
    if mail.attempts > len(RETRY_SCHEDULE):
        _set(mail, MailState.FAILED, now)
        return
    _set(mail, MailState.PENDING, now)
    mail.next_attempt_at = now + timedelta(seconds=RETRY_SCHEDULE[mail.attempts - 1])


def _unknown_outcome(mail: OutboxMail, retry_at: datetime, now: datetime) -> None:
    """Nobody knows whether the server took the mail: once more after the lease, never a third time."""
    if mail.unknown_outcomes >= 1:
        mail.last_error = "Delivery unknown twice (the server never answered); not sent again. " + mail.last_error
        _set(mail, MailState.FAILED, now)
        return
    mail.unknown_outcomes += 1
    _set(mail, MailState.PENDING, now)
    mail.next_attempt_at = retry_at


def _set(mail: OutboxMail, state: MailState, now: datetime) -> None:
    mail.state, mail.lease_until, mail.updated_at = state, None, now


def _mark_sent(session: Session, mail_id: int, now: datetime) -> None:
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.state == MailState.SENDING)
        .values(state=MailState.SENT, lease_until=None, sent_at=now, updated_at=now, last_error="")
        .execution_options(synchronize_session=False)
    )


def sweep_outbox(session: Session, now: datetime) -> int:
    """Mails whose worker died mid-send get their one unknown-outcome retry; lost wake-ups are woken again."""
    stale = session.scalars(
        select(OutboxMail)
        .where(OutboxMail.state == MailState.SENDING, OutboxMail.lease_until < now)
        .limit(SWEEP_BATCH)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    for mail in stale:
        mail.last_error = "The worker stopped while sending; the server may have the mail."
        _unknown_outcome(mail, now, now)
    due = session.scalars(
        select(OutboxMail.id)
        .where(
            OutboxMail.state == MailState.PENDING,
            OutboxMail.next_attempt_at <= now,
            OutboxMail.updated_at <= now - LOST_WAKE_GRACE,
        )
        .limit(SWEEP_BATCH)
    ).all()
    woken = [m.id for m in stale if m.state is MailState.PENDING] + list(due)
    for mail_id in woken:
        wake_after_commit(session, DELIVER_TASK, mail_id=mail_id)
    session.flush()
    return len(woken)
