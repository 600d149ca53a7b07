"""Streamed pretraining: series read chunk by chunk from data that need not fit in memory.

A *chunk source* (`ChunkSource`: a numpy or memory-mapped array wrapped in
`ArraySource`, or a `~sklearn_msae.datasets.SeriesStore` of ``.npy`` shards) hands out
copies of row ranges. `ChannelMoments` learns the channel scaling in one pass over the
chunks, and `StreamedBatches`, a torch ``IterableDataset``, feeds skorch tokenised
batches drawn through a shuffle buffer. Memory stays bounded by the buffer
(``_BUFFER_CHUNKS * _CHUNK_BYTES``) plus one batch, whatever the size of the data.
"""

from __future__ import annotations

import math
import mmap
import os
from abc import ABC, abstractmethod
from pathlib import Path

import joblib
import numpy as np
import torch
from torch.utils.data import IterableDataset

# Bytes of float32 values read per chunk, and chunks shuffled together (the shuffle buffer).
_CHUNK_BYTES = 16 * 2**20
_BUFFER_CHUNKS = 4
# With streaming="auto", a memory-mapped array larger than this is streamed.
STREAM_BYTES = 2**28


class ChunkSource(ABC):
    """Series that are read as copies of row ranges: ``source[start:stop]`` is an ndarray."""

    @property
    @abstractmethod
    def shape(self) -> tuple[int, ...]:
        """``(n_series, n_channels, n_timepoints)`` or ``(n_series, n_timepoints)``."""

    @abstractmethod
    def __getitem__(self, rows: slice) -> np.ndarray:
        """A copy of the series ``rows`` (a slice with step 1)."""

    @abstractmethod
    def fingerprint(self):
        """What identifies the data without reading it (a cache and checkpoint key)."""

    @property
    def ndim(self) -> int:
        """Number of dimensions of the data: 3 (channels) or 2 (univariate).

        Returns
        -------
        int

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_msae._streaming import ArraySource
        >>> ArraySource(np.zeros((4, 2, 10))).ndim
        3
        """
        return len(self.shape)

    def __len__(self) -> int:
        return self.shape[0]


class ArraySource(ChunkSource):
    """A numpy array (memory-mapped or not) as a `ChunkSource`."""

    def __init__(self, array: np.ndarray):
        self.array = array

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    def __getitem__(self, rows: slice) -> np.ndarray:
        return read_rows(self.array, rows)

    def fingerprint(self):
        mapping = getattr(self.array, "_mmap", None)
        if mapping is None or not self.array.filename:
            return ("array", joblib.hash(self.array))
        # a memory map is identified by its file and where in the mapping the array starts,
        # so that 2 GB are never hashed
        stat = os.stat(self.array.filename)
        start = self.array.ctypes.data - np.frombuffer(mapping, np.uint8, count=1).ctypes.data
        array = self.array
        return ("memmap", array.filename, stat.st_size, stat.st_mtime_ns, start, array.shape, array.strides, array.dtype.str)


def read_rows(array: np.ndarray, rows: slice) -> np.ndarray:
    """A copy of ``array[rows]``; a memory map then gives its pages back.

    Pages of a memory-mapped file count in the resident memory of the process while
    they stay mapped; dropping them (``MADV_DONTNEED``; the file keeps the data and the
    kernel keeps them in its page cache) keeps that figure bounded by one chunk. A
    copy-on-write map (``mode="c"``) keeps its pages: dropping them would lose writes.
    """
    chunk = np.array(array[rows])
    mapping = getattr(array, "_mmap", None)
    if mapping is not None and array.mode != "c" and hasattr(mapping, "madvise"):
        mapping.madvise(mmap.MADV_DONTNEED)
    return chunk


def as_source(X, streaming) -> ChunkSource | None:
    """The chunk source that ``fit`` streams ``X`` from, or None to fit ``X`` in memory.

    ``streaming="auto"`` streams a `ChunkSource` and a memory-mapped array of more than
    `STREAM_BYTES`; True streams any numpy array too; False streams nothing.
    """
    if isinstance(X, ChunkSource):
        if streaming is False:
            raise ValueError(f"X is a {type(X).__name__}, which is always streamed; it needs streaming=True or 'auto'")
        return X
    if isinstance(X, np.ndarray) and (
        streaming is True or streaming == "auto" and isinstance(X, np.memmap) and X.nbytes > STREAM_BYTES
    ):
        return ArraySource(X)
    if streaming is True:
        raise ValueError(
            f"streaming=True needs X as a numpy array, a memory-mapped array or a SeriesStore; got {type(X).__name__}"
        )
    return None


