"""Kudos: a short appreciation from one partner to the other, or from the program's coordination to a pair.

Private by default: the two people read it, and the coordinator who wrote it; nobody else, in no answer, page
or mail. `shared` puts it in the program's celebration feed (the pair's names appear there only while both
people agreed to share their celebrations). The recipients are told (`kudos_received`).
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from mentorloom.engagement.celebrations_common import member_of, pair_path, people, tell
from mentorloom.engagement.models import Kudos
from mentorloom.errors import NotFound, PermissionDenied
from mentorloom.i18n import N_
from mentorloom.i18n import gettext as _
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.validation import Checks
from mentorloom.notifications.kinds import register_kind
from mentorloom.permissions import Action, may

register_kind("kudos_received", N_("Someone sent you kudos"))

MAX_TEXT = 500


def may_give(session: Session, seat: Seat) -> bool:
    """The two people, and the program's coordinators (who may manage the program)."""
    if seat.in_pair:
        return True
    return may(session, seat.user, Action.MANAGE_PROGRAM, seat.program.id)


def visible(seat: Seat) -> Select[Kudos]:
    """The pair's kudos this caller may read: all of them for the two people; for coordination, its own and the
    shared ones."""
    query = select(Kudos).where(Kudos.mentorship_id == seat.mentorship.id)
    if not seat.in_pair:
        query = query.where(or_(Kudos.author_id == seat.user.id, Kudos.shared.is_(True)))
    return query.order_by(Kudos.created_at.desc(), Kudos.id.desc())


def of_pair(session: Session, seat: Seat) -> list[Kudos]:
    return list(session.scalars(visible(seat)))


def kudos_of(session: Session, seat: Seat, kudos_id: int) -> Kudos:
    found = session.scalar(visible(seat).where(Kudos.id == kudos_id))
    if found is None:
        raise NotFound(_("Kudos not found."))
    return found


def give(session: Session, seat: Seat, text: str, *, shared: bool = False) -> Kudos:
    """Send kudos: from one partner to the other, or from coordination to both; the recipients are told."""
    if not may_give(session, seat):
        raise PermissionDenied(_("Only the pair and the program's coordinators can send kudos here."))
    checks = Checks()
    text = checks.text(text, "text", MAX_TEXT, required=True)
    checks.done()
    kudos = Kudos(
        mentorship_id=seat.mentorship.id,
        program_id=seat.mentorship.program_id,
        author_id=seat.user.id,
        from_side=seat.side,
        text=text,
        shared=shared,
    )
    session.add(kudos)
    session.flush()
    if seat.side is not None:
        assert seat.partner_side is not None
        recipients = [member_of(seat.mentorship, seat.partner_side)]
    else:
        recipients = list(people(seat.mentorship))
    for member in recipients:
        tell(
            session,
            member,
            seat.mentorship,
            "kudos_received",
            f"kudos:{kudos.id}:{member.user_id}",
            f"{pair_path(seat.mentorship)}/kudos",
            author_name=seat.user.display_name,
            from_coordination=seat.side is None,
            text=text,
        )
    return kudos


def set_shared(session: Session, seat: Seat, kudos: Kudos, shared: bool) -> Kudos:
    """Only the author decides whether their kudos appears in the program's feed."""
    if kudos.author_id != seat.user.id:
        raise PermissionDenied(_("Only the person who wrote these kudos can share them or take them back."))
    kudos.shared = shared
    session.flush()
    return kudos


def delete(session: Session, seat: Seat, kudos: Kudos) -> None:
    if kudos.author_id != seat.user.id:
        raise PermissionDenied(_("Only the person who wrote these kudos can delete them."))
    session.delete(kudos)
    session.flush()
