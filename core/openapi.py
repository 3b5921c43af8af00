"""The API's OpenAPI schema class (DEFAULT_SCHEMA_CLASS)."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import is_list_serializer


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, also showing the bounds of nested lists (`many=True` serializers),
    which it leaves out, as `minItems` and `maxItems`."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if schema and is_list_serializer(field):
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
            min_items = max(field.min_length or 0, 0 if field.allow_empty else 1)
            if min_items:
                schema["minItems"] = min_items
        return schema
