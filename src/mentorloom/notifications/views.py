"""Pages: the notification list, mail preferences, and the one-click unsubscribe link of each mail."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from mentorloom.accounts.models import User
from mentorloom.errors import NotFound, ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.notifications import inbox
from mentorloom.notifications.preferences import preferences_for, set_preferences
from mentorloom.notifications.unsubscribe import Unsubscribe, apply_unsubscribe, read_unsubscribe
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import AppSettings, CurrentUser, DbSession, csrf_protect
from mentorloom.web.forms import posted_form
from mentorloom.web.pages import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
# The unsubscribe link is opened from a mail, often by a mail provider's one-click POST (RFC 8058): it has
# no login and no CSRF token; the signed token in the path is the whole authority, and it can only turn
# mails off.
unsubscribe_router = APIRouter(include_in_schema=False)
PER_PAGE = 30


@router.get("/notifications", response_class=HTMLResponse)
def notification_list(request: Request, user: CurrentUser, session: DbSession, page: int = 1) -> Response:
    found = inbox.notifications_page(session, user, page, PER_PAGE, clamp=True)
    entries = [(entry, inbox.entry_title(entry)) for entry in found.rows]
    unread = inbox.unread_count(session, user.id)
    return render(request, "notifications/list.html", {"found": found, "entries": entries, "unread_count": unread})


@router.get("/notifications/{notification_id}/open")
def open_notification(notification_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    """Follow an entry's link, marking it read on the way (as clicking a notification does everywhere)."""
    entry = inbox.mark_read(session, user, notification_id)
    return redirect(_local(entry.link) or "/notifications")


@router.post("/notifications/{notification_id}/read")
def read_notification(request: Request, notification_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    inbox.mark_read(session, user, notification_id)
    return redirect("/notifications", flash=_("Marked as read."), request=request)


@router.post("/notifications/read-all")
def read_all(request: Request, user: CurrentUser, session: DbSession) -> Response:
    inbox.mark_all_read(session, user)
    return redirect("/notifications", flash=_("All notifications are marked as read."), request=request)


@router.get("/notifications/preferences", response_class=HTMLResponse)
def preferences_page(request: Request, user: CurrentUser, session: DbSession) -> Response:
    return _preferences(request, user, session, {})


@router.post("/notifications/preferences")
async def save_preferences(request: Request, user: CurrentUser, session: DbSession) -> Response:
    form = await posted_form(request)
    wanted = {str(k).removeprefix("mode."): str(v) for k, v in form.items() if str(k).startswith("mode.")}
    # database work in a worker thread, never on the event loop (a lock wait there stalls every request)
    response = await run_in_threadpool(_save_preferences, request, user, session, wanted)
    saved = _("Your notification settings are saved.")
    return response or redirect("/notifications/preferences", flash=saved, request=request)


def _save_preferences(request: Request, user: User, session: Session, wanted: dict[str, str]) -> Response | None:
    try:
        set_preferences(session, user, wanted)
    except ValidationFailed as exc:
        errors = {str(e["field"]): str(e["message"]) for e in exc.errors}
        return _preferences(request, user, session, errors, status_code=422)
    return None


def _preferences(
    request: Request, user: CurrentUser, session: DbSession, errors: dict[str, str], *, status_code: int = 200
) -> Response:
    # Ordered by their label in the reader's language; security kinds, which nobody can change, come last.
    chosen = sorted(preferences_for(session, user), key=lambda p: (p.kind.security, p.kind.title.casefold()))
    context = {"preferences": chosen, "errors": errors}
    return render(request, "notifications/preferences.html", context, status_code=status_code)


@unsubscribe_router.get("/notifications/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_form(request: Request, token: str, session: DbSession, settings: AppSettings) -> Response:
    """Only a page with a button: link scanners that open every link in a mail must not unsubscribe anyone."""
    found = _unsubscribe(session, settings, token)
    return render(request, "notifications/unsubscribe.html", {"found": found, "token": token, "done": False})


@unsubscribe_router.post("/notifications/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str, session: DbSession, settings: AppSettings) -> Response:
    """The one-click POST of RFC 8058 (body "List-Unsubscribe=One-Click") or the page's button: 200 either way."""
    found = _unsubscribe(session, settings, token)
    apply_unsubscribe(session, found)
    return render(request, "notifications/unsubscribe.html", {"found": found, "token": token, "done": True})


def _unsubscribe(session: DbSession, settings: AppSettings, token: str) -> Unsubscribe:
    found = read_unsubscribe(session, settings.signing_key, token)
    if found is None:
        raise NotFound(_("This unsubscribe link is not valid. Change your notification settings after logging in."))
    return found


def _local(link: str) -> str:
    # only our own paths: a stored link must never send anyone to another site
    return link if link.startswith("/") and not link.startswith("//") else ""
