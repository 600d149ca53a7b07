"""Property-based fuzzing of the public API (issue 22): any input gives a result or a named ValueError/TypeError.

Hypothesis draws arrays of any shape (0-D to 4-D, empty dims, single points, long
series) and dtype (float16/32/64, ints, bool, object with strings/None/pd.NA, complex,
datetime, strings), NaN/inf patterns (all-NaN series or channels, inf, values of scale
1e30/1e-30, beyond float32), pandas frames with any time index (RangeIndex, ints,
floats, DatetimeIndex with or without tz, TimedeltaIndex; duplicate, unsorted or
missing stamps; interleaved instances) and column dtype (nullable Float64/Int64/boolean
included), flat 2-D frames, lists of arrays/Series/DataFrames, and parameter values
across and beyond their constraints (see ``tests/fuzz_strategies.py``).

The property, for every call: it returns finite output of the documented shape
(``transform``: ``(n_series, n_features_out)`` float32; ``reconstruct`` and
``MAEImputer.transform``: the shape and index of ``X``, without NaN; ``score``: a finite
float; ``to_panel``: a padded panel without inf) **or** raises ``ValueError`` or
``TypeError`` (scikit-learn's ``InvalidParameterError`` is a ``ValueError``) with a
non-empty message, never another exception type; and no call mutates its input
(compared with a deep copy taken before the call, frames with
``pd.testing.assert_frame_equal``).

Covered: ``transform``/``reconstruct``/``score`` of one tiny fitted model per embedder
class (module fixtures), parameters set after fit (``layer``, ``pooling``,
``inference_batch_size``, ``device``), ``fit`` on fuzzed inputs and with fuzzed
constructor parameters (``max_epochs=1``), ``MAEImputer.transform``, ``to_panel``,
``from_pretrained`` of a saved folder whose ``config.json`` has one field edited, and
``transform`` of the sktime adapters.

Profiles (hypothesis settings, registered here, applied per test so other modules keep
their own settings):

* ``sklearn-msae-fuzz-fast`` (default, CI): 638 examples in all (the ``@fuzz(n)`` of
  each test, times 3 for the tests run per embedder), about 25 s on two idle cores, ``derandomize=True`` (the same examples on every run),
  ``deadline=None``, no example database.
* ``sklearn-msae-fuzz-long``: selected with ``SKLEARN_MSAE_FUZZ=long``; 60 times the
  examples of each test (38,280 in all), random (not derandomized), for a
  nightly or manual run, e.g.
  ``SKLEARN_MSAE_FUZZ=long pytest -n 2 tests/test_fuzz.py --hypothesis-show-statistics``
  (about 10 minutes on two cores; on 2 December 2026 three runs found five bugs, the
  third passed all 38,280 examples).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the strategies module beside this file
import fuzz_strategies as fs  # noqa: E402

import sklearn_msae  # noqa: E402
from sklearn_msae import AIMEmbedder, HiMAEEmbedder, MAEImputer, RoMAEEmbedder, to_panel  # noqa: E402

# ---- profiles ----------------------------------------------------------------------

LONG = os.environ.get("SKLEARN_MSAE_FUZZ", "").lower() == "long"
LONG_FACTOR = 60
_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    "print_blob": True,
}
settings.register_profile("sklearn-msae-fuzz-fast", derandomize=True, database=None, **_COMMON)
settings.register_profile("sklearn-msae-fuzz-long", derandomize=False, database=None, **_COMMON)
PROFILE = settings.get_profile("sklearn-msae-fuzz-long" if LONG else "sklearn-msae-fuzz-fast")


def fuzz(n: int):
    """Settings of a test with ``n`` examples in the fast profile (``LONG_FACTOR * n`` in the long one)."""
    return settings(parent=PROFILE, max_examples=n * LONG_FACTOR if LONG else n)


# ---- the models ---------------------------------------------------------------------

TINY = {"max_epochs": 1, "random_state": 0, "device": "cpu"}
MAKERS = {
    "HiMAEEmbedder": lambda **p: HiMAEEmbedder(**{"size": "tiny", **TINY, **p}),
    "AIMEmbedder": lambda **p: AIMEmbedder(**{"size": "tiny", **TINY, **p}),
    "RoMAEEmbedder": lambda **p: RoMAEEmbedder(
        **{"embed_dim": 16, "num_heads": 2, "depth": 1, "decoder_embed_dim": 16, "decoder_num_heads": 2, **TINY, **p}
    ),
}
NAMES = list(MAKERS)


def good(n=6, channels=2, length=20):
    return np.random.default_rng(0).standard_normal((n, channels, length)).astype(np.float32)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def fitted():
    """One tiny model per embedder class, fitted once on 6 series of 2 channels and 20 steps."""
    return {name: make().fit(good()) for name, make in MAKERS.items()}


# ---- the property -------------------------------------------------------------------

REFUSED = object()


def assert_same(before, after, where="X"):
    """``after`` equals the deep copy ``before`` bit for bit (type, dtype, shape, values, index)."""
    assert type(before) is type(after), f"{where}: type changed from {type(before)} to {type(after)}"
    if isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(after, before, check_exact=True, obj=where)
    elif isinstance(before, pd.Series):
        pd.testing.assert_series_equal(after, before, check_exact=True, obj=where)
    elif isinstance(before, np.ndarray):
        assert before.dtype == after.dtype and before.shape == after.shape, f"{where}: dtype or shape changed"
        if before.dtype == object:
            assert [repr(v) for v in before.ravel()] == [repr(v) for v in after.ravel()], f"{where}: values changed"
        else:
            assert before.tobytes() == after.tobytes(), f"{where}: values changed"
    elif isinstance(before, (list, tuple)):
        assert len(before) == len(after), f"{where}: length changed"
        for i, (b, a) in enumerate(zip(before, after)):
            assert_same(b, a, f"{where}[{i}]")
    else:
        assert repr(before) == repr(after), f"{where} changed"


def call(fn, X, *args, **kwargs):
    """``fn(X, ...)``, or `REFUSED` when it raises a ValueError/TypeError with a message; ``X`` must not change.

    Any other exception propagates: the test fails with it (and Hypothesis shrinks ``X``).
    """
    before = copy.deepcopy(X)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # warnings are allowed; only their errors are judged
            out = fn(X, *args, **kwargs)
    except (ValueError, TypeError) as error:
        assert str(error).strip(), f"{type(error).__name__} without a message"
        event(f"refused: {type(error).__name__}")
        out = REFUSED
    else:
        event("returned")
    assert_same(before, X)
    return out


def n_series(X) -> int:
    if isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex):
        return len(X.index.get_level_values(0).unique())
    if isinstance(X, (list, tuple)):
        return len(X)
    return np.shape(X)[0]


def as_float(values) -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        return values.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    if isinstance(values, pd.Series):
        return values.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)


def check_embedding(out, X, n_features: int):
    assert isinstance(out, np.ndarray) and out.dtype == np.float32, type(out)
    assert out.shape == (n_series(X), n_features), (out.shape, n_series(X), n_features)
    assert np.isfinite(out).all(), "transform returned non-finite values"


def check_filled(out, X):
    """``out`` is ``X`` with its NaNs filled: same format and shape, finite, observed values unchanged."""
    if isinstance(X, pd.DataFrame):
        assert isinstance(out, pd.DataFrame) and out.shape == X.shape
        assert out.index.equals(X.index) and out.columns.equals(X.columns)
        values = as_float(out)
    elif isinstance(X, (list, tuple)):
        assert len(out) == len(X)
        for i, (o, x) in enumerate(zip(out, X)):
            assert np.shape(o) == np.shape(x), (i, np.shape(o), np.shape(x))
            assert np.isfinite(as_float(o)).all(), f"series {i} of the output is not finite"
        return
    else:
        assert isinstance(out, np.ndarray) and out.shape == np.shape(X), (type(out), np.shape(out), np.shape(X))
        values = as_float(out)
        if X.dtype.kind == "f":
            observed = ~np.isnan(X)
            assert np.array_equal(out[observed], X[observed]), "observed values changed"
    assert np.isfinite(values).all(), "the output holds NaN or inf"


# ---- to_panel ------------------------------------------------------------------------


@fuzz(80)
@given(X=fs.any_X())
def test_to_panel(X):
    panel = call(to_panel, X)
    if panel is REFUSED:
        return
    n, c, t = panel.values.shape
    assert panel.values.dtype == np.float32 and n == n_series(X) and n and c and t
    assert not np.isinf(panel.values).any()
    np.testing.assert_array_equal(panel.observed, ~np.isnan(panel.values))
    assert panel.times.shape == (n, t) and panel.lengths.shape == (n,)
    assert ((panel.lengths >= 1) & (panel.lengths <= t)).all()
    for i, length in enumerate(panel.lengths):
        assert np.isfinite(panel.times[i, :length]).all()
        assert panel.observed[i].any(), f"series {i} has no observed value"


# ---- fitted models: transform, reconstruct, score ------------------------------------


@pytest.mark.parametrize("name", NAMES)
@fuzz(40)
@given(X=fs.any_X())
def test_transform(fitted, name, X):
    model = fitted[name]
    out = call(model.transform, X)
    if out is not REFUSED:
        check_embedding(out, X, len(model.get_feature_names_out()))


@pytest.mark.parametrize("name", NAMES)
@fuzz(30)
@given(X=fs.any_X())
def test_reconstruct(fitted, name, X):
    out = call(fitted[name].reconstruct, X)
    if out is not REFUSED:
        check_filled(out, X)


@pytest.mark.parametrize("name", NAMES)
@fuzz(15)
@given(X=fs.any_X())
def test_score(fitted, name, X):
    out = call(fitted[name].score, X)
    if out is not REFUSED:
        assert isinstance(out, float) and np.isfinite(out), out


TRANSFORM_PARAMS = {
    "HiMAEEmbedder": ["layer", "pooling", "inference_batch_size", "device"],
    "AIMEmbedder": ["pooling", "inference_batch_size", "device"],
    "RoMAEEmbedder": ["layer", "pooling", "inference_batch_size", "device"],
}


PLAUSIBLE_SETTINGS = {  # values within the constraints (layer: in or out of the network's range)
    "layer": st.one_of(st.integers(-6, 6), st.just("all")),
    "pooling": st.sampled_from(["mean", "flatten", "meanmax", "channel", "cls"]),
    "inference_batch_size": st.one_of(st.integers(1, 5), st.just(2**31)),
    "device": st.sampled_from(["cpu", "auto", "cpu:0"]),
}


@pytest.mark.parametrize("name", NAMES)
@fuzz(20)
@given(
    data=st.data(),
    method=st.sampled_from(["transform", "reconstruct", "score", "get_feature_names_out"]),
    X=st.one_of(st.just(good(n=3)), fs.valid_X(), fs.valid_X(), fs.near_valid_arrays()),
)
def test_set_params_after_fit(fitted, name, data, method, X):
    """A transform-only parameter set after fit, within or beyond its constraints."""
    model = fitted[name]
    keys = data.draw(st.lists(st.sampled_from(TRANSFORM_PARAMS[name]), min_size=1, max_size=2, unique=True), "params")
    changes = {key: data.draw(st.one_of(PLAUSIBLE_SETTINGS[key], fs.PARAM_VALUES), key) for key in keys}
    before = model.get_params()
    model.set_params(**changes)
    try:
        if method == "get_feature_names_out":
            out = call(lambda _: model.get_feature_names_out(), None)
            if out is not REFUSED:
                assert len(out) >= 1 and all(isinstance(f, str) for f in out)
            return
        out = call(getattr(model, method), X)
        if out is REFUSED:
            return
        if method == "transform":
            check_embedding(out, X, len(model.get_feature_names_out()))
        elif method == "reconstruct":
            check_filled(out, X)
        else:
            assert np.isfinite(out)
    finally:
        model.set_params(**{key: before[key] for key in changes})
    # the model still works after the bad value is undone
    check_embedding(model.transform(good(n=2)), good(n=2), len(model.get_feature_names_out()))


# ---- fit on fuzzed input, with fuzzed parameters ---------------------------------------


@pytest.mark.parametrize("name", NAMES)
@fuzz(6)
@given(
    X=st.one_of(
        fs.valid_X(),
        fs.valid_X(),
        fs.near_valid_arrays(),
        fs.multiindex_frames(),
        fs.series_lists(),
        fs.flat_frames(),
        fs.arrays(),
    )
)
def test_fit_on_fuzzed_input(name, X):
    model = MAKERS[name]()
    out = call(model.fit, X)
    if out is REFUSED:
        assert not hasattr(model, "net_"), "a refused fit left a fitted network"
        return
    assert out is model
    embedding = call(model.transform, X)
    assert embedding is not REFUSED, "a fitted model refuses its own training data"
    check_embedding(embedding, X, len(model.get_feature_names_out()))


# parameters whose values write files or train for long: never fuzzed
UNFUZZED = {"max_epochs", "memory", "checkpoint_dir", "pretrained", "checkpoint_every", "accelerate", "verbose"}
SIZE_VALUES = st.sampled_from(["tiny", "huge", "", None, 3, "TINY"])  # small/base nets are slow to train


@pytest.mark.parametrize("name", NAMES)
@fuzz(10)
@given(data=st.data())
def test_construction_parameters(name, data):
    cls = type(MAKERS[name]())
    names = sorted(set(cls._parameter_constraints) - UNFUZZED)
    keys = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True), "params")
    values = st.one_of(fs.PLAUSIBLE_VALUES, fs.PLAUSIBLE_VALUES, fs.PARAM_VALUES)
    params = {key: data.draw(SIZE_VALUES if key == "size" else values, key) for key in keys}
    if name == "RoMAEEmbedder" and "size" in params:  # the fixture's explicit widths would override size
        params.update(embed_dim=None, num_heads=None, decoder_embed_dim=None, decoder_num_heads=None)
    for key in ("embed_dim", "decoder_embed_dim", "depth", "decoder_depth", "channels", "batch_size", "patch_size", "kernel_size"):
        if isinstance(params.get(key), int) and params[key] > 64:
            # the check is about the value's kind and range, not about huge networks or inputs
            # (patch_size=2**31 pads each series to 2**31 steps: numpy's MemoryError, as asked)
            params[key] = 64
    model = MAKERS[name](**params)
    X = good()
    if call(model.fit, X) is REFUSED:
        return
    check_embedding(call(model.transform, X), X, len(model.get_feature_names_out()))


# ---- MAEImputer ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imputers():
    X = good()
    X[:, :, 5:9] = np.nan
    return {name: MAEImputer(make()).fit(X) for name, make in MAKERS.items()}


@pytest.mark.parametrize("name", NAMES)
@fuzz(20)
@given(X=fs.any_X())
def test_imputer_transform(imputers, name, X):
    out = call(imputers[name].transform, X)
    if out is not REFUSED:
        check_filled(out, X)


# ---- from_pretrained of an edited folder ---------------------------------------------------

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 10),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0, 1, 2, -1, 0.0, 1.5, 1e30, 1e-30, "", "float32", "float16", "int64", "object", "all", "cpu"]),
        st.text(max_size=4),
    ),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=3)),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def saved(fitted):
    with tempfile.TemporaryDirectory() as root:
        folders = {}
        for name, model in fitted.items():
            model.save_pretrained(Path(root) / name)
            folders[name] = Path(root) / name
        yield folders


def field_paths(config: dict) -> list[tuple]:
    """Every path to a value of ``config`` (a tuple of keys; list items by position)."""
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*path, i))

    walk(config, ())
    return [path for path in paths if path]


@pytest.mark.parametrize("name", NAMES)
@fuzz(30)
@given(data=st.data())
def test_from_pretrained_with_an_edited_config(saved, name, data):
    config = json.loads((saved[name] / "config.json").read_text())
    path = data.draw(st.sampled_from(field_paths(config)), "field")
    edit = data.draw(st.sampled_from(["replace", "replace", "replace", "delete", "add"]), "edit")
    *parents, last = path
    node = config
    for key in parents:
        node = node[key]
    if edit == "delete":
        del node[last]
    elif edit == "add" and isinstance(node, dict):
        node[data.draw(st.text(max_size=12), "new key")] = data.draw(JSON_VALUES, "new value")
    else:
        node[last] = data.draw(JSON_VALUES, "value")
    cls = type(MAKERS[name]())
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(saved[name] / "model.safetensors", folder)
        Path(folder, "config.json").write_text(json.dumps(config))
        model = call(lambda p: cls.from_pretrained(p), folder)
        if model is REFUSED:
            return
    X = good(n=3, channels=model.n_channels_)
    check_embedding(call(model.transform, X), X, len(model.get_feature_names_out()))


# ---- sktime adapters ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def adapters():
    from sklearn_msae.sktime import AIMTransformer, HiMAETransformer, RoMAETransformer

    params = {name: MAKERS[name]().get_params() for name in NAMES}
    classes = {"HiMAEEmbedder": HiMAETransformer, "AIMEmbedder": AIMTransformer, "RoMAEEmbedder": RoMAETransformer}
    return {name: classes[name](**params[name]).fit(good()) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
@fuzz(15)
@given(
    X=st.one_of(
        fs.valid_X(),
        fs.valid_X(),
        fs.near_valid_arrays(),
        fs.multiindex_frames(),
        fs.series_lists(),
        fs.arrays(),
    )
)
def test_sktime_adapter_transform(adapters, name, X):
    adapter = adapters[name]
    out = call(adapter.transform, X)
    if out is REFUSED:
        return
    assert isinstance(out, pd.DataFrame) and out.shape == (n_series(X), len(adapter.embedder_.get_feature_names_out()))
    assert np.isfinite(out.to_numpy(dtype=float)).all()


@pytest.mark.parametrize("method", ["fit", "transform"])
def test_sktime_adapter_empty_list(adapters, method):
    adapter = adapters["HiMAEEmbedder"]
    if method == "fit":
        adapter = type(adapter)(**adapter.get_params())
    with pytest.raises(ValueError, match="empty list"):
        getattr(adapter, method)([])


@pytest.mark.parametrize("method", ["fit", "transform"])
def test_sktime_adapter_list_with_an_empty_series(adapters, method):
    """Found by the long profile: sktime's conversion dropped a list's empty series (2 in, 1 row out)."""
    adapter = adapters["AIMEmbedder"]
    if method == "fit":
        adapter = type(adapter)(**adapter.get_params())
    X = [pd.DataFrame({"c0": [0.1], "c1": [0.1]}), pd.DataFrame({"c0": [], "c1": []})]
    with pytest.raises(ValueError, match=r"1 series of X have no time points, e.g. series \[1\]"):
        getattr(adapter, method)(X)


def test_profiles_are_registered():
    assert settings.get_profile("sklearn-msae-fuzz-fast").derandomize
    assert settings.get_profile("sklearn-msae-fuzz-long").deadline is None
    assert sklearn_msae.to_panel is to_panel


@pytest.mark.parametrize("name", NAMES)
def test_data_far_beyond_the_training_scale(fitted, name):
    """Found by the long profile: score() of values 1e29 times the fitted scale read -inf
    (the masked MSE overflowed float32); near float32's maximum the embedding overflows."""
    X = np.array([[[1.2573022e29], [-1.3210486e29]]], dtype=np.float32)
    assert np.isfinite(fitted[name].score(X))
    huge = np.array([[[3e38], [-3e38]]], dtype=np.float32)
    try:
        # stretched to 128 steps (HiMAE's stretch_to), such values overflow the network itself
        assert np.isfinite(fitted[name].score(huge))
    except ValueError as error:
        assert "overflows float32" in str(error) and "series 0" in str(error)
    try:
        assert np.isfinite(fitted[name].transform(huge)).all()
    except ValueError as error:
        assert "overflows float32" in str(error) and "series 0" in str(error)
