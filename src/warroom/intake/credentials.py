"""Who is sending: an integration recognised by its secret (hashed, compared in constant time),
Grafana's HMAC signature, or, for the generic endpoint, a user API token."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
from datetime import datetime

from starlette.datastructures import Headers

from warroom.errors import Unauthorized
from warroom.intake import grafana
from warroom.intake.state import IntakeConfig, IntegrationInfo

log = logging.getLogger("warroom.intake")


def by_secret(cfg: IntakeConfig, secret: str, types: tuple[str, ...]) -> IntegrationInfo | None:
    """The integration whose secret this is (and whose type fits the endpoint), or None."""
    digest = hashlib.sha256(secret.encode()).hexdigest()
    found = cfg.by_hash.get(digest)
    # The dict lookup is keyed by a hash of the secret, so its timing says nothing useful;
    # the final comparison is constant-time all the same.
    if found is None or not hmac.compare_digest(found.secret_hash, digest):
        return None
    return found if found.type in types else None


def presented_secret(headers: Headers, scheme: str | None = "bearer") -> str | None:
    """The credential of `Authorization: Bearer X`, `GenieKey X` or the password of Basic.

    scheme None: the credential of `<any scheme> X` (Alertmanager's `authorization.type` and
    Grafana's scheme are free text); Basic is still decoded."""
    header = headers.get("authorization", "")
    kind, _, value = header.partition(" ")
    kind, value = kind.lower(), value.strip()
    if not value:
        return None
    if kind == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return value if scheme is None or kind == scheme else None


def by_signature(
    cfg: IntakeConfig, headers: Headers, body: bytes, now: datetime
) -> IntegrationInfo | None:
    """A Grafana integration whose HMAC secret signed this body (and, if it configures a
    timestamp header, signed a timestamp that is present and fresh)."""
    for info in cfg.by_key.values():
        if info.type != "grafana" or not info.hmac_secret or not info.hmac_header:
            continue
        signature = headers.get(info.hmac_header)
        if not signature:
            continue
        stamp = headers.get(info.timestamp_header) if info.timestamp_header else None
        if info.timestamp_header and not stamp:
            continue  # configured: a signature without its timestamp is no signature
        if grafana.signature_ok(info.hmac_secret, body, signature, stamp):
            if stamp is not None:
                _check_fresh(info, stamp, now)
            return info
    return None


def _check_fresh(info: IntegrationInfo, stamp: str, now: datetime) -> None:
    """Grafana's timestamp header carries Unix seconds; an old one is a replay."""
    header = info.timestamp_header
    if not (stamp.isascii() and stamp.strip().isdigit()) or len(stamp) > 12:
        raise Unauthorized(f"{header} must be Unix seconds", field=header)
    age = abs(now.timestamp() - int(stamp))
    if age > info.timestamp_max_age:
        raise Unauthorized(
            f"{header} is {int(age)} s away from now (at most {int(info.timestamp_max_age)} s)",
            field=header,
        )


def rejected(endpoint: str, client: str, secret: str | None) -> None:
    """Log a refused credential loudly, naming at most a short digest of it, never the key."""
    hint = hashlib.sha256(secret.encode()).hexdigest()[:8] if secret else "none"
    log.warning(
        "intake: %s refused a request from %s: unknown credential (sha256 prefix %s)",
        endpoint,
        client,
        hint,
    )
