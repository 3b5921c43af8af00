"""Every page a customer, seller, manager or super admin reaches, in headless Chromium.

One harness checks each page at 390x844 (a phone) and at 1280 px: no horizontal scroll, no
console error, no failed request, and no serious or critical axe-core violation. Public pages
are checked signed out and signed in. The main pages are saved as screenshots in
`screenshots/` (git-ignored; `make screenshots` writes them on demand).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from icalendar import Calendar

from campaigns.models import Campaign

# `django_db` sets the test database up; the data is the module's `world`, made once.
pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests/vendor/axe-core-4.14.1/axe.min.js"
SCREENSHOTS = ROOT / "screenshots"
WIDTHS = (390, 1280)
HEIGHT = 844
# Counts what axe reports as serious or critical, with the first elements of each kind.
AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => {
      const where = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ");
      return `${v.id} (${v.impact}): ${v.help} at ${where}`;
    });
}"""
# Controls a finger has to hit that are under 44 px tall (text links inside prose aside).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    "button, .button, select, textarea, summary, .site-nav a, .link-row a, "
    + "input:not([type=hidden]):not([type=checkbox]):not([type=radio]), .field--radioselect label"
  )]
  .filter((e) => e.getClientRects().length && e.getBoundingClientRect().height < 44)
  .map((e) => e.outerHTML.slice(0, 80))"""


@dataclass(frozen=True)
class PageCase:
    """A page as one kind of visitor reaches it.

    `path` is formatted with the world (`{w.campaign.slug}`); `act(page, w, base_url)` gets
    there instead when the page is the result of doing something (a refused form, a payment).
    """

    name: str
    who: str | None
    path: str = ""
    act: Callable | None = None
    screenshot: bool = False
    server: dict = field(default_factory=dict)
    live: bool = False  # waits for the live counters' websocket before checking
    ours: bool = True  # styled by site.css (not the Django admin): touch targets are checked


def submit_booking_over_the_limit(page, w, base_url):
    page.goto(f"{base_url}{w.campaign.get_absolute_url()}")
    page.fill(f"#quantity_{w.standing.pk}", "2")
    page.fill(f"#quantity_{w.table.pk}", "3")
    page.get_by_role("button", name="Hold my seats").click()
    page.locator(f"#quantity_{w.table.pk}_error").wait_for()


def withdraw_too_much(page, w, base_url):
    page.goto(f"{base_url}/seller/finance/")
    page.fill("#id_amount", "999999")
    page.get_by_role("button", name="Withdraw").click()
    page.locator(".errorlist.nonfield").wait_for()


def scan(qr_of, kind):
    """The scanner app's full-screen answer (`kind`: admit, refuse) to a typed code."""

    def act(page, w, base_url):
        page.goto(f"{base_url}/scan/")
        page.locator("#door-bundle", has_text="Offline list of").wait_for()
        page.fill("#id_qr", qr_of(w))
        page.get_by_role("button", name="Check ticket").click()
        page.locator(f'#door-answer[data-kind="{kind}"]').wait_for()

    return act


def add_a_scanner(page, w, base_url):
    page.goto(f"{base_url}/seller/campaigns/{w.campaign.pk}/scans/")
    page.fill("#id_name", "North gate")
    page.get_by_role("button", name="Add a scanner").click()
    page.locator("#door-pairing svg").wait_for()


def open_sandbox_checkout(page, w, base_url):
    page.goto(f"{base_url}{w.pending.get_absolute_url()}")
    page.get_by_test_id("pay").click()
    page.get_by_role("heading", name="Sandbox checkout").wait_for()


def pay_in_the_sandbox(page, w, base_url):
    page.goto(f"{base_url}{w.to_pay.get_absolute_url()}")
    page.get_by_test_id("pay").click()
    page.get_by_role("button", name="Pay NGN").click()
    page.get_by_test_id("payment-result").wait_for()


