"""Mail jobs for invitations and password resets; each mail goes out at most once."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.accounts.security import LinkSigner
from mentorloom.accounts.service import INVITATION, PASSWORD_RESET, make_link_token
from mentorloom.jobs import JobContext, JobQueue, job
from mentorloom.notifications.mail import send_templated
from mentorloom.programs.models import Membership, role_label
from mentorloom.programs.service import mail_locale


def queue_invitations(session: Session, jobs: JobQueue, memberships: Iterable[Membership]) -> None:
    """Mail each membership its invitation once the caller commits; the nonce lets a re-send go out again."""
    for membership in memberships:
        jobs.enqueue_after_commit(
            session, "accounts.send_invitation", membership_id=membership.id, nonce=uuid.uuid4().hex
        )


@job("accounts.send_invitation")
def send_invitation(ctx: JobContext, *, membership_id: int, nonce: str) -> bool:
    """Mail the invitation link for a membership (no-op if it went out already or was accepted)."""
    with ctx.database.session() as session:
        membership = session.get(Membership, membership_id)
        if membership is None or membership.user.has_password:
            return False
        user, program = membership.user, membership.program
        token = make_link_token(LinkSigner(ctx.settings.signing_key), INVITATION, user)
        return send_templated(
            session,
            ctx.settings,
            key=f"invitation:{membership_id}:{nonce}",
            to=user.email,
            locale=mail_locale(session, membership),
            template="invitation",
            name=user.display_name,
            program_name=program.name,
            role_label=role_label(membership.role),
            days=ctx.settings.invitation_days,
            link=f"{ctx.settings.base_url}/invitation/{token}",
        )


@job("accounts.send_password_reset")
def send_password_reset(ctx: JobContext, *, user_id: int, nonce: str) -> bool:
    """Mail a password-reset link."""
    with ctx.database.session() as session:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            return False
        token = make_link_token(LinkSigner(ctx.settings.signing_key), PASSWORD_RESET, user)
        return send_templated(
            session,
            ctx.settings,
            key=f"reset:{user_id}:{nonce}",
            to=user.email,
            locale=user.locale or ctx.settings.default_locale,
            template="password_reset",
            name=user.display_name,
            hours=ctx.settings.reset_hours,
            link=f"{ctx.settings.base_url}/reset/{token}",
        )
