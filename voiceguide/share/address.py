"""Where to serve: this computer's address on the local network, and the user's host and port.

The default is the address of the interface the default route goes out of, which is the one a
phone on the same Wi-Fi reaches. It is found by connect() on a UDP socket: that only asks the
kernel for a route, nothing is sent.
"""

from __future__ import annotations

import ipaddress
import re
import socket

from voiceguide.errors import ShareOptionError

# TEST-NET-2 (RFC 5737): documentation addresses, never used, routed like any other
_ROUTE_PROBE = ("198.51.100.1", 9)


def local_address() -> str | None:
    """The IPv4 address of the default route's interface; None when there is no such route.

    Example:
        >>> voiceguide.share.local_address()           # doctest: +SKIP
        '192.168.1.20'
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(_ROUTE_PROBE)
        except OSError:  # no route: no network
            return None
        address = str(probe.getsockname()[0])
    if address == "0.0.0.0" or ipaddress.ip_address(address).is_loopback:
        return None
    return address


def parse_host(text: str) -> str:
    """An IPv4 or IPv6 address to serve on; refuses names and every-interface addresses.

    Example:
        >>> voiceguide.share.parse_host("[::1]")
        '::1'
        >>> voiceguide.share.parse_host("0.0.0.0")
        Traceback (most recent call last):
        ...
        voiceguide.errors.ShareOptionError: cannot serve on 0.0.0.0: that is every network \
at once; give the address of one interface (`ip -brief address` lists them)
    """
    try:
        address = ipaddress.ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        raise ShareOptionError(
            f"cannot serve on {text!r}: not an IP address; give one of this computer's "
            "addresses, such as 192.168.1.20 (`ip -brief address` lists them)"
        ) from None
    if address.is_unspecified:
        raise ShareOptionError(
            f"cannot serve on {address}: that is every network at once; give the address of "
            "one interface (`ip -brief address` lists them)"
        )
    if address.is_multicast:
        raise ShareOptionError(f"cannot serve on {address}: a multicast address")
    return str(address)


def parse_port(text: str | int) -> int:
    """A TCP port from 0 to 65535; 0 asks for a free one.

    Example:
        >>> voiceguide.share.parse_port("8000")
        8000
    """
    port = str(text).strip()
    if not re.fullmatch(r"[0-9]{1,5}", port) or int(port) > 65535:
        raise ShareOptionError(
            f"port {text!r} is not a port; give a number from 1 to 65535, or 0 for a free one"
        )
    return int(port)


def url_host(address: str) -> str:
    """The address as it stands in a URL: IPv6 in brackets.

    Example:
        >>> voiceguide.share.url_host("fe80::1")
        '[fe80::1]'
    """
    return f"[{address}]" if ":" in address else address
