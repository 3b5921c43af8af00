"""Campaigns API: search, create and edit with nested ticket types, publish, availability,
managers and the invitations to manage. Views validate and call services; they hold no
rules."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as accounts_selectors
from accounts import services as accounts_services
from accounts.models import ManagerInvitation
from accounts.permissions import AuditDenials, IsSeller
from campaigns import live, selectors, services
from campaigns.filters import CampaignFilter
from campaigns.models import CODE_MAX_LENGTH, Campaign, TicketType
from campaigns.validators import validate_attribute_labels, validate_attributes
from core import limits
from core.choices import VenueType
from core.http import client_ip
from core.money import DECIMAL_PLACES, MAX_DIGITS
from core.serializers import CountryCodeField as IsoCountryCodeField
from core.serializers import ObjectIdField
from core.strict import StrictTypes


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 2,
        "pattern": "^[A-Z]{2}$",
        "description": "ISO 3166 alpha-2 country code",
    }
)
class CountryCodeField(IsoCountryCodeField):
    """An exact country code; documented as a string, not a 250-entry enumeration."""


_ATTRIBUTE_SCALARS = [
    {"type": "string", "maxLength": limits.ATTRIBUTE_TEXT_LENGTH},
    {"type": "number"},
    {"type": "boolean"},
]


@extend_schema_field(
    {
        "type": "object",
        "maxProperties": limits.ATTRIBUTES_PER_TICKET_TYPE,
        "additionalProperties": {
            "anyOf": [
                *_ATTRIBUTE_SCALARS,
                {
                    "type": "array",
                    "maxItems": limits.ATTRIBUTE_LIST_ITEMS,
                    "items": {"anyOf": _ATTRIBUTE_SCALARS},
                },
            ]
        },
        "description": (
            f"Seller-defined fields: at most {limits.ATTRIBUTES_PER_TICKET_TYPE} keys of 1 to "
            f"{limits.ATTRIBUTE_KEY_LENGTH} characters (no `__`); values are text of up to "
            f"{limits.ATTRIBUTE_TEXT_LENGTH} characters, numbers, booleans, or lists of up to "
            f"{limits.ATTRIBUTE_LIST_ITEMS} of those."
        ),
    }
)
class AttributesField(serializers.JSONField):
    """Ticket-type attributes, validated by campaigns.validators and documented with their
    limits."""


class TicketTypeOutput(serializers.ModelSerializer):
    remaining = serializers.IntegerField(read_only=True)

    class Meta:
        model = TicketType
        fields = [
            "id",
            "name",
            "price",
            "capacity",
            "remaining",
            "max_per_booking",
            "scans_allowed",
            "sales_start",
            "sales_end",
            "attributes",
            "attribute_labels",
            "hidden",
        ]


class RefundPolicyOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Campaign.RefundPolicy.choices, source="refund_policy")
    days = serializers.IntegerField(source="refund_days_before", allow_null=True)


class CampaignOutput(serializers.ModelSerializer):
    country = CountryCodeField()
    ticket_types = TicketTypeOutput(many=True, read_only=True)
    refund_policy = RefundPolicyOutput(source="*", read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "title",
            "slug",
            "description",
            "venue_type",
            "venue_name",
            "venue_address",
            "city",
            "country",
            "starts_at",
            "ends_at",
            "timezone",
            "currency",
            "status",
            "transfers_allowed",
            "name_change_cutoff",
            "refund_policy",
            "vat_rate",
            "ticket_types",
        ]


TICKET_TYPE_REQUIRED = ("name", "price", "capacity")


class TicketTypeInput(StrictTypes, serializers.Serializer):
    """A ticket type to add (no `id`) or to change (its `id`)."""

    id = ObjectIdField(required=False)
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    price = serializers.DecimalField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, min_value=0
    )
    capacity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    max_per_booking = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    scans_allowed = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    sales_start = serializers.DateTimeField(required=False, allow_null=True)
    sales_end = serializers.DateTimeField(required=False, allow_null=True)
    attributes = AttributesField(required=False, validators=[validate_attributes])
    attribute_labels = serializers.JSONField(
        required=False,
        validators=[validate_attribute_labels],
        help_text="What buyers read for each attribute: {key: label}, keys of `attributes`.",
    )
    hidden = serializers.BooleanField(
        required=False, help_text="Not listed; bookable only with a code that names it."
    )

    def validate(self, data):
        # PATCH makes every nested field optional; a new ticket type still needs these.
        missing = [name for name in TICKET_TYPE_REQUIRED if "id" not in data and name not in data]
        if missing:
            raise serializers.ValidationError(
                {name: ["This field is required."] for name in missing}
            )
        # Against the attributes sent alongside; a change of labels alone is checked by the
        # service against the stored attributes.
        if "attribute_labels" in data and ("attributes" in data or "id" not in data):
            try:
                validate_attribute_labels(data["attribute_labels"], data.get("attributes", {}))
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"attribute_labels": exc.messages}) from exc
        return data


class RefundPolicyInput(StrictTypes, serializers.Serializer):
    """`{"kind": "none" | "until_days_before" | "approval", "days"}`: `days` (0 to 365) with
    `until_days_before` only: customers are refunded on request until that many days before
    the start; with `approval` the seller decides each request."""

    kind = serializers.ChoiceField(choices=Campaign.RefundPolicy.choices)
    days = serializers.IntegerField(min_value=0, max_value=365, required=False, allow_null=True)

    def validate(self, data):
        until = data["kind"] == Campaign.RefundPolicy.UNTIL_DAYS_BEFORE
        if until and data.get("days") is None:
            raise serializers.ValidationError({"days": ["Give the days before the start."]})
        if not until and data.get("days") is not None:
            raise serializers.ValidationError({"days": ["Only with until_days_before."]})
        return {"refund_policy": data["kind"], "refund_days_before": data.get("days")}


class CampaignInput(StrictTypes, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    venue_type = serializers.ChoiceField(choices=VenueType.choices)
    venue_name = serializers.CharField(max_length=200)
    venue_address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100)
    country = CountryCodeField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    currency = serializers.ChoiceField(choices=[(code, code) for code in settings.CURRENCIES])
    timezone = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="IANA time zone of the venue, e.g. `Africa/Lagos`; empty or left out on "
        "creation: the country's zone where it has one clock, else `UTC`.",
    )
    transfers_allowed = serializers.BooleanField(required=False)
    name_change_cutoff = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Holder names and transfers close here; null: at `starts_at`.",
    )
    refund_policy = RefundPolicyInput(required=False)
    vat_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=Decimal("99.99"),
        required=False,
        help_text="Percent included in the prices, shown on receipts; default 0.00.",
    )
    ticket_types = TicketTypeInput(
        many=True, allow_empty=False, max_length=limits.TICKET_TYPES_PER_CAMPAIGN
    )

    def validate(self, data):
        # The policy's two model fields, as the services take them.
        return {**data, **data.pop("refund_policy", {})}


class AvailabilityOutput(serializers.Serializer):
    ticket_types = inline_serializer(
        "TicketTypeAvailability",
        fields={"id": serializers.IntegerField(), "remaining": serializers.IntegerField()},
        many=True,
    )


class ManagerInput(StrictTypes, serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class ManagerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class InvitationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    status = serializers.ChoiceField(
        choices=[*ManagerInvitation.Status.values, ManagerInvitation.EXPIRED],
        source="state",
        help_text="`expired`: still pending past `expires_at`; it can no longer be accepted.",
    )
    expires_at = serializers.DateTimeField()
    campaign = inline_serializer(
        "InvitedCampaign",
        fields={"id": serializers.IntegerField(), "title": serializers.CharField()},
        source="target",
    )
    invited_by = serializers.SerializerMethodField()

    def get_invited_by(self, invitation) -> str | None:
        """The inviting seller's name, or e-mail when they have none."""
        inviter = invitation.invited_by
        return (inviter.name or inviter.email) if inviter else None


