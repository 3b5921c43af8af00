"""Validation of seller-defined ticket-type attributes and their labels, shared by the model,
API and forms."""

from django.core.exceptions import ValidationError

MAX_KEYS = 30
MAX_KEY_LENGTH = 40
MAX_STRING_LENGTH = 200
MAX_LIST_ITEMS = 20


def _check_scalar(key: str, value) -> None:
    if isinstance(value, bool | int | float):
        return
    if isinstance(value, str):
        if len(value) > MAX_STRING_LENGTH:
            raise ValidationError(
                f"Attribute {key!r}: text longer than {MAX_STRING_LENGTH} characters.",
                code="invalid_attributes",
            )
        return
    raise ValidationError(
        f"Attribute {key!r}: values are text, numbers, true/false, or lists of those.",
        code="invalid_attributes",
    )


def validate_attributes(value) -> None:
    """An object of at most 30 string keys (up to 40 characters, no "__", which is the
    lookup separator of the attribute filters); values scalar or lists of up to 20 scalars."""
    if not isinstance(value, dict):
        raise ValidationError("Attributes must be an object.", code="invalid_attributes")
    if len(value) > MAX_KEYS:
        raise ValidationError(
            f"At most {MAX_KEYS} attributes per ticket type.", code="invalid_attributes"
        )
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise ValidationError(
                f"Attribute names are 1 to {MAX_KEY_LENGTH} characters.",
                code="invalid_attributes",
            )
        if "__" in key:
            raise ValidationError(
                f"Attribute {key!r}: names cannot contain '__'.", code="invalid_attributes"
            )
        if isinstance(item, list):
            if len(item) > MAX_LIST_ITEMS:
                raise ValidationError(
                    f"Attribute {key!r}: at most {MAX_LIST_ITEMS} items.",
                    code="invalid_attributes",
                )
            for element in item:
                _check_scalar(key, element)
        else:
            _check_scalar(key, item)


MAX_LABEL_LENGTH = 80


def validate_attribute_labels(labels, attributes: dict | None = None) -> None:
    """`{key: label}`: labels are 1 to 80 characters of text; with `attributes` given, every
    key must be one of its keys (a label for nothing would never be shown)."""
    if not isinstance(labels, dict):
        raise ValidationError("Attribute labels must be an object.", code="invalid_attributes")
    if len(labels) > MAX_KEYS:
        raise ValidationError(
            f"At most {MAX_KEYS} attribute labels per ticket type.", code="invalid_attributes"
        )
    for key, label in labels.items():
        if attributes is not None and key not in attributes:
            raise ValidationError(
                f"Label for {key!r}: there is no attribute called that.",
                code="invalid_attributes",
            )
        if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL_LENGTH:
            raise ValidationError(
                f"Label for {key!r}: text of 1 to {MAX_LABEL_LENGTH} characters.",
                code="invalid_attributes",
            )
