"""`MAEImputer`: fill the missing values of time series with a masked autoencoder."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

__all__ = ["MAEImputer"]


class MAEImputer(TransformerMixin, BaseEstimator):
    """Impute missing values (NaN) of time series with a masked-autoencoder embedder.

    The embedders of this library are pretrained to reconstruct hidden parts of each
    series from the rest; this transformer uses that generative skill for imputation.
    ``fit`` pretrains a clone of ``embedder`` on the (possibly gappy) training series;
    ``transform`` returns the series with every NaN replaced by the network's
    reconstruction, computed from the observed values of the same series. Observed
    values are returned unchanged, bit for bit.

    The output has the format of the input: a numpy array keeps its shape and float
    dtype (integer input becomes float64), a pandas ``DataFrame`` keeps its index and
    columns (a ``(instance, time)`` MultiIndex frame included), a list of series of
    unequal lengths or of pandas objects stays such a list (other lists, nested lists
    included, become an ndarray, as in every scikit-learn transformer). 2-D input ``(n_series, n_timepoints)`` is
    univariate series, one column per time point, handled as the embedders handle it
    (the column count, and the column names of a DataFrame, must match those seen in
    ``fit``).

    Parameters
    ----------
    embedder : estimator with ``fit`` and ``reconstruct``
        An embedder of this library (:class:`~sklearn_msae.HiMAEEmbedder`,
        :class:`~sklearn_msae.AIMEmbedder` or :class:`~sklearn_msae.RoMAEEmbedder`),
        or any estimator whose ``reconstruct(X)`` returns ``X`` with its NaNs filled.
        It is cloned in ``fit``, never modified.

    Attributes
    ----------
    embedder_ : estimator
        The fitted clone of ``embedder``.
    n_features_in_ : int
        Number of columns seen in ``fit``; defined only for 2-D input.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in ``fit``; defined only for a 2-D DataFrame with string
        column names.

    See Also
    --------
    sklearn_msae.sktime.MAEImputerTransformer : the same imputer as an sktime
        transformer, for sktime pipelines.
    sklearn_msae.datasets.make_masking_task : hide values to score an imputer.
    sklearn_msae.inspection.plot_reconstruction : observed, hidden and imputed values.

    Notes
    -----
    How the network sees the gaps depends on the embedder: HiMAE zero-fills NaNs on
    its sample grid, AIM masks the tokens that hold them, RoMAE drops them and queries
    its decoder at their time stamps (see each class).

    Composition. In a scikit-learn :class:`~sklearn.pipeline.Pipeline` the imputer can
    be followed by any scikit-learn estimator, for instance another embedder, or, for
    2-D input, a classifier directly. In sktime, use
    :class:`~sklearn_msae.sktime.MAEImputerTransformer` instead, e.g.
    ``MAEImputerTransformer(embedder) * MiniRocketMultivariate() * RidgeClassifierCV()``.
    Tested with scikit-learn 1.9.1 and sktime 1.2.0: this imputer works in scikit-learn
    pipelines, its sktime twin in sktime pipelines and in scikit-learn pipelines too. A
    scikit-learn ``Pipeline`` that contains one of sktime's own estimators (such as
    ``MiniRocketMultivariate``) fails in ``fit`` with ``AttributeError: ... has no
    attribute '_parent_callback_ctx'``: scikit-learn 1.9 pipelines attach that callback
    context to each step, and sktime's ``fit`` resets the estimator, deleting it (our
    sktime transformers keep it).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_msae import HiMAEEmbedder, MAEImputer
    >>> from sklearn_msae.datasets import load_uea, make_masking_task
    >>> X, y = load_uea("BasicMotions", split="train")
    >>> X_masked, X_true = make_masking_task(X, kind="random", rate=0.3, random_state=0)
    >>> imputer = MAEImputer(HiMAEEmbedder(size="tiny", max_epochs=2, random_state=0))
    >>> X_filled = imputer.fit_transform(X_masked)
    >>> X_filled.shape, bool(np.isnan(X_filled).any())
    ((40, 6, 100), False)

    Observed values come back unchanged; only the hidden ones are imputed:

    >>> observed, hidden = ~np.isnan(X_masked), ~np.isnan(X_true)
    >>> bool(np.array_equal(X_filled[observed], X_masked[observed]))
    True
    >>> float(np.mean((X_filled[hidden] - X_true[hidden]) ** 2)) > 0
    True
    """

    _parameter_constraints: dict = {
        "embedder": [HasMethods(["fit", "reconstruct"])],
    }

    def __init__(self, embedder):
        self.embedder = embedder

    # the embedder's own parameters are validated by its own fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Pretrain a clone of ``embedder`` on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_series, n_channels, n_timepoints) or (n_series, n_timepoints), \
                DataFrame or list of series
            Training series; NaN marks unobserved values. Any format accepted by
            :func:`sklearn_msae.to_panel`.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted imputer.

        Examples
        --------
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import HiMAEEmbedder, MAEImputer
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0)
        >>> imputer = MAEImputer(embedder).fit(X)
        >>> imputer.embedder_.n_channels_, hasattr(embedder, "net_")  # a fitted clone; embedder is untouched
        (6, False)
        """
        self.embedder_ = clone(self.embedder).fit(X)
        return self

    def transform(self, X):
        """Fill every NaN of ``X`` with the fitted network's reconstruction.

        Parameters
        ----------
        X : array-like, DataFrame or list of series
            Series in any format accepted by ``fit``, with the same number of channels
            (and, for 2-D input, the same columns).

        Returns
        -------
        X_filled : ndarray, DataFrame or list of series
            ``X`` without NaN, every observed value unchanged, in ``X``'s format: an
            array of ``X``'s shape and float dtype, a DataFrame with ``X``'s index and
            columns, or a list of series like ``X``'s. A list of equal-length series
            that holds no pandas objects (such as nested lists, scikit-learn's
            array-like) gives an ndarray of shape ``(n_series, ...)``, as every
            scikit-learn transformer does.

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import HiMAEEmbedder, MAEImputer
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> X = pd.DataFrame(X[:, 0], columns=[f"t{i}" for i in range(100)])  # univariate: a column per step
        >>> X.iloc[:, 40:60] = np.nan
        >>> imputer = MAEImputer(HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0)).fit(X)
        >>> X_filled = imputer.transform(X)
        >>> type(X_filled).__name__, int(X_filled.isna().sum().sum())
        ('DataFrame', 0)
        >>> X_filled.iloc[:, :40].equals(X.iloc[:, :40])  # observed values unchanged
        True
        """
        check_is_fitted(self)
        X_filled = self.embedder_.reconstruct(X)
        if isinstance(X, (list, tuple)) and _stackable(X_filled):
            return np.stack(X_filled)
        return X_filled

    def get_feature_names_out(self, input_features=None):
        """Output column names for 2-D input: the input's own, one per time point.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input column names; ``None`` uses ``feature_names_in_`` if defined, else
            ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The input column names, unchanged (imputation keeps every column).

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import HiMAEEmbedder, MAEImputer
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> X = pd.DataFrame(X[:, 0], columns=[f"t{i}" for i in range(100)])  # univariate: a column per step
        >>> X.iloc[:, 40:60] = np.nan
        >>> imputer = MAEImputer(HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0)).fit(X)
        >>> imputer.get_feature_names_out()[:3].tolist()
        ['t0', 't1', 't2']
        """
        check_is_fitted(self)
        if not hasattr(self, "n_features_in_"):
            raise ValueError(
                "feature names exist only for 2-D input (one column per time point); this imputer was fitted "
                "on 3-D arrays, frames or lists of series, whose output keeps the input's own layout"
            )
        return _check_feature_names_in(self, input_features)

    @property
    def n_features_in_(self):
        """Number of columns seen in ``fit``; only for 2-D input.

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import HiMAEEmbedder, MAEImputer
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> X = pd.DataFrame(X[:, 0], columns=[f"t{i}" for i in range(100)])  # univariate: a column per step
        >>> X.iloc[:, 40:60] = np.nan
        >>> imputer = MAEImputer(HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0)).fit(X)
        >>> imputer.n_features_in_
        100
        """
        return self.embedder_.n_features_in_  # AttributeError when unfitted or fitted on 3-D input

    @property
    def feature_names_in_(self):
        """Column names seen in ``fit``; only for a 2-D DataFrame with string column names.

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import HiMAEEmbedder, MAEImputer
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> X = pd.DataFrame(X[:, 0], columns=[f"t{i}" for i in range(100)])  # univariate: a column per step
        >>> X.iloc[:, 40:60] = np.nan
        >>> imputer = MAEImputer(HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0)).fit(X)
        >>> imputer.feature_names_in_[:3].tolist()
        ['t0', 't1', 't2']
        """
        return self.embedder_.feature_names_in_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        embedder_tags = get_tags(self.embedder)
        tags.input_tags.allow_nan = embedder_tags.input_tags.allow_nan
        tags.input_tags.three_d_array = embedder_tags.input_tags.three_d_array
        tags.input_tags.sparse = embedder_tags.input_tags.sparse
        tags.non_deterministic = embedder_tags.non_deterministic
        # the filled output keeps the input's float dtype
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _stackable(series: list | tuple) -> bool:
    """Whether a list of filled series is an array in disguise: no pandas objects, one common shape."""
    return not any(isinstance(item, (pd.Series, pd.DataFrame)) for item in series) and len(
        {np.shape(item) for item in series}
    ) == 1
