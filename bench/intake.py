"""Intake benchmark: JSON lines on stdout, progress on stderr (see ../shared/bench-format.md).

    python bench/intake.py [--quick] [--db sqlite|postgresql|both] [--senders N] [--seconds S]

Starts a real `warroom serve` (one process, `--no-engine`, SQLite file or a fresh PostgreSQL
database) with a config holding one Alertmanager integration and a few routes, then runs several
concurrent sender processes, each posting Alertmanager v4 webhook payloads of 10 alerts over a
kept-alive connection for the whole duration. Each payload is a group snapshot of 10 alerts
(fingerprints computed as Alertmanager does): a group's first payload is 10 new alerts (it opens
an incident); afterwards, in CHANGE_RATE (20 %) of payloads one alert is resolved and is replaced
by a new alert in the group's next payload (which joins the group's incident); everything else
is an unchanged re-send (repeats).

The load generator shares the machine's CPUs with the server, so it is kept cheap: each sender
speaks plain HTTP/1.1 over a raw keep-alive socket (the request head is serialised once; a
response is read by its Content-Length or chunks, status checked) instead of http.client, and a
member's JSON while firing is serialised once when the alert is created (a resolved alert is
serialised when it is sent, with endsAt = now). The bodies are the same JSON as before; every
request is still a full HTTP request to the real server, answered after the commit.

Figures (per database): alerts_per_s (alerts in 2xx-answered payloads / wall time),
request_p50_ms / request_p99_ms (client-side latency of every request), lost_alerts (alerts
answered 2xx but not stored as sent: a firing alert missing, or a resolved alert still open),
alertmanager_alerts_per_s (the same senders and payloads, converted to the API v2 shape, posted
to a private `prometheus-alertmanager` on 127.0.0.1 `/api/v2/alerts`, measured once per run) and
ratio_vs_alertmanager.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import multiprocessing as mp
import random
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import benchlib
from benchlib import free_port, fresh_database

from warroom.intake.schemas import label_fingerprint

log = functools.partial(benchlib.log, "intake")
emit = functools.partial(benchlib.emit, "intake")

SECRET = "bench-secret-0123456789abcdef"
GROUP_SIZE = 10
# Share of payloads in which one alert of the group resolves (and a new one replaces it in the
# group's next payload); the rest are unchanged snapshot re-sends (repeats).
CHANGE_RATE = 0.2
GROUPS_PER_SENDER = 25
CONFIG = f"""
severities:
  - {{key: SEV1, name: Critical}}
  - {{key: SEV2, name: Major}}
  - {{key: SEV3, name: Minor}}
services:
  - {{key: checkout, name: Checkout}}
  - {{key: search, name: Search}}
integrations:
  - {{key: prom, type: alertmanager, secret: "{SECRET}"}}
routes:
  - key: checkout
    matchers: ['service="checkout"']
    service: checkout
    severity: {{map: {{critical: SEV1, warning: SEV3}}, default: SEV2}}
    group_by: [alertname, service]
  - key: default
    service_label: service
    severity: {{map: {{critical: SEV1, warning: SEV3}}, default: SEV3}}
    group_by: [alertname, service]
