"""The models of livermet. `MODELS` maps a name usable on the command line to a model factory."""

from .reference import reference_model

MODELS = {"reference": reference_model}


def get_model(name: str):
    try:
        return MODELS[name]()
    except KeyError:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(sorted(MODELS))}") from None


__all__ = ["MODELS", "get_model", "reference_model"]
