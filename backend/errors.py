"""Errors a service raises for a person to read. The app turns each into a 4xx response
with its message; nothing else about the failure leaks to the client."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadInput(DomainError):
    status_code = 422
    code = "invalid"


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_signed_in"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Gone(DomainError):
    status_code = 410
    code = "gone"


class TooLarge(DomainError):
    status_code = 413
    code = "too_large"


class Locked(DomainError):
    status_code = 429
    code = "locked"


class Unavailable(DomainError):
    """A safeguard that must hold cannot be checked right now (its store is down): the
    request is refused rather than let through unchecked; the response says when to retry."""

    status_code = 503
    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooManyRequests(DomainError):
    """A rate limit was reached; the response says when to try again (Retry-After)."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
