"""Keep secrets out of everything warroom shows or stores for reading: answers, plans, problems.

Three tools, one rule (a secret's value never leaves; that it is set may be shown):

- `mask_document(value)`: a config document (or any JSON-like value) with the values of
  secret-looking fields replaced by `MASK` and URLs that may carry credentials redacted; used
  for the stored config revision, `GET /api/v1/config` and the plans of an apply.
- `scrub_text(text, hidden)`: a message with the given values and URL passwords masked; used by
  config problems so that no error repeats a file's or a variable's content.
- `scrub_payload(raw)`: a sender's payload without its credentials (PagerDuty `routing_key`,
  Opsgenie `apiKey`, tokens, passwords, credentials inside URLs or Authorization-style values)
  before it is stored.
- `mask_details(details)` / `scrub_value(text)`: what a sender's details, tags and descriptions
  become in an alert's labels and annotations (shown to every viewer): a secret-named key keeps
  its place with its value masked, and credentials inside text (URLs, `Bearer …`,
  `password=…`) are masked.
- `mask_labels` / `hidden_values` / `hide_known` / `scrub_known`: what an
  Alertmanager, Grafana or generic alert's labels, summary and links become: a secret-named
  label keeps its name with its value masked while ordinary labels stay as sent (routes and
  fingerprints depend on them), and the values of secret-named labels and annotations are
  masked wherever else the alert repeats them (a Grafana silence link names every label).
  They also mask a PagerDuty summary, an Opsgenie message and a PagerDuty change event's
  summary (an alert's summary is its incident's title) and the detail values they repeat.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"

# Field names whose values are secrets (payload and config keys are matched case-insensitively).
_SECRET_FIELD = re.compile(
    r"secret|password|passwd|token|api[_-]?key|private_?key|credential|routing_?key"
    r"|integration_?key|service_?key|authorization|^auth$|signature",
    re.IGNORECASE,
)
# Config fields that hold a notification URL (its path or user info may be the secret).
_URL_FIELD = re.compile(r"^(url|.*_url|webhook|.*_webhook)$", re.IGNORECASE)
# A config field whose values are HTTP headers, each shown masked whatever its name
# ("DD-API-KEY", "X-Auth"): a header is how an API takes its credential.
_HEADERS = "headers"
# A config field whose value is an http action's body template: its secret-named fields'
# literal values ("token": "…" in JSON, token=… in a form) are masked; a template expression
# there ("{{ token }}") names a parameter, not a secret, and stays.
_BODY = "body"
_BODY_PAIR = re.compile(
    r"""(["']?)([A-Za-z0-9_.-]+)\1(\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;&{}\[\]"']+)"""
)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
# A URL field's value, spaces and all: an action's URL template ("https://api/m/{{ m }}?token=x")
# is a URL whose secret must go as well.
_URL_VALUE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://.+$", re.DOTALL)
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"',;]+")
# scheme://user:password@host -> scheme://user:***@host (also inside longer text).
_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*:)[^\s/@]+@")
# ?token=..., &apiKey=... inside URLs found in payloads.
_QUERY_SECRET = re.compile(
    r"([?&](?:[A-Za-z_]*(?:token|key|secret|password|passwd|sig|signature|auth)[A-Za-z_]*)=)"
    r"[^&#\s\"']+",
    re.IGNORECASE,
)
# Authorization-style values: a whole value "Bearer abc…" / "Basic dXNl…" (as a header is
# written), or "Authorization: <scheme> <credential>" anywhere inside a longer text.
_AUTH_VALUE = re.compile(
    r"^(\s*(?:bearer|basic|digest|geniekey|apikey|negotiate|splunk|ssws)\s+)"
    r"([A-Za-z0-9._~+/=:-]{8,})\s*$",
    re.IGNORECASE,
)
_AUTH_IN_TEXT = re.compile(
    r"(authorization[\"']?\s*[:=]\s*[\"']?(?:[A-Za-z-]+\s+)?)[^\s\"',;]+", re.IGNORECASE
)
# name=value / name: value / "name": "value" pairs inside text whose name is a secret's
# (a libpq DSN's password=..., a JSON fragment, a command line's --token=...).
_SECRET_PAIR = re.compile(
    r"((?:[A-Za-z0-9_-]*(?:secret|password|passwd|token|api[_-]?key|credential|private_?key))"
    r"[A-Za-z0-9_-]*[\"']?\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|[^\s\"',;&]+)",
    re.IGNORECASE,
)
_TEXT_HINT = re.compile(
    r"://|authorization|secret|passw|token|api[_-]?key|credential|private_?key"
    r"|^\s*(?:bearer|basic|digest|geniekey|apikey|negotiate|splunk|ssws)\s",
    re.IGNORECASE,
)
# Shortest value masked inside free text: shorter ones would blank ordinary words.
_MIN_HIDDEN = 3
# Shortest value of a secret-named label or annotation looked for in an alert's other text
# ("enabled" under `password_auth` is a word, not a secret: see `hidden_values`).
_MIN_KNOWN = 6
_LONG_KNOWN = 16


