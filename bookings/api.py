"""Bookings API: book seats, list and read one's bookings, cancel a pending hold; a campaign's
sales analytics."""

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import AuditDenials, IsSellerOrSuperAdmin
from bookings import analytics, selectors, services
from bookings.models import HOLDER_NAME_LENGTH, Booking, BookingItem, Receipt
from bookings.receipts import services as receipts
from bookings.tickets.api import TicketOutput, _PdfView
from campaigns import selectors as campaign_selectors
from campaigns.models import CODE_MAX_LENGTH
from core.errors import NotPermitted
from core.money import DECIMAL_PLACES, MAX_DIGITS
from core.schema import needs_user
from core.serializers import ObjectIdField
from core.strict import StrictTypes

MAX_QUANTITY = 1000
IDEMPOTENCY_KEY_MAX_LENGTH = 128

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name="Idempotency-Key",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string up to 128 characters. Repeating a request with the same key "
        "returns the first booking and holds nothing more; the same key with another "
        "body is refused with 422."
    ),
)


class BookingItemInput(StrictTypes, serializers.Serializer):
    ticket_type = ObjectIdField()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class HolderInput(StrictTypes, serializers.Serializer):
    name = serializers.CharField(max_length=HOLDER_NAME_LENGTH)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


class BookingCreateInput(StrictTypes, serializers.Serializer):
    campaign = ObjectIdField()
    items = BookingItemInput(
        many=True,
        allow_empty=False,
        max_length=services.MAX_ITEMS_PER_BOOKING,
        required=False,
        help_text="Required, except with `offer`: it books the offered seats.",
    )
    issuance = serializers.ChoiceField(
        choices=Booking.Issuance.choices, default=Booking.Issuance.SINGLE
    )
    holder_names = serializers.ListField(
        child=serializers.CharField(max_length=HOLDER_NAME_LENGTH, allow_blank=True),
        required=False,
        max_length=MAX_QUANTITY,
    )
    holders = HolderInput(
        many=True,
        required=False,
        max_length=MAX_QUANTITY,
        help_text="For `separate` issuance: one per ticket, in item order; e-mail optional.",
    )
    offer = serializers.CharField(
        max_length=64,
        required=False,
        help_text="A waiting-list offer's token: books exactly the offered seats.",
    )
    code = serializers.CharField(
        max_length=CODE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="A promo or access code (any case); refused with 422 `invalid_code`.",
    )

    def validate(self, attrs):
        if "items" not in attrs and "offer" not in attrs:
            raise serializers.ValidationError({"items": ["This field is required."]})
        return attrs


class BookingItemOutput(serializers.ModelSerializer):
    class Meta:
        model = BookingItem
        fields = ["ticket_type", "quantity", "unit_price", "discount"]


# Formatters shared by every BookingOutput: they hold no per-booking state.
_MONEY = serializers.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
_MOMENT = serializers.DateTimeField()


# The fields declared here are the contract (and the schema); `to_representation` writes
# them out by hand, because building a ModelSerializer's fields for every booking cost a
# booking request more CPU than its INSERTs. tests/bookings/test_api.py holds the two equal.
class BookingOutput(serializers.ModelSerializer):
    items = BookingItemOutput(many=True, read_only=True)
    subtotal = serializers.DecimalField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, read_only=True
    )
    tickets = TicketOutput(many=True, read_only=True)
    receipt_number = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "reference",
            "campaign",
            "status",
            "issuance",
            "expires_at",
            "subtotal",
            "discount",
            "total",
            "currency",
            "items",
            "tickets",
            "created_at",
            "confirmed_at",
            "receipt_number",
        ]

    def to_representation(self, booking):
        tickets = booking.tickets.all()
        return {
            "id": booking.pk,
            "reference": booking.reference,
            "campaign": booking.campaign_id,
            "status": str(booking.status),
            "issuance": str(booking.issuance),
            "expires_at": _MOMENT.to_representation(booking.expires_at),
            "subtotal": _MONEY.to_representation(booking.subtotal),
            "discount": _MONEY.to_representation(booking.discount),
            "total": _MONEY.to_representation(booking.total),
            "currency": booking.currency,
            "items": [
                {
                    "ticket_type": item.ticket_type_id,
                    "quantity": item.quantity,
                    "unit_price": _MONEY.to_representation(item.unit_price),
                    "discount": _MONEY.to_representation(item.discount),
                }
                for item in booking.items.all()
            ],
            "tickets": TicketOutput(tickets, many=True).data if tickets else [],
            "created_at": _MOMENT.to_representation(booking.created_at),
            "confirmed_at": _MOMENT.to_representation(booking.confirmed_at),
            "receipt_number": self.get_receipt_number(booking),
        }

    def get_receipt_number(self, booking) -> str | None:
        """The paid booking's receipt number (`R-000042`), null before payment (and then
        not looked up: a new booking's answer costs no query)."""
        if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.REFUNDED):
            return None
        receipts = [r for r in booking.receipts.all() if r.kind == Receipt.Kind.RECEIPT]
        return receipts[0].display_number if receipts else None


class BookingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Booking.Status.choices)

    class Meta:
        model = Booking
        fields = ["status"]


