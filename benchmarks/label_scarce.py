"""Few labels: the shipped checkpoint + a linear probe against MiniRocket on the same labels (issue 20).

For every offline UEA set (``_configs.OFFLINE_UEA``), complete data, ``k`` = 5 and 10 labels
per class drawn from the official training split (3 draws, seeds 0-2; a class with fewer
series gives all it has): both methods see the whole training split *without* labels
for what they learn unsupervised (the checkpoint's channel scaling; MiniRocket's kernel
biases), and only the ``k`` labelled series per class for the classifier:

- ``checkpoint``: ``HiMAEEmbedder.from_pretrained("himae-corpus-ci")`` fitted on the
  unlabelled split (it learns the scaling only), frozen, then StandardScaler +
  LogisticRegression on the labelled series (``_baselines.logistic_probe``); as
  shipped, it resamples series shorter than its 128-step windows to that length
  (``stretch_to=128``), which was chosen here (``checkpoint-unstretched``: without);
- ``minirocket``: MiniRocketMultivariate + StandardScaler + RidgeClassifierCV, as in
  ``_baselines.fit_minirocket``, its ridge fitted on the labelled series.

Scored on the whole official test split. Resumable (one row per cell in
``<output-dir>/label_scarce.csv``); ``label_scarce.md`` is rebuilt at every run.

``--split validation`` scores on the training series that were not drawn instead (the
test split unread), which is where the other ways of using the checkpoint with few labels
were tried before one would be taken to the test split (``CANDIDATES``: time pooling,
probe, level, level weighting, domain adaptation); it writes ``label_scarce_validation.*``.

    nice python benchmarks/label_scarce.py            # all sets, about 10 minutes on 1 core
    nice python benchmarks/label_scarce.py --split validation --methods checkpoint minirocket checkpoint-meanmax ...
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from _baselines import logistic_probe, minirocket_features, ridge_probe  # noqa: E402  (benchmarks/ is on sys.path)
from _cells import grid_parser, parse_grid, read_results, run_cells, stratified_folds, written_cells  # noqa: E402
from _report import machine, versions  # noqa: E402
from _configs import CHECKPOINT, OFFLINE_UEA  # noqa: E402
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, normalize

from sklearn_msae import HiMAEEmbedder
from sklearn_msae.datasets import load_uea

LABELS_PER_CLASS = [5, 10]
DRAWS = [0, 1, 2]
#: The checkpoint's levels (HiMAE "small": four), read one at a time by the level candidates.
LEVELS = [1, 2, 3, 4]
#: Other ways of using the checkpoint with few labels, tried with ``--split validation``:
#: ``meanmax``: mean and max over time; ``ridge``: MiniRocket's head (StandardScaler + RidgeClassifierCV);
#: ``level-cv``: one level or all, chosen by stratified CV on the labelled series; ``level-balanced``: every
#: level standardised over the unlabelled split and weighted so that each holds the same share of the
#: variance (deep levels are the widest); ``adapted``: pretraining continued on the unlabelled split
#: (``continue_pretraining=True``, the default 100 epochs); the few-shot probes of SimpleShot (Wang et al.
#: 2019): ``centroid``: embeddings centred on the unlabelled split's mean and L2-normalised, nearest class
#: centroid; ``cl2n-logistic``: LogisticRegression on the same features; ``lda``: StandardScaler + linear
#: discriminant analysis with Ledoit-Wolf shrinkage of the covariance. They were scored before the checkpoint
#: stretched short series, so each reads it with ``stretch_to=None``, as ``checkpoint-unstretched`` does; the
#: candidate ``stretch_to=128`` (its windows' length) is now the shipped ``checkpoint``.
CANDIDATES = ["checkpoint-unstretched", "checkpoint-meanmax", "checkpoint-ridge", "checkpoint-level-cv",
              "checkpoint-level-balanced", "checkpoint-adapted", "checkpoint-centroid", "checkpoint-cl2n-logistic",
              "checkpoint-lda"]
METHODS = ["checkpoint", "minirocket", *CANDIDATES]
SPLITS = ["test", "validation"]
QUICK = {"datasets": ["BasicMotions"], "seeds": [0]}
KEY = ["dataset", "labels_per_class", "draw", "method"]
COLUMNS = [*KEY, "n_labelled", "accuracy", "fit_s"]


def level_balanced(embedder: HiMAEEmbedder, X_pool: np.ndarray):
    """``features(X)``: every level standardised over ``X_pool``, scaled to a share ``width / n_levels`` of the
    variance, so that a level's weight in the probe's penalty does not grow with its width."""
    blocks = [embedder.set_params(layer=level).transform(X_pool) for level in LEVELS]
    scalers = [StandardScaler().fit(block) for block in blocks]
    width = sum(block.shape[1] for block in blocks)
    weights = [np.sqrt(width / len(LEVELS) / block.shape[1]) for block in blocks]

    def features(X):
        return np.hstack([
            scaler.transform(embedder.set_params(layer=level).transform(X)) * weight
            for level, scaler, weight in zip(LEVELS, scalers, weights)
        ])  # fmt: skip

    return features


def centred_normalised(embed, X_pool: np.ndarray):
    """``features(X)``: ``embed(X)`` centred on the mean embedding of ``X_pool`` and scaled to unit L2 norm
    (SimpleShot's CL2N: the few labelled series cannot estimate a scale per feature, the pool can centre)."""
    centre = embed(X_pool).mean(axis=0)
    return lambda X: normalize(embed(X) - centre)


def level_by_cv(embedder: HiMAEEmbedder, X: np.ndarray, y: np.ndarray):
    """The embedder's ``layer`` ("all" or one level) with the best stratified k-fold CV accuracy of the logistic
    probe on the labelled ``X, y`` (k: the smallest class's count, at most 5; ties: the first, "all")."""
    folds = stratified_folds(y, 5)
    scores = {layer: cross_val_score(logistic_probe(), embedder.set_params(layer=layer).transform(X), y,
                                     cv=folds).mean() for layer in ["all", *LEVELS]}  # fmt: skip
    embedder.set_params(layer=max(scores, key=scores.get))
    return embedder.transform


def labelled_rows(y: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Indices of ``per_class`` series of every class (all of a smaller class), drawn with ``seed``."""
    rng = np.random.RandomState(seed)
    return np.sort(np.concatenate([
        rng.choice(members, min(per_class, len(members)), replace=False)
        for members in (np.flatnonzero(y == label) for label in np.unique(y))
    ]))  # fmt: skip


def run_cell(dataset: str, per_class: int, draw: int, method: str, split: str, cache_dir: str,
             threads: int) -> list[dict]:
    torch.set_num_threads(threads)
    X_train, y_train = load_uea(dataset, split="train")
    rows = labelled_rows(y_train, per_class, draw)
    if split == "test":
        X_test, y_test = load_uea(dataset, split="test")
    else:  # the training series left unlabelled
        unlabelled = np.setdiff1d(np.arange(len(y_train)), rows)
        if not len(unlabelled):
            return []  # every training series labelled: nothing to validate on
        X_test, y_test = X_train[unlabelled], y_train[unlabelled]
    start = time.perf_counter()
    classifier = logistic_probe()
    if method == "minirocket":
        features, classifier = minirocket_features(X_train, draw), ridge_probe()
    else:
        embedder = HiMAEEmbedder.from_pretrained(CHECKPOINT, device="cpu")
        if method == "checkpoint-adapted":
            embedder.set_params(continue_pretraining=True, random_state=0, memory=cache_dir)
        if method != "checkpoint":
            embedder.set_params(stretch_to=None)
        embedder.set_params(pooling="meanmax" if method == "checkpoint-meanmax" else "mean").fit(X_train)
        features = embedder.transform
        if method == "checkpoint-ridge":
            classifier = ridge_probe()
        elif method == "checkpoint-level-balanced":
            # standardised and weighted already: a StandardScaler in the probe would undo the weights
            features, classifier = level_balanced(embedder, X_train), LogisticRegression(max_iter=1000)
        elif method == "checkpoint-level-cv":
            features = level_by_cv(embedder, X_train[rows], y_train[rows])
        elif method in ("checkpoint-centroid", "checkpoint-cl2n-logistic"):
            features = centred_normalised(embedder.transform, X_train)
            classifier = NearestCentroid() if method == "checkpoint-centroid" else LogisticRegression(max_iter=1000)
        elif method == "checkpoint-lda":
            classifier = make_pipeline(StandardScaler(),
                                       LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"))
    classifier.fit(features(X_train[rows]), y_train[rows])
    fit_s = time.perf_counter() - start
    accuracy = accuracy_score(y_test, classifier.predict(features(X_test)))
    return [{"dataset": dataset, "labels_per_class": per_class, "draw": draw, "method": method,
             "model": method, "n_labelled": len(rows), "accuracy": accuracy, "fit_s": fit_s}]  # fmt: skip


def report(results: pd.DataFrame, command: str, split: str) -> str:
    mean = results.groupby(["dataset", "labels_per_class", "method"])["accuracy"].mean().unstack("method")
    scored_on = "Test accuracy" if split == "test" else "Accuracy on the training series left unlabelled"
    lines = [
        "# Few labels: the shipped checkpoint + probe against MiniRocket (issue 20)",
        "",
        f"Command: `{command}`. Versions: {versions()}. Machine: {machine()}.",
        "",
        f"{scored_on}, mean over the draws of the labelled series (protocol: `benchmarks/label_scarce.py`).",
        "",
        "| data set | labels per class | " + " | ".join(mean.columns) + " |",
        "|---|---|" + "---|" * len(mean.columns),
    ]
    lines += [f"| {dataset} | {k} | " + " | ".join(f"{row[c]:.3f}" for c in mean.columns) + " |"
              for (dataset, k), row in mean.iterrows()]  # fmt: skip
    if "minirocket" not in mean:
        return "\n".join(lines) + "\n"
    lines += ["", "Sets where every method ran:", "",
              "| labels per class | method | sets | mean accuracy | mean minirocket | sets won / tied / lost |",
              "|---|---|---|---|---|---|"]  # fmt: skip
    for k, block in mean.dropna().groupby(level="labels_per_class"):
        for method in block.columns.drop("minirocket"):
            difference = block[method] - block["minirocket"]
            tally = f"{(difference > 0).sum()} / {(difference == 0).sum()} / {(difference < 0).sum()}"
            lines.append(f"| {k} | {method} | {len(block)} | {block[method].mean():.3f} | "
                         f"{block['minirocket'].mean():.3f} | {tally} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = grid_parser(__doc__, OFFLINE_UEA, [0.0], DRAWS, METHODS, quick="BasicMotions, draw 0")
    parser.set_defaults(methods=["checkpoint", "minirocket"])
    parser.add_argument("--split", choices=SPLITS, default="test",
                        help="test: the official test split; validation: the training series not drawn")
    parser.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "sklearn_msae_label_scarce"),
                        help="memory of the adapted candidate's pretraining, one per data set")
    args = parse_grid(parser, argv, "label_scarce", OFFLINE_UEA, DRAWS, QUICK)
    if args.split == "validation":  # its own files: the test split's results stay as they are
        args.csv_path, args.md_path = (path.with_stem(f"{path.stem}_validation")
                                       for path in (args.csv_path, args.md_path))  # fmt: skip
    failures = 0
    if not args.report_only:
        done = written_cells(args.csv_path, COLUMNS, KEY)
        cells = [(dataset, k, draw, method) for draw in args.seeds for dataset in args.datasets
                 for k in LABELS_PER_CLASS for method in args.methods]  # fmt: skip
        failures = run_cells(run_cell, cells, done, (args.split, args.cache_dir, args.threads), args.csv_path,
                             COLUMNS, args.n_jobs)
    args.md_path.write_text(report(read_results(args.csv_path, COLUMNS), args.command, args.split), encoding="utf-8")
    print(f"wrote {args.md_path}")
    return int(failures > 0)


if __name__ == "__main__":
    sys.exit(main())