@functools.lru_cache(maxsize=4096)
def is_secret_field(name: str) -> bool:
    """Whether a field of this name holds a secret (names repeat: the answer is cached)."""
    return bool(_SECRET_FIELD.search(name))


@functools.lru_cache(maxsize=1024)
def mask_url(url: str) -> str:
    """A notification URL as shown: its scheme and host only ("json://hooks.corp.test/…").

    Its path, query and user info go: the path of json://, ntfy:// or a chat webhook is often
    the secret itself (a channel's or a person's URL), an e-mail URL's names its recipient.
    Apprise's privacy form gives the host of schemes whose first part is a token
    (slack://T...2/…, tgram://1...p/…); a URL Apprise cannot read is shown by scheme only.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or not _URL.match(url):
        return f"{scheme if sep else '?'}://…"
    if scheme.lower() not in ("http", "https"):
        rest = _apprise_private(url).partition("://")[2]
        if not rest:
            return f"{scheme}://…"
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    return f"{scheme}://{host}/…" if host else f"{scheme}://…"


def _apprise_private(url: str) -> str:
    """Apprise's privacy form of a URL (its tokens shortened), or "" when Apprise cannot read it."""
    try:
        import apprise

        plugin = apprise.Apprise.instantiate(url)
        return "" if plugin is None else str(plugin.url(privacy=True))
    except Exception:
        return ""


# An e-mail address inside text ("Sent Email to jane@example.com"): only its domain is shown.
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+(?:@|%40)([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def mask_answer(text: str) -> str:
    """A provider's answer (or a log line) about a delivery, as shown to readers: each URL
    inside reduced to what `mask_url` shows, each e-mail address to its domain, other
    credentials masked as in `scrub_value`."""
    if "://" in text:
        text = _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), text)
    if "@" in text or "%40" in text:
        text = _EMAIL_IN_TEXT.sub(rf"{MASK}@\g<1>", text)
    return scrub_value(text)


def _body_secret(match: re.Match[str]) -> bool:
    """Whether a name/value pair of a body template holds a literal secret."""
    name, value = match.group(2), match.group(4)
    return is_secret_field(name) and "{{" not in value and value.strip("\"'") != MASK


def mask_body(text: str) -> str:
    """An http action's body template with the literal values of its secret-named fields
    masked (JSON `"token": "…"`, form `token=…`); template expressions stay."""

    def one(match: re.Match[str]) -> str:
        if not _body_secret(match):
            return match.group(0)
        quote, name, sep, value = match.groups()
        mark = value[0] if value[0] in "\"'" else ""
        return f"{quote}{name}{quote}{sep}{mark}{MASK}{mark}"

    return _BODY_PAIR.sub(one, text) if _SECRET_FIELD.search(text) else text


