"""Seed parsing, the shipped seed index, and coverage computed from the seeds' own citations."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
from typer.testing import CliRunner

from livermet.cli import app
from livermet.knowledge.coverage import reference_coverage, section_coverage
from livermet.knowledge.loader import load_paths
from livermet.knowledge.seed_index import DATA_DIR, catalogue_from_seeds, shipped_catalogue
from livermet.knowledge.seeds import expand_citation, parse_seed_text

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
TARGETS = SHARED / "calibration" / "targets.csv"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed reviews not found at {SEEDS} (the shared/ folder beside the repository)")


# ----------------------------------------------------------------------------- parser
@pytest.mark.parametrize("inner, refs", [
    ("2", [2]), ("2-3", [2, 3]), ("14–16", [14, 15, 16]), ("12,15", [12, 15]), ("12，15", [12, 15]),
    ("4, 7", [4, 7]), ("45-47", [45, 46, 47]), ("2,39", [2, 39]), ("5～6", [5, 6]), ("9-10,23", [9, 10, 23]),
])
def test_expand_citation(inner, refs):
    assert expand_citation(inner) == refs


MINI_000 = """\
 Abstract: no citations here.
 intro text before its heading[1]. more[2-3]
0\u2003 引言
intro continues［4，6］。
1\u2003 Big section
1.1\u2003 Sub section
text [5–6] and 3.0~6.2 months
1.1.1\u2003 First leaf\u2003\u2003 body on the heading line[7]
2 年生存率仅 19% [8]
1.2\u2003 Second leaf
text[9,11]
2\u2003 Treatments
2.1\u2003 Mono
text [12]
3\u2003 总结与展望
no refs
"""

MINI_001 = """\
前言^[1]。
1 基本过程
开头^[2]。包括① 转移前生态位:甲;② 微血管期:乙^[3];③ 生长期:丙^[2]。
2 蛋白
2.1 TGF- β /smad 通路 TGF- β /smad 通路是一个^[4]
2.2 整合素 整合素是^[5]
参考文献
- [1] Siegel R L, Jemal A. Cancer statistics, 2024 [J]. *CA Cancer J Clin*, 2024, 74(1): 12–49. doi: 10.3322/caac.21820.
- [2] Zhang H, Yue X, et al. Define cancer-associated fibroblasts: new opportunities
- in cancer immunotherapy[J]. *Mol Cancer*, 2023, 22(1): 159. doi: 10.1186/s12943-023-01860-5.
- [3] Lee J C, Green M D. The liver-immunity nexus[J]. *Clin Cancer Res*, 2022, 28(1): 5-12.
- [4] Yu J. A title [J]. *Nat Med*, 2021, 27: 152. doi: 10.1038/s41591-020-1131-x.
- [5] Li S. Another [J]. *Cell Biosci*, 2023, 13: 180. doi: 10.1186/s13578-023-01112-5.

