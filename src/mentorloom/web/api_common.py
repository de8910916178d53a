"""Pieces every /api/v1 router shares: documented problem responses and pagination parameters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Path, Query
from pydantic import BaseModel

from mentorloom.web.inputs import MAX_INT


class FieldError(BaseModel):
    field: str | None = None
    message: str
    line: int | None = None
    column: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details, as every /api/v1 error is sent (application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


PROBLEM_JSON = "application/problem+json"


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response = {"description": description, "model": Problem, "content": {PROBLEM_JSON: {}}}
    return {**response, "headers": headers} if headers else response


# Sent with every such answer (web.errors.domain_error_response); documented so clients and the fuzzing check it.
_RETRY_AFTER = {"required": True, "description": "Seconds to wait", "schema": {"type": "integer", "minimum": 1}}
_WWW_AUTHENTICATE = {
    "required": True,
    "description": "The scheme to use",
    "schema": {"type": "string", "enum": ["Bearer"]},
}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("Malformed request (e.g. invalid JSON)"),
    401: _problem("Missing or invalid API token", headers={"WWW-Authenticate": _WWW_AUTHENTICATE}),
    403: _problem("Not allowed"),
    404: _problem("Not found, or not visible to you"),
    409: _problem("Conflict with the current state"),
    413: _problem("Request body larger than the server's limit (MENTORLOOM_MAX_BODY_MB)"),
    422: _problem("Validation failed; `errors` names each field"),
    429: _problem(
        "Too many requests with this token; retry after `Retry-After` seconds", headers={"Retry-After": _RETRY_AFTER}
    ),
    503: _problem("Server busy; retry after `Retry-After` seconds", headers={"Retry-After": _RETRY_AFTER}),
}


def document_problems(app: FastAPI) -> None:
    """Document each problem's schema under application/problem+json, the type it is sent as.

    FastAPI puts a response `model` under the route's own media type (application/json), so the problems were
    documented as a JSON schema nobody receives and an application/problem+json without any schema.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()  # FastAPI caches it: the move below happens once
        for path in document.get("paths", {}).values():
            for operation in path.values():
                for response in operation.get("responses", {}).values():
                    content = response.get("content", {})
                    if content.get(PROBLEM_JSON) == {} and "application/json" in content:
                        content[PROBLEM_JSON] = content.pop("application/json")
        return document

    app.openapi = openapi  # type: ignore[method-assign]


# Ids beyond 32 bits cannot exist; refusing them early keeps huge numbers away from the database drivers.
MAX_ID = MAX_INT
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Query(ge=1, le=100000, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=200, description="Items per page")]
