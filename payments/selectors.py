"""Reads of the payments app used by its API and its pages."""

from django.db.models import QuerySet

from accounts.models import Role, User
from payments.models import RefundRequest


def refund_requests_of_seller(
    *, seller: User, campaign_id: int | None = None
) -> QuerySet[RefundRequest]:
    """The requests of the seller's campaigns (all campaigns for a super admin), newest first."""
    requests = RefundRequest.objects.select_related("booking__campaign", "customer")
    if seller.role != Role.SUPER_ADMIN:
        requests = requests.filter(booking__campaign__seller=seller)
    if campaign_id is not None:
        requests = requests.filter(booking__campaign_id=campaign_id)
    return requests
