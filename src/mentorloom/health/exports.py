"""The analytics and retention figures as tables (for the pages, CSV and JSON) and as the API's JSON.

A hidden count is written as the word for "hidden" in CSV and as {"value": null, "suppressed": true} in JSON; a
CSV cell that a spreadsheet would run as a formula is disarmed (the cells are ours, but the rule costs nothing).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from mentorloom.health.analytics import Analytics
from mentorloom.health.cells import MIN_CELL, Cell
from mentorloom.health.retention import HORIZONS, Curve, Retention
from mentorloom.i18n import N_, gettext, ngettext
from mentorloom.i18n import gettext as _
from mentorloom.profiles.csv_format import escape_formula

REASON_LABELS = {
    "goals_achieved": N_("Goals achieved"),
    "lack_of_time": N_("Lack of time"),
    "mismatch": N_("Not the right match"),
    "life_circumstances": N_("Changed life circumstances"),
    "other": N_("Another reason"),
    "not_given": N_("No reason given"),
}
ANALYTICS_TABLES = ("summary", "meetings", "endings", "cohorts")
RETENTION_TABLES = ("retention", "curves")


@dataclass
class Table:
    key: str
    columns: list[tuple[str, str]]  # (key, heading in the reader's language)
    rows: list[dict[str, Any]]  # values: Cell, float, str or None


def reason_label(reason: str) -> str:
    return gettext(REASON_LABELS.get(reason, reason))


def summary_rows(a: Analytics) -> list[dict[str, Any]]:
    """(figure key, label, value) of the summary, in the page's order."""
    s = a.summary
    figures = [
        ("mentors", _("Mentors"), s.mentors),
        ("mentees", _("Mentees"), s.mentees),
        ("joined", _("Mentees who joined in the range"), s.joined),
        ("matched", _("… of them matched"), s.matched),
        ("waiting", _("… of them still waiting"), s.waiting),
        ("match_rate", _("Match rate in percent"), s.match_rate),
        ("median_days_to_match", _("Median days to a match"), s.median_days_to_match),
        ("pairs_under_way", _("Pairs under way"), s.pairs_under_way),
        ("meetings_held", _("Meetings held"), s.meetings_held),
        ("held_per_pair_month", _("Meetings held per pair and month"), s.held_per_pair_month),
        ("agreed_per_pair_month", _("Meetings agreed per pair and month"), s.agreed_per_pair_month),
        ("feedback_answers", _("Shared feedback answers"), s.feedback_answers),
        ("feedback_average", _("Feedback average on a scale of 1 to 5"), s.feedback_average),
        ("goals_set", _("Goals set"), s.goals_set),
        ("goals_achieved", _("Goals achieved"), s.goals_achieved),
        ("goals_open", _("Goals not yet achieved"), s.goals_open),
        ("goal_completion", _("Goal completion in percent"), s.goal_completion),
        ("milestones_reached", _("Milestones reached"), s.milestones_reached),
        ("ended_early", _("Pairs that ended early"), s.ended_early),
    ]
    return [{"figure": key, "label": label, "value": value} for key, label, value in figures]


def analytics_tables(a: Analytics) -> dict[str, Table]:
    """Every table of the analytics page."""
    month = ("month", _("Month"))
    return {
        "summary": Table("summary", [("label", _("Figure")), ("value", _("Value"))], summary_rows(a)),
        "meetings": Table(
            "meetings",
            [
                month,
                ("pairs", _("Pairs under way")),
                ("held", _("Meetings held")),
                ("held_per_pair", _("Held per pair")),
                ("agreed_per_pair", _("Agreed per pair")),
            ],
            [
                {"month": str(m.month), "pairs": m.pairs, "held": m.held}
                | {"held_per_pair": m.held_per_pair, "agreed_per_pair": m.agreed_per_pair}
                for m in a.meetings
            ],
        ),
        "endings": Table(
            "endings",
            [("reason_label", _("Reason")), ("pairs", _("Pairs"))],
            [{"reason": e.reason, "reason_label": reason_label(e.reason), "pairs": e.pairs} for e in a.endings]
            + [{"reason": "total", "reason_label": _("Total"), "pairs": a.summary.ended_early}],
        ),
        "cohorts": Table(
            "cohorts",
            [
                ("month", _("Start month")),
                ("started", _("Started")),
                ("under_way", _("Under way")),
                ("completed", _("Completed")),
                ("ended_early", _("Ended early")),
            ],
            [
                {"month": str(c.month), "started": c.started, "under_way": c.under_way}
                | {"completed": c.completed, "ended_early": c.ended_early}
                for c in a.cohorts
            ],
        ),
    }


