"""Virtual patients: parameter variability and (later) covariates and plausible-patient selection."""

from .sampling import patient_rng, sample_parameters

__all__ = ["patient_rng", "sample_parameters"]
