"""Scans at the door: one row per presented QR code, online or synced from an offline device."""

from django.conf import settings
from django.db import models


class Scan(models.Model):
    """One presentation of a QR code; its `nonce` makes a retried or re-synced scan count once.

    `answer` is the exact body first returned, so a replayed nonce gets the same answer.
    """

    class Result(models.TextChoices):
        VALID = "valid", "Valid"
        ALREADY_USED = "already_used", "Already used"
        INVALID = "invalid", "Invalid"
        WRONG_CAMPAIGN = "wrong_campaign", "Wrong campaign"
        NOT_PAID = "not_paid", "Not paid"
        VOID = "void", "Void"

    ticket = models.ForeignKey(
        "bookings.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scans",
        help_text="Empty when the QR code did not decode to a ticket.",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scans",
        help_text="The campaign the QR code named, when it authenticated.",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scans"
    )
    device_id = models.CharField(max_length=100)
    nonce = models.CharField(
        max_length=64, unique=True, help_text="Chosen by the device, or by the server online."
    )
    scanned_at = models.DateTimeField(help_text="Device time offline, server time online.")
    received_at = models.DateTimeField(auto_now_add=True)
    result = models.CharField(max_length=16, choices=Result.choices)
    offline = models.BooleanField(default=False)
    conflict = models.BooleanField(
        default=False, help_text="Admitted offline beyond the ticket's allowance."
    )
    answer = models.JSONField(help_text="The response body first returned for this nonce.")

    class Meta:
        ordering = ["-scanned_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "-scanned_at"], name="scan_ticket_latest"),
            models.Index(
                fields=["campaign", "-scanned_at"],
                condition=models.Q(conflict=True),
                name="scan_campaign_conflicts",
            ),
        ]

    def __str__(self):
        return f"Scan {self.nonce}: {self.result}"
