"""What milestones, kudos and reflections share: the pair's addresses, telling one person, the pair's goals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.mentorships import goals
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.models import Goal, Mentorship, Side
from mentorloom.notifications.service import notify
from mentorloom.programs.mails import mail_locale
from mentorloom.programs.models import Membership


def pair_path(mentorship: Mentorship) -> str:
    return f"/programs/{mentorship.program_id}/mentorships/{mentorship.id}"


def people(mentorship: Mentorship) -> tuple[Membership, Membership]:
    return mentorship.mentor, mentorship.mentee


def member_of(mentorship: Mentorship, side: Side) -> Membership:
    return mentorship.mentor if side is Side.MENTOR else mentorship.mentee


def partner_name(seat: Seat) -> str:
    if seat.side is None:
        return ""
    assert seat.partner_side is not None
    return member_of(seat.mentorship, seat.partner_side).user.display_name


def tell(
    session: Session, member: Membership, mentorship: Mentorship, kind: str, key: str, link: str, **context: Any
) -> bool:
    """Notify one person of the pair (once per key), in their mail language, naming their partner."""
    partner = mentorship.mentee if member.id == mentorship.mentor_id else mentorship.mentor
    entry = notify(
        session,
        user=member.user,
        kind=kind,
        key=key,
        program_id=mentorship.program_id,
        link=link,
        locale=mail_locale(session, member),
        name=member.user.display_name,
        partner_name=partner.user.display_name,
        program_name=member.program.name,
        path=link,
        **context,
    )
    return entry is not None


def agreed_goals(session: Session, mentorship: Mentorship) -> dict[str, str]:
    """Title of each goal some confirmed agreement version of the pair contained (the newest title), by key."""
    keys = goals.agreed_keys(session, mentorship)
    if not keys:
        return {}
    titles: dict[str, str] = {}
    for key, title in session.execute(
        select(Goal.key, Goal.title).where(Goal.mentorship_id == mentorship.id, Goal.key.in_(keys)).order_by(Goal.id)
    ):
        titles[key] = title
    return titles
