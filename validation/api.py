"""Validation API: scan at the door, read a ticket's state, offline bundles and sync, and
the offline conflicts a seller must know about."""

from datetime import timedelta

from django.core.validators import RegexValidator
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import AuditDenials, IsManager, IsSeller
from bookings.models import Booking, Ticket
from campaigns.models import Campaign
from core.http import client_ip
from core.schema import needs_user
from core.strict import StrictTypes
from validation import selectors, services
from validation.models import Scan

MAX_SYNC_SCANS = 500
# Longer than any token (bookings.tickets.qr.MAX_TOKEN_LENGTH): a longer blob is a client error,
# a shorter unreadable one is an `invalid` scan worth recording.
MAX_QR_LENGTH = 1000
# A device clock may run a little ahead; scans further in the future are not real.
CLOCK_SKEW = timedelta(minutes=5)
# Offline devices sync within the event's days; older scans are refused as nonsense.
MAX_OFFLINE_AGE = timedelta(days=30)

NONCE_FORMAT = RegexValidator(
    r"\A[A-Za-z0-9_.:-]{8,64}\Z", "Use 8 to 64 letters, digits or the characters _ . : -."
)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time with its UTC offset: a device's local time without one is ambiguous."""

    default_error_messages = {"naive": "Give the time with its UTC offset (e.g. Z or +01:00)."}

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601")
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is None:
            self.fail("naive")
        return super().to_internal_value(value)


def _device_id_field():
    return serializers.CharField(max_length=100)


class ScanInput(StrictTypes, serializers.Serializer):
    qr = serializers.CharField(max_length=MAX_QR_LENGTH, trim_whitespace=False)
    device_id = _device_id_field()
    nonce = serializers.CharField(required=False, max_length=64, validators=[NONCE_FORMAT])


class OfflineScanInput(StrictTypes, serializers.Serializer):
    nonce = serializers.CharField(max_length=64, validators=[NONCE_FORMAT])
    qr = serializers.CharField(max_length=MAX_QR_LENGTH, trim_whitespace=False)
    scanned_at = AwareDateTimeField()

    def validate_scanned_at(self, value):
        now = timezone.now()
        if value > now + CLOCK_SKEW:
            raise serializers.ValidationError("This time is in the future.")
        if value < now - MAX_OFFLINE_AGE:
            raise serializers.ValidationError("This scan is too old to sync.")
        return value


class SyncInput(StrictTypes, serializers.Serializer):
    device_id = _device_id_field()
    scans = OfflineScanInput(many=True, allow_empty=False, max_length=MAX_SYNC_SCANS)

    def validate_scans(self, scans):
        nonces = [scan["nonce"] for scan in scans]
        if len(set(nonces)) != len(nonces):
            raise serializers.ValidationError("Each scan needs its own nonce.")
        return [services.OfflineScan(**scan) for scan in scans]


class ScanTicketOutput(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_type = serializers.IntegerField()
    ticket_type_name = serializers.CharField()
    holder_name = serializers.CharField()
    scans_allowed = serializers.IntegerField()
    scans_used = serializers.IntegerField()


class ScanOutput(serializers.Serializer):
    result = serializers.ChoiceField(choices=Scan.Result.choices)
    reason = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="Why the ticket is refused, for the door person; null when admitted.",
    )
    ticket = ScanTicketOutput(
        allow_null=True, help_text="Null when the code is invalid or of another campaign."
    )
    scans_remaining = serializers.IntegerField(
        allow_null=True, help_text="Entries left; 0 for a void or unpaid ticket."
    )


class SyncResultOutput(serializers.Serializer):
    nonce = serializers.CharField()
    result = serializers.ChoiceField(choices=Scan.Result.choices)
    conflict = serializers.BooleanField()


class SyncOutput(serializers.Serializer):
    results = SyncResultOutput(many=True)


class TicketStatusOutput(serializers.ModelSerializer):
    campaign = serializers.IntegerField(source="booking.campaign_id")
    last_scanned_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = Ticket
        fields = ["id", "campaign", "status", "scans_allowed", "scans_used", "last_scanned_at"]


class BundleKeyOutput(serializers.Serializer):
    version = serializers.IntegerField()
    key = serializers.CharField(help_text="base64 of the 256-bit AES key")


class BundleTicketOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    booking_status = serializers.ChoiceField(
        choices=Booking.Status.choices, help_text="refunded or cancelled: the ticket is void"
    )
    key_version = serializers.IntegerField(
        help_text="The key version of the ticket's current token: an older token is replaced."
    )
    scans_allowed = serializers.IntegerField()
    scans_used = serializers.IntegerField()
    ticket_type = serializers.IntegerField()
    ticket_type_name = serializers.CharField()
    holder_name = serializers.CharField()


