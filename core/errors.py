"""Domain errors: services raise these, the API exception handler renders them."""

from rest_framework import status


class DomainError(Exception):
    """A refusal a client can act on, rendered as `{"code", "detail", **extra}`."""

    code = "error"
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request cannot be processed."

    def __init__(self, detail: str | None = None, **extra):
        self.detail = detail or self.default_detail
        self.extra = extra
        super().__init__(self.detail)


class Conflict(DomainError):
    code = "conflict"
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_detail = "This action is not allowed in the object's current state."


class NotPermitted(DomainError):
    code = "permission_denied"
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "You do not have permission to perform this action."
