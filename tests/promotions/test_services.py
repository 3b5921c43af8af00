"""Promo and access codes at booking: discounts, limits, refusals that change nothing, and
uses given back by expiry and cancellation but not by a refund (unless the code says so)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings import services
from bookings.analytics import campaign_analytics
from bookings.codes import services as codes
from bookings.models import Booking, BookingItem, PromoCodeUse, Ticket
from campaigns.models import CODE_ALPHABET, TicketType
from finance.models import LedgerEntry
from tests.bookings.conftest import assert_inventory_clean
from tests.factories import CampaignFactory, TicketTypeFactory, UserFactory, booked
from tests.promotions.conftest import active_uses

pytestmark = pytest.mark.django_db

NOON = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)


def _book(customer, items, code="", **kwargs):
    campaign_id = items[0][0].campaign_id
    return services.booking_create(
        customer=customer,
        campaign_id=campaign_id,
        items=[{"ticket_type": t.pk, "quantity": q} for t, q in items],
        issuance="single",
        code=code,
        **kwargs,
    )


def _nothing_changed(ticket_types):
    assert Booking.objects.count() == 0
    assert PromoCodeUse.objects.count() == 0
    assert [TicketType.objects.get(pk=t.pk).reserved for t in ticket_types] == [0] * len(
        ticket_types
    )


def test_percent_code_discounts_each_line_and_records_one_use(customer, ticket_type, make_code):
    promo = make_code(kind="percent", value="15")
    other = TicketTypeFactory(campaign=ticket_type.campaign, price="1000.00")

    booking = _book(customer, [(ticket_type, 3), (other, 1)], code="save10")

    assert booking.subtotal == Decimal("8500.00")
    assert booking.discount == Decimal("1275.00")  # 15% of 7500 + 15% of 1000
    assert booking.total == Decimal("7225.00")
    assert list(booking.items.order_by("ticket_type").values_list("ticket_type", "discount")) == [
        (ticket_type.pk, Decimal("1125.00")),
        (other.pk, Decimal("150.00")),
    ]
    use = PromoCodeUse.objects.get()
    assert (use.code, use.booking, use.customer, use.released_at) == (
        promo,
        booking,
        customer,
        None,
    )
    assert_inventory_clean()


def test_fixed_code_takes_its_amount_off_each_ticket_of_the_types_it_names(
    customer, ticket_type, make_code
):
    other = TicketTypeFactory(campaign=ticket_type.campaign, price="1000.00")
    make_code(kind="fixed", value="500", ticket_types=[ticket_type.pk])

    booking = _book(customer, [(ticket_type, 2), (other, 1)], code="SAVE10")

    assert (booking.subtotal, booking.discount, booking.total) == (
        Decimal("6000.00"),
        Decimal("1000.00"),
        Decimal("5000.00"),
    )
    assert BookingItem.objects.get(ticket_type=other).discount == Decimal("0.00")


def test_a_discount_above_the_price_floors_at_zero_and_confirms_without_payment(
    customer, ticket_type, make_code
):
    make_code(kind="fixed", value="9000")

    booking = _book(customer, [(ticket_type, 2)], code="SAVE10")

    assert (booking.subtotal, booking.discount, booking.total) == (
        Decimal("5000.00"),
        Decimal("5000.00"),
        Decimal("0.00"),
    )
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.confirmed_via == "free"
    assert [(t.admits, t.status) for t in booking.tickets.all()] == [(2, Ticket.Status.VALID)]
    assert LedgerEntry.objects.count() == 0  # nothing was paid, nothing to record
    assert TicketType.objects.get(pk=ticket_type.pk).reserved == 2
    assert_inventory_clean()


@pytest.mark.parametrize(
    ("settings", "code", "detail"),
    [
        ({}, "NOPE", "There is no such code for this campaign."),
        ({"active": False}, "SAVE10", "This code is no longer active."),
        (
            {"valid_until": timezone.now() - timedelta(minutes=1)},
            "SAVE10",
            "This code has expired.",
        ),
        (
            {"valid_from": timezone.now() + timedelta(days=1)},
            "SAVE10",
            "This code is not valid yet.",
        ),
        ({"min_quantity": 3}, "SAVE10", "This code needs at least 3 of its tickets."),
    ],
)
def test_a_code_that_does_not_hold_is_refused_and_changes_nothing(
    customer, ticket_type, make_code, settings, code, detail
):
    active = settings.pop("active", True)
    promo = make_code(**settings)
    if not active:
        codes.promo_code_deactivate(promo=promo, actor=promo.campaign.seller)

    with pytest.raises(codes.InvalidCode) as refused:
        _book(customer, [(ticket_type, 2)], code=code)

    assert (refused.value.code, refused.value.detail) == ("invalid_code", detail)
    _nothing_changed([ticket_type])


def test_a_code_of_another_campaign_is_unknown_here(customer, ticket_type, make_code):
    elsewhere = CampaignFactory()
    make_code(campaign=elsewhere)

    with pytest.raises(codes.InvalidCode, match="There is no such code for this campaign."):
        _book(customer, [(ticket_type, 1)], code="SAVE10")

    _nothing_changed([ticket_type])


def test_a_code_for_other_types_does_not_apply(customer, ticket_type, make_code):
    other = TicketTypeFactory(campaign=ticket_type.campaign)
    make_code(ticket_types=[other.pk])

    with pytest.raises(codes.InvalidCode, match="does not apply to the tickets chosen"):
        _book(customer, [(ticket_type, 1)], code="SAVE10")

    _nothing_changed([ticket_type, other])


def test_used_up_code_is_refused_and_its_limits_count_per_customer(
    customer, ticket_type, make_code
):
    make_code(max_uses=2, max_uses_per_customer=1)
    _book(customer, [(ticket_type, 1)], code="SAVE10")

    with pytest.raises(codes.InvalidCode, match="as many times as it allows"):
        _book(customer, [(ticket_type, 1)], code="SAVE10")
    _book(UserFactory(), [(ticket_type, 1)], code="SAVE10")
    with pytest.raises(codes.InvalidCode, match="used up"):
        _book(UserFactory(), [(ticket_type, 1)], code="SAVE10")

    assert Booking.objects.count() == 2
    assert TicketType.objects.get(pk=ticket_type.pk).reserved == 2
    assert_inventory_clean()


def test_codes_are_case_insensitive_and_the_replay_of_a_request_uses_the_code_once(
    customer, ticket_type, make_code
):
    promo = make_code(code="Summer-Sale")

    first = _book(customer, [(ticket_type, 1)], code=" summer-sale ", idempotency_key="k")
    again = _book(customer, [(ticket_type, 1)], code="SUMMER-SALE", idempotency_key="k")

    assert promo.code == "SUMMER-SALE"
    assert again.pk == first.pk
    assert active_uses(promo) == 1


def test_expiry_and_cancellation_give_the_use_back(customer, ticket_type, make_code):
    promo = make_code(max_uses=2)
    cancelled = _book(customer, [(ticket_type, 1)], code="SAVE10")
    expired = _book(UserFactory(), [(ticket_type, 1)], code="SAVE10")
    assert active_uses(promo) == 2

    services.booking_cancel(booking_id=cancelled.pk, customer=customer)
    Booking.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    assert services.expire_overdue_holds() == 1

    assert active_uses(promo) == 0
    assert PromoCodeUse.objects.filter(released_at__isnull=False).count() == 2
    assert _book(UserFactory(), [(ticket_type, 1)], code="SAVE10").discount == Decimal("250.00")
    assert_inventory_clean()


def test_an_overdue_hold_released_by_a_booking_gives_its_use_back(customer, ticket_type, make_code):
    promo = make_code(max_uses=1)
    overdue = _book(customer, [(ticket_type, 1)], code="SAVE10")
    Booking.objects.filter(pk=overdue.pk).update(expires_at=timezone.now())

    booking = _book(UserFactory(), [(ticket_type, 1)], code="SAVE10")

    assert Booking.objects.get(pk=overdue.pk).status == Booking.Status.EXPIRED
    assert PromoCodeUse.objects.get(booking=booking).released_at is None
    assert active_uses(promo) == 1
    assert_inventory_clean()


@pytest.mark.parametrize(("release_on_refund", "uses_after"), [(False, 1), (True, 0)])
def test_a_refund_keeps_the_use_unless_the_code_gives_it_back(
    customer, ticket_type, make_code, release_on_refund, uses_after
):
    promo = make_code(release_on_refund=release_on_refund)
    booking = _book(customer, [(ticket_type, 1)], code="SAVE10")
    services.confirm_booking(booking_id=booking.pk, source="test")

    services.booking_mark_refunded(booking_id=booking.pk, actor=None)

    assert active_uses(promo) == uses_after


def test_a_late_payment_takes_the_use_again_or_is_refunded_when_the_code_is_used_up(
    customer, ticket_type, make_code
):
    promo = make_code(max_uses=1)
    late = _book(customer, [(ticket_type, 1)], code="SAVE10")
    Booking.objects.filter(pk=late.pk).update(expires_at=timezone.now())
    services.expire_overdue_holds()
    taker = _book(UserFactory(), [(ticket_type, 1)], code="SAVE10")

    result = services.confirm_booking(booking_id=late.pk, source="webhook")

    assert result.needs_refund
    assert Booking.objects.get(pk=late.pk).status == Booking.Status.EXPIRED
    services.booking_cancel(booking_id=taker.pk, customer=taker.customer)
    assert services.confirm_booking(booking_id=late.pk, source="webhook").outcome == "confirmed"
    assert active_uses(promo) == 1
    assert PromoCodeUse.objects.get(booking=late).released_at is None
    assert_inventory_clean()


def test_hidden_types_need_the_code_that_names_them(customer, ticket_type, vip, make_code):
    make_code(code="PRESS", kind="access", value="0", ticket_types=[vip.pk])
    make_code(code="SAVE10")

    for code in ("", "SAVE10"):
        with pytest.raises(codes.InvalidCode, match="Sponsors: book with the code that unlocks"):
            _book(customer, [(vip, 1)], code=code)
    _nothing_changed([ticket_type, vip])

    booking = _book(customer, [(vip, 2)], code="press")
    assert (booking.subtotal, booking.discount, booking.total) == (
        Decimal("16000.00"),
        Decimal("0.00"),
        Decimal("16000.00"),
    )


def test_a_discount_code_naming_a_hidden_type_unlocks_it_with_its_discount(
    customer, vip, make_code
):
    make_code(code="SPONSOR50", kind="percent", value="50", ticket_types=[vip.pk])

    booking = _book(customer, [(vip, 1)], code="SPONSOR50")

    assert (booking.discount, booking.total) == (Decimal("4000.00"), Decimal("4000.00"))


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"kind": "percent", "value": "0"}, "value"),
        ({"kind": "percent", "value": "100.01"}, "value"),
        ({"kind": "fixed", "value": "0"}, "value"),
        ({"kind": "access", "value": "5"}, "value"),
        ({"kind": "access", "value": "0"}, "ticket_types"),
        ({"code": "no spaces"}, "code"),
        ({"code": "AB"}, "code"),
        ({"valid_from": NOON, "valid_until": NOON}, "valid_until"),
        ({"code": "", "count": 501}, "count"),
        ({"count": 2}, "count"),
    ],
)
def test_code_settings_that_break_a_rule_are_refused(make_code, settings, field):
    settings = {"kind": "percent", "value": "10", **settings}

    with pytest.raises(codes.Invalid) as refused:
        make_code(**settings)

    assert list(refused.value.extra["fields"]) == [field]
    assert codes.PromoCode.objects.count() == 0


def test_a_code_is_unique_per_campaign_whatever_its_case(campaign, make_code):
    make_code(code="Early")

    with pytest.raises(codes.CodeTaken):
        make_code(code="EARLY")

    make_code(code="early", campaign=CampaignFactory(seller=campaign.seller))
    assert codes.PromoCode.objects.filter(code="EARLY").count() == 2


def test_a_batch_is_n_unique_unguessable_codes(campaign, make_code):
    batch = codes.promo_codes_create(
        campaign=campaign, actor=campaign.seller, kind="percent", value=Decimal(20), count=200
    )

    texts = [promo.code for promo in batch]
    assert len(set(texts)) == 200
    assert all(len(text) == 12 and set(text) <= set(CODE_ALPHABET) for text in texts)


def test_booking_a_free_type_confirms_at_once(customer, campaign):
    free = TicketTypeFactory(campaign=campaign, price="0.00")

    booking = booked(customer, free, 2)

    assert booking.status == Booking.Status.CONFIRMED
    assert booking.total == Decimal("0.00")
    assert booking.tickets.count() == 1


def test_analytics_show_revenue_with_and_without_discounts_and_code_usage(
    customer, ticket_type, make_code
):
    promo = make_code(kind="percent", value="20")
    make_code(code="UNUSED")
    discounted = _book(customer, [(ticket_type, 2)], code="SAVE10")
    full = _book(UserFactory(), [(ticket_type, 1)])
    pending = _book(UserFactory(), [(ticket_type, 1)], code="SAVE10")
    for booking in (discounted, full):
        services.confirm_booking(booking_id=booking.pk, source="test")

    figures = campaign_analytics(campaign=ticket_type.campaign)

    assert (
        figures["revenue"],
        figures["discounts"],
        figures["revenue_before_discounts"],
    ) == ("6500.00", "1000.00", "7500.00")
    assert figures["ticket_types"][0]["revenue"] == "6500.00"
    # Two uses count against the limits (one still pending); discounts of paid bookings only.
    assert figures["codes"] == [
        {"id": promo.pk, "code": "SAVE10", "kind": "percent", "uses": 2, "discounts": "1000.00"}
    ]
    assert pending.status == Booking.Status.PENDING_PAYMENT
