"""Outbound HTTP to addresses a customer typed in (webhook receivers), without letting them
point us at our own network.

The host is resolved once, every address it resolves to must be public (one private answer
refuses the whole host: a name that mixes them is an attack or a mistake), and the request is
then sent to the checked address itself, with the original name in the Host header and TLS SNI
(so certificates are still verified against the name). A second lookup between the check and
the connection (DNS rebinding) therefore cannot change where the request goes. Redirects are
never followed: a 3xx is the receiver's answer, not a new destination."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from backend.errors import BadInput

ALLOWED_SCHEMES: Final = ("https", "http")
# Receivers are public services; an endpoint URL longer than this is a mistake or an attack.
MAX_URL_LENGTH: Final = 2000


class AddressRefused(Exception):
    """The destination resolves to an address we do not deliver to (or does not resolve)."""


IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def check_url(url: str, allow_private: bool) -> str:
    """The URL as stored, or BadInput saying why it cannot be a receiver."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise BadInput(f"Give a URL of at most {MAX_URL_LENGTH} characters.", field="url")
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES or not parts.hostname:
        raise BadInput("The URL must start with https:// and name a host.", field="url")
    if parts.scheme == "http" and not allow_private:
        raise BadInput("Webhooks are delivered over https only.", field="url")
    if parts.username or parts.password:
        raise BadInput("Put credentials in your receiver's checks, not in the URL.", field="url")
    if parts.fragment:
        raise BadInput("A receiver URL has no #fragment.", field="url")
    try:
        parts.port  # noqa: B018 - raises ValueError on an impossible port
    except ValueError as exc:
        raise BadInput("The URL's port is not a number from 1 to 65535.", field="url") from exc
    if not allow_private:
        try:
            literal: IpAddress | None = ipaddress.ip_address(parts.hostname)
        except ValueError:
            literal = None
        if literal is not None and not is_public(literal):
            raise BadInput("Webhooks are not delivered to private addresses.", field="url")
    return url


@dataclass(frozen=True)
class Destination:
    """Where to connect (a checked address) and the name the receiver expects."""

    connect_url: str
    host_header: str
    server_name: str


async def resolve(url: str, allow_private: bool) -> Destination:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(f"{host} does not resolve") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses:
        raise AddressRefused(f"{host} does not resolve")
    if not allow_private:
        refused = [str(a) for a in addresses if not is_public(a)]
        if refused:
            raise AddressRefused(f"{host} resolves to a non-public address ({refused[0]})")
    chosen = addresses[0]
    literal = f"[{chosen}]" if chosen.version == 6 else str(chosen)
    netloc = f"{literal}:{port}"
    connect_url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    default_port = 443 if parts.scheme == "https" else 80
    host_header = host if port == default_port else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
    return Destination(connect_url=connect_url, host_header=host_header, server_name=host)
