"""Import and export of a program's participants in the CSV format (see csv_format.py).

Imports are bulk operations: rows are processed in chunks of CHUNK_SIZE, and each chunk costs
about a dozen statements (one query per table to preload its users, memberships, profiles and
tag links, then one executemany per kind of write) instead of one ORM flush per row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import Row, Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.accounts.service import end_sessions
from mentorloom.audit.models import AuditAction
from mentorloom.audit.service import record as audit
from mentorloom.errors import Conflict, NotFound, ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
from mentorloom.profiles.csv_format import ParticipantRow, SkillLevel, Slot, parse_participants, write_participants_csv
from mentorloom.profiles.models import Profile, ProfileInterest, ProfileSkill, SkillKind, Tag, TagKind
from mentorloom.profiles.tags import get_or_create_tags
from mentorloom.profiles.vocab import tag_key
from mentorloom.programs.models import Membership, Program, Role

# Keeps IN lists well below every backend's bound-parameter limit.
CHUNK_SIZE = 500
PROFILE_FIELDS = (
    "bio",
    "values",
    "values_note",
    "languages",
    "timezone",
    "availability",
    "department",
    "line_manager_email",
    "capacity",
)
# Writes go to the tables (Core), not the mapped classes: the ORM's per-row bookkeeping would
# cost more than the database work itself. Measured on both backends, a plain executemany is
# the fastest insert; only where the new ids are needed does an INSERT carry a RETURNING clause
# (without sort_by_parameter_order, which SQLite can only honour one row at a time).
_USERS = cast(Table, User.__table__)
_MEMBERSHIPS = cast(Table, Membership.__table__)
_PROFILES = cast(Table, Profile.__table__)
_SKILLS = cast(Table, ProfileSkill.__table__)
_INTERESTS = cast(Table, ProfileInterest.__table__)

ProgressCallback = Callable[[int, int], None]
_SkillLink = tuple[int, SkillKind, int]  # tag id, kind, weight


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did, counted in rows of the file."""

    created: int = 0  # new members of the program
    updated: int = 0  # existing members whose name, role or profile changed
    unchanged: int = 0  # existing members the file did not change

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass(frozen=True, slots=True)
class _TagIds:
    skills: dict[str, int]  # tag id by label as spelled in the file
    interests: dict[str, int]


class _ExistingUser(NamedTuple):
    id: int
    display_name: str
    has_password: bool


class _Memberships(NamedTuple):
    ids: dict[str, int]  # e-mail -> membership id
    created: set[str]
    changed: set[str]


class _ProfilePlan(NamedTuple):
    inserts: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    # Rows to put in place of a profile's current links, only for profiles whose links differ.
    skills: dict[int, list[dict[str, Any]]]
    interests: dict[int, list[dict[str, Any]]]
    changed: set[str]


def import_participants(
    session: Session, program_id: int, data: bytes, *, progress: ProgressCallback | None = None
) -> ImportSummary:
    """Create or update a program's participants from CSV bytes: every row, or on any problem none."""
    _require_program(session, program_id)
    rows = parse_participants(data)
    _reject_coordinator_changes(session, program_id, rows)
    tag_ids = _tag_ids(session, rows)
    outcome: Counter[str] = Counter()
    if progress is not None:
        progress(0, len(rows))
    for start in range(0, len(rows), CHUNK_SIZE):
        outcome.update(_import_chunk(session, program_id, rows[start : start + CHUNK_SIZE], tag_ids))
        if progress is not None:
            progress(min(start + CHUNK_SIZE, len(rows)), len(rows))
    # The bulk statements bypass the identity map: objects loaded before must not shadow them.
    session.expire_all()
    return ImportSummary(created=outcome["created"], updated=outcome["updated"], unchanged=outcome["unchanged"])


def export_participants(
    session: Session, program_id: int, *, role: Role | None = None, delimiter: str = ",", actor: User | None = None
) -> str:
    """The program's participants (optionally of one role) as CSV that import_participants reads back."""
    _require_program(session, program_id)
    audit(
        session,
        AuditAction.PARTICIPANTS_EXPORTED,
        actor=actor,
        target_type="program",
        target_id=program_id,
        program_id=program_id,
        detail={"role": role.value if role else None},
    )
    stmt = (
        select(Membership.id, Membership.role, User.email, User.display_name, *_PROFILES.c[PROFILE_FIELDS])
        .join(User, User.id == Membership.user_id)
        .outerjoin(_PROFILES, _PROFILES.c.membership_id == Membership.id)
        .where(Membership.program_id == program_id)
        .order_by(Membership.id)
    )
    if role is not None:
        stmt = stmt.where(Membership.role == role)
    skills = _exported_skills(session, program_id)
    interests = _exported_interests(session, program_id)
    rows = [_export_row(record, skills, interests) for record in session.execute(stmt)]
    return write_participants_csv(rows, delimiter)


