"""Process settings from WARROOM_* environment variables."""

from __future__ import annotations

import os
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    # The Alertmanager/Grafana webhook and generic intake bodies: a whole alert group, which
    # Alertmanager sends in one request however large (stored in bounded chunks).
    intake_max_body_bytes: int = 16 * 1_048_576
    evidence_max_bytes: int = 10 * 1_048_576
    # Every action (mitigations, controls) may run; WARROOM_ACTIONS=off refuses them all.
    actions: bool = True
    data_dir: Path = Path("./var")
    log_level: str = "info"
    # E-mail contact methods are sent through this Apprise mailto:// URL; the recipient is
    # added per message (`&to=...`).
    smtp_url: str = DEFAULT_SMTP_URL
    # A static Bearer credential for GET /metrics, so a Prometheus scrape job needs no user.
    metrics_token: str | None = None
    # Signed checkpoints of every audit chain head, written outside the database every this
    # many seconds (0: only on demand) to each sink that is set: an appended file (keep it on
    # another disk), a webhook URL (POSTed as JSON) and an e-mail address (via smtp_url).
    audit_checkpoint_seconds: float = 3600.0
    audit_checkpoint_file: Path | None = None
    audit_checkpoint_url: str | None = None
    audit_checkpoint_email: str | None = None
    # Web UI sign-in: a session ends after this long without a request, and in any case this
    # long after sign-in; failed sign-ins per account and per client address in a window.
    session_idle_seconds: float = 8 * 3600.0
    session_max_seconds: float = 7 * 86400.0
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_window_seconds: float = 900.0
    invite_valid_seconds: float = 7 * 86400.0
    # Reverse proxies (comma-separated IP addresses or CIDR networks) whose X-Forwarded-For and
    # X-Forwarded-Proto `warroom serve` honours; empty: none, every request is its peer's.
    trusted_proxies: str = ""
    # Outbound calls (webhooks, Apprise services, http actions, audit sinks) never go to
    # link-local, unspecified or multicast addresses (see warroom.outbound); "deny" refuses
    # loopback and private networks as well.
    outbound_private: Literal["allow", "deny"] = "allow"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def trusted_proxy_list(value: str) -> list[str]:
    """WARROOM_TRUSTED_PROXIES as a list of addresses and networks, each in its canonical form.

    Raises ValueError naming the first item that is neither an IP address nor a CIDR network:
    uvicorn would take such an item for a host name that no client address ever matches, and
    silently trust nobody.
    """
    import ipaddress

    trusted: list[str] = []
    for raw in value.split(","):
        item = raw.strip()
        if not item:
            continue
        try:
            parsed = ipaddress.ip_network(item) if "/" in item else ipaddress.ip_address(item)
        except ValueError:
            problem = "is not an IP address or CIDR network (such as 192.0.2.1 or 10.0.0.0/8)"
            if "/" in item:
                with suppress(ValueError):
                    network = ipaddress.ip_network(item, strict=False)
                    problem = f"has host bits set: did you mean {network}?"
            raise ValueError(f"{item!r} {problem}") from None
        trusted.append(str(parsed))
    return trusted


def ensure_secret_key(settings: Settings) -> str:
    """The configured secret key, or the one kept in data_dir (created on first use).

    A single-host install then signs page links without any setup; a split deployment sets
    WARROOM_SECRET_KEY on every process instead. Processes starting together agree on one key:
    it is written whole to a private temporary file and linked into place only if no key is
    there yet, so the first writer wins and a reader never sees a partial or empty key.
    """
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        key = _read_key(path)
        if key:
            return key
        _create_key(path)
    raise RuntimeError(f"{path} is empty or unreadable; remove it to have a new key made")


def _read_key(path: Path) -> str:
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        return ""
    narrow_to_owner(path)
    return key


def _create_key(path: Path) -> None:
    import fcntl
    import secrets

    # The lock only serialises replacing an empty key left by an older version; readers
    # never take it, and a key once linked into place never changes.
    with open(path.with_name(".secret_key.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _read_key(path):
            return
        path.unlink(missing_ok=True)  # an empty key (older versions could leave one)
        temporary = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(6)}")
        write_private(temporary, secrets.token_urlsafe(48).encode())
        try:
            os.link(temporary, path)  # fails if another process put a key there first
        except FileExistsError:
            pass
        finally:
            temporary.unlink()


PRIVATE_MODE = 0o600


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner may read or write (created 0600; narrowed if it existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), PRIVATE_MODE)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def narrow_to_owner(path: Path) -> None:
    """Remove group and other permissions from a file warroom keeps data or secrets in."""
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(PRIVATE_MODE)
    except OSError:
        pass  # missing, or not ours to change: the database or the reader reports the problem


def private_sqlite_files(url: str) -> None:
    """Create an SQLite database file 0600 before SQLite does (it would use the umask).

    SQLite gives the -wal and -shm files the mode of the database file, so they follow.
    Files of an existing database are narrowed to 0600 too.
    """
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    if parsed.query.get("mode") == "memory" or parsed.query.get("uri"):
        return
    path = Path(database)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_MODE))
    except OSError:
        return  # e.g. no such directory: SQLite reports it when it connects
    for suffix in ("", "-wal", "-shm", "-journal"):
        narrow_to_owner(path.with_name(path.name + suffix))
