"""Simulate library trials with given population values and score them against their published figures."""

from __future__ import annotations

import functools
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from ..analysis.trial_summary import analysis_table, compare_published
from ..analysis.tumour_dynamics import arm_dynamics, nadir_dynamics
from ..trial.library import published_for, resolve
from ..trial.protocol import Protocol, load_protocol
from ..trial.runner import precompile, simulate_trial
from ..trial.survival_link import LINK_PREFIX
from .objective import Scored, mark_not_counted, negative_log_likelihood, score

COHORTS_IN_FLIGHT = 8  # cohorts simulated together on a Dask cluster (each split over the workers)


@dataclass
class TrialFit:
    trial: str
    scored: list[Scored]
    n_patients: int
    failures: int
    wall_s: float
    dynamics: list[dict] = field(default_factory=list)  # per arm Stein kg/ks/TTG (analysis.tumour_dynamics)
    nadir: list[dict] = field(default_factory=list)  # per arm with a reference: time to nadir, regrowth after it

    @property
    def nll(self) -> float:
        """The Gaussian objective; `objective(robust_z)` gives its Huber form."""
        return self.objective()

    def objective(self, robust_z: float | None = None) -> float:
        return negative_log_likelihood(self.scored, robust_z)


@dataclass
class Evaluation:
    values: dict[str, float]
    trials: list[TrialFit] = field(default_factory=list)

    @property
    def nll(self) -> float:
        return self.objective()

    def objective(self, robust_z: float | None = None) -> float:
        return float(sum(t.objective(robust_z) for t in self.trials))

    def rows(self) -> list[dict]:
        out = []
        for t in self.trials:
            for s in t.scored:
                out.append({**s.row, "trial_id": t.trial, "z": s.z, "ci_source": s.ci_source,
                            "interval": list(s.interval) if s.interval else None, "within": s.within})
        return out


def published_rows(results: dict, protocol: Protocol, published: list[dict] | None = None) -> list[dict]:
    """compare_published rows of a simulated trial (only the published part of the trial summary), each with
    `not_counted` (objective.mark_not_counted); `published` replaces the knowledge-base records the protocol cites
    (synthetic data in tests)."""
    df = analysis_table(results, list(protocol.subgroups), list(protocol.randomisation.stratify_by))
    ctrl = protocol.control_arm.id if protocol.control_arm else None
    exps = [a.id for a in protocol.experimental_arms] if ctrl else []
    pats = results["patients"]
    share = {"liver_metastasis": float((pats["liver_metastasis"] == "yes").mean()) if len(pats) else 0.0}
    rows = compare_published(df, published if published is not None else published_for(protocol), ctrl, exps, share)
    return mark_not_counted(rows, _figure, functools.partial(is_input, protocol))


def _figure(row: dict) -> tuple:
    """What makes two rows one figure: the same statistic of the same patients against the same published value."""
    return row["subgroup"], row["kind"], group_label(row["quantity"]), row["published"], str(row["published_ci"])


def group_label(quantity: str) -> str:
    """A row's label without the role of its group, which is the same patients whichever arm of its record they are."""
    return re.sub(r"\((experimental|control): ", "(", str(quantity))


def is_input(protocol: Protocol, row: dict) -> bool:
    """A baseline share of liver metastasis in a trial whose cohort is given that prevalence."""
    return row.get("kind") == "share" and "liver" in ((protocol.population and protocol.population.prevalence) or {})


def fallback_n(protocol: Protocol, row: dict) -> float:
    """The group size a published figure without CI or n is taken to rest on: the library trial's
    sample size (both arms for a hazard ratio, the arm's share otherwise); for a subgroup of a study whose
    size is published (`sample_size_source`), only the subgroup's share of it, as the simulated cohort
    has it (a median of 50 patients with liver metastasis is not known as well as one of 400)."""
    if protocol.sample_size_source == "published" and _selects_subgroup(row) and row.get("n") and row.get("n_total"):
        return protocol.sample_size * float(row["n"]) / float(row["n_total"])
    if row.get("kind") == "hr" or not protocol.control_arm:
        return float(protocol.sample_size)
    ids = [a.id for a in protocol.arms]
    ratio = protocol.randomisation.ratio or [1.0] * len(ids)
    arm = row.get("control") if row.get("role") == "control" else row.get("experimental")
    if arm in ids:
        return protocol.sample_size * ratio[ids.index(arm)] / sum(ratio)
    return protocol.sample_size / len(ids)


