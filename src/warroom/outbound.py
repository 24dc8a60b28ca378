"""What warroom may call out to: the address policy of every outbound request.

Webhooks, Apprise services, http actions and audit sinks go to destinations an admin (or
anyone allowed to set one) writes down. Some addresses are never a destination: link-local
(169.254.0.0/16, fe80::/10, where cloud metadata services answer with the host's credentials),
unspecified and "this network" (0.0.0.0/8, ::, which reach this very host), multicast and
broadcast, the cloud metadata addresses outside link-local (fd00:ec2::254, 100.100.100.200),
and any of these carried inside an IPv6 address (::ffff:169.254.169.254, 64:ff9b::/96, 6to4).
Loopback and private networks stay allowed: self-hosted teams page through internal tools.
`WARROOM_OUTBOUND_PRIVATE=deny` refuses every address that is not globally routable too.

The check is made on the addresses a host name resolves to before connecting
(`check_host`, through a resolver tests may replace with `set_resolver`) and again on the
address each connection actually reached (`check_peer`), so neither a name pointing at a
refused address, nor one that resolves differently the second time, nor a redirect to one
(every hop opens its own connection) gets a request through. `trace` does both for httpx;
inside `guarded()` every connection urllib3 (Apprise's HTTP services) or smtplib opens on the
thread is checked alike; `check_mail_server` checks the SMTP server of an Apprise e-mail URL.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import urlsplit

from warroom import threadlocal

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int | None], list[str]]

_LINK_LOCAL = "a link-local address (cloud metadata services)"
_UNSPECIFIED = "an unspecified address (this host)"
# Never a destination, whatever the setting says: (network, what it is).
_NEVER = [
    (ipaddress.ip_network("0.0.0.0/8"), _UNSPECIFIED),
    (ipaddress.ip_network("169.254.0.0/16"), _LINK_LOCAL),
    (ipaddress.ip_network("224.0.0.0/4"), "a multicast address"),
    (ipaddress.ip_network("255.255.255.255/32"), "the broadcast address"),
    (ipaddress.ip_network("100.100.100.200/32"), "a cloud metadata service"),
    (ipaddress.ip_network("::/128"), _UNSPECIFIED),
    (ipaddress.ip_network("fe80::/10"), _LINK_LOCAL),
    (ipaddress.ip_network("ff00::/8"), "a multicast address"),
    (ipaddress.ip_network("fd00:ec2::254/128"), "a cloud metadata service"),
]
# IPv6 addresses that reach an IPv4 one (a NAT64 gateway's well-known prefix, the deprecated
# IPv4-compatible form): judged as the IPv4 address they carry.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPATIBLE = ipaddress.ip_network("::/96")

DENY = "deny"


class Refused(Exception):
    """A destination warroom does not call; the text names the address and why."""


def deny_private(setting: bool | None = None) -> bool:
    """Whether private and loopback addresses are refused too: `setting` when given, else
    WARROOM_OUTBOUND_PRIVATE of the process."""
    if setting is not None:
        return setting
    from warroom.settings import get_settings

    return get_settings().outbound_private == DENY


def _embedded(ip: Address) -> ipaddress.IPv4Address | None:
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or (ip in _COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def parse_address(text: str) -> Address | None:
    """An IP address written any way the system's resolver reads one without asking DNS
    ('169.254.169.254', '[fe80::1]', and also '2852039166' or '0xa9.0xfe.0xa9.0xfe'), else None."""
    text = text.strip().strip("[]")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    if not text or text.count(".") > 3 or not all(p.strip() for p in text.split(".")):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except (OSError, ValueError):
        return None


def refusal(address: str | Address, deny_private: bool = False) -> str | None:
    """Why this address may not be called, as '169.254.169.254, a link-local address (cloud
    metadata services)' (None when it may)."""
    ip = parse_address(address) if isinstance(address, str) else address
    if ip is None:
        return None
    inner = _embedded(ip)
    if inner is not None:
        why = refusal(inner, deny_private)
        return f"{ip}, which is {why}" if why else None
    for network, what in _NEVER:
        if ip.version == network.version and ip in network:
            return f"{ip}, {what}"
    if deny_private and not ip.is_global:
        what = "a loopback" if ip.is_loopback else "a private"
        return f"{ip}, {what} address (WARROOM_OUTBOUND_PRIVATE=deny)"
    return None


def _system_resolver(host: str, port: int | None) -> list[str]:
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(entry[4][0]) for entry in found]


_resolver: Resolver = _system_resolver


def set_resolver(resolver: Resolver | None) -> None:
    """Replace how check_host resolves names (tests); None restores the system's."""
    global _resolver
    _resolver = resolver or _system_resolver


def check_host(host: str, port: int | None = None, deny: bool | None = None) -> None:
    """Raise Refused when `host` is, or resolves to, an address that may not be called. A
    name that does not resolve passes: the connection then fails as it would anyway."""
    private = deny_private(deny)
    why = refusal(host, private)
    if why is None and parse_address(host) is None:
        try:
            addresses = _resolver(host.strip("[]"), port)
        except (OSError, UnicodeError, ValueError):
            return
        why = next((w for a in addresses if (w := refusal(a, private))), None)
        if why is not None:
            why = f"{host}, which resolves to {why}"
    if why is not None:
        raise Refused(f"refused to call {why}")


