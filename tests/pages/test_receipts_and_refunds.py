"""In headless Chromium: the receipt PDF downloaded from the booking page, read back with
pypdf; a refund request made on the booking page and declined on the seller's page."""

import io

import pytest
from pypdf import PdfReader

from bookings import services as booking_services
from bookings.receipts import services as receipts
from campaigns.models import Campaign
from payments.models import RefundRequest
from tests.factories import CampaignFactory, TicketTypeFactory, UserFactory, booked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_SERIOUS = """async () => (await axe.run(document)).violations
  .filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)"""


@pytest.fixture
def paid(db):
    """Ada's paid booking of two Standing and one Table, under the seller's approval policy."""
    campaign = CampaignFactory(title="Rooftop Jazz", refund_policy="approval")
    standing = TicketTypeFactory(campaign=campaign, name="Standing", price="5000.00")
    booking = booked(UserFactory(name="Ada Obi"), standing, 2)
    booking_services.confirm_booking(booking_id=booking.pk, source="test")
    receipts.receipt_issue(booking_id=booking.pk, payment_reference="TK-BROWSER-1")
    return booking


def _fits_a_phone_and_is_accessible(page) -> None:
    from tests.pages.test_browser import AXE

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(AXE_SERIOUS) == []


def test_the_receipt_downloads_from_the_booking_page_with_number_lines_and_total(
    live_server, chromium_page_as, paid
):
    page = chromium_page_as(paid.customer)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/bookings/{paid.pk}/")
    _fits_a_phone_and_is_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF of receipt R-000001").click()

    assert download.value.suggested_filename == "R-000001.pdf"
    with open(download.value.path(), "rb") as pdf:
        reader = PdfReader(io.BytesIO(pdf.read()))
    text = "\n".join(p.extract_text() for p in reader.pages).replace("\xa0", " ")
    assert "Receipt R-000001" in text
    assert "Standing 2 NGN 5,000.00 NGN 10,000.00" in text
    assert "Total paid NGN 10,000.00" in text
    assert "TK-BROWSER-1" in text
    assert errors == []


def test_a_refund_request_made_on_the_booking_page_is_declined_on_the_sellers_page(
    live_server, chromium_page_as, paid
):
    from playwright.sync_api import expect

    page = chromium_page_as(paid.customer)
    page.goto(f"{live_server.url}/bookings/{paid.pk}/")
    expect(page.get_by_text("The organiser decides each refund request.")).to_be_visible()
    page.fill("#refund-reason", "My flight was cancelled.")
    page.get_by_role("button", name="Request a refund").click()
    expect(page.get_by_text("Refund requested: the organiser will decide soon.")).to_be_visible()
    expect(page.locator("#refund")).to_contain_text("You asked for a refund on")

    seller_page = chromium_page_as(Campaign.objects.get().seller)
    seller_page.goto(f"{live_server.url}/seller/refund-requests/")
    card = seller_page.locator(f"#refund-request-{RefundRequest.objects.get().pk}")
    expect(card).to_contain_text("My flight was cancelled.")
    _fits_a_phone_and_is_accessible(seller_page)
    card.get_by_label("Reason for declining").fill("Tickets are not refundable this close.")
    card.get_by_role("button", name="Decline").click()
    expect(seller_page.get_by_text("Declined; the customer sees your reason.")).to_be_visible()

    page = chromium_page_as(paid.customer)  # one browser profile: sign the customer in again
    page.goto(f"{live_server.url}/bookings/{paid.pk}/")
    expect(page.locator("#refund")).to_contain_text(
        "The organiser declined your refund request: “Tickets are not refundable this close.”"
    )
    request = RefundRequest.objects.get()
    assert (request.status, request.decision_reason) == (
        "declined",
        "Tickets are not refundable this close.",
    )
    assert paid.__class__.objects.get(pk=paid.pk).status == "confirmed"
