"""The address policy of outbound calls (warroom.outbound): what is refused, always or on
WARROOM_OUTBOUND_PRIVATE=deny, in every way an address can be written or reached."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from warroom import outbound
from warroom.outbound import Refused, check_host, check_peer, check_url, literal_refusal, refusal
from warroom.settings import Settings


@pytest.fixture(autouse=True)
def system_resolver() -> Iterator[None]:
    yield
    outbound.set_resolver(None)


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",  # AWS, GCP, Azure, OCI, DigitalOcean metadata
        "169.254.0.1",
        "fe80::1",
        "fe80::1%eth0",
        "[fe80::a9fe:a9fe]",
        "0.0.0.0",
        "0.1.2.3",
        "::",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "ff02::1",
        "fd00:ec2::254",  # AWS metadata over IPv6 (inside fc00::/7, private otherwise)
        "100.100.100.200",  # Alibaba Cloud metadata (inside 100.64.0.0/10)
        "::ffff:169.254.169.254",
        "::ffff:0.0.0.0",
        "::ffff:a9fe:a9fe",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "::169.254.169.254",  # IPv4-compatible (deprecated)
        "2852039166",  # 169.254.169.254 as one number, which getaddrinfo reads
        "0xa9.0xfe.0xa9.0xfe",
        "169.254.43518",
        "0",
    ],
)
def test_always_refused_whatever_the_setting(address: str) -> None:
    assert refusal(address) is not None
    assert refusal(address, deny_private=True) is not None


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "127.1.2.3", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.10", "fd12::1",
     "100.64.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"],
)  # fmt: skip
def test_loopback_and_private_are_allowed_unless_denied(address: str) -> None:
    assert refusal(address) is None
    why = refusal(address, deny_private=True)
    assert why is not None and "WARROOM_OUTBOUND_PRIVATE=deny" in why


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8", "1.1.1.1"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal(address) is None
    assert refusal(address, deny_private=True) is None


@pytest.mark.parametrize("name", ["example.com", "metadata.google.internal", "localhost", ""])
def test_a_name_is_not_an_address(name: str) -> None:
    assert outbound.parse_address(name) is None
    assert refusal(name) is None


def test_the_reason_names_the_address_and_what_it_is() -> None:
    assert (
        refusal("169.254.169.254")
        == "169.254.169.254, a link-local address (cloud metadata services)"
    )
    assert refusal("::ffff:169.254.169.254") == (
        "::ffff:a9fe:a9fe, which is 169.254.169.254, a link-local address (cloud metadata services)"
    )
    assert (
        refusal("127.0.0.1", True)
        == "127.0.0.1, a loopback address (WARROOM_OUTBOUND_PRIVATE=deny)"
    )


def test_a_name_resolving_to_a_refused_address_is_refused() -> None:
    outbound.set_resolver(
        lambda host, port: {"meta.test": ["93.184.216.34", "169.254.169.254"]}[host]
    )
    with pytest.raises(
        Refused, match=r"meta\.test, which resolves to 169\.254\.169\.254, a link-local"
    ):
        check_host("meta.test", 80, deny=False)


def test_a_name_that_does_not_resolve_passes_to_fail_on_connecting() -> None:
    def nowhere(host: str, port: int | None) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    outbound.set_resolver(nowhere)
    check_host("nowhere.invalid", 80, deny=True)


def test_localhost_is_refused_only_when_private_is_denied() -> None:
    check_host("localhost", 80, deny=False)
    with pytest.raises(Refused, match=r"localhost, which resolves to .*, a loopback address"):
        check_host("localhost", 80, deny=True)


def test_check_url_reads_the_host_from_any_scheme() -> None:
    with pytest.raises(Refused, match=r"169\.254\.169\.254"):
        check_url("json://user:pw@169.254.169.254:8080/latest?x=1", deny=False)
    with pytest.raises(Refused, match="fe80::1"):
        check_url("http://[fe80::1]:8080/", deny=False)
    check_url("mailto://", deny=True)  # no host: nothing to check here
    check_url("not a url", deny=True)


def test_the_setting_is_read_from_the_process_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from warroom import settings

    monkeypatch.setattr(settings, "get_settings", lambda: Settings(outbound_private="deny"))
    assert outbound.deny_private() is True
    assert outbound.deny_private(False) is False
    monkeypatch.setattr(settings, "get_settings", lambda: Settings())
    assert outbound.deny_private() is False


def test_the_setting_takes_allow_or_deny_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_OUTBOUND_PRIVATE", "deny")
    assert Settings().outbound_private == "deny"
    monkeypatch.setenv("WARROOM_OUTBOUND_PRIVATE", "nope")
    with pytest.raises(ValueError, match="outbound_private"):
        Settings()


def test_literal_refusal_judges_written_addresses_only() -> None:
    assert literal_refusal("http://169.254.169.254/latest/meta-data/") == (
        "a refused destination: 169.254.169.254, a link-local address (cloud metadata services)"
    )
    assert literal_refusal("json://[::ffff:169.254.169.254]/") is not None
    assert literal_refusal("http://0.0.0.0:9000/") is not None
    assert literal_refusal("http://127.0.0.1:9000/") is None
    assert literal_refusal("https://hooks.example.com/x") is None


class _Socket:
    def __init__(self, peer: tuple[str, int]) -> None:
        self.peer, self.closed = peer, False

    def getpeername(self) -> tuple[str, int]:
        return self.peer

    def close(self) -> None:
        self.closed = True


def test_a_connection_that_reached_a_refused_address_is_closed() -> None:
    sock = _Socket(("169.254.169.254", 80))
    with pytest.raises(Refused, match=r"169\.254\.169\.254"):
        check_peer(sock, deny=False)
    assert sock.closed
    fine = _Socket(("127.0.0.1", 80))
    check_peer(fine, deny=False)
    assert not fine.closed
    with pytest.raises(Refused, match="loopback"):
        check_peer(fine, deny=True)
