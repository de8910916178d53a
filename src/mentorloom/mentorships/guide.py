"""What the pair home leads with: the next possible step, the first-steps checklist and who is waiting for whom.

Read from the pair home's data only, so the page and its tests agree on one answer. A step is offered as the
main action only when it can work now; what cannot work yet carries the reason instead of failing on click.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mentorloom.i18n import gettext as _
from mentorloom.mentorships.models import AgreementStatus, MentorshipStatus, Side
from mentorloom.mentorships.schemas import AgreementOut, PairHomeOut, SideTermsOut


@dataclass(frozen=True)
class FirstStep:
    key: str  # introduce, goals, confirm, meet
    done: bool | None  # None: nothing in the app records it, so it is a suggestion, never ticked


@dataclass(frozen=True)
class Guide:
    """`next_step` names the main action of the page: accept, add_goal, expectations, confirm, fit_check, review."""

    next_step: str | None = None
    can_confirm: bool = False
    confirm_blocked: str = ""  # why the confirm button is disabled; empty when it works or is not shown
    waiting_for_me: bool = False  # a draft with goals that only lacks my confirmation
    waiting_for_partner: bool = False
    first_steps: list[FirstStep] = field(default_factory=list)


def _terms(a: AgreementOut, side: Side) -> SideTermsOut:
    return a.mentor if side is Side.MENTOR else a.mentee


def _confirmed(a: AgreementOut, side: Side) -> bool:
    return (a.confirmed_by_mentor_at if side is Side.MENTOR else a.confirmed_by_mentee_at) is not None


def for_pair(home: PairHomeOut, facts: frozenset[str] = frozenset()) -> Guide:
    """The next step of the caller, and the first steps while the pair has not got going yet.

    `facts` are what higher packages know about the pair (`extensions.facts_for`): "meeting_planned" (meetings),
    "introduced" (both wrote in their conversation).
    """
    status, a = home.mentorship.status, home.agreement
    if status is MentorshipStatus.PROPOSED:
        return Guide(next_step="accept" if "accept" in home.actions else None)
    if a is None or status is not MentorshipStatus.ACTIVE:
        return Guide(next_step="review" if home.review.due else None)
    me = home.my_side
    partner = Side.MENTEE if me is Side.MENTOR else Side.MENTOR
    draft = a.status is AgreementStatus.DRAFT
    has_goals = bool(a.goals)
    mine, theirs = _confirmed(a, me), _confirmed(a, partner)
    can_confirm = draft and has_goals and not mine
    blocked = _("Add at least one goal first: you confirm your goals together.") if draft and not has_goals else ""
    return Guide(
        next_step=_next_step(home, a, can_confirm),
        can_confirm=can_confirm,
        confirm_blocked=blocked,
        waiting_for_me=can_confirm,
        waiting_for_partner=draft and has_goals and mine and not theirs,
        first_steps=_first_steps(home, a, facts),
    )


def _next_step(home: PairHomeOut, a: AgreementOut, can_confirm: bool) -> str | None:
    if a.status is AgreementStatus.DRAFT:
        if not a.goals:
            return "add_goal"
        if not _terms(a, home.my_side).expectations and not _confirmed(a, home.my_side):
            return "expectations"
        return "confirm" if can_confirm else None
    if home.fit_check.due:
        return "fit_check"
    return "review" if home.review.due else None


def _first_steps(home: PairHomeOut, a: AgreementOut, facts: frozenset[str]) -> list[FirstStep]:
    """Shown in the first cycle until the agreement was confirmed once and both answered the fit check."""
    confirmed_once = a.in_force_version is not None
    met = home.fit_check.passed  # both said after meeting that the match fits
    if home.mentorship.cycle > 1 or (confirmed_once and met):
        return []
    agreed = bool(a.goals) and bool(a.mentor.expectations) and bool(a.mentee.expectations)
    return [
        FirstStep("introduce", True if "introduced" in facts else None),
        FirstStep("goals", agreed or confirmed_once),
        FirstStep("confirm", confirmed_once),
        FirstStep("meet", met or home.fit_check.my_answer is not None or "meeting_planned" in facts),
    ]
