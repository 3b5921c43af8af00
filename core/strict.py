"""Request-body serializers that refuse a value of the wrong JSON type instead of coercing it.

DRF is lenient: a CharField turns 5 into "5", a BooleanField takes "false" and 0, an
IntegerField takes "7" and 7.0, and django-countries' field stores `[]` as a blank country.
The API's contract is that a wrong type is refused, never coerced (DESIGN.md), so every
serializer that reads a request body mixes in StrictTypes, which checks each given field's
JSON type before DRF converts it. Serializers of query strings stay lenient: there every
value is text.
"""

from collections.abc import Mapping

from rest_framework import serializers

NAMES = {
    "null": "null",
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "array": "an array",
    "object": "an object",
}

TEXT = {"string"}
# The JSON types each kind of field takes; the first match wins, so subclasses come first.
# Fields not listed (JSONField, read-only kinds) take any value.
ACCEPTED: tuple[tuple[type, set[str]], ...] = (
    (serializers.BooleanField, {"boolean"}),
    (serializers.IntegerField, {"integer"}),
    (serializers.FloatField, {"integer", "number"}),
    # Amounts travel as strings ("2500.00") to keep their precision; numbers are exact
    # enough for whole amounts and are taken too.
    (serializers.DecimalField, {"string", "integer", "number"}),
    (serializers.MultipleChoiceField, {"array"}),
    (serializers.ListField, {"array"}),
    (serializers.ListSerializer, {"array"}),
    (serializers.DictField, {"object"}),
    (serializers.BaseSerializer, {"object"}),
    (serializers.CharField, TEXT),
    (serializers.DateTimeField, TEXT),
    (serializers.DateField, TEXT),
    (serializers.TimeField, TEXT),
    (serializers.DurationField, TEXT),
    (serializers.UUIDField, TEXT),
)


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def accepted_types(field) -> set[str] | None:
    """The JSON types `field` takes, or None when it takes any."""
    if isinstance(field, serializers.ChoiceField) and not isinstance(
        field, serializers.MultipleChoiceField
    ):
        keys = list(field.choices)
        return {"integer"} if keys and all(type(key) is int for key in keys) else TEXT
    for kind, types in ACCEPTED:
        if isinstance(field, kind):
            return types
    return None


def type_errors(field, value):
    """DRF-shaped errors when `value` (or an item of a list of scalars) has the wrong type."""
    if value is None:
        return None  # allow_null decides
    accepted = accepted_types(field)
    given = json_type(value)
    if accepted is not None and given not in accepted:
        expected = " or ".join(NAMES[name] for name in sorted(accepted))
        return [f"Expected {expected}, not {NAMES.get(given, given)}."]
    child = getattr(field, "child", None)
    if isinstance(field, serializers.ListField) and child is not None:
        items = {index: type_errors(child, item) for index, item in enumerate(value)}
        return {index: errors for index, errors in items.items() if errors} or None
    return None


class StrictTypes:
    """Mix into a request-body serializer, before its DRF base class."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for name, field in self.fields.items():
                if not field.read_only and name in data:
                    found = type_errors(field, data[name])
                    if found:
                        errors[name] = found
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
