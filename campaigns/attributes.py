"""How seller-defined ticket-type attributes read to people: the seller's label (else the
key in words) and the value in words ("Yes", "ocean, pool"), in key order (JSONB keeps no
order of its own)."""

from decimal import Decimal


def humanize_key(key: str) -> str:
    """ "drinks_included" -> "Drinks included"."""
    return key.replace("_", " ").strip().capitalize()


def attribute_value_text(value) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(attribute_value_text(item) for item in value)
    if isinstance(value, float):
        # 2.0 reads "2", 2.5 "2.5": a number as a person writes it.
        return format(Decimal(str(value)).normalize(), "f")
    return str(value)


def attribute_rows(attributes: dict, labels: dict | None = None) -> list[tuple[str, str]]:
    """`[(label, value text)]` for display; `labels` maps keys to the seller's labels."""
    labels = labels or {}
    return [
        (labels.get(key) or humanize_key(key), attribute_value_text(value))
        for key, value in sorted(attributes.items())
    ]
