"""The in-memory knowledge base: records by id, where each came from, and simple graph queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .issues import Issue
from .schema import ClinicalResult, Entity, Evidence, Statement
from .seed_index import SeedCatalogue
from .yaml_lines import YamlItem


@dataclass
class Source:
    """Where a record was read: file (as shown in messages), line, and the item's field lines."""

    file: str
    line: int
    item: YamlItem | None = None
    origin: str = "builtin"  # "builtin" or the user directory / file it came from

    def line_of(self, loc: tuple[Any, ...]) -> int:
        return self.item.line_of(loc) if self.item is not None else self.line


@dataclass
class KnowledgeBase:
    entities: dict[str, Entity] = field(default_factory=dict)
    statements: dict[str, Statement] = field(default_factory=dict)
    clinical: dict[str, ClinicalResult] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    catalogue: SeedCatalogue = field(default_factory=lambda: SeedCatalogue({}, {}))
    files: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ issues
    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    # ------------------------------------------------------------------ look-ups
    def kind_of(self, record_id: str) -> str | None:
        if record_id in self.entities:
            return "entity"
        if record_id in self.statements:
            return "statement"
        if record_id in self.clinical:
            return "clinical_result"
        return None

    def _by_entity(self) -> dict[str, dict[str, list[str]]]:
        cache = getattr(self, "_entity_index", None)
        if cache is None:
            cache = defaultdict(lambda: {"outgoing": [], "incoming": [], "mentioned": []})
            for sid, st in self.statements.items():
                cache[st.subject]["outgoing"].append(sid)
                cache[st.object]["incoming"].append(sid)
                for other in dict.fromkeys([*st.via, *st.in_context]):
                    cache[other]["mentioned"].append(sid)
            object.__setattr__(self, "_entity_index", cache)
        return cache

    def outgoing(self, entity_id: str) -> list[Statement]:
        return [self.statements[s] for s in self._by_entity().get(entity_id, {}).get("outgoing", [])]

    def incoming(self, entity_id: str) -> list[Statement]:
        return [self.statements[s] for s in self._by_entity().get(entity_id, {}).get("incoming", [])]

    def mentioned_in(self, entity_id: str) -> list[Statement]:
        """Statements naming the entity in `via` or `in_context`."""
        return [self.statements[s] for s in self._by_entity().get(entity_id, {}).get("mentioned", [])]

    def entity_label(self, entity_id: str) -> str:
        ent = self.entities.get(entity_id)
        return ent.name if ent else entity_id

    # ------------------------------------------------------------------ citations
    def citation(self, ev: Evidence) -> dict:
        """Evidence plus the bibliographic data the seed's reference list gives for each number."""
        seed = self.catalogue.resolve_seed(ev.seed)
        out: dict[str, Any] = {
            "seed": seed or ev.seed,
            "refs": list(ev.refs),
            "first_author": ev.first_author,
            "year": ev.year,
            "doi": ev.doi,
        }
        if ev.pmid:
            out["pmid"] = ev.pmid
        if ev.url:
            out["url"] = ev.url
        listed = []
        for n in ev.refs:
            ref = self.catalogue.reference(seed, n) if seed else None
            if ref is not None:
                listed.append({"number": n, "first_author": ref.first_author, "year": ref.year,
                               "title": ref.title, "journal": ref.journal, "doi": ref.doi})
        out["reference_list"] = listed
        return out

    def format_citation(self, ev: Evidence) -> str:
        """Short human form: `seed 000 [12, 13] Limmer 2000 doi:...`."""
        c = self.citation(ev)
        parts = []
        if c["seed"]:
            parts.append(f"seed {str(c['seed']).split('_')[0]}")
        if c["refs"]:
            parts.append("[" + ", ".join(map(str, c["refs"])) + "]")
        listed = c["reference_list"]
        if c["first_author"] or c["year"]:
            parts.append(" ".join(str(x) for x in (c["first_author"], c["year"]) if x))
        elif listed:
            parts.append("; ".join(f"{r['first_author']} {r['year']}" for r in listed))
        doi = c["doi"] or (listed[0]["doi"] if len(listed) == 1 else None)
        if doi:
            parts.append(f"doi:{doi}")
        if c.get("pmid"):
            parts.append(f"PMID:{c['pmid']}")
        if c.get("url"):
            parts.append(c["url"])
        return " ".join(parts)
