"""Where packages above `mentorships` add to its pages without `mentorships` importing them.

The pair home shows panels and the mentorship list shows flags per row (e.g. meetings: the next meeting, "overdue"),
and its first-steps checklist ticks steps from facts (e.g. meetings: "meeting_planned").
A higher package registers the functions that make them when it is imported; the app imports every views module
at start, so by the first request the registry is complete. Registration is by name, so importing a module again
(a test app per test) replaces its entry instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.models import Mentorship
from mentorloom.programs.models import Program


@dataclass(frozen=True)
class Panel:
    """A card on the pair home (or a coordinator's view of it): `template` is included with `panel` in scope."""

    template: str
    data: Any = None
    place: Literal["main", "aside"] = "main"


@dataclass(frozen=True)
class RowFlag:
    """A badge on one row of the mentorship list; `detail` says more (shown beside it for screen readers too)."""

    label: str
    detail: str = ""
    tone: Literal["warning", "muted"] = "warning"


PanelMaker = Callable[[Session, Seat], Panel | None]
FlagMaker = Callable[[Session, Program, Sequence[Mentorship]], Mapping[int, Sequence[RowFlag]]]
# Whether something a higher package records has happened for the pair (e.g. "meeting_planned"), for the
# first-steps checklist of the pair home.
FactCheck = Callable[[Session, Seat], bool]

_panels: dict[str, PanelMaker] = {}
_panel_order: dict[str, int] = {}
_flags: dict[str, FlagMaker] = {}
_facts: dict[str, FactCheck] = {}


def register_panel(name: str, maker: PanelMaker, *, order: int = 50) -> None:
    """`order` places the card among the others (lower first), whichever package was imported first."""
    _panels[name] = maker
    _panel_order[name] = order


def register_row_flags(name: str, maker: FlagMaker) -> None:
    """`maker` gets all rows of the list at once, so it can answer with one query instead of one per row."""
    _flags[name] = maker


def register_fact(name: str, check: FactCheck) -> None:
    _facts[name] = check


def facts_for(session: Session, seat: Seat) -> frozenset[str]:
    """The names of the registered facts that hold for this pair."""
    return frozenset(name for name, check in _facts.items() if check(session, seat))


def panels_for(session: Session, seat: Seat) -> list[Panel]:
    """The registered panels for this seat by their order (a maker answers None to show nothing)."""
    names = sorted(_panels, key=lambda name: _panel_order.get(name, 50))
    return [panel for name in names if (panel := _panels[name](session, seat)) is not None]


def row_flags(session: Session, program: Program, mentorships: Sequence[Mentorship]) -> dict[int, list[RowFlag]]:
    """Flags per mentorship id from every registered maker."""
    result: dict[int, list[RowFlag]] = {}
    if not mentorships:
        return result
    for maker in _flags.values():
        for mentorship_id, flags in maker(session, program, mentorships).items():
            result.setdefault(mentorship_id, []).extend(flags)
    return result
