"""/healthz for load balancers and orchestrators: is the database reachable?"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from mentorloom.db import database_unavailable
from mentorloom.web.errors import DATABASE_RETRY_AFTER

router = APIRouter()


@router.get("/healthz", tags=["health"], include_in_schema=False)
def healthz(request: Request) -> JSONResponse:
    try:
        request.app.state.db.ping()
    except Exception as exc:  # any driver error means "not healthy"
        state = "down" if database_unavailable(exc) else exc.__class__.__name__
        return JSONResponse(
            {"status": "error", "database": state},
            status_code=503,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
        )
    return JSONResponse({"status": "ok", "database": "ok"})
