"""Who is asking, by address: the reader's IP behind trusted proxies, and the network it is.

Two questions with two answers. ``client_address`` is the reader's address as
their connection shows it (stored with a comment for moderators).
``client_network`` is what rate limits and login lockouts count by: an IPv6
reader controls a whole /64, so every address in it is one reader.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The reader's own address (None for a Unix socket or garbage).

    Behind ``TRUSTED_PROXY_COUNT`` reverse proxies that each append to
    X-Forwarded-For, the reader is the entry the outermost of them appended;
    entries further left are whatever the client sent, so never trusted.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def client_network(request: HttpRequest) -> str | None:
    """The reader's address as one network, for counting: an IPv6 reader controls a whole /64."""
    ip = client_address(request)
    if ip is None:
        # A Unix socket has no address; per-account limits still apply.
        return None
    prefix = 64 if ip.version == 6 else 32
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def stored_address(request: HttpRequest) -> str | None:
    """The reader's address as stored with what they write (behind proxies too)."""
    address = client_address(request)
    return str(address) if address is not None else None
