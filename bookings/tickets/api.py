"""Tickets API: the customer's PDF tickets, one ticket or a whole booking."""

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from bookings.tickets import services as tickets

PDF_RESPONSES = {
    (200, "application/pdf"): OpenApiTypes.BINARY,
    404: OpenApiResponse(description="No such ticket or booking of yours"),
    409: OpenApiResponse(description="`tickets_unavailable`: the booking is not confirmed"),
}


class _PdfView(APIView):
    def perform_content_negotiation(self, request, force=False):
        # The PDF is not a rendered body: a client asking for `Accept: application/pdf`
        # gets it, and errors fall back to JSON instead of a 406.
        return super().perform_content_negotiation(request, force=True)


class TicketPdf(_PdfView):
    """One of the signed-in customer's tickets as a one-page PDF; others' are 404."""

    @extend_schema(responses=PDF_RESPONSES)
    def get(self, request, pk: int):
        ticket = get_object_or_404(tickets.tickets_of_customer(customer=request.user), pk=pk)
        return HttpResponse(
            tickets.ticket_pdf(ticket_id=ticket.pk),
            content_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="ticket-{ticket.pk}.pdf"'},
        )


class BookingPdf(_PdfView):
    """Every ticket of one of the signed-in customer's bookings in one PDF (kept in storage)."""

    @extend_schema(responses=PDF_RESPONSES)
    def get(self, request, pk: int):
        booking = get_object_or_404(tickets.bookings_of_customer(customer=request.user), pk=pk)
        name = tickets.booking_pdf_ensure(booking_id=booking.pk)
        return FileResponse(
            default_storage.open(name, "rb"),
            as_attachment=True,
            filename=f"tickets-{booking.reference}.pdf",
            content_type="application/pdf",
        )
