"""`HiMAETransformer`: sktime adapter of `sklearn_msae.HiMAEEmbedder`."""

from __future__ import annotations

from ..himae import HiMAEEmbedder
from ._adapter import BaseEmbedderTransformer


class HiMAETransformer(BaseEmbedderTransformer):
    """HiMAE resolution embeddings as an sktime transformer (Series -> Primitives).

    Wraps :class:`sklearn_msae.HiMAEEmbedder`: ``fit`` pretrains the convolutional
    U-Net masked autoencoder on the panel, ``transform`` returns one row of embedding
    features per instance. NaN values are unobserved (zero-filled for the network and
    left out of its loss); series of unequal length are padded with unobserved
    values. HiMAE works on the sample grid: it reads the values of each series in
    order and ignores the values of the time index, so gaps must be NaN values on the
    grid (for instance numpy3D from `sklearn_msae.datasets.load_uea`) to be seen as
    gaps; removed rows are not.

    Parameters
    ----------
    {embedder_parameters}

    Attributes
    ----------
    embedder_ : HiMAEEmbedder
        The fitted embedder.

    See Also
    --------
    sklearn_msae.HiMAEEmbedder : the wrapped scikit-learn estimator.

    Notes
    -----
    sktime's ``set_params`` resets a fitted transformer, so changing a transform-only
    parameter such as ``layer`` refits; set ``memory`` to make the refit load the
    pretrained weights, or call ``embedder_.set_params(layer=...)`` on the fitted
    embedder.

    Inner formats: numpy3D input is passed on as is; every other panel format
    (pd-multiindex, lists of frames, nested frames) reaches the embedder as
    pd-multiindex, the format that also holds series of unequal length.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_msae.datasets import load_uea
    >>> from sklearn_msae.sktime import HiMAETransformer
    >>> X_train, y_train = load_uea("BasicMotions", split="train", return_type="pd-multiindex")
    >>> transformer = HiMAETransformer(size="tiny", max_epochs=2, random_state=0)
    >>> transformer.fit_transform(X_train).shape
    (40, 176)
    >>> classifier = transformer * LogisticRegression(max_iter=1000)
    >>> classifier.fit(X_train, y_train).predict(X_train).shape
    (40,)
    """

    _embedder_class = HiMAEEmbedder

    _tags = {
        # numpy3D first would make sktime convert unequal-length lists to numpy3D and fail
        "X_inner_mtype": ["pd-multiindex", "numpy3D"],
    }

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Parameter sets for sktime's tests: tiny networks, 1-2 epochs.

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
        >>> from sklearn_msae.sktime import HiMAETransformer
        >>> X, _ = load_uea("BasicMotions", split="train")
        >>> X = X[:10, :, :50]  # a small panel keeps the example fast
        >>> [HiMAETransformer(**params).fit_transform(X).shape for params in HiMAETransformer.get_test_params()]
        [(10, 16), (10, 8)]
        """
        fast = {"max_epochs": 1, "batch_size": 16, "random_state": 0}
        return [
            {"channels": (4, 8), "patch_size": 1, **fast},
            {
                "channels": (4,),
                "patch_size": 2,
                "layer": "all",
                "pooling": "meanmax",
                "scaling": "minmax",
                **fast,
                "max_epochs": 2,
            },
        ]
