"""Domain events that packages built on top react to, without the lower package importing them.

A lower domain calls `emit(session, "meeting_held", mentorship)` inside its own transaction; a higher one
(engagement: automatic milestones) registers a receiver with `@receiver("meeting_held")`. RECEIVER_MODULES are
imported before the first emit, so a process that never imported them (the CLI, a job, the demo) still runs them.
Receivers run in the caller's transaction: what they write commits or rolls back with the event.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mentorloom.mentorships.models import Mentorship

Receiver = Callable[["Session", "Mentorship", dict[str, Any]], None]
# The known signals, so a typo at either end fails loudly instead of never firing.
SIGNALS = frozenset({"meeting_held", "goal_progress"})
RECEIVER_MODULES = ("mentorloom.engagement.milestones", "mentorloom.health.live")
_RECEIVERS: dict[str, dict[str, Receiver]] = {}


def receiver(name: str) -> Callable[[Receiver], Receiver]:
    """Register `fn` for signal `name`; by qualified name, so importing a module again replaces it."""
    if name not in SIGNALS:
        raise ValueError(f"unknown signal {name!r}")

    def register(fn: Receiver) -> Receiver:
        _RECEIVERS.setdefault(name, {})[f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    return register


def emit(session: Session, name: str, mentorship: Mentorship, **data: Any) -> None:
    if name not in SIGNALS:
        raise ValueError(f"unknown signal {name!r}")
    for module in RECEIVER_MODULES:
        importlib.import_module(module)
    for fn in list(_RECEIVERS.get(name, {}).values()):
        fn(session, mentorship, data)
