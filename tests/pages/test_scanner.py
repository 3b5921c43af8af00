"""The scanner app at the door, in headless Chromium: the camera reads a real ticket's QR
code from a fake video stream, answers are full-screen, scans made offline are decided on
the phone and synced when the network returns, and a double admission shows up as a
conflict for the seller.

The fake camera is Chromium's own (`--use-file-for-fake-video-capture`): the test writes a
Y4M video of the ticket's QR code, shown for one second in every four, so that the code
leaves the picture between two readings as it would at a door.
"""

import io
import os
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
import segno
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from PIL import Image

from accounts.models import User
from bookings.models import Booking, Ticket
from campaigns.models import Campaign
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.factories import (
    CampaignFactory,
    ManagerFactory,
    SellerFactory,
    TicketTypeFactory,
    UserFactory,
)
from validation.models import Scan

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db]

WIDTH, HEIGHT, FPS = 320, 240, 5
SHOWN_FRAMES, HIDDEN_FRAMES = 5, 15  # the code is in view 1 s, then away 3 s


@dataclass
class Door:
    campaign: Campaign
    manager: User
    seller: User
    tickets: list[Ticket]  # single-entry tickets, each used by one test
    sessions: dict[str, str]
    devices: dict  # name -> (ScannerDevice, PairingSecret), added by the seller, not paired
    states: dict[str, Ticket]  # a ticket in each state a scan tells apart


def paid_booking(customer, ticket_type, quantity):
    """A confirmed booking of `quantity` tickets held by "Guest 1", "Guest 2"..."""
    from bookings import services as booking_services
    from bookings.tasks import deliver_booking_tickets

    booking = booking_services.booking_create(
        customer=customer,
        campaign_id=ticket_type.campaign_id,
        items=[{"ticket_type": ticket_type.pk, "quantity": quantity}],
        issuance="separate",
        holder_names=[f"Guest {n}" for n in range(1, quantity + 1)],
    )
    # The tickets' PDFs and e-mail are not what these tests are about: skip rendering them.
    with mock.patch.object(deliver_booking_tickets, "delay"):
        booking_services.confirm_booking(booking_id=booking.pk, source="test")
    return booking


@pytest.fixture(scope="module")
def door(django_db_setup, django_db_blocker):
    """A campaign with its manager and paid single-entry tickets, two scanner devices its
    seller added, and tickets in every state a scan tells apart, committed for the server
    process (a test's own writes stay in its transaction); emptied after the module."""
    from validation.services import device_add

    with django_db_blocker.unblock():
        seller = SellerFactory(email="door-seller@example.com")
        manager = ManagerFactory(email="door-manager@example.com")
        campaign = CampaignFactory(seller=seller, title="Harbour Lights Festival")
        campaign.managers.add(manager)
        entry = TicketTypeFactory(campaign=campaign, name="Day pass", scans_allowed=1)
        customer = UserFactory(email="guest@example.com", name="Amina Bello")
        booking = paid_booking(customer, entry, 8)
        sessions = {}
        for role, user in (("manager", manager), ("seller", seller)):
            client = Client()
            client.force_login(user)
            sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        states = {
            state: paid_booking(customer, entry, 1).tickets.get()
            for state in ("valid", "used", "voided", "refunded")
        }
        Ticket.objects.filter(pk=states["used"].pk).update(scans_used=1)
        Ticket.objects.filter(pk=states["voided"].pk).update(status=Ticket.Status.VOID)
        Booking.objects.filter(tickets=states["refunded"]).update(status=Booking.Status.REFUNDED)
        elsewhere = TicketTypeFactory(campaign=CampaignFactory(title="Elsewhere"))
        states["elsewhere"] = paid_booking(customer, elsewhere, 1).tickets.get()
        yield Door(
            campaign=campaign,
            manager=manager,
            seller=seller,
            tickets=list(Ticket.objects.filter(booking=booking).order_by("pk")),
            sessions=sessions,
            devices={
                name: device_add(campaign=campaign, name=name, user=seller)
                for name in ("Main gate", "Bar door")
            },
            states=states,
        )
        call_command("flush", interactive=False, verbosity=0)


