"""Skill and interest tags: bulk get-or-create for imports and forms, prefix suggestions for autocomplete,
and the embeddings of their labels, by which matching compares tags across languages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

import numpy as np
from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
from mentorloom.jobs import schedule
from mentorloom.profiles.embeddings import DIM, TextEncoder, Vectors, from_bytes, to_bytes
from mentorloom.profiles.models import ProfileInterest, ProfileSkill, Tag, TagKind
from mentorloom.profiles.vocab import TAG_MAX_LENGTH, tag_key, tag_label
from mentorloom.programs.models import Membership

# Keeps IN lists well below every backend's bound-parameter limit.
CHUNK_SIZE = 500
MAX_SUGGESTIONS = 50
# The participant CSV format separates list items with it (see csv_format.LIST_SEPARATOR).
FORBIDDEN_IN_TAGS = "|"
TAG_EMBED_JOB = "profiles.embed_tags"
T = TypeVar("T")


def get_or_create_tags(session: Session, kind: TagKind, raw_labels: Iterable[str]) -> dict[str, Tag]:
    """The tags for these labels by normalised key, creating missing ones with the first-seen spelling."""
    wanted = _normalise(raw_labels)
    tags = _load(session, kind, wanted)
    missing = {key: label for key, label in wanted.items() if key not in tags}
    if missing:
        _insert_missing(session, kind, missing)
        tags.update(_load(session, kind, missing))
    return tags


def suggest_tags(session: Session, program_id: int, kind: TagKind, prefix: str, limit: int = 10) -> list[Tag]:
    """Tags of one kind on the program's profiles whose key starts with what the user typed, most used first.

    Tags are shared by all programs and also name skills on a pair's private goals: only tags on this
    program's profiles (which its members see in the directory anyway) may be suggested.
    """
    usage = ProfileSkill if kind is TagKind.SKILL else ProfileInterest
    uses = (
        select(usage.tag_id, func.count().label("uses"))
        .join(Membership, Membership.id == usage.profile_id)
        .where(Membership.program_id == program_id)
        .group_by(usage.tag_id)
        .subquery()
    )
    stmt = select(Tag).join(uses, uses.c.tag_id == Tag.id).where(Tag.kind == kind).order_by(uses.c.uses.desc(), Tag.key)
    key = tag_key(prefix)
    if key:
        stmt = stmt.where(Tag.key.startswith(key, autoescape=True))
    return list(session.scalars(stmt.limit(max(1, min(limit, MAX_SUGGESTIONS)))))


def _normalise(raw_labels: Iterable[str]) -> dict[str, str]:
    wanted: dict[str, str] = {}
    problems: list[dict[str, object]] = []
    for raw in raw_labels:
        label = tag_label(raw)
        if not label:
            continue
        key = tag_key(label)
        if len(label) > TAG_MAX_LENGTH or len(key) > TAG_MAX_LENGTH:
            message = ngettext(
                'Tag "%(tag)s" is longer than %(num)d character.',
                'Tag "%(tag)s" is longer than %(num)d characters.',
                TAG_MAX_LENGTH,
                tag=label[:20] + "…",
            )
            problems.append({"field": "tags", "message": message})
        elif FORBIDDEN_IN_TAGS in label:
            message = _('Tag "%(tag)s" must not contain "%(char)s".', tag=label, char=FORBIDDEN_IN_TAGS)
            problems.append({"field": "tags", "message": message})
        else:
            wanted.setdefault(key, label)
    if problems:
        raise ValidationFailed(str(problems[0]["message"]), field="tags", errors=problems)
    return wanted


def _load(session: Session, kind: TagKind, keys: Iterable[str]) -> dict[str, Tag]:
    tags: dict[str, Tag] = {}
    for chunk in _chunks(list(keys)):
        tags.update((tag.key, tag) for tag in session.scalars(select(Tag).where(Tag.kind == kind, Tag.key.in_(chunk))))
    return tags


def _insert_missing(session: Session, kind: TagKind, missing: dict[str, str]) -> None:
    rows = [{"kind": kind, "key": key, "label": label} for key, label in missing.items()]
    # Tags are shared by all programs, so two imports may race for the same new key; the
    # loser skips the row and picks up the winner's tag when it reloads.
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(pg_insert(Tag).on_conflict_do_nothing(index_elements=["kind", "key"]), rows)
    elif dialect == "sqlite":
        session.execute(sqlite_insert(Tag).on_conflict_do_nothing(index_elements=["kind", "key"]), rows)
    else:
        session.execute(insert(Tag), rows)
    # one waiting job embeds every new tag, however many imports and profile saves created some meanwhile
    schedule(session, TAG_EMBED_JOB, key=TAG_EMBED_JOB)


def stale_tag_ids(session: Session, model: str, limit: int | None = None) -> list[int]:
    """Tags not yet embedded by this encoder (new, or embedded by another one)."""
    stmt = select(Tag.id).where(Tag.embedding_model != model).order_by(Tag.id)
    return list(session.scalars(stmt if limit is None else stmt.limit(limit)))


def embed_tags(session: Session, tag_ids: Sequence[int], encoder: TextEncoder) -> int:
    """Compute and store the embeddings of these tags' labels; returns how many."""
    tags = session.execute(select(Tag.id, Tag.label).where(Tag.id.in_(list(tag_ids)))).all()
    if not tags:
        return 0
    vectors = encoder.encode([label for _id, label in tags])
    for (tag_id, _label), vector in zip(tags, vectors, strict=True):
        session.execute(
            update(Tag).where(Tag.id == tag_id).values(embedding=to_bytes(vector), embedding_model=encoder.name)
        )
    return len(tags)


def tag_vectors(session: Session, tag_ids: Sequence[int]) -> Vectors:
    """The stored embeddings of these tags, one row each in the given order.

    Vectors of different encoders cannot be compared: only tags embedded by the encoder most of them share
    get a row; the others (not embedded yet, or by an old encoder until the hourly job catches up) stay zero,
    which matches them exactly and never by meaning.
    """
    rows = {
        tag_id: (model, data)
        for chunk in _chunks(list(tag_ids))
        for tag_id, model, data in session.execute(
            select(Tag.id, Tag.embedding_model, Tag.embedding).where(Tag.id.in_(chunk))
        )
    }
    models = [model for model, data in rows.values() if data]
    out = np.zeros((len(tag_ids), DIM), dtype=np.float32)
    if not models:
        return out
    usual = max(set(models), key=models.count)
    for row, tag_id in enumerate(tag_ids):
        model, data = rows.get(tag_id, ("", None))
        if data and model == usual:
            out[row] = from_bytes(data)
    return out


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK_SIZE):
        yield items[start : start + CHUNK_SIZE]
