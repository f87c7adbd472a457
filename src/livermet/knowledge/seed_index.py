"""The shipped, generated index of the seed reviews (sections, cited reference numbers, reference
lists) and of the calibration targets, so that the installed package works without `shared/`.

Layout under `knowledge/data/`:

* `seed_index/<seed file stem>.json`: sections and the reference numbers each one cites;
* `references/<seed file stem>.json`: the review's reference list (empty when it prints none);
* `seed_index/calibration_targets.json`: ids and labels of the rows of `calibration/targets.csv`.

`livermet kb index-seeds SEEDS_DIR` regenerates them (`write_index`).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .seeds import Citation, Reference, Section, SeedIndex, normalise_label, parse_seeds_dir

DATA_DIR = Path(__file__).parent / "data"
INDEX_DIR = DATA_DIR / "seed_index"
REFERENCES_DIR = DATA_DIR / "references"
TARGETS_FILE = "calibration_targets.json"
TARGET_FIELDS = ("id", "study", "population", "experimental", "control", "subgroup", "endpoint", "unit")


@dataclass
class SeedCatalogue:
    """All seeds of the index, with look-ups by section label and reference number."""

    seeds: dict[str, SeedIndex]
    targets: dict[str, dict]

    def section(self, seed: str, label: str | None) -> Section | None:
        """The section of `seed` that `label` names (its id, an alias or its title), or None."""
        index = self.seeds.get(seed)
        if index is None or label is None:
            return None
        want = normalise_label(label)
        for sec in index.sections:
            if normalise_label(sec.id) == want:
                return sec
        for sec in index.sections:
            if any(normalise_label(a) == want for a in sec.aliases):
                return sec
        return None

    def reference(self, seed: str, number: int) -> Reference | None:
        index = self.seeds.get(seed)
        if index is None:
            return None
        return next((r for r in index.references if r.number == number), None)

    def known_refs(self, seed: str) -> set[int]:
        index = self.seeds.get(seed)
        if index is None:
            return set()
        return set(index.cited_refs) | {r.number for r in index.references}

    def resolve_seed(self, name: str | None) -> str | None:
        """Accept the full file name, the stem, or the 3-digit prefix ("000")."""
        if name is None:
            return None
        if name in self.seeds:
            return name
        for seed in self.seeds:
            stem = seed.rsplit(".", 1)[0]
            if name in (stem, stem.split("_", 1)[0]):
                return seed
        return None


# ----------------------------------------------------------------------------- (de)serialise
def _section_from_dict(d: dict) -> Section:
    d = dict(d)
    d["citations"] = [Citation(**c) for c in d.get("citations", [])]
    return Section(**d)


def index_from_dicts(index: dict, references: list[dict]) -> SeedIndex:
    return SeedIndex(
        seed=index["seed"],
        sha256=index["sha256"],
        has_reference_list=index["has_reference_list"],
        sections=[_section_from_dict(s) for s in index["sections"]],
        cited_refs=list(index["cited_refs"]),
        references=[Reference(**r) for r in references],
    )


def index_to_dicts(index: SeedIndex) -> tuple[dict, dict]:
    """(content of seed_index/<stem>.json, content of references/<stem>.json)."""
    d = index.to_dict()
    refs = d.pop("references")
    return d, {"format_version": 1, "seed": index.seed, "references": refs}


def read_targets_csv(path: Path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["id"]: {k: row.get(k) or None for k in TARGET_FIELDS} for row in csv.DictReader(fh)}


def _dump(obj: object, path: Path) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=1)
    # keep lists of numbers on one line: [1, 2, 3] rather than one number per line
    # (only lists spread over lines: JSON strings never contain a raw newline, so they are untouched)
    text = re.sub(r"\[\n\s*(-?\d+(?:,\n\s*-?\d+)*)\n\s*\]", lambda m: "[" + ", ".join(re.split(r",\n\s*", m.group(1))) + "]", text)
    path.write_text(text + "\n", encoding="utf-8")


def write_index(seeds_dir: Path, data_dir: Path = DATA_DIR, targets_csv: Path | None = None) -> list[Path]:
    """Parse the seeds in `seeds_dir` and write the index files under `data_dir`; return the paths."""
    indexes = parse_seeds_dir(Path(seeds_dir))
    if not indexes:
        raise FileNotFoundError(f"no seed *.txt files in {seeds_dir}")
    index_dir, refs_dir = Path(data_dir) / "seed_index", Path(data_dir) / "references"
    index_dir.mkdir(parents=True, exist_ok=True)
    refs_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for index in indexes:
        stem = index.seed.rsplit(".", 1)[0]
        idx, refs = index_to_dicts(index)
        _dump(idx, index_dir / f"{stem}.json")
        _dump(refs, refs_dir / f"{stem}.json")
        written += [index_dir / f"{stem}.json", refs_dir / f"{stem}.json"]
    if targets_csv is not None and Path(targets_csv).exists():
        _dump({"format_version": 1, "targets": list(read_targets_csv(Path(targets_csv)).values())}, index_dir / TARGETS_FILE)
        written.append(index_dir / TARGETS_FILE)
    return written


def read_index(data_dir: Path = DATA_DIR) -> SeedCatalogue:
    """Read the index files written by `write_index`."""
    index_dir, refs_dir = Path(data_dir) / "seed_index", Path(data_dir) / "references"
    seeds: dict[str, SeedIndex] = {}
    for path in sorted(index_dir.glob("*.json")):
        if path.name == TARGETS_FILE:
            continue
        idx = json.loads(path.read_text(encoding="utf-8"))
        ref_path = refs_dir / path.name
        refs = json.loads(ref_path.read_text(encoding="utf-8"))["references"] if ref_path.exists() else []
        seeds[idx["seed"]] = index_from_dicts(idx, refs)
    targets: dict[str, dict] = {}
    tpath = index_dir / TARGETS_FILE
    if tpath.exists():
        targets = {t["id"]: t for t in json.loads(tpath.read_text(encoding="utf-8"))["targets"]}
    return SeedCatalogue(seeds=seeds, targets=targets)


@lru_cache(maxsize=4)
def shipped_catalogue() -> SeedCatalogue:
    """The index shipped with the package (cached)."""
    return read_index(DATA_DIR)


def catalogue_from_seeds(seeds_dir: Path, targets_csv: Path | None = None) -> SeedCatalogue:
    """Build a catalogue directly from seed files (used by tests to compare with the shipped one)."""
    seeds = {i.seed: i for i in parse_seeds_dir(Path(seeds_dir))}
    targets = read_targets_csv(Path(targets_csv)) if targets_csv and Path(targets_csv).exists() else {}
    return SeedCatalogue(seeds=seeds, targets=targets)
