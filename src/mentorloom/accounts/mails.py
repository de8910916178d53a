"""Password-reset mails: queued with the request, the signed link made when the mail goes out."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.accounts.security import LinkSigner
from mentorloom.accounts.service import PASSWORD_RESET, make_link_token
from mentorloom.config import Settings
from mentorloom.i18n import N_
from mentorloom.notifications.kinds import register_kind
from mentorloom.notifications.service import MailObsolete, mail_context, queue_mail

# Queued directly (no in-app entry: the person is locked out); registered so preferences show it as always on.
register_kind("password_reset", N_("Password reset"), security=True)


def queue_password_reset(session: Session, user: User) -> None:
    """Mail a reset link; each request is its own mail (the user may ask again after losing one)."""
    queue_mail(
        session,
        key=f"reset:{user.id}:{uuid.uuid4().hex}",
        to=user.email,
        locale=user.locale or "",
        template="password_reset",
        user_id=user.id,
        name=user.display_name,
    )


@mail_context("password_reset")
def _reset_link(session: Session, settings: Settings, context: dict[str, Any]) -> dict[str, Any]:
    user = session.get(User, context["user_id"])
    if user is None or not user.is_active:
        raise MailObsolete("the account is gone or deactivated")
    token = make_link_token(LinkSigner(settings.signing_key), PASSWORD_RESET, user)
    return {**context, "hours": settings.reset_hours, "link": f"{settings.base_url}/reset/{token}"}
