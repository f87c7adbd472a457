"""Read a YAML list of records and remember on which line each record and each field starts.

PyYAML's composer gives every node a start mark; we build the Python values from the nodes and
keep, for each list item, a map from field paths (("evidence", 0, "refs"), ...) to 1-based line
numbers. Duplicate keys inside one mapping are reported (PyYAML would silently keep the last).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .issues import Issue

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path_ = tuple[Any, ...]


@dataclass
class YamlItem:
    """One list item of a YAML file: its value, its first line and the lines of its fields."""

    value: Any
    line: int
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, loc: Path_) -> int:
        """The line of the deepest known prefix of `loc` (the item's line when none is known)."""
        for n in range(len(loc), 0, -1):
            if loc[:n] in self.lines:
                return self.lines[loc[:n]]
        return self.line


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], dupes: list[tuple[Path_, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            sub = path + (key,)
            if key in seen:
                dupes.append((sub, key_node.start_mark.line + 1))
            seen.add(key)
            lines[sub] = key_node.start_mark.line + 1
            _walk(value_node, sub, lines, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            sub = path + (i,)
            lines[sub] = child.start_mark.line + 1
            _walk(child, sub, lines, dupes)


def load_yaml_items(path: Path, display: str | None = None) -> tuple[list[YamlItem], list[Issue]]:
    """Parse `path` as a YAML list; return its items with line maps, and the problems found."""
    name = display or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Issue("yaml_syntax", f"cannot read file: {exc}", file=name)]
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return [], []
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        msg = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        return [], [Issue("yaml_syntax", f"invalid YAML: {msg}", file=name, line=line)]
    except yaml.YAMLError as exc:
        return [], [Issue("yaml_syntax", f"invalid YAML: {exc}", file=name)]
    finally:
        loader.dispose()

    if not isinstance(root, yaml.SequenceNode):
        return [], [Issue("not_a_list", "the file must be a YAML list of records (lines starting with '- ')",
                          file=name, line=root.start_mark.line + 1)]
    items: list[YamlItem] = []
    issues: list[Issue] = []
    for node, value in zip(root.value, data):
        line = node.start_mark.line + 1
        lines: dict[Path_, int] = {}
        dupes: list[tuple[Path_, int]] = []
        _walk(node, (), lines, dupes)
        rid = value.get("id") if isinstance(value, dict) else None
        for dpath, dline in dupes:
            issues.append(Issue("duplicate_key", f"key {dpath[-1]!r} appears twice in this record; the last value wins",
                                file=name, line=dline, field=_dotted(dpath), record_id=rid if isinstance(rid, str) else None))
        items.append(YamlItem(value=value, line=line, lines=lines))
    return items, issues


def _dotted(path: Path_) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


dotted = _dotted
