"""UEA benchmark (issue 6): linear probe and fine-tuning of every embedder vs MiniRocket.

Data sets: BasicMotions, Epilepsy, LSST, RacketSports, JapaneseVowels and
ArticularyWordRecognition, official train/test splits, with no time step dropped and with
30 % of the time steps of every series dropped (all channels; the protocol of Kidger et al.
2020 that the RoMAE paper follows, see ``sklearn_msae.datasets.load_uea``).

Protocol. A *cell* is one (data set, missing rate, seed, method); seed ``s`` draws the
dropped time steps (``load_uea(..., random_state=s)``, different holes in the training and
test splits) and seeds the models. Methods:

- ``himae``, ``aim``, ``romae``: the embedder is pretrained (self-supervised) on the
  training split once; from that one pretraining come two results,

  * ``probe``: ``StandardScaler + LogisticRegression`` (``_baselines.logistic_probe``)
    on the frozen embeddings;
  * ``fine-tuned``: ``MAEClassifier`` started from the fitted embedder (encoder and head
    trained end to end, the head started from the probe);

- ``minirocket``: MiniRocketMultivariate + StandardScaler + RidgeClassifierCV, with
  sktime's linear interpolation first where values are missing (``run_uea_benchmark`` of
  ``sklearn_msae.sktime.benchmark``, baseline only).

Embedders (``_configs.EMBEDDERS``): ``HiMAEEmbedder()`` defaults (the recorded run's were
"small" everywhere, before ``size="auto"`` and ``stretch_to``); ``AIMEmbedder()``
defaults ("small") and the RoMAE benchmark configuration (width 64, 4 heads, 2 blocks, a
1-block decoder, mean pooling, batch size 16): the paper's RoMAE-tiny (180 wide, 12 blocks,
400 epochs) is out of reach of a shared 2-core CPU. Budgets (``EPOCHS``): 100 pretraining
and 30 fine-tuning epochs (MAEClassifier's default), except LSST (2459 training series, 10
to 20 times the others): 20 and 10 epochs, which still gives it more optimiser steps than
100 epochs give Epilepsy. Fine-tuning otherwise uses MAEClassifier's defaults, except
where ``FINETUNE_PARAMS`` names, for a data set and an embedder, the configuration that
``benchmarks/select_config.py`` selected for that embedder by cross-validation on the
training split with 30 % dropped (never on the test split); it is then used at both missing
rates of that data set. ``TRIED`` and ``benchmarks/results/uea_notes.md`` tell how each
came about. The configuration (data sets, epochs, ``FINETUNE_PARAMS``, ``QUICK``) is in
``benchmarks/_configs.py``, shared with ``select_config.py`` and ``finetune.py``.

Times. ``fit_s`` is everything needed to get the model from raw training data: for the
embedders, the shared pretraining plus the probe (embedding the training split and fitting
the logistic regression) or plus the fine-tuning; ``predict_s`` is predicting the test
split. ``pretrain_s`` is recorded separately. MiniRocket's first fit in a fresh
environment includes numba's compilation.

Resumable. Every finished cell is appended to ``<output-dir>/uea.csv`` (one row per model)
with its wall times; a rerun skips the cells already there, so the grid can be run in
pieces (``--datasets``, ``--missing-rates``, ``--seeds``, ``--methods``).
``<output-dir>/uea.md`` is regenerated from the CSV at the end of every run
(``--report-only`` only regenerates it). ``--n-jobs`` runs cells in parallel processes
with ``cores // n_jobs`` torch threads each (``OMP_NUM_THREADS // n_jobs`` when it is set):
more threads than cores spin against each other and are many times slower. Delete rows
of the CSV to rerun their cells.

Run ``nice -n 5 python benchmarks/uea.py --n-jobs 2`` for the whole grid;
``--quick`` is a smoke run (BasicMotions, one seed, tiny models, one epoch each) writing to
a temporary folder unless ``--output-dir`` is given.
"""

from __future__ import annotations

import sys
import time

import pandas as pd
import torch
from _baselines import logistic_probe  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from _configs import (  # noqa: E402
    DATASETS,
    EMBEDDERS,
    FINETUNE_PARAMS,
    QUICK,
    epochs_for,
    finetune_params,
    make_embedder,
)
from _configs import ROMAE_PAPER as PAPER  # noqa: E402
from _configs import ROMAE_PAPER_RATE as PAPER_RATE  # noqa: E402
from _cells import grid_parser, parse_grid, read_results, run_cells, written_cells  # noqa: E402
from _report import machine, versions  # noqa: E402
from sklearn.metrics import accuracy_score

