"""Streamed pretraining on a 2 GiB memory-mapped array: peak memory and loss curve.

Writes a 2 GiB float32 array of synthetic sensor series (sums of sines with random
frequencies and phases, plus noise and 5 % missing values) to a temporary folder, then,
each in a fresh process so that its peak resident memory (``VmHWM``) is its own:

- **streamed**: ``HiMAEEmbedder(streaming=True, max_steps=...)`` fitted on the memory map
  (one pass over all 2 GiB for the channel scaling, then ``max_steps`` shuffled batches);
- **in memory**: the same embedder fitted on a subset of the series loaded as an
  ordinary array, with as many optimiser steps.

It compares the per-step training losses (smoothed) and writes
``benchmarks/results/streaming.md``. The temporary folder is deleted at the end.

    python benchmarks/streaming.py            # about 5 minutes on 2 CPU cores
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _report import cores, cpu_model  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

N_SERIES, N_CHANNELS, N_TIMEPOINTS = 262_144, 2, 1024  # 2 GiB of float32
BATCH_SIZE, STEPS = 128, 200
SMOOTHING = 20  # steps per point of the compared loss curve
RESULTS = Path(__file__).parent / "results" / "streaming.md"


def write_data(path: Path, seed: int = 0) -> None:
    """The 2 GiB array, written block by block (never whole in memory).

    One block of series is drawn; every block written is that block shifted in time by a
    random amount, each series rescaled by its own random gain: cheap, and the series stay
    identically distributed, so any subset looks like the whole.
    """
    rng = np.random.RandomState(seed)
    data = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(N_SERIES, N_CHANNELS, N_TIMEPOINTS))
    block = 8192
    steps = np.arange(N_TIMEPOINTS, dtype=np.float32)
    frequency = rng.uniform(0.005, 0.05, size=(block, N_CHANNELS, 2, 1)).astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi, size=(block, N_CHANNELS, 2, 1)).astype(np.float32)
    base = np.sin(2 * np.pi * frequency * steps + phase).sum(axis=2)
    base += 0.1 * rng.randn(block, N_CHANNELS, N_TIMEPOINTS).astype(np.float32)
    base[rng.rand(block, N_CHANNELS, N_TIMEPOINTS) < 0.05] = np.nan
    for start in range(0, N_SERIES, block):
        n = min(block, N_SERIES - start)
        gains = rng.uniform(0.5, 2.0, size=(n, 1, 1)).astype(np.float32)
        data[start : start + n] = np.roll(base[:n], rng.randint(N_TIMEPOINTS), axis=2) * gains
    data.flush()


def peak_rss() -> int:
    """Peak resident memory of this process in bytes (``VmHWM``).

    Not ``ru_maxrss``: Linux carries that over from the parent through ``fork`` and
    ``exec``, so a child would report the parent's peak (here, writing 2 GiB).
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("VmHWM not found in /proc/self/status (Linux only)")


