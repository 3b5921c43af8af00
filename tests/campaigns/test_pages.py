"""Pages of the campaigns app, rendered per role with the Django test client."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import ManagerInvitation, Role, User
from campaigns.models import Campaign, TicketType
from tests.factories import CampaignFactory, ManagerFactory, ManagerInvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_for(client):
    def make(user):
        if user is not None:
            client.force_login(user)
        return client

    return make


def test_home_lists_upcoming_campaigns_and_filters(browser_for, published, draft):
    CampaignFactory(title="Beach Bar Night", venue_type="bar")

    page = browser_for(None).get("/?venue_type=event")

    assert page.status_code == 200
    body = page.content.decode()
    assert "Jazz Night" in body
    assert "Beach Bar Night" not in body
    assert "Draft Gala" not in body
    assert '<p class="price">From NGN\xa05,000.00</p>' in body


def test_home_with_a_bad_filter_shows_the_error(browser_for, published):
    page = browser_for(None).get("/?starts_after=soon")

    assert page.status_code == 200
    html = page.content.decode()
    assert '<ul class="errorlist" id="id_starts_after_error"><li>Enter a valid date/time.' in html
    assert "<details open>" in html
    assert '<label for="id_min_price">Lowest price</label>' in html
    assert "[invalid name]" not in html
    assert "Jazz Night" not in html


def test_campaign_page_shows_ticket_types_attributes_and_live_counters(browser_for, published):
    regular, vip = published.ticket_types.order_by("position")
    TicketType.objects.filter(pk=vip.pk).update(
        attribute_labels={"table_size": "Seats at the table"}
    )

    page = browser_for(None).get("/campaigns/jazz-night/")

    body = page.content.decode()
    assert page.status_code == 200
    assert f'data-live-url="/ws/campaigns/{published.pk}/"' in body
    assert f'<span class="remaining" data-ticket-type="{vip.pk}">10</span> left' in body
    assert "<div><dt>Bottle</dt><dd>Yes</dd></div>" in body
    assert "<div><dt>Seats at the table</dt><dd>6</dd></div>" in body
    assert '<span class="ticket-option__price">NGN\xa050,000.00</span>' in body
    assert '<span class="badge badge--success">On sale</span>' in body
    assert "Published" not in body
    assert "js/live-availability.js" in body


def test_a_sold_out_type_says_so_and_offers_no_quantity(browser_for, customer, published):
    regular, vip = published.ticket_types.order_by("position")
    TicketType.objects.filter(pk=vip.pk).update(reserved=10)

    body = browser_for(customer).get("/campaigns/jazz-night/").content.decode()

    vip_row = body.split(f'data-ticket-option="{vip.pk}"')[1].split("</li>")[0]
    assert '<span class="badge badge--danger">Sold out</span>' in vip_row
    assert "<input" not in vip_row
    assert f'name="quantity_{regular.pk}"' in body
    assert f'name="quantity_{vip.pk}"' not in body


@pytest.mark.parametrize(("who", "status"), [("owner", 200), ("other", 404), ("anonymous", 404)])
def test_draft_page_only_for_its_seller(browser_for, seller, other_seller, draft, who, status):
    user = {"owner": seller, "other": other_seller}.get(who)

    assert browser_for(user).get("/campaigns/draft-gala/").status_code == status


def test_seller_dashboard_shows_campaigns_and_headline_numbers(
    browser_for, seller, published, draft
):
    published.ticket_types.filter(name="Regular").update(reserved=12)
    Campaign.objects.filter(pk=published.pk).update(views_count=345)

    page = browser_for(seller).get("/seller/")

    body = page.content.decode()
    assert page.status_code == 200
    assert '<span class="stat__value" id="headline-live">1</span>' in body
    assert '<span class="num" data-testid="reserved">12 / 110</span>' in body
    assert '<span class="stat__value">345</span>' in body
    assert f'action="/seller/campaigns/{draft.pk}/publish/"' in body


@pytest.mark.parametrize("who", ["customer", "manager"])
def test_dashboard_is_for_sellers_only(browser_for, customer, who):
    user = (
        customer
        if who == "customer"
        else User.objects.create_user("m@example.com", role=Role.MANAGER)
    )

    assert browser_for(user).get("/seller/").status_code == 403


def test_dashboard_sends_anonymous_visitors_to_sign_in(browser_for):
    page = browser_for(None).get("/seller/")

    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/")


def _form_data(**overrides):
    starts = timezone.now() + timedelta(days=20)
    data = {
        "title": "Pool Party",
        "description": "Sun and music.",
        "venue_type": "hotel",
        "venue_name": "Lagoon Hotel",
        "venue_address": "",
        "city": "Mombasa",
        "country": "KE",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        "currency": "KES",
        "types-TOTAL_FORMS": "2",
        "types-INITIAL_FORMS": "0",
        "types-MIN_NUM_FORMS": "1",
        "types-MAX_NUM_FORMS": "50",
        "types-0-name": "Day pass",
        "types-0-price": "1500",
        "types-0-capacity": "80",
        "types-0-max_per_booking": "5",
        "types-0-scans_allowed": "1",
        "types-0-attr_0_key": "",
        "types-0-attr_0_label": "Towel included",
        "types-0-attr_0_value": "yes",
        "types-0-attr_1_key": "",
        "types-0-attr_1_label": "Pools",
        "types-0-attr_1_value": "ocean, kids, 2",
        "types-0-attr_2_key": "",
        "types-0-attr_2_label": "",
        "types-0-attr_2_value": "",
        "types-1-name": "Cabana",
        "types-1-price": "9000",
        "types-1-capacity": "4",
        "types-1-max_per_booking": "1",
        "types-1-scans_allowed": "4",
        "types-1-attr_0_key": "",
        "types-1-attr_0_label": "",
        "types-1-attr_0_value": "",
    }
    data.update(overrides)
    return data


def test_seller_creates_a_campaign_from_the_form(browser_for, seller):
    response = browser_for(seller).post("/seller/campaigns/new/", _form_data())

    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.title, campaign.status, campaign.currency) == ("Pool Party", "draft", "KES")
    assert list(
        campaign.ticket_types.values_list("name", "capacity", "attributes", "attribute_labels")
    ) == [
        (
            "Day pass",
            80,
            {"towel_included": True, "pools": ["ocean", "kids", 2]},
            {"towel_included": "Towel included", "pools": "Pools"},
        ),
        ("Cabana", 4, {}, {}),
    ]
    assert campaign.keys.count() == 1


def test_the_edit_form_shows_details_in_words_and_keeps_their_keys(browser_for, seller, published):
    regular, vip = published.ticket_types.order_by("position")
    TicketType.objects.filter(pk=vip.pk).update(
        attribute_labels={"table_size": "Seats at the table"}
    )
    client = browser_for(seller)

    page = client.get(f"/seller/campaigns/{published.pk}/edit/").content.decode()
    data = _form_data(
        **{
            "currency": "NGN",
            "types-INITIAL_FORMS": "2",
            "types-0-id": str(regular.pk),
            "types-1-id": str(vip.pk),
            "types-1-attr_0_key": "bottle",
            "types-1-attr_0_label": "Bottle",
            "types-1-attr_0_value": "No",
            "types-1-attr_1_key": "table_size",
            "types-1-attr_1_label": "Chairs",
            "types-1-attr_1_value": "8",
        }
    )
    response = client.post(f"/seller/campaigns/{published.pk}/edit/", data)

    assert 'name="types-1-attr_1_label" value="Seats at the table"' in page
    assert 'name="types-1-attr_1_value" value="6"' in page
    assert 'name="types-1-attr_0_value" value="Yes"' in page
    assert 'name="types-1-attr_2_label"' in page  # one empty line to add a detail
    assert "JSON" not in page
    assert response.status_code == 302
    vip.refresh_from_db()
    assert (vip.attributes, vip.attribute_labels) == (
        {"bottle": False, "table_size": 8},
        {"bottle": "Bottle", "table_size": "Chairs"},
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"types-0-attr_0_value": ""}, "attr_0_value", "Give a value for Towel included."),
        ({"types-0-attr_0_label": ""}, "attr_0_label", "Name this detail, e.g. Table size."),
        (
            {"types-0-attr_1_label": "Towel included"},
            "attr_1_label",
            "Two details are called Towel included.",
        ),
        (
            {"types-0-attr_0_label": "x" * 81},
            "attr_0_label",
            "Ensure this value has at most 80 characters (it has 81).",
        ),
    ],
)
def test_a_refused_detail_is_named_beside_its_line(browser_for, seller, overrides, field, message):
    response = browser_for(seller).post("/seller/campaigns/new/", _form_data(**overrides))

    assert response.status_code == 200
    assert response.context["rows"].forms[0].errors == {field: [message]}
    assert f'id="id_types-0-{field}_error"' in response.content.decode()
    assert Campaign.objects.count() == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"types-0-price": "-1"},
        {"types-1-capacity": "0"},
        {"types-0-attr_0_label": "a__b", "types-0-attr_0_key": "a__b"},
        {
            **{f"types-0-attr_{i}_label": f"Detail {i}" for i in range(31)},
            **{f"types-0-attr_{i}_value": "1" for i in range(31)},
        },
        {"currency": "XYZ"},
        {"ends_at": "2000-01-01T00:00"},
        {"types-TOTAL_FORMS": "0"},
        {"types-0-attr_0_label": "Note", "types-0-attr_0_value": "a\x00b"},
        {"types-0-attr_0_label": "No\x00te", "types-0-attr_0_value": "1"},
    ],
)
def test_invalid_form_creates_nothing(browser_for, seller, overrides):
    response = browser_for(seller).post("/seller/campaigns/new/", _form_data(**overrides))

    assert response.status_code == 200
    assert Campaign.objects.count() == 0


def test_the_services_rules_show_beside_the_fields_they_concern(browser_for, seller):
    past = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = browser_for(seller).post(
        "/seller/campaigns/new/",
        _form_data(
            starts_at=past,
            **{"types-1-sales_start": "2030-01-02T10:00", "types-1-sales_end": "2030-01-01T10:00"},
        ),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"starts_at": ["The start must be in the future."]}
    rows = response.context["rows"]
    assert [row.errors for row in rows.forms] == [
        {},
        {"sales_end": ["Sales must end after they start."]},
    ]


def test_the_form_takes_at_most_50_ticket_types(browser_for, seller):
    rows = {
        f"types-{number}-{field}": value
        for number in range(51)
        for field, value in {
            "name": f"Type {number}",
            "price": "10",
            "capacity": "5",
            "max_per_booking": "1",
            "scans_allowed": "1",
            "attributes": "",
        }.items()
    }

    response = browser_for(seller).post(
        "/seller/campaigns/new/", _form_data(**rows, **{"types-TOTAL_FORMS": "51"})
    )

    assert response.status_code == 200
    assert "Please submit at most 50 forms." in response.content.decode()
    assert Campaign.objects.count() == 0


def test_edit_form_shows_rows_and_refuses_capacity_below_reserved(browser_for, seller, published):
    regular, vip = published.ticket_types.order_by("position")
    regular.reserved = 50
    regular.save()
    client = browser_for(seller)

    page = client.get(f"/seller/campaigns/{published.pk}/edit/")
    assert 'value="Regular"' in page.content.decode()
    data = _form_data(
        **{
            "types-0-id": str(regular.pk),
            "types-0-capacity": "10",
            "types-1-id": str(vip.pk),
            "types-INITIAL_FORMS": "2",
            "currency": "NGN",
        }
    )
    response = client.post(f"/seller/campaigns/{published.pk}/edit/", data, follow=True)

    assert "has 50 seats reserved" in response.content.decode()
    regular.refresh_from_db()
    assert regular.capacity == 100


def test_other_sellers_cannot_open_the_edit_form(browser_for, other_seller, published):
    assert (
        browser_for(other_seller).get(f"/seller/campaigns/{published.pk}/edit/").status_code == 404
    )


def test_publish_and_cancel_buttons(browser_for, seller, draft):
    client = browser_for(seller)

    client.post(f"/seller/campaigns/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.status == "published"
    page = client.post(f"/seller/campaigns/{draft.pk}/cancel/", follow=True)
    draft.refresh_from_db()
    assert draft.status == "cancelled"
    assert "Cancelled: sales stopped" in page.content.decode()


def test_managers_page_assigns_managers_and_invites_others(browser_for, seller, published):
    manager = ManagerFactory(email="door@example.com")
    client = browser_for(seller)
    url = f"/seller/campaigns/{published.pk}/managers/"

    assigned = client.post(url, {"email": "door@example.com", "action": "assign"}, follow=True)
    invited = client.post(url, {"email": "new@example.com", "action": "assign"}, follow=True)

    assert list(published.managers.all()) == [manager]
    assert "door@example.com now manages this campaign." in assigned.content.decode()
    page = invited.content.decode()
    assert "Invitation sent to new@example.com." in page
    invitation = ManagerInvitation.objects.get()
    assert (
        '<td data-label="E-mail">new@example.com</td>\n        <td data-label="Status">'
        f"Pending until {invitation.expires_at:%-d %b %Y}</td>" in page
    )
    client.post(url, {"email": "door@example.com", "action": "remove"})
    withdrawn = client.post(url, {"email": "new@example.com", "action": "remove"}, follow=True)
    assert published.managers.count() == 0
    assert ManagerInvitation.objects.get().status == "revoked"
    assert "No pending invitations." in withdrawn.content.decode()


def test_an_invitee_finds_the_invitation_from_the_nav_and_accepts_it(
    browser_for, seller, customer, published
):
    invitation = ManagerInvitationFactory(target=published, email=customer.email)
    client = browser_for(customer)

    home = client.get("/").content.decode()
    page = client.get("/invitations/").content.decode()
    accepted = client.post(f"/invitations/{invitation.pk}/accept/", follow=True)

    assert '<a href="/invitations/">Invitations (1)</a>' in home
    assert "<header><strong>Jazz Night</strong></header>" in page
    assert "Sam Seller invites" in page
    assert f'action="/invitations/{invitation.pk}/accept/"' in page
    assert "You now manage Jazz Night." in accepted.content.decode()
    assert "No invitations are waiting for you." in accepted.content.decode()
    assert "Invitations (" not in accepted.content.decode()
    customer.refresh_from_db()
    assert customer.role == Role.MANAGER
    assert list(published.managers.all()) == [customer]


def test_an_invitee_declines_from_the_page_and_someone_else_cannot(
    browser_for, customer, published
):
    invitation = ManagerInvitationFactory(target=published, email=customer.email)
    intruder = browser_for(User.objects.create_user("intruder@example.com"))
    refused = intruder.post(f"/invitations/{invitation.pk}/accept/", follow=True)
    assert "You have no invitation with this id." in refused.content.decode()

    declined = browser_for(customer).post(f"/invitations/{invitation.pk}/decline/", follow=True)

    assert "Invitation declined." in declined.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == "declined"
    customer.refresh_from_db()
    assert customer.role == Role.CUSTOMER
    assert published.managers.count() == 0


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("admin", 200), ("other", 403), ("customer", 403)]
)
def test_analytics_page_per_role(
    browser_for, seller, super_admin, other_seller, customer, published, who, status
):
    user = {"owner": seller, "admin": super_admin, "other": other_seller, "customer": customer}[who]

    page = browser_for(user).get(f"/seller/campaigns/{published.pk}/analytics/")

    assert page.status_code == status
    if status == 200:
        body = page.content.decode()
        assert "vendor/chart-4.6.1.umd.min.js" in body
        assert (
            f'<script id="analytics-data" type="application/json">{{"campaign": {published.pk},'
            in body
        )


def test_admin_lists_campaigns_with_search(browser_for, super_admin, published):
    page = browser_for(super_admin).get("/admin/campaigns/campaign/?q=jazz")

    assert page.status_code == 200
    assert "Jazz Night" in page.content.decode()
    assert (
        browser_for(super_admin)
        .get(f"/admin/campaigns/campaign/{published.pk}/change/")
        .status_code
        == 200
    )


def test_seed_demo_publishes_a_campaign_of_every_venue_type_once():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    campaigns = Campaign.objects.filter(seller__email="seller@demo.tickets")
    assert sorted(campaigns.values_list("venue_type", flat=True)) == [
        "bar",
        "event",
        "hotel",
        "other",
        "sports",
    ]
    assert set(campaigns.values_list("status", flat=True)) == {"published"}
    assert all(c.ticket_types.exists() and c.managers.count() == 1 for c in campaigns)
    table = TicketType.objects.get(name="Table for six")
    assert table.attribute_labels == {
        "table_size": "Seats at the table",
        "bottle": "Bottle service",
    }


def test_the_edit_form_of_a_published_campaign_says_a_move_is_told_to_holders(
    browser_for, seller, published, draft
):
    client = browser_for(seller)

    on_sale = client.get(f"/seller/campaigns/{published.pk}/edit/").content.decode()
    not_yet = client.get(f"/seller/campaigns/{draft.pk}/edit/").content.decode()

    notice = "Everyone holding a ticket is e-mailed a new time or place"
    assert notice in on_sale
    assert notice not in not_yet
