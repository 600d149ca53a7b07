"""Streamed pretraining: memory-mapped arrays and SeriesStore, shuffle buffer, checkpoints, memory."""

import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from sklearn_msae import AIMEmbedder, HiMAEEmbedder, RoMAEEmbedder
from sklearn_msae import _streaming
from sklearn_msae._panel import stretch, to_panel
from sklearn_msae._streaming import ArraySource, StreamedBatches
from sklearn_msae.datasets import SeriesStore

FAST = dict(size="tiny", max_epochs=2, batch_size=8, device="cpu", random_state=0)


@pytest.fixture
def motions_on_disk(basic_motions, tmp_path):
    """BasicMotions train as an in-memory array, a memory map and a SeriesStore of 3 shards."""
    X = basic_motions[0]
    np.save(tmp_path / "all.npy", X)
    shards = tmp_path / "shards"
    shards.mkdir()
    for i, part in enumerate(np.array_split(X, 3)):
        np.save(shards / f"part-{i}.npy", part)
    return X, np.load(tmp_path / "all.npy", mmap_mode="r"), SeriesStore(shards)


def test_memmap_store_and_array_stream_identically(motions_on_disk):
    X, X_map, store = motions_on_disk
    fits = [
        HiMAEEmbedder(**FAST, streaming=True).fit(X),
        HiMAEEmbedder(**FAST, streaming=True).fit(X_map),
        HiMAEEmbedder(**FAST).fit(store),  # "auto" streams a store
        HiMAEEmbedder(**FAST).fit(store),
    ]
    embeddings = [fit.transform(X) for fit in fits]
    assert embeddings[0].shape == (40, 176)
    for embedding in embeddings[1:]:  # same data, same chunks, same seed: the same network
        np.testing.assert_array_equal(embedding, embeddings[0])
    np.testing.assert_array_equal(fits[2].transform(store), embeddings[0])  # transform reads a store in batches
    seen = stretch(to_panel(X), 128).values  # each chunk stretched to 128 steps (stretch_to), as the whole array
    np.testing.assert_allclose(fits[0].channel_center_, np.nanmean(seen, axis=(0, 2)), rtol=1e-5)
    np.testing.assert_allclose(fits[0].channel_scale_, np.nanstd(seen, axis=(0, 2)), rtol=1e-4)


def test_small_memmap_is_fitted_in_memory(motions_on_disk):
    X, X_map, _ = motions_on_disk  # "auto" streams only memory maps over 256 MiB
    np.testing.assert_array_equal(
        HiMAEEmbedder(**FAST).fit(X_map).transform(X), HiMAEEmbedder(**FAST).fit(X).transform(X)
    )


def test_shuffle_buffer_visits_every_series_once_per_epoch(monkeypatch):
    monkeypatch.setattr(_streaming, "_BUFFER_CHUNKS", 2)
    source = ArraySource(np.arange(103, dtype=np.float32)[:, None])
    stream = StreamedBatches(source, lambda rows: rows[:, 0], batch_size=10, rows_per_chunk=12, seed=3)
    epochs = [np.concatenate([batch for batch, _ in stream]) for _ in range(2)]
    for order in epochs:
        assert sorted(order) == list(range(103))
    assert not np.array_equal(epochs[0], epochs[1])

    resumed = StreamedBatches(source, lambda rows: rows[:, 0], batch_size=10, rows_per_chunk=12, seed=3)
    resumed.resume_at(11 + 4)  # epoch 1 (11 batches each), after its 4th batch
    np.testing.assert_array_equal(np.concatenate([batch for batch, _ in resumed]), epochs[1][40:])

    capped = StreamedBatches(source, lambda rows: rows[:, 0], batch_size=10, rows_per_chunk=12, seed=3, max_steps=3)
    assert [len(batch) for batch, _ in capped] == [10, 10, 10]


def test_stream_length_is_the_next_epochs_batch_count():
    source = ArraySource(np.arange(103, dtype=np.float32)[:, None])
    stream = StreamedBatches(source, lambda rows: rows[:, 0], batch_size=10, rows_per_chunk=12, seed=3, max_steps=25)
    counts = []
    for _ in range(3):  # 11 batches an epoch; max_steps=25 leaves 3 for the third epoch
        expected = len(stream)
        counts.append((expected, sum(1 for _ in stream)))
    assert counts == [(11, 11), (11, 11), (3, 3)]
    assert len(stream) == 0 and list(stream) == []
    stream.resume_at(11 + 4)  # after the 4th batch of the second epoch
    assert len(stream) == 7 == sum(1 for _ in stream)


