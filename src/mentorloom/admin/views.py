"""/admin/audit: the audit log for instance administrators, with filters, pages and a CSV export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from mentorloom.admin import audit_export
from mentorloom.admin.audit_export import FilterForm
from mentorloom.audit import queries
from mentorloom.audit.labels import ACTION_LABELS
from mentorloom.audit.models import AuditAction
from mentorloom.audit.service import record
from mentorloom.db import utcnow
from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext
from mentorloom.permissions import Action, require
from mentorloom.web.deps import CurrentUser, DbSession, csrf_protect
from mentorloom.web.pages import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
PER_PAGE = 50
Text = Annotated[str, Query(max_length=200)]


def _form(action: str, person: str, program: str, date_from: str, date_to: str) -> FilterForm:
    return FilterForm(action=action, person=person, program=program, date_from=date_from, date_to=date_to)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    user: CurrentUser,
    session: DbSession,
    action: Text = "",
    person: Text = "",
    program: Text = "",
    date_from: Text = "",
    date_to: Text = "",
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> Response:
    require(Action.VIEW_AUDIT, None, admin=user.is_admin)
    form = _form(action, person, program, date_from, date_to)
    found_filter, errors = form.parse()
    # An unreadable filter lists nothing: the whole log under a filter the reader believes applied would mislead.
    found = queries.events_page(session, found_filter, page, PER_PAGE, clamp=True) if not errors else None
    programs = audit_export.program_names(session)
    actions = sorted(((a.value, gettext(label)) for a, label in ACTION_LABELS.items()), key=lambda p: p[1].casefold())
    context = {
        "found": found,
        "rows": audit_export.rows(session, list(found.rows), programs) if found else [],
        "form": form,
        "errors": errors,
        "filtered": bool(form.query_string()),
        "query": form.query_string(),
        "actions": actions,
        "programs": programs,
    }
    return render(request, "admin/audit.html", context, status_code=422 if errors else 200)


@router.get("/admin/audit.csv")
def audit_csv(
    user: CurrentUser,
    session: DbSession,
    action: Text = "",
    person: Text = "",
    program: Text = "",
    date_from: Text = "",
    date_to: Text = "",
) -> Response:
    """The filtered log as CSV; the export itself is the newest entry of the log."""
    require(Action.VIEW_AUDIT, None, admin=user.is_admin)
    found_filter, errors = _form(action, person, program, date_from, date_to).parse()
    if errors:  # the page shows its form again; a file would silently hold the whole log instead
        raise ValidationFailed(
            "; ".join(errors.values()), errors=[{"field": field, "message": msg} for field, msg in errors.items()]
        )
    body = audit_export.to_csv(session, queries.all_events(session, found_filter))
    record(
        session, AuditAction.AUDIT_EXPORTED, actor=user, target_type="audit_log", detail=found_filter.as_detail(session)
    )
    filename = f"audit-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(
        body.encode("utf-8-sig"),  # the BOM makes Excel read umlauts correctly
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
