"""Every write of the finance app: ledger entries for sales and refunds, withdrawal methods,
payouts and their transfer results.

The ledger is append-only and written in the same transaction as the change it records.
A sale's money (and its fee) becomes available PAYOUT_HOLD_DAYS after its campaign ends.
On a refund the platform keeps its fee: the gateway keeps its own charges on a refund too,
and refunds are the seller's decision (or follow their cancelling the campaign), so the
seller's books show -fee for a refunded booking.

Payouts lock the seller's user row, so two requests of one seller are serialised and cannot
both spend the same available balance. The transfer is sent after commit by a task, at most
once per payout reference. Flutterwave's `transfer.completed` webhook settles it, on the
gateway's own record of the transfer (never the body's word); a beat job asks the gateway
about transfers whose webhook never came.
"""

import logging
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_event_record
from bookings.models import Booking
from core.errors import Invalid, NotFound
from core.locking import lock_one
from core.money import to_money
from core.money_format import format_money
from core.tasks import enqueue, enqueue_on_commit
from finance import selectors
from finance.models import LedgerEntry, Payout, WithdrawalMethod
from gateways import GatewayError, GatewayUnavailable, get_gateway

logger = logging.getLogger(__name__)

# A transfer sent this recently without an answer may still be in flight: not sent again yet.
TRANSFER_IN_FLIGHT = timedelta(seconds=30)
# A transfer still unsettled this long after it was sent (or last checked) is asked about.
SETTLE_AFTER = timedelta(minutes=10)
SETTLE_BATCH = 100
BANK_ACCOUNT_NUMBER = re.compile(r"\A[0-9]{6,20}\Z")
PHONE_NUMBER = re.compile(r"\A[1-9][0-9]{7,14}\Z")  # E.164 without the "+"
BANK_CODE = re.compile(r"\A[0-9A-Za-z]{2,20}\Z")


class InsufficientFunds(Invalid):
    code = "insufficient_funds"
    default_detail = "The amount is more than your available balance."


class InvalidPayout(Invalid):
    default_detail = "This payout cannot be requested."


class MethodNotFound(NotFound):
    default_detail = "No such withdrawal method of yours."


# --- Ledger -------------------------------------------------------------------------------


def platform_fee(total: Decimal) -> Decimal:
    """PLATFORM_FEE_PERCENT of `total`, rounded half-up to the cent (core.money)."""
    return to_money(Decimal(total) * Decimal(settings.PLATFORM_FEE_PERCENT) / Decimal(100))


def ledger_record_sale(*, booking: Booking) -> list[LedgerEntry]:
    """SALE +total and FEE -fee for a booking just confirmed; nothing if already recorded.

    Call inside the transaction that confirms the booking, so both happen or neither.
    """
    if LedgerEntry.objects.filter(booking=booking, kind=LedgerEntry.Kind.SALE).exists():
        return []
    campaign = booking.campaign
    available_at = campaign.ends_at + timedelta(days=settings.PAYOUT_HOLD_DAYS)
    common = {
        "seller_id": campaign.seller_id,
        "currency": booking.currency,
        "booking": booking,
        "available_at": available_at,
    }
    entries = [
        LedgerEntry(kind=LedgerEntry.Kind.SALE, amount=booking.total, **common),
        LedgerEntry(kind=LedgerEntry.Kind.FEE, amount=-platform_fee(booking.total), **common),
    ]
    try:
        with transaction.atomic():
            return LedgerEntry.objects.bulk_create(entries)
    except IntegrityError:  # recorded meanwhile by another path
        return []


def ledger_record_refund(*, booking: Booking) -> LedgerEntry | None:
    """REFUND -total for a booking whose money went back; the fee stays charged (see above).

    Call inside the transaction that marks the booking refunded. Nothing is written twice,
    nor for a booking whose sale was never recorded. The refund leaves the same bucket its
    sale is in: pending while the sale is on hold, available once the sale was released.
    """
    sale = LedgerEntry.objects.filter(booking=booking, kind=LedgerEntry.Kind.SALE).first()
    if (
        sale is None
        or LedgerEntry.objects.filter(booking=booking, kind=LedgerEntry.Kind.REFUND).exists()
    ):
        return None
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(
                seller_id=sale.seller_id,
                currency=sale.currency,
                amount=-sale.amount,
                kind=LedgerEntry.Kind.REFUND,
                booking=booking,
                available_at=max(sale.available_at, timezone.now()),
            )
    except IntegrityError:
        return None


