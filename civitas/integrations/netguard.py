"""SSRF guard for outgoing webhook calls: only public addresses, checked at the moment of connecting.

A subscription's URL is checked when it is saved (`check_url`: http(s) only, no literal private address) and
again at every delivery (`resolve`): the host is resolved, every address it resolves to must be public, and the
request then connects to that checked address (`open_pool`), so a DNS answer that changes between the check
and the connection (DNS rebinding) cannot point the request at an internal service.

`settings.WEBHOOK_ALLOW_PRIVATE` turns the address check off (development, tests); hosts named in
`settings.WEBHOOK_ALLOWED_HOSTS` may be private even when it is off (an internal receiver the city runs).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

ALLOWED_SCHEMES = ("http", "https")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The URL may not be called (scheme, or an address that is not public). The message is safe to show."""


@dataclass(frozen=True)
class Target:
    """Where one delivery goes: the checked address to connect to, and the names the request carries."""

    scheme: str
    host: str  # as written in the URL (Host header, TLS server name and certificate check)
    address: str  # the checked IP address the connection is made to
    port: int
    path: str  # path and query string


def _split(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    if scheme not in ALLOWED_SCHEMES:
        raise AddressRefused("Only http and https URLs may receive webhooks.")
    host = (parts.hostname or "").lower()
    if not host:
        raise AddressRefused("The URL has no host.")
    if parts.username or parts.password:
        raise AddressRefused("The URL may not carry a user name or password.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as error:
        raise AddressRefused("The URL's port is not valid.") from error
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port, path


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_public(ip: IPAddress) -> bool:
    """False for private, loopback, link-local, multicast, reserved, shared and unspecified addresses."""
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return ip.is_global and not ip.is_multicast


def _private_allowed(host: str) -> bool:
    allowed_hosts = {name.lower() for name in settings.WEBHOOK_ALLOWED_HOSTS}
    return bool(settings.WEBHOOK_ALLOW_PRIVATE) or host in allowed_hosts


def _refuse(ip: IPAddress) -> AddressRefused:
    return AddressRefused(f"Refused: {ip} is not a public address (see WEBHOOK_ALLOW_PRIVATE).")


def check_url(url: str) -> None:
    """Validation when a URL is saved: http(s), a host, and no literal non-public address unless allowed."""
    _scheme, host, _port, _path = _split(url)
    ip = _literal_ip(host)
    if ip is not None and not is_public(ip) and not _private_allowed(host):
        raise _refuse(ip)


def _resolve_all(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise OSError(f"could not resolve {host}") from error
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise OSError(f"could not resolve {host}")
    return addresses


def resolve(url: str) -> Target:
    """The checked address to connect to. Raises AddressRefused (do not retry) or OSError (may retry)."""
    scheme, host, port, path = _split(url)
    literal = _literal_ip(host)
    addresses = [literal] if literal is not None else _resolve_all(host, port)
    if not _private_allowed(host):
        for address in addresses:
            if not is_public(address):
                raise _refuse(address)
    return Target(scheme=scheme, host=host, address=str(addresses[0]), port=port, path=path)


def open_pool(target: Target, *, timeout: float) -> urllib3.HTTPConnectionPool:
    """A connection pool bound to the checked address; TLS still verifies the certificate for the host name."""
    common = {"port": target.port, "timeout": urllib3.Timeout(total=timeout), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            **common,  # type: ignore[arg-type]
        )
    return urllib3.HTTPConnectionPool(target.address, **common)  # type: ignore[arg-type]


def host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"
