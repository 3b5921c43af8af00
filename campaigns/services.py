"""Every write of the campaigns app: create, edit, publish, cancel, end, managers, views."""

import base64
import secrets
from collections import defaultdict

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.text import slugify

from accounts import services as accounts_services
from accounts.models import ManagerInvitation, Role, User
from accounts.services import audit_event_record
from campaigns import analytics, live
from campaigns.models import Campaign, CampaignDailyViews, CampaignKey, TicketType
from campaigns.timezones import default_zone_for_country
from campaigns.validators import validate_attribute_labels
from core.crypto import new_key
from core.errors import Conflict, Invalid, InvalidTransition, NotFound, NotPermitted
from core.local_time import is_known_zone
from core.locking import lock, lock_one

EDITABLE_STATUSES = (Campaign.Status.DRAFT, Campaign.Status.PUBLISHED)
SALES_WINDOW_MESSAGE = "Sales must end after they start."


class CapacityBelowReserved(Conflict):
    code = "capacity_below_reserved"
    default_detail = "Capacity cannot go below the seats already reserved."


class CurrencyLocked(Conflict):
    code = "currency_locked"
    default_detail = "The currency cannot change while seats are held or sold."


class TicketTypeInUse(Conflict):
    code = "ticket_type_in_use"
    default_detail = "A ticket type with reservations or bookings cannot be removed."


class UnknownTicketType(Invalid):
    code = "unknown_ticket_type"
    default_detail = "A ticket type id does not belong to this campaign."


class InvalidCampaign(Invalid):
    """Breaks a rule of campaigns; `fields` names each field at fault, as the API's input
    errors do (`ticket_types` lists one object per ticket type)."""

    default_detail = "The campaign is not valid."


class InvalidAttributeLabels(Invalid):
    default_detail = "Attribute labels must name attributes of their ticket type."


class NotPublishable(Invalid):
    code = "not_publishable"
    default_detail = "This campaign cannot be published yet."


class ManagerNotAssignable(Conflict):
    code = "not_assignable"
    default_detail = "You own this campaign: invite someone else to manage it."


class NotAManager(NotFound):
    default_detail = "This user neither manages this campaign nor is invited to."


def _unique_slug(title: str) -> str:
    """The title's slug, with a random suffix when another campaign already has it."""
    base = slugify(title)[:200] or "campaign"
    if not Campaign.objects.filter(slug=base).exists():
        return base
    return f"{base}-{secrets.token_hex(3)}"


def _sales_window_errors(item: dict, current: TicketType | None) -> dict[str, list[str]]:
    start = item.get("sales_start", current.sales_start if current else None)
    end = item.get("sales_end", current.sales_end if current else None)
    if start and end and end <= start:
        return {"sales_end": [SALES_WINDOW_MESSAGE]}
    return {}


