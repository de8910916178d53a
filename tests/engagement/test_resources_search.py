"""Full-text search of resources in German and English, on both databases, and what it promises:

- case and umlauts do not matter ("gehalter" finds "Gehälter");
- a word finds the compounds it begins ("Karriere" → "Karriereplanung", "Gehalt" → "Gehaltsverhandlung");
- English inflections meet ("negotiating" ↔ "negotiation", "salaries" → "salary");
- tags and the link's host are searched too; all words must match;
- what someone types is never query syntax: quotes, `*`, NEAR, `-`, `:` or `&` never answer 500;
- private stays private: search gives the program's library and the reader's own pairs' links, never another
  pair's (a hypothesis property over two programs with two pairs each and their libraries).
"""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from mentorloom.engagement import resources
from mentorloom.engagement.resources import ResourceFields
from mentorloom.mentorships.access import seat_for
from mentorloom.permissions import program_for
from tests.factories import make_program
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio

DOCS = {
    "karriere": ("Karriereplanung für Einsteiger", "Wie man die nächsten Schritte plant", ["beruf"]),
    "verhandlung": ("Gehaltsverhandlung richtig führen", "Vorbereitung ist alles", []),
    "gehaelter": ("Gehälter im Vergleich", "Eine Übersicht nach Branchen", []),
    "negotiation": ("Salary negotiation basics", "How to prepare", ["money"]),
    "negotiating": ("Negotiating your first offer", "", []),
    "feedback": ("Giving feedback", "Radical candor in practice", ["leadership", "feedback"]),
}


def _library(session: Session, pair: Pair) -> dict[str, int]:
    program = pair.program
    user = pair.mentor.user
    ids = {}
    for n, (name, (title, why, tags)) in enumerate(DOCS.items()):
        url = "https://www.hbr.org/candor" if name == "feedback" else f"https://site{n}.example.org/{name}"
        item = resources.add_to_library(session, program, user, ResourceFields(url, title, why, tags=tags))
        ids[name] = item.id
    return ids


def _found(session: Session, pair: Pair, query: str) -> set[int]:
    return {r.id for r in resources.library(session, pair.program, query=query, per_page=100).items}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Karriere", {"karriere"}),
        ("karriere", {"karriere"}),
        ("Gehalt", {"verhandlung", "gehaelter"}),
        ("Gehälter", {"verhandlung", "gehaelter"}),
        ("gehalter", {"verhandlung", "gehaelter"}),
        ("negotiating", {"negotiation", "negotiating"}),
        ("negotiation", {"negotiation", "negotiating"}),
        ("salaries", {"negotiation"}),
        ("Übersicht", {"gehaelter"}),
        ("ubersicht", {"gehaelter"}),
        ("leadership", {"feedback"}),  # a tag
        ("hbr", {"feedback"}),  # the host
        ("hbr.org", {"feedback"}),
        ("www", set()),
        ("salary prepare", {"negotiation"}),  # every word must match
        ("salary giraffe", set()),
        ("Verhandlung", set()),  # the end of a compound is not promised (neither database splits compounds)
    ],
)
def test_german_and_english(db_session: Session, query: str, expected: set[str]) -> None:
    pair = make_pair(db_session)
    ids = _library(db_session, pair)
    assert _found(db_session, pair, query) == {ids[name] for name in expected}


def test_best_match_first(db_session: Session) -> None:
    pair = make_pair(db_session)
    ids = _library(db_session, pair)
    order = [r.id for r in resources.library(db_session, pair.program, query="feedback").items]
    assert order == [ids["feedback"]]
    both = resources.library(db_session, pair.program, query="negotiation")
    assert {r.id for r in both.items} == {ids["negotiation"], ids["negotiating"]}
    assert both.total == 2 and dict(both.facets) == {"money": 1}


def test_an_edit_is_found_by_its_new_words_only(db_session: Session) -> None:
    pair = make_pair(db_session)
    ids = _library(db_session, pair)
    item = resources.library_item(db_session, pair.program, ids["feedback"])
    resources.edit_library(db_session, item, ResourceFields(item.url, "Mentoring im Alltag", "", tags=["alltag"]))
    assert _found(db_session, pair, "candor") == set()
    assert _found(db_session, pair, "alltag") == {ids["feedback"]}
    resources.remove_from_library(db_session, item)
    assert _found(db_session, pair, "alltag") == set()


