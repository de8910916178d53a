"""The evidence page: which matching criteria went with pairs that lasted in this program, and the one-click
change of the matching weights for the next run.

Coordinators and admins only (`Action.VIEW_HEALTH`); members of the program without it get 403, everybody else
404. The form carries the weights the page showed, so a change made from a stale page is refused and the page
shows the current suggestion instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.numbers import format_decimal
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from mentorloom.health import evidence
from mentorloom.health.schemas.evidence import ApplyIn
from mentorloom.health.views.dashboard import links
from mentorloom.i18n import N_, get_locale
from mentorloom.i18n import gettext as _
from mentorloom.matching.engine import CRITERIA
from mentorloom.permissions import Action, program_for
from mentorloom.programs.models import Program
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt
from mentorloom.web.pages import redirect, render

router = APIRouter()
BASE = "/programs/{program_id}/health/evidence"
# The order of the program settings form; `preference` is shown but never moved by the suggestion.
WEIGHT_KEYS = ("values", "expertise", "interests", "text", "time", "preference")
_PREFERENCE = N_("Participants' wishes")


@dataclass(frozen=True)
class WeightRow:
    key: str
    label: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return round(self.after - self.before, 6)


def decimal(value: float, digits: int = 2) -> str:
    """0.30 in English, 0,30 in German: weights and hazard ratios with a fixed number of decimals."""
    return format_decimal(value, format="0." + "0" * digits, locale=get_locale())


def weight_label(key: str) -> str:
    return _(_PREFERENCE) if key == "preference" else evidence.criterion_label(key)


def weight_rows(before: dict[str, float], after: dict[str, float]) -> list[WeightRow]:
    keys = [k for k in WEIGHT_KEYS if k in before or k in after]
    return [
        WeightRow(k, weight_label(k), float(before.get(k, 0.0)), float(after.get(k, before.get(k, 0.0)))) for k in keys
    ]


def change_summary(before: dict[str, float], after: dict[str, float]) -> str:
    """ "Shared values 0.30 → 0.40, Similar profiles 0.25 → 0.18": only the weights that move."""
    moved = [r for r in weight_rows(before, after) if abs(r.delta) >= 1e-6]
    return ", ".join(f"{r.label} {decimal(r.before)} → {decimal(r.after)}" for r in moved)


def _page(
    request: Request, session: Session, program: Program, *, problem: str | None = None, status_code: int = 200
) -> Response:
    found = evidence.evidence_for(session, program)
    last = evidence.last_change(session, program)
    context = {
        "program": program,
        "ev": found,
        "effects": [
            (e, evidence.criterion_label(e.criterion), evidence.sentence(e))
            for e in sorted(found.effects, key=lambda e: WEIGHT_KEYS.index(e.criterion))
        ],
        "dropped": [evidence.criterion_label(c) for c in found.dropped],
        "weights": weight_rows(found.before, found.after) if found.enough else [],
        "summary": change_summary(found.before, found.after) if found.changes else "",
        "criteria": [evidence.criterion_label(c) for c in CRITERIA],
        "max_shift": evidence.MAX_SHIFT,
        "association_note": evidence.association_note(),
        "last": last,
        "last_rows": weight_rows(last.before, last.after) if last else [],
        "last_by": evidence.change_author(session, last) if last else None,
        "problem": problem,
        "decimal": decimal,
        "health_url": f"/programs/{program.id}/health",
        "links": links(program),
        "matching_url": f"/programs/{program.id}/matching",
        "action_url": f"/programs/{program.id}/health/evidence",
    }
    return render(request, "health/evidence.html", context, status_code=status_code)


@router.get(BASE, response_class=HTMLResponse)
def evidence_page(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    return _page(request, session, program)


def _posted_weights(form: FormData, prefix: str) -> dict[str, str]:
    """The hidden fields `before.values`, `after.time`, …; the schema checks the numbers."""
    return {k: str(form.get(f"{prefix}.{k}")) for k in WEIGHT_KEYS if isinstance(form.get(f"{prefix}.{k}"), str)}


@router.post(f"{BASE}/apply", response_class=HTMLResponse)
def apply_weights(
    request: Request, program_id: ObjectId, form: PostedForm, user: CurrentUser, session: DbSession
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    with form_attempt(session) as attempt:
        shown = ApplyIn.model_validate(
            {"before": _posted_weights(form, "before"), "after": _posted_weights(form, "after")}
        )
        change = evidence.apply_suggestion(session, program, user, shown.before, shown.after)
    if attempt.refused:
        # A stale or tampered page: show the current evidence and suggestion with the reason above them.
        problem = (
            attempt.detail
            if attempt.stale
            else _("The page sent weights that could not be read. Look at the suggestion below and apply it again.")
        )
        session.refresh(program)
        return _page(request, session, program, problem=problem, status_code=attempt.status_code)
    flash = _(
        "The new matching weights are saved and count from the next matching run: %(items)s.",
        items=change_summary(change.before, change.after),
    )
    return redirect(f"/programs/{program.id}/health/evidence#last-change", flash=flash, request=request)
