"""`livermet experiments ...`: the named in-silico experiments of the liver-metastasis model."""

from __future__ import annotations

from typing import List, Optional

import typer
from rich.console import Console

from ..cli_util import emit_json

experiments_app = typer.Typer(help="Named in-silico experiments reproducing findings of the reviews.",
                              no_args_is_help=True, add_completion=False)
console = Console()
JsonOpt = typer.Option(False, "--json", help="Print one JSON document with stable keys.")


@experiments_app.command("list")
def list_cmd(json_out: bool = JsonOpt) -> None:
    """List the experiments with what each expects."""
    from .experiments import list_experiments

    rows = list_experiments()
    if json_out:
        emit_json(rows)
        return
    for r in rows:
        console.print(f"[bold]{r['name']}[/]: {r['expected']} [dim]({', '.join(r['statements'])})[/]")


@experiments_app.command("run")
def run_cmd(
    names: Optional[List[str]] = typer.Argument(None, help="Experiment names (all when omitted)."),
    json_out: bool = JsonOpt,
) -> None:
    """Run experiments; exit status 1 when any fails to reproduce its expected direction."""
    from .experiments import EXPERIMENTS, run_experiments

    unknown = [n for n in names or [] if n not in EXPERIMENTS]
    if unknown:
        console.print(f"[red]error:[/] unknown experiment(s) {', '.join(unknown)}; see `livermet experiments list`")
        raise typer.Exit(2)
    results = run_experiments(names or None)
    if json_out:
        emit_json([r.to_dict() for r in results])
    else:
        for r in results:
            mark = "[green]PASS[/]" if r.passed else "[red]FAIL[/]"
            console.print(f"{mark} [bold]{r.name}[/]\n  expected: {r.expected}\n  observed: {r.observed}\n"
                          f"  [dim]{r.citation}[/]")
        console.print(f"{sum(r.passed for r in results)}/{len(results)} passed")
    if not all(r.passed for r in results):
        raise typer.Exit(1)
