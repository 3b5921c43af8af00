"""Live door counts: checked in / sold per ticket type, pushed to a campaign's door group.

Subscribers are the campaign's door page (its seller and assigned managers) and its paired
devices (validation.consumers). Every admission (scan, check-in by hand, synced offline scan)
announces the counts once its transaction commits, coalesced by campaigns.live's sender.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from campaigns.live import announce_on_commit
from core.tasks import on_commit
from validation import selectors

COUNTS_TYPE = "door.counts"
REVOKED_TYPE = "door.device_revoked"


def group_name(campaign_id: int) -> str:
    return f"door-{campaign_id}"


def counts_message(campaign_id: int) -> tuple[str, dict]:
    return group_name(campaign_id), {
        "type": COUNTS_TYPE,
        "counts": selectors.door_counts(campaign_id=campaign_id),
    }


def door_counts_changed(campaign_id: int) -> None:
    """Announce the campaign's check-in counts after commit; call inside the transaction."""
    announce_on_commit(counts_message, campaign_id)


def _send_revoked(campaign_id: int, device_id: int) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            group_name(campaign_id), {"type": REVOKED_TYPE, "device": device_id}
        )


def device_revoked(*, campaign_id: int, device_id: int) -> None:
    """After commit, close the revoked device's open websocket (it hears nothing more)."""
    on_commit(_send_revoked, campaign_id, device_id)
