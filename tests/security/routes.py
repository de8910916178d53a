"""Every (method, path) the app answers, read from its router, and how to call one as a persona of the world."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from tests.security.world import Persona, World

SKIPPED_MOUNTS = ("/static", "/vendor")


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) of every route; this FastAPI keeps included routers unflattened in app.routes."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if type(route).__name__ == "_IncludedRouter":
            for context in route.effective_route_contexts():  # type: ignore[attr-defined]
                found |= {(method, context.path) for method in context.methods or ()}
        elif getattr(route, "methods", None):
            found |= {(method, route.path) for method in route.methods}  # type: ignore[attr-defined]
        else:
            assert getattr(route, "path", "") in SKIPPED_MOUNTS, f"an unknown kind of route: {route!r}"
    return found


def is_api(path: str) -> bool:
    return path.startswith("/api/")


# Path parameters whose value depends on where they sit in the path (the first pattern that matches wins).
_CONTEXTUAL: list[tuple[str, str, str]] = [
    ("item_id", r"/agenda/", "agenda_item"),
    ("item_id", r"/action-items", "action_item"),
    ("resource_id", r"/library/|/from-library/", "library_resource"),
    ("resource_id", r"/mentorships/", "pair_resource"),
    ("meeting_id", r"/(outcome|feedback)$", "held_id"),
]
_PLAIN = {
    "program_id": "program_id",
    "mentorship_id": "mentorship_id",
    "meeting_id": "meeting_id",
    "key": "key",
    "reflection_id": "reflection_id",
    "message_id": "message_id",
    "kudos_id": "kudos_id",
    "milestone_id": "milestone_id",
    "event_id": "event_id",
    "request_id": "request_id",
    "run_id": "run_id",
    "proposal_id": "proposal_id",
    "membership_id": "mentee_membership",
    "job_id": "job_id",
    "notification_id": "notification_id",
    "token_id": "token_id",
    "mail_id": "mail_id",
    "version": "version",
    "action": "state_action",
    "token": "page_token",
    "user_id": "other_user",
}


# Query parameters some routes require (else FastAPI answers 422 to everyone before any permission check).
QUERIES = {
    "/api/v1/tags": "?program_id={program_id}",
    "/api/v1/programs/{program_id}/mentorships/{mentorship_id}/agreement/diff": "?from=1&to=1",
    "/programs/{program_id}/mentorships/{mentorship_id}/agreement/diff": "?from=1&to=1",
}


def fill(path: str, world: World) -> str:
    """The path template with the world's ids in it."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        for param, pattern, key in _CONTEXTUAL:
            if param == name and re.search(pattern, path):
                return str(world.ids[key])
        if path.startswith("/ical/") and name == "token":
            return str(world.ids["feed_token"])
        return str(world.ids[_PLAIN[name]])

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path) + QUERIES.get(path, "").format(**world.ids)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any = None  # JSON for the API, form fields for pages


async def send(persona: Persona, call: Call, url: str) -> httpx.Response:
    """The request as this persona: the bearer token on the API, the session cookie and CSRF token on pages.

    The persona's cookies are put back afterwards: signing out, signing in or choosing a language must not
    change who the next call is made as.
    """
    jar = persona.client.cookies.jar
    saved = list(jar)
    try:
        return await _send(persona, call, url)
    finally:
        jar.clear()
        for cookie in saved:
            jar.set_cookie(cookie)


async def _send(persona: Persona, call: Call, url: str) -> httpx.Response:
    if is_api(call.path):
        body = call.body
        if isinstance(body, bytes):
            headers = {**persona.api, "content-type": "text/csv"}
            return await persona.client.request(call.method, url, headers=headers, content=body)
        if body is None and call.method in ("POST", "PUT", "PATCH"):
            body = {}
        return await persona.client.request(call.method, url, headers=persona.api, json=body)
    if call.method in ("GET", "HEAD"):
        return await persona.client.request(call.method, url)
    data = {"csrf_token": persona.csrf, **(call.body or {})}
    return await persona.client.request(call.method, url, data=data)


def outcome(response: httpx.Response) -> str:
    """allowed / login / 403 / 404 / 5xx, as the matrix names them."""
    status = response.status_code
    if status == 401 or (300 <= status < 400 and response.headers.get("location", "").startswith("/login")):
        return "login"
    if response.headers.get("hx-redirect", "").startswith("/login"):
        return "login"
    if status in (403, 404):
        return str(status)
    if status >= 500:
        return "5xx"
    return "ok"
