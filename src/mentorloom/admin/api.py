"""/api/v1/admin/audit: the audit log for an instance administrator's token."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from mentorloom.admin.audit_export import utc_day_filter
from mentorloom.audit import queries
from mentorloom.audit.models import AuditAction
from mentorloom.audit.schemas import AuditEventOut
from mentorloom.pagination import Page
from mentorloom.permissions import Action, require
from mentorloom.web.api_common import MAX_ID, PROBLEM_RESPONSES, PageNumber, PerPage
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter(prefix="/admin", tags=["admin"], responses=PROBLEM_RESPONSES)


@router.get("/audit", response_model=Page[AuditEventOut])
def audit_log(
    user: ApiUser,
    session: DbSession,
    action: Annotated[AuditAction | None, Query(description="Only this action")] = None,
    person: Annotated[
        str, Query(max_length=100, description="Part of a name or e-mail (actor or person acted on)")
    ] = "",
    program_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only events of this program")] = None,
    date_from: Annotated[date | None, Query(description="From this day (UTC), inclusive")] = None,
    date_to: Annotated[date | None, Query(description="Up to this day (UTC), inclusive")] = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> Page[AuditEventOut]:
    """The audit log, newest first (instance administrators only)."""
    require(Action.VIEW_AUDIT, None, admin=user.is_admin)
    found_filter = utc_day_filter(
        action=action, person=person, program_id=program_id, date_from=date_from, date_to=date_to
    )
    return queries.events_page(session, found_filter, page, per_page).as_page(AuditEventOut.model_validate)
