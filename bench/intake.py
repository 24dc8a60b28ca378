"""Intake benchmark: JSON lines on stdout, progress on stderr (see ../shared/bench-format.md).

    python bench/intake.py [--quick] [--db sqlite|postgresql|both] [--senders N] [--seconds S]

Starts a real `warroom serve` (one process with its embedded engine, on a SQLite file or a
fresh PostgreSQL database) with a config of people, a schedule, escalation policies and services
that name them, and a local webhook receiver (127.0.0.1) as everybody's contact method. Several
concurrent sender processes post Alertmanager v4 webhook payloads of 10 alerts over a
kept-alive connection. Each payload is a group snapshot; the mix, per payload in steady state:
NEW_SHARE (20 %) of the alerts are new (they replace the ones resolved in the group's previous
payload), as many resolve, the rest are repeats. Now and then a group ends (all its alerts
resolve) and a new group takes its place, opening an incident whose paging plan, escalation and
page delivery run on the engine while intake goes on.

Figures (per database): alerts_per_s (alerts in 2xx-answered payloads / measured wall time from
the common start to the last sender's last answer), request_p50_ms / request_p99_ms (client-side
latency of every request, failures included), lost_alerts (alerts answered 2xx but not stored as
sent: a firing alert missing, or a resolved alert still open), alertmanager_alerts_per_s (the
same senders and payloads, in the API v2 shape, posted to a private `prometheus-alertmanager` on
127.0.0.1 `/api/v2/alerts` in the same run) and ratio_vs_alertmanager. Also
page_under_intake_p50_ms / page_under_intake_p99_ms (from the first POST of a new group to its
page reaching the receiver, every incident counted; one never paged by the end counts as the
whole wait) and unpaged_incidents.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import multiprocessing as mp
import random
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import benchlib
from benchlib import free_port, fresh_database, percentile

from warroom.intake.schemas import label_fingerprint

log = functools.partial(benchlib.log, "intake")
emit = functools.partial(benchlib.emit, "intake")

SECRET = "bench-secret-0123456789abcdef"
GROUP_SIZE = 10
# Share of a payload's alerts that are new (replacing as many resolved in the previous one).
NEW_SHARE = 0.2
# Chance, per payload, that a group ends (all its alerts resolve) and a new group replaces it.
GROUP_TURNOVER = 0.004
GROUPS_PER_SENDER = 25
PAGE_WAIT_SECONDS = 20.0  # after the senders stop, how long pages may still arrive


def config(hook: str) -> str:
    """People, a schedule, policies and services with them; every page goes to `hook`."""
    return f"""
severities:
  - {{key: SEV1, name: Critical}}
  - {{key: SEV2, name: Major}}
  - {{key: SEV3, name: Minor}}
users:
  - email: primary@bench.test
    name: Primary
    contact_methods: [{{name: hook, url: "{hook}/primary"}}]
  - email: lead@bench.test
    name: Lead
    contact_methods: [{{name: hook, url: "{hook}/lead"}}]
schedules:
  - key: oncall
    layers:
      - {{name: all, participants: [primary@bench.test], shift: weekly, start: "2025-12-29"}}
escalation_policies:
  - key: standard
    levels:
      - {{notify: [schedule:oncall], escalate_after: 5m}}
      - {{notify: [user:lead@bench.test]}}
services:
  - {{key: checkout, name: Checkout, escalation_policy: standard}}
  - {{key: search, name: Search, escalation_policy: standard}}
