"""Pages of the relationship report: the coordinator's table of pairs with counts, and its CSV and JSON exports.

Coordinators and admins only (`Action.VIEW_HEALTH`); members of the program without it get 403, everybody else 404.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from mentorloom.health import report
from mentorloom.health.schemas.report import Band, QuietDays, Search, Status, report_filter
from mentorloom.health.score import BANDS
from mentorloom.health.views.dashboard import links
from mentorloom.permissions import Action, program_for
from mentorloom.programs.models import Program
from mentorloom.web.api_common import ObjectId, PageNumber
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.pages import render

router = APIRouter()
BASE = "/programs/{program_id}/health/report"
PER_PAGE = 50


def _url(program: Program, suffix: str, params: dict[str, str]) -> str:
    query = urlencode(params)
    return f"/programs/{program.id}/health/report{suffix}" + (f"?{query}" if query else "")


def _filename(program: Program, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", program.name.lower()).strip("-")[:60] or "program"
    return f"{slug}-relationship-report.{ext}"


@router.get(BASE, response_class=HTMLResponse)
def report_page(
    request: Request,
    program_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    status: Status = "active",
    band: Band = "",
    quiet_days: QuietDays = None,
    q: Search = "",
    page: PageNumber = 1,
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    f = report_filter(status, band, quiet_days, q)
    rows = report.page(session, program, f, page, PER_PAGE)
    params = f.params()
    context = {
        "program": program,
        "links": links(program),
        "filter": f,
        "rows": rows,
        "statuses": list(report.STATUSES),
        "bands": BANDS,
        "min_feedback": report.MIN_FEEDBACK,
        "filtered": params != {"status": "active"},
        "csv_url": _url(program, ".csv", params),
        "json_url": _url(program, ".json", params),
        "prev_url": _url(program, "", params | {"page": str(rows.page - 1)}) if rows.page > 1 else None,
        "next_url": _url(program, "", params | {"page": str(rows.page + 1)}) if rows.page < rows.pages else None,
    }
    return render(request, "health/report.html", context)


@router.get(f"{BASE}.csv")
def report_csv(
    program_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    status: Status = "active",
    band: Band = "",
    quiet_days: QuietDays = None,
    q: Search = "",
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    body = report.to_csv(report.all_rows(session, program, report_filter(status, band, quiet_days, q)))
    return Response(
        body.encode("utf-8-sig"),  # the BOM makes Excel read umlauts correctly
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(program, "csv")}"',
            "Cache-Control": "no-store",
        },
    )


@router.get(f"{BASE}.json")
def report_json(
    program_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    status: Status = "active",
    band: Band = "",
    quiet_days: QuietDays = None,
    q: Search = "",
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    f = report_filter(status, band, quiet_days, q)
    rows = report.all_rows(session, program, f)
    body = {"filter": f.params(), "min_feedback_answers": report.MIN_FEEDBACK, "items": [r.as_json() for r in rows]}
    return JSONResponse(
        body,
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(program, "json")}"',
            "Cache-Control": "no-store",
        },
    )
