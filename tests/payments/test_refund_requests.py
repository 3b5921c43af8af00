"""Refund requests under each campaign's policy: refunded at once until N days before the
start, decided by the seller under "approval", refused (nothing changes) otherwise."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AuditEvent
from bookings.models import Booking, Receipt
from campaigns.models import Campaign
from finance.models import LedgerEntry
from payments import services
from payments.models import Payment, Refund, RefundRequest
from tests.factories import SellerFactory, SuperAdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def _policy(booking, kind: str, days: int | None = None) -> None:
    Campaign.objects.filter(pk=booking.campaign_id).update(
        refund_policy=kind, refund_days_before=days
    )


def _request_url(booking) -> str:
    return f"/api/v1/bookings/{booking.pk}/refund-request/"


def _refund_calls(flw) -> int:
    return len(flw.calls("POST", "/refund"))


def _unchanged(booking, flw) -> None:
    """Nothing moved: no request, the booking paid, no refund sent, no credit note."""
    assert RefundRequest.objects.count() == 0
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"
    assert _refund_calls(flw) == 0
    assert not Receipt.objects.filter(kind="credit_note").exists()
    assert not LedgerEntry.objects.filter(kind="refund").exists()


@pytest.mark.django_db(transaction=True)
def test_within_the_days_before_the_start_the_refund_goes_through_at_once(
    flw, pay, booking, client_for
):
    _policy(booking, "until_days_before", 3)  # the campaign starts in 7 days
    payment = pay(booking)
    mail.outbox.clear()

    response = client_for(booking.customer).post(
        _request_url(booking), {"reason": "I am ill."}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    request = RefundRequest.objects.get()
    assert {k: body[k] for k in ("id", "booking", "status", "reason")} == {
        "id": request.pk,
        "booking": booking.pk,
        "status": "refunded",
        "reason": "I am ill.",
    }
    assert Booking.objects.get(pk=booking.pk).status == "refunded"
    assert Payment.objects.get(pk=payment.pk).status == "refunded"
    assert _refund_calls(flw) == 1
    assert list(LedgerEntry.objects.filter(kind="refund").values_list("amount", flat=True)) == [
        -5000
    ]
    assert Receipt.objects.get(kind="credit_note").display_number == "CN-000001"
    assert [m.subject for m in mail.outbox] == [f"Refund of booking {booking.reference} completed"]
    event = AuditEvent.objects.get(action="refund.requested")
    assert (event.actor, event.metadata) == (
        booking.customer,
        {"request": request.pk, "automatic": True},
    )


@pytest.mark.parametrize(
    ("kind", "days", "detail"),
    [
        ("none", None, "This campaign does not refund bookings on request."),
        ("until_days_before", 10, "Refunds were possible until 10 days before the start."),
    ],
)
def test_outside_the_policy_the_request_is_refused_and_nothing_changes(
    flw, pay, booking, client_for, kind, days, detail
):
    _policy(booking, kind, days)
    pay(booking)

    response = client_for(booking.customer).post(_request_url(booking), {}, format="json")

    assert response.status_code == 409
    assert response.json() == {"code": "refund_not_allowed", "detail": detail}
    _unchanged(booking, flw)


def test_once_the_campaign_started_no_refund_is_requested(flw, pay, booking, client_for):
    _policy(booking, "approval")
    pay(booking)
    Campaign.objects.filter(pk=booking.campaign_id).update(
        starts_at=timezone.now() - timedelta(minutes=1)
    )

    response = client_for(booking.customer).post(_request_url(booking), {}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "refund_not_allowed")
    _unchanged(booking, flw)


def test_an_unpaid_booking_or_someone_elses_is_refused(flw, booking, client_for):
    _policy(booking, "approval")

    unpaid = client_for(booking.customer).post(_request_url(booking), {}, format="json")
    others = client_for(UserFactory()).post(_request_url(booking), {}, format="json")

    assert (unpaid.status_code, unpaid.json()["code"]) == (409, "refund_not_allowed")
    assert (others.status_code, others.json()["code"]) == (404, "not_found")
    assert RefundRequest.objects.count() == 0


@pytest.mark.parametrize(
    "body", [{"reason": 7}, {"reason": "x" * 1001}, {"reason": None}, ["reason"]]
)
def test_malformed_requests_are_refused_before_anything_happens(
    flw, pay, booking, client_for, body
):
    _policy(booking, "approval")
    pay(booking)

    response = client_for(booking.customer).post(_request_url(booking), body, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    _unchanged(booking, flw)


@pytest.fixture
def pending(flw, pay, booking, client_for):
    """A paid booking's pending request under the seller's approval policy."""
    _policy(booking, "approval")
    pay(booking)
    response = client_for(booking.customer).post(
        _request_url(booking), {"reason": "Flight cancelled."}, format="json"
    )
    assert (response.status_code, response.json()["status"]) == (201, "pending")
    return RefundRequest.objects.get()


def test_under_approval_the_request_waits_and_a_second_one_is_refused(
    flw, pending, booking, client_for
):
    again = client_for(booking.customer).post(_request_url(booking), {}, format="json")

    assert again.status_code == 409
    assert again.json()["detail"] == "A refund of this booking was already requested."
    assert list(RefundRequest.objects.values_list("status", flat=True)) == ["pending"]
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"
    assert _refund_calls(flw) == 0


def test_the_seller_lists_the_requests_of_a_campaign(flw, pending, booking, client_for):
    seller = booking.campaign.seller
    url = f"/api/v1/refund-requests/?campaign={booking.campaign_id}"

    mine = client_for(seller).get(url)
    others = client_for(SellerFactory()).get(url)

    assert mine.status_code == 200
    [row] = mine.json()["results"]
    assert {k: row[k] for k in ("id", "booking", "status", "reason", "decision_reason")} == {
        "id": pending.pk,
        "booking": booking.pk,
        "status": "pending",
        "reason": "Flight cancelled.",
        "decision_reason": "",
    }
    assert others.json()["results"] == []
    assert client_for(booking.customer).get(url).status_code == 403


def test_the_seller_approves_and_the_booking_is_refunded_once(
    flw, pending, booking, client_for, django_capture_on_commit_callbacks
):
    seller = client_for(booking.campaign.seller)
    url = f"/api/v1/refund-requests/{pending.pk}/approve/"

    with django_capture_on_commit_callbacks(execute=True):
        response = seller.post(url)

    assert (response.status_code, response.json()["status"]) == (200, "approved")
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("refunded", booking.campaign.seller)
    assert Booking.objects.get(pk=booking.pk).status == "refunded"
    assert _refund_calls(flw) == 1
    assert AuditEvent.objects.filter(action="refund.request_approved").count() == 1

    again = seller.post(url)

    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    assert _refund_calls(flw) == 1


def test_the_seller_declines_with_a_reason_and_nothing_is_refunded(
    flw, pending, booking, client_for
):
    seller = client_for(booking.campaign.seller)
    url = f"/api/v1/refund-requests/{pending.pk}/decline/"

    missing = seller.post(url, {}, format="json")
    assert (missing.status_code, missing.json()["fields"]) == (
        400,
        {"reason": ["This field is required."]},
    )

    response = seller.post(url, {"reason": "The date was on the ticket."}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decision_reason"]) == (
        "declined",
        "The date was on the ticket.",
    )
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"
    assert _refund_calls(flw) == 0
    # Declined, the customer may ask again.
    again = client_for(booking.customer).post(_request_url(booking), {}, format="json")
    assert (again.status_code, again.json()["status"]) == (201, "pending")


def test_only_the_campaigns_seller_or_a_super_admin_decides(
    flw, pending, booking, client_for, django_capture_on_commit_callbacks
):
    approve = f"/api/v1/refund-requests/{pending.pk}/approve/"

    assert client_for(booking.customer).post(approve).status_code == 403
    other_seller = client_for(SellerFactory()).post(approve)
    assert (other_seller.status_code, other_seller.json()["code"]) == (404, "not_found")
    assert RefundRequest.objects.get().status == "pending"
    assert _refund_calls(flw) == 0

    with django_capture_on_commit_callbacks(execute=True):
        admin = client_for(SuperAdminFactory()).post(approve)

    assert admin.status_code == 200
    assert RefundRequest.objects.get().status == "refunded"


def test_an_approved_request_whose_refund_failed_is_sent_again_by_reconciliation(
    flw, pending, booking, client_for, django_capture_on_commit_callbacks
):
    flw.refund_error = 500
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(booking.campaign.seller).post(
            f"/api/v1/refund-requests/{pending.pk}/approve/"
        )
    assert response.status_code == 200
    assert RefundRequest.objects.get().status == "approved"
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"

    flw.refund_error = None
    later = timezone.now() + timedelta(minutes=5)
    Refund.objects.update(updated_at=timezone.now() - timedelta(minutes=5))  # no answer came
    RefundRequest.objects.update(updated_at=timezone.now() - timedelta(minutes=5))
    counts = services.reconcile_pending_payments(now=later)

    assert counts["refund_requests"] == 1
    assert RefundRequest.objects.get().status == "refunded"
    assert Booking.objects.get(pk=booking.pk).status == "refunded"
    assert Refund.objects.filter(status="completed").count() == 1


def test_a_refund_by_the_seller_settles_the_open_request(flw, pending, booking):
    services.payment_refund(booking_id=booking.pk, actor=booking.campaign.seller)

    assert RefundRequest.objects.get().status == "refunded"
    assert len(flw.calls("POST", "/refund")) == 1


def test_the_seller_is_e_mailed_a_request_to_decide_and_the_buyer_a_decline(
    flw, pay, booking, client_for, django_capture_on_commit_callbacks
):
    _policy(booking, "approval")
    pay(booking)
    mail.outbox.clear()
    seller = booking.campaign.seller

    with django_capture_on_commit_callbacks(execute=True):
        client_for(booking.customer).post(
            _request_url(booking), {"reason": "Flight cancelled."}, format="json"
        )
    [to_seller] = mail.outbox
    request = RefundRequest.objects.get()

    assert to_seller.to == [seller.email]
    assert to_seller.subject == (
        f"Refund request for booking {booking.reference} ({booking.campaign.title})"
    )
    assert "Their reason: Flight cancelled." in to_seller.body
    assert "/seller/refund-requests/" in to_seller.body

    with django_capture_on_commit_callbacks(execute=True):
        client_for(seller).post(
            f"/api/v1/refund-requests/{request.pk}/decline/",
            {"reason": "The date was on the ticket."},
            format="json",
        )
    to_buyer = mail.outbox[-1]

    assert to_buyer.to == [booking.customer.email]
    assert to_buyer.subject == f"Your refund request for {booking.campaign.title} was declined"
    assert "Their reason: The date was on the ticket." in to_buyer.body
    assert "Your booking stays confirmed" in to_buyer.body
    assert len(mail.outbox) == 2


def test_a_request_refunded_at_once_asks_the_seller_nothing(
    flw, pay, booking, client_for, django_capture_on_commit_callbacks
):
    _policy(booking, "until_days_before", days=1)
    pay(booking)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client_for(booking.customer).post(_request_url(booking), {}, format="json")

    assert booking.campaign.seller.email not in [m.to[0] for m in mail.outbox]
