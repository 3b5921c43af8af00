"""Pages of the validation app: the scanner app (a PWA for managers and paired devices) and
the seller's door conflicts."""

import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from accounts.models import Role
from campaigns.models import Campaign
from core.errors import DomainError
from validation import selectors, services
from validation.forms import ScanForm
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
