"""Template helpers of the campaign page's waiting-list panel (the campaigns app cannot read
the waiting lists: they live in bookings, above it)."""

from django import template

from bookings.waitlist import selectors

register = template.Library()


@register.simple_tag
def waiting_list_panel(campaign, user, offer_token: str = "") -> dict:
    """For a signed-in visitor: their open offer named by `?offer=` (or whether the link no
    longer books anything), their entries per ticket type, and the sold-out types they may
    join."""
    entries = {
        entry.ticket_type_id: entry
        for entry in selectors.entries_active_of_customer(customer=user, campaign=campaign)
    }
    offer = selectors.offer_open(token=offer_token, customer=user, campaign=campaign)
    rows = [
        {"ticket_type": ticket_type, "entry": entries.get(ticket_type.pk)}
        for ticket_type in campaign.ticket_types.all()
        if ticket_type.pk in entries
        or (not ticket_type.remaining and ticket_type.sales_state != "ended")
    ]
    return {"offer": offer, "offer_gone": bool(offer_token) and offer is None, "rows": rows}
