"""Validation of seller-defined ticket-type attributes and their labels, shared by the model,
API and forms."""

import math

from django.core.exceptions import ValidationError

from core.limits import (
    ATTRIBUTE_KEY_LENGTH,
    ATTRIBUTE_LABEL_LENGTH,
    ATTRIBUTE_LIST_ITEMS,
    ATTRIBUTE_TEXT_LENGTH,
    ATTRIBUTES_PER_TICKET_TYPE,
)
from core.request_guard import UNREPRESENTABLE


def _check_scalar(key: str, value) -> None:
    if isinstance(value, bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(
                f"Attribute {key!r}: numbers must be finite.", code="invalid_attributes"
            )
        return
    if isinstance(value, str):
        if len(value) > ATTRIBUTE_TEXT_LENGTH:
            raise ValidationError(
                f"Attribute {key!r}: text longer than {ATTRIBUTE_TEXT_LENGTH} characters.",
                code="invalid_attributes",
            )
        if UNREPRESENTABLE.search(value):
            raise ValidationError(
                f"Attribute {key!r}: text cannot contain NUL or lone surrogate characters.",
                code="invalid_attributes",
            )
        return
    raise ValidationError(
        f"Attribute {key!r}: values are text, numbers, true/false, or lists of those.",
        code="invalid_attributes",
    )


def validate_attributes(value) -> None:
    """An object of string keys (no "__", the lookup separator of the attribute filters)
    with scalar values or lists of scalars, within core.limits. Text PostgreSQL cannot
    store and non-finite numbers are refused here too: forms and the admin reach this
    without the request guard's JSON checks."""
    if not isinstance(value, dict):
        raise ValidationError("Attributes must be an object.", code="invalid_attributes")
    if len(value) > ATTRIBUTES_PER_TICKET_TYPE:
        raise ValidationError(
            f"At most {ATTRIBUTES_PER_TICKET_TYPE} attributes per ticket type.",
            code="invalid_attributes",
        )
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip() or len(key) > ATTRIBUTE_KEY_LENGTH:
            raise ValidationError(
                f"Attribute names are 1 to {ATTRIBUTE_KEY_LENGTH} characters.",
                code="invalid_attributes",
            )
        if UNREPRESENTABLE.search(key):
            raise ValidationError(
                "Attribute names cannot contain NUL or lone surrogate characters.",
                code="invalid_attributes",
            )
        if "__" in key:
            raise ValidationError(
                f"Attribute {key!r}: names cannot contain '__'.", code="invalid_attributes"
            )
        if isinstance(item, list):
            if len(item) > ATTRIBUTE_LIST_ITEMS:
                raise ValidationError(
                    f"Attribute {key!r}: at most {ATTRIBUTE_LIST_ITEMS} items.",
                    code="invalid_attributes",
                )
            for element in item:
                _check_scalar(key, element)
        else:
            _check_scalar(key, item)


def validate_attribute_labels(labels, attributes: dict | None = None) -> None:
    """`{key: label}`: labels are 1 to 80 characters of text; with `attributes` given, every
    key must be one of its keys (a label for nothing would never be shown)."""
    if not isinstance(labels, dict):
        raise ValidationError("Attribute labels must be an object.", code="invalid_attributes")
    if len(labels) > ATTRIBUTES_PER_TICKET_TYPE:
        raise ValidationError(
            f"At most {ATTRIBUTES_PER_TICKET_TYPE} attribute labels per ticket type.",
            code="invalid_attributes",
        )
    for key, label in labels.items():
        if attributes is not None and key not in attributes:
            raise ValidationError(
                f"Label for {key!r}: there is no attribute called that.",
                code="invalid_attributes",
            )
        if not isinstance(label, str) or not label.strip() or len(label) > ATTRIBUTE_LABEL_LENGTH:
            raise ValidationError(
                f"Label for {key!r}: text of 1 to {ATTRIBUTE_LABEL_LENGTH} characters.",
                code="invalid_attributes",
            )
