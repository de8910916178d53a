"""Checks of free text and dates that collect every problem, each naming its field, before anything is written."""

from __future__ import annotations

from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext


class Checks:
    """Collects field errors; `done()` raises them together so nothing is half-written."""

    def __init__(self) -> None:
        self.errors: list[dict[str, object]] = []

    def text(self, value: str | None, field: str, limit: int, *, required: bool = False) -> str:
        """The stripped text, or an error when it is missing (if required) or longer than `limit`."""
        cleaned = (value or "").strip()
        if required and not cleaned:
            self.fail(field, _("Please fill in this field."))
        elif len(cleaned) > limit:
            self.fail(
                field,
                ngettext(
                    "Use at most %(num)d character (this text has %(count)d).",
                    "Use at most %(num)d characters (this text has %(count)d).",
                    limit,
                    count=len(cleaned),
                ),
            )
        return cleaned

    def fail(self, field: str, message: str) -> None:
        self.errors.append({"field": field, "message": message})

    def done(self) -> None:
        if self.errors:
            # people read the sentence (on pages, in German too): no field names; `errors` has them for the API
            detail = " ".join(dict.fromkeys(str(e["message"]) for e in self.errors))
            raise ValidationFailed(detail, errors=self.errors)


def check_text(value: str | None, field: str, limit: int, *, required: bool = False) -> str:
    """One text field checked on its own."""
    checks = Checks()
    cleaned = checks.text(value, field, limit, required=required)
    checks.done()
    return cleaned