def host_of(url: str) -> tuple[str, int | None] | None:
    """The host and port a URL names, None when it names none."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    return (host, port) if host else None


def check_url(url: str, deny: bool | None = None) -> None:
    """check_host on the URL's host, if it has one."""
    found = host_of(url)
    if found is not None:
        check_host(found[0], found[1], deny)


def check_mail_server(url: str, deny: bool | None = None) -> None:
    """check_host on the SMTP server an Apprise mailto(s):// URL sends through (its host, or
    its smtp= argument). Apprise sends e-mail from a pool thread `guarded` cannot see."""
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    host = getattr(plugin, "smtp_host", None) or getattr(plugin, "host", None)
    if host:
        port = getattr(plugin, "port", None)
        check_host(str(host), port if isinstance(port, int) else None, deny)


def literal_refusal(url: str) -> str | None:
    """For config checks: why the URL's host, written as an address, may never be called
    (names are not resolved here, and private addresses are judged at send time)."""
    found = host_of(url)
    if found is None:
        return None
    why = refusal(found[0])
    return f"a refused destination: {why}" if why else None


def check_peer(sock: Any, deny: bool | None = None) -> None:
    """Raise Refused (and close the socket) when a connection reached a refused address."""
    if sock is None:
        return
    try:
        peer = sock.getpeername()
    except (OSError, AttributeError):
        return
    address = peer[0] if isinstance(peer, tuple) else None
    why = refusal(str(address), deny_private(deny)) if address else None
    if why is not None:
        with suppress(OSError):
            sock.close()
        raise Refused(f"refused to call {why}")


def trace(
    deny: bool | None = None, then: Callable[[str, dict[str, Any]], None] | None = None
) -> Any:
    """An httpx `trace` extension: each new connection is checked before it is opened (its
    host) and once open (the address reached), before any request byte is written; `then`
    is the trace hook to call afterwards (a deadline's)."""
    private = deny_private(deny)

    def hook(event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.started":
            check_host(str(info.get("host") or ""), info.get("port"), private)
        elif event == "connection.connect_tcp.complete":
            stream = info.get("return_value")
            if stream is not None:
                check_peer(stream.get_extra_info("socket"), private)
        if then is not None:
            then(event, info)

    return hook


class Guard:
    """The refusals met by the connections of one `guarded()` block (Apprise reports a
    failed connection in its own words; these say why)."""

    def __init__(self, deny: bool) -> None:
        self.deny = deny
        self.refused: list[str] = []

    def check(self, host: Any, port: Any) -> None:
        try:
            check_host(str(host), port if isinstance(port, int) else None, self.deny)
        except Refused as exc:
            self.refused.append(str(exc))
            raise

    def check_socket(self, sock: Any) -> None:
        try:
            check_peer(sock, self.deny)
        except Refused as exc:
            self.refused.append(str(exc))
            raise


# Per thread: the guard of the `guarded` block running on it, and the function every
# socket urllib3 opens is handed to (`sockets_handed_to`).
_thread = threading.local()
_patch_lock = threading.Lock()


@contextmanager
def guarded(deny: bool | None = None) -> Iterator[Guard]:
    """Inside: every connection urllib3 or smtplib opens on this thread is checked."""
    _patch_connectors()
    guard = Guard(deny_private(deny))
    with threadlocal.held(_thread, "guard", guard):
        yield guard


@contextmanager
def sockets_handed_to(watch: Callable[[Any], None]) -> Iterator[None]:
    """Inside: every socket urllib3 opens on this thread (once checked) is handed to `watch`
    (a deadline that shuts it down in time)."""
    _patch_connectors()
    with threadlocal.held(_thread, "watch", watch):
        yield


def _patch_connectors() -> None:
    """Wrap urllib3's create_connection and smtplib's socket opener (once) so that a
    connection opened on a thread inside `guarded` is checked; other threads are unaffected."""
    import smtplib

    from urllib3.util import connection

    with _patch_lock:
        original = connection.create_connection
        if not getattr(original, "warroom_guarded", False):

            def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
                guard: Guard | None = getattr(_thread, "guard", None)
                if guard is not None:
                    guard.check(address[0], address[1])
                sock = original(address, *args, **kwargs)
                if guard is not None:
                    guard.check_socket(sock)
                watch = getattr(_thread, "watch", None)
                if watch is not None:
                    watch(sock)
                return sock

            create_connection.warroom_guarded = True  # type: ignore[attr-defined]
            connection.create_connection = create_connection
        opener = smtplib.SMTP._get_socket  # type: ignore[attr-defined]
        if not getattr(opener, "warroom_guarded", False):

            def get_socket(self: Any, host: Any, port: Any, timeout: Any) -> Any:
                guard: Guard | None = getattr(_thread, "guard", None)
                if guard is not None:
                    guard.check(host, port)
                sock = opener(self, host, port, timeout)
                if guard is not None:
                    guard.check_socket(sock)
                return sock

            get_socket.warroom_guarded = True  # type: ignore[attr-defined]
            smtplib.SMTP._get_socket = get_socket  # type: ignore[attr-defined]
