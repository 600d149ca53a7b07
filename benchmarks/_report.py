"""What every benchmark report opens with (command, versions, machine) and how it is written.

Imported by the benchmark scripts, which run with ``benchmarks/`` on ``sys.path``.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import torch

import sklearn_msae


def machine() -> str:
    """CPU model, core count, GPU and torch's thread count, as one line."""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        model = platform.processor() or "unknown CPU"
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{model}, {os.cpu_count()} cores (shared), {gpu}; torch threads: {torch.get_num_threads()}"


def versions(with_sktime: bool = True) -> str:
    """The versions of the libraries a result depends on; sktime only where the script uses it."""
    libraries = [("sklearn-msae", sklearn_msae.__version__), ("Python", platform.python_version()),
                 ("torch", torch.__version__), ("scikit-learn", sklearn.__version__)]
    if with_sktime:
        import sktime  # here, not at the top: scripts without sktime should not pay for its import

        libraries.append(("sktime", sktime.__version__))
    libraries += [("numpy", np.__version__), ("pandas", pd.__version__)]
    return ", ".join(f"{name} {version}" for name, version in libraries)


def header(
    title: str, script: str, argv, wall_seconds: float, run: str, host: str, with_sktime: bool = True
) -> list[str]:
    """The report's first lines: title, the command and its wall time with ``run`` (seeds, epochs), versions, machine.

    ``argv`` is what ``main`` received (None: the process's own arguments); ``host`` is
    :func:`machine`'s line, taken by the caller when torch's thread count is the one used.
    """
    arguments = argv if argv is not None else sys.argv[1:]
    command = f"nice python benchmarks/{script} " + " ".join(arguments)
    return [
        f"# {title}",
        "",
        f"Command: `{command.strip()}` — wall time {wall_seconds / 60:.1f} min, {run}.",
        "",
        f"Versions: {versions(with_sktime)}.",
        "",
        f"Machine: {host}.",
        "",
    ]


def write(report: str, output: Path) -> None:
    """Print the report and write it to ``output`` (its folder created if needed)."""
    print(report)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report)
