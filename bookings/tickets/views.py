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


def _act(request, pk: int, *, form, kind: str, action, done) -> object:
    """Run a service on one of the user's tickets from its form on the page: on success
    back to the ticket with `done(result)` said; refused, the page again with the form as
    typed and the refusal beside the field it names."""
    get_object_or_404(tickets.tickets_of_customer(customer=request.user), pk=pk)
    if form.is_valid():
        try:
            result = action(
                ticket_id=pk, user=request.user, ip=client_ip(request), **form.cleaned_data
            )
        except DomainError as exc:
            named = [name for name in exc.extra.get("fields", {}) if name in form.fields]
            form.add_error(named[0] if named else None, exc.detail)
        else:
            messages.success(request, done(result))
            return redirect(f"/tickets/#ticket-{pk}")
    return _page(request, (pk, {kind: form}), status=400)


@login_required
@require_POST
def ticket_holder_change(request, pk: int):
    return _act(
        request,
        pk,
        form=HolderForm(request.POST, prefix=f"h{pk}"),
        kind="holder",
        action=holders.ticket_holder_change,
        done=lambda _: "Name changed; the ticket's QR code stays the same.",
    )


@login_required
@require_POST
def ticket_transfer(request, pk: int):
    return _act(
        request,
        pk,
        form=TransferForm(request.POST, prefix=f"t{pk}"),
        kind="transfer",
        action=holders.ticket_transfer,
        done=lambda new: f"Ticket sent to {new.holder_name}; your copy no longer admits anyone.",
    )
