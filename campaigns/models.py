"""Campaigns, their ticket types, and the per-campaign keys that protect QR tokens."""

import base64
import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_countries.fields import CountryField

from campaigns.validators import validate_attribute_labels, validate_attributes
from core.choices import VenueType
from core.crypto import EncryptedTextField
from core.money import DECIMAL_PLACES, MAX_DIGITS


def validate_currency(value: str) -> None:
    if value not in settings.CURRENCIES:
        raise ValidationError(
            f"Unsupported currency {value!r}; choose one of {', '.join(settings.CURRENCIES)}.",
            code="invalid_currency",
        )


def new_public_id() -> str:
    return secrets.token_urlsafe(6)


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ENDED = "ended", "Ended"
        CANCELLED = "cancelled", "Cancelled"

    class RefundPolicy(models.TextChoices):
        NONE = "none", "No refunds on request"
        UNTIL_DAYS_BEFORE = "until_days_before", "Until some days before the start"
        APPROVAL = "approval", "On the seller's approval"

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaigns"
    )
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True, max_length=20000)
    venue_type = models.CharField(max_length=16, choices=VenueType.choices)
    venue_name = models.CharField(max_length=200)
    venue_address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, db_index=True)
    country = CountryField(db_index=True)
    timezone = models.CharField(max_length=64, default="UTC")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    currency = models.CharField(max_length=3, validators=[validate_currency])
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="managed_campaigns", blank=True
    )
    # Invitations to manage this campaign (accounts.ManagerInvitation); deleted with it.
    manager_invitations = GenericRelation(
        "accounts.ManagerInvitation", content_type_field="target_type", object_id_field="target_id"
    )
    views_count = models.PositiveBigIntegerField(default=0, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The ticket holders are told when the time or place of a published campaign changes
    # (notices): `moved_at` is the last such change, `move_announced_at` the `moved_at` they
    # were last told of.
    moved_at = models.DateTimeField(null=True, blank=True, editable=False)
    move_announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    refund_policy = models.CharField(
        max_length=24, choices=RefundPolicy.choices, default=RefundPolicy.NONE
    )
    refund_days_before = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="With refund_policy until_days_before."
    )
    transfers_allowed = models.BooleanField(default=True)
    name_change_cutoff = models.DateTimeField(
        null=True, blank=True, help_text="Holder names and transfers close here; empty: the start."
    )
    vat_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, help_text="Percent, included in the prices."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="campaign_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0, vat_rate__lt=100), name="campaign_vat_rate_percent"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"/campaigns/{self.slug}/"

    @property
    def is_on_sale(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.ends_at > timezone.now()


class TicketType(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    price = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    capacity = models.PositiveIntegerField()
    # Seats held by pending bookings plus seats of confirmed ones. Changed only under a row
    # lock (core.locking) by the bookings services; never above capacity (rule 1).
    reserved = models.PositiveIntegerField(default=0, editable=False)
    max_per_booking = models.PositiveSmallIntegerField(default=10)
    scans_allowed = models.PositiveSmallIntegerField(default=1)
    sales_start = models.DateTimeField(null=True, blank=True)
    sales_end = models.DateTimeField(null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True, validators=[validate_attributes])
    # What buyers read for each attribute key, e.g. {"table_size": "Seats at the table"}.
    attribute_labels = models.JSONField(
        default=dict, blank=True, validators=[validate_attribute_labels]
    )
    position = models.PositiveSmallIntegerField(default=0)
    # Not listed; bookable only with an access code that unlocks it.
    hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reserved__lte=F("capacity")), name="ticket_type_never_oversold"
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="ticket_type_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gt=0), name="ticket_type_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_per_booking__gt=0), name="ticket_type_max_per_booking_positive"
            ),
            models.CheckConstraint(
                condition=Q(scans_allowed__gt=0), name="ticket_type_scans_allowed_positive"
            ),
        ]

    def __str__(self):
        return f"{self.campaign} / {self.name}"

    def clean(self):
        if isinstance(self.attributes, dict):
            validate_attribute_labels(self.attribute_labels, self.attributes)

    @property
    def remaining(self) -> int:
        return self.capacity - self.reserved

    @property
    def sales_state(self) -> str:
        """ "not_started", "ended" or "open", by the type's own sales window."""
        now = timezone.now()
        if self.sales_start and self.sales_start > now:
            return "not_started"
        if self.sales_end and self.sales_end <= now:
            return "ended"
        return "open"


class CampaignKey(models.Model):
    """A campaign's secret for QR tokens; rotation adds a version, old ones stay readable."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="keys")
    version = models.PositiveSmallIntegerField()
    secret = EncryptedTextField(help_text="base64 of a 256-bit AES key, encrypted at rest")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "version"], name="campaign_key_version_unique"
            )
        ]

    def __str__(self):
        return f"{self.campaign} key v{self.version}"

    @property
    def key_bytes(self) -> bytes:
        return base64.b64decode(self.secret)


class CampaignDailyViews(models.Model):
    """Detail views of a campaign on one UTC day, folded in from the Redis counters."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="daily_views")
    day = models.DateField()
    views = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "day"]
        verbose_name = verbose_name_plural = "campaign daily views"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day"], name="campaign_daily_views_unique")
        ]

    def __str__(self):
        return f"{self.campaign} {self.day}: {self.views}"


# Codes customers type: unambiguous characters only (no 0/O, 1/I/L), as booking references.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GENERATED_CODE_LENGTH = 12  # 31**12, about 59 bits: not guessable at any request rate we allow
CODE_MAX_LENGTH = 40


def normalise_code(text: str) -> str:
    """The stored form of a code: codes are case-insensitive and ignore outer spaces."""
    return text.strip().upper()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(GENERATED_CODE_LENGTH))


class PromoCode(models.Model):
    """A code a seller hands out: a discount (percent, or a fixed amount off each ticket), or
    an access code. Any code unlocks the hidden ticket types it names in `ticket_types`.

    Defined here, beside the ticket types it applies to, because the campaign page reads it
    to show unlocked hidden types; the bookings app manages codes and records their uses
    (bookings.PromoCodeUse), taking this row's lock after the ticket-type locks.
    """

    class Kind(models.TextChoices):
        PERCENT = "percent", "Percent off"
        FIXED = "fixed", "Amount off each ticket"
        ACCESS = "access", "Access only"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=CODE_MAX_LENGTH, help_text="Stored upper case.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        default=0,
        help_text="Percent (0 to 100) or an amount in the campaign currency; 0 for access.",
    )
    ticket_types = models.ManyToManyField(
        TicketType, blank=True, related_name="codes", help_text="None: every visible type."
    )
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Bookings in all.")
    max_uses_per_customer = models.PositiveIntegerField(null=True, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    min_quantity = models.PositiveSmallIntegerField(
        default=1, help_text="Seats of the types the code applies to, in one booking."
    )
    release_on_refund = models.BooleanField(
        default=False, help_text="A refunded booking gives its use back."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="promo_code_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="promo_code_value_positive"),
        ]

    def __str__(self):
        return self.code
