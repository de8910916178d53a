"""Server-side SVG charts of the analytics and retention pages (pygal), shown as images.

pygal writes its styles as a <style> element into the SVG, which the page's CSP (no inline styles) would refuse
inline; as an image (a data: URL in <img>) the SVG is a document of its own and keeps them, and an image runs no
script at all. pygal also always writes a <script> with its configuration even with `js=[]`: it is removed, the
charts need none (no tooltips, the data table beside each chart has every number). Labels are our own strings
(months, quarters, translated headings): no person's words reach a chart.

Each image has its label as alt text; the accessible data table next to it holds the same numbers.
"""

from __future__ import annotations

import base64
import re
import sys
from typing import Any

from markupsafe import Markup

from mentorloom.health.analytics import Cohort, MonthMeetings
from mentorloom.health.retention import Curve
from mentorloom.i18n import gettext as _

# The site's palette (static/app.css): brand teal, accent amber, muted slate, success green, danger red.
BRAND, ACCENT, MUTED, SUCCESS, DANGER = "#0e5c61", "#d97706", "#8a9aa3", "#1b7a4b", "#b42318"
FONT = '"Inter", "Segoe UI", system-ui, -apple-system, Roboto, Arial, sans-serif'
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>|<script\b[^>]*/>", re.DOTALL | re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _pygal() -> Any:
    """pygal, imported when a page first draws a chart.

    Its import hooks a finder into sys.meta_path (for the old `pygal.maps` plugins) that lacks find_spec, so every
    later import anywhere raises an ImportWarning; we use no plugin, so the finder is taken out again."""
    import pygal

    sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]
    return pygal


def _style(*colors: str) -> Any:
    from pygal.style import Style  # after _pygal(): see there

    return Style(
        background="transparent",
        plot_background="#ffffff",
        foreground="#1f2a30",
        foreground_strong="#142126",
        foreground_subtle="#e2e7ea",
        opacity="0.85",
        opacity_hover="0.95",
        colors=colors,
        font_family=FONT,
        label_font_family=FONT,
        major_label_font_family=FONT,
        value_font_family=FONT,
        legend_font_family=FONT,
        title_font_family=FONT,
        label_font_size=13,
        major_label_font_size=13,
        legend_font_size=13,
        value_font_size=12,
    )


def _config(**extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "js": [],
        "disable_xml_declaration": True,
        "width": 760,
        "height": 340,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "show_y_guides": True,
        "show_x_guides": False,
        "margin": 12,
        "margin_bottom": 28,  # room for the legend under rotated month labels
        "spacing": 14,
        "tooltip_border_radius": 4,
        "print_values": False,
        "truncate_label": -1,
        "truncate_legend": -1,
    }
    config.update(extra)
    return config


def _svg(chart: Any, label: str) -> Markup:
    """The chart as an <img> of its SVG (without any script), with the label as alt text."""
    text = _COMMENT.sub("", _SCRIPT.sub("", chart.render(is_unicode=True)))
    data = base64.b64encode(text.encode()).decode("ascii")
    return Markup(
        '<img class="chart-image" src="data:image/svg+xml;base64,{}" alt="{}" width="{}" height="{}">'
    ).format(data, label, chart.config.width, chart.config.height)


def _survival_chart(colors: tuple[str, ...], legend_columns: int = 3) -> Any:
    return _pygal().XY(
        style=_style(*colors),
        stroke_style={"width": 2.5},
        show_dots=False,
        range=(0, 1),
        include_x_axis=True,
        x_title=_("Months since the start"),
        y_title=_("Pairs still together"),
        value_formatter=lambda v: f"{round(v * 100)} %",
        y_labels=[0, 0.25, 0.5, 0.75, 1],
        **_config(legend_at_bottom_columns=legend_columns),
    )


def survival(overall: Curve, labels: dict[str, str]) -> Markup:
    """Step chart: retention of all pairs with the ends of its 95 % confidence interval (dashed)."""
    chart = _survival_chart((BRAND, MUTED, MUTED))
    chart.add(labels["all"], _steps([(p[0], p[1]) for p in overall.points]), stroke_style={"width": 4})
    chart.add(labels["lower"], _steps([(p[0], p[2]) for p in overall.points]), stroke_style={"dasharray": "6,4"})
    chart.add(labels["upper"], _steps([(p[0], p[3]) for p in overall.points]), stroke_style={"dasharray": "6,4"})
    return _svg(chart, _("Retention over time"))


def cohort_survival(cohorts: list[Curve]) -> Markup:
    """Step chart: one retention curve per start quarter."""
    # quarter keys are short: more legend columns keep the legend to two rows (a third would be cut off)
    colors = (BRAND, ACCENT, SUCCESS, DANGER, "#6b4fa3", "#2b6cb0", MUTED, "#7a5c00")
    chart = _survival_chart(colors, legend_columns=max(3, (len(cohorts) + 1) // 2))
    for curve in cohorts:
        chart.add(curve.key, _steps([(p[0], p[1]) for p in curve.points]), stroke_style={"width": 2.5})
    return _svg(chart, _("Retention by start quarter"))


def _steps(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A Kaplan–Meier curve holds its value until the next change: draw it as steps, not slopes."""
    out: list[tuple[float, float]] = []
    for t, s in points:
        if out and out[-1][1] != s:
            out.append((t, out[-1][1]))
        out.append((t, s))
    return out


def cohorts(rows: list[Cohort], month_labels: list[str], labels: dict[str, str]) -> Markup:
    """Stacked bars per start month: under way, completed, ended early (hidden cells are left out)."""
    pygal = _pygal()
    chart = pygal.StackedBar(
        style=_style(BRAND, SUCCESS, ACCENT),
        x_label_rotation=-35 if len(rows) > 8 else 0,
        y_title=_("Pairs"),
        min_scale=2,
        **_config(),
    )
    chart.x_labels = month_labels
    chart.add(labels["under_way"], [c.under_way.value for c in rows])
    chart.add(labels["completed"], [c.completed.value for c in rows])
    chart.add(labels["ended_early"], [c.ended_early.value for c in rows])
    return _svg(chart, _("Pairs by start month"))


def meetings(rows: list[MonthMeetings], month_labels: list[str], labels: dict[str, str]) -> Markup:
    """Meetings held per pair and month, against what the pairs agreed, per month of the range."""
    pygal = _pygal()
    chart = pygal.Line(
        style=_style(BRAND, ACCENT),
        x_label_rotation=-35 if len(rows) > 8 else 0,
        y_title=_("Meetings per pair and month"),
        include_x_axis=True,
        dots_size=4,
        allow_interruptions=True,
        **_config(),
    )
    chart.x_labels = month_labels
    chart.add(labels["held"], [m.held_per_pair for m in rows], stroke_style={"width": 3})
    chart.add(labels["agreed"], [m.agreed_per_pair for m in rows], stroke_style={"width": 2, "dasharray": "6,4"})
    return _svg(chart, _("Meetings held against the agreed rhythm"))
