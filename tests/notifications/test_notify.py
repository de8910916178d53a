"""notify: the in-app entry always, the mail as the person wants that kind; security kinds always mail."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.errors import ValidationFailed
from mentorloom.notifications.kinds import KINDS, all_kinds, get_kind, register_kind
from mentorloom.notifications.models import DeliveryMode, Notification, NotificationPreference, OutboxMail
from mentorloom.notifications.preferences import mode_for, set_mode, set_preferences
from mentorloom.notifications.service import compose, notify
from tests.factories import make_user

_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def _registry_as_it_was() -> Iterator[None]:
    """Kinds registered by a test leave with it: later tests (and pages) list only the product's kinds."""
    product = {kind.name for kind in all_kinds()}  # every domain's kinds, loaded before the test adds its own
    yield
    for name in set(KINDS) - product:
        del KINDS[name]


ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:{method}\r\nBEGIN:VEVENT\r\nUID:m-1@x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _context() -> dict[str, object]:
    return {"partner_name": "Jürgen Weiß", "program_name": "Programm", "version": 2, "mentorship_id": 3}


def _mails(session: Session, key: str) -> list[OutboxMail]:
    return list(session.scalars(select(OutboxMail).where(OutboxMail.key == key)))


def test_notify_writes_the_entry_and_queues_the_mail_once_per_key(db_session: Session) -> None:
    user = make_user(db_session, name="Sophie Müller")
    user.locale = "de"
    entry = notify(db_session, user=user, kind="agreement_waiting", key="n1", program_id=None, link="/x", **_context())
    assert entry is not None and entry.read_at is None and entry.digested_at is not None
    assert entry.context["partner_name"] == "Jürgen Weiß" and entry.link == "/x"
    (mail,) = _mails(db_session, "n1")
    assert (mail.to_address, mail.locale, mail.template) == (user.email, "de", "agreement_waiting")
    assert mail.context["_unsubscribe"] == ["agreement_waiting"] and mail.context["_user_id"] == user.id
    assert notify(db_session, user=user, kind="agreement_waiting", key="n1", **_context()) is None
    assert db_session.scalar(select(func.count()).select_from(Notification).where(Notification.key == "n1")) == 1
    assert len(_mails(db_session, "n1")) == 1


def test_a_person_without_a_language_gets_the_callers_or_the_default(db_session: Session, settings: Settings) -> None:
    user = make_user(db_session)
    notify(db_session, user=user, kind="agreement_waiting", key="n-loc", **_context())
    notify(db_session, user=user, kind="agreement_waiting", key="n-loc-de", locale="de", **_context())
    assert _mails(db_session, "n-loc")[0].locale == ""  # compose falls back to the configured default
    german = compose(db_session, settings.model_copy(update={"default_locale": "de"}), _mails(db_session, "n-loc")[0])
    assert str(german["Subject"]).startswith("Jürgen Weiß hat")
    assert _mails(db_session, "n-loc-de")[0].locale == "de"


def test_daily_waits_for_the_digest_and_off_mails_nothing(db_session: Session) -> None:
    user = make_user(db_session)
    set_mode(db_session, user, "agreement_waiting", DeliveryMode.DAILY)
    set_mode(db_session, user, "mentorship_paused", DeliveryMode.OFF)
    daily = notify(db_session, user=user, kind="agreement_waiting", key="d1", **_context())
    off = notify(db_session, user=user, kind="mentorship_paused", key="o1", status="paused", program_name="P")
    assert daily is not None and daily.digested_at is None
    assert off is not None and off.digested_at is not None  # in the app, never in a digest
    assert _mails(db_session, "d1") == [] and _mails(db_session, "o1") == []


def test_an_unknown_kind_is_a_programming_error(db_session: Session) -> None:
    with pytest.raises(LookupError, match="no_such_kind"):
        notify(db_session, user=make_user(db_session), kind="no_such_kind", key="x")


def test_a_kind_registered_twice_differently_is_refused() -> None:
    register_kind("test_twice", "Twice")
    assert register_kind("test_twice", "Twice") == get_kind("test_twice")
    with pytest.raises(ValueError, match="twice"):
        register_kind("test_twice", "Twice", default=DeliveryMode.DAILY)


def test_security_kinds_cannot_be_turned_down(db_session: Session) -> None:
    user = make_user(db_session)
    with pytest.raises(ValidationFailed) as failed:
        set_preferences(db_session, user, {"agreement_waiting": "daily", "password_reset": "off"})
    assert [e["field"] for e in failed.value.errors] == ["password_reset"]
    # nothing half-written: the valid choice of the same request was not stored either
    assert db_session.get(NotificationPreference, (user.id, "agreement_waiting")) is None
    set_mode(db_session, user, "password_reset", DeliveryMode.OFF)  # ignored
    assert mode_for(db_session, user.id, get_kind("password_reset")) is DeliveryMode.IMMEDIATELY


MODES = st.sampled_from(list(DeliveryMode))


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(security=st.booleans(), stored=st.one_of(st.none(), MODES), default=MODES)
def test_a_security_kind_always_mails_and_an_off_kind_never_does(
    db_session: Session, security: bool, stored: DeliveryMode | None, default: DeliveryMode
) -> None:
    n = next(_keys)
    name = f"prop_{n}"
    register_kind(name, "Property kind", template="agreement_waiting", default=default, security=security)
    user = make_user(db_session)
    if stored is not None:  # even a row written behind the service's back cannot silence a security kind
        db_session.add(NotificationPreference(user_id=user.id, kind=name, mode=stored))
        db_session.flush()
    entry = notify(db_session, user=user, kind=name, key=f"prop:{n}", **_context())
    assert entry is not None  # the in-app entry is written in every mode
    mailed = bool(_mails(db_session, f"prop:{n}"))
    effective = stored if stored is not None else default
    if security:
        assert mailed
    elif effective is DeliveryMode.OFF:
        assert not mailed
    assert mailed == (security or effective is DeliveryMode.IMMEDIATELY)


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_a_calendar_travels_as_invite_ics_with_its_method(db_session: Session, settings: Settings, method: str) -> None:
    user = make_user(db_session)
    notify(
        db_session,
        user=user,
        kind="agreement_waiting",
        key=f"ics-{method}",
        attachments_ics=ICS.format(method=method),
        **_context(),
    )
    (mail,) = _mails(db_session, f"ics-{method}")
    received = message_from_bytes(bytes(compose(db_session, settings, mail)), policy=policy.default)
    assert isinstance(received, EmailMessage)
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == method and attachment.get_content_charset() == "utf-8"
    assert attachment.get_filename() == "invite.ics"
    assert f"METHOD:{method}" in attachment.get_content()
    body = received.get_body(("plain",))
    assert body is not None and "Jürgen Weiß" in body.get_content()