NO_GOOGLE = {"GOOGLE_CLIENT_ID": ""}
SELLER_CAMPAIGN = "/seller/campaigns/{w.campaign.pk}"
ADMIN_PAGES = [
    ("admin-campaigns", "/admin/campaigns/campaign/"),
    ("admin-campaign", "/admin/campaigns/campaign/{w.campaign.pk}/change/"),
    ("admin-daily-views", "/admin/campaigns/campaigndailyviews/"),
    ("admin-bookings", "/admin/bookings/booking/"),
    ("admin-booking", "/admin/bookings/booking/{w.confirmed.pk}/change/"),
    ("admin-payments", "/admin/payments/payment/"),
    ("admin-webhooks", "/admin/payments/webhookevent/"),
    ("admin-users", "/admin/accounts/user/"),
    ("admin-seller-applications", "/admin/accounts/sellerapplication/"),
    ("admin-audit-events", "/admin/accounts/auditevent/"),
    ("admin-ledger", "/admin/finance/ledgerentry/"),
    ("admin-payouts", "/admin/finance/payout/"),
    ("admin-withdrawal-methods", "/admin/finance/withdrawalmethod/"),
    ("admin-scans", "/admin/validation/scan/"),
    ("admin-scanner-devices", "/admin/validation/scannerdevice/"),
    ("admin-social-accounts", "/admin/socialaccount/socialaccount/"),
    ("admin-access-attempts", "/admin/axes/accessattempt/"),
]
CASES = [
    *(
        PageCase(f"home-{who or 'anonymous'}", who, "/", screenshot=True)
        for who in (None, "customer")
    ),
    *(
        PageCase(
            f"campaign-{who or 'anonymous'}",
            who,
            "/campaigns/{w.campaign.slug}/",
            screenshot=True,
            live=True,
        )
        for who in (None, "customer")
    ),
    PageCase("campaign-waiting-list-join", "manager", "/campaigns/{w.campaign.slug}/", live=True),
    PageCase(
        "campaign-waiting-list-offer",
        "customer",
        "/campaigns/{w.campaign.slug}/?offer={w.offer.token}",
        screenshot=True,
        live=True,
    ),
    PageCase("booking-form-errors", "customer", act=submit_booking_over_the_limit, screenshot=True),
    PageCase("booking-pending", "customer", "/bookings/{w.pending.pk}/", screenshot=True),
    PageCase("booking-confirmed", "customer", "/bookings/{w.confirmed.pk}/", screenshot=True),
    PageCase("booking-expired", "customer", "/bookings/{w.expired.pk}/"),
    PageCase("my-bookings", "customer", "/bookings/"),
    PageCase("my-tickets", "customer", "/tickets/", screenshot=True),
    PageCase("apply-seller", "customer", "/seller/apply/"),
    PageCase("delete-account", "customer", "/account/delete/", screenshot=True),
    PageCase("delete-account-seller", "seller", "/account/delete/"),
    PageCase("sandbox-checkout", "customer", act=open_sandbox_checkout),
    PageCase("payment-return", "customer", act=pay_in_the_sandbox, screenshot=True),
    PageCase("sign-in", None, "/accounts/login/"),
    PageCase("sign-in-without-google", None, "/accounts/login/", screenshot=True, server=NO_GOOGLE),
    PageCase(
        "campaign-without-google",
        None,
        "/campaigns/{w.campaign.slug}/",
        server=NO_GOOGLE,
        live=True,
    ),
    PageCase("demo-sign-in", None, "/demo-login/"),
    PageCase("seller-dashboard", "seller", "/seller/", screenshot=True),
    PageCase("campaign-form-new", "seller", "/seller/campaigns/new/"),
    PageCase("campaign-form-edit", "seller", f"{SELLER_CAMPAIGN}/edit/", screenshot=True),
    PageCase("analytics", "seller", f"{SELLER_CAMPAIGN}/analytics/", screenshot=True),
    PageCase("managers", "seller", f"{SELLER_CAMPAIGN}/managers/"),
    PageCase("seller-codes", "seller", f"{SELLER_CAMPAIGN}/codes/", screenshot=True),
    PageCase("seller-code-edit", "seller", "/seller/codes/{w.code.pk}/"),
    PageCase(
        "campaign-with-code",
        "customer",
        "/campaigns/{w.campaign.slug}/?code=press",
        screenshot=True,
        live=True,
    ),
    PageCase("seller-bookings", "seller", f"{SELLER_CAMPAIGN}/bookings/"),
    PageCase(
        "seller-waiting-lists", "seller", f"{SELLER_CAMPAIGN}/waiting-lists/", screenshot=True
    ),
    PageCase("door-scans", "seller", f"{SELLER_CAMPAIGN}/scans/"),
    PageCase("door-add-scanner", "seller", act=add_a_scanner, screenshot=True),
    PageCase("door-manager", "manager", f"{SELLER_CAMPAIGN}/scans/"),
    PageCase("message-buyers", "seller", f"{SELLER_CAMPAIGN}/message/"),
    PageCase("refund-requests", "seller", "/seller/refund-requests/"),
    PageCase("finance", "seller", "/seller/finance/", screenshot=True),
    PageCase("finance-errors", "seller", act=withdraw_too_much),
    PageCase("scanner", "manager", "/scan/", screenshot=True),
    PageCase("scanner-device", None, "/scan/", screenshot=True),
    PageCase(
        "scanner-admit", "manager", act=scan(lambda w: w.ticket.qr_token, "admit"), screenshot=True
    ),
    PageCase(
        "scanner-refuse", "manager", act=scan(lambda w: "not-a-ticket", "refuse"), screenshot=True
    ),
    PageCase("admin-index", "super_admin", "/admin/", screenshot=True, ours=False),
    *(PageCase(name, "super_admin", path, ours=False) for name, path in ADMIN_PAGES),
]


