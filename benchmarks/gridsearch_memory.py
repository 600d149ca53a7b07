"""GridSearchCV over HiMAE layers: cost of the search with a pretraining cache vs one fit per fold.

    python benchmarks/gridsearch_memory.py [--max-epochs 100]

Prints a markdown table: wall time of cross_validate (one layer, one fit per fold),
GridSearchCV over the 5 layers of HiMAE-Base with `memory` set, and the same search
without `memory` (every candidate pretrains again).
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time

import sklearn
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import Pipeline
from sktime.datasets import load_basic_motions

from sklearn_msae import HiMAEEmbedder


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-epochs", type=int, default=100)
    args = parser.parse_args(argv)

    X, y = load_basic_motions(split="train", return_type="numpy3D")
    cv = KFold(3, shuffle=True, random_state=0)
    grid = {"emb__layer": [1, 2, 3, 4, 5]}

    def pipe(memory=None):
        embedder = HiMAEEmbedder(size="base", max_epochs=args.max_epochs, random_state=0, memory=memory)
        return Pipeline([("emb", embedder), ("clf", LogisticRegression(max_iter=1000))])

    t_folds, scores = timed(lambda: cross_validate(pipe(), X, y, cv=cv))
    with tempfile.TemporaryDirectory() as cache:
        t_cached, search = timed(lambda: GridSearchCV(pipe(cache), grid, cv=cv, refit=False).fit(X, y))
    t_uncached, _ = timed(lambda: GridSearchCV(pipe(), grid, cv=cv, refit=False).fit(X, y))

    rows = [
        ("cross_validate, layer=-1 (3 pretrainings)", t_folds, 1.0),
        ("GridSearchCV 5 layers x 3 folds, memory (3 pretrainings)", t_cached, t_cached / t_folds),
        ("GridSearchCV 5 layers x 3 folds, no memory (15 pretrainings)", t_uncached, t_uncached / t_folds),
    ]
    print(f"BasicMotions train (40 series), HiMAE-Base, {args.max_epochs} epochs; "
          f"torch {torch.__version__}, scikit-learn {sklearn.__version__}, {platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} torch threads")
    print("| run | wall time (s) | ratio to one fit per fold |\n|---|---|---|")
    for name, seconds, ratio in rows:
        print(f"| {name} | {seconds:.1f} | {ratio:.2f}x |")
    best = max(zip(search.cv_results_["mean_test_score"], grid["emb__layer"]))
    print(f"best layer {best[1]} (mean CV accuracy {best[0]:.3f}); cross_validate accuracy {scores['test_score'].mean():.3f}")


if __name__ == "__main__":
    main()