def write_y4m(path: Path, text: str) -> Path:
    """A looping video of `text` as a QR code (YUV 4:2:0, grey: chroma planes at 128)."""
    qr = segno.make(text, error="m")
    png = io.BytesIO()
    qr.save(png, kind="png", scale=(HEIGHT - 20) // qr.symbol_size(border=4)[0], border=4)
    code = Image.open(png).convert("L")
    shown = Image.new("L", (WIDTH, HEIGHT), 255)
    shown.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    hidden = Image.new("L", (WIDTH, HEIGHT), 255)
    chroma = bytes([128]) * (WIDTH * HEIGHT // 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in [shown] * SHOWN_FRAMES + [hidden] * HIDDEN_FRAMES:
            video.write(b"FRAME\n" + frame.tobytes() + chroma)
    return path


@pytest.fixture(scope="module")
def playwright(door):
    """One Playwright driver for the module. Its sync API keeps an event loop in this thread,
    so the ORM is allowed to run beside it until the driver stops."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as driver:
            yield driver
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE")
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def chromium(playwright):
    """A headless Chromium whose camera, if a page asks, is Chromium's test pattern."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream"]
    )
    yield browser
    browser.close()


@pytest.fixture
def chromium_filming(playwright):
    """`chromium_filming(video)`: a headless Chromium whose camera plays the Y4M `video`."""
    browsers = []

    def launch(video: Path):
        args = [
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
        browsers.append(playwright.chromium.launch(executable_path=CHROMIUM, args=args))
        return browsers[-1]

    yield launch
    for browser in browsers:
        browser.close()


def signed_in(browser, base_url: str, session: str):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}])
    return context


def _tab_icon_offline(text: str) -> bool:
    """Chromium fetches the tab's icon on its own schedule, and a fetch that falls after the
    test cut the network fails: no fault of the app, which never asks for it."""
    return "favicon.svg" in text and "ERR_INTERNET_DISCONNECTED" in text


