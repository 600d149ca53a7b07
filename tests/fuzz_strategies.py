"""Hypothesis strategies of the fuzz harness (tests/test_fuzz.py): inputs of any shape, dtype and format.

Everything here draws *inputs*: numpy arrays (0-D to 4-D, empty dims, every dtype,
NaN/inf/extreme-scale patterns), pandas frames (MultiIndex ``(instance, time)`` with any
time index, flat 2-D frames, nullable dtypes), lists of arrays and of frames, and
parameter values across and beyond each parameter's constraints.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st

# ---- values ------------------------------------------------------------------------

SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30, 1e-30, 1e39, 3.3e38, 1e-45, 65504.0, 1e300]
FLOATS = st.one_of(
    st.floats(-10, 10, allow_nan=False, width=32),  # ordinary data, the common case
    st.sampled_from(SPECIAL),
    st.floats(allow_nan=True, allow_infinity=True),
)
FLOAT_DTYPES = ["float16", "float32", "float64"]
NUMBER_DTYPES = [*FLOAT_DTYPES, "int8", "int32", "int64", "uint8", "bool"]
ODD_DTYPES = ["object", "complex128", "datetime64[ns]", "timedelta64[s]", "<U3", "|S2"]


@st.composite
def shapes(draw, min_dims=0, max_dims=4):
    """Any shape: empty dims, single points, long series (the last axis is time)."""
    ndim = draw(st.integers(min_dims, max_dims))
    dims = [draw(st.sampled_from([0, 1, 2, 3, 5])) for _ in range(max(ndim - 1, 0))]
    if ndim:
        dims.append(draw(st.one_of(st.integers(0, 25), st.sampled_from([64, 200]))))
    return tuple(dims)


@st.composite
def nan_pattern(draw, values: np.ndarray, clean: bool = False) -> np.ndarray:
    """Punch NaN into float ``values``: none, scattered, a whole series, a whole channel, or all."""
    if values.size == 0 or values.ndim == 0:
        return values
    kinds = ["none", "none", "scattered", "channel", "tail"]
    if not clean:
        kinds += ["series", "all"]
    kind = draw(st.sampled_from(kinds))
    values = values.copy()
    if kind == "scattered":
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        values[rng.random(values.shape) < draw(st.sampled_from([0.1, 0.5, 0.9]))] = np.nan
        if clean:  # every series keeps an observed value
            values.reshape(values.shape[0], -1)[:, 0] = 1.0
    elif kind == "series":
        values[draw(st.integers(0, values.shape[0] - 1))] = np.nan
    elif kind == "channel" and values.ndim >= 3:
        values[:, draw(st.integers(0, values.shape[1] - 1))] = np.nan
    elif kind == "all":
        values[...] = np.nan
    elif kind == "tail":
        values[..., values.shape[-1] // 2 :] = np.nan
    return values


@st.composite
def float_values(draw, shape, clean: bool = False) -> np.ndarray:
    """float64 values of ``shape``: mostly ordinary, sometimes special, possibly scaled by 1e±30.

    ``clean``: finite values within float32, every series with an observed value (valid input).
    """
    size = int(np.prod(shape)) if shape else 1
    base = np.random.default_rng(draw(st.integers(0, 2**16))).standard_normal(size)
    if clean:
        base = base * draw(st.sampled_from([1.0, 1.0, 1.0, 1e30, 1e-30, 1e20, 3e4, 1e-6])) + draw(
            st.sampled_from([0.0, 0.0, 5.0, -1e6])
        )
        if size and draw(st.booleans()):
            base[draw(st.integers(0, size - 1))] = draw(st.sampled_from([0.0, -0.0, 1e-45, 3e38, -3e38, 65504.0]))
        return draw(nan_pattern(base.reshape(shape), clean=True))
    n_special = draw(st.integers(0, min(size, 3)))
    for _ in range(n_special):
        base[draw(st.integers(0, size - 1)) if size else 0] = draw(FLOATS)
    with np.errstate(all="ignore"):
        base = base * draw(st.sampled_from([1.0, 1.0, 1.0, 1e30, 1e-30, 1e20, 3e4]))
    return draw(nan_pattern(base.reshape(shape)))


def _object_values(draw, values: np.ndarray) -> np.ndarray:
    out = values.astype(object)
    if out.size:
        flat = out.reshape(-1)
        for _ in range(draw(st.integers(0, 3))):
            flat[draw(st.integers(0, flat.size - 1))] = draw(
                st.sampled_from([None, pd.NA, "a", "1.5", "", 3, True, {"a": 1}, [1.0], np.float32(2.0), 1 + 2j])
            )
    return out


@st.composite
def cast(draw, values: np.ndarray, dtype: str) -> np.ndarray:
    """``values`` as ``dtype`` (NaN/inf become whatever numpy makes of them)."""
    if dtype == "object":
        return _object_values(draw, values)
    with np.errstate(all="ignore"):
        if dtype.startswith(("int", "uint")):
            return np.nan_to_num(values, nan=0, posinf=0, neginf=0).clip(-100, 100).astype(dtype)
        if dtype == "bool":
            return np.nan_to_num(values) > 0
        if dtype.startswith(("datetime", "timedelta")):
            return np.nan_to_num(values, nan=0, posinf=0, neginf=0).clip(-1e9, 1e9).astype("int64").astype(dtype)
        if dtype in ("<U3", "|S2"):
            return values.astype(dtype)
        if dtype == "complex128":
            return values + 1j * draw(st.sampled_from([0.0, 1.0]))
        return values.astype(dtype)


@st.composite
def arrays(draw, shape=None, dtypes=None):
    """A numpy array of any shape (0-D to 4-D) and dtype."""
    shape = draw(shapes()) if shape is None else shape
    dtype = draw(st.sampled_from(dtypes or [*NUMBER_DTYPES, *FLOAT_DTYPES, *ODD_DTYPES]))
    return draw(cast(draw(float_values(shape)), dtype))


@st.composite
def near_valid_arrays(draw, n_channels=2):
    """Mostly 3-D ``(n_series, n_channels, T)`` of a fitted channel count: the inputs that reach the network."""
    n = draw(st.integers(0, 5))
    c = draw(st.sampled_from([n_channels] * 4 + [0, 1, n_channels + 1]))
    t = draw(st.one_of(st.integers(0, 30), st.sampled_from([20, 64, 257])))
    return draw(arrays(shape=(n, c, t), dtypes=[*FLOAT_DTYPES, *FLOAT_DTYPES, *NUMBER_DTYPES, "object"]))


# ---- pandas ------------------------------------------------------------------------


@st.composite
def time_index(draw, length: int) -> pd.Index:
    """A time index of ``length`` stamps: any kind, sometimes unsorted, duplicated or with NaN/NaT."""
    kind = draw(st.sampled_from(["range", "int", "float", "datetime", "datetime-tz", "timedelta", "irregular"]))
    if kind == "range":
        index = pd.RangeIndex(length)
    elif kind == "int":
        index = pd.Index(np.arange(length, dtype="int64") * draw(st.sampled_from([1, 7, -1, 10**12])))
    elif kind == "float":
        index = pd.Index(np.arange(length, dtype=float) * draw(st.sampled_from([0.5, 1e-9, 1e9])))
    elif kind in ("datetime", "datetime-tz"):
        tz = "UTC" if kind == "datetime" and draw(st.booleans()) else ("Asia/Tokyo" if kind == "datetime-tz" else None)
        freq = draw(st.sampled_from(["s", "h", "D", "ms"]))
        index = pd.date_range("2024-01-01", periods=length, freq=freq, tz=tz)
    elif kind == "timedelta":
        index = pd.to_timedelta(np.arange(length), unit="s")
    else:  # irregular, increasing
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        index = pd.Index(np.cumsum(rng.random(length) + 1e-3))
    defect = draw(st.sampled_from(["none"] * 6 + ["shuffle", "duplicate", "missing"]))
    if length >= 2 and defect == "shuffle":
        index = index[np.random.default_rng(draw(st.integers(0, 99))).permutation(length)]
    elif length >= 2 and defect == "duplicate":
        index = index[[0, *range(length - 1)]]
    elif length >= 1 and defect == "missing" and kind not in ("range", "int"):
        values = list(index)
        values[draw(st.integers(0, length - 1))] = None
        index = pd.Index(values, dtype=index.dtype)
    return index


CLEAN_COLUMN_DTYPES = ["float64", "float64", "float32", "Float64", "Int64", "int64"]
COLUMN_DTYPES = ["float64", "float64", "float32", "Float64", "Int64", "object", "boolean", "int64", "float16"]


@st.composite
def columns(draw, length: int, n_columns: int, clean: bool = False) -> dict:
    """``n_columns`` columns of ``length`` values, each of its own dtype (nullable ones with pd.NA)."""
    out = {}
    for c in range(n_columns):
        values = draw(float_values((length,), clean=clean))
        dtype = draw(st.sampled_from(CLEAN_COLUMN_DTYPES if clean else COLUMN_DTYPES))
        with np.errstate(all="ignore"):
            if dtype in ("Float64",):
                column = pd.array(values, dtype="Float64")
                if length and draw(st.booleans()):
                    column[draw(st.integers(0, length - 1))] = pd.NA
            elif dtype in ("Int64", "boolean", "int64"):
                ints = np.nan_to_num(values, nan=0, posinf=0, neginf=0).clip(-100, 100).round()
                if clean and dtype == "int64" and np.isnan(values).all():
                    ints = values
                if dtype == "int64":
                    column = ints if np.isnan(ints).any() else ints.astype("int64")
                else:
                    column = pd.array(ints.astype("int64") if dtype == "Int64" else ints > 0, dtype=dtype)
                    if length and draw(st.booleans()):
                        column[draw(st.integers(0, length - 1))] = pd.NA
            elif dtype == "object":
                column = _object_values(draw, values)
            else:
                column = values.astype(dtype)
        out[f"c{c}"] = column
    return out


@st.composite
def multiindex_frames(draw, n_columns=None):
    """A pd-multiindex ``(instance, time)`` frame: 0-4 instances of 0-25 stamps each."""
    n_columns = draw(st.sampled_from([2, 2, 2, 1, 3, 0])) if n_columns is None else n_columns
    n = draw(st.integers(0, 4))
    labels = draw(st.sampled_from(["int", "str", "nan"]))
    pieces = []
    for i in range(n):
        length = draw(st.one_of(st.integers(0, 25), st.just(1)))
        index = draw(time_index(length))
        label = {"int": i, "str": f"s{i}", "nan": np.nan if i == n - 1 else i}[labels]
        frame = pd.DataFrame(draw(columns(length, n_columns)), index=pd.RangeIndex(length))
        frame.index = pd.MultiIndex.from_arrays([[label] * length, index])
        pieces.append(frame)
    if not pieces:
        return pd.DataFrame(
            {f"c{c}": [] for c in range(n_columns)},
            index=pd.MultiIndex.from_arrays([[], []]),
            dtype=float,
        )
    try:
        X = pd.concat(pieces)
    except (TypeError, ValueError):  # pandas refuses to join these time levels: draw a simpler frame
        X = pd.concat([p.set_axis(pd.MultiIndex.from_arrays([p.index.get_level_values(0), range(len(p))])) for p in pieces])
    if draw(st.booleans()) and len(X) > 1:  # rows of instances interleaved
        X = X.iloc[np.random.default_rng(draw(st.integers(0, 99))).permutation(len(X))]
    return X


@st.composite
def flat_frames(draw):
    """A 2-D frame ``(n_series, n_timepoints)``: univariate series, one column per time point."""
    n, t = draw(st.integers(0, 5)), draw(st.integers(0, 25))
    frame = pd.DataFrame(draw(columns(n, t)), index=draw(time_index(n)) if draw(st.booleans()) else None)
    if draw(st.booleans()):
        frame.columns = range(t)
    return frame


@st.composite
def series_lists(draw, n_channels=2):
    """A list (or tuple) of series: 1-D/2-D arrays, DataFrames or Series, possibly of unequal lengths."""
    n = draw(st.integers(0, 4))
    kind = draw(st.sampled_from(["array", "array", "frame", "series", "mixed"]))
    out = []
    for _ in range(n):
        length = draw(st.integers(0, 25))
        item_kind = draw(st.sampled_from(["array", "frame", "series"])) if kind == "mixed" else kind
        channels = draw(st.sampled_from([n_channels] * 4 + [1, n_channels + 1]))
        if item_kind == "array":
            shape = draw(st.sampled_from([(channels, length), (length,), (1, channels, length)]))
            out.append(draw(arrays(shape=shape, dtypes=[*FLOAT_DTYPES, "int64", "object", "complex128"])))
        elif item_kind == "frame":
            out.append(pd.DataFrame(draw(columns(length, channels)), index=draw(time_index(length))))
        else:
            out.append(pd.Series(draw(float_values((length,))), index=draw(time_index(length))))
    return tuple(out) if draw(st.integers(0, 9)) == 0 else out


def any_X(n_channels=2):
    """Any input at all, biased towards formats that reach the network of a ``n_channels`` model."""
    return st.one_of(
        valid_X(n_channels),
        valid_X(n_channels),
        valid_X(n_channels),
        valid_X(n_channels),
        near_valid_arrays(n_channels),
        arrays(),
        multiindex_frames(),
        series_lists(n_channels),
        flat_frames(),
        st.sampled_from([None, 3.0, "abc", [[1.0, 2.0], [3.0]], {"a": 1}]),
    )


# ---- parameter values --------------------------------------------------------------

PARAM_VALUES = st.one_of(
    st.integers(-3, 10),
    st.sampled_from([0, -1, 2**31, 2**63, 10**30]),
    st.floats(-2, 2),
    st.sampled_from([0.0, 1.0, 0.5, 1.5, np.nan, np.inf, -np.inf, 1e-300]),
    st.sampled_from(["all", "mean", "cls", "channel", "flatten", "meanmax", "bogus", "", "auto", "tiny", "huge"]),
    st.sampled_from(["cpu", "cuda", "gpu", "cuda:3", "meta", "mps", "cpu:0", "CPU", "auto", "cuda:-1", "xla"]),
    st.sampled_from([None, True, False, (), [1], {"a": 1}, np.int64(2), np.float32(0.5), np.bool_(True)]),
)


@st.composite
def valid_X(draw, n_channels=2):
    """Input the fitted ``n_channels`` models must accept: arrays, pd-multiindex frames and lists of series."""
    kind = draw(st.sampled_from(["array", "array", "frame", "list", "list-frames"]))
    n = draw(st.integers(1, 5))
    if kind == "array":
        t = draw(st.one_of(st.integers(1, 30), st.sampled_from([20, 64, 257])))
        values = draw(float_values((n, n_channels, t), clean=True))
        return values.astype(draw(st.sampled_from(["float32", "float64", "float64"])))
    lengths = [draw(st.integers(1, 25)) for _ in range(n)]
    if kind == "list":
        return [draw(float_values((n_channels, length), clean=True)) for length in lengths]
    pieces = []
    for i, length in enumerate(lengths):
        index = draw(clean_time_index(length))
        piece = pd.DataFrame(draw(columns(length, n_channels, clean=True)), index=index)
        if pd.isna(piece.astype("float64")).all().all():
            piece.iloc[0] = 1.0
        pieces.append(piece)
    if kind == "list-frames":
        return pieces
    return pd.concat(pieces, keys=draw(st.sampled_from([list(range(n)), [f"s{i}" for i in range(n)]])))


@st.composite
def clean_time_index(draw, length: int) -> pd.Index:
    kind = draw(st.sampled_from(["range", "float", "datetime", "datetime-tz", "timedelta"]))
    if kind == "range":
        return pd.RangeIndex(length)
    if kind == "float":
        return pd.Index(np.cumsum(np.random.default_rng(draw(st.integers(0, 99))).random(length) + 1e-3))
    if kind == "timedelta":
        return pd.to_timedelta(np.arange(length), unit="s")
    return pd.date_range("2024-01-01", periods=length, freq="h", tz="UTC" if kind == "datetime-tz" else None)

# values of the right kind and range for most parameters: construction then reaches the network
PLAUSIBLE_VALUES = st.one_of(
    st.integers(1, 8),
    st.floats(0.01, 0.99),
    st.booleans(),
    st.sampled_from(
        ["auto", "mean", "standard", "minmax", "random", "block", "zero", "linear", "value", "timestep", "keep"]
        + ["refit", "cls", "channel", "flatten", "meanmax", "all", "cpu"]
    ),
)
