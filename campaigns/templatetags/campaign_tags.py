"""Template filters of the campaign pages."""

from django import template

register = template.Library()


@register.filter
def attribute_value(value) -> str:
    """A seller-defined attribute value as a reader expects it: yes/no, comma lists."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(attribute_value(item) for item in value)
    return str(value)
