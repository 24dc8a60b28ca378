"""An e-mail URL names one recipient whatever its address holds (config takes any text with @)."""

from __future__ import annotations

import apprise
import pytest

from warroom.mailto import mail_url
from warroom.paging.models import ContactMethod
from warroom.paging.pager import contact_url

SMTP = "mailtos://smtp.example.test:587?from=warroom@example.test"


def recipients(url: str) -> tuple[list[str], set[str], set[str]]:
    notifier = apprise.Apprise()
    assert notifier.add(url), url
    [service] = list(notifier)
    return [address for _, address in service.targets], set(service.cc), set(service.bcc)


@pytest.mark.parametrize(
    "address",
    ["jane&bcc=eve@evil.test", "ops=on#call@example.test", "oncall+db@example.test", "a%41@x.test"],
)
def test_the_address_stays_one_recipient(address: str) -> None:
    assert recipients(mail_url(SMTP, address)) == ([address], set(), set())
    local = "mailto://127.0.0.1:2525?from=warroom@example.test"
    assert recipients(mail_url(local, address)) == ([address], set(), set())


def test_a_pages_mail_url_adds_no_bcc() -> None:
    # Before: contact_url pasted the address in, so 'jane&bcc=eve@evil.test' mailed eve too.
    contact = ContactMethod(kind="email", address="jane&bcc=eve@evil.test")
    assert recipients(contact_url(contact, SMTP)) == (["jane&bcc=eve@evil.test"], set(), set())