"""


# ---- payloads -------------------------------------------------------------------------------


class Group:
    """One Alertmanager group whose snapshot evolves: repeats, one resolve, one replacement."""

    change_rate = CHANGE_RATE

    def __init__(self, sender: int, index: int) -> None:
        self.sender, self.index, self.serial = sender, index, 0
        self.service = "checkout" if index % 2 else "search"
        self.members = [self._new() for _ in range(GROUP_SIZE)]
        self.resolving: int | None = None

    def _new(self) -> dict[str, Any]:
        self.serial += 1
        labels = {
            "alertname": f"Bench{self.sender}x{self.index}",
            "instance": f"10.{self.sender}.{self.index}.{self.serial}:9100",
            "job": "bench",
            "service": self.service,
            "severity": "critical" if self.index % 3 == 0 else "warning",
        }
        member: dict[str, Any] = {
            "labels": labels,
            "startsAt": datetime.now(UTC).isoformat(),
            "fingerprint": label_fingerprint(labels),
        }
        # The member's JSON while it fires never changes: serialise it once, not per request.
        member["webhook_firing"] = json.dumps(webhook_alert(member, "firing", ""))
        member["am_firing"] = json.dumps(am_alert(member, "firing", ""))
        return member

    def next_payload(self, rng: random.Random) -> tuple[list[dict[str, Any]], list[str]]:
        """The group's next snapshot, as (alerts, their statuses)."""
        if self.resolving is not None:
            self.members[self.resolving] = self._new()  # the resolved one is gone; a new one fires
        self.resolving = rng.randrange(GROUP_SIZE) if rng.random() < self.change_rate else None
        statuses = [
            "resolved" if i == self.resolving else "firing" for i in range(len(self.members))
        ]
        return self.members, statuses


def webhook_alert(m: dict[str, Any], status: str, now: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": m["labels"],
        "annotations": {"summary": f"{m['labels']['instance']} is unhappy"},
        "startsAt": m["startsAt"],
        "endsAt": now if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.bench:9090/graph?g0.expr=up",
        "fingerprint": m["fingerprint"],
    }


def am_alert(m: dict[str, Any], status: str, now: str) -> dict[str, Any]:
    return {
        "labels": m["labels"],
        "annotations": {"summary": f"{m['labels']['instance']} is unhappy"},
        "startsAt": m["startsAt"],
        **({"endsAt": now} if status == "resolved" else {}),
        "generatorURL": "http://prometheus.bench:9090/graph?g0.expr=up",
    }


def _alerts_json(members: list[dict[str, Any]], statuses: list[str], target: str) -> str:
    """The alerts array: pre-serialised firing members, a resolved one serialised now."""
    now = datetime.now(UTC).isoformat() if "resolved" in statuses else ""
    build = webhook_alert if target == "webhook" else am_alert
    return "[{}]".format(
        ", ".join(
            m[f"{target}_firing"] if status == "firing" else json.dumps(build(m, status, now))
            for m, status in zip(members, statuses, strict=True)
        )
    )


def webhook_body(group: Group, members: list[dict[str, Any]], statuses: list[str]) -> bytes:
    alertname = members[0]["labels"]["alertname"]
    head = {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{alertname}"}}',
        "truncatedAlerts": 0,
        "status": "firing" if "firing" in statuses else "resolved",
        "receiver": "warroom",
        "groupLabels": {"alertname": alertname},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.bench:9093",
    }
    # The same JSON as json.dumps({**head, "alerts": [...]}), without re-encoding the alerts.
    alerts = _alerts_json(members, statuses, "webhook")
    return f'{json.dumps(head)[:-1]}, "alerts": {alerts}}}'.encode()


def am_api_body(members: list[dict[str, Any]], statuses: list[str]) -> bytes:
    return _alerts_json(members, statuses, "am").encode()


# ---- senders --------------------------------------------------------------------------------


class Http11:
    """A minimal HTTP/1.1 keep-alive client for one POST at a time, cheap on the shared CPU.

    The request head is serialised once; a response is read by its Content-Length (or chunked
    encoding) without http.client's header parsing. Any error closes the connection.
    """

    def __init__(self, port: int, path: str, headers: dict[str, str]) -> None:
        self.port = port
        lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode()
        self.sock: socket.socket | None = None
        self.buf = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, b""

    def _fill(self) -> None:
        assert self.sock is not None
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        self.buf += data

    def _take(self, size: int) -> bytes:
        while len(self.buf) < size:
            self._fill()
        data, self.buf = self.buf[:size], self.buf[size:]
        return data

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def post(self, body: bytes) -> int:
        """Send one request and read its whole response; the status code."""
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(b"%s%d\r\n\r\n%s" % (self.head, len(body), body))
        status = int(self._line().split(b" ", 2)[1])
        fields: dict[bytes, bytes] = {}
        while line := self._line():
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip().lower()
        if b"content-length" in fields:
            self._take(int(fields[b"content-length"]))
        elif fields.get(b"transfer-encoding") == b"chunked":
            while size := int(self._line().split(b";")[0], 16):
                self._take(size + 2)
            while self._line():  # trailers, up to the empty line
                pass
        else:
            raise ConnectionError("a response without a length")
        if fields.get(b"connection") == b"close":
            self.close()
        return status


