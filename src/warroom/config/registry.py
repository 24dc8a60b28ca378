"""Config sections: each domain declares the top-level keys it owns in the config files.

A config directory holds YAML files; each file has top-level keys such as `severities:`,
`services:` or `routes:`. Every key belongs to one registered Section, declared in the owning
domain's `config.py` (its `SECTIONS` list) and registered by the composition root
(`warroom.wiring.install`). The config package loads the files, validates
every item with the section's pydantic model, runs each section's cross-reference check, then
computes a plan and applies it, section by section in `order`, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from warroom.clock import Clock
    from warroom.config.document import ConfigDocument, Plan, Problems

CheckFn = Callable[["ConfigDocument", "Problems"], None]
ApplyFn = Callable[["Session", "Clock", "ConfigDocument", "Plan"], None]


@dataclass
class Section:
    """One top-level key of the config files."""

    key: str
    model: type[BaseModel]
    # many=True: the key holds a list of items, each identified by `identity` (unique).
    # many=False: the key holds one object (e.g. `severity_matrix:`).
    many: bool = True
    identity: str = "key"
    # Cross-reference checks across sections (a service naming an unknown team).
    check: CheckFn | None = None
    # Writes the section into the database and records create/update/delete in the plan.
    # Without it, the section lives only in the stored document (read it back with
    # `warroom.config.service.current_document`) and the plan diffs it against the last one.
    apply: ApplyFn | None = None
    # Lower applies first (severities and users before services that reference them).
    order: int = 100
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


_sections: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Own the top-level key `section.key`; called by the composition root, idempotent."""
    existing = _sections.get(section.key)
    if existing is not None and existing is not section:
        raise ValueError(f"config section {section.key!r} is registered twice")
    _sections[section.key] = section
    return section


def registered(key: str) -> bool:
    """Whether some domain owns the section `key` (e.g. "schedules")."""
    return key in sections()


def sections() -> dict[str, Section]:
    """Every registered section, in apply order."""
    return dict(sorted(_sections.items(), key=lambda kv: (kv[1].order, kv[0])))
