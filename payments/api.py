"""Payments API: open a checkout, receive the gateway's webhooks, confirm and refund bookings,
cancel a campaign (which refunds its paid bookings)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import AuditDenials, IsSeller, IsSellerOrSuperAdmin
from bookings.models import Booking
from campaigns import selectors as campaign_selectors
from campaigns.api import CampaignOutput
from core.http import client_ip
from core.schema import needs_user
from core.serializers import ObjectIdField
from core.strict import StrictTypes
from payments import selectors, services
from payments.models import Payment, RefundRequest


class PaymentInitializeInput(StrictTypes, serializers.Serializer):
    booking = ObjectIdField()


class PaymentInitializeOutput(serializers.Serializer):
    payment_link = serializers.URLField(source="checkout_link")
    tx_ref = serializers.CharField()


class BookingConfirmInput(StrictTypes, serializers.Serializer):
    """What the gateway's redirect carried; only `tx_ref` is needed, nothing is trusted."""

    tx_ref = serializers.CharField(max_length=64)
    transaction_id = serializers.RegexField(
        services.TRANSACTION_ID.pattern, max_length=64, required=False, allow_blank=True
    )
    status = serializers.CharField(max_length=32, required=False, allow_blank=True)


class BookingConfirmOutput(serializers.Serializer):
    booking = serializers.IntegerField(source="payment.booking_id")
    booking_status = serializers.ChoiceField(
        choices=Booking.Status.choices, source="payment.booking.status"
    )
    tx_ref = serializers.CharField(source="payment.tx_ref")
    payment_status = serializers.ChoiceField(
        choices=Payment.Status.choices, source="payment.status"
    )
    result = serializers.ChoiceField(
        choices=[(outcome.value, outcome.value) for outcome in services.VerifyOutcome],
        source="outcome",
    )


class BookingRefundOutput(serializers.ModelSerializer):
    booking = serializers.IntegerField(source="pk")
    booking_status = serializers.ChoiceField(choices=Booking.Status.choices, source="status")

    class Meta:
        model = Booking
        fields = ["booking", "booking_status", "total", "currency", "refunded_at"]


NOT_FOUND = OpenApiResponse(description="`not_found`: no such booking or payment of yours")
GATEWAY_ERRORS = {
    502: OpenApiResponse(description="`gateway_error`: the payment provider refused"),
    503: OpenApiResponse(description="`gateway_unavailable`: try again shortly"),
}


