"""Password hashing (argon2id), random tokens and signed, expiring links."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from mentorloom.db import utcnow

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Still spend the time of a verification so unknown accounts are not faster to reject.
        _hasher.hash("timing-equaliser")
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """What we store for session cookies and API tokens: a leaked table cannot log anyone in."""
    return hashlib.sha256(token.encode()).hexdigest()


def password_fingerprint(password_hash: str | None) -> str:
    # Part of every invitation/reset link: setting a password changes it, so a link works once.
    return hashlib.sha256((password_hash or "unset").encode()).hexdigest()[:12]


class _ClockSigner(TimestampSigner):
    """itsdangerous's timestamp signer, reading the time from an injected clock instead of time.time()."""

    def __init__(self, *args: Any, clock: Callable[[], datetime], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock().timestamp())


class LinkSigner:
    """Signed, expiring tokens for invitation and password-reset links."""

    def __init__(self, secret: str, *, clock: Callable[[], datetime] = utcnow) -> None:
        # The clock stamps new links and ages old ones: tests move it forward instead of sleeping.
        self._serializer = URLSafeTimedSerializer(
            secret, salt="mentorloom-links", signer=_ClockSigner, signer_kwargs={"clock": clock}
        )

    def dumps(self, purpose: str, user_id: int, fingerprint: str) -> str:
        return self._serializer.dumps({"p": purpose, "u": user_id, "f": fingerprint})

    def loads(self, token: str, purpose: str, max_age_seconds: int) -> tuple[int, str] | None:
        """(user id, fingerprint), or None when the link is forged, expired or for another purpose."""
        try:
            data = self._serializer.loads(token, max_age=max_age_seconds)
        except (SignatureExpired, BadSignature):
            return None
        if not isinstance(data, dict) or data.get("p") != purpose:
            return None
        return int(data["u"]), str(data["f"])


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
