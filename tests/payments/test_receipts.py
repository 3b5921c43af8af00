"""Receipts and credit notes: issued when a booking is paid and when it is refunded, numbered
per seller without gaps, downloadable by the buyer and the seller, attached to the e-mails."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from pypdf import PdfReader

from bookings.models import Receipt
from campaigns.models import Campaign
from payments import services
from tests.factories import (
    CampaignFactory,
    SellerApplicationFactory,
    SellerFactory,
    SuperAdminFactory,
    TicketTypeFactory,
    UserFactory,
    booked,
)

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    """The PDF's text, money's no-break spaces read as spaces."""
    pages = PdfReader(io.BytesIO(content)).pages
    return "\n".join(page.extract_text() for page in pages).replace("\xa0", " ")


def _url(booking, kind: str = "") -> str:
    return f"/api/v1/bookings/{booking.pk}/receipt/" + (f"?kind={kind}" if kind else "")


@pytest.fixture
def business(ticket_type):
    """The seller's approved application: the name and contact a receipt prints."""
    return SellerApplicationFactory(
        user=ticket_type.campaign.seller,
        business_name="Eko Nights Ltd",
        business_address="12 Marina Road, Lagos Island",
        phone="+234 801 234 5678",
        country="NG",
        status="approved",
    )


def test_a_paid_booking_gets_receipt_one_of_its_seller_with_lines_total_and_reference(
    flw, pay, booking, business, client_for
):
    payment = pay(booking)

    receipt = Receipt.objects.get(booking=booking)
    assert (receipt.kind, receipt.number, receipt.display_number) == ("receipt", 1, "R-000001")
    assert (receipt.seller_name, receipt.seller_details) == (
        "Eko Nights Ltd",
        [
            "12 Marina Road, Lagos Island",
            "Nigeria",
            "+234 801 234 5678",
            booking.campaign.seller.email,
        ],
    )
    assert receipt.lines == [
        {"description": "Regular", "quantity": 2, "unit_price": "2500.00", "amount": "5000.00"}
    ]
    assert (receipt.total, receipt.vat_rate, receipt.vat_amount) == (5000, 0, 0)
    assert receipt.payment_reference == payment.tx_ref
    customer = client_for(booking.customer)
    assert customer.get(f"/api/v1/bookings/{booking.pk}/").json()["receipt_number"] == "R-000001"

    response = customer.get(_url(booking))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="R-000001.pdf"'
    text = pdf_text(response.content)
    for printed in (
        "Receipt R-000001",
        "Eko Nights Ltd",
        "12 Marina Road, Lagos Island",
        "Regular",
        "NGN 2,500.00",
        "Total paid",
        "NGN 5,000.00",
        "No VAT charged",
        payment.tx_ref,
        booking.reference,
        "Ada Customer",
    ):
        assert printed in text


def test_vat_included_in_the_prices_is_shown_as_the_tax_part_of_the_total(
    flw, pay, booking, client_for
):
    Campaign.objects.filter(pk=booking.campaign_id).update(vat_rate=Decimal("7.50"))

    pay(booking)

    receipt = Receipt.objects.get(booking=booking)
    # 5000.00 * 7.5 / 107.5 = 348.837... -> 348.84; the net is what is left.
    assert (receipt.vat_rate, receipt.vat_amount, receipt.net_amount) == (
        Decimal("7.50"),
        Decimal("348.84"),
        Decimal("4651.16"),
    )
    text = pdf_text(client_for(booking.customer).get(_url(booking)).content)
    assert "VAT 7.50% (included)" in text
    assert "NGN 348.84" in text
    assert "NGN 4,651.16" in text
    assert "NGN 5,000.00" in text


def test_numbers_run_on_per_seller_and_another_seller_starts_at_one(flw, pay, book, ticket_type):
    other_type = TicketTypeFactory(campaign=CampaignFactory(seller=SellerFactory()), price=100)
    first, second = book(), book()

    pay(first)
    pay(second)
    pay(booked(UserFactory(), other_type, 1))

    assert sorted(Receipt.objects.values_list("seller_id", "number")) == sorted(
        [
            (ticket_type.campaign.seller_id, 1),
            (ticket_type.campaign.seller_id, 2),
            (other_type.campaign.seller_id, 1),
        ]
    )
    assert Receipt.objects.get(booking=second).display_number == "R-000002"


def test_without_an_application_the_receipt_names_the_seller_account(flw, pay, booking):
    seller = booking.campaign.seller

    pay(booking)

    receipt = Receipt.objects.get(booking=booking)
    assert (receipt.seller_name, receipt.seller_details) == (seller.name, [seller.email])


def test_the_tickets_email_carries_the_receipt_pdf_too(
    flw, pay, booking, business, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pay(booking)

    [message] = mail.outbox
    names = [name for name, _, _ in message.attachments]
    assert names == [
        f"tickets-{booking.reference}.pdf",
        "R-000001.pdf",
        f"{booking.campaign.slug}.ics",
    ]
    assert "Receipt R-000001" in pdf_text(message.attachments[1][1])
    assert "Your receipt R-000001 is attached too." in message.body
    assert "Your receipt R-000001 is attached too." in message.alternatives[0][0]


def test_the_buyer_the_seller_and_a_super_admin_download_it_nobody_else(
    flw, pay, booking, client_for, api_client
):
    pay(booking)
    allowed = [booking.customer, booking.campaign.seller, SuperAdminFactory()]
    refused = [UserFactory(), SellerFactory()]

    assert [client_for(user).get(_url(booking)).status_code for user in allowed] == [200] * 3
    for user in refused:
        response = client_for(user).get(_url(booking))
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert api_client.get(_url(booking)).status_code == 401


def test_no_document_before_payment_nor_a_credit_note_before_a_refund(
    flw, pay, booking, client_for
):
    customer = client_for(booking.customer)
    assert customer.get(_url(booking)).status_code == 404
    assert customer.get(f"/api/v1/bookings/{booking.pk}/").json()["receipt_number"] is None

    pay(booking)

    assert customer.get(_url(booking, "credit_note")).status_code == 404
    response = customer.get(_url(booking, "invoice"))
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert Receipt.objects.count() == 1


def test_a_refund_issues_a_credit_note_with_its_own_number_and_mails_it(
    flw, pay, booking, client_for, django_capture_on_commit_callbacks
):
    payment = pay(booking)

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(booking_id=booking.pk, actor=booking.campaign.seller)

    note = Receipt.objects.get(booking=booking, kind="credit_note")
    assert (note.number, note.display_number, note.total) == (1, "CN-000001", 5000)
    assert note.payment_reference == payment.tx_ref
    response = client_for(booking.customer).get(_url(booking, "credit_note"))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Credit note CN-000001" in text
    assert "Total refunded" in text
    assert "NGN 5,000.00" in text
    [message] = mail.outbox
    assert message.subject == f"Refund of booking {booking.reference} completed"
    assert [name for name, _, _ in message.attachments] == ["CN-000001.pdf"]
    assert "Credit note CN-000001" in pdf_text(message.attachments[0][1])

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(booking_id=booking.pk, actor=booking.campaign.seller)

    assert Receipt.objects.filter(kind="credit_note").count() == 1
    assert len(mail.outbox) == 1
