"""The one front door for every input format: ``to_panel`` turns user input into a `Panel`.

Accepted inputs
---------------
- numpy (or array-like) 3-D ``(n_series, n_channels, n_timepoints)``;
- numpy 2-D ``(n_series, n_timepoints)``: univariate series (scikit-learn's tabular
  layout, one column per time point);
- a pandas ``DataFrame`` with a two-level ``MultiIndex`` ``(instance, time)`` and one
  column per channel (sktime's ``pd-multiindex``); the time level may be int, float,
  datetime (tz-naive or one tz) or timedelta;
- a flat pandas ``DataFrame`` ``(n_series, n_timepoints)``, like 2-D numpy;
- a list of series of possibly unequal length: 1-D arrays ``(T_i,)``, 2-D arrays
  ``(n_channels, T_i)`` (channels first, like 3-D numpy), ``pandas.Series`` or
  ``DataFrame`` ``(T_i, n_channels)`` whose index holds the time stamps.

NaN marks an unobserved value. Series of unequal length are padded at the end with
unobserved values. Time stamps are float64 seconds for datetime/timedelta indices
(relative to each series' first stamp), the raw numbers for numeric indices and the
integer positions ``0..T-1`` for numpy input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


class InvalidDTypeError(TypeError, ValueError):
    """Input whose dtype is not numeric (a ``TypeError`` and a ``ValueError``)."""


@dataclass(frozen=True, eq=False)
class Panel:
    """A batch of multivariate series on a padded grid.

    `to_panel` builds one from any accepted input format; the fields are stored as
    given, unchecked.

    Parameters
    ----------
    values : ndarray of shape (n_series, n_channels, n_timepoints), float32
        The data; NaN where a value is unobserved (missing or padding).
    observed : ndarray of shape (n_series, n_channels, n_timepoints), bool
        ``~isnan(values)``.
    times : ndarray of shape (n_series, n_timepoints), float64
        Time stamp of every step; NaN after each series' length.
    lengths : ndarray of shape (n_series,), int64
        Number of time steps of each series before the end padding.

    See Also
    --------
    to_panel : validate any accepted input and return it as a `Panel`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_msae import to_panel
    >>> panel = to_panel([np.array([1.0, 2.0, 3.0]), np.array([4.0, np.nan])])  # unequal lengths
    >>> panel.n_series, panel.n_channels, panel.n_timepoints
    (2, 1, 3)
    >>> panel.values[1], panel.lengths
    (array([[ 4., nan, nan]], dtype=float32), array([3, 2]))
    >>> len(panel[1:])  # a Panel of the selected series
    1
    """

    values: np.ndarray
    observed: np.ndarray
    times: np.ndarray
    lengths: np.ndarray

    @property
    def n_series(self) -> int:
        """Number of series.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_msae import to_panel
        >>> to_panel(np.zeros((2, 3, 5))).n_series
        2
        """
        return self.values.shape[0]

    @property
    def n_channels(self) -> int:
        """Number of channels of every series.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_msae import to_panel
        >>> to_panel(np.zeros((2, 3, 5))).n_channels
        3
        """
        return self.values.shape[1]

    @property
    def n_timepoints(self) -> int:
        """Length of the padded grid: the longest series' number of time steps.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_msae import to_panel
        >>> to_panel(np.zeros((2, 3, 5))).n_timepoints
        5
        """
        return self.values.shape[2]

    def __len__(self) -> int:
        return self.n_series

    def __getitem__(self, index) -> Panel:
        """The series selected by ``index`` (a slice or an integer array)."""
        return Panel(self.values[index], self.observed[index], self.times[index], self.lengths[index])


def to_panel(X, *, n_channels: int | None = None) -> Panel:
    """Validate ``X`` in any accepted format and return it as a `Panel`.

    Parameters
    ----------
    X : array-like, DataFrame or list of series
        See the module docstring for the accepted formats.
    n_channels : int, default=None
        When given (at transform time), the number of channels ``X`` must have.

    Returns
    -------
    panel : Panel
        The series of ``X`` on a padded grid, in the order of ``X``.

    Raises
    ------
    ValueError
        Wrong number of dimensions, empty input, inf, a series without any observed
        value, unsorted or duplicate time stamps, or a channel count that differs from
        ``n_channels``.
    TypeError
        Non-numeric data (object holding non-numbers, strings, complex numbers).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_msae import to_panel
    >>> panel = to_panel(np.array([[1.0, np.nan, 3.0]]))
    >>> panel.values.shape, panel.observed.sum(), panel.lengths
    ((1, 1, 3), np.int64(2), array([3]))
    """
    if isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex):
        panel = _from_multiindex(X)
    elif isinstance(X, (list, tuple)):
        panel = _from_list(X)
    else:
        panel = _from_array(X)
    _check_panel(panel, n_channels)
    return panel


def stretch(panel: Panel, length: int) -> Panel:
    """``panel`` with every series shorter than ``length`` steps resampled linearly to ``length`` steps.

    A series ends at its last observed step (trailing NaN are the padding of a shorter
    series, as the embedders read them). A series of ``L`` steps keeps its span: step
    ``k`` of the result lies at position ``k (L - 1) / (length - 1)`` of the original,
    and takes the linear interpolation of the two steps around it (their time stamps
    too). Where one of them is unobserved it takes the nearer one's value, NaN if that
    is unobserved: a gap is stretched with its series, never filled, and keeps its
    share of the series. Series of at least ``length`` steps are unchanged; the grid
    grows to ``length`` steps if it is shorter.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_msae import to_panel
    >>> from sklearn_msae._panel import stretch
    >>> stretched = stretch(to_panel([np.array([0.0, 1.0, np.nan, 3.0])]), 7)
    >>> stretched.values[0, 0], stretched.lengths
    (array([0. , 0.5, 1. , nan, nan, 3. , 3. ], dtype=float32), array([7]))
    """
    ends = series_ends(panel)  # (n,)
    short = np.flatnonzero(ends < length)
    if not short.size:
        return panel
    n_timepoints = max(panel.n_timepoints, length)
    grow = ((0, 0), (0, 0), (0, n_timepoints - panel.n_timepoints))
    values = np.pad(panel.values, grow, constant_values=np.nan)  # (n, C, T')
    times = np.pad(panel.times, grow[1:], constant_values=np.nan)  # (n, T')
    steps = ends[short, None]  # (S, 1): the short series' lengths
    position = np.linspace(0, steps[:, 0] - 1, length, axis=-1)  # (S, length), in each series' own steps
    left, right, weight = _bracket(position, steps - 1)
    series = panel.values[short]  # (S, C, T)
    between = _lerp(series, left, right, weight)  # (S, C, length): NaN where either neighbour is unobserved
    nearer = _gather(series, np.where(weight < 0.5, left, right))  # (S, C, length)
    values[short, :, :length] = np.where(np.isnan(between), nearer, between)
    values[short, :, length:] = np.nan
    times[short, :length] = _lerp(panel.times[short][:, None], left, right, weight)[:, 0]
    times[short, length:] = np.nan
    lengths = panel.lengths.copy()
    lengths[short] = length
    return Panel(values, ~np.isnan(values), times, lengths)


def series_ends(panel: Panel) -> np.ndarray:
    """Each series' number of steps up to its last observed one, (n_series,) int64."""
    # `to_panel` refuses a series with no observed value, so every series has a last observed step
    return panel.n_timepoints - panel.observed.any(axis=1)[:, ::-1].argmax(axis=1)


