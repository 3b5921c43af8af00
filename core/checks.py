"""Deploy checks for settings Django itself does not know about."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from core.crypto import _decode_key


@register(Tags.security, deploy=True)
def check_secrets(app_configs, **kwargs):
    errors = []
    if settings.ENCRYPTION_KEY == settings.DEV_ENCRYPTION_KEY:
        errors.append(
            Error(
                "ENCRYPTION_KEY is the development default.",
                hint="Set ENCRYPTION_KEY to 32 random bytes in standard base64.",
                id="platform.E001",
            )
        )
    else:
        try:
            _decode_key(settings.ENCRYPTION_KEY)
        except ValueError as exc:
            errors.append(Error(str(exc), id="platform.E002"))
    return errors
