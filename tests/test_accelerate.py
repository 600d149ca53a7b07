"""Pretraining through Hugging Face Accelerate (skorch's AccelerateMixin), single CPU process.

A multi-GPU run uses the same code path under ``accelerate launch`` (docs/scaling.md).
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_msae import AIMEmbedder, HiMAEEmbedder

pytest.importorskip("accelerate")

FAST = dict(size="tiny", max_epochs=2, batch_size=8, device="cpu", random_state=0)
ON_CPU = {"cpu": True}


@pytest.mark.parametrize("cls", [HiMAEEmbedder, AIMEmbedder])
def test_accelerated_fit_equals_the_plain_fit_on_one_cpu_process(cls, basic_motions):
    X = basic_motions[0]
    plain = cls(**FAST, validation_fraction=0.2).fit(X)
    accelerated = cls(**FAST, validation_fraction=0.2, accelerate=ON_CPU).fit(X)
    for key in ("train_loss", "valid_loss"):
        np.testing.assert_allclose(accelerated.net_.history[:, key], plain.net_.history[:, key], rtol=1e-6)
    np.testing.assert_allclose(accelerated.transform(X), plain.transform(X), rtol=1e-5, atol=1e-6)
    assert type(accelerated.net_).__name__ == "MaskedPretrainer"  # inference needs no accelerator


def test_accelerated_fit_cuts_the_last_epoch_at_max_steps(basic_motions):
    fitted = HiMAEEmbedder(**dict(FAST, max_epochs=10), max_steps=7, accelerate=ON_CPU).fit(basic_motions[0])
    assert [len(epoch["batches"]) for epoch in fitted.net_.history] == [5, 2]  # 40 series / 8 per batch


def test_accelerated_streamed_fit(basic_motions, tmp_path):
    X = basic_motions[0]
    np.save(tmp_path / "x.npy", X)
    X_map = np.load(tmp_path / "x.npy", mmap_mode="r")
    plain = HiMAEEmbedder(**FAST, streaming=True).fit(X_map)
    accelerated = HiMAEEmbedder(**FAST, streaming=True, accelerate=ON_CPU, checkpoint_dir=tmp_path / "ckpt").fit(X_map)
    np.testing.assert_allclose(accelerated.transform(X), plain.transform(X), rtol=1e-5, atol=1e-6)


def test_accelerate_parameter_is_clonable_and_validated(basic_motions):
    embedder = HiMAEEmbedder(accelerate={"cpu": True, "mixed_precision": "no"})
    assert clone(embedder).get_params()["accelerate"] == {"cpu": True, "mixed_precision": "no"}
    with pytest.raises(InvalidParameterError, match="'accelerate' parameter"):
        HiMAEEmbedder(accelerate="yes").fit(basic_motions[0])
