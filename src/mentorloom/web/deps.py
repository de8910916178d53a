"""FastAPI dependencies: the unit of work, the current user, CSRF and rate limits."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import AsyncIterator
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import contextmanager_in_threadpool
from limits import RateLimitItem, parse
from sqlalchemy.orm import Session

from mentorloom import dates
from mentorloom.accounts import service as accounts
from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.errors import NotAuthenticated, RateLimited
from mentorloom.i18n import gettext as _
from mentorloom.notifications.inbox import unread_count
from mentorloom.profiles.service import person_timezone
from mentorloom.web.csrf import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE, csrf_protect  # noqa: F401 (re-export)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request: committed when the endpoint succeeds, rolled back when it raises.

    The request first waits for one of the database slots (see web/capacity.py), so it never holds a
    connection while all threads wait for one.
    """
    async with (
        request.app.state.request_slots.slot(),
        contextmanager_in_threadpool(request.app.state.db.session()) as session,
    ):
        yield session


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


# scope="function": commit before the response leaves, so a client that follows a redirect sees the data.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]


def optional_user(request: Request, session: DbSession) -> User | None:
    """The user of the session cookie, if any (cached on the request)."""
    if "user" in request.state._state:
        return request.state.user
    raw = request.cookies.get(SESSION_COOKIE)
    user = accounts.user_for_session(session, raw) if raw else None
    request.state.user = user
    # A plain flag for the navigation: an error page renders after the rollback has expired the user object.
    request.state.user_is_admin = bool(user is not None and user.is_admin)
    if user is not None:  # the page shows dates and times in the person's own time zone
        dates.set_timezone(person_timezone(session, user.id))
        # counted only when a full page renders its header (base.html), not for redirects or fragments
        request.state.unread_notifications = partial(unread_count, session, user.id)
    return user


def page_user(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise LoginRequired(str(request.url.path))
    return user


def _bearer_token(request: Request) -> str:
    scheme, _sep, raw = request.headers.get("authorization", "").partition(" ")
    return raw.strip() if scheme.lower() == "bearer" else ""


def api_rate_limit(request: Request) -> None:
    """Limit requests per API token (MENTORLOOM_API_RATE_LIMIT), before the request takes a database slot."""
    raw = _bearer_token(request)
    if raw:
        key = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
        limit = parse(request.app.state.settings.api_rate_limit)
        _hit(request, limit, ("api", key), _("Too many requests with this API token. Wait a little and try again."))


def api_user(request: Request, _limited: Annotated[None, Depends(api_rate_limit)], session: DbSession) -> User:
    """The owner of the Bearer token; /api/v1 accepts nothing else (so it needs no CSRF)."""
    raw = _bearer_token(request)
    user = accounts.user_for_api_token(session, raw) if raw else None
    if user is None:
        raise NotAuthenticated(_("Send a valid personal API token as 'Authorization: Bearer <token>'."))
    return user


CurrentUser = Annotated[User, Depends(page_user)]
ApiUser = Annotated[User, Depends(api_user)]


class LoginRequired(Exception):
    """Raised by pages that need a login; answered with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def rate_limit(bucket: str) -> Any:
    """A dependency limiting requests per client address for one bucket (login, reset)."""

    def check(request: Request) -> None:
        settings: Settings = request.app.state.settings
        limit = parse(settings.login_rate_limit if bucket == "login" else settings.reset_rate_limit)
        # the peer address; uvicorn replaces it from X-Forwarded-For only for MENTORLOOM_FORWARDED_ALLOW_IPS
        client = request.client.host if request.client else "unknown"
        _hit(request, limit, (bucket, client), _("Too many attempts. Wait a minute and try again."))

    return Depends(check)


def _hit(request: Request, limit: RateLimitItem, keys: tuple[str, str], message: str) -> None:
    limiter = request.app.state.rate_limiter
    if not limiter.hit(limit, *keys):
        reset_at = limiter.get_window_stats(limit, *keys).reset_time
        raise RateLimited(message, retry_after=max(1, math.ceil(reset_at - time.time())))
