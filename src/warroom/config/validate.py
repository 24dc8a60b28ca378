"""Turn parsed files into a ConfigDocument: sections, schemas, identities, cross-checks."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any, get_args, get_origin

from pydantic import BaseModel, SecretStr, ValidationError

from warroom.config.document import ConfigDocument, Problems
from warroom.config.loader import Issue, LoadedFile, SourceFile, parse
from warroom.config.registry import Section, sections
from warroom.config.types import KEY, TextProblem
from warroom.redaction import is_secret_field, secret_values

# Secrets shorter than this are accepted with a "weak secret" warning.
WEAK_SECRET_LENGTH = 16


def build_document(
    source: str,
    files: list[SourceFile],
    env: Mapping[str, str] | None = None,
    *,
    references: bool = True,
    unread: Sequence[Issue] = (),
) -> tuple[ConfigDocument, Problems]:
    """Parse, validate and cross-check files; problems carry file:line and never a secret.

    references=False refuses `${VAR}` and `X_file:` (config that did not come from the server).
    `unread`: the problems of files that could not be read at all (not UTF-8). While any file
    cannot be read, names are not cross-checked: those it defines would all be "unknown".
    """
    registry = sections()
    raw: dict[str, Any] = {}
    positions: dict[tuple[Any, ...], tuple[str, int]] = {}
    failed: set[tuple[Any, ...]] = set()
    issues: list[Issue] = list(unread)
    broken = bool(unread)
    hidden: set[str] = set()
    texts: dict[tuple[Any, ...], tuple[str, int, bool]] = {}
    unreadable: dict[tuple[Any, ...], tuple[str, int, str]] = {}
    empty: list[str] = []
    for source_file in files:
        loaded, found = parse(source_file, env, references=references)
        if not (loaded.data or found or loaded.broken):
            empty.append(source_file.name)
        issues.extend(found)
        hidden |= loaded.hidden
        # A section that cannot be read makes its names unknown to the others as much.
        broken |= loaded.broken | _merge(loaded, registry, raw, positions, failed, issues)
        texts |= _shifted(loaded.texts, loaded, registry, raw)
        unreadable |= _shifted(loaded.unreadable, loaded, registry, raw)
    identity_fields = {k: (s.identity if s.many else None) for k, s in registry.items()}
    doc = ConfigDocument(source, raw, positions, identity_fields)
    doc.texts = texts
    problems = Problems(doc)
    problems.hidden = hidden | secret_values(raw)
    for issue in issues:
        problems.add_at(issue.file, issue.line, issue.message)
    _tell_empty(problems, empty, everything=bool(files) and len(empty) == len(files) and not unread)
    for path, (file, line, message) in unreadable.items():
        index = path[1] if len(path) > 1 and isinstance(path[1], int) else None
        label = doc.label(path[0], index, path[2:] if index is not None else path[1:])
        problems.add_at(file, line, f"{label}: {message}")
    for key, value in raw.items():
        _validate_section(doc, problems, registry[key], value, failed)
    for section in registry.values():
        if section.check is not None and not broken:
            section.check(doc, problems)
    return doc, problems


def _tell_empty(problems: Problems, empty: list[str], *, everything: bool) -> None:
    """An empty file is a warning (nothing in it applies); every file empty, a problem: the
    whole truth would be "nothing", deactivating all that was applied (a truncated file, the
    wrong directory)."""
    if everything:
        message = (
            "no sections in any file of the config: applied, it would deactivate everything "
            "applied before"
        )
        problems.add_at(empty[0], 1, message)
        return
    for name in empty:
        problems.warn_at(name, 1, "the file is empty (no sections): nothing in it is applied")


def _merge(
    loaded: LoadedFile,
    registry: dict[str, Section],
    raw: dict[str, Any],
    positions: dict[tuple[Any, ...], tuple[str, int]],
    failed: set[tuple[Any, ...]],
    issues: list[Issue],
) -> bool:
    """Add a file's sections to `raw`; True if one of them cannot be read (not a list, ...)."""
    unread = False
    for key, value in loaded.data.items():
        line = loaded.lines.get((key,), 1)
        section = registry.get(key)
        if section is None:
            close = difflib.get_close_matches(key, list(registry), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(registry)
            issues.append(
                Issue(loaded.name, line, f"unknown section {key!r}{hint} (known: {known})")
            )
            unread = True
            continue
        offset = 0
        if section.many:
            value = [] if value is None else value
            if not isinstance(value, list):
                issues.append(Issue(loaded.name, line, f"{key} must be a list of items"))
                unread = True
                continue
            offset = len(raw.setdefault(key, []))
            raw[key].extend(value)
        else:
            if key in raw:
                first = positions.get((key,), (loaded.name, 0))
                where = f"{first[0]}:{first[1]}"
                issues.append(Issue(loaded.name, line, f"{key} is already defined at {where}"))
                continue
            if not isinstance(value, dict):
                issues.append(Issue(loaded.name, line, f"{key} must be a mapping of fields"))
                unread = True
                continue
            raw[key] = value
        for path, path_line in loaded.lines.items():
            if path and path[0] == key:
                positions.setdefault(_shift(path, section, offset), (loaded.name, path_line))
        failed.update(_shift(p, section, offset) for p in loaded.failed if p and p[0] == key)
    return unread


def _shifted(
    found: Mapping[tuple[Any, ...], Any],
    loaded: LoadedFile,
    registry: dict[str, Section],
    raw: dict[str, Any],
) -> dict[tuple[Any, ...], Any]:
    """A file's `found` (path -> value) with its list items numbered as in the whole document,
    once `_merge` has added them (the file's items are the last ones of their section)."""
    out: dict[tuple[Any, ...], Any] = {}
    for path, value in found.items():
        section = registry.get(path[0]) if path else None
        if section is None or path[0] not in raw:
            continue
        mine = loaded.data.get(path[0])
        count = len(mine) if section.many and isinstance(mine, list) else 0
        offset = len(raw[path[0]]) - count if section.many else 0
        out[_shift(path, section, offset)] = value
    return out


def _shift(path: tuple[Any, ...], section: Section, offset: int) -> tuple[Any, ...]:
    """Renumber list items when a section continues from an earlier file."""
    if section.many and len(path) > 1 and isinstance(path[1], int):
        return (path[0], path[1] + offset, *path[2:])
    return path


def _validate_section(
    doc: ConfigDocument,
    problems: Problems,
    section: Section,
    value: Any,
    failed: set[tuple[Any, ...]],
) -> None:
    if not section.many:
        model = _validate_item(problems, section, None, value, failed)
        doc._set_models(section.key, [model])
        return
    models: list[BaseModel | None] = []
    first_at: dict[str, int] = {}
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            problems.add(section.key, index, None, "each item must be a mapping of fields")
            models.append(None)
            continue
        model = _validate_item(problems, section, index, item, failed)
        models.append(model)
        ident = item.get(section.identity)
        if ident is None:
            continue
        ident_key = str(ident).lower() if section.identity == "email" else str(ident)
        if ident_key in first_at:
            where = doc.where(section.key, first_at[ident_key])
            problems.add(
                section.key,
                index,
                section.identity,
                f"duplicate {section.identity} {ident!r} (first defined at {where})",
            )
            models[-1] = None
        else:
            first_at[ident_key] = index
    doc._set_models(section.key, models)


def _validate_item(
    problems: Problems,
    section: Section,
    index: int | None,
    item: dict[str, Any],
    failed: set[tuple[Any, ...]],
) -> BaseModel | None:
    try:
        model = section.model.model_validate(item)
    except ValidationError as exc:
        base = (section.key,) if index is None else (section.key, index)
        for error in exc.errors():
            loc = tuple(error["loc"])
            cause = (error.get("ctx") or {}).get("error")
            if isinstance(cause, TextProblem):
                loc = (*loc, cause.field)
            if any((*base, *loc)[: len(f)] == f for f in failed):
                continue
            if isinstance(cause, TextProblem):
                problems.add_in_text(section.key, index, loc, cause.line, cause.reason)
            else:
                problems.add(section.key, index, loc, _message(section.model, error))
        return None
    _warn_weak_secrets(problems, section, index, model)
    # An unreadable value (missing variable or file) makes the item invalid even if it parsed.
    base = (section.key,) if index is None else (section.key, index)
    return None if any(f[: len(base)] == base for f in failed) else model


def _warn_weak_secrets(
    problems: Problems, section: Section, index: int | None, model: BaseModel
) -> None:
    """Short secrets are accepted (some senders use nothing longer) but named in a warning."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr) and len(value.get_secret_value()) < WEAK_SECRET_LENGTH:
            message = f"weak secret (shorter than {WEAK_SECRET_LENGTH} characters); accepted"
            problems.warn(section.key, index, name, message)


def _message(model: type[BaseModel], error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        names = _fields_at(model, tuple(error["loc"])[:-1])
        close = difflib.get_close_matches(str(error["loc"][-1]), names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown field{hint}" + (f" (allowed: {', '.join(names)})" if not hint else "")
    if kind == "missing":
        return "required field is missing"
    message = str(error["msg"])
    if kind == "string_pattern_mismatch" and (error.get("ctx") or {}).get("pattern") == KEY:
        message = "not a key: letters, digits, '_', '.' and '-', starting with a letter or digit"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    value = error.get("input")
    loc = [p for p in error["loc"] if isinstance(p, str)]
    if loc and is_secret_field(loc[-1]):
        return message
    if isinstance(value, str | int | float | bool) or value is None:
        message += f" (got {value!r})"
    return message


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found by following loc through the annotations."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        inner = _model_in(current)
        if inner is None or part not in inner.model_fields:
            return []
        current = inner.model_fields[part].annotation
    inner = _model_in(current)
    return list(inner.model_fields) if inner is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin is not None:
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
