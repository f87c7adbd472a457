"""Parse the seed reviews: their numbered sections, the reference numbers cited in each, and the
reference list (when the review prints one).

The seeds are text extracted from PDFs, so the parser is deliberately forgiving:

* citations are bracketed numbers, optionally superscripted (`[2]`, `[2-3]`, `[5–6]`, `[12,15]`,
  `^[4]`, full-width brackets and commas); ranges are expanded;
* section headings are lines starting with a number such as `2.3` followed by a title; a number
  is only accepted as a heading when it is the next one in sequence (first child, next sibling or
  next at a higher level) and is not followed by a unit (年, 个, 例, ...), which rules out numbers
  that merely start a wrapped line;
* text before the first heading is the unnumbered introduction, section "0";
* numbered phases written as circled digits (①, ②, ...) inside a section become sub-sections
  `<section>.p1`, `<section>.p2`, ... (seed 001 describes the five phases of liver colonisation so);
* the reference list starts at a line `参考文献` (or `References`); entries start with `[n]`.

The result contains no prose of the papers beyond section titles and bibliographic data.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

CITATION = re.compile(r"\^?[\[［]\s*(\d{1,3}(?:\s*[-–—~～,，、]\s*\d{1,3})*)\s*[\]］]")
# a number then a title; not a number followed by a unit ("1 年生存率", "3 个月") or a percentage
HEADING = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2}){0,3})\s+(?=[^\d\s%.年月日周天个例名次倍岁级])(.+?)\s*$")
REFLIST_START = re.compile(r"^\s*(参考文献|references|bibliography)\s*[:：]?\s*$", re.I)
REF_ENTRY = re.compile(r"^\s*(?:[-*]\s*)?[\[［](\d{1,3})[\]］]\s*(.*)$")
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
SUMMARY_TITLE = re.compile(r"总结|展望|结语|结论|小结|conclusion|summary|perspective", re.I)
INTRO_ALIASES = ("0", "intro", "introduction", "引言", "前言", "preface")


# ----------------------------------------------------------------------------- data classes
@dataclass
class Citation:
    text: str
    refs: list[int]
    line: int


@dataclass
class Section:
    id: str
    title: str | None
    kind: str  # intro | section | phase | summary
    parent: str | None
    line: int | None
    has_text: bool = False
    required: bool = False
    refs: list[int] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


@dataclass
class Reference:
    number: int
    first_author: str | None
    authors: str | None
    year: int | None
    title: str | None
    journal: str | None
    doi: str | None


@dataclass
class SeedIndex:
    seed: str
    sha256: str
    has_reference_list: bool
    sections: list[Section]
    cited_refs: list[int]
    references: list[Reference]

    def to_dict(self) -> dict:
        return {
            "format_version": 1,
            "seed": self.seed,
            "sha256": self.sha256,
            "has_reference_list": self.has_reference_list,
            "cited_refs": self.cited_refs,
            "sections": [asdict(s) for s in self.sections],
            "references": [asdict(r) for r in self.references],
        }


# ----------------------------------------------------------------------------- citations
def expand_citation(inner: str) -> list[int]:
    """`2-3` -> [2, 3]; `12,15` -> [12, 15]; `14–16` -> [14, 15, 16]."""
    out: list[int] = []
    for part in re.split(r"\s*[,，、]\s*", inner.strip()):
        if not part:
            continue
        bounds = re.split(r"\s*[-–—~～]\s*", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            lo, hi = int(bounds[0]), int(bounds[1])
            if lo > hi:
                lo, hi = hi, lo
            out.extend(range(lo, hi + 1))
        elif part.isdigit():
            out.append(int(part))
    return out


def find_citations(text: str, line: int) -> list[Citation]:
    return [Citation(m.group(0).lstrip("^"), expand_citation(m.group(1)), line) for m in CITATION.finditer(text)]


# ----------------------------------------------------------------------------- headings
def _successors(prev: tuple[int, ...] | None) -> set[tuple[int, ...]]:
    if prev is None:
        return {(0,), (1,)}
    out = {prev + (1,)}
    for depth in range(len(prev), 0, -1):
        out.add(prev[: depth - 1] + (prev[depth - 1] + 1,))
    return out


def split_heading(rest: str) -> tuple[str, str]:
    """Split what follows a section number into (title, text on the same line)."""
    gap = re.search(r"\s{2,}", rest)
    if gap:
        return rest[: gap.start()].strip(), rest[gap.end():].strip()
    tokens = list(re.finditer(r"\S+", rest))
    # A title that the text repeats right away ("2.2 整合素 整合素是由 ..."): take the longest such.
    best = None
    for tok in tokens[:-1]:
        title = rest[: tok.end()]
        after = rest[tok.end():].lstrip()
        if after.startswith(title.strip()):
            best = (title.strip(), after)
    if best:
        return best
    if tokens:
        return tokens[0].group(0), rest[tokens[0].end():].strip()
    return rest.strip(), ""


def normalise_label(label: str) -> str:
    """Canonical form used to compare section labels: NFKC, case-folded, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(label))).casefold().removeprefix("section")