def shrink(values: np.ndarray, ends: np.ndarray, length: int, n_timepoints: int) -> np.ndarray:
    """Grid values of a `stretch`-ed panel back on the steps of the panel it was stretched from.

    The inverse resampling of ``stretch(panel, length)``: ``values`` (n_series,
    n_channels, >= ``length``) lie on the stretched grid, ``ends`` are the unstretched
    series' `series_ends`. Step ``t`` of a series of ``L < length`` steps lies at
    position ``t (length - 1) / (L - 1)`` of the stretched grid and takes the linear
    interpolation of the two values around it; its steps from ``L`` on (the grid's
    padding) take its last value. Series of at least ``length`` steps were not
    stretched and keep their values. Returns (n_series, n_channels, ``n_timepoints``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_msae import to_panel
    >>> from sklearn_msae._panel import series_ends, shrink, stretch
    >>> panel = to_panel([np.array([0.0, 2.0, 4.0])])
    >>> stretched = stretch(panel, 5)
    >>> shrink(stretched.values, series_ends(panel), 5, panel.n_timepoints)[0, 0]
    array([0., 2., 4.], dtype=float32)
    """
    shrunk = values[:, :, :n_timepoints].copy()  # (n, C, T)
    short = np.flatnonzero(ends < length)
    if short.size:
        steps = np.arange(n_timepoints)[None, :]  # (1, T)
        spans = np.maximum(ends[short, None] - 1, 1)  # (S, 1); a one-step series sits at position 0
        position = np.minimum(steps, ends[short, None] - 1) * (length - 1) / spans  # (S, T)
        shrunk[short] = _lerp(values[short], *_bracket(position, length - 1))
    return shrunk