from sklearn_msae import MAEClassifier
from sklearn_msae.datasets import load_uea
from sklearn_msae.sktime.benchmark import run_uea_benchmark

MISSING_RATES = [0.0, 0.3]
SEEDS = [0, 1, 2]
BASELINE = "minirocket"
METHODS = [*EMBEDDERS, BASELINE]
#: The issue's target: the best fine-tuned embedder reaches it on these data sets, 30 % dropped.
TARGET, TARGET_DATASETS = 0.95, ["BasicMotions", "Epilepsy"]

#: What was tried where a cell falls short; shown in the report's notes.
TRIED = {
    "Epilepsy": (
        "with 30 % dropped (seed 0), never on the test split: first on a stratified 25 % of the training split "
        "held out, fine-tuned HiMAE and AIM besides RoMAE, HiMAE with layer-wise learning-rate decay 0.75 or lr "
        "3e-4, AIM with layer decay 0.75, 60 fine-tuning epochs or 200 pretraining epochs (MAEClassifier's "
        "defaults scored best); then stratified 4-fold cross-validation on the training split of AIM and RoMAE at "
        "100 and 200 pretraining epochs (AIM 0.963 ± 0.038 and 0.956 ± 0.014, RoMAE 0.935 and 0.934: longer "
        "pretraining does not help); then the same folds over the fine-tuning of HiMAE, AIM and RoMAE "
        "(benchmarks/select_config.py, select_Epilepsy_30.md): 30 or 60 epochs x "
        "observation_dropout 0 to 0.3, each embedder run here with its own best candidate (FINETUNE_PARAMS): AIM "
        "60 epochs and observation_dropout 0.2 (0.985 ± 0.015; its defaults 0.963 ± 0.038), HiMAE the same (0.978 "
        "± 0.013), RoMAE 60 epochs without dropout (0.964 ± 0.024); an ad-hoc search over AIM's pooling on the "
        "same folds scored per-channel pooling 0.963 ± 0.013 against mean pooling's 0.985. Selecting per embedder "
        "was decided after the test split fell short with AIM's configuration for all three; RoMAE thus had two "
        "configurations on the test split (benchmarks/RESULTS.md says so with the numbers)"
    ),
}
NOT_TRIED = "nothing beyond this configuration"

KEY = ["dataset", "missing_rate", "seed", "method"]
COLUMNS = [
    *KEY, "model", "accuracy", "fit_s", "predict_s", "pretrain_s", "pretrain_epochs", "finetune_epochs",
    "torch_threads",
]


def run_cell(dataset: str, missing_rate: float, seed: int, method: str, quick: bool, threads: int) -> list[dict]:
    """The result rows of one cell: probe and fine-tuned for an embedder, one row for MiniRocket."""
    torch.set_num_threads(threads)
    shared = {"dataset": dataset, "missing_rate": missing_rate, "seed": seed, "method": method,
              "torch_threads": threads}
    if method == BASELINE:
        result = run_uea_benchmark(dataset, missing_rates=missing_rate, embedders=(), probes=(), random_state=seed)
        row = result.iloc[0]
        if row["error"]:
            raise RuntimeError(row["error"])
        return [{**shared, "model": "MiniRocket", "accuracy": row["accuracy"], "fit_s": row["fit_time_s"],
                 "predict_s": row["predict_time_s"]}]

    X_train, y_train = load_uea(dataset, split="train", missing_rate=missing_rate, random_state=seed)
    X_test, y_test = load_uea(dataset, split="test", missing_rate=missing_rate, random_state=seed)
    pretrain_epochs, finetuning = epochs_for(dataset, quick)["pretrain"], finetune_params(dataset, method, quick)
    shared.update(pretrain_epochs=pretrain_epochs, finetune_epochs=finetuning["max_epochs"])
    start = time.perf_counter()
    embedder = make_embedder(method, pretrain_epochs, seed, quick).fit(X_train)
    pretrain_s = time.perf_counter() - start
    shared["pretrain_s"] = pretrain_s

    start = time.perf_counter()
    probe = logistic_probe().fit(embedder.transform(X_train), y_train)
    probe_fit_s = time.perf_counter() - start
    start = time.perf_counter()
    probe_accuracy = accuracy_score(y_test, probe.predict(embedder.transform(X_test)))
    probe_predict_s = time.perf_counter() - start

    start = time.perf_counter()
    classifier = MAEClassifier(embedder, device="cpu", random_state=seed, **finetuning)
    classifier.fit(X_train, y_train)
    finetune_s = time.perf_counter() - start
    start = time.perf_counter()
    finetuned_accuracy = accuracy_score(y_test, classifier.predict(X_test))
    finetuned_predict_s = time.perf_counter() - start
    return [
        {**shared, "model": f"{method} probe", "accuracy": probe_accuracy, "fit_s": pretrain_s + probe_fit_s,
         "predict_s": probe_predict_s},
        {**shared, "model": f"{method} fine-tuned", "accuracy": finetuned_accuracy,
         "fit_s": pretrain_s + finetune_s, "predict_s": finetuned_predict_s},
    ]


