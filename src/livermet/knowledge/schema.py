"""Pydantic schema of the knowledge files: entities, statements (with evidence) and clinical results.

The models are strict about unknown keys (`extra="forbid"`) so that a typo in a user's file is an
error, not a silently ignored field. Cross-record checks (dangling ids, duplicates, references
that the seed does not cite) live in `validate.py`; this module only checks one record at a time.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator

from .vocabulary import (
    ENDPOINTS,
    ENTITY_TYPES,
    ID_DESCRIPTION,
    ID_PATTERN,
    RECORD_ID_DESCRIPTION,
    RECORD_ID_PATTERN,
    RELATIONS,
    SPECIES,
    STATISTICS,
    STUDY_TYPES,
    identifier_problem,
)

EntityType = Literal[tuple(ENTITY_TYPES)]  # type: ignore[valid-type]
Relation = Literal[tuple(RELATIONS)]  # type: ignore[valid-type]
Species = Literal[SPECIES]  # type: ignore[valid-type]
StudyType = Literal[STUDY_TYPES]  # type: ignore[valid-type]
Endpoint = Literal[ENDPOINTS]  # type: ignore[valid-type]
Statistic = Literal[STATISTICS]  # type: ignore[valid-type]

DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
TARGET_ID_PATTERN = re.compile(r"^T\d+$")

Number = float | int
Interval = tuple[float, float]  # 95% CI; the upper bound of a median may be .inf (not reached)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True)


def _check_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(f"{value!r} is not a valid entity id ({ID_DESCRIPTION})")
    return value


def _check_record_id(value: str) -> str:
    if not RECORD_ID_PATTERN.match(value):
        raise ValueError(f"{value!r} is not a valid id ({RECORD_ID_DESCRIPTION})")
    return value


def _number_to_str(value: Any) -> Any:
    """YAML reads `section: 2.1` as a float and `p_value: 0.04` as a number; keep them as text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return value


class Entity(_Record):
    """Something the reviews talk about: a cell, a molecule, a drug, a process, a site, ..."""

    id: str
    type: EntityType
    name: str = Field(min_length=1)
    name_zh: str | None = None
    synonyms: list[str] = Field(default_factory=list)
    identifiers: dict[str, str] = Field(default_factory=dict)
    description: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _check_id(value)

    @field_validator("identifiers", mode="before")
    @classmethod
    def _identifiers(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, dict):
            problems = [p for k, v in value.items() if (p := identifier_problem(str(k), v if isinstance(v, str) else str(v)))]
            if problems:
                raise ValueError("; ".join(problems))
            return {str(k): str(v) for k, v in value.items()}
        return value

    @field_validator("synonyms", mode="before")
    @classmethod
    def _synonyms(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in value]
        return value

    def labels(self) -> list[str]:
        """All the strings by which a reader may refer to the entity."""
        out = [self.id, self.name, *self.synonyms]
        if self.name_zh:
            out.insert(2, self.name_zh)
        return out


class Context(_Record):
    """Where the observation was made."""

    site: str | None = None
    species: Species | None = None
    study_type: StudyType | None = None


class Evidence(_Record):
    """Where a statement comes from: a seed review and the reference numbers it prints, or a DOI."""

    seed: str | None = None
    refs: list[int] = Field(default_factory=list)
    first_author: str | None = None
    year: int | None = Field(default=None, ge=1800, le=2100)
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None

    @field_validator("pmid", mode="before")
    @classmethod
    def _pmid(cls, value: Any) -> Any:
        return _number_to_str(value)

    @field_validator("doi")
    @classmethod
    def _doi(cls, value: str | None) -> str | None:
        if value is None:
            return value
        value = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", value, flags=re.I)
        if not DOI_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a DOI (expected 10.NNNN/suffix)")
        return value

    @field_validator("refs", mode="before")
    @classmethod
    def _refs(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, int) and not isinstance(value, bool):
            return [value]
        return value

    @field_validator("refs")
    @classmethod
    def _refs_positive(cls, value: list[int]) -> list[int]:
        bad = [r for r in value if r < 1]
        if bad:
            raise ValueError(f"reference numbers start at 1, got {bad}")
        return value

    def is_empty(self) -> bool:
        return not (self.seed or self.doi or self.pmid or self.url or self.first_author)


