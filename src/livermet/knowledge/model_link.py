"""The link between the knowledge base and the model: every model process cites statement ids.

* `check_statement_ids(ids)` returns the ids that are not statements of the base (the model
  language calls it when a process is declared or a model is built);
* `model_coverage(implemented)` says, for the set of statement ids a model implements, which
  statements it covers, which it does not, and which are out of the model's scope by design
  (their `model_scope` field gives the reason).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable

from .kb import KnowledgeBase


def _base(kb: KnowledgeBase | None) -> KnowledgeBase:
    if kb is not None:
        return kb
    from .loader import load_knowledge_base

    return load_knowledge_base()


def check_statement_ids(ids: Iterable[str], kb: KnowledgeBase | None = None) -> list[str]:
    """The ids in `ids` that are not statement ids of `kb` (the built-in base by default), in order."""
    base = _base(kb)
    return [i for i in dict.fromkeys(ids) if i not in base.statements]


@dataclass
class ModelCoverage:
    covered: list[str] = field(default_factory=list)
    not_covered: list[str] = field(default_factory=list)
    out_of_scope: dict[str, str] = field(default_factory=dict)  # statement id -> reason
    unknown: list[str] = field(default_factory=list)  # implemented ids that are no statement
    covered_despite_scope: list[str] = field(default_factory=list)  # implemented, yet marked out of scope

    @property
    def fraction(self) -> float:
        """Covered statements over statements in scope (covered + not covered)."""
        in_scope = len(self.covered) + len(self.not_covered)
        return round(len(self.covered) / in_scope, 4) if in_scope else 1.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["fraction"] = self.fraction
        return d


def model_coverage(implemented: Iterable[str], kb: KnowledgeBase | None = None) -> ModelCoverage:
    """Classify every statement of `kb` as covered / not covered / out of scope for a model that
    implements the statement ids in `implemented`."""
    base = _base(kb)
    impl = set(implemented)
    out = ModelCoverage()
    for sid, st in base.statements.items():
        if sid in impl:
            out.covered.append(sid)
            if st.model_scope:
                out.covered_despite_scope.append(sid)
        elif st.model_scope:
            out.out_of_scope[sid] = st.model_scope
        else:
            out.not_covered.append(sid)
    out.unknown = sorted(impl - set(base.statements))
    return out
