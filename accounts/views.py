"""Pages of the accounts app: sign-in, the development demo sign-in, seller application,
the deletion of one's account."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import SellerApplicationForm
from accounts.models import User
from core.errors import DomainError
from core.http import client_ip


@require_http_methods(["GET", "POST"])
def demo_login(request):
    """Sign in as any seeded user without Google. Exists only with DEBUG on."""
    if not settings.DEBUG:
        raise Http404
    if request.method == "POST":
        user = get_object_or_404(User, pk=request.POST.get("user"), is_active=True)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(request.POST.get("next") or "/")
    users = User.objects.order_by("role", "email")[:50]
    return render(request, "accounts/demo_login.html", {"users": users})


@login_required
@require_http_methods(["GET", "POST"])
def apply_seller(request):
    applications = request.user.seller_applications.order_by("-created_at")
    form = SellerApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.seller_application_submit(
                user=request.user, ip=client_ip(request), **form.cleaned_data
            )
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, "Application received. We will e-mail you the decision.")
            return redirect("apply-seller")
    return render(
        request,
        "accounts/apply_seller.html",
        {"form": form, "applications": applications, "latest": applications.first()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    """Delete the signed-in account once the person confirms (services.user_delete)."""
    may = services.user_may_delete(user=request.user)
    if request.method == "POST" and may:
        services.user_delete(user=request.user, ip=client_ip(request))
        logout(request)
        messages.success(request, "Your account was deleted.")
        return redirect("home")
    in_use = "" if may else services.AccountInUse.default_detail
    return render(request, "accounts/delete.html", {"in_use": in_use})
