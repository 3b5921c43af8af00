from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from accounts import (
            signals,  # noqa: F401  (audit of sign-in, sign-out, throttling)
            tasks,  # noqa: F401  (the tasks that run its services)
        )


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin (named in INSTALLED_APPS) with a site whose every change lands in
    the audit trail."""

    default = False  # "accounts" itself stays AccountsConfig
    default_site = "accounts.admin_site.AuditedAdminSite"
