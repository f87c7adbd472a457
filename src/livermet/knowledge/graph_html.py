"""A self-contained, offline, interactive HTML view of the knowledge graph.

The layout is computed here with networkx (spring layout, fixed seed, so the file is reproducible);
the page itself is vanilla JavaScript drawing SVG: nodes coloured by entity type, edges by relation,
a details panel with the statements and their evidence on click, a search box over English,
Chinese, synonyms and abbreviations, pan and zoom. No CDN, no external file.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path

import networkx as nx

from .graph import to_networkx
from .kb import KnowledgeBase
from .vocabulary import ENTITY_TYPE_COLOURS, RELATION_COLOURS

WIDTH = HEIGHT = 1000.0


def layout(g: nx.MultiDiGraph, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Node positions in [0, WIDTH] x [0, HEIGHT]."""
    if g.number_of_nodes() == 0:
        return {}
    simple = nx.Graph(g.to_undirected())
    k = 1.6 / max(1.0, simple.number_of_nodes()) ** 0.5
    pos = nx.spring_layout(simple, k=k, iterations=200, seed=seed)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    sx = (WIDTH - 40) / ((x1 - x0) or 1)
    sy = (HEIGHT - 40) / ((y1 - y0) or 1)
    return {n: (round(20 + (p[0] - x0) * sx, 1), round(20 + (p[1] - y0) * sy, 1)) for n, p in pos.items()}


def graph_data(kb: KnowledgeBase, include_isolated: bool = False, seed: int = 7) -> dict:
    """The JSON embedded in the page: nodes with positions, edges with evidence, colours."""
    g = to_networkx(kb)
    if not include_isolated:
        g.remove_nodes_from([n for n in list(g.nodes) if g.degree(n) == 0])
    pos = layout(g, seed=seed)
    nodes = []
    for n, d in g.nodes(data=True):
        x, y = pos[n]
        nodes.append({"id": n, "type": d["type"], "name": d["name"], "name_zh": d["name_zh"],
                      "synonyms": d["synonyms"], "identifiers": d["identifiers"], "x": x, "y": y})
    edges = []
    for u, v, k, d in g.edges(keys=True, data=True):
        edges.append({
            "id": k, "source": u, "target": v, "relation": d["relation"],
            "source_name": g.nodes[u]["name"], "target_name": g.nodes[v]["name"],
            "via": d["via"], "in_context": d["in_context"], "section": d["section"],
            "species": d["species"], "study_type": d["study_type"], "site": d["site"],
            "paraphrase": d["paraphrase"], "model_scope": d["model_scope"], "citations": d["citations"],
        })
    return {
        "nodes": nodes, "edges": edges, "width": WIDTH, "height": HEIGHT,
        "type_colours": {**ENTITY_TYPE_COLOURS, "unknown": "#000000"},
        "relation_colours": RELATION_COLOURS,
    }


def render_html(kb: KnowledgeBase, title: str = "livermet knowledge graph", include_isolated: bool = False) -> str:
    data = graph_data(kb, include_isolated=include_isolated)
    # JSON inside <script>: "</" would end the element; "<\/" is the same string to JSON.parse
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    template = resources.files(__package__).joinpath("graph_template.html").read_text(encoding="utf-8")
    return template.replace("__TITLE__", html.escape(title)).replace("__DATA__", payload)


def write_html(kb: KnowledgeBase, out: Path, title: str = "livermet knowledge graph",
               include_isolated: bool = False) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(kb, title=title, include_isolated=include_isolated), encoding="utf-8")
    return out
