"""allauth adapters: Google is the only way in, and it fills the user's name."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.headless.constants import Client
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

from accounts import services
from core.http import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Local (password) sign-up is closed; new users arrive through Google.
        return False

    def logout(self, request):
        """A mobile app's logout (`DELETE /_allauth/app/v1/auth/session`) ends its session
        token: audited as a revocation, like `POST /api/v1/auth/logout/` with a token."""
        headless = getattr(getattr(request, "allauth", None), "headless", None)
        is_app = getattr(headless, "client", None) == Client.APP
        token, user = request.session.session_key, request.user
        # Read before logging out: the session and the lazy user are gone afterwards.
        revokes = is_app and token is not None and user.is_authenticated
        super().logout(request)
        if revokes:
            services.session_token_revoke(session_key=token, user=user, ip=client_ip(request))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return True

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.email = (user.email or "").lower()
        extra = sociallogin.account.extra_data or {}
        user.name = extra.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        if user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user
