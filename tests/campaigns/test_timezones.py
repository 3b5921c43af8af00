"""Event-local time: a campaign's IANA zone, chosen or taken from its country, in which the
seller types times and in which pages, PDFs and e-mails show them."""

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.core import mail
from pypdf import PdfReader

from bookings import services as bookings
from bookings.models import Booking
from bookings.tickets.services import booking_tickets_email
from campaigns.models import Campaign
from campaigns.timezones import DEFAULT_ZONE_BY_COUNTRY, default_zone_for_country
from core.local_time import format_local
from tests.campaigns.conftest import campaign_payload as _payload
from tests.campaigns.test_pages import _form_data
from tests.factories import CampaignFactory, UserFactory

pytestmark = pytest.mark.django_db

ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")


@pytest.mark.skipif(not ZONE_TAB.exists(), reason="no tz database zone.tab on this machine")
def test_the_country_table_is_the_documented_rule_applied_to_zone_tab():
    from zoneinfo import ZoneInfo

    zones: dict[str, list[str]] = {}
    for line in ZONE_TAB.read_text().splitlines():
        if line and not line.startswith("#"):
            country, _, zone, *_ = line.split("\t")
            zones.setdefault(country, []).append(zone)

    def clock(zone):
        return tuple(datetime(2026, m, 15, 12, tzinfo=ZoneInfo(zone)).utcoffset() for m in (1, 7))

    expected = {c: z[0] for c, z in zones.items() if len({clock(zone) for zone in z}) == 1}
    assert expected == DEFAULT_ZONE_BY_COUNTRY


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("NG", "Africa/Lagos"),
        ("KE", "Africa/Nairobi"),
        ("de", "Europe/Berlin"),  # Busingen keeps Berlin's clock
        ("US", "UTC"),  # several clocks: the seller picks
        ("CD", "UTC"),
        ("XX", "UTC"),
    ],
)
def test_a_country_with_one_clock_gives_its_zone_else_utc(country, zone):
    assert default_zone_for_country(country) == zone


def test_a_campaign_created_without_a_zone_takes_its_countrys(client_for, seller):
    lagos = client_for(seller).post("/api/v1/campaigns/", _payload(), format="json")
    texas = client_for(seller).post(
        "/api/v1/campaigns/", _payload(title="Rodeo", country="US"), format="json"
    )
    chosen = client_for(seller).post(
        "/api/v1/campaigns/",
        _payload(title="Rodeo 2", country="US", timezone="America/Chicago"),
        format="json",
    )

    assert [r.status_code for r in (lagos, texas, chosen)] == [201, 201, 201]
    assert [r.json()["timezone"] for r in (lagos, texas, chosen)] == [
        "Africa/Lagos",
        "UTC",
        "America/Chicago",
    ]


@pytest.mark.parametrize("zone", ["Mars/Olympus", "africa/lagos", "+01:00", "x" * 65, 5])
def test_an_unknown_zone_is_refused_and_nothing_changes(client_for, seller, zone):
    created = client_for(seller).post("/api/v1/campaigns/", _payload(timezone=zone), format="json")
    campaign = CampaignFactory(seller=seller, status="draft", timezone="Africa/Lagos")
    patched = client_for(seller).patch(
        f"/api/v1/campaigns/{campaign.pk}/", {"timezone": zone}, format="json"
    )

    for response in (created, patched):
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert "timezone" in response.json()["fields"]
    assert list(Campaign.objects.values_list("pk", "timezone")) == [(campaign.pk, "Africa/Lagos")]


def test_the_seller_sets_zone_transfers_and_cut_off_through_the_api(client_for, seller):
    campaign = CampaignFactory(seller=seller, status="draft", timezone="UTC")

    response = client_for(seller).patch(
        f"/api/v1/campaigns/{campaign.pk}/",
        {
            "timezone": "Africa/Nairobi",
            "transfers_allowed": False,
            "name_change_cutoff": campaign.starts_at.isoformat(),
        },
        format="json",
    )
    late = client_for(seller).patch(
        f"/api/v1/campaigns/{campaign.pk}/",
        {"name_change_cutoff": campaign.ends_at.isoformat()},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["timezone"], response.json()["transfers_allowed"]) == (
        "Africa/Nairobi",
        False,
    )
    assert (late.status_code, list(late.json()["fields"])) == (400, ["name_change_cutoff"])
    campaign.refresh_from_db()
    assert (campaign.timezone, campaign.transfers_allowed, campaign.name_change_cutoff) == (
        "Africa/Nairobi",
        False,
        campaign.starts_at,
    )


