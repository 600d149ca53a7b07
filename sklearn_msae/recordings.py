"""Long recordings: days of sensor data with gaps, cut into windows and embedded window by window.

A *recording* is one subject's samples, stamped in time: a pandas ``DataFrame`` indexed
by time (datetime with or without a time zone, timedelta, or numbers), one column per
channel, sampled at any rate, regularly or not, with gaps. The accepted collections of
recordings:

- a ``DataFrame`` with a two-level ``MultiIndex`` ``(subject, time)``;
- a ``dict`` ``{subject: DataFrame}`` or a list of ``DataFrame`` (subjects ``0..n-1``);
- a `RecordingStore`: one folder per subject on disk, read through memory maps, for
  recordings larger than memory.

`RecordingWindower` cuts them into windows of fixed duration and stride on a regular
grid, `RecordingEmbedder` embeds every window with any embedder of this library, and
`label_windows` maps labels of time spans onto the windows. Every step works through
`RecordingWindower.iter_windows`, one chunk of windows at a time, so that the memory
used is bounded by a chunk, never by the length of a recording.

Time arithmetic is done on numbers: int64 nanoseconds (UTC for tz-aware stamps, so that
windows keep their duration across daylight-saving changes) or float64 for a numeric
time index.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from ._docs import doc
from ._streaming import read_rows

__all__ = ["RecordingEmbedder", "RecordingStore", "RecordingWindower", "Windows", "label_windows"]

logger = logging.getLogger(__name__)

# stamps read per subject to infer the grid period when ``freq=None``
_FREQ_SAMPLE = 100_000


# ---- time axis ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TimeAxis:
    """What the time stamps of a collection of recordings are, and how they become numbers.

    ``kind`` is ``"datetime"`` (``tz`` its zone or None), ``"timedelta"`` (both as int64
    nanoseconds) or ``"numeric"`` (float64).
    """

    kind: str
    tz: object = None

    @property
    def is_duration(self) -> bool:
        return self.kind != "numeric"

    def numbers(self, stamps, what: str) -> np.ndarray:
        """Stamps (an Index, Series or array) as int64 ns or float64; their kind must be this axis'."""
        axis = _axis_of(stamps, what)
        if axis.kind != self.kind or axis.kind == "datetime" and (axis.tz is None) != (self.tz is None):
            raise ValueError(f"{what} holds {axis} stamps, but the recordings have {self} stamps")
        return _as_numbers(stamps)

    def labels(self, numbers: np.ndarray) -> pd.Index:
        """Numbers back to stamps of this axis: datetimes in the recordings' zone, timedeltas, floats."""
        if self.kind == "datetime":
            stamps = pd.DatetimeIndex(np.asarray(numbers, dtype="datetime64[ns]"))
            return stamps.tz_localize("UTC").tz_convert(self.tz) if self.tz is not None else stamps
        if self.kind == "timedelta":
            return pd.TimedeltaIndex(np.asarray(numbers, dtype="timedelta64[ns]"))
        return pd.Index(np.asarray(numbers, dtype=np.float64))

    def duration(self, value, name: str, freq=None):
        """A duration parameter as a number of this axis: an int counts ``freq`` cells."""
        if isinstance(value, (Integral, np.integer)) and not isinstance(value, bool) and freq is not None:
            return value * freq
        if isinstance(value, (str, pd.Timedelta)):
            if not self.is_duration:
                raise ValueError(
                    f"{name}={value!r} is a duration, but the time index is numeric; give {name} as a number "
                    + ("of grid cells (int)" if freq is not None else "in the units of the time index")
                )
            try:
                nanoseconds = pd.Timedelta(value).value
            except ValueError as exc:
                raise ValueError(f"{name}={value!r} is not a fixed duration (e.g. '10min', '30s', '1D'): {exc}") from exc
            if nanoseconds <= 0:
                raise ValueError(f"{name}={value!r} must be a positive duration")
            return nanoseconds
        if isinstance(value, Real) and not isinstance(value, bool):
            if self.is_duration:
                raise ValueError(
                    f"{name}={value!r} is a number, but the time index holds {self.kind}s; give a duration such as '1s'"
                    + (" or an int number of grid cells" if freq is not None else "")
                )
            return float(value)
        raise ValueError(f"{name}={value!r} is neither a duration nor a number of grid cells")

    def __str__(self) -> str:
        return f"datetime (tz={self.tz})" if self.kind == "datetime" else self.kind


def _axis_of(stamps, what: str) -> _TimeAxis:
    dtype = getattr(stamps, "dtype", None)
    if isinstance(dtype, pd.DatetimeTZDtype):
        return _TimeAxis("datetime", dtype.tz)
    if dtype is not None and dtype.kind == "M":
        return _TimeAxis("datetime")
    if dtype is not None and dtype.kind == "m":
        return _TimeAxis("timedelta")
    if dtype is not None and dtype.kind in "iuf":
        return _TimeAxis("numeric")
    if dtype is not None and dtype.kind == "O" and len(stamps) and isinstance(stamps[0], pd.Timestamp):
        raise ValueError(
            f"{what} mixes time zones (or tz-aware and naive stamps); convert it to one zone, "
            "e.g. with pd.to_datetime(..., utc=True)"
        )
    raise ValueError(f"{what} must hold datetimes, timedeltas or numbers; got dtype {dtype}")


def _as_numbers(stamps) -> np.ndarray:
    if isinstance(stamps, (pd.Series, pd.Index)) and stamps.dtype.kind in "Mm" or isinstance(
        getattr(stamps, "dtype", None), pd.DatetimeTZDtype
    ):
        stamps = pd.Index(stamps)
        numbers = stamps.as_unit("ns").asi8  # UTC nanoseconds for tz-aware stamps
        if (numbers == np.iinfo(np.int64).min).any():
            raise ValueError("time stamps must not be NaT")
        return numbers
    numbers = np.asarray(stamps, dtype=np.float64)
    if not np.isfinite(numbers).all():
        raise ValueError("time stamps must be finite (no NaN or inf in the time index)")
    return numbers


def _common_axis(axes: dict) -> _TimeAxis:
    """The one time axis of all subjects (``{subject: axis}``), or a ValueError naming two that differ."""
    kinds = {}
    for subject, axis in axes.items():
        kinds.setdefault(str(axis), (axis, subject))  # by name: zoneinfo and pytz objects of one zone are one zone
    if len(kinds) > 1:
        (a, first), (b, second) = list(kinds.values())[:2]
        raise ValueError(
            f"the recordings do not share one kind of time stamp: subject {first!r} has {a} stamps, "
            f"subject {second!r} has {b} stamps; convert them to one zone (e.g. tz_convert('UTC')) and one kind"
        )
    if not kinds:
        raise ValueError("no recording of X holds a sample: at least one subject with data is required")
    return next(iter(kinds.values()))[0]


