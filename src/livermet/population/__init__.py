"""Virtual patients: parameter variability, covariates, plausible-patient selection (Allen 2016)."""

from .covariates import PopulationSpec, eligibility_filter, sample_covariates
from .sampling import patient_rng, sample_parameters

__all__ = ["PopulationSpec", "eligibility_filter", "patient_rng", "sample_covariates", "sample_parameters"]
