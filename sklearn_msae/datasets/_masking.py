"""Masking tasks: hide values of a panel to score imputation (HiMAE's generative tasks)."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_masking_task"]

_MASKING_KINDS = ("random", "interpolation", "extrapolation")


def make_masking_task(X, kind="random", rate=0.3, random_state=None):
    """Hide values of ``X`` to score imputation: HiMAE's three generative tasks.

    Follows the generative evaluation of Lee et al. (2026), "HiMAE": a fraction ``rate``
    of each series is hidden (set to NaN), a model fills it in from the values left,
    and its error is measured on the hidden values only. Three kinds of holes:

    - ``"random"`` (random imputation): ``int(rate * n_i)`` of the ``n_i`` observed
      values of series ``i`` (channels x time steps), uniformly without replacement,
      independently per series;
    - ``"interpolation"`` (temporal interpolation): one contiguous block of
      ``int(rate * T_i)`` time steps, in every channel, strictly inside the series
      (at least one time step before and after it), at a start drawn uniformly;
    - ``"extrapolation"`` (temporal extrapolation, forecasting): the last
      ``int(rate * T_i)`` time steps, in every channel.

    ``T_i`` is the length of series ``i``: up to its last time step with an observed
    value, so NaN padding at the end (unequal lengths, as from `load_uea`) is not part
    of it. Values already NaN in ``X`` stay NaN and are never scored.

    Parameters
    ----------
    X : ndarray of shape (n_series, n_channels, n_timepoints)
        The complete (or partly observed, NaN = unobserved) series.
    kind : {"random", "interpolation", "extrapolation"}, default="random"
        Which values to hide, see above.
    rate : float in (0, 1), default=0.3
        Fraction of each series to hide: of its observed values (``"random"``) or of
        its time steps (``"interpolation"``, ``"extrapolation"``).
    random_state : int, RandomState instance or None, default=None
        Draws the hidden values (``"random"``) or the block starts
        (``"interpolation"``); ``"extrapolation"`` draws nothing. An int gives the same
        holes at every call.

    Returns
    -------
    X_masked : ndarray of shape (n_series, n_channels, n_timepoints)
        ``X`` with the hidden values set to NaN: the input of the imputer.
    X_true : ndarray of shape (n_series, n_channels, n_timepoints)
        The true values where hidden, NaN everywhere else: ``~np.isnan(X_true)`` is
        the mask of the values to score. Both arrays have ``X``'s float dtype
        (float64 for integer input).

    Raises
    ------
    ValueError
        If ``kind`` or ``rate`` is invalid, ``X`` is not a non-empty 3-D numeric array,
        a series has no observed value, or (``"interpolation"``) a series is too short
        for an interior block of that rate.

    See Also
    --------
    sklearn_msae.MAEImputer : fills the hidden values with a masked autoencoder.
    sklearn_msae.inspection.plot_reconstruction : plots a task and its reconstruction.

    References
    ----------
    S. A. Lee et al., "HiMAE: Hierarchical Masked Autoencoders Discover
    Resolution-Specific Structure in Wearable Time Series", ICLR 2026.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_msae.datasets import make_masking_task
    >>> X = np.arange(20.0).reshape(2, 1, 10)
    >>> X_masked, X_true = make_masking_task(X, kind="extrapolation", rate=0.3)
    >>> X_masked[0, 0]
    array([ 0.,  1.,  2.,  3.,  4.,  5.,  6., nan, nan, nan])
    >>> X_true[0, 0]
    array([nan, nan, nan, nan, nan, nan, nan,  7.,  8.,  9.])

    Score an imputation on the hidden values only:

    >>> X_masked, X_true = make_masking_task(X, kind="random", rate=0.5, random_state=0)
    >>> hidden = ~np.isnan(X_true)
    >>> int(hidden.sum()), int(np.isnan(X_masked).sum())
    (10, 10)
    >>> X_masked[1, 0]
    array([10., nan, nan, 13., nan, nan, nan, 17., 18., 19.])
    >>> X_filled = np.where(np.isnan(X_masked), np.nanmean(X_masked, axis=2, keepdims=True), X_masked)
    >>> float(np.mean((X_filled[hidden] - X_true[hidden]) ** 2))  # per-series mean imputation
    7.88
    """
    if not isinstance(kind, str) or kind not in _MASKING_KINDS:
        raise ValueError(f"kind must be one of {list(_MASKING_KINDS)}; got {kind!r}")
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 < rate < 1:
        raise ValueError(f"rate must be a float in (0, 1), the fraction of each series to hide; got {rate!r}")
    X = _masking_input(X)
    rng = check_random_state(random_state)
    observed = ~np.isnan(X)
    n_series, _, n_timepoints = X.shape

    if kind == "random":
        available = observed.reshape(n_series, -1)
        n_hide = (rate * available.sum(axis=1)).astype(np.int64)
        keys = rng.random_sample(available.shape)
        keys[~available] = 2.0  # unobserved values are never drawn
        ranks = np.argsort(np.argsort(keys, axis=1, kind="stable"), axis=1, kind="stable")
        hidden = (ranks < n_hide[:, None]).reshape(X.shape)
    else:
        lengths = n_timepoints - np.argmax(observed.any(axis=1)[:, ::-1], axis=1)  # up to the last observed step
        widths = (rate * lengths).astype(np.int64)
        if kind == "interpolation":
            too_short = widths > lengths - 2
            if too_short.any():
                i = int(np.flatnonzero(too_short)[0])
                raise ValueError(
                    f"series {i} of X (length {lengths[i]}) is too short for an interior block of rate={rate}: "
                    f"{widths[i]} hidden steps need one step before and one after; lower rate"
                )
            starts = rng.randint(1, lengths - widths)  # high exclusive: the block ends before the last step
        else:
            starts = lengths - widths
        steps = np.arange(n_timepoints)[None, :]
        in_block = (steps >= starts[:, None]) & (steps < (starts + widths)[:, None])  # (n, T)
        hidden = np.broadcast_to(in_block[:, None, :], X.shape)

    X_masked = np.where(hidden, np.nan, X)
    X_true = np.where(hidden & observed, X, np.nan)
    return X_masked, X_true


def _masking_input(X) -> np.ndarray:
    """``X`` of `make_masking_task` as a float array, validated."""
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(
            f"X must be a 3-D array (n_series, n_channels, n_timepoints); got shape {X.shape}. "
            "Univariate series of shape (n_series, n_timepoints) become 3-D with X[:, None, :]."
        )
    if X.dtype.kind not in "iuf":
        raise ValueError(f"X must hold real numbers (NaN = unobserved); got dtype {X.dtype}")
    if X.size == 0:
        raise ValueError(f"X is empty (shape {X.shape}); it needs at least one series, channel and time step")
    X = X if X.dtype.kind == "f" else X.astype(np.float64)
    no_value = np.isnan(X).all(axis=(1, 2))
    if no_value.any():
        raise ValueError(
            f"{int(no_value.sum())} series of X have no observed value (all NaN), e.g. series "
            f"{np.flatnonzero(no_value)[:5].tolist()}; nothing can be hidden in them"
        )
    return X
