"""DRF authentication of API calls: allauth's session token, with a challenge."""

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from drf_spectacular.contrib.django_allauth import XSessionTokenAuthenticationScheme


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """The `X-Session-Token` of mobile and scripted clients, first in line.

    DRF answers an unauthenticated call 401 only when the first authentication class names a
    `WWW-Authenticate` challenge, and 403 otherwise; this one does. Browsers still sign in
    by session cookie (SessionAuthentication, second, keeps its CSRF check).
    """

    def authenticate_header(self, request) -> str:
        return 'Session realm="api", header="X-Session-Token"'


class SessionTokenAuthenticationScheme(XSessionTokenAuthenticationScheme):
    """The schema documents it as allauth's `X-Session-Token` header."""

    target_class = SessionTokenAuthentication
