"""CSV from API views: `?format=csv` through content negotiation, and safe cells."""

import csv
import io
from collections.abc import Iterable

from rest_framework.renderers import BaseRenderer, JSONRenderer


class CSVRenderer(BaseRenderer):
    """Lets `?format=csv` through content negotiation; the view builds the CSV itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode(self.charset) if isinstance(data, str) else data


class CSVOrJSONView:
    """View mixin: JSON, or CSV when asked (`?format=csv`); errors are JSON either way."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    def wants_csv(self) -> bool:
        return self.request.accepted_renderer.format == "csv"

    def handle_exception(self, exc):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


def csv_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (cells may hold user text)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_lines(rows: Iterable[Iterable]) -> str:
    """Rows as CSV text (CRLF line ends), every cell through csv_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue()