def mask_document(value: Any, key: str = "") -> Any:
    """A JSON-like value with secret fields masked and notification URLs redacted."""
    if key == _BODY and isinstance(value, str):
        value = mask_body(value)
    if isinstance(value, dict):
        if key == _HEADERS:  # an http action's headers: any of them may carry a credential
            return {k: MASK if v else v for k, v in value.items()}
        return {k: mask_document(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_document(v, key) for v in value]
    if isinstance(value, str) and value:
        if is_secret_field(key):
            return MASK
        if _URL_FIELD.match(key) and _URL_VALUE.match(value):
            return mask_url(value)
        return _USERINFO.sub(rf"\g<1>{MASK}@", value)
    return value


def mask_change(value: Any, key: str = "") -> Any:
    """A value shown in a plan: masked like a document, and every URL inside text redacted.

    Plans show *that* something changed; a URL written as "chat=https://hooks.../T0/B0/XYZ" by
    a section's plan would otherwise carry its secret path.
    """
    # Each value is masked once, from what was written: a masked URL ("slack://T...2/…") handed
    # to mask_url again would reach Apprise, which logs an ERROR for the URL it cannot load.
    if isinstance(value, dict) and key != _HEADERS:
        return {k: mask_change(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_change(v, key) for v in value]
    if key == _BODY and isinstance(value, str):
        value = mask_body(value)
    if isinstance(value, str) and "://" in value and not _masked_whole(value, key):
        # Text: each URL in it masked where it stands.
        text = _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), value)
        return _USERINFO.sub(rf"\g<1>{MASK}@", text)
    return mask_document(value, key)


def _masked_whole(value: str, key: str) -> bool:
    """Whether mask_document replaces this value whole (a secret field, a URL field's URL)."""
    return is_secret_field(key) or bool(_URL_FIELD.match(key) and _URL_VALUE.match(value))


def _mask_forms(text: str, forms: Iterable[str]) -> str:
    """Text with each of these strings masked, the longest first (a value containing another
    is masked whole)."""
    for form in sorted(set(forms), key=len, reverse=True):
        if form and form in text:
            text = text.replace(form, MASK)
    return text


def scrub_text(text: str, hidden: Iterable[str] = ()) -> str:
    """Text with every hidden value and every URL password replaced by the mask."""
    # Each value also in its escaped form, as repr() shows it inside "(got '...')".
    text = _mask_forms(
        text, (f for v in hidden if len(v) >= _MIN_HIDDEN for f in (v, repr(v)[1:-1]))
    )
    return _USERINFO.sub(rf"\g<1>{MASK}@", text)


def scrub_payload(value: Any, key: str = "") -> Any:
    """A sender's payload with credentials removed: secret fields dropped, URLs cleaned."""
    if isinstance(value, dict):
        return {
            k: scrub_payload(v, str(k))
            for k, v in value.items()
            if not (is_secret_field(str(k)) and isinstance(v, str | int | float | bool))
        }
    if isinstance(value, list):
        return [scrub_payload(v, key) for v in value]
    if isinstance(value, str):
        return scrub_value(value)
    return value


def scrub_value(text: str) -> str:
    """Free text (a detail's value, a tag, a description) with the credentials inside masked.

    URL passwords and secret query parameters, Authorization-style values ("Bearer …",
    "Authorization: Basic …") and name=value pairs whose name is a secret's.
    """
    if not _TEXT_HINT.search(text):  # most values: one cheap scan, nothing to mask
        return text
    if "://" in text:
        text = _scrub_url_text(text)
    whole = _AUTH_VALUE.match(text)
    if whole and _credential_like(whole.group(2)):
        return whole.group(1) + MASK
    text = _AUTH_IN_TEXT.sub(rf"\g<1>{MASK}", text)
    return _SECRET_PAIR.sub(lambda m: _masked_pair(m), text)


