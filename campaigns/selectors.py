"""Reads of the campaigns app shared by the API, the pages and the websocket consumer."""

from django.db.models import Min, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, User
from campaigns.filters import CampaignFilter
from campaigns.models import Campaign, PromoCode, TicketType, normalise_code
from core.errors import NotPermitted

# Once published a campaign stays public, so buyers can see it ended or was cancelled.
PUBLIC_STATUSES = (Campaign.Status.PUBLISHED, Campaign.Status.ENDED, Campaign.Status.CANCELLED)


def _with_ticket_types(queryset: QuerySet, *, types: QuerySet | None = None) -> QuerySet:
    """Prefetch the ticket types in display order; `types` narrows them (hidden ones)."""
    types = TicketType.objects.all() if types is None else types
    return queryset.prefetch_related(
        Prefetch("ticket_types", queryset=types.order_by("position", "id"))
    )


def _sees_hidden_types(*, seller_id: int, user: User | None) -> bool:
    return bool(
        user and user.is_authenticated and (user.pk == seller_id or user.role == Role.SUPER_ADMIN)
    )


def code_unlocks(*, campaign_id: int, code: str) -> QuerySet:
    """The hidden ticket types of the campaign that `code` unlocks now: those it names, if it
    is active and within its validity (its limits are checked when booking)."""
    now = timezone.now()
    promo = PromoCode.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=now),
        Q(valid_until__isnull=True) | Q(valid_until__gt=now),
        campaign_id=campaign_id,
        code=normalise_code(code),
        active=True,
    )
    return TicketType.objects.filter(hidden=True, codes__in=promo)


def campaign_is_visible(*, campaign: Campaign, user: User | None) -> bool:
    """Public once published; drafts only to their seller and super admins."""
    if campaign.status in PUBLIC_STATUSES:
        return True
    if user is None or not user.is_authenticated:
        return False
    return campaign.seller_id == user.pk or user.role == Role.SUPER_ADMIN


def campaign_get_visible(
    *, user: User | None, campaign_id: int | None = None, slug: str = "", code: str = ""
) -> Campaign:
    """The campaign with the ticket types `user` may see, or Http404 when it does not exist
    for them. Hidden types are listed to the seller and super admins, and to anyone who
    gives a `code` that unlocks them."""
    lookup = {"pk": campaign_id} if campaign_id is not None else {"slug": slug}
    campaign = Campaign.objects.select_related("seller").filter(**lookup).first()
    if campaign is None or not campaign_is_visible(campaign=campaign, user=user):
        raise Http404("No such campaign.")
    types = TicketType.objects.all()
    if not _sees_hidden_types(seller_id=campaign.seller_id, user=user):
        unlocked = code_unlocks(campaign_id=campaign.pk, code=code) if code else []
        types = types.filter(Q(hidden=False) | Q(pk__in=unlocked))
    prefetch_related_objects(
        [campaign], Prefetch("ticket_types", queryset=types.order_by("position", "id"))
    )
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
        .annotate(min_price=Min("ticket_types__price", filter=Q(ticket_types__hidden=False)))
        .order_by("starts_at", "id"),
        types=TicketType.objects.filter(hidden=False),
    )


def campaign_list_public(*, filters) -> CampaignFilter:
    """The public search as a bound FilterSet: `.qs` for results, `.form` for the page."""
    return CampaignFilter(filters, queryset=campaign_public_queryset())


def campaign_list_for_seller(*, seller: User) -> QuerySet:
    """Every campaign of a seller, newest start first, with its ticket types."""
    return _with_ticket_types(Campaign.objects.filter(seller=seller).order_by("-starts_at", "-id"))
