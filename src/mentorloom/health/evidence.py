"""What makes pairs last in this program: early endings against the criterion scores pairs had when matched,
and a bounded change of the matching weights that the program coordination can apply to the next run.

The data: every mentorship of the program that was formed through matching (it has a `MatchScore`) and has
started. Its time is from the start until it ended, or until now while it runs. An early ending is the event;
a completed pair and a pair still under way are censored: we only know they had not ended early by then.
Pairs a coordinator created directly have no match-time scores and are not part of the data.

The model: a Cox proportional-hazards model (lifelines) of early ending on the five criterion scores, lightly
penalised (`PENALIZER`) so that a small program still gives finite answers. Each score counts in steps of
`STEP` = 0.1 on its 0-1 scale, the unit the matching review shows, so a hazard ratio reads "each 0.1 more
in value similarity went with 18% fewer early endings". (A step per standard deviation would change with each
program's spread, and two programs could not be compared.) A criterion whose scores barely vary
(`MIN_SPREAD`) cannot show anything and is left out, and the page says so.

Nothing is shown below `MIN_EVENTS` early endings: with fewer, the intervals are so wide, and chance so
large, that any number would mislead. An interval that excludes 1 counts as evidence; everything else is
"no clear link". It is association, not causation: pairs with high value similarity may differ in other ways.

The suggestion (see `suggest_weights`): criteria with evidence move by at most `MAX_SHIFT`, towards more
weight where higher scores went with fewer early endings and less where with more, the strongest link by the
full step and weaker ones in proportion. The five criterion weights keep their sum: what one gains, the
others give up, first criteria with evidence the other way, then those without evidence in proportion to
their weight. A criterion switched off at 0 stays off, and when nothing can give, nothing moves. `preference`
is never touched.

After an applied change, the next suggestion waits for `NEW_EVENTS_AFTER_CHANGE` new early endings (see
`evidence_for`): one set of figures moves the weights once.

Nothing is cached: the fit runs on every page load (well under a second for thousands of pairs; see
bench/health_evidence.py). Only an applied change is stored, as a `WeightChange`.
"""

from __future__ import annotations

import math
import statistics
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import as_utc, utcnow
from mentorloom.errors import Conflict
from mentorloom.health.models import WeightChange
from mentorloom.i18n import N_
from mentorloom.i18n import gettext as _
from mentorloom.matching.engine import CRITERIA
from mentorloom.matching.match_scores import current_weights
from mentorloom.matching.models import MatchScore
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.programs.models import Program
from mentorloom.programs.schemas import ProgramSettings

MIN_EVENTS = 30  # early endings before anything is shown (about six per criterion)
STEP = 0.1  # hazard ratios are per 0.1 more score on the 0-1 scale
PENALIZER = 0.01  # a light ridge penalty: finite estimates when a criterion nearly separates the pairs
MIN_SPREAD = 0.01  # a criterion whose scores have a smaller standard deviation is left out of the fit
MAX_SHIFT = 0.10  # the most any criterion weight moves in one suggestion
NEW_EVENTS_AFTER_CHANGE = 10  # early endings after an applied change before the next suggestion
DAYS_PER_MONTH = 30.44
_MIN_DAYS = 1 / 24  # a pair that ended on its first day still counts with a positive time (one hour)
_CENTS = 100  # the suggestion moves weights in whole hundredths
_MAX_CENTS = round(MAX_SHIFT * _CENTS)
_SAME = 1e-6  # weights closer than this are the same (they went through JSON and a form)

Status = Literal["not_enough", "enough", "no_fit"]
_ENDED = (MentorshipStatus.ENDED_EARLY, MentorshipStatus.COMPLETED)
_NOT_STARTED = (MentorshipStatus.PROPOSED, MentorshipStatus.DECLINED)

# The criteria as the program settings form names them (the same messages, so the same translations).
CRITERION_LABELS = {
    "values": N_("Shared values"),
    "expertise": N_("Expertise"),
    "interests": N_("Shared interests"),
    "text": N_("Similar profiles"),
    "time": N_("Time zone and availability"),
}
# Who the pairs are ("Pairs with more shared values ended early less often") and what the score measures.
_PAIRS_WITH = {
    "values": N_("Pairs with more shared values"),
    "expertise": N_("Pairs whose mentor's expertise fit the mentee's wishes better"),
    "interests": N_("Pairs with more shared interests"),
    "text": N_("Pairs with more similar profiles"),
    "time": N_("Pairs with more overlapping working hours"),
}
_MEASURE = {
    "values": N_("value similarity"),
    "expertise": N_("expertise fit"),
    "interests": N_("shared interests"),
    "text": N_("profile similarity"),
    "time": N_("time overlap"),
}


