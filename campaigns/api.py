"""Campaigns API: search, create and edit with nested ticket types, lifecycle, availability,
analytics and managers. Views validate and call services; they hold no rules."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django_countries.serializer_fields import CountryField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import IsSeller, IsSellerOrSuperAdmin
from campaigns import analytics, live, selectors, services
from campaigns.filters import CampaignFilter
from campaigns.models import Campaign, TicketType
from campaigns.validators import validate_attribute_labels, validate_attributes
from config.choices import VenueType
from config.errors import NotPermitted
from config.http import client_ip
from config.money import DECIMAL_PLACES, MAX_DIGITS
from config.serializers import ObjectIdField


@extend_schema_field({"type": "string", "description": "ISO 3166 alpha-2 country code"})
class CountryCodeField(CountryField):
    """A country code; documented as a string, not a 250-entry enumeration."""


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
        ]


class CampaignOutput(serializers.ModelSerializer):
    country = CountryCodeField()
    ticket_types = TicketTypeOutput(many=True, read_only=True)

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
            "currency",
            "status",
            "ticket_types",
        ]


TICKET_TYPE_REQUIRED = ("name", "price", "capacity")


class TicketTypeInput(serializers.Serializer):
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
    attributes = serializers.JSONField(required=False, validators=[validate_attributes])
    attribute_labels = serializers.JSONField(
        required=False,
        validators=[validate_attribute_labels],
        help_text="What buyers read for each attribute: {key: label}, keys of `attributes`.",
    )

    def validate(self, data):
        # PATCH makes every nested field optional; a new ticket type still needs these.
        missing = [name for name in TICKET_TYPE_REQUIRED if "id" not in data and name not in data]
        if missing:
            raise serializers.ValidationError(
                {name: ["This field is required."] for name in missing}
            )
        start, end = data.get("sales_start"), data.get("sales_end")
        if start and end and end <= start:
            raise serializers.ValidationError({"sales_end": ["Sales must end after they start."]})
        # Against the attributes sent alongside; a change of labels alone is checked by the
        # service against the stored attributes.
        if "attribute_labels" in data and ("attributes" in data or "id" not in data):
            try:
                validate_attribute_labels(data["attribute_labels"], data.get("attributes", {}))
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"attribute_labels": exc.messages}) from exc
        return data


class CampaignInput(serializers.Serializer):
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
    ticket_types = TicketTypeInput(many=True, allow_empty=False)

    def validate(self, data):
        campaign = self.instance
        starts = data.get("starts_at", campaign.starts_at if campaign else None)
        ends = data.get("ends_at", campaign.ends_at if campaign else None)
        if starts and ends and ends <= starts:
            raise serializers.ValidationError(
                {"ends_at": ["The campaign must end after it starts."]}
            )
        moved = "starts_at" in data and (
            campaign is None or data["starts_at"] != campaign.starts_at
        )
        if moved and data["starts_at"] <= timezone.now():
            raise serializers.ValidationError({"starts_at": ["The start must be in the future."]})
        return data


class AvailabilityOutput(serializers.Serializer):
    ticket_types = inline_serializer(
        "TicketTypeAvailability",
        fields={"id": serializers.IntegerField(), "remaining": serializers.IntegerField()},
        many=True,
    )


class AnalyticsFiguresOutput(serializers.Serializer):
    """What the analytics endpoint returns; amounts are strings in the campaign currency."""

    campaign = serializers.IntegerField()
    currency = serializers.CharField()
    views = serializers.IntegerField()
    bookings = serializers.IntegerField()
    tickets_sold = serializers.IntegerField()
    revenue = serializers.CharField()
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


class ManagerInput(serializers.Serializer):
    email = serializers.EmailField()


class ManagerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


def _owned(request, pk: int) -> Campaign:
    """The campaign if `request.user` owns it: 404 when they cannot see it, else 403."""
    campaign = selectors.campaign_get_visible(campaign_id=pk, user=request.user)
    if campaign.seller_id != request.user.pk:
        raise NotPermitted("Only the campaign's seller can do this.")
    return campaign


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

    @extend_schema(responses={200: CampaignOutput})
    def get(self, request, pk: int):
        campaign = selectors.campaign_get_visible(campaign_id=pk, user=request.user)
        if campaign.seller_id != request.user.pk:
            services.campaign_view_record(campaign_id=campaign.pk)
        return Response(CampaignOutput(campaign).data)

    def _update(self, request, pk: int, *, partial: bool):
        campaign = _owned(request, pk)
        data = CampaignInput(campaign, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        services.campaign_update(
            campaign_id=campaign.pk, user=request.user, ip=client_ip(request), **data.validated_data
        )
        return Response(_render(campaign.pk, request.user))

    @extend_schema(request=CampaignInput, responses={200: CampaignOutput})
    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=CampaignInput,
        responses={200: CampaignOutput},
        description="Fields given change. `ticket_types`, when given, is the whole new list: "
        "items with an `id` change that type, items without one are added, types left out "
        "are removed (refused while they have reservations).",
    )
    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)


class CampaignPublish(APIView):
    permission_classes = [IsSeller]

    @extend_schema(request=None, responses={200: CampaignOutput})
    def post(self, request, pk: int):
        campaign = _owned(request, pk)
        services.campaign_publish(campaign_id=campaign.pk, user=request.user, ip=client_ip(request))
        return Response(_render(campaign.pk, request.user))


class CampaignCancel(APIView):
    permission_classes = [IsSeller]

    @extend_schema(request=None, responses={200: CampaignOutput})
    def post(self, request, pk: int):
        campaign = _owned(request, pk)
        services.campaign_cancel(campaign_id=campaign.pk, user=request.user, ip=client_ip(request))
        return Response(_render(campaign.pk, request.user))


class CampaignAvailability(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: AvailabilityOutput})
    def get(self, request, pk: int):
        campaign = selectors.campaign_get_visible(campaign_id=pk, user=request.user)
        return Response({"ticket_types": live.availability_snapshot(campaign.pk)})


class CampaignAnalytics(APIView):
    permission_classes = [IsSellerOrSuperAdmin]

    @extend_schema(responses={200: AnalyticsFiguresOutput})
    def get(self, request, pk: int):
        campaign = selectors.campaign_get_visible(campaign_id=pk, user=request.user)
        if campaign.seller_id != request.user.pk and request.user.role != Role.SUPER_ADMIN:
            raise NotPermitted("Only the campaign's seller can see its analytics.")
        return Response(analytics.campaign_analytics(campaign=campaign))


class CampaignManagers(APIView):
    permission_classes = [IsSeller]

    @extend_schema(responses={200: ManagerOutput(many=True)})
    def get(self, request, pk: int):
        campaign = _owned(request, pk)
        managers = campaign.managers.order_by("email")
        return Response(ManagerOutput(managers, many=True).data)

    @extend_schema(request=ManagerInput, responses={201: ManagerOutput})
    def post(self, request, pk: int):
        campaign = _owned(request, pk)
        data = ManagerInput(data=request.data)
        data.is_valid(raise_exception=True)
        manager = services.manager_assign(
            campaign_id=campaign.pk,
            user=request.user,
            email=data.validated_data["email"],
            ip=client_ip(request),
        )
        return Response(ManagerOutput(manager).data, status=status.HTTP_201_CREATED)

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
    )
    def delete(self, request, pk: int):
        campaign = _owned(request, pk)
        data = ManagerInput(data=request.data or {"email": request.query_params.get("email")})
        data.is_valid(raise_exception=True)
        services.manager_remove(
            campaign_id=campaign.pk,
            user=request.user,
            email=data.validated_data["email"],
            ip=client_ip(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
