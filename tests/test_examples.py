"""Every script in ``examples/`` (the documentation's gallery) runs, in a subprocess.

By default each example runs as a *smoke test*: every pretraining is capped at
``SKLEARN_MSAE_EXAMPLES_MAX_EPOCHS`` epochs (default 2), so an example costs 10-20 s
of CPU, mostly imports. That checks that the examples still run end to
end against the current API (data loading, pipelines, plots), not their numbers. Set
``SKLEARN_MSAE_EXAMPLES_MAX_EPOCHS=full`` to run them exactly as written (several
minutes on a laptop CPU), e.g. before a release or to time them.

Slow examples (`SLOW`) are skipped in the smoke run unless ``SKLEARN_MSAE_EXAMPLES_SLOW=1``;
the full run includes them.

The cap is applied by the bootstrap below, which wraps ``sklearn_msae._base.pretrain``
(the function ``tests/conftest.py`` also wraps to count pretrainings) and then runs the
example with ``runpy`` as ``__main__``. The examples themselves carry no test hook.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
MAX_EPOCHS_VAR = "SKLEARN_MSAE_EXAMPLES_MAX_EPOCHS"
SLOW_VAR = "SKLEARN_MSAE_EXAMPLES_SLOW"
# name -> why it is slow even with 2 epochs
SLOW = {
    "sktime_benchmark.py": (
        "sktime's benchmark with MiniRocket (numba compilation) on top of 6 pretrainings; "
        "its core, run_uea_benchmark, has a doctest in the main suite (without MiniRocket)"
    ),
}

BOOTSTRAP = """
import runpy
import sys

import sklearn_msae._base as base

cap, path = int(sys.argv[1]), sys.argv[2]
real_pretrain = base.pretrain


# same parameter names as the real one: joblib.Memory's ignore=["device", "verbose", ...] needs them
def pretrain(
    module, module_kwargs, batch, train_kwargs, seed, device, verbose, *,
    data_key=None, accelerate=False, checkpoint_dir=None, checkpoint_every=None, initial_state=None,
):
    train_kwargs = {**train_kwargs, "max_epochs": min(train_kwargs["max_epochs"], cap)}
    return real_pretrain(
        module, module_kwargs, batch, train_kwargs, seed, device, verbose, data_key=data_key,
        accelerate=accelerate, checkpoint_dir=checkpoint_dir, checkpoint_every=checkpoint_every,
        initial_state=initial_state,
    )


base.pretrain = pretrain
sys.argv = [path]
runpy.run_path(path, run_name="__main__")
"""


def _max_epochs():
    """The epoch cap: an int, or None to run the examples as written."""
    value = os.environ.get(MAX_EPOCHS_VAR, "2").strip().lower()
    if value in {"full", "none", "0", ""}:
        return None
    return int(value)


def test_there_are_examples():
    assert EXAMPLES, "examples/ holds no script"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_example_has_a_gallery_header(example):
    """sphinx-gallery needs a module docstring whose first line is a title underlined with '='."""
    docstring = ast.get_docstring(ast.parse(example.read_text(encoding="utf-8")), clean=False)
    assert docstring, f"{example.name} has no module docstring (sphinx-gallery's title block)"
    lines = docstring.strip("\n").splitlines()
    assert len(lines) >= 2 and lines[0].strip(), f"{example.name}: the docstring must start with a title line"
    underline = lines[1].strip()
    assert set(underline) == {"="} and len(underline) >= len(lines[0].strip()), (
        f"{example.name}: underline the title with at least {len(lines[0].strip())} '='"
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_example_runs(example, tmp_path):
    cap = _max_epochs()
    if cap is not None and example.name in SLOW and os.environ.get(SLOW_VAR) != "1":
        pytest.skip(f"slow example ({SLOW[example.name]}); run it with {SLOW_VAR}=1 or {MAX_EPOCHS_VAR}=full")
    workdir, tmp = tmp_path / "cwd", tmp_path / "tmp"
    workdir.mkdir()
    tmp.mkdir()
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",  # no window; plt.show() returns at once
        "OMP_NUM_THREADS": "1",  # one torch thread: frugal, and no oversubscription on a shared CPU
        "TMPDIR": str(tmp),  # tempfile.mkdtemp() of an example lands in tmp_path
        "PYTHONWARNINGS": "ignore",  # keep the captured output to what the example prints
    }
    if cap is None:
        command, timeout = [sys.executable, str(example)], 600
    else:
        command, timeout = [sys.executable, "-c", BOOTSTRAP, str(cap), str(example)], 300
    result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{example.name} failed (exit code {result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    )
    assert result.stdout.strip(), f"{example.name} printed nothing"
    left = sorted(path.name for path in workdir.iterdir())
    assert not left, f"{example.name} left files in its working directory: {left}"
