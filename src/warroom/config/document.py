"""What a section's `check` and `apply` functions work with: the document, problems, the plan.

A typical section (see `warroom.catalog.config` for real ones)::

    class RouteConfig(ConfigModel):
        key: Key
        service: str

    def check(doc: ConfigDocument, problems: Problems) -> None:
        services = doc.identities("services")
        for index, route in doc.entries("routes"):
            if route.service not in services:
                problems.add("routes", index, "service", f"unknown service {route.service!r}")

    def apply(session, clock, doc: ConfigDocument, plan: Plan) -> None:
        for route in doc.items("routes"):
            row = ...  # load or create the row
            if plan.compare("route", route.key, old_values_or_None, new_values):
                ...  # write the new values

    register(Section("routes", RouteConfig, check=check, apply=apply, order=60))

A problem is printed as `file:line: routes[edge].service: unknown service 'x'`, with the line
of the offending field (or of the item, when the field is absent).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

# The plan lives in its own module; sections import it from here.
from warroom.config.plan import Action as Action
from warroom.config.plan import Plan as Plan
from warroom.config.plan import PlanEntry as PlanEntry

Field = str | Sequence[str | int] | None


def field_path(value: Field) -> tuple[str | int, ...]:
    """ "a.b.0.c" or ("a", "b", 0, "c") -> ("a", "b", 0, "c")."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(int(p) if p.isdigit() else p for p in value.split(".") if p)
    return tuple(value)