class PageProblems:
    """What went wrong while the page was open: console errors, script errors, failed requests."""

    def __init__(self, page):
        self.console: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.console.append(f"uncaught: {error}"))
        page.on("requestfailed", lambda r: self.requests.append(f"{r.url}: {r.failure}"))
        page.on(
            "response",
            lambda r: self.requests.append(f"{r.url}: {r.status}") if r.status >= 400 else None,
        )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_page_fits_a_phone_and_a_desktop_and_is_accessible(case, world, asgi_servers, browser_as):
    base_url = asgi_servers.url(**case.server)
    page = browser_as(case.who, base_url).new_page()
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    problems = PageProblems(page)
    if case.act:
        case.act(page, world, base_url)
    else:
        response = page.goto(f"{base_url}{case.path.format(w=world)}")
        assert response.status == 200, response.url
    page.wait_for_load_state("networkidle")
    if case.live:
        page.locator('[data-live="on"]').wait_for(state="attached")

    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.wait_for_timeout(150)  # layout and charts follow the resize
        scroll_width, inner_width = page.evaluate(
            "[document.scrollingElement.scrollWidth, window.innerWidth]"
        )
        if not page.evaluate("typeof axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        found[width] = {
            "horizontal scroll": scroll_width > inner_width and f"{scroll_width} > {inner_width}",
            "axe": page.evaluate(AXE_RUN),
            "small touch targets": case.ours and page.evaluate(SMALL_TARGETS),
        }
        if case.screenshot:
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"{case.name}-{width}.png", full_page=True)

    assert {width: {k: v for k, v in checks.items() if v} for width, checks in found.items()} == {
        width: {} for width in WIDTHS
    }
    assert problems.console == []
    assert problems.requests == []


