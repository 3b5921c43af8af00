"""Admin for users, seller applications (with review actions), and read-only manager
invitations and audit log."""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp, SocialToken
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import render

from accounts import services
from accounts.models import AuditEvent, ManagerInvitation, SellerApplication, User
from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from core.http import client_ip

# Google is configured in settings and is the only way in: addresses come from Google and no
# tokens are stored, so these allauth tables are not edited here (a second Google app in the
# database would even break the sign-in).
for model in (EmailAddress, SocialApp, SocialToken):
    admin.site.unregister(model)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "name", "phone"]
    readonly_fields = ["role", "date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "phone", "role"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name"]})]
    actions = ["make_customer", "make_seller", "make_manager", "make_super_admin"]

    def _set_role(self, request, queryset, role):
        for user in queryset:
            services.user_set_role(user=user, role=role, actor=request.user, ip=client_ip(request))
        self.message_user(request, f"{queryset.count()} user(s) are now {role}.")

    @admin.action(description="Set role: customer")
    def make_customer(self, request, queryset):
        self._set_role(request, queryset, "customer")

    @admin.action(description="Set role: seller")
    def make_seller(self, request, queryset):
        self._set_role(request, queryset, "seller")

    @admin.action(description="Set role: manager")
    def make_manager(self, request, queryset):
        self._set_role(request, queryset, "manager")

    @admin.action(description="Set role: super admin")
    def make_super_admin(self, request, queryset):
        self._set_role(request, queryset, "super_admin")


@admin.register(SellerApplication)
class SellerApplicationAdmin(admin.ModelAdmin):
    list_display = ["business_name", "user", "business_type", "country", "status", "created_at"]
    # No country filter (250 entries): search finds a country by its code.
    list_filter = ["status", "business_type"]
    search_fields = ["business_name", "user__email", "phone", "=country"]
    list_select_related = ["user"]
    readonly_fields = ["user", "status", "reviewed_at", "reviewed_by", "created_at"]
    actions = ["approve", "reject"]

    @admin.action(description="Approve selected applications")
    def approve(self, request, queryset):
        self._review(request, queryset, services.seller_application_approve, {})

    @admin.action(description="Reject selected applications…")
    def reject(self, request, queryset):
        """Asks for the reason on an intermediate page, then rejects with it."""
        reason = request.POST.get("reason", "").strip()
        if "apply" in request.POST and reason:
            self._review(request, queryset, services.seller_application_reject, {"reason": reason})
            return None
        return render(
            request,
            "admin/accounts/sellerapplication/reject.html",
            {
                **self.admin_site.each_context(request),
                "applications": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )

    def _review(self, request, queryset, service, extra):
        done = 0
        for application in queryset:
            try:
                service(
                    application_id=application.pk,
                    reviewer=request.user,
                    ip=client_ip(request),
                    **extra,
                )
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{application}: {exc.detail}", messages.WARNING)
        self.message_user(request, f"{done} application(s) reviewed.")


@admin.register(ManagerInvitation)
class ManagerInvitationAdmin(ReadOnlyAdmin):
    """Invitations change only through their invitee and the campaign's seller."""

    list_display = ["email", "target", "status", "expires_at", "invited_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["email", "invited_by__email"]
    list_select_related = ["invited_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor", "target_type", "target_id", "ip"]
    list_filter = ["action", "created_at"]
    search_fields = ["action", "actor__email", "target_id", "ip"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
