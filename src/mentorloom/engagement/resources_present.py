"""Resources as the API and the pages show them: with tags, goal title and who shared them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.engagement.models import Resource
from mentorloom.engagement.resources import Found, goal_titles, tags_of
from mentorloom.engagement.schemas.resources import ResourceOut, ResourcePageOut, TagCount
from mentorloom.mentorships.models import Mentorship


def page_out(session: Session, user: User, found: Found, page: int, per_page: int) -> ResourcePageOut:
    return ResourcePageOut(
        items=items_out(session, user, found.items, found.tags),
        total=found.total,
        page=page,
        per_page=per_page,
        pages=max(1, -(-found.total // per_page)),
        tags=[TagCount(tag=tag, count=n) for tag, n in found.facets],
    )


def items_out(session: Session, user: User, items: list[Resource], tags: dict[int, list[str]]) -> list[ResourceOut]:
    sharers = {r.shared_by_id for r in items if r.shared_by_id is not None}
    names: dict[int, str] = (
        {uid: name for uid, name in session.execute(select(User.id, User.display_name).where(User.id.in_(sharers)))}
        if sharers
        else {}
    )
    titles: dict[int, dict[str, str]] = {}
    for mentorship_id in {r.mentorship_id for r in items if r.goal_key and r.mentorship_id}:
        mentorship = session.get(Mentorship, mentorship_id)
        titles[mentorship_id] = goal_titles(session, mentorship) if mentorship else {}
    return [
        ResourceOut(
            id=r.id,
            url=r.url,
            title=r.title,
            why=r.why,
            goal_key=r.goal_key,
            goal_title=titles.get(r.mentorship_id or 0, {}).get(r.goal_key or ""),
            tags=tags.get(r.id, []),
            library=r.mentorship_id is None,
            mentorship_id=r.mentorship_id,
            shared_by=names.get(r.shared_by_id) if r.shared_by_id else None,
            mine=r.shared_by_id == user.id,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
        for r in items
    ]


def one_out(session: Session, user: User, resource: Resource) -> ResourceOut:
    return items_out(session, user, [resource], {resource.id: tags_of(session, resource)})[0]