# --- Withdrawal methods -------------------------------------------------------------------


def _lock_seller(seller_id: int) -> None:
    """Serialise a seller's money writes: their user row is the lock (payouts, defaults)."""
    lock_one(User.objects.values_list("pk"), pk=seller_id)


def normalize_account_number(*, kind: str, value: str) -> str:
    """The account number as the gateway wants it; ValueError says what is wrong."""
    compact = re.sub(r"[\s-]", "", value or "")
    if kind == WithdrawalMethod.Kind.MOBILE_MONEY:
        compact = compact.removeprefix("+")
        if not PHONE_NUMBER.fullmatch(compact):
            raise ValueError("Enter the phone number with its country code, e.g. +254712345678.")
        return compact
    if not BANK_ACCOUNT_NUMBER.fullmatch(compact):
        raise ValueError("A bank account number is 6 to 20 digits.")
    return compact


def withdrawal_method_add(
    *,
    seller: User,
    kind: str,
    bank_code: str,
    account_number: str,
    account_name: str,
    country: str,
    currency: str,
    is_default: bool = False,
    ip: str | None = None,
) -> WithdrawalMethod:
    """Add a validated method; the first of a currency, or one asked to be, is the default."""
    with transaction.atomic():
        _lock_seller(seller.pk)
        current = selectors.seller_withdrawal_methods(seller=seller).filter(
            currency=currency, is_default=True
        )
        make_default = is_default or not current.exists()
        if make_default:
            current.update(is_default=False)
        method = WithdrawalMethod.objects.create(
            seller=seller,
            kind=kind,
            bank_code=bank_code,
            account_number=account_number,
            account_last4=account_number[-4:],
            account_name=account_name,
            country=country,
            currency=currency,
            is_default=make_default,
        )
        audit_event_record(
            actor=seller,
            action="withdrawal_method.added",
            target=method,
            ip=ip,
            metadata={"kind": kind, "account_last4": method.account_last4, "currency": currency},
        )
    return method


def withdrawal_method_remove(*, seller: User, method_id: int, ip: str | None = None) -> None:
    """Hide a method from the seller (payouts keep referring to it); another becomes default."""
    with transaction.atomic():
        _lock_seller(seller.pk)
        methods = selectors.seller_withdrawal_methods(seller=seller)
        method = methods.filter(pk=method_id).first()
        if method is None:
            raise MethodNotFound()
        was_default = method.is_default
        method.removed_at = timezone.now()
        method.is_default = False
        method.save(update_fields=["removed_at", "is_default"])
        if was_default:
            successor = methods.filter(currency=method.currency).order_by("-created_at").first()
            if successor is not None:
                methods.filter(pk=successor.pk).update(is_default=True)
        audit_event_record(
            actor=seller,
            action="withdrawal_method.removed",
            target=method,
            ip=ip,
            metadata={"account_last4": method.account_last4, "currency": method.currency},
        )


# --- Payouts ------------------------------------------------------------------------------


def _clean_amount(amount) -> Decimal:
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise InvalidPayout("The amount is not a number.") from None
    if not value.is_finite() or value <= 0:
        raise InvalidPayout("The amount must be more than zero.")
    if value != to_money(value):
        raise InvalidPayout("The amount has at most two decimal places.")
    return value


