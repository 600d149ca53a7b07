"""Speed: training overhead of the skorch core, single-thread inference, cached grid search.

    OMP_NUM_THREADS=1 python benchmarks/speed.py [--quick] [--output PATH]

One run measures, on one torch thread:

1. the pretraining step time of each method through `sklearn_msae._training.pretrain`
   (what ``fit`` calls) and through a bare torch loop over the same network, the same
   batches, AdamW, the same warm-up + cosine schedule and gradient clipping; the ratio
   is the cost of skorch;
2. transform throughput (windows/s) and single-window latency of HiMAE-Base on one
   1 x 1000 window: ``embedder.transform``, the exported graph in torch eager mode,
   under ``torch.compile``, in ONNX Runtime (`BaseMAEEmbedder.to_onnx`, one thread) and
   in ONNX Runtime after int8 static quantisation of that graph (QDQ, per-channel
   weights, calibrated on 32 windows); beside them, the rate of one thread's float32
   matrix product, the densest work there is, against which the latency is bounded;
3. GridSearchCV over the 5 HiMAE-Base layers x 3 folds with ``memory`` against one fit
   per fold (``_gridsearch.layer_search_report``, what ``benchmarks/gridsearch_memory.py`` prints);
4. one AdamW step on each method's network with torch's default per-parameter loop, its
   ``foreach`` and its ``fused`` implementation (the library uses ``fused``, see
   `sklearn_msae._training.fused_optimizer`).

Writes the markdown report to ``benchmarks/results/speed.md`` (``--quick``: a smoke
run with small sizes that only prints it, unless ``--output`` is given).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime
import torch
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process
from sktime.datasets import load_basic_motions
from torch.utils.flop_counter import FlopCounterMode

from sklearn_msae import AIMEmbedder, HiMAEEmbedder, RoMAEEmbedder
from sklearn_msae._base import pretraining_problem
from sklearn_msae._training import fused_optimizer, pretrain, warmup_cosine

sys.path.insert(0, str(Path(__file__).parent))
from _gridsearch import layer_search_report  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from _report import command_line, cores, machine, timed, versions  # noqa: E402

#: RoMAE's decoder as the paper sizes it (None), the default until 46047cf, on which speed.md was measured
PAPER_DECODER = {"decoder_embed_dim": None, "decoder_depth": None, "decoder_num_heads": None}

RESULTS = Path(__file__).parent / "results" / "speed.md"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run with small sizes; prints the report only")
    parser.add_argument("--output", type=Path, default=None, help=f"report file (default {RESULTS}; none with --quick)")
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                        help="what to measure (default: everything)")
    parser.add_argument("--epochs", type=int, default=None, help="pretraining epochs of the training section")
    args = parser.parse_args(argv)
    output = args.output or (None if args.quick else RESULTS)
    sizes = {
        "epochs": args.epochs or (2 if args.quick else 10),
        "repeats": 1 if args.quick else 3,
        "windows": 64 if args.quick else 256,
        "latency_calls": 20 if args.quick else 300,
        "matmul": 256 if args.quick else 1024,
        "grid_epochs": 2 if args.quick else 50,
        "optimizer_steps": 5 if args.quick else 50,
    }
    torch.set_num_threads(1)
    start, load_start = time.perf_counter(), os.getloadavg()[0]
    sections = [SECTIONS[name](sizes) for name in args.sections]
    wall = time.perf_counter() - start
    command = command_line("speed.py", argv, "OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python")
    report = "\n\n".join([header(command, wall, (load_start, os.getloadavg()[0])), *sections]) + "\n"
    print(report)
    if output is not None:
        output.write_text(report)


# ---- 1. training overhead --------------------------------------------------------------


def training_overhead(sizes) -> str:
    """Per-step time of `pretrain` (skorch) and of a bare torch loop, for each method."""
    X_train, _ = load_basic_motions(split="train", return_type="numpy3D")
    X_test, _ = load_basic_motions(split="test", return_type="numpy3D")
    X = np.concatenate([X_train, X_test]).astype(np.float32)  # 80 series: 5 steps of 16 per epoch
    embedders = {
        # stretch_to=None: BasicMotions' own 100 steps, the length speed.md's numbers were measured on; RoMAE with
        # the paper's decoder, the default when they were
        "HiMAE (small)": HiMAEEmbedder(size="small", batch_size=16, stretch_to=None),
        "AIM (small)": AIMEmbedder(batch_size=16),
        "RoMAE (tiny-shallow)": RoMAEEmbedder(batch_size=16, **PAPER_DECODER),
    }
    rows = []
    for name, embedder in embedders.items():
        embedder.set_params(max_epochs=sizes["epochs"], random_state=0)
        module, module_kwargs, batch, train_kwargs = pretraining_problem(embedder, X)
        steps = n_steps(len(X), train_kwargs)
        runs = {"skorch": lambda: pretrain(module, module_kwargs, batch, train_kwargs, 0, "cpu", 0),
                "bare": lambda: bare_pretrain(module, module_kwargs, batch, train_kwargs, 0)}
        for run in runs.values():
            run()  # warm-up: allocator, kernels, lazy imports
        # alternate the two so that a change in machine load hits both
        times = {key: [] for key in runs}
        for _ in range(sizes["repeats"]):
            for key, run in runs.items():
                times[key].append(timed(run)[0] / steps)
        skorch_step, bare_step = (statistics.median(times[key]) for key in ("skorch", "bare"))
        rows.append(f"| {name} | {steps} | {1e3 * skorch_step:.2f} | {1e3 * bare_step:.2f} "
                    f"| {100 * (skorch_step / bare_step - 1):+.1f} % |")
    return "\n".join([
        "## Pretraining step time: skorch core vs bare torch loop",
        "",
        f"BasicMotions train + test (80 series, 6 x 100), batch 16, {sizes['epochs']} epochs, library-default "
        f"network of each method; median of {sizes['repeats']} alternated runs, each including the network's "
        "construction. Bare loop: same module and seed, same tokenised batches (tensors indexed by a "
        "permutation), AdamW, the same warm-up + cosine schedule, gradient-norm clipping. Target: overhead <= 15 %.",
        "",
        "| method | steps | skorch (ms/step) | bare torch (ms/step) | skorch overhead |",
        "|---|---|---|---|---|",
        *rows,
    ])


def n_steps(n_samples, train_kwargs) -> int:
    """Optimiser steps of a training run without validation split (as `make_pretrainer` counts them)."""
    total = train_kwargs["max_epochs"] * math.ceil(n_samples / train_kwargs["batch_size"])
    return total if train_kwargs["max_steps"] is None else min(total, train_kwargs["max_steps"])


def bare_pretrain(module, module_kwargs, batch, train_kwargs, seed):
    """`pretrain` without skorch: the same optimiser, schedule and clipping in a plain loop."""
    torch.manual_seed(seed)
    network = module(**module_kwargs).train()
    tensors = {key: torch.as_tensor(value) for key, value in batch.items()}
    n_samples, batch_size = len(next(iter(tensors.values()))), train_kwargs["batch_size"]
    steps_per_epoch, total_steps = math.ceil(n_samples / batch_size), n_steps(n_samples, train_kwargs)
    fused = {key.removeprefix("optimizer__"): value for key, value in fused_optimizer("cpu").items()}
    optimizer = torch.optim.AdamW(network.parameters(), lr=train_kwargs["lr"],
                                  weight_decay=train_kwargs["weight_decay"], **fused)
    warmup_steps = max(1, round(train_kwargs["warmup_fraction"] * total_steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: warmup_cosine(step, warmup_steps=warmup_steps, total_steps=total_steps))
    for step in range(total_steps):
        if step % steps_per_epoch == 0:
            order = torch.randperm(n_samples)  # a new epoch
        index = order[(step % steps_per_epoch) * batch_size :][:batch_size]
        loss = network(**{key: value[index] for key, value in tensors.items()})[0]
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(network.parameters(), train_kwargs["gradient_clip"])
        optimizer.step()
        schedule.step()
    return network


# ---- 2. inference ----------------------------------------------------------------------


def inference(sizes) -> str:
    """HiMAE-Base on 1 x 1000 windows, one thread: throughput and single-window latency per backend."""
    rng = np.random.default_rng(0)
    # the weights do not change the speed: one epoch on noise windows gives a fitted embedder
    embedder = HiMAEEmbedder(size="base", max_epochs=1, random_state=0, stretch_to=None)  # ONNX needs None
    embedder.fit(rng.standard_normal((64, 1, 1000), dtype=np.float32))
    X = rng.standard_normal((sizes["windows"], 1, 1000), dtype=np.float32)
    one = X[:1]
    graph = embedder.onnx_graph()  # the graph `to_onnx` exports, in eval mode
    with torch.inference_mode(), FlopCounterMode(display=False) as flops:
        graph(torch.from_numpy(one))

    backends = {"`embedder.transform` (validation, tokenisation, eager network)": embedder.transform}

    def eager(batch):
        with torch.inference_mode():
            return graph(torch.from_numpy(batch)).numpy()

    backends["torch eager, exported graph"] = eager
    notes = []
    try:
        compiled = torch.compile(graph, dynamic=False)

        def compiled_run(batch):
            with torch.inference_mode():
                return compiled(torch.from_numpy(batch)).numpy()

        for batch in (one, X):  # compile both shapes before timing
            compiled_run(batch)
        backends["torch.compile (inductor), exported graph"] = compiled_run
    except Exception as exc:  # report, do not hide: the other backends still run
        notes.append(f"torch.compile failed: {type(exc).__name__}: {str(exc).splitlines()[0]}")

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    with tempfile.TemporaryDirectory() as folder:
        exported = embedder.to_onnx(Path(folder) / "himae.onnx")
        session = onnxruntime.InferenceSession(exported, options)
        prepared, quantized = Path(folder) / "prepared.onnx", Path(folder) / "int8.onnx"
        quant_pre_process(str(exported), str(prepared))
        quantize_static(
            str(prepared), str(quantized), _Calibration(X[:32]), quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
        )
        int8_session = onnxruntime.InferenceSession(quantized, options)
    backends["ONNX Runtime (`to_onnx`, 1 thread)"] = lambda batch: session.run(None, {"X": batch})[0]
    backends["ONNX Runtime, int8 static quantisation, 1 thread"] = lambda batch: int8_session.run(None, {"X": batch})[0]

    reference = embedder.transform(X)
    window_flops = flops.get_total_flops()
    rows = []
    for name, run in backends.items():
        error = float(np.abs(run(X) - reference).max())  # also the warm-up of the batch shape
        throughput = len(X) / min(timed(run, X)[0] for _ in range(sizes["repeats"]))
        run(one)
        latencies = [timed(run, one)[0] for _ in range(sizes["latency_calls"])]
        rows.append(f"| {name} | {throughput:,.0f} | {1e3 * statistics.median(latencies):.3f} "
                    f"| {1e3 * np.percentile(latencies, 90):.3f} "
                    f"| {window_flops / statistics.median(latencies) / 1e9:.1f} | {error:.1e} |")
    peak = matmul_rate(sizes["matmul"])
    target_s = 0.5e-3
    return "\n".join([
        "## Transform: HiMAE-Base, one 1 x 1000 window, 1 thread",
        "",
        f"`HiMAEEmbedder(size=\"base\")` ({sum(p.numel() for p in embedder.net_.module_.encoder.parameters()):,} "
        f"encoder parameters, {window_flops / 1e6:.0f} MFLOP per window), `layer=-1`, "
        f"`pooling=\"mean\"`. Throughput: best of {sizes['repeats']} passes over "
        f"{len(X)} windows in one batch. Latency: {sizes['latency_calls']} calls on one window. Paper: 0.99 ms on a "
        "watch CPU; target <= 0.5 ms.",
        "",
        "| backend | throughput (windows/s) | latency median (ms) | latency p90 (ms) | GFLOP/s at the median "
        "(nominal: float32 FLOP / latency) | max abs diff to transform |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"The bound of this core: one thread's float32 {sizes['matmul']} x {sizes['matmul']} matrix product "
        f"(`torch.mm`, best of 5, the densest work there is) runs at {peak / 1e9:.1f} GFLOP/s: at that rate "
        f"a window's {window_flops / 1e6:.0f} MFLOP (direct convolution) take {1e3 * window_flops / peak:.2f} ms; "
        f"{1e3 * target_s:g} ms needs {window_flops / target_s / 1e9:.0f} GFLOP/s, "
        f"{window_flops / target_s / peak:.1f}x that rate.",
        *([""] + notes if notes else []),
    ])


def matmul_rate(n: int, repeats: int = 5) -> float:
    """FLOP/s of one float32 ``n x n`` matrix product on the current torch threads, best of ``repeats``."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm-up: the BLAS thread pool and its buffers
    return 2 * n**3 / min(timed(lambda: a @ b)[0] for _ in range(repeats))


