"""The pair's own health card on the pair home: what the score saw, as guidance for the two partners
("you planned monthly meetings; the last was 40 days ago"), never a score or a grade of the partner.

Shown to the two partners only, and only when something is worth a word; coordinators read the pair's health
on the dashboard instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from mentorloom.engagement.celebrations_common import pair_path
from mentorloom.health import reasons, service
from mentorloom.mentorships import extensions
from mentorloom.mentorships.access import Seat

GUIDANCE_SHOWN = 3


@dataclass(frozen=True)
class GuidancePanel:
    items: list[reasons.Reason]
    meetings_url: str
    goals_url: str


def guidance_panel(session: Session, seat: Seat) -> extensions.Panel | None:
    if seat.side is None:
        return None
    health = service.health_of(session, seat.mentorship)
    if health is None or reasons.partner_erased(health.components):
        return None  # no advice on meeting someone whose account is gone: the pair home says what happens instead
    items = reasons.reasons(health.components, own=True)[:GUIDANCE_SHOWN]
    if not items:
        return None
    base = pair_path(seat.mentorship)
    return extensions.Panel("health/guidance_panel.html", GuidancePanel(items, f"{base}/meetings", f"{base}#goals"))


extensions.register_panel("health.guidance", guidance_panel, order=12)
