"""Scans at the door (one row per presented QR code, online or synced from an offline device),
the scanner devices paired to a campaign, and their pairing codes."""

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
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="scans",
        help_text="Who scanned; for a paired device, who paired it.",
    )
    device_id = models.CharField(max_length=100, help_text="The identifier the client sent.")
    scanner_device = models.ForeignKey(
        "validation.ScannerDevice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scans",
        help_text="The paired device that scanned; `manager` is then the one who paired it.",
    )
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


class ScannerDevice(models.Model):
    """A phone or scanner paired to one campaign's door; it calls the validation API with its
    own token (`X-Device-Token`), never a person's session.

    Only the SHA-256 of the token is stored: the token is shown once, to the device that
    pairs. A device is usable from pairing until revoked.
    """

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="scanner_devices"
    )
    name = models.CharField(max_length=80)
    token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, help_text="Empty until paired."
    )
    paired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who added it: answerable for its scans, which are recorded under them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paired_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(
        null=True, blank=True, help_text="Updated at most once a minute."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} (campaign {self.campaign_id})"

    @property
    def throttle_ident(self) -> str:
        """Each device has its own request budget, not its pairer's (core.throttling)."""
        return f"device{self.pk}"

    @property
    def state(self) -> str:
        """`revoked`, `paired`, or `pending` (added, its pairing code not used yet)."""
        if self.revoked_at is not None:
            return "revoked"
        return "paired" if self.paired_at is not None else "pending"


class PairingCode(models.Model):
    """A single-use way to pair a device: a short code to type and a long token for the QR
    code, both stored hashed, both spent by the first pairing, valid PAIRING_CODE_MINUTES."""

    device = models.ForeignKey(ScannerDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    qr_token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Pairing code of device {self.device_id}"


class RefusedScan(models.Model):
    """An offline scan a revoked device tried to sync: refused, never applied, kept so the
    seller sees what that device let in after it was revoked."""

    device = models.ForeignKey(ScannerDevice, on_delete=models.PROTECT, related_name="refused")
    nonce = models.CharField(max_length=64)
    qr = models.CharField(max_length=1000)
    ticket = models.ForeignKey(
        "bookings.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The ticket the code names, when it is one of the campaign's.",
    )
    scanned_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scanned_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["device", "nonce"], name="refused_scan_once")
        ]

    def __str__(self):
        return f"Refused scan {self.nonce} of device {self.device_id}"
