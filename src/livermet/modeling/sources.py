"""Where a parameter value comes from: a citation, a calibration, or an explicit assumption."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Citation:
    """A value read in a publication (or a public model file that cites one)."""

    reference: str
    doi: str | None = None
    note: str | None = None

    kind = "citation"

    def describe(self) -> str:
        text = self.reference + (f" (doi:{self.doi})" if self.doi else "")
        return text + (f"; {self.note}" if self.note else "")


@dataclass(frozen=True)
class Calibrated:
    """A value fitted to calibration targets (ids of rows in the targets table)."""

    target_ids: tuple[str, ...]
    note: str | None = None

    kind = "calibrated"

    def __post_init__(self) -> None:
        if not self.target_ids:
            raise ValueError("a calibrated parameter must name the targets it was fitted to")

    def describe(self) -> str:
        return "calibrated to " + ", ".join(self.target_ids) + (f"; {self.note}" if self.note else "")


@dataclass(frozen=True)
class Assumed:
    """A value no source gives: the reason and the plausible range must be stated."""

    reason: str

    kind = "assumed"

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError("an assumed parameter value needs a reason")

    def describe(self) -> str:
        return "assumed: " + self.reason


Source = Citation | Calibrated | Assumed


def cite(reference: str, doi: str | None = None, note: str | None = None) -> Citation:
    return Citation(reference, doi, note)


def calibrated(*target_ids: str, note: str | None = None) -> Calibrated:
    return Calibrated(tuple(target_ids), note)


def assumed(reason: str) -> Assumed:
    return Assumed(reason)