class _Calibration(CalibrationDataReader):
    """Windows one at a time, as onnxruntime's static quantisation reads its calibration data."""

    def __init__(self, windows: np.ndarray):
        self._windows = iter(windows[:, None])  # (n, 1, C, T): one batch of one window each

    def get_next(self) -> dict | None:
        return next(({"X": window} for window in self._windows), None)


# ---- 3. grid search --------------------------------------------------------------------


def grid_search(sizes) -> str:
    return "\n".join([
        "## GridSearchCV over 5 layers x 3 folds with `memory`",
        "",
        f"What `benchmarks/gridsearch_memory.py --max-epochs {sizes['grid_epochs']}` prints, measured in this run. "
        "Target: the cached search <= 1.3x one fit per fold.",
        "",
        layer_search_report(sizes["grid_epochs"]),
    ])


# ---- 4. optimiser step -----------------------------------------------------------------


def optimizer_step(sizes) -> str:
    """Time of one AdamW step (random gradients) per implementation, on each method's network."""
    X, _ = load_basic_motions(split="train", return_type="numpy3D")
    embedders = {
        "HiMAE (small)": HiMAEEmbedder(size="small", stretch_to=None), "AIM (small)": AIMEmbedder(),
        "RoMAE (tiny-shallow)": RoMAEEmbedder(**PAPER_DECODER),
    }
    implementations = {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}
    rows = []
    for name, embedder in embedders.items():
        module, module_kwargs, _batch, _train = pretraining_problem(embedder, X.astype(np.float32))
        parameters = list(module(**module_kwargs).parameters())
        for parameter in parameters:
            parameter.grad = torch.randn_like(parameter)
        times = {}
        for key, kwargs in implementations.items():
            optimizer = torch.optim.AdamW(parameters, lr=1e-4, weight_decay=0.05, **kwargs)
            optimizer.step()  # allocates the moment buffers
            times[key] = min(timed(optimizer.step)[0] for _ in range(sizes["optimizer_steps"]))
        n_values = sum(parameter.numel() for parameter in parameters)
        rows.append(f"| {name} | {len(parameters)} | {n_values:,} | "
                    + " | ".join(f"{1e3 * times[key]:.2f}" for key in implementations)
                    + f" | {times['default'] / times['fused']:.1f}x |")
    return "\n".join([
        "## One AdamW step: default loop vs foreach vs fused",
        "",
        f"Best of {sizes['optimizer_steps']} steps with random gradients, each method's library-default network "
        "for BasicMotions (6 channels). The library trains with the fused kernel.",
        "",
        "| network | tensors | parameters | default (ms) | foreach (ms) | fused (ms) | fused speed-up |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ])


SECTIONS = {
    "training": training_overhead, "inference": inference, "search": grid_search, "optimizer": optimizer_step,
}


# ---- helpers ---------------------------------------------------------------------------


def header(command: str, wall: float, load: tuple[float, float]) -> str:
    return "\n".join([
        "# Speed benchmark",
        "",
        f"Machine: {machine()}; no GPU used.",
        f"Versions: {versions('torch', 'onnxruntime', 'scikit-learn', 'skorch', 'numpy')}.",
        f"Command: `{command}`; wall time {wall / 60:.1f} min.",
        f"Load average (1 min) at the start and the end of the run: {load[0]:.1f} / {load[1]:.1f} "
        f"(above {cores()}, other jobs shared the cores: absolute times are then upper "
        "bounds, ratios within the run stay comparable).",
    ])


if __name__ == "__main__":
    main()
