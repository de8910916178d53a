"""One-click unsubscribe (RFC 8058): a signed link in each non-security mail turns its kinds off.

The token names the person and the kinds the mail was about; it carries no expiry, because an old mail's
unsubscribe link must still work. Security kinds can never be turned off, whatever a token names.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.notifications.kinds import Kind, all_kinds
from mentorloom.notifications.models import DeliveryMode
from mentorloom.notifications.preferences import set_mode

_SALT = "mentorloom-unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    user: User
    kinds: list[Kind]


def unsubscribe_token(secret: str, user_id: int, kinds: list[str]) -> str:
    return URLSafeSerializer(secret, salt=_SALT).dumps({"u": user_id, "k": sorted(set(kinds))})


def unsubscribe_url(base_url: str, secret: str, user_id: int, kinds: list[str]) -> str:
    return f"{base_url}/notifications/unsubscribe/{unsubscribe_token(secret, user_id, kinds)}"


def read_unsubscribe(session: Session, secret: str, token: str) -> Unsubscribe | None:
    """Whom and what a token unsubscribes; None when it is forged or the person is gone."""
    try:
        data = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("k"), list):
        return None
    user = session.get(User, data["u"])
    if user is None:
        return None
    known = {kind.name: kind for kind in all_kinds()}  # a kind removed since the mail went out is skipped
    kinds = [known[name] for name in data["k"] if isinstance(name, str) and name in known]
    return Unsubscribe(user, [kind for kind in kinds if not kind.security])


def apply_unsubscribe(session: Session, request: Unsubscribe) -> None:
    """Turn the token's kinds off for its person (idempotent: a second click changes nothing)."""
    for kind in request.kinds:
        set_mode(session, request.user, kind.name, DeliveryMode.OFF)