def test_existing_campaigns_migrate_to_their_countrys_zone_or_utc():
    import importlib

    migration = importlib.import_module("campaigns.migrations.0006_campaign_timezone_from_country")
    lagos = CampaignFactory(country="NG", timezone="UTC")
    texas = CampaignFactory(country="US", timezone="UTC")
    chosen = CampaignFactory(country="NG", timezone="Africa/Abidjan")
    broken = CampaignFactory(country="KE", timezone="Nowhere/Gone")

    migration.zones_from_countries(apps, None)

    assert [Campaign.objects.get(pk=c.pk).timezone for c in (lagos, texas, chosen, broken)] == [
        "Africa/Lagos",
        "UTC",
        "Africa/Abidjan",
        "Africa/Nairobi",
    ]


def _lagos_form(**overrides):
    lagos = {
        "country": "NG",
        "city": "Lagos",
        "currency": "NGN",
        "timezone": "Africa/Lagos",
        "starts_at": "2030-06-01T19:30",
        "ends_at": "2030-06-01T23:30",
        "types-0-sales_start": "2030-05-01T09:00",
    }
    return _form_data(**{**lagos, **overrides})


def test_a_lagos_campaign_typed_1930_reads_1930_wat_on_the_page_the_pdf_and_the_mail(
    client, seller, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(seller)
    assert client.post("/seller/campaigns/new/", _lagos_form()).status_code == 302
    campaign = Campaign.objects.get()
    day_pass = campaign.ticket_types.get(name="Day pass")
    assert (campaign.timezone, campaign.starts_at, day_pass.sales_start) == (
        "Africa/Lagos",
        datetime(2030, 6, 1, 18, 30, tzinfo=UTC),
        datetime(2030, 5, 1, 8, 0, tzinfo=UTC),
    )
    edit = client.get(f"/seller/campaigns/{campaign.pk}/edit/").content.decode()
    assert 'name="starts_at" value="2030-06-01T19:30"' in edit
    assert 'name="types-0-sales_start" value="2030-05-01T09:00"' in edit

    Campaign.objects.filter(pk=campaign.pk).update(status="published")
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert (
        '<time datetime="2030-06-01T19:30:00+01:00">Sat 1 Jun 2030, 19:30</time> – '
        '<time datetime="2030-06-01T23:30:00+01:00">23:30 WAT</time>'
    ) in page
    assert "On sale from 1 May, 09:00 WAT" in page

    buyer = UserFactory()
    day_pass.sales_start = None
    day_pass.save()
    booking = bookings.booking_create(
        customer=buyer,
        campaign_id=campaign.pk,
        items=[{"ticket_type": day_pass.pk, "quantity": 1}],
        issuance="single",
    )
    bookings.confirm_booking(booking_id=booking.pk, source="test")
    mail.outbox.clear()
    assert booking_tickets_email(booking_id=booking.pk) is True

    (message,) = mail.outbox
    assert "When: Sat 1 Jun 2030, 19:30 WAT" in message.body
    assert "When: <strong>Sat 1 Jun 2030, 19:30 WAT</strong>" in message.alternatives[0][0]
    text = PdfReader(io.BytesIO(message.attachments[0][1])).pages[0].extract_text()
    assert "Sat 1 Jun 2030, 19:30 – 23:30 WAT" in text
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


def test_the_form_reads_times_in_the_countrys_zone_when_none_is_chosen(client, seller):
    client.force_login(seller)

    response = client.post("/seller/campaigns/new/", _lagos_form(timezone=""))

    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.timezone, campaign.starts_at) == (
        "Africa/Lagos",
        datetime(2030, 6, 1, 18, 30, tzinfo=UTC),
    )


def test_an_unknown_zone_in_the_form_is_named_beside_it(client, seller):
    client.force_login(seller)

    response = client.post("/seller/campaigns/new/", _lagos_form(timezone="Mars/Olympus"))

    assert response.status_code == 200
    assert '<ul class="errorlist" id="id_timezone_error">' in response.content.decode()
    assert Campaign.objects.count() == 0


def test_times_show_the_zones_abbreviation_or_offset():
    moment = datetime(2030, 1, 15, 18, 30, tzinfo=UTC)

    assert format_local(moment, "Africa/Lagos") == "Tue 15 Jan 2030, 19:30 WAT"
    assert format_local(moment, "Europe/London") == "Tue 15 Jan 2030, 18:30 GMT"
    assert format_local(moment, "America/Sao_Paulo") == "Tue 15 Jan 2030, 15:30 -03"
    assert format_local(None, "Africa/Lagos") == ""
