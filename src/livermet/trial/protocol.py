"""Trial protocols: a YAML file validated by pydantic.

A protocol names its population (eligibility), its arms (each a regimen id of the therapy
library), the randomisation (ratio, stratification), the sample size, the imaging schedule, the
RECIST 1.1 settings, the endpoints, follow-up and censoring, optional crossover, the subgroups, and
the published results it is compared with (ids of clinical records of the knowledge base).

Every problem is reported as `file: field: message` (see `ProtocolError`).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Callable, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import FileProblems

DAYS_PER_MONTH = 30.4375
DAYS_PER_WEEK = 7.0

SUBGROUPS = ("liver_metastasis", "pdl1_class", "pdl1_tps_ge20", "histology", "egfr", "ecog", "sex", "age_group",
             "brain_metastasis", "metastatic_site")
ENDPOINTS = ("os", "pfs", "orr", "dcr", "dor")
Histology = Literal["squamous", "non_squamous"]


class ProtocolError(FileProblems):
    """Problems of a protocol file, each as `file: field: message`."""

    what = "trial protocol"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Eligibility(_Strict):
    """Inclusion criteria on the virtual patients' covariates (None: no restriction)."""

    histology: list[Histology] | None = None
    ecog_max: int | None = Field(None, ge=0, le=4)
    age_min: float | None = Field(18, ge=0)
    age_max: float | None = None
    pdl1_tps_min: float | None = Field(None, ge=0, le=100)
    pdl1_tps_max: float | None = Field(None, ge=0, le=100)
    egfr_alk: Literal["any", "wild_type", "mutant"] = "any"
    egfr: Literal["any", "wild_type", "mutant"] = "any"
    liver_metastasis: Literal["any", "required", "excluded"] = "any"
    brain_metastasis: Literal["any", "excluded", "required"] = "any"


class NaturalHistory(_Strict):
    """Onset-to-diagnosis pre-simulation: diagnosis when `observable` reaches a threshold drawn
    log-normally (median 37 mm, sd(log) 0.4: the initial-diameter distribution of the QSPIO-TNBC
    NSCLC virtual-patient generation, shared/reference/models-and-parameters.md 2.8)."""

    observable: str = "diameter_primary"
    median_mm: float = Field(37.0, gt=0)
    sigma: float = Field(0.4, ge=0)
    onset_cells: float = Field(1e5, gt=0, description="cancer cells of the primary at onset (assumed, about 0.6 mm)")
    max_days: float = Field(8000.0, gt=0)
    step_days: float = Field(14.0, gt=0)
    match_sites: list[Literal["liver", "bone", "brain", "adrenal"]] = Field(
        ["liver"], description="sites whose metastasis status at the simulated diagnosis must equal the sampled "
        "covariate (so the cohort keeps the observed prevalence of, by default, liver metastasis); [] for none")
    candidates: int = Field(8, ge=1, le=100)
    selection: Literal["match_sites", "allen"] = Field(
        "match_sites", description="match_sites: the first candidate whose metastatic sites equal the patient's "
        "covariates; allen: Allen, Rieger & Musante 2016 acceptance of candidates by the ratio of the observed to "
        "the plausible density of their baseline features (liver metastasis, log LDH, log NLR), with beta and "
        "both densities from a fixed reference cohort, so each patient's choice does not depend on its batch")
    reference_patients: int = Field(200, ge=20, le=5000, description="reference cohort size for selection: allen")


class RunIn(_Strict):
    """Untreated run-in under baseline 'covariates': each patient is simulated untreated for `days`
    from its drawn lesions, so that the trial starts from an immune state shaped by an established
    tumour (lesions drawn without T cells otherwise meet a burst of fresh infiltration at day 0). A
    candidate whose tumour burden at the end is below (1 + min_growth) times its start regresses
    untreated and is not plausible for a patient with progressing disease (the plausibility idea of
    QSP-IO virtual patients that must reach their diagnosed size); its varying parameters are redrawn,
    up to `candidates` times, keeping its covariates. days: assumed 56 (the interval from the
    diagnostic scan to the first treatment is about 1-2 months in NSCLC; the fresh-infiltration burst
    settles within about 8 weeks in the model); 0 disables the run-in. Lesion sizes are drawn at the
    start of the run-in, so baseline lesions are larger by the run-in's growth."""

    days: float = Field(56.0, ge=0, le=365)
    candidates: int = Field(20, ge=1, le=100)
    min_growth: float = Field(0.0, ge=-0.9, le=10.0)


