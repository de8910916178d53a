"""Participant profiles: read, edit (with optimistic locking) and the searchable directory."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Select, String, cast, exists, func, or_, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from mentorloom.accounts.models import User
from mentorloom.accounts.service import normalise_email
from mentorloom.db import utcnow
from mentorloom.errors import Conflict, NotFound
from mentorloom.i18n import gettext as _
from mentorloom.jobs import schedule
from mentorloom.pagination import Page, paginate
from mentorloom.profiles.embeddings import TextEncoder, profile_text, text_digest, to_bytes
from mentorloom.profiles.models import Profile, ProfileInterest, ProfileSkill, SkillKind, Tag, TagKind
from mentorloom.profiles.schemas import (
    AvailabilityWindow,
    ParticipantSummary,
    ProfileIn,
    ProfileOut,
    SkillLevel,
    SkillWish,
)
from mentorloom.profiles.tags import get_or_create_tags
from mentorloom.profiles.vocab import tag_key
from mentorloom.programs.mails import invited_members
from mentorloom.programs.models import Membership, Role

PER_PAGE = 25


def get_profile(session: Session, membership: Membership) -> Profile:
    profile = session.get(Profile, membership.id)
    if profile is None:
        raise NotFound(_("This person has no participant profile (coordinators have none)."))
    return profile


def profile_out(profile: Profile, *, show_private: bool) -> ProfileOut:
    """The profile as others see it; `show_private` (permissions.may_edit_profile) adds the line manager."""
    membership, user = profile.membership, profile.membership.user
    return ProfileOut(
        membership_id=membership.id,
        user_id=user.id,
        name=user.display_name,
        email=user.email,
        role=membership.role,
        bio=profile.bio,
        values=list(profile.values),
        values_note=profile.values_note,
        languages=list(profile.languages),
        timezone=profile.timezone,
        availability=[AvailabilityWindow.model_validate(w) for w in profile.availability],
        department=profile.department,
        line_manager_email=profile.line_manager_email if show_private else "",
        capacity=profile.capacity,
        expertise=[
            SkillLevel(skill=s.tag.label, level=s.weight) for s in profile.skills if s.kind is SkillKind.EXPERTISE
        ],
        wanted_skills=[
            SkillWish(skill=s.tag.label, priority=s.weight) for s in profile.skills if s.kind is SkillKind.WANTED
        ],
        interests=[i.tag.label for i in profile.interests],
        version=profile.version,
    )


EMBED_JOB = "profiles.embed"


def may_rename(person: User, editor: User | None) -> bool:
    """Whether a profile save by `editor` may set the person's name (None: not the person, e.g. a script).

    A signed-in person's name is theirs and holds in every program, so only they change it; anyone
    else (a coordinator, like the import) may name only an account whose owner has not signed in yet.
    """
    return not person.has_password or (editor is not None and editor.id == person.id)


def update_profile(session: Session, profile: Profile, data: ProfileIn, *, editor: User | None = None) -> Profile:
    """Save a profile; a save based on an older version answers Conflict instead of overwriting.

    The name is applied only as `may_rename` allows; everything else belongs to the program's profile.
    """
    if data.version is not None and data.version != profile.version:
        raise _stale_version()
    role = profile.membership.role
    # Everything that queries or may refuse comes before the first change: a query would autoflush the
    # half-edited row, and a concurrent save would then surface outside the version check below.
    skills = _skill_rows(session, data, role)
    interest_tags = get_or_create_tags(session, TagKind.INTEREST, data.interests)
    line_manager_email = (
        normalise_email(data.line_manager_email, "line_manager_email") if data.line_manager_email else ""
    )
    try:
        with session.no_autoflush:
            person = profile.membership.user
            if may_rename(person, editor):
                person.display_name = data.name
            for field in ("bio", "values", "values_note", "languages", "timezone", "department"):
                setattr(profile, field, getattr(data, field))
            profile.availability = [w.model_dump() for w in data.availability]
            profile.line_manager_email = line_manager_email
            profile.capacity = data.capacity if role is Role.MENTOR else 0
            # The version only bumps when a profiles column changes; skills, interests and the name live
            # elsewhere, so touch the row to make every save count and let older forms conflict.
            profile.updated_at = utcnow()
            _replace_skills(session, profile, skills)
            _replace_interests(session, profile, interest_tags)
            session.flush()
    except StaleDataError as exc:
        raise _stale_version() from exc
    # Only this profile's text is re-embedded, by the worker once the save commits.
    schedule(session, EMBED_JOB, program_id=profile.membership.program_id, membership_ids=[profile.membership_id])
    return profile


def _stale_version() -> Conflict:
    return Conflict(_("Someone else changed this profile meanwhile. Reload to see their version."), field="version")


def _skill_rows(session: Session, data: ProfileIn, role: Role) -> list[tuple[SkillKind, Tag, int]]:
    """The (kind, tag, weight) rows a profile of this role keeps; "Python" and " python " are one skill."""
    wishes: list[tuple[SkillKind, str, int]] = []
    if role is Role.MENTOR:
        wishes += [(SkillKind.EXPERTISE, s.skill, s.level) for s in data.expertise]
    if role is Role.MENTEE:
        wishes += [(SkillKind.WANTED, s.skill, s.priority) for s in data.wanted_skills]
    tags = get_or_create_tags(session, TagKind.SKILL, [label for _kind, label, _w in wishes])
    rows: dict[tuple[SkillKind, int], tuple[SkillKind, Tag, int]] = {}
    for kind, label, weight in wishes:
        tag = tags[tag_key(label)]
        rows.setdefault((kind, tag.id), (kind, tag, weight))
    return list(rows.values())


def _replace_skills(session: Session, profile: Profile, rows: list[tuple[SkillKind, Tag, int]]) -> None:
    profile.skills.clear()
    session.flush()  # the old rows go first: a kept skill would otherwise break the unique constraint
    for kind, tag, weight in rows:
        profile.skills.append(ProfileSkill(tag_id=tag.id, tag=tag, kind=kind, weight=weight))


def _replace_interests(session: Session, profile: Profile, tags: dict[str, Tag]) -> None:
    profile.interests.clear()
    session.flush()  # as in _replace_skills
    for tag in {t.id: t for t in tags.values()}.values():
        profile.interests.append(ProfileInterest(tag_id=tag.id, tag=tag))


def directory_query(
    program_id: int,
    *,
    q: str = "",
    role: Role | None = None,
    skill: str = "",
    language: str = "",
    with_erased: bool = False,
) -> Select[Membership]:
    """Participants of one program, filtered; the caller has checked the program is visible.

    Erased people are left out unless `with_erased` (the program's coordinators and administrators): they see
    the row under its neutral label, so the directory adds up to the program's figures.
    """
    # One outer join to profiles serves every filter (coordinators have no profile row).
    query = (
        select(Membership)
        .join(User)
        .outerjoin(Profile, Profile.membership_id == Membership.id)
        .where(Membership.program_id == program_id)
    )
    if not with_erased:
        query = query.where(User.erased_at.is_(None))
    if role is not None:
        query = query.where(Membership.role == role)
    if q.strip():
        pattern = f"%{q.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(User.display_name).like(pattern),
                func.lower(User.email).like(pattern),
                func.lower(Profile.department).like(pattern),
            )
        )
    if skill.strip():
        has_skill = (
            exists()
            .where(ProfileSkill.profile_id == Membership.id, ProfileSkill.tag_id == Tag.id, Tag.key == tag_key(skill))
            .correlate(Membership)
        )
        query = query.where(has_skill)
    if language.strip():
        # JSON arrays are stored as text on both databases' JSON types; a quoted code is unambiguous.
        query = query.where(cast(Profile.languages, String).like(f'%"{language.lower()}"%'))
    return query


def directory_page(
    session: Session, query: Select[Membership], page: int = 1, per_page: int = PER_PAGE
) -> Page[ParticipantSummary]:
    members = paginate(
        session,
        query.options(selectinload(Membership.user)),
        page,
        per_page,
        order_by=(User.display_name, Membership.id),
        clamp=True,
    )
    profiles = {
        p.membership_id: p
        for p in session.scalars(
            select(Profile)
            .where(Profile.membership_id.in_([m.id for m in members.rows]))
            .options(selectinload(Profile.skills))
        )
    }
    program_ids = {m.program_id for m in members.rows}
    invited = invited_members(session, program_ids.pop(), members.rows) if len(program_ids) == 1 else set()
    return members.as_page(lambda m: _summary(m, profiles.get(m.id), invited=m.id in invited))


def _summary(membership: Membership, profile: Profile | None, *, invited: bool = False) -> ParticipantSummary:
    return ParticipantSummary(
        membership_id=membership.id,
        name=membership.user.display_name,
        email=membership.user.email,
        role=membership.role,
        department=profile.department if profile else "",
        languages=list(profile.languages) if profile else [],
        skills=[s.tag.label for s in profile.skills] if profile else [],
        invitation_pending=not membership.user.has_password,
        invitation_sent=invited,
    )


def stale_embedding_ids(
    session: Session, program_id: int, model: str, membership_ids: list[int] | None = None
) -> list[int]:
    """Profiles of a program (or just these of it) whose text or encoder changed since they were last embedded."""
    query = (
        select(
            Profile.membership_id, Profile.bio, Profile.values_note, Profile.embedding_model, Profile.embedding_source
        )
        .join(Membership)
        .where(Membership.program_id == program_id)
        .order_by(Profile.membership_id)
    )
    if membership_ids is not None:
        query = query.where(Profile.membership_id.in_(membership_ids))
    rows = session.execute(query)
    return [
        r.membership_id
        for r in rows
        if r.embedding_model != model or r.embedding_source != text_digest(profile_text(r.bio, r.values_note))
    ]


def programs_with_stale_embeddings(session: Session, model: str) -> list[int]:
    """Programs with a profile never embedded, or embedded by another model (cheap: no text is hashed)."""
    return list(
        session.scalars(select(Membership.program_id).join(Profile).where(Profile.embedding_model != model).distinct())
    )


def embed_profiles(session: Session, membership_ids: list[int], encoder: TextEncoder) -> int:
    """Compute and store the embeddings of these profiles; returns how many."""
    rows = session.execute(
        select(Profile.membership_id, Profile.bio, Profile.values_note).where(Profile.membership_id.in_(membership_ids))
    ).all()
    texts = [profile_text(r.bio, r.values_note) for r in rows]
    vectors = encoder.encode(texts) if rows else np.zeros((0, 0), dtype=np.float32)
    for row, text, vector in zip(rows, texts, vectors, strict=True):
        # A direct UPDATE: the embedding is derived data and must not bump the optimistic-lock version.
        session.execute(
            update(Profile)
            .where(Profile.membership_id == row.membership_id)
            .values(embedding=to_bytes(vector), embedding_model=encoder.name, embedding_source=text_digest(text))
        )
    return len(rows)


def person_timezone(session: Session, user_id: int) -> str:
    """The time zone to show someone's dates and times in: their profile's (the latest saved one, if they
    take part in several programs); for coordinators, who have no profile, the zone most people of their
    programs are in; UTC when there is neither."""
    own = session.scalar(
        select(Profile.timezone)
        .join(Membership)
        .where(Membership.user_id == user_id)
        .order_by(Profile.updated_at.desc())
        .limit(1)
    )
    if own:
        return own
    programs = select(Membership.program_id).where(Membership.user_id == user_id)
    usual = session.scalar(
        select(Profile.timezone)
        .join(Membership)
        .where(Membership.program_id.in_(programs))
        .group_by(Profile.timezone)
        .order_by(func.count().desc(), Profile.timezone)
        .limit(1)
    )
    return usual or "UTC"


def usual_timezones(session: Session, program_id: int, limit: int = 3) -> list[str]:
    """The time zones most of the program's people are in (UTC, the default, left out)."""
    rows = session.execute(
        select(Profile.timezone, func.count())
        .join(Membership)
        .where(Membership.program_id == program_id, Profile.timezone != "UTC")
        .group_by(Profile.timezone)
        .order_by(func.count().desc(), Profile.timezone)
        .limit(limit)
    )
    return [name for name, _count in rows]