# --- import steps


def _require_program(session: Session, program_id: int) -> None:
    if session.get(Program, program_id) is None:
        raise NotFound(_("Program not found."))


def _reject_coordinator_changes(session: Session, program_id: int, rows: list[ParticipantRow]) -> None:
    """A coordinator listed as mentor or mentee is most likely a mistake in the file, not a demotion."""
    stmt = (
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.program_id == program_id, Membership.role == Role.COORDINATOR)
    )
    coordinators = set(session.scalars(stmt))
    errors: list[dict[str, object]] = []
    for row in rows:
        if row.email in coordinators and row.role is not Role.COORDINATOR:
            message = _(
                "%(email)s is a coordinator of this program and cannot be imported as %(role)s.",
                email=row.email,
                role=row.role.value,
            )
            errors.append({"line": row.line, "column": "role", "field": "role", "message": message})
    if errors:
        n = len(errors)
        detail = ngettext("The CSV file has %(num)d problem.", "The CSV file has %(num)d problems.", n)
        raise ValidationFailed(detail, errors=errors)


def _tag_ids(session: Session, rows: list[ParticipantRow]) -> _TagIds:
    rows = [row for row in rows if row.role is not Role.COORDINATOR]  # no profile, so no tags
    skill_labels = (skill.label for row in rows for skill in (*row.expertise, *row.wanted_skills))
    interest_labels = (label for row in rows for label in row.interests)
    return _TagIds(
        skills=_ids_by_label(session, TagKind.SKILL, list(dict.fromkeys(skill_labels))),
        interests=_ids_by_label(session, TagKind.INTEREST, list(dict.fromkeys(interest_labels))),
    )


def _ids_by_label(session: Session, kind: TagKind, labels: list[str]) -> dict[str, int]:
    # By label rather than key, so each distinct label is normalised once, not once per row.
    tags = get_or_create_tags(session, kind, labels)
    return {label: tags[tag_key(label)].id for label in labels}


def _import_chunk(session: Session, program_id: int, rows: list[ParticipantRow], tag_ids: _TagIds) -> Counter[str]:
    user_ids, renamed = _sync_users(session, rows)
    memberships = _sync_memberships(session, program_id, rows, user_ids)
    changed = renamed | memberships.changed | _sync_profiles(session, rows, memberships.ids, tag_ids)
    return Counter(
        "created" if row.email in memberships.created else "updated" if row.email in changed else "unchanged"
        for row in rows
    )


def _sync_users(session: Session, rows: list[ParticipantRow]) -> tuple[dict[str, int], set[str]]:
    """User ids by e-mail, creating password-less users, and the e-mails whose name changed."""
    existing = _load_users(session, [row.email for row in rows])
    ids = {email: user.id for email, user in existing.items()}
    new = [{"email": row.email, "display_name": row.name} for row in rows if row.email not in existing]
    if new:
        created = session.execute(insert(_USERS).returning(_USERS.c.id, _USERS.c.email), new)
        ids.update((email, user_id) for user_id, email in created)
    # Someone who has set a password manages their own name; the file only names invitees.
    renamed = [
        row
        for row in rows
        if (user := existing.get(row.email)) is not None and not user.has_password and user.display_name != row.name
    ]
    if renamed:
        stmt = update(_USERS).where(_USERS.c.id == bindparam("b_id")).values(display_name=bindparam("b_name"))
        session.execute(stmt, [{"b_id": ids[row.email], "b_name": row.name} for row in renamed])
    return ids, {row.email for row in renamed}


def _load_users(session: Session, emails: list[str]) -> dict[str, _ExistingUser]:
    # accounts.service stores addresses normalised and lower-cased, as csv_format does, so an
    # exact match finds them (and uses the unique index).
    has_password = User.password_hash.is_not(None).label("has_password")
    stmt = select(User.id, User.email, User.display_name, has_password).where(User.email.in_(emails))
    return {email: _ExistingUser(user_id, name, bool(pw)) for user_id, email, name, pw in session.execute(stmt)}