def _credential_like(word: str) -> bool:
    """A token rather than a word: "Basic functionality" is text, "Basic dXNlcjpw" is not."""
    return any(c.isdigit() or c in "._~+/=:-" for c in word) or (
        any(c.isupper() for c in word) and any(c.islower() for c in word)
    )


def _masked_pair(match: re.Match[str]) -> str:
    value = match.group(2)
    if value.strip("\"'") == MASK:
        return match.group(0)
    quote = value[0] if value[0] in "\"'" else ""
    return f"{match.group(1)}{quote}{MASK}{quote}"


def mask_details(value: Any, key: str = "") -> Any:
    """Sender details as shown to readers: a secret key's value masked, credentials in text masked.

    Unlike `scrub_payload` the key stays (that a password was sent is shown, as `***`), so
    labels keep their names; a secret key's value is masked whatever its type (a nested object
    or a list under `credentials` too). Booleans and nulls say nothing secret and stay.
    """
    if key and is_secret_field(key) and value not in (None, "") and not isinstance(value, bool):
        return MASK
    if isinstance(value, dict):
        return {k: mask_details(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_details(v, key) for v in value]
    if isinstance(value, str):
        return scrub_value(value)
    return value


def mask_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """Labels as readers see them and routes match them: a secret-named label keeps its name
    with the value masked; an ordinary label stays as sent, but for a password or a secret
    query parameter inside a URL ("vault-token:8200" is a host, not a name:value pair)."""
    return {
        k: MASK if v and is_secret_field(k) else _scrub_url_text(v) if "://" in v else v
        for k, v in labels.items()
    }


def hidden_values(*mappings: Mapping[str, str]) -> list[str]:
    """The values of secret-named keys worth looking for in an alert's other text and links.

    Long or token-like values only: a short word ("true", "enabled") stays readable elsewhere.
    """
    found = {
        v
        for mapping in mappings
        for k, v in mapping.items()
        if isinstance(v, str)
        and is_secret_field(k)
        and len(v) >= _MIN_KNOWN
        and (len(v) >= _LONG_KNOWN or _credential_like(v))
    }
    return sorted(found, key=len, reverse=True)


def hide_known(text: str, hidden: Iterable[str]) -> str:
    """Text with each of the given values masked, as written or percent-encoded (in a URL)."""
    forms = (f for v in hidden for f in (v, quote(v, safe=""), quote_plus(v, safe="")))
    return _mask_forms(text, forms)


def scrub_known(text: str, hidden: Iterable[str] = ()) -> str:
    """`scrub_value(text)` that also masks the given values (see `hide_known`)."""
    return scrub_value(hide_known(text, hidden))


def _scrub_url_text(value: str) -> str:
    # Each pattern needs a character most URLs lack ('@' for user info, '?' or '&' for a
    # query): the regular expressions run only where they could match.
    if "@" in value:
        value = _USERINFO.sub(rf"\g<1>{MASK}@", value)
    if "?" in value or "&" in value:
        value = _QUERY_SECRET.sub(rf"\g<1>{MASK}", value)
    return value


def secret_values(value: Any, key: str = "") -> set[str]:
    """Every string held by a secret field or a notification URL inside a JSON-like value."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            found |= secret_values(v, _HEADERS if key == _HEADERS else str(k))
    elif isinstance(value, list):
        for v in value:
            found |= secret_values(v, key)
    elif isinstance(value, str) and value and _holds_secret(key, value):
        found.add(value)
    elif isinstance(value, str) and key == _BODY and _SECRET_FIELD.search(value):
        found |= {m.group(4).strip("\"'") for m in _BODY_PAIR.finditer(value) if _body_secret(m)}
    return found


def _holds_secret(key: str, value: str) -> bool:
    return (
        key == _HEADERS
        or is_secret_field(key)
        or bool(_URL_FIELD.match(key) and _URL_VALUE.match(value))
    )