class Population(_Strict):
    """Changes to the default virtual population (livermet.population.covariates.PopulationSpec).

    baseline: 'covariates' (lesions at baseline drawn from the covariates: sites, number of liver
    lesions) or 'natural_history' (each patient simulated from onset to diagnosis; metastases and
    immune state at baseline come out of the model, and the subgroups follow the model's baseline).
    """

    prevalence: dict[Literal["liver", "bone", "brain", "adrenal"], float] | None = None
    male: float | None = Field(None, ge=0, le=1)
    ecog: tuple[float, float, float] | None = None
    non_squamous: float | None = Field(None, ge=0, le=1)
    pdl1_classes: tuple[float, float, float] | None = None
    baseline: Literal["covariates", "natural_history"] = "covariates"
    natural_history: NaturalHistory = NaturalHistory()
    run_in: RunIn = RunIn()
    source: str = ""

    @field_validator("prevalence")
    @classmethod
    def _fractions(cls, v):
        if v is not None and any(not 0 <= x <= 1 for x in v.values()):
            raise ValueError("prevalences are fractions in [0, 1]")
        return v

    def model_dump(self, **kw):  # the source is documentation, not a PopulationSpec field
        d = super().model_dump(**kw)
        for k in ("source", "baseline", "natural_history", "run_in"):
            d.pop(k, None)
        return d


