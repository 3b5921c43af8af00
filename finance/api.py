"""Finance API for sellers: withdrawal methods, balances, the ledger, withdrawals, reports."""

from datetime import date, timedelta

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import AuditDenials, IsSeller
from core.csv_export import CSVOrJSONView, csv_lines
from core.http import client_ip
from core.money import DECIMAL_PLACES, MAX_DIGITS, to_money
from core.schema import needs_user
from core.serializers import CountryCodeField, ObjectIdField
from core.strict import StrictTypes
from finance import selectors, services
from finance.models import LedgerEntry, Payout, WithdrawalMethod

MAX_REPORT_DAYS = 366
DEFAULT_REPORT_DAYS = 30
REPORT_COLUMNS = [
    "period",
    "campaign",
    "campaign_title",
    "currency",
    "revenue",
    "fees",
    "refunds",
    "payouts",
    "net",
]


def _money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, coerce_to_string=True, **kwargs
    )


# --- Withdrawal methods -------------------------------------------------------------------


class WithdrawalMethodInput(StrictTypes, serializers.Serializer):
    kind = serializers.ChoiceField(choices=WithdrawalMethod.Kind.choices)
    bank_code = serializers.RegexField(
        services.BANK_CODE.pattern,
        max_length=20,
        help_text="Flutterwave bank code, or the mobile money operator code (e.g. MPS).",
    )
    account_number = serializers.CharField(
        max_length=32, help_text="Bank account digits, or the phone number with country code."
    )
    account_name = serializers.CharField(max_length=100)
    country = CountryCodeField()
    currency = serializers.ChoiceField(choices=settings.CURRENCIES)
    is_default = serializers.BooleanField(default=False)

    def validate(self, attrs):
        try:
            attrs["account_number"] = services.normalize_account_number(
                kind=attrs["kind"], value=attrs["account_number"]
            )
        except ValueError as exc:
            raise serializers.ValidationError({"account_number": [str(exc)]}) from exc
        return attrs


class WithdrawalMethodOutput(serializers.ModelSerializer):
    account_number = serializers.CharField(
        source="masked_account_number", help_text="Masked: the last four digits only."
    )

    class Meta:
        model = WithdrawalMethod
        fields = [
            "id",
            "kind",
            "bank_code",
            "account_number",
            "account_name",
            "country",
            "currency",
            "is_default",
        ]


class WithdrawalMethodList(AuditDenials, generics.ListAPIView):
    """The seller's withdrawal methods (account numbers masked); POST adds one."""

    permission_classes = [IsSeller]
    serializer_class = WithdrawalMethodOutput
    pagination_class = None

    @needs_user(WithdrawalMethod)
    def get_queryset(self):
        return selectors.seller_withdrawal_methods(seller=self.request.user)

    @extend_schema(request=WithdrawalMethodInput, responses={201: WithdrawalMethodOutput})
    def post(self, request):
        data = WithdrawalMethodInput(data=request.data)
        data.is_valid(raise_exception=True)
        method = services.withdrawal_method_add(
            seller=request.user, ip=client_ip(request), **data.validated_data
        )
        return Response(WithdrawalMethodOutput(method).data, status=status.HTTP_201_CREATED)