def model_names(methods: list[str]) -> list[str]:
    return [
        name for method in methods
        for name in (["MiniRocket"] if method == BASELINE else [f"{method} probe", f"{method} fine-tuned"])
    ]


def _table(rows: list[tuple[str, float]], header: list[str], cell) -> list[str]:
    """Markdown table lines: one row per (data set, missing rate), then ``cell(dataset, rate)``'s cells."""
    lines = ["| data set | dropped | " + " | ".join(header) + " |", "|---|---|" + "---|" * len(header)]
    lines += [f"| {dataset} | {rate:.0%} | " + " | ".join(cell(dataset, rate)) + " |" for dataset, rate in rows]
    return lines


def report(
    results: pd.DataFrame, *, datasets: list[str], missing_rates: list[float], command: str, quick: bool = False
) -> str:
    """The markdown report of every (data set, missing rate) asked for, from the result rows."""
    models = model_names(METHODS)
    rows = [(dataset, rate) for dataset in datasets for rate in missing_rates]
    grouped = results.groupby(["dataset", "missing_rate", "model"])
    accuracies = {key: values for key, values in grouped["accuracy"]}
    times = grouped[["fit_s", "predict_s"]].mean()

    def accuracy_cells(dataset: str, rate: float) -> list[str]:
        cells = []
        for model in models:
            values = accuracies.get((dataset, rate, model))
            spread = f" ± {values.std():.3f}" if values is not None and len(values) > 1 else ""
            cells.append("missing" if values is None else f"{values.mean():.3f}{spread} ({len(values)})")
        paper = PAPER.get(dataset) if rate == PAPER_RATE else None
        return [*cells, "—" if paper is None else f"{paper:.4f}"]

    def time_cells(dataset: str, rate: float) -> list[str]:
        return [
            "missing" if (dataset, rate, model) not in times.index
            else "{:.0f} / {:.1f}".format(*times.loc[(dataset, rate, model)])
            for model in models
        ]

    means = grouped["accuracy"].mean()
    first_budget = epochs_for(datasets[0], quick)["pretrain"]
    return "\n".join([
        "# UEA: linear probe and fine-tuning of the embedders vs MiniRocket (issue 6)",
        "",
        "Test accuracy on the official split, mean ± sample std over the seeds present (number of seeds in "
        "parentheses); \"missing\": not run yet. Protocol, budgets and configurations: module docstring of "
        "`benchmarks/uea.py`. MiniRocket interpolates linearly where values are missing. "
        f"RoMAE paper: fine-tuned RoMAE-tiny, {PAPER_RATE:.0%} dropped.",
        "",
        *_table(rows, [*models, "RoMAE paper"], accuracy_cells),
        "",
        "Wall time in seconds, fit / predict, mean over seeds (fit includes the embedder's pretraining, shared by "
        "its probe and its fine-tuning; MiniRocket's first fit in a process includes numba's compilation).",
        "",
        *_table(rows, models, time_cells),
        "",
        "## Notes",
        "",
        *_notes(means, rows),
        "",
        _target(means),
        "",
        "## Run",
        "",
        f"- Last command: `{command}`; the rows accumulate over runs (resumable), each with the wall times "
        "measured when it ran.",
        "- Epochs (pretraining / fine-tuning): "
        + ", ".join(
            f"{dataset} {epochs_for(dataset, quick)['pretrain']} / {epochs_for(dataset, quick)['finetune']}"
            for dataset in datasets
        )
        + " unless a configuration below says otherwise; each row's epochs are in the CSV.",
        *(f"- {dataset}, {method}: MAEClassifier({', '.join(f'{name}={value!r}' for name, value in params.items())}), "
          "selected by `benchmarks/select_config.py`"
          for dataset, selected in FINETUNE_PARAMS.items() if not quick for method, params in selected.items()),
        *(f"- Embedder `{method}`: `{' '.join(repr(make_embedder(method, first_budget, 0, quick)).split())}`"
          for method in EMBEDDERS),
        f"- Versions: {versions()}",
        f"- Machine: {machine()}",
        "",
    ])