class PaymentInitialize(AuditDenials, APIView):
    """Open the gateway's checkout for one's pending booking; repeats return the same one."""

    throttle_scope = "payment"

    @extend_schema(
        request=PaymentInitializeInput,
        responses={
            200: PaymentInitializeOutput,
            400: OpenApiResponse(description="`invalid`"),
            404: NOT_FOUND,
            409: OpenApiResponse(description="`not_payable`: not pending, or the hold ended"),
            **GATEWAY_ERRORS,
        },
    )
    def post(self, request):
        data = PaymentInitializeInput(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_initialize(
            booking_id=data.validated_data["booking"], customer=request.user
        )
        return Response(PaymentInitializeOutput(payment).data)


class PaymentWebhook(APIView):
    """Flutterwave's webhook: `verif-hash` checked, stored once, processed in the background.

    Throttled per client address, generously: the gateway retries in bursts."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "webhook"

    @extend_schema(exclude=True)
    def post(self, request):
        receipt = services.webhook_receive(
            body=request.body, headers=request.headers, ip=client_ip(request)
        )
        return Response({"status": "duplicate" if receipt.duplicate else "received"})


class BookingConfirm(AuditDenials, APIView):
    """After the gateway's redirect (mobile apps): verify the payment and confirm the booking.

    The body only names the payment; the gateway is asked what really happened.
    """

    throttle_scope = "payment"

    @extend_schema(
        request=BookingConfirmInput,
        responses={
            200: BookingConfirmOutput,
            400: OpenApiResponse(description="`invalid`"),
            404: NOT_FOUND,
        },
    )
    def post(self, request, pk: int):
        get_object_or_404(Booking, pk=pk, customer=request.user)
        data = BookingConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.payment_verify_and_confirm(
            tx_ref=data.validated_data["tx_ref"],
            transaction_id=data.validated_data.get("transaction_id", ""),
            booking_id=pk,
            source="redirect",
            actor=request.user,
        )
        return Response(BookingConfirmOutput(result).data)


class BookingRefund(AuditDenials, APIView):
    """The campaign's seller or a super admin refunds a paid booking through the gateway."""

    permission_classes = [IsSellerOrSuperAdmin]
    throttle_scope = "payment"

    @extend_schema(
        request=None,
        responses={
            200: BookingRefundOutput,
            403: OpenApiResponse(description="`permission_denied`: not a seller or super admin"),
            404: OpenApiResponse(description="`not_found`: no such booking of your campaigns"),
            409: OpenApiResponse(
                description="`invalid_transition`, `no_payment` or `refund_in_progress`"
            ),
            **GATEWAY_ERRORS,
        },
    )
    def post(self, request, pk: int):
        bookings = Booking.objects.all()
        if request.user.role != Role.SUPER_ADMIN:
            bookings = bookings.filter(campaign__seller=request.user)
        get_object_or_404(bookings, pk=pk)
        booking = services.payment_refund(booking_id=pk, actor=request.user)
        return Response(BookingRefundOutput(booking).data)


# Served here, at campaigns/{id}/cancel/, because payments owns what follows a cancellation.
class CampaignCancel(APIView):
    permission_classes = [IsSeller]

    @extend_schema(
        request=None,
        responses={
            200: CampaignOutput,
            409: OpenApiResponse(description="`invalid_transition`: ended or cancelled already"),
        },
    )
    def post(self, request, pk: int):
        campaign_selectors.campaign_get_owned(campaign_id=pk, user=request.user)
        services.campaign_cancel(campaign_id=pk, user=request.user, ip=client_ip(request))
        campaign = campaign_selectors.campaign_get_visible(campaign_id=pk, user=request.user)
        return Response(CampaignOutput(campaign).data)


class RefundRequestInput(StrictTypes, serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class RefundDeclineInput(StrictTypes, serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class RefundRequestOutput(serializers.ModelSerializer):
    class Meta:
        model = RefundRequest
        fields = [
            "id",
            "booking",
            "status",
            "reason",
            "decision_reason",
            "created_at",
            "decided_at",
        ]


class RefundRequestFilter(serializers.Serializer):
    campaign = serializers.IntegerField(required=False, min_value=1)


REFUND_REQUEST_REFUSALS = {
    404: OpenApiResponse(description="`not_found`: no such booking of yours"),
    409: OpenApiResponse(description="`refund_not_allowed`: outside the campaign's policy"),
}


class BookingRefundRequest(AuditDenials, APIView):
    """The customer asks for a refund of their paid booking under the campaign's policy:
    refunded at once within an automatic policy, else left for the seller's decision."""

    throttle_scope = "payment"

    @extend_schema(
        request=RefundRequestInput,
        responses={201: RefundRequestOutput, **REFUND_REQUEST_REFUSALS},
    )
    def post(self, request, pk: int):
        data = RefundRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        refund_request = services.refund_request_create(
            booking_id=pk,
            customer=request.user,
            reason=data.validated_data["reason"],
            ip=client_ip(request),
        )
        return Response(RefundRequestOutput(refund_request).data, status=201)


class RefundRequestList(AuditDenials, generics.ListAPIView):
    """The refund requests of the seller's campaigns (`?campaign=` one of them)."""

    permission_classes = [IsSellerOrSuperAdmin]
    serializer_class = RefundRequestOutput

    @extend_schema(parameters=[RefundRequestFilter])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @needs_user(RefundRequest)
    def get_queryset(self):
        query = RefundRequestFilter(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.refund_requests_of_seller(
            seller=self.request.user, campaign_id=query.validated_data.get("campaign")
        )


class RefundRequestApprove(AuditDenials, APIView):
    permission_classes = [IsSellerOrSuperAdmin]
    throttle_scope = "payment"

    @extend_schema(
        request=None,
        responses={
            200: RefundRequestOutput,
            404: OpenApiResponse(description="`not_found`: no such request of your campaigns"),
            409: OpenApiResponse(description="`invalid_transition`: decided already"),
        },
    )
    def post(self, request, pk: int):
        refund_request = services.refund_request_approve(
            request_id=pk, seller=request.user, ip=client_ip(request)
        )
        return Response(RefundRequestOutput(refund_request).data)


class RefundRequestDecline(AuditDenials, APIView):
    permission_classes = [IsSellerOrSuperAdmin]

    @extend_schema(
        request=RefundDeclineInput,
        responses={
            200: RefundRequestOutput,
            404: OpenApiResponse(description="`not_found`: no such request of your campaigns"),
            409: OpenApiResponse(description="`invalid_transition`: decided already"),
        },
    )
    def post(self, request, pk: int):
        data = RefundDeclineInput(data=request.data)
        data.is_valid(raise_exception=True)
        refund_request = services.refund_request_decline(
            request_id=pk,
            seller=request.user,
            reason=data.validated_data["reason"],
            ip=client_ip(request),
        )
        return Response(RefundRequestOutput(refund_request).data)
