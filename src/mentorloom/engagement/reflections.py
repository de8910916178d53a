"""Reflections: a challenge or mistake, what happened, what we learned, what we will do differently.

The pair's own words: coordinators get 403. A reflection is private (its author only) or shared with the
partner (`partner`); every reader filters on it in the query. The shared ones are the pair's "lessons learned",
which the closing retrospective can take in as text (`lessons_text`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.engagement.celebrations_common import agreed_goals
from mentorloom.engagement.models import Reflection, ReflectionVisibility
from mentorloom.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.meetings.models import Meeting
from mentorloom.mentorships import closing
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.models import Retrospective
from mentorloom.mentorships.validation import Checks

MAX_CHALLENGE = 500
MAX_TEXT = 4000
TEXTS = {"challenge": MAX_CHALLENGE, "what_happened": MAX_TEXT, "learned": MAX_TEXT, "next_time": MAX_TEXT}


def visible(seat: Seat) -> Select[Reflection]:
    """The pair's reflections this person may read: the shared ones and their own private ones."""
    return (
        select(Reflection)
        .where(
            Reflection.mentorship_id == seat.mentorship.id,
            or_(Reflection.visibility == ReflectionVisibility.PARTNER, Reflection.author_id == seat.user.id),
        )
        .order_by(Reflection.created_at.desc(), Reflection.id.desc())
    )


def of_pair(session: Session, seat: Seat) -> list[Reflection]:
    seat.require_pair()
    return list(session.scalars(visible(seat)))


def shared(session: Session, seat: Seat) -> list[Reflection]:
    """The lessons learned: reflections shared with the partner, oldest first (as they happened)."""
    seat.require_pair()
    query = visible(seat).where(Reflection.visibility == ReflectionVisibility.PARTNER)
    return list(session.scalars(query.order_by(None).order_by(Reflection.created_at, Reflection.id)))


def reflection_of(session: Session, seat: Seat, reflection_id: int) -> Reflection:
    seat.require_pair()
    found = session.scalar(visible(seat).where(Reflection.id == reflection_id))
    if found is None:
        raise NotFound(_("Reflection not found."))
    return found


def _checked(session: Session, seat: Seat, fields: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    checks = Checks()
    values: dict[str, Any] = {}
    for name, limit in TEXTS.items():
        if creating or name in fields:
            values[name] = checks.text(fields.get(name), name, limit, required=name == "challenge")
    if "goal_key" in fields:
        key = (fields["goal_key"] or "").strip() or None
        if key is not None and key not in agreed_goals(session, seat.mentorship):
            checks.fail("goal_key", _("Choose one of the goals of your agreement."))
        values["goal_key"] = key
    if "meeting_id" in fields:
        meeting_id = fields["meeting_id"]
        if meeting_id is not None:
            meeting = session.get(Meeting, meeting_id)
            if meeting is None or meeting.mentorship_id != seat.mentorship.id:
                checks.fail("meeting_id", _("Choose one of your meetings."))
        values["meeting_id"] = meeting_id
    if "visibility" in fields and fields["visibility"] is not None:
        values["visibility"] = ReflectionVisibility(fields["visibility"])
    checks.done()
    return values


def create(session: Session, seat: Seat, fields: Mapping[str, Any]) -> Reflection:
    side = seat.require_pair()
    values = _checked(session, seat, fields, creating=True)
    reflection = Reflection(
        mentorship_id=seat.mentorship.id,
        program_id=seat.mentorship.program_id,
        author_id=seat.user.id,
        author_side=side,
        **values,
    )
    session.add(reflection)
    session.flush()
    return reflection


def require_author(seat: Seat, reflection: Reflection) -> None:
    if reflection.author_id != seat.user.id:
        raise PermissionDenied(_("Only the person who wrote this reflection can change it."))


def update(session: Session, seat: Seat, reflection: Reflection, fields: Mapping[str, Any]) -> Reflection:
    """The author changes their reflection, or who may read it."""
    seat.require_pair()
    require_author(seat, reflection)
    values = _checked(session, seat, fields, creating=False)
    for name, value in values.items():
        setattr(reflection, name, value)
    reflection.updated_at = utcnow()
    session.flush()
    return reflection


def delete(session: Session, seat: Seat, reflection: Reflection) -> None:
    seat.require_pair()
    require_author(seat, reflection)
    session.delete(reflection)
    session.flush()


def lessons_text(session: Session, seat: Seat) -> str:
    """The shared lessons as plain text, ready to paste into the closing retrospective ("What we learned")."""
    parts = []
    for r in shared(session, seat):
        lines = [f"- {r.challenge}"]
        if r.learned:
            lines.append(f"  {_('What we learned:')} {r.learned}")
        if r.next_time:
            lines.append(f"  {_('What we will do differently:')} {r.next_time}")
        parts.append("\n".join(lines))
    return "\n".join(parts)


def pull_into_retrospective(session: Session, seat: Seat) -> Retrospective:
    """Add the shared lessons to the caller's closing retrospective ("What we learned"), once.

    Only while the mentorship is completing (the retrospective's own rule); the caller's other answers stay.
    """
    side = seat.require_pair()
    text = lessons_text(session, seat)
    if not text:
        raise Conflict(_("There are no shared lessons yet: share a reflection with your partner first."))
    mine = closing.retrospectives(session, seat.mentorship).get(side)
    current = closing.RetroText(**({f: getattr(mine, f) for f in closing.RETRO_FIELDS} if mine is not None else {}))
    if text not in current.what_we_learned:
        current.what_we_learned = f"{current.what_we_learned}\n\n{text}".strip()
    try:
        return closing.write_retrospective(session, seat, current)
    except ValidationFailed as exc:
        raise ValidationFailed(
            _('Your retrospective would get too long with all lessons: shorten "What we learned" first.'),
            field="what_we_learned",
        ) from exc
