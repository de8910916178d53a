"""Mail transports behind one small interface; the outbox directory writer is the default.

SMTP failures are sorted by what they tell us about the mail: refused for good, not sent yet (try again
later), or unknown (the connection broke after the message was handed over: it may have arrived).

Addresses: a domain with umlauts (IDN) goes out in its ASCII form (xn--…), so it needs nothing from the
server. A local part with umlauts (jörg@…) can only travel with SMTPUTF8 (RFC 6531): such a mail is sent
with raw UTF-8 headers when the server offers it and fails for good, with the reason, when it does not —
an RFC 2047 encoded word in an address (=?utf-8?…?=@example.org) is delivered by no one.
"""

from __future__ import annotations

import re
import smtplib
import uuid
from collections.abc import Mapping
from email import policy
from email.headerregistry import Address
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
        needs_utf8 = not (sender + "".join(recipients)).isascii()
        if needs_utf8 and not smtp.has_extn("smtputf8"):
            # Retrying cannot help: the same server gives the same answer, so say why at once.
            unreadable = ", ".join(a for a in (sender, *recipients) if not a.isascii())
            raise PermanentMailError(
                f"The mail server {self.host} does not accept addresses with non-ASCII characters "
                f"(no SMTPUTF8 support), so this mail to {unreadable} cannot be delivered. "
                "Ask the recipient for an address without umlauts or use a server that supports SMTPUTF8."
            )
        options = ["SMTPUTF8", "BODY=8BITMIME"] if needs_utf8 else []
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


def build_message(
    *,
    to: str,
    subject: str,
    body: str,
    sender: str,
    message_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    calendar: str | None = None,
) -> EmailMessage:
    """The mail; `headers` are added as they are (List-Unsubscribe), `calendar` is attached as invite.ics."""
    to, sender = ascii_domain(to), ascii_domain(sender)
    # An address with a non-ASCII local part must stay raw UTF-8 in the headers (SMTPUTF8), also in the
    # outbox .eml files; every other mail keeps the default RFC 2047 encoding of its headers.
    utf8 = not (_address(to) + _address(sender)).isascii()
    message = EmailMessage(policy=policy.SMTPUTF8 if utf8 else policy.default)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id or new_message_id(sender)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if calendar is not None:
        # Calendar programs read the METHOD parameter to tell an invitation (REQUEST) from a cancellation.
        message.add_attachment(
            calendar,
            subtype="calendar",
            charset="utf-8",
            filename="invite.ics",
            params={"method": calendar_method(calendar)},
        )
    return message


def calendar_method(ics: str) -> str:
    """The iTIP method of a calendar text (REQUEST, CANCEL, ...); REQUEST when it names none."""
    found = re.search(r"^METHOD:([A-Za-z-]+)\s*$", ics, re.MULTILINE)
    return found.group(1).upper() if found else "REQUEST"


def ascii_domain(mailbox: str) -> str:
    """The mailbox ("Name <local@domain>" or a bare address) with its domain in ASCII (IDNA) form."""
    name, address = getaddresses([mailbox])[0]
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return mailbox
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return mailbox  # not a valid IDN: the server will refuse it with a reason
    return str(Address(name, local, domain)) if name else f"{local}@{domain}"


def _address(mailbox: str) -> str:
    return getaddresses([mailbox])[0][1]


def new_message_id(sender: str) -> str:
    domain = _address(ascii_domain(sender)).rpartition("@")[2] or "mentorloom.local"
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
