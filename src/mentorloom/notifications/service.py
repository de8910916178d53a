"""The one way a domain tells people about an event: `notify` in the event's own transaction.

`notify` writes the in-app entry and, as the person wants that kind mailed, queues the mail at once, leaves it
for the daily digest, or mails nothing. A domain never calls a mailer: the outbox row (`queue_mail`, kept for
mails to people who have no say in it yet) commits or rolls back with the event, and the delivery job renders
the mail in the recipient's language and time zone when it is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentorloom.accounts.models import ERASED_DOMAIN, relabelled
from mentorloom.dates import use_timezone
from mentorloom.db import utcnow
from mentorloom.errors import NotFound
from mentorloom.i18n import gettext as _
from mentorloom.i18n import use_locale
from mentorloom.jobs.service import wake_after_commit
from mentorloom.notifications.kinds import get_kind
from mentorloom.notifications.mail import build_message
from mentorloom.notifications.models import DeliveryMode, MailState, Notification, OutboxMail
from mentorloom.notifications.preferences import mode_for
from mentorloom.notifications.unsubscribe import unsubscribe_url
from mentorloom.templating import mail_environment, render_mail

if TYPE_CHECKING:
    from email.message import EmailMessage

    from mentorloom.accounts.models import User
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

    Returns None when a mail with this key exists already (a repeated request or job), or when `to` is an erased
    person's address: a reminder or invitation made after the erasure would otherwise wait for a server that
    does not exist.
    """
    if to.endswith(f"@{ERASED_DOMAIN}"):
        return None
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


def notify(
    session: Session,
    *,
    user: User,
    kind: str,
    key: str,
    program_id: int | None = None,
    link: str = "",
    attachments_ics: str | None = None,
    locale: str | None = None,
    **context: Any,
) -> Notification | None:
    """Tell `user` about an event of `kind`, once per key: the in-app entry, and the mail as they want it.

    `context` is plain data for the entry's title and the mail; `link` is the path the entry opens;
    `attachments_ics` is a calendar text sent as invite.ics; `locale` overrides the person's own language
    (e.g. the program's, for someone who never chose one). Returns None when this key was notified already, or
    when `user` was erased: nobody can read it any more.
    """
    spec = get_kind(kind)
    if user.erased_at is not None:
        return None
    if session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
        return None
    mode = mode_for(session, user.id, spec)
    now = utcnow()
    # Only a daily entry waits for the digest; the others are done with as far as the digest is concerned.
    entry = Notification(
        user_id=user.id,
        program_id=program_id,
        kind=kind,
        key=key,
        context=context,
        link=link,
        created_at=now,
        digested_at=None if mode is DeliveryMode.DAILY else now,
    )
    try:
        with session.begin_nested():  # a concurrent twin with the same key loses here, not the whole request
            session.add(entry)
    except IntegrityError:
        return None
    if mode is DeliveryMode.IMMEDIATELY:
        mail_context: dict[str, Any] = {"name": user.display_name, "path": link, **context, "_user_id": user.id}
        if not spec.security:
            mail_context["_unsubscribe"] = [kind]
        if attachments_ics is not None:
            mail_context["_ics"] = attachments_ics
        # The outbox key is the notification's own: a mail queued under it before `notify` existed is not resent.
        queue_mail(
            session,
            key=key,
            to=user.email,
            locale=locale or user.locale or "",
            template=spec.template,
            program_id=program_id,
            **mail_context,
        )
    return entry


def compose(session: Session, settings: Settings, mail: OutboxMail) -> EmailMessage:
    """Render the mail in its recipient's language and zone; raises MailObsolete when it should not go out."""
    context = {**mail.context, "base_url": settings.base_url}
    hook = _CONTEXT_HOOKS.get(mail.template)
    with use_locale(mail.locale or settings.default_locale), use_timezone(_zone_of(session, context)):
        context = {key: relabelled(value) for key, value in context.items()}  # an erased name in the mail's language
        if hook is not None:
            context = hook(session, settings, context)
        subject, body = render_mail(mail_environment(), mail.template, **context)
    mail.subject = subject[:255]
    return build_message(
        to=mail.to_address,
        subject=subject,
        body=body,
        sender=settings.mail_from,
        message_id=mail.message_id,
        headers=_list_headers(settings, context),
        calendar=context.get("_ics"),
    )


def _zone_of(session: Session, context: dict[str, Any]) -> str:
    from mentorloom.profiles.service import person_timezone  # profiles mails through here: import when used

    user_id = context.get("_user_id")
    return person_timezone(session, user_id) if isinstance(user_id, int) else "UTC"


def _list_headers(settings: Settings, context: dict[str, Any]) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe for every mail a person chose to get (never for security mails)."""
    kinds, user_id = context.get("_unsubscribe"), context.get("_user_id")
    if not kinds or not isinstance(user_id, int):
        return {}
    url = unsubscribe_url(settings.base_url, settings.signing_key, user_id, list(kinds))
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


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
