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
HOLDER_NAME_LENGTH = 150


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
    holder_emails = models.JSONField(
        default=list, blank=True, help_text="E-mails beside `holder_names` ('' for none)."
    )
    total = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    # What a promo code took off; the total is already net of it (subtotal = total + discount).
    discount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default=0)
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
    def subtotal(self):
        return self.total + self.discount

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
    # Off the whole line (quantity x unit_price), at most the line's amount.
    discount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default=0)

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
    holder_name = models.CharField(max_length=HOLDER_NAME_LENGTH, blank=True)
    holder_email = models.EmailField(blank=True)
    # Who owns the ticket when it is not the buyer: the address a transfer sent it to. Whoever
    # signs in with that address sees it under "My tickets", account or not at transfer time.
    owner_email = models.EmailField(blank=True, db_index=True)
    # The ticket this one replaced by a transfer; one successor at most.
    transferred_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="transferred_to"
    )
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When this ticket alone was e-mailed to its owner."
    )
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


def new_offer_token() -> str:
    """256 random bits, URL-safe: the offer link is the only thing that books the seats."""
    return secrets.token_urlsafe(32)


class WaitingListEntry(models.Model):
    """A customer queueing for a sold-out ticket type (bookings.waitlist).

    Changed only under its ticket type's row lock, like `TicketType.reserved`.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered"
        BOOKED = "booked", "Booked"
        LEFT = "left", "Left"
        LAPSED = "lapsed", "Offer lapsed"

    ACTIVE_STATUSES = (Status.WAITING, Status.OFFERED)

    ticket_type = models.ForeignKey(
        "campaigns.TicketType", on_delete=models.CASCADE, related_name="waiting_list_entries"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waiting_list_entries"
    )
    quantity = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    joined_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "waiting-list entry"
        verbose_name_plural = "waiting-list entries"
        ordering = ["joined_at", "id"]
        indexes = [
            models.Index(
                fields=["ticket_type", "status", "joined_at"], name="waiting_list_type_queue"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket_type", "customer"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waiting_list_one_active_entry",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="waiting_list_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.customer} waiting for {self.quantity} x {self.ticket_type_id}"


class Offer(models.Model):
    """Seats held for one waiting-list entry until `expires_at`; they count in
    `TicketType.reserved` while OPEN (the audit_inventory invariant)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        BOOKED = "booked", "Booked"
        LAPSED = "lapsed", "Lapsed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    entry = models.OneToOneField(WaitingListEntry, on_delete=models.CASCADE, related_name="offer")
    ticket_type = models.ForeignKey(
        "campaigns.TicketType", on_delete=models.CASCADE, related_name="offers"
    )
    quantity = models.PositiveSmallIntegerField()
    token = models.CharField(max_length=64, unique=True, default=new_offer_token, editable=False)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.OPEN)
    expires_at = models.DateTimeField()
    booking = models.OneToOneField(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="offer"
    )
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["ticket_type", "status", "expires_at"], name="offer_type_status_exp"
            ),
            models.Index(fields=["status", "expires_at"], name="offer_status_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="offer_quantity_positive"),
        ]

    def __str__(self):
        return f"Offer of {self.quantity} x {self.ticket_type_id} ({self.status})"


class PromoCodeUse(models.Model):
    """A booking's use of a promo or access code. A use counts against the code's limits
    while `released_at` is empty; expiry and cancellation of the booking release it (and a
    refund when the code says so). Taken only holding the code's row lock
    (bookings.codes.services), so the limits hold under any concurrency.
    """

    code = models.ForeignKey("campaigns.PromoCode", on_delete=models.PROTECT, related_name="uses")
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="code_use")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="code_uses"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["code", "customer"],
                condition=Q(released_at__isnull=True),
                name="promo_code_use_active",
            )
        ]

    def __str__(self):
        return f"{self.code} on {self.booking}"


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
