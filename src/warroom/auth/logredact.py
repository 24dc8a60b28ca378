"""Capability tokens never reach the logs: a filter for uvicorn's access and error logs.

Some credentials travel in the URL because the caller cannot send a header: page links
(`/p/<token>`), web UI invite links (`/invite/<token>`), calendar feeds
(`/ical/users/<token>.ics`), a status subscriber's confirm and unsubscribe links
(`/status/subscribers/confirm/<token>`) and heartbeat pings (`?key=`).
Whoever reads the access log must not be able to use them, so the request line is rewritten
before it is formatted. `warroom serve` installs the filter through `uvicorn_log_config()`.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

MASK = "***"

# Path segments that are themselves the credential.
_PATH_TOKENS = re.compile(
    r"(/p/|/invite/|/ical/(?:schedules|users)/|/status/subscribers/(?:confirm|unsubscribe)/)"
    r"[^/?#\s\"]+?(\.ics)?(?=[/?#\s\"]|$)"
)
# Query parameters that carry a credential (heartbeat keys, API keys some senders use).
_QUERY_SECRETS = re.compile(
    r"([?&](?:key|token|api_?key|access_token|secret|password|signature|sig)=)[^&#\s\"]*",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """The text with capability tokens in URLs replaced by ***."""
    text = _PATH_TOKENS.sub(lambda m: f"{m.group(1)}{MASK}{m.group(2) or ''}", text)
    return _QUERY_SECRETS.sub(lambda m: f"{m.group(1)}{MASK}", text)


class CapabilityRedactor(logging.Filter):
    """Rewrites a record's message and string arguments with `redact`; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with the redactor on every handler."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_capabilities"] = {
        "()": f"{__name__}.CapabilityRedactor"
    }
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_capabilities")
    # warroom's own lines (where pages go, undelivered pages, the engine) beside uvicorn's.
    config["loggers"]["warroom"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
