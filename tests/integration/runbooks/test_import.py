"""Importing Markdown runbooks: nothing of the seeds is lost, re-importing is stable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from warroom.runbooks.markdown import RunbookError, parse, render
from warroom.runbooks.split import split

SEEDS = sorted(Path("/work/shared/reference/seeds").glob("*.txt"))


def _source_counts(text: str) -> tuple[list[str], list[str]]:
    """Every list item's first paragraph and every fenced command, counted by markdown-it-py."""
    tokens = MarkdownIt("commonmark").parse(text)
    items, commands = [], []
    for i, token in enumerate(tokens):
        if token.type == "list_item_open":
            nxt = tokens[i + 1]
            content = tokens[i + 2].content if nxt.type == "paragraph_open" else ""
            # A task-list box (`- [ ] Create the report`) is the step's checkbox, not its text.
            if content[:4] in ("[ ] ", "[x] ", "[X] "):
                content = content[4:].lstrip()
            items.append(content)
        if token.type in ("fence", "code_block"):
            commands.append(token.content)
    return items, commands


def _steps(doc: Any) -> tuple[list[str], list[str]]:
    steps = list(doc.steps())
    texts = [s.text.split("\n\n")[0] for s in steps if s.kind == "step"]
    return texts, [s.code for s in steps if s.kind == "command"]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_every_list_item_and_command_of_a_seed_is_a_step(seed: Path) -> None:
    text = seed.read_text(encoding="utf-8")
    items, commands = _source_counts(text)
    assert items and len(items) > 10
    doc = parse(text)
    texts, codes = _steps(doc)
    assert sorted(texts) == sorted(items)
    assert sorted(codes) == sorted(commands)
    numbers = [s.number for s in doc.steps()]
    assert numbers == list(range(1, len(items) + len(commands) + 1))


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_reimporting_a_seed_is_stable_whole_and_split(seed: Path) -> None:
    doc = parse(seed.read_text(encoding="utf-8"))
    assert parse(render(doc)) == doc
    pieces = split(doc)
    for piece in pieces:
        assert parse(render(piece)) == piece
    all_steps = [s.text for p in pieces for s in p.steps()]
    assert sorted(all_steps) == sorted(s.text for s in doc.steps())
    assert len({p.id for p in pieces}) == len(pieces)


def test_the_oracle_seed_splits_into_its_playbooks() -> None:
    doc = parse(SEEDS[0].read_text(encoding="utf-8"))
    pieces = split(doc)
    titles = [p.title for p in pieces]
    assert "7.1 Data Source Outage / Degradation" in titles
    assert "7.9 Database Outage (Feature Store / Metadata)" in titles
    outage = next(p for p in pieces if p.title.startswith("7.1"))
    first = [s.text for s in outage.steps()][:3]
    assert first == ["coverage_ratio drops", "staleness flags", "quarantine spikes"]
    labels = [n.label for s in outage.sections for n in s.nodes if n.kind == "text"]
    assert labels == ["symptoms", "mitigation", "recovery"]


TRICKY = """---
id: db-failover
title: Database failover
services: [orders-db]
severities: [SEV1]
matchers: {alertname: PostgresDown}
---

Read this *first*: it is **the** [runbook](https://wiki.example.com/db).

## Symptoms

- Connections *refused*
- Replication lag above `30s`

## Mitigation steps

1. Promote the replica
   - check it is in sync
     ```bash
     psql -c 'select pg_last_wal_replay_lsn()'
     ```
   - promote it:
   ```sh
   pg_ctl promote
   ```
2. Point the app at it, see [the guide](https://wiki.example.com/switch)

```bash
kubectl rollout restart deploy/orders
```

## Background

Nothing to tick here, only text.

### Notes on the *cluster*

More text.

## Validation

* error rate back to normal
+ a different bullet starts a new list
"""


def test_tricky_markdown_keeps_structure_commands_and_inline_markup() -> None:
    doc = parse(TRICKY)
    assert (doc.id, doc.title) == ("db-failover", "Database failover")
    assert doc.services == ["orders-db"] and doc.severities == ["SEV1"]
    assert doc.matchers == {"alertname": "PostgresDown"}
    kinds = [(s.title, s.kind) for s in doc.sections]
    assert kinds == [
        ("", None),
        ("Symptoms", "symptoms"),
        ("Mitigation steps", "mitigation"),
        ("Background", None),
        ("Notes on the *cluster*", None),
        ("Validation", "validation"),
    ]
    assert doc.sections[0].nodes[0].text.startswith("Read this *first*: it is **the** [runbook]")
    promote = doc.sections[2].nodes[0]
    assert promote.text == "Promote the replica" and promote.ordered
    check, promote_it = promote.children
    assert check.children[0].kind == "command"
    assert check.children[0].code.startswith("psql -c")
    # a fence right after a nested item belongs to that item
    assert promote_it.text == "promote it:"
    assert promote_it.children[0].code == "pg_ctl promote\n"
    point = doc.sections[2].nodes[1]
    assert point.text == "Point the app at it, see [the guide](https://wiki.example.com/switch)"
    # a fence after the list, at section level, attaches to the last step
    assert point.children[0].code == "kubectl rollout restart deploy/orders\n"
    assert [n.kind for n in doc.sections[3].nodes] == ["text"]
    validation = doc.sections[5].nodes
    assert [n.text for n in validation] == [
        "error rate back to normal",
        "a different bullet starts a new list",
    ]
    numbered = [(s.number, s.kind) for s in doc.steps()]
    assert numbered == [
        (1, "step"),
        (2, "step"),
        (3, "step"),
        (4, "step"),
        (5, "command"),
        (6, "step"),
        (7, "command"),
        (8, "step"),
        (9, "command"),
        (10, "step"),
        (11, "step"),
    ]
    assert parse(render(doc)) == doc
    assert render(parse(render(doc))) == render(doc)


def test_front_matter_problems_are_refused() -> None:
    with pytest.raises(RunbookError, match="unknown front matter"):
        parse("---\nid: x\nowner: me\n---\n# T\n")
    with pytest.raises(RunbookError, match="never ends"):
        parse("---\nid: x\n# T\n")
    with pytest.raises(RunbookError, match="needs a title"):
        parse("- just a step\n")


def test_cli_import_writes_one_file_or_one_per_playbook(cli: Any, tmp_path: Path) -> None:
    seed = SEEDS[0]
    result = cli("runbook", "import", str(seed), "--out", str(tmp_path / "one"))
    assert result.exit_code == 0, result.output
    files = list((tmp_path / "one").glob("*.md"))
    assert [f.name for f in files] == ["incident-response-ops.md"]
    assert parse(files[0].read_text()) == parse(seed.read_text())
    result = cli("runbook", "import", str(seed), "--out", str(tmp_path / "many"), "--split")
    assert result.exit_code == 0, result.output
    names = sorted(f.name for f in (tmp_path / "many").glob("*.md"))
    assert "data-source-outage-degradation.md" in names and len(names) == 10
    total = sum(len(list(parse(f.read_text()).steps())) for f in (tmp_path / "many").glob("*.md"))
    assert total == len(list(parse(seed.read_text()).steps()))
