"""Notices API: a seller's message to every confirmed buyer of a campaign."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import AuditDenials, IsSeller
from campaigns import selectors as campaign_selectors
from core.http import client_ip
from core.strict import StrictTypes
from notices import services
from notices.models import CampaignMessage


class CampaignMessageInput(StrictTypes, serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=5000)


class CampaignMessageOutput(serializers.ModelSerializer):
    class Meta:
        model = CampaignMessage
        fields = ["id", "campaign", "subject", "body", "recipients", "created_at"]


# Served at campaigns/{id}/messages/, where clients look for what concerns a campaign.
class CampaignMessages(AuditDenials, APIView):
    """The campaign's seller e-mails every confirmed buyer; accepted now, sent in the
    background. Rate-limited per campaign (CAMPAIGN_MESSAGE_RATE) and audited."""

    permission_classes = [IsSeller]

    @extend_schema(
        request=CampaignMessageInput,
        responses={
            202: CampaignMessageOutput,
            403: OpenApiResponse(description="`permission_denied`: not the campaign's seller"),
            429: OpenApiResponse(description="`throttled`: too many messages for this campaign"),
        },
    )
    def post(self, request, pk: int):
        campaign_selectors.campaign_get_owned(campaign_id=pk, user=request.user)
        data = CampaignMessageInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.campaign_message_send(
            campaign_id=pk, sender=request.user, ip=client_ip(request), **data.validated_data
        )
        return Response(CampaignMessageOutput(message).data, status=202)
