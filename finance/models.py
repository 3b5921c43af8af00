"""The seller ledger (append-only), withdrawal methods and payouts.

A seller's balance is never stored: it is the sum of their ledger entries per currency, so
every movement of money is an entry and the books always add up (rule 2).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.crypto import EncryptedTextField
from core.money import DECIMAL_PLACES, MAX_DIGITS
from core.money_format import format_money


class LedgerEntryQuerySet(models.QuerySet):
    """Entries are written once and never changed or removed: corrections are new entries."""

    def update(self, **kwargs):
        raise TypeError("Ledger entries are append-only.")

    def delete(self):
        raise TypeError("Ledger entries are append-only.")


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        SALE = "sale", "Sale"
        FEE = "fee", "Platform fee"
        REFUND = "refund", "Refund"
        PAYOUT = "payout", "Payout"
        PAYOUT_REVERSAL = "payout_reversal", "Payout reversal"
        ADJUSTMENT = "adjustment", "Adjustment"

    BOOKING_KINDS = (Kind.SALE, Kind.FEE, Kind.REFUND)
    PAYOUT_KINDS = (Kind.PAYOUT, Kind.PAYOUT_REVERSAL)

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, help_text="Signed: + to the seller."
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    payout = models.ForeignKey(
        "finance.Payout",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    available_at = models.DateTimeField(help_text="When the amount may be withdrawn.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["seller", "currency", "available_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind"],
                condition=Q(kind__in=["sale", "fee", "refund"]),
                name="ledger_booking_entry_once",
            ),
            models.UniqueConstraint(
                fields=["payout", "kind"],
                condition=Q(kind__in=["payout", "payout_reversal"]),
                name="ledger_payout_entry_once",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["sale", "fee", "refund"]) | Q(booking__isnull=False),
                name="ledger_booking_kinds_have_booking",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["payout", "payout_reversal"]) | Q(payout__isnull=False),
                name="ledger_payout_kinds_have_payout",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {format_money(self.amount, self.currency)}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are append-only.")


class WithdrawalMethod(models.Model):
    """Where a seller's payouts go. Removed methods are kept (payouts refer to them)."""

    class Kind(models.TextChoices):
        BANK = "bank", "Bank account"
        MOBILE_MONEY = "mobile_money", "Mobile money"

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="withdrawal_methods"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    bank_code = models.CharField(
        max_length=20, help_text="Flutterwave bank code, or the mobile money operator code."
    )
    account_number = EncryptedTextField(help_text="Account number or phone number, encrypted.")
    account_last4 = models.CharField(max_length=4)
    account_name = models.CharField(max_length=100)
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    is_default = models.BooleanField(default=False)
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "currency"],
                condition=Q(is_default=True, removed_at__isnull=True),
                name="withdrawal_method_one_default_per_currency",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.masked_account_number} ({self.currency})"

    @property
    def masked_account_number(self) -> str:
        return f"****{self.account_last4}"


def new_payout_reference() -> str:
    """The Flutterwave transfer reference: ours, unique, and the transfer's idempotency key."""
    return f"PO-{secrets.token_hex(10).upper()}"


class Payout(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        PROCESSING = "processing", "Processing"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts"
    )
    method = models.ForeignKey(WithdrawalMethod, on_delete=models.PROTECT, related_name="payouts")
    amount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    reference = models.CharField(
        max_length=64, unique=True, default=new_payout_reference, editable=False
    )
    gateway_transfer_id = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    send_attempted_at = models.DateTimeField(
        null=True, blank=True, help_text="Last time the transfer was sent to the gateway."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive")
        ]

    def __str__(self):
        return f"Payout {self.reference}"
