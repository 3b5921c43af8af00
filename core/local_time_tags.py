"""The `local_time` template library (registered in settings.TEMPLATES).

`{{ campaign.starts_at|local:campaign.timezone }}` gives "Sat 12 Dec 2026, 19:30 WAT";
`{% local_time value zone "H:i T" %}` takes another format; both call core.local_time.
"""

from django import template

from core.local_time import LOCAL_FORMAT, format_local, localize

register = template.Library()


@register.filter
def local(value, zone: str) -> str:
    """`value` in the IANA zone `zone`, as "Sat 12 Dec 2026, 19:30 WAT"."""
    return format_local(value, zone)


@register.simple_tag
def local_time(value, zone: str, fmt: str = LOCAL_FORMAT) -> str:
    """`value` in `zone` in another date format, e.g. `{% local_time t zone "H:i T" %}`."""
    return format_local(value, zone, fmt)


@register.filter
def iso_local(value, zone: str) -> str:
    """For `<time datetime>`: ISO 8601 with the zone's offset."""
    return localize(value, zone).isoformat() if value else ""