def _bracket(position: np.ndarray, last) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The steps around each fractional ``position`` (S, L) -- the right one capped at ``last`` -- and its weight."""
    left = np.floor(position).astype(np.int64)
    return left, np.minimum(left + 1, last), position - left


def _gather(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values`` (S, C, T) at the steps ``index`` (S, L) of each series, in every channel: (S, C, L)."""
    return np.take_along_axis(values, index[:, None, :], axis=2)


def _lerp(values: np.ndarray, left: np.ndarray, right: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``values`` (S, C, T) between the steps ``left`` and ``right`` (S, L): (S, C, L)."""
    weight = weight[:, None]  # (S, 1, L)
    return (1 - weight) * _gather(values, left) + weight * _gather(values, right)


def n_series(X) -> int:
    """Number of series in ``X`` (any accepted format), without converting it.

    A numpy array of the wrong number of dimensions raises as in `to_panel`: the length of
    a 1-D array counts time points, not series.
    """
    if isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex):
        return X.index.get_level_values(0).nunique()
    if isinstance(X, np.ndarray):
        _check_ndim(X)
    return len(X) if hasattr(X, "__len__") else np.asarray(X).shape[0]


def take_series(X, indices):
    """The series of ``X`` at positions ``indices``, in ``X``'s own format."""
    indices = np.asarray(indices)
    if isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex):
        instances = X.index.get_level_values(0).unique()[indices]
        return X.loc[instances]
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X.iloc[indices]
    if isinstance(X, (list, tuple)):
        return [X[i] for i in indices]
    return np.asarray(X)[indices]


def _from_array(X) -> Panel:
    array = X.to_numpy() if isinstance(X, (pd.DataFrame, pd.Series)) else np.asarray(X)
    _check_ndim(array)
    if array.ndim == 2:
        array = array[:, None, :]  # (n, T) -> (n, 1, T): univariate
    values = _as_float32(array, "X")
    n_series, _, n_timepoints = values.shape
    times = np.broadcast_to(np.arange(n_timepoints, dtype=np.float64), (n_series, n_timepoints))
    lengths = np.full(n_series, n_timepoints, dtype=np.int64)
    return Panel(values, ~np.isnan(values), times, lengths)


def _check_ndim(array: np.ndarray) -> None:
    if array.ndim not in (2, 3):
        raise ValueError(
            "X must be 2-D (n_series, n_timepoints) or 3-D (n_series, n_channels, n_timepoints); "
            f"got an array of shape {array.shape}. Reshape your data: X.reshape(1, -1) for a single series."
        )


