"""Mail jobs for invitations and password resets; each mail goes out at most once."""

from __future__ import annotations

from mentorloom.accounts.models import User
from mentorloom.accounts.security import LinkSigner
from mentorloom.accounts.service import INVITATION, PASSWORD_RESET, make_link_token
from mentorloom.i18n import use_locale
from mentorloom.jobs import JobContext, job
from mentorloom.notifications.mail import build_mailer, build_message, send_once
from mentorloom.programs.models import Membership, role_label
from mentorloom.templating import build_environment, render_mail

# Lower-case: the label sits inside a sentence ("… invites you to take part as mentee.").


@job("accounts.send_invitation")
def send_invitation(ctx: JobContext, *, membership_id: int, nonce: str) -> bool:
    """Mail the invitation link for a membership (no-op if it went out already or was accepted)."""
    with ctx.database.session() as session:
        membership = session.get(Membership, membership_id)
        if membership is None or membership.user.has_password:
            return False
        user, program = membership.user, membership.program
        locale = user.locale or program.language
        token = make_link_token(LinkSigner(ctx.settings.signing_key), INVITATION, user)
        with use_locale(locale):
            subject, body = render_mail(
                build_environment(),
                "invitation",
                name=user.display_name,
                program_name=program.name,
                role_label=role_label(membership.role),
                days=ctx.settings.invitation_days,
                link=f"{ctx.settings.base_url}/invitation/{token}",
            )
        message = build_message(to=user.email, subject=subject, body=body, sender=ctx.settings.mail_from)
        return send_once(session, build_mailer(ctx.settings), f"invitation:{membership_id}:{nonce}", message)


@job("accounts.send_password_reset")
def send_password_reset(ctx: JobContext, *, user_id: int, nonce: str) -> bool:
    """Mail a password-reset link."""
    with ctx.database.session() as session:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            return False
        token = make_link_token(LinkSigner(ctx.settings.signing_key), PASSWORD_RESET, user)
        with use_locale(user.locale or ctx.settings.default_locale):
            subject, body = render_mail(
                build_environment(),
                "password_reset",
                name=user.display_name,
                hours=ctx.settings.reset_hours,
                link=f"{ctx.settings.base_url}/reset/{token}",
            )
        message = build_message(to=user.email, subject=subject, body=body, sender=ctx.settings.mail_from)
        return send_once(session, build_mailer(ctx.settings), f"reset:{user_id}:{nonce}", message)
