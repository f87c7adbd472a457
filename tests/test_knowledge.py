"""Knowledge layer on small fixture files: loading, search, show, stats, export, model link, CLI.

Fixture records use ids prefixed `fx_` so that they can be merged with the built-in base.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from livermet.cli import app
from livermet.knowledge import check_statement_ids, load_knowledge_base, load_paths, model_coverage, search
from livermet.knowledge.export import export, to_graphml, to_json_dict
from livermet.knowledge.reports import show, stats
from livermet.knowledge.seed_index import shipped_catalogue
from livermet.knowledge.yaml_lines import load_yaml_items

S0 = "000_6f35267bf07eeac0.txt"
S1 = "001_d22726693c951f18.txt"

ENTITIES = """\
- id: fx_kupffer
  type: cell
  name: Fixture Kupffer cell
  name_zh: 库普弗测试细胞
  synonyms: [FXKC, FXKCs, fixture liver macrophage]
  identifiers: {CL: "CL:0000091"}
- id: fx_lsec
  type: cell
  name: fixture sinusoidal endothelial cell
  name_zh: 肝血窦测试内皮细胞
  synonyms: [FXLSEC]
- id: fx_cd8
  type: cell
  name: fixture CD8+ T cell
  synonyms: [fixture cytotoxic T cell]
- id: fx_il2
  type: gene_protein
  name: fixture interleukin-2
  synonyms: [FX-IL-2]
  identifiers: {HGNC: IL2}
- id: fx_tgfb
  type: gene_protein
  name: fixture TGF-β
  synonyms: [fixture TGF-beta, fixture transforming growth factor beta]
  identifiers: {HGNC: TGFB1}
- id: fx_link
  type: gene_protein
  name: fixture cartilage link protein
- id: fx_nk
  type: cell
  name: fixture NK cell
  synonyms: [FXNK]
- id: fx_livmet
  type: process
  name: fixture liver metastasis
  name_zh: 测试肝转移
- id: fx_pembro
  type: drug
  name: fixture pembrolizumab
  identifiers: {DRUGBANK: DB09037}
"""

STATEMENTS = """\
- id: fx_s01
  subject: fx_lsec
  relation: presents_antigen_to
  object: fx_cd8
  via: [fx_il2]
  in_context: [fx_livmet]
  context: {site: liver, species: mouse, study_type: preclinical}
  section: "1.1.1"
  evidence:
    - seed: 000_6f35267bf07eeac0.txt
      refs: [11, 12]
  paraphrase: Sinusoidal endothelial cells cross-present antigen to CD8 T cells.
  model_scope: null
- id: fx_s02
  subject: fx_kupffer
  relation: promotes
  object: fx_livmet
  section: "1.1.2"
  evidence:
    - seed: 000_6f35267bf07eeac0.txt
      refs: [19]
      first_author: Kruse
  paraphrase: Depleting Kupffer cells reduced the number of liver metastases.
- id: fx_s03
  subject: fx_nk
  relation: kills
  object: fx_livmet
  section: "1.②"
  evidence:
    - seed: 001_d22726693c951f18.txt
      refs: [4]
      first_author: Tsilimigras
      year: 2021
      doi: 10.1038/s41572-021-00261-6
  paraphrase: In the microvascular phase NK cells kill arriving tumour cells.
  model_scope: tumour-cell arrest is lumped into a seeding rate
- id: fx_s04
  subject: fx_tgfb
  relation: inhibits
  object: fx_cd8
  context: {species: human, study_type: review}
  section: "2.1"
  evidence:
    - seed: "001"
      refs: [6, 7]
  paraphrase: TGF-beta dampens cytotoxic T-cell function in the liver.
"""

CLINICAL = """\
- id: fx_cr_cm227_os
  trial: FIXTURE-227
  population: 1L metastatic NSCLC
  arms: {experimental: nivolumab + ipilimumab, control: chemotherapy}
  subgroup: liver metastasis
  endpoint: OS
  statistic: median
  value_exp: 9.5
  value_ctrl: 11.9
  hr: 1.05
  hr_ci: [0.74, 1.49]
  unit: months
  target_id: T07
  section: "2.2"
  evidence: [{seed: 000_6f35267bf07eeac0.txt, refs: [34]}]
