"""Pages of the validation app: the scanner app (a PWA for managers and paired devices) and
the campaign's door page."""

import hashlib
import json

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from accounts.models import Role
from core.errors import DomainError
from core.http import client_ip
from validation import selectors, services
from validation.forms import DeviceForm, RevokeForm, ScanForm
from validation.models import Scan

WEB_DEVICE_ID = "web-scanner"

# What the scanner app needs to start with no network: the service worker caches these
# (by their hashed names in production) beside the page itself.
SCANNER_SHELL = [
    "css/site.css",
    "js/site.js",
    "vendor/jsqr-1.4.0.min.js",
    "js/scanner/store.js",
    "js/scanner/token.js",
    "js/scanner/feedback.js",
    "js/scanner/api.js",
    "js/scanner/offline.js",
    "js/scanner/camera.js",
    "js/scanner/checkins.js",
    "js/scanner/app.js",
    "favicon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
]


def _is_manager(user) -> bool:
    return user.is_authenticated and user.role == Role.MANAGER


def scanner(request):
    """The door's scanner app. A signed-in manager scans the campaigns assigned to them
    (and, without JavaScript, checks a typed code through the form); anyone else gets the
    app as a scanner device, which pairs with a code from the seller's door page."""
    manager = _is_manager(request.user)
    answer = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login("/scan/")
        if not manager:
            raise PermissionDenied("Only managers can scan tickets.")
        answer = _scan_form(request)
    campaigns = list(selectors.campaigns_of_manager(manager=request.user)) if manager else []
    return render(
        request,
        "validation/scanner.html",
        {
            "form": ScanForm(initial={"nonce": services.new_nonce()}),
            "answer": answer,
            "result_label": Scan.Result(answer["result"]).label if answer else "",
            "mode": "session" if manager else "device",
            "campaigns": campaigns,
            "campaign_options": [{"id": c.pk, "title": c.title} for c in campaigns],
        },
    )


def _scan_form(request) -> dict | None:
    """The scanner without JavaScript: the answer to a manager's typed or pasted code."""
    form = ScanForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return None
    try:
        return services.scan_ticket(
            manager=request.user,
            qr=form.cleaned_data["qr"],
            device_id=WEB_DEVICE_ID,
            nonce=form.cleaned_data["nonce"],
        ).answer
    except DomainError as exc:
        messages.error(request, exc.detail)
        return None


@require_GET
@cache_control(no_cache=True)
def scanner_service_worker(request):
    """The scanner's service worker, served under /scan/ so that its scope covers the app.
    Its cache name follows the shell's (hashed) file names: a deploy that changes a file
    installs a new worker and drops the old cache."""
    shell = [static(path) for path in SCANNER_SHELL]
    page = reverse("scanner")
    version = hashlib.sha256("\n".join(shell).encode()).hexdigest()[:12]
    body = render_to_string(
        "validation/scanner_sw.js",
        {
            "shell_json": json.dumps(shell),
            "version": version,
            "page": page,
            "page_json": json.dumps(page),
        },
    )
    return HttpResponse(body, content_type="text/javascript; charset=utf-8")


@require_GET
@cache_control(max_age=3600)
def scanner_manifest(request):
    """The web manifest that makes the scanner installable, opening at /scan/."""
    body = render_to_string("validation/scanner.webmanifest", {})
    return HttpResponse(body, content_type="application/manifest+json")


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
