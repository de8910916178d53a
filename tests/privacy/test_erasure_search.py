"""The full-text index forgets what erasure and retention blank: the "why" of a pair's link was kept in the search
text (PostgreSQL's index expression, SQLite's FTS5 table follows it), so its words still found the link."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.engagement import resources
from mentorloom.engagement.models import Resource
from mentorloom.engagement.resources import ResourceFields
from mentorloom.mentorships.access import seat_for
from mentorloom.privacy.erasure import erase_person
from mentorloom.privacy.scrub import scrub_mentorship
from tests.factories import make_user
from tests.mentorships.helpers import Pair, make_pair
from tests.privacy.test_erasure import every_text

WHY = "Quasselwort told me about her Scheidungsanwalt"


def _shared(session: Session, pair: Pair, by: User) -> Resource:
    seat = seat_for(session, by, pair.program.id, pair.mentorship.id)
    fields = ResourceFields("https://books.example.org/list", "Reading list", WHY, tags=["karriere"])
    return resources.share(session, seat, fields)


def _found(session: Session, pair: Pair, query: str) -> set[int]:
    reader = pair.mentor.user  # the partner: their own pair's links are searched
    return {r.id for r in resources.search(session, pair.program, reader, query=query).items}


def test_an_erased_persons_why_is_not_found_by_search_any_more(db_session: Session) -> None:
    pair = make_pair(db_session)
    link = _shared(db_session, pair, pair.mentee.user)
    assert _found(db_session, pair, "Quasselwort") == {link.id}
    erase_person(db_session, pair.mentee.user, by=make_user(db_session, is_admin=True))
    assert _found(db_session, pair, "Quasselwort") == set() and _found(db_session, pair, "Scheidungsanwalt") == set()
    assert link.why == "" and "Quasselwort" not in every_text(db_session)  # nor in the partner's notice and mail
    # what was not theirs to lose is still found: the title, the tags, the host
    assert _found(db_session, pair, "Reading") == _found(db_session, pair, "karriere") == {link.id}
    assert _found(db_session, pair, "books") == {link.id}


def test_retention_blanks_the_why_in_the_search_text_too(db_session: Session) -> None:
    pair = make_pair(db_session)
    link = _shared(db_session, pair, pair.mentor.user)
    scrub_mentorship(db_session, pair.mentorship, utcnow())
    assert _found(db_session, pair, "Quasselwort") == set() and _found(db_session, pair, "Reading") == {link.id}
    assert link.why == "" and "Quasselwort" not in every_text(db_session)  # nor in the partner's notice and mail


def test_the_full_text_index_keeps_no_erased_words(db_session: Session) -> None:
    """FTS5 only marks removed words deleted: the erased why stayed readable in resources_fts_data (the database
    file) until its segments happened to merge. PostgreSQL's index is over the column, so the column is what counts."""
    pair = make_pair(db_session)
    _shared(db_session, pair, pair.mentee.user)
    sqlite = db_session.get_bind().dialect.name == "sqlite"
    index = "SELECT block FROM resources_fts_data" if sqlite else "SELECT lower(search_text) FROM resources"

    def indexed() -> bytes:
        blocks = db_session.execute(text(index))
        return b"".join(bytes(block) if sqlite else block.encode() for (block,) in blocks)

    assert b"quasselwort" in indexed()
    erase_person(db_session, pair.mentee.user, by=make_user(db_session, is_admin=True))
    assert b"quasselwort" not in indexed() and b"scheidungsanwalt" not in indexed()
    assert _found(db_session, pair, "Reading") != set()  # what is live is still indexed
