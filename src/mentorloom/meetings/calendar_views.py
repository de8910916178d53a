"""GET /ical/<token>.ics: a person's meetings for their calendar program, without a session.

The token is the only credential, so an unknown, revoked or malformed one answers a plain 404 (no hint which),
and the answer is never cached by proxies.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from mentorloom.i18n import use_locale
from mentorloom.meetings import feed
from mentorloom.web.deps import AppSettings, DbSession

router = APIRouter()


@router.get("/ical/{token}.ics", include_in_schema=False)
def calendar_feed(token: str, session: DbSession, settings: AppSettings) -> Response:
    user = feed.user_for_token(session, token)
    if user is None:
        return Response("Not found\n", status_code=404, media_type="text/plain")
    with use_locale(user.locale or settings.default_locale):
        body = feed.build_feed(session, settings, user)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, no-store", "Content-Disposition": 'inline; filename="mentoring.ics"'},
    )
