"""PDF tickets: the fields a door needs, a QR that reads back to the token, stored once."""

import io
import threading

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from pypdf import PdfReader

from bookings.models import Booking
from bookings.tickets import pdf
from bookings.tickets import services as tickets
from bookings.tickets.reissue import campaign_qr_key_rotate
from bookings.tickets.services import TicketsUnavailable, booking_pdf_ensure, ticket_pdf
from tests.concurrency import Meeting
from tests.tickets.conftest import qr_codes

pytestmark = pytest.mark.django_db

A6_POINTS = (297.637795, 419.527559)


def _pages_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as stored:
        return stored.read()


def test_a_group_ticket_page_shows_everything_and_its_qr_reads_back(group_booking, tmp_path):
    ticket = group_booking.tickets.get()

    name = booking_pdf_ensure(booking_id=group_booking.pk)

    assert name.startswith(f"tickets/{group_booking.reference}-")
    content = _stored(name)
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    assert tuple(float(x) for x in reader.pages[0].mediabox[2:]) == pytest.approx(A6_POINTS)
    assert _pages_text(content) == [
        "Rooftop Jazz Night\n"
        "Eko Hall, 1 Marina Road, Lagos\n"
        "Sat 1 Jun 2030, 19:30 – Sun 2 Jun 2030, 00:30 WAT\n"
        "VIP Table\n"
        "Admits 3\n"
        "Holder Grace Holder\n"
        "Entries allowed 6\n"
        "Drinks included Yes\n"
        "Table size 4\n"
        f"Booking {group_booking.reference}\n"
        f"Ticket {ticket.pk} · {group_booking.reference}"
    ]
    assert qr_codes(content, tmp_path) == [ticket.qr_token]


def test_separate_tickets_are_one_page_each_with_their_own_code(
    confirm, holder, table_type, tmp_path
):
    booking = confirm(
        holder, table_type, quantity=2, issuance="separate", holder_names=["Ann", "Ben"]
    )
    first, second = booking.tickets.order_by("pk")

    content = _stored(booking_pdf_ensure(booking_id=booking.pk))

    texts = _pages_text(content)
    assert len(texts) == 2
    assert "Holder Ann\nEntries allowed 2\n" in texts[0]
    assert "Holder Ben\nEntries allowed 2\n" in texts[1]
    assert not any("Admits" in text for text in texts)
    assert qr_codes(content, tmp_path) == [first.qr_token, second.qr_token]


def test_one_ticket_renders_alone(confirm, holder, table_type):
    booking = confirm(holder, table_type, quantity=2, issuance="separate")
    second = booking.tickets.order_by("pk")[1]

    (text,) = _pages_text(ticket_pdf(ticket_id=second.pk))

    assert text.endswith(f"Ticket {second.pk} · {booking.reference}")


def test_the_stored_pdf_is_reused_and_rebuilt_when_missing_or_forced(
    group_booking, monkeypatch, django_capture_on_commit_callbacks
):
    renders = []
    real_render = pdf.render_tickets
    monkeypatch.setattr(pdf, "render_tickets", lambda t: renders.append(1) or real_render(t))

    first = booking_pdf_ensure(booking_id=group_booking.pk)
    assert booking_pdf_ensure(booking_id=group_booking.pk) == first
    assert len(renders) == 1

    default_storage.delete(first)
    rebuilt = booking_pdf_ensure(booking_id=group_booking.pk)
    assert rebuilt != first
    assert default_storage.exists(rebuilt)
    assert len(renders) == 2

    with django_capture_on_commit_callbacks(execute=True):
        forced = booking_pdf_ensure(booking_id=group_booking.pk, force=True)
    assert forced != rebuilt
    assert len(renders) == 3
    assert default_storage.exists(forced)
    assert not default_storage.exists(rebuilt)
    group_booking.refresh_from_db()
    assert group_booking.tickets_pdf.name == forced


def test_a_booking_not_confirmed_has_no_pdf(group_booking):
    Booking.objects.filter(pk=group_booking.pk).update(status=Booking.Status.REFUNDED)

    with pytest.raises(TicketsUnavailable):
        booking_pdf_ensure(booking_id=group_booking.pk)
    with pytest.raises(TicketsUnavailable):
        ticket_pdf(ticket_id=group_booking.tickets.get().pk)

    group_booking.refresh_from_db()
    assert group_booking.tickets_pdf.name == ""
    assert not default_storage.exists("tickets")


def test_a_key_rotation_drops_stored_pdfs_that_print_old_codes(
    group_booking, campaign, django_capture_on_commit_callbacks
):
    name = booking_pdf_ensure(booking_id=group_booking.pk)

    with django_capture_on_commit_callbacks(execute=True):
        campaign_qr_key_rotate(campaign_id=campaign.pk)

    group_booking.refresh_from_db()
    assert group_booking.tickets_pdf.name == ""
    assert not default_storage.exists(name)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locked", [True, False], ids=["row-lock", "no-lock"])
def test_concurrent_requests_render_the_pdf_once(confirm, holder, table_type, monkeypatch, locked):
    """Without the row lock the two callers both render (the race is real); with it, once."""
    booking = confirm(holder, table_type, quantity=1)
    # The confirmation's delivery already rendered one: start from a booking without it.
    Booking.objects.filter(pk=booking.pk).update(tickets_pdf="")
    renders = []
    real_render = pdf.render_tickets
    # Each render waits for the other caller to reach rendering too: without the lock both
    # get there, with it the second is still waiting for the row.
    both_rendering = Meeting(2, locked_out=locked)

    def slow_render(items):
        renders.append(threading.get_ident())
        both_rendering.wait()
        return real_render(items)

    monkeypatch.setattr(pdf, "render_tickets", slow_render)
    if not locked:
        monkeypatch.setattr(tickets, "lock_one", lambda queryset, **lookup: queryset.get(**lookup))
    names = []

    def request():
        try:
            names.append(booking_pdf_ensure(booking_id=booking.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    if locked:
        assert len(renders) == 1
        assert names[0] == names[1]
    else:
        assert len(renders) == 2
