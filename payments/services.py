"""Every write of the payments app: checkout, verification, webhooks, reconciliation, refunds.

Gateway calls never run inside a database transaction: a row is committed first, the
gateway is called, and its answer is recorded in a new short transaction that re-checks the
state under the payment's row lock. Lock order: payment row, then (inside the bookings
services) booking row, then ticket types. Gateway failures leave payments as they were, for
the next webhook, redirect or reconciliation round; nothing is marked failed on a timeout.
"""

import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import audit_event_record, audit_event_record_sampled
from bookings import selectors as booking_selectors
from bookings.models import Booking
from bookings.receipts.services import credit_note_issue, receipt_issue
from bookings.services import (
    ConfirmOutcome,
    booking_mark_refunded,
    campaign_bookings_settle_cancellation,
    confirm_booking,
)
from campaigns import services as campaign_services
from campaigns.models import Campaign
from core import metrics
from core.errors import (
    Conflict,
    DomainError,
    Invalid,
    InvalidTransition,
    NotFound,
    NotPermitted,
    Unauthenticated,
    Unavailable,
    UpstreamRefused,
)
from core.locking import lock_one
from core.money_format import format_money
from core.request_guard import Refused, load_json
from core.tasks import enqueue, enqueue_on_commit
from finance.services import ledger_record_refund, ledger_record_sale, payout_transfer_completed
from gateways import (
    Customer,
    GatewayError,
    GatewayUnavailable,
    RefundResult,
    Transaction,
    TransactionNotFound,
    get_gateway,
    webhook_secret_hash,
)
from notices import services as notices
from payments.models import Payment, Refund, RefundRequest, WebhookEvent

logger = logging.getLogger(__name__)

# A payment still pending this long after its last change is verified by the beat job.
RECONCILE_AFTER = timedelta(minutes=3)
# A checkout nobody paid within this time is given up (marked failed, reason "abandoned").
ABANDON_AFTER = timedelta(hours=24)
# A refund sent this recently without an answer is in flight: do not send it again yet.
REFUND_IN_FLIGHT = timedelta(minutes=2)
RECONCILE_BATCH = 200
TRANSACTION_ID = re.compile(r"\A[0-9A-Za-z_-]{1,64}\Z")
STORED_WEBHOOK_HEADERS = ("content-type", "user-agent", "x-forwarded-for", "x-request-id")


class PaymentNotFound(NotFound):
    default_detail = "No such payment."


class NotPayable(Conflict):
    code = "not_payable"
    default_detail = "This booking cannot be paid now."


class GatewayDown(Unavailable):
    code = "gateway_unavailable"
    default_detail = "The payment provider did not answer. Please try again in a moment."


class GatewayRefused(UpstreamRefused):
    code = "gateway_error"
    default_detail = "The payment provider refused the request."


class InvalidSignature(Unauthenticated):
    code = "invalid_signature"
    default_detail = "The webhook signature is missing or wrong."


class InvalidWebhook(Invalid):
    default_detail = "The webhook body is not a JSON object."


class NoPaymentToRefund(Conflict):
    code = "no_payment"
    default_detail = "This booking has no successful payment to refund."


class RefundInProgress(Conflict):
    code = "refund_in_progress"
    default_detail = "A refund of this payment was just sent; its answer is awaited."


class VerifyOutcome(StrEnum):
    CONFIRMED = "confirmed"
    SETTLED = "settled"  # already successful or refunded: nothing to do
    NOT_PAID = "not_paid"  # the gateway knows no payment yet, or it is still processing
    FAILED = "failed"
    MISMATCH = "mismatch"  # another payment's transaction: no value given
    UNAVAILABLE = "gateway_unavailable"
    # Paid, but not the currency or amount asked, or the booking could not take it: no
    # value given and the money sent back.
    REFUNDED = "refunded"
    REFUND_DUE = "refund_due"  # as above, and the refund is still to be sent


@dataclass(frozen=True)
class VerifyResult:
    outcome: VerifyOutcome
    payment: Payment


@dataclass(frozen=True)
class WebhookReceipt:
    event: WebhookEvent
    duplicate: bool


# --- Checkout -----------------------------------------------------------------------------


