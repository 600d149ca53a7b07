"""`RoMAETransformer`: sktime adapter of `sklearn_msae.RoMAEEmbedder`."""

from __future__ import annotations

from ..romae import RoMAEEmbedder
from ._adapter import BaseEmbedderTransformer


class RoMAETransformer(BaseEmbedderTransformer):
    """RoMAE embeddings of irregular series as an sktime transformer (Series -> Primitives).

    Wraps :class:`sklearn_msae.RoMAEEmbedder`: ``fit`` pretrains the rotary masked
    autoencoder on the panel, ``transform`` returns one row of embedding features per
    instance. The network's positions are the real time stamps of the time index
    (integer, float or datetime), so irregular sampling, dropped rows, NaN values and
    unequal lengths are all taken as they are, without imputation.

    Parameters
    ----------
    {embedder_parameters}

    Attributes
    ----------
    embedder_ : RoMAEEmbedder
        The fitted embedder.

    See Also
    --------
    sklearn_msae.RoMAEEmbedder : the wrapped scikit-learn estimator.

    Notes
    -----
    Every input reaches the embedder as a pd-multiindex frame, the sktime format that
    keeps the time stamps (numpy3D input gets the positions ``0..T-1``, its own grid).

    sktime's ``set_params`` resets a fitted transformer, so changing a transform-only
    parameter such as ``layer`` refits; set ``memory`` to make the refit load the
    pretrained weights, or call ``embedder_.set_params(layer=...)`` on the fitted
    embedder.

    Examples
    --------
    Drop 30 % of the time steps of BasicMotions; the remaining rows keep their time
    stamps:

    >>> from sklearn_msae.datasets import load_uea
    >>> from sklearn_msae.sktime import RoMAETransformer
    >>> X, y = load_uea("BasicMotions", split="train", return_type="pd-multiindex",
    ...                 missing_rate=0.3, random_state=0)
    >>> transformer = RoMAETransformer(embed_dim=24, num_heads=2, decoder_embed_dim=24,
    ...                                decoder_num_heads=2, max_epochs=2, random_state=0)
    >>> transformer.fit_transform(X).shape
    (40, 24)
    """

    _embedder_class = RoMAEEmbedder

    _tags = {
        "X_inner_mtype": "pd-multiindex",
    }

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Parameter sets for sktime's tests: tiny transformers, 1-2 epochs.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set; every name gets the same sets.

        Returns
        -------
        params : list of dict
            Constructor arguments, one dict per test instance.

        Examples
        --------
        >>> from sklearn_msae.datasets import load_uea
        >>> from sklearn_msae.sktime import RoMAETransformer
        >>> X, _ = load_uea("BasicMotions", split="train")
        >>> X = X[:10, :, :50]  # a small panel keeps the example fast
        >>> [RoMAETransformer(**params).fit_transform(X).shape for params in RoMAETransformer.get_test_params()]
        [(10, 16), (10, 16)]
        """
        tiny = {
            "embed_dim": 16,
            "depth": 1,
            "num_heads": 2,
            "decoder_embed_dim": 16,
            "decoder_depth": 1,
            "decoder_num_heads": 2,
            "batch_size": 16,
            "random_state": 0,
        }
        return [
            {**tiny, "max_epochs": 1},
            {**tiny, "max_epochs": 2, "pooling": "mean", "tokens": "value", "use_cls": False},
        ]
