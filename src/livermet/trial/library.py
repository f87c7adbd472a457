"""The shipped trial library (`livermet/library/trials/*.yaml`) and the published results it cites."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from .protocol import Protocol, load_protocol

LIBRARY = Path(__file__).resolve().parents[1] / "library" / "trials"
TARGETS = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "clinical" / "targets.yaml"
# published figures kept out of calibration: the independent validation set (`livermet calibrate validate`)
VALIDATION = TARGETS.with_name("validation.yaml")


def library_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted(LIBRARY.glob("*.yaml"))}


def resolve(name_or_file: str) -> Path:
    """A library trial by id, or a YAML file path."""
    p = Path(name_or_file)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return p
    files = library_files()
    if name_or_file in files:
        return files[name_or_file]
    raise FileNotFoundError(f"{name_or_file!r} is neither a YAML file nor a library trial; library: "
                            f"{', '.join(files) or 'empty'}")


@lru_cache(maxsize=1)
def clinical_records() -> dict[str, dict]:
    """Clinical result records of the knowledge base (the calibration targets), by record id."""
    data = yaml.safe_load(TARGETS.read_text(encoding="utf-8"))
    return {r["id"]: r for r in data}


@lru_cache(maxsize=1)
def validation_records() -> dict[str, dict]:
    """Clinical result records held out of calibration (the validation set), by record id."""
    data = yaml.safe_load(VALIDATION.read_text(encoding="utf-8"))
    return {r["id"]: r for r in data}


def published_for(protocol: Protocol, validation: bool = False) -> list[dict]:
    """The protocol's published results (`published:`, calibration targets; or with `validation`, its
    `validation:` figures), with the values read from the knowledge base."""
    recs = validation_records() if validation else clinical_records()
    field = "validation" if validation else "published"
    out = []
    for pub in getattr(protocol, field):
        if pub.record not in recs:
            raise KeyError(f"protocol {protocol.id}: {field} record {pub.record!r} is not in the knowledge base "
                           f"({(VALIDATION if validation else TARGETS).name})")
        out.append({**recs[pub.record], "record": pub.record, "subgroup": pub.subgroup,
                    "kb_subgroup": recs[pub.record].get("subgroup"),
                    "experimental": pub.experimental, "control": pub.control, "at_months": pub.at_months})
    return out


def list_trials(known_regimen=None) -> list[dict]:
    rows = []
    for tid, path in library_files().items():
        p = load_protocol(path, known_regimen)
        rows.append({"id": p.id, "title": p.title, "file": str(path), "arms": [
            {"id": a.id, "regimen": a.regimen, "control": a.control} for a in p.arms],
            "sample_size": p.sample_size, "published": [x.record for x in p.published],
            "validation": [x.record for x in p.validation],
            "targets": sorted({clinical_records()[x.record]["target_id"] for x in p.published
                               if x.record in clinical_records()})})
    return rows
