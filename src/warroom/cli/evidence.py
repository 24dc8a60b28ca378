"""`warroom evidence add|list|get|remove|export|verify`."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import typer

from warroom.cli.output import (
    IncidentArg,
    JsonOption,
    api_errors,
    echo,
    fail,
    fmt_time,
    keep_existing,
    print_json,
    print_table,
    write_file,
)
from warroom.evidence.naming import default_name

evidence_app = typer.Typer(help="The evidence locker: append-only, hashed, access-controlled")


def _api() -> Any:
    from warroom.cli.client import client

    return client()


@evidence_app.command("add")
def add(
    number: int = IncidentArg,
    text: str = typer.Option(None, "--text", help="Text evidence"),
    file: Path = typer.Option(None, "--file", exists=True, dir_okay=False, help="A file"),
    link: str = typer.Option(None, "--link", help="An http(s) link"),
    command: str = typer.Option(
        None, "--command", help="Command output: the command; output from --output or stdin"
    ),
    output: Path = typer.Option(
        None, "--output", exists=True, dir_okay=False, help="With --command: a file of its output"
    ),
    name: str = typer.Option(None, "--name", help="A short name (defaults to the file name)"),
    description: str = typer.Option("", "--description", "-d", help="What it shows"),
    as_json: bool = JsonOption,
) -> None:
    """Add text, a file, a link or command output to an incident's evidence."""
    chosen = [x for x in (text, file, link, command) if x is not None]
    if len(chosen) != 1:
        fail("give exactly one of --text, --file, --link, --command")
    base = f"/api/v1/incidents/{number}/evidence"
    with api_errors():
        api = _api()
        if file is not None:
            with file.open("rb") as handle:
                item = api.post(
                    f"{base}/files",
                    files={"file": (file.name, handle)},
                    data={"name": name or default_name(file.name), "description": description},
                )
        else:
            body: dict[str, Any] = {"description": description}
            if text is not None:
                body.update(kind="text", name=name or "note", content=text)
            elif link is not None:
                body.update(kind="link", name=name or default_name(link), content=link)
            else:
                out = _command_output(output)
                body.update(
                    kind="command", name=name or default_name(command), command=command, content=out
                )
            item = api.post(base, json=body)
    if as_json:
        print_json(item)
    else:
        echo(f"INC-{number}: evidence {item['id']} sha256={item['sha256']} ({item['size']} B)")


@evidence_app.command("list")
def list_items(number: int = IncidentArg, as_json: bool = JsonOption) -> None:
    """List an incident's evidence (removed items show as tombstones)."""
    with api_errors():
        items = _api().get(f"/api/v1/incidents/{number}/evidence")
    if as_json:
        print_json(items)
        return
    rows = [
        {**i, "sha": i["sha256"][:16], "state": "removed" if i["removed_at"] else ""} for i in items
    ]
    print_table(
        rows,
        [
            ("id", "ID"),
            ("kind", "Kind"),
            ("name", "Name"),
            ("size", "Bytes"),
            ("sha", "sha256"),
            ("added_by", "Added by"),
            ("added_at", "Added"),
            ("state", ""),
        ],
        formatters={"added_at": fmt_time},
    )


def _command_output(output: Path | None) -> str:
    """The command's output from --output or standard input, as UTF-8 text."""
    raw = output.read_bytes() if output else sys.stdin.buffer.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        where = output or "standard input"
        fail(f"{where} is not UTF-8 text; add it with --file (kept byte for byte)")


