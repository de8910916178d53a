"""One exception tree for the domain layer; api.py and views.py map it once."""

from __future__ import annotations

from mentorloom.i18n import N_


class MentorloomError(Exception):
    """Base of all Mentorloom domain errors."""

    status_code = 400
    title = N_("Bad request")
    retry_after: int | None = None  # seconds, sent as Retry-After by the error handlers

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        # every error can be shown per field; callers need not ask which kind they caught
        self.errors: list[dict[str, object]] = [{"field": field, "message": detail}] if field else []


class NotFound(MentorloomError):
    """The object does not exist or the caller may not see it (never leak which)."""

    status_code = 404
    title = N_("Not found")


class PermissionDenied(MentorloomError):
    """The caller may see the object but not do this to it."""

    status_code = 403
    title = N_("Forbidden")


class FormExpired(PermissionDenied):
    """A page form without a valid CSRF token: a stale page or another site, not a question of rights."""


class NotAuthenticated(MentorloomError):
    status_code = 401
    title = N_("Not authenticated")


class Conflict(MentorloomError):
    """The request clashes with the current state (duplicate, stale version, illegal transition)."""

    status_code = 409
    title = N_("Conflict")


class LostRace(Conflict):
    """The database gave up on this request for another one changing the same rows at once (deadlock,
    serialization failure); nothing was written and trying again usually works."""


def stale(detail: str, *, current: int) -> Conflict:
    """409 for a change made to an older state than the current one (optimistic locking).

    The sentence is for people and names no field; API clients find the field (`lock_version`) and its
    current value in `errors`.
    """
    exc = Conflict(detail, field="lock_version")
    exc.errors = [{"field": "lock_version", "message": detail, "current": current}]
    return exc


class MatchingFailed(Conflict):
    """The matching engine refused the program's current data; the message says what to change."""


class ValidationFailed(MentorloomError):
    """Input broke a domain rule; `errors` lists every problem, each naming its field."""

    status_code = 422
    title = N_("Validation failed")

    def __init__(self, detail: str, *, field: str | None = None, errors: list[dict[str, object]] | None = None) -> None:
        super().__init__(detail, field=field)
        if errors:
            self.errors = errors


class RateLimited(MentorloomError):
    status_code = 429
    title = N_("Too many requests")

    def __init__(self, detail: str, *, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PayloadTooLarge(MentorloomError):
    """A request body above the configured limit (MENTORLOOM_MAX_BODY_MB)."""

    status_code = 413
    title = N_("Request too large")


class ServiceBusy(MentorloomError):
    """No database connection free in time: the client should retry shortly, the server is not broken."""

    status_code = 503
    title = N_("Service busy")

    def __init__(self, detail: str, *, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class DatabaseUnavailable(ServiceBusy):
    """The database cannot be reached (restarting, down): the transaction died with its connection; retry soon."""

    title = N_("Temporarily unavailable")