def payment_initialize(*, booking_id: int, customer: User) -> Payment:
    """Open a checkout for the customer's pending booking, or return the one already open.

    The CREATED row is committed before the gateway is called; a failed call leaves it
    CREATED and the next attempt reuses it and its tx_ref.
    """
    booking = Booking.objects.select_related("campaign").filter(pk=booking_id).first()
    if booking is None or booking.customer_id != customer.pk:
        raise PaymentNotFound("No such booking of yours.")
    if booking.status != Booking.Status.PENDING_PAYMENT:
        raise NotPayable(f"This booking is {booking.status}; only a pending booking is paid.")
    if booking.expires_at <= timezone.now():
        raise NotPayable("The hold on these seats has ended. Please book again.")
    payment = _live_payment_for(booking)
    if payment.status == Payment.Status.PENDING:
        return payment
    gateway = get_gateway(payment.gateway)
    try:
        checkout = gateway.initialize(
            tx_ref=payment.tx_ref,
            amount=payment.amount,
            currency=payment.currency,
            redirect_url=settings.SITE_URL + reverse("payments-return"),
            customer=Customer(email=customer.email, name=customer.name, phone=customer.phone),
            title=booking.campaign.title,
            description=f"Booking {booking.reference}",
            meta={"booking": booking.pk, "reference": booking.reference},
        )
    except GatewayUnavailable as exc:
        logger.warning("Checkout for %s failed: %s", payment.tx_ref, exc)
        raise GatewayDown() from exc
    except GatewayError as exc:
        logger.error("Checkout for %s refused: %s", payment.tx_ref, exc)
        raise GatewayRefused() from exc
    # Of two racing calls the first link is kept and both callers get it.
    Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(
        status=Payment.Status.PENDING, checkout_link=checkout.link, updated_at=timezone.now()
    )
    payment.refresh_from_db()
    return payment


def _live_payment_for(booking: Booking) -> Payment:
    """The booking's CREATED or PENDING payment, created if there is none (one per booking)."""
    live = Payment.objects.filter(booking=booking, status__in=Payment.LIVE_STATUSES)
    payment = live.first()
    if payment is not None:
        return payment
    try:
        with transaction.atomic(durable=True):
            return Payment.objects.create(
                booking=booking,
                gateway=settings.PAYMENT_GATEWAY,
                amount=booking.total,
                currency=booking.currency,
            )
    except IntegrityError:
        return live.get()


# --- Verification and confirmation --------------------------------------------------------


def payment_verify_and_confirm(
    *,
    tx_ref: str,
    source: str,
    transaction_id: str = "",
    booking_id: int | None = None,
    actor: User | None = None,
) -> VerifyResult:
    """Ask the gateway about a payment and, if it was paid in full, confirm its booking once.

    Whatever reported it (webhook, redirect, mobile client, reconciliation), the report
    itself is not trusted: only the gateway's answer counts, checked for status, tx_ref,
    currency and amount. `booking_id`, when given, must be the payment's booking.
    """
    result = _verify_and_confirm(
        tx_ref=tx_ref,
        source=source,
        transaction_id=transaction_id,
        booking_id=booking_id,
        actor=actor,
    )
    metrics.count_on_commit(metrics.PAYMENT_VERIFICATIONS, outcome=result.outcome, source=source)
    return result


def _verify_and_confirm(
    *, tx_ref: str, source: str, transaction_id: str, booking_id: int | None, actor: User | None
) -> VerifyResult:
    payment = Payment.objects.filter(tx_ref=tx_ref).first()
    if payment is None or (booking_id is not None and payment.booking_id != booking_id):
        raise PaymentNotFound()
    if not TRANSACTION_ID.fullmatch(str(transaction_id)):
        transaction_id = ""  # not an id the gateway could have issued: ask by reference
    if payment.status == Payment.Status.REFUND_DUE:
        return _refund_due_payment(payment)
    if payment.status not in Payment.OPEN_STATUSES:
        return VerifyResult(VerifyOutcome.SETTLED, payment)
    gateway = get_gateway(payment.gateway)
    try:
        if transaction_id:
            found = gateway.verify(transaction_id=str(transaction_id))
        else:
            found = gateway.verify_by_reference(tx_ref=payment.tx_ref)
    except TransactionNotFound:
        return VerifyResult(VerifyOutcome.NOT_PAID, payment)
    except GatewayUnavailable as exc:
        logger.warning("Verifying %s failed, left for the next round: %s", tx_ref, exc)
        return VerifyResult(VerifyOutcome.UNAVAILABLE, payment)
    except GatewayError as exc:
        logger.warning("Verifying %s (transaction %r) refused: %s", tx_ref, transaction_id, exc)
        return VerifyResult(VerifyOutcome.NOT_PAID, payment)
    if found.tx_ref != payment.tx_ref:
        logger.warning(
            "Transaction %s belongs to %s, not %s: ignored", found.id, found.tx_ref, tx_ref
        )
        return VerifyResult(VerifyOutcome.MISMATCH, payment)
    if not found.successful:
        if found.status == "failed":
            return _mark_failed(payment, found, reason="Failed at the gateway.")
        return VerifyResult(VerifyOutcome.NOT_PAID, payment)
    if found.currency != payment.currency or found.amount < payment.amount:
        return _refund_wrong_charge(payment, found)
    return _settle(payment, found, source=source, actor=actor)


