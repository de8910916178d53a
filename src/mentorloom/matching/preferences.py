"""Participants' input before matching: mentees prefer mentors; either side may avoid someone."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from mentorloom.accounts.models import User
from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.matching.models import MatchPreference, PreferenceKind
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


def choosable(session: Session, membership: Membership) -> list[tuple[Membership, str | None]]:
    """(person, department) for everyone a participant may prefer or avoid: the other side, by name."""
    other = Role.MENTOR if membership.role is Role.MENTEE else Role.MENTEE
    rows = session.execute(
        select(Membership, Profile.department)
        .join(User, Membership.user_id == User.id)
        .outerjoin(Profile, Profile.membership_id == Membership.id)
        .where(Membership.program_id == membership.program_id, Membership.role == other)
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
    session.execute(delete(MatchPreference).where(MatchPreference.owner_id == membership.id))
    for kind, ids in ((PreferenceKind.PREFER, prefer), (PreferenceKind.AVOID, avoid)):
        session.add_all(
            MatchPreference(program_id=membership.program_id, owner_id=membership.id, target_id=i, kind=kind)
            for i in dict.fromkeys(ids)
        )
    session.flush()


def set_avoid_list(session: Session, membership: Membership, avoid: list[int]) -> None:
    """Replace only whom a participant must not be matched with; someone now avoided is no longer preferred."""
    avoided = set(avoid)
    kept = [i for i in preferences_of(session, membership)[PreferenceKind.PREFER] if i not in avoided]
    set_preferences(session, membership, kept, avoid)
