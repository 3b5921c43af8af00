"""Waiting-list API: a customer joins, reads their place and leaves a sold-out type's list;
the seller reads the lists of their campaign. Offers are booked through POST bookings/."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.models import Offer, WaitingListEntry
from bookings.waitlist import selectors, services
from campaigns import selectors as campaign_selectors
from core.strict import StrictTypes

MAX_QUANTITY = 1000


class JoinInput(StrictTypes, serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class OfferOutput(serializers.ModelSerializer):
    class Meta:
        model = Offer
        fields = ["token", "quantity", "expires_at"]


class EntryOutput(serializers.ModelSerializer):
    """The customer's own entry: `position` is 1 for the next in line, null once offered;
    `offer` the seats held for them, with the token that books them."""

    position = serializers.SerializerMethodField()
    offer = serializers.SerializerMethodField()

    class Meta:
        model = WaitingListEntry
        fields = ["id", "ticket_type", "quantity", "status", "position", "joined_at", "offer"]

    def get_position(self, entry) -> int | None:
        return selectors.entry_position(entry)

    @extend_schema_field(OfferOutput(allow_null=True))
    def get_offer(self, entry):
        if entry.status != WaitingListEntry.Status.OFFERED:
            return None
        return OfferOutput(entry.offer).data


class SellerEntryOutput(serializers.ModelSerializer):
    """An entry as the seller sees it: who, how many, where in line, until when on offer."""

    position = serializers.IntegerField(allow_null=True)
    customer_email = serializers.EmailField(source="customer.email")
    customer_name = serializers.CharField(source="customer.name")
    offer_expires_at = serializers.SerializerMethodField()

    class Meta:
        model = WaitingListEntry
        fields = [
            "id",
            "customer_email",
            "customer_name",
            "quantity",
            "status",
            "position",
            "joined_at",
            "offer_expires_at",
        ]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_offer_expires_at(self, entry):
        if entry.status != WaitingListEntry.Status.OFFERED:
            return None
        return serializers.DateTimeField().to_representation(entry.offer.expires_at)


class WaitingListOutput(serializers.Serializer):
    ticket_type = serializers.IntegerField()
    name = serializers.CharField()
    length = serializers.IntegerField(help_text="Entries still waiting (not yet offered).")
    seats_wanted = serializers.IntegerField()
    entries = SellerEntryOutput(many=True)


class WaitingListView(APIView):
    """The signed-in customer's place on a ticket type's waiting list: read, join, leave."""

    @property
    def throttle_scope(self) -> str | None:
        return None if self.request.method == "GET" else "booking"

    @extend_schema(responses={200: EntryOutput, 404: OpenApiResponse(description="`not_waiting`")})
    def get(self, request, pk: int):
        entry = selectors.entry_active(customer=request.user, ticket_type_id=pk)
        if entry is None:
            raise services.NotWaiting()
        return Response(EntryOutput(entry).data)

    @extend_schema(
        request=JoinInput,
        responses={
            201: EntryOutput,
            400: OpenApiResponse(description="Invalid quantity: `{code, detail, fields}`"),
            404: OpenApiResponse(description="No such ticket type"),
            409: OpenApiResponse(
                description="`on_sale` (with `remaining`), `already_waiting` or `not_on_sale`"
            ),
        },
    )
    def post(self, request, pk: int):
        data = JoinInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.waiting_list_join(
            customer=request.user, ticket_type_id=pk, quantity=data.validated_data["quantity"]
        )
        return Response(EntryOutput(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="Left; seats on offer passed to the next in line"),
            404: OpenApiResponse(description="`not_waiting` or no such ticket type"),
        },
    )
    def delete(self, request, pk: int):
        services.waiting_list_leave(customer=request.user, ticket_type_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CampaignWaitingLists(APIView):
    """The waiting lists of one of the seller's campaigns, per ticket type."""

    @extend_schema(
        responses={
            200: WaitingListOutput(many=True),
            403: OpenApiResponse(description="Not the campaign's seller"),
            404: OpenApiResponse(description="No such campaign"),
        }
    )
    def get(self, request, pk: int):
        campaign = campaign_selectors.campaign_get_owned(campaign_id=pk, user=request.user)
        lists = selectors.waiting_lists_of_campaign(campaign=campaign)
        return Response(WaitingListOutput(lists, many=True).data)
