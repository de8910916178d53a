"""The FastAPI application factory: settings, database, jobs, templates, routers, middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from mentorloom import __version__, dates, i18n
from mentorloom.app_constants import LOCALE_COOKIE
from mentorloom.config import PROJECT_ROOT, Settings
from mentorloom.db import Database
from mentorloom.jobs import JobQueue
from mentorloom.templating import build_templates
from mentorloom.web.api_common import document_problems
from mentorloom.web.audit_origin import AuditOrigin
from mentorloom.web.body_limit import BodySizeLimit
from mentorloom.web.capacity import RequestSlots, set_thread_limit
from mentorloom.web.errors import install_error_handlers
from mentorloom.web.inputs import reject_bad_text
from mentorloom.web.security_headers import SecurityHeaders, server_error

STATIC_DIR = Path(__file__).parent / "static"
VENDOR_DIR = PROJECT_ROOT / "node_modules"


def create_app(
    settings: Settings | None = None, *, database: Database | None = None, jobs: JobQueue | None = None
) -> FastAPI:
    """Build the app; tests pass their own database and job queue."""
    settings = settings or Settings()
    database = database or Database(
        settings.sqlalchemy_url, pool_size=settings.db_pool_size, pool_timeout=settings.db_pool_timeout
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        set_thread_limit(settings)
        yield
        database.dispose()

    app = FastAPI(
        title="Mentorloom API",
        version=__version__,
        description="REST API of Mentorloom. Authenticate with a personal API token: `Authorization: Bearer <token>`.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(reject_bad_text)],
    )
    app.state.settings = settings
    app.state.db = database
    app.state.jobs = jobs or JobQueue(settings, database)
    app.state.templates = build_templates()
    app.state.request_slots = RequestSlots(settings.db_pool_size, settings.db_pool_timeout)
    # Redis when configured, so every web process counts against the same limits
    app.state.rate_limiter = MovingWindowRateLimiter(storage_from_string(settings.redis_url or "memory://"))
    install_error_handlers(app)
    _mount_static(app)
    _add_docs(app)
    _include_routers(app)
    document_problems(app)
    app.add_middleware(AuditOrigin)
    app.add_middleware(BodySizeLimit)  # inside the locale middleware, so its 413 speaks the reader's language
    app.middleware("http")(_locale_middleware)
    # outermost: headers on every response, also static files and the error pages of the middleware inside
    app.add_middleware(SecurityHeaders, settings=settings)
    app.add_exception_handler(Exception, server_error)
    return app


def _add_docs(app: FastAPI) -> None:
    # FastAPI's default docs load Swagger UI from a CDN and start it with an inline script, which our CSP refuses:
    # we serve the npm package ourselves and start it from static/api-docs.js.
    @app.get("/api/v1/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        return request.app.state.templates.TemplateResponse(request, "api_docs.html", {"locale": i18n.get_locale()})


def _mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Front-end packages installed by `make` from package.json (htmx, Pico CSS); never a CDN.
    app.mount("/vendor", StaticFiles(directory=VENDOR_DIR, check_dir=False), name="vendor")

    # Browsers ask for /favicon.ico wherever a document names no icon (JSON or a text file shown in a tab); the
    # 404 would stand in the console as an error, so they get our icon.
    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


def _include_routers(app: FastAPI) -> None:
    from mentorloom.accounts import api as accounts_api
    from mentorloom.accounts import views as accounts_views
    from mentorloom.admin import api as admin_api
    from mentorloom.admin import views as admin_views
    from mentorloom.engagement import api as engagement_api
    from mentorloom.engagement import views as engagement_views
    from mentorloom.health import api as health_api
    from mentorloom.health import views as health_views
    from mentorloom.healthz import router as health_router
    from mentorloom.home import api as home_api
    from mentorloom.home import views as home_views
    from mentorloom.matching import api as matching_api
    from mentorloom.matching import views as matching_views
    from mentorloom.meetings import api as meetings_api
    from mentorloom.meetings import calendar_views
    from mentorloom.meetings import views as meetings_views
    from mentorloom.mentorships import api as mentorships_api
    from mentorloom.mentorships import views as mentorships_views
    from mentorloom.notifications import api as notifications_api
    from mentorloom.notifications import views as notifications_views
    from mentorloom.profiles import api as profiles_api
    from mentorloom.profiles import views as profiles_views
    from mentorloom.programs import api as programs_api
    from mentorloom.programs import views as programs_views

    app.include_router(health_router)
    for module in (
        accounts_api,
        home_api,
        programs_api,
        profiles_api,
        matching_api,
        mentorships_api,
        meetings_api,
        engagement_api,
        health_api,
        admin_api,
    ):
        app.include_router(module.router, prefix="/api/v1")
    for module in (
        accounts_views,
        home_views,
        programs_views,
        profiles_views,
        matching_views,
        mentorships_views,
        meetings_views,
        engagement_views,
        health_views,
        admin_views,
    ):
        app.include_router(module.router)
    app.include_router(calendar_views.router)
    app.include_router(notifications_api.router, prefix="/api/v1")
    app.include_router(notifications_views.router)
    app.include_router(notifications_views.unsubscribe_router)  # no CSRF: the signed token is the authority
    # privacy sits above every domain (it reads and anonymises them all); nothing but the app imports it
    from mentorloom.privacy import api as privacy_api
    from mentorloom.privacy import views as privacy_views

    app.include_router(privacy_api.router, prefix="/api/v1")
    app.include_router(privacy_views.router)


async def _locale_middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    default = request.app.state.settings.default_locale
    locale = request.cookies.get(LOCALE_COOKIE) or i18n.negotiate_locale(
        request.headers.get("accept-language"), default
    )
    i18n.set_locale(locale)
    dates.begin_request()
    response = await call_next(request)
    response.headers.setdefault("Content-Language", i18n.get_locale())
    return response
