"""After a run: analysis, JSON summary and the HTML report, read back from the results store."""

from __future__ import annotations

import json
from pathlib import Path

from ..analysis.trial_summary import summarise
from .library import published_for
from .protocol import Protocol
from .runner import load_results
from .store import Store
from .survival_link import OSLink


def _lean(summary: dict) -> dict:
    """The summary without the curves (for --json and summary.json)."""
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("curve", "curves")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x
    return strip(summary)


def analyse_and_report(out: str | Path, protocol: Protocol, report: bool = True) -> dict:
    out = Path(out)
    results = load_results(out)
    manifest = Store(out).read_manifest() or {}
    summary = summarise(results, protocol, published_for(protocol), published_for(protocol, validation=True))
    lean = _lean(summary)
    path = None
    if report:
        from ..report import write_report

        path = write_report(out / "report.html", summary, results, protocol, manifest,
                            manifest.get("os_link") or OSLink().table())
    lean["report"] = str(path) if path else None
    lean["results"] = str(out)
    (out / "summary.json").write_text(json.dumps(lean, indent=1, default=str), encoding="utf-8")
    return lean
