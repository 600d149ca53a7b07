"""Few labels: the shipped checkpoint + a linear probe against MiniRocket on the same labels (issue 20).

For every offline UEA set (``_configs.OFFLINE_UEA``), complete data, ``k`` = 5 and 10 labels
per class drawn from the official training split (3 draws, seeds 0-2; a class with fewer
series gives all it has): both methods see the whole training split *without* labels
for what they learn unsupervised (the checkpoint's channel scaling; MiniRocket's kernel
biases), and only the ``k`` labelled series per class for the classifier:

- ``checkpoint``: ``HiMAEEmbedder.from_pretrained("himae-corpus-ci")`` fitted on the
  unlabelled split (it learns the scaling only), frozen, then StandardScaler +
  LogisticRegression on the labelled series (``_baselines.logistic_probe``);
- ``minirocket``: MiniRocketMultivariate + StandardScaler + RidgeClassifierCV, as in
  ``_baselines.fit_minirocket``, its ridge fitted on the labelled series.

Scored on the whole official test split. Resumable (one row per cell in
``<output-dir>/label_scarce.csv``); ``label_scarce.md`` is rebuilt at every run.

    nice python benchmarks/label_scarce.py            # all sets, about 10 minutes on 1 core
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
import torch
from _baselines import logistic_probe, minirocket_features  # noqa: E402  (benchmarks/ is on sys.path)
from _cells import grid_parser, parse_grid, read_results, run_cells  # noqa: E402
from _report import machine, versions  # noqa: E402
from _configs import CHECKPOINT, OFFLINE_UEA  # noqa: E402
from sklearn.linear_model import RidgeClassifierCV
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_msae import HiMAEEmbedder
from sklearn_msae.datasets import load_uea

LABELS_PER_CLASS = [5, 10]
DRAWS = [0, 1, 2]
METHODS = ["checkpoint", "minirocket"]
QUICK = {"datasets": ["BasicMotions"], "seeds": [0]}
KEY = ["dataset", "labels_per_class", "draw", "method"]
COLUMNS = [*KEY, "n_labelled", "accuracy", "fit_s"]


def labelled_rows(y: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Indices of ``per_class`` series of every class (all of a smaller class), drawn with ``seed``."""
    rng = np.random.RandomState(seed)
    return np.sort(np.concatenate([
        rng.choice(members, min(per_class, len(members)), replace=False)
        for members in (np.flatnonzero(y == label) for label in np.unique(y))
    ]))  # fmt: skip


def run_cell(dataset: str, per_class: int, draw: int, method: str, threads: int) -> list[dict]:
    torch.set_num_threads(threads)
    X_train, y_train = load_uea(dataset, split="train")
    X_test, y_test = load_uea(dataset, split="test")
    rows = labelled_rows(y_train, per_class, draw)
    start = time.perf_counter()
    if method == "checkpoint":
        features = HiMAEEmbedder.from_pretrained(CHECKPOINT, device="cpu").fit(X_train).transform
        classifier = logistic_probe()
    else:
        features = minirocket_features(X_train, draw)
        classifier = make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)))
    classifier.fit(features(X_train[rows]), y_train[rows])
    fit_s = time.perf_counter() - start
    accuracy = accuracy_score(y_test, classifier.predict(features(X_test)))
    return [{"dataset": dataset, "labels_per_class": per_class, "draw": draw, "method": method,
             "model": method, "n_labelled": len(rows), "accuracy": accuracy, "fit_s": fit_s}]  # fmt: skip


def report(results: pd.DataFrame, command: str) -> str:
    mean = results.groupby(["dataset", "labels_per_class", "method"])["accuracy"].mean().unstack("method")
    lines = [
        "# Few labels: the shipped checkpoint + probe against MiniRocket (issue 20)",
        "",
        f"Command: `{command}`. Versions: {versions()}. Machine: {machine()}.",
        "",
        "Test accuracy, mean over the draws of the labelled series (protocol: `benchmarks/label_scarce.py`).",
        "",
        "| data set | labels per class | " + " | ".join(mean.columns) + " |",
        "|---|---|" + "---|" * len(mean.columns),
    ]
    lines += [f"| {dataset} | {k} | " + " | ".join(f"{row[c]:.3f}" for c in mean.columns) + " |"
              for (dataset, k), row in mean.iterrows()]  # fmt: skip
    lines += ["", "| labels per class | sets | " + " | ".join(f"mean {c}" for c in mean.columns)
              + " | sets the checkpoint wins / ties / loses |", "|---|---|" + "---|" * (len(mean.columns) + 1)]
    for k, block in mean.dropna().groupby(level="labels_per_class"):
        if not {"checkpoint", "minirocket"} <= set(block.columns):
            continue
        difference = block["checkpoint"] - block["minirocket"]
        tally = f"{(difference > 0).sum()} / {(difference == 0).sum()} / {(difference < 0).sum()}"
        lines.append(f"| {k} | {len(block)} | " + " | ".join(f"{block[c].mean():.3f}" for c in block.columns)
                     + f" | {tally} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = grid_parser(__doc__, OFFLINE_UEA, [0.0], DRAWS, METHODS, quick="BasicMotions, draw 0")
    args = parse_grid(parser, argv, "label_scarce", OFFLINE_UEA, DRAWS, QUICK)
    failures = 0
    if not args.report_only:
        written = read_results(args.csv_path, COLUMNS)[KEY]
        done = set(map(tuple, written.itertuples(index=False)))
        cells = [(dataset, k, draw, method) for draw in args.seeds for dataset in args.datasets
                 for k in LABELS_PER_CLASS for method in args.methods]  # fmt: skip
        failures = run_cells(run_cell, cells, done, (args.threads,), args.csv_path, COLUMNS, args.n_jobs)
    args.md_path.write_text(report(read_results(args.csv_path, COLUMNS), args.command), encoding="utf-8")
    print(f"wrote {args.md_path}")
    return int(failures > 0)


if __name__ == "__main__":
    sys.exit(main())
