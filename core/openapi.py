"""The API's OpenAPI schema class (DEFAULT_SCHEMA_CLASS)."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import is_list_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer


class ErrorOutput(serializers.Serializer):
    """The one error shape of core.api_errors."""

    code = serializers.CharField(help_text="For programs: `invalid`, `not_found`, `busy`, ...")
    detail = serializers.CharField(help_text="For people: what went wrong, in a sentence.")
    fields = serializers.DictField(
        required=False, help_text="With `invalid`: the messages of each field, as nested."
    )


# The errors any operation can answer, whatever its own: each operation's schema lists those
# that apply to it, beside the ones its view documents.
ERRORS = {
    "400": "`invalid`: the input was refused (see `fields`); nothing changed.",
    "401": "Not signed in, or the token is not valid (`WWW-Authenticate` says how).",
    "403": "Signed in, without the right to this.",
    "404": "`not_found`: no such object or not one of yours, no such page, or no such `format`.",
    "413": "The body is larger than the limit.",
    "415": "The body is not JSON.",
    "429": "Too many requests: wait the `Retry-After` seconds.",
    "503": "`busy`: someone else is changing the same thing; retry after `Retry-After`.",
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, also showing the bounds of nested lists (`many=True` serializers),
    which it leaves out, as `minItems` and `maxItems`, and the errors every operation can
    answer, so that a client generated from the schema knows each status it may get."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if schema and is_list_serializer(field):
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
            min_items = max(field.min_length or 0, 0 if field.allow_empty else 1)
            if min_items:
                schema["minItems"] = min_items
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            if status not in responses:
                # Errors are JSON, whatever the operation renders (some answer CSV).
                responses[status] = self._get_response_for_code(
                    ErrorOutput, status, media_types=["application/json"]
                )
                responses[status]["description"] = ERRORS[status]
        return responses

    def _error_statuses(self) -> list[str]:
        # Any request may be refused (a NUL in a query, a limit) or throttled; a view open to
        # everyone serves a caller with a wrong token as anonymous.
        statuses = ["400", "429"]
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            statuses += ["401", "403"]
        if "{" in self.path or self._get_paginator() or self._offers_formats():
            statuses.append("404")  # no such object, a page past the end, an unknown `format`
        if self.method in ("POST", "PUT", "PATCH"):
            statuses += ["413", "415"]
        if self.method != "GET":
            statuses.append("503")  # a write that waited too long for a row lock
        return sorted(statuses)

    def _offers_formats(self) -> bool:
        """Whether `format` picks among data formats (JSON or CSV): then an unknown one is
        404. The browsable API that DEBUG adds does not count, so the schema is the same in
        every configuration."""
        renderers = self.view.get_renderers()
        return len([r for r in renderers if not isinstance(r, BrowsableAPIRenderer)]) > 1
