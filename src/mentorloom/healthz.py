"""/healthz for load balancers and orchestrators: is the database reachable?"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter()


@router.get("/healthz", tags=["health"], include_in_schema=False)
def healthz(request: Request) -> JSONResponse:
    try:
        request.app.state.db.ping()
    except Exception as exc:  # any driver error means "not healthy"
        return JSONResponse({"status": "error", "database": str(exc.__class__.__name__)}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
