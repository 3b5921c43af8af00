"""Pages of the validation app: the managers' scanner and the seller's door conflicts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from accounts.models import Role
from campaigns.models import Campaign
from core.errors import DomainError
from validation import selectors, services
from validation.forms import ScanForm
from validation.models import Scan

WEB_DEVICE_ID = "web-scanner"


@login_required
def scanner(request):
    """Paste or type a QR code and see the door's answer; lists the manager's campaigns."""
    if request.user.role != Role.MANAGER:
        raise PermissionDenied("Only managers can scan tickets.")
    answer = None
    if request.method == "POST":
        form = ScanForm(request.POST)
        if form.is_valid():
            try:
                answer = services.scan_ticket(
                    manager=request.user,
                    qr=form.cleaned_data["qr"],
                    device_id=WEB_DEVICE_ID,
                    nonce=form.cleaned_data["nonce"],
                ).answer
            except DomainError as exc:
                messages.error(request, exc.detail)
        else:
            for errors in form.errors.values():
                messages.error(request, errors[0])
    return render(
        request,
        "validation/scanner.html",
        {
            "form": ScanForm(initial={"nonce": services.new_nonce()}),
            "answer": answer,
            "result_label": Scan.Result(answer["result"]).label if answer else "",
            "campaigns": selectors.campaigns_of_manager(manager=request.user),
        },
    )


@login_required
def seller_campaign_scans(request, pk: int):
    """The door's record for one of the seller's campaigns: results and offline conflicts."""
    if request.user.role != Role.SELLER:
        raise PermissionDenied("Only sellers can open this page.")
    campaign = get_object_or_404(Campaign, pk=pk, seller=request.user)
    counts = dict(
        campaign.scans.values_list("result").annotate(count=Count("pk")).order_by("result")
    )
    results = [(label, counts.get(value, 0)) for value, label in Scan.Result.choices]
    return render(
        request,
        "validation/seller_scans.html",
        {
            "campaign": campaign,
            "results": results,
            "conflicts": selectors.conflicts_of_campaign(campaign=campaign),
        },
    )