def _sync_memberships(
    session: Session, program_id: int, rows: list[ParticipantRow], user_ids: dict[str, int]
) -> _Memberships:
    by_user = {user_ids[row.email]: row for row in rows}
    stmt = select(Membership.id, Membership.user_id, Membership.role).where(
        Membership.program_id == program_id, Membership.user_id.in_(list(by_user))
    )
    existing = {membership.user_id: membership for membership in session.execute(stmt)}
    ids = {by_user[user_id].email: membership.id for user_id, membership in existing.items()}
    new = [row for user_id, row in by_user.items() if user_id not in existing]
    if new:
        values = [{"program_id": program_id, "user_id": user_ids[row.email], "role": row.role} for row in new]
        stmt_insert = insert(_MEMBERSHIPS).returning(_MEMBERSHIPS.c.id, _MEMBERSHIPS.c.user_id)
        created = session.execute(stmt_insert, values)
        ids.update((by_user[user_id].email, membership_id) for membership_id, user_id in created)
    moved = [by_user[user_id] for user_id, membership in existing.items() if membership.role != by_user[user_id].role]
    if moved:
        stmt_update = (
            update(_MEMBERSHIPS).where(_MEMBERSHIPS.c.id == bindparam("b_id")).values(role=bindparam("b_role"))
        )
        session.execute(stmt_update, [{"b_id": ids[row.email], "b_role": row.role} for row in moved])
        end_sessions(session, [user_ids[row.email] for row in moved])  # a new role: sign in afresh
        for row in moved:  # the import's own event (participants_imported) names who uploaded the file
            audit(
                session,
                AuditAction.ROLE_CHANGED,
                actor=None,
                target_type="membership",
                target_id=ids[row.email],
                program_id=program_id,
                detail={
                    "user_id": user_ids[row.email],
                    "from": existing[user_ids[row.email]].role.value,
                    "to": row.role.value,
                    "via": "import",
                },
            )
    return _Memberships(ids, {row.email for row in new}, {row.email for row in moved})


def _sync_profiles(
    session: Session, rows: list[ParticipantRow], membership_ids: dict[str, int], tag_ids: _TagIds
) -> set[str]:
    """Insert or update the profiles and their tag links; return the e-mails whose profile changed."""
    # Coordinators have no profile (see service.get_profile); their profile columns are ignored.
    wanted = {membership_ids[row.email]: row for row in rows if row.role is not Role.COORDINATOR}
    if not wanted:
        return set()
    plan = _plan_profiles(session, wanted, tag_ids)
    if plan.inserts:
        session.execute(insert(_PROFILES), plan.inserts)
    if plan.updates:
        _update_profiles(session, plan.updates)
    _replace_links(session, _SKILLS, plan.skills)
    _replace_links(session, _INTERESTS, plan.interests)
    return plan.changed


def _plan_profiles(session: Session, wanted: dict[int, ParticipantRow], tag_ids: _TagIds) -> _ProfilePlan:
    current = {
        record.membership_id: record._mapping
        for record in session.execute(select(_PROFILES).where(_PROFILES.c.membership_id.in_(list(wanted))))
    }
    skills = _load_skill_links(session, list(wanted))
    interests = _load_interest_links(session, list(wanted))
    plan = _ProfilePlan([], [], {}, {}, set())
    for profile_id, row in wanted.items():
        fields = _profile_fields(row)
        want_skills = _skill_links(row, tag_ids.skills)
        want_interests = [tag_ids.interests[label] for label in row.interests]
        skills_differ = set(want_skills) != skills.get(profile_id, set())
        interests_differ = set(want_interests) != interests.get(profile_id, set())
        profile = current.get(profile_id)
        if profile is None:
            plan.inserts.append({"membership_id": profile_id, **fields})
        elif skills_differ or interests_differ or any(profile[name] != value for name, value in fields.items()):
            plan.updates.append({"b_id": profile_id, "b_version": profile["version"], **fields})
        else:
            continue
        plan.changed.add(row.email)
        if skills_differ:
            plan.skills[profile_id] = [
                {"profile_id": profile_id, "tag_id": tag_id, "kind": kind, "weight": weight}
                for tag_id, kind, weight in want_skills
            ]
        if interests_differ:
            plan.interests[profile_id] = [{"profile_id": profile_id, "tag_id": tag_id} for tag_id in want_interests]
    return plan


def _profile_fields(row: ParticipantRow) -> dict[str, Any]:
    return {
        "bio": row.bio,
        "values": list(row.values),
        "values_note": row.values_note,
        "languages": list(row.languages),
        "timezone": row.timezone,
        "availability": [slot._asdict() for slot in row.availability],
        "department": row.department,
        "line_manager_email": row.line_manager_email,
        "capacity": row.capacity,
    }


def _skill_links(row: ParticipantRow, tag_ids: dict[str, int]) -> list[_SkillLink]:
    return [(tag_ids[skill.label], SkillKind.EXPERTISE, skill.weight) for skill in row.expertise] + [
        (tag_ids[skill.label], SkillKind.WANTED, skill.weight) for skill in row.wanted_skills
    ]