def sender(
    index: int, port: int, path: str, seconds: float, target: str, results: Any, start_at: float
) -> None:
    rng = random.Random(index)
    groups = [Group(index, g) for g in range(GROUPS_PER_SENDER)]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {SECRET}"}
    conn = Http11(port, path, headers)
    latencies: list[float] = []
    ok_alerts = failed = 0
    firing_ok: set[tuple[str, str]] = set()
    resolved_ok: set[tuple[str, str]] = set()
    while time.time() < start_at:
        time.sleep(0.001)
    end = time.perf_counter() + seconds
    turn = 0
    while time.perf_counter() < end:
        group = groups[turn % len(groups)]
        turn += 1
        members, statuses = group.next_payload(rng)
        body = (
            webhook_body(group, members, statuses)
            if target == "warroom"
            else am_api_body(members, statuses)
        )
        started = time.perf_counter()
        try:
            status = conn.post(body)
        except (OSError, ValueError, IndexError):
            conn.close()
            status = 0
        latencies.append((time.perf_counter() - started) * 1000)
        if 200 <= status < 300:
            ok_alerts += len(members)
            for m, s in zip(members, statuses, strict=True):
                key = (m["labels"]["instance"], m["startsAt"])
                (resolved_ok if s == "resolved" else firing_ok).add(key)
        else:
            failed += 1
    results.put(
        {
            "latencies": latencies,
            "ok_alerts": ok_alerts,
            "failed": failed,
            "firing": sorted(firing_ok),
            "resolved": sorted(resolved_ok),
        }
    )


