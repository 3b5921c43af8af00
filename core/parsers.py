"""The API's JSON parser: DRF's, under the request guard's rules (core.request_guard)."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core.request_guard import PARSED_JSON, Refused, load_json

_UNPARSED = object()


class GuardedJSONParser(JSONParser):
    """DRF's JSON parser under the guard's rules; takes the guard's parse when it ran."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        parsed = getattr(request, PARSED_JSON, _UNPARSED)
        if parsed is not _UNPARSED:
            return parsed
        try:
            return load_json(stream.read())
        except Refused as refusal:
            raise ParseError(refusal.detail, code=refusal.code) from None
