"""Reads of seller money used by the API, the seller page and the services: balances, reports."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DateField, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from core.money import to_money
from finance.models import LedgerEntry, Payout, WithdrawalMethod

ZERO = Decimal("0.00")
REPORT_PERIODS = ("day", "month")


@dataclass(frozen=True)
class Balance:
    """One currency of a seller's money. pending + available = the sum of every entry.

    `paid_out` is what left through payouts (requested, in flight or paid; failed ones are
    reversed and so not counted). It is already subtracted from `available`.
    """

    currency: str
    pending: Decimal
    available: Decimal
    paid_out: Decimal


@dataclass(frozen=True)
class ReportRow:
    """Ledger totals of one period, campaign and currency; payouts have no campaign.

    Revenue, fees, refunds and payouts are shown as positive sums; `net` is the signed sum
    of every entry of the row (adjustments included).
    """

    period: date
    campaign_id: int | None
    campaign_title: str
    currency: str
    revenue: Decimal
    fees: Decimal
    refunds: Decimal
    payouts: Decimal
    net: Decimal


def _sum(condition: Q | None = None) -> Sum:
    return Sum("amount", filter=condition, default=ZERO)


def seller_balances(*, seller, now=None) -> list[Balance]:
    """Every currency the seller has entries in, by currency code."""
    now = now or timezone.now()
    rows = (
        LedgerEntry.objects.filter(seller=seller)
        .values("currency")
        .annotate(
            pending=_sum(Q(available_at__gt=now)),
            available=_sum(Q(available_at__lte=now)),
            payouts=_sum(Q(kind__in=LedgerEntry.PAYOUT_KINDS)),
        )
        .order_by("currency")
    )
    return [
        Balance(
            currency=row["currency"],
            pending=to_money(row["pending"]),
            available=to_money(row["available"]),
            paid_out=to_money(-row["payouts"]),
        )
        for row in rows
    ]


def seller_available_balance(*, seller_id: int, currency: str, now=None) -> Decimal:
    """What the seller may withdraw in `currency` now; read it holding the seller's lock."""
    now = now or timezone.now()
    total = LedgerEntry.objects.filter(
        seller_id=seller_id, currency=currency, available_at__lte=now
    ).aggregate(total=_sum())["total"]
    return to_money(total)


def seller_ledger(*, seller) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(seller=seller).order_by("-created_at", "-id")


def seller_payouts(*, seller) -> QuerySet[Payout]:
    return Payout.objects.filter(seller=seller).select_related("method").order_by("-created_at")


def seller_withdrawal_methods(*, seller) -> QuerySet[WithdrawalMethod]:
    return WithdrawalMethod.objects.filter(seller=seller, removed_at__isnull=True)


def seller_report(*, seller, start: date, end: date, period: str = "day") -> list[ReportRow]:
    """Ledger totals from `start` to `end` (UTC dates, both included), by period and campaign."""
    trunc = TruncDate("created_at") if period == "day" else TruncMonth("created_at", DateField())
    rows = (
        LedgerEntry.objects.filter(
            seller=seller, created_at__date__gte=start, created_at__date__lte=end
        )
        .annotate(period=trunc)
        .values("period", "booking__campaign", "booking__campaign__title", "currency")
        .annotate(
            revenue=_sum(Q(kind=LedgerEntry.Kind.SALE)),
            fees=_sum(Q(kind=LedgerEntry.Kind.FEE)),
            refunds=_sum(Q(kind=LedgerEntry.Kind.REFUND)),
            payouts=_sum(Q(kind__in=LedgerEntry.PAYOUT_KINDS)),
            net=_sum(),
        )
        .order_by("period", "currency", "booking__campaign")
    )
    return [
        ReportRow(
            period=row["period"],
            campaign_id=row["booking__campaign"],
            campaign_title=row["booking__campaign__title"] or "",
            currency=row["currency"],
            revenue=to_money(row["revenue"]),
            fees=to_money(-row["fees"]),
            refunds=to_money(-row["refunds"]),
            payouts=to_money(-row["payouts"]),
            net=to_money(row["net"]),
        )
        for row in rows
    ]
