"""'²' and other Unicode digits pass str.isdigit() but not int(): every number check refuses them (no 500)."""

from __future__ import annotations

import pytest

from mentorloom.errors import ValidationFailed
from mentorloom.meetings import recurrence, slots
from mentorloom.numbers import is_digits


@pytest.mark.parametrize("text", ["²", "١٢", "１２", "", "-1", "1.5", " 1"])
def test_only_ascii_digits_are_digits(text: str) -> None:
    assert not is_digits(text)


@pytest.mark.parametrize("text", ["0", "12", "0042"])
def test_ascii_digits_are(text: str) -> None:
    assert is_digits(text) and int(text) >= 0


@pytest.mark.parametrize("rule", ["FREQ=WEEKLY;INTERVAL=²", "FREQ=MONTHLY;INTERVAL=١;BYDAY=+1TU"])
def test_a_repeat_rule_with_unicode_digits_is_refused_at_its_field(rule: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        recurrence.parse_rule(rule)
    assert refused.value.field == "rrule"


def test_a_time_with_unicode_digits_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        slots._clock("1²:30")
    assert refused.value.field == "availability"