SYNTAX = [
    '"',
    '""',
    '"unclosed',
    "*",
    "salary*",
    "*salary",
    "NEAR(salary negotiation)",
    "salary NEAR negotiation",
    "-salary",
    "salary -negotiation",
    "salary OR",
    "AND",
    "NOT salary",
    "title:salary",
    "salary:*",
    "(salary",
    "salary)",
    "'",
    "salary & | ! <->",
    "\\",
    "^salary",
    "{}[]",
    "ä" * 300,
    "a" * 200,
    "a b c d e f g h i j k l",
    "😀 salary",
    "x\u0301",
    "²",
    "_",
    "   ",
]


@pytest.mark.parametrize("query", SYNTAX)
async def test_search_syntax_never_breaks(client: httpx.AsyncClient, db_session: Session, query: str) -> None:
    pair = make_pair(db_session)
    _library(db_session, pair)
    for path in (f"/api/v1/programs/{pair.program.id}/library", f"/api/v1/programs/{pair.program.id}/resources/search"):
        answer = await client.get(path, headers=pair.mentee_h, params={"q": query})
        assert answer.status_code in (200, 422), (query, answer.text)
        if len(query) <= 200:
            assert answer.status_code == 200, (query, answer.text)
    answer = await client.get(f"{pair.base}/resources", headers=pair.mentee_h, params={"q": query[:200]})
    assert answer.status_code == 200, answer.text


@hyp_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=40))
def test_any_text_is_a_harmless_query(db_session: Session, query: str) -> None:
    savepoint = db_session.begin_nested()
    try:
        pair = make_pair(db_session)
        resources.add_to_library(
            db_session, pair.program, pair.mentor.user, ResourceFields("https://x.example", "Salary", "")
        )
        found = resources.search(db_session, pair.program, pair.mentee.user, query=query.replace("\x00", ""))
        assert found.total >= 0
    finally:
        savepoint.rollback()


# --- private stays private ---------------------------------------------------------------------------------

WORDS = ["salary", "karriere", "feedback", "gehalt"]
TAGS = ["career", "money", "lead"]
# where a resource lies: (program 0/1, pair 0/1 or None for the library)
place = st.tuples(st.integers(0, 1), st.one_of(st.none(), st.integers(0, 1)))
item = st.tuples(place, st.sampled_from(WORDS), st.lists(st.sampled_from(TAGS), max_size=2))


@hyp_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(item, min_size=1, max_size=10),
    query=st.one_of(st.just(""), st.sampled_from(WORDS)),
    tag=st.one_of(st.none(), st.sampled_from(TAGS)),
)
def test_a_reader_gets_only_their_pairs_links_and_their_programs_library(
    db_session: Session,
    items: list[tuple[tuple[int, int | None], str, list[str]]],
    query: str,
    tag: str | None,
) -> None:
    savepoint = db_session.begin_nested()
    try:
        programs = [make_program(db_session, name=f"P{i}") for i in range(2)]
        pairs = [[make_pair(db_session, program=p) for _ in range(2)] for p in programs]
        where: dict[int, tuple[int, int | None]] = {}
        for n, ((p, m), word, tags) in enumerate(items):
            fields = ResourceFields(f"https://site{n}.example/", f"{word} {n}", "", tags=tags)
            if m is None:
                made = resources.add_to_library(db_session, programs[p], pairs[p][0].mentor.user, fields)
            else:
                pair = pairs[p][m]
                seat = seat_for(db_session, pair.mentor.user, programs[p].id, pair.mentorship.id)
                made = resources.share(db_session, seat, fields)
            where[made.id] = (p, m)
        tags = [tag] if tag else []
        for p, program_pairs in enumerate(pairs):
            for m, pair in enumerate(program_pairs):
                for reader in (pair.mentor.user, pair.mentee.user):
                    allowed = {(p, None), (p, m)}
                    program = program_for(db_session, reader, programs[p].id)
                    found = resources.search(db_session, program, reader, query=query, tags=tags, per_page=100)
                    assert {where[r.id] for r in found.items} <= allowed
                    expected = {i for i, (pp, mm) in where.items() if (pp, mm) in allowed}
                    if not query and not tag:
                        assert {r.id for r in found.items} == expected  # and nothing allowed is missing
                    assert sum(n for _t, n in found.facets) >= 0
                    seat = seat_for(db_session, reader, programs[p].id, pair.mentorship.id)
                    own = resources.pair_resources(db_session, seat, query=query, tags=tags, per_page=100)
                    assert {where[r.id] for r in own.items} <= {(p, m)}
                    shelf = resources.library(db_session, program, query=query, tags=tags, per_page=100)
                    assert {where[r.id] for r in shelf.items} <= {(p, None)}
                    # the tag counts come from the same readable set
                    readable_tags = {t for r in found.items for t in found.tags[r.id]}
                    if tag is None:
                        assert {t for t, _n in found.facets} == readable_tags
    finally:
        savepoint.rollback()
