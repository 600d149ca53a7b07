"""Tests of `sklearn_msae.datasets.make_masking_task`: HiMAE's generative tasks on BasicMotions."""

import numpy as np
import pytest

from sklearn_msae.datasets import make_masking_task


def hidden_steps(X_true: np.ndarray) -> np.ndarray:
    """(n, T) bool: time steps with a hidden value in some channel."""
    return ~np.isnan(X_true).all(axis=1)


@pytest.mark.parametrize("rate", [0.3, 0.8])
def test_random_masking_hides_that_fraction_of_each_series_values(basic_motions, rate):
    X = basic_motions[0]  # (40, 6, 100), float32
    X_masked, X_true = make_masking_task(X, kind="random", rate=rate, random_state=0)
    assert X_masked.shape == X_true.shape == X.shape and X_masked.dtype == X_true.dtype == np.float32
    hidden = ~np.isnan(X_true)
    assert (hidden.sum(axis=(1, 2)) == int(rate * 600)).all()
    np.testing.assert_array_equal(np.isnan(X_masked), hidden)  # X is complete: NaN exactly where hidden
    np.testing.assert_array_equal(X_true[hidden], X[hidden])
    np.testing.assert_array_equal(X_masked[~hidden], X[~hidden])
    # values, not whole time steps: the hidden values of a step are scattered over channels
    per_step = hidden.sum(axis=1)
    assert ((per_step > 0) & (per_step < 6)).any()


@pytest.mark.parametrize("rate", [0.3, 0.8])
def test_interpolation_hides_one_interior_block_in_every_channel(basic_motions, rate):
    X = basic_motions[0]
    X_masked, X_true = make_masking_task(X, kind="interpolation", rate=rate, random_state=0)
    hidden = ~np.isnan(X_true)
    np.testing.assert_array_equal(hidden, np.broadcast_to(hidden[:, :1], hidden.shape))  # all channels alike
    steps = hidden_steps(X_true)
    width = int(rate * 100)
    assert (steps.sum(axis=1) == width).all()
    starts, ends = steps.argmax(axis=1), 99 - steps[:, ::-1].argmax(axis=1)
    assert (ends - starts + 1 == width).all()  # contiguous
    assert (starts >= 1).all() and (ends <= 98).all()  # a step observed on each side
    assert len(set(starts.tolist())) > 1  # a start drawn per series
    np.testing.assert_array_equal(X_true[hidden], X[hidden])
    np.testing.assert_array_equal(np.isnan(X_masked), hidden)


def test_extrapolation_hides_the_tail(basic_motions):
    X = basic_motions[0]
    X_masked, X_true = make_masking_task(X, kind="extrapolation", rate=0.8)
    assert np.isnan(X_masked[:, :, 20:]).all() and not np.isnan(X_masked[:, :, :20]).any()
    np.testing.assert_array_equal(X_true[:, :, 20:], X[:, :, 20:])
    assert np.isnan(X_true[:, :, :20]).all()


@pytest.mark.parametrize("kind", ["random", "interpolation"])
def test_masking_is_reproducible_with_an_int_seed(basic_motions, kind):
    X = basic_motions[0]
    first, _ = make_masking_task(X, kind=kind, random_state=3)
    again, _ = make_masking_task(X, kind=kind, random_state=3)
    other, _ = make_masking_task(X, kind=kind, random_state=4)
    np.testing.assert_array_equal(np.isnan(first), np.isnan(again))
    assert not np.array_equal(np.isnan(first), np.isnan(other))


def test_masking_respects_missing_values_and_end_padding(basic_motions):
    X = basic_motions[0][:4].astype(np.float64)
    lengths = [100, 80, 60, 90]
    for i, length in enumerate(lengths):
        X[i, :, length:] = np.nan  # unequal lengths, padded at the end as load_uea does
    X[:, 2, 10:15] = np.nan  # a gap in one channel
    missing = np.isnan(X)
    X_masked, X_true = make_masking_task(X, kind="random", rate=0.5, random_state=0)
    hidden = ~np.isnan(X_true)
    assert not (hidden & missing).any()  # values already missing are never hidden (nor scored)
    np.testing.assert_array_equal(hidden.sum(axis=(1, 2)), (0.5 * (~missing).sum(axis=(1, 2))).astype(int))
    assert np.isnan(X_masked[missing]).all()

    _, X_true = make_masking_task(X, kind="extrapolation", rate=0.25)
    steps = hidden_steps(X_true)
    for i, length in enumerate(lengths):  # the tail of each series' own length, not of the padding
        assert np.flatnonzero(steps[i]).tolist() == list(range(length - int(0.25 * length), length))

    _, X_true = make_masking_task(X, kind="interpolation", rate=0.5, random_state=0)
    ends = [int(np.flatnonzero(row).max()) for row in hidden_steps(X_true)]
    assert all(end <= length - 2 for end, length in zip(ends, lengths))


def test_integer_input_gives_float64():
    X = np.arange(60).reshape(2, 3, 10)
    X_masked, X_true = make_masking_task(X, kind="interpolation", rate=0.3, random_state=0)
    assert X_masked.dtype == X_true.dtype == np.float64


@pytest.mark.parametrize(
    "X, kwargs, match",
    [
        (
            np.zeros((2, 1, 10)), {"kind": "block"},
            r"kind must be one of \['random', 'interpolation', 'extrapolation'\]; got 'block'",
        ),
        (np.zeros((2, 1, 10)), {"kind": None}, "kind must be one of"),
        (
            np.zeros((2, 1, 10)), {"rate": 0},
            r"rate must be a float in \(0, 1\), the fraction of each series to hide; got 0",
        ),
        (np.zeros((2, 1, 10)), {"rate": 1.0}, "rate must be a float in"),
        (np.zeros((2, 1, 10)), {"rate": -0.2}, "rate must be a float in"),
        (np.zeros((2, 1, 10)), {"rate": np.nan}, "rate must be a float in"),
        (np.zeros((2, 1, 10)), {"rate": True}, "rate must be a float in"),
        (np.zeros((2, 1, 10)), {"rate": "0.3"}, "rate must be a float in"),
        (np.zeros((2, 10)), {}, r"X must be a 3-D array .* got shape \(2, 10\)\. .*X\[:, None, :\]"),
        (np.zeros((2, 1, 10), dtype=complex), {}, "X must hold real numbers"),
        (np.full((2, 1, 10), "a"), {}, "X must hold real numbers"),
        (np.zeros((0, 1, 10)), {}, "X is empty"),
        (np.stack([np.zeros((1, 10)), np.full((1, 10), np.nan)]), {}, r"1 series of X have no observed value .* \[1\]"),
        (np.zeros((2, 1, 2)), {"kind": "interpolation", "rate": 0.5}, r"series 0 of X \(length 2\) is too short"),
    ],
)
def test_make_masking_task_rejects_bad_input(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_masking_task(X, **kwargs)
