"""Small helpers shared by the command-line modules of every layer."""

from __future__ import annotations

import json
import sys

import numpy as np


def _default(obj):
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def emit_json(obj: object) -> None:
    """Print one JSON document with stable keys on stdout."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1, default=_default) + "\n")


SET_HELP = ("NAME=VALUE: hold a model parameter or an OS link coefficient (os_link.treated_shift) at VALUE instead "
            "of the parameter set's; repeatable.")


def parse_set_options(items: list[str] | None) -> dict[str, float]:
    """The values of repeated `--set NAME=VALUE` options; a ValueError names the malformed one."""
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--set {item!r}: give NAME=VALUE with a number, e.g. --set growth_pretreated=1.45"
                             ) from None
    return out
