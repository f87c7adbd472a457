"""The `livermet` command line: one sub-command group per layer."""

import typer

from livermet.biology.cli import experiments_app
from livermet.analysis.sensitivity_cli import sensitivity_command
from livermet.calibration.cli import calibrate_app
from livermet.engine.cli import simulate_command
from livermet.knowledge.cli import kb_app
from livermet.modeling.cli import model_app
from livermet.therapy.cli import therapy_app
from livermet.trial.cli import results_app, trial_app

app = typer.Typer(
    help="livermet: NSCLC liver-metastasis model, simulation and virtual trials (research use only).",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(kb_app, name="kb")
app.add_typer(model_app, name="model")
app.add_typer(experiments_app, name="experiments")
app.add_typer(therapy_app, name="therapy")
app.add_typer(trial_app, name="trial")
app.add_typer(results_app, name="results")
app.add_typer(calibrate_app, name="calibrate")
app.command("simulate")(simulate_command)
app.command("sensitivity")(sensitivity_command)
