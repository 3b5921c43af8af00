"""Live availability: what remains per ticket type, pushed to websocket subscribers."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from campaigns.models import TicketType


def group_name(campaign_id: int) -> str:
    return f"campaign-{campaign_id}"


def availability_snapshot(campaign_id: int) -> list[dict]:
    """`[{"id", "remaining"}]` for every ticket type of the campaign, in display order."""
    rows = TicketType.objects.filter(campaign_id=campaign_id).values_list(
        "id", "capacity", "reserved"
    )
    return [{"id": pk, "remaining": capacity - reserved} for pk, capacity, reserved in rows]


def _broadcast(campaign_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        group_name(campaign_id),
        {"type": "availability.update", "ticket_types": availability_snapshot(campaign_id)},
    )


def availability_changed(campaign_id: int) -> None:
    """Announce that reservations of a campaign changed, once the transaction commits.

    Call it from any service that changes `TicketType.reserved`, inside its transaction;
    nothing is sent if the transaction rolls back.
    """
    transaction.on_commit(lambda: _broadcast(campaign_id))
