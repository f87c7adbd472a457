"""The `livermet` command line: one sub-command group per layer."""

import typer

app = typer.Typer(
    help="livermet: NSCLC liver-metastasis model, simulation and virtual trials (research use only).",
    no_args_is_help=True,
    add_completion=False,
)

from livermet.knowledge.cli import kb_app  # noqa: E402
app.add_typer(kb_app, name="kb")
