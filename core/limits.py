"""The API's limits on size and shape, in one place (README, "API limits").

Request-wide bounds are settings a deployment may tune (`MAX_REQUEST_BODY_BYTES`, which is
Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`, and `MAX_JSON_DEPTH`); the request guard
(core.request_guard) refuses a request beyond them before any view runs. The shape bounds
below are part of the API contract that mobile clients rely on, so they are fixed here and
shown in the OpenAPI schema by the serializers that use them.
"""

from django.conf import settings

# Ticket types in one campaign (API and seller pages).
TICKET_TYPES_PER_CAMPAIGN = 50

# Seller-defined ticket-type attributes: an object of at most this many keys, each key
# 1..ATTRIBUTE_KEY_LENGTH characters; values are text (up to ATTRIBUTE_TEXT_LENGTH
# characters), numbers, booleans, or lists of up to ATTRIBUTE_LIST_ITEMS of those.
ATTRIBUTES_PER_TICKET_TYPE = 30
ATTRIBUTE_KEY_LENGTH = 40
ATTRIBUTE_TEXT_LENGTH = 200
ATTRIBUTE_LIST_ITEMS = 20
# What buyers read for an attribute (`attribute_labels`): 1 to this many characters.
ATTRIBUTE_LABEL_LENGTH = 80


def max_body_bytes() -> int:
    """Largest request body, in bytes (read per request so tests and reloads apply)."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def max_json_depth() -> int:
    """Deepest nesting of arrays and objects in a JSON body; the top level is depth 1."""
    return settings.MAX_JSON_DEPTH
