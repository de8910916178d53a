"""Refuse request bodies above MENTORLOOM_MAX_BODY_MB with 413, before they are read into memory.

A declared Content-Length above the limit is answered at once, unread. A chunked body (no length) is
counted as it streams in and cut off as soon as it passes the limit.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mentorloom.errors import PayloadTooLarge
from mentorloom.i18n import gettext as _
from mentorloom.numbers import is_digits


class BodySizeLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit: int = scope["app"].state.settings.max_body_bytes
        declared = Headers(scope=scope).get("content-length", "")
        if is_digits(declared) and int(declared) > limit:
            await _too_large(scope, receive, send, limit)
            return
        received = 0
        exceeded = started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise PayloadTooLarge(_too_large_message(limit))
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # whatever the app makes of a body it could not finish reading; our 413 follows
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except PayloadTooLarge:
            if started:
                raise
        if exceeded and not started:
            await _too_large(scope, receive, send, limit)


def _too_large_message(limit: int) -> str:
    return _("The request is larger than %(mb)d MB.", mb=limit // 2**20)


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    from mentorloom.web.errors import domain_error_response

    request = Request(scope, receive)
    response = domain_error_response(request, PayloadTooLarge(_too_large_message(limit)))
    response.headers["Connection"] = "close"  # the rest of the body is never read
    await response(scope, receive, send)
