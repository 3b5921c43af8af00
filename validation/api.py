"""Validation API: scan at the door, read a ticket's state, offline bundles and sync, the
offline conflicts a seller must know about, scanner devices and their pairing, and the
check-in list.

Door views (`allows_devices = True`) take a paired device's `X-Device-Token` as well as a
manager's session: the device is `request.auth` and is confined to its own campaign."""

from datetime import timedelta

from django.core.validators import RegexValidator
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import AuditDenials, HasRole, IsManager, IsSeller
from bookings.models import Booking, Ticket
from campaigns.models import Campaign
from core.http import client_ip
from core.schema import needs_user
from core.serializers import ObjectIdField
from core.strict import StrictTypes
from validation import selectors, services
from validation.authentication import DeviceRevoked
from validation.models import Scan, ScannerDevice

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
    """A scan of a code (`qr`), or a check-in by hand (`ticket`), made offline."""

    nonce = serializers.CharField(max_length=64, validators=[NONCE_FORMAT])
    qr = serializers.CharField(max_length=MAX_QR_LENGTH, trim_whitespace=False, required=False)
    ticket = ObjectIdField(
        required=False,
        help_text="A check-in by hand: the ticket's id from the offline bundle, instead of `qr`.",
    )
    scanned_at = AwareDateTimeField()

    def validate(self, attrs):
        if "qr" not in attrs and "ticket" not in attrs:
            raise serializers.ValidationError(
                {"qr": ["This field is required (or `ticket`, for a check-in by hand)."]}
            )
        if "qr" in attrs and "ticket" in attrs:
            raise serializers.ValidationError({"ticket": ["Send `qr` or `ticket`, not both."]})
        return attrs

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
    campaign = serializers.IntegerField(
        required=False,
        help_text="The campaign of the offline bundle used; a device's own campaign if omitted.",
    )
    key_version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=(
            "`key_version` of the offline bundle the scans were decided with. If the "
            "campaign's QR key was rotated since, the whole batch is refused with 409 "
            "`bundle_stale` (carrying the current `key_version`): fetch a new bundle and "
            "send the same scans again."
        ),
    )

    def validate_scans(self, scans):
        nonces = [scan["nonce"] for scan in scans]
        if len(set(nonces)) != len(nonces):
            raise serializers.ValidationError("Each scan needs its own nonce.")
        return [
            services.OfflineScan(
                nonce=scan["nonce"],
                scanned_at=scan["scanned_at"],
                qr=scan.get("qr", ""),
                ticket_id=scan.get("ticket"),
            )
            for scan in scans
        ]


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
    key = serializers.CharField(help_text="base64 of the current QR key (bookings.tickets.qr)")
    key_version = serializers.IntegerField()
    keys = BundleKeyOutput(many=True, help_text="Every key version the tickets still carry.")
    generated_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(
        help_text="Fetch a new bundle before this (OFFLINE_BUNDLE_HOURS after generated_at)."
    )
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
            "scanner_device",
            "scanned_at",
            "received_at",
        ]


class DeviceInput(StrictTypes, serializers.Serializer):
    name = serializers.CharField(max_length=80, help_text="e.g. 'North gate, phone 2'")


class DeviceAddedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    pairing_code = serializers.CharField(
        help_text="Type it in the scanner app (XXXX-XXXX); single use."
    )
    pairing_qr = serializers.CharField(
        help_text="What the pairing QR code holds: the scanner page with `#pair=<token>`."
    )
    expires_at = serializers.DateTimeField()


class DeviceOutput(serializers.ModelSerializer):
    paired_by = serializers.EmailField(source="paired_by.email")
    state = serializers.ChoiceField(
        choices=["pending", "paired", "revoked"],
        help_text="`pending`: added, its pairing code not used (yet).",
    )

    class Meta:
        model = ScannerDevice
        fields = [
            "id",
            "name",
            "campaign",
            "state",
            "paired_by",
            "created_at",
            "paired_at",
            "last_seen_at",
            "revoked_at",
        ]


class PairInput(StrictTypes, serializers.Serializer):
    pairing_code = serializers.CharField(
        max_length=300,
        help_text="The short code, the QR code's token, or the whole text the QR code holds.",
    )


class PairedDeviceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    campaign = serializers.IntegerField(source="campaign_id")
    campaign_title = serializers.CharField(source="campaign.title")


class PairOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `X-Device-Token`; shown once, stored hashed.")
    device = PairedDeviceOutput()


