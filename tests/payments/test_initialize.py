"""Opening a checkout: what reaches Flutterwave, one live payment per booking, refusals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import Booking
from payments.models import Payment
from tests.factories import UserFactory
from tests.payments.conftest import SECRET_KEY

pytestmark = pytest.mark.django_db

URL = "/api/v1/payments/initialize/"


def test_initialize_sends_amount_currency_customer_redirect_and_bearer_key(
    flw, booking, customer, client_for
):
    response = client_for(customer).post(URL, {"booking": booking.pk}, format="json")

    assert response.status_code == 200
    payment = Payment.objects.get()
    assert response.json() == {
        "payment_link": f"https://checkout.flutterwave.test/v3/hosted/pay/{payment.tx_ref}",
        "tx_ref": payment.tx_ref,
    }
    [call] = flw.calls("POST", "/v3/payments")
    assert call.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    sent = call.json()
    assert sent["tx_ref"] == payment.tx_ref
    assert sent["amount"] == "5000.00"
    assert sent["currency"] == "NGN"
    assert sent["redirect_url"] == "https://tickets.example.com/payments/return/"
    assert sent["customer"] == {
        "email": "customer@example.com",
        "name": "Ada Customer",
        "phonenumber": customer.phone,
    }
    assert sent["customizations"]["title"] == "Afrobeats Live"
    assert sent["meta"] == {"booking": booking.pk, "reference": booking.reference}
    assert (payment.status, payment.amount, payment.currency, payment.gateway) == (
        "pending",
        Decimal("5000.00"),
        "NGN",
        "flutterwave",
    )
    assert payment.checkout_link == response.json()["payment_link"]


def test_a_second_initialize_returns_the_live_payment_without_calling_the_gateway(
    flw, booking, customer, client_for
):
    client = client_for(customer)
    first = client.post(URL, {"booking": booking.pk}, format="json").json()
    second = client.post(URL, {"booking": booking.pk}, format="json").json()

    assert second == first
    assert Payment.objects.count() == 1
    assert len(flw.calls("POST", "/v3/payments")) == 1


def test_gateway_down_during_initialize_answers_503_and_the_retry_reuses_the_tx_ref(
    flw, stub_server, booking, customer, client_for
):
    stub_server.route("POST", "/v3/payments", lambda request: (503, {"status": "error"}))
    client = client_for(customer)

    response = client.post(URL, {"booking": booking.pk}, format="json")

    assert response.status_code == 503
    assert response.json()["code"] == "gateway_unavailable"
    payment = Payment.objects.get()
    assert (payment.status, payment.checkout_link) == ("created", "")
    assert len(flw.calls("POST", "/v3/payments")) == 1  # a POST is never retried

    stub_server.route("POST", "/v3/payments", flw._initialize)
    retried = client.post(URL, {"booking": booking.pk}, format="json")
    assert retried.status_code == 200
    assert retried.json()["tx_ref"] == payment.tx_ref
    assert Payment.objects.get().status == "pending"


def test_someone_elses_booking_is_404_and_opens_nothing(flw, booking, client_for):
    response = client_for(UserFactory()).post(URL, {"booking": booking.pk}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Payment.objects.count() == 0
    assert flw.calls("POST") == []


def test_anonymous_is_refused(flw, booking, client_for):
    response = client_for(None).post(URL, {"booking": booking.pk}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(
    "body", [{}, {"booking": "abc"}, {"booking": 0}, {"booking": None}, {"booking": [1]}]
)
def test_malformed_bodies_are_400_and_open_nothing(flw, booking, customer, client_for, body):
    response = client_for(customer).post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "booking" in response.json()["fields"]
    assert Payment.objects.count() == 0


def test_an_expired_hold_cannot_be_paid(flw, booking, customer, client_for):
    Booking.objects.filter(pk=booking.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client_for(customer).post(URL, {"booking": booking.pk}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "not_payable"
    assert Payment.objects.count() == 0
    assert flw.calls("POST") == []


def test_a_cancelled_booking_cannot_be_paid(flw, booking, customer, client_for):
    Booking.objects.filter(pk=booking.pk).update(status="cancelled")

    response = client_for(customer).post(URL, {"booking": booking.pk}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "not_payable"
    assert Payment.objects.count() == 0


def test_initialize_is_throttled_by_the_payment_scope(flw, booking, customer, client_for, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "payment": "2/min",
        },
    }
    client = client_for(customer)
    codes = [client.post(URL, {"booking": booking.pk}, format="json").status_code for _ in range(3)]

    assert codes == [200, 200, 429]
