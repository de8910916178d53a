"""Shared resources: links a pair shares with each other, and the program library that coordinators curate.

A pair's resource (`mentorship_id` set) is the two people's own: both read it, only the one who shared it edits or
deletes it, coordinators get 403 (the API and pages load the pair with `pair_seat`). A library item
(`mentorship_id` None) is read by every member of the program and changed only with MANAGE_PROGRAM.

The server never fetches a URL. Only absolute http(s) URLs with a host are stored (no credentials, no whitespace
or control characters, no backslashes), so every stored URL renders as a harmless link. Search
(`resources_search`) only ever looks at the library of the program and the caller's own pairs' resources.

The caller owns the transaction (as in every service module).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session, aliased

from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.engagement import resources_search
from mentorloom.engagement.models import Resource, ResourceTag
from mentorloom.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mentorloom.i18n import N_, ngettext
from mentorloom.i18n import gettext as _
from mentorloom.mentorships import agreements, goals
from mentorloom.mentorships.access import Seat, lock
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.notifications.kinds import register_kind
from mentorloom.notifications.service import notify
from mentorloom.programs.mails import mail_locale
from mentorloom.programs.models import Membership, Program

register_kind("resource_shared", N_("Your partner shared a link with you"))

MAX_URL = 2000
MAX_TITLE = 200
MAX_WHY = 2000
MAX_TAGS = 10
MAX_TAG = 50
# a pair shares while it runs; a finished pair keeps reading what it shared
SHARING = frozenset({MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED, MentorshipStatus.COMPLETING})


@dataclass(frozen=True)
class ResourceFields:
    """What a person typed, before the checks here."""

    url: str
    title: str
    why: str = ""
    goal_key: str | None = None
    tags: Sequence[str] = ()


@dataclass(frozen=True)
class Found:
    """One page of resources with their tags, the total and the tag counts of everything that matched."""

    items: list[Resource]
    tags: dict[int, list[str]]
    total: int
    facets: list[tuple[str, int]]


# --- checks ------------------------------------------------------------------------------------------------


def _bad_char(value: str) -> bool:
    # whitespace, control, format (zero-width, bidi overrides), separators, unassigned and private-use characters
    return any(unicodedata.category(ch)[0] in "CZ" for ch in value)


def clean_url(value: str) -> str:
    """An absolute http(s) URL with a host, as stored; ValidationFailed naming `url` otherwise."""
    refuse = _("Enter a web address that starts with http:// or https://, such as https://example.org/article.")
    if not value:
        raise ValidationFailed(_("Enter the link's web address."), field="url")
    if len(value) > MAX_URL:
        raise ValidationFailed(_at_most_characters(MAX_URL), field="url")
    if _bad_char(value) or "\\" in value:
        raise ValidationFailed(
            _("Remove spaces and invisible characters from the web address.") + " " + refuse, field="url"
        )
    scheme, _sep, rest = value.partition("://")
    if scheme.lower() not in ("http", "https") or not rest:
        raise ValidationFailed(refuse, field="url")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is no number
    except ValueError:
        raise ValidationFailed(refuse, field="url") from None
    if not parts.hostname or parts.netloc.startswith("/"):
        raise ValidationFailed(refuse, field="url")
    if "@" in parts.netloc:
        raise ValidationFailed(_("Remove the user name or password from the web address."), field="url")
    return f"{scheme.lower()}://{rest}"


def clean_tags(values: Sequence[str]) -> list[str]:
    """Tags trimmed, in lower case, without duplicates or empty ones; at most MAX_TAGS of MAX_TAG characters."""
    tags: list[str] = []
    for value in values:
        tag = " ".join(value.split()).lower()
        if not tag:
            continue
        if len(tag) > MAX_TAG or _bad_char(tag.replace(" ", "")):
            raise ValidationFailed(
                ngettext(
                    "Each tag may have at most %(num)s character and no invisible characters.",
                    "Each tag may have at most %(num)s characters and no invisible characters.",
                    MAX_TAG,
                    num=MAX_TAG,
                ),
                field="tags",
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationFailed(
            ngettext("Give at most %(num)s tag.", "Give at most %(num)s tags.", MAX_TAGS, num=MAX_TAGS), field="tags"
        )
    return tags


def _text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    text = value.strip()
    if required and not text:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(text) > limit:
        raise ValidationFailed(_at_most_characters(limit), field=field)
    return text


def _goal_key(session: Session, mentorship: Mentorship | None, key: str | None) -> str | None:
    if not key:
        return None
    if mentorship is None:
        raise ValidationFailed(_("Library links are not linked to a goal."), field="goal_key")
    if key not in goals.agreed_keys(session, mentorship):
        raise ValidationFailed(_("Choose one of your agreed goals."), field="goal_key")
    return key


def search_text(title: str, why: str, tags: Sequence[str], url: str) -> str:
    """What the full-text index reads: title, why, tags and the host's labels as words ("hbr org"), so both
    databases find a host by any of its labels (PostgreSQL's parser would keep "hbr.org" as one token)."""
    host = (urlsplit(url).hostname or "").removeprefix("www.").replace(".", " ")
    return "\n".join(part for part in (title, why, " ".join(tags), host) if part)


def _checked(session: Session, mentorship: Mentorship | None, fields: ResourceFields) -> tuple[ResourceFields, str]:
    """The fields as stored, checked in the order of the form (the first problem is named)."""
    url = clean_url(fields.url)
    title = _text(fields.title, "title", MAX_TITLE, required=True)
    why = _text(fields.why, "why", MAX_WHY)
    key = _goal_key(session, mentorship, fields.goal_key)
    tags = clean_tags(fields.tags)
    clean = ResourceFields(url=url, title=title, why=why, goal_key=key, tags=tags)
    return clean, search_text(title, why, tags, url)


def _write(session: Session, resource: Resource, fields: ResourceFields, text: str) -> None:
    resource.url, resource.title, resource.why = fields.url, fields.title, fields.why
    resource.goal_key = fields.goal_key
    resource.search_text = text
    resource.updated_at = utcnow()
    if resource.created_at is None:
        resource.created_at = resource.updated_at
    session.flush()
    session.execute(delete(ResourceTag).where(ResourceTag.resource_id == resource.id))
    session.add_all(ResourceTag(resource_id=resource.id, tag=tag) for tag in fields.tags)
    session.flush()


# --- the pair's resources ----------------------------------------------------------------------------------


def share(session: Session, seat: Seat, fields: ResourceFields) -> Resource:
    """Share a link with the partner (who is told)."""
    seat.require_pair()
    if seat.mentorship.status not in SHARING:
        raise Conflict(_("Links can be shared while the mentorship is running."))
    clean, text = _checked(session, seat.mentorship, fields)
    resource = Resource(
        program_id=seat.program.id, mentorship_id=seat.mentorship.id, shared_by_id=seat.user.id, url=clean.url
    )
    session.add(resource)
    _write(session, resource, clean, text)
    _tell_partner(session, seat, resource)
    return resource


def pair_resource(session: Session, seat: Seat, resource_id: int) -> Resource:
    resource = session.get(Resource, resource_id)
    if resource is None or resource.mentorship_id != seat.mentorship.id:
        raise NotFound(_("Link not found."))
    return resource


def require_own(seat: Seat, resource: Resource) -> None:
    """Only the person who shared a link changes or deletes it (403 for the partner)."""
    if resource.shared_by_id != seat.user.id:
        raise PermissionDenied(_("Only the person who shared a link can change or delete it."))


def edit(session: Session, seat: Seat, resource: Resource, fields: ResourceFields) -> Resource:
    seat.require_pair()
    require_own(seat, resource)
    clean, text = _checked(session, seat.mentorship, fields)
    _write(session, resource, clean, text)
    return resource


def remove(session: Session, seat: Seat, resource: Resource) -> None:
    seat.require_pair()
    require_own(seat, resource)
    session.delete(resource)
    session.flush()


def pair_resources(
    session: Session,
    seat: Seat,
    *,
    query: str = "",
    tags: Sequence[str] = (),
    page: int = 1,
    per_page: int = 20,
) -> Found:
    """The pair's shared links, newest first (best match first when searching)."""
    return _find(session, Resource.mentorship_id == seat.mentorship.id, query, tags, page, per_page)


def latest(session: Session, seat: Seat, limit: int = 3) -> list[Resource]:
    return list(
        session.scalars(
            select(Resource)
            .where(Resource.mentorship_id == seat.mentorship.id)
            .order_by(Resource.created_at.desc(), Resource.id.desc())
            .limit(limit)
        )
    )


def goal_titles(session: Session, mentorship: Mentorship) -> dict[str, str]:
    """The agreed goals a link may name, key → title (from the agreement in force)."""
    agreement = agreements.in_force(session, mentorship)
    if agreement is None:
        return {}
    return {goal.key: goal.title for goal in agreement.goals}


def _tell_partner(session: Session, seat: Seat, resource: Resource) -> None:
    mentorship = seat.mentorship
    partner = mentorship.mentee if seat.user.id == mentorship.mentor.user_id else mentorship.mentor
    link = f"/programs/{mentorship.program_id}/mentorships/{mentorship.id}/resources#resource-{resource.id}"
    notify(
        session,
        user=partner.user,
        kind="resource_shared",
        # with the moment: SQLite may give a deleted last row's id to the next link, which must be told too
        key=f"resource_shared:{resource.id}:{resource.created_at.timestamp():.6f}",
        program_id=mentorship.program_id,
        link=link,
        locale=mail_locale(session, partner),
        name=partner.user.display_name,
        partner_name=seat.user.display_name,
        title=resource.title,
        url=resource.url,
        why=resource.why,
        program_name=seat.program.name,
        path=link,
    )


# --- the program library -----------------------------------------------------------------------------------


def add_to_library(session: Session, program: Program, user: User, fields: ResourceFields) -> Resource:
    """A coordinator's link for everyone in the program (the caller checked MANAGE_PROGRAM)."""
    clean, text = _checked(session, None, fields)
    resource = Resource(program_id=program.id, mentorship_id=None, shared_by_id=user.id, url=clean.url)
    session.add(resource)
    _write(session, resource, clean, text)
    return resource


def library_item(session: Session, program: Program, resource_id: int) -> Resource:
    resource = session.get(Resource, resource_id)
    if resource is None or resource.program_id != program.id or resource.mentorship_id is not None:
        raise NotFound(_("Link not found."))
    return resource


def edit_library(session: Session, resource: Resource, fields: ResourceFields) -> Resource:
    clean, text = _checked(session, None, fields)
    _write(session, resource, clean, text)
    return resource


def remove_from_library(session: Session, resource: Resource) -> None:
    session.delete(resource)
    session.flush()


def library(
    session: Session, program: Program, *, query: str = "", tags: Sequence[str] = (), page: int = 1, per_page: int = 20
) -> Found:
    """The program's library, newest first (best match first when searching)."""
    scope = (Resource.program_id == program.id) & Resource.mentorship_id.is_(None)
    return _find(session, scope, query, tags, page, per_page)


def share_from_library(session: Session, seat: Seat, item: Resource) -> Resource:
    """A copy of a library link as the pair's own, shared with the partner; sharing it again (a double click, a
    second tab) answers the copy the caller shared before, and the partner is told once."""
    if item.mentorship_id is not None or item.program_id != seat.program.id:
        raise NotFound(_("Link not found."))
    seat.require_pair()
    lock(session, seat.mentorship)  # two shares at once: the second waits and finds the first one's copy
    earlier = session.scalar(
        select(Resource)
        .where(
            Resource.mentorship_id == seat.mentorship.id,
            Resource.shared_by_id == seat.user.id,
            Resource.url == item.url,
        )
        .order_by(Resource.id)
        .limit(1)
    )
    if earlier is not None:
        return earlier
    return share(
        session, seat, ResourceFields(url=item.url, title=item.title, why=item.why, tags=tags_of(session, item))
    )


# --- search across what the caller may read ------------------------------------------------------------------


def own_pair_ids(session: Session, user: User, program_id: int) -> list[int]:
    """The mentorships of this program the user is one of the two people of (never a coordinator's view)."""
    mentor, mentee = aliased(Membership), aliased(Membership)
    return list(
        session.scalars(
            select(Mentorship.id)
            .join(mentor, mentor.id == Mentorship.mentor_id)
            .join(mentee, mentee.id == Mentorship.mentee_id)
            .where(Mentorship.program_id == program_id, or_(mentor.user_id == user.id, mentee.user_id == user.id))
        )
    )


def search(
    session: Session,
    program: Program,
    user: User,
    *,
    query: str = "",
    tags: Sequence[str] = (),
    page: int = 1,
    per_page: int = 20,
) -> Found:
    """The program's library and the caller's own pairs' links: nothing of another pair, ever."""
    pairs = own_pair_ids(session, user, program.id)
    mine = Resource.mentorship_id.in_(pairs) if pairs else None
    library_scope = Resource.mentorship_id.is_(None)
    scope = (Resource.program_id == program.id) & (or_(library_scope, mine) if mine is not None else library_scope)
    return _find(session, scope, query, tags, page, per_page)


def tags_of(session: Session, resource: Resource) -> list[str]:
    return list(
        session.scalars(select(ResourceTag.tag).where(ResourceTag.resource_id == resource.id).order_by(ResourceTag.tag))
    )


def _find(
    session: Session, scope: ColumnElement[bool], query: str, tags: Sequence[str], page: int, per_page: int
) -> Found:
    conditions: list[ColumnElement[bool]] = [scope]
    text = resources_search.text_query(session, query)
    if text is not None:
        conditions.append(text.match)
    facet_conditions = list(conditions)  # the tag counts of everything the text matches, whichever tag is chosen
    for tag in dict.fromkeys(" ".join(t.split()).lower() for t in tags if t.strip()):
        conditions.append(Resource.id.in_(select(ResourceTag.resource_id).where(ResourceTag.tag == tag)))
    total = session.scalar(select(func.count()).select_from(Resource).where(*conditions)) or 0
    order = [text.order] if text is not None else []
    items = list(
        session.scalars(
            select(Resource)
            .where(*conditions)
            .order_by(*order, Resource.created_at.desc(), Resource.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    matching = select(Resource.id).where(*facet_conditions)
    count = func.count().label("n")
    facets = [
        (tag, n)
        for tag, n in session.execute(
            select(ResourceTag.tag, count)
            .where(ResourceTag.resource_id.in_(matching))
            .group_by(ResourceTag.tag)
            .order_by(count.desc(), ResourceTag.tag)
            .limit(50)
        )
    ]
    return Found(items, tags_by_resource(session, [r.id for r in items]), total, facets)


def tags_by_resource(session: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        rows = session.execute(
            select(ResourceTag.resource_id, ResourceTag.tag)
            .where(ResourceTag.resource_id.in_(ids))
            .order_by(ResourceTag.tag)
        )
        for resource_id, tag in rows:
            found[resource_id].append(tag)
    return found


def _at_most_characters(limit: int) -> str:
    return ngettext("Enter at most %(num)s character.", "Enter at most %(num)s characters.", limit, num=limit)
