"""Logging in: one vague error for every failure, and no shortcut that tells which accounts exist."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts import service
from mentorloom.accounts.models import ApiToken
from mentorloom.db import utcnow
from mentorloom.errors import NotAuthenticated
from tests.factories import make_token, make_user, set_password


def test_unknown_addresses_pay_for_a_password_check_too(db_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str | None] = []
    real = service.verify_password

    def recording(password_hash: str | None, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(service, "verify_password", recording)
    user = make_user(db_session)
    password = set_password(db_session, user)
    with pytest.raises(NotAuthenticated):
        service.authenticate(db_session, "nobody@example.org", password)
    with pytest.raises(NotAuthenticated):
        service.authenticate(db_session, user.email, "wrong password")
    assert checked == [None, user.password_hash]  # the unknown address ran the (equally slow) dummy check
    assert service.authenticate(db_session, user.email, password) is user


def test_token_use_is_recorded_at_most_once_a_minute(db_session: Session) -> None:
    """Skipping the write keeps read-only API calls read-only (no write lock per GET)."""
    user = make_user(db_session)
    raw = make_token(db_session, user)["Authorization"].removeprefix("Bearer ")
    token = db_session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    recent = utcnow() - timedelta(seconds=30)
    token.last_used_at = recent
    assert service.user_for_api_token(db_session, raw) is user
    assert token.last_used_at == recent
    token.last_used_at = utcnow() - timedelta(minutes=2)
    service.user_for_api_token(db_session, raw)
    assert token.last_used_at is not None and utcnow() - token.last_used_at < timedelta(seconds=5)
