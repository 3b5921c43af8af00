"""Accounts API: Google sign-in entry, logout, profile, seller applications and reviews, and
the audit trail for super admins."""

import json

from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_out
from django.contrib.sessions.backends.base import SessionBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import AuditEvent, SellerApplication, User
from accounts.permissions import AuditDenials, IsSuperAdmin
from core.csv_export import CSVOrJSONView, csv_streaming_response
from core.http import client_ip
from core.serializers import CountryCodeField, ObjectIdField
from core.strict import StrictTypes


class SellerApplicationOutput(serializers.ModelSerializer):
    country = CountryCodeField()

    class Meta:
        model = SellerApplication
        fields = [
            "id",
            "business_name",
            "business_address",
            "business_type",
            "phone",
            "country",
            "description",
            "status",
            "created_at",
            "reviewed_at",
            "rejection_reason",
        ]


class SellerApplicationAdminOutput(SellerApplicationOutput):
    user = inline_serializer(
        "ApplicantSummary",
        fields={
            "id": serializers.IntegerField(),
            "email": serializers.EmailField(),
            "name": serializers.CharField(),
        },
    )

    class Meta(SellerApplicationOutput.Meta):
        fields = [*SellerApplicationOutput.Meta.fields, "user"]


class SellerApplicationInput(StrictTypes, serializers.ModelSerializer):
    country = CountryCodeField()

    class Meta:
        model = SellerApplication
        fields = [
            "business_name",
            "business_address",
            "business_type",
            "phone",
            "country",
            "description",
        ]


class ProfileSerializer(StrictTypes, serializers.ModelSerializer):
    seller_application_status = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "name", "phone", "role", "seller_application_status"]
        read_only_fields = ["id", "email", "role", "seller_application_status"]

    def get_seller_application_status(self, user) -> str | None:
        latest = (
            user.seller_applications.order_by("-created_at")
            .values_list("status", flat=True)
            .first()
        )
        return latest


class GoogleLoginView(APIView):
    """Start the web sign-in: a redirect into allauth's Google flow."""

    permission_classes = [AllowAny]
    throttle_scope = "auth"
    schema = None

    def perform_content_negotiation(self, request, force=False):
        # Browsers ask for text/html; the answer is a redirect whatever they accept, and
        # errors (a throttle) fall back to JSON instead of a 406.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request):
        url = reverse("google_login") + "?process=login"
        next_url = request.query_params.get("next", "")
        if next_url.startswith("/") and not next_url.startswith("//"):
            url += f"&next={next_url}"
        return redirect(url)


