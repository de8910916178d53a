"""/api/v1/notifications: the caller's notifications, marking them read, and their mail preferences."""

from __future__ import annotations

from fastapi import APIRouter

from mentorloom.notifications import inbox
from mentorloom.notifications.models import Notification
from mentorloom.notifications.preferences import Preference, preferences_for, set_preferences
from mentorloom.notifications.schemas import (
    NotificationOut,
    NotificationPage,
    PreferenceOut,
    PreferencesIn,
    ReadAllOut,
)
from mentorloom.web.api_common import PROBLEM_RESPONSES, ObjectId, PageNumber, PerPage
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter(prefix="/notifications", tags=["notifications"], responses=PROBLEM_RESPONSES)


def notification_out(entry: Notification) -> NotificationOut:
    return NotificationOut(
        id=entry.id,
        kind=entry.kind,
        title=inbox.entry_title(entry),
        link=entry.link,
        program_id=entry.program_id,
        context=entry.context,
        created_at=entry.created_at,
        read_at=entry.read_at,
    )


def preference_out(preference: Preference) -> PreferenceOut:
    kind = preference.kind
    return PreferenceOut(
        kind=kind.name, label=kind.title, mode=preference.mode, default=kind.default, security=kind.security
    )


@router.get("", response_model=NotificationPage)
def list_notifications(
    user: ApiUser, session: DbSession, page: PageNumber = 1, per_page: PerPage = 50
) -> NotificationPage:
    """The caller's notifications, newest first, and how many of all of them are unread."""
    found = inbox.notifications_page(session, user, page, per_page).as_page(notification_out)
    return NotificationPage(
        **found.model_dump(exclude={"items"}), items=found.items, unread=inbox.unread_count(session, user.id)
    )


@router.post("/read-all", response_model=ReadAllOut)
def read_all(user: ApiUser, session: DbSession) -> ReadAllOut:
    """Mark every notification of the caller read."""
    return ReadAllOut(marked=inbox.mark_all_read(session, user), unread=0)


@router.post("/{notification_id}/read", response_model=NotificationOut)
def read_one(notification_id: ObjectId, user: ApiUser, session: DbSession) -> NotificationOut:
    """Mark one of the caller's notifications read (again is fine); anyone else's is 404."""
    return notification_out(inbox.mark_read(session, user, notification_id))


@router.get("/preferences", response_model=list[PreferenceOut])
def get_preferences(user: ApiUser, session: DbSession) -> list[PreferenceOut]:
    """Every kind of notification with how the caller gets it by mail: immediately, daily (digest) or off."""
    return [preference_out(p) for p in preferences_for(session, user)]


@router.put("/preferences", response_model=list[PreferenceOut])
def put_preferences(body: PreferencesIn, user: ApiUser, session: DbSession) -> list[PreferenceOut]:
    """Change the modes of the kinds named; an unknown kind or a security kind turned down changes nothing (422)."""
    wanted = {name: mode.value for name, mode in body.preferences.items()}
    return [preference_out(p) for p in set_preferences(session, user, wanted)]
