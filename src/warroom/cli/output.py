"""Printing for the CLI: Rich tables, JSON, times in the reader's time zone, errors."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, NoReturn

import typer

JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table")
INCIDENT_HINT = "an incident number such as INC-42 or 42"


def incident_number(value: str | int) -> int:
    """'INC-42', 'inc-42' or '42' -> 42; anything else is a clear usage error."""
    text = str(value).strip()
    digits = text[4:] if text[:4].upper() == "INC-" else text
    if not digits.isascii() or not digits.isdigit() or not 0 < int(digits) < 2**31:
        raise typer.BadParameter(f"{text!r} is not {INCIDENT_HINT}")
    return int(digits)


IncidentArg = typer.Argument(
    ..., metavar="INC-N", help=f"The incident: {INCIDENT_HINT}", parser=incident_number
)
IncidentOption = typer.Option(
    None,
    "--incident",
    metavar="INC-N",
    help=f"Only this incident: {INCIDENT_HINT}",
    parser=incident_number,
)


def _tz() -> tzinfo | None:
    """The reader's zone: WARROOM_TZ, else TZ, else None (the system's). A WARROOM_TZ that is
    no zone is an error (times read in another zone would be hours off); TZ may hold what the
    C library reads and Python does not (':/etc/localtime'), so the system's zone is used."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    for variable in ("WARROOM_TZ", "TZ"):
        name = os.environ.get(variable)
        if not name:
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            if variable == "TZ":
                return None
            fail(f"WARROOM_TZ {name!r} is not a time zone (an IANA name such as Europe/Berlin)")
    return None


def in_reader_zone(text: str) -> str:
    """A period's bound as the API is to read it: an ISO date or time without an offset is the
    reader's (WARROOM_TZ, TZ or local, as every time the CLI reads) and goes with its offset;
    an age (30d), a time with an offset or anything else goes as typed (the API judges it)."""
    try:
        when = datetime.fromisoformat(text.strip())
        if when.tzinfo is not None:
            return text
        zone = _tz()
        return (when.replace(tzinfo=zone) if zone else when.astimezone()).isoformat()
    except (ValueError, OverflowError):
        return text


def fmt_time(value: str | None) -> str:
    """An ISO time from the API, shown in the reader's zone (WARROOM_TZ, TZ or local)."""
    if not value:
        return "-"
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    local = when.astimezone(_tz())
    return local.strftime("%Y-%m-%d %H:%M:%S %Z")


# Control characters but tab and newline. Screens quote incident and alert titles, labels,
# notes, hypotheses and tasks, which the API and alert senders may fill with terminal controls:
# ESC ] 0;...BEL retitles the terminal, ESC [2J clears it, OSC 52 writes its clipboard. Every
# screen writes them as \xNN (echo, secho, console and fail below), never to the terminal.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """Text with each control character (tab and newline apart) written as \\xNN."""
    return _CONTROLS.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def echo(message: Any = "", *, err: bool = False, nl: bool = True) -> None:
    """typer.echo for anything that may hold a sender's or a person's text."""
    typer.echo(visible(str(message)), err=err, nl=nl)


def secho(message: Any, *, err: bool = False, **style: Any) -> None:
    """typer.secho likewise: the style is warroom's, the text is shown as in echo."""
    typer.secho(visible(str(message)), err=err, **style)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


# The width of output to a pipe or a file (`| grep`, `> out.txt`, `| less`): Rich's 80 columns
# there cut table cells ('…') and wrap them; nothing reads it at a width, so none is imposed.
PIPE_WIDTH = 4096


def console(*, pipe_width: int = PIPE_WIDTH) -> Any:
    """Rich's console: a terminal's own width (or COLUMNS when set); `pipe_width` otherwise
    (a screen laid out for a terminal, with rules across it, passes its own)."""
    safe = _safe_console()
    out = safe()
    if not out.is_terminal and not os.environ.get("COLUMNS"):
        return safe(width=pipe_width)
    return out


