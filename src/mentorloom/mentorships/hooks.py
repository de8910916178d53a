"""What other domains do when a mentorship changes state, without mentorships importing them.

Domains above mentorships (meetings, …) register a function with `after_transition`; `lifecycle.transition`
calls every registered function in the same transaction. HOOK_MODULES are imported before the first call, so
a process that never imported them (the CLI, a job) still runs their hooks.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mentorloom.accounts.models import User
    from mentorloom.mentorships.models import Mentorship, MentorshipTransition

TransitionHook = Callable[["Session", "Mentorship", "MentorshipTransition", "User | None"], None]
HOOK_MODULES = ("mentorloom.meetings.notices", "mentorloom.engagement.milestones")
_HOOKS: list[TransitionHook] = []


def after_transition(fn: TransitionHook) -> TransitionHook:
    if fn not in _HOOKS:
        _HOOKS.append(fn)
    return fn


def run_transition_hooks(
    session: Session, mentorship: Mentorship, record: MentorshipTransition, by: User | None
) -> None:
    for module in HOOK_MODULES:
        importlib.import_module(module)
    for hook in list(_HOOKS):
        hook(session, mentorship, record, by)