def _record_verification(payment: Payment, found: Transaction) -> None:
    payment.gateway_transaction_id = found.id
    payment.amount_paid, payment.currency_paid = found.amount, found.currency
    payment.verified_at = timezone.now()
    payment.verification = found.raw


def _mark_failed(payment: Payment, found: Transaction, *, reason: str) -> VerifyResult:
    """Record a failed transaction; a payment already settled is left alone."""
    with transaction.atomic(durable=True):
        payment = lock_one(Payment.objects, pk=payment.pk)
        if payment.status not in Payment.LIVE_STATUSES:
            settled = payment.status not in Payment.OPEN_STATUSES
            return VerifyResult(VerifyOutcome.SETTLED if settled else VerifyOutcome.FAILED, payment)
        _record_verification(payment, found)
        payment.status = Payment.Status.FAILED
        payment.failure_reason = reason[:255]
        payment.save()
    return VerifyResult(VerifyOutcome.FAILED, payment)


def _refund_wrong_charge(payment: Payment, found: Transaction) -> VerifyResult:
    """A successful charge in another currency or of less than asked (a tampered checkout):
    it gives no value, and the customer was charged, so it is refunded in full (rule 3)."""
    paid = format_money(found.amount, found.currency)
    expected = format_money(payment.amount, payment.currency)
    logger.error("Payment %s paid %s, expected %s: refunding", payment.tx_ref, paid, expected)
    with transaction.atomic(durable=True):
        payment = lock_one(Payment.objects, pk=payment.pk)
        if payment.status not in Payment.OPEN_STATUSES:
            return VerifyResult(VerifyOutcome.SETTLED, payment)
        _record_verification(payment, found)
        payment.status = Payment.Status.REFUND_DUE
        payment.failure_reason = f"Paid {paid}, expected {expected}."
        payment.save()
    return _refund_due_payment(payment)


def _settle(payment: Payment, found: Transaction, *, source: str, actor: User | None):
    """Confirm the booking of a verified payment, once, and owe back what it brought beyond
    the price; refund it if the booking cannot."""
    with transaction.atomic(durable=True):
        payment = lock_one(Payment.objects, pk=payment.pk)
        if payment.status not in Payment.OPEN_STATUSES:
            if payment.status != Payment.Status.REFUND_DUE:
                return VerifyResult(VerifyOutcome.SETTLED, payment)
        else:
            result = confirm_booking(booking_id=payment.booking_id, source=source, actor=actor)
            _record_verification(payment, found)
            payment.confirmed_via = source
            if result.outcome == ConfirmOutcome.CONFIRMED:
                payment.status = Payment.Status.SUCCESSFUL
                payment.save()  # the bookings app e-mails the tickets on commit
                ledger_record_sale(booking=result.booking)
                receipt_issue(booking_id=payment.booking_id, payment_reference=payment.tx_ref)
                _excess_refund_owe(payment)
                return VerifyResult(VerifyOutcome.CONFIRMED, payment)
            payment.status = Payment.Status.REFUND_DUE
            payment.failure_reason = _refund_reason(result.outcome, result.booking)
            payment.save()
            logger.warning("Payment %s cannot be honoured: refunding", payment.tx_ref)
    return _refund_due_payment(payment)


def _refund_reason(outcome: ConfirmOutcome, booking: Booking) -> str:
    if outcome == ConfirmOutcome.ALREADY_CONFIRMED:
        return "The booking was already paid by another payment."
    if booking.campaign.status == Campaign.Status.CANCELLED:
        return "The campaign was cancelled."
    return "The seats were no longer available when the payment arrived."


# --- Refunds ------------------------------------------------------------------------------


def _refund_due_payment(payment: Payment) -> VerifyResult:
    """Send back a payment its booking could not take, and tell the customer (rule 3)."""
    try:
        _send_refund(payment=payment, reason="automatic", actor=None)
    except (GatewayDown, GatewayRefused, RefundInProgress) as exc:
        logger.warning("Refund of %s not sent yet: %s", payment.tx_ref, exc.detail)
        payment.refresh_from_db()
        return VerifyResult(VerifyOutcome.REFUND_DUE, payment)
    enqueue_on_commit(payment_mark_refund_emailed, payment_id=payment.pk)
    payment.refresh_from_db()
    return VerifyResult(VerifyOutcome.REFUNDED, payment)


