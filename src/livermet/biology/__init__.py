"""The models of livermet. `MODELS` maps a name usable on the command line to a model factory."""

from .liver import liver_metastasis_model
from .reference import reference_model

MODELS = {"reference": reference_model, "liver": liver_metastasis_model}


def get_model(name: str):
    try:
        return MODELS[name]()
    except KeyError:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(sorted(MODELS))}") from None


__all__ = ["MODELS", "get_model", "liver_metastasis_model", "reference_model"]