def _notes(means: pd.Series, rows: list[tuple[str, float]]) -> list[str]:
    """A line per row whose best embedder is below MiniRocket, or whose best fine-tuned is below the paper."""
    notes = []
    for dataset, rate in rows:
        row = means.get((dataset, rate))
        if row is None:
            continue
        embedders = row.drop("MiniRocket", errors="ignore")
        finetuned = row[[name for name in row.index if name.endswith("fine-tuned")]]
        gaps = []
        if "MiniRocket" in row and len(embedders) and embedders.max() < row["MiniRocket"]:
            gaps.append(f"best embedder ({embedders.idxmax()}, {embedders.max():.3f}) is "
                        f"{row['MiniRocket'] - embedders.max():.3f} below MiniRocket ({row['MiniRocket']:.3f})")
        paper = PAPER.get(dataset) if rate == PAPER_RATE else None
        # the paper reports 4 decimals: a mean equal to it at that precision is not below it
        if paper is not None and len(finetuned) and round(finetuned.max(), 4) < paper:
            gaps.append(f"best fine-tuned ({finetuned.idxmax()}, {finetuned.max():.3f}) is "
                        f"{paper - finetuned.max():.4f} below the paper ({paper:.4f})")
        if gaps:
            tried = TRIED.get(dataset, NOT_TRIED)
            notes.append(f"- {dataset}, {rate:.0%} dropped: {'; '.join(gaps)}. Tried: {tried}.")
    return notes or ["- No cell run so far is below MiniRocket or the paper."]


def _target(means: pd.Series) -> str:
    """Whether the best fine-tuned embedder reaches ``TARGET`` on every ``TARGET_DATASETS``, 30 % dropped."""
    best = {}
    for dataset in TARGET_DATASETS:
        row = means.get((dataset, PAPER_RATE))
        finetuned = [] if row is None else [value for name, value in row.items() if name.endswith("fine-tuned")]
        best[dataset] = max(finetuned) if finetuned else None
    status = "incomplete" if None in best.values() else "met" if min(best.values()) >= TARGET else "not met"
    values = ", ".join(f"{name} {'missing' if value is None else f'{value:.3f}'}" for name, value in best.items())
    return (f"Target (best fine-tuned embedder >= {TARGET} with {PAPER_RATE:.0%} dropped on "
            f"{' and '.join(TARGET_DATASETS)}): **{status}** ({values}).")


def main(argv=None) -> int:
    parser = grid_parser(__doc__, DATASETS, MISSING_RATES, SEEDS, METHODS,
                         quick="BasicMotions, one seed, tiny models, 1 epoch")
    args = parse_grid(parser, argv, "uea", DATASETS, SEEDS, QUICK)
    csv_path, md_path = args.csv_path, args.md_path
    failures = 0
    if not args.report_only:
        done = written_cells(csv_path, COLUMNS, KEY)
        cells = [
            (dataset, float(rate), seed, method)
            for dataset in args.datasets for rate in args.missing_rates for seed in args.seeds
            for method in args.methods
        ]
        failures = run_cells(run_cell, cells, done, (args.quick, args.threads), csv_path, COLUMNS, args.n_jobs)

    # the whole grid, whatever part this run computed: the report is the table of the CSV
    text = report(
        read_results(csv_path, COLUMNS), datasets=QUICK["datasets"] if args.quick else DATASETS,
        missing_rates=MISSING_RATES,
        command=args.command, quick=args.quick,
    )
    md_path.write_text(text, encoding="utf-8")
    print(f"wrote {md_path}")
    return int(failures > 0)


if __name__ == "__main__":
    sys.exit(main())
