"""sklearn-msae: scikit-learn masked-autoencoder embedders for time series."""

from ._panel import Panel, to_panel
from .aim import AIMEmbedder
from .finetune import MAEClassifier, MAERegressor
from .himae import HiMAEEmbedder
from .impute import MAEImputer
from .romae import RoMAEEmbedder

__version__ = "0.1.0.dev0"

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
