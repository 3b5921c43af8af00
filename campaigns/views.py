"""Pages of the campaigns app: search, campaign page and its calendar file, the seller's
pages, invitations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors as accounts_selectors
from accounts import services as accounts_services
from accounts.decorators import seller_required
from accounts.models import ManagerInvitation
from campaigns import selectors, services
from campaigns.calendar import campaign_ics, campaign_ics_filename
from campaigns.forms import (
    TICKET_TYPE_FIELDS,
    CampaignForm,
    ManagerForm,
    TicketTypeFormSet,
    form_zone,
    ticket_type_rows,
)
from campaigns.models import CODE_MAX_LENGTH, Campaign
from core.errors import DomainError
from core.http import client_ip
from core.local_time import zone_of

PAGE_SIZE = 12


def _own_campaign(request, pk: int) -> Campaign:
    return get_object_or_404(Campaign, pk=pk, seller=request.user)


def home(request):
    search = selectors.campaign_list_public(filters=request.GET)
    results = search.qs if search.is_valid() else Campaign.objects.none()
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "campaigns/home.html",
        {"form": search.form, "page": page, "query": query.urlencode()},
    )


def campaign_detail(request, slug: str):
    """The campaign page; `?code=` lists the hidden types the code unlocks and puts the code
    in the booking form."""
    code = request.GET.get("code", "")[:CODE_MAX_LENGTH]
    campaign = selectors.campaign_get_visible(slug=slug, user=request.user, code=code)
    if campaign.seller_id != request.user.pk:
        services.campaign_view_record(campaign_id=campaign.pk)
    return render(
        request,
        "campaigns/detail.html",
        {"campaign": campaign, "is_owner": campaign.seller_id == request.user.pk, "code": code},
    )


def campaign_calendar(request, slug: str):
    """The campaign as an .ics file ("Add to calendar"), for whoever may see its page."""
    campaign = selectors.campaign_get_visible(slug=slug, user=request.user)
    response = HttpResponse(campaign_ics(campaign), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{campaign_ics_filename(campaign)}"'
    return response


@seller_required
def seller_dashboard(request):
    campaigns = list(selectors.campaign_list_for_seller(seller=request.user))
    rows = [
        {
            "campaign": campaign,
            "capacity": sum(t.capacity for t in campaign.ticket_types.all()),
            "reserved": sum(t.reserved for t in campaign.ticket_types.all()),
        }
        for campaign in campaigns
    ]
    headline = {
        "live": sum(c.status == Campaign.Status.PUBLISHED for c in campaigns),
        "drafts": sum(c.status == Campaign.Status.DRAFT for c in campaigns),
        "reserved": sum(row["reserved"] for row in rows),
        "views": sum(c.views_count for c in campaigns),
    }
    return render(request, "campaigns/dashboard.html", {"rows": rows, "headline": headline})


def _initial_rows(campaign: Campaign) -> list[dict]:
    return [
        {"id": t.pk, **{name: getattr(t, name) for name in TICKET_TYPE_FIELDS}}
        for t in campaign.ticket_types.all()
    ]


@seller_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk: int | None = None):
    """Create (no pk) or edit a campaign with its ticket-type rows; the times typed and shown
    are the venue's local times."""
    campaign = _own_campaign(request, pk) if pk else None
    with timezone.override(zone_of(form_zone(request.POST, campaign))):
        return _campaign_form(request, campaign)


def _campaign_form(request, campaign: Campaign | None):
    form = CampaignForm(request.POST or None, instance=campaign)
    rows = TicketTypeFormSet(
        request.POST or None,
        prefix="types",
        initial=_initial_rows(campaign) if campaign and not request.POST else None,
    )
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        fields = {name: form.cleaned_data[name] for name in CampaignForm.Meta.fields}
        try:
            if campaign is None:
                campaign = services.campaign_create(
                    seller=request.user,
                    ticket_types=ticket_type_rows(rows),
                    ip=client_ip(request),
                    **fields,
                )
                messages.success(request, "Draft saved. Publish it when you are ready.")
            else:
                services.campaign_update(
                    campaign_id=campaign.pk,
                    user=request.user,
                    ticket_types=ticket_type_rows(rows),
                    ip=client_ip(request),
                    **fields,
                )
                messages.success(request, "Campaign saved.")
        except DomainError as exc:
            _show_refusal(request, form, rows, exc)
        else:
            return redirect("seller-dashboard")
    return render(
        request, "campaigns/form.html", {"form": form, "rows": rows, "campaign": campaign}
    )


def _show_refusal(request, form, rows, error: DomainError) -> None:
    """Put a refusal of the services beside the fields it names, the rest above the form."""
    fields = error.extra.get("fields", {})
    kept_rows = [row for row in rows.forms if not row.cleaned_data.get("DELETE")]
    for name, faults in fields.items():
        if name == "ticket_types":
            for row, row_faults in zip(kept_rows, faults, strict=True):
                for row_field, row_messages in row_faults.items():
                    row.add_error(row_field, row_messages)
        else:
            form.add_error(name, faults)
    if not fields:
        messages.error(request, error.detail)


def _lifecycle(request, pk: int, action, done: str):
    campaign = _own_campaign(request, pk)
    try:
        action(campaign_id=campaign.pk, user=request.user, ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done)
    return redirect("seller-dashboard")


@seller_required
@require_POST
def campaign_publish(request, pk: int):
    return _lifecycle(request, pk, services.campaign_publish, "Published: it is on sale now.")


@seller_required
@require_http_methods(["GET", "POST"])
def campaign_managers(request, pk: int):
    campaign = _own_campaign(request, pk)
    form = ManagerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        removing = request.POST.get("action") == "remove"
        action = services.manager_remove if removing else services.manager_assign
        try:
            added = action(
                campaign_id=campaign.pk, user=request.user, email=email, ip=client_ip(request)
            )
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            if removing:
                messages.success(request, f"{email} no longer manages this campaign.")
            elif isinstance(added, ManagerInvitation):
                messages.success(request, f"Invitation sent to {email}.")
            else:
                messages.success(request, f"{email} now manages this campaign.")
            return redirect("seller-campaign-managers", pk=campaign.pk)
    invitations = campaign.manager_invitations.filter(
        status=ManagerInvitation.Status.PENDING
    ).order_by("email")
    return render(
        request,
        "campaigns/managers.html",
        {
            "campaign": campaign,
            "form": form,
            "managers": campaign.managers.order_by("email"),
            "invitations": invitations,
        },
    )


@login_required
def my_invitations(request):
    """The invitations to manage campaigns that the signed-in user can still accept."""
    invitations = (
        accounts_selectors.manager_invitations_open_for(user=request.user)
        .select_related("invited_by")
        .prefetch_related("target")
        .order_by("expires_at", "pk")
    )
    return render(request, "campaigns/invitations.html", {"invitations": invitations})


@login_required
@require_POST
def invitation_answer(request, pk: int, answer: str):
    try:
        if answer == "accept":
            invitation = services.manager_invitation_accept(
                invitation_id=pk, user=request.user, ip=client_ip(request)
            )
            messages.success(request, f"You now manage {invitation.target}.")
        else:
            accounts_services.manager_invitation_decline(
                invitation_id=pk, user=request.user, ip=client_ip(request)
            )
            messages.success(request, "Invitation declined.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("manager-invitations")
