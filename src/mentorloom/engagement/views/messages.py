"""Pages of the pair's conversation: the conversation (newest at the bottom, older ones page back), sending,
editing one's own message for 15 minutes, deleting it, and /messages listing the person's conversations.

With htmx the page polls `…/messages/poll?after_id=N` every few seconds: the new messages are appended to the
list and the poll element is replaced (out of band) by one that asks after the newest id. Sending through htmx
answers the same fragment, so the sender's message appears at once and the form empties (static/messages.js).
Without JavaScript every form posts and redirects back. Only the two people see these pages: coordinators 403,
everyone else 404. Importing this module registers the messages card on the pair home.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from mentorloom.db import utcnow
from mentorloom.engagement import messages
from mentorloom.engagement.messages_text import render as render_text
from mentorloom.engagement.models import Message
from mentorloom.i18n import gettext as _
from mentorloom.mentorships import extensions
from mentorloom.mentorships.access import Seat, pair_seat
from mentorloom.mentorships.models import Mentorship, MentorshipStatus, Side
from mentorloom.numbers import is_digits
from mentorloom.programs.models import Membership, Program
from mentorloom.web.api_common import MAX_ID, ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt
from mentorloom.web.pages import redirect, render

router = APIRouter()
PAIR = "/programs/{program_id}/mentorships/{mentorship_id}"
POLL_SECONDS = 4


@dataclass(frozen=True)
class Shown:
    """One message as the page shows it."""

    id: int
    mine: bool
    author: str
    html: Markup
    body: str
    created_at: datetime
    edited: bool
    deleted: bool
    editable: bool


def _partner(seat: Seat) -> Membership:
    return seat.mentorship.mentee if seat.side is Side.MENTOR else seat.mentorship.mentor


def _shown(seat: Seat, items: list[Message], now: datetime) -> list[Shown]:
    names = {
        Side.MENTOR: seat.mentorship.mentor.user.display_name,
        Side.MENTEE: seat.mentorship.mentee.user.display_name,
    }
    return [
        Shown(
            id=m.id,
            mine=messages.is_mine(seat, m),
            author=names[m.author_side],
            html=render_text(m.body) if m.deleted_at is None else Markup(""),
            body=m.body if m.deleted_at is None else "",
            created_at=m.created_at,
            edited=m.edited_at is not None,
            deleted=m.deleted_at is not None,
            editable=messages.may_edit(seat, m, now),
        )
        for m in items
    ]


def _closed_note(mentorship: Mentorship) -> str:
    if mentorship.status is MentorshipStatus.PROPOSED:
        return _("You can write to each other once you both have accepted the mentorship.")
    return _(
        "This mentorship has ended. Your conversation stays here for both of you to read, "
        "but it takes no new messages and no changes."
    )


def _context(seat: Seat, **extra: Any) -> dict[str, Any]:
    base = messages.url_of(seat)
    return {
        "program": seat.program,
        "seat": seat,
        "pair_url": base.removesuffix("/messages"),
        "url": base,
        "partner": _partner(seat).user.display_name,
        "writable": messages.writable(seat.mentorship),
        "closed_note": "" if messages.writable(seat.mentorship) else _closed_note(seat.mentorship),
        "poll_seconds": POLL_SECONDS,
        "body_max": messages.BODY_MAX,
        **extra,
    }


def _render_page(
    request: Request,
    session: Session,
    seat: Seat,
    *,
    before: int | None = None,
    errors: dict[str, str] | None = None,
    draft: str = "",
    status_code: int = 200,
) -> Response:
    page = messages.page(session, seat, before_id=before)
    newest = messages.latest_id(session, seat)
    if before is None:
        messages.mark_read(session, seat)  # the conversation is open: what it shows is read
    shown = _shown(seat, page.messages, utcnow())
    last_id = page.messages[-1].id if page.messages else (newest if before is None else 0)
    context = _context(
        seat,
        items=shown,
        has_older=page.has_older,
        first_id=page.messages[0].id if page.messages else 0,
        last_id=last_id,
        paged_back=before is not None,
        has_newer=before is not None and newest > last_id,
        errors=errors or {},
        draft=draft,
    )
    return render(request, "engagement/messages_page.html", context, status_code=status_code)


@router.get(f"{PAIR}/messages", response_class=HTMLResponse)
def conversation(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    before: int | None = Query(default=None, ge=1, le=MAX_ID),
) -> Response:
    """The conversation, newest at the bottom; opening it marks it read. `?before=N` shows older messages."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return _render_page(request, session, seat, before=before)


