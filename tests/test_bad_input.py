"""Every public embedder and loader answers each bad input with an error naming the parameter or shape.

The same table is in docs/bad_input.md (what you pass -> what you get). Each row of
``BAD_X`` is checked in ``fit`` for every embedder and, unless it is about training
data only, in ``transform``, ``reconstruct`` and ``score`` of a fitted embedder too.
"""

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError

import sklearn_msae
from sklearn_msae._training import resolve_device
from sklearn_msae.datasets import load_uea

EMBEDDERS = [getattr(sklearn_msae, name) for name in sklearn_msae.__all__ if name.endswith("Embedder")]
TINY = {"max_epochs": 1, "random_state": 0}
TINY_SIZE = {"HiMAEEmbedder": {"size": "tiny"}, "AIMEmbedder": {"size": "tiny"}}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_every_public_embedder_is_checked():
    assert {cls.__name__ for cls in EMBEDDERS} == {"AIMEmbedder", "HiMAEEmbedder", "RoMAEEmbedder"}


def make(cls, **params):
    return cls(**{**TINY, **TINY_SIZE.get(cls.__name__, {}), **params})


def good(n=6, channels=2, length=20):
    return np.random.default_rng(0).standard_normal((n, channels, length)).astype(np.float32)


def frame(times, n_channels=2):
    """One series as a (instance, time) MultiIndex frame with the given time stamps."""
    index = pd.MultiIndex.from_arrays([[0] * len(times), times])
    return pd.DataFrame({f"c{c}": np.arange(len(times), dtype=float) + c for c in range(n_channels)}, index=index)


def series(index):
    """One 2-channel series of a list, indexed by ``index``."""
    return pd.DataFrame({"a": np.arange(len(index), dtype=float), "b": 1.0}, index=index)


def changed(X, where, value=np.nan):
    X = X.copy()
    X[where] = value
    return X