def curve_label(key: str) -> str:
    return _("All pairs") if key == "all" else key


def retention_tables(r: Retention) -> dict[str, Table]:
    """The retention at 3, 6 and 12 months per group, and every point of every curve."""
    curves = ([r.overall] if r.overall else []) + r.cohorts
    columns = [("group", _("Group")), ("pairs", _("Pairs")), ("ended_early", _("Ended early"))]
    for h in HORIZONS:
        columns += [
            (f"m{h}", ngettext("After %(num)d month", "After %(num)d months", h)),
            (f"m{h}_lower", ngettext("After %(num)d month, lower bound", "After %(num)d months, lower bound", h)),
            (f"m{h}_upper", ngettext("After %(num)d month, upper bound", "After %(num)d months, upper bound", h)),
        ]
    return {
        "retention": Table("retention", columns, [_horizon_row(c) for c in curves]),
        "curves": Table(
            "curves",
            [
                ("group", _("Group")),
                ("month", _("Months since the start")),
                ("retention", _("Still together")),
                ("lower", _("Lower bound")),
                ("upper", _("Upper bound")),
            ],
            [
                {"group": curve_label(c.key), "month": t, "retention": s, "lower": lo, "upper": hi}
                for c in curves
                for t, s, lo, hi in c.points
            ],
        ),
    }


def _horizon_row(c: Curve) -> dict[str, Any]:
    row: dict[str, Any] = {"group": curve_label(c.key), "pairs": c.pairs, "ended_early": c.ended_early}
    for h in HORIZONS:
        e = c.at[h]
        row |= {f"m{h}": e and e.retention, f"m{h}_lower": e and e.lower, f"m{h}_upper": e and e.upper}
    return row


def _json_value(value: Any) -> Any:
    return value.as_json() if isinstance(value, Cell) else value


def table_json(table: Table) -> dict[str, Any]:
    return {
        "table": table.key,
        "columns": [key for key, _heading in table.columns],
        "rows": [{k: _json_value(v) for k, v in row.items()} for row in table.rows],
    }


def to_csv(table: Table) -> str:
    """The table as CSV with headings; hidden counts read "hidden"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([heading for _key, heading in table.columns])
    hidden = _("hidden")
    for row in table.rows:
        cells = []
        for key, _heading in table.columns:
            value = row.get(key)
            if isinstance(value, Cell):
                value = hidden if value.suppressed else value.value
            cells.append(escape_formula("" if value is None else str(value)))
        writer.writerow(cells)
    return buffer.getvalue()


def analytics_json(a: Analytics) -> dict[str, Any]:
    """The API's AnalyticsOut as plain JSON."""
    s = a.summary
    summary = {k: _json_value(getattr(s, k)) for k in s.__dataclass_fields__ if not k.startswith("_")}
    return {
        "range": a.range.as_json(),
        "min_cell": MIN_CELL,
        "summary": summary,
        "meetings": [
            {"month": str(m.month), "pairs": m.pairs.as_json(), "held": m.held.as_json()}
            | {"held_per_pair": m.held_per_pair, "agreed_per_pair": m.agreed_per_pair}
            for m in a.meetings
        ],
        "endings": [{"reason": e.reason, "pairs": e.pairs.as_json()} for e in a.endings],
        "cohorts": [
            {"month": str(c.month), "started": c.started.as_json(), "under_way": c.under_way.as_json()}
            | {"completed": c.completed.as_json(), "ended_early": c.ended_early.as_json()}
            for c in a.cohorts
        ],
    }


def _curve_json(c: Curve) -> dict[str, Any]:
    horizons = []
    for h in HORIZONS:
        e = c.at[h]
        horizons.append({"months": h} | (e.as_json() if e else {"retention": None, "lower": None, "upper": None}))
    return {
        "key": c.key,
        "pairs": c.pairs.as_json(),
        "ended_early": c.ended_early.as_json(),
        "retention_at": horizons,
        "points": [{"month": t, "retention": s, "lower": lo, "upper": hi} for t, s, lo, hi in c.points],
    }


def retention_json(r: Retention) -> dict[str, Any]:
    """The API's RetentionOut as plain JSON."""
    return {
        "range": r.range.as_json(),
        "min_cell": MIN_CELL,
        "overall": _curve_json(r.overall) if r.overall else None,
        "cohorts": [_curve_json(c) for c in r.cohorts],
        "cohorts_hidden": r.hidden_cohorts > 0,
    }
