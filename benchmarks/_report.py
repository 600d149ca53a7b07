"""What every benchmark report opens with (command, versions, machine), how it is written, and the clock.

The one place the scripts describe the machine and the libraries a result depends on,
built as scikit-learn's ``show_versions`` builds its report: `platform` for Python and the
system, `importlib.metadata` for the installed versions, and `threadpoolctl` for the BLAS
and OpenMP libraries loaded and their thread counts (no ``lscpu`` to parse).

Imported by the benchmark scripts, which run with ``benchmarks/`` on ``sys.path``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import sklearn_msae

#: The libraries most results depend on, in the order the reports name them (``sktime`` is
#: left out where a script does not use it: importing it costs seconds).
LIBRARIES = ("torch", "scikit-learn", "sktime", "numpy", "pandas")


def run_parser(doc: str, report: str, seeds: int, quick: str) -> argparse.ArgumentParser:
    """The command line of a seeded benchmark: ``--seeds``, ``--quick``, ``--threads``, ``--output``.

    ``doc`` is the script's docstring (its first paragraph describes the command); ``report``
    the file name of its report under ``benchmarks/results/``; ``quick`` what ``--quick`` does.
    """
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=seeds, help=f"number of seeds (0, 1, ...); default {seeds}")
    parser.add_argument("--quick", action="store_true", help=f"{quick}: a smoke run")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: on a shared machine more threads than free cores is slower)")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / report)
    return parser


def timed(fn, *args) -> tuple[float, object]:
    """``(seconds, fn(*args))``: the wall time of one call, and its result."""
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, `platform.processor` elsewhere)."""
    cpuinfo = Path("/proc/cpuinfo")
    names = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), flags=re.MULTILINE) if cpuinfo.exists() else []
    return names[0].strip() if names else platform.processor() or platform.machine()


def cores() -> int:
    """The cores this process may run on (its affinity where the system tells it)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def thread_pools() -> str:
    """The BLAS and OpenMP libraries loaded and their thread counts, from `threadpoolctl.threadpool_info`."""
    from threadpoolctl import threadpool_info

    pools = sorted({  # the library's own name for BLAS (openblas, mkl), its file's for OpenMP (libgomp, libomp)
        (pool["user_api"], pool["internal_api" if pool["user_api"] == "blas" else "prefix"], pool.get("version") or "",
         pool["num_threads"])
        for pool in threadpool_info()
    })
    return ", ".join(
        f"{api} {name}{f' {release}' if release else ''} ({threads} threads)" for api, name, release, threads in pools
    ) or "no BLAS or OpenMP pool loaded"


def machine() -> str:
    """CPU model, cores, GPU, torch's thread count and the BLAS / OpenMP pools, as one line.

    Taken when the thread counts are the ones the measurement uses (some libraries, numba
    for MiniRocket, reset them).
    """
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"{cpu_model()}, {cores()} cores (shared), {gpu}, {platform.platform()}; "
            f"torch threads: {torch.get_num_threads()}; {thread_pools()}")


def versions(*libraries: str) -> str:
    """sklearn-msae's and Python's versions, then each of ``libraries`` (distribution names) installed."""
    named = [("sklearn-msae", sklearn_msae.__version__), ("Python", platform.python_version())]
    for library in libraries or LIBRARIES:
        try:
            named.append((library, version(library)))
        except PackageNotFoundError:
            named.append((library, "not installed"))
    return ", ".join(f"{name} {release}" for name, release in named)


def command_line(script: str, argv=None, prefix: str = "python") -> str:
    """The command that ran ``benchmarks/<script>`` with ``argv`` (None: the process's own arguments)."""
    arguments = sys.argv[1:] if argv is None else argv
    return " ".join([prefix, f"benchmarks/{script}", *arguments]).strip()


def header(title: str, script: str, argv, wall_seconds: float, run: str, host: str, libraries=LIBRARIES) -> list[str]:
    """The report's first lines: title, the command and its wall time with ``run`` (seeds, epochs), versions, machine.

    ``argv`` is what ``main`` received (None: the process's own arguments); ``host`` is
    :func:`machine`'s line, taken by the caller when the thread counts are the ones used.
    """
    return [
        f"# {title}",
        "",
        f"Command: `{command_line(script, argv, 'nice python')}` — wall time {wall_seconds / 60:.1f} min, {run}.",
        "",
        f"Versions: {versions(*libraries)}.",
        "",
        f"Machine: {host}.",
        "",
    ]


def write(report: str, output: Path) -> None:
    """Print the report and write it to ``output`` (its folder created if needed)."""
    print(report)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report)
