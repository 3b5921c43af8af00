"""Pages of the waiting lists: join and leave from the campaign page; the seller's lists."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import seller_required
from bookings.waitlist import selectors, services
from campaigns import selectors as campaign_selectors
from core.errors import DomainError


def _back_to_campaign(campaign):
    return redirect(f"{campaign.get_absolute_url()}#waiting-list")


@login_required
@require_POST
def waiting_list_join(request, slug: str, ticket_type_id: int):
    campaign = campaign_selectors.campaign_get_visible(slug=slug, user=request.user)
    ticket_type = campaign.ticket_types.filter(pk=ticket_type_id).first()
    quantity = request.POST.get("quantity", "")
    if ticket_type is None or not quantity.isdigit():
        messages.error(request, "Choose how many seats you want.")
        return _back_to_campaign(campaign)
    try:
        entry = services.waiting_list_join(
            customer=request.user, ticket_type_id=ticket_type.pk, quantity=int(quantity)
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            f"You are on the waiting list for {ticket_type.name}: number "
            f"{selectors.entry_position(entry)} in line. We e-mail you when seats come free.",
        )
    return _back_to_campaign(campaign)


@login_required
@require_POST
def waiting_list_leave(request, slug: str, ticket_type_id: int):
    campaign = campaign_selectors.campaign_get_visible(slug=slug, user=request.user)
    if not campaign.ticket_types.filter(pk=ticket_type_id).exists():
        messages.error(request, "No such ticket type.")
        return _back_to_campaign(campaign)
    try:
        services.waiting_list_leave(customer=request.user, ticket_type_id=ticket_type_id)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "You left the waiting list.")
    return _back_to_campaign(campaign)


@seller_required
def seller_waiting_lists(request, pk: int):
    """The waiting lists of one of the seller's campaigns, per ticket type."""
    campaign = campaign_selectors.campaign_get_visible(campaign_id=pk, user=request.user)
    if campaign.seller_id != request.user.pk:
        raise PermissionDenied("Only the campaign's seller can see its waiting lists.")
    return render(
        request,
        "bookings/waitlist/seller.html",
        {"campaign": campaign, "lists": selectors.waiting_lists_of_campaign(campaign=campaign)},
    )