def run_senders(port: int, path: str, senders: int, seconds: float, target: str) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    results = ctx.Queue()
    start_at = time.time() + 1.0
    procs = [
        ctx.Process(target=sender, args=(i, port, path, seconds, target, results, start_at))
        for i in range(senders)
    ]
    for p in procs:
        p.start()
    parts = [results.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    latencies = sorted(x for part in parts for x in part["latencies"])
    return {
        "alerts": sum(p["ok_alerts"] for p in parts),
        "failed": sum(p["failed"] for p in parts),
        "requests": len(latencies),
        "p50": latencies[len(latencies) // 2] if latencies else 0.0,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0,
        "firing": {tuple(x) for p in parts for x in p["firing"]},
        "resolved": {tuple(x) for p in parts for x in p["resolved"]},
        "seconds": seconds,
    }


# ---- servers --------------------------------------------------------------------------------


@contextlib.contextmanager
def warroom_server(url: str, tmp: Path, workers: int = 1) -> Iterator[int]:
    config = tmp / "config"
    config.mkdir(exist_ok=True)
    (config / "intake.yaml").write_text(CONFIG)
    port = free_port()
    args = ["--no-engine", "--workers", str(workers)]
    with benchlib.warroom_serve(url, config, port, tmp / "serve.log", *args):
        yield port


@contextlib.contextmanager
def alertmanager_server(tmp: Path) -> Iterator[int | None]:
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if binary is None:
        log("prometheus-alertmanager not installed: no reference rate")
        yield None
        return
    port = free_port()
    (tmp / "am.yml").write_text(
        "route:\n  receiver: blackhole\n  group_wait: 30s\nreceivers:\n  - name: blackhole\n"
    )
    cmd = [
        binary,
        f"--config.file={tmp / 'am.yml'}",
        f"--storage.path={tmp / 'am-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=warn",
    ]
    with benchlib.server_process(cmd, port, log_path=tmp / "am.log", ready_path="/-/ready"):
        yield port


def count_lost(url: str, firing: set[Any], resolved: set[Any]) -> int:
    """Alerts answered 2xx but not stored as sent."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    stored: dict[str, bool] = {}  # instance -> still open
    with engine.connect() as conn:
        for labels, resolved_at in conn.execute(text("SELECT labels, resolved_at FROM alerts")):
            data = json.loads(labels) if isinstance(labels, str) else labels
            instance = data.get("instance", "")
            stored[instance] = stored.get(instance, False) or resolved_at is None
    engine.dispose()
    lost = sum(1 for instance, _ in firing if instance not in stored)
    lost += sum(1 for instance, _ in resolved if stored.get(instance, True))
    return lost


def bench_warroom(
    kind: str, senders: int, seconds: float, workers: int = 1
) -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmpdir:
        tmp = Path(tmpdir)
        try:
            ctx = fresh_database(kind, "intake", migrate=False)
            url = ctx.__enter__()
        except Exception as exc:  # PostgreSQL not reachable
            log(f"{kind}: skipped ({type(exc).__name__}: {str(exc).splitlines()[0]})")
            return None
        try:
            with warroom_server(url, tmp, workers) as port:
                log(f"{kind}: warroom serve on :{port}, {senders} senders for {seconds:.0f}s")
                result = run_senders(
                    port, "/api/v1/intake/alertmanager", senders, seconds, "warroom"
                )
            result["lost"] = count_lost(url, result["firing"], result["resolved"])
            return result
        finally:
            ctx.__exit__(None, None, None)


def bench_alertmanager(senders: int, seconds: float) -> float | None:
    with (
        tempfile.TemporaryDirectory(prefix="bench-am-") as tmpdir,
        alertmanager_server(Path(tmpdir)) as port,
    ):
        if port is None:
            return None
        log(f"alertmanager on :{port}, {senders} senders for {seconds:.0f}s")
        result = run_senders(port, "/api/v2/alerts", senders, seconds, "alertmanager")
        return float(result["alerts"]) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="finish within 45 s")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--workers", type=int, default=1, help="warroom serve --workers")
    parser.add_argument(
        "--change-rate",
        type=float,
        default=CHANGE_RATE,
        help="share of payloads in which one alert resolves (0 = unchanged re-sends only)",
    )
    args = parser.parse_args()
    Group.change_rate = args.change_rate
    seconds = args.seconds or (8.0 if args.quick else 30.0)
    am_seconds = min(seconds, 6.0) if args.quick else seconds
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    am_rate = bench_alertmanager(args.senders, am_seconds)
    if am_rate is not None:
        log(f"alertmanager: {am_rate:.0f} alerts/s")
    for kind in kinds:
        result = bench_warroom(kind, args.senders, seconds, args.workers)
        if result is None:
            continue
        rate = result["alerts"] / result["seconds"]
        ctx = {
            "db": kind,
            "senders": args.senders,
            "alerts_per_request": GROUP_SIZE,
            "workers": args.workers,
            "change_rate": args.change_rate,
        }
        log(
            f"{kind}: {result['requests']} requests, {result['failed']} non-2xx, "
            f"{rate:.0f} alerts/s, lost {result['lost']}"
        )
        emit("alerts_per_s", rate, "1/s", **ctx, non_2xx=result["failed"])
        emit("request_p50_ms", result["p50"], "ms", **ctx)
        emit("request_p99_ms", result["p99"], "ms", **ctx)
        emit("lost_alerts", result["lost"], "alerts", **ctx)
        if am_rate:
            emit("alertmanager_alerts_per_s", am_rate, "1/s", **ctx, measured="once per run")
            emit("ratio_vs_alertmanager", rate / am_rate, "ratio", **ctx)


if __name__ == "__main__":
    main()
