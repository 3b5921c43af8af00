"""Tickets API: the customer's tickets (read, correct the holder, transfer) and their PDFs,
one ticket or a whole booking."""

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.models import HOLDER_NAME_LENGTH, Ticket
from bookings.tickets import holders
from bookings.tickets import services as tickets
from core.http import client_ip
from core.strict import StrictTypes

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


class TicketOutput(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = [
            "id",
            "ticket_type",
            "holder_name",
            "holder_email",
            "admits",
            "scans_allowed",
            "scans_used",
            "status",
        ]


class OwnedTicketOutput(TicketOutput):
    campaign = serializers.IntegerField(source="booking.campaign_id", read_only=True)

    class Meta(TicketOutput.Meta):
        fields = [*TicketOutput.Meta.fields, "booking", "campaign"]


class HolderChangeInput(StrictTypes, serializers.Serializer):
    holder_name = serializers.CharField(max_length=HOLDER_NAME_LENGTH, required=False)
    holder_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


class TransferInput(StrictTypes, serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=HOLDER_NAME_LENGTH)


class TransferOutput(serializers.Serializer):
    ticket = OwnedTicketOutput()


CHANGE_RESPONSES = {
    400: OpenApiResponse(description="Invalid body: `{code, detail, fields}`"),
    404: OpenApiResponse(description="No such ticket of yours"),
}


class TicketDetail(APIView):
    """One ticket the signed-in user holds (bought and kept, or received by transfer)."""

    @extend_schema(responses={200: OwnedTicketOutput, 404: CHANGE_RESPONSES[404]})
    def get(self, request, pk: int):
        ticket = get_object_or_404(tickets.tickets_of_customer(customer=request.user), pk=pk)
        return Response(OwnedTicketOutput(ticket).data)

    @extend_schema(
        request=HolderChangeInput,
        responses={
            200: OwnedTicketOutput,
            **CHANGE_RESPONSES,
            409: OpenApiResponse(description="`name_change_closed`: past the cut-off, or void"),
        },
        description='Correct the holder\'s name or e-mail (`""` clears it) until the '
        "campaign's `name_change_cutoff` (else its start). The QR code stays valid.",
    )
    def patch(self, request, pk: int):
        data = HolderChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = holders.ticket_holder_change(
            ticket_id=pk, user=request.user, ip=client_ip(request), **data.validated_data
        )
        return Response(OwnedTicketOutput(ticket).data)


class TicketTransfer(APIView):
    @extend_schema(
        request=TransferInput,
        responses={
            201: TransferOutput,
            **CHANGE_RESPONSES,
            409: OpenApiResponse(
                description="`transfer_not_allowed`: transfers off, past the cut-off, "
                "used or void ticket"
            ),
        },
        description="Give the ticket to `email`: this ticket becomes void and a new one, "
        "with a new QR code, is e-mailed to the recipient, who finds it under their tickets "
        "on signing in with that address.",
    )
    def post(self, request, pk: int):
        data = TransferInput(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = holders.ticket_transfer(
            ticket_id=pk, user=request.user, ip=client_ip(request), **data.validated_data
        )
        return Response({"ticket": OwnedTicketOutput(ticket).data}, status=status.HTTP_201_CREATED)
