"""Fixtures of the tickets tests: a confirmed booking with tickets, files in a temp dir."""

import io
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
import zxingcpp
from django.core import mail
from PIL import Image
from pypdf import PdfReader

from tests.factories import CampaignFactory, TicketTypeFactory, UserFactory

# poppler-utils (scripts/system-deps.sh): renders PDF pages to images.
PDFTOPPM = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"
# 19:30 in Lagos (UTC+1), where the campaign happens.
STARTS_AT = datetime(2030, 6, 1, 18, 30, tzinfo=UTC)
HOLDERS = [
    {"name": "Grace Holder", "email": "grace@example.com"},
    {"name": "Tola Friend"},
    {"name": "Kwame Mensah", "email": ""},
]


def qr_codes(content: bytes, tmp_path) -> list[str]:
    """Render each page to an image, as a phone camera would see it, and read its QR code."""
    source = tmp_path / "tickets.pdf"
    source.write_bytes(content)
    command = [PDFTOPPM, "-r", "150", "-png", source, tmp_path / "page"]
    subprocess.run(command, check=True)  # noqa: S603 (fixed arguments, no shell)
    codes = []
    for image in sorted(tmp_path.glob("page-*.png")):
        (found,) = zxingcpp.read_barcodes(Image.open(image))
        assert found.format == zxingcpp.BarcodeFormat.QRCode
        codes.append(found.text)
    return codes


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Rendered PDFs go to a directory of this test, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def campaign(db):
    return CampaignFactory(
        title="Rooftop Jazz Night",
        venue_name="Eko Hall",
        venue_address="1 Marina Road",
        city="Lagos",
        timezone="Africa/Lagos",
        starts_at=STARTS_AT,
        ends_at=STARTS_AT + timedelta(hours=5),
    )


@pytest.fixture
def table_type(campaign):
    return TicketTypeFactory(
        campaign=campaign,
        name="VIP Table",
        price="10000.00",
        capacity=20,
        scans_allowed=2,
        attributes={"table_size": 4, "drinks_included": True},
    )


@pytest.fixture
def holder(db):
    return UserFactory(email="holder@example.com", name="Grace Holder")


@pytest.fixture
def group_booking(confirm, holder, table_type):
    """One group ticket admitting 3, held by Grace."""
    return confirm(holder, table_type, quantity=3, issuance="single")


@pytest.fixture
def trio(holder, table_type):
    """Grace's confirmed `separate` booking of three tickets named by HOLDERS (its e-mail
    cleared)."""
    from bookings import services
    from bookings.models import Booking

    booking = services.booking_create(
        customer=holder,
        campaign_id=table_type.campaign_id,
        items=[{"ticket_type": table_type.pk, "quantity": 3}],
        issuance="separate",
        holders=HOLDERS,
    )
    services.confirm_booking(booking_id=booking.pk, source="test")
    mail.outbox.clear()
    return Booking.objects.get(pk=booking.pk)