def _idempotency_key(request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not key.isprintable():
        message = f"Use a printable key of at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters."
        raise services.InvalidBooking(message, fields={"Idempotency-Key": [message]})
    return key


ERROR_RESPONSES = {
    400: OpenApiResponse(description="Invalid request: `{code, detail, fields}`"),
    403: OpenApiResponse(description="The `offer` was made to someone else"),
    404: OpenApiResponse(description="`offer_not_found`"),
    409: OpenApiResponse(
        description="`sold_out` (with `ticket_types`), `not_on_sale` or `offer_expired`"
    ),
    422: OpenApiResponse(description="`idempotency_key_reused` or `invalid_code`"),
}


class BookingListCreate(generics.ListAPIView):
    """GET: the signed-in user's bookings (`?status=`). POST: hold seats as a new booking."""

    serializer_class = BookingOutput
    filterset_class = BookingFilter

    @property
    def throttle_scope(self) -> str | None:
        return "booking" if self.request.method == "POST" else None

    @needs_user(Booking)
    def get_queryset(self):
        return selectors.booking_list_for_customer(customer=self.request.user)

    @extend_schema(
        request=BookingCreateInput,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: BookingOutput, **ERROR_RESPONSES},
    )
    def post(self, request):
        data = BookingCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_create(
            customer=request.user,
            campaign_id=data.validated_data["campaign"],
            items=data.validated_data.get("items", []),
            issuance=data.validated_data["issuance"],
            holder_names=data.validated_data.get("holder_names"),
            holders=data.validated_data.get("holders"),
            idempotency_key=_idempotency_key(request),
            offer=data.validated_data.get("offer", ""),
            code=data.validated_data.get("code", ""),
        )
        return Response(BookingOutput(booking).data, status=status.HTTP_201_CREATED)


class BookingDetail(generics.RetrieveAPIView):
    """One of the signed-in user's bookings with its items and tickets; others' are 404."""

    serializer_class = BookingOutput

    @needs_user(Booking)
    def get_queryset(self):
        return selectors.booking_list_for_customer(customer=self.request.user)


class BookingCancel(APIView):
    """Give up a pending hold; the seats return to sale at once."""

    @extend_schema(
        request=None,
        responses={
            200: BookingOutput,
            404: OpenApiResponse(description="No such booking of yours"),
            409: OpenApiResponse(description="`invalid_transition`: not pending"),
        },
    )
    def post(self, request, pk: int):
        bookings = selectors.booking_list_for_customer(customer=request.user)
        get_object_or_404(bookings, pk=pk)
        services.booking_cancel(booking_id=pk, customer=request.user)
        return Response(BookingOutput(bookings.get(pk=pk)).data)


class AnalyticsFiguresOutput(serializers.Serializer):
    """What the analytics endpoint returns; amounts are strings in the campaign currency."""

    campaign = serializers.IntegerField()
    currency = serializers.CharField()
    views = serializers.IntegerField()
    bookings = serializers.IntegerField()
    tickets_sold = serializers.IntegerField()
    revenue = serializers.CharField(help_text="What customers paid: net of code discounts.")
    discounts = serializers.CharField(help_text="What codes took off the confirmed bookings.")
    revenue_before_discounts = serializers.CharField()
    codes = inline_serializer(
        "CodeFigures",
        fields={
            "id": serializers.IntegerField(),
            "code": serializers.CharField(),
            "kind": serializers.CharField(),
            "uses": serializers.IntegerField(),
            "discounts": serializers.CharField(),
        },
        many=True,
        help_text="The codes used at least once: active uses, discounts on paid bookings.",
    )
    ticket_types = inline_serializer(
        "TicketTypeFigures",
        fields={
            "id": serializers.IntegerField(),
            "name": serializers.CharField(),
            "capacity": serializers.IntegerField(),
            "reserved": serializers.IntegerField(),
            "remaining": serializers.IntegerField(),
            "tickets_sold": serializers.IntegerField(),
            "revenue": serializers.CharField(),
        },
        many=True,
    )
    days = inline_serializer(
        "DayFigures",
        fields={
            "date": serializers.DateField(),
            "views": serializers.IntegerField(),
            "bookings": serializers.IntegerField(),
            "tickets_sold": serializers.IntegerField(),
            "revenue": serializers.CharField(),
        },
        many=True,
    )


# Served here, at campaigns/{id}/analytics/, because the figures are mostly sales.
class CampaignAnalytics(AuditDenials, APIView):
    permission_classes = [IsSellerOrSuperAdmin]

    @extend_schema(responses={200: AnalyticsFiguresOutput})
    def get(self, request, pk: int):
        campaign = campaign_selectors.campaign_get_visible(campaign_id=pk, user=request.user)
        if campaign.seller_id != request.user.pk and request.user.role != Role.SUPER_ADMIN:
            raise NotPermitted("Only the campaign's seller can see its analytics.")
        return Response(analytics.campaign_analytics(campaign=campaign))


class ReceiptKindInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Receipt.Kind.choices, default=Receipt.Kind.RECEIPT)


class BookingReceipt(_PdfView):
    """The receipt of a paid booking (`?kind=credit_note`: the credit note of its refund), for
    its customer, the campaign's seller or a super admin."""

    @extend_schema(
        parameters=[ReceiptKindInput],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such booking of yours, or no such document yet"),
        },
    )
    def get(self, request, pk: int):
        data = ReceiptKindInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        receipt, content = receipts.receipt_pdf(
            booking_id=pk, user=request.user, kind=data.validated_data["kind"]
        )
        return HttpResponse(
            content,
            content_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{receipt.display_number}.pdf"'},
        )
