"""Pages of the bookings app: book from the campaign page, my bookings, a seller's list and
the campaign's analytics."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from bookings import analytics, selectors, services
from bookings.forms import BookingForm
from bookings.models import Booking
from campaigns import selectors as campaign_selectors
from campaigns.models import CODE_MAX_LENGTH, Campaign
from core.csv_export import csv_streaming_response
from core.errors import DomainError


@login_required
@require_POST
def campaign_book(request, slug: str):
    """The campaign page's booking form: hold the seats, then show the booking to pay.

    A refusal shows the campaign page again with what was chosen and each error beside its
    ticket type.
    """
    code = request.POST.get("code", "")[:CODE_MAX_LENGTH]
    campaign = campaign_selectors.campaign_get_visible(slug=slug, user=request.user, code=code)
    if not campaign.is_on_sale:
        messages.error(request, "This campaign is not on sale.")
        return redirect(campaign.get_absolute_url())
    form = BookingForm(request.POST, ticket_types=campaign.ticket_types.all())
    if form.is_valid():
        try:
            booking = services.booking_create(
                customer=request.user,
                campaign_id=campaign.pk,
                items=form.cleaned_data["items"],
                issuance=form.cleaned_data["issuance"],
                holder_names=form.cleaned_data["holder_names"],
                holders=form.cleaned_data["holders"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                code=form.cleaned_data["code"],
            )
        except services.SoldOut as exc:
            form.add_sold_out(exc.extra["ticket_types"])
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            return redirect(booking.get_absolute_url())
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "is_owner": campaign.seller_id == request.user.pk,
            "booking_form": form,
        },
    )


@login_required
@require_POST
def campaign_book_offer(request, slug: str):
    """The offer card of the campaign page: book exactly the seats a waiting-list offer holds."""
    campaign = campaign_selectors.campaign_get_visible(slug=slug, user=request.user)
    token = request.POST.get("offer", "")
    try:
        booking = services.booking_create(
            customer=request.user,
            campaign_id=campaign.pk,
            items=[],
            issuance=Booking.Issuance.SINGLE,
            idempotency_key=request.POST.get("idempotency_key", "")[:128],
            offer=token[:64],
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(f"{campaign.get_absolute_url()}#tickets")
    return redirect(booking.get_absolute_url())


@login_required
def booking_list(request):
    bookings = selectors.booking_list_for_customer(customer=request.user)
    return render(request, "bookings/list.html", {"bookings": bookings})


@login_required
def booking_detail(request, pk: int):
    booking = get_object_or_404(
        selectors.booking_list_for_customer(customer=request.user).prefetch_related(
            "items__ticket_type", "tickets__ticket_type"
        ),
        pk=pk,
    )
    return render(request, "bookings/detail.html", {"booking": booking})


@login_required
@require_POST
def booking_cancel(request, pk: int):
    get_object_or_404(selectors.booking_list_for_customer(customer=request.user), pk=pk)
    try:
        services.booking_cancel(booking_id=pk, customer=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Booking cancelled; the seats are released.")
    return redirect("booking-detail", pk=pk)


def _own_campaign(request, pk: int) -> Campaign:
    if request.user.role != Role.SELLER:
        raise PermissionDenied("Only sellers can open this page.")
    return get_object_or_404(Campaign, pk=pk, seller=request.user)


@login_required
def seller_campaign_bookings(request, pk: int):
    """Every booking of one of the seller's campaigns."""
    campaign = _own_campaign(request, pk)
    bookings = selectors.booking_list_for_campaign(campaign=campaign)
    return render(
        request, "bookings/seller_list.html", {"campaign": campaign, "bookings": bookings}
    )


@login_required
def seller_campaign_attendees(request, pk: int):
    """The attendee list of one of the seller's campaigns, as CSV: one row per ticket."""
    campaign = _own_campaign(request, pk)
    return csv_streaming_response(
        header=selectors.ATTENDEE_COLUMNS,
        batches=selectors.attendees_csv_rows(campaign_id=campaign.pk),
        filename=f"attendees-{campaign.slug}.csv",
    )


@login_required
def campaign_analytics(request, pk: int):
    campaign = campaign_selectors.campaign_get_visible(campaign_id=pk, user=request.user)
    if campaign.seller_id != request.user.pk and request.user.role != Role.SUPER_ADMIN:
        raise PermissionDenied("Only the campaign's seller can see its analytics.")
    return render(
        request,
        "campaigns/analytics.html",
        {"campaign": campaign, "figures": analytics.campaign_analytics(campaign=campaign)},
    )