class Statement(_Record):
    """One claim: subject -relation-> object, with context and evidence."""

    id: str
    subject: str
    relation: Relation
    object: str
    via: list[str] = Field(default_factory=list)
    in_context: list[str] = Field(default_factory=list)
    context: Context = Field(default_factory=Context)
    section: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    paraphrase: str = Field(min_length=1)
    model_scope: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _check_record_id(value)

    @field_validator("section", mode="before")
    @classmethod
    def _section(cls, value: Any) -> Any:
        return _number_to_str(value)

    @field_validator("via", "in_context", mode="before")
    @classmethod
    def _none_list(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("context", mode="before")
    @classmethod
    def _none_context(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("evidence", mode="before")
    @classmethod
    def _none_evidence(cls, value: Any) -> Any:
        return [] if value is None else value

    def entity_ids(self) -> list[str]:
        """Every entity id the statement names, in order: subject, object, via, in_context."""
        return [self.subject, self.object, *self.via, *self.in_context]


class ClinicalResult(_Record):
    """A published figure: a median, hazard ratio, rate or P value, for a trial, arm and subgroup."""

    id: str
    trial: str = Field(min_length=1)
    population: str | None = None
    arms: dict[str, str] = Field(default_factory=dict)
    subgroup: str | None = None
    endpoint: Endpoint
    statistic: Statistic
    value_exp: Number | str | None = None
    ci_exp: Interval | None = None
    value_ctrl: Number | str | None = None
    ci_ctrl: Interval | None = None
    hr: float | None = None
    hr_ci: Interval | None = None
    p_value: str | None = None
    n_exp: int | None = Field(default=None, ge=0)
    n_ctrl: int | None = Field(default=None, ge=0)
    unit: str | None = None
    target_id: str | None = None
    section: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    note: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _check_record_id(value)

    @field_validator("p_value", "section", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return _number_to_str(value)

    @field_validator("arms", mode="before")
    @classmethod
    def _arms(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, dict):
            return {k: (str(v) if v is not None else "") for k, v in value.items()}
        return value

    @field_validator("evidence", mode="before")
    @classmethod
    def _none_evidence(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("target_id")
    @classmethod
    def _target(cls, value: str | None) -> str | None:
        if value is not None and not TARGET_ID_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a calibration target id (expected T followed by digits, e.g. T07)")
        return value

    @field_validator("ci_exp", "ci_ctrl", "hr_ci", mode="before")
    @classmethod
    def _open_upper(cls, value: Any) -> Any:
        # JSON has no infinity: an upper bound that was not reached comes back from an export as null
        if isinstance(value, list | tuple) and len(value) == 2 and value[0] is not None and value[1] is None:
            return (value[0], math.inf)
        return value

    @field_serializer("ci_exp", "ci_ctrl", "hr_ci", when_used="json")
    def _json_interval(self, value: Interval | None) -> list | None:
        return None if value is None else [value[0], None if math.isinf(value[1]) else value[1]]

    @field_validator("ci_exp", "ci_ctrl", "hr_ci")
    @classmethod
    def _ordered(cls, value: Interval | None, info) -> Interval | None:
        if value is None:
            return value
        if any(math.isnan(x) for x in value) or math.isinf(value[0]):
            raise ValueError(f"interval [{value[0]}, {value[1]}] needs a finite lower bound and a number or .inf above")
        if math.isinf(value[1]) and info.field_name == "hr_ci":
            raise ValueError("hr_ci needs a finite upper bound (.inf is for a median whose upper bound was not reached)")
        if value[0] > value[1]:
            raise ValueError(f"interval [{value[0]}, {value[1]}] has its lower bound above its upper bound")
        return value

    @model_validator(mode="after")
    def _hr_inside_ci(self) -> "ClinicalResult":
        if self.hr is not None and self.hr_ci is not None and not (self.hr_ci[0] <= self.hr <= self.hr_ci[1]):
            raise ValueError(f"hr {self.hr} lies outside hr_ci [{self.hr_ci[0]}, {self.hr_ci[1]}]")
        return self


RECORD_MODELS: dict[str, type[_Record]] = {
    "entities": Entity,
    "statements": Statement,
    "clinical": ClinicalResult,
}
