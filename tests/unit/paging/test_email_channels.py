"""A channel given as an e-mail address is mailed through WARROOM_SMTP_URL of the sender.

The oracle pack once built its channel's URL by appending `&to=` to ${WARROOM_SMTP_URL}: an
SMTP URL with no options of its own (`mailtos://user:pass@smtp.example.com`) then named a host
`smtp.example.com&to=...`. An `email:` channel is addressed the way a person's e-mail is."""

from __future__ import annotations

import pytest

from warroom.config import service as config_service
from warroom.paging.channels import channel_url
from warroom.paging.models import Channel


def problems_of(channel: str) -> list[str]:
    _, problems = config_service.load_files({"channels.yaml": f"channels:\n  - {channel}\n"})
    return problems.lines()


@pytest.mark.parametrize(
    "smtp_url",
    ["mailtos://pager:secret@smtp.example.com", "mailto://127.0.0.1:25?from=w@example.com"],
)
def test_an_email_channel_is_addressed_through_the_smtp_url_with_or_without_options(
    smtp_url: str,
) -> None:
    channel = Channel(key="list", name="list", url="email:core&bcc=eve@example.com")
    joiner = "&" if "?" in smtp_url else "?"
    assert channel_url(channel, smtp_url) == f"{smtp_url}{joiner}to=core%26bcc%3Deve@example.com"


def test_a_url_channel_keeps_its_url() -> None:
    channel = Channel(key="room", name="room", url="slack://T0/B0/XXXX")
    assert channel_url(channel, "mailto://localhost:25") == "slack://T0/B0/XXXX"


def test_an_email_channel_is_valid_config() -> None:
    assert problems_of("{key: list, email: core@example.com}") == []


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("{key: both, url: 'json://hooks.example.com/x', email: core@example.com}", "exactly one"),
        ("{key: neither, name: Neither}", "exactly one"),
        ("{key: bad, email: not-an-address}", "'not-an-address' is not an e-mail address"),
        ("{key: bad, email: 'a b@example.com'}", "is not an e-mail address"),
    ],
)
def test_a_channel_names_one_destination(channel: str, expected: str) -> None:
    problems = problems_of(channel)
    assert len(problems) == 1 and expected in problems[0], problems
    assert "channels.yaml:2" in problems[0], problems
