"""Promo and access codes API (the campaign's seller): create one or a batch, list with usage
(JSON or `?format=csv`), change, deactivate."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import AuditDenials, IsSeller
from bookings.codes import selectors, services
from campaigns import selectors as campaign_selectors
from campaigns.models import CODE_MAX_LENGTH, PromoCode
from core import limits
from core.csv_export import CSVOrJSONView, csv_streaming_response
from core.money import DECIMAL_PLACES, MAX_DIGITS
from core.serializers import ObjectIdField
from core.strict import StrictTypes

MAX_LIMIT = 1_000_000


class CodeSettingsInput(StrictTypes, serializers.Serializer):
    """The settings a code is created with and may change later."""

    kind = serializers.ChoiceField(choices=PromoCode.Kind.choices)
    value = serializers.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        min_value=0,
        required=False,
        help_text="percent: 0 to 100; fixed: the amount off each ticket; access: 0 or omitted.",
    )
    ticket_types = serializers.ListField(
        child=ObjectIdField(),
        max_length=limits.TICKET_TYPES_PER_CAMPAIGN,
        required=False,
        help_text="The types it applies to (none: all); the hidden ones among them it unlocks.",
    )
    max_uses = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, required=False, allow_null=True
    )
    max_uses_per_customer = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, required=False, allow_null=True
    )
    valid_from = serializers.DateTimeField(required=False, allow_null=True)
    valid_until = serializers.DateTimeField(required=False, allow_null=True)
    min_quantity = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    release_on_refund = serializers.BooleanField(
        required=False, help_text="Whether a refunded booking gives its use back (default no)."
    )


class CodeCreateInput(CodeSettingsInput):
    code = serializers.CharField(
        max_length=CODE_MAX_LENGTH,
        required=False,
        help_text="Letters, digits, '-' and '_', any case; omit to have one generated.",
    )
    count = serializers.IntegerField(
        min_value=1,
        max_value=services.MAX_BATCH,
        required=False,
        help_text="Generate this many unique codes with these settings (answered as a list).",
    )


class CodeUpdateInput(CodeSettingsInput):
    kind = serializers.ChoiceField(choices=PromoCode.Kind.choices, required=False)
    active = serializers.BooleanField(required=False)


class CodeOutput(serializers.ModelSerializer):
    ticket_types = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    uses = serializers.IntegerField(
        source="uses_count", read_only=True, help_text="Uses that count against the limits."
    )
    released_uses = serializers.IntegerField(
        source="released_count",
        read_only=True,
        help_text="Uses given back by expired, cancelled (or opted-in refunded) bookings.",
    )

    class Meta:
        model = PromoCode
        fields = [
            "id",
            "campaign",
            "code",
            "kind",
            "value",
            "ticket_types",
            "max_uses",
            "max_uses_per_customer",
            "valid_from",
            "valid_until",
            "min_quantity",
            "release_on_refund",
            "active",
            "uses",
            "released_uses",
            "created_at",
        ]


class CampaignCodes(AuditDenials, CSVOrJSONView, generics.ListAPIView):
    """GET: the campaign's codes with their usage (`?format=csv`: every code, as a file).
    POST: a code, or a batch of `count` generated codes."""

    serializer_class = CodeOutput
    permission_classes = [IsSeller]
    filter_backends: list = []

    def get_queryset(self):
        campaign = campaign_selectors.campaign_get_owned(
            campaign_id=self.kwargs["pk"], user=self.request.user
        )
        return selectors.codes_with_usage(campaign_id=campaign.pk)

    @extend_schema(
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], required=False)
        ]
    )
    def get(self, request, pk: int):
        queryset = self.get_queryset()
        if self.wants_csv():
            return csv_streaming_response(
                header=selectors.CSV_COLUMNS,
                batches=selectors.codes_csv_rows(campaign_id=pk),
                filename=f"codes-campaign-{pk}.csv",
            )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(CodeOutput(page, many=True).data)

    @extend_schema(
        request=CodeCreateInput,
        responses={
            201: CodeOutput,
            400: OpenApiResponse(description="Invalid settings: `{code, detail, fields}`"),
            409: OpenApiResponse(description="`code_taken`"),
        },
        description="201 with the code; with `count`, 201 with the list of generated codes.",
    )
    def post(self, request, pk: int):
        campaign = campaign_selectors.campaign_get_owned(campaign_id=pk, user=request.user)
        data = CodeCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.promo_codes_create(
            campaign=campaign, actor=request.user, **data.validated_data
        )
        codes = selectors.codes_with_usage(campaign_id=campaign.pk).filter(
            pk__in=[promo.pk for promo in created]
        )
        output = CodeOutput(codes, many=True).data
        body = output if "count" in data.validated_data else output[0]
        return Response(body, status=status.HTTP_201_CREATED)


class CodeDetail(AuditDenials, APIView):
    """One code of the signed-in seller: read, change, or deactivate (DELETE keeps its usage
    history: a code that was used cannot disappear from its bookings)."""

    permission_classes = [IsSeller]

    @extend_schema(responses={200: CodeOutput})
    def get(self, request, pk: int):
        return Response(CodeOutput(selectors.code_get_owned(code_id=pk, user=request.user)).data)

    @extend_schema(request=CodeUpdateInput, responses={200: CodeOutput})
    def patch(self, request, pk: int):
        promo = selectors.code_get_owned(code_id=pk, user=request.user)
        data = CodeUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.promo_code_update(promo=promo, actor=request.user, changes=data.validated_data)
        return Response(CodeOutput(selectors.code_get_owned(code_id=pk, user=request.user)).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        promo = selectors.code_get_owned(code_id=pk, user=request.user)
        services.promo_code_deactivate(promo=promo, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
