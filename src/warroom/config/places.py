"""Where a line of a template given in config is, for problems reported as file:line."""

from __future__ import annotations

import re
from pathlib import Path


def template_place(source: str, file: str, line: int, key: str, at: int) -> tuple[str, int]:
    """File and line of line `at` of the template written as `key` at `file`:`line`: in its
    own file for `KEY_file: PATH`, after that line for a block scalar (`|`, `>`), else on it.
    Only a file loaded from this disk (under `source`) is read; otherwise `line + at`."""
    if not line or not Path(file).is_relative_to(source):
        return file, line + at if line else 0
    try:
        written = Path(file).read_text(encoding="utf-8-sig").splitlines()[line - 1]
    except (OSError, UnicodeDecodeError, IndexError):
        return file, line + at
    named = re.match(rf"\s*{re.escape(key)}_file\s*:\s*(['\"]?)([^'\"#]+?)\1\s*(#.*)?$", written)
    if named:
        path = Path(named.group(2))
        return str(path if path.is_absolute() else Path(file).parent / path), at
    block = re.search(r":\s*[|>][-+0-9]*\s*(#.*)?$", written)
    return file, line + at if block else line + at - 1
