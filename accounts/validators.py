"""Validators shared by models, forms and serializers of the accounts app."""

from django.core.validators import RegexValidator

validate_phone = RegexValidator(
    r"^\+?[0-9][0-9 ()-]{5,30}$",
    "Enter a phone number: digits, spaces or dashes, with an optional leading +.",
    code="invalid_phone",
)
