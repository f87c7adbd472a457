"""Find entities, statements and clinical results by English, Chinese, synonym, abbreviation or id.

Matching is case-insensitive and tolerant of the usual spelling variants: full-width characters,
Greek letters written out (TGF-β = TGF-beta), and hyphens or spaces (PD-L1 = PDL1 = PD L1).
Exact matches of an id, name or synonym rank first, then prefixes, then substrings; statements
also match through their paraphrase and through the entities they name. Short Latin queries
(three characters or fewer, such as "KC" or "NK") only match at the start of a word, so that
"nk" does not find "link".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

from .kb import KnowledgeBase

GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa", "μ": "mu", "ε": "epsilon"}

SCORE_EXACT_ID = 100
SCORE_EXACT_LABEL = 95
SCORE_PREFIX = 70
SCORE_WORD = 60
SCORE_SUBSTRING = 50
SCORE_STATEMENT_ENTITY = 40
SCORE_PARAPHRASE = 30


def _spaced(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    for g, name in GREEK.items():
        text = text.replace(g, f" {name} ")
    return " ".join(re.findall(r"[0-9a-z]+|[^\W\d_a-z]+|[^\s\w]", text))


def compact(text: str) -> str:
    """Key for exact and substring comparison: normalised, without spaces and punctuation."""
    return re.sub(r"[\W_]+", "", _spaced(text))


def _is_short_latin(query: str) -> bool:
    c = compact(query)
    return len(c) <= 3 and c.isascii()


@dataclass
class Hit:
    kind: str  # entity | statement | clinical_result
    id: str
    score: int
    matched: str  # the field that matched: id, name, name_zh, synonym, paraphrase, subject, ...
    text: str  # the matched text, or a one-line summary

    def to_dict(self) -> dict:
        return asdict(self)


def _label_score(query_c: str, query_words: list[str], label: str, short: bool) -> int:
    lc = compact(label)
    if not lc:
        return 0
    if lc == query_c:
        return SCORE_EXACT_LABEL
    words = _spaced(label).split()
    if short:
        # abbreviation-like query: the label's words must start with it ("KC" -> "KCs")
        return SCORE_WORD if any(compact(w).startswith(query_c) for w in words) else 0
    if lc.startswith(query_c):
        return SCORE_PREFIX
    if query_c in lc:
        return SCORE_SUBSTRING
    if len(query_words) > 1 and all(any(w.startswith(q) for w in words) for q in query_words):
        return SCORE_SUBSTRING
    return 0


def _text_score(query_c: str, query_words: list[str], text: str, short: bool) -> bool:
    if short:
        return any(compact(w).startswith(query_c) for w in _spaced(text).split())
    if query_c in compact(text):
        return True
    words = _spaced(text).split()
    return len(query_words) > 1 and all(any(w.startswith(q) for w in words) for q in query_words)


def search(kb: KnowledgeBase, query: str, *, kinds: tuple[str, ...] = ("entity", "statement", "clinical_result"),
           limit: int | None = 50) -> list[Hit]:
    """Ranked hits for `query` (best first; ties by kind then id)."""
    query_c = compact(query)
    if not query_c:
        return []
    query_words = [compact(w) for w in _spaced(query).split() if compact(w)]
    short = _is_short_latin(query)
    hits: dict[tuple[str, str], Hit] = {}

    def add(kind: str, rid: str, score: int, matched: str, text: str) -> None:
        key = (kind, rid)
        if score > 0 and (key not in hits or hits[key].score < score):
            hits[key] = Hit(kind, rid, score, matched, text)

    strong_entities: dict[str, int] = {}
    if "entity" in kinds or "statement" in kinds:
        for eid, ent in kb.entities.items():
            if compact(eid) == query_c:
                add("entity", eid, SCORE_EXACT_ID, "id", eid)
            fields = [("name", ent.name)] + ([("name_zh", ent.name_zh)] if ent.name_zh else [])
            fields += [("synonym", s) for s in ent.synonyms] + [("id", eid)]
            for fname, label in fields:
                score = _label_score(query_c, query_words, label, short)
                add("entity", eid, score, fname, label)
            if (("entity", eid) in hits) and hits[("entity", eid)].score >= SCORE_WORD:
                strong_entities[eid] = hits[("entity", eid)].score

    if "statement" in kinds:
        for sid, st in kb.statements.items():
            summary = f"{kb.entity_label(st.subject)} {st.relation} {kb.entity_label(st.object)}: {st.paraphrase}"
            if compact(sid) == query_c:
                add("statement", sid, SCORE_EXACT_ID, "id", summary)
            for role, eid in (("subject", st.subject), ("object", st.object)):
                if eid in strong_entities:
                    add("statement", sid, SCORE_STATEMENT_ENTITY + (5 if role == "subject" else 0), role, summary)
            for eid in (*st.via, *st.in_context):
                if eid in strong_entities:
                    add("statement", sid, SCORE_STATEMENT_ENTITY - 5, "via/in_context", summary)
            if _text_score(query_c, query_words, st.paraphrase, short):
                add("statement", sid, SCORE_PARAPHRASE, "paraphrase", summary)
        if "entity" not in kinds:
            hits = {k: v for k, v in hits.items() if k[0] != "entity"}

    if "clinical_result" in kinds:
        for cid, cr in kb.clinical.items():
            summary = f"{cr.trial} | {cr.subgroup or 'all'} | {cr.endpoint} {cr.statistic}"
            if compact(cid) == query_c:
                add("clinical_result", cid, SCORE_EXACT_ID, "id", summary)
            for fname, text in (("trial", cr.trial), ("subgroup", cr.subgroup), ("population", cr.population),
                                ("target_id", cr.target_id), *(("arms", a) for a in cr.arms.values()), ("note", cr.note)):
                if not text:
                    continue
                score = _label_score(query_c, query_words, text, short)
                if fname in ("note", "population", "arms") and score:
                    score = SCORE_PARAPHRASE
                add("clinical_result", cid, score, fname, summary)

    order = {"entity": 0, "statement": 1, "clinical_result": 2}
    ranked = sorted(hits.values(), key=lambda h: (-h.score, order[h.kind], h.id))
    return ranked[:limit] if limit else ranked