class InvitationEnvelope(serializers.Serializer):
    invitation = InvitationOutput()


MANAGER_ADDED = PolymorphicProxySerializer(
    component_name="ManagerAdded",
    serializers=[ManagerOutput, InvitationEnvelope],
    resource_type_field_name=None,
)


NOT_EDITABLE = OpenApiResponse(
    description=(
        "`invalid_transition`: ended or cancelled; `currency_locked`: bookings exist; "
        "`capacity_below_reserved`; `ticket_type_in_use`: a type with bookings was left out"
    )
)
# A manager invitation that can no longer be answered.
INVITATION_CLOSED = OpenApiResponse(description="`invitation_expired` or `invitation_closed`")


def _render(pk: int, user) -> dict:
    return CampaignOutput(selectors.campaign_get_visible(campaign_id=pk, user=user)).data


ATTRIBUTE_FILTER_HELP = (
    "Published campaigns that have not ended. Besides the listed filters, "
    "`attr.<name>=<value>` (repeatable) keeps campaigns with a ticket type whose attribute "
    "`<name>` equals `<value>` (as text, or as the number or boolean it spells). "
    "`ordering`: `starts_at`, `-starts_at`, `price` (lowest ticket price), `-price`."
)


class CampaignListCreate(generics.ListAPIView):
    serializer_class = CampaignOutput
    filterset_class = CampaignFilter

    def get_permissions(self):
        return [IsSeller()] if self.request.method == "POST" else [AllowAny()]

    def get_queryset(self):
        return selectors.campaign_public_queryset()

    @extend_schema(description=ATTRIBUTE_FILTER_HELP)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=CampaignInput, responses={201: CampaignOutput})
    def post(self, request):
        data = CampaignInput(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(
            seller=request.user, ip=client_ip(request), **data.validated_data
        )
        return Response(_render(campaign.pk, request.user), status=status.HTTP_201_CREATED)


class CampaignMine(generics.ListAPIView):
    """The signed-in seller's own campaigns, in every status."""

    serializer_class = CampaignOutput
    permission_classes = [IsSeller]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.campaign_list_for_seller(seller=self.request.user)


class CampaignDetail(APIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsSeller()]

    @extend_schema(
        responses={200: CampaignOutput},
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                required=False,
                description="A code: the hidden ticket types it unlocks are listed too.",
            )
        ],
    )
    def get(self, request, pk: int):
        code = request.query_params.get("code", "")[:CODE_MAX_LENGTH]
        campaign = selectors.campaign_get_visible(campaign_id=pk, user=request.user, code=code)
        if campaign.seller_id != request.user.pk:
            services.campaign_view_record(campaign_id=campaign.pk)
        return Response(CampaignOutput(campaign).data)

    def _update(self, request, pk: int, *, partial: bool):
        campaign = selectors.campaign_get_owned(campaign_id=pk, user=request.user)
        data = CampaignInput(campaign, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        services.campaign_update(
            campaign_id=campaign.pk, user=request.user, ip=client_ip(request), **data.validated_data
        )
        return Response(_render(campaign.pk, request.user))

    @extend_schema(request=CampaignInput, responses={200: CampaignOutput, 409: NOT_EDITABLE})
    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=CampaignInput,
        responses={200: CampaignOutput, 409: NOT_EDITABLE},
        description="Fields given change. `ticket_types`, when given, is the whole new list: "
        "items with an `id` change that type, items without one are added, types left out "
        "are removed (refused while they have reservations).",
    )
    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)