def _multiindex_layout(frame: pd.DataFrame):
    """Where each row of a (instance, time) frame goes on the panel grid.

    Returns ``order`` (rows grouped by instance in order of first appearance, time
    order kept), and for the reordered rows their series ``codes``, their ``position``
    in the series and the series ``lengths``.
    """
    if frame.index.nlevels != 2:
        raise ValueError(
            "a MultiIndex DataFrame must have exactly two index levels (instance, time); "
            f"got {frame.index.nlevels} levels {list(frame.index.names)}"
        )
    codes, _ = pd.factorize(frame.index.get_level_values(0), sort=False)
    if (codes < 0).any():  # factorize codes a missing label -1, which no series owns
        raise ValueError(
            f"the instance level of the MultiIndex has a missing label (NaN or None) at row {int(np.argmax(codes < 0))}; "
            "every row needs the label of its series"
        )
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    lengths = np.bincount(codes).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return order, codes, np.arange(len(codes)) - starts[codes], lengths


def _from_multiindex(frame: pd.DataFrame) -> Panel:
    order, codes, position, lengths = _multiindex_layout(frame)
    rows = _as_float32(frame.to_numpy(), "X")[order]  # (rows, C)
    first_row = (np.arange(len(codes)) - position)  # row of each series' first stamp
    time_level = frame.index.get_level_values(1)[order]
    seconds = _index_to_seconds(time_level, "the time level of the MultiIndex", first_row)
    _check_increasing(seconds, codes)

    n_series, n_timepoints, n_channels = len(lengths), int(lengths.max(initial=0)), rows.shape[1]
    values = np.full((n_series, n_timepoints, n_channels), np.nan, dtype=np.float32)
    values[codes, position] = rows
    times = np.full((n_series, n_timepoints), np.nan)
    times[codes, position] = seconds
    values = np.ascontiguousarray(values.transpose(0, 2, 1))  # (n, T, C) -> (n, C, T)
    return Panel(values, ~np.isnan(values), times, lengths)


def from_panel(values: np.ndarray, like):
    """Put grid values (n_series, n_channels, n_timepoints) back into the format of ``like``.

    The inverse of :func:`to_panel`'s layout: ``values`` on the grid of
    ``to_panel(like)`` becomes an object shaped like ``like`` (same array shape and
    float dtype, same index and columns, same list of series types). Where ``like``
    holds an observed value, that value is returned unchanged (bit-identical); only its
    NaNs take the value from ``values``.

    Parameters
    ----------
    values : ndarray of shape (n_series, n_channels, n_timepoints)
        Values on the padded panel grid of ``like``.
    like : array-like, DataFrame or list of series
        Input in any format accepted by :func:`to_panel`.

    Returns
    -------
    Same type as ``like``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn_msae._panel import from_panel, to_panel
    >>> series = [pd.Series([1.0, np.nan], index=[0.5, 1.5]), pd.Series([3.0], index=[0.2])]
    >>> filled = from_panel(np.full((2, 1, 2), 9.0), like=series)
    >>> filled[0].tolist(), filled[1].tolist()
    ([1.0, 9.0], [3.0])
    """
    if isinstance(like, pd.DataFrame) and isinstance(like.index, pd.MultiIndex):
        order, codes, position, _ = _multiindex_layout(like)
        rows = np.empty((len(like), values.shape[1]), dtype=np.float64)
        rows[order] = values[codes, :, position]  # back to the frame's own row order
        return _fill_frame(like, rows)
    if isinstance(like, pd.DataFrame):
        return _fill_frame(like, values[:, 0, :])
    if isinstance(like, (list, tuple)):
        return type(like)(_fill_series(item, values[i]) for i, item in enumerate(like))
    return _fill_array(like, values)


def _fill_series(item, values: np.ndarray):
    """One series of a list, its NaNs filled from its grid rows ``values`` (C, T)."""
    if isinstance(item, (pd.DataFrame, pd.Series)):
        frame = item.to_frame() if isinstance(item, pd.Series) else item
        filled = _fill_frame(frame, values[:, : len(frame)].T)
        return filled.iloc[:, 0].rename(item.name) if isinstance(item, pd.Series) else filled
    return _fill_array(item, values)


def _fill_array(original, grid: np.ndarray) -> np.ndarray:
    """``original``'s NaNs filled from ``grid`` (cropped to its length), float dtype kept."""
    original = np.asarray(original)
    dtype = original.dtype if original.dtype.kind == "f" else np.float64
    fill = grid[..., : original.shape[-1]].reshape(original.shape).astype(dtype)
    return np.where(np.isnan(original.astype(dtype, copy=False)), fill, original)


