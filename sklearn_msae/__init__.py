"""sklearn-msae: scikit-learn masked-autoencoder embedders for time series."""

from ._panel import Panel, to_panel
from .himae import HiMAEEmbedder

# AIM export
# RoMAE export

__version__ = "0.1.0.dev0"

__all__ = [
    "HiMAEEmbedder",
    # AIM name
    # RoMAE name
    "Panel",
    "to_panel",
    "__version__",
]
