"""Domain errors the services raise; routes map them to a flash message or an HTTP status."""
from workflows import Refused


class DomainError(Refused):
    """A refused action; `status` is the HTTP status it maps to."""

    status = 409


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Invalid(DomainError):
    """Bad input; `errors` maps field paths to (msgid, params)."""

    status = 422

    def __init__(self, message, errors=None, **params):
        super().__init__(message, **params)
        self.errors = errors or {}


def status_of(error: Refused) -> int:
    return getattr(error, "status", 409)
