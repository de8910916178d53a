"""Turn a program's profiles into the engine's feature arrays (the only place that knows both sides)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import scipy.sparse as sp
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mentorloom.accounts.models import User
from mentorloom.matching.engine import Labels, MenteeFeatures, MentorFeatures, PairSet, Rules, Weights
from mentorloom.matching.engine.features import HOURS_PER_WEEK, languages_to_mask
from mentorloom.matching.engine.similarity import tag_credit
from mentorloom.matching.models import MatchPreference, PreferenceKind, Proposal, ProposalStatus
from mentorloom.mentorships.models import OCCUPYING, Mentorship
from mentorloom.mentorships.placement import holds_slots, occupied_slots
from mentorloom.profiles.embeddings import DIM, from_bytes
from mentorloom.profiles.models import Profile, SkillKind, Tag
from mentorloom.profiles.tags import tag_vectors
from mentorloom.profiles.vocab import WORK_VALUES
from mentorloom.programs.models import Membership, Program, Role
from mentorloom.programs.schemas import ProgramSettings
from mentorloom.programs.service import program_settings

VALUE_KEYS = list(WORK_VALUES)
MAX_CHAIN = 10  # management chains longer than this are cut (and cycles stop) when walking line managers


@dataclass
class ProgramInputs:
    """Engine inputs plus the membership ids behind each row, to map results back."""

    mentee_ids: list[int]
    mentor_ids: list[int]
    mentees: MenteeFeatures
    mentors: MentorFeatures
    labels: Labels
    rules: Rules
    weights: Weights

    def mentee_index(self) -> dict[int, int]:
        return {mid: i for i, mid in enumerate(self.mentee_ids)}

    def mentor_index(self) -> dict[int, int]:
        return {mid: j for j, mid in enumerate(self.mentor_ids)}


def _profiles(session: Session, program_id: int, role: Role, only: Sequence[int] | None = None) -> list[Profile]:
    # an erased person keeps their membership (program figures stay) but is no candidate for anything new
    query = (
        select(Profile)
        .join(Membership)
        .join(User, Membership.user_id == User.id)
        .where(Membership.program_id == program_id, Membership.role == role, User.erased_at.is_(None))
        .options(
            selectinload(Profile.skills),
            selectinload(Profile.interests),
            selectinload(Profile.membership).selectinload(Membership.user),
        )
        .order_by(Profile.membership_id)
    )
    if only is not None:
        query = query.where(Profile.membership_id.in_(list(only)))
    return list(session.scalars(query))


@holds_slots
def offered_slots(session: Session, program_id: int) -> dict[int, int]:
    """Per mentor: published offers awaiting an answer, which hold a slot like a mentorship (placement counts them)."""
    offers = session.execute(
        select(Proposal.mentor_id, func.count())
        .where(Proposal.program_id == program_id, Proposal.status == ProposalStatus.OFFERED)
        .group_by(Proposal.mentor_id)
    )
    return {mentor_id: n for mentor_id, n in offers if mentor_id is not None}


def engaged_mentees(session: Session, program_id: int) -> set[int]:
    """Mentees who already have a mentorship or an open offer: matching runs leave them out."""
    with_mentor = select(Mentorship.mentee_id).where(
        Mentorship.program_id == program_id, Mentorship.status.in_(OCCUPYING)
    )
    offered = select(Proposal.mentee_id).where(
        Proposal.program_id == program_id, Proposal.status == ProposalStatus.OFFERED
    )
    return set(session.scalars(with_mentor)) | set(session.scalars(offered))


def build_inputs(
    session: Session,
    program: Program,
    *,
    mentee_ids: Sequence[int] | None = None,
    extra_excluded: Sequence[tuple[int, int]] = (),
) -> ProgramInputs:
    """Features of the program's free mentees (or `mentee_ids`) and all its mentors with spare capacity."""
    engaged = engaged_mentees(session, program.id)
    mentees = [p for p in _profiles(session, program.id, Role.MENTEE, mentee_ids) if p.membership_id not in engaged]
    mentors = _profiles(session, program.id, Role.MENTOR)
    load = occupied_slots(session, program.id)
    now = datetime.now(UTC)
    skill_tags = _tag_ids([s.tag for p in mentees + mentors for s in p.skills])
    interest_tags = _tag_ids([i.tag for p in mentees + mentors for i in p.interests])
    skills = _index(list(skill_tags))
    interests = _index(list(interest_tags))
    languages = _index([code for p in mentees + mentors for code in p.languages])
    departments = _index([p.department.strip().casefold() for p in mentees + mentors if p.department.strip()])
    common: dict[str, Any] = dict(
        skills=skills, interests=interests, languages=languages, departments=departments, now=now
    )
    mentee_features = MenteeFeatures(
        **_shared(mentees, **common), wanted=_skill_matrix(mentees, skills, SkillKind.WANTED)
    )
    capacity = np.array([max(0, p.capacity - load.get(p.membership_id, 0)) for p in mentors], dtype=np.int64)
    mentor_features = MentorFeatures(
        **_shared(mentors, **common),
        capacity=capacity,
        expertise=_skill_matrix(mentors, skills, SkillKind.EXPERTISE),
        skill_credit=_credit(session, skill_tags),
        interest_credit=_credit(session, interest_tags),
    )
    settings = program_settings(program)
    inputs = ProgramInputs(
        mentee_ids=[p.membership_id for p in mentees],
        mentor_ids=[p.membership_id for p in mentors],
        mentees=mentee_features,
        mentors=mentor_features,
        labels=Labels(skills=list(skills), values=VALUE_KEYS, interests=list(interests), languages=list(languages)),
        rules=Rules(),
        weights=Weights.from_mapping(settings.matching_weights.model_dump()),
    )
    inputs.rules = _rules(session, program, inputs, mentees, mentors, settings, extra_excluded)
    return inputs