# ---- sources of recordings --------------------------------------------------------------------


class _Recording:
    """One subject's sorted stamps (numbers) and values ``(n, C)``: in memory or memory-mapped."""

    def __init__(self, subject, times, values):
        self.subject, self.times, self.values = subject, times, values

    def rows(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Copies of rows ``start:stop``; pages of a memory map are given back."""
        return read_rows(self.times, slice(start, stop)), read_rows(self.values, slice(start, stop)).astype(
            np.float32, copy=False
        )


def _recording_from_frame(subject, frame: pd.DataFrame, columns) -> _Recording:
    """A subject's frame as a `_Recording`: stamps as numbers, sorted (stable: duplicates keep their order)."""
    if list(frame.columns) != list(columns):
        raise ValueError(
            f"the recording of subject {subject!r} has columns {list(frame.columns)}; every recording "
            f"must have the channels {list(columns)}"
        )
    times = _as_numbers(frame.index)
    values = frame.to_numpy(dtype=np.float32)
    if np.isinf(values).any():
        raise ValueError(f"the recording of subject {subject!r} contains inf; mark missing values with NaN instead")
    if len(times) > 1 and (np.diff(times) < 0).any():
        order = np.argsort(times, kind="stable")  # unsorted stamps: sorted, as pandas' resample would
        times, values = times[order], values[order]
    return _Recording(subject, times, values)


def _frames(X) -> dict:
    """``{subject: frame indexed by time}`` of in-memory input (a view per subject where pandas allows it)."""
    if isinstance(X, pd.DataFrame):
        if not isinstance(X.index, pd.MultiIndex) or X.index.nlevels != 2:
            raise ValueError(
                "a DataFrame of recordings needs a two-level MultiIndex (subject, time); "
                f"got an index with {X.index.nlevels} level(s). For one subject, pass [frame] or {{subject: frame}}"
            )
        codes, subjects = pd.factorize(X.index.get_level_values(0), sort=False)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(subjects) + 1))
        return {
            subject: X.iloc[order[a:b]].droplevel(0)
            for subject, a, b in zip(subjects, bounds[:-1], bounds[1:])
        }
    if isinstance(X, dict):
        frames = dict(X)
    elif isinstance(X, (list, tuple)):
        frames = dict(enumerate(X))
    else:
        raise ValueError(
            "X must be a DataFrame with a (subject, time) MultiIndex, a dict {subject: DataFrame}, "
            f"a list of DataFrames or a RecordingStore; got {type(X).__name__}"
        )
    for subject, frame in frames.items():
        if isinstance(frame, pd.Series):
            frames[subject] = frame = frame.to_frame()
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(
                f"the recording of subject {subject!r} must be a DataFrame indexed by time; got {type(frame).__name__}"
            )
    return frames


class _Recordings:
    """Any accepted collection of recordings: its subjects, channels, time axis, and each subject on demand."""

    def __init__(self, X):
        self.store = X if isinstance(X, RecordingStore) else None
        if self.store is not None:
            self.subjects, self.columns, self.axis = list(X.subjects), list(X.columns), X._axis
            return
        self.frames = _frames(X)
        if not self.frames:
            raise ValueError("X holds no recording: at least one subject is required")
        first = next(iter(self.frames.values()))
        self.subjects, self.columns = list(self.frames), list(first.columns)
        self.axis = _common_axis({
            subject: _axis_of(frame.index, f"the time index of subject {subject!r}")
            for subject, frame in self.frames.items() if len(frame)
        })  # fmt: skip

    def __iter__(self):
        for subject in self.subjects:
            yield self._recording(subject)

    def _recording(self, subject) -> _Recording:
        if self.store is not None:
            return self.store._recording(subject)
        return _recording_from_frame(subject, self.frames[subject], self.columns)


