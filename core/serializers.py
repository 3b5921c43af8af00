"""Serializer fields shared by the API of several apps."""

from django_countries import countries
from rest_framework import serializers


class CountryCodeField(serializers.ChoiceField):
    """An ISO 3166-1 alpha-2 code, exactly (names and lowercase are refused)."""

    def __init__(self, **kwargs):
        super().__init__(choices=[code for code, _ in countries], **kwargs)

    def to_representation(self, value):
        return str(value.code if hasattr(value, "code") else value)


class ObjectIdField(serializers.IntegerField):
    """The id of one of our rows: a positive 64-bit integer, so an absurd number is a 400
    rather than a database overflow."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)
