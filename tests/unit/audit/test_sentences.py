"""Every kind of timeline event the product records reads as a sentence of its own (the CLI's
timeline and 3am screen and the web UI's incident page share them), never as a list of raw
payload values: a new kind without a sentence fails here."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

from warroom.actions import models as action_models
from warroom.audit.sentences import SENTENCES, describe
from warroom.comms import announce
from warroom.incidents import lifecycle
from warroom.review.action_items import models as item_models
from warroom.runbooks import checklist

SRC = Path(__file__).parents[3] / "src" / "warroom"
KIND = re.compile(r"[a-z_]+:[a-z_]+:[a-z_]+")
NOT_KINDS = {"x:y:z"}  # the postmortem template's sample data
# `record(..., run|item|pm, "<action>", ...)`: the helpers that build a family's kind.
FAMILY_CALL = re.compile(r"record\([^()]*?\b(run|item|pm), \"([a-z_]+)\"")


@functools.cache  # read by the parametrize at import and by a test: parsed once
def _literal_kinds() -> frozenset[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and KIND.fullmatch(text):
                found.add(text)
    return frozenset(found - NOT_KINDS)


@functools.cache
def _family_kinds() -> frozenset[str]:
    """Kinds built from a prefix and a value: each family from its source of truth."""
    prefix = {"run": "action:run:", "item": "review:action_item:", "pm": "review:postmortem:"}
    calls = {
        prefix[who] + what
        for path in SRC.rglob("*.py")
        for who, what in FAMILY_CALL.findall(path.read_text())
    }
    finished = (
        action_models.SUCCEEDED, action_models.FAILED, action_models.TIMED_OUT,
        action_models.REFUSED, action_models.PREVIEWED, action_models.INTERRUPTED,
    )  # fmt: skip
    return frozenset(
        calls
        | {
            f"incident:status:{t.event}"
            for t in [*lifecycle.TRANSITIONS.values(), lifecycle.REFIRE]
        }
        | {"incident:severity:raised", "incident:severity:lowered"}
        | {f"incident:task:{a}" for a in ("assigned", "done", "reopened")}
        | {f"runbook:step:{e}" for e in checklist._EVENT.values()}
        | {f"action:run:{s}" for s in finished}
        | {f"review:action_item:status_{s}" for s in item_models.STATUSES}
        | {"review:action_item:updated"}
        | {f"paging:override:{a}" for a in ("added", "removed")}
        | {f"comms:{template}:sent" for template in announce.TITLES}
    )


def test_the_sources_are_found() -> None:
    literal, family = _literal_kinds(), _family_kinds()
    assert {"intake:incident:refired", "paging:page:queued", "comms:cadence:overdue"} <= literal
    assert {"action:run:requested", "review:action_item:created"} <= family
    assert {"review:postmortem:approved", "incident:status:reopened"} <= family


@pytest.mark.parametrize("kind", sorted(_literal_kinds() | _family_kinds()))
def test_every_kind_recorded_has_its_own_sentence(kind: str) -> None:
    if kind == "incident:hypothesis:updated":  # its sentence depends on what changed
        assert describe(kind, {"text": "Bad deploy", "changes": {"status": ["a", "b"]}})
        return
    assert kind in SENTENCES, f"{kind} has no sentence in warroom.audit.sentences"


@pytest.mark.parametrize(
    ("kind", "payload", "sentence"),
    [
        (
            "intake:incident:refired",
            {"alerts": [{"id": 1, "summary": "Lag"}], "count": 1, "reopened": False,
             "previous_number": 1, "number": 2},
            "alert fired again after INC-1 was resolved: Lag → INC-2",
        ),
        (
            "intake:incident:refired",
            {"alerts": [{"id": 1, "summary": "Lag"}], "count": 1, "reopened": True,
             "previous_number": 1, "number": 1},
            "alert fired again after INC-1 was resolved: Lag (reopened)",
        ),
        (
            "intake:incident:severity_raised",
            {"from": "P2", "to": "P0", "alert": {"id": 2, "summary": "CheckoutErrors"}},
            "severity raised P2 → P0 by alert CheckoutErrors",
        ),
        (
            "comms:cadence:reminded",
            {"audience": "internal", "due_at": "12:15", "to": ["ic@corp.test"]},
            "internal update due 12:15: reminded ic@corp.test",
        ),
        (
            "comms:cadence:escalated",
            {"audience": "external", "due_at": "12:15", "to": []},
            "external update still overdue: escalated to nobody",
        ),
        (
            "review:postmortem:created",
            {"state": "draft", "author": None, "due_at": "2026-01-03"},
            "postmortem drafted, author nobody, due 2026-01-03",
        ),
        (
            "review:postmortem:created",
            {"state": "draft", "author": "ic@corp.test", "due_at": "2026-01-03T12:00:00.5+00:00"},
            "postmortem drafted, author ic@corp.test, due 2026-01-03 12:00 UTC",
        ),
        (
            "comms:cadence:overdue",
            {"audience": "external", "due_at": "2026-01-01T13:15:00+01:00"},
            "external update OVERDUE since 2026-01-01 12:15 UTC",
        ),
        (
            "heartbeat:heartbeat:missed",
            {"heartbeat": "am-watchdog", "deadline": "12:04"},
            "heartbeat am-watchdog missed",
        ),
        (
            "incident:details:updated",
            {"changed": {"summary": "x", "impact": {}, "tags": ["a"]}},
            "details changed: summary, impact, tags",
        ),
        (
            "action:run:failed",
            {"run_id": 2, "action": "restart", "exit_code": 3, "dry_run": False},
            "action restart run 2 failed (exit 3)",
        ),
        (
            "paging:notification:failing",
            {"channel": "email", "answer": "INFO - Notifying 1 service(s).\n"
             'WARNING - Sending email to "ana@corp.test" failed.\n'},
            'email page failing: WARNING - Sending email to "ana@corp.test" failed.',
        ),
        ("paging:notification:failed", {"channel": "sms"}, "sms page failed: ?"),
        (
            "paging:oncall:handoff",
            {"schedule": "core", "from": None, "to": "ana@corp.test"},
            "core on call: nobody → ana@corp.test",
        ),
    ],
)  # fmt: skip
def test_sentences_say_what_happened(kind: str, payload: dict[str, object], sentence: str) -> None:
    assert describe(kind, payload) == sentence


def test_texts_are_cut_for_a_terminal_and_whole_for_the_web() -> None:
    note = {"text": "The connection pool is exhausted after the 14:05 deploy of the checkout api"}
    assert describe("incident:note:added", note).endswith("…")
    assert len(describe("incident:note:added", note)) <= len("note: ") + 60
    assert describe("incident:note:added", note, whole=True) == "note: " + note["text"]
    assert describe("incident:note:added", note).endswith("…")  # `whole` does not stick


def test_a_kind_without_a_sentence_reads_as_plain_values() -> None:
    shown = describe("plugin:thing:happened", {"count": 2, "nested": {"a": 1}, "name": "x"})
    assert shown == "count 2; name x"


KEYS = [
    "alerts",
    "count",
    "changes",
    "changed",
    "to",
    "from",
    "text",
    "status",
    "reason",
    "items",
    "alert",
    "channels",
    "targets",
    "level",
    "state",
    "dry_run",
    "error",
    "title",
    "owner",
    "steps",
    "components",
    "reviewers",
    "heartbeat",
    "assignee",
    "note",
    "reopened",
]
ODD = [5, -1, "x", "", [1], [[]], {"a": 1}, None, True, 1.5, [{"summary": 7}], [None]]


@pytest.mark.parametrize("kind", sorted([*SENTENCES, "incident:hypothesis:updated", "a:b:c"]))
def test_no_payload_makes_a_sentence_fail(kind: str) -> None:
    """The incident page and the CLI show whatever an event holds: a payload of another shape
    (an older version's, a hand-made one) reads as plain values, never an error."""
    payloads: list[dict[str, object]] = [{}, {"alerts": [{"summary": "s"}], "count": "many"}]
    payloads += [{key: value} for key in KEYS for value in ODD]
    payloads += [{key: value for key in KEYS} for value in ODD]
    for payload in payloads:
        assert isinstance(describe(kind, payload), str), payload
        assert isinstance(describe(kind, payload, whole=True), str), payload
