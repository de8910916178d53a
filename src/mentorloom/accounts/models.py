"""People, their server-side sessions and personal API tokens."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from mentorloom.db import Base, UTCDateTime, utcnow
from mentorloom.i18n import N_, SUPPORTED_LOCALES, raw_gettext, use_locale
from mentorloom.i18n import gettext as _

# Erased people's addresses end here (privacy.erasure). RFC 2606: .invalid never resolves, so nothing could be
# delivered there; the outbox queues nothing for such an address.
ERASED_DOMAIN = "erased.invalid"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    _display_name: Mapped[str] = mapped_column("display_name", String(120))
    # Null until the invitee sets a password through the invitation link.
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Set when the person was erased (privacy.erasure): the row stays, anonymised, so counts stay right.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    sessions: Mapped[list[UserSession]] = relationship(back_populates="user", cascade="all, delete-orphan")
    api_tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @hybrid_property
    def display_name(self) -> str:
        """The name; an erased person's neutral label in the reader's language (the row keeps the erasing admin's)."""
        if self.erased_at is not None and self.id is not None:
            return erased_label(self.id)
        return self._display_name

    @display_name.inplace.setter
    def _display_name_setter(self, value: str) -> None:
        self._display_name = value

    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls) -> ColumnElement[str]:
        return cls._display_name  # type: ignore[return-value]


ERASED_LABEL = N_("Erased person %(id)d")  # marked for extraction: used through the constant


def erased_label(user_id: int) -> str:
    """The neutral label that replaces an erased person's name, in the current language."""
    return _(ERASED_LABEL, id=user_id)


def relabelled(value: Any) -> Any:
    """A neutral label stored in some language (a notification's or mail's data written at the erasure, in the
    erasing admin's language) in the current language; any other value as it is."""
    if isinstance(value, str):
        for pattern in _stored_labels():
            if found := pattern.fullmatch(value):
                return erased_label(int(found.group(1)))
    return value


@cache
def _stored_labels() -> tuple[re.Pattern[str], ...]:
    """The label in every language, with the id as group 1."""
    forms = set()
    for locale in SUPPORTED_LOCALES:
        with use_locale(locale):
            forms.add(re.escape(raw_gettext(ERASED_LABEL)).replace(re.escape("%(id)d"), r"(\d+)"))
    return tuple(re.compile(form) for form in sorted(forms))


class UserSession(Base):
    """A login; the cookie carries a random token, the database only its hash."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="sessions")


class ApiToken(Base):
    """A personal Bearer token for /api/v1: shown once, stored hashed, revocable."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    user: Mapped[User] = relationship(back_populates="api_tokens")
