"""Scanner page for managers, the seller's door page, and the read-only Scan admin."""

import re

import pytest
from django.utils import timezone

from bookings.models import Ticket
from tests.factories import SellerFactory, UserFactory
from validation.models import Scan
from validation.services import OfflineScan, scan_ticket, scans_sync

pytestmark = pytest.mark.django_db


def _nonce(page: str) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', page).group(1)


def test_the_scanner_page_checks_a_pasted_code_once_per_form(
    client, manager, campaign, entry_ticket
):
    client.force_login(manager)
    page = client.get("/scan/").content.decode()
    assert "Rooftop Jazz Night" in page
    assert 'href="/scan/"' in page
    nonce = _nonce(page)

    first = client.post("/scan/", {"qr": entry_ticket.qr_token, "nonce": nonce}).content.decode()
    resent = client.post("/scan/", {"qr": entry_ticket.qr_token, "nonce": nonce}).content.decode()

    for answer in (first, resent):
        assert 'class="scan-result scan-result--valid scan-valid"' in answer
        assert "<h2>Admit</h2>\n    <p><strong>Valid</strong></p>" in answer
        assert "Entries used 1 of 1; 0 left." in answer
    assert _nonce(first) != nonce
    assert Scan.objects.get().device_id == "web-scanner"
    assert Ticket.objects.get(pk=entry_ticket.pk).scans_used == 1

    again = client.post("/scan/", {"qr": entry_ticket.qr_token, "nonce": _nonce(first)})
    assert (
        "<h2>Refuse</h2>\n    <p><strong>Already used</strong>: "
        "No entries left: it admits 1, all used.</p>" in again.content.decode()
    )


def test_the_scanner_page_refuses_an_empty_code_and_non_managers(client, manager, entry_ticket):
    client.force_login(manager)
    page = client.post("/scan/", {"qr": "", "nonce": "form-nonce-1"}).content.decode()
    assert "This field is required." in page
    assert not Scan.objects.exists()

    for user in (UserFactory(), SellerFactory()):
        client.force_login(user)
        response = client.post("/scan/", {"qr": entry_ticket.qr_token, "nonce": "form-nonce-2"})
        assert response.status_code == 403
    client.logout()
    response = client.post("/scan/", {"qr": entry_ticket.qr_token, "nonce": "form-nonce-3"})
    assert response["Location"] == "/accounts/login/?next=/scan/"
    assert not Scan.objects.exists()


def test_anyone_but_a_manager_gets_the_scanner_as_a_device_to_pair(client, manager, campaign):
    for user in (None, UserFactory(), SellerFactory()):
        if user:
            client.force_login(user)
        page = client.get("/scan/").content.decode()
        assert 'data-mode="device"' in page
        assert 'id="door-pairing"' in page
        assert campaign.title not in page
    client.force_login(manager)
    page = client.get("/scan/").content.decode()
    assert 'data-mode="session"' in page
    assert f'data-campaign="{campaign.pk}">{campaign.title}</strong>' in page


def test_the_scanner_is_an_installable_app_whose_worker_caches_its_shell(client):
    manifest = client.get("/scan/manifest.webmanifest")
    worker = client.get("/scan/sw.js")
    page = client.get("/scan/").content.decode()

    assert manifest["Content-Type"] == "application/manifest+json"
    assert {k: manifest.json()[k] for k in ("start_url", "scope", "display")} == {
        "start_url": "/scan/",
        "scope": "/scan/",
        "display": "standalone",
    }
    assert '<link rel="manifest" href="/scan/manifest.webmanifest">' in page
    assert worker["Content-Type"] == "text/javascript; charset=utf-8"
    assert worker["Cache-Control"] == "no-cache"
    body = worker.content.decode()
    for path in re.findall(r'<script src="([^"]+)" defer>', page):
        assert f'"{path}"' in body
    assert 'const PAGE = "/scan/";' in body


def test_the_seller_page_shows_results_and_offline_conflicts(
    client, manager, campaign, entry_ticket
):
    scan_ticket(manager=manager, qr=entry_ticket.qr_token, device_id="gate-1")
    scans_sync(
        manager=manager,
        device_id="tablet-7",
        scans=[
            OfflineScan(nonce="late-00001", qr=entry_ticket.qr_token, scanned_at=timezone.now())
        ],
    )
    client.force_login(campaign.seller)

    page = client.get(f"/seller/campaigns/{campaign.pk}/scans/").content.decode()

    # Valid, already used, invalid, wrong campaign, not paid, void.
    assert "".join(
        f'<liclass="stat"><spanclass="stat__label">{label}</span>'
        f'<spanclass="stat__value">{count}</span></li>'
        for label, count in [
            ("Valid", 1),
            ("Alreadyused", 1),
            ("Invalid", 0),
            ("Wrongcampaign", 0),
            ("Notpaid", 0),
            ("Void", 0),
        ]
    ) in re.sub(r"\s+", "", page)
    conflicts = page.split('id="conflicts"')[1]
    assert "tablet-7" in conflicts
    assert "door@example.com" in conflicts
    assert "Grace Holder" in conflicts


def test_the_seller_page_is_only_for_the_campaign_seller(client, manager, campaign):
    url = f"/seller/campaigns/{campaign.pk}/scans/"
    client.force_login(SellerFactory())
    assert client.get(url).status_code == 404
    client.force_login(manager)
    assert client.get(url).status_code == 403


def test_the_scan_admin_is_searchable_and_read_only(client, super_admin, manager, entry_ticket):
    scan = scan_ticket(manager=manager, qr=entry_ticket.qr_token, device_id="gate-1")
    scan_ticket(manager=manager, qr="junk", device_id="gate-2")
    client.force_login(super_admin)

    found = client.get("/admin/validation/scan/", {"q": "gate-1"}).content.decode()

    assert scan.nonce in found
    assert "gate-2" not in found
    assert client.get("/admin/validation/scan/add/").status_code == 403
    assert client.get(f"/admin/validation/scan/{scan.pk}/change/").status_code == 200
    response = client.post(f"/admin/validation/scan/{scan.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Scan.objects.count() == 2
