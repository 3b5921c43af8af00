"""Reads of the campaigns app shared by the API, the pages and the websocket consumer."""

from django.db.models import Min, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, User
from campaigns.filters import CampaignFilter
from campaigns.models import Campaign, TicketType
from core.errors import NotPermitted

# Once published a campaign stays public, so buyers can see it ended or was cancelled.
PUBLIC_STATUSES = (Campaign.Status.PUBLISHED, Campaign.Status.ENDED, Campaign.Status.CANCELLED)


def _with_ticket_types(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(
        Prefetch("ticket_types", queryset=TicketType.objects.order_by("position", "id"))
    )


def campaign_is_visible(*, campaign: Campaign, user: User | None) -> bool:
    """Public once published; drafts only to their seller and super admins."""
    if campaign.status in PUBLIC_STATUSES:
        return True
    if user is None or not user.is_authenticated:
        return False
    return campaign.seller_id == user.pk or user.role == Role.SUPER_ADMIN


def campaign_get_visible(
    *, user: User | None, campaign_id: int | None = None, slug: str = ""
) -> Campaign:
    """The campaign with its ticket types, or Http404 when it does not exist for `user`."""
    lookup = {"pk": campaign_id} if campaign_id is not None else {"slug": slug}
    campaign = (
        _with_ticket_types(Campaign.objects.select_related("seller")).filter(**lookup).first()
    )
    if campaign is None or not campaign_is_visible(campaign=campaign, user=user):
        raise Http404("No such campaign.")
    return campaign


def campaign_get_owned(*, campaign_id: int, user: User) -> Campaign:
    """The campaign if `user` is its seller: Http404 when they cannot see it at all,
    NotPermitted when they can but it is not theirs."""
    campaign = campaign_get_visible(campaign_id=campaign_id, user=user)
    if campaign.seller_id != user.pk:
        raise NotPermitted("Only the campaign's seller can do this.")
    return campaign


def campaign_public_queryset() -> QuerySet:
    """Published campaigns that have not ended, with ticket types and their lowest price."""
    return _with_ticket_types(
        Campaign.objects.filter(status=Campaign.Status.PUBLISHED, ends_at__gt=timezone.now())
        .annotate(min_price=Min("ticket_types__price"))
        .order_by("starts_at", "id")
    )


def campaign_list_public(*, filters) -> CampaignFilter:
    """The public search as a bound FilterSet: `.qs` for results, `.form` for the page."""
    return CampaignFilter(filters, queryset=campaign_public_queryset())


def campaign_list_for_seller(*, seller: User) -> QuerySet:
    """Every campaign of a seller, newest start first, with its ticket types."""
    return _with_ticket_types(Campaign.objects.filter(seller=seller).order_by("-starts_at", "-id"))