MIXED_TZ = [pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-02", tz="Asia/Tokyo")]
AWARE_AND_NAIVE = [pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-02")]


@dataclass(frozen=True)
class Bad:
    """A bad ``X``: the error it must raise (an instance of every class in ``errors``) and its message."""

    make_X: Callable
    match: str
    errors: tuple = (ValueError,)
    fit_only: bool = False  # about training data only: not an error at transform
    params: dict = field(default_factory=dict)  # estimator parameters the row needs


DTYPE = (TypeError, ValueError)  # a non-numeric dtype is both, as in scikit-learn

BAD_X = {
    # ---- wrong number of dimensions
    "1-D array": Bad(lambda: np.zeros(20), r"X must be 2-D \(n_series, n_timepoints\) or 3-D .*shape \(20,\)"),
    "4-D array": Bad(lambda: np.zeros((2, 2, 2, 20)), r"got an array of shape \(2, 2, 2, 20\)"),
    "a scalar": Bad(lambda: 3.0, r"got an array of shape \(\)"),
    "3-D array in a list": Bad(
        lambda: [np.zeros((2, 2, 3))], r"series 0 of X must be 1-D .* or 2-D .*got shape \(2, 2, 3\)"
    ),
    # ---- inf
    "inf": Bad(lambda: changed(good(), (0, 1, 3), np.inf), "X contains inf"),
    "-inf": Bad(lambda: changed(good(), (5, 0, 0), -np.inf), "X contains inf"),
    "float64 beyond float32": Bad(lambda: np.full((2, 2, 5), 1e39), "X contains inf or values beyond the float32 range"),
    "inf in a list": Bad(lambda: [np.ones((2, 4)), np.array([[1.0, np.inf], [1.0, 2.0]])], "series 1 of X contains inf"),
    "inf in a 2-D array": Bad(lambda: changed(good()[:, 0], (0, 3), np.inf), "Input X contains infinity"),
    # ---- empty
    "0 series": Bad(lambda: np.zeros((0, 2, 20)), "X is empty: 0 series, 2 channels, 20 time points"),
    "0 channels": Bad(lambda: np.zeros((3, 0, 20)), "X is empty: 3 series, 0 channels"),
    "0 time points": Bad(lambda: np.zeros((3, 2, 0)), "X is empty: .*, 0 time points"),
    "empty list": Bad(lambda: [], "X is an empty list"),
    "empty series in a list": Bad(lambda: [np.zeros((2, 0))], "X is empty: 1 series, 2 channels, 0 time points"),
    "empty MultiIndex frame": Bad(lambda: frame([0.0, 1.0]).iloc[:0], "X is empty: 0 series"),
    "2-D array with 0 rows": Bad(lambda: np.zeros((0, 20)), r"Found array with 0 sample\(s\) \(shape=\(0, 20\)\)"),
    "NaN instance label in a MultiIndex": Bad(
        lambda: pd.concat([frame([0.0, 1.0]), frame([0.0, 1.0]).rename(index={0: np.nan}, level=0)]),
        r"the instance level of the MultiIndex has a missing label \(NaN or None\) at row 2",
    ),
    # ---- non-numeric dtypes
    "strings": Bad(lambda: np.full((2, 2, 3), "a"), r"X holds strings \(dtype <U1\)", DTYPE),
    "bytes": Bad(lambda: np.full((2, 2, 3), b"a"), r"X holds strings \(dtype \|S1\)", DTYPE),
    "strings in a frame column": Bad(
        lambda: frame([0.0, 1.0]).assign(c1=["a", "b"]),
        "X has dtype object with a value that is not a number: could not convert string to float: 'a'",
        DTYPE,
    ),
    "object non-numbers": Bad(
        lambda: np.array([[[{"a": 1}, 2.0]]] * 2, dtype=object),
        "X has dtype object with a value that is not a number",
        DTYPE,
    ),
    "a string among numbers in an object array": Bad(
        lambda: changed(good().astype(object), (4, 1, 7), "1.5"),
        "X has dtype object with a value that is not a number: the string '1.5'",
        DTYPE,
    ),
    "a string among numbers in a 2-D object array": Bad(
        lambda: changed(good()[:, 0].astype(object), (4, 7), "1.5"), "not a number: the string '1.5'", DTYPE
    ),
    "datetime values": Bad(
        lambda: np.full((2, 2, 3), np.datetime64("2024-01-01")), "dtype datetime64.*time stamps belong in the index", DTYPE
    ),
    "complex": Bad(lambda: good().astype(complex), "X has complex dtype complex128: complex data not supported", DTYPE),
    "strings in a 2-D array": Bad(
        lambda: np.full((3, 20), "a"), "dtype='numeric' is not compatible with arrays of bytes/strings"
    ),
    "objects in a 2-D array": Bad(
        lambda: np.full((3, 20), {"a": 1}, dtype=object), r"float\(\) argument must be .* not 'dict'", (TypeError,)
    ),
    "complex in a 2-D array": Bad(lambda: good()[:, 0].astype(complex), "Complex data not supported"),
    # ---- nothing observed
    "series with no observed value": Bad(
        lambda: changed(good(), (1,)), r"1 series of X have no observed value \(all NaN\), e\.g\. series \[1\]"
    ),
    "series of a list with no observed value": Bad(
        lambda: [np.ones((2, 5)), np.full((2, 3), np.nan)], r"no observed value .*series \[1\]"
    ),
    "channel never observed in training": Bad(
        lambda: changed(good(), (slice(None), 1)),
        r"channel\(s\) \[1\] of X have no observed value in the whole training set",
        fit_only=True,
    ),
    "channel never observed in training, scaling=None": Bad(
        lambda: changed(good(), (slice(None), 0)),
        r"channel\(s\) \[0\] of X have no observed value",
        fit_only=True,
        params={"scaling": None},
    ),
    # ---- fewer series than the method needs (no method needs a minimum length: see below)
    "fewer series than the validation split needs": Bad(
        lambda: good(n=2),
        "validation_fraction=0.6 holds out all 2 series of X, leaving none to train on",
        fit_only=True,
        params={"validation_fraction": 0.6},
    ),
    # ---- channels
    "series of a list with different channel counts": Bad(
        lambda: [np.ones((2, 5)), np.ones((3, 5))], r"all series of X must have the same number of channels; got \[2, 3\]"
    ),
    # ---- time stamps
    "duplicate time stamps": Bad(lambda: frame([0.0, 1.0, 1.0]), "time stamps of series 0 are duplicated or not sorted"),
    "unsorted time stamps": Bad(lambda: frame([0.0, 2.0, 1.0]), "time stamps of series 0 are duplicated or not sorted"),
    "duplicate stamps in a list": Bad(
        lambda: [series([0.0, 1.0]), series([0.0, 0.0])], "time stamps of series 1 are duplicated or not sorted"
    ),
    "unsorted DatetimeIndex in a list": Bad(
        lambda: [series(pd.to_datetime(["2024-01-02", "2024-01-01"]))], "series 0 are duplicated or not sorted"
    ),
    "NaN time stamp": Bad(lambda: frame([0.0, np.nan]), r"time stamps must be finite \(no NaN or inf in the time index\)"),
    "NaT as the last stamp": Bad(
        lambda: frame(pd.to_datetime(["2024-01-01", "2024-01-02", None])),
        r"time stamps must be finite .*; the time level of the MultiIndex holds NaT",
    ),
    "NaT as the first stamp in a list": Bad(
        lambda: [series(pd.to_datetime([None, "2024-01-01"]))], "time stamps must be finite .*series 0 of X holds NaT"
    ),
    "NaT in the middle": Bad(
        lambda: frame(pd.to_datetime(["2024-01-01", None, "2024-01-03"])), "time stamps must be finite .* holds NaT"
    ),
    "NaT in a TimedeltaIndex": Bad(
        lambda: [series(pd.to_timedelta([1, None], unit="s"))], "time stamps must be finite .* holds NaT"
    ),
    "non-numeric time index": Bad(
        lambda: [series(pd.Index(["a", "b"]))],
        "the index of series 0 of X must hold numbers, datetimes or timedeltas",
        DTYPE,
    ),
    "time zones mixed": Bad(lambda: frame(pd.Index(MIXED_TZ)), "the time level of the MultiIndex mixes time zones"),
    "time zones mixed in a list": Bad(lambda: [series(pd.Index(MIXED_TZ))], "the index of series 0 of X mixes time zones"),
    "tz-aware and naive stamps": Bad(lambda: frame(pd.Index(AWARE_AND_NAIVE)), "mixes time zones"),
    "3-level MultiIndex": Bad(
        lambda: pd.DataFrame({"x": [1.0]}, index=pd.MultiIndex.from_arrays([[0], [0], [0]])),
        "a MultiIndex DataFrame must have exactly two index levels",
    ),
}


def check_raises(call, bad: Bad):
    with pytest.raises(bad.errors[0], match=bad.match) as info:
        call(bad.make_X())
    assert all(isinstance(info.value, error) for error in bad.errors), f"{type(info.value).__mro__} vs {bad.errors}"


@pytest.mark.parametrize("cls", EMBEDDERS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("case", BAD_X, ids=str)
def test_bad_input_to_fit(cls, case):
    embedder = make(cls, **BAD_X[case].params)
    check_raises(embedder.fit, BAD_X[case])
    assert not hasattr(embedder, "net_") and not hasattr(embedder, "n_channels_")


@pytest.fixture(scope="module", params=EMBEDDERS, ids=lambda cls: cls.__name__)
def fitted(request):
    return make(request.param).fit(good())


@pytest.mark.parametrize("method", ["transform", "reconstruct", "score"])
@pytest.mark.parametrize("case", [case for case in BAD_X if not BAD_X[case].fit_only], ids=str)
def test_bad_input_after_fit(fitted, method, case):
    check_raises(getattr(fitted, method), BAD_X[case])


@pytest.mark.parametrize("method", ["transform", "reconstruct", "score"])
def test_channel_count_differs_after_fit(fitted, method):
    with pytest.raises(ValueError, match="X has 3 channels, but the estimator was fitted with 2 channels"):
        getattr(fitted, method)(good(channels=3))
    with pytest.raises(ValueError, match="X has 1 channels, but the estimator was fitted with 2 channels"):
        getattr(fitted, method)(good()[:, 0])  # 2-D input: univariate series


def test_onnx_graph_refuses_stretch_to(fitted):
    """The ONNX graph embeds X on its own steps: stretch_to cannot apply there, so it is named, not dropped."""
    stretching = copy.deepcopy(fitted).set_params(stretch_to=64)
    with pytest.raises(ValueError, match=r"onnx_graph.* needs stretch_to=None .*stretch_to=64 resamples"):
        stretching.onnx_graph()


def test_a_channel_unobserved_at_transform_is_not_an_error(fitted):
    """Only training needs every channel: at transform a missing sensor is missing data."""
    assert np.isfinite(fitted.transform(changed(good(), (slice(None), 1)))).all()


@pytest.mark.parametrize("cls", EMBEDDERS, ids=lambda cls: cls.__name__)
def test_feature_names_or_count_differ_at_transform(cls):
    X = pd.DataFrame(good(channels=1)[:, 0], columns=[f"t{i}" for i in range(20)])
    embedder = make(cls).fit(X)
    with pytest.raises(ValueError, match="The feature names should match those that were passed during fit"):
        embedder.transform(X.rename(columns={"t0": "other"}))
    with (
        pytest.warns(UserWarning, match="X does not have valid feature names"),
        pytest.raises(ValueError, match=f"X has 19 features, but {cls.__name__} is expecting 20 features"),
    ):
        embedder.transform(X.to_numpy()[:, :19])


def test_bad_rows_of_a_large_array_are_named_at_transform(fitted):
    X = changed(good(n=600), (517,))
    with pytest.raises(ValueError, match=r"in series 512\.\.599 of X: .* series \[5\]"):
        fitted.set_params(inference_batch_size=256).transform(X)


@pytest.mark.parametrize("cls", EMBEDDERS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("length", [1, 3])
def test_series_shorter_than_a_patch_or_a_level_are_padded_not_refused(cls, length):
    """No method has a minimum length: each pads every series with unobserved values."""
    X = good(length=length)
    assert np.isfinite(make(cls).fit(X).transform(X)).all()


@pytest.mark.parametrize("year", [1700, 2200])
def test_stamps_outside_the_nanosecond_range_are_read_in_their_unit(year):
    """A ``datetime64[s]`` index holds years that nanoseconds cannot: they are seconds apart, as any other."""
    stamps = pd.DatetimeIndex(np.array([f"{year}-01-01", f"{year}-01-02"], dtype="datetime64[s]"))
    embedder = make(sklearn_msae.RoMAEEmbedder).fit([series(stamps)] * 3)
    assert embedder.time_scale_ == 1 / 86400  # one day apart
    assert np.isfinite(embedder.transform(frame(stamps))).all()


def nullable(X: pd.DataFrame) -> pd.DataFrame:
    """``X`` with pandas' nullable dtypes: Float64 and Int64 columns whose missing values are ``pd.NA``."""
    return X.astype({"c0": "Float64", "c1": "Float64"}).assign(c2=pd.array([1, None, 3] * (len(X) // 3), "Int64"))


def test_pandas_nullable_dtypes_read_na_as_nan(fitted):
    """pd.NA is NaN in a MultiIndex frame and in a list of frames, as in a flat frame."""
    X = pd.concat([frame([0.0, 1.0, 2.0], n_channels=3)] * 4, keys=range(4)).droplevel(1)
    X.iloc[4, 0] = np.nan
    as_nan = X.assign(c2=[1.0, np.nan, 3.0] * 4)
    embedder = make(type(fitted)).fit(as_nan)
    expected = embedder.transform(as_nan)
    np.testing.assert_array_equal(embedder.transform(nullable(X)), expected)
    as_list = [nullable(X).loc[[i]].droplevel(0) for i in range(4)]
    np.testing.assert_array_equal(embedder.transform(as_list), expected)
    filled = embedder.reconstruct(nullable(X))  # the Int64 column with pd.NA takes fractional values
    assert filled.dtypes.tolist() == ["Float64"] * 3 and not filled.isna().any().any()


@pytest.mark.parametrize("factor", [1e20, 1e-30])
def test_data_of_extreme_scale_embeds_as_the_data_itself(fitted, factor):
    """Channel moments are float64: a std of 1e20 or 1e-30 (beyond float32's square) neither overflows nor underflows."""
    X = good()
    expected = make(type(fitted)).fit(X).transform(X)
    embedding = make(type(fitted)).fit(X * factor).transform(X * factor)
    assert np.isfinite(embedding).all() and np.ptp(embedding, axis=0).max() > 0.1  # distinct series
    np.testing.assert_allclose(embedding, expected, atol=1e-4)
    X_gappy = changed(X, (slice(None), slice(None), slice(5, 9)))
    filled = sklearn_msae.MAEImputer(make(type(fitted))).fit(X_gappy * factor).transform(X_gappy * factor)
    assert np.isfinite(filled).all()


@pytest.mark.parametrize("cls", EMBEDDERS, ids=lambda cls: cls.__name__)
def test_the_imputer_never_fills_inf_near_the_float32_limit(cls):
    X = good()
    X_gappy = changed(X / np.abs(X).max() * np.float32(3.3e38), (slice(None), slice(None), slice(5, 9)))
    filled = sklearn_msae.MAEImputer(make(cls, scaling="minmax")).fit(X_gappy).transform(X_gappy)
    assert not np.isinf(filled).any()


def test_flatten_pooling_needs_the_fitted_length():
    # stretch_to=None: HiMAE's default resamples every series shorter than 128 steps to 128
    embedder = make(sklearn_msae.HiMAEEmbedder, pooling="flatten", stretch_to=None).fit(good())
    with pytest.raises(ValueError, match="pooling='flatten' needs series of the fitted length 20; got 10 time points"):
        embedder.transform(good(length=10))


# ---- hyperparameters --------------------------------------------------------------

SHARED_PARAMS = [
    ("max_epochs", 0), ("max_epochs", -1), ("batch_size", 0), ("batch_size", -1), ("lr", 0.0), ("lr", -1e-3),
    ("weight_decay", -0.1), ("warmup_fraction", 1.0), ("warmup_fraction", -0.1), ("gradient_clip", 0.0),
    ("gradient_clip", -1.0), ("patience", 0), ("validation_fraction", 1.0), ("validation_fraction", -0.1),
    ("inference_batch_size", 0), ("scaling", "robust"), ("random_state", -1), ("random_state", "seed"),
    ("memory", 3), ("device", 0), ("stretch_to", 1), ("stretch_to", 64.0),
]
OWN_PARAMS = {
    "HiMAEEmbedder": [
        ("kernel_size", 0), ("patch_size", 0), ("patch_size", -5), ("mask_ratio", 0.0), ("mask_ratio", 1.0),
        ("size", "huge"), ("masking", "stripes"), ("pooling", "max"), ("layer", "first"), ("value_dropout", 1.0),
        ("value_dropout", -0.1),
    ],
    "AIMEmbedder": [
        ("patch_size", 0), ("embed_dim", 0), ("depth", 0), ("num_heads", -1), ("decoder_embed_dim", 0),
        ("decoder_depth", 0), ("decoder_num_heads", 0), ("mlp_ratio", 0.0), ("drop_path", 1.0), ("drop_path", -0.1),
        ("random_ratio", 0.0), ("temporal_ratio", 1.0), ("sensor_ratio", 0.0), ("clip", 0.0), ("clip", -1.0),
        ("size", "huge"), ("pooling", "cls"), ("value_dropout", 1.0), ("value_dropout", "half"),
    ],
    "RoMAEEmbedder": [
        ("time_scale", 0.0), ("time_scale", -1.0), ("time_scale", "fast"), ("embed_dim", 0), ("depth", 0),
        ("num_heads", 0), ("decoder_embed_dim", -4), ("decoder_depth", 0), ("decoder_num_heads", 0),
        ("mask_ratio", 0.0), ("mask_ratio", 1.0), ("drop_path", 1.0), ("tokens", "patch"), ("pooling", "max"),
        ("size", "huge"), ("layer", 1.5),
    ],
}
PARAM_CASES = [(cls, name, value) for cls in EMBEDDERS for name, value in SHARED_PARAMS + OWN_PARAMS[cls.__name__]]


@pytest.mark.parametrize(
    "cls, param, value", PARAM_CASES, ids=[f"{cls.__name__}-{name}={value!r}" for cls, name, value in PARAM_CASES]
)
def test_bad_hyperparameter_is_named(cls, param, value):
    with pytest.raises(ValueError, match=f"The '{param}' parameter of {cls.__name__} must be .* Got {value!r} instead"):
        make(cls, **{param: value}).fit(good())


# Values of the right type and range that do not fit together: checked when the network is built.
ARCHITECTURE_CASES = [
    ("HiMAEEmbedder", {"channels": (0, 8)}, r"channels must be a non-empty sequence of positive widths; got \(0, 8\)"),
    ("HiMAEEmbedder", {"channels": ()}, r"channels must be a non-empty sequence of positive widths; got \(\)"),
    ("HiMAEEmbedder", {"kernel_size": 4}, "kernel_size must be odd .*; got 4"),
    ("AIMEmbedder", {"embed_dim": 18, "num_heads": 2}, "embed_dim=18 must be a multiple of 4 .* and of num_heads=2"),
    ("AIMEmbedder", {"decoder_embed_dim": 20, "decoder_num_heads": 8}, "decoder_embed_dim=20 must be .* decoder_num_heads=8"),
    ("RoMAEEmbedder", {"embed_dim": 20, "num_heads": 4}, "embed_dim=20 and num_heads=4 do not fit 'timestep' tokens"),
    ("RoMAEEmbedder", {"use_cls": False, "pooling": "cls"}, "pooling='cls' needs use_cls=True"),
]


@pytest.mark.parametrize("name, params, match", ARCHITECTURE_CASES, ids=[f"{n}-{p}" for n, p, _ in ARCHITECTURE_CASES])
def test_parameters_that_do_not_fit_together_are_named(name, params, match):
    with pytest.raises(ValueError, match=match):
        make(getattr(sklearn_msae, name), **params).fit(good())


LAYER_CASES = [
    ("HiMAEEmbedder", 5, r"layer=5 is out of range: this network has 4 levels, so layer must be in 1\.\.4, in -4\.\.-1 .*'all'"),
    ("HiMAEEmbedder", 0, r"layer=0 is out of range: .* in 1\.\.4, in -4\.\.-1"),
    ("HiMAEEmbedder", -5, r"layer=-5 is out of range: .* in 1\.\.4, in -4\.\.-1"),
    ("RoMAEEmbedder", 3, r"layer=3 is out of range: the encoder has 2 blocks, so layer must be in 1\.\.2 or in -2\.\.-1"),
    ("RoMAEEmbedder", 0, r"layer=0 is out of range: the encoder has 2 blocks, so layer must be in 1\.\.2 or in -2\.\.-1"),
    ("RoMAEEmbedder", -3, r"layer=-3 is out of range: the encoder has 2 blocks, so layer must be in 1\.\.2 or in -2\.\.-1"),
]


@pytest.mark.parametrize("name, layer, match", LAYER_CASES, ids=[f"{n}-layer={layer}" for n, layer, _ in LAYER_CASES])
def test_layer_out_of_range_lists_the_valid_range(name, layer, match):
    cls = getattr(sklearn_msae, name)  # tiny HiMAE: 4 levels; RoMAE's default encoder: 2 blocks
    with pytest.raises(ValueError, match=match):
        make(cls, layer=layer).fit(good())  # at fit, before any training
    embedder = make(cls).fit(good())
    with pytest.raises(ValueError, match=match):
        embedder.set_params(layer=layer).transform(good())  # a transform-only parameter changed after fit


# Transform-only parameters may change after fit (set_params, from_pretrained overrides):
# every method that reads them validates them, with sklearn's InvalidParameterError.
TRANSFORM_PARAM_CASES = {
    "HiMAEEmbedder": [("pooling", "bogus"), ("layer", 1.5), ("layer", "first"), ("layer", True)],
    "AIMEmbedder": [("pooling", "bogus")],
    "RoMAEEmbedder": [("pooling", "bogus"), ("layer", "all"), ("layer", True), ("layer", 1.5)],
}
BATCH_SIZE_CASES = [("inference_batch_size", -1), ("inference_batch_size", 0), ("inference_batch_size", 1.5)]


@pytest.mark.parametrize("method", ["transform", "reconstruct", "score", "get_feature_names_out"])
def test_bad_transform_parameter_set_after_fit_is_named(fitted, method):
    call = getattr(fitted, method)
    for param, value in BATCH_SIZE_CASES + TRANSFORM_PARAM_CASES[type(fitted).__name__]:
        before = fitted.get_params()[param]
        fitted.set_params(**{param: value})
        try:
            with pytest.raises(InvalidParameterError, match=f"The '{param}' parameter of .* Got {value!r} instead"):
                call() if method == "get_feature_names_out" else call(good())
        finally:
            fitted.set_params(**{param: before})


@pytest.mark.parametrize("method", ["transform", "score"])
@pytest.mark.parametrize("value", [1, 64.0, "long"])
def test_bad_stretch_to_set_after_fit_is_named(fitted, method, value):
    """stretch_to is read at every call: a bad value set after fit is named, never a silent no-op."""
    stretching = copy.deepcopy(fitted).set_params(stretch_to=value)
    with pytest.raises(InvalidParameterError, match=f"The 'stretch_to' parameter of .* Got {value!r} instead"):
        getattr(stretching, method)(good())


def test_bool_is_not_a_layer_at_fit():
    with pytest.raises(InvalidParameterError, match=r"The 'layer' parameter .* must be an int \(not a bool\).* Got True"):
        make(sklearn_msae.HiMAEEmbedder, layer=True).fit(good())


def test_bad_transform_parameter_of_from_pretrained_is_named(tmp_path):
    make(sklearn_msae.HiMAEEmbedder).fit(good()).save_pretrained(tmp_path)
    with pytest.raises(InvalidParameterError, match="The 'inference_batch_size' parameter .* Got -1 instead"):
        sklearn_msae.HiMAEEmbedder.from_pretrained(tmp_path, inference_batch_size=-1)  # at load, not at transform
    with pytest.raises(ValueError, match="device='gpu' is not available: .* can use 'auto', 'cpu'"):
        sklearn_msae.HiMAEEmbedder.from_pretrained(tmp_path, device="gpu")


@pytest.mark.parametrize("device", [None, 3, ["cpu"]], ids=repr)
def test_a_saved_device_that_is_not_a_str_is_named(tmp_path, device):
    """Found by tests/test_fuzz.py: a non-str ``device`` in config.json raised AttributeError."""
    make(sklearn_msae.HiMAEEmbedder).fit(good()).save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config["params"]["device"] = device
    (tmp_path / "config.json").write_text(json.dumps(config))
    match = f"The 'device' parameter of HiMAEEmbedder must be .* Got {re.escape(repr(device))} instead"
    with pytest.raises(InvalidParameterError, match=match):
        sklearn_msae.HiMAEEmbedder.from_pretrained(tmp_path)


def test_bad_inference_batch_size_of_a_fine_tuned_embedder_is_named():
    classifier = sklearn_msae.MAEClassifier(make(sklearn_msae.HiMAEEmbedder), max_epochs=1, random_state=0)
    classifier.fit(good(), [0, 1] * 3)
    classifier.embedder_.set_params(inference_batch_size=-1)
    with pytest.raises(InvalidParameterError, match="The 'inference_batch_size' parameter .* Got -1 instead"):
        classifier.predict(good())


LABEL_CASES = [
    (good(n=6), ["a", None, "b", "a", "b", "a"], r"y has a missing label \(None or NaN\) for series \[1\]"),
    (good(n=1)[0, 0], [0, 1] * 10, r"X must be 2-D .* got an array of shape \(20,\)"),  # not "20 series"
]


@pytest.mark.parametrize("X, y, match", LABEL_CASES, ids=["None label", "1-D X"])
def test_bad_labels_or_series_of_a_fine_tuner_are_named(X, y, match, pretrain_calls):
    with pytest.raises(ValueError, match=match):
        sklearn_msae.MAEClassifier(make(sklearn_msae.HiMAEEmbedder), max_epochs=1).fit(X, y)
    assert pretrain_calls == []  # found before any pretraining


@pytest.mark.parametrize("scale", [1e300, 1e39])
def test_regression_targets_beyond_float32_are_refused(scale, pretrain_calls):
    y = np.linspace(-1.0, 1.0, 6) * scale
    with pytest.raises(ValueError, match=r"y holds values beyond the float32 range \(\|y\| up to 1e\+(300|39)\)"):
        sklearn_msae.MAERegressor(make(sklearn_msae.HiMAEEmbedder), max_epochs=1).fit(good(), y)
    assert pretrain_calls == []


UNAVAILABLE = "cuda" if not torch.accelerator.is_available() else "no-such-device"


@pytest.mark.parametrize("device", [UNAVAILABLE, "gpu"])
def test_unavailable_device_is_named_with_the_available_ones(device):
    match = f"device='{device}' is not available: this torch .* can use 'auto', 'cpu'"
    with pytest.raises(ValueError, match=match):
        make(sklearn_msae.HiMAEEmbedder, device=device).fit(good())
    embedder = make(sklearn_msae.HiMAEEmbedder, device="cpu").fit(good())
    with pytest.raises(ValueError, match=match):
        embedder.set_params(device=device).transform(good())


def test_device_set_after_fit_is_honoured():
    """The network moves to a ``device`` set after fit (CUDA where there is one; else CPU stays CPU)."""
    embedder = make(sklearn_msae.HiMAEEmbedder, device="cpu").fit(good())
    expected = embedder.transform(good())
    embedder.set_params(device="auto")
    np.testing.assert_allclose(embedder.transform(good()), expected, atol=1e-4)
    target = torch.device(resolve_device("auto"))
    assert torch.device(embedder.net_.device) == target
    assert {param.device.type for param in embedder.net_.module_.parameters()} == {target.type}


INTERPOLATE_CASES = [
    (np.zeros((5, 2)), ValueError, r"times must have shape \(n_series, n_queries\) = \(6, n_queries\).*\(5, 2\)"),
    (np.zeros(6), ValueError, r"times must have shape .*got an array of shape \(6,\)"),
    ([[0.0]] * 5, ValueError, "times has 5 query lists, but X has 6 series"),
    ([np.zeros((1, 2))] * 6, ValueError, r"times\[0\] must be 1-D .*got shape \(1, 2\)"),
    (np.full((6, 2), "a"), TypeError, "times must hold numbers"),
    (np.full((6, 2), np.inf), ValueError, "times must be finite"),
]


@pytest.mark.parametrize("times, error, match", INTERPOLATE_CASES)
def test_bad_interpolation_times_are_named(times, error, match):
    embedder = make(sklearn_msae.RoMAEEmbedder).fit(good())
    with pytest.raises(error, match=match):
        embedder.interpolate(good(), times)


def test_a_cache_without_a_seed_warns(tmp_path):
    embedder = make(sklearn_msae.HiMAEEmbedder, memory=str(tmp_path), random_state=None)
    with pytest.warns(UserWarning, match="memory=.* caches nothing reusable with random_state=None"):
        embedder.fit(good())


# ---- the loader -------------------------------------------------------------------

LOADER_CASES = [
    ({"name": ""}, "name must be a non-empty str such as 'BasicMotions'; got ''"),
    ({"name": None}, "name must be a non-empty str .*; got None"),
    ({"name": 3}, "name must be a non-empty str .*; got 3"),
    ({"split": "validation"}, "split must be 'train', 'test' or None; got 'validation'"),
    ({"split": 1}, "split must be 'train', 'test' or None; got 1"),
    ({"return_type": "numpy2D"}, r"return_type must be one of \['numpy3D', 'pd-multiindex'\]; got 'numpy2D'"),
    ({"missing_rate": 1.0}, r"missing_rate must be a float in \[0, 1\); got 1\.0"),
    ({"missing_rate": -0.1}, r"missing_rate must be a float in \[0, 1\); got -0\.1"),
    ({"missing_rate": float("nan")}, r"missing_rate must be a float in \[0, 1\); got nan"),
    ({"missing_rate": "0.3"}, r"missing_rate must be a float in \[0, 1\); got '0\.3'"),
    ({"missing_rate": True}, r"missing_rate must be a float in \[0, 1\); got True"),
    ({"random_state": -1}, r"random_state must be None, an int in \[0, 2\*\*32\), .*; got -1"),
    ({"random_state": 2**32}, r"random_state must be None, an int in \[0, 2\*\*32\), .*; got 4294967296"),
    ({"random_state": 1.5}, r"random_state must be .*; got 1\.5"),
    ({"random_state": "seed"}, r"random_state must be .*; got 'seed'"),
]


@pytest.mark.parametrize("kwargs, match", LOADER_CASES, ids=[str(kwargs) for kwargs, _ in LOADER_CASES])
def test_bad_loader_argument_is_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_uea(**{"name": "BasicMotions", **kwargs})


def test_unknown_dataset_lists_where_it_looked(tmp_path):
    match = r"(?s)UEA dataset 'NoSuchSet' \(split='train'\) not found.*NoSuchSet_TRAIN\.ts"
    with pytest.raises(FileNotFoundError, match=match):
        load_uea("NoSuchSet", split="train", data_home=tmp_path)


@pytest.mark.parametrize("finetuner", ["MAEClassifier", "MAERegressor"])
def test_finetuner_device_set_after_fit_is_validated_and_honoured(finetuner):
    y = np.arange(len(good())) % 2
    model = getattr(sklearn_msae, finetuner)(make(sklearn_msae.HiMAEEmbedder), max_epochs=1, device="cpu").fit(good(), y)
    expected = model.predict(good())
    with pytest.raises(ValueError, match=f"device='{UNAVAILABLE}' is not available"):
        model.set_params(device=UNAVAILABLE).predict(good())
    model.set_params(device="auto")
    np.testing.assert_allclose(model.predict(good()), expected, atol=1e-4)
    target = torch.device(resolve_device("auto"))
    assert torch.device(model.net_.device) == target
    assert {param.device.type for param in model.net_.module_.parameters()} == {target.type}


@pytest.mark.parametrize("name", ["HiMAEEmbedder", "AIMEmbedder", "RoMAEEmbedder"])
def test_a_diverged_pretraining_is_refused_at_fit_naming_lr(name):
    # found by the fuzz harness: lr=2**31 left finite but huge weights after one epoch, and
    # every embedding inf; fit must say so, not a later transform
    embedder = make(getattr(sklearn_msae, name), lr=2.0**31)
    with pytest.raises(ValueError, match=r"training diverged: .* lower lr \(now 2147483648.0\)"):
        embedder.fit(good())
    assert not hasattr(embedder, "net_")


@pytest.mark.parametrize("finetuner", ["MAEClassifier", "MAERegressor"])
def test_a_diverged_fine_tuning_is_refused_at_fit_naming_lr(finetuner):
    model = getattr(sklearn_msae, finetuner)(make(sklearn_msae.HiMAEEmbedder), max_epochs=2, lr=2.0**31)
    with pytest.raises(ValueError, match=r"fine-tuning diverged: .* lower lr \(now 2147483648.0\)"):
        model.fit(good(), np.arange(len(good())) % 2)
    assert not hasattr(model, "net_")
