"""
Benchmark the embedders against MiniRocket with sktime
======================================================

Every embedder, wrapped as an sktime transformer, is pretrained on the training split of
BasicMotions and probed with a logistic and a ridge classifier; sktime's
``ClassificationBenchmark`` runs them next to MiniRocket on the official split, once on
the complete series and once with 30 % of every series' time steps dropped (NaN).

Run ``python examples/sktime_benchmark.py [OUTPUT_DIR]``: it prints the results and
writes ``sktime_uea.csv`` and ``sktime_uea.md`` to ``OUTPUT_DIR`` (a temporary folder by
default). MiniRocket needs numba (``pip install numba``).
"""

import sys
import tempfile

from sklearn_msae.sktime.benchmark import run_uea_benchmark

output_dir = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="sktime_benchmark_")

results = run_uea_benchmark(
    "BasicMotions",
    missing_rates=[0.0, 0.3],
    embedders=["himae", "aim", "romae"],
    probes=["logistic", "ridge"],
    max_epochs=30,
    # small networks: the whole script runs in about a minute on a laptop CPU
    embedder_params={
        "himae": {"size": "tiny"},
        "aim": {"size": "tiny"},
        "romae": {"embed_dim": 48, "num_heads": 2, "decoder_embed_dim": 48, "decoder_num_heads": 2},
    },
    random_state=0,
    output_dir=output_dir,
    command="python " + " ".join(sys.argv),
)

print(results[["dataset", "missing_rate", "model", "accuracy", "fit_time_s"]].to_string(index=False))
print(f"\nwritten: {output_dir}/sktime_uea.csv and {output_dir}/sktime_uea.md")
