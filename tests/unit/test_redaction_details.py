"""mask_details / scrub_value: sender details shown to readers keep their keys, lose credentials."""

from __future__ import annotations

import pytest

from warroom.redaction import MASK, mask_details, scrub_payload, scrub_value


def test_secret_keys_are_masked_whatever_their_value_and_other_keys_stay() -> None:
    details = {
        "team": "storage",
        "used_percent": 96.4,
        "db_password": "hunter2",
        "API_KEY": 12345,
        "credentials": {"user": "app", "pass": "hunter2"},
        "tokens": ["a1", "b2"],
        "token_valid": True,
        "nested": {"client_secret": "s3", "host": "db-1"},
        "hosts": ["db-1", "db-2"],
    }
    assert mask_details(details) == {
        "team": "storage",
        "used_percent": 96.4,
        "db_password": MASK,
        "API_KEY": MASK,
        "credentials": MASK,
        "tokens": MASK,
        "token_valid": True,
        "nested": {"client_secret": MASK, "host": "db-1"},
        "hosts": ["db-1", "db-2"],
    }


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://bob:hunter2@grafana.example/d/1", f"https://bob:{MASK}@grafana.example/d/1"),
        ("https://ci.example/job?x=1&token=abc123", f"https://ci.example/job?x=1&token={MASK}"),
        ("Bearer eyJhbGciOi.J9", f"Bearer {MASK}"),
        ("Basic dXNlcjpwYXNz", f"Basic {MASK}"),
        ("curl -H 'Authorization: Bearer abc123'", f"curl -H 'Authorization: Bearer {MASK}'"),
        (
            "host=db user=app password=hunter2 dbname=x",
            f"host=db user=app password={MASK} dbname=x",
        ),
        ('{"api_token": "abc"}', f'{{"api_token": "{MASK}"}}'),
        ("token=abc123", f"token={MASK}"),
        # Ordinary text stays as sent.
        ("basic functionality degraded", "basic functionality degraded"),
        ("Bearer of bad news", "Bearer of bad news"),
        ("token expired for 3 users", "token expired for 3 users"),
        ("/var/lib/postgresql", "/var/lib/postgresql"),
        ("https://runbooks.example.com/pg/disk", "https://runbooks.example.com/pg/disk"),
    ],
)
def test_scrub_value_masks_credentials_inside_text(text: str, shown: str) -> None:
    assert scrub_value(text) == shown


def test_the_stored_payload_loses_authorization_style_values_too() -> None:
    raw = {"details": {"header": "Bearer abc123def", "note": "password=hunter2", "team": "web"}}
    assert scrub_payload(raw) == {
        "details": {"header": f"Bearer {MASK}", "note": f"password={MASK}", "team": "web"}
    }
