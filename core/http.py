"""Small request helpers shared by views of every app."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address, trusting `X-Forwarded-For` only behind NUM_PROXIES proxies."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR") or None
