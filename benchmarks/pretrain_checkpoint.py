"""The recipe of the shipped checkpoint ``himae-corpus-ci`` (issue 20): corpus, pretraining, save.

1. `build_pretraining_corpus` writes the corpus (training splits of every offline UEA
   set and of sktime's bundled sets, neurokit2-simulated physiology, a seeded generic
   generator) as univariate windows of ``--length`` samples into ``<work-dir>/corpus``.
2. ``HiMAEEmbedder(channel_mode="independent", size="small", value_dropout=0.0)`` streams it
   (`SeriesStore`) for ``--steps`` optimiser steps, saving its state every
   ``--checkpoint-every`` steps in ``<work-dir>/state``: the same command resumes an
   interrupted run where it stopped, and gives the same weights.
3. The fitted embedder is saved (`save_pretrained`) into the package,
   ``sklearn_msae/checkpoints/himae-corpus-ci``, and its size printed.

    nice python benchmarks/pretrain_checkpoint.py            # the shipped weights (see docs/pretrained.md)
    python benchmarks/pretrain_checkpoint.py --quick         # 20 steps on a small corpus, nothing saved to the package
    python benchmarks/pretrain_checkpoint.py --work-dir /tmp/again --output /tmp/again/checkpoint  # a rerun to compare
    python benchmarks/pretrain_checkpoint.py --exclude BasicMotions Libras --output /tmp/without  # never saw those sets

GPU and Accelerate are optional: ``--device cuda``; the recipe is written for 2 CPU cores.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

import torch
from _report import machine, versions  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

from sklearn_msae import HiMAEEmbedder
from sklearn_msae.datasets import SeriesStore, build_pretraining_corpus

NAME = "himae-corpus-ci"
PACKAGE_CHECKPOINT = Path(__file__).parents[1] / "sklearn_msae" / "checkpoints" / NAME
#: The shipped network: the package defaults, every channel encoded alone; the size and value dropout it was
#: pretrained with are pinned, so that later changes of the defaults leave the recipe reproducing its weights.
PARAMS = {"channel_mode": "independent", "size": "small", "value_dropout": 0.0, "batch_size": 64, "random_state": 0}
#: Every channel's embedding side by side: 5-fold CV on nine training splits scored it 0.794 complete and 0.806 with
#: 30 % dropped, against 0.765 / 0.746 for the channel mean (benchmarks/results/select_defaults.md).
READOUT = "concat"
#: Series shorter than the corpus windows are resampled to their length (``stretch_to=--length``): 5-fold CV on the
#: same nine training splits scored it 0.799 / 0.807 against 0.794 / 0.806, and with 5 labels per class 0.763 against
#: 0.748 on the training series left unlabelled of nine sets (benchmarks/results/label_scarce_validation.md).


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "sklearn-msae-pretrain")
    parser.add_argument("--length", type=int, default=128, help="samples per corpus window")
    parser.add_argument("--steps", type=int, default=15000, help="optimiser steps of batch_size windows")
    parser.add_argument("--checkpoint-every", type=int, default=250)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--output", type=Path, default=PACKAGE_CHECKPOINT, help="the folder to save the checkpoint in")
    parser.add_argument("--quick", action="store_true", help="a small corpus and 20 steps; nothing saved to the package")
    parser.add_argument("--exclude", nargs="+", default=[], metavar="NAME",
                        help="data sets left out of the corpus (an out-of-corpus evaluation); needs --output")
    args = parser.parse_args()
    if args.exclude and args.quick:
        parser.error("--exclude leaves out sets the quick corpus (simulated and synthetic series only) never reads")
    if args.exclude and args.output.resolve() == PACKAGE_CHECKPOINT.resolve():
        parser.error("--exclude needs --output: the package's checkpoint is the one pretrained on the whole corpus")
    torch.set_num_threads(args.threads)
    print(machine(), "|", versions(), flush=True)

    # a corpus without some sets, and its pretraining state, live apart from the whole corpus's: resuming never mixes them
    without = "-without-" + hashlib.sha1(",".join(sorted(args.exclude)).encode()).hexdigest()[:8] if args.exclude else ""
    corpus = args.work_dir / (("corpus-quick" if args.quick else "corpus") + without)
    if not (corpus / "sources.csv").is_file():
        start = time.perf_counter()
        sizes = {"n_physiology": 200, "n_synthetic": 200, "sources": ("physiology", "synthetic")} if args.quick else {}
        manifest = build_pretraining_corpus(corpus, length=args.length, exclude=args.exclude, random_state=0, **sizes)
        print(f"corpus built in {time.perf_counter() - start:.0f} s:", flush=True)
        print(manifest.groupby("source").n_windows.sum().to_string(), flush=True)
    store = SeriesStore(corpus)
    steps = 20 if args.quick else args.steps
    embedder = HiMAEEmbedder(
        **PARAMS, streaming=True, max_steps=steps, checkpoint_dir=args.work_dir / f"state{without}",
        checkpoint_every=args.checkpoint_every, device=args.device, verbose=1,
    )  # fmt: skip
    print(f"pretraining on {store.shape[0]:,} windows of {store.shape[2]} samples for {steps:,} steps", flush=True)
    start = time.perf_counter()
    embedder.fit(store)
    print(f"pretrained in {(time.perf_counter() - start) / 60:.1f} min", flush=True)
    target = args.work_dir / "quick-checkpoint" if args.quick else args.output
    # the user's defaults, not this run's: a fit from the checkpoint is silent and in memory; its readout and
    # input length chosen by CV on the training splits (select_defaults.py --embedders checkpoint)
    embedder.set_params(
        verbose=0, streaming="auto", max_steps=None, channel_pooling=READOUT, stretch_to=args.length
    ).save_pretrained(target)
    size = sum(file.stat().st_size for file in target.iterdir())
    print(f"saved {target} ({size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
