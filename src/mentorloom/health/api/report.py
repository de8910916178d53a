"""/api/v1 endpoint of the relationship report: one page of pairs with counts (coordinators and admins)."""

from __future__ import annotations

from fastapi import APIRouter

from mentorloom.health import report
from mentorloom.health.schemas.report import Band, QuietDays, ReportRowOut, Search, Status, report_filter
from mentorloom.pagination import Page
from mentorloom.permissions import Action, program_for
from mentorloom.web.api_common import ObjectId, PageNumber, PerPage
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter()


@router.get("/programs/{program_id}/health/report", response_model=Page[ReportRowOut])
def get_report(
    program_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    status: Status = "active",
    band: Band = "",
    quiet_days: QuietDays = None,
    q: Search = "",
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> Page[ReportRowOut]:
    """One row per pair: last meeting, meetings held against the agreed rhythm, goals, message count, feedback
    average (from 5 non-private answers on) and health band; filter by status, band, silence and name."""
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    rows = report.page(session, program, report_filter(status, band, quiet_days, q), page, per_page, clamp=False)
    return rows.as_page(lambda r: ReportRowOut.model_validate(r.as_json()))
