"""Does the at-risk list name the pairs that are in trouble? A simulation with planted histories (not a test).

    .venv/bin/python bench/health_simulation.py [--pairs 400] [--seeds 1,2,3,4,5] [--postgres] [--verbose]

Each seed builds a program (a temporary SQLite file, or a throwaway PostgreSQL database with --postgres) with the
default health settings and `--pairs` pairs, about 20 % of them planted problems:

- steady (80 %): meet on their agreed rhythm (monthly 55 %, every two weeks 30 %, weekly 15 %) with ±15 % jitter
  and one meeting in 12 skipped, mentee feedback on 60 % of meetings (mostly 4-5, sometimes lower), messages every
  3-14 days, each side answers a review round 85 % of the time, goal progress near the elapsed time, 95 % with a
  confirmed agreement; 30-400 days in;
- drift (7 %): like steady for the first 90-120 days, then the meetings stop and, a little later, the messages;
  review rounds after that go unanswered; 150-400 days in;
- never_started (6 %): 45-150 days in, no meeting, a few messages in the first fortnight, agreement confirmed
  half of the time;
- feedback_collapse (7 %): meet and write on rhythm, but the mentee's last 3-4 ratings fall to 1-2 (from 4-5);
  a review round opened after the fall shows the mentee unhappy (2), the mentor not (4); 120-400 days in.

`recompute_program` scores every pair; the at-risk list (`service.flagged`: "at risk" and "needs attention", most
urgent first) is compared with the planted problems: precision at k, k = the number of planted problem pairs
(a list shorter than k counts the missing places as misses), and per kind the share found in the top k.
Exit status 1 if the mean precision at k is below 0.9. The simulation does not tune the score: the defaults are
the product's.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from statistics import fmean

from health_data import PairPlan, load, throwaway_postgres

from mentorloom import migrate
from mentorloom.db import Database
from mentorloom.health import service
from mentorloom.health.models import PairHealth
from mentorloom.programs.models import Program

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CADENCES = (("monthly", 30, 0.55), ("biweekly", 14, 0.30), ("weekly", 7, 0.15))
KINDS = (("drift", 0.07), ("never_started", 0.06), ("feedback_collapse", 0.07))
PROBLEMS = tuple(kind for kind, _share in KINDS)
TARGET = 0.9
REVIEW_DAYS = 84  # the default review interval (12 weeks)


def _cadence(rng: random.Random) -> tuple[str, int]:
    name, days, _w = rng.choices(CADENCES, weights=[w for *_x, w in CADENCES])[0]
    return name, days


def _rhythm(rng: random.Random, every: int, first: float, last: float) -> list[float]:
    """Meeting days (days ago, oldest first) on the rhythm from `first` days ago until `last` days ago."""
    out, at = [], first
    while at >= last:
        if rng.random() >= 1 / 12:  # one meeting in twelve falls through
            out.append(round(at, 2))
        at -= every * rng.uniform(0.85, 1.15)
    return out


def _steady_feedback(rng: random.Random) -> int | None:
    if rng.random() >= 0.6:
        return None
    return rng.choices((1, 2, 3, 4, 5), weights=(2, 5, 18, 45, 30))[0]


def _messages(rng: random.Random, first: float, last: float, low: int = 3, high: int = 14) -> list[float]:
    out, at = [], first - rng.uniform(0, 5)
    while at >= last:
        out.append(round(at, 2))
        at -= rng.uniform(low, high)
    return out


def _reviews(rng: random.Random, started: float, until_days: float, mentee_score: int | None = None) -> list:
    """Rounds opened (every 12 weeks) before `until_days` ago, each side answering 85 % of the time."""
    rounds = []
    for period in range(1, int((started - max(until_days, 0)) // REVIEW_DAYS) + 1):
        mentor = rng.choice((3, 4, 5)) if rng.random() < 0.85 else None
        mentee = rng.choice((3, 4, 5)) if rng.random() < 0.85 else None
        rounds.append((period, mentor, mentee if mentee_score is None else mentee_score))
    return rounds


def _progress(rng: random.Random, started: float, active_days: float) -> int | None:
    if rng.random() < 0.2:
        return None
    return max(0, min(95, round(100 * active_days / 730 + rng.uniform(-15, 15))))


def steady(rng: random.Random) -> PairPlan:
    cadence, every = _cadence(rng)
    started = rng.uniform(30, 400)
    meetings = [(d, _steady_feedback(rng)) for d in _rhythm(rng, every, started - rng.uniform(5, 20), 0)]
    return PairPlan(
        "steady",
        started,
        cadence,
        confirmed=rng.random() < 0.95,
        meetings=meetings,
        messages=_messages(rng, started, 0),
        reviews=_reviews(rng, started, 0),
        progress=_progress(rng, started, started),
    )


def drift(rng: random.Random) -> PairPlan:
    cadence, every = _cadence(rng)
    started = rng.uniform(150, 400)
    stops = started - rng.uniform(90, 120)  # days ago when the meetings stop
    meetings = [(d, _steady_feedback(rng)) for d in _rhythm(rng, every, started - rng.uniform(5, 20), stops)]
    return PairPlan(
        "drift",
        started,
        cadence,
        meetings=meetings,
        messages=_messages(rng, started, stops - rng.uniform(0, 20)),
        reviews=_reviews(rng, started, stops),
        progress=_progress(rng, started, started - stops),
    )


def never_started(rng: random.Random) -> PairPlan:
    cadence, _every = _cadence(rng)
    started = rng.uniform(45, 150)
    hellos = sorted((started - rng.uniform(0, 14) for _ in range(rng.randint(0, 3))), reverse=True)
    return PairPlan("never_started", started, cadence, confirmed=rng.random() < 0.5, messages=hellos)


def feedback_collapse(rng: random.Random) -> PairPlan:
    cadence, every = _cadence(rng)
    started = rng.uniform(120, 400)
    days = _rhythm(rng, every, started - rng.uniform(5, 20), 0)
    fallen = rng.randint(3, 4)
    meetings = [(d, rng.choice((4, 5)) if rng.random() < 0.8 else None) for d in days[:-fallen]]
    meetings += [(d, rng.choice((1, 2))) for d in days[-fallen:]]
    fell_at = days[-fallen] if len(days) >= fallen else started
    before = _reviews(rng, started, fell_at)
    after = [(period, 4, 2) for period, *_ in _reviews(rng, started, 0)[len(before) :]]
    return PairPlan(
        "feedback_collapse",
        started,
        cadence,
        meetings=meetings,
        messages=_messages(rng, started, 0, 5, 20),
        reviews=before + after,
        progress=_progress(rng, started, started),
    )


BUILDERS = {"drift": drift, "never_started": never_started, "feedback_collapse": feedback_collapse}


def plans_for(seed: int, pairs: int) -> list[PairPlan]:
    rng = random.Random(seed)
    plans = []
    for kind, share in KINDS:
        plans += [BUILDERS[kind](rng) for _ in range(round(pairs * share))]
    plans += [steady(rng) for _ in range(pairs - len(plans))]
    rng.shuffle(plans)
    return plans


@dataclass
class Outcome:
    seed: int
    pairs: int
    k: int
    precision: float
    found: dict[str, float]  # per planted kind: share in the top k
    listed: int  # the at-risk list's length
    false_alarms: int  # steady pairs anywhere on the list
    bands: dict[str, Counter[str]]  # per kind: how many in each band


def run_seed(url: str, seed: int, pairs: int, verbose: bool) -> Outcome:
    plans = plans_for(seed, pairs)
    migrate.upgrade(url)
    db = Database(url)
    try:
        loaded = load(db.engine, plans, NOW)
        kind_of = dict(zip(loaded.mentorship_ids, (p.kind for p in plans), strict=True))
        with db.session() as session:
            program = session.get_one(Program, loaded.program_id)
            service.recompute_program(session, program, now=NOW)
        with db.session() as session:
            total, listed = service.flagged(session, loaded.program_id, limit=pairs)
            bands: dict[str, Counter[str]] = {}
            for row in session.query(PairHealth).filter(PairHealth.program_id == loaded.program_id):
                bands.setdefault(kind_of[row.mentorship_id], Counter())[row.band] += 1
                if verbose and kind_of[row.mentorship_id] != "steady" and row.band == "healthy":
                    reasons = {c["code"]: round(c["points"], 1) for c in row.components if c["points"]}
                    print(f"  missed {kind_of[row.mentorship_id]:<18} score {row.score:>3} {reasons}")
                if verbose and kind_of[row.mentorship_id] == "steady" and row.band != "healthy":
                    reasons = {c["code"]: round(c["points"], 1) for c in row.components if c["points"]}
                    print(f"  alarm  steady             score {row.score:>3} {reasons}")
        order = [h.mentorship_id for h, _m in listed]
        planted = Counter(p.kind for p in plans if p.kind in PROBLEMS)
        k = sum(planted.values())
        top = [kind_of[i] for i in order[:k]]
        hits = Counter(kind for kind in top if kind in PROBLEMS)
        return Outcome(
            seed=seed,
            pairs=pairs,
            k=k,
            precision=sum(hits.values()) / k,
            found={kind: hits[kind] / planted[kind] for kind in PROBLEMS if planted[kind]},
            listed=total,
            false_alarms=sum(1 for i in order if kind_of[i] == "steady"),
            bands=bands,
        )
    finally:
        db.dispose()


def print_table(outcomes: list[Outcome]) -> None:
    header = ("seed", "pairs", "planted k", "listed", "precision@k", *(f"found {k}" for k in PROBLEMS), "steady listed")
    lines = [
        (
            str(o.seed),
            str(o.pairs),
            str(o.k),
            str(o.listed),
            f"{o.precision:.2f}",
            *(f"{o.found.get(k, 0):.2f}" for k in PROBLEMS),
            str(o.false_alarms),
        )
        for o in outcomes
    ]
    lines.append(
        (
            "mean",
            "",
            "",
            "",
            f"{fmean(o.precision for o in outcomes):.2f}",
            *(f"{fmean(o.found.get(k, 0) for o in outcomes):.2f}" for k in PROBLEMS),
            f"{fmean(o.false_alarms for o in outcomes):.1f}",
        )
    )
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]
    for line in [header, tuple("-" * w for w in widths), *lines]:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    total: dict[str, Counter[str]] = {}
    for o in outcomes:
        for kind, counter in o.bands.items():
            total.setdefault(kind, Counter()).update(counter)
    print("\nbands over all seeds (healthy / needs attention / at risk):")
    for kind in ("steady", *PROBLEMS):
        c = total.get(kind, Counter())
        print(f"  {kind:<18} {c['healthy']:>5} {c['attention']:>5} {c['at_risk']:>5}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=400)
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL database instead of SQLite")
    parser.add_argument("--verbose", action="store_true", help="print each missed problem pair and false alarm")
    args = parser.parse_args()
    print("$ .venv/bin/python bench/health_simulation.py " + " ".join(sys.argv[1:]))
    outcomes = []
    for seed in (int(s) for s in args.seeds.split(",")):
        if args.postgres:
            with throwaway_postgres() as url:
                outcomes.append(run_seed(url, seed, args.pairs, args.verbose))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                outcomes.append(run_seed(f"sqlite:///{Path(tmp) / 'sim.db'}", seed, args.pairs, args.verbose))
    print_table(outcomes)
    mean = fmean(o.precision for o in outcomes)
    print(f"\nmean precision@k {mean:.2f} (target ≥ {TARGET})")
    return 0 if mean >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