class CheckinCountOutput(serializers.Serializer):
    ticket_type = serializers.IntegerField()
    ticket_type_name = serializers.CharField()
    checked_in = serializers.IntegerField(help_text="Sold tickets that entered at least once.")
    sold = serializers.IntegerField(help_text="Valid tickets of paid bookings.")


class CheckinTicketOutput(serializers.Serializer):
    ticket = serializers.IntegerField(source="pk")
    ticket_type = serializers.IntegerField(source="ticket_type_id")
    ticket_type_name = serializers.CharField(source="ticket_type.name")
    holder_name = serializers.CharField()
    holder_email = serializers.CharField(help_text="The holder's e-mail, else the buyer's.")
    booking_reference = serializers.CharField(source="booking.reference")
    status = serializers.ChoiceField(
        source="door_status",
        choices=[Scan.Result.VALID, Scan.Result.VOID, Scan.Result.NOT_PAID],
        help_text="What a scan would say before counting an entry.",
    )
    scans_used = serializers.IntegerField()
    scans_allowed = serializers.IntegerField()

    def to_representation(self, ticket):
        data = super().to_representation(ticket)
        data["holder_email"] = ticket.holder_email or ticket.booking.customer.email
        return data


class CheckinListOutput(serializers.Serializer):
    counts = CheckinCountOutput(many=True)
    results = CheckinTicketOutput(
        many=True, help_text=f"At most {selectors.CHECKIN_RESULTS}, by holder name."
    )
    more = serializers.BooleanField(help_text="More tickets matched: narrow the search.")


class CheckinQuery(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CheckinInput(StrictTypes, serializers.Serializer):
    ticket = ObjectIdField()
    device_id = _device_id_field()
    nonce = serializers.CharField(required=False, max_length=64, validators=[NONCE_FORMAT])


INVALID_BODY = OpenApiResponse(description="Invalid body: `{code, detail, fields}`")
NOT_A_MANAGER = OpenApiResponse(description="Not signed in as a manager, nor a paired device")
NONCE_TAKEN = OpenApiResponse(description="`nonce_taken`: another manager's or device's nonce")
NOT_YOURS = OpenApiResponse(description="Not a campaign whose door you run")


class IsDevice(BasePermission):
    """A paired scanner device (X-Device-Token), on the door views that take devices."""

    message = "Only managers and paired scanner devices can do this."

    def has_permission(self, request, view):
        return isinstance(request.auth, ScannerDevice)


class IsDoorStaff(HasRole):
    """Sellers (their own campaigns) and managers (those assigned): devices are theirs."""

    roles = (Role.SELLER, Role.MANAGER)
    message = "Only sellers and managers run a door."


def _device(request) -> ScannerDevice | None:
    return request.auth if isinstance(request.auth, ScannerDevice) else None


def _door_campaign(request, pk: int, *, owner_reads: bool = False) -> Campaign:
    """The campaign `pk` if the caller may work its door: a device its own campaign only, a
    manager those assigned, and with `owner_reads` its seller too; 404 otherwise."""
    device = _device(request)
    if device is not None:
        if device.campaign_id != pk:
            raise Http404
        return device.campaign
    if owner_reads:
        campaigns = selectors.campaigns_of_door_staff(user=request.user)
    else:
        campaigns = selectors.campaigns_of_manager(manager=request.user)
    return get_object_or_404(campaigns, pk=pk)


class DoorView(AuditDenials, APIView):
    """A view of the door: assigned managers, and paired devices of the campaign."""

    allows_devices = True
    permission_classes = [IsManager | IsDevice]
    throttle_scope = "scan"


class ScanView(DoorView):
    """Validate a QR code at the door; the same nonce again returns the first answer."""

    @extend_schema(
        request=ScanInput,
        responses={200: ScanOutput, 400: INVALID_BODY, 403: NOT_A_MANAGER, 409: NONCE_TAKEN},
    )
    def post(self, request):
        data = ScanInput(data=request.data)
        data.is_valid(raise_exception=True)
        scan = services.scan_ticket(
            manager=request.user,
            device=_device(request),
            qr=data.validated_data["qr"],
            device_id=data.validated_data["device_id"],
            nonce=data.validated_data.get("nonce"),
        )
        return Response(ScanOutput(scan.answer).data)


def _indexed(errors, prefix: str = "", named: dict | None = None) -> dict:
    """Validation errors with one flat name per bad value: `scans[3].qr`, `scans[0]` (an
    entry that is not an object), `scans` (the list itself), so that a device knows which
    entry of its queue is bad (DRF nests them as `{"scans": {3: {"qr": [...]}}}`)."""
    named = {} if named is None else named
    if not isinstance(errors, dict):
        named.setdefault(prefix or "non_field_errors", []).extend(errors)
        return named
    for key, value in errors.items():
        if key == "non_field_errors":
            path = prefix
        elif isinstance(key, int):
            path = f"{prefix}[{key}]"
        else:
            path = f"{prefix}.{key}" if prefix else key
        _indexed(value, path, named)
    return named


class SyncView(DoorView):
    """Upload scans made offline; applied in `scanned_at` order, known nonces are replays.

    A malformed batch is refused whole (400, `fields` naming the bad entry by its index,
    e.g. `scans[3].qr`) and applies nothing. A revoked device's batch is refused whole with 401
    `device_revoked`, listing the `refused` nonces: none is applied, each is kept for the
    seller's door page.
    """

    @extend_schema(
        request=SyncInput,
        responses={
            200: SyncOutput,
            400: INVALID_BODY,
            401: OpenApiResponse(
                description="`device_revoked` with `refused`: the nonces not applied"
            ),
            403: NOT_A_MANAGER,
            409: OpenApiResponse(
                description="`nonce_taken`, or `bundle_stale` with the current `key_version`"
            ),
        },
    )
    def post(self, request):
        data = SyncInput(data=request.data)
        if not data.is_valid():
            raise serializers.ValidationError(_indexed(data.errors))
        device = _device(request)
        scans = data.validated_data["scans"]
        by_hand = any(scan.ticket_id is not None for scan in scans)
        campaign = data.validated_data.get("campaign") or (device and device.campaign_id)
        if "key_version" in data.validated_data or by_hand:
            if campaign is None:
                raise serializers.ValidationError(
                    {"campaign": ["Name the campaign of the bundle the scans were made with."]}
                )
            _door_campaign(request, campaign)
        bundle = None
        if "key_version" in data.validated_data:
            bundle = (campaign, data.validated_data["key_version"])
        scans = services.scans_sync(
            manager=request.user,
            device=device,
            device_id=data.validated_data["device_id"],
            scans=scans,
            bundle=bundle,
            door=campaign if by_hand else None,
        )
        results = [
            {"nonce": scan.nonce, "result": scan.result, "conflict": scan.conflict}
            for scan in scans
        ]
        return Response(SyncOutput({"results": results}).data)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, DeviceRevoked):
            data = SyncInput(data=self.request.data)
            if data.is_valid():
                response.data["refused"] = services.revoked_scans_record(
                    device=exc.device, scans=data.validated_data["scans"]
                )
        return response


