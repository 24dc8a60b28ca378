"""Commands that work on the database directly: schema, bootstrap, recovery, serving."""

from __future__ import annotations

import os
import re
from pathlib import Path

import typer

from warroom.cli.output import database_errors, echo, fail, fmt_time, redact_url

# A person's e-mail address: one @ with text on both sides, no spaces.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")

db_app = typer.Typer(help="Database schema", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (local, for bootstrap and recovery)", no_args_is_help=True)


def _url() -> str:
    from warroom.settings import Settings

    return Settings().database_url


def local_actor() -> str:
    """Who a command run on the database directly is recorded as: it has no token, so the
    account of the operating system that ran it ("cli (root@host)")."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no name for this uid (a bare container)
        user = f"uid {os.getuid()}"
    return f"cli ({user}@{socket.gethostname()})"


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Create or migrate the database named by WARROOM_DATABASE_URL."""
    from alembic.util.exc import CommandError

    from warroom.migrate import upgrade

    url = _url()
    with database_errors(url):
        try:
            upgrade(url, revision)
        except CommandError as exc:
            fail(f"cannot upgrade to {revision!r}: {exc}")
    echo(f"database at {redact_url(url)} is at {revision}")


@db_app.command("check")
def db_check() -> None:
    """Report, changing nothing, whether the database is migrated to this warroom's schema
    and the models have no change that no migration carries (exit 1 if not)."""
    from warroom.migrate import pending_model_changes

    url = _url()
    with database_errors(url):
        behind = _not_at_head(url)
        if behind:
            fail(behind)
        diff = pending_model_changes(url)
    if diff:
        for change in diff:
            echo(f"not in a migration: {change}", err=True)
        raise typer.Exit(1)
    echo("models and migrations agree")


def _not_at_head(url: str) -> str | None:
    """What keeps the database at url from being at this warroom's head revision, read only
    (a SQLite file that is not there is not made)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError
    from sqlalchemy import create_engine

    from warroom.db import normalize_url
    from warroom.migrate import alembic_config

    shown = redact_url(url)
    path = url.removeprefix("sqlite:///").split("?", 1)[0]
    if url.startswith("sqlite:///") and path != ":memory:" and not Path(path).exists():
        return f"no database at {path}: run `warroom db upgrade` to create it"
    engine = create_engine(normalize_url(url))  # no pragmas: they would write to SQLite
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    if current is None:
        return f"the database at {shown} is not migrated: run `warroom db upgrade`"
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head()
    if current == head:
        return None
    try:
        script.get_revision(current)
    except CommandError:
        return (
            f"the database at {shown} is at revision {current}, which this warroom does not "
            f"know (migrated by a newer warroom?); this one's is {head}"
        )
    return f"the database at {shown} is at revision {current}, not {head}: run `warroom db upgrade`"


@token_app.command("create")
def token_create(
    user: str = typer.Option(..., "--user", help="E-mail of the user"),
    role: str = typer.Option(None, "--role", help="viewer, responder or admin"),
    name: str = typer.Option("cli", "--name", help="What the token is for"),
) -> None:
    """Create an API token for a user (creating the user if needed) and print it once."""
    from warroom.audit import service as timeline
    from warroom.auth import service
    from warroom.clock import SystemClock
    from warroom.db import Database
    from warroom.errors import WarroomError

    email = user.strip().lower()
    if not _EMAIL.fullmatch(email):
        fail(f"--user: {user!r} is not an e-mail address")
    url = _url()
    clock = SystemClock()
    with database_errors(url):
        db = Database(url)
    try:
        with database_errors(url), db.session() as session:
            account = service.ensure_user(
                session, clock, email=email, name=email.split("@")[0], role=role or "responder"
            )
            if not account.active:
                # Its token would be refused: the API authenticates active people only.
                fail(f"{email} is deactivated (removed from the config); no token was made")
            actor = local_actor()
            if role and service.role_rank(role) > service.role_rank(account.role):
                # Local recovery may raise a user's role: said on the audit chain, as the API's.
                before, account.role = account.role, role
                change = {"user": account.email, "from": before, "to": role}
                timeline.record(
                    session,
                    clock,
                    incident_id=None,
                    kind="auth:user:role_changed",
                    actor=actor,
                    payload=change,
                )
            token, plaintext = service.create_token(session, clock, account, name=name, role=role)
            # Whoever holds a token acts as its user: the audit log says who made this one.
            service.record_token_event(
                session, clock, actor, "auth:token:created", token, role=token.role
            )
    except WarroomError as exc:
        fail(exc.message)
    finally:
        db.dispose()
    echo(plaintext)


@token_app.command("revoke")
def token_revoke(token_id: int = typer.Argument(..., min=1, max=2**31 - 1)) -> None:
    """Revoke a token by id (and every token it minted)."""
    from warroom.auth.models import ApiToken
    from warroom.auth.service import record_token_event, revoke_tokens
    from warroom.clock import SystemClock
    from warroom.db import Database

    url = _url()
    with database_errors(url):
        db = Database(url)
    try:
        with database_errors(url), db.session() as session:
            token = session.get(ApiToken, token_id)
            if token is None:
                fail(f"no token {token_id}")
            revoked = token.revoked_at  # kept as it was: when it stopped working
            # With every token it minted over the API, even when it was revoked before.
            clock = SystemClock()
            stopped = revoke_tokens(session, clock, [token_id])
            if stopped:
                record_token_event(
                    session, clock, local_actor(), "auth:token:revoked", token, revoked=stopped
                )
    finally:
        db.dispose()
    if revoked is not None:
        echo(f"token {token_id} was already revoked at {fmt_time(revoked.isoformat())}")
        return
    echo(f"token {token_id} revoked")


def bootstrap(
    url: str = typer.Option("http://127.0.0.1:8080", help="Where warroom serves"),
    email: str = typer.Option("admin@warroom.local", help="First admin's e-mail"),
) -> None:
    """Create a first admin and token if no admin can log in yet; print how to start."""
    from warroom.auth.bootstrap import ensure_admin_invite, ensure_admin_token
    from warroom.clock import SystemClock
    from warroom.db import Database
    from warroom.settings import Settings

    if not _EMAIL.fullmatch(email := email.strip()):
        fail(f"--email: {email!r} is not an e-mail address")
    database_url = _url()  # `url` is where warroom serves, printed below
    with database_errors(database_url):
        db = Database(database_url)
    try:
        with database_errors(database_url), db.session() as session:
            admin_email, plaintext = ensure_admin_token(session, SystemClock(), email)
            invite = ensure_admin_invite(
                session, SystemClock(), admin_email, Settings().invite_valid_seconds
            )
    finally:
        db.dispose()
    echo("")
    if plaintext:
        echo(f"Created the first admin token for {admin_email} (shown only this once):")
        echo("")
        echo(f"  export WARROOM_URL={url}")
        echo(f"  export WARROOM_TOKEN={plaintext}")
        echo("")
        echo("or log the CLI in once (kept in your user config, readable by you only):")
        echo(f"  .venv/bin/warroom login --url {url} --token {plaintext}")
    else:
        echo(f"An admin token already exists for {admin_email}. Lost it? Run:")
        echo(
            f"  export WARROOM_TOKEN=$(.venv/bin/warroom token create --user {admin_email}"
            " --role admin)"
        )
    echo("")
    if invite:
        echo(f"Web UI: open this one-time link to set {admin_email}'s password:")
        echo(f"  {url}/invite/{invite}")
    else:
        echo(f"Web UI: sign in at {url}/login as {admin_email}")
    echo("")
    echo("Open a test incident with:")
    echo('  .venv/bin/warroom incident open --title "Test incident" --severity SEV3')
    echo("or fire a test alert with:")
    echo(f"  curl -sS -X POST {url}/api/v1/intake/generic \\")
    echo('    -H "Authorization: Bearer $WARROOM_TOKEN" -H "Content-Type: application/json" \\')
    echo(
        '    -d \'{"title": "Test alert", "severity": "SEV3", '
        '"labels": {"service": "api-gateway"}}\''
    )
    echo("")
    echo(f"API docs: {url}/docs   Health: {url}/healthz")
    echo("")


def _can_listen(host: str, port: int) -> None:
    """Fail before migrating or starting the engine when the address cannot be listened on
    (uvicorn finds out only after the app and its engine have started)."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        fail(f"--host {host!r}: {exc.strerror}")
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            fail(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
                "is warroom already running there? (--port chooses another)"
            )


# Seconds `serve` gives requests in flight once asked to stop (SIGTERM, Ctrl-C).
GRACEFUL_SHUTDOWN_S = 5


def serve(
    config: Path = typer.Option(None, "--config", help="Apply this config dir on start"),
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(8080, min=1, max=65535, help="Port to listen on"),
    no_engine: bool = typer.Option(
        False, "--no-engine", help="Serve the API only; run `warroom worker` apart"
    ),
    workers: int = typer.Option(1, help="HTTP worker processes"),
    ssl_certfile: Path = typer.Option(
        None, "--ssl-certfile", exists=True, dir_okay=False, help="Serve HTTPS: PEM certificate"
    ),
    ssl_keyfile: Path = typer.Option(
        None, "--ssl-keyfile", exists=True, dir_okay=False, help="Serve HTTPS: PEM private key"
    ),
    trusted_proxies: str = typer.Option(
        None,
        "--trusted-proxies",
        metavar="ADDRESSES",
        help="Honour X-Forwarded-For/-Proto from these IP addresses or CIDR networks"
        " (comma-separated; overrides WARROOM_TRUSTED_PROXIES; '' trusts none)",
    ),
) -> None:
    """Migrate the database, apply the config, and serve API, UI and engine."""
    import uvicorn

    from warroom.auth.logredact import uvicorn_log_config
    from warroom.migrate import upgrade
    from warroom.settings import Settings, ensure_secret_key, trusted_proxy_list

    source = "--trusted-proxies" if trusted_proxies is not None else "WARROOM_TRUSTED_PROXIES"
    try:
        # Checked before anything is migrated or served: uvicorn ignores what it cannot parse.
        proxies = trusted_proxy_list(
            trusted_proxies if trusted_proxies is not None else Settings().trusted_proxies
        )
    except ValueError as exc:
        fail(f"{source}: {exc}")
    _can_listen(host, port)
    with database_errors(_url()):
        upgrade(_url())
    if config is not None:
        from warroom.cli.config import apply_on_start

        # Problems or a refusal end here (exit 1, nothing applied); else logs the revision.
        apply_on_start(config)

    # uvicorn builds the app from the environment; pass the key on so page links are signed.
    os.environ["WARROOM_SECRET_KEY"] = ensure_secret_key(Settings())
    if no_engine:
        os.environ["WARROOM_ENGINE"] = "off"
    uvicorn.run(
        "warroom.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=os.environ.get("WARROOM_LOG_LEVEL", "info"),
        # Page-link, feed and heartbeat tokens in request lines are masked in the logs.
        log_config=uvicorn_log_config(),
        # Client address and scheme from X-Forwarded-For/-Proto, only for requests whose peer
        # is a trusted proxy (uvicorn's ProxyHeadersMiddleware); with none, the peer's own.
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
        # TLS for senders whose client libraries refuse http:// (the `pagerduty` library).
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
        # On SIGTERM, requests in flight get this long to finish; then the connections still
        # open are closed. Without a bound, one idle keep-alive TLS connection (a sender's
        # pooled one) held the stop until the client went away.
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


def login(
    url: str = typer.Option(..., "--url", help="Where warroom serves"),
    token: str = typer.Option(
        ...,
        "--token",
        prompt=True,
        hide_input=True,
        help="An API token (prompted for when not given)",
    ),
) -> None:
    """Check a token against the server and keep URL and token in the user's config file."""
    import json

    import httpx

    from warroom.cli.client import ApiClient, ApiError, config_path

    api = ApiClient(
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    )
    try:
        me = api.get("/api/v1/me")
    except ApiError as exc:
        fail(f"login failed: {exc.message}")
    path = config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The token is a secret: the file is readable by its owner only.
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        path.write_text(json.dumps({"url": url, "token": token}, indent=2) + "\n")
    except OSError as exc:
        fail(f"cannot save the login to {path}: {exc.strerror or exc}")
    echo(f"logged in to {url} as {me['email']} ({me['role']}); saved to {path}")
