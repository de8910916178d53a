"""The password rule: length, zxcvbn's common-password list, and not the person's own address or name."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorloom.accounts.passwords import MIN_PASSWORD_LENGTH, check_password_rules, common_passwords
from mentorloom.demo import DEMO_PASSWORD
from mentorloom.errors import ValidationFailed

LONG_COMMON = sorted(p for p in common_passwords() if len(p) >= MIN_PASSWORD_LENGTH)


def test_the_list_is_zxcvbns_and_big_enough_to_matter() -> None:
    assert len(common_passwords()) >= 30_000
    assert {"qwertyuiop", "1234567890", "password123"} <= set(LONG_COMMON)


@pytest.mark.parametrize("password", ["qwertyuiop", "Password123", "1Q2W3E4R5T", "MANCHESTER"])
def test_common_passwords_are_refused_whatever_their_case(password: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_password_rules(password)
    assert refused.value.field == "password" and "common passwords" in refused.value.detail


@pytest.mark.parametrize("password", ["short", "123456789"])
def test_short_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationFailed, match="at least 10 characters"):
        check_password_rules(password, field="new_password")


@pytest.mark.parametrize(
    "password", ["anna.berger@example.org", "ANNA.BERGER", "Anna Berger-Schmidt", "berger-schmidt"]
)
def test_the_own_address_or_name_is_refused(password: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_password_rules(password, personal=("anna.berger@example.org", "Anna Berger-Schmidt"))
    assert "e-mail address or name" in refused.value.detail


def test_the_demo_password_and_a_sentence_pass() -> None:
    check_password_rules(DEMO_PASSWORD, personal=("admin@mentorloom.demo", "Demo Admin"))
    check_password_rules("correct horse battery", personal=("ana@example.org", "Ana"))


def test_the_longest_password_passes_and_one_more_character_does_not() -> None:
    check_password_rules("x1" * 128)
    with pytest.raises(ValidationFailed, match="at most 256"):
        check_password_rules("x1" * 128 + "y")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=40), st.sampled_from(LONG_COMMON), st.sampled_from(LONG_COMMON).map(str.upper)))
def test_every_accepted_password_is_long_and_uncommon(password: str) -> None:
    try:
        check_password_rules(password, personal=("ana@example.org", "Ana"))
    except ValidationFailed:
        return
    assert len(password) >= MIN_PASSWORD_LENGTH
    assert password.casefold() not in common_passwords()
