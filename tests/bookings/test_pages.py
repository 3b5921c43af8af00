"""The bookings pages: book from the campaign page, the booking page, lists, the seller view."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from campaigns.models import Campaign, TicketType
from tests.factories import SellerFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _book_form(ticket_type, quantity, **extra):
    return {
        f"quantity_{ticket_type.pk}": quantity,
        "issuance": "separate",
        "holder_1_name": " Ada ",
        "holder_1_email": "ada@example.com",
        "holder_2_name": "Bola",
        "idempotency_key": "form-1",
        **extra,
    }


def test_booking_form_holds_seats_and_lands_on_the_booking_page(client, customer, ticket_type):
    client.force_login(customer)
    url = f"/campaigns/{ticket_type.campaign.slug}/book/"

    response = client.post(url, _book_form(ticket_type, 2))
    again = client.post(url, _book_form(ticket_type, 2))

    booking = Booking.objects.get()
    assert response.status_code == again.status_code == 302
    assert response["Location"] == again["Location"] == f"/bookings/{booking.pk}/"
    assert booking.holder_names == ["Ada", "Bola"]
    assert booking.holder_emails == ["ada@example.com", ""]
    assert booking.issuance == "separate"
    assert TicketType.objects.get(pk=ticket_type.pk).reserved == 2
    page = client.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    assert 'id="countdown"' in content
    assert (
        '<li class="total"><span>Total</span><span class="money">NGN\xa05,000.00</span></li>'
        in (content)
    )
    assert "Pay NGN\xa05,000.00</button>" in content
    assert booking.reference in content


def _quantity_error(html: str, ticket_type) -> str:
    """The error list printed beside a ticket type's quantity."""
    row = html.split(f'data-ticket-option="{ticket_type.pk}"')[1].split("</li>\n")[0]
    return row.split(f'<ul class="errorlist" id="quantity_{ticket_type.pk}_error">')[1].split(
        "</ul>"
    )[0]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("11", "General: at most 10 per booking."),
        ("-1", "General: choose 0 or more."),
        ("two", "General: enter a whole number."),
    ],
)
def test_a_refused_quantity_is_named_beside_its_type_and_everything_typed_stays(
    client, customer, ticket_type, quantity, message
):
    vip = TicketTypeFactory(campaign=ticket_type.campaign, name="VIP", max_per_booking=4)
    client.force_login(customer)

    response = client.post(
        f"/campaigns/{ticket_type.campaign.slug}/book/",
        {**_book_form(ticket_type, quantity), f"quantity_{vip.pk}": "3"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert _quantity_error(html, ticket_type) == f"<li>{message}</li>"
    assert f'name="quantity_{ticket_type.pk}" min="0" max="10" value="{quantity}"' in html
    assert f'aria-invalid="true" aria-describedby="quantity_{ticket_type.pk}_error"' in html
    assert f'name="quantity_{vip.pk}" min="0" max="4" value="3">' in html
    assert 'value="separate" required id="id_issuance_1" checked' in html
    assert 'name="holder_1_name" value=" Ada " maxlength="150" id="id_holder_1_name">' in html
    assert 'name="holder_1_email" value="ada@example.com" maxlength="254"' in html
    assert f'action="/campaigns/{ticket_type.campaign.slug}/book/#tickets"' in html
    assert Booking.objects.count() == 0
    assert TicketType.objects.get(pk=vip.pk).reserved == 0


def test_choosing_nothing_is_refused_above_the_list(client, customer, ticket_type):
    client.force_login(customer)

    response = client.post(
        f"/campaigns/{ticket_type.campaign.slug}/book/", _book_form(ticket_type, 0)
    )

    assert response.status_code == 200
    assert (
        '<ul class="errorlist nonfield"><li>Choose at least one ticket.</li></ul>'
        in response.content.decode()
    )
    assert Booking.objects.count() == 0


def test_a_sold_out_type_is_named_beside_it_with_what_is_left(client, customer, ticket_type):
    client.force_login(customer)
    TicketType.objects.filter(pk=ticket_type.pk).update(capacity=1)

    response = client.post(
        f"/campaigns/{ticket_type.campaign.slug}/book/", _book_form(ticket_type, 2)
    )

    html = response.content.decode()
    assert _quantity_error(html, ticket_type) == "<li>General: only 1 left.</li>"
    assert f'name="quantity_{ticket_type.pk}" min="0" max="10" value="2"' in html
    assert Booking.objects.count() == 0
    assert TicketType.objects.get(pk=ticket_type.pk).reserved == 0


def test_a_campaign_no_longer_on_sale_sends_the_form_back_with_a_message(
    client, customer, ticket_type
):
    Campaign.objects.filter(pk=ticket_type.campaign_id).update(status=Campaign.Status.ENDED)
    client.force_login(customer)

    response = client.post(
        f"/campaigns/{ticket_type.campaign.slug}/book/", _book_form(ticket_type, 1)
    )

    assert response.status_code == 302
    assert response["Location"] == ticket_type.campaign.get_absolute_url()
    assert [str(m) for m in response.wsgi_request._messages] == ["This campaign is not on sale."]
    assert Booking.objects.count() == 0


def test_booking_pages_need_sign_in(client, ticket_type):
    assert client.get("/bookings/").status_code == 302
    response = client.post(
        f"/campaigns/{ticket_type.campaign.slug}/book/", _book_form(ticket_type, 1)
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Booking.objects.count() == 0


def test_my_bookings_lists_mine_only_and_others_booking_page_is_404(
    client, customer, ticket_type, book
):
    mine = book(customer, ticket_type)
    theirs = book(UserFactory(), ticket_type)
    client.force_login(customer)

    listing = client.get("/bookings/").content.decode()

    assert mine.reference in listing
    assert theirs.reference not in listing
    assert '<span class="badge badge--warning">Awaiting payment</span>' in listing
    assert client.get(f"/bookings/{theirs.pk}/").status_code == 404


def test_a_pending_booking_page_counts_down_the_servers_seconds_and_offers_pay(
    client, customer, ticket_type, book, settings
):
    settings.BOOKING_HOLD_SECONDS = 600
    booking = book(customer, ticket_type)
    client.force_login(customer)

    content = client.get(f"/bookings/{booking.pk}/").content.decode()

    # The server's own count (rounded up), whatever the phone's clock says.
    assert re.search(r'data-seconds-left="(\d+)"', content).group(1) in ("600", "599")
    assert 'data-testid="pay"' in content
    assert "Cancel booking" in content
    assert 'id="hold-ended"' not in content


@pytest.mark.parametrize("released", [True, False], ids=["expired", "overdue_not_yet_released"])
def test_an_ended_hold_page_says_it_expired_and_offers_to_book_again_never_to_pay(
    client, customer, ticket_type, book, released
):
    booking = book(customer, ticket_type, quantity=2)
    Booking.objects.filter(pk=booking.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    if released:
        services.expire_all_overdue_holds()
    client.force_login(customer)

    content = client.get(f"/bookings/{booking.pk}/").content.decode()
    listing = client.get("/bookings/").content.decode()

    assert '<span class="badge">Expired</span>' in content
    assert "This booking has expired.</h2>" in content
    assert f'href="/campaigns/{ticket_type.campaign.slug}/#tickets">Book again</a>' in content
    assert 'data-testid="pay"' not in content
    assert f"/payments/pay/{booking.pk}/" not in content
    assert "Cancel booking" not in content
    assert 'id="countdown"' not in content
    assert '<span class="badge">Expired</span>' in listing
    # Showing the page releases nothing: that is the booking path's and the job's work.
    assert Booking.objects.get(pk=booking.pk).status == (
        "expired" if released else "pending_payment"
    )


def test_cancel_from_the_booking_page(client, customer, ticket_type, book):
    booking = book(customer, ticket_type, quantity=2)
    client.force_login(customer)

    response = client.post(f"/bookings/{booking.pk}/cancel/")

    assert response.status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"
    assert TicketType.objects.get(pk=ticket_type.pk).reserved == 0
    assert client.post(f"/bookings/{booking.pk}/cancel/").status_code == 302
    assert (
        client.post(f"/bookings/{book(UserFactory(), ticket_type).pk}/cancel/").status_code == 404
    )


def test_seller_sees_bookings_of_own_campaign_only(client, customer, ticket_type, book):
    booking = book(customer, ticket_type, quantity=2)
    services.confirm_booking(booking_id=booking.pk, source="webhook")
    url = f"/seller/campaigns/{ticket_type.campaign_id}/bookings/"

    client.force_login(ticket_type.campaign.seller)
    page = client.get(url)
    assert page.status_code == 200
    assert booking.reference in page.content.decode()
    assert "customer@example.com" in page.content.decode()

    client.force_login(SellerFactory())
    assert client.get(url).status_code == 404
    client.force_login(customer)
    assert client.get(url).status_code == 403


def test_campaign_page_offers_the_booking_form_to_signed_in_users(client, customer, ticket_type):
    url = f"/campaigns/{ticket_type.campaign.slug}/"

    anonymous = client.get(url).content.decode()
    client.force_login(customer)
    signed_in = client.get(url).content.decode()

    assert '<form method="post" action="/accounts/google/login/">' in anonymous
    assert "Sign in with Google</button>" in anonymous
    assert f'name="quantity_{ticket_type.pk}"' not in anonymous
    assert f'action="/campaigns/{ticket_type.campaign.slug}/book/#tickets"' in signed_in
    assert f'name="quantity_{ticket_type.pk}"' in signed_in


def test_a_confirmed_booking_links_to_its_tickets_and_their_pdfs(
    client, customer, ticket_type, confirm
):
    booking = confirm(customer, ticket_type, quantity=2, issuance="separate")
    first, second = booking.tickets.order_by("pk")
    client.force_login(customer)

    html = client.get(f"/bookings/{booking.pk}/").content.decode()

    assert '<span class="badge badge--success">Confirmed</span>' in html
    assert f'href="/tickets/#ticket-{first.pk}">Show my tickets</a>' in html
    assert f'href="/api/v1/bookings/{booking.pk}/pdf/" download>Download all (PDF)</a>' in html
    for ticket in (first, second):
        assert f'href="/api/v1/tickets/{ticket.pk}/pdf/" download>PDF' in html
    assert 'id="countdown"' not in html


def test_an_expired_booking_says_the_seats_were_released_and_offers_to_book_again(
    client, customer, ticket_type, book
):
    booking = book(customer, ticket_type)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.EXPIRED)
    client.force_login(customer)

    html = client.get(f"/bookings/{booking.pk}/").content.decode()

    assert "so they went back on sale; nothing was charged." in html
    assert f'href="{ticket_type.campaign.get_absolute_url()}#tickets">Book again</a>' in html
    assert 'data-testid="pay"' not in html


def test_without_bookings_the_list_says_what_to_do_next(client, customer):
    client.force_login(customer)

    html = client.get("/bookings/").content.decode()

    assert "No bookings yet." in html
    assert '<a class="button" href="/">Find something to go to</a>' in html


def test_the_seller_downloads_the_attendee_list_one_row_per_ticket(
    client, customer, ticket_type, book, confirm
):
    from asgiref.sync import async_to_sync

    from bookings.tickets import holders

    kept = confirm(customer, ticket_type, quantity=2, issuance="separate")
    first, given = kept.tickets.order_by("pk")
    kept.tickets.filter(pk=first.pk).update(holder_name="=HYPERLINK(1)")  # a formula, defused
    kept.tickets.filter(pk=given.pk).update(holder_name="Bola")
    new = holders.ticket_transfer(
        ticket_id=given.pk, user=customer, email="femi@example.com", name="Femi"
    )
    book(UserFactory(), ticket_type, quantity=1)  # pending: not an attendee
    url = f"/seller/campaigns/{ticket_type.campaign_id}/attendees.csv"

    client.force_login(ticket_type.campaign.seller)
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="attendees-{ticket_type.campaign.slug}.csv"'
    )

    async def collect(stream):
        return [chunk async for chunk in stream]

    lines = b"".join(async_to_sync(collect)(response.streaming_content)).decode().splitlines()
    assert lines[0] == (
        "ticket,booking,ticket_type,holder_name,holder_email,buyer_name,buyer_email,status,"
        "admits,entries_used,entries_allowed,confirmed_at"
    )
    rows = [line.split(",") for line in lines[1:]]
    assert [(r[0], r[3], r[4], r[6], r[7]) for r in rows] == [
        (str(first.pk), "'=HYPERLINK(1)", "", customer.email, "valid"),
        (str(given.pk), "Bola", "", customer.email, "void"),
        (str(new.pk), "Femi", "femi@example.com", customer.email, "valid"),
    ]
    assert {r[1] for r in rows} == {kept.reference}

    client.force_login(SellerFactory())
    assert client.get(url).status_code == 404
    client.force_login(customer)
    assert client.get(url).status_code == 403