def _fill_frame(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``frame``'s NaNs filled from ``rows`` (one row per frame row), column dtypes kept."""
    # a nullable integer or boolean column (Int64...) with pd.NA takes fractional values: it becomes Float64
    frame = frame.astype({c: "Float64" for c, t in frame.dtypes.items() if t.kind in "iub" and frame[c].hasnans})
    fill = pd.DataFrame(rows, index=frame.index, columns=frame.columns)
    return frame.fillna(fill.astype({c: t for c, t in frame.dtypes.items() if t.kind == "f"}))


def _from_list(series: list | tuple) -> Panel:
    if len(series) == 0:
        raise ValueError("X is an empty list: it must hold at least one series")
    blocks, stamps = [], []
    for i, item in enumerate(series):
        what = f"series {i} of X"
        if isinstance(item, (pd.DataFrame, pd.Series)):
            frame = item.to_frame() if isinstance(item, pd.Series) else item
            blocks.append(_as_float32(frame.to_numpy(), what).T)  # (T_i, C) -> (C, T_i)
            stamps.append(_index_to_seconds(frame.index, f"the index of {what}", np.zeros(len(frame), np.int64)))
        else:
            array = np.asarray(item)
            if array.ndim not in (1, 2):
                raise ValueError(
                    f"{what} must be 1-D (n_timepoints,) or 2-D (n_channels, n_timepoints); "
                    f"got shape {array.shape}"
                )
            blocks.append(_as_float32(np.atleast_2d(array), what))
            stamps.append(np.arange(array.shape[-1], dtype=np.float64))
    channel_counts = {block.shape[0] for block in blocks}
    if len(channel_counts) > 1:
        raise ValueError(f"all series of X must have the same number of channels; got {sorted(channel_counts)}")
    lengths = np.array([block.shape[1] for block in blocks], dtype=np.int64)
    codes = np.repeat(np.arange(len(blocks)), lengths)
    _check_increasing(np.concatenate(stamps), codes)

    n_timepoints = int(lengths.max())
    values = np.full((len(blocks), channel_counts.pop(), n_timepoints), np.nan, dtype=np.float32)
    times = np.full((len(blocks), n_timepoints), np.nan)
    for i, (block, stamp) in enumerate(zip(blocks, stamps)):  # one copy per series, no per-value work
        values[i, :, : block.shape[1]] = block
        times[i, : len(stamp)] = stamp
    return Panel(values, ~np.isnan(values), times, lengths)


def _as_float32(array: np.ndarray, what: str) -> np.ndarray:
    """Numeric ``array`` as float32 (no copy when it already is); NaN kept, inf refused."""
    kind = array.dtype.kind
    if kind in "USa" or kind == "O" and array.size and isinstance(array.flat[0], (str, bytes)):
        raise InvalidDTypeError(f"{what} holds strings (dtype {array.dtype}); sklearn-msae needs numbers")
    if kind == "c":
        raise InvalidDTypeError(
            f"{what} has complex dtype {array.dtype}: complex data not supported; pass real and imaginary parts as channels"
        )
    if kind in "mM":
        raise InvalidDTypeError(f"{what} has dtype {array.dtype}; time stamps belong in the index, not in the values")
    if kind == "O":
        array = _objects_as_float64(array, what)
    with np.errstate(over="ignore"):
        values = np.asarray(array, dtype=np.float32)
    if np.isinf(values).any():
        raise ValueError(
            f"{what} contains inf or values beyond the float32 range; mark missing values with NaN instead"
        )
    return values


_NOT_FINITE = "time stamps must be finite (no NaN or inf in the time index)"


def _objects_as_float64(array: np.ndarray, what: str) -> np.ndarray:
    """The numbers of an object array as float64; ``None`` and ``pd.NA`` (pandas' nullable dtypes) read as NaN.

    numpy's own conversion fails on ``pd.NA`` and parses a string such as ``"1.5"`` as a
    number; strings are refused as they are in a string array.
    """
    array = np.where(pd.isna(array), np.nan, array)
    try:
        values = array.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidDTypeError(f"{what} has dtype object with a value that is not a number: {exc}") from exc
    check_no_strings(array, what)
    return values


def check_no_strings(X, what: str = "X") -> None:
    """Refuse a string among the values of an object array or DataFrame (a no-op for other input).

    numpy (and so scikit-learn's ``check_array``) parses an object holding ``"1.5"`` as the
    number 1.5; a string in the data is a mistake to report, as in a string array.
    """
    if isinstance(X, pd.DataFrame):
        columns = [X[name].to_numpy() for name, dtype in X.dtypes.items() if dtype == object]
    else:
        columns = [X] if isinstance(X, np.ndarray) and X.dtype == object else []
    for column in columns:
        strings = [value for value in column.flat if isinstance(value, (str, bytes))]
        if strings:
            raise InvalidDTypeError(
                f"{what} has dtype object with a value that is not a number: the string {strings[0]!r} "
                "(strings are not read as numbers; convert them first, e.g. with pd.to_numeric)"
            )


def _index_to_seconds(index: pd.Index, what: str, first_row: np.ndarray) -> np.ndarray:
    """Time stamps as float64: the numbers of a numeric index, seconds of a timedelta index.

    Datetime stamps become seconds since their series' first stamp (``first_row[i]`` is
    the row of that stamp), subtracted in int64 ticks of the index's own unit: epoch
    seconds in float would lose sub-microsecond precision and make useless rotary
    positions, and a conversion to nanoseconds would refuse stamps outside 1677-2262
    that a ``datetime64[s]`` index holds.
    """
    if isinstance(index, (pd.DatetimeIndex, pd.TimedeltaIndex)):
        if index.hasnans:  # NaT's ticks are the smallest int64: a huge finite time, not a missing one
            raise ValueError(f"{_NOT_FINITE}; {what} holds NaT (not-a-time)")
        ticks, per_second = index.asi8, pd.Timedelta(1, "s") // pd.Timedelta(1, index.unit)
        if isinstance(index, pd.DatetimeIndex):
            ticks = ticks - ticks[first_row]
        return ticks / per_second
    if index.dtype.kind in "iuf":
        return index.to_numpy(dtype=np.float64)
    if index.dtype.kind == "O" and len(index) and all(isinstance(t, pd.Timestamp) for t in index[:2]):
        raise ValueError(
            f"{what} mixes time zones (or tz-aware and naive stamps); convert it to one zone, "
            "e.g. with pd.to_datetime(..., utc=True)"
        )
    raise InvalidDTypeError(f"{what} must hold numbers, datetimes or timedeltas; got dtype {index.dtype}")


def _check_increasing(seconds: np.ndarray, codes: np.ndarray) -> None:
    """Time stamps must be finite and strictly increasing inside each series."""
    if not np.isfinite(seconds).all():
        raise ValueError(_NOT_FINITE)
    same_series = codes[1:] == codes[:-1]
    bad = same_series & (np.diff(seconds) <= 0)
    if bad.any():
        series = codes[1:][bad][0]
        raise ValueError(
            f"time stamps of series {series} are duplicated or not sorted; "
            "sort each series by time and drop duplicate stamps"
        )


def _check_panel(panel: Panel, n_channels: int | None) -> None:
    n_series, n_channels_x, n_timepoints = panel.values.shape
    if n_series == 0 or n_channels_x == 0 or n_timepoints == 0:
        raise ValueError(
            f"X is empty: {n_series} series, {n_channels_x} channels, {n_timepoints} time points; "
            "at least one of each is required"
        )
    if n_channels is not None and n_channels_x != n_channels:
        raise ValueError(f"X has {n_channels_x} channels, but the estimator was fitted with {n_channels} channels")
    unobserved = ~panel.observed.any(axis=(1, 2))
    if unobserved.any():
        empty = np.flatnonzero(unobserved)
        raise ValueError(
            f"{len(empty)} series of X have no observed value (all NaN), e.g. series {empty[:5].tolist()}; "
            "drop them before calling the estimator"
        )
