"""A booking is refunded once, however many requests, approvals and seller refunds race.

Real threads against PostgreSQL, each with its own connection. The last test takes the row
locks away (and widens the windows they close) to show the race they prevent: two approvals
of one request then both send the refund to the gateway.
"""

import time

import pytest

from bookings.models import Booking, Receipt
from campaigns.models import Campaign
from core.errors import Conflict
from finance.models import LedgerEntry
from payments import services
from payments.models import Refund, RefundRequest
from tests.concurrency import run_in_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _policy(booking, kind: str, days: int | None = None) -> None:
    Campaign.objects.filter(pk=booking.campaign_id).update(
        refund_policy=kind, refund_days_before=days
    )


def _refunded_once(booking, flw) -> None:
    assert Booking.objects.get(pk=booking.pk).status == "refunded"
    assert len(flw.calls("POST", "/refund")) == 1
    assert Refund.objects.filter(status="completed").count() == 1
    assert LedgerEntry.objects.filter(booking=booking, kind="refund").count() == 1
    assert Receipt.objects.filter(booking=booking, kind="credit_note").count() == 1


def test_racing_requests_and_seller_refunds_refund_once(flw, pay, booking):
    _policy(booking, "until_days_before", 1)
    pay(booking)
    seller = booking.campaign.seller
    calls = [
        lambda: services.refund_request_create(booking_id=booking.pk, customer=booking.customer)
    ] * 6 + [lambda: services.payment_refund(booking_id=booking.pk, actor=seller)] * 2

    outcomes = run_in_parallel(calls)

    requests = [o for o in outcomes[:6] if isinstance(o, RefundRequest)]
    assert len(requests) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes[:6] if o is not requests[0]), outcomes
    assert RefundRequest.objects.count() == 1
    _refunded_once(booking, flw)


def test_racing_approvals_and_seller_refunds_refund_once(flw, pay, booking):
    _policy(booking, "approval")
    pay(booking)
    request = services.refund_request_create(booking_id=booking.pk, customer=booking.customer)
    seller = booking.campaign.seller
    calls = [lambda: services.refund_request_approve(request_id=request.pk, seller=seller)] * 6
    calls += [lambda: services.payment_refund(booking_id=booking.pk, actor=seller)] * 2

    outcomes = run_in_parallel(calls)

    approvals = [o for o in outcomes[:6] if isinstance(o, RefundRequest)]
    assert len(approvals) == 1, outcomes
    assert sum(isinstance(o, Conflict) for o in outcomes[:6]) == 5, outcomes
    assert RefundRequest.objects.get().status == "refunded"
    _refunded_once(booking, flw)


@pytest.mark.parametrize(("locked", "gateway_refunds"), [(True, 1), (False, 2)])
def test_without_the_row_locks_two_approvals_would_refund_twice(
    flw, pay, booking, monkeypatch, locked, gateway_refunds
):
    _policy(booking, "approval")
    pay(booking)
    request = services.refund_request_create(booking_id=booking.pk, customer=booking.customer)
    seller = booking.campaign.seller
    real_lock_one = services.lock_one

    def slow_lock_one(queryset, **lookup):
        """What the lock returns, read slowly: without the lock both callers read it first."""
        row = real_lock_one(queryset, **lookup) if locked else queryset.get(**lookup)
        time.sleep(0.3)
        return row

    real_create = Refund.objects.create

    def slow_create(**fields):
        """Record the refund about to be sent, late: the window a second sender could use."""
        time.sleep(0.3)
        return real_create(**fields)

    monkeypatch.setattr(services, "lock_one", slow_lock_one)
    monkeypatch.setattr(Refund.objects, "create", slow_create)

    outcomes = run_in_parallel(
        [lambda: services.refund_request_approve(request_id=request.pk, seller=seller)] * 2
    )

    approved = [o for o in outcomes if isinstance(o, RefundRequest)]
    assert len(approved) == (1 if locked else 2), outcomes
    assert len(flw.calls("POST", "/refund")) == gateway_refunds
    assert Refund.objects.count() == gateway_refunds
