"""`MAEImputerTransformer`: sktime twin of `sklearn_msae.MAEImputer`."""

from __future__ import annotations

from numbers import Integral

from sklearn.base import clone

from ..himae import HiMAEEmbedder
from ..romae import RoMAEEmbedder
from ._compat import SklearnStepTransformer


class MAEImputerTransformer(SklearnStepTransformer):
    """Impute missing values of time series with a masked autoencoder (sktime, Series -> Series).

    The sktime twin of :class:`sklearn_msae.MAEImputer`: ``fit`` pretrains a clone of
    ``embedder`` on the panel, ``transform`` returns the panel with every NaN replaced
    by the network's reconstruction and every observed value unchanged, on the same
    time index (rows, instances, columns and lengths are kept). Use it in front of an
    sktime estimator that does not accept missing values.

    Parameters
    ----------
    embedder : estimator with ``fit`` and ``reconstruct``
        An unfitted embedder of this library (:class:`~sklearn_msae.HiMAEEmbedder`,
        :class:`~sklearn_msae.AIMEmbedder` or :class:`~sklearn_msae.RoMAEEmbedder`);
        it is cloned in ``fit``, never modified. Its ``random_state`` makes the
        imputation reproducible.

    Attributes
    ----------
    embedder_ : estimator
        The fitted clone of ``embedder``.

    See Also
    --------
    sklearn_msae.MAEImputer : the same imputer as a scikit-learn transformer.

    Notes
    -----
    What the network sees depends on the embedder: HiMAE and AIM work on the sample
    grid (gaps are NaN values on it; removed rows are not seen as gaps, and the values
    of the time index are ignored), RoMAE uses the time stamps themselves.

    Composition (tested with sktime 1.2.0 and scikit-learn 1.9.1): sktime pipelines
    such as ``MAEImputerTransformer(embedder) * MiniRocketMultivariate() *
    RidgeClassifierCV()`` work, and so does a scikit-learn ``Pipeline`` with this
    transformer as a step. A scikit-learn ``Pipeline`` that contains one of sktime's own
    estimators fails in ``fit`` with these versions (``AttributeError: ... has no
    attribute '_parent_callback_ctx'``: scikit-learn 1.9 pipelines attach that callback
    context to each step, and sktime's ``fit`` resets the estimator, deleting it; ours
    keep it), so use sktime pipelines around sktime's estimators.

    Inner formats: numpy3D input is passed on as is; every other panel format reaches
    the embedder as pd-multiindex, the format that also holds series of unequal length.
    A single series is imputed as a panel of one instance.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import RidgeClassifierCV
    >>> from sktime.transformations.panel.rocket import MiniRocketMultivariate
    >>> from sklearn_msae import HiMAEEmbedder
    >>> from sklearn_msae.datasets import load_uea
    >>> from sklearn_msae.sktime import MAEImputerTransformer
    >>> X, y = load_uea("BasicMotions", split="train", return_type="pd-multiindex")
    >>> X_gappy = X.mask(np.random.default_rng(0).random(X.shape) < 0.3)  # 30 % NaN
    >>> imputer = MAEImputerTransformer(HiMAEEmbedder(size="tiny", max_epochs=2, random_state=0))
    >>> X_filled = imputer.fit_transform(X_gappy)
    >>> X_filled.index.equals(X.index), bool(X_filled.isna().any().any())
    (True, False)

    MiniRocket needs complete series; the imputer in front provides them:

    >>> classifier = imputer * MiniRocketMultivariate(random_state=0) * RidgeClassifierCV()
    >>> classifier.fit(X_gappy, y).predict(X_gappy).shape
    (40,)
    """

    _tags = {
        "authors": "sklearn-msae developers",
        "maintainers": "sklearn-msae developers",
        "python_dependencies": ["torch", "skorch"],
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Series",
        "scitype:instancewise": False,  # fit pretrains (and scales) on all instances together
        # numpy3D first would make sktime convert unequal-length lists to numpy3D and fail
        "X_inner_mtype": ["pd-multiindex", "numpy3D"],
        "y_inner_mtype": "None",
        "requires_y": False,
        "fit_is_empty": False,
        "transform-returns-same-time-index": True,
        "capability:multivariate": True,
        "capability:missing_values": True,
        "capability:missing_values:removes": True,  # every NaN is filled
        "capability:unequal_length": True,
        "capability:unequal_length:removes": False,  # each series keeps its length
        "capability:categorical_in_X": False,  # the networks need numbers
        "capability:inverse_transform": False,
        # the seed is the embedder's (no random_state parameter here); see __init__
        "capability:random_state": False,
        "property:randomness": "stochastic",
    }

    def __init__(self, embedder):
        self.embedder = embedder
        super().__init__()
        if isinstance(getattr(embedder, "random_state", None), Integral):
            # a seeded embedder pretrains the same network at every fit
            self.set_tags(**{"property:randomness": "deterministic"})

    def _fit(self, X, y=None):
        """Pretrain a clone of ``embedder`` on ``X``.

        Parameters
        ----------
        X : numpy3D array or pd-multiindex DataFrame
            Training panel, in one of the ``X_inner_mtype`` formats.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self.embedder_ = clone(self.embedder).fit(X)
        return self

    def _transform(self, X, y=None):
        """Fill every NaN of ``X`` with the fitted network's reconstruction.

        Parameters
        ----------
        X : numpy3D array or pd-multiindex DataFrame
            Panel to impute, in one of the ``X_inner_mtype`` formats.
        y : None
            Ignored.

        Returns
        -------
        X_filled : same type as ``X``
            ``X`` without NaN: same shape, or same index and columns.
        """
        return self.embedder_.reconstruct(X)

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
            Constructor arguments, one dict per test instance: a grid-based embedder
            (HiMAE) and one that reads the time stamps (RoMAE).

        Examples
        --------
        >>> from sklearn_msae.datasets import load_uea
        >>> from sklearn_msae.sktime import MAEImputerTransformer
        >>> X, _ = load_uea("BasicMotions", split="train")
        >>> X = X[:10, :, :50]  # a small panel keeps the example fast
        >>> [
        ...     MAEImputerTransformer(**params).fit_transform(X).shape
        ...     for params in MAEImputerTransformer.get_test_params()
        ... ]
        [(10, 6, 50), (10, 6, 50)]
        """
        fast = {"batch_size": 16, "random_state": 0}
        return [
            {"embedder": HiMAEEmbedder(channels=(4, 8), patch_size=1, max_epochs=1, **fast)},
            {
                "embedder": RoMAEEmbedder(
                    embed_dim=16, depth=1, num_heads=2, decoder_embed_dim=16, decoder_depth=1,
                    decoder_num_heads=2, max_epochs=2, **fast,
                )
            },
        ]
