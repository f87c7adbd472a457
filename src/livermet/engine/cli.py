"""`livermet simulate`: simulate virtual patients of a model; write a table and a plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer
from rich.console import Console

from ..cli_util import emit_json

console = Console(stderr=True)


def simulate_command(
    model: str = typer.Option("reference", "--model", "-m", help="Model name (see `livermet model list`)."),
    patients: int = typer.Option(20, "--patients", "-n", min=1, help="Number of virtual patients."),
    days: float = typer.Option(730.0, "--days", min=1.0, help="Simulated time in days."),
    step: float = typer.Option(7.0, "--step", min=0.01, help="Output interval in days."),
    backend: str = typer.Option("numba", "--backend", "-b", help="numba | roadrunner | scipy."),
    seed: int = typer.Option(1, "--seed", help="Random seed of the virtual patients."),
    rtol: float = typer.Option(1e-6, "--rtol", help="Relative tolerance."),
    atol: float = typer.Option(1e-6, "--atol", help="Absolute tolerance."),
    out: Path = typer.Option(Path("livermet-output/simulate"), "--out", "-o", help="Output directory."),
    plot: bool = typer.Option(True, "--plot/--no-plot", help="Write a PNG of the observables."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object with stable keys."),
) -> None:
    """Simulate virtual patients (parameters drawn from their variability) and write
    trajectories.csv, summary.csv and observables.png into --out."""
    from ..biology import get_model
    from ..population import sample_parameters
    from . import BACKENDS, simulate

    if backend not in BACKENDS:
        console.print(f"[red]error:[/] --backend {backend!r}: choose one of {', '.join(BACKENDS)}")
        raise typer.Exit(2)
    try:
        m = get_model(model)
    except ValueError as exc:
        console.print(f"[red]error:[/] --model: {exc}")
        raise typer.Exit(2) from exc
    m.validate()
    params = sample_parameters(m, patients, seed)
    times = np.arange(0.0, days + 1e-9, step)
    if times[-1] < days:
        times = np.append(times, days)
    with console.status(f"simulating {patients} patients with {backend} (first use compiles the model)..."):
        res = simulate(m, times, params, backend=backend, patient_ids=params.index.to_numpy(), rtol=rtol, atol=atol)
    out.mkdir(parents=True, exist_ok=True)
    table = res.to_pandas()
    table.to_csv(out / "trajectories.csv", index=False)
    last = table[table["time"] == times[-1]].drop(columns="time")
    summary = last.describe(percentiles=[0.05, 0.5, 0.95]).T
    summary.to_csv(out / "summary.csv")
    files = {"trajectories": str(out / "trajectories.csv"), "summary": str(out / "summary.csv")}
    if plot:
        files["plot"] = str(_plot(res, out / "observables.png"))
    data = {
        "model": m.name, "backend": backend, "patients": patients, "days": days, "seed": seed,
        "failed": int((res.status != 0).sum()), "wall_s": round(res.wall_s, 4), "files": files,
        "final_median": {k: float(np.nanmedian(res.observable(k)[:, -1])) for k in res.observable_names},
    }
    if json_out:
        emit_json(data)
        return
    console.print(f"simulated {patients} patients over {days:g} days with {backend} in {res.wall_s:.2f} s; "
                  f"{data['failed']} failed")
    for f in files.values():
        console.print(f"  wrote {f}")


def _plot(res, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = res.observable_names
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.0), squeeze=False)
    for ax, name in zip(axes[0], names):
        values = res.observable(name)
        ax.plot(res.time, values.T, color="tab:blue", alpha=0.25, lw=0.8)
        ax.plot(res.time, np.nanmedian(values, axis=0), color="black", lw=1.5, label="median")
        if np.nanmin(values) > 0 and np.nanmax(values) / np.nanmin(values) > 100:
            ax.set_yscale("log")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("day")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