class TicketStatusView(DoorView, generics.RetrieveAPIView):
    """A ticket of a campaign whose door the caller works; any other ticket is 404."""

    serializer_class = TicketStatusOutput

    @needs_user(Ticket)
    def get_queryset(self):
        device = _device(self.request)
        if device is not None:
            return selectors.tickets_with_last_scan(
                Ticket.objects.filter(booking__campaign_id=device.campaign_id)
            )
        return selectors.tickets_of_manager(manager=self.request.user)


class OfflineBundleView(DoorView):
    """Keys and tickets for validating a campaign offline: its assigned managers and paired
    devices only, each download audited (who, which device, when)."""

    @extend_schema(responses={200: OfflineBundleOutput, 403: NOT_A_MANAGER, 404: NOT_YOURS})
    def get(self, request, pk: int):
        campaign = _door_campaign(request, pk)
        bundle = services.offline_bundle_issue(
            campaign=campaign, manager=request.user, device=_device(request), ip=client_ip(request)
        )
        return Response(OfflineBundleOutput(bundle).data)


class CheckinView(DoorView):
    """The check-in list: counts per ticket type and a search; POST checks a ticket in by
    hand. Reading is open to the campaign's seller too; checking in, to managers and
    devices."""

    permission_classes = [IsManager | IsDevice | IsSeller]

    @extend_schema(
        parameters=[CheckinQuery],
        responses={200: CheckinListOutput, 403: NOT_A_MANAGER, 404: NOT_YOURS},
    )
    def get(self, request, pk: int):
        campaign = _door_campaign(request, pk, owner_reads=True)
        query = CheckinQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        tickets, more = selectors.checkin_search(
            campaign=campaign, q=query.validated_data.get("q", "")
        )
        body = {
            "counts": selectors.door_counts(campaign_id=campaign.pk),
            "results": tickets,
            "more": more,
        }
        return Response(CheckinListOutput(body).data)

    @extend_schema(
        request=CheckinInput,
        responses={
            200: ScanOutput,
            400: INVALID_BODY,
            403: NOT_A_MANAGER,
            404: NOT_YOURS,
            409: NONCE_TAKEN,
        },
    )
    def post(self, request, pk: int):
        if request.user.role == Role.SELLER and _device(request) is None:
            self.permission_denied(request, message="Checking in is for managers and devices.")
        campaign = _door_campaign(request, pk)
        data = CheckinInput(data=request.data)
        data.is_valid(raise_exception=True)
        scan = services.ticket_check_in(
            manager=request.user,
            device=_device(request),
            campaign=campaign,
            ticket_id=data.validated_data["ticket"],
            device_id=data.validated_data["device_id"],
            nonce=data.validated_data.get("nonce"),
        )
        return Response(ScanOutput(scan.answer).data)