class RecordingStore:
    """Recordings on disk, one folder per subject, read through memory maps: data larger than memory.

    Each subject's stamps and values are appended to two flat binary files (int64
    nanoseconds or float64 stamps; float32 values ``(n, n_channels)``), so a recording
    is written chunk by chunk and read back row range by row range, its pages given
    back after each read. The subjects, channels and time zone are kept in
    ``store.json``. Stamps must be appended in time order.

    Parameters
    ----------
    path : str or Path
        Folder of the store; created by the first `append` if it does not exist.

    Attributes
    ----------
    subjects : list
        The subjects, in the order of their first `append`.
    columns : list of str
        The channel names.

    See Also
    --------
    RecordingWindower : cut the recordings of a store into windows, chunk by chunk.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np, pandas as pd
    >>> from sklearn_msae.recordings import RecordingStore
    >>> store = RecordingStore(tempfile.mkdtemp())
    >>> day = pd.date_range("2024-03-01", periods=3, freq="1h", tz="Europe/Paris")
    >>> store.append("ann", pd.DataFrame({"hr": [60.0, 62.0, np.nan]}, index=day))
    >>> store.append("ann", pd.DataFrame({"hr": [70.0]}, index=day[-1:] + pd.Timedelta("1h")))
    >>> store.subjects, store.n_samples("ann")
    (['ann'], 4)
    """

    def __init__(self, path):
        self.path = Path(path)
        meta = self.path / "store.json"
        self._meta = json.loads(meta.read_text()) if meta.exists() else None

    @property
    def subjects(self) -> list:
        """The subjects, in the order of their first `append`.

        Returns
        -------
        list

        Examples
        --------
        >>> import tempfile
        >>> import pandas as pd
        >>> store = RecordingStore(tempfile.mkdtemp())
        >>> for subject in ("bob", "ann"):
        ...     store.append(subject, pd.DataFrame({"x": [1.0]}, index=[0.0]))
        >>> store.subjects
        ['bob', 'ann']
        """
        return [] if self._meta is None else [subject for subject, _ in self._meta["subjects"]]

    @property
    def columns(self) -> list:
        """The channel names (as strings), set by the first `append`.

        Returns
        -------
        list of str

        Examples
        --------
        >>> import tempfile
        >>> import pandas as pd
        >>> store = RecordingStore(tempfile.mkdtemp())
        >>> store.append("ann", pd.DataFrame({"hr": [60.0], "acc": [0.1]}, index=[0.0]))
        >>> store.columns
        ['hr', 'acc']
        """
        return [] if self._meta is None else list(self._meta["columns"])

    @property
    def _axis(self) -> _TimeAxis:
        if self._meta is None:
            raise ValueError(f"the RecordingStore at {self.path} is empty: append a recording first")
        return _TimeAxis(self._meta["time"], self._meta["tz"])

    def append(self, subject, frame: pd.DataFrame) -> None:
        """Append a chunk of ``subject``'s recording: a frame indexed by time, one column per channel.

        Parameters
        ----------
        subject : str or int
            The subject (a new one is added to the store).
        frame : DataFrame
            Samples later than every sample of ``subject`` already stored, in time order.

        Raises
        ------
        ValueError
            Columns or time stamps of another kind than the store's, or stamps out of order.

        Examples
        --------
        >>> import tempfile
        >>> import pandas as pd
        >>> store = RecordingStore(tempfile.mkdtemp())
        >>> store.append("ann", pd.DataFrame({"x": [1.0, 2.0]}, index=[0.0, 1.0]))
        >>> store.append("ann", pd.DataFrame({"x": [0.0]}, index=[0.5]))
        Traceback (most recent call last):
        ...
        ValueError: subject 'ann': the stamps appended start before the last stamp stored; append each recording in time order
        """
        if isinstance(subject, np.integer):
            subject = int(subject)
        if not isinstance(subject, (str, int)):
            raise ValueError(f"a RecordingStore names subjects with str or int; got {type(subject).__name__}")
        axis = _axis_of(frame.index, f"the time index of subject {subject!r}")
        if self._meta is None:
            self.path.mkdir(parents=True, exist_ok=True)
            tz = None if axis.tz is None else str(axis.tz)
            self._meta = {"columns": [str(c) for c in frame.columns], "time": axis.kind, "tz": tz, "subjects": []}
        elif str(axis) != str(self._axis):
            raise ValueError(f"subject {subject!r}: {axis} stamps appended to a store of {self._axis} stamps")
        recording = _recording_from_frame(subject, frame.set_axis([str(c) for c in frame.columns], axis=1), self.columns)
        if len(recording.times) and (np.diff(_as_numbers(frame.index)) < 0).any():
            raise ValueError(f"subject {subject!r}: the stamps appended are not in time order; sort them first")
        folder = self._folder(subject, create=True)
        if recording.times.size and self.n_samples(subject):
            last = np.memmap(folder / "times.bin", dtype=self._time_dtype, mode="r")[-1]
            if recording.times[0] < last:
                raise ValueError(
                    f"subject {subject!r}: the stamps appended start before the last stamp stored; "
                    "append each recording in time order"
                )
        with open(folder / "times.bin", "ab") as times, open(folder / "values.bin", "ab") as values:
            times.write(recording.times.astype(self._time_dtype).tobytes())
            values.write(np.ascontiguousarray(recording.values, dtype=np.float32).tobytes())
        (self.path / "store.json").write_text(json.dumps(self._meta))

    def n_samples(self, subject) -> int:
        """Number of samples stored for ``subject``.

        Parameters
        ----------
        subject : str or int

        Returns
        -------
        int

        Examples
        --------
        >>> import tempfile
        >>> import pandas as pd
        >>> store = RecordingStore(tempfile.mkdtemp())
        >>> store.append(7, pd.DataFrame({"x": [1.0, 2.0]}, index=[0.0, 1.0]))
        >>> store.n_samples(7)
        2
        """
        return (self._folder(subject) / "times.bin").stat().st_size // 8

    def _recording(self, subject) -> _Recording:
        times = self._memmap(subject, "times.bin", self._time_dtype)
        values = self._memmap(subject, "values.bin", np.float32).reshape(-1, len(self.columns))
        return _Recording(subject, times, values)

    @property
    def _time_dtype(self):
        return np.float64 if self._meta["time"] == "numeric" else np.int64

    def _folder(self, subject, create: bool = False) -> Path:
        for name, folder in self._meta["subjects"]:
            if name == subject:
                return self.path / folder
        if not create:
            raise KeyError(f"subject {subject!r} is not in the RecordingStore at {self.path}")
        folder = f"subject-{len(self._meta['subjects']):05d}"  # subject names need not be valid file names
        self._meta["subjects"].append([subject, folder])
        (self.path / folder).mkdir(exist_ok=True)
        for name in ("times.bin", "values.bin"):
            (self.path / folder / name).touch()
        return self.path / folder

    def _memmap(self, subject, name: str, dtype) -> np.ndarray:
        file = self._folder(subject) / name
        if file.stat().st_size == 0:  # numpy cannot map an empty file
            return np.empty(0, dtype=dtype)
        return np.memmap(file, dtype=dtype, mode="r")


# ---- windows ----------------------------------------------------------------------------------


@dataclass
class Windows:
    """Windows cut from recordings, ready for an embedder, and where each one comes from.

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_channels, n_cells) or list of DataFrame
        The windows: on the regular grid (float32, NaN where no sample fell in a cell),
        or, with ``timestamps="raw"``, one frame per window holding its own samples,
        indexed by their time since the window's start.
    index : DataFrame of shape (n_windows, 4)
        ``subject``, ``start``, ``end`` (excluded) and ``coverage`` (fraction of the
        window's grid cells holding a sample) of every window of ``X``.
    report : DataFrame
        One row per subject: ``n_windows`` (every window slot from its first sample to
        its last), ``n_kept`` and ``n_dropped`` (slots under ``min_coverage``, windows
        with no sample included), and ``first_start``, the start of its first slot
        (NaT or NaN for a subject with no sample).

    See Also
    --------
    RecordingWindower : makes them.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn_msae.recordings import RecordingWindower
    >>> frame = pd.DataFrame({"x": np.arange(60.0)}, index=pd.timedelta_range(0, periods=60, freq="1min"))
    >>> windows = RecordingWindower(window="20min").fit_transform({"ann": frame})
    >>> len(windows), windows.X.shape, windows.index["start"].tolist()
    (3, (3, 1, 20), [Timedelta('0 days 00:00:00'), Timedelta('0 days 00:20:00'), Timedelta('0 days 00:40:00')])
    """

    X: np.ndarray | list
    index: pd.DataFrame
    report: pd.DataFrame

    def __len__(self) -> int:
        return len(self.index)

    def take(self, rows) -> Windows:
        """The windows at positions ``rows`` (same report).

        Parameters
        ----------
        rows : array-like of int

        Returns
        -------
        Windows

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from sklearn_msae.recordings import RecordingWindower
        >>> frame = pd.DataFrame({"x": np.arange(60.0)}, index=np.arange(60.0))
        >>> windows = RecordingWindower(window=20).fit_transform([frame])
        >>> windows.take([2]).index["start"].tolist()
        [40.0]
        """
        rows = np.asarray(rows, dtype=np.int64)
        X = self.X[rows] if isinstance(self.X, np.ndarray) else [self.X[i] for i in rows]
        return Windows(X, self.index.iloc[rows].reset_index(drop=True), self.report)

    @classmethod
    def concat(cls, parts: list[Windows]) -> Windows:
        """The windows of ``parts`` one after another; their reports are summed per subject.

        Parameters
        ----------
        parts : list of Windows
            All with grid windows of one shape, or all with raw windows.

        Returns
        -------
        Windows

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from sklearn_msae.recordings import RecordingWindower, Windows
        >>> frame = pd.DataFrame({"x": np.arange(60.0)}, index=np.arange(60.0))
        >>> windower = RecordingWindower(window=20, chunk_size=2).fit([frame])
        >>> chunks = list(windower.iter_windows([frame]))     # 3 slots: chunks of 2 and 1
        >>> [len(chunk) for chunk in chunks], len(Windows.concat(chunks))
        ([2, 1], 3)
        """
        X = np.concatenate([p.X for p in parts]) if isinstance(parts[0].X, np.ndarray) else [w for p in parts for w in p.X]
        index = pd.concat([p.index for p in parts], ignore_index=True)
        return cls(X, index, _concat_reports([p.report for p in parts]))