def rows_per_chunk(source: ChunkSource, batch_size: int) -> int:
    """Series per chunk: `_CHUNK_BYTES` of float32 values, at least one batch."""
    values_per_series = math.prod(source.shape[1:])
    return max(batch_size, _CHUNK_BYTES // (4 * max(values_per_series, 1)))


class ChannelMoments:
    """Per-channel count, mean, squared deviations, min and max of the observed values.

    Chunks are merged with Chan et al.'s parallel update in float64, so one pass over
    the data gives the mean and standard deviation without holding it.
    """

    def __init__(self, n_channels: int):
        self.count = np.zeros(n_channels)
        self.mean = np.zeros(n_channels)
        self.m2 = np.zeros(n_channels)
        self.low = np.full(n_channels, np.nan)
        self.high = np.full(n_channels, np.nan)

    def update(self, values: np.ndarray) -> None:
        """Add the values (n, C, T) of a chunk; NaN is unobserved."""
        per_channel = np.moveaxis(values, 1, 0).reshape(values.shape[1], -1).astype(np.float64)  # (C, n*T)
        count = (~np.isnan(per_channel)).sum(axis=1)
        mean = np.divide(np.nansum(per_channel, axis=1), count, out=np.zeros_like(self.mean), where=count > 0)
        m2 = np.nansum((per_channel - mean[:, None]) ** 2, axis=1)
        total = self.count + count
        weight = np.divide(count, total, out=np.zeros_like(self.mean), where=total > 0)
        delta = mean - self.mean
        self.mean += delta * weight
        self.m2 += m2 + delta**2 * self.count * weight
        self.count = total
        # fmin/fmax skip NaN, and give NaN for a channel with no value (no warning)
        self.low = np.fmin(self.low, np.fmin.reduce(per_channel, axis=1))
        self.high = np.fmax(self.high, np.fmax.reduce(per_channel, axis=1))

    def center_scale(self, scaling: str) -> tuple[np.ndarray, np.ndarray]:
        """Centre and scale of ``"standard"`` or ``"minmax"`` scaling (as in memory)."""
        if scaling == "standard":
            return self.mean, np.sqrt(self.m2 / np.maximum(self.count, 1))
        return (self.high + self.low) / 2, (self.high - self.low) / 2


class StreamedBatches(IterableDataset):
    """Tokenised batches of series from a `ChunkSource`, shuffled through a buffer.

    Each epoch visits the chunks in a random order and shuffles the series of
    `_BUFFER_CHUNKS` chunks together. The order depends only on ``seed`` and the epoch,
    never on the data or on torch's RNG, so a run resumed at ``start_step`` skips the
    batches it has trained on without reading them. Each ``iter()`` is one epoch.

    Parameters
    ----------
    source : ChunkSource
    make_batch : callable
        Rows (ndarray) to the batch dict of tensors (validated, scaled, tokenised).
    batch_size : int
    rows_per_chunk : int
    seed : int
        Seed of the chunk and buffer shuffles.
    shuffle : bool, default=True
        Shuffle (training) or read in order (validation).
    rows : ndarray of bool of shape (len(source),) or None
        The series to use (None: all of them).
    start_step : int, default=0
        Global training step to start at (resuming).
    max_steps : int or None
        Stop after this many batches in total, over all epochs.
    """

    def __init__(
        self, source, make_batch, *, batch_size, rows_per_chunk, seed, shuffle=True, rows=None, start_step=0, max_steps=None
    ):
        self.source = source
        self.make_batch = make_batch
        self.batch_size = batch_size
        self.rows_per_chunk = rows_per_chunk
        self.seed = seed
        self.shuffle = shuffle
        self.rows = rows
        self.start_step = start_step
        self.max_steps = max_steps
        self._next_step = start_step

    @property
    def n_series(self) -> int:
        return len(self.source) if self.rows is None else int(self.rows.sum())

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.n_series / self.batch_size)

    def __len__(self) -> int:
        """Batches that the next ``iter()`` (the coming epoch) yields.

        The data loader passes the batches on as they are (``batch_size=None``), so its
        length, and skorch's progress bar, count batches; a resumed epoch and the
        ``max_steps`` limit shorten the count as they shorten the epoch.
        """
        return self._epoch_batches()[2]

    def _epoch_batches(self) -> tuple[int, int, int]:
        """``(epoch, skip, n_batches)`` of the next ``iter()``: its epoch, the batches of it
        already trained on (resumed) and the batches it yields."""
        epoch, skip = divmod(self._next_step, self.steps_per_epoch) if self.shuffle else (0, 0)
        n_batches = self.steps_per_epoch - skip
        if self.max_steps is not None:
            n_batches = min(n_batches, self.max_steps - epoch * self.steps_per_epoch - skip)
        return epoch, skip, max(n_batches, 0)

    def resume_at(self, step: int) -> None:
        """Start the next epoch's iteration at global training step ``step``."""
        self.start_step = self._next_step = step

    def subset(self, rows: np.ndarray, *, shuffle: bool) -> StreamedBatches:
        """The same stream restricted to ``rows``; a validation subset starts at step 0."""
        start_step, max_steps = (self.start_step, self.max_steps) if shuffle else (0, None)
        return StreamedBatches(
            self.source, self.make_batch, batch_size=self.batch_size, rows_per_chunk=self.rows_per_chunk,
            seed=self.seed, shuffle=shuffle, rows=rows, start_step=start_step, max_steps=max_steps,
        )  # fmt: skip

    def __iter__(self):
        epoch, skip, n_batches = self._epoch_batches()
        self._next_step = (epoch + 1) * self.steps_per_epoch
        start, stop = skip * self.batch_size, min((skip + n_batches) * self.batch_size, self.n_series)
        size = self.batch_size
        carry, position = None, 0  # carry: the start of a batch that spans two windows
        for window, order in self._plan(epoch):
            lo, hi = max(start - position, 0), min(stop - position, len(order))
            position += len(order)
            if lo >= hi:  # a window before the resumed step (or after the step limit): not read
                continue
            block, positions = self._read(window), order[lo:hi]
            if carry is not None:
                positions, carry = positions[size - len(carry) :], np.concatenate([carry, block[positions[: size - len(carry)]]])
                if len(carry) < size:
                    continue
                yield self.make_batch(carry), None
            # batches are gathered from the buffer directly: no shuffled copy of it
            n_full = len(positions) // size * size
            for first in range(0, n_full, size):
                yield self.make_batch(block[positions[first : first + size]]), None
            carry = block[positions[n_full:]] if n_full < len(positions) else None
            if position >= stop:
                break
        if carry is not None:
            yield self.make_batch(carry), None

    def _read(self, window: list[tuple[int, int]]) -> np.ndarray:
        """The series of the ``window`` chunks, one chunk after another, filled into one buffer."""
        block = None
        filled = 0
        for a, b in window:
            chunk = self.source[a:b]
            if block is None:
                block = np.empty((sum(stop - begin for begin, stop in window), *chunk.shape[1:]), dtype=chunk.dtype)
            block[filled : filled + len(chunk)] = chunk
            filled += len(chunk)
        return block

    def _plan(self, epoch: int):
        """``(chunks, order)`` per buffer window: its ``(start, stop)`` chunks, and the
        positions (in the window's rows, chunk after chunk) of its series in the order
        they are trained on."""
        rng = np.random.RandomState([self.seed, epoch])
        n = len(self.source)
        chunks = [(a, min(a + self.rows_per_chunk, n)) for a in range(0, n, self.rows_per_chunk)]
        if self.shuffle:
            chunks = [chunks[i] for i in rng.permutation(len(chunks))]
        for w in range(0, len(chunks), _BUFFER_CHUNKS):
            window = chunks[w : w + _BUFFER_CHUNKS]
            if self.rows is None:
                selected = np.arange(sum(b - a for a, b in window))
            else:
                selected = np.flatnonzero(np.concatenate([self.rows[a:b] for a, b in window]))
            yield window, rng.permutation(selected) if self.shuffle else selected


