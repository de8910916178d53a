"""The pair's timeline page, and its card on the pair home (the newest few entries and a link to all).

Only the two people see it (coordinators get 403, as on the API); the page calls the same `timeline.timeline`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mentorloom.engagement import timeline
from mentorloom.engagement.timeline import EntryKind
from mentorloom.i18n import N_
from mentorloom.mentorships import extensions
from mentorloom.mentorships.access import Seat, pair_seat
from mentorloom.mentorships.extensions import Panel
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.pages import render

router = APIRouter()
PANEL_ENTRIES = 5

# The filter's labels, in the page's order; marked here, translated in the template.
KIND_LABELS: dict[EntryKind, str] = {
    EntryKind.MEETING: N_("Meetings"),
    EntryKind.MILESTONE: N_("Milestones"),
    EntryKind.KUDOS: N_("Kudos"),
    EntryKind.REFLECTION: N_("Reflections"),
    EntryKind.RESOURCE: N_("Resources"),
    EntryKind.EVENT: N_("Events"),
    EntryKind.GOAL: N_("Goals"),
    EntryKind.AGREEMENT: N_("Agreement"),
}
KIND_ICONS: dict[EntryKind, str] = {
    EntryKind.MEETING: "calendar",
    EntryKind.MILESTONE: "party",
    EntryKind.KUDOS: "heart",
    EntryKind.REFLECTION: "edit",
    EntryKind.RESOURCE: "globe",
    EntryKind.EVENT: "users",
    EntryKind.GOAL: "check",
    EntryKind.AGREEMENT: "key",
}


@router.get("/programs/{program_id}/mentorships/{mentorship_id}/timeline", response_class=HTMLResponse)
def timeline_page(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    kind: Annotated[list[str], Query(max_length=len(EntryKind))] = [],  # noqa: B006
    page: int = Query(default=1, ge=1, le=100_000),
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    # Unknown kinds in a hand-edited link are ignored rather than refused: the page still shows something.
    kinds = [EntryKind(k) for k in kind if k in EntryKind.__members__.values()]
    found = timeline.timeline(session, seat, kinds=kinds, page=page)
    if found.page > found.pages:  # an old link past the end shows the last page
        found = timeline.timeline(session, seat, kinds=kinds, page=found.pages)
    pair_url = timeline.pair_path(seat)
    return render(
        request,
        "engagement/timeline.html",
        {
            "program": seat.program,
            "pair_url": pair_url,
            "found": found,
            "filtered": bool(kinds),
            "chosen": set(kinds),
            "labels": KIND_LABELS,
            "icons": KIND_ICONS,
            "query": "".join(f"&kind={k.value}" for k in kinds),
        },
    )


def timeline_panel(session: Session, seat: Seat) -> Panel | None:
    """The newest entries on the pair home; coordinators see no card (the entries are the pair's own)."""
    if not seat.in_pair:
        return None
    found = timeline.timeline(session, seat, per_page=PANEL_ENTRIES)
    data = {"entries": found.entries, "url": f"{timeline.pair_path(seat)}/timeline", "icons": KIND_ICONS}
    return Panel("engagement/timeline_panel.html", data, place="aside")


extensions.register_panel("engagement.timeline", timeline_panel, order=70)
