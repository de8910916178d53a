"""The password rule: long enough, not one of the well-known leaked passwords, not the person's own address or name.

The common-password list is the one shipped with the maintained `zxcvbn` package (30,000 passwords from leaked
password sets, all lower case); we use the list only, not zxcvbn's score, so the rule stays easy to explain.
"""

from __future__ import annotations

from functools import lru_cache

from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of common passwords (lower case), loaded on first use."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    return password.casefold() in common_passwords()


def _personal(password: str, personal: tuple[str, ...]) -> bool:
    # "anna.berger@example.org" must not be a password, nor its part "anna.berger", nor the name "Anna Berger".
    folded = password.casefold()
    for value in personal:
        value = value.casefold().strip()
        if value and (folded in value or folded == value.split("@")[0]):
            return True
    return False


def check_password_rules(password: str, field: str = "password", *, personal: tuple[str, ...] = ()) -> None:
    """Refuse a password that is too short or long, common, or the person's e-mail address or name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", MIN_PASSWORD_LENGTH),
            field=field,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_PASSWORD_LENGTH),
            field=field,
        )
    if is_common(password):
        raise ValidationFailed(
            _("This password is on a list of common passwords that attackers try first. Choose another one."),
            field=field,
        )
    if _personal(password, personal):
        raise ValidationFailed(
            _("The password must not be your e-mail address or name. Choose another one."), field=field
        )