def watch(page):
    """Collects in `page.errors` console errors, uncaught exceptions and failed requests."""
    page.errors = []

    def note(text: str) -> None:
        if not _tab_icon_offline(text):
            page.errors.append(text)

    page.on(
        "console",
        lambda m: note(f"{m.text} {m.location.get('url', '')}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda error: page.errors.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda r: note(f"{r.url}: {r.failure}"))
    return page


def open_scanner(context, base_url: str):
    """The scanner page with its offline list downloaded; console errors are collected."""
    page = context.new_page()
    watch(page)
    page.goto(f"{base_url}/scan/")
    page.locator("#door-bundle", has_text="Offline list of").wait_for()
    return page


def type_code(page, qr: str) -> None:
    page.fill("#id_qr", qr)
    page.press("#id_qr", "Enter")


def answer(page, kind: str):
    box = page.locator(f'#door-answer[data-kind="{kind}"]')
    box.wait_for(state="visible")
    return box


def test_the_camera_reads_a_ticket_green_then_red_on_a_second_reading(
    door, asgi_servers, chromium_filming, tmp_path, django_db_blocker
):
    from playwright.sync_api import expect

    ticket = door.tickets[0]
    browser = chromium_filming(write_y4m(tmp_path / "ticket.y4m", ticket.qr_token))
    base_url = asgi_servers.url()
    page = open_scanner(signed_in(browser, base_url, door.sessions["manager"]), base_url)

    page.get_by_role("button", name="Start camera").click()

    admit = answer(page, "admit")
    expect(admit.locator("h2")).to_have_text("ADMIT")
    expect(admit).to_contain_text("Day pass · Guest 1")
    expect(admit).to_contain_text("0 entries left (1 of 1 used)")
    expect(page.get_by_role("button", name="Torch")).to_be_hidden()  # the fake camera has none
    refuse = answer(page, "refuse")  # the code comes back into view 3 s later
    expect(refuse.locator("h2")).to_have_text("REFUSE")
    expect(refuse).to_contain_text("No entries left: it admits 1, all used.")
    refuse.click()
    expect(refuse).to_be_hidden()
    expect(page.locator("#id_qr")).to_be_focused()

    with django_db_blocker.unblock():
        scans = list(Scan.objects.filter(ticket=ticket).order_by("pk"))
        assert [(s.result, s.offline, s.manager_id) for s in scans] == [
            ("valid", False, door.manager.pk),
            ("already_used", False, door.manager.pk),
        ]
        assert scans[0].device_id.startswith("web-")
        assert Ticket.objects.get(pk=ticket.pk).scans_used == 1
    assert page.errors == []


def test_offline_three_tickets_are_admitted_amber_then_synced_and_counted_for_the_seller(
    door, asgi_servers, chromium, django_db_blocker
):
    from playwright.sync_api import expect

    tickets = door.tickets[1:4]
    browser = chromium
    base_url = asgi_servers.url()
    context = signed_in(browser, base_url, door.sessions["manager"])
    page = open_scanner(context, base_url)

    context.set_offline(True)
    expect(page.locator("#door-network")).to_have_text("Offline")
    for number, ticket in enumerate(tickets, start=2):
        type_code(page, ticket.qr_token)
        amber = answer(page, "offline")
        expect(amber.locator("h2")).to_have_text("ACCEPTED OFFLINE — will sync")
        expect(amber).to_contain_text(f"Guest {number}")
        page.get_by_role("button", name="Next scan").click()
        expect(amber).to_be_hidden()
    expect(page.locator("#door-pending")).to_have_text("3 scans waiting to sync")
    with django_db_blocker.unblock():
        assert not Scan.objects.filter(ticket__in=tickets).exists()
        # The other tests' entries, when they ran first.
        before = Ticket.objects.filter(ticket_type__campaign=door.campaign, scans_used__gt=0)
        before = before.count()
    seller = signed_in(browser, base_url, door.sessions["seller"]).new_page()
    seller.goto(f"{base_url}/seller/campaigns/{door.campaign.pk}/scans/")
    seller.locator('#door[data-live="on"]').wait_for(state="attached")
    checked_in = seller.locator('#door-counts [data-field="checked_in"]')
    expect(checked_in).to_have_text(str(before))

    context.set_offline(False)
    expect(page.locator("#door-pending")).to_have_text("No scans waiting to sync")

    expect(checked_in).to_have_text(str(before + 3))  # pushed to the open door page
    with django_db_blocker.unblock():
        assert sorted(
            Scan.objects.filter(ticket__in=tickets).values_list(
                "ticket", "result", "offline", "conflict"
            )
        ) == [(t.pk, "valid", True, False) for t in tickets]
        used = Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("scans_used")
        assert list(used) == [(1,), (1,), (1,)]
    assert page.errors == []


def pair_by_code(browser, base_url: str, code: str):
    """A phone with no account pairs by typing the door page's short code."""
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    watch(page)
    page.goto(f"{base_url}/scan/")
    page.fill("#door-pair-code", code.lower())
    page.get_by_role("button", name="Pair", exact=True).click()
    page.locator("#door-bundle", has_text="Offline list of").wait_for()
    return page


def test_two_paired_devices_admitting_one_ticket_offline_give_one_entry_and_one_conflict(
    door, asgi_servers, chromium_filming, tmp_path, django_db_blocker
):
    from playwright.sync_api import expect

    from validation.services import pairing_qr_text

    ticket = door.tickets[4]
    gate, bar = door.devices["Main gate"], door.devices["Bar door"]
    # The gate's phone pairs with its camera, pointed at the pairing QR code.
    browser = chromium_filming(write_y4m(tmp_path / "pairing.y4m", pairing_qr_text(gate[1])))
    base_url = asgi_servers.url()
    scanning = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    watch(scanning)
    scanning.goto(f"{base_url}/scan/")
    scanning.get_by_role("button", name="Scan the pairing QR code").click()
    scanning.locator("#door-bundle", has_text="Offline list of").wait_for()
    expect(scanning.locator("#door-device-name")).to_have_text("Main gate")
    typing = pair_by_code(browser, base_url, bar[1].code)
    expect(typing.locator("#door-device-name")).to_have_text("Bar door")
    pages = [scanning, typing]

    for page in pages:
        page.context.set_offline(True)
        type_code(page, ticket.qr_token)
        expect(answer(page, "offline")).to_contain_text("Day pass · Guest 5")
    for page in pages:
        page.context.set_offline(False)
        expect(page.locator("#door-pending")).to_have_text("No scans waiting to sync")

    expect(pages[0].locator("#door-conflicts")).to_be_hidden()
    expect(pages[1].locator("#door-conflict-list li")).to_have_text(
        [
            f"Day pass · Guest 5: admitted offline at {_shown_time(pages[1])}, "
            "but it had no entry left."
        ]
    )
    with django_db_blocker.unblock():
        scans = Scan.objects.filter(ticket=ticket).order_by("scanned_at")
        assert [(s.scanner_device_id, s.result, s.conflict, s.manager_id) for s in scans] == [
            (gate[0].pk, "valid", False, door.seller.pk),
            (bar[0].pk, "already_used", True, door.seller.pk),
        ]
        assert Ticket.objects.get(pk=ticket.pk).scans_used == 1
    seller = signed_in(browser, base_url, door.sessions["seller"]).new_page()
    seller.goto(f"{base_url}/seller/campaigns/{door.campaign.pk}/scans/")
    expect(seller.locator("#conflicts tbody tr")).to_have_count(1)
    expect(seller.locator("#conflicts tbody tr")).to_contain_text("Guest 5")
    expect(seller.locator("#conflicts tbody tr")).to_contain_text("Bar door")
    assert pages[0].errors == pages[1].errors == []


def _shown_time(page) -> str:
    """The local time the page printed for its one stored scan."""
    return page.evaluate(
        """async () => {
            const scans = await Door.offline.scans();
            return new Date(scans[0].scanned_at).toLocaleTimeString();
        }"""
    )


def test_offline_decisions_are_the_servers_in_the_same_order(door, asgi_servers, chromium):
    """The phone opens each token with WebCrypto and decides as validation.services does,
    with the app's shell kept by its service worker for when there is no network."""
    from validation.services import scan_ticket

    states = door.states
    valid = states["valid"]
    body = valid.qr_token[-56:]
    forged = valid.qr_token[:-56] + body[:20] + ("A" if body[20] != "A" else "B") + body[21:]
    base_url = asgi_servers.url()
    page = open_scanner(signed_in(chromium, base_url, door.sessions["manager"]), base_url)
    # A ticket paid after the phone's last download is not on its list (and stays in this
    # test's transaction: the server never sees it).
    late = paid_booking(UserFactory(), door.campaign.ticket_types.get(), 1).tickets.get()
    codes = [
        "not a ticket",
        forged,
        states["elsewhere"].qr_token,
        states["voided"].qr_token,
        states["refunded"].qr_token,
        states["used"].qr_token,
        valid.qr_token,
    ]
    expected = ["invalid", "invalid", "wrong_campaign", "void", "void", "already_used", "valid"]

    offline = page.evaluate(
        """async (codes) => {
            const answers = [];
            for (const code of codes) answers.push(await Door.offline.decide(code));
            return answers.map((a) => [a.result, a.reason]);
        }""",
        [*codes, late.qr_token],
    )
    online = [
        scan_ticket(manager=door.manager, qr=code, device_id="parity").answer for code in codes
    ]

    shell = page.evaluate(
        """async () => {
            await navigator.serviceWorker.ready;
            const name = (await caches.keys()).find((n) => n.startsWith("door-shell-"));
            const requests = await (await caches.open(name)).keys();
            return requests.map((request) => new URL(request.url).pathname);
        }"""
    )

    assert {"/scan/", "/static/vendor/jsqr-1.4.0.min.js", "/static/js/scanner/token.js"} <= set(
        shell
    )
    assert [result for result, _ in offline] == [*expected, "not_paid"]
    assert [answer["result"] for answer in online] == expected
    assert [reason for _, reason in offline[:7]] == [answer["reason"] for answer in online]
    assert page.errors == []


def test_a_guest_found_by_name_is_checked_in_by_hand_and_the_counts_follow(
    door, asgi_servers, chromium, django_db_blocker
):
    from playwright.sync_api import expect

    ticket = door.tickets[5]
    base_url = asgi_servers.url()
    page = open_scanner(signed_in(chromium, base_url, door.sessions["manager"]), base_url)
    page.locator('#door-checkins[data-live="on"]').wait_for(state="attached")
    checked_in = page.locator("#door-counts [data-checked-in]")
    before = int(checked_in.inner_text())

    page.fill("#door-q", "guest 6")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#door-results li")).to_have_count(1)
    page.get_by_role("button", name="Check in Guest 6").click()

    expect(answer(page, "admit")).to_contain_text("Day pass · Guest 6")
    expect(checked_in).to_have_text(str(before + 1))  # pushed over the door's websocket
    expect(page.locator("#door-results li")).to_contain_text("1 of 1 entries used")
    expect(page.get_by_role("button", name="Check in Guest 6")).to_be_disabled()
    with django_db_blocker.unblock():
        scan = Scan.objects.get(ticket=ticket)
        assert (scan.result, scan.manager_id, scan.device_id[:4]) == (
            "valid",
            door.manager.pk,
            "web-",
        )
    assert page.errors == []


def test_offline_a_guest_found_in_the_phones_list_is_checked_in_by_hand_then_synced(
    door, asgi_servers, chromium, django_db_blocker
):
    from playwright.sync_api import expect

    ticket = door.tickets[6]
    base_url = asgi_servers.url()
    context = signed_in(chromium, base_url, door.sessions["manager"])
    page = open_scanner(context, base_url)

    context.set_offline(True)
    expect(page.locator("#door-network")).to_have_text("Offline")
    page.fill("#door-q", "guest 7")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#door-search-note")).to_have_text("1 found in this phone's offline list.")
    page.get_by_role("button", name="Check in Guest 7").click()

    amber = answer(page, "offline")
    expect(amber.locator("h2")).to_have_text("ACCEPTED OFFLINE — will sync")
    expect(amber).to_contain_text("Day pass · Guest 7")
    page.get_by_role("button", name="Next scan").click()
    expect(page.locator("#door-pending")).to_have_text("1 scan waiting to sync")
    # The list shows the entry this phone counted, and offers no second one.
    expect(page.locator("#door-results li")).to_contain_text("1 of 1 entries used")
    expect(page.get_by_role("button", name="Check in Guest 7")).to_be_disabled()
    with django_db_blocker.unblock():
        assert not Scan.objects.filter(ticket=ticket).exists()

    context.set_offline(False)
    expect(page.locator("#door-pending")).to_have_text("No scans waiting to sync")
    with django_db_blocker.unblock():
        scan = Scan.objects.get(ticket=ticket)
        assert (scan.result, scan.offline, scan.manager_id) == ("valid", True, door.manager.pk)
        assert Ticket.objects.get(pk=ticket.pk).scans_used == 1
    assert page.errors == []
