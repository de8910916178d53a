"""Mail transports behind one small interface; the outbox directory writer is the default.

SMTP failures are sorted by what they tell us about the mail: refused for good, not sent yet (try again
later), or unknown (the connection broke after the message was handed over: it may have arrived).
"""

from __future__ import annotations

import smtplib
import uuid
from email import policy
from email.message import EmailMessage
from email.policy import Policy
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mentorloom.config import Settings


class MailError(Exception):
    """A mail was not (or perhaps not) delivered."""


class TemporaryMailError(MailError):
    """Not handed over (server down, busy, 4xx): safe to try again."""


class PermanentMailError(MailError):
    """Refused with a 5xx answer: trying again gives the same answer."""


class UncertainDelivery(MailError):
    """The message was handed over but no answer came: it may or may not have been accepted."""


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
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password, self.starttls = username, password, starttls

    def send(self, message: EmailMessage) -> None:
        smtp = self._connect()
        try:
            self._envelope(smtp, message)
            self._data(smtp, message)
        finally:
            _close(smtp)

    def _connect(self) -> smtplib.SMTP:
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.ehlo_or_helo_if_needed()
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryMailError(f"SMTP {self.host}:{self.port}: {exc}") from exc
        return smtp

    def _envelope(self, smtp: smtplib.SMTP, message: EmailMessage) -> None:
        sender, recipients = _addresses(message)
        options = ["SMTPUTF8", "BODY=8BITMIME"] if not (sender + "".join(recipients)).isascii() else []
        try:
            _check(*smtp.mail(sender, options))
            for recipient in recipients:
                _check(*smtp.rcpt(recipient))
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise TemporaryMailError(f"SMTP envelope: {exc}") from exc

    def _data(self, smtp: smtplib.SMTP, message: EmailMessage) -> None:
        try:
            smtp.data(message.as_bytes(policy=_wire_policy(message)))
        except smtplib.SMTPDataError as exc:
            _check(exc.smtp_code, exc.smtp_error)
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise UncertainDelivery(f"no answer after the message was sent: {exc}") from exc


def _wire_policy(message: EmailMessage) -> Policy:
    """RFC 2047 headers for plain addresses; raw UTF-8 only where the addresses need SMTPUTF8 anyway."""
    sender, recipients = _addresses(message)
    return policy.SMTP if (sender + "".join(recipients)).isascii() else policy.SMTPUTF8


def _addresses(message: EmailMessage) -> tuple[str, list[str]]:
    sender = getaddresses([str(message["From"])])[0][1]
    recipients = [address for _name, address in getaddresses([str(message["To"])])]
    return sender, recipients


def _check(code: int, reply: bytes | str) -> None:
    if 200 <= code < 300:
        return
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    if code >= 500:
        raise PermanentMailError(f"{code} {text}")
    raise TemporaryMailError(f"{code} {text}")


def _close(smtp: smtplib.SMTP) -> None:
    # QUIT after the answer to DATA: whatever happens now, the mail's fate is already known.
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def build_message(*, to: str, subject: str, body: str, sender: str, message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id or new_message_id(sender)
    message.set_content(body)
    return message


def new_message_id(sender: str) -> str:
    domain = getaddresses([sender])[0][1].rpartition("@")[2] or "mentorloom.local"
    return make_msgid(domain=domain)


def build_mailer(settings: Settings) -> Mailer:
    """SMTP when MENTORLOOM_SMTP_HOST is set, otherwise .eml files in the outbox directory."""
    if settings.smtp_host:
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout,
        )
    return OutboxMailer(settings.mail_outbox)