def _check_rules(
    *,
    campaign: Campaign | None,
    fields: dict,
    ticket_types: list[dict] | None,
    current_types: dict[int, TicketType],
) -> None:
    """The rules of a new campaign (`campaign` None) or of changes to one, for the API and
    the pages alike: it ends after it starts, a start set or moved is in the future, the time
    zone is an IANA name, names and transfers close by the start, a refund policy "until N
    days before" names N, VAT is a percentage, and each ticket type's sales end after they
    start. Raises InvalidCampaign naming every fault."""
    errors: dict[str, list] = {}
    if "timezone" in fields and not is_known_zone(fields["timezone"]):
        errors["timezone"] = [f"Unknown time zone {fields['timezone']!r}: use an IANA name."]
    starts = fields.get("starts_at", campaign.starts_at if campaign else None)
    ends = fields.get("ends_at", campaign.ends_at if campaign else None)
    if ends <= starts:
        errors["ends_at"] = ["The campaign must end after it starts."]
    moved = "starts_at" in fields and (campaign is None or starts != campaign.starts_at)
    if moved and starts <= timezone.now():
        errors["starts_at"] = ["The start must be in the future."]
    cutoff = fields.get("name_change_cutoff", campaign.name_change_cutoff if campaign else None)
    if cutoff and cutoff > starts:
        errors["name_change_cutoff"] = ["Name changes and transfers must close by the start."]
    policy = fields.get("refund_policy", campaign.refund_policy if campaign else None)
    days = fields.get("refund_days_before", campaign.refund_days_before if campaign else None)
    if policy == Campaign.RefundPolicy.UNTIL_DAYS_BEFORE and days is None:
        errors["refund_days_before"] = ["Give the days before the start that refunds end."]
    if not 0 <= fields.get("vat_rate", 0) < 100:
        errors["vat_rate"] = ["VAT is a percentage from 0 to 99.99."]
    windows = [
        _sales_window_errors(item, current_types.get(item.get("id"))) for item in ticket_types or []
    ]
    if any(windows):
        errors["ticket_types"] = windows
    if errors:
        field, faults = next(iter(errors.items()))
        detail = SALES_WINDOW_MESSAGE if field == "ticket_types" else faults[0]
        raise InvalidCampaign(detail, fields=errors)


def _lock_owned(*, campaign_id: int, user: User) -> Campaign:
    """Lock the campaign row; call inside a transaction. Only its seller may change it, or a
    super admin (through the Django admin's actions)."""
    campaign = lock_one(Campaign.objects, pk=campaign_id)
    if campaign.seller_id != user.pk and user.role != Role.SUPER_ADMIN:
        raise NotPermitted("Only the campaign's seller can change it.")
    return campaign


def _check_attribute_labels(ticket_type: TicketType, *, labels_given: bool) -> None:
    """Labels given with a change must name its attributes; labels of attributes that a change
    removed are dropped (nothing would show them)."""
    attributes, labels = ticket_type.attributes or {}, ticket_type.attribute_labels or {}
    if not labels_given:
        ticket_type.attribute_labels = {k: v for k, v in labels.items() if k in attributes}
        return
    try:
        validate_attribute_labels(labels, attributes)
    except ValidationError as exc:
        raise InvalidAttributeLabels(
            exc.messages[0], fields={"attribute_labels": exc.messages}
        ) from exc


def campaign_create(
    *, seller: User, ticket_types: list[dict], ip: str | None = None, **fields
) -> Campaign:
    """A DRAFT campaign with its ticket types and its first QR key (version 1). Without a
    `timezone` (or with an empty one) it takes its country's (campaigns.timezones)."""
    if seller.role != Role.SELLER:
        raise NotPermitted("Only approved sellers can create campaigns.")
    fields["timezone"] = fields.get("timezone") or default_zone_for_country(fields["country"])
    _check_rules(campaign=None, fields=fields, ticket_types=ticket_types, current_types={})
    new_types = [
        TicketType(position=position, **item) for position, item in enumerate(ticket_types)
    ]
    for ticket_type in new_types:
        _check_attribute_labels(ticket_type, labels_given=True)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            seller=seller, slug=_unique_slug(fields["title"]), **fields
        )
        for ticket_type in new_types:
            ticket_type.campaign = campaign
        TicketType.objects.bulk_create(new_types)
        CampaignKey.objects.create(
            campaign=campaign, version=1, secret=base64.b64encode(new_key()).decode()
        )
        audit_event_record(actor=seller, action="campaign.created", target=campaign, ip=ip)
    return campaign