integrations:
  # Above the initial burst of groups, so each incident is paged (not folded into a storm).
  - {{key: prom, type: alertmanager, secret: "{SECRET}", storm: {{threshold: 1000}}}}
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
    """One Alertmanager group whose snapshot evolves: repeats, resolutions and new alerts; now
    and then the group ends and a new one (a new incident) takes its place."""

    new_share = NEW_SHARE
    turnover = GROUP_TURNOVER

    def __init__(self, sender: int, index: int) -> None:
        self.sender, self.index, self.serial, self.generation = sender, index, 0, 0
        self.service = "checkout" if index % 2 else "search"
        self.members = [self._new() for _ in range(GROUP_SIZE)]
        self.resolving: list[int] = []
        self.ending, self.fresh = False, True

    @property
    def alertname(self) -> str:
        return f"Bench{self.sender}x{self.index}g{self.generation}"

    def _new(self) -> dict[str, Any]:
        self.serial += 1
        labels = {
            "alertname": self.alertname,
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

    def next_payload(self, rng: random.Random) -> tuple[list[dict[str, Any]], list[str], bool]:
        """The group's next snapshot: (alerts, their statuses, whether it opens a new group)."""
        opens, self.fresh = self.fresh, False
        if self.ending:  # the previous payload resolved the whole group: a new one starts
            self.generation += 1
            self.members = [self._new() for _ in range(GROUP_SIZE)]
            self.resolving, self.ending, opens = [], False, True
        for i in self.resolving:
            self.members[i] = self._new()  # the resolved ones are gone; new ones fire
        if not opens and rng.random() < self.turnover:  # a new group fires before it ends
            self.ending, self.resolving = True, list(range(GROUP_SIZE))
        else:
            changes = round(self.new_share * GROUP_SIZE)
            self.resolving = rng.sample(range(GROUP_SIZE), changes) if changes else []
        gone = set(self.resolving)
        statuses = ["resolved" if i in gone else "firing" for i in range(len(self.members))]
        return self.members, statuses, opens


def webhook_alert(m: dict[str, Any], status: str, now: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": m["labels"],
        "annotations": {"summary": f"{m['labels']['alertname']} on {m['labels']['instance']}"},
        "startsAt": m["startsAt"],
        "endsAt": now if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.bench:9090/graph?g0.expr=up",
        "fingerprint": m["fingerprint"],
    }


def am_alert(m: dict[str, Any], status: str, now: str) -> dict[str, Any]:
    return {
        "labels": m["labels"],
        "annotations": {"summary": f"{m['labels']['alertname']} on {m['labels']['instance']}"},
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
    opened: dict[str, float] = {}  # alertname of a new group -> when its first payload left
    firing_ok: set[tuple[str, str]] = set()
    resolved_ok: set[tuple[str, str]] = set()
    while time.time() < start_at:
        time.sleep(0.001)
    end = time.perf_counter() + seconds
    turn = 0
    while time.perf_counter() < end:
        group = groups[turn % len(groups)]
        turn += 1
        members, statuses, opens = group.next_payload(rng)
        if opens:
            opened[group.alertname] = time.time()
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
            "opened": opened,
            "ended": time.time(),
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
        "opened": {name: at for p in parts for name, at in p["opened"].items()},
        # Measured: from the common start to the last answer of the slowest sender.
        "seconds": max(p["ended"] for p in parts) - start_at,
    }


# ---- servers --------------------------------------------------------------------------------


class Receiver:
    """A local webhook receiver: when the first page of each group's incident arrived."""

    def __init__(self) -> None:
        self.first_page: dict[str, float] = {}
        self.pages = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                at = time.time()
                found = PAGE_TITLE.search(body.decode("utf-8", "replace"))
                receiver.pages += 1
                if found:
                    receiver.first_page.setdefault(found.group(0), at)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


PAGE_TITLE = re.compile(r"Bench\d+x\d+g\d+")


@contextlib.contextmanager
def warroom_server(url: str, tmp: Path, hook: str, workers: int = 1) -> Iterator[int]:
    """`warroom serve` with its embedded engine: paging runs while intake is measured."""
    config_dir = tmp / "config"
    config_dir.mkdir(exist_ok=True)
    (config_dir / "intake.yaml").write_text(config(hook))
    port = free_port()
    args = ["--workers", str(workers)]
    with benchlib.warroom_serve(url, config_dir, port, tmp / "serve.log", *args):
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
            receiver = Receiver()
            with warroom_server(url, tmp, receiver.url, workers) as port:
                log(f"{kind}: warroom serve on :{port}, {senders} senders for {seconds:.0f}s")
                result = run_senders(
                    port, "/api/v1/intake/alertmanager", senders, seconds, "warroom"
                )
                result.update(wait_for_pages(receiver, result["opened"]))
            receiver.close()
            result["lost"] = count_lost(url, result["firing"], result["resolved"])
            return result
        finally:
            ctx.__exit__(None, None, None)


def wait_for_pages(receiver: Receiver, opened: dict[str, float]) -> dict[str, Any]:
    """Alert-to-page of every group opened; one never paged counts as the whole wait."""
    deadline = time.time() + PAGE_WAIT_SECONDS
    while time.time() < deadline and not set(opened) <= set(receiver.first_page):
        time.sleep(0.2)
    end = time.time()
    waits = [(receiver.first_page.get(name, end) - at) * 1000 for name, at in opened.items()]
    return {
        "page_ms": waits,
        "unpaged": sum(1 for name in opened if name not in receiver.first_page),
        "pages": receiver.pages,
    }


def bench_alertmanager(senders: int, seconds: float) -> float | None:
    with (
        tempfile.TemporaryDirectory(prefix="bench-am-") as tmpdir,
        alertmanager_server(Path(tmpdir)) as port,
    ):
        if port is None:
            return None
        log(f"alertmanager on :{port}, {senders} senders for {seconds:.0f}s")
        result = run_senders(port, "/api/v2/alerts", senders, seconds, "alertmanager")
        return float(result["alerts"]) / result["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="finish within 45 s")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--workers", type=int, default=1, help="warroom serve --workers")
    parser.add_argument(
        "--new-share",
        type=float,
        default=NEW_SHARE,
        help="share of a payload's alerts that are new (as many resolve); 0: re-sends only",
    )
    args = parser.parse_args()
    Group.new_share = args.new_share
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
            "new_share": args.new_share,
            "incidents_opened": len(result["opened"]),
        }
        log(
            f"{kind}: {result['requests']} requests, {result['failed']} non-2xx, "
            f"{rate:.0f} alerts/s, lost {result['lost']}"
        )
        emit("alerts_per_s", rate, "1/s", **ctx, non_2xx=result["failed"])
        emit("request_p50_ms", result["p50"], "ms", **ctx)
        emit("request_p99_ms", result["p99"], "ms", **ctx)
        emit("lost_alerts", result["lost"], "alerts", **ctx)
        waits = result["page_ms"]
        emit("page_under_intake_p50_ms", percentile(waits, 50), "ms", **ctx)
        emit("page_under_intake_p99_ms", percentile(waits, 99), "ms", **ctx)
        emit("unpaged_incidents", result["unpaged"], "incidents", **ctx, pages=result["pages"])
        if am_rate:
            emit("alertmanager_alerts_per_s", am_rate, "1/s", **ctx, measured="once per run")
            emit("ratio_vs_alertmanager", rate / am_rate, "ratio", **ctx)


if __name__ == "__main__":
    main()
