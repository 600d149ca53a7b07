"""The embedders side by side with their peers on every UEA set available offline (issue 19).

Data sets: BasicMotions (shipped with sktime) and the ten of ``$SKLEARN_MSAE_DATA``
(``../shared/data/uea``), official train/test splits, complete and with 30 % of the time
steps of every series dropped (``load_uea``'s protocol, Kidger et al. 2020), seeds 0-2
(seed 0 only for LSST and PenDigits, 2459 and 7494 training series). Seed ``s`` draws
the dropped steps and seeds every model.

Methods (a *cell* is one data set, missing rate, seed and method):

- ``himae``, ``aim``, ``romae``: the embedder with its defaults (``random_state`` and
  ``device="cpu"`` aside), pretrained on the training split, frozen; two probes of its
  embeddings (``_baselines.PROBES``: StandardScaler + LogisticRegression, and TS2Vec's
  RBF-SVM with its grid over C).
- ``himae-ft``, ``aim-ft``, ``romae-ft``: ``MAEClassifier`` with its defaults, started from
  the same pretraining (loaded from the embedders' ``memory`` cache in ``--cache-dir``).
- ``himae-ci``: ``HiMAEEmbedder(channel_mode="independent")`` with the checkpoint's
  ``channel_pooling``, the shipped checkpoint's network and readout, pretrained on the
  training split alone (issue 20).
- ``checkpoint``: the shipped checkpoint ``himae-corpus-ci`` (`from_pretrained`), whose
  ``fit`` learns only the channel scaling of the training split; frozen, both probes.
- ``checkpoint-ft``: ``MAEClassifier`` with its defaults, fine-tuned from the checkpoint.
  ``--checkpoint`` evaluates another checkpoint folder in these columns instead (e.g. one
  pretrained by ``pretrain_checkpoint.py --exclude`` without the sets evaluated).
- ``ts2vec``: the authors' code and UEA settings (``_baselines.fit_ts2vec``), both probes;
  the ``svm`` row is the authors' own protocol.
- ``minirocket``: MiniRocket + ridge, on linearly interpolated series where values are missing.

``--variant`` names the embedders' configuration (e.g. the commit whose defaults ran), so
that the defaults before and after a change stand side by side in one CSV; the peers'
rows carry the variant ``peer``.

Times: ``fit_s`` is the self-supervised fit (pretraining) for the embedders and TS2Vec,
the whole fit for MiniRocket and the fine-tuning alone for ``*-ft``; ``probe_s`` embeds the
training split and fits the probe; ``predict_s`` embeds and predicts the test split.

Resumable: each finished cell appends its rows to ``<output-dir>/peers.csv``; a rerun skips
the cells already there. ``<output-dir>/peers.md`` is rebuilt from the CSV at every run.
``--n-jobs`` runs cells in parallel processes, ``cores // n_jobs`` torch threads each.

Run ``nice python benchmarks/peers.py --n-jobs 2 --variant NAME``; ``--quick`` is a smoke
run (BasicMotions, seed 0, tiny embedders, one epoch, TS2Vec for 5 iterations).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from _baselines import PROBES, TS2VEC_PUBLISHED, fit_minirocket, fit_ts2vec  # noqa: E402  (benchmarks/ on sys.path)
from _cells import grid_parser, parse_grid, read_results, run_cells, written_cells  # noqa: E402
from _configs import CHECKPOINT, OFFLINE_UEA  # noqa: E402
from _report import machine, versions  # noqa: E402
from sklearn.metrics import accuracy_score

from sklearn_msae import AIMEmbedder, HiMAEEmbedder, MAEClassifier, RoMAEEmbedder
from sklearn_msae._pretrained import is_shipped
from sklearn_msae.datasets import load_uea

DATASETS = OFFLINE_UEA
MISSING_RATES = [0.0, 0.3]
SEEDS = [0, 1, 2]
#: Sets with thousands of training series: one seed.
ONE_SEED = {"LSST", "PenDigits"}
EMBEDDERS = {"himae": HiMAEEmbedder, "aim": AIMEmbedder, "romae": RoMAEEmbedder}
#: Issue 20: the checkpoint's network pretrained per set, and the checkpoint (the sets' training splits are in its corpus).
CHECKPOINT_METHODS = ["himae-ci", "checkpoint"]
FINETUNED = {f"{name}-ft": name for name in [*EMBEDDERS, "checkpoint"]}
PEERS = ["minirocket", "ts2vec"]
#: Cheapest first, so that a partial run already compares the most.
METHODS = [*PEERS, "himae", "aim", "himae-ft", "aim-ft", "romae", "romae-ft", *CHECKPOINT_METHODS, "checkpoint-ft"]
PEER_VARIANT = "peer"
#: The variant whose configuration is each method's default today: the rows the acceptance summary reads. A change
#: of defaults reruns its methods under a new variant and names it here.
CURRENT = {
    "himae": "9578086", "aim": "f7eaa84", "romae": "7c5e9a0", "checkpoint": "2674cfd",
    "himae-ft": "9578086", "aim-ft": "1d356a0", "romae-ft": "1d356a0",
}
#: Transform-only changes: such a variant's frozen cells load the pretraining of the variant named here from the
#: ``memory`` cache, so their self-supervised fit times are read from that variant's cells.
PRETRAINED_BY = {"9578086": "f40b30c"}  # include_decoder=True: the same pretraining as "wide"'s

QUICK = {
    "datasets": ["BasicMotions"], "seeds": [0],
    "embedder_params": {
        "himae": {"size": "tiny", "max_epochs": 1}, "aim": {"size": "tiny", "max_epochs": 1},
        "romae": {"embed_dim": 16, "num_heads": 2, "depth": 1, "decoder_embed_dim": 16, "decoder_num_heads": 2,
                  "max_epochs": 1},
    },
    "finetune_params": {"max_epochs": 1},
    "ts2vec_iters": 5,
}

KEY = ["dataset", "missing_rate", "seed", "method", "variant"]
COLUMNS = [*KEY, "model", "accuracy", "fit_s", "probe_s", "predict_s", "torch_threads"]


def make_embedder(name: str, seed: int, cache_dir: Path, quick: bool, checkpoint: str | Path = CHECKPOINT):
    """The embedder with its defaults; ``memory`` lets the fine-tuning cell reuse the pretraining."""
    if name == "checkpoint":
        # fit loads a shipped checkpoint again and learns only the scaling; a folder has to be named as
        # `pretrained` for that (a fitted embedder's fit otherwise pretrains anew), its scaling learned like the shipped
        folder = {} if is_shipped(checkpoint) else {"pretrained": checkpoint, "pretrained_scaling": "refit"}
        return HiMAEEmbedder.from_pretrained(checkpoint, device="cpu", **folder)
    if name == "himae-ci":
        # the checkpoint's network and readout (transform-only: the cached pretraining serves any readout)
        pretrained = HiMAEEmbedder.from_pretrained(checkpoint)
        return make_embedder("himae", seed, cache_dir, quick).set_params(
            channel_mode="independent", channel_pooling=pretrained.channel_pooling, size=pretrained.size
        )
    params = QUICK["embedder_params"][name] if quick else {}
    return EMBEDDERS[name](device="cpu", random_state=seed, memory=str(cache_dir), **params)


def _timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def _probe_rows(name: str, encode, Z_train: np.ndarray, y_train, X_test, y_test) -> list[dict]:
    """One row per probe of frozen embeddings; ``Z_train`` is the embedded training split."""
    Z_test, embed_test_s = _timed(encode, X_test)
    rows = []
    for probe_name, fit_probe in PROBES.items():
        probe, probe_s = _timed(fit_probe, Z_train, y_train)
        predictions, predict_s = _timed(probe.predict, Z_test)
        rows.append({"model": f"{name} {probe_name}", "accuracy": accuracy_score(y_test, predictions),
                     "probe_s": probe_s, "predict_s": embed_test_s + predict_s})
    return rows


def run_cell(
    dataset, missing_rate, seed, method, variant, cache_dir: Path, quick: bool, threads: int, checkpoint: str | Path
) -> list[dict]:
    """The result rows of one cell (see the module docstring)."""
    torch.set_num_threads(threads)
    X_train, y_train = load_uea(dataset, split="train", missing_rate=missing_rate, random_state=seed)
    X_test, y_test = load_uea(dataset, split="test", missing_rate=missing_rate, random_state=seed)
    shared = {"dataset": dataset, "missing_rate": missing_rate, "seed": seed, "method": method,
              "variant": variant, "torch_threads": threads}
    if method == "minirocket":
        predict, fit_s = _timed(fit_minirocket, X_train, y_train, seed)
        predictions, predict_s = _timed(predict, X_test)
        return [{**shared, "model": "minirocket", "accuracy": accuracy_score(y_test, predictions), "fit_s": fit_s,
                 "probe_s": 0.0, "predict_s": predict_s}]
    if method == "ts2vec":
        encode, fit_s = _timed(fit_ts2vec, X_train, seed, QUICK["ts2vec_iters"] if quick else None)
    elif method in EMBEDDERS or method in CHECKPOINT_METHODS:
        embedder, fit_s = _timed(make_embedder(method, seed, cache_dir, quick, checkpoint).fit, X_train)
        encode = embedder.transform
    else:
        finetune = QUICK["finetune_params"] if quick else {}
        # the pretraining, from the cache when the frozen cell ran first
        embedder = make_embedder(FINETUNED[method], seed, cache_dir, quick, checkpoint).fit(X_train)
        classifier = MAEClassifier(embedder, device="cpu", random_state=seed, **finetune)
        _, fit_s = _timed(classifier.fit, X_train, y_train)
        predictions, predict_s = _timed(classifier.predict, X_test)
        return [{**shared, "model": method, "accuracy": accuracy_score(y_test, predictions), "fit_s": fit_s,
                 "probe_s": 0.0, "predict_s": predict_s}]
    Z_train, embed_train_s = _timed(encode, X_train)
    rows = _probe_rows(method, encode, Z_train, y_train, X_test, y_test)
    return [{**shared, **row, "fit_s": fit_s, "probe_s": embed_train_s + row["probe_s"]} for row in rows]


def grid(datasets, missing_rates, seeds, methods, variant) -> list[tuple]:
    """Every cell asked for, seed by seed and set by set (in the order given), every method of a set
    together, so that a partial run already compares the methods on the sets it covered.

    The ``ONE_SEED`` sets run at ``SEEDS[0]`` only."""
    return [
        (dataset, float(rate), seed, method, PEER_VARIANT if method in PEERS else variant)
        for seed in seeds for dataset in datasets for method in methods for rate in missing_rates
        if seed == SEEDS[0] or dataset not in ONE_SEED
    ]


# ---- the report -------------------------------------------------------------------------------------------


def _column(results: pd.DataFrame) -> np.ndarray:
    """Each row's report column: the method, ``@variant`` unless it is a peer's."""
    return np.where(results["variant"] == PEER_VARIANT, results["method"], results["method"] + "@" + results["variant"])


def frozen_scores(results: pd.DataFrame) -> pd.DataFrame:
    """Accuracy per (data set, missing rate, seed) and column: the better probe of each frozen method,
    TS2Vec's own SVM protocol, each fine-tuned embedder and MiniRocket. Columns are ``method@variant``."""
    rows = results.assign(column=_column(results))
    cell = ["dataset", "missing_rate", "seed", "column"]
    best = rows.groupby(cell)["accuracy"].max().unstack("column")
    authors = rows[rows["model"] == "ts2vec svm"].set_index(cell[:-1])["accuracy"].rename("ts2vec (authors' svm)")
    return best.join(authors) if len(authors) else best


