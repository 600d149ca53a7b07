"""Choose a UEA cell's fine-tuning configuration by cross-validation on its training split.

    OMP_NUM_THREADS=1 python benchmarks/select_config.py [--dataset Epilepsy] [--missing-rate 0.3]
        [--folds 4] [--n-jobs 2] [--evaluate-seeds 0 1 2] [--quick]

``benchmarks/uea.py`` reports test accuracy; where a cell falls short, any change of
configuration must be chosen without looking at the test split. This script scores
candidate configurations of ``MAEClassifier`` with scikit-learn's ``GridSearchCV`` over
the ``embedder`` parameter (each candidate pretrains its own embedder on the training
folds), stratified ``--folds``-fold cross-validation on the training split only, holes
drawn with seed 0 (``load_uea(..., random_state=0)``). Candidates (``CANDIDATES``): the
embedders of ``benchmarks/uea.py`` with the pretraining budget of ``uea.py`` and with
twice that budget; fine-tuning uses ``MAEClassifier``'s defaults.

Then the selected candidate is trained on the whole training split and scored on the test
split for each of ``--evaluate-seeds`` (as a cell of ``benchmarks/uea.py``: the seed draws
the holes and seeds the models), unless it is ``uea.py``'s own configuration, whose test
accuracy is already in ``benchmarks/results/uea.md``.

Writes ``benchmarks/results/select_<dataset>_<rate>.md`` (``--quick``: a smoke run with one
epoch and tiny networks that only prints the report).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from joblib import Parallel, delayed
from sklearn.model_selection import GridSearchCV, StratifiedKFold

sys.path.insert(0, str(Path(__file__).parent))
from uea import DATASETS, EMBEDDERS, QUICK, SEEDS, epochs_for, run_cell  # noqa: E402  (a sibling script)

from sklearn_msae import MAEClassifier  # noqa: E402
from sklearn_msae.datasets import load_uea  # noqa: E402
from sklearn_msae.sktime.benchmark import _machine, _versions  # noqa: E402

RESULTS = Path(__file__).parent / "results"
#: ``(embedder, multiple of uea.py's pretraining budget)`` pairs.
CANDIDATES = [("aim", 1), ("aim", 2), ("romae", 1), ("romae", 2)]


def label(method: str, pretrain_epochs: int) -> str:
    return f"{method}, {pretrain_epochs} pretraining epochs"


def candidates(dataset: str, quick: bool) -> dict[str, object]:
    """Unfitted embedders by label: each of ``CANDIDATES`` at its pretraining budget."""
    base = epochs_for(dataset, quick)["pretrain"]
    out = {}
    for method, multiple in CANDIDATES:
        embedder = EMBEDDERS[method](base * multiple, 0)
        if quick:
            embedder.set_params(**QUICK["embedder_params"][method])
        out[label(method, base * multiple)] = embedder
    return out


def evaluate(dataset: str, missing_rate: float, method: str, epochs: dict, seeds: list[int], n_jobs: int,
             quick: bool) -> list[str]:
    """Report lines: test accuracy of the fine-tuned ``method`` at budget ``epochs``, one cell per seed."""
    threads = max(1, torch.get_num_threads() // n_jobs)
    cells = Parallel(n_jobs=n_jobs)(
        delayed(run_cell)(dataset, missing_rate, seed, method, quick, threads, epochs) for seed in seeds
    )
    accuracies = {row["model"]: [] for rows in cells for row in rows}
    for rows in cells:
        for row in rows:
            accuracies[row["model"]].append(row["accuracy"])
    lines = ["| model | " + " | ".join(f"seed {seed}" for seed in seeds) + " | mean ± std |",
             "|---|" + "---|" * (len(seeds) + 1)]
    for model, values in accuracies.items():
        lines.append(f"| {model} | " + " | ".join(f"{value:.3f}" for value in values)
                     + f" | {np.mean(values):.3f} ± {np.std(values, ddof=1) if len(values) > 1 else 0:.3f} |")
    return lines


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="Epilepsy", choices=DATASETS)
    parser.add_argument("--missing-rate", type=float, default=0.3)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--evaluate-seeds", nargs="*", type=int, default=None,
                        help=f"test seeds of the selected candidate (default {SEEDS}; none with --quick)")
    parser.add_argument("--quick", action="store_true", help="smoke run: one epoch, tiny networks, report printed only")
    args = parser.parse_args(argv)

    X, y = load_uea(args.dataset, split="train", missing_rate=args.missing_rate, random_state=0)
    embedders = candidates(args.dataset, args.quick)
    finetune_epochs = epochs_for(args.dataset, args.quick)["finetune"]
    search = GridSearchCV(
        MAEClassifier(max_epochs=finetune_epochs, device="cpu", random_state=0),
        {"embedder": list(embedders.values())},
        cv=StratifiedKFold(args.folds, shuffle=True, random_state=0),
        n_jobs=args.n_jobs,
        refit=False,
    )
    start = time.perf_counter()
    search.fit(X, y)
    wall = time.perf_counter() - start

    results = pd.DataFrame(search.cv_results_)
    fold_columns = [f"split{fold}_test_score" for fold in range(args.folds)]
    rows = [
        f"| {label} | {results['mean_test_score'][i]:.3f} ± {results['std_test_score'][i]:.3f} | "
        + " / ".join(f"{results[column][i]:.3f}" for column in fold_columns)
        + f" | {results['mean_fit_time'][i]:.0f} |"
        for i, label in enumerate(embedders)
    ]
    best_index = int(np.argmax(results["mean_test_score"]))
    best = list(embedders)[best_index]
    method, multiple = CANDIDATES[best_index]
    budget = epochs_for(args.dataset, args.quick)
    seeds = ([] if args.quick else SEEDS) if args.evaluate_seeds is None else args.evaluate_seeds
    if multiple == 1:
        evaluation = ["The selected candidate is `benchmarks/uea.py`'s configuration: its test accuracy is in "
                      "[uea.md](uea.md)."]
    elif seeds:
        start_evaluation = time.perf_counter()
        epochs = {"pretrain": budget["pretrain"] * multiple, "finetune": budget["finetune"]}
        table = evaluate(args.dataset, args.missing_rate, method, epochs, seeds, args.n_jobs, args.quick)
        evaluation = [
            "Test accuracy of the selected candidate, trained on the whole training split (seed s draws the holes "
            f"and seeds the models, as in `benchmarks/uea.py`); {(time.perf_counter() - start_evaluation) / 60:.1f} "
            "min:",
            "",
            *table,
        ]
    else:
        evaluation = ["Not evaluated on the test split (no seeds asked)."]
    command = "OMP_NUM_THREADS=1 python benchmarks/select_config.py " + " ".join(argv or sys.argv[1:])
    report = "\n".join([
        f"# Configuration selected on the training split: {args.dataset}, {args.missing_rate:.0%} dropped",
        "",
        f"Stratified {args.folds}-fold cross-validation of `MAEClassifier` ({finetune_epochs} fine-tuning epochs) "
        f"on the {len(y)} training series; the test split is not read. Protocol: module docstring of "
        "`benchmarks/select_config.py`.",
        "",
        "| candidate | CV accuracy (mean ± std) | per fold | fit (s, mean per fold) |",
        "|---|---|---|---|",
        *rows,
        "",
        f"Selected: **{best}**.",
        "",
        *evaluation,
        "",
        f"Command: `{command.strip()}`; wall time {wall / 60:.1f} min.",
        f"Versions: {_versions()}.",
        f"Machine: {_machine()}.",
    ]) + "\n"
    print(report)
    if not args.quick:
        (RESULTS / f"select_{args.dataset}_{round(100 * args.missing_rate)}.md").write_text(report)
    return report


if __name__ == "__main__":
    main()
