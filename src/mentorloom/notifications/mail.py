"""Sending mail through one small interface; the outbox writer is the default transport."""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.i18n import use_locale
from mentorloom.notifications.models import SentMail
from mentorloom.templating import mail_environment, render_mail

if TYPE_CHECKING:
    from mentorloom.config import Settings


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class OutboxMailer:
    """Writes each mail as an .eml file, so a fresh install needs no SMTP server."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{formatdate(usegmt=True)[5:16].replace(' ', '-')}-{uuid.uuid4().hex[:12]}.eml"
        path.write_bytes(bytes(message))


class SmtpMailer:
    def __init__(
        self, host: str, port: int, *, username: str | None = None, password: str | None = None, starttls: bool = False
    ) -> None:
        self.host, self.port = host, port
        self.username, self.password, self.starttls = username, password, starttls

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def build_message(*, to: str, subject: str, body: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain="mentorloom.local")
    message.set_content(body)
    return message


def send_once(session: Session, mailer: Mailer, dedupe_key: str, message: EmailMessage) -> bool:
    """Send unless a mail with this key went out already; True when sent now.

    The log row is written first and flushed (unique key): a concurrent duplicate job fails there
    instead of mailing twice. The job edge commits after the send.
    """
    if session.scalar(select(SentMail.id).where(SentMail.dedupe_key == dedupe_key)) is not None:
        return False
    session.add(SentMail(dedupe_key=dedupe_key, recipient=str(message["To"]), subject=str(message["Subject"])))
    session.flush()
    mailer.send(message)
    return True


def send_templated(
    session: Session, settings: Settings, *, key: str, to: str, locale: str, template: str, **context: object
) -> bool:
    """Render ``mail/<template>.txt`` in the recipient's language and send it once under ``key``."""
    with use_locale(locale):
        subject, body = render_mail(mail_environment(), template, **context)
    message = build_message(to=to, subject=subject, body=body, sender=settings.mail_from)
    return send_once(session, build_mailer(settings), key, message)


def build_mailer(settings: Settings) -> Mailer:
    """SMTP when MENTORLOOM_SMTP_HOST is set, otherwise .eml files in the outbox directory."""
    if settings.smtp_host:
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )
    return OutboxMailer(settings.mail_outbox)
