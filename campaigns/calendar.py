"""A campaign as an iCalendar event (RFC 5545), for "Add to calendar" and the tickets e-mail.

One VEVENT per campaign with a stable UID and a SEQUENCE that grows with every change, so
importing it again (after the seller moved the date, or cancelled) updates the entry people
already have instead of adding a second one.
"""

from urllib.parse import urlsplit

from django.conf import settings
from icalendar import Calendar, Event

from campaigns.models import Campaign

PRODUCT_ID = "-//Tickets//Campaigns//EN"


def campaign_ics(campaign: Campaign) -> bytes:
    url = settings.SITE_URL + campaign.get_absolute_url()
    event = Event()
    event.add("uid", f"campaign-{campaign.pk}@{urlsplit(settings.SITE_URL).hostname}")
    event.add("dtstamp", campaign.updated_at)
    # Calendars take a new version of an event they hold only with a higher SEQUENCE.
    event.add("sequence", int(campaign.updated_at.timestamp()))
    event.add("dtstart", campaign.starts_at)
    event.add("dtend", campaign.ends_at)
    event.add("summary", campaign.title)
    event.add("location", _location(campaign))
    event.add("description", f"{campaign.description}\n\n{url}".strip())
    event.add("url", url)
    cancelled = campaign.status == Campaign.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()


def campaign_ics_filename(campaign: Campaign) -> str:
    return f"{campaign.slug}.ics"


def _location(campaign: Campaign) -> str:
    parts = [campaign.venue_name, campaign.venue_address, campaign.city, campaign.country.name]
    return ", ".join(part for part in parts if part)
