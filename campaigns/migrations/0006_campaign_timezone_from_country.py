"""Campaigns made before time zones could be chosen were all UTC: give each its venue
country's zone (campaigns.timezones: UTC where the country keeps several clocks). A zone
already chosen is kept unless the tz database does not know it."""

from django.db import migrations


def zones_from_countries(apps, schema_editor):
    from campaigns.timezones import FALLBACK_ZONE, default_zone_for_country
    from core.local_time import is_known_zone

    Campaign = apps.get_model("campaigns", "Campaign")
    for campaign in Campaign.objects.only("pk", "country", "timezone").iterator():
        if campaign.timezone != FALLBACK_ZONE and is_known_zone(campaign.timezone):
            continue
        zone = default_zone_for_country(campaign.country)
        if zone != campaign.timezone:
            Campaign.objects.filter(pk=campaign.pk).update(timezone=zone)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0005_promo_codes")]

    operations = [migrations.RunPython(zones_from_countries, migrations.RunPython.noop)]
