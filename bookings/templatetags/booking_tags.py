"""Template helpers of the bookings pages."""

import uuid

from django import template

from bookings.forms import BookingForm, quantity_field_name

register = template.Library()


@register.simple_tag
def new_idempotency_key() -> str:
    """A fresh key per rendered form, so a double-submitted form books once."""
    return uuid.uuid4().hex


@register.simple_tag
def booking_form_for(campaign, form=None, code="") -> BookingForm:
    """The campaign page's booking form: the refused one (with what was chosen and its
    errors) when there is one, else a fresh form carrying the page's `?code=`. The
    campaigns app cannot build it."""
    return form or BookingForm(ticket_types=campaign.ticket_types.all(), initial={"code": code})


@register.simple_tag
def quantity_field(form, ticket_type):
    """The booking form's quantity field of `ticket_type`; None where nothing is bookable."""
    return form[quantity_field_name(ticket_type.pk)] if form else None
