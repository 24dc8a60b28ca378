"""Read YAML config files into plain data while remembering the line of every item and field.

Parsing goes through PyYAML's composer so each node keeps its mark; the values are then built
by hand, which is where duplicate keys are caught, `${ENV_VAR}` is substituted in strings and
`X_file: PATH` is replaced by `X: <contents of PATH>`. Those references read the server's
environment and files, so they resolve only for config read from a directory on the server
(the CLI); config sent through the API is parsed with `references=False` and every reference is
refused naming its field. Values read through a reference are remembered (`LoadedFile.hidden`)
so that no problem message ever repeats them. Booleans are YAML 1.2 style (only
true/false), so `yes`, `no`, `on` and `off` stay text, and dates stay text too.

Anchors and aliases are allowed, but an alias copies its item in full, so what they may add
is capped (`ALIAS_LIMIT` values): a few hundred bytes of nested aliases ("billion laughs")
would otherwise take minutes and gigabytes to build. An alias inside the item it names (a
loop) and nesting deeper than Python's recursion allows are problems, not crashes.
"""

from __future__ import annotations

import codecs
import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from warroom.redaction import is_secret_field

Path_ = tuple[Any, ...]

_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIME_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# `$${` (a literal `${`), `${NAME}` or `${NAME:-default}`, and any other `${` (a mistake).
_ENV = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{")
# At most this many values may be built through aliases in one file.
ALIAS_LIMIT = 10_000
NO_FILES = (
    "reading files is not allowed in config sent through the API; "
    "apply the directory with `warroom config apply` on the server"
)
NO_ENV = (
    "environment variables are not allowed in config sent through the API; "
    "apply the directory with `warroom config apply` on the server"
)


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and no implicit timestamps."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, _TIME_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class Issue:
    """A problem found while reading a file, before any schema is applied."""

    file: str
    line: int
    message: str


@dataclass
class SourceFile:
    """One config file: the name shown in problems, its text, where `*_file` paths start."""

    name: str
    text: str
    base_dir: Path | None = None
    # Config sent over the API: the other files sent with it, by name, that `X_file:` may name
    # (the server's own files are never read then).
    sent: Mapping[str, str] | None = None


@dataclass
class LoadedFile:
    """A parsed file: its top-level mapping and the line of every path inside it."""

    name: str
    data: dict[str, Any]
    lines: dict[Path_, int] = field(default_factory=dict)
    # Paths whose value could not be read (missing variable or file): already reported.
    failed: set[Path_] = field(default_factory=set)
    # Texts read from the environment or from files: never repeated in a problem message.
    hidden: set[str] = field(default_factory=set)
    # Where multi-line texts start: path -> (file, its line holding the text's first line,
    # whether it is a file of its own read through `X_file:`), for problems at a line of them.
    texts: dict[Path_, tuple[str, int, bool]] = field(default_factory=dict)
    # Files read through `X_file:` that are not UTF-8: path -> (file, line, message).
    unreadable: dict[Path_, tuple[str, int, str]] = field(default_factory=dict)
    # The file could not be read as a whole (YAML syntax error, ...): its data is empty.
    broken: bool = False


def not_utf8(exc: UnicodeDecodeError) -> tuple[int, str]:
    """The line and message of a byte that is not UTF-8 (a file saved as Latin-1, say)."""
    before = exc.object[: exc.start]
    line = before.count(b"\n") + 1
    column = exc.start - (before.rfind(b"\n") + 1) + 1
    byte = exc.object[exc.start : exc.start + 1].hex()
    return line, (f"the file is not UTF-8 text: byte 0x{byte} at column {column}; save it as UTF-8")


def parse(
    source: SourceFile, env: Mapping[str, str] | None = None, *, references: bool = True
) -> tuple[LoadedFile, list[Issue]]:
    """Parse one file; problems come back as issues with their line (the file may be partial).

    With references=False (config sent over the network) `${VAR}` and `X_file:` are refused.
    """
    builder = _Builder(source, os.environ if env is None else env, references)
    loaded = LoadedFile(source.name, {})
    try:
        node = _Loader(source.text).get_single_node()
    except RecursionError:
        loaded.broken = True
        return loaded, [Issue(source.name, 1, _TOO_DEEP)]
    except yaml.MarkedYAMLError as exc:
        loaded.broken = True
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        detail = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        return loaded, [Issue(source.name, line, f"YAML syntax error: {detail}{context}")]
    except yaml.YAMLError as exc:
        loaded.broken = True
        return loaded, [Issue(source.name, 1, f"YAML error: {exc}")]
    if node is None:
        return loaded, []
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1
        message = "the top level must be a mapping of sections (severities:, services:, ...)"
        loaded.broken = True
        return loaded, [Issue(source.name, line, message)]
    try:
        loaded.data = builder.build(node, ())
    except _Refused as exc:
        loaded.broken = True
        return loaded, [*builder.issues, Issue(source.name, exc.line, exc.message)]
    except RecursionError:
        loaded.broken = True
        return loaded, [*builder.issues, Issue(source.name, 1, _TOO_DEEP)]
    loaded.lines = builder.lines
    loaded.failed = builder.failed
    loaded.hidden = builder.hidden
    loaded.texts = builder.texts
    loaded.unreadable = builder.unreadable
    return loaded, builder.issues


_TOO_DEEP = "the file nests lists and mappings too deeply to read"


class _Refused(Exception):
    """Building stops: the file's aliases loop or expand too far."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Builder:
    def __init__(self, source: SourceFile, env: Mapping[str, str], references: bool) -> None:
        self.source = source
        self.env = env
        self.references = references
        self.hidden: set[str] = set()
        self.lines: dict[Path_, int] = {}
        self.issues: list[Issue] = []
        self.failed: set[Path_] = set()
        self.texts: dict[Path_, tuple[str, int, bool]] = {}
        self.unreadable: dict[Path_, tuple[str, int, str]] = {}
        self.loader = _Loader("")
        # Collections being built (an alias to one of them is a loop), collections built once
        # (building one again is an alias), and the values built through aliases so far.
        self._open: set[int] = set()
        self._built: set[int] = set()
        self._aliased = 0
        self._expanded = 0

    def issue(self, line: int, message: str) -> None:
        self.issues.append(Issue(self.source.name, line, message))

    def build(self, node: yaml.Node, path: Path_, line: int | None = None) -> Any:
        self.lines.setdefault(path, line or node.start_mark.line + 1)
        if self._aliased:
            self._expanded += 1
            if self._expanded > ALIAS_LIMIT:
                raise _Refused(
                    node.start_mark.line + 1,
                    f"aliases (*name) copy more than {ALIAS_LIMIT} values in this file; "
                    "write the items out instead",
                )
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return self._collection(node, path)
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, str) and isinstance(node, yaml.ScalarNode) and node.style == "|":
            # A literal block's text starts on the line after its `|`.
            self.texts[path] = (self.source.name, node.start_mark.line + 2, False)
        if isinstance(value, str) and "$" in value:
            return self.substitute(value, node.start_mark.line + 1, path)
        return value

    def _collection(self, node: yaml.MappingNode | yaml.SequenceNode, path: Path_) -> Any:
        key = id(node)
        if key in self._open:
            raise _Refused(
                node.start_mark.line + 1,
                "an alias (*name) refers to the item that holds it; it would never end",
            )
        again = key in self._built
        self._open.add(key)
        self._aliased += again
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        finally:
            self._aliased -= again
            self._open.discard(key)
            self._built.add(key)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                self.issue(line, "merge keys (<<) are not supported; repeat the fields")
                continue
            key = str(self.loader.construct_object(key_node, deep=True))
            if key in seen:
                self.issue(line, f"duplicate key {key!r} (first at line {seen[key]})")
                continue
            seen[key] = line
            if key.endswith("_file") and len(key) > 5 and isinstance(value_node, yaml.ScalarNode):
                base = key[: -len("_file")]
                self.lines[(*path, base)] = line
                self.lines[(*path, key)] = line
                value = self.build(value_node, (*path, key), line)
                out[base] = self._read_secret(key, value, line, (*path, base))
                continue
            out[key] = self.build(value_node, (*path, key), line)
        for key in list(out):
            if f"{key}_file" in seen and key in seen:
                self.issue(seen[f"{key}_file"], f"give either {key!r} or '{key}_file', not both")
        return out

    def _read_secret(self, key: str, value: Any, line: int, path: Path_) -> Any:
        if not isinstance(value, str):
            return value
        if not self.references:
            name = posixpath.normpath(posixpath.join(posixpath.dirname(self.source.name), value))
            if self.source.sent is not None and name in self.source.sent:
                return self._text(path, name, self.source.sent[name])
            hint = f"; or send {name} with the files" if self.source.sent is not None else ""
            self.issue(line, f"{_label((*path[:-1], key))}: {NO_FILES}{hint}")
            self.failed.add(path)
            return ""
        file = Path(value).expanduser()
        if not file.is_absolute() and self.source.base_dir is not None:
            file = self.source.base_dir / file
        try:
            text = file.read_bytes().removeprefix(codecs.BOM_UTF8).decode("utf-8")
        except FileNotFoundError:
            self.issue(line, f"{key}: file {str(file)!r} does not exist")
        except UnicodeDecodeError as exc:
            if is_secret_field(key) or "url" in key:  # its bytes are not to be shown
                self.issue(line, f"{key}: {str(file)!r} is not UTF-8 text")
                self.failed.add(path)
                return ""
            # Named at the file's own line; the label (with the item's key) is added later.
            at, message = not_utf8(exc)
            where = f"{self.source.name}:{line}"
            self.unreadable[(*path[:-1], key)] = (str(file), at, f"{message} (read by {where})")
        except OSError as exc:
            self.issue(line, f"{key}: cannot read {str(file)!r}: {exc.strerror or 'error'}")
        else:
            return self._text(path, str(file), text)
        self.failed.add(path)
        return ""

    def _text(self, path: Path_, name: str, text: str) -> str:
        """A value read from a file, stripped; where its text starts is remembered."""
        content = text.removeprefix("\ufeff").strip()
        # The text's first line is this line of the file (blank lines before it stripped).
        first = 1 + text[: len(text) - len(text.lstrip())].count("\n") if content else 1
        self.texts[path] = (name, first, True)
        self.hidden.add(content)
        return content

    def substitute(self, text: str, line: int, path: Path_ = ()) -> str:
        """Replace ${VAR} (or ${VAR:-default}); $${ stands for a literal ${.

        As in a shell, the default also stands in for a variable that is set but empty.
        Any other `${` (`${VAR-x}`, `${VAR:?}`, `${ VAR }`) is a problem, not kept as text.
        """

        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            name, default = match.group(1), match.group(2)
            if name is None:
                self.issue(line, f"{_label(path)}: {_BAD_REFERENCE}")
                self.failed.add(path)
                return match.group(0)
            if not self.references:
                self.issue(line, f"{_label(path)}: ${{{name}}}: {NO_ENV}")
                self.failed.add(path)
                return match.group(0)
            if name in self.env and (self.env[name] or default is None):
                self.hidden.add(self.env[name])
                return self.env[name]
            if default is not None:
                return default
            self.issue(line, f"environment variable {name!r} is not set")
            self.failed.add(path)
            return match.group(0)

        return _ENV.sub(replace, text)


_BAD_REFERENCE = (
    "'${' starts no reference here; write ${NAME} or ${NAME:-default} "
    "(a name of letters, digits and _), or $${ for a literal ${"
)


def _label(path: Path_) -> str:
    """("services", 0, "name") -> "services[0].name"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "value"