def split_rows(dataset: StreamedBatches, y=None, *, fraction: float, seed: int):
    """skorch ``train_split`` of a `StreamedBatches`: a seeded ``fraction`` of the series
    is held out (read in order) to monitor the validation loss."""
    n = len(dataset.source)
    valid = np.zeros(n, dtype=bool)
    valid[np.random.RandomState(seed).choice(n, math.ceil(fraction * n), replace=False)] = True
    return dataset.subset(~valid, shuffle=True), dataset.subset(valid, shuffle=False)


def to_tensors(batch: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """A tokenised batch as CPU tensors (skorch moves them to the net's device)."""
    return {key: torch.as_tensor(value) for key, value in batch.items()}


class SeriesStore(ChunkSource):
    r"""A folder of ``.npy`` shards read as one panel of series, for data that does not fit in memory.

    Each shard holds some of the series, as ``(n_i, n_channels, n_timepoints)`` or
    ``(n_i, n_timepoints)``; all shards share the trailing shape and are concatenated
    in file-name order. Only the shard headers are read here; series are read as
    copies of row ranges (``store[start:stop]``), through memory maps whose pages are
    given back after each read. The embedders' ``fit`` streams a store (see their
    ``streaming`` parameter), and ``transform`` and ``score`` read it in batches.

    Parameters
    ----------
    path : str or Path
        Folder of the shards.
    pattern : str, default="\*.npy"
        Glob pattern of the shard files in ``path``.

    Attributes
    ----------
    shards : list of Path
        The shard files, in reading order.
    shape : tuple of int
        ``(n_series, ...)``: the total number of series, then the shape of one series.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn_msae.datasets import SeriesStore
    >>> folder = tempfile.mkdtemp()
    >>> for i in range(3):
    ...     np.save(f"{folder}/part-{i}.npy", np.full((4, 2, 50), i, dtype=np.float32))
    >>> store = SeriesStore(folder)
    >>> store.shape, len(store.shards)
    ((12, 2, 50), 3)
    >>> store[3:6][:, 0, 0]
    array([0., 1., 1.], dtype=float32)
    """

    def __init__(self, path, pattern="*.npy"):
        self.path = path
        self.pattern = pattern
        self.shards = sorted(Path(path).glob(pattern))
        if not self.shards:
            raise FileNotFoundError(f"SeriesStore: no file matches {pattern!r} in {path}")
        series_shapes, lengths = set(), []
        for shard in self.shards:
            array = np.load(shard, mmap_mode="r")  # reads the header only
            series_shapes.add(array.shape[1:])
            lengths.append(array.shape[0])
        if len(series_shapes) > 1:
            raise ValueError(
                f"SeriesStore: the shards of {path} hold series of different shapes {sorted(series_shapes)}; "
                "every shard must be (n_i, n_channels, n_timepoints) or (n_i, n_timepoints) with the same trailing shape"
            )
        self._series_shape = series_shapes.pop()
        self._starts = np.concatenate([[0], np.cumsum(lengths)])  # row of each shard's first series

    @property
    def shape(self) -> tuple[int, ...]:
        """``(n_series, ...)``: the number of series, then the shape of one series.

        Returns
        -------
        tuple of int

        Examples
        --------
        >>> import tempfile
        >>> import numpy as np
        >>> folder = tempfile.mkdtemp()
        >>> np.save(f"{folder}/a.npy", np.zeros((5, 30)))
        >>> SeriesStore(folder).shape
        (5, 30)
        """
        return (int(self._starts[-1]), *self._series_shape)

    def __getitem__(self, rows: slice) -> np.ndarray:
        """A copy of the series ``rows`` (a slice with step 1), read from the shards they span.

        Parameters
        ----------
        rows : slice

        Returns
        -------
        ndarray of shape (n_rows, ...)

        Examples
        --------
        >>> import tempfile
        >>> import numpy as np
        >>> folder = tempfile.mkdtemp()
        >>> np.save(f"{folder}/a.npy", np.arange(6.0).reshape(3, 2))
        >>> np.save(f"{folder}/b.npy", np.arange(6.0, 12.0).reshape(3, 2))
        >>> SeriesStore(folder)[2:4]
        array([[4., 5.],
               [6., 7.]])
        """
        start, stop, step = rows.indices(len(self))
        if step != 1:
            raise ValueError(f"SeriesStore reads contiguous rows; got a slice with step {step}")
        parts = []
        for shard, first, end in zip(self.shards, self._starts[:-1], self._starts[1:]):
            if first < stop and start < end:
                parts.append(read_rows(np.load(shard, mmap_mode="r"), slice(max(start - first, 0), min(stop, end) - first)))
        if not parts:
            return np.empty((0, *self._series_shape), dtype=np.load(self.shards[0], mmap_mode="r").dtype)
        return np.concatenate(parts)

    def fingerprint(self):
        """The shards' names, sizes and modification times: what identifies the data without reading it.

        Returns
        -------
        list of tuple

        Examples
        --------
        One entry per shard, in reading order:

        >>> import tempfile
        >>> from pathlib import Path
        >>> import numpy as np
        >>> folder = tempfile.mkdtemp()
        >>> for part in ("b", "a"):
        ...     np.save(f"{folder}/{part}.npy", np.zeros((5, 30)))
        >>> [(Path(name).name, size) for name, size, _modified in SeriesStore(folder).fingerprint()]
        [('a.npy', 1328), ('b.npy', 1328)]
        """
        return [(str(shard.resolve()), shard.stat().st_size, shard.stat().st_mtime_ns) for shard in self.shards]
