"""Markdown runbooks in and out, through markdown-it-py's token stream (no regex on Markdown).

Headings become sections (tagged with a recognised kind when their words say so), list items
become steps and nested lists nested steps, fenced (or indented) code becomes a command step
attached to the step it follows, paragraphs are kept as text. Inline text stays Markdown, so
emphasis and links survive. `render` writes a runbook back; `parse(render(doc)) == doc`.
YAML front matter (between `---` lines at the very top) gives id, title, services, severities
and matchers.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pydantic import ValidationError

from warroom.runbooks.document import Node, RunbookDoc, Section, kind_of, number_steps

_md = MarkdownIt("commonmark")
# markdown-it stops reading inside a list or quote opened at its nesting limit, and a list
# item's "inside" runs to the list's end: a runbook nested that deep would lose every step
# after that point, so it is refused instead.
_DEEPEST = int(_md.options["maxNesting"]) - 1
_CONTAINERS = ("bullet_list_open", "ordered_list_open", "list_item_open", "blockquote_open")
_FRONT_FIELDS = ("id", "title", "services", "severities", "matchers")


class RunbookError(ValueError):
    """The Markdown cannot be a runbook (bad front matter, no title); `line`, when known, is
    the line of the text given to `parse` (1 for its first) that the problem is on."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.reason = reason
        self.line = line


def slug(text: str) -> str:
    """An ASCII key from a title: "7.1 Data Source Outage" -> "data-source-outage",
    "Störung — Straße" -> "storung-strasse". Accents are dropped (NFKD), as are letters that stay
    non-ASCII; other characters separate words; "runbook" if no word is left."""
    chars = unicodedata.normalize("NFKD", text.casefold())
    words = "".join(
        (c.lower() if c.isascii() else "") if c.isalnum() or unicodedata.combining(c) else " "
        for c in chars
    ).split()
    while words and words[0].isdigit():
        words = words[1:]
    return "-".join(words)[:64].strip("-") or "runbook"


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(front matter mapping, the Markdown after it); a leading byte order mark is dropped."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    # Front matter starts on the very next line, as in Jekyll, Hugo and GitHub; a `---` with
    # a blank line after it is a Markdown rule (a document opening with a divider).
    if not lines or lines[0].strip() != "---" or (len(lines) > 1 and not lines[1].strip()):
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            try:
                front = "\n".join(lines[1:end])
                data = yaml.safe_load(front) or {}
                _refuse_duplicates(yaml.compose(front, Loader=yaml.SafeLoader), "")
            except yaml.YAMLError as exc:
                raise _yaml_problem(exc) from None
            if not isinstance(data, dict):
                raise RunbookError(
                    f"front matter (lines 2-{end} between the --- lines) must be a mapping "
                    "(id:, title:, ...); if the first --- is a rule, put a blank line after it",
                    2,
                )
            unknown = sorted(set(map(str, data)) - set(_FRONT_FIELDS))
            if unknown:
                lines_of = [front_matter_line(text, name) or 2 for name in unknown]
                raise RunbookError(
                    f"unknown front matter field(s): {', '.join(unknown)}", min(lines_of)
                )
            return data, "\n".join(lines[end + 1 :])
    raise RunbookError(
        "front matter starts with --- but never ends; if the --- is a rule, put a blank line "
        "after it",
        1,
    )


def _refuse_duplicates(node: yaml.Node | None, path: str) -> None:
    """RunbookError at the second of two equal keys in a mapping (YAML would keep the last
    silently: `severities:` written twice attached the runbook to the second list only)."""
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            _refuse_duplicates(child, path)
    if not isinstance(node, yaml.MappingNode):
        return
    seen: dict[str, int] = {}
    for key, value in node.value:
        name = f"{path}{key.value}" if isinstance(key, yaml.ScalarNode) else ""
        line = int(key.start_mark.line) + 2
        if name and name in seen:
            raise RunbookError(
                f"duplicate front matter field {name!r} (first at line {seen[name]})", line
            )
        seen[name] = line
        _refuse_duplicates(value, f"{name}.")


