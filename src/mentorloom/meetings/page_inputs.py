"""Reading the meeting pages' forms into the API's own input shapes, so both go through the same validation."""

from __future__ import annotations

from mentorloom import dates
from mentorloom.dates import TypedDate
from mentorloom.meetings.schemas import LocalTime
from mentorloom.web.forms import PostedForm
from mentorloom.web.inputs import InputModel


class MomentIn(InputModel):
    """A day and a time typed into two fields of a page; the API takes them as one local ISO moment."""

    day: TypedDate
    time: LocalTime

    def local(self) -> str:
        return f"{self.day.isoformat()}T{self.time}"


def text(form: PostedForm, name: str) -> str:
    return str(form.get(name, "")).strip()


def fields(form: PostedForm, prefix: str, names: tuple[str, ...]) -> dict[str, str]:
    """The posted values of one form on a page with several, keyed as its inputs are named ("agenda.text")."""
    return {f"{prefix}{name}": text(form, f"{prefix}{name}") for name in names}


def my_zone() -> str:
    """The zone the page shows times in: what the person types into a time field means the same."""
    return dates.get_timezone()


def day_for_start(errors: dict[str, str], prefix: str) -> dict[str, str]:
    """The domain names a start "starts_at"; the page has a day and a time field, and the day is what is wrong."""
    key = f"{prefix}starts_at"
    return {(f"{prefix}day" if k == key else k): v for k, v in errors.items()}
