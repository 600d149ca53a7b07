"""Choose a UEA data set's fine-tuning configuration by cross-validation on its training split.

    OMP_NUM_THREADS=1 python benchmarks/select_config.py [--dataset Epilepsy] [--missing-rate 0.3]
        [--embedders himae aim romae] [--folds 4] [--n-jobs 2] [--quick]

``benchmarks/uea.py`` reports test accuracy; where a cell falls short, any change of
configuration must be chosen without looking at the test split. This script scores
candidate configurations of ``MAEClassifier`` with scikit-learn's ``GridSearchCV``,
stratified ``--folds``-fold cross-validation on the training split only, holes drawn with
seed 0 (``load_uea(..., random_state=0)``). The grid (``GRID``): the ``--embedders`` of
``benchmarks/uea.py`` at its pretraining budget (both read ``benchmarks/_configs.py``), the
fine-tuning budget (``max_epochs``, multiples of ``uea.py``'s) and ``observation_dropout``;
everything else is ``MAEClassifier``'s default. Each embedder carries a ``memory``, so it is pretrained once
per fold and every fine-tuning candidate of that fold starts from the same pretraining.

The report (``benchmarks/results/select_<dataset>_<rate>.md``; ``--quick``: a smoke run
with one epoch and tiny networks that only prints it) ranks the candidates and gives, for
each embedder, the fine-tuning parameters of its best candidate, to be set as
``FINETUNE_PARAMS[dataset][embedder]`` in ``_configs.py`` (read by ``uea.py``): each embedder
is fine-tuned with its own selection (what suits one network need not suit another), and
the test accuracy of the selected configurations is then ``uea.py``'s table
(``benchmarks/results/uea.md``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold

sys.path.insert(0, str(Path(__file__).parent))
from _configs import DATASETS, EMBEDDERS, epochs_for, finetune_params, make_embedder  # noqa: E402  (benchmarks/)
from _report import command_line, machine, timed, versions  # noqa: E402

from sklearn_msae import MAEClassifier  # noqa: E402
from sklearn_msae.datasets import load_uea  # noqa: E402

RESULTS = Path(__file__).parent / "results"
#: Fine-tuning candidates: ``max_epochs`` as multiples of uea.py's budget, and ``observation_dropout``.
GRID = {"finetune_multiple": [1, 2], "observation_dropout": [0.0, 0.1, 0.2, 0.3]}


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="Epilepsy", choices=DATASETS)
    parser.add_argument("--missing-rate", type=float, default=0.3)
    parser.add_argument("--embedders", nargs="+", choices=list(EMBEDDERS), default=list(EMBEDDERS))
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="smoke run: one epoch, tiny networks, report printed only")
    args = parser.parse_args(argv)

    X, y = load_uea(args.dataset, split="train", missing_rate=args.missing_rate, random_state=0)
    budget = epochs_for(args.dataset, args.quick)
    with tempfile.TemporaryDirectory() as cache:
        embedders = {
            method: make_embedder(method, budget["pretrain"], 0, args.quick).set_params(memory=cache)
            for method in args.embedders
        }
        search = GridSearchCV(
            MAEClassifier(device="cpu", random_state=0),
            {
                "embedder": list(embedders.values()),
                "max_epochs": [budget["finetune"] * multiple for multiple in GRID["finetune_multiple"]],
                "observation_dropout": GRID["observation_dropout"],
            },
            cv=StratifiedKFold(args.folds, shuffle=True, random_state=0),
            n_jobs=args.n_jobs,
            refit=False,
        )
        wall, _ = timed(search.fit, X, y)

    results = pd.DataFrame(search.cv_results_)
    names = {id(embedder): method for method, embedder in embedders.items()}  # cv_results_ holds the grid's objects
    results["embedder"] = [names[id(embedder)] for embedder in results["param_embedder"]]
    ranked = results.sort_values("rank_test_score", kind="stable")
    fold_columns = [f"split{fold}_test_score" for fold in range(args.folds)]
    rows = [
        f"| {row.embedder} | {row.param_max_epochs} | {row.param_observation_dropout} | "
        f"{row.mean_test_score:.3f} ± {row.std_test_score:.3f} | "
        + " / ".join(f"{getattr(row, column):.3f}" for column in fold_columns)
        + f" | {row.mean_fit_time:.0f} |"
        for row in ranked.itertuples()
    ]
    selected = {
        row.embedder: {"max_epochs": int(row.param_max_epochs), "observation_dropout": float(row.param_observation_dropout)}
        for row in ranked.drop_duplicates("embedder").itertuples()
    }
    defaults = MAEClassifier().get_params()
    current = {
        method: {name: finetune_params(args.dataset, method, args.quick).get(name, defaults[name]) for name in params}
        for method, params in selected.items()
    }
    if selected == current:
        outcome = ("These are `benchmarks/uea.py`'s configurations (`FINETUNE_PARAMS`, used at both missing rates of "
                   "the data set): their test accuracy is in [uea.md](uea.md).")
    else:
        outcome = (f"`benchmarks/uea.py` runs {current}: set `FINETUNE_PARAMS[{args.dataset!r}]` to {selected} in "
                   "`benchmarks/_configs.py` and rerun the changed embedders' cells of the data set for their test "
                   "accuracy.")
    command = command_line("select_config.py", argv or None, "OMP_NUM_THREADS=1 python")
    report = "\n".join([
        f"# Fine-tuning configuration selected on the training split: {args.dataset}, "
        f"{args.missing_rate:.0%} dropped",
        "",
        f"Stratified {args.folds}-fold cross-validation of `MAEClassifier` on the {len(y)} training series; the "
        f"test split is not read. Each embedder is pretrained once per fold ({budget['pretrain']} epochs, cached) "
        "and fine-tuned with every candidate. Protocol: module docstring of `benchmarks/select_config.py`.",
        "",
        "| embedder | fine-tuning epochs | observation_dropout | CV accuracy (mean ± population std over folds) | per fold "
        "| fit (s, mean per fold) |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "Selected, the best candidate of each embedder: "
        + "; ".join(f"**{method}, MAEClassifier({', '.join(f'{k}={v}' for k, v in params.items())})**"
                    for method, params in selected.items())
        + ". Fit times include the pretraining for the first candidate of each embedder and fold, and a cache "
        "lookup for the others.",
        "",
        outcome,
        "",
        f"Command: `{command.strip()}`; wall time {wall / 60:.1f} min.",
        f"Versions: {versions()}.",
        f"Machine: {machine()}.",
    ]) + "\n"
    print(report)
    if not args.quick:
        (RESULTS / f"select_{args.dataset}_{round(100 * args.missing_rate)}.md").write_text(report)
    return report


if __name__ == "__main__":
    main()
