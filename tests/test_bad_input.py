"""Every public embedder answers each bad input with an error naming the parameter or shape.

The same table is in docs/bad_input.md (what you pass -> what you get).
"""

import numpy as np
import pandas as pd
import pytest

import sklearn_msae

EMBEDDERS = [getattr(sklearn_msae, name) for name in sklearn_msae.__all__ if name.endswith("Embedder")]
TINY = {"max_epochs": 1, "random_state": 0}
TINY_SIZE = {"HiMAEEmbedder": {"size": "tiny"}}


def make(cls, **params):
    return cls(**{**TINY, **TINY_SIZE.get(cls.__name__, {}), **params})


def good(n=6, channels=2, length=20):
    return np.random.default_rng(0).standard_normal((n, channels, length)).astype(np.float32)


def frame(times, values=None):
    values = np.arange(len(times), dtype=float) if values is None else values
    index = pd.MultiIndex.from_arrays([[0] * len(times), times])
    return pd.DataFrame({"x": values}, index=index)


def with_nan(X, where):
    X = X.copy()
    X[where] = np.nan
    return X


FIT_CASES = {
    "1-D array": (lambda: np.zeros(20), ValueError, r"2-D \(n_series, n_timepoints\) or 3-D"),
    "4-D array": (lambda: np.zeros((2, 2, 2, 20)), ValueError, r"shape \(2, 2, 2, 20\)"),
    "inf": (lambda: with_nan(good(), (0, 0, 0)) * np.inf, ValueError, "inf"),
    "empty (0 series)": (lambda: np.zeros((0, 2, 20)), ValueError, "empty"),
    "empty (0 time points)": (lambda: np.zeros((3, 2, 0)), ValueError, "0 time points"),
    "strings": (lambda: np.full((2, 1, 3), "a"), TypeError, "strings"),
    "object non-numbers": (lambda: np.array([[[{"a": 1}, 2.0]]], dtype=object), TypeError, "not a number"),
    "complex": (lambda: good().astype(complex), ValueError, "[Cc]omplex"),
    "series with no observed value": (lambda: with_nan(good(), (1,)), ValueError, r"no observed value .*series \[1\]"),
    "channel never observed in training": (lambda: with_nan(good(), (slice(None), 1)), ValueError, r"channel\(s\) \[1\]"),
    "duplicate time stamps": (lambda: frame([0.0, 1.0, 1.0]), ValueError, "duplicated or not sorted"),
    "unsorted time stamps": (lambda: frame([0.0, 2.0, 1.0]), ValueError, "duplicated or not sorted"),
    "time zones mixed": (
        lambda: frame(pd.Index([pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-02", tz="Asia/Tokyo")],
                               dtype=object)),
        ValueError,
        "mixes time zones",
    ),
}


@pytest.mark.parametrize("cls", EMBEDDERS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("case", FIT_CASES, ids=str)
def test_bad_fit_input(cls, case):
    make_X, error, match = FIT_CASES[case]
    with pytest.raises(error, match=match):
        make(cls).fit(make_X())


@pytest.fixture(scope="module", params=EMBEDDERS, ids=lambda cls: cls.__name__)
def fitted(request):
    return make(request.param).fit(good())


def test_channel_count_differs_at_transform(fitted):
    with pytest.raises(ValueError, match="X has 3 channels, but the estimator was fitted with 2 channels"):
        fitted.transform(good(channels=3))


def test_feature_names_differ_at_transform():
    cls = EMBEDDERS[0]
    X = pd.DataFrame(good(channels=1)[:, 0], columns=[f"t{i}" for i in range(20)])
    embedder = make(cls).fit(X)
    with pytest.raises(ValueError, match="feature names"):
        embedder.transform(X.rename(columns={"t0": "other"}))
    with pytest.raises(ValueError, match="X has 19 features, but .* is expecting 20 features"):
        embedder.transform(X.to_numpy()[:, :19])


def test_bad_rows_of_a_large_array_are_named_at_transform(fitted):
    X = with_nan(good(n=600), (517,))
    with pytest.raises(ValueError, match=r"in series 512\.\.599 of X: .* series \[5\]"):
        fitted.set_params(inference_batch_size=256).transform(X)


@pytest.mark.parametrize("cls", EMBEDDERS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize(
    "param, value",
    [("max_epochs", 0), ("batch_size", -1), ("lr", 0.0), ("weight_decay", -0.1), ("inference_batch_size", 0),
     ("validation_fraction", 1.0), ("patience", 0), ("gradient_clip", -1.0), ("scaling", "robust")],
)
def test_bad_hyperparameter_is_named(cls, param, value):
    with pytest.raises(ValueError, match=f"'{param}' parameter of {cls.__name__} must be"):
        make(cls, **{param: value}).fit(good())


def test_layer_out_of_range_lists_the_valid_range():
    embedder = make(sklearn_msae.HiMAEEmbedder).fit(good())
    with pytest.raises(ValueError, match=r"layer=7 is out of range: .* 1\.\.4, in -4\.\.-1"):
        embedder.set_params(layer=7).transform(good())
