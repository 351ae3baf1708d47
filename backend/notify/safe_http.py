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
# Names that mean this machine or a private network whatever a resolver answers today
# (RFC 6761 localhost, RFC 6762 .local, RFC 8375 home.arpa, and the reverse zones).
LOCAL_NAMES: Final = frozenset({"localhost", "localhost.localdomain"})
LOCAL_SUFFIXES: Final = (".localhost", ".local", ".home.arpa", ".internal", ".arpa")
# How long saving an endpoint waits for its name to resolve: a request must not hang on a slow
# resolver; a name not resolved in time is checked again at every delivery.
RESOLVE_SECONDS: Final = 3.0


class AddressRefused(Exception):
    """The destination resolves to an address we do not deliver to (or does not resolve)."""


class PrivateAddress(AddressRefused):
    """The destination resolves to a private, loopback or otherwise non-public address."""


IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# IPv6 prefixes that carry an IPv4 address in their last 32 bits and reach it through a
# translator (NAT64, RFC 6052 and RFC 8215) or are the deprecated IPv4-compatible form
# (::a.b.c.d, RFC 4291): Python counts many of these global whatever IPv4 address they carry.
EMBEDDING_IPV4: Final = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
    ipaddress.IPv6Network("::/96"),
)


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to: mapped, 6to4, Teredo, NAT64, compatible."""
    found = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    if address.teredo is not None:
        found += list(address.teredo)
    if any(address in network for network in EMBEDDING_IPV4):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def is_public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = embedded_ipv4(address)
        if embedded:
            return all(is_public(a) for a in embedded)
    return address.is_global and not address.is_multicast


def host_literal(host: str) -> IpAddress | None:
    """The address a host names by itself, in any form a resolver accepts: dotted quads, but
    also the older forms (2130706433, 0x7f.1, 127.1) that getaddrinfo turns into 127.0.0.1."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(ch in "0123456789abcdefxABCDEFX." for ch in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def check_url(url: str, allow_private: bool) -> str:
    """The URL as stored, or BadInput saying why it cannot be a receiver."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise BadInput(f"Give a URL of at most {MAX_URL_LENGTH} characters.", field="url")
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in url):
        raise BadInput("A URL has no spaces or control characters.", field="url")
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
        literal = host_literal(parts.hostname)
        name = parts.hostname.rstrip(".").lower()
        if (
            (literal is not None and not is_public(literal))
            or name in LOCAL_NAMES
            or (name.endswith(LOCAL_SUFFIXES))
        ):
            raise BadInput("Webhooks are not delivered to private addresses.", field="url")
    return url


async def check_destination(url: str, allow_private: bool) -> str:
    """check_url, then where the name leads now: a name resolving to a private or loopback
    address is refused at once. A name that does not resolve yet (or not within
    RESOLVE_SECONDS) is accepted; every delivery resolves it again and refuses it then."""
    url = check_url(url, allow_private)
    if allow_private:
        return url
    try:
        await asyncio.wait_for(resolve(url, allow_private), RESOLVE_SECONDS)
    except PrivateAddress as exc:
        raise BadInput(
            "Webhooks are not delivered to private addresses "
            f"({urlsplit(url).hostname} resolves to one).",
            field="url",
        ) from exc
    except (AddressRefused, TimeoutError):
        pass
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
            raise PrivateAddress(f"{host} resolves to a non-public address ({refused[0]})")
    chosen = addresses[0]
    literal = f"[{chosen}]" if chosen.version == 6 else str(chosen)
    netloc = f"{literal}:{port}"
    connect_url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    default_port = 443 if parts.scheme == "https" else 80
    host_header = host if port == default_port else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
    return Destination(connect_url=connect_url, host_header=host_header, server_name=host)
