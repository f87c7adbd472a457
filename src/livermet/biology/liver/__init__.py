"""The mechanistic model of NSCLC liver metastasis (issue 4).

One module per mechanism family (each a file here): hooks, lesions/growth, lesion immunity, dissemination
and the five phases of liver colonisation, the liver immune microenvironment, systemic immunity,
signalling modifiers and clinical observables. Every process cites the knowledge statements it
implements; every parameter has a value, unit, plausible range and source.

    from livermet.biology.liver import liver_metastasis_model
    m = liver_metastasis_model()
"""

from __future__ import annotations

from ...modeling import Model
from .colonisation import colonisation_module, lesion_detection_module
from .common import MET_SITES, SITES
from .hooks import HOOKS, hooks_module
from .lesion_immunity import lesion_immunity_module
from .lesions import lesions_module
from .liver_immune import liver_immune_module
from .observables import observables_module
from .signalling import MODIFIERS, signalling_module
from .systemic import systemic_module


def liver_metastasis_model(**options) -> Model:
    """Build the NSCLC liver-metastasis model. Options: `name` (model name)."""
    name = options.pop("name", "nsclc_liver_metastasis")
    if options:
        raise TypeError(f"unknown option(s): {', '.join(sorted(options))}")
    m = Model(name, "NSCLC liver metastasis: five-phase liver colonisation, liver immune microenvironment, "
                    "systemic immunity with the liver siphon, lesion observables")
    hooks_module(m)
    signalling_module(m)
    lesions_module(m)
    lesion_immunity_module(m)
    colonisation_module(m)
    liver_immune_module(m)
    systemic_module(m)
    lesion_detection_module(m)
    observables_module(m)
    return m


__all__ = ["HOOKS", "MET_SITES", "MODIFIERS", "SITES", "liver_metastasis_model"]
