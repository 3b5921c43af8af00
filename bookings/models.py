"""Bookings (seat holds that become paid orders), their items, and the tickets they issue."""

import math
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.money import DECIMAL_PLACES, MAX_DIGITS

# Unambiguous characters only (no 0/O, 1/I/L): customers read references aloud at the door.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 8


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Pending payment"
        CONFIRMED = "confirmed", "Confirmed"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"

    class Issuance(models.TextChoices):
        SINGLE = "single", "One group ticket"
        SEPARATE = "separate", "One ticket per person"

    # Statuses whose seats count in TicketType.reserved (the audit_inventory invariant).
    HOLDING_STATUSES = (Status.PENDING_PAYMENT, Status.CONFIRMED)

    reference = models.CharField(max_length=16, unique=True, default=new_reference, editable=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING_PAYMENT)
    issuance = models.CharField(max_length=16, choices=Issuance.choices)
    holder_names = models.JSONField(
        default=list, blank=True, help_text="Names for the tickets, in seat order."
    )
    total = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    currency = models.CharField(max_length=3)
    expires_at = models.DateTimeField(help_text="The hold ends here unless paid.")
    idempotency_key = models.CharField(max_length=128, blank=True, default="")
    request_fingerprint = models.CharField(
        max_length=64, blank=True, default="", help_text="sha256 of the creating request."
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_via = models.CharField(
        max_length=32, blank=True, help_text="What confirmed it: webhook, redirect, ..."
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    refund_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="Paid, but the campaign was cancelled: owed a refund."
    )
    refunded_at = models.DateTimeField(null=True, blank=True)
    tickets_pdf = models.FileField(
        upload_to="tickets/", blank=True, help_text="All tickets in one PDF (default storage)."
    )
    tickets_emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the confirmation with the tickets was sent."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="booking_status_expiry"),
            # Also answers "overdue holds of this campaign?" from the index alone, which every
            # booking request asks (bookings.services.booking_create).
            models.Index(
                fields=["campaign", "status", "expires_at"], name="booking_campaign_status_exp"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="booking_idempotency_key_per_customer",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="booking_total_not_negative"),
        ]

    def __str__(self):
        return f"Booking {self.reference}"

    def get_absolute_url(self):
        return f"/bookings/{self.pk}/"

    @property
    def seats(self) -> int:
        return sum(item.quantity for item in self.items.all())

    @property
    def hold_ended(self) -> bool:
        """Unpaid and past its hold, whether or not the seats were released yet."""
        return self.status == self.Status.EXPIRED or (
            self.status == self.Status.PENDING_PAYMENT and self.expires_at <= timezone.now()
        )

    @property
    def hold_seconds_left(self) -> int:
        """Seconds until a pending hold ends, by the server's clock, rounded up (0 once ended)."""
        return max(0, math.ceil((self.expires_at - timezone.now()).total_seconds()))

    @property
    def status_label(self) -> str:
        """The status a customer should see: an ended hold reads as expired at once."""
        return self.Status.EXPIRED.label if self.hold_ended else self.get_status_display()


class BookingItem(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="items")
    ticket_type = models.ForeignKey(
        "campaigns.TicketType", on_delete=models.PROTECT, related_name="booking_items"
    )
    quantity = models.PositiveSmallIntegerField()
    unit_price = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "ticket_type"], name="booking_item_one_row_per_type"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="booking_item_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.ticket_type.name}"


class Ticket(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        VOID = "void", "Void"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="tickets")
    ticket_type = models.ForeignKey(
        "campaigns.TicketType", on_delete=models.PROTECT, related_name="tickets"
    )
    holder_name = models.CharField(max_length=150, blank=True)
    holder_email = models.EmailField(blank=True)
    admits = models.PositiveSmallIntegerField(default=1, help_text="Party size of a group ticket.")
    scans_allowed = models.PositiveIntegerField()
    scans_used = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.VALID)
    qr_token = models.CharField(
        max_length=128, blank=True, help_text="The QR content (bookings.qr); replaced on re-issue."
    )
    qr_key_version = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The campaign key version that sealed qr_token."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"Ticket {self.pk} ({self.ticket_type.name})"


class ReceiptSequence(models.Model):
    """The last number a seller issued of one kind of receipt. Its row is locked while a
    number is taken, so numbers are consecutive, per seller and kind, with no gap."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "kind"], name="receipt_sequence_per_seller")
        ]

    def __str__(self):
        return f"{self.kind} #{self.last_number} of seller {self.seller_id}"


class Receipt(models.Model):
    """A receipt of a paid booking, or the credit note of its refund, frozen when issued.

    Everything printed is copied here at issue time (seller, buyer, lines, VAT), so the
    document reads the same however the campaign or the seller's details change later.
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        CREDIT_NOTE = "credit_note", "Credit note"

    PREFIX = {Kind.RECEIPT: "R", Kind.CREDIT_NOTE: "CN"}

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="receipts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    issued_at = models.DateTimeField(default=timezone.now)
    seller_name = models.CharField(max_length=200)
    seller_details = models.JSONField(default=list, help_text="Address lines under the name.")
    buyer_name = models.CharField(max_length=200)
    buyer_email = models.EmailField()
    lines = models.JSONField(help_text="[{description, quantity, unit_price, amount}]")
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    vat_amount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    payment_reference = models.CharField(max_length=64)

    class Meta:
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "kind", "number"], name="receipt_number_unique_per_seller"
            ),
            models.UniqueConstraint(fields=["booking", "kind"], name="receipt_one_per_booking"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.display_number}"

    @property
    def display_number(self) -> str:
        return f"{self.PREFIX[self.kind]}-{self.number:06d}"

    @property
    def net_amount(self):
        return self.total - self.vat_amount
