"""The one exception handler: each kind of domain refusal gets its status and one body."""

import pytest

from core.api_errors import exception_handler
from core.errors import (
    Conflict,
    DomainError,
    Invalid,
    InvalidTransition,
    NotFound,
    NotPermitted,
    Unauthenticated,
    Unavailable,
    Unprocessable,
    UpstreamRefused,
)
from core.locking import LockTimeout


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (DomainError(), 400),
        (Invalid(), 400),
        (Unauthenticated(), 401),
        (NotPermitted(), 403),
        (NotFound(), 404),
        (Conflict(), 409),
        (InvalidTransition(), 409),
        (Unprocessable(), 422),
        (UpstreamRefused(), 502),
        (Unavailable(), 503),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_each_kind_of_refusal_answers_its_status_with_code_and_detail(error, status):
    response = exception_handler(error, {})

    assert (response.status_code, response.data) == (
        status,
        {"code": error.code, "detail": error.detail},
    )
    assert not response.has_header("Retry-After")


def test_what_a_refusal_carries_besides_joins_its_body():
    error = Invalid("Sales must end after they start.", fields={"sales_end": ["Too early."]})

    response = exception_handler(error, {})

    assert response.data == {
        "code": "invalid",
        "detail": "Sales must end after they start.",
        "fields": {"sales_end": ["Too early."]},
    }


def test_a_busy_refusal_says_when_to_try_again():
    response = exception_handler(LockTimeout(), {})

    assert (response.status_code, response["Retry-After"], response.data["code"]) == (
        503,
        "1",
        "busy",
    )
