"""Inspection tools: which resolution (encoder level) carries a task's signal."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import check_cv
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

from ._panel import n_series, take_series


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
    >>> profile.groupby("layer")["n_features"].first().tolist()
    [8, 16, 32, 64]
    """
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)) if probe is None else probe
    y = np.asarray(y)
    splits = list(check_cv(cv, y, classifier=is_classifier(probe)).split(np.zeros((n_series(X), 1)), y))
    if layers is None:
        if not hasattr(embedder, "n_levels"):
            raise ValueError(f"layers must be given: {type(embedder).__name__} has no n_levels to enumerate")
        layers = range(1, embedder.n_levels + 1)
    layers = list(layers)
    rows = []
    with tqdm(total=len(splits) * len(layers), disable=not verbose, desc="resolution profile") as progress:
        for fold, (train, test) in enumerate(splits):
            fitted = clone(embedder).fit(take_series(X, train))
            for layer in layers:
                fitted.set_params(layer=layer)
                Z_train, Z_test = fitted.transform(take_series(X, train)), fitted.transform(take_series(X, test))
                score = clone(probe).fit(Z_train, y[train]).score(Z_test, y[test])
                rows.append({"fold": fold, "layer": layer, "n_features": Z_train.shape[1], "score": score})
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
