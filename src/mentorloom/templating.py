"""The Jinja2 environment shared by pages and e-mails (with Babel's i18n extension)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from mentorloom import dates, i18n

TEMPLATE_DIR = Path(__file__).parent / "templates"


def _format_number(value: float | int) -> str:
    return format_decimal(value, locale=i18n.get_locale())


def counted(text: str, number: str) -> Markup:
    """A counted label from ngettext with its number set off for a stat card: "<strong>3</strong><span>Mentees</span>".

    The whole phrase comes from one plural entry ("1 Mentee", "3 Mentees"), so number and noun always agree;
    only the look puts the number apart.
    """
    before, found, after = str(escape(text)).partition(str(escape(number)))
    if not found:
        return Markup("<span>{}</span>").format(text)
    return Markup(f'{before}<strong class="num">{found}</strong><span>{after.strip()}</span>')


def fill_class(percent: float) -> str:
    """The class that fills a small bar to about this percentage (in steps of 5): the CSP forbids style attributes."""
    step = round(min(100.0, max(0.0, float(percent))) / 5) * 5
    return f"fill-{step}"


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # newstyle: Jinja fills in %(name)s itself, so hand it the raw translations.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.raw_gettext(message), lambda s, p, n: i18n.raw_ngettext(s, p, n), newstyle=True
    )
    # dates and times in the page's language and the reader's time zone (see dates.py)
    env.filters["date"] = dates.format_day
    env.filters["datetime"] = dates.format_moment
    env.filters["clock"] = dates.format_clock
    env.filters["zone"] = dates.zone_name
    env.filters["input_date"] = dates.input_day
    env.globals["date_hint"] = dates.date_hint
    env.filters["number"] = _format_number
    env.filters["counted"] = counted
    env.filters["fill_class"] = fill_class
    env.globals["get_locale"] = i18n.get_locale
    return env


@lru_cache(maxsize=1)
def mail_environment() -> Environment:
    """One environment for all mail jobs, so its template cache survives from one mail to the next."""
    return build_environment()


def build_templates() -> Jinja2Templates:
    return Jinja2Templates(env=build_environment())


_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def render_mail(env: Environment, template: str, **context: Any) -> tuple[str, str]:
    """(subject, body) of a mail template whose first line is the subject.

    The subject is one line with single spaces: a carriage return (or another line or page break) that a person
    typed into a title would otherwise reach the Subject header, which refuses it, and no mail would go out."""
    text = env.get_template(f"mail/{template}.txt").render(**context)
    subject, _, body = text.partition("\n")
    # Only breaks: the narrow no-break space in "10:49\u202fAM" stays, so the time never wraps in a mail program.
    return _LINE_BREAKS.sub(" ", subject).strip(), body.lstrip("\n")
