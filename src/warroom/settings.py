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
    # Secret for signed links (ack/resolve from a page) and heartbeat ping keys. Empty: `serve`
    # and `worker` use the key kept in data_dir/secret_key, creating it on first start.
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


def ensure_secret_key(settings: Settings) -> str:
    """The configured secret key, or the one kept in data_dir (created on first use).

    A single-host install then signs page links without any setup; a split deployment sets
    WARROOM_SECRET_KEY on every process instead.
    """
    if settings.secret_key:
        return settings.secret_key
    import secrets

    path = settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()
