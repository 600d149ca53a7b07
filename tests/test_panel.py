"""Input model: every accepted format, padding, and every refused input."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sklearn_msae import to_panel
from sklearn_msae._panel import from_panel, series_ends, shrink, stretch


def test_numpy_3d_keeps_values_and_marks_nan_unobserved():
    X = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    X[1, 2, 3] = np.nan
    panel = to_panel(X)
    assert panel.values.dtype == np.float32 and panel.values.shape == (2, 3, 4)
    np.testing.assert_array_equal(panel.values, X.astype(np.float32))
    assert panel.observed.sum() == 23 and not panel.observed[1, 2, 3]
    np.testing.assert_array_equal(panel.times, np.tile(np.arange(4.0), (2, 1)))
    np.testing.assert_array_equal(panel.lengths, [4, 4])


def test_numpy_2d_is_univariate_and_int_dtype_accepted():
    panel = to_panel(np.arange(6).reshape(2, 3))
    assert panel.values.shape == (2, 1, 3) and panel.values.dtype == np.float32


def test_float32_input_is_not_copied():
    X = np.ones((2, 1, 5), dtype=np.float32)
    assert np.shares_memory(to_panel(X).values, X)


def test_multiindex_irregular_float_times_pad_at_end():
    index = pd.MultiIndex.from_tuples([("a", 0.0), ("a", 0.5), ("a", 2.0), ("b", 1.0), ("b", 3.5)])
    frame = pd.DataFrame({"x": [1.0, 2, 3, 4, 5], "y": [1.0, np.nan, 3, 4, 5]}, index=index)
    panel = to_panel(frame)
    assert panel.values.shape == (2, 2, 3)
    np.testing.assert_array_equal(panel.lengths, [3, 2])
    np.testing.assert_array_equal(panel.values[0], [[1, 2, 3], [1, np.nan, 3]])
    np.testing.assert_array_equal(panel.times[0], [0.0, 0.5, 2.0])
    np.testing.assert_array_equal(panel.times[1, :2], [1.0, 3.5])
    assert np.isnan(panel.times[1, 2]) and not panel.observed[1, :, 2].any()


def test_multiindex_rows_of_an_instance_need_not_be_contiguous():
    index = pd.MultiIndex.from_tuples([(0, 0), (1, 0), (0, 1), (1, 1)])
    panel = to_panel(pd.DataFrame({"x": [1.0, 10, 2, 20]}, index=index))
    np.testing.assert_array_equal(panel.values[:, 0], [[1, 2], [10, 20]])


@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Paris"])
def test_datetime_times_are_seconds_since_each_series_start(tz):
    stamps = pd.to_datetime(
        ["2024-03-01 00:00:00", "2024-03-01 00:00:30", "2024-03-01 00:02:00", "2024-05-01 12:00:00", "2024-05-01 12:00:01.5"],
        format="mixed",
    ).tz_localize(tz)
    index = pd.MultiIndex.from_arrays([[0, 0, 0, 1, 1], stamps])
    panel = to_panel(pd.DataFrame({"x": np.arange(5.0)}, index=index))
    np.testing.assert_array_equal(panel.times[0], [0.0, 30.0, 120.0])
    np.testing.assert_array_equal(panel.times[1, :2], [0.0, 1.5])


def test_list_of_unequal_arrays_and_frames():
    panel = to_panel([np.arange(3.0), np.arange(5.0)])
    assert panel.values.shape == (2, 1, 5)
    np.testing.assert_array_equal(panel.lengths, [3, 5])
    assert panel.observed[0, 0].tolist() == [True] * 3 + [False] * 2

    frames = [
        pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}, index=[0.1, 0.7]),
        pd.DataFrame({"a": [5.0], "b": [6.0]}, index=pd.to_datetime(["2024-01-01"])),
    ]
    panel = to_panel(frames)
    np.testing.assert_array_equal(panel.values[0], [[1, 2], [3, 4]])
    np.testing.assert_array_equal(panel.times[0], [0.1, 0.7])
    np.testing.assert_array_equal(panel.lengths, [2, 1])


def test_list_of_channel_first_arrays():
    panel = to_panel([np.ones((3, 4)), np.zeros((3, 2))])
    assert panel.values.shape == (2, 3, 4)


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.zeros(5), ValueError, "2-D .* or 3-D"),
        (np.zeros((2, 2, 2, 2)), ValueError, r"shape \(2, 2, 2, 2\)"),
        (np.zeros((0, 1, 4)), ValueError, "empty: 0 series"),
        (np.zeros((2, 1, 0)), ValueError, "0 time points"),
        (np.array([[1.0, np.inf]]), ValueError, "inf"),
        (np.array([[1e300, 1.0]]), ValueError, "float32 range"),
        (np.array([[1.0, np.nan], [np.nan, np.nan]]), ValueError, r"no observed value .* series \[1\]"),
        (np.array([["a", "b"]]), TypeError, "strings"),
        (np.array([[{"a": 1}, 2]], dtype=object), TypeError, "object with a value that is not a number"),
        (np.array([[1j, 2]]), ValueError, "complex"),
        ([], ValueError, "empty list"),
        ([np.ones((2, 3)), np.ones((3, 3))], ValueError, r"same number of channels; got \[2, 3\]"),
        ([np.ones((1, 2, 3))], ValueError, "series 0 of X must be 1-D"),
    ],
)
def test_bad_input_gets_a_clear_error(X, error, match):
    with pytest.raises(error, match=match):
        to_panel(X)


def test_object_dtype_holding_numbers_is_accepted():
    panel = to_panel(np.array([[1, 2.5]], dtype=object))
    np.testing.assert_array_equal(panel.values[0, 0], [1.0, 2.5])


def test_channel_count_must_match_fit():
    with pytest.raises(ValueError, match="X has 3 channels, but the estimator was fitted with 2 channels"):
        to_panel(np.zeros((1, 3, 4)), n_channels=2)


@pytest.mark.parametrize(
    "times, match", [([0.0, 0.0], "duplicated or not sorted"), ([1.0, 0.0], "duplicated or not sorted")]
)
def test_unsorted_or_duplicate_times_are_refused(times, match):
    index = pd.MultiIndex.from_arrays([[0, 0], times])
    with pytest.raises(ValueError, match=match):
        to_panel(pd.DataFrame({"x": [1.0, 2.0]}, index=index))


def test_mixed_timezones_are_refused():
    stamps = [pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-02", tz="US/Eastern")]
    index = pd.MultiIndex.from_arrays([[0, 0], pd.Index(stamps, dtype=object)])
    with pytest.raises(ValueError, match="mixes time zones"):
        to_panel(pd.DataFrame({"x": [1.0, 2.0]}, index=index))


def test_more_than_two_index_levels_is_refused():
    index = pd.MultiIndex.from_tuples([(0, 0, 0), (0, 0, 1)])
    with pytest.raises(ValueError, match="exactly two index levels"):
        to_panel(pd.DataFrame({"x": [1.0, 2.0]}, index=index))


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        hnp.arrays(
            np.float64,
            st.tuples(st.integers(1, 3), st.integers(1, 7)),
            elements=st.one_of(st.floats(-1e6, 1e6, width=32), st.just(np.nan)),
        ),
        min_size=1,
        max_size=5,
    ).filter(lambda arrays: len({a.shape[0] for a in arrays}) == 1 and all((~np.isnan(a)).any() for a in arrays)),
    st.sampled_from(["array", "frame", "multiindex"]),
)
def test_no_observed_value_is_lost_or_moved(arrays, fmt):
    """Property: every observed value lands at (series, channel, position), times preserved."""
    if fmt == "array":
        X = arrays
        stamps = [np.arange(a.shape[1], dtype=float) for a in arrays]
    else:
        stamps = [np.cumsum(np.full(a.shape[1], 0.25)) + i for i, a in enumerate(arrays)]
        frames = [pd.DataFrame(a.T, index=t) for a, t in zip(arrays, stamps)]
        X = frames if fmt == "frame" else pd.concat(frames, keys=range(len(frames)))
    panel = to_panel(X)
    assert panel.observed.sum() == sum((~np.isnan(a)).sum() for a in arrays)
    for i, (a, t) in enumerate(zip(arrays, stamps)):
        length = a.shape[1]
        assert panel.lengths[i] == length
        np.testing.assert_array_equal(panel.values[i, :, :length], a.astype(np.float32))
        np.testing.assert_array_equal(panel.times[i, :length], t)
        assert not panel.observed[i, :, length:].any()
    # round trip back to the input's own format
    back = from_panel(panel.values, like=X)
    if fmt == "multiindex":
        pd.testing.assert_frame_equal(back, X)
    else:
        for original, result in zip(X, back):
            if fmt == "frame":
                pd.testing.assert_frame_equal(result, original)
            else:
                np.testing.assert_array_equal(result, original)


def test_from_panel_fills_only_nan_and_keeps_formats():
    X = np.array([[[1.0, np.nan, 3.0]]])
    np.testing.assert_array_equal(from_panel(np.full((1, 1, 3), 7.0), like=X), [[[1.0, 7.0, 3.0]]])
    X2 = np.array([[1, 2]], dtype=np.int64)  # nothing to fill; float result
    assert from_panel(np.zeros((1, 1, 2)), like=X2).dtype == np.float64
    index = pd.MultiIndex.from_tuples([("b", 0.0), ("a", 0.0), ("b", 0.5)])  # instances interleaved
    frame = pd.DataFrame({"x": np.array([np.nan, 2.0, 3.0], dtype=np.float32)}, index=index)
    panel = to_panel(frame)
    filled = from_panel(np.where(panel.observed, panel.values, 9.0), like=frame)
    assert filled["x"].dtype == np.float32 and filled.index.equals(frame.index)
    assert filled["x"].tolist() == [9.0, 2.0, 3.0]


def _interp_to(series: np.ndarray, length: int) -> np.ndarray:
    """An independent reference: each channel of a complete ``(C, L)`` series resampled by `np.interp`."""
    grid = np.linspace(0, series.shape[1] - 1, length)
    return np.stack([np.interp(grid, np.arange(series.shape[1]), channel) for channel in series])


def test_stretch_resamples_a_complete_series_over_its_span():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 2, 30))
    stretched = stretch(to_panel(X), 128)
    assert stretched.values.shape == (3, 2, 128) and stretched.lengths.tolist() == [128] * 3
    for series, expected in zip(stretched.values, X):
        np.testing.assert_allclose(series, _interp_to(expected, 128), rtol=1e-6, atol=1e-6)
    # the time stamps keep the span of the 30 steps
    np.testing.assert_allclose(stretched.times[0], np.linspace(0, 29, 128))
    assert stretched.observed.all()


def test_stretch_ends_a_series_at_its_last_observed_step():
    """Trailing NaN are the padding of a shorter series (unequal lengths): only the observed span is stretched."""
    X = np.full((2, 1, 20), np.nan)
    X[0, 0, :8] = np.arange(8.0)
    X[1, 0] = np.arange(20.0)
    stretched = stretch(to_panel(X), 15)
    np.testing.assert_allclose(stretched.values[0, 0, :15], np.linspace(0, 7, 15), atol=1e-6)
    assert np.isnan(stretched.values[0, 0, 15:]).all()
    np.testing.assert_array_equal(stretched.values[1], X[1])  # 20 steps >= 15: unchanged
    assert stretched.lengths.tolist() == [15, 20]


def test_stretch_stretches_a_gap_and_never_fills_it():
    X = np.arange(40.0).reshape(1, 1, 40)
    X[0, 0, 10:20] = np.nan  # a quarter of the series
    values = stretch(to_panel(X), 160).values[0, 0]
    assert np.isnan(values).mean() == pytest.approx(0.25, abs=0.02)
    observed = ~np.isnan(values)
    # every value left is the interpolation of the ramp, i.e. of observed neighbours
    np.testing.assert_allclose(values[observed], np.linspace(0, 39, 160)[observed], atol=0.5)
    assert np.isnan(values[np.linspace(0, 39, 160).round().astype(int) == 15]).all()


def test_stretch_leaves_long_series_alone():
    panel = to_panel(np.ones((2, 3, 50)))
    assert stretch(panel, 50) is panel and stretch(panel, 10) is panel


def test_shrink_resamples_the_stretched_grid_back_onto_each_series_steps():
    """`shrink` against an independent np.interp reference, on series of unequal lengths and one left alone."""
    rng = np.random.default_rng(0)
    X = np.full((3, 2, 40), np.nan)
    X[0, :, :30] = rng.normal(size=(2, 30))
    X[1, :, :1] = rng.normal(size=(2, 1))  # one step: the whole stretched series is that step
    X[2] = rng.normal(size=(2, 40))  # >= 32 steps: never stretched
    panel = to_panel(X)
    grid = rng.normal(size=(3, 2, 40))  # any values on the stretched grid, e.g. a reconstruction
    shrunk = shrink(grid, series_ends(panel), 32, panel.n_timepoints)
    assert shrunk.shape == X.shape
    steps = np.linspace(0, 31, 30)  # the 30 steps' positions on the 32-step grid
    for channel in range(2):
        np.testing.assert_allclose(shrunk[0, channel, :30], np.interp(steps, np.arange(32), grid[0, channel, :32]))
        np.testing.assert_allclose(shrunk[0, channel, 30:], grid[0, channel, 31])  # padding: the last value
        np.testing.assert_allclose(shrunk[1, channel], grid[1, channel, 0])
    np.testing.assert_array_equal(shrunk[2], grid[2])


def test_shrink_undoes_stretch_where_the_series_is_linear():
    """Linear interpolation both ways is exact on a ramp: stretch then shrink gives the series back."""
    X = np.stack([np.arange(25.0), 3 - 0.5 * np.arange(25.0)])[None]  # (1, 2, 25)
    panel = to_panel(X)
    stretched = stretch(panel, 128)
    np.testing.assert_allclose(shrink(stretched.values, series_ends(panel), 128, 25), X, atol=1e-5)
