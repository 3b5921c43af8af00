"""The seller's code pages: list with usage, create one or a batch, edit, deactivate."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import seller_required
from bookings.codes import selectors, services
from bookings.codes.forms import CodeForm
from campaigns.models import Campaign
from core.errors import DomainError

PAGE_SIZE = 50


def _show_refusal(form: CodeForm, exc: DomainError) -> None:
    """A service's refusal beside the field it names, else above the form."""
    fields = exc.extra.get("fields") or {}
    named = [name for name in fields if name in form.fields]
    for name in named:
        for message in fields[name]:
            form.add_error(name, message)
    if not named:
        form.add_error(None, exc.detail)


@seller_required
@require_http_methods(["GET", "POST"])
def campaign_codes(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk, seller=request.user)
    form = CodeForm(request.POST or None, campaign=campaign, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.promo_codes_create(
                campaign=campaign,
                actor=request.user,
                code=form.cleaned_data["code"],
                count=form.cleaned_data["count"] if not form.cleaned_data["code"] else None,
                **form.settings(),
            )
        except DomainError as exc:
            _show_refusal(form, exc)
        else:
            messages.success(
                request,
                f"Code {created[0].code} created."
                if len(created) == 1
                else f"{len(created)} codes generated.",
            )
            return redirect("seller-campaign-codes", pk=campaign.pk)
    page = Paginator(selectors.codes_with_usage(campaign_id=campaign.pk), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "bookings/codes.html", {"campaign": campaign, "form": form, "page": page}
    )


@seller_required
@require_http_methods(["GET", "POST"])
def code_edit(request, pk: int):
    promo = selectors.code_get_owned(code_id=pk, user=request.user)
    campaign = promo.campaign
    initial = {name: getattr(promo, name) for name in services.CODE_FIELDS}
    initial["ticket_types"] = [t.pk for t in promo.ticket_types.all()]
    form = CodeForm(request.POST or None, campaign=campaign, creating=False, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.promo_code_update(promo=promo, actor=request.user, changes=form.settings())
        except DomainError as exc:
            _show_refusal(form, exc)
        else:
            messages.success(request, f"Code {promo.code} saved.")
            return redirect("seller-campaign-codes", pk=campaign.pk)
    return render(
        request, "bookings/code_edit.html", {"campaign": campaign, "promo": promo, "form": form}
    )


@seller_required
@require_POST
def code_deactivate(request, pk: int):
    promo = selectors.code_get_owned(code_id=pk, user=request.user)
    services.promo_code_deactivate(promo=promo, actor=request.user)
    messages.success(request, f"Code {promo.code} deactivated; its uses stay on record.")
    return redirect("seller-campaign-codes", pk=promo.campaign_id)