class ConflictListView(AuditDenials, generics.ListAPIView):
    """Entries admitted offline beyond a ticket's allowance, for the campaign's seller."""

    permission_classes = [IsSeller]
    serializer_class = ConflictOutput

    @needs_user(Scan)
    def get_queryset(self):
        campaign = get_object_or_404(Campaign, pk=self.kwargs["pk"], seller=self.request.user)
        return selectors.conflicts_of_campaign(campaign=campaign)


class DeviceListView(AuditDenials, APIView):
    """Scanner devices of a campaign, for its seller and assigned managers; POST adds one and
    answers its single-use pairing code (also shown as a QR code on the door page)."""

    permission_classes = [IsDoorStaff]

    @extend_schema(responses={200: DeviceOutput(many=True), 403: NOT_A_MANAGER, 404: NOT_YOURS})
    def get(self, request, pk: int):
        campaign = get_object_or_404(selectors.campaigns_of_door_staff(user=request.user), pk=pk)
        devices = selectors.devices_of_campaign(campaign=campaign)
        return Response(DeviceOutput(devices, many=True).data)

    @extend_schema(
        request=DeviceInput,
        responses={201: DeviceAddedOutput, 400: INVALID_BODY, 403: NOT_A_MANAGER, 404: NOT_YOURS},
    )
    def post(self, request, pk: int):
        campaign = get_object_or_404(selectors.campaigns_of_door_staff(user=request.user), pk=pk)
        data = DeviceInput(data=request.data)
        data.is_valid(raise_exception=True)
        device, secret = services.device_add(
            campaign=campaign,
            name=data.validated_data["name"],
            user=request.user,
            ip=client_ip(request),
        )
        body = {
            "id": device.pk,
            "name": device.name,
            "pairing_code": secret.code,
            "pairing_qr": services.pairing_qr_text(secret),
            "expires_at": secret.expires_at,
        }
        return Response(DeviceAddedOutput(body).data, status=status.HTTP_201_CREATED)


class DevicePairView(APIView):
    """A scanner app exchanges a pairing code for its device token (no sign-in: door staff
    need no account). Single use, valid PAIRING_CODE_MINUTES; throttled per address."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_scope = "pairing"

    @extend_schema(
        request=PairInput,
        responses={
            201: PairOutput,
            400: OpenApiResponse(description="`pairing_code_invalid`, or an invalid body"),
            409: OpenApiResponse(description="`pairing_code_used` or `pairing_code_expired`"),
            429: OpenApiResponse(description="`throttled`"),
        },
        auth=[],
    )
    def post(self, request):
        data = PairInput(data=request.data)
        data.is_valid(raise_exception=True)
        device, token = services.device_pair(
            pairing_code=data.validated_data["pairing_code"], ip=client_ip(request)
        )
        return Response(
            PairOutput({"token": token, "device": device}).data, status=status.HTTP_201_CREATED
        )


class DeviceRevokeView(AuditDenials, APIView):
    """Revoke a device of a campaign whose door the caller runs; its next call is 401."""

    permission_classes = [IsDoorStaff]

    @extend_schema(
        responses={
            204: None,
            403: NOT_A_MANAGER,
            404: OpenApiResponse(description="Not a device of your campaigns"),
        }
    )
    def delete(self, request, pk: int):
        device = get_object_or_404(selectors.devices_of_door_staff(user=request.user), pk=pk)
        services.device_revoke(device=device, user=request.user, ip=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
