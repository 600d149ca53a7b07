"""sklearn-msae: scikit-learn masked-autoencoder embedders for time series."""

__version__ = "0.1.0.dev0"
