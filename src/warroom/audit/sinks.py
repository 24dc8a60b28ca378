"""Where checkpoints go: an appended file, a webhook, an e-mail address (any that are set)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from warroom import outbound
from warroom.mailto import mail_url
from warroom.settings import Settings

TIMEOUT_SECONDS = 10.0


class SinkFailed(Exception):
    """A sink did not take the checkpoint (the engine retries the job)."""


def configured(settings: Settings) -> list[str]:
    """The names of the sinks that are set."""
    named = {
        "file": settings.audit_checkpoint_file,
        "webhook": settings.audit_checkpoint_url,
        "email": settings.audit_checkpoint_email,
    }
    return [name for name, value in named.items() if value]


def append_file(path: Path, doc: dict[str, Any]) -> None:
    """Append the checkpoint as one JSON line; the file is created readable by its owner only."""
    line = (json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def post_webhook(url: str, doc: dict[str, Any], deny_private: bool | None = None) -> None:
    """POST the checkpoint as JSON; anything but a 2xx raises SinkFailed, and so does a
    destination warroom.outbound refuses (no redirect is followed)."""
    import httpx

    headers = {"Idempotency-Key": f"audit-checkpoint:{doc['written_at']}"}
    try:
        outbound.check_url(url, deny_private)
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            answer = client.post(
                url, json=doc, headers=headers,
                extensions={"trace": outbound.trace(deny_private)},
            )  # fmt: skip
    except (outbound.Refused, httpx.HTTPError) as exc:
        raise SinkFailed(f"webhook: {exc}") from exc
    if not answer.is_success:
        raise SinkFailed(f"webhook answered {answer.status_code}")


def send_email(
    smtp_url: str, address: str, doc: dict[str, Any], deny_private: bool | None = None
) -> None:
    """E-mail the checkpoint (the JSON document is the plain-text body) through smtp_url; an
    SMTP server warroom.outbound refuses raises SinkFailed."""
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(mail_url(smtp_url, address)):
        raise SinkFailed("email: WARROOM_SMTP_URL is not a usable mailto:// URL")
    try:
        outbound.check_mail_server(mail_url(smtp_url, address), deny_private)
    except outbound.Refused as exc:
        raise SinkFailed(f"email: {exc}") from exc
    body = json.dumps(doc, sort_keys=True, indent=1)
    title = f"warroom audit checkpoint {doc['written_at']}"
    if not notifier.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT):
        raise SinkFailed(f"email to {address} was not accepted")


def deliver(settings: Settings, doc: dict[str, Any]) -> list[str]:
    """Hand the checkpoint to every configured sink; the names of those that took it.

    Raises SinkFailed after trying them all if any failed."""
    done, failed = [], []
    deny = settings.outbound_private == "deny"
    for name in configured(settings):
        try:
            if name == "file" and settings.audit_checkpoint_file is not None:
                append_file(settings.audit_checkpoint_file, doc)
            elif name == "webhook" and settings.audit_checkpoint_url:
                post_webhook(settings.audit_checkpoint_url, doc, deny)
            elif name == "email" and settings.audit_checkpoint_email:
                send_email(settings.smtp_url, settings.audit_checkpoint_email, doc, deny)
            done.append(name)
        except (OSError, SinkFailed) as exc:
            failed.append(f"{name}: {exc}")
    if failed:
        raise SinkFailed("; ".join(failed))
    return done
