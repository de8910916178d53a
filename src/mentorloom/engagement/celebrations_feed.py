"""The program's celebration feed: reached milestones of pairs where both people agreed, and shared kudos.

Consent is read with the feed (a join on `PairEngagementSettings`), so a person who withdraws takes the pair's
milestones off at once. Names of the two people appear only where both agreed; a shared kudos of any other
pair stands without names. A private kudos is never a candidate: the query asks for `shared` in SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from mentorloom.engagement import milestones
from mentorloom.engagement.models import Kudos, Milestone, PairEngagementSettings
from mentorloom.i18n import gettext as _
from mentorloom.mentorships.models import Mentorship
from mentorloom.programs.models import Program

_BOTH = and_(
    PairEngagementSettings.mentor_shares_celebrations.is_(True),
    PairEngagementSettings.mentee_shares_celebrations.is_(True),
)


@dataclass(frozen=True)
class FeedItem:
    kind: str  # milestone | kudos
    id: int
    at: datetime
    title: str  # a milestone's title (in the reader's language); empty for kudos
    text: str  # a milestone's note or the kudos' text
    pair: str | None  # "Mentor and Mentee", only where both people agreed to share
    from_coordination: bool = False


@dataclass(frozen=True)
class Feed:
    items: list[FeedItem]
    total: int
    page: int
    pages: int
    per_page: int


def consenting(session: Session, mentorship_ids: set[int]) -> set[int]:
    """Those of the pairs whose two people both agreed to share their celebrations."""
    if not mentorship_ids:
        return set()
    return set(
        session.scalars(
            select(PairEngagementSettings.mentorship_id).where(
                PairEngagementSettings.mentorship_id.in_(mentorship_ids), _BOTH
            )
        )
    )


def feed(session: Session, program: Program, page: int = 1, per_page: int = 20) -> Feed:
    shown = (
        select(
            literal_column("'milestone'", String).label("kind"),
            Milestone.id.label("id"),
            Milestone.reached_at.label("at"),
        )
        .join(PairEngagementSettings, PairEngagementSettings.mentorship_id == Milestone.mentorship_id)
        .where(Milestone.program_id == program.id, Milestone.reached_at.is_not(None), _BOTH)
    )
    kudos = select(
        literal_column("'kudos'", String).label("kind"), Kudos.id.label("id"), Kudos.created_at.label("at")
    ).where(Kudos.program_id == program.id, Kudos.shared.is_(True))
    both = union_all(shown, kudos).subquery()
    total = session.scalar(select(func.count()).select_from(both)) or 0
    pages = max(1, math.ceil(total / per_page))
    rows = session.execute(
        select(both.c.kind, both.c.id)
        .order_by(both.c.at.desc(), both.c.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    milestone_ids = [row.id for row in rows if row.kind == "milestone"]
    kudos_ids = [row.id for row in rows if row.kind == "kudos"]
    found_m = {m.id: m for m in session.scalars(select(Milestone).where(Milestone.id.in_(milestone_ids)))}
    found_k = {k.id: k for k in session.scalars(select(Kudos).where(Kudos.id.in_(kudos_ids), Kudos.shared.is_(True)))}
    pair_ids = {m.mentorship_id for m in found_m.values()} | {k.mentorship_id for k in found_k.values()}
    agreed = consenting(session, pair_ids)
    names = _names(session, agreed)
    items: list[FeedItem] = []
    for row in rows:
        if row.kind == "milestone" and (m := found_m.get(row.id)) is not None:
            items.append(
                FeedItem(
                    "milestone",
                    m.id,
                    m.reached_at or m.created_at,
                    milestones.display_title(m),
                    m.note,
                    names.get(m.mentorship_id),
                )
            )
        elif row.kind == "kudos" and (k := found_k.get(row.id)) is not None:
            items.append(
                FeedItem("kudos", k.id, k.created_at, "", k.text, names.get(k.mentorship_id), k.from_side is None)
            )
    return Feed(items, total, page, pages, per_page)


def _names(session: Session, mentorship_ids: set[int]) -> dict[int, str]:
    result: dict[int, str] = {}
    for mentorship in session.scalars(select(Mentorship).where(Mentorship.id.in_(mentorship_ids))):
        result[mentorship.id] = _(
            "%(mentor)s and %(mentee)s",
            mentor=mentorship.mentor.user.display_name,
            mentee=mentorship.mentee.user.display_name,
        )
    return result
