"""sklearn-msae: scikit-learn masked-autoencoder embedders for time series."""

import importlib
import logging

__version__ = "0.1.0.dev0"

# a library stays silent unless the application configures logging
logging.getLogger(__name__).addHandler(logging.NullHandler())

# The public names, imported from their module on first use (PEP 562): importing the
# package, e.g. for the command line's `--help`, then costs nothing, where torch,
# scikit-learn and skorch take seconds of CPU to import.
_LAZY = {
    "AIMEmbedder": ".aim",
    "HiMAEEmbedder": ".himae",
    "MAEClassifier": ".finetune",
    "MAERegressor": ".finetune",
    "MAEImputer": ".impute",
    "RoMAEEmbedder": ".romae",
    "Panel": "._panel",
    "to_panel": "._panel",
    "list_pretrained": "._pretrained",
}

__all__ = [
    "AIMEmbedder",
    "HiMAEEmbedder",
    "MAEClassifier",
    "MAERegressor",
    "MAEImputer",
    "RoMAEEmbedder",
    "Panel",
    "to_panel",
    "list_pretrained",
    "__version__",
]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted({*globals(), *_LAZY})
