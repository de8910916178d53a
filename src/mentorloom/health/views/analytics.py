"""Pages of program analytics and retention, with charts, data tables and CSV/JSON exports of every table.

Coordinators and admins only (`Action.VIEW_HEALTH`); members of the program without it get 403, everybody else 404.
A date range that does not parse, or runs backwards, comes back with the form and an error at the field (422).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.errors import ValidationFailed
from mentorloom.health import analytics, charts, exports, retention
from mentorloom.health.cells import MIN_CELL
from mentorloom.health.ranges import DateRange, Month, parse_range, widest_start
from mentorloom.health.schemas.analytics import From, TableName, To
from mentorloom.health.views.dashboard import links
from mentorloom.i18n import get_locale
from mentorloom.i18n import gettext as _
from mentorloom.permissions import Action, program_for
from mentorloom.programs.models import Program
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.pages import render

router = APIRouter()
ANALYTICS = "/programs/{program_id}/health/analytics"
RETENTION = "/programs/{program_id}/health/retention"


def _export_url(program: Program, page: str, ext: str, period: DateRange, table: str | None = None) -> str:
    params = period.params() | ({"table": table} if table else {})
    return f"/programs/{program.id}/health/{page}.{ext}?{urlencode(params)}"


def _month_label(month: Month) -> str:
    return format_date(month.first_day(), "MMM y", locale=get_locale())


def _range_or_errors(start: str, end: str, months: int) -> tuple[DateRange | None, dict[str, str]]:
    try:
        return parse_range(start, end, utcnow().date(), months), {}
    except ValidationFailed as exc:
        return None, {exc.field or "from": exc.detail}


def _download(body: str | dict[str, Any], program: Program, name: str, ext: str) -> Response:
    slug = re.sub(r"[^a-z0-9]+", "-", program.name.lower()).strip("-")[:60] or "program"
    headers = {"Content-Disposition": f'attachment; filename="{slug}-{name}.{ext}"', "Cache-Control": "no-store"}
    if isinstance(body, dict):
        return JSONResponse(body, headers=headers)
    # the BOM makes Excel read umlauts correctly
    return Response(body.encode("utf-8-sig"), media_type="text/csv; charset=utf-8", headers=headers)


def _table(tables: dict[str, exports.Table], table: str) -> exports.Table:
    if table not in tables:
        raise ValidationFailed(_("Choose one of the options."), field="table")
    return tables[table]


def _all_years(program: Program, page: str) -> str:
    return f"{links(program)[page]}?{urlencode({'from': widest_start(utcnow().date()).isoformat()})}"


def _period(start: str, end: str, months: int) -> DateRange:
    return parse_range(start, end, utcnow().date(), months)


# --- analytics -----------------------------------------------------------------------------------------------------


@router.get(ANALYTICS, response_class=HTMLResponse)
def analytics_page(
    request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession, from_: From = "", to: To = ""
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    period, errors = _range_or_errors(from_, to, 12)
    context: dict[str, Any] = {
        "program": program,
        "links": links(program),
        "errors": errors,
        "typed": {"from": from_, "to": to},
        "period": period,
        "min_cell": MIN_CELL,
        "reason_label": exports.reason_label,
        "all_years": _all_years(program, "analytics"),
    }
    if period is not None:
        context |= _analytics_context(session, program, period)
    return render(request, "health/analytics.html", context, status_code=422 if errors else 200)


def _analytics_context(session: Session, program: Program, period: DateRange) -> dict[str, Any]:
    result = analytics.compute(session, program, period)
    months = [_month_label(m.month) for m in result.meetings]
    labels = {
        "held": _("Held"),
        "agreed": _("Agreed"),
        "under_way": _("Under way"),
        "completed": _("Completed"),
        "ended_early": _("Ended early"),
    }
    has_meetings = any(m.held_per_pair is not None for m in result.meetings)
    # a chart of hidden cells only would be an empty frame: draw it once some month shows a number above zero
    has_cohorts = any(c.under_way.value or c.completed.value or c.ended_early.value for c in result.cohorts)
    return {
        "result": result,
        "summary": exports.summary_rows(result),
        "month_labels": months,
        "meetings_chart": charts.meetings(result.meetings, months, labels) if has_meetings else None,
        "cohorts_chart": charts.cohorts(result.cohorts, months, labels) if has_cohorts else None,
        "any_started": any(c.started.raw for c in result.cohorts),
        "csv": {t: _export_url(program, "analytics", "csv", period, t) for t in exports.ANALYTICS_TABLES},
        "json": {t: _export_url(program, "analytics", "json", period, t) for t in exports.ANALYTICS_TABLES},
        "json_all": _export_url(program, "analytics", "json", period),
    }


@router.get(f"{ANALYTICS}.csv")
def analytics_csv(
    program_id: ObjectId, user: CurrentUser, session: DbSession, from_: From = "", to: To = "", table: TableName = ""
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    result = analytics.compute(session, program, _period(from_, to, 12))
    chosen = _table(exports.analytics_tables(result), table or "summary")
    return _download(exports.to_csv(chosen), program, f"analytics-{chosen.key}", "csv")


@router.get(f"{ANALYTICS}.json")
def analytics_json(
    program_id: ObjectId, user: CurrentUser, session: DbSession, from_: From = "", to: To = "", table: TableName = ""
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    result = analytics.compute(session, program, _period(from_, to, 12))
    if not table:
        return _download(exports.analytics_json(result), program, "analytics", "json")
    chosen = _table(exports.analytics_tables(result), table)
    body = exports.table_json(chosen) | {"range": result.range.as_json(), "min_cell": MIN_CELL}
    return _download(body, program, f"analytics-{chosen.key}", "json")


# --- retention -----------------------------------------------------------------------------------------------------


@router.get(RETENTION, response_class=HTMLResponse)
def retention_page(
    request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession, from_: From = "", to: To = ""
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    period, errors = _range_or_errors(from_, to, retention.DEFAULT_MONTHS)
    context: dict[str, Any] = {
        "program": program,
        "links": links(program),
        "errors": errors,
        "typed": {"from": from_, "to": to},
        "period": period,
        "min_cell": MIN_CELL,
        "horizons": retention.HORIZONS,
        "all_years": _all_years(program, "retention"),
    }
    if period is not None:
        result = retention.compute(session, program, period)
        tables = exports.retention_tables(result)
        labels = {"all": _("All pairs"), "lower": _("Lower bound"), "upper": _("Upper bound")}
        context |= {
            "result": result,
            "curves": ([result.overall] if result.overall else []) + result.cohorts,
            "curve_label": exports.curve_label,
            "points": tables["curves"].rows,
            "chart": charts.survival(result.overall, labels) if result.overall else None,
            "cohort_chart": charts.cohort_survival(result.cohorts) if len(result.cohorts) > 1 else None,
            "csv": {t: _export_url(program, "retention", "csv", period, t) for t in exports.RETENTION_TABLES},
            "json": {t: _export_url(program, "retention", "json", period, t) for t in exports.RETENTION_TABLES},
            "json_all": _export_url(program, "retention", "json", period),
        }
    return render(request, "health/retention.html", context, status_code=422 if errors else 200)


@router.get(f"{RETENTION}.csv")
def retention_csv(
    program_id: ObjectId, user: CurrentUser, session: DbSession, from_: From = "", to: To = "", table: TableName = ""
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    result = retention.compute(session, program, _period(from_, to, retention.DEFAULT_MONTHS))
    chosen = _table(exports.retention_tables(result), table or "retention")
    return _download(exports.to_csv(chosen), program, f"retention-{chosen.key}", "csv")


@router.get(f"{RETENTION}.json")
def retention_json(
    program_id: ObjectId, user: CurrentUser, session: DbSession, from_: From = "", to: To = "", table: TableName = ""
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    result = retention.compute(session, program, _period(from_, to, retention.DEFAULT_MONTHS))
    if not table:
        return _download(exports.retention_json(result), program, "retention", "json")
    chosen = _table(exports.retention_tables(result), table)
    body = exports.table_json(chosen) | {"range": result.range.as_json(), "min_cell": MIN_CELL}
    return _download(body, program, f"retention-{chosen.key}", "json")