def payout_request(
    *, seller: User, amount, currency: str, method_id: int, ip: str | None = None
) -> Payout:
    """Take `amount` out of the seller's available balance and have it transferred.

    The PAYOUT entry is written at once, under the seller's lock, so the money cannot be
    spent twice; the transfer is sent after commit.
    """
    amount = _clean_amount(amount)
    if currency not in settings.CURRENCIES:
        raise InvalidPayout(f"Unsupported currency {currency!r}.")
    with transaction.atomic():
        _lock_seller(seller.pk)
        method = selectors.seller_withdrawal_methods(seller=seller).filter(pk=method_id).first()
        if method is None:
            raise MethodNotFound()
        if method.currency != currency:
            raise InvalidPayout(f"This withdrawal method receives {method.currency} only.")
        available = selectors.seller_available_balance(seller_id=seller.pk, currency=currency)
        if amount > available:
            raise InsufficientFunds(
                f"You can withdraw up to {format_money(available, currency)}.",
                available=str(available),
            )
        now = timezone.now()
        payout = Payout.objects.create(
            seller=seller, method=method, amount=amount, currency=currency
        )
        LedgerEntry.objects.create(
            seller=seller,
            currency=currency,
            amount=-amount,
            kind=LedgerEntry.Kind.PAYOUT,
            payout=payout,
            available_at=now,
        )
        audit_event_record(
            actor=seller,
            action="payout.requested",
            target=payout,
            ip=ip,
            metadata={"amount": str(amount), "currency": currency, "reference": payout.reference},
        )
        # If the broker cannot take it now, payouts_send_due sends it later.
        enqueue_on_commit(payout_send, payout_id=payout.pk)
    return payout


def _payout_fail(payout: Payout, *, reason: str) -> None:
    """Mark a locked payout failed and give its money back with a PAYOUT_REVERSAL entry."""
    payout.status = Payout.Status.FAILED
    payout.failure_reason = reason[:255]
    payout.completed_at = timezone.now()
    payout.save(update_fields=["status", "failure_reason", "completed_at", "updated_at"])
    LedgerEntry.objects.create(
        seller_id=payout.seller_id,
        currency=payout.currency,
        amount=payout.amount,
        kind=LedgerEntry.Kind.PAYOUT_REVERSAL,
        payout=payout,
        available_at=payout.completed_at,
    )
    audit_event_record(
        actor=None,
        action="payout.failed",
        target=payout,
        metadata={"reference": payout.reference, "reason": payout.failure_reason},
    )


