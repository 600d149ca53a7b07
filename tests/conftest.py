import numpy as np
import pytest
from sktime.datasets import load_basic_motions


@pytest.fixture(scope="session")
def basic_motions():
    """BasicMotions (ships with sktime): 40 train / 40 test series, 6 channels, length 100."""
    X_train, y_train = load_basic_motions(split="train", return_type="numpy3D")
    X_test, y_test = load_basic_motions(split="test", return_type="numpy3D")
    return X_train.astype(np.float32), y_train, X_test.astype(np.float32), y_test


@pytest.fixture
def shared_uea():
    """`load_uea` for data sets of ``../shared/data`` (or ``SKLEARN_MSAE_DATA``): skips the test when absent."""
    from sklearn_msae.datasets import load_uea

    def load(name, **kwargs):
        try:
            return load_uea(name, **kwargs)
        except FileNotFoundError as exc:
            pytest.skip(f"UEA data set {name} is not available here: {exc}")

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
        data_key=None, accelerate=False, checkpoint_dir=None, checkpoint_every=None,
    ):  # fmt: skip
        calls.append(1)
        return real_pretrain(
            module, module_kwargs, batch, train_kwargs, seed, device, verbose, data_key=data_key,
            accelerate=accelerate, checkpoint_dir=checkpoint_dir, checkpoint_every=checkpoint_every,
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
