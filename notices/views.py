"""Pages of the notices app: the seller's message to a campaign's buyers."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_http_methods

from accounts.decorators import seller_required
from campaigns.models import Campaign
from core.errors import DomainError
from core.http import client_ip
from notices import services
from notices.forms import CampaignMessageForm
from notices.models import CampaignMessage


@seller_required
@require_http_methods(["GET", "POST"])
def campaign_message(request, pk: int):
    """Write to every confirmed buyer of one of the seller's campaigns; earlier messages below."""
    campaign = get_object_or_404(Campaign, pk=pk, seller=request.user)
    form = CampaignMessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = services.campaign_message_send(
                campaign_id=campaign.pk,
                sender=request.user,
                ip=client_ip(request),
                **form.cleaned_data,
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            count = message.recipients
            messages.success(request, f"Message sent to {count} buyer{pluralize(count)}.")
            return redirect("seller-campaign-message", pk=campaign.pk)
    sent = CampaignMessage.objects.filter(campaign=campaign)[:20]
    return render(
        request, "notices/message.html", {"campaign": campaign, "form": form, "sent": sent}
    )
