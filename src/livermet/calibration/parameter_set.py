"""Versioned parameter sets: population values fitted by `livermet calibrate run`.

A parameter set is a YAML file (`livermet/library/parameter_sets/<model>.yaml` is the default of
that trial model) with its id, version, the model it was fitted on, the method and objective, and
for each parameter its value, the range searched and the target ids it was fitted to. Applying a
set marks each parameter `calibrated` with those target ids, so every number keeps its source.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..modeling.sources import Calibrated, calibrated

LIBRARY = Path(__file__).resolve().parents[1] / "library" / "parameter_sets"
REQUIRED = ("id", "version", "model", "parameters")


class ParameterSetError(ValueError):
    pass


def library_sets() -> dict[str, Path]:
    return {p.stem: p for p in sorted(LIBRARY.glob("*.yaml"))}


def resolve_parameter_set(name: str | None, model_name: str) -> Path | None:
    """'default' -> the library set named after the model (None if there is none); 'none' -> None;
    else a library set id or a YAML file."""
    if name is None or name == "none":
        return None
    if name == "default":
        return library_sets().get(model_name)
    p = Path(name)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return p
    if name in library_sets():
        return library_sets()[name]
    raise ParameterSetError(f"parameter set {name!r} is neither a YAML file nor one of the library's: "
                            f"{', '.join(library_sets()) or 'none shipped'}")


def load_parameter_set(path: str | Path) -> dict:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParameterSetError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ParameterSetError(f"{path}: a parameter set is a mapping with {', '.join(REQUIRED)}")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ParameterSetError(f"{path}: missing field(s) {', '.join(missing)}")
    for name, entry in (data["parameters"] or {}).items():
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), int | float):
            raise ParameterSetError(f"{path}: parameters.{name}.value: a number is required")
        if not entry.get("targets"):
            raise ParameterSetError(f"{path}: parameters.{name}.targets: the target ids it was fitted to are required")
    data["_path"] = str(path)
    return data


def calibrated_value(pset: dict, name: str, lower: float, upper: float) -> tuple[float, Calibrated] | None:
    """The set's value of parameter `name` with its `calibrated` source (None when the set lacks it); a value
    outside the parameter's range [lower, upper] is an error naming the file and the field."""
    entry = pset["parameters"].get(name)
    if entry is None:
        return None
    v = float(entry["value"])
    if not (lower <= v <= upper):
        raise ParameterSetError(f"{pset.get('_path', pset['id'])}: parameters.{name}.value {v:g} is outside "
                                f"the model's range [{lower:g}, {upper:g}]")
    return v, calibrated(*entry["targets"], note=f"parameter set {pset['id']} v{pset['version']}")


def apply_parameter_set(model, pset: dict) -> list[str]:
    """Set the model's values from the set (parameters the model lacks are skipped: a trial model has
    only its own agents); returns the names applied."""
    applied = []
    for name in pset["parameters"]:
        p = model.parameters_.get(name)
        if p is None:
            continue
        p.value, p.source = calibrated_value(pset, name, p.lower, p.upper)
        applied.append(name)
    return applied


def apply_to_described(parameters: list[dict], pset: dict) -> list[str]:
    """The same for the parameter rows of a description (`Agent.describe()`: name, value, range, source_kind,
    source), so that a drug's page shows the values trials run with; returns the names applied."""
    applied = []
    for row in parameters:
        hit = calibrated_value(pset, row["name"], *row["range"])
        if hit is not None:
            row["value"], source = hit
            row["source_kind"], row["source"] = source.kind, source.describe()
            applied.append(row["name"])
    return applied


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):  # every parameter lists its targets in full, no YAML anchors
        return True


def write_parameter_set(path: str | Path, data: dict) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = {k: v for k, v in data.items() if not k.startswith("_")}
    path.write_text("# Fitted by `livermet calibrate run`; do not edit values by hand (refit instead).\n" +
                    yaml.dump(clean, Dumper=_NoAliases, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
