"""Unit tests: argon2id hashing, signed links, token digests."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from mentorloom.accounts.security import (
    LinkSigner,
    hash_password,
    password_fingerprint,
    token_digest,
    verify_password,
)


def test_argon2id_hash_verifies_only_the_right_password() -> None:
    hashed = hash_password("s3cret-enough")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "s3cret-enough")
    assert not verify_password(hashed, "s3cret-enougH")
    assert not verify_password(None, "anything")


def test_link_signer_rejects_tampering_purpose_and_expiry() -> None:
    signer = LinkSigner("k1")
    token = signer.dumps("reset", 7, password_fingerprint(None))
    assert signer.loads(token, "reset", 60) == (7, password_fingerprint(None))
    assert signer.loads(token, "invitation", 60) is None
    assert LinkSigner("other key").loads(token, "reset", 60) is None
    assert signer.loads(token[:-2] + "xx", "reset", 60) is None
    time.sleep(1.1)
    assert signer.loads(token, "reset", 0) is None


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_token_digest_is_deterministic_and_distinct(a: str, b: str) -> None:
    assert token_digest(a) == token_digest(a)
    assert (token_digest(a) == token_digest(b)) == (a == b)
