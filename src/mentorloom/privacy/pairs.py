"""What an erasure means for the pairs the person was in that have not ended yet.

The mentorship keeps its state, so program figures do not move, and only the coordination decides how the other
person goes on. Nobody can meet an erased person, so the pair's meetings still to come are cancelled and its series
ends (meetings.erased; those that took place stay). The other person learns that their partner's account was
removed and that the coordination will get in touch; every coordinator of the program is told, with a link to the
pair's health page; and the pair's health is scored again, which puts it first among the pairs at risk. Every
notice is sent once per pair and person.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.health import dashboard
from mentorloom.health import service as health
from mentorloom.meetings import erased as meetings
from mentorloom.mentorships import mails
from mentorloom.mentorships.lifecycle import FINAL
from mentorloom.mentorships.models import Mentorship
from mentorloom.programs.models import Membership


def pairs_not_ended(session: Session, user_id: int) -> list[Mentorship]:
    """The person's mentorships in any program that are proposed, active, paused or completing."""
    sides = select(Membership.id).where(Membership.user_id == user_id)
    return list(
        session.scalars(
            select(Mentorship)
            .where(or_(Mentorship.mentor_id.in_(sides), Mentorship.mentee_id.in_(sides)))
            .where(Mentorship.status.not_in(FINAL))
            .order_by(Mentorship.id)
        )
    )


def tell_about_pairs(session: Session, erased: User) -> int:
    """After the erasure: cancel each pair's meetings ahead, tell the other partner and the coordination of each pair
    not ended, and flag its health. Returns how many notices were written (none for a pair told before)."""
    told = 0
    for mentorship in pairs_not_ended(session, erased.id):
        meetings.stop_meetings(session, mentorship)
        other = mentorship.mentee if mentorship.mentor.user_id == erased.id else mentorship.mentor
        if other.user.erased_at is None:
            told += mails.tell_partner_erased(session, mentorship, other)
        told += dashboard.tell_coordinators_partner_erased(session, mentorship)
        health.recompute_pair(session, mentorship)
    return told