class WithdrawalMethodDetail(AuditDenials, generics.RetrieveAPIView):
    """One of the seller's withdrawal methods; DELETE removes it (past payouts keep it)."""

    permission_classes = [IsSeller]
    serializer_class = WithdrawalMethodOutput

    @needs_user(WithdrawalMethod)
    def get_queryset(self):
        return selectors.seller_withdrawal_methods(seller=self.request.user)

    @extend_schema(
        responses={204: None, 404: OpenApiResponse(description="`not_found`: not yours")}
    )
    def delete(self, request, pk: int):
        services.withdrawal_method_remove(seller=request.user, method_id=pk, ip=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Balance and ledger -------------------------------------------------------------------


class BalanceOutput(serializers.Serializer):
    currency = serializers.CharField()
    pending = _money_field(help_text="Earned, on hold until the campaign end + hold days.")
    available = _money_field(help_text="May be withdrawn now.")
    paid_out = _money_field(help_text="Withdrawn (requested, in flight or paid).")


class BalancesOutput(serializers.Serializer):
    balances = BalanceOutput(many=True)


class BalanceView(AuditDenials, APIView):
    """The seller's money per currency: pending, available, paid out."""

    permission_classes = [IsSeller]

    @extend_schema(responses={200: BalancesOutput})
    def get(self, request):
        balances = selectors.seller_balances(seller=request.user)
        return Response(BalancesOutput({"balances": balances}).data)


class LedgerEntryOutput(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "amount",
            "currency",
            "booking",
            "payout",
            "created_at",
            "available_at",
        ]


class TransactionList(AuditDenials, generics.ListAPIView):
    """The seller's ledger, newest first."""

    permission_classes = [IsSeller]
    serializer_class = LedgerEntryOutput

    @needs_user(LedgerEntry)
    def get_queryset(self):
        return selectors.seller_ledger(seller=self.request.user)


# --- Withdrawals --------------------------------------------------------------------------


class WithdrawalInput(StrictTypes, serializers.Serializer):
    amount = _money_field(min_value=to_money("0.01"))
    currency = serializers.ChoiceField(choices=settings.CURRENCIES)
    method = ObjectIdField()


class WithdrawalOutput(serializers.ModelSerializer):
    class Meta:
        model = Payout
        fields = [
            "id",
            "status",
            "amount",
            "currency",
            "method",
            "reference",
            "failure_reason",
            "created_at",
        ]


class WithdrawalList(AuditDenials, generics.ListAPIView):
    """The seller's payouts, newest first; POST requests one from the available balance."""

    permission_classes = [IsSeller]
    serializer_class = WithdrawalOutput
    throttle_scope = "payment"

    @needs_user(Payout)
    def get_queryset(self):
        return selectors.seller_payouts(seller=self.request.user)

    @extend_schema(
        request=WithdrawalInput,
        responses={
            201: WithdrawalOutput,
            400: OpenApiResponse(description="`invalid` or `insufficient_funds`"),
            404: OpenApiResponse(description="`not_found`: no such withdrawal method of yours"),
        },
    )
    def post(self, request):
        data = WithdrawalInput(data=request.data)
        data.is_valid(raise_exception=True)
        payout = services.payout_request(
            seller=request.user,
            amount=data.validated_data["amount"],
            currency=data.validated_data["currency"],
            method_id=data.validated_data["method"],
            ip=client_ip(request),
        )
        return Response(WithdrawalOutput(payout).data, status=status.HTTP_201_CREATED)


# --- Reports ------------------------------------------------------------------------------


class ReportQuery(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (UTC), included.")
    end = serializers.DateField(required=False, help_text="Last day (UTC), included.")
    period = serializers.ChoiceField(choices=selectors.REPORT_PERIODS, default="day")

    def validate(self, attrs):
        attrs.setdefault("end", timezone.now().date())
        if "start" not in attrs:
            # The days up to the end, as many as the calendar has before it.
            days = min(DEFAULT_REPORT_DAYS - 1, (attrs["end"] - date.min).days)
            attrs["start"] = attrs["end"] - timedelta(days=days)
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"start": ["The start is after the end."]})
        if (attrs["end"] - attrs["start"]).days >= MAX_REPORT_DAYS:
            raise serializers.ValidationError({"start": [f"At most {MAX_REPORT_DAYS} days."]})
        return attrs


class ReportRowOutput(serializers.Serializer):
    period = serializers.DateField(help_text="The day, or the first day of the month.")
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True)
    campaign_title = serializers.CharField()
    currency = serializers.CharField()
    revenue = _money_field()
    fees = _money_field()
    refunds = _money_field()
    payouts = _money_field()
    net = _money_field()


class ReportOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    period = serializers.CharField()
    rows = ReportRowOutput(many=True)


class ReportView(AuditDenials, CSVOrJSONView, APIView):
    """Revenue, fees, refunds and payouts by period and campaign; `format=csv` for a file."""

    permission_classes = [IsSeller]

    @extend_schema(
        parameters=[
            ReportQuery,
            OpenApiParameter("format", enum=["json", "csv"], description="csv: text/csv"),
        ],
        responses={200: ReportOutput},
    )
    def get(self, request):
        query = ReportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.seller_report(seller=request.user, **query.validated_data)
        if self.wants_csv():
            return self._csv(rows, **query.validated_data)
        return Response(ReportOutput({**query.validated_data, "rows": rows}).data)

    @staticmethod
    def _csv(rows, *, start, end, period) -> HttpResponse:
        lines = [REPORT_COLUMNS]
        lines += [
            [row[name] for name in REPORT_COLUMNS] for row in ReportRowOutput(rows, many=True).data
        ]
        filename = f"finance-{period}-{start.isoformat()}-{end.isoformat()}.csv"
        return HttpResponse(
            csv_lines(lines),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