def _send_refund(*, payment: Payment, reason: str, actor: User | None) -> Refund:
    """Refund a paid payment in full through the gateway, once.

    A Refund row is committed before the call. v3 has no idempotency key, so a refund sent
    moments ago without an answer is not sent again (RefundInProgress); an older one whose
    answer never came (crash, timeout) is retried. "In full" leaves out an excess already
    owed back separately (`payment_excess_refund_send`).
    """
    with transaction.atomic(durable=True):
        locked = lock_one(Payment.objects, pk=payment.pk)
        refunds = locked.refunds.exclude(reason=Refund.EXCESS)
        refund = (
            refunds.filter(status__in=[Refund.Status.PENDING, Refund.Status.COMPLETED])
            .order_by("-created_at")
            .first()
        )
        if refund is not None and refund.status == Refund.Status.COMPLETED:
            return refund
        if locked.status not in (Payment.Status.SUCCESSFUL, Payment.Status.REFUND_DUE):
            raise NoPaymentToRefund(f"Payment {locked.tx_ref} is {locked.status}.")
        if refund is not None and refund.updated_at > timezone.now() - REFUND_IN_FLIGHT:
            raise RefundInProgress()
        excess = _excess_owed(locked)
        if refund is None:
            refund = Refund.objects.create(
                payment=locked,
                amount=locked.charged_amount - excess,
                currency=locked.charged_currency,
                reason=reason,
                requested_by=actor if actor is not None and actor.pk else None,
            )
        else:
            refund.save(update_fields=["updated_at"])
    answer = _gateway_refund(
        refund,
        payment=locked,
        amount=refund.amount if excess else None,
        comments=f"Refund of booking payment {locked.tx_ref} ({reason})",
    )
    with transaction.atomic(durable=True):
        _refund_completed(refund, answer)
        Payment.objects.filter(pk=locked.pk).update(
            status=Payment.Status.REFUNDED, updated_at=timezone.now()
        )
    refund.refresh_from_db()
    return refund


def _gateway_refund(refund: Refund, *, payment: Payment, amount, comments: str) -> RefundResult:
    """Send `refund` (committed, PENDING) to the gateway and return its answer, which the
    caller records (`_refund_completed`); a refusal marks it FAILED and raises
    GatewayRefused, no answer raises GatewayDown and leaves it PENDING. `amount` None
    refunds the whole transaction."""
    gateway = get_gateway(payment.gateway)
    try:
        answer = gateway.refund(
            transaction_id=payment.gateway_transaction_id, amount=amount, comments=comments
        )
    except GatewayUnavailable as exc:
        logger.warning("Refund of %s: no answer, will retry: %s", payment.tx_ref, exc)
        raise GatewayDown() from exc
    except GatewayError as exc:
        logger.error("Refund of %s refused: %s", payment.tx_ref, exc)
        Refund.objects.filter(pk=refund.pk).update(
            status=Refund.Status.FAILED,
            gateway_response={"error": str(exc)},
            updated_at=timezone.now(),
        )
        raise GatewayRefused(f"The payment provider refused the refund: {exc}") from exc
    return answer


def _refund_completed(refund: Refund, answer: RefundResult) -> None:
    Refund.objects.filter(pk=refund.pk).update(
        status=Refund.Status.COMPLETED,
        gateway_refund_id=answer.id,
        gateway_response=answer.raw,
        updated_at=timezone.now(),
    )


# --- Overpayments ---------------------------------------------------------------------------


def _excess_owed(payment: Payment):
    """What of `payment` is owed back, or was sent back, as an excess over its price."""
    owed = payment.refunds.filter(reason=Refund.EXCESS).exclude(status=Refund.Status.FAILED)
    return owed.aggregate(total=Sum("amount"))["total"] or 0


def _excess_refund_owe(payment: Payment) -> None:
    """In the confirming transaction: owe back what the payment brought beyond its price
    (INTEGRATIONS: give value for at least the price, refund any excess), sent once the
    confirmation commits."""
    excess = payment.charged_amount - payment.amount
    if excess <= 0:
        return
    refund = Refund.objects.create(
        payment=payment,
        amount=excess,
        currency=payment.currency,
        reason=Refund.EXCESS,
        status=Refund.Status.DUE,
    )
    logger.warning("Payment %s paid %s over its price: refunding it", payment.tx_ref, excess)
    enqueue_on_commit(payment_excess_refund_send, refund_id=refund.pk)