def _concat_reports(reports: list[pd.DataFrame]) -> pd.DataFrame:
    """Reports of chunks summed per subject (the first slot: the earliest)."""
    rules = {"n_windows": "sum", "n_kept": "sum", "n_dropped": "sum", "first_start": "min"}
    return pd.concat(reports).groupby(level=0, sort=False).agg(rules)


class RecordingWindower(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Cut long recordings into windows of fixed duration on a regular grid.

    Each recording is put on a grid of cells of ``freq``: the value of a cell is the
    mean of the samples falling in it, NaN where none did (never interpolated: the
    embedders treat NaN as missing). Windows of ``window`` start every ``stride``, at
    multiples of ``stride`` since the epoch (UTC for tz-aware stamps; 0 for numeric
    stamps), from the first window holding the subject's first sample to the one
    holding its last. A window is kept when at least ``min_coverage`` of its cells hold
    a sample (and at least one does); the others are dropped and counted, per subject,
    in the output's ``report``.

    Parameters
    ----------
    window : str, Timedelta or int
        Window duration (``"10min"``) or number of grid cells.
    stride : str, Timedelta, int or None, default=None
        Time between window starts, a duration or a number of cells; None: ``window``
        (windows that do not overlap).
    freq : str, Timedelta, float or None, default=None
        Grid cell: a duration (``"1s"``) for datetime or timedelta stamps, a number for
        numeric stamps; None: the median interval between consecutive stamps seen in
        ``fit``. ``window`` and ``stride`` must be whole numbers of cells.
    min_coverage : float in [0, 1], default=0.5
        Least fraction of a window's cells that must hold a sample for it to be kept.
    timestamps : {"grid", "raw"}, default="grid"
        ``"grid"``: windows are the grid cells, an array ``(n_windows, n_channels,
        n_cells)``; ``"raw"``: each window keeps its own samples at their own stamps
        (time since the window's start), a list of frames for
        :class:`~sklearn_msae.RoMAEEmbedder`. Duplicate stamps are averaged on the grid,
        and refused (``ValueError``) in raw windows.
    chunk_size : int, default=1024
        Window slots resampled at a time: the memory of `iter_windows` is bounded by
        one chunk of windows, whatever the length of the recordings.

    Attributes
    ----------
    freq_ : int or float
        Grid cell in numbers of the time axis (nanoseconds for datetimes and timedeltas).
    window_ : int or float
        Window duration, same units.
    stride_ : int or float
        Stride, same units.
    n_cells_ : int
        Cells per window.
    channels_ : ndarray of str
        Channel names (the recordings' columns) seen in ``fit``.

    See Also
    --------
    RecordingEmbedder : window and embed, one frame row per window.
    label_windows : labels of time spans mapped onto the windows.

    Notes
    -----
    Input: a ``DataFrame`` with a ``(subject, time)`` MultiIndex, a dict or list of
    frames indexed by time, or a `RecordingStore`. Stamps may be unsorted (they are
    sorted, stably) and duplicated (averaged on the grid). tz-aware stamps are windowed
    in absolute time, so a window is ``window`` long even across a daylight-saving
    change, and starts are reported in the recordings' zone; all recordings must share
    one kind of stamp (one zone). A subject with no sample gets no window and a row of
    zeros in the report. Naive stamps are taken as they are: localise wall-clock
    recordings (``tz_localize``) before windowing them across a daylight-saving change.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn_msae.recordings import RecordingWindower
    >>> stamps = pd.date_range("2024-03-01", periods=3600, freq="1s")  # one hour at 1 Hz
    >>> frame = pd.DataFrame({"hr": np.linspace(60, 80, 3600)}, index=stamps)
    >>> frame.iloc[600:1500] = np.nan                                     # a 15-minute gap
    >>> windower = RecordingWindower(window="10min", freq="10s", min_coverage=0.5)
    >>> windows = windower.fit_transform({"ann": frame})
    >>> windows.X.shape                                # 6 slots, one dropped: 60 cells each
    (5, 1, 60)
    >>> windows.index[["start", "coverage"]].head(3)
                    start  coverage
    0 2024-03-01 00:00:00       1.0
    1 2024-03-01 00:20:00       0.5
    2 2024-03-01 00:30:00       1.0
    >>> windows.report
         n_windows  n_kept  n_dropped first_start
    ann          6       5          1  2024-03-01
    """

    _parameter_constraints: dict = {
        "window": [str, pd.Timedelta, Interval(Integral, 1, None, closed="left")],
        "stride": [str, pd.Timedelta, Interval(Integral, 1, None, closed="left"), None],
        "freq": [str, pd.Timedelta, Interval(Real, 0, None, closed="neither"), None],
        "min_coverage": [Interval(Real, 0, 1, closed="both")],
        "timestamps": [StrOptions({"grid", "raw"})],
        "chunk_size": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, window, *, stride=None, freq=None, min_coverage=0.5, timestamps="grid", chunk_size=1024):
        self.window = window
        self.stride = stride
        self.freq = freq
        self.min_coverage = min_coverage
        self.timestamps = timestamps
        self.chunk_size = chunk_size

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the channels, the time axis and (``freq=None``) the grid cell of ``X``.

        Parameters
        ----------
        X : DataFrame, dict or list of DataFrame, or RecordingStore
            The recordings (see the class Notes).
        y : None
            Ignored.

        Returns
        -------
        self : object

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from sklearn_msae.recordings import RecordingWindower
        >>> frame = pd.DataFrame({"x": np.ones(90)}, index=pd.date_range("2024-01-01", periods=90, freq="20s"))
        >>> windower = RecordingWindower(window="5min").fit({"ann": frame})
        >>> pd.Timedelta(windower.freq_, unit="ns"), windower.n_cells_    # freq inferred: the median interval
        (Timedelta('0 days 00:00:20'), 15)
        """
        recordings = _Recordings(X)
        self.axis_ = recordings.axis
        self.channels_ = np.asarray(recordings.columns, dtype=object)
        self.freq_ = self._infer_freq(recordings) if self.freq is None else self.axis_.duration(self.freq, "freq")
        self.window_ = self.axis_.duration(self.window, "window", self.freq_)
        self.stride_ = self.window_ if self.stride is None else self.axis_.duration(self.stride, "stride", self.freq_)
        for name in ("window", "stride"):
            cells = getattr(self, f"{name}_") / self.freq_
            if abs(cells - round(cells)) > 1e-9 * max(cells, 1):
                raise ValueError(
                    f"{name}={getattr(self, name)!r} is not a whole number of grid cells of freq={self._freq_text()}"
                )
        self.n_cells_ = int(round(self.window_ / self.freq_))
        return self

    def transform(self, X) -> Windows:
        """Cut every recording of ``X`` into windows, all in memory.

        Parameters
        ----------
        X : DataFrame, dict or list of DataFrame, or RecordingStore
            Recordings with the channels and kind of stamps seen in ``fit``.

        Returns
        -------
        windows : Windows
            The windows kept, their ``index`` (subject, start, end, coverage) and the
            per-subject ``report`` of windows kept and dropped.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from sklearn_msae.recordings import RecordingWindower
        >>> frame = pd.DataFrame({"x": [1.0, 2.0, 4.0]}, index=[0.0, 0.5, 3.0])  # numeric stamps
        >>> windows = RecordingWindower(window=2, freq=1.0, min_coverage=0).fit([frame]).transform([frame])
        >>> windows.X                                        # cells [0, 1) [1, 2) | [2, 3) [3, 4)
        array([[[1.5, nan]],
        <BLANKLINE>
               [[nan, 4. ]]], dtype=float32)
        """
        return Windows.concat(list(self.iter_windows(X)))

    def iter_windows(self, X, *, progress=None):
        """Yield the windows of ``X`` chunk by chunk: at most ``chunk_size`` slots of one subject each.

        Only the rows of one chunk are read (through memory maps for a
        `RecordingStore`), so memory is bounded by a chunk. Every subject yields at
        least one `Windows`, possibly empty, whose report counts its slots.

        Parameters
        ----------
        X : DataFrame, dict or list of DataFrame, or RecordingStore
        progress : tqdm or None, default=None
            Advanced by the number of window slots of each chunk.

        Yields
        ------
        windows : Windows

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from sklearn_msae.recordings import RecordingWindower
        >>> X = {s: pd.DataFrame({"x": np.ones(100)}, index=np.arange(100.0)) for s in ("ann", "bob")}
        >>> windower = RecordingWindower(window=10, chunk_size=4).fit(X)
        >>> [(w.index["subject"].iat[0], len(w)) for w in windower.iter_windows(X)]
        [('ann', 4), ('ann', 4), ('ann', 2), ('bob', 4), ('bob', 4), ('bob', 2)]
        """
        check_is_fitted(self)
        recordings = _Recordings(X)
        self._check_recordings(recordings)
        for recording in recordings:
            yield from self._subject_windows(recording, progress)

    def n_slots(self, X) -> int:
        """Number of window slots of ``X`` (kept or not), from each subject's first and last stamps.

        Parameters
        ----------
        X : DataFrame, dict or list of DataFrame, or RecordingStore

        Returns
        -------
        int

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from sklearn_msae.recordings import RecordingWindower
        >>> frame = pd.DataFrame({"x": np.ones(3)}, index=[5.0, 6.0, 34.0])
        >>> RecordingWindower(window=10, freq=1.0).fit([frame]).n_slots([frame])   # [0, 10) to [30, 40)
        4
        """
        check_is_fitted(self)
        total = 0
        for recording in _Recordings(X):
            if len(recording.times):
                first, last = recording.times.min(), recording.times.max()  # min/max: unsorted frames too
                total += int(self._first_slot(last) - self._first_slot(first, last_of_window=True) + 1)
        return total

    def _first_slot(self, t, last_of_window=False):
        """The slot starting at or before ``t``; with ``last_of_window``, the first slot that holds ``t``."""
        return (t - self.window_) // self.stride_ + 1 if last_of_window else t // self.stride_

    def _subject_windows(self, recording: _Recording, progress):
        times, subject = recording.times, recording.subject
        if len(times) == 0:
            yield self._empty(subject)
            return
        first_slot = int(self._first_slot(times[0], last_of_window=True))
        last_slot = int(self._first_slot(times[-1]))
        n_kept = 0
        for slot in range(first_slot, last_slot + 1, self.chunk_size):
            stop = min(slot + self.chunk_size, last_slot + 1)
            windows = self._chunk(recording, slot, stop)
            n_kept += len(windows)
            if progress is not None:
                progress.update(stop - slot)
            yield windows
        n_slots = last_slot - first_slot + 1
        logger.info("subject %r: %d windows kept, %d of %d dropped (min_coverage=%s)",
                    subject, n_kept, n_slots - n_kept, n_slots, self.min_coverage)

    def _chunk(self, recording: _Recording, first: int, stop: int) -> Windows:
        """The windows of slots ``first..stop-1`` of ``recording``, from the rows that fall in them."""
        begin, end = first * self.stride_, (stop - 1) * self.stride_ + self.window_
        rows = np.searchsorted(recording.times, [begin, end], side="left")
        times, values = recording.rows(*rows)
        n_slots, n_channels = stop - first, values.shape[1]
        # cells of the chunk's span: sums and counts of the observed samples, per channel
        cell_ratio = int(round(self.stride_ / self.freq_))
        n_span = (n_slots - 1) * cell_ratio + self.n_cells_
        cell = ((times - begin) // self.freq_).astype(np.int64)
        np.clip(cell, 0, n_span - 1, out=cell)  # float stamps a rounding error past the span's end
        grid = np.full((n_channels, n_span), np.nan, dtype=np.float32)
        for c in range(n_channels):
            seen = ~np.isnan(values[:, c])
            counts = np.bincount(cell[seen], minlength=n_span)
            sums = np.bincount(cell[seen], weights=values[seen, c], minlength=n_span)
            np.divide(sums, counts, out=grid[c], where=counts > 0, casting="unsafe")
        occupied = ~np.isnan(grid).all(axis=0)  # (n_span,): a cell with any channel observed
        offsets = np.arange(n_slots)[:, None] * cell_ratio + np.arange(self.n_cells_)  # (n_slots, n_cells)
        coverage = occupied[offsets].mean(axis=1)
        keep = np.flatnonzero((coverage >= self.min_coverage) & (coverage > 0))
        starts = (first + keep) * self.stride_
        if self.timestamps == "grid":
            X = np.ascontiguousarray(grid[:, offsets[keep]].transpose(1, 0, 2))  # (n_kept, C, n_cells)
        else:
            X = self._raw_windows(recording.subject, times, values, starts)
        index = pd.DataFrame({
            "subject": pd.Series([recording.subject] * len(keep), dtype=object),
            "start": self.axis_.labels(starts), "end": self.axis_.labels(starts + self.window_),
            "coverage": coverage[keep],
        })  # fmt: skip
        return Windows(X, index, self._report(recording.subject, n_slots, len(keep), first))

    def _raw_windows(self, subject, times, values, starts) -> list[pd.DataFrame]:
        duplicated = np.flatnonzero(np.diff(times) == 0)
        if len(duplicated):
            stamp = self.axis_.labels(times[duplicated[:1]])[0]
            raise ValueError(
                f"subject {subject!r} has duplicate time stamps (e.g. {stamp}); raw windows keep every stamp, "
                "so drop or average the duplicates first (or use timestamps='grid', which averages them)"
            )
        bounds = np.searchsorted(times, np.stack([starts, starts + self.window_]), side="left")
        frames = []
        for (a, b), start in zip(bounds.T, starts):
            since = times[a:b] - start  # RoMAE reads a timedelta index as seconds: positions from the window's start
            index = pd.to_timedelta(since, unit="ns") if self.axis_.is_duration else pd.Index(since)
            frames.append(pd.DataFrame(values[a:b], index=index, columns=list(self.channels_)))
        return frames

    def _empty(self, subject) -> Windows:
        X = np.empty((0, len(self.channels_), self.n_cells_), np.float32) if self.timestamps == "grid" else []
        index = pd.DataFrame({
            "subject": pd.Series([], dtype=object), "start": self.axis_.labels(np.empty(0, np.int64)),
            "end": self.axis_.labels(np.empty(0, np.int64)), "coverage": np.empty(0),
        })  # fmt: skip
        logger.info("subject %r: no sample, no window", subject)
        return Windows(X, index, self._report(subject, 0, 0, None))

    def _report(self, subject, n_slots: int, n_kept: int, first_slot) -> pd.DataFrame:
        """The report row of a chunk: its slots, kept and dropped, and where its first slot starts."""
        first = np.iinfo(np.int64).min if first_slot is None else first_slot * self.stride_  # min int64: NaT
        first_start = self.axis_.labels(np.array([first])) if first_slot is not None or self.axis_.is_duration else [np.nan]
        return pd.DataFrame(
            {"n_windows": [n_slots], "n_kept": [n_kept], "n_dropped": [n_slots - n_kept], "first_start": first_start},
            index=pd.Index([subject], dtype=object),
        )

    def _infer_freq(self, recordings: _Recordings):
        """The median interval between consecutive distinct stamps, over the first stamps of every subject."""
        intervals = []
        for recording in recordings:
            times, _ = recording.rows(0, _FREQ_SAMPLE)
            steps = np.diff(np.sort(times))
            intervals.append(steps[steps > 0])
        steps = np.concatenate(intervals)
        if not len(steps):
            raise ValueError("freq=None needs at least two distinct stamps to infer the grid cell; set freq")
        median = np.median(steps)
        return int(round(median)) if self.axis_.is_duration else float(median)

    def _freq_text(self) -> str:
        return str(pd.Timedelta(self.freq_, unit="ns")) if self.axis_.is_duration else str(self.freq_)

    def _check_recordings(self, recordings: _Recordings) -> None:
        if list(recordings.columns) != list(self.channels_):
            raise ValueError(
                f"X has the channels {list(recordings.columns)}, but the windower was fitted on {list(self.channels_)}"
            )
        if str(recordings.axis) != str(self.axis_):
            raise ValueError(f"X has {recordings.axis} stamps, but the windower was fitted on {self.axis_} stamps")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags


# ---- embedding --------------------------------------------------------------------------------

# The setup of the method examples of RecordingEmbedder: six hours of one subject, hourly windows.
_SIX_HOURS = """\
>>> import numpy as np, pandas as pd
>>> from sklearn_msae import HiMAEEmbedder
>>> from sklearn_msae.recordings import RecordingEmbedder, RecordingWindower
>>> stamps = pd.date_range("2024-01-01", periods=360, freq="1min")
>>> X = {"ann": pd.DataFrame({"x": np.sin(np.arange(360) / 9)}, index=stamps)}
>>> model = RecordingEmbedder(HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0),
...                           RecordingWindower(window="1h"), max_fit_windows=4, random_state=0)
"""


class RecordingEmbedder(TransformerMixin, BaseEstimator):
    """Embed long recordings window by window: a frame row per window, or per subject and period.

    ``fit`` fits ``windower``, then ``embedder`` on (a random sample of) the windows;
    ``transform`` windows the recordings chunk by chunk and embeds each chunk, so its
    memory is bounded by a chunk of windows plus the output, whatever the length of the
    recordings.

    Parameters
    ----------
    embedder : estimator with ``fit`` and ``transform``
        An embedder of this library; with ``windower.timestamps="raw"``, one that reads
        time stamps (:class:`~sklearn_msae.RoMAEEmbedder`). Cloned in ``fit``.
    windower : RecordingWindower
        How recordings are cut into windows. Cloned in ``fit``.
    aggregate : str, Timedelta, float or None, default=None
        None: one row per window, indexed by ``(subject, start)``. A period (``"1D"``;
        a number for numeric stamps): one row per subject and period, indexed by
        ``(subject, period)``, holding the mean embedding of the period's windows and
        ``observed_fraction``, its windows kept over its window slots. Periods of
        tz-aware stamps are calendar periods of the recordings' zone (a day with a
        daylight-saving change has 23 or 25 hours of slots).
    max_fit_windows : int or None, default=10000
        ``fit`` trains ``embedder`` on at most this many windows, drawn uniformly
        without replacement (a reservoir: its memory is bounded by it); None: all.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw of the training windows.
    verbose : int, default=0
        Show a progress bar over the window slots in ``fit`` and ``transform``.

    Attributes
    ----------
    windower_ : RecordingWindower
        The fitted clone of ``windower``.
    embedder_ : estimator
        The fitted clone of ``embedder``.
    n_fit_windows_ : int
        Number of windows ``embedder_`` was fitted on.

    See Also
    --------
    RecordingWindower : the windows themselves, with their coverage and report.
    label_windows : labels of time spans for the rows of ``transform``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn_msae import HiMAEEmbedder
    >>> from sklearn_msae.recordings import RecordingEmbedder, RecordingWindower
    >>> rng = np.random.default_rng(0)
    >>> stamps = pd.date_range("2024-03-01 12:00", periods=86400 // 60, freq="1min")  # a day, a sample a minute
    >>> X = {s: pd.DataFrame({"hr": rng.normal(70, 5, len(stamps))}, index=stamps) for s in ("ann", "bob")}
    >>> model = RecordingEmbedder(
    ...     HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0), RecordingWindower(window="2h"), random_state=0
    ... ).fit(X)
    >>> Z = model.transform(X)
    >>> Z.shape, Z.index.names
    ((24, 176), FrozenList(['subject', 'start']))
    >>> daily = model.set_params(aggregate="1D").transform(X)   # noon to noon: two calendar days
    >>> daily.shape, daily["observed_fraction"].tolist()
    ((4, 177), [1.0, 1.0, 1.0, 1.0])
    """

    _parameter_constraints: dict = {
        "embedder": [HasMethods(["fit", "transform"])],
        "windower": [RecordingWindower],
        "aggregate": [None, str, pd.Timedelta, Interval(Real, 0, None, closed="neither")],
        "max_fit_windows": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, embedder, windower, *, aggregate=None, max_fit_windows=10_000, random_state=None, verbose=0):
        self.embedder = embedder
        self.windower = windower
        self.aggregate = aggregate
        self.max_fit_windows = max_fit_windows
        self.random_state = random_state
        self.verbose = verbose

    @doc(six_hours=_SIX_HOURS)
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the windower on ``X``, then the embedder on a sample of its windows.

        Parameters
        ----------
        X : DataFrame, dict or list of DataFrame, or RecordingStore
            The recordings (see :class:`RecordingWindower`).
        y : None
            Ignored.

        Returns
        -------
        self : object

        Examples
        --------
        {six_hours}
        >>> model.fit(X).n_fit_windows_          # 4 of the 6 hourly windows
        4
        """
        self.windower_ = clone(self.windower).fit(X)
        windows = self._sample_windows(X)
        if not len(windows):
            raise ValueError(
                f"no window of X reaches min_coverage={self.windower_.min_coverage}: nothing to fit the embedder on"
            )
        self.embedder_ = clone(self.embedder).fit(windows.X)
        self.n_fit_windows_ = len(windows)
        return self

    @doc(six_hours=_SIX_HOURS)
    def transform(self, X) -> pd.DataFrame:
        """Embed every window of ``X`` kept by the windower.

        Parameters
        ----------
        X : DataFrame, dict or list of DataFrame, or RecordingStore
            Recordings with the channels seen in ``fit``.

        Returns
        -------
        embedding : DataFrame
            One row per window, indexed by ``(subject, start)``; with ``aggregate``, one
            row per subject and period, indexed by ``(subject, period)``, with a last
            column ``observed_fraction``. Subjects without a kept window have no row.

        Examples
        --------
        {six_hours}
        >>> model.fit(X).transform(X).index[:2].tolist()
        [('ann', Timestamp('2024-01-01 00:00:00')), ('ann', Timestamp('2024-01-01 01:00:00'))]
        """
        check_is_fitted(self)
        parts, report = [], []
        with tqdm(total=self.windower_.n_slots(X), desc=type(self).__name__, unit="window",
                  disable=not self.verbose) as progress:  # fmt: skip
            for windows in self.windower_.iter_windows(X, progress=progress):
                report.append(windows.report)
                if len(windows):
                    progress.set_postfix(subject=windows.index["subject"].iat[0], refresh=False)
                    features = self.embedder_.transform(windows.X)
                    index = pd.MultiIndex.from_arrays([windows.index["subject"], windows.index["start"]],
                                                      names=["subject", "start"])
                    parts.append(pd.DataFrame(features, index=index, columns=self._window_features()))
        frame = pd.concat(parts) if parts else pd.DataFrame(columns=self._window_features(), dtype=np.float32)
        if self.aggregate is None:
            return frame
        return self._aggregate(frame, _concat_reports(report))

    @doc(six_hours=_SIX_HOURS)
    def get_feature_names_out(self, input_features=None):
        """The embedder's feature names, then ``observed_fraction`` when aggregating.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        ndarray of str

        Examples
        --------
        {six_hours}
        >>> model.set_params(aggregate="1D").fit(X).get_feature_names_out()[-2:].tolist()
        ['himaeembedder175', 'observed_fraction']
        """
        check_is_fitted(self)
        names = self._window_features()
        return np.asarray([*names, "observed_fraction"] if self.aggregate is not None else names, dtype=object)

    def _window_features(self) -> list[str]:
        return list(self.embedder_.get_feature_names_out())

    def _sample_windows(self, X) -> Windows:
        """Every window of ``X``, or ``max_fit_windows`` of them drawn uniformly through a reservoir.

        Each window gets a random key; the windows with the smallest keys are kept, chunk
        after chunk, so memory stays bounded by the reservoir plus one chunk.
        """
        rng = check_random_state(self.random_state)
        kept, keys = None, np.empty(0)
        with tqdm(total=self.windower_.n_slots(X), desc=f"{type(self).__name__} fit windows", unit="window",
                  disable=not self.verbose) as progress:  # fmt: skip
            for windows in self.windower_.iter_windows(X, progress=progress):
                kept = windows if kept is None else Windows.concat([kept, windows])
                keys = np.concatenate([keys, rng.random_sample(len(windows))])
                if self.max_fit_windows is not None and len(keys) > self.max_fit_windows:
                    smallest = np.sort(np.argpartition(keys, self.max_fit_windows)[: self.max_fit_windows])
                    kept, keys = kept.take(smallest), keys[smallest]
        return kept

    def _aggregate(self, frame: pd.DataFrame, report: pd.DataFrame) -> pd.DataFrame:
        """Mean embedding per subject and period, and the fraction of the period's slots kept."""
        windower = self.windower_
        axis = windower.axis_
        period = axis.duration(self.aggregate, "aggregate")
        starts = frame.index.get_level_values("start")
        labels = _period_labels(starts, period, axis)
        means = frame.groupby([frame.index.get_level_values("subject"), labels], sort=False).mean()
        kept = frame.groupby([frame.index.get_level_values("subject"), labels], sort=False).size()
        # every slot of each subject, kept or not, counted per period
        slots = []
        for subject, row in report.iterrows():
            if row["n_windows"]:
                first = axis.numbers(pd.Index([row["first_start"]]), "first_start")[0]
                slot_starts = axis.labels(first + np.arange(row["n_windows"]) * windower.stride_)
                slots.append(pd.Series(1, index=pd.MultiIndex.from_arrays(
                    [[subject] * len(slot_starts), _period_labels(slot_starts, period, axis)])))  # fmt: skip
        totals = pd.concat(slots).groupby(level=[0, 1], sort=False).size()
        means.index.names = ["subject", "period"]
        means["observed_fraction"] = kept.to_numpy() / totals.reindex(kept.index).to_numpy()
        return means


def _period_labels(starts: pd.Index, period, axis: _TimeAxis) -> pd.Index:
    """The period each start falls in: calendar periods in the recordings' zone, epoch multiples otherwise."""
    if axis.kind == "datetime":
        local = starts.tz_localize(None) if axis.tz is not None else starts  # wall clock of the zone
        floored = pd.DatetimeIndex(local).floor(pd.Timedelta(period, unit="ns"))
        if axis.tz is None:
            return floored
        return floored.tz_localize(axis.tz, ambiguous=True, nonexistent="shift_forward")
    if axis.kind == "timedelta":
        return pd.TimedeltaIndex(starts).floor(pd.Timedelta(period, unit="ns"))
    return pd.Index(np.floor(np.asarray(starts, dtype=np.float64) / period) * period)


# ---- labels -----------------------------------------------------------------------------------


def label_windows(windows, spans: pd.DataFrame, *, duration=None, min_overlap=0.5) -> pd.Series:
    """The label of each window: the label of the spans covering most of it.

    Labels that belong to time spans (sleep stages, activities, events) are mapped onto
    windows by overlap: for each window, the time covered by each label's spans is
    summed, and the label covering the most is the window's label, provided it covers at
    least ``min_overlap`` of the window; otherwise the window is unlabelled (NaN).
    Ties go to the label sorted first.

    Parameters
    ----------
    windows : Windows, DataFrame or MultiIndex
        A `Windows` (its ``index``), a frame with columns ``subject``, ``start`` and
        ``end``, or a frame or index with index levels ``(subject, start)`` (the output
        of :meth:`RecordingEmbedder.transform`; then ``duration`` is needed).
    spans : DataFrame
        Columns ``subject``, ``start``, ``end`` (excluded) and ``label``; stamps of the
        same kind as the windows'. Spans may overlap.
    duration : str, Timedelta, float or None, default=None
        Window duration, when ``windows`` holds only starts.
    min_overlap : float in (0, 1], default=0.5
        Least fraction of a window its label must cover.

    Returns
    -------
    labels : Series
        One label per window (NaN where none covers ``min_overlap``), indexed like
        ``windows`` (its ``index`` for a `Windows`).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_msae.recordings import label_windows
    >>> day = pd.Timestamp("2024-03-01")
    >>> starts = day + pd.to_timedelta([0, 10, 20], unit="min")
    >>> windows = pd.DataFrame({"subject": "ann", "start": starts, "end": starts + pd.Timedelta("10min")})
    >>> spans = pd.DataFrame({"subject": ["ann", "ann"], "start": [day, day + pd.Timedelta("13min")],
    ...                       "end": [day + pd.Timedelta("13min"), day + pd.Timedelta("24min")],
    ...                       "label": ["sit", "walk"]})
    >>> label_windows(windows, spans).tolist()  # 7 of the second window's 10 min walking, 4 of the third's
    ['sit', 'walk', nan]
    """
    if not 0 < min_overlap <= 1:
        raise ValueError(f"min_overlap must be in (0, 1]; got {min_overlap!r}")
    missing = {"subject", "start", "end", "label"} - set(getattr(spans, "columns", []))
    if missing:
        raise ValueError(f"spans must be a DataFrame with columns subject, start, end and label; missing {sorted(missing)}")
    subjects, starts, ends, index = _window_bounds(windows, duration)
    axis = _axis_of(starts, "the window starts")
    span_starts = axis.numbers(spans["start"], "spans['start']")
    span_ends = axis.numbers(spans["end"], "spans['end']")
    if (span_ends <= span_starts).any():
        raise ValueError(f"every span must end after it starts; {(span_ends <= span_starts).sum()} spans do not")
    starts, ends = _as_numbers(starts), _as_numbers(ends)
    codes, names = pd.factorize(spans["label"], sort=True)
    labels = np.full(len(starts), -1, dtype=np.int64)
    window_codes = pd.Index(subjects)
    for subject, group in spans.groupby("subject", sort=False).indices.items():
        windows_of = np.flatnonzero(window_codes == subject)
        if len(windows_of):
            order = group[np.argsort(span_starts[group], kind="stable")]
            labels[windows_of] = _majority(
                starts[windows_of], ends[windows_of], span_starts[order], span_ends[order], codes[order],
                len(names), min_overlap,
            )  # fmt: skip
    values = pd.Series(np.asarray(names, dtype=object)[np.maximum(labels, 0)], index=index, name="label")
    return values.where(labels >= 0)


def _window_bounds(windows, duration):
    """``(subjects, starts, ends, index)`` of any accepted description of windows."""
    if isinstance(windows, Windows):
        windows = windows.index
    if isinstance(windows, pd.DataFrame) and {"subject", "start", "end"} <= set(windows.columns):
        return windows["subject"].to_numpy(), pd.Index(windows["start"]), pd.Index(windows["end"]), windows.index
    index = windows.index if isinstance(windows, pd.DataFrame) else windows
    if not isinstance(index, pd.MultiIndex) or index.nlevels < 2:
        raise ValueError(
            "windows must be a Windows, a frame with columns subject, start and end, "
            "or a frame or MultiIndex with levels (subject, start)"
        )
    if duration is None:
        raise ValueError("windows holds only the window starts: pass duration= (the window's duration)")
    starts = index.get_level_values(1)
    axis = _axis_of(starts, "the window starts")
    step = axis.duration(duration, "duration")
    ends = starts + (pd.Timedelta(step, unit="ns") if axis.is_duration else step)
    return index.get_level_values(0).to_numpy(), starts, ends, index


def _majority(starts, ends, span_starts, span_ends, codes, n_labels, min_overlap):
    """Per window, the code of the label with the largest overlap, -1 under ``min_overlap``.

    Spans are sorted by start; only the spans that can overlap a window are paired with
    it: those starting before its end, from the first whose running maximum end passes
    its start.
    """
    reach = np.maximum.accumulate(span_ends)
    low = np.searchsorted(reach, starts, side="right")
    high = np.searchsorted(span_starts, ends, side="left")
    counts = np.maximum(high - low, 0)
    window = np.repeat(np.arange(len(starts)), counts)
    span = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(low, counts)
    overlap = np.minimum(span_ends[span], ends[window]) - np.maximum(span_starts[span], starts[window])
    covered = np.zeros((len(starts), n_labels))
    np.add.at(covered, (window, codes[span]), np.maximum(overlap, 0).astype(np.float64))
    best = covered.argmax(axis=1)
    enough = covered[np.arange(len(starts)), best] >= min_overlap * (ends - starts).astype(np.float64)
    return np.where(enough & (covered.max(axis=1) > 0), best, -1)
