"""The cost of GridSearchCV over HiMAE's layers with a pretraining cache, against one fit per fold.

Measured by ``gridsearch_memory.py`` (on its own) and ``speed.py`` (one section of its
report): wall time of ``cross_validate`` (one layer, one fit per fold), of GridSearchCV over
the 5 levels of HiMAE-Base with ``memory`` set, and of the same search without ``memory``
(every candidate pretrains again).

Imported by the benchmark scripts, which run with ``benchmarks/`` on ``sys.path``.
"""

from __future__ import annotations

import tempfile

from _report import machine, timed, versions  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import Pipeline
from sktime.datasets import load_basic_motions

from sklearn_msae import HiMAEEmbedder


def layer_search_report(max_epochs: int) -> str:
    """The measurement as markdown: a line on the run, the table, the best layer."""
    X, y = load_basic_motions(split="train", return_type="numpy3D")
    cv = KFold(3, shuffle=True, random_state=0)
    grid = {"emb__layer": [1, 2, 3, 4, 5]}

    def pipe(memory=None):
        embedder = HiMAEEmbedder(size="base", max_epochs=max_epochs, random_state=0, memory=memory)
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
    best = max(zip(search.cv_results_["mean_test_score"], grid["emb__layer"]))
    return "\n".join([
        f"BasicMotions train (40 series), HiMAE-Base, {max_epochs} epochs; {versions('torch', 'scikit-learn')}; "
        f"{machine()}",
        "| run | wall time (s) | ratio to one fit per fold |",
        "|---|---|---|",
        *(f"| {name} | {seconds:.1f} | {ratio:.2f}x |" for name, seconds, ratio in rows),
        f"best layer {best[1]} (mean CV accuracy {best[0]:.3f}); cross_validate accuracy {scores['test_score'].mean():.3f}",
    ])
