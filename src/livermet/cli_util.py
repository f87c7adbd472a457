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