def _yaml_problem(exc: yaml.YAMLError) -> RunbookError:
    """Front matter YAML that cannot be read, on one line, at its line in the document (the
    front matter starts on line 2)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        detail = f"{exc.problem or 'invalid YAML'}{context}"
        return RunbookError(
            f"front matter is not valid YAML: {detail}", mark.line + 2 if mark else 2
        )
    return RunbookError(f"front matter is not valid YAML: {exc}", 2)


def front_matter_line(text: str, name: str) -> int | None:
    """The line of the document where front matter field `name` is written, if it is."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return None
    try:
        node = yaml.compose("\n".join(lines[1:end]), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == name:
            return int(key.start_mark.line) + 2
    return None


class _Reader:
    """Walks the flat token stream; `pos` is the next token."""

    def __init__(self, tokens: list[Token], lines: list[str]) -> None:
        self.tokens, self.lines, self.pos = tokens, lines, 0
        self.in_items = 0  # list items being read (a paragraph in one is its step's text)

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def blocks(self, close: str | None) -> list[Node]:
        """Nodes until the closing token `close` (consumed) or a heading / the end."""
        nodes: list[Node] = []
        while (token := self.peek()) is not None:
            if token.type == close:
                self.take()
                break
            if close is None and token.type == "heading_open":
                break
            self.block(nodes)
        return nodes

    def block(self, nodes: list[Node]) -> None:
        token = self.take()
        kind = token.type
        if kind in ("paragraph_open", "heading_open"):
            text = self.take().content
            self.take()  # the closing token
            label = kind_of(text) if text.endswith(":") and "\n" not in text else None
            nodes.append(Node(kind="text", text=text, label=label))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            nodes.extend(self.items(kind.replace("_open", "_close"), kind == "ordered_list_open"))
        elif kind in ("fence", "code_block"):
            command = Node(kind="command", code=token.content, lang=token.info.strip())
            last = _deepest_last_step(nodes)
            if last is None and not self.in_items and nodes and _introduces(nodes[-1]):
                # "Scale the submitter down:" then its command: the step is named by it (else
                # the checklist shows a bare "61." over the code). The paragraph stays too.
                command.text = nodes[-1].text
            (last.children if last is not None else nodes).append(command)
        elif kind == "blockquote_open":
            nodes.extend(self.blocks("blockquote_close"))
        elif kind == "html_block":
            nodes.append(Node(kind="text", text=token.content.rstrip("\n")))
        # hr and anything else carries no text

    def items(self, close: str, ordered: bool) -> list[Node]:
        steps: list[Node] = []
        while (token := self.take()).type != close:
            if token.type != "list_item_open":
                continue
            self.in_items += 1
            inner = self.blocks("list_item_close")
            self.in_items -= 1
            texts = [n.text for n in inner if n.kind == "text"]
            if texts:
                texts[0] = _without_task_box(texts[0])
            children = [n for n in inner if n.kind != "text"]
            steps.append(
                Node(kind="step", text="\n\n".join(texts), ordered=ordered, children=children)
            )
        return steps


def _without_task_box(text: str) -> str:
    """A list item's text without GitHub's task-list box (`[ ] `, `[x] `): the step is the
    checkbox; the box kept in its text would read unticked once the step is done."""
    if text[:3] in ("[ ]", "[x]", "[X]") and text[3:4] in (" ", "\t"):
        return text[3:].lstrip(" \t") or text
    return text


def _introduces(node: Node) -> bool:
    """A one-line paragraph ending in ':' that is no section marker ("Mitigation:")."""
    return (
        node.kind == "text"
        and node.label is None
        and node.text.endswith(":")
        and "\n" not in node.text
        and len(node.text) <= 300
    )


def _deepest_last_step(nodes: list[Node]) -> Node | None:
    """The step a code block that follows `nodes` belongs to: the last step, deepest first."""
    if not nodes or nodes[-1].kind != "step":
        return None
    node = nodes[-1]
    while node.children and node.children[-1].kind == "step":
        node = node.children[-1]
    return node


def _front(data: dict[str, Any], key: str) -> Any:
    value = data.get(key)
    if key in ("services", "severities") and isinstance(value, str):
        return [value]
    return value


def parse(text: str, *, default_id: str | None = None) -> RunbookDoc:
    """A runbook from Markdown (with optional front matter); RunbookError if it cannot be one."""
    front, body = split_front_matter(text)
    tokens = _md.parse(body)
    _check_depth(tokens, len(text.lstrip("\ufeff").splitlines()) - len(body.splitlines()))
    reader = _Reader(tokens, body.splitlines())
    title = front.get("title")
    if isinstance(title, (list, dict)):  # str() would make "['a', 'b']" its title
        raise RunbookError("front matter title: must be text", front_matter_line(text, "title"))
    title = str(title).strip() if title is not None else None
    if title is not None and "\n" in title:  # a heading is one line: render could not keep it
        raise RunbookError("front matter title: must be one line", front_matter_line(text, "title"))
    sections = [Section(nodes=reader.blocks(None))]
    while (token := reader.peek()) is not None:
        reader.take()
        heading = reader.take().content
        reader.take()
        level = int(token.tag[1:])
        nodes = reader.blocks(None)
        if level == 1 and len(sections) == 1 and title in (None, heading):
            title = heading
            sections[0].nodes.extend(nodes)
            continue
        sections.append(Section(title=heading, level=level, kind=kind_of(heading), nodes=nodes))
    if not sections[0].nodes:
        sections = sections[1:]
    title = title or next((s.title for s in sections if s.title), None)
    if not title:
        raise RunbookError("a runbook needs a title (front matter title: or a # heading)", 1)
    values = {k: _front(front, k) for k in _FRONT_FIELDS if front.get(k) is not None}
    values.setdefault("id", default_id or slug(title))
    values["id"], values["title"] = str(values["id"]), title
    try:
        doc = RunbookDoc.model_validate({**values, "sections": sections})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        derived = where == "title" or (where == "id" and not default_id)
        if derived and front.get(where) is None:
            raise RunbookError(heading_problem(title, where, first["msg"])) from None
        field = str(first["loc"][0]) if first["loc"] else ""
        line = front_matter_line(text, field) if field else None
        raise RunbookError(f"front matter {where}: {first['msg']}", line) from None
    return number_steps(doc)


def _check_depth(tokens: list[Token], offset: int) -> None:
    """RunbookError naming the line where lists or quotes nest deeper than can be read."""
    for token in tokens:
        if token.nesting == 1 and token.level >= _DEEPEST and token.type in _CONTAINERS:
            line = offset + (token.map[0] + 1 if token.map else 1)
            raise RunbookError(
                "lists and quotes are nested too deeply to read (about 10 lists "
                "inside one another); what follows would be lost: nest less",
                line,
            )


def heading_problem(heading: str, field: str, msg: str) -> str:
    """Why the id or title taken from a heading cannot be a runbook's, naming the heading."""
    shown = heading if len(heading) <= 60 else heading[:60] + "…"
    if field == "id":
        return f"the heading {shown!r} gives no usable runbook id ({msg}); set id: in front matter"
    if field == "title":
        return f"the heading {shown!r} cannot be a runbook title: {msg}"
    return f"the heading {shown!r} cannot be a runbook: {field}: {msg}"


def _indent(text: str, prefix: str) -> str:
    """Every line prefixed, blank lines left empty; trailing spaces (hard breaks) are kept."""
    return "\n".join(prefix + line if line else "" for line in text.split("\n"))


def _fence(node: Node) -> str:
    code = node.code if node.code.endswith("\n") or not node.code else node.code + "\n"
    ticks = "```"
    while ticks in code:
        ticks += "`"
    return f"{ticks}{node.lang}\n{code}{ticks}"


def _render_nodes(nodes: list[Node]) -> list[str]:
    """Blocks separated by blank lines; consecutive steps of one kind form one list."""
    out: list[str] = []
    previous: Node | None = None
    counter = 0
    for node in nodes:
        if node.kind == "step":
            same_list = previous is not None and previous.kind == "step"
            same_list = same_list and previous is not None and previous.ordered == node.ordered
            counter = counter + 1 if same_list else 1
            marker = f"{counter}." if node.ordered else "-"
            item = _render_item(node, marker)
            if same_list:
                out[-1] += "\n" + item
            else:
                out.append(item)
        elif node.kind == "command":
            out.append(_fence(node))
        else:
            out.append(node.text)
        previous = node
    return out


def _render_item(node: Node, marker: str) -> str:
    pad = " " * (len(marker) + 1)
    parts = [node.text] if node.text else []
    parts += _render_nodes(node.children)
    body = "\n\n".join(parts)
    if not body:
        return marker
    return marker + " " + _indent(body, pad)[len(pad) :]


def render(doc: RunbookDoc) -> str:
    """The runbook as Markdown with front matter; parsing it gives the same runbook."""
    front: dict[str, Any] = {"id": doc.id, "title": doc.title}
    for key in ("services", "severities", "matchers"):
        if getattr(doc, key):
            front[key] = getattr(doc, key)
    head = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000)
    blocks = [f"---\n{head}---", f"# {doc.title}"]
    for section in doc.sections:
        if section.title or section.level:
            blocks.append(f"{'#' * section.level} {section.title}")
        blocks += _render_nodes(section.nodes)
    return "\n\n".join(blocks) + "\n"
