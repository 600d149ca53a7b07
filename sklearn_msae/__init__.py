"""sklearn-msae: scikit-learn masked-autoencoder embedders for time series."""

from ._panel import Panel, to_panel
from .himae import HiMAEEmbedder

__version__ = "0.1.0.dev0"

__all__ = ["HiMAEEmbedder", "Panel", "to_panel", "__version__"]
