"""Process settings from WARROOM_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

# The Apprise mailto:// URL (server, sender, mode) that e-mail contact methods go through.
DEFAULT_SMTP_URL = "mailto://localhost:25?from=warroom@localhost&mode=insecure"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WARROOM_", extra="ignore")

    database_url: str = "sqlite:///./var/warroom.db"
    # Base URL people reach warroom at; used in links inside pages and e-mails.
    public_url: str = "http://127.0.0.1:8080"
    # Secret for signed links (ack/resolve from a page) and heartbeat ping keys. Empty: pages
    # carry no ack/resolve links and heartbeats have no ping URL.
    secret_key: str = ""
    max_body_bytes: int = 1_048_576
    evidence_max_bytes: int = 10 * 1_048_576
    data_dir: Path = Path("./var")
    log_level: str = "info"
    # E-mail contact methods are sent through this Apprise mailto:// URL; the recipient is
    # added per message (`&to=...`).
    smtp_url: str = DEFAULT_SMTP_URL
    # A static Bearer credential for GET /metrics, so a Prometheus scrape job needs no user.
    metrics_token: str | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