@dataclass(frozen=True)
class PairRow:
    """One matched pair in the data: how long it was observed, whether it ended early, its match-time scores."""

    mentorship_id: int
    days: float
    ended_early: bool
    criteria: dict[str, float]


@dataclass(frozen=True)
class Effect:
    """One criterion's hazard ratio of early ending per `STEP` more score, with its 95% interval and p-value."""

    criterion: str
    hazard_ratio: float
    low: float
    high: float
    p_value: float

    @property
    def evidence(self) -> bool:
        """Only an interval that excludes 1 counts as evidence."""
        return self.high < 1 or self.low > 1

    @property
    def direction(self) -> Literal["fewer", "more", "unclear"]:
        if not self.evidence:
            return "unclear"
        return "fewer" if self.high < 1 else "more"


@dataclass(frozen=True)
class Evidence:
    """The page's content: the data's size, and (with enough early endings) the effects and the suggestion."""

    status: Status
    pairs: int
    events: int
    minimum: int
    median_months: float | None
    before: dict[str, float]
    effects: list[Effect] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # criteria left out because their scores barely vary
    after: dict[str, float] = field(default_factory=dict)
    fit_ms: float = 0.0
    # early endings still needed since the last applied change before the next suggestion (0: none needed)
    new_events_needed: int = 0

    @property
    def enough(self) -> bool:
        return self.status == "enough"

    @property
    def censored(self) -> int:
        return self.pairs - self.events

    @property
    def changes(self) -> bool:
        """Whether the suggestion moves any weight."""
        return self.enough and not same_weights(self.before, self.after)


# --- the data ------------------------------------------------------------------------------------------------------


def pair_rows(session: Session, program: Program, now: datetime | None = None) -> list[PairRow]:
    """The program's matched, started pairs with their observed time in days and whether they ended early."""
    now = now or utcnow()
    rows = session.execute(
        select(Mentorship.id, Mentorship.status, Mentorship.started_at, Mentorship.ended_at, MatchScore.criteria)
        .join(MatchScore, MatchScore.mentorship_id == Mentorship.id)
        .where(Mentorship.program_id == program.id, Mentorship.started_at.is_not(None))
        .order_by(Mentorship.id)
    )
    out = []
    for mentorship_id, status, started_at, ended_at, criteria in rows:
        if not all(isinstance(criteria.get(c), int | float) for c in CRITERIA):
            continue  # scores of an older engine without every criterion: not comparable
        if status in _NOT_STARTED or started_at is None:
            continue
        if status in _ENDED:
            if ended_at is None:
                continue  # an ending without its date: its length is unknown, and a guess would bias the fit
            end = as_utc(ended_at)
        else:
            end = now  # still under way (active, paused, completing): censored today
        days = max((end - as_utc(started_at)).total_seconds() / 86400, _MIN_DAYS)
        ended_early = status is MentorshipStatus.ENDED_EARLY
        out.append(PairRow(mentorship_id, days, ended_early, {c: float(criteria[c]) for c in CRITERIA}))
    return out


def evidence_for(session: Session, program: Program, now: datetime | None = None) -> Evidence:
    """The program's evidence on its matching criteria, fitted now (nothing below `MIN_EVENTS` early endings).

    After an applied change the suggestion waits for `NEW_EVENTS_AFTER_CHANGE` more early endings: the same
    figures would otherwise suggest the same step again on every visit, and clicking on would push a weight as
    far as it goes on evidence that was counted once already."""
    found = analyse(pair_rows(session, program, now), current_weights(program))
    last = last_change(session, program)
    if last is None or not found.enough:
        return found
    since = session.scalar(
        select(func.count())
        .select_from(Mentorship)
        .join(MatchScore, MatchScore.mentorship_id == Mentorship.id)
        .where(
            Mentorship.program_id == program.id,
            Mentorship.status == MentorshipStatus.ENDED_EARLY,
            Mentorship.ended_at > last.applied_at,
        )
    )
    needed = max(NEW_EVENTS_AFTER_CHANGE - int(since or 0), 0)
    if needed == 0:
        return found
    return replace(found, after=dict(found.before), new_events_needed=needed)


# --- the analysis (pure: the benchmark calls it on simulated rows) -----------------------------------------------