class CampaignPublish(APIView):
    permission_classes = [IsSeller]

    @extend_schema(
        request=None,
        responses={
            200: CampaignOutput,
            409: OpenApiResponse(description="`invalid_transition`: not a draft"),
        },
    )
    def post(self, request, pk: int):
        campaign = selectors.campaign_get_owned(campaign_id=pk, user=request.user)
        services.campaign_publish(campaign_id=campaign.pk, user=request.user, ip=client_ip(request))
        return Response(_render(campaign.pk, request.user))


class CampaignAvailability(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: AvailabilityOutput})
    def get(self, request, pk: int):
        campaign = selectors.campaign_get_visible(campaign_id=pk, user=request.user)
        return Response({"ticket_types": live.availability_snapshot(campaign.pk)})


class CampaignManagers(AuditDenials, APIView):
    permission_classes = [IsSeller]

    @extend_schema(responses={200: ManagerOutput(many=True)})
    def get(self, request, pk: int):
        campaign = selectors.campaign_get_owned(campaign_id=pk, user=request.user)
        managers = campaign.managers.order_by("email")
        return Response(ManagerOutput(managers, many=True).data)

    @extend_schema(
        request=ManagerInput,
        responses={
            201: MANAGER_ADDED,
            409: OpenApiResponse(description="`not_assignable`: you own this campaign"),
        },
        description=(
            "A user whose role is `manager` (or who already manages the campaign) is assigned "
            "at once: 201 with the manager. Anyone else (a customer, a seller, an unknown "
            "address) is invited by e-mail: 201 with `invitation`, and nothing changes until "
            "they accept. Inviting a pending address again returns its invitation."
        ),
    )
    def post(self, request, pk: int):
        campaign = selectors.campaign_get_owned(campaign_id=pk, user=request.user)
        data = ManagerInput(data=request.data)
        data.is_valid(raise_exception=True)
        added = services.manager_assign(
            campaign_id=campaign.pk,
            user=request.user,
            email=data.validated_data["email"],
            ip=client_ip(request),
        )
        if isinstance(added, ManagerInvitation):
            body = InvitationEnvelope({"invitation": added}).data
        else:
            body = ManagerOutput(added).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ManagerInput,
        responses={204: None},
        parameters=[
            OpenApiParameter(
                "email",
                OpenApiTypes.EMAIL,
                description="Instead of a body, for clients that cannot send one with DELETE.",
            )
        ],
        description="Removes the manager and withdraws a pending invitation of that address.",
    )
    def delete(self, request, pk: int):
        campaign = selectors.campaign_get_owned(campaign_id=pk, user=request.user)
        data = ManagerInput(data=request.data or {"email": request.query_params.get("email")})
        data.is_valid(raise_exception=True)
        services.manager_remove(
            campaign_id=campaign.pk,
            user=request.user,
            email=data.validated_data["email"],
            ip=client_ip(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyInvitations(APIView):
    """Invitations to manage a campaign that the signed-in user can still accept."""

    @extend_schema(responses={200: InvitationOutput(many=True)})
    def get(self, request):
        invitations = (
            accounts_selectors.manager_invitations_open_for(user=request.user)
            .select_related("invited_by")
            .prefetch_related("target")
            .order_by("expires_at", "pk")
        )
        return Response(InvitationOutput(invitations, many=True).data)


class InvitationAccept(APIView):
    @extend_schema(
        request=None,
        responses={200: InvitationOutput, 409: INVITATION_CLOSED},
        description=(
            "A customer becomes a manager and is assigned to the campaign. A seller or super "
            "admin keeps their role and is assigned, which gives them no scanning rights: "
            "scanning needs the manager role. Accepting again returns the same answer."
        ),
    )
    def post(self, request, pk: int):
        invitation = services.manager_invitation_accept(
            invitation_id=pk, user=request.user, ip=client_ip(request)
        )
        return Response(InvitationOutput(invitation).data)


class InvitationDecline(APIView):
    @extend_schema(request=None, responses={200: InvitationOutput, 409: INVITATION_CLOSED})
    def post(self, request, pk: int):
        invitation = accounts_services.manager_invitation_decline(
            invitation_id=pk, user=request.user, ip=client_ip(request)
        )
        return Response(InvitationOutput(invitation).data)
