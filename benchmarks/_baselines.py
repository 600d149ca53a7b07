"""What the benchmarks compare the embedders with, written once: the peers and the probes.

- `interpolate_linear`: each series' channel interpolated linearly along time (the
  baseline's answer to missing values, and the baseline of the imputation benchmarks);
- `minirocket_features`: MiniRocketMultivariate's features of linearly interpolated
  series; `fit_minirocket`: those + StandardScaler + RidgeClassifierCV;
- `fit_ts2vec`: TS2Vec (Yue et al., AAAI 2022) as its authors run it on UEA, from their
  own code (``pip install ts2vec==0.1``, the ``bench`` extra);
- `logistic_probe`, `ridge_probe` (MiniRocket's head), `PROBES`: the classifiers fitted
  on frozen embeddings, a linear one and TS2Vec's SVM.

Imported by the benchmark scripts, which run with ``benchmarks/`` on ``sys.path``.
"""

from __future__ import annotations

import random

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression, RidgeClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

#: TS2Vec's published UEA test accuracies (Yue et al. 2022, "TS2Vec: Towards Universal
#: Representation of Time Series", Table 12, RBF-SVM protocol, default split).
TS2VEC_PUBLISHED = {
    "ArticularyWordRecognition": 0.987, "AtrialFibrillation": 0.200, "BasicMotions": 0.975, "Epilepsy": 0.964,
    "FingerMovements": 0.480, "JapaneseVowels": 0.984, "LSST": 0.537, "Libras": 0.867, "PenDigits": 0.989,
    "RacketSports": 0.855, "StandWalkJump": 0.467,
}


def interpolate_linear(X: np.ndarray, channel_fill: np.ndarray | None = None, times: np.ndarray | None = None) -> np.ndarray:
    """Linear interpolation of each series' channel along time, held constant past its ends.

    ``times`` (T,) places the time steps (None: equally spaced, as
    ``pandas.DataFrame.interpolate(method="linear")``, which runs the same `numpy.interp`).
    A channel with no observed value in a series gets ``channel_fill`` (per channel; 0 when
    None). Interpolated values keep the dtype of ``X``; the result is float64.
    """
    n_channels, n_timepoints = X.shape[1:]
    grid = np.arange(n_timepoints) if times is None else np.asarray(times)
    filled = np.array(X)  # a C-ordered copy in X's dtype: its rows are views
    for row in filled.reshape(-1, n_timepoints):
        missing = np.isnan(row)
        if missing.any() and not missing.all():
            row[missing] = np.interp(grid[missing], grid[~missing], row[~missing])
    fill = np.zeros(n_channels) if channel_fill is None else channel_fill
    return np.where(np.isnan(filled), fill[None, :, None], filled)


#: MiniRocket's kernels span 9 steps: sktime refuses shorter series (PenDigits has 8).
MINIROCKET_MIN_LENGTH = 9


def minirocket_features(X_train: np.ndarray, seed: int):
    """MiniRocketMultivariate (10,000 kernels) fitted on ``X_train``; returns ``features(X)``.

    Where values are missing, each series' channel is interpolated linearly first
    (:func:`interpolate_linear`); a channel with no observed value gets its training mean.
    Series shorter than MiniRocket's kernel are padded at the end with their last value.
    """
    from sktime.transformations.rocket import MiniRocketMultivariate

    channel_mean = np.nanmean(X_train, axis=(0, 2))

    def complete(X):
        filled = interpolate_linear(X, channel_mean)
        short = max(MINIROCKET_MIN_LENGTH - filled.shape[2], 0)
        return np.pad(filled, ((0, 0), (0, 0), (0, short)), mode="edge")

    rocket = MiniRocketMultivariate(random_state=seed).fit(complete(X_train))
    return lambda X: rocket.transform(complete(X))


def fit_minirocket(X_train: np.ndarray, y_train: np.ndarray, seed: int):
    """MiniRocket + standardisation + ridge (the sktime UEA baseline), interpolating gaps first.

    Returns a ``predict(X)`` function.
    """
    features = minirocket_features(X_train, seed)
    ridge = ridge_probe().fit(features(X_train), y_train)
    return lambda X: ridge.predict(features(X))


def ridge_probe():
    """MiniRocket's classifier head, unfitted: StandardScaler + RidgeClassifierCV over its alphas."""
    return make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)))


def fit_ts2vec(X_train: np.ndarray, seed: int, n_iters: int | None = None):
    """TS2Vec pretrained on ``X_train`` with its authors' UEA settings; returns ``encode(X)``.

    As the authors' ``train.py --loader UEA``: each channel standardised over the training
    split (``datautils.load_UEA``), batch size 8, lr 1e-3, 320 output dimensions,
    ``max_train_length`` 3000, their default iteration count (200, or 600 above 100,000
    values; ``n_iters`` overrides it), and instance embeddings by max-pooling the whole series
    (``encoding_window="full_series"``, ``tasks.eval_classification``). NaN marks missing
    values, which TS2Vec takes natively (it zeroes them and masks them out of the loss).
    """
    from ts2vec import TS2Vec

    mean = np.nanmean(X_train, axis=(0, 2), keepdims=True)
    std = np.nanstd(X_train, axis=(0, 2), keepdims=True)
    std[std == 0] = 1.0

    def authors_layout(X: np.ndarray) -> np.ndarray:
        return ((X - mean) / std).transpose(0, 2, 1).astype(np.float32)  # (n, T, C), TS2Vec's layout

    # the authors' init_dl_program(seed=...): every generator TS2Vec's cropping and masking draw from
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    model = TS2Vec(
        input_dims=X_train.shape[1], device="cpu", batch_size=8, lr=0.001, output_dims=320, max_train_length=3000
    )
    model.fit(authors_layout(X_train), n_iters=n_iters, verbose=False)
    return lambda X: model.encode(authors_layout(X), encoding_window="full_series")


def _fit_svm(Z: np.ndarray, y: np.ndarray):
    # the authors' evaluation protocol, from their own code
    from ts2vec.tasks._eval_protocols import fit_svm

    return fit_svm(Z, y)


def logistic_probe(max_iter: int = 1000):
    """The linear probe of frozen features, unfitted: StandardScaler + LogisticRegression."""
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter))


def _fit_logistic(Z: np.ndarray, y: np.ndarray):
    return logistic_probe().fit(Z, y)


#: Probes of frozen embeddings: ``fit(Z_train, y_train)`` -> a fitted classifier.
#: ``logistic``: StandardScaler + LogisticRegression; ``svm``: TS2Vec's RBF-SVM with its
#: grid over C (5-fold CV on the training split, or C = inf on very small sets).
PROBES = {"logistic": _fit_logistic, "svm": _fit_svm}
