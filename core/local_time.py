"""Times as people at a venue read them: in the venue's IANA zone, with its abbreviation.

Pages, PDF tickets and e-mails all format times through `format_local` (templates through
the `local_time` library's `{{ value|local:zone }}`), so a campaign reads "Sat 12 Dec 2026,
19:30 WAT" everywhere, whoever looks and whatever the server's zone. The database and the
API stay in UTC.
"""

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils import dateformat, timezone

# Django's date format: weekday, day, month, year, 24-hour time, the zone's abbreviation.
LOCAL_FORMAT = "D j M Y, H:i T"


@cache
def known_zones() -> frozenset[str]:
    """Every IANA name this machine's tz database knows (read once: it walks the disk)."""
    return frozenset(available_timezones())


def is_known_zone(name: object) -> bool:
    return isinstance(name, str) and name in known_zones()


def zone_of(name: str) -> ZoneInfo:
    """The zone named `name`; UTC for a name the tz database does not know (an old row)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def localize(value: datetime, zone: str) -> datetime:
    """`value` (aware) on the wall clock of `zone`."""
    return timezone.localtime(value, zone_of(zone))


def format_local(value: datetime | None, zone: str, fmt: str = LOCAL_FORMAT) -> str:
    """`value` in `zone` as Django's date format `fmt` spells it; "" for no time."""
    if value is None:
        return ""
    return dateformat.format(localize(value, zone), fmt)
