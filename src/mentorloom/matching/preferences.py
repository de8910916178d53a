"""Participants' input before matching: mentees prefer mentors; either side may avoid someone.

Nobody can prefer or avoid a person they are already in a mentorship with (proposed or running): those two
are paired already, and a mentor's avoid-list offering her own new mentee reads as an invitation to drop them.
The pickers leave such people out (`choosable`) and `set_preferences` refuses their ids, for the pages and the
API alike.
"""

from __future__ import annotations

from sqlalchemy import CompoundSelect, delete, func, select, union
from sqlalchemy.orm import Session, selectinload

from mentorloom.accounts.models import User
from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.matching.models import MatchPreference, PreferenceKind
from mentorloom.mentorships.models import OCCUPYING, Mentorship
from mentorloom.profiles.models import Profile
from mentorloom.programs.models import Membership, Role


def preferences_of(session: Session, membership: Membership) -> dict[PreferenceKind, list[int]]:
    rows = session.scalars(
        select(MatchPreference).where(MatchPreference.owner_id == membership.id).order_by(MatchPreference.id)
    )
    out: dict[PreferenceKind, list[int]] = {PreferenceKind.PREFER: [], PreferenceKind.AVOID: []}
    for row in rows:
        out[row.kind].append(row.target_id)
    return out


def _partners(membership: Membership) -> CompoundSelect[int]:
    """The ids of the people ``membership`` is in a proposed or running mentorship with."""
    live = Mentorship.status.in_(OCCUPYING)
    return union(
        select(Mentorship.mentee_id).where(Mentorship.mentor_id == membership.id, live),
        select(Mentorship.mentor_id).where(Mentorship.mentee_id == membership.id, live),
    )


def choosable(session: Session, membership: Membership) -> list[tuple[Membership, str | None]]:
    """(person, department) for everyone a participant may prefer or avoid: the other side, by name.

    Their own mentees or mentor (a proposed or running mentorship) are left out: see the module's docstring.
    """
    other = Role.MENTOR if membership.role is Role.MENTEE else Role.MENTEE
    rows = session.execute(
        select(Membership, Profile.department)
        .join(User, Membership.user_id == User.id)
        .outerjoin(Profile, Profile.membership_id == Membership.id)
        .where(
            Membership.program_id == membership.program_id,
            Membership.role == other,
            Membership.id.not_in(_partners(membership)),
            User.erased_at.is_(None),  # an erased person is no one to prefer or avoid any more
        )
        .options(selectinload(Membership.user))
        .order_by(func.lower(User.display_name), Membership.id)
    )
    return [(person, department) for person, department in rows]


def people_with_preferences(session: Session, program_id: int) -> int:
    """How many participants of the program have named someone to prefer or avoid."""
    count = session.scalar(
        select(func.count(func.distinct(MatchPreference.owner_id))).where(MatchPreference.program_id == program_id)
    )
    return count or 0


def set_preferences(session: Session, membership: Membership, prefer: list[int], avoid: list[int]) -> None:
    """Replace a participant's prefer/avoid lists; targets must be on the other side of the same program."""
    if prefer and membership.role is not Role.MENTEE:
        raise ValidationFailed(_("Only mentees can name preferred mentors."), field="prefer")
    if set(prefer) & set(avoid):
        raise ValidationFailed(_("Nobody can be both preferred and avoided."), field="avoid")
    other = Role.MENTOR if membership.role is Role.MENTEE else Role.MENTEE
    valid = set(
        session.scalars(
            select(Membership.id).where(
                Membership.program_id == membership.program_id,
                Membership.role == other,
                Membership.id.in_(prefer + avoid),
            )
        )
    )
    for field, ids in (("prefer", prefer), ("avoid", avoid)):
        unknown = [i for i in ids if i not in valid]
        if unknown:
            raise ValidationFailed(_("Unknown participant(s): %(ids)s.", ids=", ".join(map(str, unknown))), field=field)
    _refuse_partners(session, membership, prefer, avoid)
    session.execute(delete(MatchPreference).where(MatchPreference.owner_id == membership.id))
    for kind, ids in ((PreferenceKind.PREFER, prefer), (PreferenceKind.AVOID, avoid)):
        session.add_all(
            MatchPreference(program_id=membership.program_id, owner_id=membership.id, target_id=i, kind=kind)
            for i in dict.fromkeys(ids)
        )
    session.flush()


def _refuse_partners(session: Session, membership: Membership, prefer: list[int], avoid: list[int]) -> None:
    """A clear error naming the list and the people when someone is the participant's own mentee or mentor."""
    partners = set(session.scalars(_partners(membership)))
    for field, ids in (("prefer", prefer), ("avoid", avoid)):
        taken = [i for i in dict.fromkeys(ids) if i in partners]
        if taken:
            names = session.scalars(
                select(User.display_name)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.id.in_(taken))
                .order_by(func.lower(User.display_name))
            )
            raise ValidationFailed(
                _(
                    "People in a mentorship with this participant cannot be preferred or avoided: %(who)s.",
                    who=", ".join(names),
                ),
                field=field,
            )


def set_avoid_list(session: Session, membership: Membership, avoid: list[int]) -> None:
    """Replace only whom a participant must not be matched with; someone now avoided is no longer preferred.

    A preference kept from before for someone now in a mentorship with them is dropped, not refused: only the
    avoid-list is being edited here.
    """
    avoided = set(avoid) | set(session.scalars(_partners(membership)))
    kept = [i for i in preferences_of(session, membership)[PreferenceKind.PREFER] if i not in avoided]
    set_preferences(session, membership, kept, avoid)
