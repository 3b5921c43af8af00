"""Pages of the payments app: pay for a booking, the landing page after the checkout, and the
seller's cancel button (cancelling refunds the paid bookings)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import seller_required
from bookings.models import Booking
from campaigns.models import Campaign
from core.errors import DomainError
from core.http import client_ip
from payments import services
from payments.models import Payment


@login_required
@require_POST
def pay(request, booking_id: int):
    """The booking page's pay button: open the gateway's checkout and send the customer there."""
    booking = get_object_or_404(Booking, pk=booking_id, customer=request.user)
    try:
        payment = services.payment_initialize(booking_id=booking.pk, customer=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(booking.get_absolute_url())
    return redirect(payment.checkout_link)


@login_required
@require_GET
def payment_return(request):
    """Where the gateway sends the customer back: verify the payment, show what happened.

    The query string (`status`, `tx_ref`, `transaction_id`) only names the payment.
    """
    payment = get_object_or_404(
        Payment.objects.select_related("booking"),
        tx_ref=request.GET.get("tx_ref", ""),
        booking__customer=request.user,
    )
    result = services.payment_verify_and_confirm(
        tx_ref=payment.tx_ref,
        transaction_id=request.GET.get("transaction_id", ""),
        source="redirect",
        actor=request.user,
    )
    result.payment.booking.refresh_from_db()
    return render(
        request,
        "payments/return.html",
        {"payment": result.payment, "booking": result.payment.booking, "outcome": result.outcome},
    )


@seller_required
@require_POST
def campaign_cancel(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk, seller=request.user)
    try:
        services.campaign_cancel(campaign_id=campaign.pk, user=request.user, ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Cancelled: sales stopped, paid bookings refunded.")
    return redirect("seller-dashboard")
