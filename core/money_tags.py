"""The `money` template library (registered in settings.TEMPLATES): `{{ amount|money:currency }}`.

Pages, e-mails and PDFs all format money through it, so an amount reads the same everywhere.
"""

from django import template

from core.money_format import format_money

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """The amount as "NGN 5,000.00"; empty for a missing amount (a blank cell, not "None")."""
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency)
