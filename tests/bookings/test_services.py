"""The booking services one call at a time: holds, refusals, expiry, confirmation, refunds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AuditEvent
from bookings import selectors, services, tasks
from bookings.models import Booking, Ticket
from campaigns.models import Campaign, TicketType
from core.errors import InvalidTransition, NotPermitted
from tests.bookings.conftest import assert_inventory_clean
from tests.factories import BookingFactory, CampaignFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _reserved(ticket_type) -> int:
    return TicketType.objects.get(pk=ticket_type.pk).reserved


def test_create_holds_seats_with_prices_copied_and_hold_length(customer, ticket_type, settings):
    settings.BOOKING_HOLD_SECONDS = 300
    vip = TicketTypeFactory(campaign=ticket_type.campaign, name="VIP", price="10000.50")
    before = timezone.now()

    booking = services.booking_create(
        customer=customer,
        campaign_id=ticket_type.campaign_id,
        items=[
            {"ticket_type": vip.pk, "quantity": 1},
            {"ticket_type": ticket_type.pk, "quantity": 3},
        ],
        issuance="separate",
        holder_names=[" Ada ", "Bola"],
        idempotency_key="key-1",
    )

    booking.refresh_from_db()
    assert booking.status == "pending_payment"
    assert booking.total == Decimal("17500.50")
    assert booking.currency == "NGN"
    assert booking.holder_names == ["Ada", "Bola"]
    assert (
        before + timedelta(seconds=300)
        <= booking.expires_at
        <= timezone.now() + timedelta(seconds=300)
    )
    assert len(booking.reference) == 8
    assert [
        (i.ticket_type_id, i.quantity, i.unit_price) for i in booking.items.order_by("ticket_type")
    ] == [
        (ticket_type.pk, 3, Decimal("2500.00")),
        (vip.pk, 1, Decimal("10000.50")),
    ]
    assert (_reserved(ticket_type), _reserved(vip)) == (3, 1)
    assert_inventory_clean()


def test_sold_out_names_the_short_types_and_reserves_nothing(customer, ticket_type, book):
    vip = TicketTypeFactory(campaign=ticket_type.campaign, name="VIP", capacity=5)
    book(UserFactory(), ticket_type, quantity=9)

    with pytest.raises(services.SoldOut) as refused:
        services.booking_create(
            customer=customer,
            campaign_id=ticket_type.campaign_id,
            items=[
                {"ticket_type": vip.pk, "quantity": 2},
                {"ticket_type": ticket_type.pk, "quantity": 2},
            ],
            issuance="single",
        )

    assert refused.value.detail == "Not enough tickets left: General (1 left)."
    assert refused.value.extra == {
        "ticket_types": [{"id": ticket_type.pk, "name": "General", "remaining": 1}]
    }
    assert (_reserved(ticket_type), _reserved(vip)) == (9, 0)
    assert Booking.objects.filter(customer=customer).count() == 0


@pytest.mark.parametrize(
    ("change", "error", "detail"),
    [
        ({"campaign__status": "draft"}, services.InvalidBooking, "This campaign is not published."),
        ({"campaign__status": "cancelled"}, services.NotOnSale, "This campaign is not on sale."),
        ({"campaign__status": "ended"}, services.NotOnSale, "This campaign is not on sale."),
        ({"sales_start": timedelta(hours=1)}, services.NotOnSale, "General is not on sale now."),
        ({"sales_end": timedelta(hours=-1)}, services.NotOnSale, "General is not on sale now."),
        ({"max_per_booking": 1}, services.InvalidBooking, "At most 1 x General per booking."),
    ],
)
def test_refusals_for_campaign_and_type_state_hold_nothing(
    customer, ticket_type, change, error, detail
):
    for field, value in change.items():
        if field.startswith("campaign__"):
            setattr(ticket_type.campaign, field.removeprefix("campaign__"), value)
            ticket_type.campaign.save()
        else:
            setattr(
                ticket_type,
                field,
                timezone.now() + value if isinstance(value, timedelta) else value,
            )
            ticket_type.save()

    with pytest.raises(error) as refused:
        services.booking_create(
            customer=customer,
            campaign_id=ticket_type.campaign_id,
            items=[{"ticket_type": ticket_type.pk, "quantity": 2}],
            issuance="single",
        )

    assert refused.value.detail == detail
    assert _reserved(ticket_type) == 0
    assert Booking.objects.count() == 0


def test_campaign_past_its_end_is_not_on_sale(customer, ticket_type):
    campaign = ticket_type.campaign
    campaign.starts_at = timezone.now() - timedelta(hours=3)
    campaign.ends_at = timezone.now() - timedelta(hours=1)
    campaign.save()

    with pytest.raises(services.NotOnSale):
        services.booking_create(
            customer=customer,
            campaign_id=campaign.pk,
            items=[{"ticket_type": ticket_type.pk, "quantity": 1}],
            issuance="single",
        )
    assert _reserved(ticket_type) == 0


@pytest.mark.parametrize(
    ("items", "field", "detail"),
    [
        ([], "items", "Choose at least one ticket."),
        ([{"ticket_type": "OWN", "quantity": 0}], "items", "Quantities must be at least 1."),
        ([{"ticket_type": "OWN", "quantity": -2}], "items", "Quantities must be at least 1."),
        (
            [{"ticket_type": "OWN", "quantity": 1}, {"ticket_type": "OWN", "quantity": 1}],
            "items",
            "Each ticket type may appear only once.",
        ),
        (
            [{"ticket_type": 999999, "quantity": 1}],
            "items",
            "Unknown ticket type for this campaign.",
        ),
        (
            [{"ticket_type": "OTHER", "quantity": 1}],
            "items",
            "Unknown ticket type for this campaign.",
        ),
        (
            [{"ticket_type": "OWN", "quantity": 1}, {"ticket_type": "OTHER", "quantity": 1}],
            "items",
            "Unknown ticket type for this campaign.",
        ),
    ],
)
def test_invalid_items_are_refused_and_hold_nothing(customer, ticket_type, items, field, detail):
    other = TicketTypeFactory()
    ids = {"OWN": ticket_type.pk, "OTHER": other.pk}
    items = [{**i, "ticket_type": ids.get(i["ticket_type"], i["ticket_type"])} for i in items]

    with pytest.raises(services.InvalidBooking) as refused:
        services.booking_create(
            customer=customer, campaign_id=ticket_type.campaign_id, items=items, issuance="single"
        )

    assert refused.value.detail == detail
    assert refused.value.extra == {"fields": {field: [detail]}}
    assert (_reserved(ticket_type), _reserved(other)) == (0, 0)
    assert Booking.objects.count() == 0


def test_bad_issuance_and_too_many_holder_names_are_refused(customer, ticket_type, book):
    with pytest.raises(services.InvalidBooking) as refused:
        book(customer, ticket_type, issuance="family")
    assert refused.value.extra == {"fields": {"issuance": ["Choose single or separate."]}}
    with pytest.raises(services.InvalidBooking) as refused:
        book(customer, ticket_type, quantity=2, holder_names=["A", "B", "C"])
    assert refused.value.extra == {
        "fields": {"holder_names": ["At most 2 holder names for 2 seats."]}
    }
    assert _reserved(ticket_type) == 0
    assert Booking.objects.count() == 0


def test_same_idempotency_key_and_body_returns_first_booking_and_reserves_nothing_more(
    customer, ticket_type, book
):
    first = book(customer, ticket_type, quantity=2, idempotency_key="abc")
    again = book(customer, ticket_type, quantity=2, idempotency_key="abc")

    assert again.pk == first.pk
    assert [i.quantity for i in again.items.all()] == [2]
    assert _reserved(ticket_type) == 2
    assert Booking.objects.count() == 1


def test_same_key_with_another_body_is_refused(customer, ticket_type, book):
    book(customer, ticket_type, quantity=2, idempotency_key="abc")

    with pytest.raises(services.IdempotencyKeyReused):
        book(customer, ticket_type, quantity=3, idempotency_key="abc")

    assert _reserved(ticket_type) == 2
    assert Booking.objects.count() == 1


def test_same_key_from_another_customer_is_a_new_booking(customer, ticket_type, book):
    book(customer, ticket_type, idempotency_key="abc")
    book(UserFactory(), ticket_type, idempotency_key="abc")
    assert Booking.objects.count() == 2
    assert _reserved(ticket_type) == 2


def test_cancel_releases_the_hold(customer, ticket_type, book):
    booking = book(customer, ticket_type, quantity=3)

    services.booking_cancel(booking_id=booking.pk, customer=customer)

    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert booking.cancelled_at is not None
    assert _reserved(ticket_type) == 0
    assert_inventory_clean()


def test_cancel_by_someone_else_or_twice_changes_nothing(customer, ticket_type, book):
    booking = book(customer, ticket_type, quantity=3)
    with pytest.raises(NotPermitted):
        services.booking_cancel(booking_id=booking.pk, customer=UserFactory())
    assert Booking.objects.get(pk=booking.pk).status == "pending_payment"
    assert _reserved(ticket_type) == 3

    services.booking_cancel(booking_id=booking.pk, customer=customer)
    with pytest.raises(InvalidTransition):
        services.booking_cancel(booking_id=booking.pk, customer=customer)
    assert _reserved(ticket_type) == 0


def test_expire_releases_only_overdue_holds(customer, ticket_type, book):
    overdue = book(customer, ticket_type, quantity=2)
    current = book(customer, ticket_type, quantity=1)
    Booking.objects.filter(pk=overdue.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert tasks.expire_holds.delay().get() == 1

    assert Booking.objects.get(pk=overdue.pk).status == "expired"
    assert Booking.objects.get(pk=current.pk).status == "pending_payment"
    assert _reserved(ticket_type) == 1
    assert services.expire_all_overdue_holds() == 0
    assert _reserved(ticket_type) == 1
    assert_inventory_clean()


def _make_overdue(*bookings):
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def test_a_type_sold_out_only_by_overdue_holds_is_booked_without_the_expiry_job(
    customer, ticket_type, book
):
    first, second = book(UserFactory(), ticket_type, 6), book(UserFactory(), ticket_type, 4)
    _make_overdue(first, second)
    assert _reserved(ticket_type) == 10  # what the unlocked pre-check reads: sold out

    booking = book(customer, ticket_type, quantity=10)

    assert booking.status == "pending_payment"
    assert Booking.objects.get(pk=first.pk).status == "expired"
    assert Booking.objects.get(pk=second.pk).status == "expired"
    assert _reserved(ticket_type) == 10
    assert services.expire_all_overdue_holds() == 0
    assert_inventory_clean()


def test_booking_releases_the_whole_overdue_hold_across_its_types(customer, ticket_type, book):
    vip = TicketTypeFactory(campaign=ticket_type.campaign, name="VIP", capacity=2)
    overdue = services.booking_create(
        customer=UserFactory(),
        campaign_id=ticket_type.campaign_id,
        items=[
            {"ticket_type": vip.pk, "quantity": 2},
            {"ticket_type": ticket_type.pk, "quantity": 10},
        ],
        issuance="single",
    )
    _make_overdue(overdue)

    book(customer, vip, quantity=1)

    assert Booking.objects.get(pk=overdue.pk).status == "expired"
    assert (_reserved(ticket_type), _reserved(vip)) == (0, 1)
    assert_inventory_clean()


def test_overdue_holds_stay_released_when_the_booking_is_still_refused(customer, ticket_type, book):
    book(UserFactory(), ticket_type, 8)
    overdue = book(UserFactory(), ticket_type, 2)
    _make_overdue(overdue)

    with pytest.raises(services.SoldOut) as refused:
        book(customer, ticket_type, quantity=3)

    assert refused.value.detail == "Not enough tickets left: General (2 left)."
    assert Booking.objects.get(pk=overdue.pk).status == "expired"
    assert _reserved(ticket_type) == 8
    assert Booking.objects.filter(customer=customer).count() == 0
    assert_inventory_clean()


def test_holds_not_yet_overdue_and_overdue_holds_of_other_types_are_left_alone(
    customer, ticket_type, book
):
    other_type = TicketTypeFactory(campaign=ticket_type.campaign, name="VIP", capacity=5)
    current = book(UserFactory(), ticket_type, 10)
    elsewhere = book(UserFactory(), other_type, 5)
    _make_overdue(elsewhere)

    with pytest.raises(services.SoldOut):
        book(customer, ticket_type, quantity=1)

    assert Booking.objects.get(pk=current.pk).status == "pending_payment"
    assert Booking.objects.get(pk=elsewhere.pk).status == "pending_payment"
    assert (_reserved(ticket_type), _reserved(other_type)) == (10, 5)


def test_payment_for_a_hold_the_booking_path_released_and_resold_needs_refund(
    customer, ticket_type, book
):
    late_payer = book(customer, ticket_type, quantity=10)
    _make_overdue(late_payer)
    book(UserFactory(), ticket_type, quantity=10)

    result = services.confirm_booking(booking_id=late_payer.pk, source="webhook")

    assert result.outcome == "needs_refund"
    assert Booking.objects.get(pk=late_payer.pk).status == "expired"
    assert Ticket.objects.count() == 0
    assert _reserved(ticket_type) == 10
    assert_inventory_clean()


def test_confirm_single_issues_one_group_ticket_per_type(customer, ticket_type):
    ticket_type.scans_allowed = 2
    ticket_type.save()
    vip = TicketTypeFactory(campaign=ticket_type.campaign, name="VIP", scans_allowed=1)
    booking = services.booking_create(
        customer=customer,
        campaign_id=ticket_type.campaign_id,
        items=[
            {"ticket_type": ticket_type.pk, "quantity": 4},
            {"ticket_type": vip.pk, "quantity": 1},
        ],
        issuance="single",
    )

    result = services.confirm_booking(booking_id=booking.pk, source="webhook")

    assert result.outcome == "confirmed"
    assert not result.needs_refund
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert booking.confirmed_via == "webhook"
    assert booking.confirmed_at is not None
    tickets = list(
        booking.tickets.values_list(
            "ticket_type_id", "holder_name", "admits", "scans_allowed", "status"
        )
    )
    assert tickets == [
        (ticket_type.pk, "Ada Customer", 4, 8, "valid"),
        (vip.pk, "Ada Customer", 1, 1, "valid"),
    ]
    assert (_reserved(ticket_type), _reserved(vip)) == (4, 1)
    assert_inventory_clean()


def test_confirm_separate_issues_one_ticket_per_seat_with_holder_names(
    customer, ticket_type, book, super_admin
):
    booking = book(
        customer, ticket_type, quantity=3, issuance="separate", holder_names=["Ada", "Bola"]
    )

    services.confirm_booking(booking_id=booking.pk, source="reconciliation", actor=super_admin)

    assert list(booking.tickets.values_list("holder_name", "admits", "scans_allowed")) == [
        ("Ada", 1, 1),
        ("Bola", 1, 1),
        ("", 1, 1),
    ]
    assert Booking.objects.get(pk=booking.pk).confirmed_by == super_admin


def test_confirm_twice_confirms_once(customer, ticket_type, book):
    booking = book(customer, ticket_type, quantity=2, issuance="separate")
    services.confirm_booking(booking_id=booking.pk, source="redirect")

    result = services.confirm_booking(booking_id=booking.pk, source="webhook")

    assert result.outcome == "already_confirmed"
    assert Ticket.objects.count() == 2
    assert Booking.objects.get(pk=booking.pk).confirmed_via == "redirect"
    assert _reserved(ticket_type) == 2


def test_confirm_after_expiry_takes_the_seats_again_when_free(customer, ticket_type, book):
    booking = book(customer, ticket_type, quantity=2)
    Booking.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    services.expire_all_overdue_holds()
    assert _reserved(ticket_type) == 0

    result = services.confirm_booking(booking_id=booking.pk, source="webhook")

    assert result.outcome == "confirmed"
    assert _reserved(ticket_type) == 2
    assert Ticket.objects.filter(booking=booking).count() == 1
    assert_inventory_clean()


def test_confirm_after_expiry_with_seats_gone_needs_refund_and_changes_nothing(
    customer, ticket_type, book
):
    booking = book(customer, ticket_type, quantity=2)
    Booking.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    services.expire_all_overdue_holds()
    book(UserFactory(), ticket_type, quantity=9)

    result = services.confirm_booking(booking_id=booking.pk, source="webhook")

    assert result.outcome == "needs_refund"
    assert result.needs_refund
    assert Booking.objects.get(pk=booking.pk).status == "expired"
    assert _reserved(ticket_type) == 9
    assert Ticket.objects.count() == 0
    assert_inventory_clean()


def test_confirm_after_expiry_in_a_currency_the_campaign_no_longer_sells_in_needs_refund(
    customer, ticket_type, book
):
    booking = book(customer, ticket_type, quantity=2)
    Booking.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    services.expire_all_overdue_holds()
    # With no seat held the seller may change the currency (campaigns.services).
    Campaign.objects.filter(pk=ticket_type.campaign_id).update(currency="USD")

    result = services.confirm_booking(booking_id=booking.pk, source="webhook")

    assert result.outcome == "needs_refund"
    assert Booking.objects.get(pk=booking.pk).status == "expired"
    assert _reserved(ticket_type) == 0
    assert Ticket.objects.count() == 0
    assert_inventory_clean()


def test_confirm_for_a_cancelled_campaign_needs_refund_and_releases_the_hold(
    customer, ticket_type, book
):
    booking = book(customer, ticket_type, quantity=2)
    ticket_type.campaign.status = "cancelled"
    ticket_type.campaign.save()

    result = services.confirm_booking(booking_id=booking.pk, source="webhook")

    assert result.outcome == "needs_refund"
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"
    assert _reserved(ticket_type) == 0
    assert Ticket.objects.count() == 0


def test_mark_refunded_voids_tickets_releases_seats_and_audits(
    customer, ticket_type, book, super_admin
):
    booking = book(customer, ticket_type, quantity=2, issuance="separate")
    services.confirm_booking(booking_id=booking.pk, source="webhook")

    services.booking_mark_refunded(booking_id=booking.pk, actor=super_admin)
    services.booking_mark_refunded(booking_id=booking.pk, actor=super_admin)

    booking.refresh_from_db()
    assert booking.status == "refunded"
    assert booking.refunded_at is not None
    assert list(booking.tickets.values_list("status", flat=True)) == ["void", "void"]
    assert _reserved(ticket_type) == 0
    event = AuditEvent.objects.get(action="booking.refunded")
    assert (event.actor, event.target_id, event.metadata) == (
        super_admin,
        str(booking.pk),
        {"total": "5000.00", "currency": "NGN"},
    )
    assert (
        services.confirm_booking(booking_id=booking.pk, source="webhook").outcome == "needs_refund"
    )
    assert_inventory_clean()


def test_mark_refunded_refuses_a_pending_booking(customer, ticket_type, book):
    booking = book(customer, ticket_type, quantity=2)
    with pytest.raises(InvalidTransition):
        services.booking_mark_refunded(booking_id=booking.pk, actor=None)
    assert Booking.objects.get(pk=booking.pk).status == "pending_payment"
    assert _reserved(ticket_type) == 2
    assert AuditEvent.objects.count() == 0


def _cancelled_campaign_with_bookings(book, ticket_type):
    pending = book(UserFactory(), ticket_type, quantity=2)
    paid = [book(UserFactory(), ticket_type, quantity=1) for _ in range(2)]
    for booking in paid:
        services.confirm_booking(booking_id=booking.pk, source="webhook")
    ticket_type.campaign.status = "cancelled"
    ticket_type.campaign.save()
    return pending, paid


def test_settling_a_cancelled_campaign_cancels_holds_and_marks_paid_bookings_owed(
    ticket_type, book
):
    pending, paid = _cancelled_campaign_with_bookings(book, ticket_type)

    result = services.campaign_bookings_settle_cancellation(campaign_id=ticket_type.campaign_id)
    again = services.campaign_bookings_settle_cancellation(campaign_id=ticket_type.campaign_id)

    assert result == {"holds_cancelled": 1, "refunds_requested": 2}
    assert again == {"holds_cancelled": 0, "refunds_requested": 2}
    assert Booking.objects.get(pk=pending.pk).status == "cancelled"
    assert [b.status for b in Booking.objects.filter(pk__in=[p.pk for p in paid])] == [
        "confirmed"
    ] * 2
    assert Booking.objects.filter(refund_requested_at__isnull=False).count() == 2
    assert selectors.booking_ids_owed_refund(campaign_id=ticket_type.campaign_id) == sorted(
        b.pk for b in paid
    )
    assert _reserved(ticket_type) == 2
    assert_inventory_clean()


def test_settling_a_campaign_that_is_not_cancelled_changes_nothing(ticket_type, book):
    booking = book(UserFactory(), ticket_type, quantity=2)

    result = services.campaign_bookings_settle_cancellation(campaign_id=ticket_type.campaign_id)

    assert result == {"holds_cancelled": 0, "refunds_requested": 0}
    assert Booking.objects.get(pk=booking.pk).status == "pending_payment"
    assert _reserved(ticket_type) == 2


def test_audit_inventory_reports_a_difference_and_exits_non_zero(ticket_type, book, capsys):
    book(UserFactory(), ticket_type, quantity=2)
    TicketType.objects.filter(pk=ticket_type.pk).update(reserved=5)

    with pytest.raises(SystemExit) as exited:
        call_command("audit_inventory")

    assert exited.value.code == 1
    out = capsys.readouterr()
    assert out.out == (
        f"ticket type {ticket_type.pk} (General): capacity 10, reserved 5, held by bookings 2, "
        "on offer 0, on sale 5, difference +3\n"
    )
    assert "1 ticket type(s) differ." in out.err


def test_audit_inventory_passes_when_consistent(ticket_type, book, capsys):
    book(UserFactory(), ticket_type, quantity=2)
    call_command("audit_inventory")
    assert capsys.readouterr().out == "Inventory consistent.\n"


def test_expire_holds_command_reports_count(customer, ticket_type, book, capsys):
    book(customer, ticket_type)
    Booking.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("expire_holds")
    assert capsys.readouterr().out == "Expired 1 hold(s).\n"
    assert _reserved(ticket_type) == 0


def test_booking_factory_keeps_inventory_consistent():
    ticket_type = TicketTypeFactory(campaign=CampaignFactory())
    booking = BookingFactory(campaign=ticket_type.campaign, items=[(ticket_type, 3)])
    assert booking.total == Decimal("7500.00")
    assert _reserved(ticket_type) == 3
    assert_inventory_clean()
