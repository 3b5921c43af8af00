"""What was e-mailed, once each, and the messages sellers sent to their buyers."""

from django.conf import settings
from django.db import models


class SentNotice(models.Model):
    """One notice e-mailed. The row is written in the transaction that sends it; its unique
    `key` (kind, then the booking, the message or move, and the recipient) makes a task
    delivered twice send once, and a failed send leaves no row, so the retry sends it."""

    class Kind(models.TextChoices):
        CAMPAIGN_CANCELLED = "campaign_cancelled", "Campaign cancelled"
        REFUND_COMPLETED = "refund_completed", "Refund completed"
        REMINDER = "reminder", "Reminder before the start"
        CAMPAIGN_MOVED = "campaign_moved", "Campaign's time or place changed"
        REFUND_REQUESTED = "refund_requested", "Refund request to decide (to the seller)"
        REFUND_DECLINED = "refund_declined", "Refund request declined"
        MESSAGE = "message", "Message from the seller"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    key = models.CharField(max_length=100, unique=True)
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    recipient = models.EmailField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return f"{self.kind} to {self.recipient}"


class CampaignMessage(models.Model):
    """A seller's message to every confirmed buyer of a campaign."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=5000)
    recipients = models.PositiveIntegerField(help_text="Confirmed buyers when it was sent.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.subject