def analyse(rows: Sequence[PairRow], weights: dict[str, float]) -> Evidence:
    """Fit the model when there are enough early endings and derive the weight suggestion."""
    events = sum(r.ended_early for r in rows)
    median = statistics.median(r.days for r in rows) / DAYS_PER_MONTH if rows else None
    before = dict(weights)

    def result(
        status: Status,
        effects: list[Effect] | None = None,
        dropped: list[str] | None = None,
        after: dict[str, float] | None = None,
        fit_ms: float = 0.0,
    ) -> Evidence:
        return Evidence(
            status=status,
            pairs=len(rows),
            events=events,
            minimum=MIN_EVENTS,
            median_months=median,
            before=before,
            effects=effects or [],
            dropped=dropped or [],
            after=after or {},
            fit_ms=fit_ms,
        )

    if events < MIN_EVENTS:
        return result("not_enough")
    started = time.perf_counter()
    fitted = fit_effects(rows)
    fit_ms = (time.perf_counter() - started) * 1000
    if fitted is None:
        return result("no_fit", fit_ms=fit_ms)
    effects, dropped = fitted
    return result("enough", effects=effects, dropped=dropped, after=suggest_weights(weights, effects), fit_ms=fit_ms)


def fit_effects(rows: Sequence[PairRow]) -> tuple[list[Effect], list[str]] | None:
    """Cox model of early ending on the criterion scores: the effects, and the criteria left out; None if it fails."""
    # lifelines (with pandas and scipy) takes a second to import: only the evidence page pays for it.
    import pandas as pd
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError

    scores = pd.DataFrame([r.criteria for r in rows], columns=list(CRITERIA), dtype=float)
    spread = scores.std(ddof=0)
    kept = [c for c in CRITERIA if spread[c] >= MIN_SPREAD]
    dropped = [c for c in CRITERIA if c not in kept]
    if not kept:
        return None
    data = scores[kept] / STEP
    data["days"] = [r.days for r in rows]
    data["ended_early"] = [int(r.ended_early) for r in rows]
    model = CoxPHFitter(penalizer=PENALIZER)
    try:
        with warnings.catch_warnings():
            # lifelines warns about convergence and collinearity; a failed fit raises and is reported as such
            warnings.simplefilter("ignore")
            model.fit(data, duration_col="days", event_col="ended_early")
    except (ConvergenceError, ValueError, ZeroDivisionError, ArithmeticError):
        return None
    summary = model.summary
    effects = [
        Effect(
            criterion=c,
            hazard_ratio=float(summary.loc[c, "exp(coef)"]),
            low=float(summary.loc[c, "exp(coef) lower 95%"]),
            high=float(summary.loc[c, "exp(coef) upper 95%"]),
            p_value=float(summary.loc[c, "p"]),
        )
        for c in kept
    ]
    if not all(math.isfinite(x) for e in effects for x in (e.hazard_ratio, e.low, e.high, e.p_value)):
        return None
    return effects, dropped


# --- the suggestion --------------------------------------------------------------------------------------------------


def suggest_weights(weights: dict[str, float], effects: Sequence[Effect]) -> dict[str, float]:
    """The matching weights moved towards criteria linked to fewer early endings (bounded, sum kept; see module)."""
    w = {c: float(weights.get(c, 0.0)) for c in CRITERIA}
    # log(HR) per step: negative is protective. Only evidence counts.
    strength = {e.criterion: -math.log(e.hazard_ratio) for e in effects if e.evidence and e.criterion in w}
    strength = {c: s for c, s in strength.items() if s != 0}
    if not strength:
        return dict(weights)
    # A criterion switched off (weight 0) stays off whatever its evidence: the coordinator chose that.
    up_cap = {c: min(_MAX_CENTS, math.floor((1 - w[c]) * _CENTS + 1e-9)) if w[c] > 0 else 0 for c in CRITERIA}
    down_cap = {c: min(_MAX_CENTS, math.floor(w[c] * _CENTS + 1e-9)) for c in CRITERIA}
    top = max(abs(s) for s in strength.values())
    want = {c: round(_MAX_CENTS * s / top) for c, s in strength.items()}
    ups = {c: min(n, up_cap[c]) for c, n in want.items() if n > 0}
    downs = {c: min(-n, down_cap[c]) for c, n in want.items() if n < 0}
    neutral = [c for c in CRITERIA if c not in strength and w[c] > 0]
    up_total, down_total = sum(ups.values()), sum(downs.values())
    delta = dict.fromkeys(CRITERIA, 0)
    if up_total >= down_total:
        # The criteria without evidence give what those linked to more early endings do not.
        given = _allot(up_total - down_total, {c: down_cap[c] for c in neutral}, w)
        ups = _allot(down_total + sum(given.values()), ups, {c: float(n) for c, n in ups.items()})
        moves = {**{c: n for c, n in ups.items()}, **{c: -n for c, n in downs.items()}}
        moves.update({c: -n for c, n in given.items()})
    else:
        taken = _allot(down_total - up_total, {c: up_cap[c] for c in neutral}, w)
        downs = _allot(up_total + sum(taken.values()), downs, {c: float(n) for c, n in downs.items()})
        moves = {**{c: n for c, n in ups.items()}, **{c: -n for c, n in downs.items()}}
        moves.update(taken)
    delta.update(moves)
    out = dict(weights)
    for c in CRITERIA:
        if delta[c]:
            out[c] = round(w[c] + delta[c] / _CENTS, 6)
    return out


