import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from sktime.datasets import load_basic_motions

from sklearn_msae.datasets import DATA_ENV_VAR

# The library reads UEA data only from ``data_home`` or ``SKLEARN_MSAE_DATA`` (and sktime's
# bundled sets); the tests point the variable at the ``shared/`` folder beside the checkout.
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
CHECKOUT_UEA = Path(__file__).resolve().parents[2] / "shared" / "data" / "uea"


def pytest_configure(config):
    """Set ``SKLEARN_MSAE_DATA`` to ``<repo>/../shared/data/uea`` for the session if unset and present.

    ``.ci/run`` exports it; a developer's plain ``pytest`` in a checkout with ``shared/``
    beside it finds the data the same way (subprocesses of the tests inherit it).
    """
    if not os.environ.get(DATA_ENV_VAR) and CHECKOUT_UEA.is_dir():
        os.environ[DATA_ENV_VAR] = str(CHECKOUT_UEA)
    # pytest-xdist workers (``-n auto`` in pyproject.toml) share the cores: torch threads
    # beyond each worker's share only oversubscribe them (2 workers of 2 threads on two
    # cores took longer than one process)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


def _data_absent(reason: str):
    """Skip a test whose UEA data is absent; under ``CI=true`` fail it instead, loudly."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the tests that need the UEA data must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def uea_home() -> Path:
    """The UEA folder of ``SKLEARN_MSAE_DATA``: skips the test when absent (fails under ``CI=true``)."""
    home = os.environ.get(DATA_ENV_VAR)
    if not home or not Path(home).expanduser().is_dir():
        where = f"{DATA_ENV_VAR}={home} is not a folder" if home else f"{DATA_ENV_VAR} is unset, no {CHECKOUT_UEA}"
        _data_absent(f"UEA data folder not found: {where} (set {DATA_ENV_VAR} to a folder of <Name>/<Name>_TRAIN.ts)")
    return Path(home).expanduser()


@pytest.fixture
def need_uea(uea_home):
    """``need(name)``: the UEA folder if it holds data set ``name``, else skips (fails under ``CI=true``)."""

    def need(name: str) -> Path:
        if not (uea_home / name / f"{name}_TRAIN.ts").is_file():
            _data_absent(f"{name} not in the UEA data folder {uea_home}")
        return uea_home

    return need


@pytest.fixture(scope="session")
def basic_motions():
    """BasicMotions (ships with sktime): 40 train / 40 test series, 6 channels, length 100."""
    X_train, y_train = load_basic_motions(split="train", return_type="numpy3D")
    X_test, y_test = load_basic_motions(split="test", return_type="numpy3D")
    return X_train.astype(np.float32), y_train, X_test.astype(np.float32), y_test


@pytest.fixture
def shared_uea():
    """`load_uea` for data sets of ``SKLEARN_MSAE_DATA``: skips the test when absent (fails under ``CI=true``)."""
    from sklearn_msae.datasets import load_uea

    def load(name, **kwargs):
        try:
            return load_uea(name, **kwargs)
        except FileNotFoundError as exc:
            _data_absent(f"UEA data set {name} is not available here: {exc}")

    return load


@pytest.fixture
def pretrain_calls(monkeypatch):
    """A list that gets one entry per real (uncached) pretraining."""
    import sklearn_msae._base

    calls = []
    real_pretrain = sklearn_msae._base.pretrain

    # same signature as the real one: joblib.Memory inspects it for the `ignore` list
    def counting_pretrain(
        module, module_kwargs, batch, train_kwargs, seed, device, verbose, *,
        data_key=None, accelerate=False, checkpoint_dir=None, checkpoint_every=None, initial_state=None,
    ):  # fmt: skip
        calls.append(1)
        return real_pretrain(
            module, module_kwargs, batch, train_kwargs, seed, device, verbose, data_key=data_key,
            accelerate=accelerate, checkpoint_dir=checkpoint_dir, checkpoint_every=checkpoint_every,
            initial_state=initial_state,
        )  # fmt: skip

    monkeypatch.setattr(sklearn_msae._base, "pretrain", counting_pretrain)
    return calls


@pytest.fixture
def interrupt_second_training_step(monkeypatch):
    """Make HiMAE's forward raise KeyboardInterrupt on its second call (a Ctrl-C mid-fit)."""
    from sklearn_msae.nn.himae import HiMAE

    original, calls = HiMAE.forward, []

    def interrupted_forward(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(HiMAE, "forward", interrupted_forward)
    return monkeypatch


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny networks on one torch thread (``pytestmark = pytest.mark.usefixtures(...)``):
    on a shared CPU, torch's thread pool oversubscribed by other processes made them up
    to 4x slower; the subprocesses some tests start reuse the thread count."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def benchmark_script(monkeypatch):
    """``load(name)``: ``benchmarks/<name>.py`` imported as its command line runs it (``benchmarks/`` on sys.path)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))

    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