class Arm(_Strict):
    """A trial arm. `by_histology` gives the regimen of patients of one histology where the protocol chose
    the chemotherapy by histology (pemetrexed and its maintenance for non-squamous tumours only);
    `by_egfr` the regimen of patients by EGFR status where the cohort treated EGFR-mutant tumours with a
    TKI (it takes precedence over `by_histology`); the others get `regimen`."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str = ""
    regimen: str
    by_histology: dict[Histology, str] = {}
    by_egfr: dict[Literal["mutant", "wild_type"], str] = {}
    control: bool = False

    def regimen_for(self, histology: str, egfr: str = "wild_type") -> str:
        if egfr in self.by_egfr:
            return self.by_egfr[egfr]
        return self.by_histology.get(histology, self.regimen)

    def regimen_ids(self) -> list[str]:
        return list(dict.fromkeys([self.regimen, *self.by_histology.values(), *self.by_egfr.values()]))


class Randomisation(_Strict):
    ratio: list[float] | None = None  # one entry per arm; default all 1
    stratify_by: list[str] = []
    block_size: int | None = Field(None, ge=1)

    @field_validator("ratio")
    @classmethod
    def _positive(cls, v):
        if v is not None and any((not np.isfinite(r)) or r <= 0 or float(r) != int(r) for r in v):
            raise ValueError("ratio entries must be positive whole numbers, e.g. [2, 1]")
        return v


class ScheduleStep(_Strict):
    every_weeks: float = Field(gt=0)
    until_week: float | None = Field(None, gt=0)


class Assessment(_Strict):
    """Imaging schedule from randomisation: e.g. every 6 weeks to week 48, then every 9."""

    schedule: list[ScheduleStep]
    horizon_months: float = Field(60.0, gt=0)
    visit_window_days: float = Field(
        7.0, ge=0, le=14, description="each scan after baseline falls on its scheduled day plus a per-patient offset "
        "drawn uniformly within +/- this many days: phase 3 NSCLC protocols allow imaging windows of about a week "
        "around the schedule (assumed typical value, 0-14); 0 scans exactly on schedule")

    @model_validator(mode="after")
    def _increasing(self):
        last = 0.0
        for i, step in enumerate(self.schedule):
            if step.until_week is None and i != len(self.schedule) - 1:
                raise ValueError(f"schedule[{i}]: only the last step may omit until_week")
            if step.until_week is not None:
                if step.until_week <= last:
                    raise ValueError(f"schedule[{i}].until_week {step.until_week} must be after the previous step "
                                     f"(week {last})")
                if step.every_weeks > step.until_week - last:
                    raise ValueError(f"schedule[{i}]: an interval of {step.every_weeks} weeks does not fit between "
                                     f"week {last} and week {step.until_week}")
                last = step.until_week
        first = self.schedule[0].every_weeks * DAYS_PER_WEEK
        if first > self.horizon_months * DAYS_PER_MONTH:
            raise ValueError(f"the first assessment (week {self.schedule[0].every_weeks}) is after the horizon "
                             f"({self.horizon_months} months)")
        return self

    def days(self) -> np.ndarray:
        """Assessment days after baseline (day 0 is the baseline scan), up to the horizon."""
        horizon = self.horizon_months * DAYS_PER_MONTH
        out, t = [], 0.0
        for step in self.schedule:
            end = horizon if step.until_week is None else min(horizon, step.until_week * DAYS_PER_WEEK)
            dt = step.every_weeks * DAYS_PER_WEEK
            while t + dt <= end + 1e-9:
                t += dt
                out.append(round(t, 6))
        return np.asarray(out)


class Recist(_Strict):
    """RECIST 1.1 settings (Eisenhauer et al. 2009 Eur J Cancer 45:228)."""

    max_targets: int = Field(5, ge=1, le=10)
    max_per_organ: int = Field(2, ge=1, le=5)
    min_measurable_mm: float = Field(10.0, gt=0)
    pr_threshold: float = Field(-0.30, lt=0, gt=-1)
    pd_threshold: float = Field(0.20, gt=0)
    pd_absolute_mm: float = Field(5.0, ge=0)
    disappeared_below_mm: float = Field(
        5.0, ge=0, description="a target lesion below this diameter counts as disappeared; RECIST 1.1 records "
        "lesions too small to measure at a default 5 mm")
    confirmation: bool = True
    confirmation_min_days: float = Field(28.0, ge=0)
    sd_min_days: float = Field(42.0, ge=0)
    measurement_cv: float = Field(
        0.05, ge=0, le=0.5, description="measurement error of a target-lesion diameter (log-normal, per lesion and "
        "scan): 0.05 from Oxnard et al. 2011 J Clin Oncol 29:3114 (NSCLC lesions measured on two CT scans taken "
        "minutes apart: 84% of the changes within +/-10%, i.e. a difference SD of about 7%, 5% per measurement; "
        "the same reader, side by side, so a lower bound for trial reads); 0 measures exactly")


class Endpoints(_Strict):
    primary: list[str]
    secondary: list[str] = []

    @field_validator("primary", "secondary")
    @classmethod
    def _known(cls, v):
        bad = [e for e in v if e not in ENDPOINTS]
        if bad:
            raise ValueError(f"unknown endpoint(s) {', '.join(bad)}; allowed: {', '.join(ENDPOINTS)}")
        return v

    @field_validator("primary")
    @classmethod
    def _not_empty(cls, v):
        if not v:
            raise ValueError("at least one primary endpoint is required")
        return v

    @property
    def all(self) -> list[str]:
        return list(dict.fromkeys(self.primary + self.secondary))


class FollowUp(_Strict):
    """Enrolment over `accrual_months`; data cut-off `data_cutoff_months` after the first patient
    in; loss to follow-up at a constant rate."""

    accrual_months: float = Field(12.0, ge=0)
    data_cutoff_months: float = Field(36.0, gt=0)
    dropout_per_year: float = Field(0.0, ge=0, lt=1)

    @model_validator(mode="after")
    def _cutoff_after_accrual(self):
        if self.data_cutoff_months <= self.accrual_months:
            raise ValueError(f"data_cutoff_months ({self.data_cutoff_months}) must be after the end of accrual "
                             f"({self.accrual_months})")
        return self


class Treatment(_Strict):
    stop_at_progression: bool = True
    max_duration_months: float | None = Field(24.0, gt=0)


class Crossover(_Strict):
    """Control patients who switch to another therapy at progression: on study where the protocol allowed
    it, or the later-line immunotherapy that trials of the checkpoint-inhibitor era saw off study."""

    from_arm: str
    regimen: str
    probability: float = Field(1.0, ge=0, le=1)  # of switching, for a control patient who progresses
    source: str = ""  # where the probability comes from (a citation, or "assumed: ..." with reason and range)


class Published(_Strict):
    """A published result of the knowledge base (clinical record id) compared with the simulation."""

    record: str
    subgroup: str = "all"  # "all", or "<subgroup>=<level>", e.g. "liver_metastasis=yes"
    experimental: str | None = None  # arm id or "<subgroup>=<level>" (prognostic comparisons); default first exp. arm
    control: str | None = None  # arm id or "<subgroup>=<level>"; default the control arm
    at_months: float | None = Field(None, gt=0)  # for survival rates (e.g. 36 for a 3-year OS rate)


class Protocol(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    description: str = ""
    design: Literal["randomised", "single_arm_cohort"] = "randomised"
    # observational: a retrospective or registry cohort of routine care (survival from diagnosis, patients who
    # lived to be treated); the OS link gives its treated patients the observational shift (trial/survival_link.py)
    setting: Literal["trial", "observational"] = "trial"
    # second_or_later: every patient progressed on an earlier line (model parameter prior_lines = 1)
    line: Literal["first", "second_or_later"] = "first"
    # what that earlier line was: chemotherapy (model parameter prior_chemotherapy = 1: chemo-resistance acquired
    # on it) or targeted (an EGFR-TKI, say; no chemo-resistance from it); not used for first-line trials
    prior_therapy: Literal["chemotherapy", "targeted"] = "chemotherapy"
    eligibility: Eligibility = Eligibility()
    population: Population | None = None
    arms: list[Arm] = Field(min_length=1)
    randomisation: Randomisation = Randomisation()
    sample_size: int = Field(gt=0)
    # published: the size of the study the published figures come from (with its arms' and subgroups' shares,
    # it sets the interval of a figure published without CI); assumed: the publication gives none, and every
    # such figure is taken to rest on this many patients (calibration/evaluate.fallback_n)
    sample_size_source: Literal["published", "assumed"] = "published"
    assessment: Assessment
    recist: Recist = Recist()
    endpoints: Endpoints
    follow_up: FollowUp = FollowUp()
    treatment: Treatment = Treatment()
    crossover: Crossover | None = None
    subgroups: list[str] = ["liver_metastasis"]
    published: list[Published] = []  # calibration targets (knowledge/data/clinical/targets.yaml)
    # figures never used to calibrate, for independent validation (knowledge/data/clinical/validation.yaml)
    validation: list[Published] = []
    references: list[str] = []

    @model_validator(mode="after")
    def _consistent(self):
        ids = [a.id for a in self.arms]
        if len(set(ids)) != len(ids):
            raise ValueError(f"arms: arm ids must be unique, got {ids}")
        if self.randomisation.ratio is not None and len(self.randomisation.ratio) != len(self.arms):
            raise ValueError(f"randomisation.ratio: {len(self.randomisation.ratio)} entries for "
                             f"{len(self.arms)} arms")
        if sum(a.control for a in self.arms) > 1:
            raise ValueError("arms: at most one arm may be the control")
        if self.crossover is not None and self.crossover.from_arm not in ids:
            raise ValueError(f"crossover.from_arm: {self.crossover.from_arm!r} is not an arm ({', '.join(ids)})")
        bad = [s for s in self.subgroups if s not in SUBGROUPS]
        if bad:
            raise ValueError(f"subgroups: unknown {', '.join(bad)}; allowed: {', '.join(SUBGROUPS)}")
        bad = [s for s in self.randomisation.stratify_by if s not in SUBGROUPS]
        if bad:
            raise ValueError(f"randomisation.stratify_by: unknown {', '.join(bad)}; allowed: {', '.join(SUBGROUPS)}")
        for field, entries in (("published", self.published), ("validation", self.validation)):
            for i, pub in enumerate(entries):
                for spec in (pub.subgroup, pub.experimental, pub.control):
                    if spec is None or spec == "all":
                        continue
                    for part in spec.split("&"):
                        part = part.strip()
                        name = part.split("=", 1)[0]
                        if "=" in part and name not in self.subgroups:
                            raise ValueError(f"{field}[{i}]: subgroup {name!r} is not in subgroups "
                                             f"({', '.join(self.subgroups)})")
                        if "=" not in part and part not in ids:
                            raise ValueError(f"{field}[{i}]: {part!r} is not an arm ({', '.join(ids)})")
        overlap = {p.record for p in self.published} & {p.record for p in self.validation}
        if overlap:
            raise ValueError(f"validation: {', '.join(sorted(overlap))} also listed under published; a figure is "
                             "either a calibration target or held out for validation")
        span = self.assessment.horizon_months
        if self.follow_up.data_cutoff_months > span:
            raise ValueError(f"follow_up.data_cutoff_months: {self.follow_up.data_cutoff_months} is beyond "
                             f"assessment.horizon_months ({span}): nothing would be simulated after the horizon")
        return self

    # ------------------------------------------------------------------ derived
    @property
    def ratio(self) -> list[int]:
        return [int(r) for r in (self.randomisation.ratio or [1] * len(self.arms))]

    @property
    def control_arm(self) -> Arm | None:
        return next((a for a in self.arms if a.control), None)

    @property
    def experimental_arms(self) -> list[Arm]:
        return [a for a in self.arms if not a.control]

    @cached_property
    def assessment_days(self) -> np.ndarray:
        return self.assessment.days()

    @property
    def horizon_days(self) -> float:
        return self.assessment.horizon_months * DAYS_PER_MONTH

    def regimen_ids(self) -> list[str]:
        ids = [r for a in self.arms for r in a.regimen_ids()]
        if self.crossover is not None:
            ids.append(self.crossover.regimen)
        return list(dict.fromkeys(ids))

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json", exclude_none=True), sort_keys=False, allow_unicode=True)


def _field_of(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _problems_from(exc: ValidationError, data: dict) -> list[tuple[str, str]]:
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err.get("loc", ()) if p not in ("function-after",))
        msg = err.get("msg", "invalid").removeprefix("Value error, ")
        # errors of whole-object validators name the field inside the message ("x.y: ...")
        field = _field_of(loc)
        head = msg.split(":", 1)[0]
        if err.get("type") == "value_error" and ":" in msg and " " not in head.strip():
            inner = head.strip()
            field = f"{field}.{inner}" if loc else inner
            msg = msg.split(":", 1)[1].strip()
        if err.get("type") == "extra_forbidden":
            msg = "unknown field"
        elif err.get("type") == "missing":
            msg = "required field is missing"
        problems.append((field, msg))
    return problems


def parse_protocol(data: dict, file: str = "<protocol>",
                   known_regimen: Callable[[str], bool] | None = None) -> Protocol:
    """Validate a protocol mapping; `known_regimen(id)` checks regimen ids when given."""
    if not isinstance(data, dict):
        raise ProtocolError(file, [("(top level)", "a protocol is a YAML mapping")])
    try:
        proto = Protocol.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(file, _problems_from(exc, data)) from None
    problems: list[tuple[str, str]] = []
    if known_regimen is not None:
        for i, arm in enumerate(proto.arms):
            if not known_regimen(arm.regimen):
                problems.append((f"arms[{i}].regimen", f"unknown regimen {arm.regimen!r}"))
            for field, choices in (("by_histology", arm.by_histology), ("by_egfr", arm.by_egfr)):
                for key, rid in choices.items():
                    if not known_regimen(rid):
                        problems.append((f"arms[{i}].{field}.{key}", f"unknown regimen {rid!r}"))
        if proto.crossover is not None and not known_regimen(proto.crossover.regimen):
            problems.append(("crossover.regimen", f"unknown regimen {proto.crossover.regimen!r}"))
    if problems:
        raise ProtocolError(file, problems)
    return proto


def load_protocol(path: str | Path, known_regimen: Callable[[str], bool] | None = None) -> Protocol:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(yaml)"
        raise ProtocolError(str(path), [(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    return parse_protocol(data, str(path), known_regimen)
