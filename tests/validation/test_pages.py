"""Scanner page for managers, the seller's door page, and the read-only Scan admin."""

import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Ticket
from tests.factories import CampaignFactory, SellerFactory, UserFactory
from validation.models import Scan, ScannerDevice
from validation.services import (
    OfflineScan,
    device_add,
    revoked_scans_record,
    scan_ticket,
    scans_sync,
)

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


def test_the_door_page_is_for_the_campaign_seller_and_its_managers(
    client, manager, other_manager, campaign
):
    url = f"/seller/campaigns/{campaign.pk}/scans/"
    for user, expected in (
        (campaign.seller, 200),
        (manager, 200),
        (SellerFactory(), 404),
        (other_manager, 404),
        (UserFactory(), 403),
    ):
        client.force_login(user)
        assert client.get(url).status_code == expected, user


def test_the_door_page_renders_counts_with_hooks_for_the_live_script(
    client, manager, campaign, entry_ticket, entry_type
):
    scan_ticket(manager=manager, qr=entry_ticket.qr_token, device_id="gate-1")
    client.force_login(manager)

    page = client.get(f"/seller/campaigns/{campaign.pk}/scans/").content.decode()

    assert f'data-ws-url="/ws/validation/campaigns/{campaign.pk}/door/"' in page
    row = re.search(rf'<tr data-ticket-type="{entry_type.pk}">(.*?)</tr>', page, re.S)[1]
    assert re.findall(r'data-field="(\w+)">(\d+)<', row) == [("checked_in", "1"), ("sold", "1")]


def test_adding_a_scanner_shows_a_pairing_qr_code_and_code_that_pair_it(client, manager, campaign):
    client.force_login(manager)

    page = client.post(
        f"/seller/campaigns/{campaign.pk}/scans/", {"action": "add", "name": "North gate"}
    ).content.decode()

    code = re.search(r'<strong id="door-pairing-code">([A-Z2-9-]{9})</strong>', page)[1]
    assert '<figure class="pairing__qr" role="img"' in page
    assert "<svg" in page.split('class="pairing__qr"')[1]
    device = ScannerDevice.objects.get()
    assert (device.name, device.paired_by, device.state) == ("North gate", manager, "pending")
    paired = APIClient().post("/api/v1/validation/devices/pair/", {"pairing_code": code})
    assert paired.status_code == 201
    assert (
        client.get(f"/seller/campaigns/{campaign.pk}/scans/")
        .content.decode()
        .count('data-state="paired"')
        == 1
    )


def test_a_scanner_without_a_name_is_not_added(client, manager, campaign):
    client.force_login(manager)

    page = client.post(f"/seller/campaigns/{campaign.pk}/scans/", {"action": "add", "name": ""})

    assert "This field is required." in page.content.decode()
    assert not ScannerDevice.objects.exists()


def test_revoking_from_the_door_page(client, manager, campaign):
    device, _ = device_add(campaign=campaign, name="Gate", user=manager)
    other, _ = device_add(campaign=CampaignFactory(), name="Elsewhere", user=manager)
    client.force_login(campaign.seller)
    url = f"/seller/campaigns/{campaign.pk}/scans/"

    response = client.post(url, {"action": "revoke", "device": device.pk})
    foreign = client.post(url, {"action": "revoke", "device": other.pk})

    assert response.status_code == 302
    assert foreign.status_code == 404
    assert ScannerDevice.objects.get(pk=device.pk).revoked_by == campaign.seller
    assert ScannerDevice.objects.get(pk=other.pk).revoked_at is None


def test_the_door_page_lists_what_revoked_scanners_tried_to_sync(
    client, manager, campaign, entry_ticket
):
    device, _ = device_add(campaign=campaign, name="Lost phone", user=manager)
    revoked_scans_record(
        device=device,
        scans=[
            OfflineScan(nonce="lost-00001", qr=entry_ticket.qr_token, scanned_at=timezone.now())
        ],
    )
    client.force_login(campaign.seller)

    page = client.get(f"/seller/campaigns/{campaign.pk}/scans/").content.decode()

    refused = page.split('id="door-refused"')[1]
    assert "Lost phone" in refused
    assert "Grace Holder" in refused


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