def _sync_ticket_types(
    *, campaign: Campaign, locked: dict[int, TicketType], items: list[dict]
) -> None:
    """Make the campaign's ticket types match `items`: ids update, new rows are added,
    the rest are removed. Call holding the locks of every row in `locked`."""
    kept: set[int] = set()
    for position, item in enumerate(items):
        values = dict(item)
        pk = values.pop("id", None)
        if pk is None:
            ticket_type = TicketType(campaign=campaign, position=position, **values)
            _check_attribute_labels(ticket_type, labels_given=True)
            ticket_type.save()
            continue
        ticket_type = locked.get(pk)
        if ticket_type is None or pk in kept:
            raise UnknownTicketType(f"Ticket type {pk} does not belong to this campaign.")
        kept.add(pk)
        if values.get("capacity", ticket_type.capacity) < ticket_type.reserved:
            raise CapacityBelowReserved(
                f"{ticket_type.name} has {ticket_type.reserved} seats reserved; "
                "capacity cannot go below that."
            )
        for name, value in values.items():
            setattr(ticket_type, name, value)
        _check_attribute_labels(ticket_type, labels_given="attribute_labels" in values)
        ticket_type.position = position
        ticket_type.save()
    removed = [ticket_type for pk, ticket_type in locked.items() if pk not in kept]
    for ticket_type in removed:
        if ticket_type.reserved:
            raise TicketTypeInUse(f"{ticket_type.name} has reservations and cannot be removed.")
    try:
        TicketType.objects.filter(pk__in=[ticket_type.pk for ticket_type in removed]).delete()
    except (ProtectedError, RestrictedError) as exc:
        raise TicketTypeInUse("A ticket type with bookings cannot be removed.") from exc


# What ticket holders planned around: a change of one of these is announced to them.
TIME_AND_PLACE = ("starts_at", "ends_at", "venue_name", "venue_address", "city", "country")


def _moves(campaign: Campaign, fields: dict) -> bool:
    return any(
        name in fields and fields[name] != getattr(campaign, name) for name in TIME_AND_PLACE
    )


def campaign_move_announced(*, campaign_id: int, moved_at) -> None:
    """Record that the holders were told of the move of `moved_at` (a later move stays due)."""
    Campaign.objects.filter(pk=campaign_id, moved_at=moved_at).update(move_announced_at=moved_at)


def campaign_update(
    *,
    campaign_id: int,
    user: User,
    ticket_types: list[dict] | None = None,
    ip: str | None = None,
    **fields,
) -> Campaign:
    """Edit a draft or published campaign; `ticket_types`, when given, is the full new list.

    Prices may change at any time: bookings copy unit prices, so only new bookings see them.
    """
    with transaction.atomic():
        campaign = _lock_owned(campaign_id=campaign_id, user=user)
        if campaign.status not in EDITABLE_STATUSES:
            raise InvalidTransition(f"A campaign that is {campaign.status} cannot be edited.")
        locked = {
            ticket_type.pk: ticket_type
            for ticket_type in lock(TicketType.objects.filter(campaign=campaign))
        }
        if "timezone" in fields and not fields["timezone"]:
            fields["timezone"] = default_zone_for_country(fields.get("country", campaign.country))
        _check_rules(
            campaign=campaign, fields=fields, ticket_types=ticket_types, current_types=locked
        )
        currency = fields.get("currency", campaign.currency)
        if currency != campaign.currency and any(t.reserved for t in locked.values()):
            raise CurrencyLocked()
        if campaign.status == Campaign.Status.PUBLISHED and _moves(campaign, fields):
            campaign.moved_at = timezone.now()
        for name, value in fields.items():
            setattr(campaign, name, value)
        campaign.save()
        if ticket_types is not None:
            _sync_ticket_types(campaign=campaign, locked=locked, items=ticket_types)
            live.availability_changed(campaign.pk)
        audit_event_record(
            actor=user,
            action="campaign.updated",
            target=campaign,
            ip=ip,
            metadata={"fields": sorted(fields) + (["ticket_types"] if ticket_types else [])},
        )
    return campaign


