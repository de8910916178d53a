"""Form handling shared by the HTML views: the parsed body and translated validation messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from babel.numbers import format_decimal
from fastapi import Depends, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from mentorloom.dates import FIRST_DAY, LAST_DAY, date_hint, input_day
from mentorloom.errors import Conflict, PermissionDenied, ValidationFailed
from mentorloom.i18n import get_locale, ngettext
from mentorloom.i18n import gettext as _


async def posted_form(request: Request) -> FormData:
    """The parsed form body, so the endpoints themselves can stay sync (run in the threadpool)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]


def _known_value_errors() -> dict[str, str]:
    # Messages of the schemas' own validators, which pydantic does not translate.
    return {
        "ends_on must not be before starts_on": _("The end date must not be before the start date."),
        "end must be after start": _("The end time must be after the start time."),
        "at_risk_below must be lower than healthy_from": _("Must be lower than the score where healthy starts."),
    }


def _characters(bound: str, n: Any) -> str:
    count = int(n) if isinstance(n, int) else 0
    if bound == "min":
        return ngettext(
            "Enter at least %(num)s character.", "Enter at least %(num)s characters.", count, num=_number(n)
        )
    return ngettext("Enter at most %(num)s character.", "Enter at most %(num)s characters.", count, num=_number(n))


def _number(value: Any) -> str:
    return format_decimal(value, locale=get_locale()) if isinstance(value, int | float) else str(value)


def pydantic_message(error: Any) -> str:
    """One pydantic error as a sentence in the reader's language (pydantic's own are English)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    texts: dict[str, str] = {
        "missing": _("This field is required."),
        "string_too_short": _("This field is required.")
        if ctx.get("min_length") == 1
        else _characters("min", ctx.get("min_length")),
        "string_too_long": _characters("max", ctx.get("max_length")),
        "too_long": _("Choose at most %(n)s.", n=ctx.get("max_length")),
        "greater_than_equal": _("Enter a number of at least %(n)s.", n=_number(ctx.get("ge"))),
        "less_than_equal": _("Enter a number of at most %(n)s.", n=_number(ctx.get("le"))),
        "int_parsing": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        # digits beyond what pydantic parses at all (thousands of them); pydantic's own message is English
        "int_parsing_size": _("This number has too many digits."),
        "float_parsing": _("Enter a number."),
        "date_from_datetime_parsing": _("Enter a date as %(format)s.", format=date_hint()),
        "date_parsing": _("Enter a date as %(format)s.", format=date_hint()),
        "date_from_datetime_inexact": _("Enter a date as %(format)s.", format=date_hint()),
        "date_type": _("Enter a date as %(format)s.", format=date_hint()),
        "date_out_of_range": _(
            "Enter a date from %(low)s to %(high)s.", low=input_day(FIRST_DAY), high=input_day(LAST_DAY)
        ),
        "literal_error": _("Choose one of the options."),
        "enum": _("Choose one of the options."),
        "string_pattern_mismatch": _("Enter a time such as 09:30."),
        "extra_forbidden": _("This field is not allowed here."),
    }
    if kind == "value_error":
        raw = str(ctx.get("error", error.get("msg", "")))
        return _known_value_errors().get(raw, raw)
    return texts.get(kind, str(error.get("msg", "")))


def validation_messages(exc: ValidationError, *, whole: str = "__all__") -> dict[str, str]:
    """Map pydantic errors to {"field.path": translated message}; loc ("expertise", 2, "level") → "expertise.2.level".

    Errors of a whole model (empty loc) go to `whole`.
    """
    result: dict[str, str] = {}
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or whole
        result.setdefault(field, pydantic_message(error))
    return result


@dataclass
class FormAttempt:
    """What became of a page's change: nothing (it went through) or the refusal, as messages per field."""

    prefix: str = ""
    whole: str = "__all__"  # the key of messages about the whole form rather than one field
    errors: dict[str, str] = field(default_factory=dict)
    detail: str = ""  # the refusal in one sentence, for pages that show it in one place
    problems: list[dict[str, object]] = field(default_factory=list)  # a domain refusal's own list (rows of a file)
    status_code: int = 200
    stale: bool = False  # refused because someone else changed the same thing first

    @property
    def refused(self) -> bool:
        return bool(self.errors)

    def _refuse(self, messages: dict[str, str], detail: str, status_code: int, *, summary: bool = False) -> None:
        if summary or not messages:
            messages = {**messages}
            messages.setdefault(self.whole, detail)
        self.errors = {f"{self.prefix}{name}": text for name, text in messages.items()}
        self.detail = detail
        self.status_code = status_code


@contextmanager
def form_attempt(
    session: Session, *, prefix: str = "", whole: str = "__all__", summary: bool = False
) -> Iterator[FormAttempt]:
    """Run a page's change in a savepoint; a refusal undoes only that change and becomes field errors.

    The page then shows the form again from `attempt.errors` (keys get `prefix`, e.g. "goal.") with
    `attempt.status_code`; whatever the request did before the block stays, and nothing of the change does.
    A refusal naming no field goes under `whole`; with `summary` a domain refusal's sentence always goes
    there too, for pages that sum a refusal up above the form (its field may not be on the page at all).
    Objects the change touched are expired by the rollback and load again when next used.
    """
    attempt = FormAttempt(prefix=prefix, whole=whole)
    try:
        with session.begin_nested():
            yield attempt
    except ValidationError as exc:
        # Bad input never reaches the domain: the schema's messages name the posted fields already.
        messages = validation_messages(exc, whole=whole)
        attempt._refuse(messages, next(iter(messages.values()), _("Check the form.")), 422)
    except (ValidationFailed, Conflict, PermissionDenied) as exc:
        attempt._refuse(field_errors(exc.errors, whole=whole), exc.detail, exc.status_code, summary=summary)
        attempt.problems = exc.errors
        attempt.stale = isinstance(exc, Conflict)


def field_errors(errors: list[dict[str, Any]], *, whole: str = "__all__") -> dict[str, str]:
    """Map field name → first message of a domain error's `errors`, for showing next to form fields."""
    result: dict[str, str] = {}
    for error in errors:
        result.setdefault(str(error.get("field") or whole), str(error.get("message", "")))
    return result


def form_text(form: FormData | dict[str, Any], name: str, limit: int | None = None) -> str:
    """A posted text field, trimmed (and cut at `limit`); "" when it is missing or a file."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""
