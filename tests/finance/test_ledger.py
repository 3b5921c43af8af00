"""The ledger: a sale and its fee written once with the confirmation, refunds, the hold until
the campaign ends plus PAYOUT_HOLD_DAYS, and balances that are exactly the sums of entries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from bookings.models import Booking
from finance import selectors, services
from finance.models import LedgerEntry
from finance.selectors import Balance
from payments import services as payment_services
from tests.factories import BookingFactory, CampaignFactory

pytestmark = pytest.mark.django_db


def _entries(booking) -> list[tuple]:
    return list(
        LedgerEntry.objects.filter(booking=booking)
        .order_by("id")
        .values_list("kind", "amount", "currency", "seller_id", "available_at")
    )


@pytest.mark.parametrize(
    ("total", "percent", "fee"),
    [
        ("5000.00", "5", "250.00"),
        ("0.10", "5", "0.01"),  # 0.005 rounds half up
        ("0.09", "5", "0.00"),  # 0.0045 rounds down
        ("333.33", "5", "16.67"),  # 16.6665
        ("999.99", "2.5", "25.00"),  # 24.99975
        ("1234.50", "7.25", "89.50"),  # 89.50125
        ("0.00", "5", "0.00"),
    ],
)
def test_the_platform_fee_is_the_percentage_rounded_half_up_to_the_cent(
    settings, total, percent, fee
):
    settings.PLATFORM_FEE_PERCENT = Decimal(percent)

    assert services.platform_fee(Decimal(total)) == Decimal(fee)


def test_a_confirmed_payment_writes_the_sale_and_the_fee_held_until_the_campaign_end(
    settings, book, pay, campaign, seller
):
    settings.PAYOUT_HOLD_DAYS = 3
    booking = book(quantity=2)

    pay(booking)

    release = campaign.ends_at + timedelta(days=3)
    assert _entries(booking) == [
        ("sale", Decimal("5000.00"), "NGN", seller.pk, release),
        ("fee", Decimal("-250.00"), "NGN", seller.pk, release),
    ]
    assert selectors.seller_balances(seller=seller) == [
        Balance("NGN", pending=Decimal("4750.00"), available=Decimal("0.00"), paid_out=Decimal(0))
    ]


def test_a_payment_reported_by_every_path_records_the_sale_once(book, pay, flw, campaign):
    booking = book(quantity=3)
    payment = pay(booking, source="webhook")

    for source in ("redirect", "reconciliation", "webhook"):
        result = payment_services.payment_verify_and_confirm(tx_ref=payment.tx_ref, source=source)
        assert result.outcome == "settled"
    assert services.ledger_record_sale(booking=Booking.objects.get(pk=booking.pk)) == []

    assert sorted(LedgerEntry.objects.filter(booking=booking).values_list("kind", "amount")) == [
        ("fee", Decimal("-375.00")),
        ("sale", Decimal("7500.00")),
    ]


def test_the_database_refuses_a_second_sale_of_the_same_booking(book, pay):
    from django.db import IntegrityError, transaction

    booking = book()
    pay(booking)
    sale = LedgerEntry.objects.get(booking=booking, kind="sale")

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            seller_id=sale.seller_id,
            currency="NGN",
            amount=sale.amount,
            kind="sale",
            booking=booking,
            available_at=sale.available_at,
        )
    assert LedgerEntry.objects.filter(booking=booking).count() == 2


def test_ledger_entries_cannot_be_changed_or_deleted(credit, seller):
    entry = credit(seller, "100.00")

    entry.amount = Decimal("1000000.00")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("5.00"))
    with pytest.raises(TypeError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get().amount == Decimal("100.00")


def test_a_refund_writes_minus_the_total_once_and_the_platform_keeps_its_fee(
    book, pay, flw, seller, campaign, client_for
):
    booking = book(quantity=2)
    pay(booking)
    sale = LedgerEntry.objects.get(booking=booking, kind="sale")

    for _ in range(2):
        response = client_for(seller).post(f"/api/v1/bookings/{booking.pk}/refund/")
        assert response.status_code == 200

    assert _entries(booking) == [
        ("sale", Decimal("5000.00"), "NGN", seller.pk, sale.available_at),
        ("fee", Decimal("-250.00"), "NGN", seller.pk, sale.available_at),
        # Refunded while the sale is on hold: it leaves the pending money.
        ("refund", Decimal("-5000.00"), "NGN", seller.pk, sale.available_at),
    ]
    assert selectors.seller_balances(seller=seller) == [
        Balance("NGN", pending=Decimal("-250.00"), available=Decimal(0), paid_out=Decimal(0))
    ]


def test_a_refund_after_the_hold_comes_out_of_the_available_money(settings, seller):
    settings.PAYOUT_HOLD_DAYS = 3
    ended = CampaignFactory(
        seller=seller,
        starts_at=timezone.now() - timedelta(days=10),
        ends_at=timezone.now() - timedelta(days=9),
        status="ended",
    )
    booking = BookingFactory(campaign=ended, status="confirmed", total=Decimal("1200.00"))
    services.ledger_record_sale(booking=booking)
    assert selectors.seller_available_balance(seller_id=seller.pk, currency="NGN") == Decimal(
        "1140.00"
    )
    before = timezone.now()

    refund = services.ledger_record_refund(booking=booking)

    assert (refund.kind, refund.amount) == ("refund", Decimal("-1200.00"))
    assert before <= refund.available_at <= timezone.now()
    assert services.ledger_record_refund(booking=booking) is None
    assert selectors.seller_balances(seller=seller) == [
        Balance("NGN", pending=Decimal(0), available=Decimal("-60.00"), paid_out=Decimal(0))
    ]


def test_a_booking_never_recorded_as_a_sale_gets_no_refund_entry(seller):
    booking = BookingFactory(campaign=CampaignFactory(seller=seller), status="refunded")

    assert services.ledger_record_refund(booking=booking) is None
    assert LedgerEntry.objects.count() == 0


def test_earnings_become_available_exactly_hold_days_after_the_campaign_ends(settings, seller):
    settings.PAYOUT_HOLD_DAYS = 3
    campaign = CampaignFactory(seller=seller, currency="KES")
    booking = BookingFactory(campaign=campaign, status="confirmed", total=Decimal("800.00"))
    services.ledger_record_sale(booking=booking)
    release = campaign.ends_at + timedelta(days=3)

    just_before = selectors.seller_balances(seller=seller, now=release - timedelta(seconds=1))
    at_release = selectors.seller_balances(seller=seller, now=release)

    assert just_before == [Balance("KES", Decimal("760.00"), Decimal(0), Decimal(0))]
    assert at_release == [Balance("KES", Decimal(0), Decimal("760.00"), Decimal(0))]


def test_balances_are_the_sums_of_the_entries_per_currency(
    book, pay, flw, seller, credit, bank_method
):
    pay(book(quantity=1))
    pay(book(quantity=4))
    credit(seller, "900.00")
    credit(seller, "55.50", currency="USD")
    services.payout_request(
        seller=seller, amount="400.00", currency="NGN", method_id=bank_method.pk
    )

    balances = {b.currency: b for b in selectors.seller_balances(seller=seller)}

    for currency, balance in balances.items():
        total = LedgerEntry.objects.filter(seller=seller, currency=currency).aggregate(
            total=Sum("amount")
        )["total"]
        assert balance.pending + balance.available == total
    assert balances == {
        "NGN": Balance("NGN", Decimal("11875.00"), Decimal("500.00"), Decimal("400.00")),
        "USD": Balance("USD", Decimal(0), Decimal("55.50"), Decimal(0)),
    }
