"""Pages: login, logout, password reset, accepting an invitation, account settings and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mentorloom.accounts import service
from mentorloom.accounts.mails import queue_password_reset
from mentorloom.accounts.security import LinkSigner
from mentorloom.app_constants import LOCALE_COOKIE
from mentorloom.errors import MentorloomError, NotFound, RateLimited, ValidationFailed
from mentorloom.i18n import SUPPORTED_LOCALES, set_locale
from mentorloom.i18n import gettext as _
from mentorloom.meetings import feed
from mentorloom.web import login_throttle
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import SESSION_COOKIE, AppSettings, CurrentUser, DbSession, csrf_protect, rate_limit
from mentorloom.web.forms import form_attempt
from mentorloom.web.pages import redirect, render, set_login_cookies

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _safe_next(next_path: str | None) -> str:
    # Only local paths: an open redirect would make phishing links look like ours.
    return next_path if next_path and next_path.startswith("/") and not next_path.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "accounts/login.html", {"next": _safe_next(next), "errors": {}})


@router.post("/login", dependencies=[rate_limit("login")])
def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        login_throttle.admit(request, email)  # many addresses guessing one account's password
    except RateLimited as exc:
        page = _login_again(request, next, email, exc.detail, 429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    try:
        user = service.authenticate(session, email, password)
    except MentorloomError as exc:
        return _login_again(request, next, email, exc.detail, 401)
    login_throttle.clear(request, email)
    raw = service.start_session(session, user, settings.session_days, replacing=request.cookies.get(SESSION_COOKIE))
    response = redirect(_safe_next(next))
    set_login_cookies(response, request, raw, settings.session_days)
    if user.locale:
        response.set_cookie(LOCALE_COOKIE, user.locale, max_age=365 * 86400, samesite="lax")
    return response


def _login_again(request: Request, next_path: str, email: str, message: str, status_code: int) -> Response:
    context = {"next": _safe_next(next_path), "email": email, "errors": {"__all__": message}}
    return render(request, "accounts/login.html", context, status_code=status_code)


@router.post("/logout")
def logout(request: Request, session: DbSession) -> Response:
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        service.end_session(session, raw)
    response = redirect("/login", flash=_("You are logged out."), request=request)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/forgot", response_class=HTMLResponse)
def forgot_form(request: Request) -> Response:
    return render(request, "accounts/forgot.html", {"errors": {}})


@router.post("/forgot", dependencies=[rate_limit("reset")])
def forgot(request: Request, session: DbSession, email: Annotated[str, Form()] = "") -> Response:
    user = service.user_by_email(session, email)
    if user is not None and user.is_active:
        queue_password_reset(session, user)
    # The same answer whether or not the address has an account.
    return redirect("/login", flash=_("If the address has an account, a reset link is on its way."), request=request)


@router.get("/reset/{token}", response_class=HTMLResponse)
def reset_form(request: Request, token: str, session: DbSession, settings: AppSettings) -> Response:
    signer = LinkSigner(settings.signing_key)
    service.user_for_link(session, signer, token, service.PASSWORD_RESET, settings.reset_hours * 3600)
    return render(request, "accounts/set_password.html", {"mode": "reset", "token": token, "errors": {}})


@router.post("/reset/{token}", dependencies=[rate_limit("reset")])
def reset(
    request: Request,
    token: str,
    session: DbSession,
    settings: AppSettings,
    password: Annotated[str, Form()] = "",
    password2: Annotated[str, Form()] = "",
) -> Response:
    return _set_password(request, session, settings, token, password, password2, mode="reset")


@router.get("/invitation/{token}", response_class=HTMLResponse)
def invitation_form(request: Request, token: str, session: DbSession, settings: AppSettings) -> Response:
    user = service.user_for_link(
        session, LinkSigner(settings.signing_key), token, service.INVITATION, settings.invitation_days * 86400
    )
    return render(
        request, "accounts/set_password.html", {"mode": "invitation", "token": token, "invitee": user, "errors": {}}
    )


@router.post("/invitation/{token}")
def accept_invitation(
    request: Request,
    token: str,
    session: DbSession,
    settings: AppSettings,
    password: Annotated[str, Form()] = "",
    password2: Annotated[str, Form()] = "",
) -> Response:
    return _set_password(request, session, settings, token, password, password2, mode="invitation")


def _set_password(
    request: Request, session: DbSession, settings: AppSettings, token: str, password: str, password2: str, *, mode: str
) -> Response:
    signer = LinkSigner(settings.signing_key)
    with form_attempt(session) as attempt:
        if password != password2:
            raise ValidationFailed(_("The two passwords differ."), field="password2")
        if mode == "invitation":
            service.accept_invitation(session, signer, token, password, settings.invitation_days * 86400)
        else:
            person = service.reset_password(session, signer, token, password, settings.reset_hours * 3600)
            login_throttle.clear(request, person.email)  # the mailed link proves the mailbox: sign in at once
    if attempt.refused:
        purpose, max_age = (
            (service.INVITATION, settings.invitation_days * 86400)
            if mode == "invitation"
            else (service.PASSWORD_RESET, settings.reset_hours * 3600)
        )
        person = service.user_for_link(session, signer, token, purpose, max_age)
        return render(
            request,
            "accounts/set_password.html",
            {"mode": mode, "token": token, "invitee": person, "errors": attempt.errors},
            status_code=attempt.status_code,
        )
    if mode == "invitation":
        return redirect("/login", flash=_("Your password is set. Log in now."), request=request)
    flash = _("Your password is set. Every other login has ended and your API tokens are revoked. Log in now.")
    return redirect("/login", flash=flash, request=request)


def _account_context(session: DbSession, user: CurrentUser) -> dict[str, object]:
    return {"tokens": service.list_api_tokens(session, user), "feed": feed.feed_of(session, user), "errors": {}}


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, user: CurrentUser, session: DbSession) -> Response:
    return render(request, "accounts/account.html", _account_context(session, user))


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request, user: CurrentUser, session: DbSession, name: Annotated[str, Form()] = ""
) -> Response:
    with form_attempt(session) as attempt:
        _token, raw = service.create_api_token(session, user, name)
    if attempt.refused:
        context = _account_context(session, user) | {"errors": attempt.errors}
        return render(request, "accounts/account.html", context, status_code=attempt.status_code)
    return render(request, "accounts/account.html", _account_context(session, user) | {"new_token": raw})


@router.post("/account/password", response_class=HTMLResponse, dependencies=[rate_limit("login")])
def change_password(
    request: Request,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    new_password2: Annotated[str, Form()] = "",
) -> Response:
    with form_attempt(session) as attempt:
        if new_password != new_password2:
            raise ValidationFailed(_("The two passwords differ."), field="new_password2")
        service.change_password(session, user, current_password, new_password)
    if attempt.refused:
        context = _account_context(session, user) | {"errors": attempt.errors}
        return render(request, "accounts/account.html", context, status_code=attempt.status_code)
    # every login ended with the old password, this one too: the browser goes on with a new session id
    raw = service.rotate_session(session, user, settings.session_days)
    flash = _("Your password is changed. Every other login has ended and your API tokens are revoked.")
    response = redirect("/account", flash=flash, request=request)
    set_login_cookies(response, request, raw, settings.session_days)
    return response


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    service.revoke_api_token(session, user, token_id)
    return redirect("/account", flash=_("The token is revoked."), request=request)


@router.post("/account/calendar-feed", response_class=HTMLResponse)
def make_calendar_feed(request: Request, user: CurrentUser, session: DbSession, settings: AppSettings) -> Response:
    """A new secret feed address (the old one stops working); shown on this answer only, as the API does."""
    raw = feed.new_token(session, user)
    context = _account_context(session, user) | {"feed_url": feed.feed_url(settings, raw)}
    return render(request, "accounts/account.html", context)


@router.post("/account/calendar-feed/revoke")
def revoke_calendar_feed(request: Request, user: CurrentUser, session: DbSession) -> Response:
    feed.revoke(session, user)
    flash = _("Your calendar feed is off: the address no longer works. Your calendar keeps no meetings from it.")
    return redirect("/account#calendar", flash=flash, request=request)


@router.post("/language")
def switch_language(
    request: Request, session: DbSession, locale: Annotated[str, Form()] = "en", next: Annotated[str, Form()] = "/"
) -> Response:
    if locale not in SUPPORTED_LOCALES:
        raise NotFound(_("Unknown language."))
    raw = request.cookies.get(SESSION_COOKIE)
    user = service.user_for_session(session, raw) if raw else None
    if user is not None:
        user.locale = locale
    set_locale(locale)
    response: RedirectResponse = redirect(_safe_next(next))
    response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 86400, samesite="lax")
    return response
