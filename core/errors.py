"""Domain errors: services raise these, the API exception handler renders them.

No HTTP here: core/api_errors.py gives each kind of error its status.
"""


class DomainError(Exception):
    """A refusal a client can act on, rendered as `{"code", "detail", **extra}`."""

    code = "error"
    default_detail = "The request cannot be processed."

    def __init__(self, detail: str | None = None, **extra):
        self.detail = detail or self.default_detail
        self.extra = extra
        super().__init__(self.detail)


class Conflict(DomainError):
    code = "conflict"
    default_detail = "The request conflicts with the current state."


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_detail = "This action is not allowed in the object's current state."


class NotPermitted(DomainError):
    code = "permission_denied"
    default_detail = "You do not have permission to perform this action."


# More kinds. A refusal derives from the kind that says what went wrong, and sets its code.


class Invalid(DomainError):
    code = "invalid"


class NotFound(DomainError):
    code = "not_found"


class Unauthenticated(DomainError):
    code = "not_authenticated"


class Unprocessable(DomainError):
    code = "unprocessable"


class UpstreamRefused(DomainError):
    code = "upstream_error"


class Unavailable(DomainError):
    code = "unavailable"
    retry_after: int | None = None  # seconds, when known


class RateLimited(DomainError):
    """Over a budget of `core.ratelimit` that a service counts itself (answered 429)."""

    code = "throttled"

    def __init__(self, detail: str | None = None, *, retry_after: int, **extra):
        super().__init__(detail, **extra)
        self.retry_after = retry_after
