"""Template filters of the campaign pages."""

from django import template

from campaigns.attributes import attribute_rows as _attribute_rows

register = template.Library()


@register.filter
def attribute_rows(ticket_type) -> list[tuple[str, str]]:
    """A ticket type's attributes as `(label, value)` pairs a buyer reads."""
    return _attribute_rows(ticket_type.attributes, ticket_type.attribute_labels)
