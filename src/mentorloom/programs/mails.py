"""Invitation mails: queued with the membership, the signed link made when the mail goes out."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.security import LinkSigner
from mentorloom.accounts.service import INVITATION, make_link_token
from mentorloom.config import Settings
from mentorloom.i18n import N_
from mentorloom.notifications.kinds import register_kind
from mentorloom.notifications.models import MailState, OutboxMail
from mentorloom.notifications.service import MailObsolete, mail_context, queue_mail
from mentorloom.numbers import is_digits
from mentorloom.profiles.models import Profile
from mentorloom.programs.models import Membership, role_label

# Queued directly (the invited person has no account to read notifications in yet); registered so preferences
# show it as always on.
register_kind("invitation", N_("Invitation to the platform"), security=True)


def mail_locale(session: Session, membership: Membership) -> str:
    """The language to write to a member in: their own choice, else the program's.

    Exception: a profile that lists English but not the program's language (an English-speaking mentor in a
    German program) gets English mail.
    """
    if membership.user.locale:
        return membership.user.locale
    spoken = session.scalar(select(Profile.languages).where(Profile.membership_id == membership.id)) or []
    program_language = membership.program.language
    return "en" if spoken and program_language not in spoken and "en" in spoken else program_language


def queue_invitations(session: Session, memberships: Iterable[Membership]) -> int:
    """Put an invitation for each membership in the outbox; a later re-send is a new mail (its own key)."""
    queued = 0
    for membership in memberships:
        user = membership.user
        queued += (
            queue_mail(
                session,
                key=f"invitation:{membership.id}:{uuid.uuid4().hex}",
                to=user.email,
                locale=mail_locale(session, membership),
                template="invitation",
                program_id=membership.program_id,
                membership_id=membership.id,
                name=user.display_name,
                program_name=membership.program.name,
                role=membership.role.value,
            )
            is not None
        )
    return queued


@mail_context("invitation")
def _invitation_link(session: Session, settings: Settings, context: dict[str, Any]) -> dict[str, Any]:
    """A fresh signed link at sending time (a mail delayed by an outage still gets a full validity)."""
    membership = session.get(Membership, context["membership_id"])
    if membership is None or membership.user.has_password:
        raise MailObsolete("the invitation was accepted or withdrawn before it went out")
    return {**context, "role_label": role_label(membership.role), **invitation_link(settings, membership)}


def invitation_link(settings: Settings, membership: Membership) -> dict[str, Any]:
    """The signed sign-up link and its validity in days, for any mail that invites (invitations, offers)."""
    token = make_link_token(LinkSigner(settings.signing_key), INVITATION, membership.user)
    return {"days": settings.invitation_days, "link": f"{settings.base_url}/invitation/{token}"}


def invited_members(session: Session, program_id: int, memberships: Iterable[Membership]) -> set[int]:
    """Which of these members without an account were sent a mail that invites them.

    That is an invitation, or an offer of a match (matching.mails: it carries the invitation link to people
    without an account). A mail still queued or one that failed does not count: nobody got a link yet.
    """
    waiting = {m.user.email: m.id for m in memberships if not m.user.has_password}
    if not waiting:
        return set()
    rows = session.execute(
        select(OutboxMail.key, OutboxMail.to_address).where(
            OutboxMail.program_id == program_id,
            OutboxMail.state == MailState.SENT,
            OutboxMail.template.in_(("invitation", "match_offer")),
            OutboxMail.to_address.in_(waiting),
        )
    )
    return {waiting[to] for key, to in rows if _member_of_key(key) == waiting[to]}


def _member_of_key(key: str) -> int | None:
    # invitation:<membership>:<nonce> and offer:<proposal>:<membership>
    kind, first, second = [*key.split(":"), "", ""][:3]
    raw = first if kind == "invitation" else second if kind == "offer" else ""
    return int(raw) if is_digits(raw) else None
