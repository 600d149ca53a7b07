"""sklearn-msae: scikit-learn masked-autoencoder embedders for time series."""

import logging

from ._panel import Panel, to_panel
from .aim import AIMEmbedder
from .finetune import MAEClassifier, MAERegressor
from .himae import HiMAEEmbedder
from .impute import MAEImputer
from .romae import RoMAEEmbedder

__version__ = "0.1.0.dev0"

# a library stays silent unless the application configures logging
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "AIMEmbedder",
    "HiMAEEmbedder",
    "MAEClassifier",
    "MAERegressor",
    "MAEImputer",
    "RoMAEEmbedder",
    "Panel",
    "to_panel",
    "__version__",
]
