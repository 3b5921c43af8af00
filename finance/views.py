"""The seller finance page: balances, ledger, payouts, withdrawal methods, a withdraw form."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import seller_required
from core.errors import DomainError
from core.http import client_ip
from core.money_format import format_money
from finance import selectors, services
from finance.forms import WithdrawalMethodForm, WithdrawForm

LEDGER_PAGE_SIZE = 25


def _page(request, *, method_form=None, withdraw_form=None):
    """The finance page; a refused form is shown again in it with its errors (a 200, as
    Django's form views answer: browsers log a 4xx page as a console error)."""
    seller = request.user
    ledger = Paginator(
        selectors.seller_ledger(seller=seller).select_related("booking"), LEDGER_PAGE_SIZE
    )
    context = {
        "balances": selectors.seller_balances(seller=seller),
        "ledger": ledger.get_page(request.GET.get("page")),
        "payouts": selectors.seller_payouts(seller=seller)[:20],
        "methods": selectors.seller_withdrawal_methods(seller=seller),
        "method_form": method_form or WithdrawalMethodForm(),
        "withdraw_form": withdraw_form or WithdrawForm(seller=seller),
    }
    return render(request, "finance/seller.html", context)


@seller_required
def seller_finance(request):
    return _page(request)


@seller_required
@require_POST
def withdrawal_method_add(request):
    form = WithdrawalMethodForm(request.POST)
    if not form.is_valid():
        return _page(request, method_form=form)
    services.withdrawal_method_add(seller=request.user, ip=client_ip(request), **form.cleaned_data)
    messages.success(request, "Withdrawal method added.")
    return redirect("seller-finance")


@seller_required
@require_POST
def withdrawal_method_remove(request, pk: int):
    try:
        services.withdrawal_method_remove(seller=request.user, method_id=pk, ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Withdrawal method removed.")
    return redirect("seller-finance")


@seller_required
@require_POST
def withdraw(request):
    form = WithdrawForm(request.POST, seller=request.user)
    if not form.is_valid():
        return _page(request, withdraw_form=form)
    try:
        payout = services.payout_request(
            seller=request.user,
            amount=form.cleaned_data["amount"],
            currency=form.cleaned_data["currency"],
            method_id=form.cleaned_data["method"],
            ip=client_ip(request),
        )
    except DomainError as exc:
        form.add_error(None, exc.detail)
        return _page(request, withdraw_form=form)
    messages.success(
        request,
        f"Withdrawal {payout.reference} of {format_money(payout.amount, payout.currency)} "
        "requested.",
    )
    return redirect("seller-finance")