def payment_excess_refund_send(*, refund_id: int) -> str:
    """Send an excess refund owed back to the gateway, once; returns its status after.

    Safe to run again: a DUE refund is sent, and a PENDING one whose answer never came
    within REFUND_IN_FLIGHT is sent again; any other is left as it is.
    """
    with transaction.atomic(durable=True):
        refund = lock_one(Refund.objects.select_related("payment"), pk=refund_id)
        unanswered = refund.status == Refund.Status.PENDING and (
            refund.updated_at <= timezone.now() - REFUND_IN_FLIGHT
        )
        if refund.status != Refund.Status.DUE and not unanswered:
            return refund.status
        refund.status = Refund.Status.PENDING
        refund.save(update_fields=["status", "updated_at"])
    payment = refund.payment
    try:
        answer = _gateway_refund(
            refund,
            payment=payment,
            amount=refund.amount,
            comments=f"Refund of the excess of booking payment {payment.tx_ref}",
        )
    except (GatewayDown, GatewayRefused):
        # Logged: reconciliation sends an unanswered one again, ops see a refused one.
        refund.refresh_from_db()
        return refund.status
    _refund_completed(refund, answer)
    return Refund.Status.COMPLETED


def payment_refund(*, booking_id: int, actor: User | None, reason: str = "requested") -> Booking:
    """Refund a confirmed booking through the gateway, then mark it refunded (seats freed).

    `actor` must be the campaign's seller or a super admin; None is the system (cancelled
    campaigns). Refunding a refunded booking again changes nothing.
    """
    booking = Booking.objects.select_related("campaign").filter(pk=booking_id).first()
    if booking is None:
        raise PaymentNotFound("No such booking.")
    if actor is not None and not (
        actor.role == Role.SUPER_ADMIN or actor.pk == booking.campaign.seller_id
    ):
        raise NotPermitted("Only the campaign's seller or a super admin can refund.")
    if booking.status == Booking.Status.REFUNDED:
        return booking
    if booking.status != Booking.Status.CONFIRMED:
        raise InvalidTransition(
            f"Only a confirmed booking can be refunded; this one is {booking.status}."
        )
    paid = booking.payments.filter(status=Payment.Status.SUCCESSFUL).first()
    if paid is not None:
        _send_refund(payment=paid, reason=reason, actor=actor)
    elif not booking.payments.filter(status=Payment.Status.REFUNDED).exists():
        raise NoPaymentToRefund()
    with transaction.atomic(durable=True):
        booking = booking_mark_refunded(booking_id=booking.pk, actor=actor)
        ledger_record_refund(booking=booking)
        refunded = booking.payments.filter(status=Payment.Status.REFUNDED).first()
        credit_note_issue(booking_id=booking.pk, payment_reference=refunded.tx_ref)
        # Whichever path refunded it (approval, the seller's button, a cancellation).
        RefundRequest.objects.filter(booking=booking, status__in=REFUND_REQUEST_OPEN).update(
            status=RefundRequest.Status.REFUNDED, updated_at=timezone.now()
        )
        enqueue_on_commit(notices.refund_completed_notify, booking_id=booking.pk)
    return booking


# --- Refund requests -------------------------------------------------------------------
# Lock order: a request row, or the booking row when a request is made; payment_refund, which
# locks the payment then the booking, runs after those transactions commit.


REFUND_REQUEST_OPEN = (RefundRequest.Status.PENDING, RefundRequest.Status.APPROVED)


class RefundNotAllowed(Conflict):
    code = "refund_not_allowed"
    default_detail = "This booking cannot be refunded on request."


class RefundRequestNotFound(NotFound):
    default_detail = "No such refund request of your campaigns."


def _refund_is_automatic(campaign: Campaign, now) -> bool:
    """Whether the campaign's policy refunds a request now at once (True), after the
    seller's approval (False), or not at all (RefundNotAllowed)."""
    if campaign.status == Campaign.Status.CANCELLED:
        raise RefundNotAllowed("The campaign was cancelled: every booking is refunded already.")
    if campaign.starts_at <= now:
        raise RefundNotAllowed("The campaign has started: refunds are no longer requested.")
    policy = campaign.refund_policy
    if policy == Campaign.RefundPolicy.APPROVAL:
        return False
    if policy == Campaign.RefundPolicy.UNTIL_DAYS_BEFORE:
        deadline = campaign.starts_at - timedelta(days=campaign.refund_days_before or 0)
        if now <= deadline:
            return True
        raise RefundNotAllowed(
            f"Refunds were possible until {campaign.refund_days_before} days before the start."
        )
    raise RefundNotAllowed("This campaign does not refund bookings on request.")


