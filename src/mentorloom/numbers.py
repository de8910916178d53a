"""Reading whole numbers typed by people and clients.

`str.isdigit()` is true for "²" and other Unicode digits that `int()` refuses (a ValueError, i.e. a 500 where a
clear refusal belongs), so every check before an `int()` asks `is_digits` instead.
"""

from __future__ import annotations


def is_digits(text: str) -> bool:
    """Only ASCII digits 0-9, at least one."""
    return text.isascii() and text.isdigit()
