"""`AIMTransformer`: sktime adapter of `sklearn_msae.AIMEmbedder`."""

from __future__ import annotations

from ..aim import AIMEmbedder
from ._adapter import BaseEmbedderTransformer


class AIMTransformer(BaseEmbedderTransformer):
    """LSM-2 AIM embeddings of incomplete series as an sktime transformer (Series -> Primitives).

    Wraps :class:`sklearn_msae.AIMEmbedder`: ``fit`` pretrains the adaptive and
    inherited masking autoencoder on the panel, ``transform`` returns one row of
    embedding features per instance. NaN values are inherited masks, not imputed;
    series of unequal length are padded with unobserved values. AIM works on the
    sample grid: it reads the values of each series in order and ignores the values of
    the time index, so gaps must be NaN values on the grid (for instance numpy3D from
    `sklearn_msae.datasets.load_uea`) to be seen as gaps; removed rows are not.

    Parameters
    ----------
    {embedder_parameters}

    Attributes
    ----------
    embedder_ : AIMEmbedder
        The fitted embedder.

    See Also
    --------
    sklearn_msae.AIMEmbedder : the wrapped scikit-learn estimator.

    Notes
    -----
    sktime's ``set_params`` resets a fitted transformer, so changing the
    transform-only ``pooling`` refits; set ``memory`` to make the refit load the
    pretrained weights, or call ``embedder_.set_params(pooling=...)`` on the fitted
    embedder.

    Inner formats: numpy3D input is passed on as is; every other panel format
    (pd-multiindex, lists of frames, nested frames) reaches the embedder as
    pd-multiindex, the format that also holds series of unequal length.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_msae.datasets import load_uea
    >>> from sklearn_msae.sktime import AIMTransformer
    >>> X, y = load_uea("BasicMotions", split="train", missing_rate=0.3, random_state=0)
    >>> bool(np.isnan(X).any())
    True
    >>> transformer = AIMTransformer(size="tiny", max_epochs=2, random_state=0)
    >>> transformer.fit_transform(X).shape
    (40, 192)
    """

    _embedder_class = AIMEmbedder

    _tags = {
        # numpy3D first would make sktime convert unequal-length lists to numpy3D and fail
        "X_inner_mtype": ["pd-multiindex", "numpy3D"],
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
        >>> from sklearn_msae.sktime import AIMTransformer
        >>> X, _ = load_uea("BasicMotions", split="train")
        >>> X = X[:10, :, :50]  # a small panel keeps the example fast
        >>> [AIMTransformer(**params).fit_transform(X).shape for params in AIMTransformer.get_test_params()]
        [(10, 192), (10, 48)]
        """
        fast = {"batch_size": 16, "random_state": 0}
        return [
            {"size": "tiny", "patch_size": 2, "max_epochs": 1, **fast},
            {
                "embed_dim": 8,
                "depth": 1,
                "num_heads": 2,
                "decoder_embed_dim": 8,
                "decoder_depth": 1,
                "decoder_num_heads": 2,
                "patch_size": 3,
                "pooling": "channel",
                "max_epochs": 2,
                **fast,
            },
        ]