def refund_request_create(
    *, booking_id: int, customer: User, reason: str = "", ip: str | None = None
) -> RefundRequest:
    """The customer asks for their paid booking's money back, under the campaign's policy.

    Under "until N days before" the request is approved at once and its refund sent right
    after the commit (`refund_request_complete`); under "approval" it waits for the seller,
    who is e-mailed.
    Refused (RefundNotAllowed, nothing written) outside the policy, for a booking that is not
    paid, or when a request is already open or refunded: the booking row lock makes
    simultaneous requests queue, and the second finds the first.
    """
    if not Booking.objects.filter(pk=booking_id, customer=customer).exists():
        raise PaymentNotFound("No such booking of yours.")
    now = timezone.now()
    with transaction.atomic(durable=True):
        booking = lock_one(Booking.objects.select_related("campaign"), pk=booking_id)
        if booking.status != Booking.Status.CONFIRMED:
            raise RefundNotAllowed(
                f"This booking is {booking.status}; only a paid one is refunded."
            )
        if booking.refund_requests.exclude(status=RefundRequest.Status.DECLINED).exists():
            raise RefundNotAllowed("A refund of this booking was already requested.")
        automatic = _refund_is_automatic(booking.campaign, now)
        request = RefundRequest.objects.create(
            booking=booking,
            customer=customer,
            reason=reason,
            status=RefundRequest.Status.APPROVED if automatic else RefundRequest.Status.PENDING,
            decided_at=now if automatic else None,
        )
        audit_event_record(
            actor=customer,
            action="refund.requested",
            target=booking,
            ip=ip,
            metadata={"request": request.pk, "automatic": automatic},
        )
        if automatic:
            enqueue_on_commit(refund_request_complete, request_id=request.pk)
        else:
            _notify(notices.refund_requested_notify, request, reason=reason)
    request.refresh_from_db()
    return request


def _notify(notice, request: RefundRequest, *, reason: str) -> None:
    """Queue a refund request's e-mail (notices knows no requests: it gets their data)."""
    enqueue_on_commit(notice, request_id=request.pk, booking_id=request.booking_id, reason=reason)


def _lock_request_of_seller(request_id: int, seller: User) -> RefundRequest:
    request = (
        RefundRequest.objects.select_related("booking__campaign").filter(pk=request_id).first()
    )
    if request is None or not (
        seller.role == Role.SUPER_ADMIN or request.booking.campaign.seller_id == seller.pk
    ):
        raise RefundRequestNotFound()
    return lock_one(RefundRequest.objects.select_related("booking"), pk=request_id)


def _decide(*, request_id: int, seller: User, status: str, reason: str, ip: str | None):
    with transaction.atomic(durable=True):
        request = _lock_request_of_seller(request_id, seller)
        if request.status != RefundRequest.Status.PENDING:
            raise InvalidTransition(f"This request is {request.status} already.")
        request.status = status
        request.decided_by = seller
        request.decided_at = timezone.now()
        request.decision_reason = reason
        request.save()
        audit_event_record(
            actor=seller,
            action=f"refund.request_{status}",
            target=request.booking,
            ip=ip,
            metadata={"request": request.pk, "reason": reason},
        )
        if status == RefundRequest.Status.APPROVED:
            enqueue_on_commit(refund_request_complete, request_id=request.pk)
        else:
            _notify(notices.refund_declined_notify, request, reason=reason)
    request.refresh_from_db()
    return request


def refund_request_approve(
    *, request_id: int, seller: User, ip: str | None = None
) -> RefundRequest:
    """The campaign's seller (or a super admin) approves a pending request; its refund is
    sent right after the commit. Only one of simultaneous decisions wins (request row lock);
    the others are refused with InvalidTransition."""
    return _decide(
        request_id=request_id, seller=seller, status=RefundRequest.Status.APPROVED, reason="", ip=ip
    )


def refund_request_decline(
    *, request_id: int, seller: User, reason: str, ip: str | None = None
) -> RefundRequest:
    """The seller declines a pending request, with a reason the customer reads (e-mailed)."""
    return _decide(
        request_id=request_id,
        seller=seller,
        status=RefundRequest.Status.DECLINED,
        reason=reason,
        ip=ip,
    )


def refund_request_complete(*, request_id: int) -> str:
    """Send an approved request's refund through the gateway (`payment_refund`, which sends
    a payment's refund once however many callers race, and marks the request refunded). A
    gateway failure, or a refund of the payment in flight elsewhere, raises for the task to
    retry; reconciliation re-enqueues approved requests left behind. Returns the status."""
    request = RefundRequest.objects.get(pk=request_id)
    if request.status == RefundRequest.Status.APPROVED:
        payment_refund(booking_id=request.booking_id, actor=request.decided_by, reason="requested")
        request.refresh_from_db()
    return request.status


# --- Cancelled campaigns -----------------------------------------------------------------


class RefundsFailed(Exception):
    """Some paid bookings of a cancelled campaign could not be refunded yet; retried."""


