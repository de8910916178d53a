"""Sign-in attempts counted per account, on top of the per-address limit (web/deps.py rate_limit("login")).

The per-address limit stops one machine; this one stops many machines guessing one person's password. It counts
attempts, and the owner's successful sign-in clears them (so in effect failures), in the same `limits` storage as
every other limit (Redis when configured, so all web processes share it). The key is a hash of the normalised
address: Redis never holds anyone's e-mail.

Trade-off: while an account is over its limit, every password is refused without being checked, also the right
one (answering differently would tell the guesser which one was right). Someone who knows an address can so keep
its owner from signing in for as long as they keep failing; it ends one window after their last failure, and a
password reset through the mailed link (which proves the mailbox) lifts it at once.
"""

from __future__ import annotations

import hashlib
import math
import time

from fastapi import Request
from limits import RateLimitItem, parse_many

from mentorloom.accounts.service import email_key
from mentorloom.errors import RateLimited
from mentorloom.i18n import ngettext

_BUCKET = "login-account"


def _limits(request: Request) -> list[RateLimitItem]:
    return parse_many(request.app.state.settings.login_account_rate_limit)


def _key(email: str) -> str:
    # the account that would be checked, never the address itself
    return hashlib.sha256(email_key(email).encode("utf-8", "surrogatepass")).hexdigest()


def admit(request: Request, email: str) -> None:
    """Count this attempt against the account, or refuse it (429 with Retry-After) while it has too many.

    The attempt is counted before the password is checked, in one atomic step per limit: testing first and
    counting after the check let parallel guesses all pass the test (7 of 60 got through a limit of 5). The
    owner's successful sign-in clears the count, so only failures stay counted.
    """
    limiter = request.app.state.rate_limiter
    key = _key(email)
    waits = [
        limiter.get_window_stats(limit, _BUCKET, key).reset_time - time.time()
        for limit in _limits(request)
        if not limiter.hit(limit, _BUCKET, key)
    ]
    if waits:
        seconds = max(1, math.ceil(max(waits)))
        minutes = math.ceil(seconds / 60)
        raise RateLimited(
            ngettext(
                "Too many failed sign-ins for this account. Try again in %(num)d minute, or reset the password.",
                "Too many failed sign-ins for this account. Try again in %(num)d minutes, or reset the password.",
                minutes,
            ),
            retry_after=seconds,
        )


def clear(request: Request, email: str) -> None:
    """Forget the failures: after the owner's own sign-in or a password reset from the mailed link."""
    limiter = request.app.state.rate_limiter
    key = _key(email)
    for limit in _limits(request):
        limiter.clear(limit, _BUCKET, key)