def _fmt(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.3f}"


def _won_tied_lost(column: pd.Series, reference: pd.Series) -> str:
    """Sets won, tied and lost against ``reference``; a tie is equal accuracy to the report's three decimals."""
    difference = column.round(3) - reference.round(3)
    return f"{(difference > 0).sum()} / {(difference == 0).sum()} / {(difference < 0).sum()}"


def current_summary(
    results: pd.DataFrame, current: dict[str, str], pretrained_by: dict[str, str] = PRETRAINED_BY
) -> list[str]:
    """Markdown lines: each method's ``current`` defaults and the peers, per missing rate, over the sets each has
    run: mean accuracy, TS2Vec's and MiniRocket's on the same sets with the sets won, tied and lost against them,
    the mean rank over the sets every row has run, and the median fit against TS2Vec's over the same cells (a frozen
    embedder's variant in ``pretrained_by``: the fit of the variant that pretrained it); then the cost of the gaps
    (complete minus 30 % dropped) over the sets run both ways."""
    scores = frozen_scores(results)
    columns = [c for c in [*PEERS, *(f"{m}@{v}" for m, v in current.items())] if c in scores.columns]
    if not set(PEERS) <= set(columns) or len(columns) == len(PEERS):
        return []
    per_set = scores[columns].groupby(["dataset", "missing_rate"]).mean()
    cell = ["dataset", "missing_rate", "seed", "column"]  # a cell's rows (one per probe) share its fit time
    fit = results.assign(column=_column(results)).drop_duplicates(cell).set_index(cell)["fit_s"].unstack("column")
    for column in columns:
        method, _, variant = column.partition("@")
        if method in EMBEDDERS and variant in pretrained_by:
            fit[column] = fit[f"{method}@{pretrained_by[variant]}"]
    lines = [
        "## Today's defaults against the peers", "",
        "Each method's current configuration (`CURRENT` in `benchmarks/peers.py`), over the sets it has run; "
        "TS2Vec and MiniRocket on the same sets beside it. Won / tied / lost: sets, ties to three decimals. "
        "Fit: median seconds over the row's cells against TS2Vec's median over the same cells (self-supervised "
        "for the embedders, fine-tuning for `*-ft`, the whole fit for MiniRocket; a transform-only variant's "
        "pretraining is the one of the variant `PRETRAINED_BY` names, read from the cache, and so is its fit).", "",
    ]
    for rate, block in per_set.groupby(level="missing_rate"):
        block = block.droplevel("missing_rate")
        common = block.dropna().index
        ranks = block.loc[common].rank(axis=1, ascending=False).mean()
        plural = "s" if len(common) != 1 else ""
        lines += [f"### {rate:.0%} dropped (mean rank over the {len(common)} set{plural} every row has run)", "",
                  "| column | sets | mean accuracy | mean rank | TS2Vec, same sets | won / tied / lost | "
                  "MiniRocket, same sets | won / tied / lost | median fit (s) | TS2Vec's, same cells |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        fit_at_rate = fit.xs(rate, level="missing_rate")  # (dataset, seed) x column
        for column in columns:
            ran = block[column].dropna()
            peers = block.loc[ran.index]
            own, ts2vec = (fit_at_rate[name].loc[list(ran.index)] for name in (column, "ts2vec"))
            same_cells = own.notna() & ts2vec.notna()
            lines.append(
                f"| {column} | {len(ran)} | {ran.mean():.3f} | {ranks[column]:.2f} | "
                f"{peers['ts2vec'].mean():.3f} | {_won_tied_lost(ran, peers['ts2vec'])} | "
                f"{peers['minirocket'].mean():.3f} | {_won_tied_lost(ran, peers['minirocket'])} | "
                f"{own[same_cells].median():.1f} | {ts2vec[same_cells].median():.1f} |"
            )
        lines.append("")
    costs = []
    for column in columns:
        both = per_set[column].unstack("missing_rate").reindex(columns=MISSING_RATES).dropna()
        if len(both):
            complete, dropped = both.mean()
            costs.append(f"| {column} | {len(both)} | {complete:.3f} | {dropped:.3f} | {complete - dropped:.3f} |")
    if costs:
        lines += ["### The cost of the gaps (sets run both ways)", "",
                  "| column | sets | complete | 30 % dropped | cost |", "|---|---|---|---|---|", *costs, ""]
    return lines


def report(results: pd.DataFrame, command: str) -> str:
    scores = frozen_scores(results)
    per_set = scores.groupby(["dataset", "missing_rate"]).mean()
    n_seeds = scores.groupby(["dataset", "missing_rate"]).size()
    columns = list(per_set.columns)
    lines = [
        "# The embedders side by side with TS2Vec and MiniRocket (issue 19)",
        "",
        f"Command: `{command}` (rows accumulate over runs). Versions: {versions()}. Machine: {machine()}.",
        "",
        "Test accuracy, mean over the seeds run (column n); frozen methods: the better of the two probes "
        "(logistic regression, TS2Vec's RBF-SVM); `ts2vec (authors' svm)`: TS2Vec's own protocol; `*-ft`: "
        "MAEClassifier fine-tuned. `@name`: the embedders' configuration (`--variant`). Protocol: "
        "`benchmarks/peers.py`'s docstring.",
        "",
        "| data set | dropped | n | " + " | ".join(columns) + " | TS2Vec published |",
        "|---|---|---|" + "---|" * (len(columns) + 1),
    ]
    for (dataset, rate), row in per_set.iterrows():
        published = TS2VEC_PUBLISHED.get(dataset) if rate == 0 else None
        lines.append(f"| {dataset} | {rate:.0%} | {n_seeds[(dataset, rate)]} | "
                     + " | ".join(_fmt(row[c]) for c in columns) + f" | {_fmt(published) if published else '—'} |")
    lines += ["", *current_summary(results, CURRENT), "## Summary over the sets every column has run", ""]
    for rate, block in per_set.groupby(level="missing_rate"):
        complete = block.dropna(axis=1, how="all").dropna()
        if complete.empty:
            continue
        ranks = complete.rank(axis=1, ascending=False).mean()
        lines += [f"### {rate:.0%} dropped ({len(complete)} sets: {', '.join(complete.index.get_level_values(0))})",
                  "", "| column | mean accuracy | mean rank |", "|---|---|---|"]
        lines += [f"| {c} | {complete[c].mean():.3f} | {ranks[c]:.2f} |" for c in complete.columns]
        lines.append("")
    fit = results.groupby(["method", "variant"])["fit_s"].median()
    lines += ["## Median fit time (s), over the cells run", "", "| method | variant | median fit_s |", "|---|---|---|"]
    lines += [f"| {method} | {variant} | {value:.1f} |" for (method, variant), value in fit.items()]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = grid_parser(__doc__, DATASETS, MISSING_RATES, SEEDS, METHODS,
                         quick="BasicMotions, seed 0, tiny embedders, one epoch, TS2Vec for 5 iterations")
    parser.add_argument("--variant", default="current", help="name of the embedders' configuration")
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "sklearn_msae_peers_cache")
    parser.add_argument("--checkpoint", default=CHECKPOINT,
                        help="the checkpoint (a shipped name or a folder) of the checkpoint methods; name it in --variant")
    args = parse_grid(parser, argv, "peers", DATASETS, SEEDS, QUICK)
    if args.checkpoint != CHECKPOINT:
        # the checkpoint is not in a cell's key: under the shipped one's variant its cells would read as done
        if args.variant == parser.get_default("variant"):
            parser.error("--checkpoint needs a --variant that names it")
        try:
            HiMAEEmbedder.from_pretrained(args.checkpoint)
        except (OSError, ValueError) as error:
            parser.error(f"--checkpoint {args.checkpoint}: {error}")
    csv_path, md_path = args.csv_path, args.md_path
    failures = 0
    if not args.report_only:
        done = written_cells(csv_path, COLUMNS, KEY)
        cells = grid(args.datasets, args.missing_rates, args.seeds, args.methods, args.variant)
        failures = run_cells(
            run_cell, cells, done, (args.cache_dir, args.quick, args.threads, args.checkpoint), csv_path, COLUMNS,
            args.n_jobs,
        )
    md_path.write_text(report(read_results(csv_path, COLUMNS), args.command), encoding="utf-8")
    print(f"wrote {md_path}")
    return int(failures > 0)


if __name__ == "__main__":
    sys.exit(main())
