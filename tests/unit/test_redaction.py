"""The redaction helpers: payload credentials, document masking, problem scrubbing."""

from __future__ import annotations

from warroom.redaction import MASK, mask_change, mask_document, scrub_payload, scrub_text


def test_payload_credentials_are_removed_and_urls_cleaned() -> None:
    raw = {
        "routing_key": "R0UT1NG",
        "apiKey": "G3N1E",
        "message": "disk full",
        "details": {"password": "hunter2", "Authorization": "Basic abc", "host": "db-1"},
        "links": [
            {"href": "https://am:s3cret@grafana.example.com/d/1?orgId=1&auth_token=T0K"},
            {"href": "https://runbooks.example.com/disk"},
        ],
        "tags": ["a", "b"],
    }
    clean = scrub_payload(raw)
    assert clean["message"] == "disk full" and clean["tags"] == ["a", "b"]
    assert "routing_key" not in clean and "apiKey" not in clean
    assert clean["details"] == {"host": "db-1"}
    assert clean["links"][0]["href"] == (
        f"https://am:{MASK}@grafana.example.com/d/1?orgId=1&auth_token={MASK}"
    )
    assert clean["links"][1]["href"] == "https://runbooks.example.com/disk"


def test_documents_mask_secret_fields_and_contact_urls_but_keep_keys() -> None:
    doc = {
        "integrations": [{"key": "pd", "secret": "sha256:abc", "hmac_header": "X-Sig"}],
        "users": [{"contact_methods": [{"name": "chat", "url": "https://hooks.slack.com/T/B/X"}]}],
        "services": [{"key": "api", "runbook": "see https://u:pw@wiki.example.com/api"}],
    }
    masked = mask_document(doc)
    assert masked["integrations"][0] == {"key": "pd", "secret": MASK, "hmac_header": "X-Sig"}
    assert masked["users"][0]["contact_methods"][0]["url"] == "https://hooks.slack.com/…"
    assert masked["services"][0]["runbook"] == f"see https://u:{MASK}@wiki.example.com/api"


def test_an_action_url_template_with_spaces_is_masked_too() -> None:
    # A Jinja template in the URL ('{{ market }}') has spaces: the field was shown whole,
    # its ?token= with it, to every viewer of GET /api/v1/config.
    doc = {"actions": [{"http": {"url": "https://api.example.test/m/{{ market }}?token=abc"}}]}
    shown = mask_document(doc)["actions"][0]["http"]["url"]
    assert "abc" not in shown and shown.startswith("https://")
    assert "abc" not in str(mask_change(doc))


def test_plan_changes_redact_urls_inside_text() -> None:
    shown = mask_change(["chat=https://hooks.slack.com/services/T0/B0/XYZ", "mail=a@b.c"])
    assert shown == ["chat=https://hooks.slack.com/…", "mail=a@b.c"]


def test_scrub_text_hides_values_in_plain_and_escaped_form() -> None:
    secret = "line one\nline-two-secret"
    text = f"bad value (got {secret!r}) and json://a:pw@host/x"
    assert (
        scrub_text(text, {secret, "ab"}) == f"bad value (got '{MASK}') and json://a:{MASK}@host/x"
    )
