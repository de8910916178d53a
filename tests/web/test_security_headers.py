"""Every response carries the security headers, and the CSP allows no inline script or style anywhere."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.web.security_headers import PERMISSIONS_POLICY, security_headers
from tests.factories import make_membership, make_user
from tests.matching.test_views import login
from tests.mentorships.helpers import make_pair
from tests.security.routes import app_routes

pytestmark = pytest.mark.anyio

STRICT = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_hardened(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    csp = response.headers.get("content-security-policy", "")
    directives = dict([*part.strip().split(" ", 1), ""][:2] for part in csp.split(";"))
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]{24}'", directives.get("script-src", "")), where
    assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]{24}'", directives.get("style-src", "")), where
    assert directives.get("frame-ancestors") == "'none'" and directives.get("object-src") == "'none'", where
    assert directives.get("default-src") == "'self'" and directives.get("base-uri") == "'none'", where
    for name, value in STRICT.items():
        assert response.headers.get(name) == value, (where, name)
    assert "strict-transport-security" not in response.headers, where  # http:// base URL


def concrete(path: str, pair_ids: dict[str, int]) -> str:
    """A route template with every parameter filled (ids of the pair where they fit, 1 elsewhere)."""
    return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: str(pair_ids.get(m.group(1), 1)), path)


async def test_every_get_route_answers_with_the_headers(
    app: FastAPI, client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session)
    ids = {"program_id": pair.program.id, "mentorship_id": pair.mentorship.id}
    coordinator = make_user(db_session)
    from mentorloom.programs.models import Role

    make_membership(db_session, program=pair.program, user=coordinator, role=Role.COORDINATOR)
    paths = sorted({concrete(path, ids) for method, path in app_routes(app) if method == "GET"})
    assert len(paths) > 50
    anonymous = [await client.get(path) for path in paths]
    await login(client, db_session, coordinator)
    signed_in = [await client.get(path) for path in paths]
    nonces = set()
    for response in anonymous + signed_in:
        assert_hardened(response)
        nonces.add(response.headers["content-security-policy"])
    assert len(nonces) == len(anonymous) + len(signed_in)  # a fresh nonce for every response
    assert any(r.status_code == 200 and "<html" in r.text for r in signed_in)


async def test_static_files_errors_and_redirects_too(client: httpx.AsyncClient) -> None:
    for path in (
        "/static/app.css",
        "/static/api-docs.js",
        "/vendor/htmx.org/dist/htmx.min.js",
        "/no-such-page",
        "/api/v1/no-such-thing",
        "/account",
        "/api/v1/me",
        "/healthz",
        "/api/v1/openapi.json",
    ):
        assert_hardened(await client.get(path))
    assert_hardened(await client.delete("/login"))  # 405
    assert_hardened(await client.post("/login", data={"email": "x"}))  # 403 (no CSRF token)


async def test_an_unexpected_error_answers_500_with_the_headers(app: FastAPI) -> None:
    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("boom")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/boom-for-test")
    assert response.status_code == 500 and "boom" not in response.text
    assert_hardened(response)


async def test_the_api_docs_start_swagger_from_a_file(client: httpx.AsyncClient) -> None:
    page = await client.get("/api/v1/docs")
    assert page.status_code == 200 and '<script src="/static/api-docs.js"' in page.text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) is None  # every script is a file
    assert_hardened(page)


def test_hsts_only_for_an_https_base_url(settings: Settings) -> None:
    assert "Strict-Transport-Security" not in security_headers(settings, "n")
    settings.base_url = "https://mentoring.example.org"
    assert security_headers(settings, "n")["Strict-Transport-Security"] == "max-age=31536000"


# files people download and open from disk, never served under the CSP
OFFLINE = {"privacy/export.html"}


def test_no_template_has_an_inline_style_script_or_handler() -> None:
    from mentorloom.templating import TEMPLATE_DIR

    for template in TEMPLATE_DIR.rglob("*.html"):
        if template.relative_to(TEMPLATE_DIR).as_posix() in OFFLINE:
            continue
        text = template.read_text()
        assert not re.search(r"\sstyle=|<style\b|\son[a-z]+=|javascript:", text), template
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
