"""Full-text search over resources in German and English, with each database's own index.

`Resource.search_text` (title, why it matters, tags and the URL's host, kept by `engagement.resources`) is indexed
by objects that migration 0012 makes for one dialect each:

- PostgreSQL: a GIN expression index over ``to_tsvector('german', search_text) || to_tsvector('english',
  search_text)``. A query is built word by word: each word becomes ``to_tsquery('german', 'word':*) ||
  to_tsquery('english', 'word':*)`` (either language's stem, as a prefix), and the words are AND-ed; ranked with
  ts_rank. websearch_to_tsquery has no prefix matching, which German compounds need ("Gehalt" → "Gehalts-
  verhandlung").
- SQLite: the FTS5 table ``resources_fts`` (external content, kept in step by triggers) with the tokenizer
  ``porter unicode61 remove_diacritics 2``; each word becomes the prefix query ``"word"*``, AND-ed, ranked by
  bm25. Measured on SQLite 3.40 against "Karriereplanung", "Gehaltsverhandlung", "Gehälter", "Salary negotiation",
  "Negotiating your first salary": `trigram` finds substrings (also "Verhandlung" inside "Gehaltsverhandlung") but
  neither "negotiating" → "negotiation" nor "gehalter" → "Gehälter"; plain `unicode61` with prefixes has no
  stemming; `porter unicode61 remove_diacritics 2` with prefixes finds all of: Karriere → Karriereplanung,
  Gehalt/Gehälter/gehalter → Gehaltsverhandlung and Gehälter, negotiating ↔ negotiation, salaries → salary —
  the same answers as PostgreSQL's German and English stemmers with prefixes.

What both promise (and tests/engagement/test_resources_search.py checks): case and umlauts do not matter
("gehalter" finds "Gehälter"), a word finds compounds it begins ("Karriere" → "Karriereplanung", "Gehalt" →
"Gehaltsverhandlung"), English inflections meet ("negotiating" ↔ "negotiation"). A word inside a compound
("Verhandlung" in "Gehaltsverhandlung") is not found.

User input never reaches either query language as syntax: only runs of letters and digits are kept (quotes, `*`,
`-`, `:`, parentheses, NEAR/AND/OR as operators are gone; "NEAR" is just a word), quoted as literals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, column, func, literal, literal_column, select, table
from sqlalchemy.orm import Session

from mentorloom.engagement.models import Resource

MAX_WORDS = 8
MAX_WORD = 60
_WORD = re.compile(r"[^\W_]+")

_fts = table("resources_fts", column("rowid"), column("rank"))
_FTS_NAME: ColumnElement[object] = literal_column("resources_fts")


@dataclass(frozen=True)
class TextQuery:
    """A condition on Resource and an ORDER BY expression, best match first."""

    match: ColumnElement[bool]
    order: ColumnElement[object]


def words_of(query: str) -> list[str]:
    """The searchable words of what someone typed: letters and digits, lower case, at most MAX_WORDS."""
    found = [w[:MAX_WORD].lower() for w in _WORD.findall(query or "")]
    return list(dict.fromkeys(found))[:MAX_WORDS]


def text_query(session: Session, query: str) -> TextQuery | None:
    """The full-text condition for `query`, or None when it holds no word to search for."""
    words = words_of(query)
    if not words:
        return None
    if session.get_bind().dialect.name == "postgresql":
        return _postgres(words)
    return _sqlite(words)


def _vector() -> ColumnElement[object]:
    # exactly the expression of the index resources_fts_vector, so the planner can use it
    german = func.to_tsvector(literal_column("'german'::regconfig"), Resource.search_text)
    english = func.to_tsvector(literal_column("'english'::regconfig"), Resource.search_text)
    return german.op("||")(english)


def _postgres(words: list[str]) -> TextQuery:
    query: ColumnElement[object] | None = None
    for word in words:
        # a quoted operand: to_tsquery reads it as a literal (a word has no quote or backslash to escape)
        operand = literal(f"'{word}':*", String)
        either = func.to_tsquery(literal_column("'german'::regconfig"), operand).op("||")(
            func.to_tsquery(literal_column("'english'::regconfig"), operand)
        )
        query = either if query is None else query.op("&&")(either)
    assert query is not None
    vector = _vector()
    return TextQuery(match=vector.bool_op("@@")(query), order=func.ts_rank(vector, query).desc())


def _sqlite(words: list[str]) -> TextQuery:
    expression = literal(" ".join(f'"{word}"*' for word in words), String)
    matching = select(_fts.c.rowid).where(_FTS_NAME.bool_op("MATCH")(expression))
    rank = (
        select(_fts.c.rank).where(_FTS_NAME.bool_op("MATCH")(expression), _fts.c.rowid == Resource.id).scalar_subquery()
    )
    return TextQuery(match=Resource.id.in_(matching), order=rank.asc())