def campaign_publish(*, campaign_id: int, user: User, ip: str | None = None) -> Campaign:
    """DRAFT -> PUBLISHED: needs a ticket type and a start in the future."""
    with transaction.atomic():
        campaign = _lock_owned(campaign_id=campaign_id, user=user)
        if campaign.status != Campaign.Status.DRAFT:
            raise InvalidTransition(f"Only drafts can be published; this one is {campaign.status}.")
        if not campaign.ticket_types.exists():
            raise NotPublishable("Add at least one ticket type before publishing.")
        if campaign.starts_at <= timezone.now():
            raise NotPublishable("The campaign must start in the future to be published.")
        campaign.status = Campaign.Status.PUBLISHED
        campaign.published_at = timezone.now()
        campaign.save(update_fields=["status", "published_at", "updated_at"])
        audit_event_record(actor=user, action="campaign.published", target=campaign, ip=ip)
    return campaign


def campaign_cancel(*, campaign_id: int, user: User, ip: str | None = None) -> Campaign:
    """DRAFT or PUBLISHED -> CANCELLED. Sales stop with the commit (bookings sell only
    published campaigns). What follows, releasing holds and refunding paid bookings, is the
    work of the apps above, which own it."""
    with transaction.atomic():
        campaign = _lock_owned(campaign_id=campaign_id, user=user)
        if campaign.status not in EDITABLE_STATUSES:
            raise InvalidTransition(f"A campaign that is {campaign.status} cannot be cancelled.")
        campaign.status = Campaign.Status.CANCELLED
        campaign.cancelled_at = timezone.now()
        campaign.save(update_fields=["status", "cancelled_at", "updated_at"])
        audit_event_record(actor=user, action="campaign.cancelled", target=campaign, ip=ip)
    return campaign


def campaign_end_finished() -> int:
    """PUBLISHED campaigns whose end has passed become ENDED; returns how many."""
    with transaction.atomic():
        return Campaign.objects.filter(
            status=Campaign.Status.PUBLISHED, ends_at__lte=timezone.now()
        ).update(status=Campaign.Status.ENDED, updated_at=timezone.now())


def _assign(*, campaign: Campaign, manager: User, actor: User, ip: str | None) -> None:
    """Add a manager to a campaign locked by the caller, audited; already there: nothing."""
    if campaign.managers.filter(pk=manager.pk).exists():
        return
    campaign.managers.add(manager)
    audit_event_record(
        actor=actor,
        action="campaign.manager_assigned",
        target=campaign,
        ip=ip,
        metadata={"manager": manager.email},
    )


def manager_assign(
    *, campaign_id: int, user: User, email: str, ip: str | None = None
) -> User | ManagerInvitation:
    """Add a manager by e-mail: a user whose role is manager (or who already manages the
    campaign) is assigned at once and returned; anyone else is invited, and the invitation
    returned. Nobody's role changes here: an invitee's changes only when they accept."""
    email = accounts_services.normalize_email(email)
    with transaction.atomic():
        campaign = _lock_owned(campaign_id=campaign_id, user=user)
        if email == user.email:
            raise ManagerNotAssignable()
        manager = User.objects.filter(email=email).first()
        if manager is not None and (
            manager.role == Role.MANAGER or campaign.managers.filter(pk=manager.pk).exists()
        ):
            _assign(campaign=campaign, manager=manager, actor=user, ip=ip)
            return manager
        return accounts_services.manager_invitation_send(
            target=campaign, email=email, invited_by=user, ip=ip
        )


def manager_remove(*, campaign_id: int, user: User, email: str, ip: str | None = None) -> None:
    """Take a manager off the campaign and withdraw a pending invitation of that e-mail.

    The manager's role stays (they may manage others)."""
    email = accounts_services.normalize_email(email)
    with transaction.atomic():
        campaign = _lock_owned(campaign_id=campaign_id, user=user)
        revoked = accounts_services.manager_invitation_revoke(
            target=campaign, email=email, actor=user, ip=ip
        )
        manager = campaign.managers.filter(email=email).first()
        if manager is None:
            if revoked:
                return
            raise NotAManager(f"{email} neither manages this campaign nor is invited to.")
        campaign.managers.remove(manager)
        audit_event_record(
            actor=user,
            action="campaign.manager_removed",
            target=campaign,
            ip=ip,
            metadata={"manager": manager.email},
        )


