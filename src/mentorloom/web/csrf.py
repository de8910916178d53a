"""CSRF defence of the HTML pages: a token bound to the login session, and a same-origin check.

Signed in, the token is an HMAC of the session cookie with the secret key: another site cannot compute
it, and a cookie planted from a sibling domain no longer matches (the plain double-submit cookie could
be overwritten that way). Before login there is no session; the token is then a random value in a
cookie (double submit), and the Origin check keeps other sites from posting the login form.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from fastapi import Request

from mentorloom.accounts.security import constant_time_equal, new_token
from mentorloom.errors import FormExpired
from mentorloom.i18n import gettext as _

SESSION_COOKIE = "ml_session"
CSRF_COOKIE = "ml_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def session_token(secret: str, session_cookie: str) -> str:
    """The CSRF token of one login session."""
    return hmac.new(secret.encode(), b"csrf:" + session_cookie.encode(), hashlib.sha256).hexdigest()


def expected_token(request: Request) -> str:
    """What an unsafe request must send: bound to the session when there is one, else the cookie's value."""
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        return session_token(request.app.state.settings.signing_key, raw)
    return request.cookies.get(CSRF_COOKIE, "")


def page_token(request: Request) -> str:
    """The token to put into this page's forms; a new one is set as a cookie by pages.render()."""
    token = getattr(request.state, "new_csrf", None) or expected_token(request)
    if not token:
        token = new_token(24)
    if token != request.cookies.get(CSRF_COOKIE):
        request.state.new_csrf = token
    return str(token)


def own_origins(request: Request) -> set[str]:
    """The configured base URL's origin and the one the request was addressed to."""
    configured = urlsplit(request.app.state.settings.base_url)
    return {
        f"{configured.scheme}://{configured.netloc}".lower(),
        f"{request.url.scheme}://{request.url.netloc}".lower(),
    }


def _origin_of(request: Request) -> str | None:
    origin = request.headers.get("origin")
    if origin is not None:
        return origin.lower()
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}".lower()
    return None  # neither header: not a browser that tells, so the token alone decides


async def csrf_protect(request: Request) -> None:
    """Every unsafe request of the HTML pages: from our own origin, with the session's token."""
    if request.method not in UNSAFE_METHODS:
        return
    origin = _origin_of(request)
    if origin is not None and origin not in own_origins(request):
        raise FormExpired(_("The form came from another site. Open the page on this site and try again."))
    expected = expected_token(request)
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and "form" in request.headers.get("content-type", ""):
        sent = str((await request.form()).get(CSRF_FIELD, ""))
    if not expected or not sent or not constant_time_equal(expected, sent):
        raise FormExpired(_("The form expired or came from another site. Reload the page and try again."))
