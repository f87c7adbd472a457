"""One result type for every backend: patients x time x variables, with per-patient status."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

STATUS_MESSAGES = {
    0: "ok",
    1: "maximum number of steps reached",
    2: "step size became too small (stiffness or a singularity)",
    3: "state became NaN or infinite",
    4: "singular iteration matrix",
    5: "solver error",
}


@dataclass
class SimulationResult:
    """Trajectories of a batch of virtual patients.

    observables: (patients, times, observables); species: (patients, times, species) or None.
    status: 0 for a patient integrated to the end; otherwise the failure code, whose message is in
    `messages`; a failed patient's values after the failure are NaN and the batch goes on.
    """

    backend: str
    time: np.ndarray
    observable_names: tuple[str, ...]
    observables: np.ndarray
    species_names: tuple[str, ...]
    species: np.ndarray | None
    patient_ids: np.ndarray
    status: np.ndarray
    messages: list[str] = field(default_factory=list)
    stats: dict[str, np.ndarray] = field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def n_patients(self) -> int:
        return len(self.patient_ids)

    @property
    def ok(self) -> np.ndarray:
        return self.status == 0

    def observable(self, name: str) -> np.ndarray:
        """(patients, times) array of one observable."""
        return self.observables[:, :, self.observable_names.index(name)]

    def species_values(self, name: str) -> np.ndarray:
        if self.species is None:
            raise ValueError("this result was computed without species trajectories")
        return self.species[:, :, self.species_names.index(name)]

    def failures(self) -> pd.DataFrame:
        idx = np.flatnonzero(self.status != 0)
        return pd.DataFrame(
            {"patient_id": self.patient_ids[idx], "status": self.status[idx],
             "message": [self.messages[i] for i in idx]}
        )

    def to_pandas(self, include_species: bool = False) -> pd.DataFrame:
        """Tidy wide table: one row per (patient, time), one column per observable."""
        P, T = self.n_patients, len(self.time)
        data = {
            "patient_id": np.repeat(self.patient_ids, T),
            "time": np.tile(self.time, P),
        }
        for k, name in enumerate(self.observable_names):
            data[name] = self.observables[:, :, k].reshape(-1)
        if include_species and self.species is not None:
            for i, name in enumerate(self.species_names):
                data[name] = self.species[:, :, i].reshape(-1)
        return pd.DataFrame(data)

    def to_xarray(self):
        import xarray as xr

        coords = {"patient": self.patient_ids, "time": self.time}
        ds = xr.Dataset(
            {name: (("patient", "time"), self.observables[:, :, k]) for k, name in enumerate(self.observable_names)},
            coords=coords,
        )
        if self.species is not None:
            for i, name in enumerate(self.species_names):
                ds[f"species_{name}"] = (("patient", "time"), self.species[:, :, i])
        ds["status"] = ("patient", self.status)
        ds.attrs["backend"] = self.backend
        return ds


def relative_error(a: np.ndarray, b: np.ndarray, floor: float = 1e-12) -> np.ndarray:
    """|a - b| / max(|b|, floor) elementwise (b is the reference)."""
    return np.abs(a - b) / np.maximum(np.abs(b), floor)
