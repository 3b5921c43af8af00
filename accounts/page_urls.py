"""Page routes of the accounts app, and allauth's Google views guarded by `requires_google`
(mounted before allauth's own routes, so they answer first)."""

from allauth.socialaccount.providers.google import views as google_views
from django.urls import path

from accounts import views
from accounts.sign_in import requires_google

urlpatterns = [
    path("demo-login/", views.demo_login, name="demo-login"),
    path("seller/apply/", views.apply_seller, name="apply-seller"),
    path("account/delete/", views.account_delete, name="account-delete"),
    path("accounts/google/login/", requires_google(google_views.oauth2_login), name="google_login"),
    path(
        "accounts/google/login/callback/",
        requires_google(google_views.oauth2_callback),
        name="google_callback",
    ),
    path(
        "accounts/google/login/token/",
        requires_google(google_views.login_by_token),
        name="google_login_by_token",
    ),
]
