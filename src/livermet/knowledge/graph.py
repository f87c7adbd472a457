"""The knowledge base as a networkx graph: entities are nodes, statements are edges.

A `MultiDiGraph` keyed by statement id: subject -> object, with the relation, section, evidence and
paraphrase as edge attributes. `via` and `in_context` entities are edge attributes, not edges.
"""

from __future__ import annotations

import networkx as nx

from .kb import KnowledgeBase
from .vocabulary import RELATIONS


def to_networkx(kb: KnowledgeBase) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(name="livermet knowledge base")
    for eid, ent in kb.entities.items():
        g.add_node(eid, type=ent.type, name=ent.name, name_zh=ent.name_zh, synonyms=list(ent.synonyms),
                   identifiers=dict(ent.identifiers))
    for sid, st in kb.statements.items():
        for end in (st.subject, st.object):
            if end not in g:  # dangling id (reported by validation): keep the edge visible
                g.add_node(end, type="unknown", name=end, name_zh=None, synonyms=[], identifiers={})
        g.add_edge(
            st.subject, st.object, key=sid,
            id=sid, relation=st.relation, sign=RELATIONS[st.relation][1],
            via=list(st.via), in_context=list(st.in_context),
            site=st.context.site, species=st.context.species, study_type=st.context.study_type,
            section=st.section, paraphrase=st.paraphrase, model_scope=st.model_scope,
            citations=[kb.format_citation(ev) for ev in st.evidence],
        )
    return g


def _flat(value: object) -> object:
    """GraphML takes scalars only: lists and dicts become '; '-joined text, None becomes ''."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return value


def to_graphml_ready(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    h = nx.MultiDiGraph(name=g.graph.get("name", ""))
    for n, data in g.nodes(data=True):
        h.add_node(n, **{k: _flat(v) for k, v in data.items()})
    for u, v, k, data in g.edges(keys=True, data=True):
        h.add_edge(u, v, key=k, **{a: _flat(b) for a, b in data.items()})
    return h
