"""`to_onnx`: ONNX Runtime on raw series gives what `transform` gives, for every embedder."""

import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from sklearn_msae import AIMEmbedder, HiMAEEmbedder, RoMAEEmbedder, to_panel

onnxruntime = pytest.importorskip("onnxruntime")

TOLERANCE = 1e-4  # max abs difference; float32 kernels of torch and ONNX Runtime differ by ~1e-6
ROMAE = {"embed_dim": 32, "num_heads": 2, "depth": 2, "decoder_embed_dim": 32, "decoder_num_heads": 2}


def run_onnx(path, **inputs):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(path, options).run(None, inputs)[0]


def with_gaps(X):
    """A copy of 7 series of X (a batch size other than the export's) with NaN gaps of every kind."""
    X = X[:7].copy()
    X[0, 2, 10:30] = np.nan  # a gap in one channel
    X[1, :, 50:70] = np.nan  # a gap in every channel
    X[2, 3:] = np.nan  # sensors off
    X[3, 1, ::3] = np.nan  # scattered values
    return X


@pytest.fixture(scope="module")
def himae(basic_motions):
    # the graph embeds X on its own steps: HiMAE's default stretch_to=128 would resample BasicMotions' 100
    return HiMAEEmbedder(size="tiny", max_epochs=2, random_state=0, stretch_to=None).fit(basic_motions[0])


@pytest.mark.parametrize("layer, pooling", [(1, "meanmax"), ("all", "flatten")])
def test_himae_matches_transform(himae, basic_motions, tmp_path, layer, pooling):
    X = with_gaps(basic_motions[2])
    path = himae.set_params(layer=layer, pooling=pooling).to_onnx(tmp_path / "himae.onnx")
    expected = himae.transform(X)
    assert np.abs(run_onnx(path, X=X) - expected).max() <= TOLERANCE
    assert np.abs(run_onnx(path, X=X[:1]) - expected[:1]).max() <= TOLERANCE  # one window: the latency case


def test_aim_matches_transform_and_gives_nan_for_an_empty_series(basic_motions, tmp_path):
    X_train, _, X_test, _ = basic_motions
    embedder = AIMEmbedder(size="tiny", pooling="channel", max_epochs=2, random_state=0).fit(with_gaps(X_train))
    path = embedder.to_onnx(tmp_path / "aim.onnx")
    X = with_gaps(X_test)
    assert np.abs(run_onnx(path, X=X) - embedder.transform(X)).max() <= TOLERANCE

    # transform refuses a series with no observed value; the graph has no error path: per-channel
    # pooling over no token gives zeros (NaN with pooling="mean")
    X[0] = np.nan
    features = run_onnx(path, X=X)
    assert not features[0].any()
    assert np.abs(features[1:] - embedder.transform(X[1:])).max() <= TOLERANCE


@pytest.mark.parametrize("cls", [HiMAEEmbedder, AIMEmbedder])
def test_channel_independent_networks_match_transform(cls, basic_motions, tmp_path):
    X = basic_motions[0]
    embedder = cls(size="tiny", channel_mode="independent", channel_pooling="meanmax", max_epochs=1, random_state=0,
                   stretch_to=None)
    embedder.fit(X)
    path = embedder.to_onnx(tmp_path / "model.onnx")
    X_gappy = with_gaps(X)  # a sensor off: left out of the channel pooling in the graph too
    np.testing.assert_allclose(run_onnx(str(path), X=X_gappy), embedder.transform(X_gappy), atol=TOLERANCE)


def test_romae_timestep_tokens_any_length(basic_motions, tmp_path):
    X_train, _, X_test, _ = basic_motions
    embedder = RoMAEEmbedder(**ROMAE, pooling="mean", max_epochs=2, random_state=0).fit(X_train)
    assert embedder.tokens_ == "timestep"
    path = embedder.to_onnx(tmp_path / "romae.onnx")
    X = with_gaps(X_test)[:, :, :80]  # exported at length 100: the time axis is dynamic
    times = np.broadcast_to(np.arange(80.0), (len(X), 80))  # numpy input's time stamps: the grid index
    assert np.abs(run_onnx(path, X=X, times=times) - embedder.transform(X)).max() <= TOLERANCE


def test_romae_value_tokens_irregular_series(tmp_path):
    # unequal lengths, irregular float time stamps, channels observed at different times
    rng = np.random.default_rng(0)
    series = []
    for length in rng.integers(20, 40, size=9):
        frame = pd.DataFrame(rng.normal(size=(length, 2)), index=np.cumsum(rng.uniform(0.5, 2.0, length)) + 1e4)
        frame.iloc[rng.random((length, 2)) < 0.3] = np.nan
        series.append(frame.dropna(how="all"))
    embedder = RoMAEEmbedder(**ROMAE, max_epochs=2, random_state=0).fit(series[:6])
    assert embedder.tokens_ == "value"
    path = embedder.to_onnx(tmp_path / "romae.onnx")
    panel = to_panel(series)  # NaN-padded values and times, as the graph takes them
    features = run_onnx(path, X=panel.values, times=panel.times)
    assert np.abs(features - embedder.transform(series)).max() <= TOLERANCE


def test_unfitted_raises(tmp_path):
    with pytest.raises(NotFittedError):
        HiMAEEmbedder().to_onnx(tmp_path / "model.onnx")


def test_missing_onnx_names_the_extra(himae, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes `import onnx` raise ImportError
    with pytest.raises(ImportError, match=r'pip install "sklearn-msae\[onnx\]"'):
        himae.to_onnx(tmp_path / "model.onnx")


def test_bad_path_and_layer(himae, tmp_path):
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        himae.set_params(layer=1, pooling="mean").to_onnx(3)
    with pytest.raises(ValueError, match="layer=9 is out of range"):
        himae.set_params(layer=9).to_onnx(tmp_path / "model.onnx")




@pytest.fixture
def logged():
    """``logged(name)``: the records (WARNING and above) that reach logger ``name``'s handlers, while the test runs."""
    import logging

    attached = []

    def records_of(name):
        records, handler = [], logging.Handler(logging.WARNING)
        handler.emit = records.append
        logging.getLogger(name).addHandler(handler)
        attached.append((name, handler))
        return records

    yield records_of
    for name, handler in attached:
        logging.getLogger(name).removeHandler(handler)


def test_export_is_silent(himae, tmp_path, logged, recwarn):
    # torch's "torch.onnx" logger prints to stderr itself (it does not propagate); without
    # the filter its exporter logs "torchvision is not installed. Skipping ..." four times
    records = logged("torch.onnx")
    himae.set_params(layer=1, pooling="mean").to_onnx(tmp_path / "himae.onnx")
    assert [record.getMessage() for record in records] == []
    assert [str(warning.message) for warning in recwarn] == []


def test_export_drops_only_the_torchvision_notices(logged):
    import logging

    from sklearn_msae._onnx import _REGISTRATION_LOGGER, _without_torchvision_notices

    logger, records = logging.getLogger(_REGISTRATION_LOGGER), logged(_REGISTRATION_LOGGER)
    with _without_torchvision_notices():
        logger.warning("torchvision is not installed. Skipping %s", "torchvision::nms")
        logger.warning("Failed to register %s", "aten::foo")  # any other message still shows
    logger.warning("torchvision is not installed. Skipping %s", "torchvision::nms")  # the filter is gone after
    assert [record.getMessage() for record in records] == [
        "Failed to register aten::foo", "torchvision is not installed. Skipping torchvision::nms"
    ]
