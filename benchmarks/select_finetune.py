"""Choose `MAEClassifier`'s fine-tuning defaults by cross-validation on training splits only (issue 19).

For every candidate (a set of `MAEClassifier` parameters), on every data set and missing
rate: stratified k-fold cross-validation on the training split. In each fold the
embedder (``--starts``: the shipped checkpoint, whose ``fit`` learns only the scaling, or
HiMAE pretrained once on the whole training split without labels) is fine-tuned on the
fold's training part and scored on its held-out part. ``--seeds`` repeats the pretraining
and the fine-tuning with another seed (the gaps and the folds stay seed 0's). The test
splits are never read.

Resumable: every (data set, missing rate, start, candidate, seed) is a row of
``<output-dir>/select_finetune.csv``; ``select_finetune.md`` ranks the candidates by their
mean over the sets every candidate ran (a set's score: its mean over the seeds run), per
start and missing rate.

Run ``nice python benchmarks/select_finetune.py --n-jobs 2``; ``--quick``: BasicMotions,
one epoch of fine-tuning.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from _cells import (  # noqa: E402  (benchmarks/ is on sys.path as a script)
    output_paths, read_results, run_cells, share_threads, stratified_folds, written_cells,
)
from _configs import CHECKPOINT  # noqa: E402
from _report import machine, versions  # noqa: E402

from sklearn_msae import HiMAEEmbedder, MAEClassifier
from sklearn_msae.datasets import load_uea

DATASETS = [
    "BasicMotions", "RacketSports", "Libras", "AtrialFibrillation", "Epilepsy", "JapaneseVowels", "StandWalkJump",
    "FingerMovements", "ArticularyWordRecognition", "LSST",
]
MISSING_RATES = [0.0]
#: Start name -> the embedder for a seed (the checkpoint's fit learns only the scaling: the seed changes nothing)
STARTS = {
    "checkpoint": lambda seed: HiMAEEmbedder.from_pretrained(CHECKPOINT, device="cpu"),
    # HiMAE's defaults pretrained on the training split, fine-tuned through the encoder's levels alone, or through
    # the decoder's up-blocks too (the default readout); each pins include_decoder so that its rows keep their meaning
    "himae-encoder": lambda seed: HiMAEEmbedder(device="cpu", random_state=seed, include_decoder=False),
    "himae-decoder": lambda seed: HiMAEEmbedder(device="cpu", random_state=seed, include_decoder=True),
}
#: Candidate name -> MAEClassifier parameters.
CANDIDATES = {
    "default": {},
    # MAE's fine-tuning recipe: the learning rate shrinks by this factor per layer below the head
    "layer-decay-0.65": {"layer_decay": 0.65},
    "lr-1e-4": {"lr": 1e-4},
}
QUICK = {"datasets": ["BasicMotions"], "params": {"max_epochs": 1}, "himae": {"size": "tiny", "max_epochs": 1}}
KEY = ["dataset", "missing_rate", "start", "candidate", "seed"]
COLUMNS = [*KEY, "folds", "cv_accuracy", "fit_s"]


def run_cell(dataset: str, missing_rate: float, start: str, candidate: str, seed: int, quick: bool, threads: int,
             n_folds: int, cache_dir: Path) -> list[dict]:
    """The cross-validated accuracy of one candidate on one training split."""
    torch.set_num_threads(threads)
    X, y = load_uea(dataset, split="train", missing_rate=missing_rate, random_state=0)
    embedder = STARTS[start](seed)
    if start != "checkpoint":
        # pretrained once per set (cached across candidates): the folds fine-tune it, as peers.py's himae-ft does
        embedder.set_params(memory=str(cache_dir), **(QUICK["himae"] if quick else {})).fit(X)
    params = {**CANDIDATES[candidate], **(QUICK["params"] if quick else {})}
    folds = stratified_folds(y, n_folds)
    scores, fit_s = [], 0.0
    for train, test in folds.split(X, y):
        fold_start = time.perf_counter()
        # MAEClassifier learns a shipped checkpoint's scaling on the fold itself; a pretrained HiMAE keeps its network
        classifier = MAEClassifier(embedder, device="cpu", random_state=seed, **params).fit(X[train], y[train])
        fit_s += time.perf_counter() - fold_start
        scores.append(float(np.mean(classifier.predict(X[test]) == y[test])))
    return [{"dataset": dataset, "missing_rate": missing_rate, "start": start, "candidate": candidate, "seed": seed,
             "folds": len(scores), "cv_accuracy": float(np.mean(scores)), "fit_s": fit_s / len(scores)}]


def report(results: pd.DataFrame) -> str:
    lines = [
        "# Fine-tuning defaults chosen by cross-validation on the training splits (issue 19)",
        "",
        f"Versions: {versions()}. Machine: {machine()}.",
        "",
        "Stratified k-fold CV accuracy of `MAEClassifier` on the training split (`--folds`, fewer where a class has "
        "fewer series), fine-tuned from the start named; a set's score is its mean over the seeds run, a candidate's the "
        "mean over the sets every candidate ran. Protocol: "
        "`benchmarks/select_finetune.py`.",
        "",
    ]
    for (start, rate), block in results.groupby(["start", "missing_rate"]):
        table = block.pivot_table(index="dataset", columns="candidate", values="cv_accuracy")
        complete = table.dropna()
        seeds = ", ".join(str(seed) for seed in sorted(block["seed"].unique()))
        lines += [f"## From {start}, {rate:.0%} dropped ({len(complete)} sets with every candidate; seeds {seeds})", "",
                  "| candidate | mean CV accuracy |", "|---|---|"]
        lines += [f"| {c} | {v:.3f} |" for c, v in complete.mean().sort_values(ascending=False).items()]
        lines += ["", "| data set | " + " | ".join(table.columns) + " |", "|---|" + "---|" * len(table.columns)]
        lines += [f"| {d} | " + " | ".join("—" if pd.isna(v) else f"{v:.3f}" for v in row) + " |"
                  for d, row in table.iterrows()]
        fit = block[block["dataset"].isin(complete.index)].groupby("candidate")["fit_s"].median()
        lines += ["", "Median fine-tuning time per fold over those sets (s): "
                  + ", ".join(f"{c} {v:.0f}" for c, v in fit.items()), ""]
    for (rate, candidate), block in results.groupby(["missing_rate", "candidate"]):
        table = block.pivot_table(index="dataset", columns="start", values="cv_accuracy").dropna()
        if table.shape[1] > 1:
            lines += [f"## The starts compared: {candidate}, {rate:.0%} dropped ({len(table)} sets every start ran)", "",
                      "| start | mean CV accuracy |", "|---|---|"]
            lines += [f"| {s} | {v:.3f} |" for s, v in table.mean().sort_values(ascending=False).items()] + [""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", choices=DATASETS)
    parser.add_argument("--missing-rates", nargs="+", type=float, default=MISSING_RATES)
    parser.add_argument("--starts", nargs="+", choices=list(STARTS), default=["checkpoint"])
    parser.add_argument("--candidates", nargs="+", choices=list(CANDIDATES), default=list(CANDIDATES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0], help="pretraining and fine-tuning seeds")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output-dir", type=Path)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "sklearn_msae_finetune_cache")
    args = parser.parse_args(argv)
    datasets = args.datasets or (QUICK["datasets"] if args.quick else DATASETS)
    csv_path, md_path = output_paths("select_finetune", args.output_dir, args.quick)
    done = written_cells(csv_path, COLUMNS, KEY)
    cells = [(dataset, float(rate), start, candidate, seed) for rate in args.missing_rates for start in args.starts
             for seed in args.seeds for dataset in datasets for candidate in args.candidates]
    failures = run_cells(
        run_cell, cells, done, (args.quick, share_threads(args.n_jobs), args.folds, args.cache_dir), csv_path, COLUMNS,
        args.n_jobs, describe=lambda row: f"{row['cv_accuracy']:.3f} ({row['folds']} folds)",
    )
    md_path.write_text(report(read_results(csv_path, COLUMNS)), encoding="utf-8")
    return int(failures > 0)


if __name__ == "__main__":
    sys.exit(main())
