"""The plan of an apply: what it creates, updates (field by field) and deletes.

Sections record their objects with `Plan.compare(kind, identity, old, new)`; an update keeps
one change per *leaf* field, so a policy's changed level or a severity's changed ladder rung
reads `levels[2].delay_s: 20m → 10m` rather than two whole lists. Lists of plain values
(members, targets) are compared whole: `[a, b] → [a]` is what a reviewer wants to see. A
create carries its fields (old value None) so the JSON plan can be reviewed as well. Every
value is masked on the way in (`warroom.redaction.mask_change`): a plan shows *that* a secret
or a webhook URL changed, never the value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["create", "update", "delete"]
ARROW = "→"
# Longest value shown on a plan line before it is shortened (the JSON plan has it whole).
_SHORT = 60
_DETAIL = 160


@dataclass
class PlanEntry:
    """One object to create, update or delete; `changes` maps field path -> (old, new)."""

    action: Action
    kind: str
    identity: str
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    note: str = ""
    # What the change does to work under way (an open incident's escalation, an override):
    # one sentence each, shown under the entry in every form of the plan.
    warnings: list[str] = field(default_factory=list)

    def head(self) -> str:
        sign = {"create": "+", "update": "~", "delete": "-"}[self.action]
        text = f"{sign} {self.action} {self.kind}" + (f" {self.identity}" if self.identity else "")
        return text

    def line(self) -> str:
        """The entry on one line (updates list their changes, shortened)."""
        text = self.head()
        if self.action == "update" and self.changes:
            text += ": " + "; ".join(
                f"{name}: {_short(old)} -> {_short(new)}"
                for name, (old, new) in self.changes.items()
            )
        text += f" ({self.note})" if self.note else ""
        return text + "".join(f"; warning: {w}" for w in self.warnings)

    def detail(self) -> list[str]:
        """The entry for review: a head line, then one `field: before → after` line per change."""
        lines = [self.head() + (f" ({self.note})" if self.note else "")]
        if self.action == "update":
            for name, (old, new) in self.changes.items():
                lines.append(f"    {name}: {shown(name, old)} {ARROW} {shown(name, new)}")
        return lines + [f"    warning: {w}" for w in self.warnings]

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "kind": self.kind,
            "identity": self.identity,
            "changes": {k: {"old": o, "new": n} for k, (o, n) in self.changes.items()},
            "note": self.note,
            "warnings": list(self.warnings),
        }


def _short(value: Any) -> str:
    text = json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= _SHORT else text[: _SHORT - 3] + "..."


def shown(name: str, value: Any) -> str:
    """A value as a plan prints it: seconds fields as durations, absent as (none)."""
    if value is None:
        return "(none)"
    leaf = name.rsplit(".", 1)[-1].split("[", 1)[0]
    if leaf.endswith("_s") and isinstance(value, int) and not isinstance(value, bool):
        from datetime import timedelta

        from warroom.config.types import format_duration

        return format_duration(timedelta(seconds=value))
    text = json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= _DETAIL else text[: _DETAIL - 3] + "..."


# Stored field names a section compares under, and the config's own names a reviewer wrote:
# seconds fields are shown as durations under the config's name (`levels[0].escalate_after`).
_CONFIG_NAMES = {
    "delay_s": "escalate_after",
    "after_s": "after",
    "interval_s": "interval",
    "grace_s": "grace",
}
_RE_TARGETS = re.compile(r"(levels\[\d+\]|escalate_while_unresolved\[\d+\])\.targets\b")


def config_name(name: str) -> str:
    """A field path as the config spells it: `levels[1].delay_s` -> `levels[1].escalate_after`."""
    parts = name.split(".")
    parts[-1] = _CONFIG_NAMES.get(parts[-1], parts[-1])
    return _RE_TARGETS.sub(r"\1.notify", ".".join(parts))


def config_value(name: str, value: Any) -> Any:
    """A seconds leaf as a duration ("10m"); records and other values keep their shape."""
    leaf = name.rsplit(".", 1)[-1]
    if leaf in _CONFIG_NAMES and isinstance(value, int) and not isinstance(value, bool):
        from datetime import timedelta

        from warroom.config.types import format_duration

        return format_duration(timedelta(seconds=value))
    if isinstance(value, Mapping):
        step = bool({"delay_s", "after_s"} & set(value))  # a level or rung: targets is notify
        return {
            "notify" if step and k == "targets" else _CONFIG_NAMES.get(k, k): config_value(k, v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [config_value(name, v) if isinstance(v, Mapping) else v for v in value]
    return value


def leaf_changes(name: str, old: Any, new: Any) -> dict[str, tuple[Any, Any]]:
    """The changed leaves under one field: mappings by key, lists of mappings by position."""
    if old == new:
        return {}
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: dict[str, tuple[Any, Any]] = {}
        for key in [*old, *(k for k in new if k not in old)]:
            out |= leaf_changes(f"{name}.{key}", old.get(key), new.get(key))
        return out
    if _records(old) and _records(new):
        out = {}
        for index in range(max(len(old), len(new))):
            before = old[index] if index < len(old) else None
            after = new[index] if index < len(new) else None
            out |= leaf_changes(f"{name}[{index}]", before, after)
        return out
    return {name: (old, new)}


def _records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


class Plan:
    """What an apply changes, object by object; `bool(plan)` is False when nothing changes."""

    def __init__(self) -> None:
        self.entries: list[PlanEntry] = []

    def create(
        self, kind: str, identity: str, note: str = "", fields: Mapping[str, Any] | None = None
    ) -> None:
        """Record a create; its fields (masked) go into the JSON plan as changes from None."""
        from warroom.redaction import mask_change

        changes = {
            config_name(k): (None, config_value(k, mask_change(v, k)))
            for k, v in (fields or {}).items()
        }
        self.entries.append(PlanEntry("create", kind, identity, changes, note))

    def update(
        self, kind: str, identity: str, changes: dict[str, tuple[Any, Any]], note: str = ""
    ) -> None:
        """Record an update; secret values are masked (a plan shows that a secret changed)."""
        from warroom.redaction import mask_change

        leaves: dict[str, tuple[Any, Any]] = {}
        for name, (old, new) in changes.items():
            before, after = mask_change(old, name), mask_change(new, name)
            # A secret changed behind the same mask still shows as a change of its field.
            leaves |= leaf_changes(name, before, after) or {name: (before, after)}
        shown_leaves = {
            config_name(k): (config_value(k, o), config_value(k, n)) for k, (o, n) in leaves.items()
        }
        self.entries.append(PlanEntry("update", kind, identity, shown_leaves, note))

    def delete(self, kind: str, identity: str, note: str = "") -> None:
        self.entries.append(PlanEntry("delete", kind, identity, note=note))

    def deleted(self, kind: str) -> dict[str, PlanEntry]:
        """The entries of the objects of one kind this apply deletes (deactivates), by identity;
        a section applied later adds what that does to work under way to their `warnings`."""
        return {e.identity: e for e in self.entries if e.action == "delete" and e.kind == kind}

    def compare(
        self, kind: str, identity: str, old: Mapping[str, Any] | None, new: Mapping[str, Any]
    ) -> bool:
        """Record a create (old is None) or an update of the fields that differ; True if any."""
        if old is None:
            self.create(kind, identity, fields=new)
            return True
        changes = {k: (old.get(k), v) for k, v in new.items() if old.get(k) != v}
        if changes:
            self.update(kind, identity, changes)
        return bool(changes)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[PlanEntry]:
        return iter(self.entries)

    def counts(self) -> dict[str, int]:
        return {
            a: sum(1 for e in self.entries if e.action == a) for a in ("create", "update", "delete")
        }

    def summary(self) -> str:
        c = self.counts()
        return f"{c['create']} to create, {c['update']} to update, {c['delete']} to delete"

    def hide(self, hidden: set[str]) -> None:
        """Mask, in every entry, the values read through `${VAR}` or `X_file:` (a plan shows
        that they changed, never what they are, whatever field they went into)."""
        from warroom.redaction import MASK, scrub_text

        def scrub(value: Any) -> Any:
            if isinstance(value, str):
                return scrub_text(value, hidden)
            if isinstance(value, Mapping):
                return {k: scrub(v) for k, v in value.items()}
            if isinstance(value, list):
                return [scrub(v) for v in value]
            return value

        def pair(old: Any, new: Any) -> tuple[Any, Any]:
            masked = scrub(new)
            # The value before came from the same reference as likely as not (a rotated
            # secret), and the apply that read it is gone: it is not shown either.
            if masked != new and isinstance(old, str):
                return MASK, masked
            return scrub(old), masked

        if not hidden:
            return
        for entry in self.entries:
            entry.changes = {k: pair(o, n) for k, (o, n) in entry.changes.items()}
            entry.warnings = [scrub_text(w, hidden) for w in entry.warnings]

    def warnings(self) -> list[str]:
        """Every entry's warnings, in plan order."""
        return [w for e in self.entries for w in e.warnings]

    def lines(self) -> list[str]:
        """One line per entry."""
        return [e.line() for e in self.entries]

    def detail(self) -> list[str]:
        """The plan for review: every changed field of every update on its own line."""
        return [line for e in self.entries for line in e.detail()]

    def to_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.entries]

    def __str__(self) -> str:
        return "\n".join([*self.lines(), self.summary()])
