"""The config directory's files: which are read, and the YAML one folder down that is not.

`read_directory` reads the *.yaml and *.yml files directly in the directory (any case of the
suffix: `Routes.YAML` too), as UTF-8; `unread_config` warns of config sections in YAML one
folder down, which is not read. macOS's AppleDouble companions (`._routes.yaml`, written
beside each file by a copy to a disk or an archive that keeps no extended attributes) are not
config: they are skipped, where reading them failed with "not UTF-8".
"""

from __future__ import annotations

from pathlib import Path

import yaml

from warroom.config.loader import Issue, SourceFile, not_utf8

SUFFIXES = (".yaml", ".yml")
APPLEDOUBLE = "._"


def appledouble(name: str) -> bool:
    """Whether a file of this name (or path) is a macOS AppleDouble companion (`._x.yaml`)."""
    return Path(name).name.startswith(APPLEDOUBLE)


def config_name(name: str) -> bool:
    """Whether a file of this name is a config file: YAML, not an AppleDouble companion."""
    return Path(name).suffix.lower() in SUFFIXES and not appledouble(name)


def _config_file(path: Path) -> bool:
    return config_name(path.name) and path.is_file()


def read_directory(path: Path) -> tuple[list[SourceFile], list[Issue]]:
    """The *.yaml and *.yml files of a directory (or one file), sorted by name."""
    if path.is_file():
        paths = [path]
    elif path.is_dir():
        # `Routes.YAML` too: skipped, its sections would be deactivated without a word.
        paths = sorted(p for p in path.iterdir() if _config_file(p))
        if not paths:
            return [], [Issue(str(path), 0, "no *.yaml or *.yml files in this directory")]
    else:
        return [], [Issue(str(path), 0, "no such config directory or file")]
    files, issues = [], []
    for p in paths:
        try:
            files.append(SourceFile(str(p), p.read_bytes().decode("utf-8"), p.parent))
        except UnicodeDecodeError as exc:
            issues.append(Issue(str(p), *not_utf8(exc)))
        except OSError as exc:
            issues.append(Issue(str(p), 1, f"cannot read the file: {exc}"))
    return files, issues


def unread_config(path: Path, sections: set[str]) -> list[Issue]:
    """Warnings for YAML files one folder down that hold config sections: only the files
    directly in the directory are read, so theirs would silently not be applied (`teams/x.yaml`).
    Other YAML there (drill scenarios, ...) is the config's to name, and says nothing."""
    if not path.is_dir():
        return []
    found = []
    for folder in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for file in sorted(folder.iterdir()):
            if not _config_file(file):
                continue
            named = _top_level_keys(file)
            hits = [key for key, _ in named if key in sections]
            if hits:
                line = next(n for key, n in named if key == hits[0])
                noun = "section" if len(hits) == 1 else "sections"
                found.append(
                    Issue(
                        str(file),
                        line,
                        f"this file is not read (only the YAML files directly in {path} are): "
                        f"its {noun} {', '.join(hits)} {'is' if len(hits) == 1 else 'are'} not "
                        "applied; move the file up a folder",
                    )
                )
    return found


def _top_level_keys(file: Path) -> list[tuple[str, int]]:
    """(key, line) of a YAML file's top-level mapping; [] if it is none or cannot be read."""
    try:
        node = yaml.SafeLoader(file.read_text(encoding="utf-8")).get_single_node()
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    return [
        (str(key.value), key.start_mark.line + 1)
        for key, _ in node.value
        if isinstance(key, yaml.ScalarNode)
    ]