"""


def write_kb(root: Path, entities: str = ENTITIES, statements: str = STATEMENTS, clinical: str = CLINICAL) -> Path:
    for kind, text in (("entities", entities), ("statements", statements), ("clinical", clinical)):
        if text is None:
            continue
        (root / kind).mkdir(parents=True, exist_ok=True)
        (root / kind / "fixture.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture()
def kb_dir(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "my_kb")


@pytest.fixture()
def kb(kb_dir: Path):
    return load_paths([kb_dir], builtin=False)


runner = CliRunner()


def run_cli(*args: str):
    return runner.invoke(app, ["kb", *args], catch_exceptions=False)


# ----------------------------------------------------------------------------- loading
def test_fixture_loads_cleanly(kb):
    assert kb.errors == [], [i.format() for i in kb.errors]
    assert len(kb.entities) == 9 and len(kb.statements) == 4 and len(kb.clinical) == 1
    st = kb.statements["fx_s01"]
    assert st.via == ["fx_il2"] and st.context.species == "mouse"
    assert kb.sources["fx_s02"].line == 14


def test_yaml_loader_records_lines_of_nested_fields(kb_dir):
    items, issues = load_yaml_items(kb_dir / "statements" / "fixture.yaml")
    assert issues == []
    first = items[0]
    assert first.line == 1
    assert first.line_of(("evidence", 0, "refs")) == 11
    assert first.line_of(("evidence", 0, "refs", 1)) == 11
    assert first.line_of(("paraphrase",)) == 12
    assert first.line_of(("no_such_field",)) == 1


def test_load_knowledge_base_merges_user_dir_with_builtin(kb_dir):
    base = load_knowledge_base()
    merged = load_knowledge_base(extra_dirs=[kb_dir])
    assert "fx_s01" in merged.statements and "fx_s01" not in base.statements
    assert len(merged.statements) == len(base.statements) + 4
    assert set(base.entities) <= set(merged.entities)


# ----------------------------------------------------------------------------- search
@pytest.mark.parametrize("query", ["库普弗", "库普弗测试细胞", "Fixture Kupffer", "fixture kupffer", "FXKC", "fxkc", "FXKCs"])
def test_search_finds_entity_in_both_languages_and_by_abbreviation(kb, query):
    hits = search(kb, query)
    assert hits and hits[0].id == "fx_kupffer", [h.id for h in hits[:3]]


def test_search_chinese_name_finds_lsec(kb):
    hits = search(kb, "肝血窦测试内皮细胞")
    assert hits[0].id == "fx_lsec" and hits[0].matched == "name_zh"


def test_search_ranks_exact_abbreviation_first(kb):
    hits = search(kb, "FXKC")
    assert hits[0].kind == "entity" and hits[0].matched == "synonym" and hits[0].score == max(h.score for h in hits)
    # statements about the entity follow
    assert any(h.kind == "statement" and h.id == "fx_s02" for h in hits)


@pytest.mark.parametrize("query", ["fixture TGF-β", "fixture tgf beta", "FIXTURE TGFβ", "fixture TGF-beta"])
def test_search_tolerates_greek_hyphens_and_case(kb, query):
    assert search(kb, query)[0].id == "fx_tgfb"


def test_short_abbreviation_matches_word_starts_only(kb):
    ids = [h.id for h in search(kb, "NK", kinds=("entity",))]
    assert "fx_nk" in ids and "fx_link" not in ids


def test_search_statement_paraphrase_and_clinical(kb):
    assert any(h.id == "fx_s01" and h.matched == "paraphrase" for h in search(kb, "cross-present"))
    assert search(kb, "FIXTURE-227")[0].id == "fx_cr_cm227_os"
    assert search(kb, "") == []
    assert search(kb, "no such thing at all") == []


# ----------------------------------------------------------------------------- show / stats
def test_show_entity_has_incoming_outgoing_and_citations(kb):
    rep = show(kb, "fx_cd8")
    assert rep["kind"] == "entity"
    assert [s["id"] for s in rep["incoming"]] == ["fx_s01", "fx_s04"]
    assert rep["outgoing"] == []
    cite = rep["incoming"][1]["citations"][0]
    assert cite["seed"] == S1 and cite["refs"] == [6, 7]
    # seed 001 prints a reference list: its entries come with the citation
    assert [r["first_author"] for r in cite["reference_list"]] == ["Yuan", "Lee"]
    assert any("seed 000 [11, 12]" in c for c in rep["citations"])
    il2 = show(kb, "fx_il2")
    assert [s["id"] for s in il2["mentioned_in"]] == ["fx_s01"]
    assert show(kb, "fx_s03")["kind"] == "statement"
    assert show(kb, "fx_cr_cm227_os")["record"]["hr"] == 1.05
    with pytest.raises(KeyError):
        show(kb, "nope")


def test_stats_counts_and_coverage_keys(kb):
    rep = stats(kb)
    assert rep["entities"] == 9 and rep["statements"] == 4 and rep["clinical_results"] == 1
    rc = rep["reference_coverage"]
    assert rc["per_seed"][S0]["covered"] == 3  # refs 11, 12, 19
    assert rc["per_seed"][S1]["covered"] == 3  # refs 4, 6, 7
    sc = rep["section_coverage"]["per_seed"]
    assert sc[S0]["sections"]["1.1.1"]["covered"] and sc[S0]["sections"]["1.1"]["covered"]
    assert sc[S1]["sections"]["1.p2"]["covered"]  # "1.②" is the microvascular phase
    assert not sc[S1]["sections"]["1.p1"]["covered"]
    assert rep["calibration_targets"]["linked"] == 1
    assert rep["statements_out_of_model_scope"] == 1


# ----------------------------------------------------------------------------- export
def test_export_json_graphml_csv(kb, tmp_path):
    data = to_json_dict(kb)
    assert {e["id"] for e in data["entities"]} >= {"fx_kupffer", "fx_lsec"}
    assert data["statements"][0]["source"]["line"] == 1
    path = tmp_path / "kb.graphml"
    path.write_text(to_graphml(kb), encoding="utf-8")
    g = nx.read_graphml(path)
    assert g.number_of_edges() == 4 and g.nodes["fx_kupffer"]["name_zh"] == "库普弗测试细胞"
    written = export(kb, "csv", tmp_path / "csv")
    assert sorted(p.name for p in written) == ["clinical_results.csv", "entities.csv", "statements.csv"]
    rows = list(csv.DictReader(open(tmp_path / "csv" / "statements.csv", encoding="utf-8")))
    assert rows[0]["id"] == "fx_s01" and rows[0]["via"] == "fx_il2"
    with pytest.raises(ValueError):
        export(kb, "xml", None)


# ----------------------------------------------------------------------------- model link
def test_check_statement_ids_and_model_coverage(kb):
    assert check_statement_ids(["fx_s01", "fx_nope", "fx_s02", "fx_nope"], kb) == ["fx_nope"]
    cov = model_coverage({"fx_s01", "fx_ghost"}, kb)
    assert cov.covered == ["fx_s01"]
    assert cov.not_covered == ["fx_s02", "fx_s04"]
    assert cov.out_of_scope == {"fx_s03": "tumour-cell arrest is lumped into a seeding rate"}
    assert cov.unknown == ["fx_ghost"]
    assert cov.fraction == pytest.approx(1 / 3, abs=1e-3)
    assert model_coverage({"fx_s03"}, kb).covered_despite_scope == ["fx_s03"]


# ----------------------------------------------------------------------------- CLI
def test_cli_search_show_stats_with_extra_dir(kb_dir):
    res = run_cli("search", "库普弗测试", "--extra", str(kb_dir), "--json")
    assert res.exit_code == 0
    out = json.loads(res.stdout)
    assert set(out) == {"query", "count", "hits"} and out["hits"][0]["id"] == "fx_kupffer"
    assert set(out["hits"][0]) == {"kind", "id", "score", "matched", "text"}

    res = run_cli("show", "fx_kupffer", "--extra", str(kb_dir), "--json")
    rep = json.loads(res.stdout)
    assert {"kind", "id", "record", "source", "outgoing", "incoming", "mentioned_in", "citations"} <= set(rep)
    assert rep["outgoing"][0]["id"] == "fx_s02"

    res = run_cli("show", "FXKC", "--extra", str(kb_dir))  # an exact abbreviation also works
    assert res.exit_code == 0 and "Fixture Kupffer cell" in res.stdout

    res = run_cli("stats", "--extra", str(kb_dir), "--json")
    rep = json.loads(res.stdout)
    assert {"entities", "statements", "clinical_results", "reference_coverage", "section_coverage"} <= set(rep)
    assert set(rep["reference_coverage"]) == {"overall", "per_seed"}
    assert set(rep["reference_coverage"]["overall"]) == {"cited", "covered", "fraction"}
    assert "fraction" in rep["section_coverage"]["overall"]

    res = run_cli("stats", "--extra", str(kb_dir))
    assert res.exit_code == 0 and "coverage of the seed reviews" in res.stdout


def test_cli_show_unknown_id_is_a_clear_error(kb_dir):
    res = run_cli("show", "fx_kupfer", "--extra", str(kb_dir))
    assert res.exit_code == 2
    assert "fx_kupfer" in res.output and "fx_kupffer" in res.output


def test_cli_missing_extra_dir(tmp_path):
    res = run_cli("search", "x", "--extra", str(tmp_path / "absent"))
    assert res.exit_code == 2 and "no such file" in res.output


def test_cli_export_and_graph(kb_dir, tmp_path):
    res = run_cli("export", "--format", "graphml", "--extra", str(kb_dir))
    assert res.exit_code == 0 and res.stdout.lstrip().startswith("<?xml")
    res = run_cli("export", "--format", "json", "--out", str(tmp_path / "kb.json"), "--json", "--extra", str(kb_dir))
    assert json.loads(res.stdout)["written"] == [str(tmp_path / "kb.json")]
    assert any(s["id"] == "fx_s01" for s in json.loads((tmp_path / "kb.json").read_text())["statements"])
    res = run_cli("export", "--format", "csv", "--extra", str(kb_dir))
    assert res.stdout.startswith("id,subject,relation,object")
    res = run_cli("export", "--format", "pdf")
    assert res.exit_code == 2 and "graphml" in res.output
    res = run_cli("graph", str(tmp_path / "g.html"), "--json", "--extra", str(kb_dir))
    assert json.loads(res.stdout)["written"] == str(tmp_path / "g.html")
    assert "fx_kupffer" in (tmp_path / "g.html").read_text(encoding="utf-8")


def test_cli_model_coverage(tmp_path, kb_dir):
    ids = tmp_path / "ids.txt"
    ids.write_text("# implemented\nfx_s01\nfx_ghost\n")
    res = run_cli("model-coverage", str(ids), "--extra", str(kb_dir), "--json")
    rep = json.loads(res.stdout)
    assert set(rep) == {"covered", "not_covered", "out_of_scope", "unknown", "covered_despite_scope", "fraction"}
    assert rep["covered"] == ["fx_s01"] and rep["unknown"] == ["fx_ghost"]
    ids.write_text(json.dumps(["fx_s02"]))
    rep = json.loads(run_cli("model-coverage", str(ids), "--extra", str(kb_dir), "--json").stdout)
    assert rep["covered"] == ["fx_s02"]


def test_cli_vocab():
    rep = json.loads(run_cli("vocab", "--json").stdout)
    assert "presents_antigen_to" in rep["relations"] and "cell_state" in rep["entity_types"]
    assert "dangling_id" in rep["issue_codes"]


def test_catalogue_resolves_seed_aliases():
    cat = shipped_catalogue()
    assert cat.resolve_seed("000") == S0 and cat.resolve_seed("001_d22726693c951f18") == S1
    assert cat.resolve_seed("002") is None
    assert cat.section(S1, "1.①").id == "1.p1" and cat.section(S1, "1.3").id == "1.p3"
    assert cat.section(S1, "微血管期").id == "1.p2"
    assert cat.section(S0, "引言").id == "0" and cat.section(S0, "1.1.1").title == "肝血窦内皮细胞"
