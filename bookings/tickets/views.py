"""The customer's "my tickets" page: upcoming tickets with their QR codes in the page, and
the forms that correct a holder's name or transfer a ticket."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from bookings.forms import HolderForm, TransferForm
from bookings.models import Ticket
from bookings.tickets import holders
from bookings.tickets import services as tickets
from bookings.tickets.display import qr_svg_inline, ticket_display
from core.errors import DomainError
from core.http import client_ip


def _card(ticket: Ticket, bound: dict) -> dict:
    """What the page shows of one ticket; `bound` holds a refused form of this ticket."""
    display = ticket_display(ticket)
    campaign = ticket.booking.campaign
    open_ = not display.is_void and timezone.now() < (
        campaign.name_change_cutoff or campaign.starts_at
    )
    successor = getattr(ticket, "transferred_to", None)
    return {
        "ticket": display,
        "booking_id": ticket.booking_id,
        "bought": not ticket.owner_email,
        "transferred_to": successor.holder_name if successor else "",
        # segno's own markup around our base64url token: nothing to escape.
        "qr": "" if display.is_void else mark_safe(qr_svg_inline(display.token)),  # noqa: S308
        "holder_form": bound.get("holder")
        or (
            HolderForm(
                prefix=f"h{ticket.pk}",
                initial={"holder_name": ticket.holder_name, "holder_email": ticket.holder_email},
            )
            if open_
            else None
        ),
        "transfer_form": bound.get("transfer")
        or (
            TransferForm(prefix=f"t{ticket.pk}")
            if open_ and campaign.transfers_allowed and not ticket.scans_used
            else None
        ),
    }


def _page(request, refused: tuple[int, dict] | None = None, status: int = 200):
    cards = [
        _card(ticket, refused[1] if refused and refused[0] == ticket.pk else {})
        for ticket in tickets.tickets_upcoming_for_customer(customer=request.user)
    ]
    return render(request, "bookings/my_tickets.html", {"cards": cards}, status=status)


@login_required
def my_tickets(request):
    return _page(request)


@login_required
@require_POST
def ticket_holder_change(request, pk: int):
    get_object_or_404(tickets.tickets_of_customer(customer=request.user), pk=pk)
    form = HolderForm(request.POST, prefix=f"h{pk}")
    if form.is_valid():
        try:
            holders.ticket_holder_change(
                ticket_id=pk, user=request.user, ip=client_ip(request), **form.cleaned_data
            )
        except DomainError as exc:
            _put_beside(form, exc, {"holder_name": "holder_name", "holder_email": "holder_email"})
        else:
            messages.success(request, "Name changed; the ticket's QR code stays the same.")
            return redirect(f"/tickets/#ticket-{pk}")
    return _page(request, (pk, {"holder": form}), status=400)


@login_required
@require_POST
def ticket_transfer(request, pk: int):
    get_object_or_404(tickets.tickets_of_customer(customer=request.user), pk=pk)
    form = TransferForm(request.POST, prefix=f"t{pk}")
    if form.is_valid():
        try:
            new = holders.ticket_transfer(
                ticket_id=pk, user=request.user, ip=client_ip(request), **form.cleaned_data
            )
        except DomainError as exc:
            _put_beside(form, exc, {"name": "name", "email": "email"})
        else:
            messages.success(
                request, f"Ticket sent to {new.holder_name}; your copy no longer admits anyone."
            )
            return redirect(f"/tickets/#ticket-{pk}")
    return _page(request, (pk, {"transfer": form}), status=400)


def _put_beside(form, error: DomainError, known: dict[str, str]) -> None:
    """A refusal of the services beside the field it names, else above the form."""
    named = [known[name] for name in error.extra.get("fields", {}) if name in known]
    form.add_error(named[0] if named else None, error.detail)
