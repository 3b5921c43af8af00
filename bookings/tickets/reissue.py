"""A campaign's QR key rotation: new key, re-issued tokens, and the new tickets sent to
everyone who had the old ones by e-mail (whose codes no longer scan)."""

from datetime import datetime

from django.db.models import Exists, OuterRef

from accounts.models import User
from bookings.models import Booking, Ticket
from bookings.tickets import holders
from bookings.tickets import services as issued
from campaigns.models import CampaignKey
from campaigns.services import campaign_key_rotate
from core.tasks import enqueue


def campaign_qr_key_rotate(*, campaign_id: int, actor: User | None = None) -> tuple[int, int]:
    """Rotate the campaign's QR key (audited), re-issue its tickets and queue the e-mail of
    the new ones; (version, re-issued)."""
    key = campaign_key_rotate(campaign_id=campaign_id, actor=actor)
    reissued = issued.campaign_tickets_reissue(campaign_id=campaign_id)
    enqueue(campaign_tickets_resend_reissued, campaign_id=campaign_id)
    return key.version, reissued


def campaign_tickets_resend_reissued(*, campaign_id: int) -> int:
    """E-mail the new tickets to everyone e-mailed the old ones before the campaign's newest
    key: each confirmed booking's customer, and each transferred ticket's owner. Returns
    how many were sent.

    Safe to run again, and resumable: a sent one is stamped after the key, so it is not sent
    twice; one not e-mailed yet gets the new codes by its first e-mail anyway.
    """
    since = _newest_key_created(campaign_id)
    valid = Ticket.objects.filter(booking__campaign_id=campaign_id, status=Ticket.Status.VALID)
    kept = valid.filter(booking=OuterRef("pk"), owner_email="")
    bookings = Booking.objects.filter(
        Exists(kept),  # a buyer who gave every ticket away has no new code to get
        campaign_id=campaign_id,
        status=Booking.Status.CONFIRMED,
        tickets_emailed_at__lt=since,
    )
    transferred = valid.filter(transferred_from__isnull=False, emailed_at__lt=since)
    sent = 0
    for booking_id in bookings.order_by("pk").values_list("pk", flat=True).iterator():
        sent += issued.booking_tickets_email(booking_id=booking_id, reissued_since=since)
    for ticket_id in transferred.order_by("pk").values_list("pk", flat=True).iterator():
        sent += holders.ticket_transfer_email(ticket_id=ticket_id, reissued_since=since)
    return sent


def _newest_key_created(campaign_id: int) -> datetime:
    return (
        CampaignKey.objects.filter(campaign_id=campaign_id)
        .order_by("-version")
        .values_list("created_at", flat=True)
        .first()
    )
