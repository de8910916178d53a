"""/api/v1/me/export (a person's own data) and /api/v1/admin/people/{id}/erase (administrators)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mentorloom.privacy import service
from mentorloom.privacy.schemas import ErasureOut
from mentorloom.web.api_common import PROBLEM_RESPONSES, ObjectId
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter(tags=["privacy"], responses=PROBLEM_RESPONSES)

ZIP_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A zip with mentorloom-data.json (the data, documented keys) and mentorloom-data.html "
        "(the same data as a readable page)",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def zip_response(body: bytes) -> Response:
    """The export as a download named after the day."""
    name = f"mentorloom-data-{date.today().isoformat()}.zip"
    return Response(
        body, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/me/export", response_class=Response, responses=ZIP_RESPONSE)
def export(request: Request, user: ApiUser, session: DbSession) -> Response:
    """All your data: account, profiles, mentorships with everything you may read, notifications, mails."""
    return zip_response(service.export_zip(session, request.app.state.templates.env, user))


@router.post("/admin/people/{user_id}/erase", response_model=ErasureOut)
def erase(user_id: ObjectId, user: ApiUser, session: DbSession) -> ErasureOut:
    """Erase a person (instance administrators): anonymised, signed out for good; counts stay. Idempotent."""
    outcome = service.erase(session, user, user_id)
    return ErasureOut(
        user_id=outcome.user.id,
        display_name=outcome.user.display_name,
        erased_at=outcome.erased_at,
        already_erased=outcome.already,
    )