def _credit(session: Session, tag_ids: dict[str, int]) -> sp.csr_matrix:
    """Meaning credit between the columns; a program without such tags still has one (empty) column."""
    vectors = tag_vectors(session, list(tag_ids.values()))
    if not tag_ids:
        vectors = np.zeros((1, vectors.shape[1]), dtype=np.float32)
    return tag_credit(vectors)


def _tag_ids(tags: Sequence[Tag]) -> dict[str, int]:
    """Tag id per distinct label, in first-seen order (the column order of the feature matrices)."""
    out: dict[str, int] = {}
    for tag in tags:
        out.setdefault(tag.label, tag.id)
    return out


def _index(labels: Sequence[str]) -> dict[str, int]:
    """Column index per distinct label (skills/interests by their display label, already normalised on save)."""
    out: dict[str, int] = {}
    for label in labels:
        out.setdefault(label, len(out))
    return out


def _shared(
    profiles: list[Profile],
    *,
    skills: dict[str, int],
    interests: dict[str, int],
    languages: dict[str, int],
    departments: dict[str, int],
    now: datetime,
) -> dict[str, Any]:
    n = len(profiles)
    values = np.zeros((n, len(VALUE_KEYS)), dtype=np.bool_)
    value_col = {k: c for c, k in enumerate(VALUE_KEYS)}
    rows, cols = [], []
    for i, p in enumerate(profiles):
        values[i, [value_col[v] for v in p.values if v in value_col]] = True
        for interest in p.interests:
            rows.append(i)
            cols.append(interests[interest.tag.label])
    interest_matrix = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, max(len(interests), 1))
    )
    lang_mask = languages_to_mask([[languages[code] for code in p.languages] for p in profiles])
    offsets = np.array([_utc_offset_hours(p.timezone, now) for p in profiles], dtype=np.float64)
    availability = np.zeros((n, HOURS_PER_WEEK), dtype=np.bool_)
    for i, p in enumerate(profiles):
        _fill_availability(availability[i], p.availability, offsets[i])
    department = np.array([departments.get(p.department.strip().casefold(), -1) for p in profiles], dtype=np.int64)
    return dict(
        values=values,
        interests=interest_matrix,
        languages=lang_mask,
        utc_offset=offsets,
        availability=availability,
        embeddings=_embeddings(profiles),
        department=department,
    )


def _embeddings(profiles: list[Profile]) -> np.ndarray | None:
    if not any(p.embedding for p in profiles):
        return None
    out = np.zeros((len(profiles), DIM), dtype=np.float32)
    for i, p in enumerate(profiles):
        if p.embedding:
            out[i] = from_bytes(p.embedding)
    return out


def _skill_matrix(profiles: list[Profile], skills: dict[str, int], kind: SkillKind) -> np.ndarray:
    matrix = np.zeros((len(profiles), max(len(skills), 1)), dtype=np.uint8)
    for i, p in enumerate(profiles):
        for s in p.skills:
            if s.kind is kind:
                matrix[i, skills[s.tag.label]] = s.weight
    return matrix


