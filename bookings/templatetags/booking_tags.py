"""Template helpers of the bookings pages."""

import uuid

from django import template

register = template.Library()


@register.simple_tag
def new_idempotency_key() -> str:
    """A fresh key per rendered form, so a double-submitted form books once."""
    return uuid.uuid4().hex