An English back matter [6] that is not cited text.
"""


def test_parse_mini_seed_without_reference_list():
    idx = parse_seed_text(MINI_000, "000_mini.txt")
    secs = {s.id: s for s in idx.sections}
    assert list(secs) == ["0", "1", "1.1", "1.1.1", "1.2", "2", "2.1", "3"]
    assert secs["0"].title == "引言" and secs["0"].refs == [1, 2, 3, 4, 6]
    assert secs["1.1"].refs == [5, 6] and secs["1.1.1"].title == "First leaf"
    assert secs["1.1.1"].refs == [7, 8]  # "2 年生存率" starts a wrapped line, it is not heading 2
    assert secs["1.2"].refs == [9, 11] and secs["3"].kind == "summary"
    required = [s.id for s in idx.sections if s.required]
    assert required == ["1.1.1", "1.2", "2.1"]  # not the intro, 1.1 (parent), 1 and 2 (no text), 3 (summary)
    assert idx.cited_refs == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
    assert not idx.has_reference_list and idx.references == []


def test_parse_mini_seed_with_phases_and_reference_list():
    idx = parse_seed_text(MINI_001, "001_mini.txt")
    secs = {s.id: s for s in idx.sections}
    assert list(secs) == ["0", "1", "1.p1", "1.p2", "1.p3", "2", "2.1", "2.2"]
    assert secs["1"].refs == [2] and secs["1.p2"].refs == [3] and secs["1.p3"].refs == [2]
    assert secs["1.p2"].title == "微血管期" and "1.2" in secs["1.p2"].aliases and "1.②" in secs["1.p2"].aliases
    assert secs["2.1"].title == "TGF- β /smad 通路" and secs["2.2"].title == "整合素"
    assert [s.id for s in idx.sections if s.required] == ["1", "1.p1", "1.p2", "1.p3", "2.1", "2.2"]
    assert idx.cited_refs == [1, 2, 3, 4, 5]  # [6] after the reference list is not running text
    refs = {r.number: r for r in idx.references}
    assert list(refs) == [1, 2, 3, 4, 5]
    assert (refs[1].first_author, refs[1].year, refs[1].journal, refs[1].doi) == ("Siegel", 2024, "CA Cancer J Clin", "10.3322/caac.21820")
    assert refs[2].title.endswith("new opportunities in cancer immunotherapy") and refs[2].doi == "10.1186/s12943-023-01860-5"
    assert refs[3].doi is None and refs[3].year == 2022


# ----------------------------------------------------------------------------- shipped index
@needs_seeds
def test_shipped_index_equals_a_fresh_parse_of_the_seeds():
    fresh = catalogue_from_seeds(SEEDS, TARGETS)
    shipped = shipped_catalogue()
    assert set(shipped.seeds) == set(fresh.seeds)
    for name in fresh.seeds:
        assert shipped.seeds[name] == fresh.seeds[name], f"{name}: run `livermet kb index-seeds {SEEDS}`"
    assert shipped.targets == fresh.targets


@needs_seeds
def test_index_seeds_cli_reproduces_the_shipped_files(tmp_path):
    res = CliRunner().invoke(app, ["kb", "index-seeds", str(SEEDS), "--data-dir", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    for sub in ("seed_index", "references"):
        for shipped in sorted((DATA_DIR / sub).glob("*.json")):
            assert filecmp.cmp(shipped, tmp_path / sub / shipped.name, shallow=False), shipped


@needs_seeds
def test_seed_reference_lists_match_running_text():
    for idx in catalogue_from_seeds(SEEDS).seeds.values():
        if idx.has_reference_list:
            assert [r.number for r in idx.references] == list(range(1, len(idx.references) + 1))
            assert set(idx.cited_refs) <= {r.number for r in idx.references}
            assert all(r.first_author and r.year for r in idx.references)


# ----------------------------------------------------------------------------- coverage
def _catalogue():
    return catalogue_from_seeds(SEEDS, TARGETS) if SEEDS.is_dir() else shipped_catalogue()


def _write_covering_kb(root: Path, catalogue, drop_ref: tuple[str, int] | None = None, drop_section: tuple[str, str] | None = None) -> None:
    """One statement per section with text, citing exactly the numbers the section cites."""
    (root / "entities").mkdir(parents=True)
    (root / "statements").mkdir()
    (root / "entities" / "e.yaml").write_text("- {id: cov_a, type: cell, name: cov A}\n- {id: cov_b, type: cell, name: cov B}\n")
    lines = []
    for seed, idx in catalogue.seeds.items():
        for sec in idx.sections:
            if not sec.has_text or (seed, sec.id) == drop_section:
                continue
            refs = [n for n in sec.refs if (seed, n) != drop_ref]
            sid = f"cov_{seed[:3]}_{sec.id.replace('.', '_')}"
            lines.append(f"- {{id: {sid}, subject: cov_a, relation: promotes, object: cov_b, section: '{sec.id}', "
                         f"evidence: [{{seed: {seed}, refs: {refs}}}], paraphrase: covers {sec.id}}}")
    (root / "statements" / "s.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_coverage_is_computed_from_the_parsed_citations(tmp_path):
    cat = _catalogue()
    _write_covering_kb(tmp_path / "full", cat)
    kb = load_paths([tmp_path / "full"], builtin=False, catalogue=cat)
    assert kb.errors == [], [i.format() for i in kb.errors[:5]]
    rc = reference_coverage(kb)
    for seed, idx in cat.seeds.items():
        assert rc["per_seed"][seed] == {"cited": len(idx.cited_refs), "covered": len(idx.cited_refs), "fraction": 1.0, "missing": []}
    assert rc["overall"]["fraction"] == 1.0
    sc = section_coverage(kb)
    assert sc["overall"]["fraction"] == 1.0
    assert sc["overall"]["required"] == sum(1 for i in cat.seeds.values() for s in i.sections if s.required)

    # leave one reference out: it, and only it, is reported missing
    seed = sorted(cat.seeds)[-1]
    ref = max(cat.seeds[seed].cited_refs)
    _write_covering_kb(tmp_path / "minus_ref", cat, drop_ref=(seed, ref))
    rc = reference_coverage(load_paths([tmp_path / "minus_ref"], builtin=False, catalogue=cat))
    n = len(cat.seeds[seed].cited_refs)
    assert rc["per_seed"][seed]["missing"] == [ref]
    assert rc["per_seed"][seed]["fraction"] == round((n - 1) / n, 4)
    total = sum(len(i.cited_refs) for i in cat.seeds.values())
    assert rc["overall"] == {"cited": total, "covered": total - 1, "fraction": round((total - 1) / total, 4)}

    # leave one required section out
    parents = {s.parent for s in cat.seeds[seed].sections}
    leaf = [s.id for s in cat.seeds[seed].sections if s.required and s.id not in parents][-1]
    _write_covering_kb(tmp_path / "minus_sec", cat, drop_section=(seed, leaf))
    sc = section_coverage(load_paths([tmp_path / "minus_sec"], builtin=False, catalogue=cat))
    assert sc["per_seed"][seed]["missing"] == [leaf]
