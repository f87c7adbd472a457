"""The results store of a trial run: Parquet tables (one file per finished batch) and a manifest.

    DIR/manifest.json            model hash, parameter set, seed, version, command line, progress
    DIR/protocol.yaml            the protocol as run
    DIR/tables/<table>/batch-000000.parquet   patients, endpoints, assessments, events, dynamics
    DIR/report.html              written at the end

A batch's files are written to temporary names and renamed, and its `done` marker comes last, so
a killed run leaves only whole batches behind. `query(DIR, SQL)` runs DuckDB over the tables.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

TABLES = ("patients", "endpoints", "assessments", "events", "dynamics")


class Store:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    # ------------------------------------------------------------------ paths
    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def table_dir(self, name: str) -> Path:
        return self.root / "tables" / name

    def done_path(self, batch: int) -> Path:
        return self.root / "tables" / "_done" / f"batch-{batch:06d}"

    # ------------------------------------------------------------------ manifest
    def read_manifest(self) -> dict | None:
        if not self.manifest_path.exists():
            return None
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def write_manifest(self, manifest: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(manifest, indent=1, default=str), encoding="utf-8")
        tmp.replace(self.manifest_path)

    # ------------------------------------------------------------------ batches
    def completed_batches(self) -> set[int]:
        d = self.root / "tables" / "_done"
        if not d.exists():
            return set()
        return {int(p.name.split("-")[1]) for p in d.iterdir() if p.name.startswith("batch-")}

    def write_batch(self, batch: int, tables: dict[str, pd.DataFrame]) -> None:
        for name, df in tables.items():
            d = self.table_dir(name)
            d.mkdir(parents=True, exist_ok=True)
            final = d / f"batch-{batch:06d}.parquet"
            tmp = d / f".batch-{batch:06d}.{os.getpid()}.tmp"
            pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp)
            tmp.replace(final)
        done = self.done_path(batch)
        done.parent.mkdir(parents=True, exist_ok=True)
        done.write_text("ok")

    def discard_incomplete(self) -> None:
        """Remove table files of batches without a done marker (a run killed mid-write)."""
        done = self.completed_batches()
        for name in TABLES:
            d = self.table_dir(name)
            if not d.exists():
                continue
            for p in d.iterdir():
                if p.name.startswith(".") or (p.name.startswith("batch-") and int(p.stem.split("-")[1]) not in done):
                    p.unlink()

    # ------------------------------------------------------------------ reading
    def read(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        d = self.table_dir(name)
        done = self.completed_batches()
        files = sorted(p for p in d.glob("batch-*.parquet") if int(p.stem.split("-")[1]) in done) if d.exists() else []
        if not files:
            return pd.DataFrame(columns=columns)
        frames = [pq.read_table(p, columns=columns).to_pandas() for p in files]
        frames = [f for f in frames if len(f)] or frames[:1]
        df = pd.concat(frames, ignore_index=True)
        sort = [c for c in ("patient_id", "day", "assessment") if c in df.columns]
        if sort:
            df = df.sort_values(sort, kind="stable").reset_index(drop=True)
        return df


def connect(root: str | Path):
    """A DuckDB connection with one view per table of the store."""
    import duckdb

    store = Store(root)
    if store.read_manifest() is None:
        raise FileNotFoundError(f"{root}: not a livermet results directory (no manifest.json)")
    con = duckdb.connect()
    for name in TABLES:
        d = store.table_dir(name)
        if d.exists() and any(d.glob("batch-*.parquet")):
            pattern = str(d / "batch-*.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{pattern}', union_by_name=true)")
    return con


def query(root: str | Path, sql: str) -> pd.DataFrame:
    con = connect(root)
    try:
        return con.execute(sql).fetchdf()
    finally:
        con.close()
