"""Logging in: one vague error for every failure, and no shortcut that tells which accounts exist."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from mentorloom.accounts import service
from mentorloom.errors import NotAuthenticated
from tests.factories import make_user, set_password


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
