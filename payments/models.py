"""Payments of bookings, the raw webhooks that report them, and the refunds sent back."""

import secrets

from django.db import models
from django.db.models import Q

from core.money import DECIMAL_PLACES, MAX_DIGITS


def new_tx_ref() -> str:
    """Our unique reference for one checkout attempt (Flutterwave's `tx_ref`)."""
    return f"TK-{secrets.token_hex(10).upper()}"


class Payment(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", "Created (checkout not opened yet)"
        PENDING = "pending", "Pending (checkout opened)"
        SUCCESSFUL = "successful", "Successful"
        FAILED = "failed", "Failed"
        REFUND_DUE = "refund_due", "Paid, refund due"
        REFUNDED = "refunded", "Refunded"

    # A booking has at most one payment in these states: repeated checkouts reuse it.
    LIVE_STATUSES = (Status.CREATED, Status.PENDING)
    # States in which news from the gateway may still turn the payment into a sale.
    OPEN_STATUSES = (Status.CREATED, Status.PENDING, Status.FAILED)

    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.PROTECT, related_name="payments"
    )
    gateway = models.CharField(max_length=32)
    tx_ref = models.CharField(max_length=64, unique=True, default=new_tx_ref, editable=False)
    gateway_transaction_id = models.CharField(max_length=64, blank=True, db_index=True)
    amount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    currency = models.CharField(max_length=3)
    amount_paid = models.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        null=True,
        blank=True,
        help_text="What the gateway says was charged (at least `amount` when successful).",
    )
    currency_paid = models.CharField(
        max_length=3, blank=True, help_text="The currency the gateway says was charged."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    failure_reason = models.CharField(max_length=255, blank=True)
    checkout_link = models.URLField(max_length=1000, blank=True)
    confirmed_via = models.CharField(
        max_length=32, blank=True, help_text="Which report confirmed it: webhook, redirect, ..."
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification = models.JSONField(
        default=dict, blank=True, help_text="The gateway's last verification answer, as sent."
    )
    refund_emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="payment_status_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(status__in=["created", "pending"]),
                name="payment_one_live_per_booking",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
        ]

    def __str__(self):
        return f"Payment {self.tx_ref} ({self.status})"

    @property
    def charged_amount(self):
        """What the customer was charged, and so what a full refund sends back: the
        gateway's figure once verified (it may differ from `amount`), else `amount`."""
        return self.amount if self.amount_paid is None else self.amount_paid

    @property
    def charged_currency(self) -> str:
        return self.currency_paid or self.currency


class Refund(models.Model):
    class Status(models.TextChoices):
        DUE = "due", "Owed, not sent yet"
        PENDING = "pending", "Sent, answer not known yet"
        COMPLETED = "completed", "Accepted by the gateway"
        FAILED = "failed", "Refused by the gateway"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    gateway_refund_id = models.CharField(max_length=64, blank=True)
    gateway_response = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The reason of a refund of what a payment brought beyond its price: part of a payment
    # that stays a sale, where every other reason sends the whole payment back.
    EXCESS = "excess"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Refund of {self.payment.tx_ref} ({self.status})"


class WebhookEvent(models.Model):
    """One delivery of a gateway webhook, stored as received and processed once."""

    gateway = models.CharField(max_length=32)
    event = models.CharField(max_length=64, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    tx_ref = models.CharField(max_length=64, blank=True, db_index=True)
    transaction_id = models.CharField(max_length=64, blank=True)
    body = models.TextField(help_text="The raw request body.")
    headers = models.JSONField(default=dict, blank=True)
    deliveries = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["processed_at", "received_at"], name="webhook_unprocessed"),
        ]

    def __str__(self):
        return f"{self.event or 'webhook'} {self.dedupe_key}"


class RefundRequest(models.Model):
    """A customer's request to be refunded under the campaign's refund policy.

    PENDING awaits the seller (policy "approval"); APPROVED (at once under an automatic
    policy) has its refund sent by a task, which makes it REFUNDED; DECLINED carries the
    seller's reason. A booking has at most one request that is not declined.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting the seller"
        APPROVED = "approved", "Approved, refund being sent"
        DECLINED = "declined", "Declined"
        REFUNDED = "refunded", "Refunded"

    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.PROTECT, related_name="refund_requests"
    )
    customer = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="refund_requests"
    )
    reason = models.TextField(max_length=1000, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=~Q(status="declined"),
                name="refund_request_one_live_per_booking",
            ),
        ]

    def __str__(self):
        return f"Refund request {self.pk} ({self.status})"