# ----------------------------------------------------------------------------- references
def parse_reference(number: int, text: str) -> Reference:
    text = re.sub(r"\s+", " ", text).strip()
    doi = None
    m = re.search(r"doi\s*[:：]\s*(10\.\S+?)\.?\s*$", text, re.I)
    if m:
        doi = m.group(1)
    authors = title = journal = None
    year = None
    m = re.match(r"(.+?(?:et al)?)\.\s+(.*)$", text)
    body = text
    if m:
        authors, body = m.group(1).strip(), m.group(2)
    m = re.match(r"(.+?)\s*\[[A-Z/]+\]\s*\.?\s*(.*)$", body)
    if m:
        title, tail = m.group(1).strip().rstrip("."), m.group(2)
        jm = re.match(r"\*?([^*,]+?)\*?\s*,\s*(\d{4})", tail)
        if jm:
            journal, year = jm.group(1).strip(), int(jm.group(2))
    if year is None:
        ym = re.search(r",\s*((?:19|20)\d{2})\b", body)
        year = int(ym.group(1)) if ym else None
    first_author = None
    if authors:
        first = authors.split(",")[0].strip()
        first_author = first.split(" ")[0] if first else None
    return Reference(number, first_author, authors, year, title, journal, doi)


def _parse_reference_list(lines: list[str]) -> list[Reference]:
    entries: list[tuple[int, list[str]]] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        m = REF_ENTRY.match(line)
        if m:
            entries.append((int(m.group(1)), [m.group(2)]))
            continue
        if not entries:
            continue
        last = " ".join(entries[-1][1]).rstrip()
        if last.endswith("."):  # previous entry is complete: the reference list is over
            break
        entries[-1][1].append(re.sub(r"^[-*]\s*", "", line))
    return [parse_reference(n, " ".join(parts)) for n, parts in entries]


