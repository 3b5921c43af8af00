"""Pages of the validation app: the managers' scanner and the campaign's door page."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe

from accounts.models import Role
from core.errors import DomainError
from core.http import client_ip
from validation import selectors, services
from validation.forms import DeviceForm, RevokeForm, ScanForm
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


def _pairing_qr_svg(text: str) -> str:
    """The pairing QR code as inline SVG (scales with its box; no image request)."""
    qr = segno.make(text, error="m")
    return qr.svg_inline(scale=4, border=2, omitsize=True, svgclass="pairing-qr__code")


@login_required
def seller_campaign_scans(request, pk: int):
    """The door page of a campaign, for its seller and its assigned managers: live check-in
    counts, scan results, the paired scanners (add one with a pairing QR code, revoke one),
    offline conflicts and the scans revoked scanners tried to sync.

    Stable hooks for the live script (static/js): `#door[data-ws-url]`, count cells
    `#door-counts [data-ticket-type] [data-field=checked_in|sold]`, `#door-devices
    [data-device-id]`, `#conflicts`, `#door-pairing[data-expires-at]`.
    """
    if request.user.role not in (Role.SELLER, Role.MANAGER):
        raise PermissionDenied("Only sellers and managers can open the door page.")
    campaign = get_object_or_404(selectors.campaigns_of_door_staff(user=request.user), pk=pk)
    device_form = DeviceForm()
    pairing = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        revoke = RevokeForm(request.POST)
        device = revoke.is_valid() and (
            selectors.devices_of_campaign(campaign=campaign)
            .filter(pk=revoke.cleaned_data["device"])
            .first()
        )
        if not device:
            raise Http404("No such scanner.")
        services.device_revoke(device=device, user=request.user, ip=client_ip(request))
        messages.success(request, f"“{device.name}” is revoked: it can no longer scan.")
        return redirect("seller-campaign-scans", pk=campaign.pk)
    if request.method == "POST":
        device_form = DeviceForm(request.POST)
        if device_form.is_valid():
            device, secret = services.device_add(
                campaign=campaign,
                name=device_form.cleaned_data["name"],
                user=request.user,
                ip=client_ip(request),
            )
            # Shown once: only digests of the code are kept.
            pairing = {
                "device": device,
                "code": secret.code,
                "expires_at": secret.expires_at,
                "qr_svg": mark_safe(_pairing_qr_svg(services.pairing_qr_text(secret))),  # noqa: S308 (segno's own markup)
            }
            device_form = DeviceForm()
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
            "door_counts": selectors.door_counts(campaign_id=campaign.pk),
            "devices": selectors.devices_of_campaign(campaign=campaign),
            "device_form": device_form,
            "pairing": pairing,
            "conflicts": selectors.conflicts_of_campaign(campaign=campaign),
            "refused": selectors.refused_scans_of_campaign(campaign=campaign),
            "is_seller": campaign.seller_id == request.user.pk,
        },
    )
