"""Waiting lists through the services: joining, the offer pass on every kind of release,
lapsing, leaving, booking an offer, and the offer e-mail."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from bookings import services
from bookings.models import Booking, Offer, WaitingListEntry
from bookings.waitlist import selectors
from bookings.waitlist import services as waiting_lists
from campaigns.models import TicketType
from core.errors import Invalid, NotFound, NotPermitted
from tests.bookings.conftest import assert_inventory_clean
from tests.factories import CampaignFactory, TicketTypeFactory, UserFactory, booked


@pytest.fixture
def small(campaign):
    """A type of 4 seats, at most 3 per booking."""
    return TicketTypeFactory(campaign=campaign, name="Front row", capacity=4, max_per_booking=3)


@pytest.fixture
def sold_out(small):
    """`small` sold out by two pending bookings of 2 seats; returns them."""
    return [booked(UserFactory(), small, 2), booked(UserFactory(), small, 2)]


def join(customer, ticket_type, quantity):
    return waiting_lists.waiting_list_join(
        customer=customer, ticket_type_id=ticket_type.pk, quantity=quantity
    )


def cancel(booking):
    return services.booking_cancel(booking_id=booking.pk, customer=booking.customer)


def reserved(ticket_type) -> int:
    return TicketType.objects.get(pk=ticket_type.pk).reserved


def statuses(*entries) -> list[str]:
    return [WaitingListEntry.objects.get(pk=e.pk).status for e in entries]


def overdue(*objects):
    """Move the holds or offers past their end."""
    for obj in objects:
        type(obj).objects.filter(pk=obj.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


# --- Joining ------------------------------------------------------------------------------


def test_customers_join_a_sold_out_type_in_order(small, sold_out):
    first, second = UserFactory(), UserFactory()

    entries = [join(first, small, 2), join(second, small, 1)]

    assert [selectors.entry_position(e) for e in entries] == [1, 2]
    assert [(e.customer, e.quantity, e.status) for e in entries] == [
        (first, 2, "waiting"),
        (second, 1, "waiting"),
    ]


def test_a_customers_places_on_a_campaign_are_read_in_one_query(
    campaign, small, sold_out, django_assert_num_queries
):
    other = TicketTypeFactory(campaign=campaign, name="Balcony", capacity=2, max_per_booking=2)
    booked(UserFactory(), other, 2)
    customer = UserFactory()
    for _ in range(2):
        join(UserFactory(), small, 1)
    join(customer, small, 1)
    join(customer, other, 2)

    with django_assert_num_queries(1):
        entries = selectors.entries_active_of_customer(customer=customer, campaign=campaign)

    assert {(e.ticket_type.name, e.position) for e in entries} == {
        ("Front row", 3),
        ("Balcony", 1),
    }
    assert reserved(small) == 4


def test_joining_while_enough_seats_are_on_sale_is_refused(small):
    booked(UserFactory(), small, 2)

    with pytest.raises(waiting_lists.OnSale) as refused:
        join(UserFactory(), small, 2)

    assert refused.value.extra == {"remaining": 2}
    assert not WaitingListEntry.objects.exists()


def test_wanting_more_than_is_left_may_join(small):
    booked(UserFactory(), small, 3)

    entry = join(UserFactory(), small, 2)

    assert selectors.entry_position(entry) == 1


@pytest.mark.parametrize("quantity", [0, 4])
def test_joining_for_a_quantity_outside_the_per_booking_limit_is_refused(small, sold_out, quantity):
    with pytest.raises(Invalid) as refused:
        join(UserFactory(), small, quantity)

    assert refused.value.extra == {"fields": {"quantity": ["Choose 1 to 3 seats."]}}
    assert not WaitingListEntry.objects.exists()


def test_joining_twice_is_refused_and_keeps_one_entry(small, sold_out, customer):
    entry = join(customer, small, 1)

    with pytest.raises(waiting_lists.AlreadyWaiting):
        join(customer, small, 2)

    assert list(WaitingListEntry.objects.values_list("pk", "quantity")) == [(entry.pk, 1)]


def test_hidden_types_and_drafts_have_no_waiting_list(customer):
    hidden = TicketTypeFactory(capacity=1, hidden=True)
    draft = TicketTypeFactory(capacity=1, campaign=CampaignFactory(status="draft"))
    TicketType.objects.update(reserved=1)

    for ticket_type in (hidden, draft):
        with pytest.raises(NotFound):
            join(customer, ticket_type, 1)
    with pytest.raises(NotFound):
        waiting_lists.waiting_list_join(customer=customer, ticket_type_id=999999, quantity=1)
    assert not WaitingListEntry.objects.exists()


def test_a_campaign_no_longer_on_sale_has_no_waiting_list(customer):
    ticket_type = TicketTypeFactory(capacity=1, campaign=CampaignFactory(status="ended"))

    with pytest.raises(waiting_lists.WaitingListClosed):
        join(customer, ticket_type, 1)

    assert not WaitingListEntry.objects.exists()


# --- Released seats go to the list first ------------------------------------------------------


def test_a_cancellation_offers_the_seats_to_the_first_in_line_and_emails_once(
    small, sold_out, django_capture_on_commit_callbacks
):
    first, second = UserFactory(email="first@example.com"), UserFactory()
    entries = [join(first, small, 2), join(second, small, 2)]

    with django_capture_on_commit_callbacks(execute=True):
        cancel(sold_out[0])

    offer = Offer.objects.get()
    assert (offer.entry_id, offer.quantity, offer.status) == (entries[0].pk, 2, "open")
    assert statuses(*entries) == ["offered", "waiting"]
    assert selectors.entry_position(WaitingListEntry.objects.get(pk=entries[1].pk)) == 1
    assert reserved(small) == 4  # the released seats are on offer, not on sale
    minutes = (offer.expires_at - timezone.now()).total_seconds() / 60
    assert 29.9 < minutes <= 30
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["first@example.com"]
    assert mail.outbox[0].subject == f"Seats for you: 2 x Front row, {small.campaign.title}"
    link = f"http://testserver/campaigns/{small.campaign.slug}/?offer={offer.token}#offer"
    assert link.replace("http://testserver", "") in mail.outbox[0].body
    assert len(offer.token) >= 43
    assert_inventory_clean()


def test_first_fit_skips_an_entry_the_seats_cannot_hold_and_keeps_its_place(small, sold_out):
    head, small_party = UserFactory(), UserFactory()
    big = join(head, small, 3)
    little = join(small_party, small, 2)

    cancel(sold_out[0])

    assert statuses(big, little) == ["waiting", "offered"]
    assert selectors.entry_position(WaitingListEntry.objects.get(pk=big.pk)) == 1

    cancel(sold_out[1])  # 2 more seats: not 3 yet, so they stay on sale

    assert statuses(big, little) == ["waiting", "offered"]
    assert reserved(small) == 2
    assert TicketType.objects.get(pk=small.pk).remaining == 2
    assert_inventory_clean()


def test_seats_nobody_on_the_list_can_use_return_to_open_sale(small, sold_out):
    entry = join(UserFactory(), small, 3)

    cancel(sold_out[0])

    assert statuses(entry) == ["waiting"]
    assert reserved(small) == 2
    booked(UserFactory(), small, 2)
    assert reserved(small) == 4


def test_the_expiry_job_offers_the_seats_of_expired_holds(small, sold_out):
    entry = join(UserFactory(), small, 2)
    overdue(sold_out[1])

    assert services.expire_all_overdue_holds() == 1

    assert statuses(entry) == ["offered"]
    assert Offer.objects.get().quantity == 2
    assert reserved(small) == 4
    assert_inventory_clean()


def test_a_booking_request_that_expires_overdue_holds_offers_them_to_the_list_first(
    small, sold_out
):
    entry = join(UserFactory(), small, 2)
    overdue(sold_out[0])

    with pytest.raises(services.SoldOut):
        booked(UserFactory(), small, 2)

    assert Booking.objects.get(pk=sold_out[0].pk).status == "expired"
    assert statuses(entry) == ["offered"]
    assert Booking.objects.count() == 2
    assert reserved(small) == 4
    assert_inventory_clean()


def test_a_refund_offers_the_refunded_seats(small, sold_out):
    services.confirm_booking(booking_id=sold_out[0].pk, source="test")
    entry = join(UserFactory(), small, 1)

    services.booking_mark_refunded(booking_id=sold_out[0].pk, actor=None)

    assert statuses(entry) == ["offered"]
    assert reserved(small) == 3  # 2 held, 1 on offer; 1 nobody waits for is on sale
    assert_inventory_clean()


def test_seats_of_a_capacity_increase_go_to_the_list_before_an_open_sale_booking(small, sold_out):
    entry = join(UserFactory(), small, 2)
    TicketType.objects.filter(pk=small.pk).update(capacity=6)  # the seller's edit

    with pytest.raises(services.SoldOut):
        booked(UserFactory(), small, 1)

    assert statuses(entry) == ["offered"]
    assert reserved(small) == 6
    assert_inventory_clean()


def test_the_sweep_offers_the_seats_of_a_capacity_increase(small, sold_out):
    entry = join(UserFactory(), small, 2)
    TicketType.objects.filter(pk=small.pk).update(capacity=6)

    assert waiting_lists.waiting_lists_sweep() == 1
    assert waiting_lists.waiting_lists_sweep() == 0

    assert statuses(entry) == ["offered"]
    assert Offer.objects.count() == 1
    assert_inventory_clean()


# --- Lapsing and leaving ------------------------------------------------------------------------


def test_a_lapsed_offer_passes_to_the_next_in_line(small, sold_out):
    first, second = join(UserFactory(), small, 2), join(UserFactory(), small, 2)
    cancel(sold_out[0])
    overdue(Offer.objects.get())

    assert waiting_lists.waiting_lists_sweep() == 1

    assert statuses(first, second) == ["lapsed", "offered"]
    assert list(Offer.objects.order_by("pk").values_list("entry_id", "status")) == [
        (first.pk, "lapsed"),
        (second.pk, "open"),
    ]
    assert reserved(small) == 4
    assert_inventory_clean()


def test_a_lapsed_offer_nobody_waits_for_returns_to_sale_on_the_next_booking(small, sold_out):
    entry = join(UserFactory(), small, 2)
    cancel(sold_out[0])
    overdue(Offer.objects.get())

    booking = booked(UserFactory(), small, 2)

    assert booking.status == "pending_payment"
    assert statuses(entry) == ["lapsed"]
    assert reserved(small) == 4
    assert_inventory_clean()


def test_leaving_while_waiting(small, sold_out, customer):
    entry = join(customer, small, 1)

    waiting_lists.waiting_list_leave(customer=customer, ticket_type_id=small.pk)

    assert statuses(entry) == ["left"]
    with pytest.raises(waiting_lists.NotWaiting):
        waiting_lists.waiting_list_leave(customer=customer, ticket_type_id=small.pk)
    assert join(customer, small, 1).status == "waiting"  # may queue again, at the back


def test_leaving_with_seats_on_offer_passes_them_on(small, sold_out, customer):
    entry = join(customer, small, 2)
    next_in_line = join(UserFactory(), small, 2)
    cancel(sold_out[0])

    waiting_lists.waiting_list_leave(customer=customer, ticket_type_id=small.pk)

    assert statuses(entry, next_in_line) == ["left", "offered"]
    assert list(Offer.objects.order_by("pk").values_list("status", flat=True)) == [
        "withdrawn",
        "open",
    ]
    assert_inventory_clean()


# --- Booking an offer -------------------------------------------------------------------------


@pytest.fixture
def offered(small, sold_out, customer):
    """`customer` holds an open offer of 2 seats of `small`."""
    join(customer, small, 2)
    cancel(sold_out[0])
    return Offer.objects.get()


def book_offer(customer, offer, **kwargs):
    return services.booking_create(
        customer=customer,
        campaign_id=offer.ticket_type.campaign_id,
        items=kwargs.pop("items", []),
        issuance="single",
        offer=offer.token,
        **kwargs,
    )


def test_booking_an_offer_takes_exactly_its_seats_without_reserving_again(small, offered, customer):
    booking = book_offer(customer, offered)

    assert booking.status == "pending_payment"
    assert [(i.ticket_type_id, i.quantity) for i in booking.items.all()] == [(small.pk, 2)]
    assert booking.total == 2 * small.price
    offered.refresh_from_db()
    assert (offered.status, offered.booking_id) == ("booked", booking.pk)
    assert statuses(offered.entry) == ["booked"]
    assert reserved(small) == 4
    assert_inventory_clean()


def test_an_offer_booking_may_name_its_items_but_only_exactly(small, offered, customer):
    with pytest.raises(services.InvalidBooking) as refused:
        book_offer(customer, offered, items=[{"ticket_type": small.pk, "quantity": 1}])

    assert refused.value.extra == {"fields": {"items": ["This offer books exactly 2 x Front row."]}}
    assert book_offer(
        customer, offered, items=[{"ticket_type": small.pk, "quantity": 2}]
    ).status == ("pending_payment")


def test_someone_elses_offer_books_nothing(small, offered):
    with pytest.raises(NotPermitted):
        book_offer(UserFactory(), offered)

    assert Offer.objects.get().status == "open"
    assert Booking.objects.count() == 2  # the two that sold the type out
    assert reserved(small) == 4


def test_an_unknown_offer_books_nothing(small, offered, customer):
    offered.token = "not-a-token"
    with pytest.raises(waiting_lists.UnknownOffer):
        book_offer(customer, offered)

    assert Booking.objects.count() == 2


def test_an_expired_offer_is_refused_and_passes_to_the_next_in_line(small, offered, customer):
    next_in_line = join(UserFactory(), small, 2)
    overdue(offered)

    with pytest.raises(waiting_lists.OfferExpired):
        book_offer(customer, offered)

    assert Booking.objects.count() == 2
    assert statuses(offered.entry, next_in_line) == ["lapsed", "offered"]
    assert reserved(small) == 4
    assert_inventory_clean()


def test_an_offer_books_once_and_a_replay_returns_the_same_booking(small, offered, customer):
    first = book_offer(customer, offered, idempotency_key="offer-1")

    assert book_offer(customer, offered, idempotency_key="offer-1").pk == first.pk
    with pytest.raises(waiting_lists.OfferExpired) as refused:
        book_offer(customer, offered)

    assert refused.value.detail == "This offer was already used for a booking."
    assert Booking.objects.count() == 3
    assert reserved(small) == 4


def test_an_expired_hold_of_an_offer_booking_goes_to_the_next_in_line(small, offered, customer):
    booking = book_offer(customer, offered)
    next_in_line = join(UserFactory(), small, 2)
    overdue(booking)

    services.expire_all_overdue_holds()

    assert Booking.objects.get(pk=booking.pk).status == "expired"
    assert statuses(next_in_line) == ["offered"]
    assert reserved(small) == 4
    assert_inventory_clean()


# --- The e-mail and the audit ------------------------------------------------------------------


def test_a_twice_delivered_offer_email_sends_one_mail(offered):
    assert waiting_lists.offer_email(offer_id=offered.pk) is True
    assert waiting_lists.offer_email(offer_id=offered.pk) is False

    assert len(mail.outbox) == 1


def test_an_offer_email_that_fails_is_sent_by_the_retry(offered, monkeypatch):
    def refuse(self, fail_silently=False):
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with pytest.raises(OSError):
        waiting_lists.offer_email(offer_id=offered.pk)
    monkeypatch.undo()

    assert waiting_lists.offer_email(offer_id=offered.pk) is True
    assert len(mail.outbox) == 1


def test_no_email_for_an_offer_no_longer_open(offered, customer):
    book_offer(customer, offered)

    assert waiting_lists.offer_email(offer_id=offered.pk) is False
    assert mail.outbox == []


def test_audit_inventory_counts_seats_on_offer(small, offered, capsys):
    TicketType.objects.filter(pk=small.pk).update(reserved=2)

    with pytest.raises(SystemExit):
        call_command("audit_inventory")

    assert capsys.readouterr().out == (
        f"ticket type {small.pk} (Front row): capacity 4, reserved 2, held by bookings 2, "
        "on offer 2, on sale 2, difference -2\n"
    )


def test_offers_are_made_after_commit_only(small, sold_out, django_capture_on_commit_callbacks):
    join(UserFactory(), small, 2)

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        cancel(sold_out[0])

    assert mail.outbox == []
    assert len(callbacks) >= 1


def test_a_cancelled_campaign_offers_nothing_when_its_holds_are_released(small, sold_out):
    entry = join(UserFactory(), small, 2)
    small.campaign.status = "cancelled"
    small.campaign.save(update_fields=["status"])

    services.campaign_bookings_settle_cancellation(campaign_id=small.campaign_id)

    assert statuses(entry) == ["waiting"]
    assert not Offer.objects.exists()
    assert mail.outbox == []
    assert reserved(small) == 0
    assert_inventory_clean()