def campaign_cancel(*, campaign_id: int, user: User, ip: str | None = None) -> Campaign:
    """Cancel the seller's campaign; once that commits, settle its holds and paid bookings
    in the background (`campaign_cancellation_settle`)."""
    with transaction.atomic():
        campaign = campaign_services.campaign_cancel(campaign_id=campaign_id, user=user, ip=ip)
        # A hold made after this check finds the campaign cancelled when it is paid, and is
        # refunded then (confirm_booking); unpaid, it expires.
        if booking_selectors.campaign_has_bookings_to_settle(campaign_id=campaign.pk):
            enqueue_on_commit(campaign_cancellation_settle, campaign_id=campaign.pk)
    return campaign


def campaign_cancellation_settle(*, campaign_id: int) -> dict[str, int]:
    """Release the holds of a cancelled campaign and refund each paid booking once, through
    the gateway. Safe to run again: what is settled is skipped. A refund that fails does not
    stop the others; RefundsFailed is raised after them, for the task to retry."""
    settled = campaign_bookings_settle_cancellation(campaign_id=campaign_id)
    owed = booking_selectors.booking_ids_owed_refund(campaign_id=campaign_id)
    for booking_id in owed:  # first the news, then each refund's own notice as it completes
        enqueue(notices.campaign_cancelled_notify, booking_id=booking_id)
    failed = []
    for booking_id in owed:
        try:
            payment_refund(booking_id=booking_id, actor=None, reason="campaign_cancelled")
        except DomainError as exc:
            logger.warning("Refund of booking %s failed: %s", booking_id, exc.detail)
            failed.append(booking_id)
    if failed:
        raise RefundsFailed(f"Refunds failed for bookings {failed}")
    return settled


# --- Webhooks -----------------------------------------------------------------------------

# Results of a correctly signed webhook whose payment or transfer the gateway did not confirm
# (from payment_verify_and_confirm and finance's payout_transfer_completed): audited.
UNCONFIRMED_WEBHOOK_RESULTS = frozenset(
    {
        "unknown_payment",
        VerifyOutcome.NOT_PAID,
        VerifyOutcome.MISMATCH,
        "invalid",
        "unknown_payout",
        "no_transfer",
        "unconfirmed",
    }
)


def webhook_receive(*, body: bytes, headers, ip: str | None = None) -> WebhookReceipt:
    """Check `verif-hash`, store the event once and have it processed after commit.

    A wrong or missing hash raises InvalidSignature and stores nothing but a
    `webhook.forged` audit event (sampled: anyone can send these). The body is kept as
    sent; it only tells us which transaction to verify.
    """
    expected = webhook_secret_hash()
    given = headers.get("verif-hash") or ""
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        reason = "wrong" if given else "missing"
        logger.warning("Webhook refused: %s verif-hash", reason)
        metrics.WEBHOOKS.labels(outcome="forged" if given else "unsigned").inc()
        audit_event_record_sampled(
            actor=None, action="webhook.forged", ip=ip, metadata={"verif_hash": reason}
        )
        raise InvalidSignature()
    try:
        payload = load_json(body)  # the request guard's rules, whoever calls
    except Refused as refusal:
        metrics.WEBHOOKS.labels(outcome="invalid").inc()
        raise InvalidWebhook(refusal.detail) from None
    if not isinstance(payload, dict):
        metrics.WEBHOOKS.labels(outcome="invalid").inc()
        raise InvalidWebhook()
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    event = str(payload.get("event") or "")[:64]
    tx_ref = str(data.get("tx_ref") or "")[:64]
    transaction_id = str(data.get("id") or "")[:64]
    if event and transaction_id:
        dedupe_key = f"{event}:{transaction_id}:{data.get('status') or ''}"[:200]
    else:
        dedupe_key = "sha256:" + hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic(durable=True):
            webhook = WebhookEvent.objects.create(
                gateway=settings.PAYMENT_GATEWAY,
                event=event,
                dedupe_key=dedupe_key,
                tx_ref=tx_ref,
                transaction_id=transaction_id,
                body=body.decode("utf-8", errors="replace"),
                headers={name: headers[name] for name in STORED_WEBHOOK_HEADERS if name in headers},
            )
            # If the broker cannot take it now, reconciliation enqueues it later.
            enqueue_on_commit(webhook_event_process, event_id=webhook.pk)
            metrics.count_on_commit(metrics.WEBHOOKS, outcome="verified")
    except IntegrityError:
        WebhookEvent.objects.filter(dedupe_key=dedupe_key).update(deliveries=F("deliveries") + 1)
        metrics.WEBHOOKS.labels(outcome="duplicate").inc()
        return WebhookReceipt(WebhookEvent.objects.get(dedupe_key=dedupe_key), duplicate=True)
    return WebhookReceipt(webhook, duplicate=False)


