"""The cited knowledge base of livermet: entities, statements and clinical results from the two
seed reviews on NSCLC liver metastasis (and their references), as validated YAML data.

    >>> from livermet.knowledge import load_knowledge_base, search
    >>> kb = load_knowledge_base()                      # built-in base
    >>> kb = load_knowledge_base(extra_dirs=["my_kb"])  # merged with your own files
    >>> [h.id for h in search(kb, "库普弗")][:1]
    ['kupffer_cell']

The model language uses `check_statement_ids(ids)` to make sure the statements a process cites
exist, and `model_coverage(implemented_ids)` reports which statements a model represents.
"""

from __future__ import annotations

from .issues import Issue, KnowledgeError
from .kb import KnowledgeBase
from .loader import load_knowledge_base, load_paths
from .model_link import ModelCoverage, check_statement_ids, model_coverage
from .schema import ClinicalResult, Context, Entity, Evidence, Statement
from .search import Hit, search
from .validate import validate_path

__all__ = [
    "ClinicalResult",
    "Context",
    "Entity",
    "Evidence",
    "Hit",
    "Issue",
    "KnowledgeBase",
    "KnowledgeError",
    "ModelCoverage",
    "Statement",
    "check_statement_ids",
    "load_knowledge_base",
    "load_paths",
    "model_coverage",
    "search",
    "validate_path",
]
