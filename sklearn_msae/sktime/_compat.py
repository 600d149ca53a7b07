"""Lets our sktime transformers be steps of a scikit-learn ``Pipeline`` too."""

from __future__ import annotations

from sktime.transformations.base import BaseTransformer


class SklearnStepTransformer(BaseTransformer):
    """An sktime transformer that keeps scikit-learn's callback context through ``fit``
    and refuses, with a ``ValueError``, a list of series that is empty or holds an empty one.

    Since scikit-learn 1.9, a ``Pipeline`` sets ``_parent_callback_ctx`` on each step
    before calling its ``fit`` and deletes it afterwards. sktime's ``fit`` starts with
    ``reset()``, which deletes every attribute that is not a parameter, so the
    pipeline's ``del`` fails with ``AttributeError: ... '_parent_callback_ctx'``. Keeping
    that one attribute through ``reset`` makes the transformer work in both sktime and
    scikit-learn pipelines; every other attribute is reset as sktime intends.

    sktime's input check reads ``X[0]`` of a list before anything else sees it, so
    ``fit([])`` would raise an ``IndexError`` from inside sktime, and its conversion drops a
    series of no time points from a list silently; ``fit`` and ``transform`` refuse both
    first (``fit_transform`` calls both).
    """

    def fit(self, X, y=None):
        """Fit the transformer to ``X`` (sktime's ``fit``; an empty list, or empty series, refused first).

        Parameters
        ----------
        X : sktime Panel (numpy3D, pd-multiindex, df-list, ...)
            The series to fit on.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.

        Examples
        --------
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae.sktime import HiMAETransformer
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> HiMAETransformer(size="tiny", max_epochs=1, random_state=0).fit(X[:8]).is_fitted
        True
        >>> HiMAETransformer(size="tiny").fit([])
        Traceback (most recent call last):
        ...
        ValueError: X is an empty list: a panel needs at least one series
        """
        _check_series_list(X)
        return super().fit(X, y)

    def transform(self, X, y=None):
        """Transform ``X`` (sktime's ``transform``; an empty list, or empty series, refused first).

        Parameters
        ----------
        X : sktime Panel (numpy3D, pd-multiindex, df-list, ...)
            The series to transform.
        y : None
            Ignored.

        Returns
        -------
        Xt : pandas.DataFrame or sktime Panel
            One row of features per series (the embedders), or ``X`` with its gaps
            filled (`MAEImputerTransformer`).

        Examples
        --------
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae.sktime import HiMAETransformer
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> adapter = HiMAETransformer(size="tiny", max_epochs=1, random_state=0).fit(X[:8])
        >>> adapter.transform(X[:3]).shape[0]
        3
        """
        _check_series_list(X)
        return super().transform(X, y)

    def reset(self):
        """Reset to the post-init state, keeping scikit-learn's pipeline callback context.

        Returns
        -------
        self : object
            The transformer with its parameters and config, fitted state deleted.

        Examples
        --------
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae.sktime import HiMAETransformer
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> adapter = HiMAETransformer(size="tiny", max_epochs=1, random_state=0).fit(X[:8])
        >>> adapter.reset().is_fitted
        False
        """
        parent_context = self.__dict__.get("_parent_callback_ctx")
        super().reset()
        if parent_context is not None:
            self._parent_callback_ctx = parent_context
        return self


def _check_series_list(X) -> None:
    """Refuse a list that is empty or holds a series of no time points: sktime reads ``X[0]``
    of a list first (``IndexError``) and drops an empty series in its conversion silently."""
    if not isinstance(X, list):
        return
    if not X:
        raise ValueError("X is an empty list: a panel needs at least one series")
    empty = [i for i, series in enumerate(X) if hasattr(series, "__len__") and len(series) == 0]
    if empty:
        raise ValueError(
            f"{len(empty)} series of X have no time points, e.g. series {empty[:5]}; drop them before calling the "
            "transformer (sktime's conversion would drop them silently)"
        )
