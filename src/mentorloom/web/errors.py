"""The exception tree mapped once: problem+json under /api, friendly pages elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from mentorloom.db import database_unavailable
from mentorloom.errors import DatabaseUnavailable, FormExpired, LostRace, MentorloomError, PayloadTooLarge, ServiceBusy
from mentorloom.i18n import N_
from mentorloom.i18n import gettext as _
from mentorloom.web.capacity import busy_message, retry_after
from mentorloom.web.deps import SESSION_COOKIE, LoginRequired
from mentorloom.web.forms import pydantic_message

PROBLEM_JSON = "application/problem+json"
# SQLSTATEs of a transaction the database aborted for a concurrent one: deadlock, serialization failure.
_LOST_RACE = frozenset({"40P01", "40001"})


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def allowed_methods(request: Request) -> str:
    """Every method the app answers at this URL (RFC 9110 `Allow`); Starlette names only the first route's."""
    path = request.scope["path"]
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        pattern = getattr(route, "path_regex", None)
        if pattern is not None and pattern.match(path):
            methods |= route.methods or {"GET", "HEAD"}  # no methods: a mount, and ours serve static files
    return ", ".join(sorted(methods))


def _field_path(loc: tuple[Any, ...]) -> str:
    # ("body", "settings", "matching_weights", "values") -> "settings.matching_weights.values"
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[-1])


# Form fields a person fills in, by the label the page shows them under. Any other field of a page's form is
# hidden (an id, a version): when it is wrong the page was old or tampered with, and its name means nothing.
_PAGE_FIELD_LABELS = {
    "reason": N_("Reason"),
    "note": N_("Note"),
    "message": N_("Message"),
    "name": N_("Name"),
    "email": N_("E-mail address"),
    "password": N_("Password"),
}


def page_detail(errors: Sequence[Any]) -> str:
    """Pydantic's errors of a page form in the reader's language, each under its label, never a field name."""
    parts = []
    for error in errors:
        field = str(error["loc"][-1]) if error["loc"] else ""
        if field in _PAGE_FIELD_LABELS:
            parts.append(f"{_(_PAGE_FIELD_LABELS[field])}: {pydantic_message(error)}")
        else:
            parts.append(_("Reload the page and try again."))
    return " ".join(dict.fromkeys(parts))


def error_page(request: Request, status: int, title: str, detail: str, *, access_hint: bool = True) -> Response:
    """The styled error page; ``access_hint`` adds "ask the coordinator" to a 403 that is about rights."""
    from mentorloom.web.pages import render

    _remember_user(request)
    # The request's session is rolled back and closed by now: counting the unread notifications with it would
    # open a new transaction nobody ends (a pooled connection held until garbage collection). No count here.
    request.state.unread_notifications = None
    context = {"status": status, "title": title, "detail": detail, "access_hint": access_hint}
    return render(request, "error.html", context, status_code=status)


def not_found_page(request: Request) -> Response:
    return error_page(request, 404, _("Page not found"), _("This page does not exist or you may not see it."))


def _remember_user(request: Request) -> None:
    # Errors raised before any dependency ran (e.g. an unknown URL) still show the signed-in header.
    if "user" in request.state._state:
        return
    raw = request.cookies.get(SESSION_COOKIE)
    request.state.user = None
    if raw:
        from mentorloom.accounts.service import user_for_session

        with request.app.state.db.session() as session:
            request.state.user = user_for_session(session, raw)


# Seconds a client waits before retrying while the database is away: a restart takes a few.
DATABASE_RETRY_AFTER = 5


def unavailable() -> DatabaseUnavailable:
    return DatabaseUnavailable(
        _("Mentorloom cannot reach its database right now. Please try again in a minute."),
        retry_after=DATABASE_RETRY_AFTER,
    )


def domain_error_response(request: Request, exc: MentorloomError) -> Response:
    """The one mapping of a domain error: problem+json under /api, the friendly page elsewhere."""
    if isinstance(exc, ServiceBusy | PayloadTooLarge):
        # no database lookup for the page header: the database is the problem, or we answer outside a request
        request.state.user = None
    response: Response
    if is_api(request):
        response = problem(exc.status_code, exc.title, exc.detail, exc.errors or None)
        if exc.status_code == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
    else:
        response = error_page(
            request, exc.status_code, _(exc.title), exc.detail, access_hint=not isinstance(exc, FormExpired)
        )
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MentorloomError)
    async def domain_error(request: Request, exc: MentorloomError) -> Response:
        return domain_error_response(request, exc)

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, exc: PoolTimeout) -> Response:
        # every pooled connection stayed busy for db_pool_timeout: overload, not a bug
        timeout = request.app.state.settings.db_pool_timeout
        return domain_error_response(request, ServiceBusy(busy_message(), retry_after=retry_after(timeout)))

    @app.exception_handler(DisconnectionError)
    async def database_gone(request: Request, exc: DisconnectionError) -> Response:
        return domain_error_response(request, unavailable())

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> Response:
        # A restarting or stopped database: the transaction died with its connection, nothing was committed,
        # and the pool reconnects (pre-ping) once it is back. 503, not a bug.
        if database_unavailable(exc):
            return domain_error_response(request, unavailable())
        # The last guard: services take locks in a fixed order, so a deadlock or serialization failure
        # means a race nobody foresaw. The transaction was rolled back; the client may simply retry.
        if getattr(exc.orig, "sqlstate", None) not in _LOST_RACE:
            raise exc
        return domain_error_response(
            request, LostRace(_("Someone else changed this at the same moment. Please try again."))
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"field": _field_path(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        if is_api(request):
            return problem(422, "Validation failed", detail, errors)
        if all(e["loc"][0] == "path" for e in exc.errors()):  # /programs/abc names no page that could exist
            return not_found_page(request)
        return error_page(request, 422, _("Validation failed"), page_detail(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        response: Response
        if is_api(request):
            response = problem(exc.status_code, str(exc.detail), str(exc.detail))
        elif exc.status_code == 404:
            return not_found_page(request)
        else:
            response = error_page(request, exc.status_code, str(exc.detail), str(exc.detail))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            response.headers["Allow"] = allowed_methods(request)
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={exc.next_path}", status_code=303)
