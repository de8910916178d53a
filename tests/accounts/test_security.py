"""Unit tests: argon2id hashing, signed links, token digests."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from mentorloom.accounts.security import (
    LinkSigner,
    hash_password,
    password_fingerprint,
    token_digest,
    verify_password,
)
from mentorloom.db import utcnow
from tests.clock import Clock


def test_argon2id_hash_verifies_only_the_right_password() -> None:
    hashed = hash_password("s3cret-enough")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "s3cret-enough")
    assert not verify_password(hashed, "s3cret-enougH")
    assert not verify_password(None, "anything")


def test_link_signer_rejects_tampering_purpose_and_expiry() -> None:
    clock = Clock()
    signer = LinkSigner("k1", clock=clock)
    token = signer.dumps("reset", 7, password_fingerprint(None))
    assert signer.loads(token, "reset", 60) == (7, password_fingerprint(None))
    assert signer.loads(token, "invitation", 60) is None
    assert LinkSigner("other key", clock=clock).loads(token, "reset", 60) is None
    assert signer.loads(token[:-2] + "xx", "reset", 60) is None
    clock.advance(timedelta(seconds=60))
    assert signer.loads(token, "reset", 60) == (7, password_fingerprint(None))  # exactly max_age old still works
    clock.advance(timedelta(seconds=1))
    assert signer.loads(token, "reset", 60) is None


def test_link_signer_reads_the_real_time_by_default() -> None:
    signer = LinkSigner("k1")
    token = signer.dumps("reset", 7, "f")
    assert signer.loads(token, "reset", 60) == (7, "f")
    # a link stamped an hour ago by someone else's clock is too old for the real one
    old = LinkSigner("k1", clock=Clock(utcnow() - timedelta(hours=1))).dumps("reset", 7, "f")
    assert signer.loads(old, "reset", 60) is None


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_token_digest_is_deterministic_and_distinct(a: str, b: str) -> None:
    assert token_digest(a) == token_digest(a)
    assert (token_digest(a) == token_digest(b)) == (a == b)