def field_label(path: Sequence[str | int]) -> str:
    """("notify", 0, "after") -> "notify[0].after"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class ConfigDocument:
    """A loaded config directory: validated items per section plus where each came from.

    Items whose schema validation failed are left out of `items`/`entries` (their problems are
    already reported) but still count in `identities`, so cross-checks do not pile up noise.
    """

    def __init__(
        self,
        source: str,
        raw: dict[str, Any],
        positions: dict[tuple[Any, ...], tuple[str, int]],
        identity_fields: Mapping[str, str | None],
    ) -> None:
        self.source = source
        self._raw_input = raw
        self._positions = positions
        self._identity_fields = dict(identity_fields)
        self._models: dict[str, list[BaseModel | None]] = {}
        # Multi-line texts: path -> (file, the line of the text's first line, read from a
        # file of its own); see `text_at`.
        self.texts: dict[tuple[Any, ...], tuple[str, int, bool]] = {}

    # -- reading -----------------------------------------------------------------------------
    def entries(self, key: str) -> list[tuple[int | None, BaseModel]]:
        """(index, item) for each valid item of a section; index is None for single objects."""
        models = self._models.get(key, [])
        if self._identity_fields.get(key) is None:
            return [(None, m) for m in models if m is not None]
        return [(i, m) for i, m in enumerate(models) if m is not None]

    def items(self, key: str) -> list[BaseModel]:
        """The valid items of a list section (or [object] for a single-object section)."""
        return [m for _, m in self.entries(key)]

    def get(self, key: str) -> BaseModel | None:
        """The object of a single-object section (such as `severity_matrix`), or None."""
        items = self.items(key)
        return items[0] if items else None

    def identities(self, key: str) -> set[str]:
        """The identities (e.g. keys) of every item written in a list section, valid or not."""
        ident = self._identity_fields.get(key)
        values = self._raw_input.get(key)
        if ident is None or not isinstance(values, list):
            return set()
        return {str(v[ident]) for v in values if isinstance(v, dict) and v.get(ident) is not None}

    def present(self, key: str) -> bool:
        """Whether the files mention this section at all."""
        return key in self._raw_input

    def identity(self, key: str, index: int | None) -> str | None:
        """The identity written for item `index` of a section, if any."""
        ident = self._identity_fields.get(key)
        values = self._raw_input.get(key)
        if ident is None or index is None or not isinstance(values, list):
            return None
        if index < len(values) and isinstance(values[index], dict):
            value = values[index].get(ident)
            return None if value is None else str(value)
        return None

    def raw(self) -> dict[str, Any]:
        """The normalised document (defaults filled in, JSON-able) as stored on apply."""
        out: dict[str, Any] = {}
        for key in sorted(self._models):
            items = [m.model_dump(mode="json") for m in self.items(key)]
            if self._identity_fields.get(key) is None:
                out[key] = items[0] if items else None
            else:
                out[key] = items
        return out

    @property
    def digest(self) -> str:
        """sha256 of the normalised document."""
        text = json.dumps(self.raw(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    # -- locating ----------------------------------------------------------------------------
    def locate(
        self, key: str, index: int | None = None, field: Field = None
    ) -> tuple[str, int] | None:
        """(file, line) of the deepest known part of key[index].field."""
        path: tuple[Any, ...] = (key,) + (() if index is None else (index,)) + field_path(field)
        while path:
            if path in self._positions:
                return self._positions[path]
            path = path[:-1]
        return None

    def text_at(
        self, key: str, index: int | None = None, field: Field = None
    ) -> tuple[str, int, bool] | None:
        """Where the text of key[index].field starts: (file, line, read from a file of its own
        through `X_file:`), for a text read from a file or written as a `|` block; else None."""
        path: tuple[Any, ...] = (key,) + (() if index is None else (index,)) + field_path(field)
        return self.texts.get(path)

    def where(self, key: str, index: int | None = None, field: Field = None) -> str:
        """ "file:line" of key[index].field (or of the nearest enclosing item)."""
        found = self.locate(key, index, field)
        return f"{found[0]}:{found[1]}" if found else self.source

    def label(self, key: str, index: int | None = None, field: Field = None) -> str:
        """How a problem names its subject: services[api-gateway].team."""
        label = key
        if index is not None:
            label += f"[{self.identity(key, index) or index}]"
        path = field_path(field)
        if path:
            label += ("" if isinstance(path[0], int) else ".") + field_label(path)
        return label

    def _set_models(self, key: str, models: list[BaseModel | None]) -> None:
        self._models[key] = models


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}: {self.message}"
            if self.line
            else f"{self.file}: {self.message}"
        )


class Problems:
    """Problems found in a document; iterating yields "file:line: message" lines in file order."""

    def __init__(self, doc: ConfigDocument) -> None:
        self.doc = doc
        self._items: list[Problem] = []
        # Values no message may repeat: secrets and whatever was read from files or variables.
        self.hidden: set[str] = set()
        # Accepted but worth fixing (a weak secret); they never make the document invalid.
        self._warnings: list[Problem] = []

    def add(self, key: str, index: int | None, field: Field, message: str) -> None:
        """Report a problem about key[index].field; it is placed at that field's line."""
        file, line = self.doc.locate(key, index, field) or (self.doc.source, 0)
        self._items.append(Problem(file, line, f"{self.doc.label(key, index, field)}: {message}"))

    def add_in_text(
        self, key: str, index: int | None, field: Field, line: int | None, message: str
    ) -> None:
        """A problem at `line` (1 for the first) of the text of key[index].field: at that line
        of the file it was read from, or of its YAML block; else at the field, as `add`."""
        place = self.doc.text_at(key, index, field)
        if place is None or (line is None and not place[2]):
            self.add(key, index, field, message)
            return
        file, first, _ = place
        label = self.doc.label(key, index, field)
        self._items.append(Problem(file, first + (line or 1) - 1, f"{label}: {message}"))

    def add_at(self, file: str, line: int, message: str) -> None:
        """Report a problem at an explicit place (used by the loader)."""
        self._items.append(Problem(file, line, message))

    def warn(self, key: str, index: int | None, field: Field, message: str) -> None:
        """Note something accepted but worth fixing at key[index].field; not a problem."""
        file, line = self.doc.locate(key, index, field) or (self.doc.source, 0)
        label = self.doc.label(key, index, field)
        self._warnings.append(Problem(file, line, f"warning: {label}: {message}"))

    def warn_at(self, file: str, line: int, message: str) -> None:
        """A warning at an explicit place (a file as a whole)."""
        self._warnings.append(Problem(file, line, f"warning: {message}"))

    def warnings(self) -> list[str]:
        """The warnings as "file:line: warning: message" lines in file order."""
        from warroom.redaction import scrub_text

        ordered = sorted(dict.fromkeys(self._warnings), key=lambda p: (p.file, p.line))
        return [scrub_text(str(p), self.hidden) for p in ordered]

    def __iter__(self) -> Iterator[str]:
        from warroom.redaction import scrub_text

        unique = dict.fromkeys(self._items)  # keeps the order problems were found in
        ordered = sorted(unique, key=lambda p: (p.file, p.line))
        return (scrub_text(str(p), self.hidden) for p in ordered)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(set(self._items))

    def lines(self) -> list[str]:
        return list(self)
