"""The admin site: every ModelAdmin registered on it, ours or a library's, mirrors its
LogEntry rows into the audit trail."""

from django.contrib import admin

from accounts import services
from core.http import client_ip


class AuditedModelAdmin:
    """Mixed into each registered ModelAdmin (see AuditedAdminSite.register).

    The admin's own log_* methods are the one place that knows every change it makes, the
    request (so the admin's address) and, for bulk deletions, all the objects: a post_save
    receiver on LogEntry would miss those, which Django writes with bulk_create.
    """

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        services.audit_admin_log_entries(entries=[entry], ip=client_ip(request))
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if entry is not None:  # an admin may log nothing for a change it refused
            services.audit_admin_log_entries(entries=[entry], ip=client_ip(request))
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        services.audit_admin_log_entries(entries=list(entries), ip=client_ip(request))
        return entries


class AuditedAdminSite(admin.AdminSite):
    """The default site (accounts.apps.AdminConfig). Registering subclasses the admin class
    with AuditedModelAdmin, as Django itself subclasses it when given options."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedModelAdmin):
            admin_class = type(
                admin_class.__name__,
                (AuditedModelAdmin, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)
