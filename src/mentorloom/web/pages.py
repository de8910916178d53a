"""Helpers for HTML views: render with the common context, redirect after POST, flash messages."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mentorloom.i18n import SUPPORTED_LOCALES, get_locale
from mentorloom.web.csrf import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE, page_token, session_token

FLASH_COOKIE = "ml_flash"


def csrf_value(request: Request) -> str:
    """The CSRF token for this page's forms (see web/csrf.py); render() sets it as a cookie when it changed."""
    return page_token(request)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    ctx: dict[str, Any] = {
        "user": getattr(request.state, "user", None),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_value(request),
        "locale": get_locale(),
        "locales": SUPPORTED_LOCALES,
        "flash": unquote(request.cookies.get(FLASH_COOKIE, "")),
        "path": request.url.path,
        # for an inline <script>/<style> that cannot be a file (web/security_headers.py); none so far
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
        # called by base.html only: one count on the (user_id, read_at) index for a full page, none for a fragment
        "unread_notifications": getattr(request.state, "unread_notifications", None),
    }
    ctx.update(context or {})
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, ctx, status_code=status_code
    )
    _set_csrf_cookie(request, response)
    if ctx["flash"]:
        response.delete_cookie(FLASH_COOKIE)
    return response


def _set_csrf_cookie(request: Request, response: HTMLResponse | RedirectResponse) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax", secure=request.url.scheme == "https")


def set_login_cookies(response: Response, request: Request, raw_session: str, days: int) -> None:
    """The session cookie of a new login, and the CSRF cookie bound to it (the anonymous one stops working)."""
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, raw_session, max_age=days * 86400, httponly=True, samesite="lax", secure=secure)
    token = session_token(request.app.state.settings.signing_key, raw_session)
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax", secure=secure)


def redirect(url: str, *, flash: str | None = None, request: Request | None = None) -> RedirectResponse:
    """303 See Other after a successful POST, with an optional one-time message."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(
            FLASH_COOKIE,
            quote(flash),
            max_age=60,
            httponly=True,
            samesite="lax",
            secure=bool(request and request.url.scheme == "https"),
        )
    return response