def _utc_offset_hours(name: str, now: datetime) -> float:
    try:
        offset = now.astimezone(ZoneInfo(name)).utcoffset()
    except (KeyError, ValueError):
        return 0.0
    return offset.total_seconds() / 3600 if offset else 0.0


def _fill_availability(row: np.ndarray, windows: list[dict[str, object]], offset: float) -> None:
    """Mark the UTC hours of the week covered by local-time windows (partial hours count)."""
    for window in windows:
        start = int(window["day"]) * 24 + _hours(str(window["start"])) - offset  # type: ignore[call-overload]
        end = int(window["day"]) * 24 + _hours(str(window["end"])) - offset  # type: ignore[call-overload]
        for hour in range(int(np.floor(start)), int(np.ceil(end))):
            row[hour % HOURS_PER_WEEK] = True


def _hours(hhmm: str) -> float:
    hours, minutes = hhmm.split(":")
    return int(hours) + int(minutes) / 60


def _rules(
    session: Session,
    program: Program,
    inputs: ProgramInputs,
    mentees: list[Profile],
    mentors: list[Profile],
    settings: ProgramSettings,
    extra: Sequence[tuple[int, int]],
) -> Rules:
    ti, tj = inputs.mentee_index(), inputs.mentor_index()
    excluded = [(ti[a], tj[b]) for a, b in extra if a in ti and b in tj]
    preferred = []
    for pref in session.scalars(select(MatchPreference).where(MatchPreference.program_id == program.id)):
        if pref.kind is PreferenceKind.AVOID:
            if pref.owner_id in ti and pref.target_id in tj:
                excluded.append((ti[pref.owner_id], tj[pref.target_id]))
            if pref.owner_id in tj and pref.target_id in ti:
                excluded.append((ti[pref.target_id], tj[pref.owner_id]))
        elif pref.owner_id in ti and pref.target_id in tj:
            preferred.append((ti[pref.owner_id], tj[pref.target_id]))
    excluded += _management_pairs(session, program.id, mentees, mentors)
    return Rules(
        excluded=PairSet.of(excluded),
        preferred=PairSet.of(preferred),
        exclude_same_department=settings.exclude_same_department,
        priority=np.array(sorted(ti[m] for m in rematch_priority_mentees(session, program.id) if m in ti), np.int64),
    )


def rematch_priority_mentees(session: Session, program_id: int) -> set[int]:
    """Mentees whose latest mentorship ended early with a re-match promised (e.g. a private "no" at the fit check).

    Only the latest counts: once the promised new match has happened, an old flag must not win places again.
    """
    latest = select(func.max(Mentorship.id)).where(Mentorship.program_id == program_id).group_by(Mentorship.mentee_id)
    return set(
        session.scalars(select(Mentorship.mentee_id).where(Mentorship.id.in_(latest), Mentorship.rematch_priority))
    )


def _management_pairs(
    session: Session, program_id: int, mentees: list[Profile], mentors: list[Profile]
) -> list[tuple[int, int]]:
    """(mentee, mentor) rows where the mentor is the mentee's line manager or further up the chain."""
    managers = dict(
        session.execute(
            select(User.email, Profile.line_manager_email)
            .join(Membership, Membership.user_id == User.id)
            .join(Profile, Profile.membership_id == Membership.id)
            .where(Membership.program_id == program_id)
        ).all()
    )
    mentor_rows: dict[str, list[int]] = {}
    for j, p in enumerate(mentors):
        mentor_rows.setdefault(p.membership.user.email, []).append(j)
    pairs = []
    for i, p in enumerate(mentees):
        boss, seen = p.line_manager_email, set[str]()
        while boss and boss not in seen and len(seen) < MAX_CHAIN:
            seen.add(boss)
            pairs += [(i, j) for j in mentor_rows.get(boss, [])]
            boss = managers.get(boss, "")
    return pairs


def allowed(inputs: ProgramInputs, i: int, j: int) -> bool:
    """The hard rules for one pair: a common language, not excluded, not the same department if so set."""
    if not inputs.mentees.languages[i] & inputs.mentors.languages[j]:
        return False
    excluded = inputs.rules.excluded
    if np.any((excluded.mentee == i) & (excluded.mentor == j)):
        return False
    same = inputs.mentees.department[i] >= 0 and inputs.mentees.department[i] == inputs.mentors.department[j]
    return not (inputs.rules.exclude_same_department and same)