def _allot(total: int, caps: dict[str, int], by: dict[str, float]) -> dict[str, int]:
    """Hand out `total` hundredths one at a time in proportion to `by` (D'Hondt), none above its cap."""
    got = dict.fromkeys(caps, 0)
    for _n in range(total):
        open_ = [c for c in caps if got[c] < caps[c] and by.get(c, 0) > 0]
        if not open_:
            break
        best = max(open_, key=lambda c: (by[c] / (got[c] + 1), -CRITERIA.index(c)))
        got[best] += 1
    return {c: n for c, n in got.items() if n}


def same_weights(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two weight sets are the same for every key of either (tolerating float noise)."""
    return all(abs(float(a.get(k, 0.0)) - float(b.get(k, 0.0))) < _SAME for k in a.keys() | b.keys())


# --- applying it --------------------------------------------------------------------------------------------------


def apply_suggestion(
    session: Session,
    program: Program,
    by_user: User,
    expected_before: dict[str, float],
    expected_after: dict[str, float] | None = None,
    now: datetime | None = None,
) -> WeightChange:
    """Write the suggested weights for the next matching run and log the change; stale pages are refused."""
    # A no-op write takes the program's row lock (PostgreSQL) or the write lock (SQLite): two coordinators
    # applying at once queue here, and the second then sees the first one's weights and is refused.
    session.execute(update(Program).where(Program.id == program.id).values(name=Program.name))
    session.refresh(program)
    before = current_weights(program)
    if not same_weights(before, expected_before):
        raise Conflict(_("The matching weights changed since this page was shown. Look at the new suggestion first."))
    evidence = evidence_for(session, program, now)
    if not evidence.changes:
        raise Conflict(_("There is no weight change to apply."))
    if expected_after is not None and not same_weights(evidence.after, expected_after):
        raise Conflict(_("The evidence changed since this page was shown. Look at the new suggestion first."))
    settings = ProgramSettings.model_validate(program.settings or {}).model_dump(mode="json")
    # The same validation as the program settings form: the whole settings document, checked again.
    program.settings = ProgramSettings.model_validate({**settings, "matching_weights": evidence.after}).model_dump(
        mode="json"
    )
    change = WeightChange(program_id=program.id, by_user_id=by_user.id, before=before, after=dict(evidence.after))
    session.add(change)
    session.flush()
    return change


def last_change(session: Session, program: Program) -> WeightChange | None:
    """The most recent weight change applied from the evidence page, if any."""
    return session.scalars(
        select(WeightChange)
        .where(WeightChange.program_id == program.id)
        .order_by(WeightChange.applied_at.desc(), WeightChange.id.desc())
        .limit(1)
    ).first()


# --- words ----------------------------------------------------------------------------------------------------------


def criterion_label(criterion: str) -> str:
    return _(CRITERION_LABELS.get(criterion, criterion))


def _percent(value: float) -> int:
    return round(abs(value) * 100)


def sentence(effect: Effect) -> str:
    """The effect in plain words, in the reader's language."""
    c = effect.criterion
    who, measure = _(_PAIRS_WITH.get(c, c)), _(_MEASURE.get(c, c))
    if effect.direction == "fewer":
        return _(
            "%(who)s ended early less often: each 0.1 more in %(label)s went with %(pct)s%% fewer early endings "
            "(95%% CI %(low)s–%(high)s%%).",
            who=who,
            label=measure,
            pct=_percent(1 - effect.hazard_ratio),
            low=_percent(1 - effect.high),
            high=_percent(1 - effect.low),
        )
    if effect.direction == "more":
        return _(
            "%(who)s ended early more often: each 0.1 more in %(label)s went with %(pct)s%% more early endings "
            "(95%% CI %(low)s–%(high)s%%).",
            who=who,
            label=measure,
            pct=_percent(effect.hazard_ratio - 1),
            low=_percent(effect.low - 1),
            high=_percent(effect.high - 1),
        )
    return _(
        "No clear link between %(label)s and early endings: each 0.1 more went with anything from %(low)s%% "
        "fewer to %(high)s%% more early endings (95%% CI).",
        label=measure,
        low=_percent(1 - effect.low),
        high=_percent(effect.high - 1),
    )


def association_note() -> str:
    return _(
        "These are associations in this program's pairs, not causes: pairs with higher scores on one criterion may "
        "differ in other ways too."
    )


def change_author(session: Session, change: WeightChange) -> str | None:
    """Who applied a weight change, by name (None once the account is gone)."""
    user = session.get(User, change.by_user_id) if change.by_user_id is not None else None
    return user.display_name if user is not None else None
