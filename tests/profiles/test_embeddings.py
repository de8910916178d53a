"""Multilingual text similarity: German goals find the English bio on the same topic."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from mentorloom.profiles.embeddings import ENCODE_BATCH, HashedTfidfEncoder, encode_distinct, encoder_named, from_bytes
from mentorloom.profiles.models import Profile
from mentorloom.profiles.schemas import ProfileIn
from mentorloom.profiles.service import embed_profiles, get_profile, stale_embedding_ids, update_profile
from mentorloom.programs.models import Role
from mentorloom.programs.service import add_member
from tests.factories import make_program, make_user
from tests.profiles.bilingual_pairs import ENGLISH, GERMAN


def retrieval_accuracy(encoder_name: str) -> float:
    """Share of German texts whose most similar English text is the one on the same topic."""
    encoder = encoder_named(encoder_name)
    de, en = encoder.encode(GERMAN), encoder.encode(ENGLISH)
    best = np.argmax(de @ en.T, axis=1)
    return float(np.mean(best == np.arange(len(GERMAN))))


def test_multilingual_encoder_matches_topics_across_languages() -> None:
    accuracy = retrieval_accuracy("use")
    assert accuracy >= 0.9, f"top-1 accuracy {accuracy:.2f}"
    # The TF-IDF fallback shares few words across languages; it must be clearly worse (the reason USE is default).
    assert retrieval_accuracy("tfidf") < accuracy


def test_each_distinct_text_is_encoded_once_in_bounded_batches() -> None:
    tfidf = HashedTfidfEncoder()
    texts = [f"text {i % 300}" for i in range(900)] + ["", "  "]
    batches: list[list[str]] = []

    def record(batch: list[str]) -> np.ndarray:
        batches.append(batch)
        return tfidf.encode(batch)

    vectors = encode_distinct(texts, record)
    seen = [text for batch in batches for text in batch]
    assert sorted(seen) == sorted(set(texts) - {"", "  "}) and max(map(len, batches)) <= ENCODE_BATCH
    assert np.array_equal(vectors, np.vstack([tfidf.encode(texts[:-2]), np.zeros((2, 512), np.float32)]))


def test_the_multilingual_encoder_gives_a_repeated_text_the_same_row() -> None:
    vectors = encoder_named("use").encode(["Verhandlungen führen", "", "Verhandlungen führen", "negotiation"])
    assert np.array_equal(vectors[0], vectors[2]) and not vectors[1].any() and vectors[3].any()


def test_vectors_are_normalised_and_empty_text_is_zero() -> None:
    vectors = HashedTfidfEncoder().encode(["Verhandlung und Führung", ""])
    assert vectors.shape == (2, 512) and vectors.dtype == np.float32
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0) and not vectors[1].any()


def test_embeddings_are_stored_and_only_recomputed_when_text_changes(db_session: Session) -> None:
    program = make_program(db_session)
    membership = add_member(db_session, program, make_user(db_session), Role.MENTEE)
    profile = get_profile(db_session, membership)
    update_profile(db_session, profile, ProfileIn(name="A", bio="Ich möchte verhandeln lernen."))
    encoder = HashedTfidfEncoder()
    assert stale_embedding_ids(db_session, program.id, encoder.name) == [membership.id]
    assert embed_profiles(db_session, [membership.id], encoder) == 1
    assert stale_embedding_ids(db_session, program.id, encoder.name) == []
    db_session.expire_all()
    stored = db_session.get(Profile, membership.id)
    assert stored is not None and np.isclose(np.linalg.norm(from_bytes(stored.embedding)), 1.0)
    assert stored.version == profile.version  # derived data does not count as an edit
    update_profile(db_session, stored, ProfileIn(name="A", bio="Now something else entirely."))
    assert stale_embedding_ids(db_session, program.id, encoder.name) == [membership.id]


def test_the_readme_states_the_measured_accuracy() -> None:
    """The figures the README gives for both encoders are the ones this labelled set produces."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"\*\*(\d+) of (\d+) \(\d+ %\)\*\*.*?manages (\d+) of (\d+)", readme, re.S)
    assert found, "README no longer states the text-similarity figures"
    use_hits, total, tfidf_hits, _total = map(int, found[0])
    assert total == len(GERMAN)
    assert use_hits == round(retrieval_accuracy("use") * total)
    assert tfidf_hits == round(retrieval_accuracy("tfidf") * total)