def worker(mode: str, path: str) -> dict:
    """One fit in this process; its wall time, peak RSS and per-step losses."""
    from sklearn_msae import HiMAEEmbedder

    X = np.load(path, mmap_mode="r")
    params = dict(size="tiny", batch_size=BATCH_SIZE, device="cpu", random_state=0)
    rss_before = peak_rss()
    start = time.perf_counter()
    if mode == "streamed":
        embedder = HiMAEEmbedder(**params, streaming=True, max_steps=STEPS, max_epochs=1).fit(X)
        n_series = len(X)
    else:  # the first series, loaded as an ordinary array: STEPS steps over a few epochs
        epochs = 5
        subset = np.array(X[: STEPS // epochs * BATCH_SIZE])
        embedder = HiMAEEmbedder(**params, max_epochs=epochs).fit(subset)
        n_series = len(subset)
    seconds = time.perf_counter() - start
    losses = [batch["train_loss"] for epoch in embedder.net_.history for batch in epoch["batches"] if "train_loss" in batch]
    return {
        "mode": mode,
        "n_series": n_series,
        "seconds": seconds,
        "peak_rss": peak_rss(),
        "rss_after_import": rss_before,
        "losses": losses,
    }


def run_worker(mode: str, path: Path) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    output = subprocess.run(
        [sys.executable, __file__, "--worker", mode, str(path)], capture_output=True, text=True, env=env, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def smoothed(losses: list[float]) -> np.ndarray:
    return np.array(losses[: len(losses) // SMOOTHING * SMOOTHING]).reshape(-1, SMOOTHING).mean(axis=1)


def report(data_bytes: int, streamed: dict, in_memory: dict, write_seconds: float) -> str:
    mib = 2**20
    curve_s, curve_m = smoothed(streamed["losses"]), smoothed(in_memory["losses"])
    rows = "\n".join(
        f"| {(i + 1) * SMOOTHING} | {s:.4f} | {m:.4f} |" for i, (s, m) in enumerate(zip(curve_s, curve_m))
    )
    correlation = float(np.corrcoef(curve_s, curve_m)[0, 1])
    return f"""# Streamed pretraining on a 2 GiB memory-mapped array

Produced by `python benchmarks/streaming.py` ({cpu_model()}, {cores()} CPU cores shared
with other jobs, `OMP_NUM_THREADS=1`, torch CPU). Data: {streamed["n_series"]:,} synthetic series of
{N_CHANNELS} channels x {N_TIMEPOINTS} steps (sums of sines + noise, 5 % NaN), float32,
{data_bytes / mib:,.0f} MiB in one `.npy` file opened with `np.load(..., mmap_mode="r")`
(written in {write_seconds:.0f} s). Model: `HiMAEEmbedder(size="tiny", batch_size={BATCH_SIZE})`;
each fit runs in a fresh process, so its peak resident memory (`VmHWM`) is its own.

| fit | series | optimiser steps | wall time | peak RSS | RSS after imports |
|---|---:|---:|---:|---:|---:|
| streamed (`streaming=True, max_steps={STEPS}`) | {streamed["n_series"]:,} | {len(streamed["losses"])} | {streamed["seconds"]:.0f} s | {streamed["peak_rss"] / mib:.0f} MiB | {streamed["rss_after_import"] / mib:.0f} MiB |
| in memory (subset, 5 epochs) | {in_memory["n_series"]:,} | {len(in_memory["losses"])} | {in_memory["seconds"]:.0f} s | {in_memory["peak_rss"] / mib:.0f} MiB | {in_memory["rss_after_import"] / mib:.0f} MiB |

The streamed fit reads all {data_bytes / mib:,.0f} MiB once (channel scaling), then trains on
shuffled batches drawn through a 64 MiB shuffle buffer. Its peak RSS grows by
{(streamed["peak_rss"] - streamed["rss_after_import"]) / mib:.0f} MiB over the imports
({(streamed["peak_rss"] - streamed["rss_after_import"]) / data_bytes:.1%} of the data), against
{(in_memory["peak_rss"] - in_memory["rss_after_import"]) / mib:.0f} MiB for the in-memory fit of
{in_memory["n_series"] * N_CHANNELS * N_TIMEPOINTS * 4 / mib:.0f} MiB of data: most of either
figure is the network's activations and the allocator, not the data. Fitting the whole
array in memory would need the array itself plus its tokenised copy.

Training loss, mean over each block of {SMOOTHING} steps (correlation of the two curves:
{correlation:.3f}):

| steps | streamed | in memory (subset) |
|---:|---:|---:|
{rows}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    folder = Path(tempfile.mkdtemp(prefix="msae-streaming-"))
    try:
        path = folder / "series.npy"
        start = time.perf_counter()
        write_data(path)
        write_seconds = time.perf_counter() - start
        streamed = run_worker("streamed", path)
        in_memory = run_worker("in_memory", path)
        text = report(path.stat().st_size, streamed, in_memory, write_seconds)
    finally:
        shutil.rmtree(folder)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