@router.get(f"{PAIR}/messages/older", response_class=HTMLResponse)
def older(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    before_id: int = Query(ge=1, le=MAX_ID),
) -> Response:
    """htmx: the page of messages before `before_id`, replacing the "older messages" link."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    page = messages.page(session, seat, before_id=before_id)
    context = _context(
        seat,
        items=_shown(seat, page.messages, utcnow()),
        has_older=page.has_older,
        first_id=page.messages[0].id if page.messages else before_id,
    )
    return render(request, "engagement/messages_older.html", context)


def _poll_fragment(
    request: Request, session: Session, seat: Seat, after_id: int, found: list[Message] | None = None, **extra: Any
) -> Response:
    found = messages.after(session, seat, after_id) if found is None else found
    if found and any(not messages.is_mine(seat, m) for m in found):
        messages.mark_read(session, seat, found[-1].id)  # the poll comes from the open conversation
    last_id = found[-1].id if found else after_id
    context = _context(seat, items=_shown(seat, found, utcnow()), last_id=last_id, oob=True, **extra)
    return render(request, "engagement/messages_poll.html", context)


@router.get(f"{PAIR}/messages/poll", response_class=HTMLResponse)
def poll(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    after_id: int = Query(ge=0, le=MAX_ID),
) -> Response:
    """htmx, every few seconds from the open page: the messages after `after_id` (one query on the pair's index)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    found = messages.after(session, seat, after_id)
    if not found:
        return HTMLResponse("")  # nothing new: no rendering, the poll element keeps asking
    return _poll_fragment(request, session, seat, after_id, found=found)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _after_id(form: Any) -> int:
    raw = str(form.get("after_id") or "0")
    return int(raw) if is_digits(raw) and len(raw) < 10 else 0  # "²" passes isdigit, not int


@router.post(f"{PAIR}/messages", response_class=HTMLResponse)
def send(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    text = str(form.get("body") or "")
    with form_attempt(session, whole="body") as attempt:
        sent = messages.send(session, seat, text)
    if _is_htmx(request):
        seat = pair_seat(session, user, program_id, mentorship_id)
        response = _poll_fragment(request, session, seat, _after_id(form), form_error=attempt.errors.get("body", ""))
        if not attempt.refused:
            response.headers["HX-Trigger"] = "messageSent"
        return response
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)
        return _render_page(
            request,
            session,
            seat,
            errors=attempt.errors,
            draft=text[: 4 * messages.BODY_MAX],
            status_code=attempt.status_code,
        )
    return redirect(f"{messages.url_of(seat)}#message-{sent.id}")


@router.get(f"{PAIR}/messages/{{message_id}}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    message_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    message = messages.message_of(session, seat, message_id)
    return _render_edit(request, session, seat, message, message.body)


def _render_edit(
    request: Request,
    session: Session,
    seat: Seat,
    message: Message,
    draft: str,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    now = utcnow()
    refusal = ""
    if not messages.is_mine(seat, message):
        refusal = _("Only the author may edit a message.")
        status_code = 403
    elif message.deleted_at is not None:
        refusal = _("This message was deleted.")
    elif not messages.writable(seat.mentorship):
        refusal = _closed_note(seat.mentorship)
    elif not messages.may_edit(seat, message, now):
        refusal = messages.edit_closed()
    context = _context(
        seat,
        message=message,
        until=messages.edit_until(message),
        draft=draft,
        refusal=refusal,
        errors=errors or {},
    )
    return render(request, "engagement/messages_edit.html", context, status_code=status_code)


@router.post(f"{PAIR}/messages/{{message_id}}/edit", response_class=HTMLResponse)
def edit(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    message_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    message = messages.message_of(session, seat, message_id)
    text = str(form.get("body") or "")
    with form_attempt(session, whole="body") as attempt:
        messages.edit(session, seat, message, text)
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)
        message = messages.message_of(session, seat, message_id)
        return _render_edit(
            request, session, seat, message, text[: 4 * messages.BODY_MAX], attempt.errors, attempt.status_code
        )
    return redirect(
        f"{messages.url_of(seat)}#message-{message.id}", flash=_("Your message was changed."), request=request
    )


@router.post(f"{PAIR}/messages/{{message_id}}/delete", response_class=HTMLResponse)
def delete(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    message_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    message = messages.message_of(session, seat, message_id)
    messages.delete(session, seat, message)  # 403 for the partner's message, 409 when ended
    return redirect(
        f"{messages.url_of(seat)}#message-{message.id}", flash=_("Your message was deleted."), request=request
    )


# --- all of the person's conversations -------------------------------------------------------------------


@dataclass(frozen=True)
class Conversation:
    url: str
    partner: str
    program: str
    unread: int
    open: bool


@router.get("/messages", response_class=HTMLResponse)
def overview(request: Request, user: CurrentUser, session: DbSession) -> Response:
    """The person's conversations (one per pair, running ones first) with their unread counts."""
    mentor, mentee = aliased(Membership), aliased(Membership)
    rows = session.execute(
        select(Mentorship, Program)
        .join(Program, Program.id == Mentorship.program_id)
        .join(mentor, mentor.id == Mentorship.mentor_id)
        .join(mentee, mentee.id == Mentorship.mentee_id)
        .where(
            (mentor.user_id == user.id) | (mentee.user_id == user.id),
            Mentorship.status.not_in((MentorshipStatus.PROPOSED, MentorshipStatus.DECLINED)),
        )
        .order_by(Mentorship.id.desc())
    ).all()
    unread = messages.unread_by_pair(session, user.id)
    found = []
    for ms, program in rows:
        partner = ms.mentee if ms.mentor.user_id == user.id else ms.mentor
        found.append(
            Conversation(
                url=f"/programs/{program.id}/mentorships/{ms.id}/messages",
                partner=partner.user.display_name,
                program=program.name,
                unread=unread.get(ms.id, 0),
                open=messages.writable(ms),
            )
        )
    found.sort(key=lambda c: (not c.open, c.unread == 0))
    return render(request, "engagement/messages_overview.html", {"conversations": found})


@router.get("/messages/badge", response_class=HTMLResponse)
def badge(request: Request, user: CurrentUser, session: DbSession) -> Response:
    """The header's unread count over all the person's pairs (one query), fetched after each page loads."""
    return render(request, "engagement/messages_badge.html", {"unread": messages.unread_total(session, user.id)})


# --- the card on the pair home -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelData:
    url: str
    partner: str
    unread: int
    latest: Shown | None
    writable: bool
    closed_note: str


def pair_panel(session: Session, seat: Seat) -> extensions.Panel | None:
    """Unread count and the latest message, for the two people only (coordinators see nothing of it)."""
    if not seat.in_pair or seat.mentorship.status in (MentorshipStatus.PROPOSED, MentorshipStatus.DECLINED):
        return None
    latest = messages.page(session, seat, limit=1).messages
    data = PanelData(
        url=messages.url_of(seat),
        partner=_partner(seat).user.display_name,
        unread=messages.unread_count(session, seat),
        latest=_shown(seat, latest, utcnow())[0] if latest else None,
        writable=messages.writable(seat.mentorship),
        closed_note="" if messages.writable(seat.mentorship) else _closed_note(seat.mentorship),
    )
    return extensions.Panel("engagement/messages_panel.html", data)


extensions.register_panel("messages", pair_panel, order=20)
extensions.register_fact("introduced", messages.introduced)