# ----------------------------------------------------------------------------- sections
def _phase_split(section: Section, chunks: list[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[tuple[Section, list[tuple[int, str]]]]]:
    """Split the text chunks of a section at circled digits ①, ②, ... (in order, from ①)."""
    text_positions: list[tuple[int, int, int]] = []  # (phase number, chunk index, char offset)
    expected = 0
    for ci, (_, text) in enumerate(chunks):
        for pos, ch in enumerate(text):
            if expected < len(CIRCLED) and ch == CIRCLED[expected]:
                text_positions.append((expected + 1, ci, pos))
                expected += 1
    if len(text_positions) < 2:
        return chunks, []
    own: list[tuple[int, str]] = []
    phases: list[tuple[Section, list[tuple[int, str]]]] = []
    bounds = text_positions + [(None, len(chunks), 0)]
    first_ci, first_pos = text_positions[0][1], text_positions[0][2]
    own = chunks[:first_ci] + [(chunks[first_ci][0], chunks[first_ci][1][:first_pos])]
    for (k, ci, pos), (_, nci, npos) in zip(bounds[:-1], bounds[1:]):
        part: list[tuple[int, str]] = []
        for j in range(ci, min(nci, len(chunks) - 1) + 1):
            line_no, text = chunks[j]
            start = pos if j == ci else 0
            end = npos if j == nci else len(text)
            part.append((line_no, text[start:end]))
        head = part[0][1][1:].strip()
        title = re.split(r"[:：]", head, maxsplit=1)[0].strip() if re.search(r"[:：]", head[:40]) else None
        circ = CIRCLED[k - 1]
        sid = f"{section.id}.p{k}"
        aliases = [sid, f"{section.id}{circ}", f"{section.id}.{circ}", f"{section.id}.phase{k}",
                   f"{section.id}-p{k}", f"{section.id}p{k}"]
        if title:
            aliases.append(title)
        phase = Section(id=sid, title=title, kind="phase", parent=section.id, line=part[0][0], aliases=aliases)
        phases.append((phase, part))
    return own, phases


def _finish(section: Section, chunks: list[tuple[int, str]]) -> None:
    refs: set[int] = set()
    for line_no, text in chunks:
        cits = find_citations(text, line_no)
        section.citations.extend(cits)
        for c in cits:
            refs.update(c.refs)
    section.refs = sorted(refs)
    section.has_text = any(t.strip() for _, t in chunks)


def parse_seed_text(text: str, name: str) -> SeedIndex:
    """Parse one seed review (its text and file name) into a `SeedIndex`."""
    lines = text.splitlines()
    ref_start = next((i for i, ln in enumerate(lines) if REFLIST_START.match(ln)), None)
    body_lines = lines if ref_start is None else lines[:ref_start]
    references = [] if ref_start is None else _parse_reference_list(lines[ref_start + 1:])

    intro = Section(id="0", title=None, kind="intro", parent=None, line=None, aliases=list(INTRO_ALIASES))
    order: list[tuple[Section, list[tuple[int, str]]]] = [(intro, [])]
    prev: tuple[int, ...] | None = None
    for i, raw in enumerate(body_lines, start=1):
        m = HEADING.match(raw)
        if m:
            number = tuple(int(x) for x in m.group(1).split("."))
            if number in _successors(prev):
                prev = number
                title, rest = split_heading(m.group(2))
                if number == (0,):
                    intro.title, intro.line = title, i
                    if rest:
                        order[0][1].append((i, rest))
                    continue
                sid = ".".join(map(str, number))
                parent = ".".join(map(str, number[:-1])) if len(number) > 1 else None
                kind = "summary" if SUMMARY_TITLE.search(title) else "section"
                sec = Section(id=sid, title=title, kind=kind, parent=parent, line=i, aliases=[sid, title])
                order.append((sec, [(i, rest)] if rest else []))
                continue
        order[-1][1].append((i, raw))

    sections: list[Section] = []
    for sec, chunks in order:
        own, phases = _phase_split(sec, chunks) if sec.kind == "section" else (chunks, [])
        _finish(sec, own)
        sections.append(sec)
        for phase, part in phases:
            _finish(phase, part)
            sections.append(phase)

    ids = {s.id for s in sections}
    numbered_children = {s.parent for s in sections if s.kind == "section" and s.parent}
    for s in sections:
        if s.kind == "phase":
            k = s.id.rsplit(".p", 1)[1]
            alias = f"{s.parent}.{k}"
            if alias not in ids:
                s.aliases.insert(1, alias)
        s.required = s.has_text and s.kind in ("section", "phase") and s.id not in numbered_children
        s.aliases = list(dict.fromkeys(a for a in s.aliases if a))
    cited = sorted({r for s in sections for r in s.refs})
    return SeedIndex(
        seed=name,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        has_reference_list=ref_start is not None,
        sections=sections,
        cited_refs=cited,
        references=references,
    )


def parse_seed_file(path: Path) -> SeedIndex:
    path = Path(path)
    return parse_seed_text(path.read_text(encoding="utf-8"), path.name)


def parse_seeds_dir(directory: Path) -> list[SeedIndex]:
    """Parse every `*.txt` seed in `directory`, sorted by file name."""
    return [parse_seed_file(p) for p in sorted(Path(directory).glob("*.txt"))]