class OfflineBundleOutput(serializers.Serializer):
    campaign = serializers.IntegerField()
    public_id = serializers.CharField(help_text="The campaign as QR tokens name it")
    key = serializers.CharField(help_text="base64 of the current QR key (bookings.qr)")
    key_version = serializers.IntegerField()
    keys = BundleKeyOutput(many=True, help_text="Every key version the tickets still carry.")
    generated_at = serializers.DateTimeField()
    tickets = BundleTicketOutput(
        many=True, help_text="Tickets of paid bookings, refunded and cancelled ones included."
    )


class ConflictOutput(serializers.ModelSerializer):
    ticket_type = serializers.CharField(source="ticket.ticket_type.name")
    holder_name = serializers.CharField(source="ticket.holder_name")
    manager = serializers.EmailField(source="manager.email")

    class Meta:
        model = Scan
        fields = [
            "id",
            "nonce",
            "ticket",
            "ticket_type",
            "holder_name",
            "manager",
            "device_id",
            "scanned_at",
            "received_at",
        ]


INVALID_BODY = OpenApiResponse(description="Invalid body: `{code, detail, fields}`")
NOT_A_MANAGER = OpenApiResponse(description="Not signed in as a manager")
NONCE_TAKEN = OpenApiResponse(description="`nonce_taken`: another manager's nonce")


class ScanView(AuditDenials, APIView):
    """Validate a QR code at the door; the same nonce again returns the first answer."""

    permission_classes = [IsManager]
    throttle_scope = "scan"

    @extend_schema(
        request=ScanInput,
        responses={200: ScanOutput, 400: INVALID_BODY, 403: NOT_A_MANAGER, 409: NONCE_TAKEN},
    )
    def post(self, request):
        data = ScanInput(data=request.data)
        data.is_valid(raise_exception=True)
        scan = services.scan_ticket(
            manager=request.user,
            qr=data.validated_data["qr"],
            device_id=data.validated_data["device_id"],
            nonce=data.validated_data.get("nonce"),
        )
        return Response(ScanOutput(scan.answer).data)


class SyncView(AuditDenials, APIView):
    """Upload scans made offline; applied in `scanned_at` order, known nonces are replays."""

    permission_classes = [IsManager]
    throttle_scope = "scan"

    @extend_schema(
        request=SyncInput,
        responses={200: SyncOutput, 400: INVALID_BODY, 403: NOT_A_MANAGER, 409: NONCE_TAKEN},
    )
    def post(self, request):
        data = SyncInput(data=request.data)
        data.is_valid(raise_exception=True)
        scans = services.scans_sync(
            manager=request.user,
            device_id=data.validated_data["device_id"],
            scans=data.validated_data["scans"],
        )
        results = [
            {"nonce": scan.nonce, "result": scan.result, "conflict": scan.conflict}
            for scan in scans
        ]
        return Response(SyncOutput({"results": results}).data)


class TicketStatusView(AuditDenials, generics.RetrieveAPIView):
    """A ticket of a campaign the manager is assigned to; any other ticket is 404."""

    permission_classes = [IsManager]
    throttle_scope = "scan"
    serializer_class = TicketStatusOutput

    @needs_user(Ticket)
    def get_queryset(self):
        return selectors.tickets_of_manager(manager=self.request.user)


class OfflineBundleView(AuditDenials, APIView):
    """Keys and tickets for validating a campaign offline; assigned managers only."""

    permission_classes = [IsManager]
    throttle_scope = "scan"

    @extend_schema(
        responses={
            200: OfflineBundleOutput,
            403: NOT_A_MANAGER,
            404: OpenApiResponse(description="Not a campaign assigned to you"),
        }
    )
    def get(self, request, pk: int):
        campaign = get_object_or_404(selectors.campaigns_of_manager(manager=request.user), pk=pk)
        bundle = services.offline_bundle_issue(
            campaign=campaign, manager=request.user, ip=client_ip(request)
        )
        return Response(OfflineBundleOutput(bundle).data)


class ConflictListView(AuditDenials, generics.ListAPIView):
    """Entries admitted offline beyond a ticket's allowance, for the campaign's seller."""

    permission_classes = [IsSeller]
    serializer_class = ConflictOutput

    @needs_user(Scan)
    def get_queryset(self):
        campaign = get_object_or_404(Campaign, pk=self.kwargs["pk"], seller=self.request.user)
        return selectors.conflicts_of_campaign(campaign=campaign)