_SAFE_CONSOLE: Any = None


def _safe_console() -> Any:
    """Rich's Console writing every text as `visible` does. Its own styles travel apart from
    the text (control segments and styles), so only what was printed is rewritten; markup is
    left to the screens, which escape what they quote (rich.markup.escape)."""
    global _SAFE_CONSOLE
    if _SAFE_CONSOLE is None:
        from rich.console import Console
        from rich.segment import Segment

        class SafeConsole(Console):
            # Rich drops a few controls (BEL, BS, CR) from text silently; shown as \xNN here
            # first, a title reads the same on every screen, as in `warroom brief`.
            def render_str(self, text: str, **options: Any) -> Any:
                return super().render_str(visible(text), **options)

            def render(self, renderable: Any, options: Any = None) -> Any:
                for segment in super().render(renderable, options):
                    if segment.control or not _CONTROLS.search(segment.text):
                        yield segment
                    else:
                        yield Segment(visible(segment.text), segment.style)

        _SAFE_CONSOLE = SafeConsole
    return _SAFE_CONSOLE


def print_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    title: str | None = None,
    formatters: dict[str, Callable[[Any], str]] | None = None,
) -> None:
    """Print rows as a table; columns are (key, heading) pairs."""
    from rich.table import Table
    from rich.text import Text

    formatters = formatters or {}
    table = Table(title=title)
    for _, heading in columns:
        table.add_column(heading)
    for row in rows:
        cells: list[Any] = []
        for key, _ in columns:
            value = row.get(key)
            # A value as it is (Text: "[urgent] ..." is not markup); formatters may style.
            cells.append(
                formatters[key](value)
                if key in formatters
                else Text("-" if value is None else visible(str(value)))
            )
        table.add_row(*cells)
    console().print(table)


def fail(message: str, code: int = 1) -> NoReturn:
    sys.stderr.write(f"error: {visible(message)}\n")
    raise typer.Exit(code)


@contextmanager
def api_errors() -> Iterator[None]:
    """Turn ApiError into a one-line message and exit code 1."""
    from warroom.cli.client import ApiError

    try:
        yield
    except ApiError as exc:
        where = f" (field: {exc.field})" if exc.field else ""
        fail(f"{exc.message}{where}" if exc.status else exc.message)


def keep_existing(target: Path, option: str) -> None:
    """Stop, before anything is fetched, when `target` exists and --force was not given: an
    earlier export or download may be the copy someone verified or handed on, and must not
    change under them (every command that writes a file it was named does this)."""
    if target.exists():
        fail(
            f"{target} already exists: nothing written (it is kept as it is); "
            f"choose another {option}, or --force to overwrite it"
        )


def write_file(path: Path, data: bytes | str, *, private: bool = False) -> None:
    """Write what a command was asked to save (--out); a path that cannot be written is one
    line and exit 1. `private`: readable by its owner only (evidence may hold secrets)."""
    from warroom.settings import write_private

    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if private:
            write_private(path, raw)
        else:
            path.write_bytes(raw)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")


def redact_url(url: str) -> str:
    """A database URL with its user and password masked: postgresql://***@host/db."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


NOT_A_DB_URL = "is not a database URL (sqlite:///PATH or postgresql+psycopg://USER@HOST/DB)"


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """For commands that open the database themselves: a URL that is no database URL, a
    database that cannot be reached or was never migrated is one line and exit 1."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    shown = redact_url(url)
    try:
        yield
    except ArgumentError:
        fail(f"WARROOM_DATABASE_URL {shown!r} {NOT_A_DB_URL}")
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)
        reason = (str(orig or exc).strip().splitlines() or ["unknown"])[0]
        if "no such table" in reason or getattr(orig, "sqlstate", None) == "42P01":
            fail(f"the database at {shown} is not migrated: run `warroom db upgrade`")
        fail(f"cannot use the database at {shown}: {reason}")
    except OSError as exc:
        fail(f"cannot use the database at {shown}: {exc}")
