"""Calibration targets as data: every row of the targets table (shared/calibration/targets.csv, held in
the knowledge base as clinical records `target_tNN...`) mapped to the trial-library specs that
simulate it.

A record is *mapped* when some library trial lists it under `published:`; the trial's entry says
the subgroup and the arms compared. Records of statistics the trial layer cannot produce (shares
of metastatic sites across SEER, P values) stay unmapped and are listed as such.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..trial.library import clinical_records, library_files
from ..trial.protocol import load_protocol

# statistics a virtual trial reports (trial_summary.compare_published)
SIMULATED_STATISTICS = ("median", "hazard_ratio", "rate", "proportion")


@dataclass(frozen=True)
class Target:
    target_id: str  # row of targets.csv, e.g. "T23"
    record: str  # clinical record of the knowledge base, e.g. "target_t23"
    trial: str  # the publication
    endpoint: str
    statistic: str
    subgroup: str  # the record's own subgroup text
    trials: tuple[str, ...]  # library trial ids that simulate it
    mapped: bool
    why_unmapped: str | None = None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["trials"] = list(self.trials)
        return d


def _trial_records() -> dict[str, list[str]]:
    """record id -> library trial ids that cite it."""
    out: dict[str, list[str]] = {}
    for tid, path in library_files().items():
        proto = load_protocol(path)
        for pub in proto.published:
            out.setdefault(pub.record, []).append(tid)
    return out


def all_targets() -> list[Target]:
    by_record = _trial_records()
    rows = []
    for rid, rec in clinical_records().items():
        trials = tuple(by_record.get(rid, ()))
        stat = str(rec.get("statistic"))
        why = None
        if not trials:
            why = "no library trial simulates this population"
        elif stat not in SIMULATED_STATISTICS:
            why = f"statistic {stat!r} has no simulated counterpart"
        rows.append(Target(rec["target_id"], rid, str(rec.get("trial")), str(rec.get("endpoint")), stat,
                           str(rec.get("subgroup")), trials, why is None, why))
    return sorted(rows, key=lambda t: (int(t.target_id[1:]), t.record))


def mapped_trials(exclude: tuple[str, ...] = ()) -> list[str]:
    """Library trials that simulate at least one mapped target (minus `exclude`)."""
    seen = dict.fromkeys(t for x in all_targets() if x.mapped for t in x.trials)
    return [t for t in seen if t not in exclude]


def validation_trials() -> list[str]:
    """Library trials that simulate at least one figure of the validation set (`validation:` records)."""
    return [tid for tid, path in library_files().items() if load_protocol(path).validation]


def targets_summary() -> dict:
    rows = all_targets()
    ids = sorted({r.target_id for r in rows}, key=lambda x: int(x[1:]))
    mapped_ids = sorted({r.target_id for r in rows if r.mapped}, key=lambda x: int(x[1:]))
    return {"rows": len(ids), "records": len(rows), "mapped_records": sum(r.mapped for r in rows),
            "mapped_rows": mapped_ids, "unmapped_rows": [i for i in ids if i not in mapped_ids],
            "trials": mapped_trials(), "targets": [r.as_dict() for r in rows]}