class LogoutView(APIView):
    throttle_scope = "auth"

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, SessionBase):
            # A mobile session token is a session of its own: end it.
            user_logged_out.send(sender=type(request.user), request=request, user=request.user)
            services.session_token_revoke(
                session_key=request.auth.session_key, user=request.user, ip=client_ip(request)
            )
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileView(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = ProfileSerializer
    http_method_names = ["get", "patch", "delete", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        services.user_update_profile(user=self.request.user, **serializer.validated_data)

    @extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(description="`account_in_use`: a seller or super admin"),
        },
        description=(
            "Delete the account: personal data is erased, bookings and receipts are kept "
            "anonymised, every session and token ends, and tickets already issued keep "
            "admitting. Sellers and super admins ask support instead."
        ),
    )
    def delete(self, request, *args, **kwargs):
        return super().delete(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.user_delete(user=instance, ip=client_ip(self.request))
        if not isinstance(self.request.auth, SessionBase):
            logout(self.request._request)


class ApplySellerView(AuditDenials, APIView):
    @property
    def throttle_scope(self) -> str:
        return "seller_application" if self.request.method == "POST" else "auth"

    @extend_schema(responses={200: SellerApplicationOutput})
    def get(self, request):
        application = (
            SellerApplication.objects.filter(user=request.user).order_by("-created_at").first()
        )
        if application is None:
            raise NotFound("You have not applied to sell yet.")
        return Response(SellerApplicationOutput(application).data)

    @extend_schema(
        request=SellerApplicationInput,
        responses={
            201: SellerApplicationOutput,
            409: OpenApiResponse(
                description="`already_seller`, or `application_exists`: one is pending"
            ),
        },
    )
    def post(self, request):
        data = SellerApplicationInput(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.seller_application_submit(
            user=request.user, ip=client_ip(request), **data.validated_data
        )
        return Response(SellerApplicationOutput(application).data, status=status.HTTP_201_CREATED)


class SellerApplicationAdminList(AuditDenials, generics.ListAPIView):
    permission_classes = [IsSuperAdmin]
    serializer_class = SellerApplicationAdminOutput
    queryset = SellerApplication.objects.select_related("user").order_by("created_at")
    filterset_fields = ["status"]


DECIDED = OpenApiResponse(description="`invalid_transition`: decided already")


class RejectInput(StrictTypes, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class SellerApplicationApprove(AuditDenials, APIView):
    permission_classes = [IsSuperAdmin]

    @extend_schema(request=None, responses={200: SellerApplicationAdminOutput, 409: DECIDED})
    def post(self, request, pk: int):
        get_object_or_404(SellerApplication, pk=pk)
        application = services.seller_application_approve(
            application_id=pk, reviewer=request.user, ip=client_ip(request)
        )
        return Response(SellerApplicationAdminOutput(application).data)


class SellerApplicationReject(AuditDenials, APIView):
    permission_classes = [IsSuperAdmin]

    @extend_schema(request=RejectInput, responses={200: SellerApplicationAdminOutput, 409: DECIDED})
    def post(self, request, pk: int):
        get_object_or_404(SellerApplication, pk=pk)
        data = RejectInput(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.seller_application_reject(
            application_id=pk,
            reviewer=request.user,
            reason=data.validated_data["reason"],
            ip=client_ip(request),
        )
        return Response(SellerApplicationAdminOutput(application).data)


# --- Audit trail --------------------------------------------------------------------------


class AuditEventQuery(serializers.Serializer):
    action = serializers.CharField(
        max_length=64, required=False, help_text="Exactly this action, e.g. `token.revoked`."
    )
    actor = serializers.CharField(
        max_length=254,
        required=False,
        help_text="The acting user: a user id (digits) or an e-mail address (with @).",
    )
    since = serializers.DateTimeField(
        required=False,
        help_text="Events at or after this time (ISO 8601; no offset means UTC, a bare "
        "date its midnight).",
    )
    until = serializers.DateTimeField(required=False, help_text="Events before this time.")

    def validate_actor(self, value: str) -> dict:
        if value.isascii() and value.isdigit():
            return {"actor_id": ObjectIdField().run_validation(value)}
        if "@" in value:
            return {"actor_email": value}
        raise serializers.ValidationError("Give a user id or an e-mail address.")

    def validate(self, attrs):
        attrs.update(attrs.pop("actor", {}))
        if "since" in attrs and "until" in attrs and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": ["Must be after `since`."]})
        return attrs


class AuditEventOutput(serializers.ModelSerializer):
    actor = inline_serializer(
        "AuditActor",
        fields={"id": serializers.IntegerField(), "email": serializers.EmailField()},
        allow_null=True,
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "action",
            "actor",
            "target_type",
            "target_id",
            "ip",
            "metadata",
        ]


AUDIT_CSV_COLUMNS = [
    "id",
    "created_at",
    "action",
    "actor_id",
    "actor_email",
    "target_type",
    "target_id",
    "ip",
    "metadata",
]


def _audit_csv_row(event: AuditEvent) -> list:
    return [
        event.pk,
        event.created_at.isoformat(),
        event.action,
        event.actor_id,
        event.actor.email if event.actor else "",
        event.target_type,
        event.target_id,
        event.ip,
        json.dumps(event.metadata, sort_keys=True, ensure_ascii=False),
    ]


class AuditEventList(AuditDenials, CSVOrJSONView, generics.GenericAPIView):
    """The audit trail, newest first, for super admins; `format=csv` streams every match."""

    permission_classes = [IsSuperAdmin]
    serializer_class = AuditEventOutput
    filter_backends: list = []

    @extend_schema(
        parameters=[
            AuditEventQuery,
            OpenApiParameter(
                "format",
                enum=["json", "csv"],
                description="csv: every matching event as text/csv, not paginated.",
            ),
        ],
        responses={200: AuditEventOutput(many=True)},
    )
    def get(self, request):
        query = AuditEventQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        events = selectors.audit_event_list(**query.validated_data)
        if self.wants_csv():
            return csv_streaming_response(
                header=AUDIT_CSV_COLUMNS,
                batches=(
                    [_audit_csv_row(event) for event in batch]
                    for batch in selectors.audit_event_batches(events)
                ),
                filename="audit-events.csv",
            )
        page = self.paginate_queryset(events)
        return self.get_paginated_response(AuditEventOutput(page, many=True).data)
