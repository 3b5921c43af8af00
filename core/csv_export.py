"""CSV from API views: `?format=csv` through content negotiation, safe cells, streaming."""

import csv
import io
from collections.abc import Iterable, Iterator

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse
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


def csv_streaming_response(
    *, header: list[str], batches: Iterator[list[list]], filename: str
) -> StreamingHttpResponse:
    """A CSV download sent batch by batch: the next batch is read only once the previous one
    is on its way, so an export of any length holds one batch in memory.

    The content is an async iterator because that is what Django streams under ASGI (a
    synchronous one it reads whole first). Each batch is read in the request's own thread
    (`thread_sensitive`), where its database connection lives.
    """

    async def content():
        yield csv_lines([header]).encode()
        read = sync_to_async(next, thread_sensitive=True)
        while (rows := await read(batches, None)) is not None:
            yield csv_lines(rows).encode()

    return StreamingHttpResponse(
        content(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
