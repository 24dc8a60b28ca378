"""Jinja's sandbox with bounds: what an admin-written template may cost a render.

Jinja's sandbox keeps a template away from Python's internals but not from the CPU or the
memory: two nested `range(100000)` loops ran for hours (a `config check` never came back),
and `{{ text * 20000 }}` passed the check on the sample incident, then made one 10,000-character
status update a 180 MB message. Here a render may run `steps` template lines (loop turns
and macro calls count), may produce `limit` characters, and no single operation may build a
string or list longer than that (`*`, `+`, `**`, `%`, filters and methods given a huge width
or count, `replace` that would grow past it, namespace attributes, macro output). Passing a
bound raises TemplateBudget, which callers report as they report any template mistake.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Generator, Iterable
from functools import wraps
from types import FrameType
from typing import Any, cast

from jinja2 import Template
from jinja2.runtime import Namespace
from jinja2.sandbox import SandboxedEnvironment

STEPS = 200_000
LIMIT = 100_000
_BIG_NUMBER = re.compile(r"\d{6,}")
_NESTED_SPEC = re.compile(r":[^{}]*\{")
# Filters and string methods whose numbers are widths or counts of what they make.
WIDTH_FILTERS = frozenset({"center", "indent", "truncate", "wordwrap", "batch", "slice"})
WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


class TemplateBudget(Exception):
    """A render went past one of its bounds."""


def _too_long(size: int, limit: int) -> None:
    if size > limit:
        raise TemplateBudget(
            f"this would make a text or list of {size:,} characters or items; at most {limit:,}"
        )


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else 0


def _numbers(args: Iterable[Any], limit: int) -> None:
    for value in args:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > limit:
            raise TemplateBudget(f"the number {value:,} is too large here; at most {limit:,}")


def _widths(text: Any, limit: int) -> None:
    """A format string asking for a width or precision past the limit ('%9999999d')."""
    if isinstance(text, str):
        for found in _BIG_NUMBER.findall(text):
            _numbers([int(found)], limit)


def _grown_by_replace(text: Any, old: Any, new: Any, limit: int) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        times = text.count(old) if old else len(text) + 1
        _too_long(len(text) + times * (len(new) - len(old)), limit)


class BoundedNamespace(Namespace):
    """`namespace()` whose attributes hold no value longer than the limit (a loop doubling
    `ns.text ~ ns.text` would otherwise grow it without end)."""

    limit = LIMIT

    def __setitem__(self, name: str, value: Any) -> None:
        _too_long(_size(value), type(self).limit)  # (a Namespace's own attributes are its items)
        super().__setitem__(name, value)


class BoundedSandbox(SandboxedEnvironment):
    """The sandbox with size bounds on every operation that can build a large value."""

    intercepted_binops = frozenset({"*", "+", "**", "%"})
    limit = LIMIT

    def __init__(self, *args: Any, limit: int = LIMIT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = limit
        self.globals.pop("lipsum", None)  # up to 100 paragraphs a call, for no message
        namespace = type("Namespace", (BoundedNamespace,), {"limit": limit})
        self.globals["namespace"] = namespace
        self.filters = {name: self._bounded(name, f) for name, f in self.filters.items()}

    def _bounded(self, name: str, f: Callable[..., Any]) -> Callable[..., Any]:
        limit = self.limit

        @wraps(f)
        def bounded(*args: Any, **kwargs: Any) -> Any:
            if name in WIDTH_FILTERS:
                _numbers([*args[1:], *kwargs.values()], limit)
            if name == "replace" and len(args) >= 4:
                _grown_by_replace(args[1], args[2], args[3], limit)
            if name == "format" and len(args) >= 1:
                _widths(args[0], limit)
            result = f(*args, **kwargs)
            _too_long(_size(result), limit)
            return result

        return bounded

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        limit = self.limit
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if _size(seq) and isinstance(times, int):
                    _too_long(_size(seq) * times, limit)
        elif operator == "+":
            _too_long(_size(left) + _size(right), limit)
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            if abs(left) > 1 and right > 0 and left.bit_length() * right > limit * 4:
                raise TemplateBudget(f"{left} ** {right} is too large a number")
        elif operator == "%" and isinstance(left, str):
            _widths(left, limit)
            _numbers(right if isinstance(right, tuple) else [right], limit)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        limit = __self.limit
        name = getattr(__obj, "__name__", "")
        # (the sandbox hands str.format out wrapped: the string is the wrapped method's)
        owner = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        if isinstance(owner, str):
            if name in WIDTH_METHODS:
                _numbers([*args, *kwargs.values()], limit)
            elif name in ("format", "format_map"):
                _widths(owner, limit)
                if _NESTED_SPEC.search(owner):  # a width taken from the arguments: '{:>{}}'
                    _numbers([*args, *kwargs.values()], limit)
            elif name == "replace" and len(args) >= 2:
                _grown_by_replace(owner, args[0], args[1], limit)
        result = super().call(__context, __obj, *args, **kwargs)
        _too_long(_size(result), limit)
        return result

    def concat(self, parts: Iterable[str]) -> str:
        """Joins a macro's (or a block's) output: no longer than the limit."""
        pieces = list(parts)
        _too_long(sum(len(p) for p in pieces), self.limit)
        return "".join(pieces)


class _Steps:
    """Counts the lines a template runs (only its own frames, named <template>)."""

    def __init__(self, steps: int) -> None:
        self.left = steps
        self.steps = steps

    def enter(self, frame: FrameType, event: str, arg: Any) -> Any:
        return self.line if frame.f_code.co_filename == "<template>" else None

    def line(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.left -= 1
            if self.left < 0:
                raise TemplateBudget(
                    f"the template ran more than {self.steps:,} steps (a loop too long?)"
                )
        return self.line


def render(template: Template, ctx: dict[str, Any], *, steps: int = STEPS) -> str:
    """Render within the bounds: `steps` template lines, and the environment's limit on the
    output (BoundedSandbox; a plain environment gets LIMIT)."""
    limit = int(getattr(template.environment, "limit", LIMIT))
    counter = _Steps(steps)
    before = sys.gettrace()
    sys.settrace(counter.enter)
    try:
        out: list[str] = []
        size = 0
        pieces = cast(Generator[str, None, None], template.generate(ctx))
        for piece in pieces:
            size += len(piece)
            if size > limit:  # thrown in where the template is, so its line is named
                pieces.throw(TemplateBudget(f"the text would be longer than {limit:,} characters"))
            out.append(piece)
        return "".join(out)
    finally:
        sys.settrace(before)
