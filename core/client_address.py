"""Who sent a request: the one answer every rate limit, lockout and the access log use.

A client can write anything into ``X-Forwarded-For``; only what our own reverse proxies
appended can be believed. ``PROXY_COUNT`` says how many there are in front of the desk:
each appends the address it received the request from, so the client's address is the
``PROXY_COUNT``-th entry from the right (the same rule as Django REST framework's
``NUM_PROXIES``). With none (the default) the header is ignored and the address is the
connection's own, ``REMOTE_ADDR``.
"""

import ipaddress
from collections.abc import Mapping

from django.conf import settings

# An IPv6 client is usually given a whole /64 network: counting its addresses one by one
# would give it some 2**64 chances.
IPV6_CLIENT_PREFIX = 64


def address_from(meta: Mapping[str, str], proxy_count: int) -> str:
    """The client's address from a request's ``META`` (or a WSGI environ).

    Past ``proxy_count`` proxies, the entry they appended; with fewer entries than proxies,
    the first one. Anything that is not an IP address there (a proxy that was not in the
    path) gives the connection's own address instead.
    """
    remote = meta.get("REMOTE_ADDR", "")
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if proxy_count <= 0 or not any(forwarded):
        return _normalised(remote) or remote
    return _normalised(forwarded[-min(proxy_count, len(forwarded))]) or remote


def client_address(request) -> str:
    """The address of the client that sent ``request``, as far as our proxies vouch for it."""
    return address_from(request.META, settings.PROXY_COUNT)


def client_ident(request) -> str:
    """Who a rate limit or lockout counts: the client's address, or for IPv6 the /64 network
    it is in (written as that network's first address, so it still reads as an address)."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        network = ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False)
        return str(network.network_address)
    return address


def _normalised(value: str) -> str:
    """``value`` in the one way of writing each address ("" if it is not an IP address), so
    that ``::FFFF:192.0.2.1`` and ``::ffff:c000:201`` are not two clients."""
    try:
        parsed = ipaddress.ip_address(value)
    except ValueError:
        return ""
    mapped = getattr(parsed, "ipv4_mapped", None)
    return str(mapped or parsed)
