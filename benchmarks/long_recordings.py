"""Peak memory of windowing and embedding days of 1 Hz recordings streamed from disk (issue 21).

    nice python benchmarks/long_recordings.py [--days 1 3 7] [--subjects 10] [--quick]

For each number of days, writes a `RecordingStore` of ``--subjects`` subjects x days x
86,400 samples x 3 channels (1 Hz, appended an hour at a time, never whole in memory),
with off-wrist gaps (one 3-hour gap every night, a 25-minute gap every afternoon, 1 %
of the samples lost), then, in a fresh process, fits a `RecordingEmbedder` (HiMAE-tiny,
one epoch, 256 windows drawn by its reservoir) and embeds every 10-minute window of the
store with a progress bar. The child reports its peak resident memory
(``resource.getrusage``: imports, torch and the model included), the peak of Python and
numpy allocations during ``transform`` (``tracemalloc``), the times, and whether every
window's (subject, start) is the one counted by hand from the gap schedule. The report
is written to ``benchmarks/results/long_recordings.md``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from _report import header, machine, timed, write

CHANNELS = ["x", "y", "z"]
START = pd.Timestamp("2024-03-04", tz="UTC")  # a Monday at midnight: 10-minute windows start at the stamps' grid
WINDOW = 600  # samples (seconds) per window
NIGHT_GAP = (1 * 3600, 4 * 3600)  # off-wrist 01:00-04:00 every night: 18 windows with no sample
AFTERNOON_GAP = (15 * 3600 + 5 * 60, 15 * 3600 + 30 * 60)  # 15:05-15:30: 15:10 and 15:20 empty, 15:00 and 15:30 kept


def observed_mask(day_seconds: np.ndarray) -> np.ndarray:
    """The samples of the gap schedule that are recorded, from each one's second of the day."""
    night = (day_seconds >= NIGHT_GAP[0]) & (day_seconds < NIGHT_GAP[1])
    afternoon = (day_seconds >= AFTERNOON_GAP[0]) & (day_seconds < AFTERNOON_GAP[1])
    return ~(night | afternoon)


def write_store(path: Path, subjects: int, days: int) -> int:
    """The simulated recordings, an hour per append; returns the number of samples written."""
    from sklearn_msae.recordings import RecordingStore

    store, written = RecordingStore(path), 0
    for subject in range(subjects):
        rng = np.random.default_rng(subject)
        for hour in range(days * 24):
            seconds = hour * 3600 + np.arange(3600)
            keep = observed_mask(seconds % 86400)
            keep &= rng.random(3600) > 0.01  # 1 % of the samples lost
            activity = 1.0 + 0.5 * np.sin(2 * np.pi * seconds / 86400)  # a daily rhythm
            values = activity[:, None] * rng.standard_normal((3600, 3)).astype(np.float32)
            stamps = START + pd.to_timedelta(seconds[keep], unit="s")
            if keep.any():
                store.append(f"subject-{subject:02d}", pd.DataFrame(values[keep], index=stamps, columns=CHANNELS))
                written += int(keep.sum())
    return written


def expected_windows(subjects: int, days: int) -> pd.MultiIndex:
    """(subject, start) of every window kept, counted from the gap schedule alone.

    A window is 600 consecutive seconds, kept when at least half of them were recorded;
    the 1 % of lost seconds are drawn again here, in the order `write_store` drew them.
    """
    rows = []
    for subject in range(subjects):
        rng = np.random.default_rng(subject)
        recorded = []
        for hour in range(days * 24):
            seconds = hour * 3600 + np.arange(3600)
            recorded.append(observed_mask(seconds % 86400) & (rng.random(3600) > 0.01))
            rng.standard_normal((3600, 3)).astype(np.float32)  # the values' draw, to stay in step
        recorded = np.concatenate(recorded)
        seconds = np.flatnonzero(recorded)
        first, last = seconds[0] // WINDOW, seconds[-1] // WINDOW  # slots from the first sample to the last
        coverage = recorded[first * WINDOW : (last + 1) * WINDOW].reshape(-1, WINDOW).mean(axis=1)
        kept = first + np.flatnonzero(coverage >= 0.5)
        rows += [(f"subject-{subject:02d}", START + pd.Timedelta(seconds=int(k) * WINDOW)) for k in kept]
    return pd.MultiIndex.from_tuples(rows, names=["subject", "start"])


