"""GET /campaigns/<slug>/calendar.ics: the campaign as one calendar event."""

from datetime import timedelta

import pytest
from django.test import override_settings
from icalendar import Calendar

from campaigns.models import Campaign

pytestmark = pytest.mark.django_db


def _event(response):
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    return event


@override_settings(SITE_URL="https://tickets.example")
def test_a_published_campaign_is_one_event_with_its_times_place_and_page(client, published):
    response = client.get("/campaigns/jazz-night/calendar.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="jazz-night.ics"'
    event = _event(response)
    assert str(event["summary"]) == "Jazz Night"
    # To the second, as iCalendar writes times.
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (
        published.starts_at.replace(microsecond=0),
        published.ends_at.replace(microsecond=0),
    )
    assert str(event["location"]) == (
        f"{published.venue_name}, {published.venue_address}, {published.city}, "
        f"{published.country.name}"
    )
    assert str(event["url"]) == "https://tickets.example/campaigns/jazz-night/"
    assert str(event["uid"]) == f"campaign-{published.pk}@tickets.example"
    assert str(event["status"]) == "CONFIRMED"


def test_the_event_keeps_its_uid_when_the_campaign_moves_so_calendars_update_it(client, published):
    before = _event(client.get("/campaigns/jazz-night/calendar.ics"))
    Campaign.objects.filter(pk=published.pk).update(
        starts_at=published.starts_at.replace(hour=1),
        status=Campaign.Status.CANCELLED,
        updated_at=published.updated_at + timedelta(seconds=5),
    )

    after = _event(client.get("/campaigns/jazz-night/calendar.ics"))

    assert str(after["uid"]) == str(before["uid"])
    assert after["sequence"] > before["sequence"]
    assert after.decoded("dtstart") != before.decoded("dtstart")
    assert str(after["status"]) == "CANCELLED"


def test_a_draft_is_not_found_except_by_its_seller(client, draft, seller):
    assert client.get("/campaigns/draft-gala/calendar.ics").status_code == 404
    assert client.get("/campaigns/no-such-thing/calendar.ics").status_code == 404
    client.force_login(seller)
    assert client.get("/campaigns/draft-gala/calendar.ics").status_code == 200
