"""allauth adapters: Google is the only way in, and it fills the user's name."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Local (password) sign-up is closed; new users arrive through Google.
        return False


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