def _load_skill_links(session: Session, profile_ids: list[int]) -> dict[int, set[_SkillLink]]:
    links: dict[int, set[_SkillLink]] = {}
    stmt = select(ProfileSkill.profile_id, ProfileSkill.tag_id, ProfileSkill.kind, ProfileSkill.weight).where(
        ProfileSkill.profile_id.in_(profile_ids)
    )
    for profile_id, tag_id, kind, weight in session.execute(stmt):
        links.setdefault(profile_id, set()).add((tag_id, kind, weight))
    return links


def _load_interest_links(session: Session, profile_ids: list[int]) -> dict[int, set[int]]:
    links: dict[int, set[int]] = {}
    stmt = select(ProfileInterest.profile_id, ProfileInterest.tag_id).where(ProfileInterest.profile_id.in_(profile_ids))
    for profile_id, tag_id in session.execute(stmt):
        links.setdefault(profile_id, set()).add(tag_id)
    return links


def _update_profiles(session: Session, updates: list[dict[str, Any]]) -> None:
    # Bumping the version makes a profile form opened before the import fail instead of
    # silently overwriting it; checking it here does the same for an edit saved during the import.
    stmt = (
        update(_PROFILES)
        .where(_PROFILES.c.membership_id == bindparam("b_id"), _PROFILES.c.version == bindparam("b_version"))
        .values(version=_PROFILES.c.version + 1)
    )
    result = session.execute(stmt, updates)
    if session.get_bind().dialect.supports_sane_multi_rowcount and result.rowcount != len(updates):  # type: ignore[attr-defined]
        raise Conflict(_("Some profiles were changed while the file was imported. Please import it again."))


def _replace_links(session: Session, table: Table, links: dict[int, list[dict[str, Any]]]) -> None:
    if not links:
        return
    session.execute(delete(table).where(table.c.profile_id.in_(list(links))))
    rows = [row for rows in links.values() for row in rows]
    if rows:
        session.execute(insert(table), rows)


# --- export


def _exported_skills(session: Session, program_id: int) -> dict[tuple[int, SkillKind], list[SkillLevel]]:
    stmt = (
        select(ProfileSkill.profile_id, ProfileSkill.kind, Tag.label, ProfileSkill.weight)
        .join(Tag, Tag.id == ProfileSkill.tag_id)
        .join(Membership, Membership.id == ProfileSkill.profile_id)
        .where(Membership.program_id == program_id)
        .order_by(ProfileSkill.id)
    )
    skills: dict[tuple[int, SkillKind], list[SkillLevel]] = {}
    for profile_id, kind, label, weight in session.execute(stmt):
        skills.setdefault((profile_id, kind), []).append(SkillLevel(label, weight))
    return skills


def _exported_interests(session: Session, program_id: int) -> dict[int, list[str]]:
    stmt = (
        select(ProfileInterest.profile_id, Tag.label)
        .join(Tag, Tag.id == ProfileInterest.tag_id)
        .join(Membership, Membership.id == ProfileInterest.profile_id)
        .where(Membership.program_id == program_id)
        .order_by(ProfileInterest.id)
    )
    interests: dict[int, list[str]] = {}
    for profile_id, label in session.execute(stmt):
        interests.setdefault(profile_id, []).append(label)
    return interests


def _export_row(
    record: Row[Any], skills: dict[tuple[int, SkillKind], list[SkillLevel]], interests: dict[int, list[str]]
) -> ParticipantRow:
    data = record._mapping
    membership_id = data[Membership.id]
    return ParticipantRow(
        email=data["email"].lower(),
        name=data["display_name"],
        role=data["role"],
        department=data["department"] or "",
        line_manager_email=data["line_manager_email"] or "",
        timezone=data["timezone"] or "UTC",
        languages=tuple(data["languages"] or ()),
        values=tuple(data["values"] or ()),
        values_note=data["values_note"] or "",
        interests=tuple(interests.get(membership_id, ())),
        expertise=tuple(skills.get((membership_id, SkillKind.EXPERTISE), ())),
        wanted_skills=tuple(skills.get((membership_id, SkillKind.WANTED), ())),
        capacity=data["capacity"] or 0,
        availability=tuple(_slots(data["availability"] or ())),
        bio=data["bio"] or "",
    )


def _slots(availability: Iterable[dict[str, Any]]) -> Iterator[Slot]:
    for slot in availability:
        yield Slot(int(slot["day"]), str(slot["start"]), str(slot["end"]))
