"""The default backend: generated numba kernels + batched Rodas5P, cached on disk by model hash."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import time
from pathlib import Path
from types import ModuleType

import numba
import numpy as np
import sympy as sp

from ..modeling.model import Equations, Model
from .codegen import generate_kernels
from .inputs import BatchInputs
from .result import STATUS_MESSAGES, SimulationResult

_TEMPLATE = Path(__file__).with_name("rodas_template.py")
_loaded: dict[str, ModuleType] = {}
_eq_keys: dict[int, tuple] = {}  # id(Equations) -> (Equations, structure hash): hashing takes a while


def cache_dir() -> Path:
    root = os.environ.get("LIVERMET_CACHE") or Path.home() / ".cache" / "livermet"
    path = Path(root) / "kernels"
    path.mkdir(parents=True, exist_ok=True)
    return path


def structure_hash(eq: Equations) -> str:
    """Hash of what the generated code depends on (not parameter values), plus the solver source."""
    h = hashlib.sha256()
    h.update("|".join(eq.species).encode())
    h.update("|".join(eq.parameters).encode())
    h.update("|".join(eq.observables).encode())
    h.update("|".join(str(c) for c, _ in eq.jacobian_constants).encode())  # they change the generated Jacobian
    for e in (*eq.rhs, *eq.initials, *eq.observable_exprs):
        h.update(sp.srepr(e).encode())
    h.update(_TEMPLATE.read_bytes())
    h.update(Path(__file__).with_name("codegen.py").read_bytes())
    h.update(os.environ.get("LIVERMET_LU", "auto").encode())  # forced LU path (see codegen.lu_mode)
    return h.hexdigest()[:20]


def compile_model(model: Model) -> ModuleType:
    """Generate (once) and import the kernel module of a model; numba caches the machine code."""
    eq = model.equations()
    memo = _eq_keys.get(id(eq))
    if memo is None or memo[0] is not eq:
        memo = _eq_keys[id(eq)] = (eq, structure_hash(eq))  # eq kept alive: its id stays its own
    key = memo[1]
    if key in _loaded:
        return _loaded[key]
    path = cache_dir() / f"lm_{key}.py"
    if not path.exists():
        source = generate_kernels(eq) + "\n\n" + _TEMPLATE.read_text()
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(source)
        tmp.replace(path)  # atomic: concurrent workers never see a half-written file
    name = f"livermet_kernels_{key}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    _loaded[key] = module
    return module


def initial_state(kernels: ModuleType, params: np.ndarray, n_species: int) -> np.ndarray:
    y0 = np.zeros((n_species, params.shape[1]))
    kernels.init_batch(np.ascontiguousarray(params), y0)
    return y0


def simulate(
    model: Model,
    t_out: np.ndarray,
    inputs: BatchInputs,
    *,
    t0: float = 0.0,
    rtol: float = 1e-6,
    atol: float | np.ndarray = 1e-9,
    lanes: int = 16,
    chunks_per_thread: int = 4,
    h0: float = 1e-3,
    max_steps: int = 200_000,
    keep_species: bool = True,
) -> SimulationResult:
    eq = model.equations()
    kernels = compile_model(model)
    n, P = len(eq.species), inputs.n_patients
    t_out = np.asarray(t_out, dtype=float)
    atol_v = np.broadcast_to(np.asarray(atol, dtype=float), (n,)).copy()
    params = np.ascontiguousarray(inputs.parameters.copy())
    y0 = initial_state(kernels, params, n)
    T, k = len(t_out), len(eq.observables)
    ys = np.empty((P if keep_species else 0, T, n))  # patient-major, as in the result
    obs = np.empty((P, T, k))
    status = np.zeros(P, dtype=np.int64)
    stats = np.zeros((3, P), dtype=np.int64)
    # a few chunks per thread balance the load; lanes are the lockstep width inside a chunk
    n_chunks = max(1, min(P, numba.get_num_threads() * chunks_per_thread))
    start = time.perf_counter()
    kernels.integrate_batch(
        y0, params, float(t0), t_out, inputs.ev_t, inputs.ev_kind, inputs.ev_idx, inputs.ev_val, inputs.n_ev,
        float(rtol), atol_v, float(h0), int(max_steps), int(lanes), n_chunks, ys, obs, status, stats,
    )
    wall = time.perf_counter() - start
    return SimulationResult(
        backend="numba",
        time=t_out,
        observable_names=eq.observables,
        observables=obs,
        species_names=eq.species,
        species=ys if keep_species else None,
        patient_ids=inputs.patient_ids,
        status=status,
        messages=[STATUS_MESSAGES[int(s)] for s in status],
        stats={"accepted_steps": stats[0], "rejected_steps": stats[1], "rhs_evals": stats[2]},
        wall_s=wall,
    )
