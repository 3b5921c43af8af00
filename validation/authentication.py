"""`X-Device-Token`: the credential of a paired scanner device (validation.models.ScannerDevice).

A device token opens the door endpoints of its one campaign and nothing else. This class is
among the API's default authenticators so that it sees every call: on a view that does not
say `allows_devices = True` a device token is refused (401) however public the view, rather
than ignored. On a door view the caller is the device's pairer (`request.user`, who answers
for its scans) with the device as `request.auth`; views then scope the device to its campaign.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from validation import services

HEADER = "HTTP_X_DEVICE_TOKEN"


class DeviceNotAllowed(exceptions.AuthenticationFailed):
    default_code = "device_not_allowed"
    default_detail = "A scanner device's token opens the door endpoints only."


class UnknownDeviceToken(exceptions.AuthenticationFailed):
    default_code = "invalid_device_token"
    default_detail = "This device token is not valid. Pair the scanner again."


class PairerGone(exceptions.AuthenticationFailed):
    default_code = "device_pairer_removed"
    default_detail = (
        "The person who added this scanner no longer runs this door. Ask the organiser to "
        "add it again."
    )


class DeviceRevoked(exceptions.AuthenticationFailed):
    default_code = "device_revoked"
    default_detail = "This scanner was revoked. Ask the organiser to add it again."

    def __init__(self, device):
        super().__init__()
        self.device = device


class DeviceTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        token = request.META.get(HEADER)
        if token is None:
            return None
        view = (request.parser_context or {}).get("view")
        if not getattr(view, "allows_devices", False):
            raise DeviceNotAllowed()
        if not token or len(token) > 100:
            raise UnknownDeviceToken()
        device = services.device_for_token(token)
        if device is None:
            raise UnknownDeviceToken()
        if device.revoked_at is not None:
            raise DeviceRevoked(device)
        if not device.pairer_on_door:
            # A manager taken off the campaign takes the scanners they added with them.
            raise PairerGone()
        services.device_seen(device=device)
        return device.paired_by, device

    def authenticate_header(self, request) -> str:
        return 'Device realm="door", header="X-Device-Token"'


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    """The schema names the header on the door endpoints (those that take devices)."""

    target_class = DeviceTokenAuthentication
    name = "deviceToken"

    def get_security_requirement(self, auto_schema):
        """Listed only on the door endpoints: everywhere else the token is refused."""
        if getattr(auto_schema.view, "allows_devices", False):
            return {self.name: []}
        return None

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Device-Token",
            "description": (
                "A paired scanner device's token (POST /api/v1/validation/devices/pair/): "
                "its campaign's door endpoints only; 401 anywhere else."
            ),
        }
