"""The one way a domain sends mail: queue it in the event's own transaction; a worker delivers it.

A domain never calls a mailer. It calls `queue_mail` with plain data; the row commits or rolls back with the
event, and the delivery job renders the mail in the recipient's language when it is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.errors import NotFound
from mentorloom.i18n import gettext as _
from mentorloom.i18n import use_locale
from mentorloom.jobs.service import wake_after_commit
from mentorloom.notifications.mail import build_message
from mentorloom.notifications.models import MailState, OutboxMail
from mentorloom.templating import mail_environment, render_mail

if TYPE_CHECKING:
    from email.message import EmailMessage

    from mentorloom.config import Settings

DELIVER_TASK = "notifications.deliver"
# Per template, a function that completes the context when the mail is sent (signed links, a last check);
# it raises MailObsolete when the mail is no longer wanted. Domains register theirs with `mail_context`.
ContextHook = Callable[[Session, "Settings", dict[str, Any]], dict[str, Any]]
_CONTEXT_HOOKS: dict[str, ContextHook] = {}


class MailObsolete(Exception):
    """The mail is no longer needed (e.g. the invitation was accepted before it went out)."""


def mail_context(template: str) -> Callable[[ContextHook], ContextHook]:
    def register(fn: ContextHook) -> ContextHook:
        _CONTEXT_HOOKS[template] = fn
        return fn

    return register


def queue_mail(
    session: Session,
    *,
    key: str,
    to: str,
    locale: str,
    template: str,
    program_id: int | None = None,
    **context: Any,
) -> OutboxMail | None:
    """Put a mail in the outbox, once per key; it is delivered after the caller commits.

    Returns None when a mail with this key exists already (a repeated request or job).
    """
    if session.scalar(select(OutboxMail.id).where(OutboxMail.key == key)) is not None:
        return None
    if program_id is not None:
        context["program_id"] = program_id  # mail links point into the program
    mail = OutboxMail(key=key, to_address=to, locale=locale, template=template, program_id=program_id, context=context)
    try:
        with session.begin_nested():  # a concurrent twin with the same key loses here, not the whole request
            session.add(mail)
    except IntegrityError:
        return None
    wake_after_commit(session, DELIVER_TASK, mail_id=mail.id)
    return mail


def compose(session: Session, settings: Settings, mail: OutboxMail) -> EmailMessage:
    """Render the mail in its recipient's language; raises MailObsolete when it should not go out."""
    context = {**mail.context, "base_url": settings.base_url}
    hook = _CONTEXT_HOOKS.get(mail.template)
    with use_locale(mail.locale or settings.default_locale):
        if hook is not None:
            context = hook(session, settings, context)
        subject, body = render_mail(mail_environment(), mail.template, **context)
    mail.subject = subject[:255]
    return build_message(
        to=mail.to_address, subject=subject, body=body, sender=settings.mail_from, message_id=mail.message_id
    )


def mail_problems(session: Session, program_id: int, *, limit: int = 20) -> tuple[int, list[OutboxMail]]:
    """Mails of a program that could not be delivered (for the coordinator): how many, and the latest ones."""
    failed = (OutboxMail.program_id == program_id) & (OutboxMail.state == MailState.FAILED)
    count = session.scalar(select(func.count()).select_from(OutboxMail).where(failed)) or 0
    latest = session.scalars(select(OutboxMail).where(failed).order_by(OutboxMail.updated_at.desc()).limit(limit))
    return count, list(latest)


def failed_mail_for(session: Session, program_id: int, mail_id: int) -> OutboxMail:
    """A failed mail of this program; another program's mail (or a sent one) is not found."""
    mail = session.get(OutboxMail, mail_id)
    if mail is None or mail.program_id != program_id or mail.state is not MailState.FAILED:
        raise NotFound(_("E-mail not found."))
    return mail


def retry_mail(session: Session, mail: OutboxMail) -> None:
    """Give a failed mail a fresh round of attempts (the coordinator fixed the address or the server)."""
    if mail.state is not MailState.FAILED:
        return
    mail.state, mail.attempts, mail.unknown_outcomes = MailState.PENDING, 0, 0
    mail.next_attempt_at = mail.updated_at = utcnow()
    session.flush()
    wake_after_commit(session, DELIVER_TASK, mail_id=mail.id)
