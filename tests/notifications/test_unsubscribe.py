"""Every non-security mail carries RFC 8058 one-click unsubscribe headers; the link turns its kind off."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.mails import queue_password_reset
from mentorloom.config import Settings
from mentorloom.jobs import JobContext
from mentorloom.notifications.delivery import deliver
from mentorloom.notifications.kinds import get_kind
from mentorloom.notifications.models import DeliveryMode, OutboxMail
from mentorloom.notifications.preferences import mode_for
from mentorloom.notifications.service import notify
from mentorloom.notifications.unsubscribe import unsubscribe_token
from tests.clock import Clock
from tests.conftest import SharedConnectionDatabase
from tests.factories import make_user
from tests.notifications.test_mail import Collector
from tests.notifications.test_outbox import Server

pytestmark = pytest.mark.anyio
CONTEXT = {"partner_name": "Ana", "program_name": "Programm", "version": 2, "mentorship_id": 3}
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:u@x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"


@pytest.fixture()
def smtp() -> Iterator[tuple[Server, Collector]]:
    server = Server()
    collector = server.start(Collector())
    yield server, collector
    server.stop()


def _deliver(db_session: Session, settings: Settings, server: Server, key: str) -> None:
    settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": server.port, "smtp_timeout": 5})
    ctx = JobContext(settings, SharedConnectionDatabase(db_session), clock=Clock())  # type: ignore[arg-type]
    db_session.flush()
    mail_id = db_session.scalars(select(OutboxMail.id).where(OutboxMail.key.startswith(key))).one()
    assert deliver(ctx, mail_id) == "sent"


def _received(collector: Collector) -> EmailMessage:
    message = message_from_bytes(collector.messages[-1], policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


async def test_a_delivered_mail_unsubscribes_with_one_post_to_its_header_link(
    db_session: Session, settings: Settings, smtp: tuple[Server, Collector], client: httpx.AsyncClient
) -> None:
    server, collector = smtp
    user = make_user(db_session)
    notify(db_session, user=user, kind="agreement_waiting", key="u1", attachments_ics=ICS, **CONTEXT)
    _deliver(db_session, settings, server, "u1")
    received = _received(collector)
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = str(received["List-Unsubscribe"])
    assert header.startswith("<http://testserver/notifications/unsubscribe/") and header.endswith(">")
    (attachment,) = received.iter_attachments()
    assert attachment.get_content_type() == "text/calendar" and attachment.get_param("method") == "REQUEST"

    # What a mail provider does: POST the link, no cookie, no CSRF token, the RFC 8058 body.
    answer = await client.post(header[1:-1], content=b"List-Unsubscribe=One-Click", headers=_form())
    assert answer.status_code == 200 and 'data-unsubscribe="done"' in answer.text
    assert mode_for(db_session, user.id, get_kind("agreement_waiting")) is DeliveryMode.OFF
    assert mode_for(db_session, user.id, get_kind("review_due")) is DeliveryMode.IMMEDIATELY  # only that kind
    again = await client.post(header[1:-1], content=b"List-Unsubscribe=One-Click", headers=_form())
    assert again.status_code == 200  # a second click (or a provider's retry) is fine
    assert notify(db_session, user=user, kind="agreement_waiting", key="u2", **CONTEXT) is not None
    assert db_session.scalar(select(OutboxMail.id).where(OutboxMail.key == "u2")) is None


async def test_a_security_mail_has_no_unsubscribe_header(
    db_session: Session, settings: Settings, smtp: tuple[Server, Collector]
) -> None:
    server, collector = smtp
    user = make_user(db_session)
    queue_password_reset(db_session, user)
    _deliver(db_session, settings, server, "reset:")
    received = _received(collector)
    assert received["List-Unsubscribe"] is None and received["List-Unsubscribe-Post"] is None
    notify(db_session, user=user, kind="password_reset", key="r2", user_id=user.id)
    _deliver(db_session, settings, server, "r2")
    assert _received(collector)["List-Unsubscribe"] is None


async def test_opening_the_link_only_asks_and_a_forged_token_is_refused(
    db_session: Session, settings: Settings, client: httpx.AsyncClient
) -> None:
    user = make_user(db_session)
    token = unsubscribe_token(settings.signing_key, user.id, ["review_due", "password_reset"])
    page = await client.get(f"/notifications/unsubscribe/{token}")
    assert page.status_code == 200 and 'data-unsubscribe="ask"' in page.text
    assert f'action="/notifications/unsubscribe/{token}"' in page.text
    assert mode_for(db_session, user.id, get_kind("review_due")) is DeliveryMode.IMMEDIATELY  # a link scanner's GET
    done = await client.post(f"/notifications/unsubscribe/{token}", headers={"origin": "https://elsewhere.example"})
    assert done.status_code == 200
    assert mode_for(db_session, user.id, get_kind("review_due")) is DeliveryMode.OFF
    assert mode_for(db_session, user.id, get_kind("password_reset")) is DeliveryMode.IMMEDIATELY  # never off
    forged = unsubscribe_token("another-secret", user.id, ["review_due"])
    assert (await client.post(f"/notifications/unsubscribe/{forged}")).status_code == 404
    assert (await client.get(f"/notifications/unsubscribe/{token[:-2]}")).status_code == 404


def _form() -> dict[str, str]:
    return {"content-type": "application/x-www-form-urlencoded"}
