"""Domain errors: services raise these, the API exception handler renders them.

An error carries a `code` a client can act on and a human `detail`; `extra` adds fields to
the body (`fields` for input errors, `ticket_types` for sold out, ...). What an error means
is said by the kind it derives from, never by an HTTP status: `core.api_errors` maps each
kind to its status, so services know nothing of HTTP.
"""


class DomainError(Exception):
    """A refusal a client can act on, rendered as `{"code", "detail", **extra}`."""

    code = "error"
    default_detail = "The request cannot be processed."

    def __init__(self, detail: str | None = None, **extra):
        self.detail = detail or self.default_detail
        self.extra = extra
        super().__init__(self.detail)


class Invalid(DomainError):
    """The request can never succeed as sent; `fields` names the input at fault."""

    code = "invalid"
    default_detail = "The request is not valid."


class Unauthenticated(DomainError):
    """The caller could not be identified: a missing or wrong credential."""

    code = "not_authenticated"
    default_detail = "Authentication credentials were not provided or are wrong."


class NotPermitted(DomainError):
    code = "permission_denied"
    default_detail = "You do not have permission to perform this action."


class NotFound(DomainError):
    code = "not_found"
    default_detail = "Not found."


class Conflict(DomainError):
    """The request is fine, but the current state does not allow it."""

    code = "conflict"
    default_detail = "The request conflicts with the current state."


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_detail = "This action is not allowed in the object's current state."


class Unprocessable(DomainError):
    """Well-formed, but contradicts what was asked before (a reused idempotency key)."""

    code = "unprocessable"
    default_detail = "The request cannot be processed."


class UpstreamRefused(DomainError):
    """A provider we depend on (the payment gateway) refused what we asked of it."""

    code = "upstream_error"
    default_detail = "A service we depend on refused the request."


class Unavailable(DomainError):
    """Nothing is wrong with the request: try it again later (after `retry_after` seconds,
    when known)."""

    code = "unavailable"
    default_detail = "The service is busy. Please try again in a moment."
    retry_after: int | None = None