@evidence_app.command("get")
def get(
    number: int = IncidentArg,
    item_id: int = typer.Argument(...),
    out: Path = typer.Option(None, "--out", "-o", help="Write here instead of stdout"),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists"),
) -> None:
    """Download one item's content (the download is logged on the timeline)."""
    if out is not None and not force:
        keep_existing(out, "--out")
    path = f"/api/v1/incidents/{number}/evidence/{item_id}/content"
    with api_errors():
        api = _api()
        # The raw bytes, whatever their type (the client would decode JSON content).
        response = api.http.get(path)
        if response.status_code >= 400:
            api.get(path)  # raises ApiError with the server's message
        raw = response.content
        recorded = response.headers.get("x-evidence-sha256")
    digest = hashlib.sha256(raw).hexdigest()
    if recorded and digest != recorded:
        # The bytes no longer match the item's hash: hand nothing on as the evidence.
        fail(
            f"INC-{number}: evidence {item_id}: the bytes received hash to {digest}, the item's "
            f"sha256 is {recorded}; nothing written (`warroom audit verify` names what changed)"
        )
    if out is None:
        sys.stdout.buffer.write(raw)
    else:
        write_file(out, raw, private=True)  # evidence may hold secrets: owner only
        matched = " as recorded" if recorded else ""
        echo(f"wrote {out} ({len(raw)} B, sha256 {digest}{matched})")


@evidence_app.command("remove")
def remove(
    number: int = IncidentArg,
    item_id: int = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", "-r", help="Why, for the record"),
) -> None:
    """Tombstone an item: it stays listed (name, size, sha256), its bytes are erased."""
    with api_errors():
        _api().delete(f"/api/v1/incidents/{number}/evidence/{item_id}", params={"reason": reason})
    echo(f"INC-{number}: evidence {item_id} removed")


@evidence_app.command("export")
def export(
    number: int = IncidentArg,
    out: Path = typer.Option(None, "--out", "-o", help="Default: INC-N-evidence.zip"),
    force: bool = typer.Option(False, "--force", help="Overwrite the file if it exists"),
) -> None:
    """Write a zip of the items and a manifest of their sha256 hashes (an earlier export of
    the same name is kept unless --force)."""
    target = out or Path(f"INC-{number}-evidence.zip")
    if not force:
        keep_existing(target, "--out")
    with api_errors():
        data = _api().get(f"/api/v1/incidents/{number}/evidence/export")
    write_file(target, data, private=True)  # owner only, like the database it came from
    echo(f"wrote {target}")


@evidence_app.command("verify")
def verify(
    path: Path = typer.Argument(..., exists=True, dir_okay=False),
    server: bool = typer.Option(
        False,
        "--server",
        help="Also ask the server whether it exported this very manifest (catches an item "
        "changed or dropped together with its manifest line)",
    ),
) -> None:
    """Check an export's items against its manifest; exit 1 naming any bad item."""
    from warroom.evidence.bundle import manifest_identity, verify_zip

    count, problems = verify_zip(path)
    number, digest = manifest_identity(path)
    recorded = None
    if server and not problems:
        if number is None or digest is None:
            problems.append("manifest.json names no incident number to check with the server")
        else:
            recorded = _recorded_export(number, digest)
            if recorded is None:
                problems.append(
                    f"manifest.json (sha256 {digest}) is not a manifest warroom exported for "
                    f"INC-{number}: no evidence:export:downloaded event of it records that sha256"
                )
    for problem in problems:
        echo(f"BAD: {problem}", err=True)
    if problems:
        raise typer.Exit(1)
    echo(f"OK: {count} item(s) match the manifest (manifest sha256 {digest})")
    if recorded is not None:
        echo(
            f"OK: warroom recorded exporting this manifest for INC-{number} "
            f"(event #{recorded['seq']}, {fmt_time(recorded['occurred_at'])}, "
            f"by {recorded['actor']})"
        )


def _recorded_export(number: int, digest: str) -> dict[str, Any] | None:
    """The incident's `evidence:export:downloaded` event recording this manifest, or None."""
    params: dict[str, Any] = {"kind": "evidence:export:downloaded", "limit": 500}
    with api_errors():
        api = _api()
        while True:
            page = api.get(f"/api/v1/incidents/{number}/timeline", params=params)
            for event in page["items"]:
                if event.get("payload", {}).get("manifest_sha256") == digest:
                    return dict(event)
            if not page.get("next_cursor"):
                return None
            params["cursor"] = page["next_cursor"]