def child(store_path: str, subjects: int, days: int) -> dict:
    """Fit and transform in this (fresh) process; the peaks and times as a dict."""
    import torch

    from sklearn_msae import HiMAEEmbedder
    from sklearn_msae.recordings import RecordingEmbedder, RecordingStore, RecordingWindower

    torch.set_num_threads(1)
    store = RecordingStore(store_path)
    model = RecordingEmbedder(
        HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0, device="cpu"),
        RecordingWindower(window="10min", freq="1s", min_coverage=0.5, chunk_size=128),
        max_fit_windows=256, random_state=0, verbose=1,
    )  # fmt: skip
    fit_seconds, _ = timed(model.fit, store)
    rss_after_fit = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    transform_seconds, Z = timed(model.transform, store)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    expected = expected_windows(subjects, days)
    return {
        "windows": len(Z), "features": Z.shape[1], "output_mib": Z.memory_usage(deep=True).sum() / 2**20,
        "fit_s": fit_seconds, "transform_s": transform_seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_after_fit_mib": rss_after_fit / 1024, "traced_peak_mib": traced_peak / 2**20,
        "index_matches_hand_count": bool(Z.index.equals(expected)), "expected_windows": len(expected),
    }  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, nargs="+", default=[1, 3, 7])
    parser.add_argument("--subjects", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="2 subjects, 1 and 2 days: a smoke run")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "long_recordings.md")
    parser.add_argument("--child", nargs=3, metavar=("STORE", "SUBJECTS", "DAYS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), int(args.child[2]))))
        return
    days_list, subjects = ([1, 2], 2) if args.quick else (args.days, args.subjects)
    import torch

    torch.set_num_threads(1)  # as in the child, so that the machine line names the threads used
    started, rows = time.perf_counter(), []
    for days in days_list:
        with tempfile.TemporaryDirectory() as folder:
            write_seconds, samples = timed(write_store, Path(folder) / "store", subjects, days)
            run = subprocess.run(
                [sys.executable, __file__, "--child", str(Path(folder) / "store"), str(subjects), str(days)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            print(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "", file=sys.stderr)
            result = json.loads(run.stdout.strip().splitlines()[-1])
        rows.append({"days": days, "samples": samples, "values": samples * len(CHANNELS), "write_s": write_seconds, **result})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    lines = header(
        "Long recordings: windowing and embedding days of 1 Hz data from disk in bounded memory",
        "long_recordings.py", argv, time.perf_counter() - started,
        f"{subjects} subjects x 3 channels at 1 Hz, 10-minute windows, HiMAE-tiny 1 epoch on 256 windows, 1 torch thread",
        machine(), libraries=("torch", "scikit-learn", "numpy", "pandas"),
    )  # fmt: skip
    lines += [
        "| days | samples (x 3 channels) | windows kept | every (subject, start) = hand count | peak RSS (MiB) | "
        "RSS after fit (MiB) | numpy/Python peak in transform (MiB) | output (MiB) | fit (s) | transform (s) |",
        "|---:|---:|---:|:---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['days']} | {row['samples']:,} | {row['windows']:,} | {'yes' if row['index_matches_hand_count'] else 'NO'} | "
            f"{row['peak_rss_mib']:.0f} | {row['rss_after_fit_mib']:.0f} | {row['traced_peak_mib']:.1f} | "
            f"{row['output_mib']:.1f} | {row['fit_s']:.1f} | {row['transform_s']:.1f} |"
        )
    lines += [
        "",
        "Peak RSS is the child process' maximum resident set (`ru_maxrss`: Python, torch, the model, one chunk "
        "of 128 windows, less than a day of one subject, and the output frame); the numpy/Python peak is "
        "`tracemalloc`'s during `transform` alone. Recordings are memory-mapped and their pages given back after "
        "each chunk, so the working memory does not grow with the number of days; what grows is the output (one "
        "row of float32 features per window), held twice while the chunks' frames are concatenated.",
        "",
    ]
    write("\n".join(lines), args.output)
    return table


if __name__ == "__main__":
    main()