@pytest.mark.parametrize("streaming", [True, False])
@pytest.mark.parametrize("embedder", [HiMAEEmbedder, AIMEmbedder, RoMAEEmbedder])
def test_fit_shows_a_progress_bar_at_verbose_1(basic_motions, embedder, streaming, capsys):
    # 16 series, 4 held out: 2 training batches of 8 and 1 validation batch an epoch;
    # max_steps=3 leaves 1 training batch for the second epoch, and its bar counts 1
    params = dict(FAST, max_epochs=2, max_steps=3, validation_fraction=0.25, streaming=streaming, verbose=1)
    if embedder is RoMAEEmbedder:
        params.pop("size")  # RoMAE's "tiny" has 12 layers; its default "tiny-shallow" has 2
    fitted = embedder(**params).fit(basic_motions[0][:16])
    assert [len(epoch["batches"]) for epoch in fitted.net_.history] == [3, 2]
    out, err = capsys.readouterr()
    assert "train_loss" in out and "valid_loss" in out
    # skorch's bar counts the epoch's batches, training and validation
    assert re.findall(r"\b0/(\d+) ", err) == ["3", "2"]


def test_streamed_loss_curve_follows_in_memory_training(basic_motions, monkeypatch):
    monkeypatch.setattr(_streaming, "_CHUNK_BYTES", 4 * 6 * 100 * 8)  # 8 series per chunk: 5 chunks
    X = basic_motions[0]
    params = dict(FAST, max_epochs=12, lr=1e-2)
    in_memory = np.array(HiMAEEmbedder(**params).fit(X).net_.history[:, "train_loss"])
    streamed = np.array(HiMAEEmbedder(**params, streaming=True).fit(X).net_.history[:, "train_loss"])
    # 5 batches an epoch make noisy curves: compare their thirds. Both fall by more than
    # 10 %, from the same start to the same end, and rise and fall together.
    first, last = np.array_split(streamed, 3)[0].mean(), np.array_split(streamed, 3)[-1].mean()
    first_in_memory, last_in_memory = np.array_split(in_memory, 3)[0].mean(), np.array_split(in_memory, 3)[-1].mean()
    assert last < 0.9 * first and last_in_memory < 0.9 * first_in_memory
    np.testing.assert_allclose([first, last], [first_in_memory, last_in_memory], rtol=0.1)
    assert np.corrcoef(streamed, in_memory)[0, 1] > 0.7


@pytest.mark.parametrize("streaming", [True, False])
def test_max_steps_cuts_the_last_epoch(basic_motions, streaming):
    fitted = HiMAEEmbedder(**dict(FAST, max_epochs=10), streaming=streaming, max_steps=7).fit(basic_motions[0])
    assert [len(epoch["batches"]) for epoch in fitted.net_.history] == [5, 2]  # 40 series / 8 per batch


@pytest.mark.parametrize("max_steps", [10, 11])
def test_max_steps_that_max_epochs_reaches_first_changes_nothing(basic_motions, max_steps):
    X = basic_motions[0]
    within = HiMAEEmbedder(**FAST, max_steps=max_steps).fit(X)  # FAST: 2 epochs of 5 batches
    np.testing.assert_array_equal(within.transform(X), HiMAEEmbedder(**FAST).fit(X).transform(X))


def test_a_cap_at_an_epochs_end_gives_the_fit_of_fewer_epochs(basic_motions):
    # the learning-rate schedule ends at the cap: 10 epochs cut at 10 steps are FAST's 2 epochs
    X = basic_motions[0]
    capped = HiMAEEmbedder(**dict(FAST, max_epochs=10), max_steps=10).fit(X)
    assert len(capped.net_.history) == 2
    np.testing.assert_array_equal(capped.transform(X), HiMAEEmbedder(**FAST).fit(X).transform(X))


@pytest.mark.parametrize("every", [3, 5])  # 5: the checkpoint falls on an epoch's last step
def test_checkpoint_resume_gives_the_uninterrupted_result(basic_motions, tmp_path, monkeypatch, every):
    from sklearn_msae.nn.himae import HiMAE

    X = basic_motions[0]
    params = dict(FAST, max_epochs=3, streaming=True, checkpoint_every=every, validation_fraction=0.2)
    reference = HiMAEEmbedder(**params, checkpoint_dir=tmp_path / "a").fit(X)

    original, calls = HiMAE.forward, []

    def interrupted_forward(self, *args, **kwargs):  # Ctrl-C at the 8th training step
        calls.append(self.training)
        if sum(calls) == 8 and self.training:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(HiMAE, "forward", interrupted_forward)
    embedder = HiMAEEmbedder(**params, checkpoint_dir=tmp_path / "b")
    with pytest.raises(KeyboardInterrupt):
        embedder.fit(X)
    assert not hasattr(embedder, "net_")
    (checkpoint,) = (tmp_path / "b").glob("*/checkpoint.pt")
    monkeypatch.setattr(HiMAE, "forward", original)

    embedder.fit(X)  # resumes from the checkpoint of step 6 (every=3) or 5 (every=5)
    np.testing.assert_array_equal(embedder.transform(X), reference.transform(X))
    for key in ("train_loss", "valid_loss"):
        assert embedder.net_.history[:, key] == reference.net_.history[:, key]


