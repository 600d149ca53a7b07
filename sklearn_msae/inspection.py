"""Inspection tools: which resolution (encoder level) carries a task's signal; how gaps are filled."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import check_cv
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

from ._panel import n_series, take_series

logger = logging.getLogger(__name__)


def resolution_profile(embedder, X, y, *, probe=None, cv=None, layers=None, verbose=False):
    """Probe every encoder level of ``embedder`` with one pretraining per fold.

    For each split of ``cv`` the embedder is fitted once on the training series; then,
    for each layer, only the transform-only parameter ``layer`` changes, the probe is
    fitted on the training embeddings and scored on the test embeddings.

    Parameters
    ----------
    embedder : estimator with a ``layer`` parameter
        An unfitted embedder, e.g. :class:`~sklearn_msae.HiMAEEmbedder`; it is cloned.
    X : array-like, DataFrame or list of series
        Series in any format the embedder accepts.
    y : array-like of shape (n_series,)
        Targets of the probe.
    probe : estimator, default=None
        Supervised estimator fitted on the embeddings; its ``score`` is reported.
        Default: ``StandardScaler`` + ``LogisticRegression(max_iter=1000)``.
    cv : int, cross-validation generator or iterable of (train, test), default=None
        Splits, as in :func:`sklearn.model_selection.cross_validate` (default 5-fold,
        stratified for a classifier probe). Pass ``[(train_idx, test_idx)]`` for one
        official split.
    layers : sequence, default=None
        Values of ``layer`` to probe; default ``1 .. embedder.n_levels``.
    verbose : bool, default=False
        Show a progress bar over folds and layers.

    Returns
    -------
    profile : DataFrame
        One row per (fold, layer) with columns ``fold``, ``layer``, ``n_features`` and
        ``score``.

    Examples
    --------
    >>> from sktime.datasets import load_basic_motions
    >>> from sklearn_msae import HiMAEEmbedder
    >>> from sklearn_msae.inspection import resolution_profile
    >>> X, y = load_basic_motions(split="train", return_type="numpy3D")
    >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=2, random_state=0)
    >>> profile = resolution_profile(embedder, X, y, cv=2)
    >>> profile.groupby("layer")["n_features"].first().tolist()  # the encoder's and the decoder's, none at the bottleneck
    [16, 32, 64, 64]
    """
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)) if probe is None else probe
    y = np.asarray(y)
    splits = list(check_cv(cv, y, classifier=is_classifier(probe)).split(np.zeros((n_series(X), 1)), y))
    if layers is not None:
        layers = list(layers)
    elif not hasattr(type(embedder), "n_levels"):
        raise ValueError(f"layers must be given: {type(embedder).__name__} has no n_levels to enumerate")
    rows = []
    total = None if layers is None else len(splits) * len(layers)
    with tqdm(total=total, disable=not verbose, desc="resolution profile") as progress:
        for fold, (train, test) in enumerate(splits):
            fitted = clone(embedder).fit(take_series(X, train))
            if layers is None:  # known once fitted: size="auto" sets the depth from the series' length
                layers = list(range(1, fitted.n_levels + 1))
                progress.total = len(splits) * len(layers)
            for layer in layers:
                fitted.set_params(layer=layer)
                Z_train, Z_test = fitted.transform(take_series(X, train)), fitted.transform(take_series(X, test))
                score = clone(probe).fit(Z_train, y[train]).score(Z_test, y[test])
                rows.append({"fold": fold, "layer": layer, "n_features": Z_train.shape[1], "score": score})
                logger.info("fold %d, layer %s: %d features, probe score %.3f", fold, layer, Z_train.shape[1], score)
                progress.update()
    return pd.DataFrame(rows)


def plot_resolution_profile(profile, ax=None, label=None):
    """Plot mean +- std of the probe score per layer (needs matplotlib: extra ``plot``).

    Parameters
    ----------
    profile : DataFrame
        Output of :func:`resolution_profile`.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure when None.
    label : str, default=None
        Legend label of the curve.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on: one point per layer, with the standard deviation over
        folds as error bars.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_msae.inspection import plot_resolution_profile
    >>> profile = pd.DataFrame({"fold": [0, 0, 1, 1], "layer": [1, 2, 1, 2], "score": [0.8, 0.9, 0.7, 0.95]})
    >>> plot_resolution_profile(profile).get_xlabel()
    'encoder level (layer)'
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plot_resolution_profile needs matplotlib: pip install 'sklearn-msae[plot]'") from exc
    summary = profile.groupby("layer", sort=False)["score"].agg(["mean", "std"]).fillna(0.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    positions = np.arange(len(summary))
    ax.errorbar(positions, summary["mean"].to_numpy(), yerr=summary["std"].to_numpy(), marker="o", capsize=3, label=label)
    ax.set_xticks(positions, [str(layer) for layer in summary.index])
    ax.set_xlabel("encoder level (layer)")
    ax.set_ylabel("probe score")
    if label is not None:
        ax.legend()
    return ax


def plot_reconstruction(embedder, X_masked, X_true, *, series=None, channels=None, ax=None):
    """Plot observed values, hidden truth and reconstruction of a few series (needs matplotlib).

    One panel per (series, channel): the observed values of ``X_masked`` (a black
    line), the true values that were hidden (blue circles, from ``X_true``) and the
    embedder's reconstruction at every unobserved time step (red crosses). Each
    panel's title gives the MSE on its hidden values.

    Parameters
    ----------
    embedder : fitted estimator with ``reconstruct``
        A fitted embedder of this library, e.g. :class:`~sklearn_msae.HiMAEEmbedder`
        (for a fitted :class:`~sklearn_msae.MAEImputer`, pass its ``embedder_``).
    X_masked : ndarray of shape (n_series, n_channels, n_timepoints)
        Series with NaN where values are hidden (or missing), as returned by
        :func:`~sklearn_msae.datasets.make_masking_task`.
    X_true : ndarray of shape (n_series, n_channels, n_timepoints)
        The true values where hidden and NaN elsewhere (the second output of
        :func:`~sklearn_msae.datasets.make_masking_task`).
    series : int or sequence of int, default=None
        Series to plot, one row of panels each; ``None``: the first three.
    channels : int or sequence of int, default=None
        Channels to plot, one column of panels each; ``None``: every channel.
    ax : matplotlib Axes or array-like of Axes, default=None
        Axes to draw on, ``len(series) * len(channels)`` of them (row-major: series,
        then channel); a new figure when None.

    Returns
    -------
    axes : ndarray of matplotlib Axes of shape (n_plotted_series, n_plotted_channels)
        The panels; ``axes[0, 0].figure`` is the figure.

    Examples
    --------
    >>> from sklearn_msae import HiMAEEmbedder
    >>> from sklearn_msae.datasets import load_uea, make_masking_task
    >>> from sklearn_msae.inspection import plot_reconstruction
    >>> X, y = load_uea("BasicMotions", split="train")
    >>> X_masked, X_true = make_masking_task(X, kind="interpolation", rate=0.3, random_state=0)
    >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=2, random_state=0).fit(X_masked)
    >>> axes = plot_reconstruction(embedder, X_masked, X_true, series=[0, 20], channels=[0, 3])
    >>> axes.shape
    (2, 2)
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plot_reconstruction needs matplotlib: pip install 'sklearn-msae[plot]'") from exc
    X_masked, X_true = np.asarray(X_masked), np.asarray(X_true)
    if X_masked.ndim != 3 or X_masked.shape != X_true.shape:
        raise ValueError(
            "X_masked and X_true must be 3-D arrays (n_series, n_channels, n_timepoints) of the same shape; "
            f"got shapes {X_masked.shape} and {X_true.shape}"
        )
    rows = np.atleast_1d(np.arange(min(3, len(X_masked))) if series is None else np.asarray(series))
    columns = np.atleast_1d(np.arange(X_masked.shape[1]) if channels is None else np.asarray(channels))
    if ax is None:
        _, axes = plt.subplots(
            len(rows), len(columns), figsize=(4 * len(columns), 2.2 * len(rows)), squeeze=False, sharex=True
        )
    else:
        axes = np.asarray(ax, dtype=object)
        if axes.size != len(rows) * len(columns):
            raise ValueError(
                f"ax must hold {len(rows) * len(columns)} Axes ({len(rows)} series x {len(columns)} channels); "
                f"got {axes.size}"
            )
        axes = axes.reshape(len(rows), len(columns))

    filled = np.asarray(embedder.reconstruct(X_masked[rows]))
    # the reconstruction only where the input is unobserved: elsewhere it is the input itself
    imputed = np.where(np.isnan(X_masked[rows]), filled, np.nan)
    steps = np.arange(X_masked.shape[2])
    for row, i in enumerate(rows):
        for column, c in enumerate(columns):
            panel, truth = axes[row, column], X_true[i, c]
            panel.plot(steps, X_masked[i, c], color="black", linewidth=1, label="observed")
            panel.plot(steps, truth, "o", color="tab:blue", markersize=3, fillstyle="none", label="hidden (true)")
            panel.plot(steps, imputed[row, c], "x", color="tab:red", markersize=3, label="reconstruction")
            hidden = ~np.isnan(truth)
            title = f"series {i}, channel {c}"
            if hidden.any():
                title += f": MSE {np.mean((imputed[row, c][hidden] - truth[hidden]) ** 2):.3g}"
            panel.set_title(title, fontsize="small")
    for panel in axes[-1]:
        panel.set_xlabel("time step")
    axes[0, 0].legend(fontsize="x-small")
    return axes
