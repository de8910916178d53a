"""What several mentorship pages share: their URLs, form reading, loading the seat, the pair home and `act`.

`act` is the one way a page changes a mentorship: run the change, and on refusal show the pair home again
with the message instead of an error page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.mentorships import extensions, goals, guide, lifecycle
from mentorloom.mentorships import presenters as out
from mentorloom.mentorships.access import Seat, seat_for
from mentorloom.mentorships.models import ClosureReason, MentorshipStatus, Side
from mentorloom.web.forms import form_attempt
from mentorloom.web.pages import redirect, render


def base_url(program_id: int, mentorship_id: int | None = None) -> str:
    url = f"/programs/{program_id}/mentorships"
    return f"{url}/{mentorship_id}" if mentorship_id else url


def render_home(
    request: Request,
    session: Session,
    seat: Seat,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The pair home, or a coordinator's view of it; a refused change shows it again with `errors`."""
    status = seat.mentorship.status
    ctx: dict[str, Any] = {
        "program": seat.program,
        "seat": seat,
        "status_title": lifecycle.status_title,
        "closure_reasons": [(r.value, lifecycle.closure_label(r)) for r in ClosureReason],
        "errors": errors or {},
        "values": values or {},
        "base": base_url(seat.program.id, seat.mentorship.id),
        "completing": status is MentorshipStatus.COMPLETING,
        "can_plan_end": status not in lifecycle.FINAL,
        "panels": extensions.panels_for(session, seat),  # cards of higher packages (meetings)
    }
    if seat.in_pair:
        ctx["home"] = out.pair_home(session, seat, seat.program)
        ctx["timeline"] = [out.timeline_out(e) for e in goals.timeline(session, seat.mentorship)]
        ctx["guide"] = guide.for_pair(ctx["home"], extensions.facts_for(session, seat))
        ctx.update(_closing_context(ctx["home"]))
    else:
        ctx["view"] = out.coordinator_view(session, seat, seat.program)
    return render(request, "mentorships/home.html", ctx, status_code=status_code)


def _closing_context(home: Any) -> dict[str, Any]:
    """The caller's own retrospective (to prefill the form) and the partner's, of the current cycle."""
    cycle = home.mentorship.cycle
    retros = {r.side: r for r in home.retrospectives if r.cycle == cycle}
    partner = Side.MENTEE if home.my_side is Side.MENTOR else Side.MENTOR
    return {"my_retro": retros.get(home.my_side), "partner_retro": retros.get(partner)}


def act(
    request: Request,
    session: Session,
    user: User,
    ids: tuple[int, int],
    work: Callable[[Seat], object],
    flash: str,
    key: str = "__all__",
    values: dict[str, str] | None = None,
) -> Response:
    """Run one change of the pair; on refusal show the home again with the message at `key`."""
    seat = seat_for(session, user, *ids)
    with form_attempt(session) as attempt:
        work(seat)
    if attempt.refused:
        seat = seat_for(session, user, *ids)  # what the change touched was undone: load it again
        errors = {key: attempt.detail}
        return render_home(request, session, seat, errors=errors, values=values, status_code=attempt.status_code)
    return redirect(base_url(*ids), flash=flash, request=request)
