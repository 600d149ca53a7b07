"""Peak memory of `transform` on a 1 GB float32 memory-mapped panel.

    python benchmarks/memory.py [--gigabytes 1.0] [--length 4096]

Fits HiMAE-tiny on 64 series, writes a (n, 1, length) float32 memmap of the requested
size to a temporary file, and transforms it. A sampling thread records the process's
anonymous resident memory (RssAnon: what the process allocates) and its total RSS (which
also counts file pages of the memmap that the kernel can drop at any time).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from sklearn_msae import HiMAEEmbedder


def rss_kib() -> dict[str, int]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon"):
            fields[key] = int(value.split()[0])
    return fields


class PeakSampler(threading.Thread):
    def __init__(self, period: float = 0.02):
        super().__init__(daemon=True)
        self.period, self.peak, self.running = period, {"VmRSS": 0, "RssAnon": 0}, True

    def run(self):
        while self.running:
            for key, value in rss_kib().items():
                self.peak[key] = max(self.peak[key], value)
            time.sleep(self.period)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--length", type=int, default=4096)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    n_series = int(args.gigabytes * 2**30 / 4 / args.length)
    embedder = HiMAEEmbedder(size="tiny", max_epochs=2, random_state=0, inference_batch_size=256)
    embedder.fit(rng.standard_normal((64, 1, args.length), dtype=np.float32))

    with tempfile.TemporaryDirectory() as folder:
        X = np.lib.format.open_memmap(Path(folder) / "X.npy", mode="w+", dtype=np.float32,
                                      shape=(n_series, 1, args.length))
        for start in range(0, n_series, 4096):  # fill in blocks, never the whole array in memory
            stop = min(start + 4096, n_series)
            X[start:stop] = rng.standard_normal((stop - start, 1, args.length), dtype=np.float32)
        X.flush()
        del X
        X = np.load(Path(folder) / "X.npy", mmap_mode="r")
        before = rss_kib()
        sampler = PeakSampler()
        sampler.start()
        start = time.perf_counter()
        Z = embedder.transform(X)
        seconds = time.perf_counter() - start
        sampler.running = False
        sampler.join()

    growth_anon = (sampler.peak["RssAnon"] - before["RssAnon"]) / 1024
    growth_total = (sampler.peak["VmRSS"] - before["VmRSS"]) / 1024
    print(f"input {X.shape} float32 memmap = {X.nbytes / 2**30:.2f} GiB; output {Z.shape}")
    print(f"transform wall time {seconds:.1f} s ({n_series / seconds:.0f} series/s)")
    print(f"peak growth of allocated memory (RssAnon): {growth_anon:.0f} MiB")
    print(f"peak growth of total RSS (incl. reclaimable memmap file pages): {growth_total:.0f} MiB")


if __name__ == "__main__":
    main()