def test_streamed_memory_cache_is_keyed_on_the_file(motions_on_disk, tmp_path, pretrain_calls):
    _, _, store = motions_on_disk
    params = dict(FAST, memory=str(tmp_path / "cache"))
    first = HiMAEEmbedder(**params).fit(store).transform(store)
    np.testing.assert_array_equal(HiMAEEmbedder(**params).fit(store).transform(store), first)
    assert len(pretrain_calls) == 1
    os.utime(store.shards[0], ns=(0, 0))  # same values, but the file changed as far as anyone can tell
    HiMAEEmbedder(**params).fit(store)
    assert len(pretrain_calls) == 2


def test_streamed_aim_with_nan_and_2d_input(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randn(30, 60).astype(np.float32)
    X[rng.rand(30, 60) < 0.2] = np.nan
    np.save(tmp_path / "x.npy", X)
    embedder = AIMEmbedder(**FAST, streaming=True).fit(np.load(tmp_path / "x.npy", mmap_mode="r"))
    assert embedder.n_features_in_ == 60
    assert np.isfinite(embedder.transform(X)).all()


def test_streaming_errors_name_the_problem(basic_motions, tmp_path, monkeypatch):
    monkeypatch.setattr(_streaming, "_CHUNK_BYTES", 1)  # chunks of one batch: 8 series
    X = basic_motions[0]
    with pytest.raises(ValueError, match="checkpoint_dir applies to streamed"):
        HiMAEEmbedder(**FAST, checkpoint_dir=tmp_path).fit(X)
    with pytest.raises(ValueError, match="streaming=True needs X as a numpy array"):
        HiMAEEmbedder(**FAST, streaming=True).fit(list(X))
    bad = X.copy()
    bad[33] = np.nan
    with pytest.raises(ValueError, match="in series 32..39 of X"):
        HiMAEEmbedder(**FAST, streaming=True).fit(bad)
    np.save(tmp_path / "a.npy", X)
    np.save(tmp_path / "b.npy", X[:, :, :50])
    with pytest.raises(ValueError, match="different shapes"):
        SeriesStore(tmp_path)
    with pytest.raises(ValueError, match="always streamed"):
        HiMAEEmbedder(**FAST, streaming=False).fit(SeriesStore(tmp_path, pattern="a.npy"))
    with pytest.raises(FileNotFoundError, match="no file matches"):
        SeriesStore(tmp_path, pattern="*.parquet")


def test_series_store_is_streaming_code_exported_by_datasets():
    import sklearn_msae.datasets

    assert SeriesStore is _streaming.SeriesStore is sklearn_msae.datasets.SeriesStore
    assert issubclass(SeriesStore, _streaming.ChunkSource) and "SeriesStore" in sklearn_msae.datasets.__all__


_PEAK_RSS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import numpy as np
    from sklearn_msae import HiMAEEmbedder, _streaming
    _streaming._CHUNK_BYTES = 2**20  # a 4 MiB shuffle buffer
    peaks = []
    for path in sys.argv[1:]:  # the small array first: its peak is the baseline
        X = np.load(path, mmap_mode="r")
        HiMAEEmbedder(size="tiny", batch_size=64, max_steps=5, streaming=True, device="cpu", random_state=0).fit(X)
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent process
        status = Path("/proc/self/status").read_text().split("VmHWM:")[1]
        peaks.append(int(status.split()[0]) * 1024)
    print(json.dumps(peaks))
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="/proc/self/status and madvise: Linux")
def test_streamed_fit_memory_is_bounded(tmp_path):
    """A fit over 96 MiB of data peaks no more than 24 MiB above a fit over 1 MiB."""
    big = np.lib.format.open_memmap(tmp_path / "big.npy", mode="w+", dtype=np.float32, shape=(12288, 2, 1024))
    pattern = np.sin(np.arange(2048 * 2 * 1024, dtype=np.float32) * 0.01).reshape(2048, 2, 1024)
    for start in range(0, len(big), 2048):
        big[start : start + 2048] = pattern + start
    big.flush()
    del big
    np.save(tmp_path / "small.npy", pattern[:128])
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS_SCRIPT, str(tmp_path / "small.npy"), str(tmp_path / "big.npy")],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    small, large = json.loads(result.stdout.strip().splitlines()[-1])
    assert large - small < 24 * 2**20, f"peak RSS grew by {(large - small) / 2**20:.0f} MiB for 95 MiB more data"
