"""Round trips and reproducibility: save_pretrained / from_pretrained, skops, processes, cache."""

import json
import subprocess
import sys

import numpy as np
import pytest
import skops.io
from joblib import Memory

from sklearn_msae import HiMAEEmbedder

TINY = {"size": "tiny", "max_epochs": 3, "random_state": 0}


@pytest.fixture(scope="module")
def fitted(basic_motions):
    X_train = basic_motions[0]
    return HiMAEEmbedder(**TINY, layer=2, pooling="meanmax").fit(X_train), X_train


def test_save_and_load_pretrained_is_bit_identical(fitted, tmp_path):
    embedder, X = fitted
    embedder.save_pretrained(tmp_path / "model")
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["config.json", "model.safetensors"]
    loaded = HiMAEEmbedder.from_pretrained(tmp_path / "model")
    np.testing.assert_array_equal(loaded.transform(X), embedder.transform(X))
    assert loaded.get_params() == {**embedder.get_params(), "channels": None}
    np.testing.assert_array_equal(loaded.channel_scale_, embedder.channel_scale_)
    assert loaded.channel_scale_.dtype == np.float32
    # transform-only parameters can be overridden at load time
    assert HiMAEEmbedder.from_pretrained(tmp_path / "model", layer=-1, pooling="mean").transform(X).shape == (40, 64)


def test_config_is_plain_json_and_class_is_checked(fitted, tmp_path):
    embedder, _ = fitted
    embedder.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["class"] == "HiMAEEmbedder" and config["module_kwargs"]["channels"] == [8, 16, 32, 64]
    config["class"] = "AIMEmbedder"
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="holds a 'AIMEmbedder'"):
        HiMAEEmbedder.from_pretrained(tmp_path)


def test_skops_round_trip(fitted, tmp_path):
    embedder, X = fitted
    skops.io.dump(embedder, tmp_path / "model.skops")
    untrusted = skops.io.get_untrusted_types(file=tmp_path / "model.skops")
    loaded = skops.io.load(tmp_path / "model.skops", trusted=untrusted)
    np.testing.assert_array_equal(loaded.transform(X), embedder.transform(X))


FIT_IN_A_PROCESS = """
import sys, numpy as np
from sktime.datasets import load_basic_motions
from sklearn_msae import HiMAEEmbedder
X, _ = load_basic_motions(split="train", return_type="numpy3D")
np.save(sys.argv[1], HiMAEEmbedder(size="tiny", max_epochs=3, random_state=0).fit_transform(X))
"""


def test_same_random_state_is_reproducible_across_processes(fitted, tmp_path):
    embedder, X = fitted
    paths = [tmp_path / f"run{i}.npy" for i in range(2)]
    for path in paths:
        subprocess.run([sys.executable, "-c", FIT_IN_A_PROCESS, str(path)], check=True)
    first, second = (np.load(path) for path in paths)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, HiMAEEmbedder(**TINY).fit_transform(X))


def test_interrupted_fit_writes_no_cache_entry(basic_motions, tmp_path, request):
    X = basic_motions[0][:8]
    memory = Memory(tmp_path, verbose=0)
    patch = request.getfixturevalue("interrupt_second_training_step")
    with pytest.raises(KeyboardInterrupt):
        HiMAEEmbedder(**TINY, memory=memory).fit(X)
    assert not list(tmp_path.rglob("output.pkl"))
    patch.undo()
    embedder = HiMAEEmbedder(**TINY, memory=memory).fit(X)  # trains and caches now
    assert len(list(tmp_path.rglob("output.pkl"))) == 1
    np.testing.assert_array_equal(embedder.transform(X), HiMAEEmbedder(**TINY).fit(X).transform(X))
