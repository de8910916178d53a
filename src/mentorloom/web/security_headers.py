"""Browser security headers on every response: pages, API, static files, redirects and errors.

A pure ASGI middleware rather than @app.middleware("http"): it sees every response start, also those of the
static file mounts and of streamed bodies. Each request gets a fresh CSP nonce (request.state.csp_nonce, `csp_nonce`
in templates) for the rare inline element that needs one; the pages themselves use only files from our own origin,
so the policy allows no inline script or style at all.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mentorloom.config import Settings

# Powerful browser features no page of ours uses: nobody can switch them on, not even an injected frame or script.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "serial",
        "usb",
    )
)
HSTS = "max-age=31536000"


def content_security_policy(nonce: str) -> str:
    """Scripts and styles from our own origin (or carrying this response's nonce) only; no frames, plugins, <base>."""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",  # data: for the charts (SVG images) and Pico's inline icons
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers(settings: Settings, nonce: str) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(nonce),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
        "Referrer-Policy": "same-origin",  # links to video rooms or other sites carry no Mentorloom URL
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if urlsplit(settings.base_url).scheme == "https":  # never over plain HTTP: it would lock a test setup out
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeaders:
    """Adds security_headers() to every HTTP response start; a header set by the endpoint itself wins."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        extra = security_headers(self.settings, nonce)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def server_error(request: Request, exc: Exception) -> Response:
    """The answer to an unexpected exception, with the same headers (Starlette's own 500 lies outside middleware)."""
    nonce = getattr(request.state, "csp_nonce", None) or secrets.token_urlsafe(18)
    return PlainTextResponse(
        "Internal Server Error", status_code=500, headers=security_headers(request.app.state.settings, nonce)
    )
