"""Accounts API: Google sign-in entry, logout, profile, seller applications and reviews."""

from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_out
from django.contrib.sessions.backends.base import SessionBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import SellerApplication, User
from accounts.permissions import IsSuperAdmin
from config.http import client_ip
from config.serializers import CountryCodeField
from core.strict import StrictTypes


class SellerApplicationOutput(serializers.ModelSerializer):
    country = CountryCodeField()

    class Meta:
        model = SellerApplication
        fields = [
            "id",
            "business_name",
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
        fields = ["business_name", "business_type", "phone", "country", "description"]


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
            request.auth.delete()
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileView(generics.RetrieveUpdateAPIView):
    serializer_class = ProfileSerializer
    http_method_names = ["get", "patch", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        services.user_update_profile(user=self.request.user, **serializer.validated_data)


class ApplySellerView(APIView):
    throttle_scope = "auth"

    @extend_schema(responses={200: SellerApplicationOutput})
    def get(self, request):
        application = (
            SellerApplication.objects.filter(user=request.user).order_by("-created_at").first()
        )
        if application is None:
            raise NotFound("You have not applied to sell yet.")
        return Response(SellerApplicationOutput(application).data)

    @extend_schema(request=SellerApplicationInput, responses={201: SellerApplicationOutput})
    def post(self, request):
        data = SellerApplicationInput(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.seller_application_submit(
            user=request.user, ip=client_ip(request), **data.validated_data
        )
        return Response(SellerApplicationOutput(application).data, status=status.HTTP_201_CREATED)


class SellerApplicationAdminList(generics.ListAPIView):
    permission_classes = [IsSuperAdmin]
    serializer_class = SellerApplicationAdminOutput
    queryset = SellerApplication.objects.select_related("user").order_by("created_at")
    filterset_fields = ["status"]


class RejectInput(StrictTypes, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class SellerApplicationApprove(APIView):
    permission_classes = [IsSuperAdmin]

    @extend_schema(request=None, responses={200: SellerApplicationAdminOutput})
    def post(self, request, pk: int):
        get_object_or_404(SellerApplication, pk=pk)
        application = services.seller_application_approve(
            application_id=pk, reviewer=request.user, ip=client_ip(request)
        )
        return Response(SellerApplicationAdminOutput(application).data)


class SellerApplicationReject(APIView):
    permission_classes = [IsSuperAdmin]

    @extend_schema(request=RejectInput, responses={200: SellerApplicationAdminOutput})
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
