"""Which language a member's mails are written in."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from mentorloom.programs.mails import mail_locale
from mentorloom.programs.models import Role
from tests.factories import make_program
from tests.matching.helpers import participant


@pytest.mark.parametrize(
    ("languages", "own_choice", "expected"),
    [
        (["en"], None, "en"),  # speaks English, not the program's German
        (["de", "en"], None, "de"),
        (["fr"], None, "de"),  # neither: the program's language
        (["en"], "de", "de"),  # their own choice wins
    ],
)
def test_mail_language(db_session: Session, languages: list[str], own_choice: str | None, expected: str) -> None:
    program = make_program(db_session, language="de")
    member = participant(db_session, program, Role.MENTOR, "Priya", languages=languages)
    member.user.locale = own_choice
    assert mail_locale(db_session, member) == expected