def manager_invitation_accept(
    *, invitation_id: int, user: User, ip: str | None = None
) -> ManagerInvitation:
    """The invitee accepts: assigned to the campaign once, whatever the replays and races.

    Locks the campaign, then the invitation (the order every change of managers takes).
    A seller or super admin keeps their role: being assigned does not let them scan, which
    stays with the manager role (validation's permission checks).
    """
    campaign_id = (
        ManagerInvitation.objects.filter(
            pk=invitation_id, target_type=ContentType.objects.get_for_model(Campaign)
        )
        .values_list("target_id", flat=True)
        .first()
    )
    if campaign_id is None:
        raise accounts_services.InvitationNotFound()
    with transaction.atomic():
        campaign = lock_one(Campaign.objects, pk=campaign_id)
        invitation, accepted_now = accounts_services.manager_invitation_accept(
            invitation_id=invitation_id, user=user, ip=ip
        )
        if accepted_now:
            _assign(campaign=campaign, manager=user, actor=user, ip=ip)
    return invitation


def _add_views(campaign_id: int, day, views: int) -> None:
    """Add views to the campaign and its day; call inside a transaction."""
    daily, _ = CampaignDailyViews.objects.get_or_create(campaign_id=campaign_id, day=day)
    CampaignDailyViews.objects.filter(pk=daily.pk).update(views=F("views") + views)
    Campaign.objects.filter(pk=campaign_id).update(views_count=F("views_count") + views)


def campaign_view_record(*, campaign_id: int) -> None:
    """Count one detail view: in Redis when configured (folded in by a beat job), else
    straight into the database (the single-process `make run` default)."""
    if settings.REDIS_URL:
        analytics.view_counter_incr(campaign_id)
        return
    with transaction.atomic():
        _add_views(campaign_id, timezone.now().date(), 1)


def campaign_views_fold() -> int:
    """Move the Redis view counters into the database; returns the views folded.

    Each counter is taken with GETDEL, so a view counted meanwhile lands in a fresh counter
    for the next fold: nothing is counted twice. If the database write fails the counts go
    back into Redis.
    """
    if not settings.REDIS_URL:
        return 0
    taken = analytics.view_counts_take()
    if not taken:
        return 0
    per_day: dict[tuple[int, object], int] = defaultdict(int)
    for campaign_id, day, views in taken:
        per_day[(campaign_id, day)] += views
    try:
        with transaction.atomic():
            existing = set(
                Campaign.objects.filter(
                    pk__in={campaign_id for campaign_id, _ in per_day}
                ).values_list("pk", flat=True)
            )
            for (campaign_id, day), views in sorted(per_day.items()):
                if campaign_id in existing:
                    _add_views(campaign_id, day, views)
    except Exception:
        analytics.view_counts_restore(taken)
        raise
    return sum(per_day.values())


def campaign_key_rotate(*, campaign_id: int, actor: User | None = None) -> CampaignKey:
    """Add the campaign's next QR key version and audit it; older versions stay readable.

    The campaign row lock serialises rotations, so two never take the same version. Call
    inside a caller's transaction to make the rotation and the re-issue of tokens one change.
    """
    with transaction.atomic():
        campaign = lock_one(Campaign.objects, pk=campaign_id)
        latest = campaign.keys.order_by("-version").values_list("version", flat=True).first()
        key = CampaignKey.objects.create(
            campaign=campaign,
            version=(latest or 0) + 1,
            secret=base64.b64encode(new_key()).decode(),
        )
        audit_event_record(
            actor=actor,
            action="campaign.key_rotated",
            target=campaign,
            metadata={"version": key.version, "previous_version": latest},
        )
    return key
