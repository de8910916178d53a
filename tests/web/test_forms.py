"""form_attempt against the real database: a refusal undoes only the page's change and becomes field messages."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mentorloom.web.forms import form_attempt
from tests.conftest import SharedConnectionDatabase
from tests.factories import make_user


class _GoalForm(BaseModel):
    title: str = Field(min_length=1)
    months: int = Field(ge=1)


def _emails(session: Session) -> set[str]:
    return set(session.scalars(select(User.email)))


def test_a_refusal_undoes_only_the_change_and_the_request_keeps_the_rest(db_session: Session) -> None:
    database = SharedConnectionDatabase(db_session)
    with database.session() as session:  # one request: committed at its end
        before = make_user(session, email="before@example.org", name="Before")
        with form_attempt(session) as attempt:
            make_user(session, email="inside@example.org")
            before.display_name = "Changed inside"
            session.flush()
            raise ValidationFailed("No.", field="name")
        assert attempt.refused
        assert before.display_name == "Before"  # expired by the rollback, loaded again
        make_user(session, email="after@example.org")  # the page may go on writing (an audit entry, say)
    assert {"before@example.org", "after@example.org"} <= _emails(db_session)
    assert "inside@example.org" not in _emails(db_session)


def test_a_change_that_goes_through_is_kept(db_session: Session) -> None:
    database = SharedConnectionDatabase(db_session)
    with database.session() as session, form_attempt(session) as attempt:
        make_user(session, email="kept@example.org")
    assert not attempt.refused
    assert attempt.errors == {}
    assert "kept@example.org" in _emails(db_session)


def test_domain_field_errors_get_the_prefix(db_session: Session) -> None:
    with form_attempt(db_session, prefix="goal.") as attempt:
        raise ValidationFailed(
            "Check the goal.",
            errors=[
                {"field": "title", "message": "Too long."},
                {"field": "title", "message": "Second message for the same field."},
                {"field": "target_date", "message": "In the past."},
            ],
        )
    assert attempt.errors == {"goal.title": "Too long.", "goal.target_date": "In the past."}
    assert (attempt.status_code, attempt.stale, attempt.detail) == (422, False, "Check the goal.")
    assert len(attempt.problems) == 3  # the domain's own list, for pages listing every problem


def test_a_refusal_without_a_field_goes_to_the_whole_key(db_session: Session) -> None:
    with form_attempt(db_session, prefix="goal.") as attempt:
        raise ValidationFailed("An agreement holds at most 10 goals.")
    assert attempt.errors == {"goal.__all__": "An agreement holds at most 10 goals."}

    with form_attempt(db_session, whole="email") as attempt:
        raise ValidationFailed("Already invited.")
    assert attempt.errors == {"email": "Already invited."}


def test_summary_also_puts_the_sentence_under_the_whole_key(db_session: Session) -> None:
    # The field ("goals") may not be on the page at all: the summary above the form still says why.
    with form_attempt(db_session, prefix="goal.", summary=True) as attempt:
        raise ValidationFailed("At most 10 goals.", field="goals")
    assert attempt.errors == {"goal.goals": "At most 10 goals.", "goal.__all__": "At most 10 goals."}


def test_bad_input_gives_translated_messages_per_field(db_session: Session) -> None:
    with form_attempt(db_session, prefix="goal.", summary=True) as attempt:
        _GoalForm.model_validate({"title": "", "months": 0})
    assert attempt.errors == {
        "goal.title": "This field is required.",
        "goal.months": "Enter a number of at least 1.",
    }  # no summary: bad input is always about the posted fields
    assert (attempt.status_code, attempt.detail) == (422, "This field is required.")


def test_a_conflict_is_stale_and_409(db_session: Session) -> None:
    with form_attempt(db_session) as attempt:
        make_user(db_session, email="racing@example.org")
        raise Conflict("Someone else changed this profile meanwhile.", field="version")
    assert attempt.stale
    assert attempt.status_code == 409
    assert attempt.errors == {"version": "Someone else changed this profile meanwhile."}
    assert attempt.detail == "Someone else changed this profile meanwhile."
    assert "racing@example.org" not in _emails(db_session)


def test_permission_denied_is_a_refusal_with_403(db_session: Session) -> None:
    with form_attempt(db_session) as attempt:
        raise PermissionDenied("Only coordinators may do this.")
    assert (attempt.refused, attempt.stale, attempt.status_code) == (True, False, 403)
    assert attempt.errors == {"__all__": "Only coordinators may do this."}


def test_other_errors_pass_through_and_the_change_is_still_undone(db_session: Session) -> None:
    make_user(db_session, email="stays@example.org")
    with pytest.raises(NotFound), form_attempt(db_session):
        make_user(db_session, email="gone@example.org")
        raise NotFound("No such thing.")
    emails = _emails(db_session)  # the session is still usable
    assert "stays@example.org" in emails
    assert "gone@example.org" not in emails