def payout_send(*, payout_id: int) -> str:
    """Send a requested payout's transfer to the gateway, once; returns what happened.

    Safe to run again: only a REQUESTED payout is sent, and not while an earlier attempt may
    still be in flight. On no answer ("gateway_unavailable") it stays REQUESTED for a retry
    with the same reference, which Flutterwave will not pay twice; a refusal after such an
    unanswered attempt may only mean "duplicate reference", so the webhook decides then.
    """
    now = timezone.now()
    with transaction.atomic(durable=True):
        payout = lock_one(Payout.objects.select_related("method"), pk=payout_id)
        if payout.status != Payout.Status.REQUESTED:
            return "already_sent"
        earlier_attempt = payout.send_attempted_at
        if earlier_attempt is not None and earlier_attempt > now - TRANSFER_IN_FLIGHT:
            return "in_flight"
        payout.send_attempted_at = now
        payout.save(update_fields=["send_attempted_at", "updated_at"])
    method = payout.method
    try:
        answer = get_gateway().transfer(
            reference=payout.reference,
            amount=payout.amount,
            currency=payout.currency,
            account_bank=method.bank_code,
            account_number=method.account_number,
            beneficiary_name=method.account_name,
            narration=f"Payout {payout.reference}",
        )
    except GatewayUnavailable as exc:
        logger.warning("Transfer %s: no answer, will retry: %s", payout.reference, exc)
        return "gateway_unavailable"
    except GatewayError as exc:
        with transaction.atomic(durable=True):
            payout = lock_one(Payout.objects, pk=payout_id)
            if payout.status != Payout.Status.REQUESTED:
                return "already_sent"
            if earlier_attempt is not None:
                logger.warning("Transfer %s refused after a lost answer: %s", payout.reference, exc)
                payout.status = Payout.Status.PROCESSING
                payout.save(update_fields=["status", "updated_at"])
                return "awaiting_webhook"
            logger.error("Transfer %s refused: %s", payout.reference, exc)
            _payout_fail(payout, reason=f"Refused by the payment provider: {exc}")
        return "failed"
    Payout.objects.filter(pk=payout_id, status=Payout.Status.REQUESTED).update(
        status=Payout.Status.PROCESSING,
        gateway_transfer_id=answer.id[:64],
        sent_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return "sent"


def payouts_send_due(*, now=None) -> int:
    """Enqueue payouts still REQUESTED a while after their request (a lost enqueue or retry)."""
    now = now or timezone.now()
    due = Payout.objects.filter(
        status=Payout.Status.REQUESTED, created_at__lte=now - TRANSFER_IN_FLIGHT
    ).values_list("pk", flat=True)
    for payout_id in due:
        enqueue(payout_send, payout_id=payout_id)
    return len(due)


def payout_transfer_completed(*, data: dict) -> str:
    """Settle the payout a `transfer.completed` webhook names, from the gateway's record.

    The webhook's signature was checked by payments, but the body is only a hint: its
    reference picks the payout and its id the transfer to ask the gateway about.
    """
    if not isinstance(data, dict):
        return "invalid"
    reference = str(data.get("reference") or "")[:64]
    payout_id = Payout.objects.filter(reference=reference).values_list("pk", flat=True).first()
    if payout_id is None:
        return "unknown_payout"
    return payout_settle(payout_id=payout_id, transfer_id=str(data.get("id") or "")[:64])


def payout_settle(*, payout_id: int, transfer_id: str = "") -> str:
    """Settle a payout on what the gateway says of its transfer, once; returns what happened.

    The transfer asked about is the one the gateway named when it took the payout, else
    `transfer_id`; its record must carry the payout's reference, amount and currency.
    SUCCESSFUL makes the payout paid; FAILED marks it failed and gives the money back;
    anything else, or no answer ("gateway_unavailable"), leaves it for a later check.
    The gateway is asked outside the lock, so no row stays locked during the call.
    """
    payout = Payout.objects.get(pk=payout_id)
    if payout.status in (Payout.Status.PAID, Payout.Status.FAILED):
        return "settled"
    transfer_id = payout.gateway_transfer_id or transfer_id
    if not transfer_id:
        return "no_transfer"
    try:
        transfer = get_gateway().get_transfer(transfer_id=transfer_id)
    except GatewayUnavailable as exc:
        logger.warning("Transfer %s: no answer, will check again: %s", payout.reference, exc)
        return "gateway_unavailable"
    except GatewayError as exc:
        logger.error("Transfer %s (id %s) not confirmed: %s", payout.reference, transfer_id, exc)
        return "unconfirmed"
    if (
        transfer.reference != payout.reference
        or transfer.currency != payout.currency
        or transfer.amount != payout.amount
    ):
        logger.error(
            "Transfer %s for payout %s is %s %s %s",
            transfer_id,
            payout.reference,
            transfer.reference,
            transfer.amount,
            transfer.currency,
        )
        return "mismatch"
    with transaction.atomic(durable=True):
        payout = lock_one(Payout.objects, pk=payout_id)
        if payout.status in (Payout.Status.PAID, Payout.Status.FAILED):
            return "settled"
        payout.gateway_transfer_id = transfer.id[:64]
        if transfer.status == "SUCCESSFUL":
            payout.status = Payout.Status.PAID
            payout.completed_at = timezone.now()
            payout.save(
                update_fields=["status", "completed_at", "gateway_transfer_id", "updated_at"]
            )
            audit_event_record(
                actor=None,
                action="payout.paid",
                target=payout,
                metadata={"reference": payout.reference, "amount": str(payout.amount)},
            )
            return "payout_paid"
        if transfer.status == "FAILED":
            payout.save(update_fields=["gateway_transfer_id", "updated_at"])
            _payout_fail(
                payout, reason=transfer.complete_message or "Failed at the payment provider."
            )
            return "payout_failed"
        # Still on its way; the id is kept so the transfer can be asked about later.
        payout.save(update_fields=["gateway_transfer_id", "updated_at"])
    return "pending"


def payouts_settle_processing(*, now=None, limit: int = SETTLE_BATCH) -> dict[str, int]:
    """Ask the gateway about payouts sent a while ago and still unsettled (a lost webhook).

    Those checked longest ago come first (payout_settle touches `updated_at`), so payouts
    the gateway keeps pending do not starve the others.
    """
    now = now or timezone.now()
    due = (
        Payout.objects.filter(status=Payout.Status.PROCESSING, updated_at__lte=now - SETTLE_AFTER)
        .exclude(gateway_transfer_id="")
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for payout_id in due:
        result = payout_settle(payout_id=payout_id)
        counts[result] = counts.get(result, 0) + 1
    logger.info("Processing payouts checked: %s", counts)
    return counts
