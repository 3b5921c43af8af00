"""Small request helpers shared by views of every app."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address: throttles, the audit trail and the request log all use this.

    Without trusted proxies (NUM_PROXIES unset or 0) it is the socket's peer, whatever
    `X-Forwarded-For` says, so a client cannot choose its own address. Behind NUM_PROXIES
    proxies it is the hop the outermost trusted proxy appended, counted from the right (a
    hop that is not an address falls back to the peer). Only IP addresses are returned, so
    nothing else ever reaches an `inet` column.
    """
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            address = _ip(hops[-min(proxies, len(hops))])
            if address is not None:
                return address
    return _ip(request.META.get("REMOTE_ADDR", ""))


def _ip(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # A zone (fe80::1%eth0) is local to the host and PostgreSQL's inet refuses it.
    return None if getattr(address, "scope_id", None) else str(address)
