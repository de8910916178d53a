"""Set the audit origin of every request to the client's address (after uvicorn's trusted proxy headers)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from mentorloom.audit.context import origin


class AuditOrigin:
    # Plain ASGI rather than an http middleware function: the contextvar is set in the same context the
    # endpoint (and its worker thread, which copies the context) runs in.
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        with origin(client[0] if client else "unknown"):
            await self.app(scope, receive, send)