def test_the_menu_folds_behind_its_button_on_a_phone_and_focus_is_visible(
    world, asgi_servers, browser_as
):
    from playwright.sync_api import expect

    base_url = asgi_servers.url()
    page = browser_as("customer", base_url).new_page()
    page.set_viewport_size({"width": 390, "height": HEIGHT})
    page.goto(f"{base_url}/")
    menu = page.get_by_role("button", name="Menu")
    my_tickets = page.get_by_role("link", name="My tickets")

    expect(my_tickets).to_be_hidden()
    page.keyboard.press("Tab")  # the skip link, then the brand
    page.keyboard.press("Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(my_tickets).to_be_visible()
    assert my_tickets.bounding_box()["height"] >= 44
    page.keyboard.press("Escape")
    expect(my_tickets).to_be_hidden()
    page.set_viewport_size({"width": 1280, "height": HEIGHT})
    expect(menu).to_be_hidden()
    expect(my_tickets).to_be_visible()


def test_a_refused_booking_keeps_the_quantities_and_names_the_type_beside_it(
    world, asgi_servers, browser_as
):
    from playwright.sync_api import expect

    base_url = asgi_servers.url()
    page = browser_as("customer", base_url).new_page()
    page.set_viewport_size({"width": 390, "height": HEIGHT})

    submit_booking_over_the_limit(page, world, base_url)

    expect(page.locator(f"#quantity_{world.standing.pk}")).to_have_value("2")
    expect(page.locator(f"#quantity_{world.table.pk}")).to_have_value("3")
    expect(page.locator(f"#quantity_{world.table.pk}_error")).to_have_text(
        "Table for six: at most 1 per booking."
    )
    expect(page.locator(f"#quantity_{world.table.pk}")).to_have_attribute(
        "aria-describedby", f"quantity_{world.table.pk}_error"
    )
    expect(page.locator(f'[data-ticket-option="{world.sold_out.pk}"]')).to_contain_text("Sold out")
    expect(page.locator(f"#quantity_{world.sold_out.pk}")).to_have_count(0)
    page.wait_for_function("window.scrollY > 0")  # the page opens at the ticket list


def test_the_campaign_form_adds_a_detail_line_and_saves_it_in_words(
    world, asgi_servers, browser_as, django_db_blocker
):
    from playwright.sync_api import expect

    base_url = asgi_servers.url()
    page = browser_as("seller", base_url).new_page()
    with django_db_blocker.unblock():
        campaign = Campaign.objects.get(slug="afrobeats-kampala")
    page.goto(f"{base_url}/seller/campaigns/{campaign.pk}/edit/")

    page.fill("#id_types-0-attr_0_label", "Lounge access")
    page.fill("#id_types-0-attr_0_value", "yes")
    page.get_by_role("button", name="Add a detail").click()
    expect(page.locator("#id_types-0-attr_1_label")).to_be_focused()
    page.fill("#id_types-0-attr_1_label", "Merchandise")
    page.fill("#id_types-0-attr_1_value", "t-shirt, cap")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("heading", name="Your campaigns").wait_for()

    with django_db_blocker.unblock():
        ticket_type = campaign.ticket_types.get()
    assert (ticket_type.attributes, ticket_type.attribute_labels) == (
        {"lounge_access": True, "merchandise": ["t-shirt", "cap"]},
        {"lounge_access": "Lounge access", "merchandise": "Merchandise"},
    )


def test_add_to_calendar_downloads_the_campaign_as_an_event(world, asgi_servers, browser_as):
    base_url = asgi_servers.url()
    page = browser_as("customer", base_url).new_page()
    page.set_viewport_size({"width": 390, "height": HEIGHT})
    page.goto(f"{base_url}/bookings/{world.confirmed.pk}/")

    with page.expect_download() as download:
        page.get_by_test_id("add-to-calendar").click()

    assert download.value.suggested_filename == f"{world.campaign.slug}.ics"
    (event,) = Calendar.from_ical(Path(download.value.path()).read_bytes()).walk("VEVENT")
    assert str(event["summary"]) == world.campaign.title
    assert event.decoded("dtstart") == world.campaign.starts_at.replace(microsecond=0)
    assert str(event["url"]).endswith(f"/campaigns/{world.campaign.slug}/")