def _selects_subgroup(row: dict) -> bool:
    """Whether the row's patients are a subgroup ('name=level') rather than whole arms or the whole cohort."""
    specs = [row.get("subgroup")]
    if row.get("kind") == "hr":
        specs += [row.get("experimental"), row.get("control")]
    else:
        specs.append(row.get("control") if row.get("role") == "control" else row.get("experimental"))
    return any("=" in str(s or "") for s in specs)


def model_of_trials(model_name: str, trials: list[str]):
    """The model with every agent of every regimen of the trials (one parameter namespace)."""
    from ..trial.models import get_setup

    regimens = sorted({r for t in trials for r in load_protocol(resolve(t)).regimen_ids()})
    return get_setup(model_name).build_model(regimens)


@functools.lru_cache(maxsize=None)
def _parameter_names(trial: str, model_name: str) -> frozenset[str]:
    return frozenset(model_of_trials(model_name, [trial]).parameters_)


def score_trial(trial: str, values: dict[str, float], n_patients: int | None, seed: int, *,
                model_name: str = "liver", parameter_set: str | None = None, scheduler=None,
                published: list[dict] | None = None) -> TrialFit:
    t0 = time.perf_counter()
    protocol = load_protocol(resolve(trial))
    n = int(n_patients or protocol.sample_size)
    # values may include parameters of drugs this trial does not give (a fit over several trials)
    values = {k: v for k, v in values.items() if k in _parameter_names(trial, model_name) or k.startswith(LINK_PREFIX)}
    batch = 250
    if scheduler is not None and hasattr(scheduler, "scheduler_info"):  # a dask Client: one batch per worker
        batch = max(10, -(-n // max(1, len(scheduler.scheduler_info().get("workers", {})))))
    results = simulate_trial(protocol, n, seed, model_name=model_name, overrides=values,
                             parameter_set=parameter_set, scheduler=scheduler, batch_size=batch)
    rows = published_rows(results, protocol, published)
    scored = [score(r, fallback_n(protocol, r)) for r in rows]
    failures = int((~results["endpoints"]["solver_ok"]).sum())
    regimens = {a.id: a.regimen for a in protocol.arms}
    return TrialFit(trial, scored, n, failures, time.perf_counter() - t0, arm_dynamics(results["endpoints"], regimens),
                    nadir_dynamics(results["assessments"], regimens))


def in_flight(calls: list[Callable], scheduler) -> tuple[list[Callable], Callable]:
    """The calls (each simulating and scoring one cohort) as calls that return their results, and a call that cancels
    those not started. On a Dask cluster COHORTS_IN_FLIGHT of them run together: one at a time, the workers idled
    while the client assembled and scored each cohort, and a small cohort kept them busy for under a second.
    In-process each runs when its result is asked for."""
    if scheduler is None:
        return list(calls), lambda: None
    pool = ThreadPoolExecutor(max_workers=COHORTS_IN_FLIGHT)
    futures = [pool.submit(c) for c in calls]
    return [f.result for f in futures], lambda: pool.shutdown(wait=False, cancel_futures=True)


def evaluate(values: dict[str, float], trials: list[str], n_patients: int | dict[str, int] | None, seed: int, *,
             published: dict[str, list[dict]] | None = None, **kw) -> Evaluation:
    """Score every trial; n_patients: one size for all, or per trial."""
    ev = Evaluation(dict(values))
    scheduler = kw.pop("scheduler", None)
    client = None
    if isinstance(scheduler, str):  # one client for all trials, so that batches can be sized to its workers
        from distributed import Client

        scheduler = client = Client(scheduler)
    try:
        if scheduler is not None:
            precompile([load_protocol(resolve(t)) for t in trials], scheduler, kw.get("model_name", "liver"))
        sizes = {t: n_patients.get(t) if isinstance(n_patients, dict) else n_patients for t in trials}
        results, cancel = in_flight([functools.partial(score_trial, t, values, sizes[t], seed, scheduler=scheduler,
                                                       published=(published or {}).get(t), **kw) for t in trials],
                                    scheduler)
        try:
            ev.trials.extend(r() for r in results)
        finally:
            cancel()  # after a failure, the trials not started yet
    finally:
        if client is not None:
            client.close()
    return ev