def webhook_event_process(*, event_id: int) -> str:
    """Act on a stored webhook once; returns its result, or UNAVAILABLE to be retried."""
    webhook = WebhookEvent.objects.get(pk=event_id)
    if webhook.processed_at is not None:
        return webhook.result
    if webhook.event == "transfer.completed":
        result = payout_transfer_completed(data=json.loads(webhook.body).get("data"))
        if result == VerifyOutcome.UNAVAILABLE:  # the gateway could not confirm the transfer
            return VerifyOutcome.UNAVAILABLE
    elif webhook.event != "charge.completed" or not webhook.tx_ref:
        result = "ignored"
    else:
        try:
            verified = payment_verify_and_confirm(
                tx_ref=webhook.tx_ref, transaction_id=webhook.transaction_id, source="webhook"
            )
        except PaymentNotFound:
            result = "unknown_payment"
        else:
            if verified.outcome == VerifyOutcome.UNAVAILABLE:
                return VerifyOutcome.UNAVAILABLE
            result = verified.outcome
    with transaction.atomic():
        processed = WebhookEvent.objects.filter(pk=webhook.pk, processed_at__isnull=True).update(
            processed_at=timezone.now(), result=result
        )
        if processed and result in UNCONFIRMED_WEBHOOK_RESULTS:
            audit_event_record(
                actor=None,
                action="webhook.unconfirmed",
                target=webhook,
                metadata={
                    "event": webhook.event,
                    "tx_ref": webhook.tx_ref,
                    "transaction_id": webhook.transaction_id,
                    "result": str(result),
                },
            )
    return result


# --- Reconciliation -----------------------------------------------------------------------


def reconcile_pending_payments(*, now=None, limit: int = RECONCILE_BATCH) -> dict[str, int]:
    """Verify payments nobody reported for a while, so a lost webhook never loses a sale.

    Also sends refunds still due, gives up checkouts unpaid after ABANDON_AFTER, and
    re-enqueues webhooks whose processing never finished, approved refund requests whose
    refund is not done, and excess refunds not sent or not answered. Safe to run in parallel.
    """
    now = now or timezone.now()
    counts = {outcome.value: 0 for outcome in VerifyOutcome} | {"abandoned": 0, "webhooks": 0}
    due = (
        Payment.objects.filter(
            status__in=[*Payment.LIVE_STATUSES, Payment.Status.REFUND_DUE],
            updated_at__lte=now - RECONCILE_AFTER,
        )
        .order_by("updated_at")
        .values_list("tx_ref", "created_at")[:limit]
    )
    for tx_ref, created_at in due:
        result = payment_verify_and_confirm(tx_ref=tx_ref, source="reconciliation")
        counts[result.outcome] += 1
        if result.outcome == VerifyOutcome.NOT_PAID and created_at <= now - ABANDON_AFTER:
            counts["abandoned"] += Payment.objects.filter(
                tx_ref=tx_ref, status__in=Payment.LIVE_STATUSES
            ).update(
                status=Payment.Status.FAILED, failure_reason="abandoned", updated_at=timezone.now()
            )
    stale_webhooks = WebhookEvent.objects.filter(
        processed_at__isnull=True, received_at__lte=now - RECONCILE_AFTER
    ).values_list("pk", flat=True)[:limit]
    for event_id in stale_webhooks:
        enqueue(webhook_event_process, event_id=event_id)
        counts["webhooks"] += 1
    approved = list(
        RefundRequest.objects.filter(
            status=RefundRequest.Status.APPROVED, updated_at__lte=now - RECONCILE_AFTER
        ).values_list("pk", flat=True)[:limit]
    )
    for request_id in approved:
        enqueue(refund_request_complete, request_id=request_id)
    counts["refund_requests"] = len(approved)
    excesses = list(
        Refund.objects.filter(
            reason=Refund.EXCESS,
            status__in=[Refund.Status.DUE, Refund.Status.PENDING],
            updated_at__lte=now - RECONCILE_AFTER,
        ).values_list("pk", flat=True)[:limit]
    )
    for refund_id in excesses:
        enqueue(payment_excess_refund_send, refund_id=refund_id)
    counts["excess_refunds"] = len(excesses)
    logger.info("Payments reconciled: %s", counts)
    return counts


# --- E-mail -------------------------------------------------------------------------------


def payment_mark_refund_emailed(*, payment_id: int, send) -> bool:
    """Tell the customer once that an unhonoured payment was refunded: `send(payment)`."""
    with transaction.atomic():
        payment = lock_one(
            Payment.objects.select_related("booking__customer", "booking__campaign"), pk=payment_id
        )
        if payment.refund_emailed_at is not None or payment.status != Payment.Status.REFUNDED:
            return False
        send(payment)
        payment.refund_emailed_at = timezone.now()
        payment.save(update_fields=["refund_emailed_at", "updated_at"])
    return True
