"""Pages of the payments app: pay for a booking, the landing page after the checkout, the
seller's cancel button (cancelling refunds the paid bookings), refund requests: the
customer's form and the seller's list of them to approve or decline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, When
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import seller_required
from bookings.models import Booking
from campaigns.models import Campaign
from core.errors import DomainError
from core.http import client_ip
from payments import selectors, services
from payments.forms import DeclineForm, RefundRequestForm
from payments.models import Payment, RefundRequest


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


@login_required
@require_POST
def booking_refund_request(request, pk: int):
    """The booking page's refund request form."""
    booking = get_object_or_404(Booking, pk=pk, customer=request.user)
    form = RefundRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
        return redirect(booking.get_absolute_url())
    try:
        refund_request = services.refund_request_create(
            booking_id=booking.pk,
            customer=request.user,
            reason=form.cleaned_data["reason"],
            ip=client_ip(request),
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, REQUEST_OUTCOME[refund_request.status])
    return redirect(booking.get_absolute_url())


REQUEST_OUTCOME = {
    RefundRequest.Status.PENDING: "Refund requested: the organiser will decide soon.",
    RefundRequest.Status.APPROVED: "Refund approved: it is on its way back to you.",
    RefundRequest.Status.REFUNDED: "Refunded: the money is on its way back to you.",
}


@seller_required
@require_GET
def seller_refund_requests(request):
    """The refund requests of the seller's campaigns, pending first (`?campaign=` one)."""
    campaign_id = request.GET.get("campaign", "")
    campaign = None
    if campaign_id.isdigit():
        campaign = get_object_or_404(Campaign, pk=int(campaign_id), seller=request.user)
    refund_requests = selectors.refund_requests_of_seller(
        seller=request.user, campaign_id=campaign.pk if campaign else None
    ).order_by(Case(When(status=RefundRequest.Status.PENDING, then=0), default=1), "-created_at")
    return render(
        request,
        "payments/refund_requests.html",
        {"campaign": campaign, "refund_requests": refund_requests},
    )


@seller_required
@require_POST
def refund_request_decide(request, pk: int, decision: str):
    """Approve (refund at once) or decline (with a reason) one request."""
    try:
        if decision == "approve":
            services.refund_request_approve(
                request_id=pk, seller=request.user, ip=client_ip(request)
            )
            messages.success(request, "Approved: the refund is on its way to the customer.")
        else:
            form = DeclineForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Say why you decline, so the customer understands.")
                return redirect("seller-refund-requests")
            services.refund_request_decline(
                request_id=pk,
                seller=request.user,
                reason=form.cleaned_data["reason"],
                ip=client_ip(request),
            )
            messages.success(request, "Declined; the customer sees your reason.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("seller-refund-requests")
