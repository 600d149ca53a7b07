"""Fault injection: nothing half-written is ever read back.

A full disk during `save_pretrained`, a save stopped between its two files, a fit killed
while it writes the ``memory`` cache and two processes fitting into one cache folder at
once: each leaves either the previous complete files or none, and the next load or fit
works (`sklearn_msae._atomic.staged` for our files, joblib's own rename for the cache).
"""

import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

import sklearn_msae._atomic
from sklearn_msae import HiMAEEmbedder

TINY = dict(size="tiny", max_epochs=1, batch_size=8, device="cpu", random_state=0)
SAVED = ["config.json", "model.safetensors"]


@pytest.fixture(scope="module")
def two_fits(basic_motions):
    """Two different fitted embedders of the same class, and their data."""
    X = basic_motions[0][:24]
    return HiMAEEmbedder(**TINY).fit(X), HiMAEEmbedder(**{**TINY, "random_state": 1}).fit(X), X


def _disk_full_while_writing(monkeypatch, victim: str):
    """Make `staged` files whose destination is named ``victim`` fail half-way through their write (ENOSPC)."""
    real_open = open

    class HalfWritten:
        def __init__(self, file):
            self.file = file

        def write(self, data):
            self.file.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.file, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.file.__exit__(*exc)

    def open_filling_the_disk(path, mode="r", *args, **kwargs):
        file = real_open(path, mode, *args, **kwargs)
        return HalfWritten(file) if Path(path).name.startswith(f".{victim}.") else file

    monkeypatch.setattr(sklearn_msae._atomic, "open", open_filling_the_disk, raising=False)


@pytest.mark.parametrize("victim", SAVED)
def test_full_disk_during_save_pretrained_keeps_the_previous_save(two_fits, tmp_path, monkeypatch, victim):
    first, second, X = two_fits
    first.save_pretrained(tmp_path / "model")
    _disk_full_while_writing(monkeypatch, victim)
    with pytest.raises(OSError, match="No space left"):
        second.save_pretrained(tmp_path / "model")
    with pytest.raises(OSError, match="No space left"):
        second.save_pretrained(tmp_path / "new")
    monkeypatch.undo()
    assert sorted(path.name for path in (tmp_path / "model").iterdir()) == SAVED  # no partial file left behind
    np.testing.assert_array_equal(HiMAEEmbedder.from_pretrained(tmp_path / "model").transform(X), first.transform(X))
    assert list((tmp_path / "new").iterdir()) == []  # a first save: nothing at all
    with pytest.raises(FileNotFoundError):
        HiMAEEmbedder.from_pretrained(tmp_path / "new")


def test_save_stopped_between_its_two_files_is_refused_at_load(two_fits, tmp_path, monkeypatch):
    first, second, X = two_fits
    first.save_pretrained(tmp_path)
    real_replace, renamed = os.replace, []

    def killed_after_the_first_rename(source, destination):
        if renamed:
            raise KeyboardInterrupt  # the process stops between the weights and the config
        renamed.append(destination)
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", killed_after_the_first_rename)
    with pytest.raises(KeyboardInterrupt):
        second.save_pretrained(tmp_path)
    monkeypatch.undo()
    assert [Path(path).name for path in renamed] == ["model.safetensors"]
    assert sorted(path.name for path in tmp_path.iterdir()) == SAVED
    with pytest.raises(ValueError, match="is not the weights file that .*config.json was saved with"):
        HiMAEEmbedder.from_pretrained(tmp_path)  # new weights, old config: never loaded as a model
    second.save_pretrained(tmp_path)  # saving again repairs the folder
    np.testing.assert_array_equal(HiMAEEmbedder.from_pretrained(tmp_path).transform(X), second.transform(X))


def test_failed_checkpoint_write_keeps_the_previous_checkpoint(basic_motions, tmp_path, monkeypatch):
    from sklearn_msae._training import load_checkpoint

    X = basic_motions[0][:24]
    params = dict(TINY, max_epochs=2, streaming=True, checkpoint_dir=tmp_path, checkpoint_every=2)
    saves = []
    real_save = torch.save

    def disk_full_at_the_second_save(state, file):
        saves.append(state["step"])
        if len(saves) == 2:
            file.write(b"\0" * 100)  # a part of the file, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(state, file)

    monkeypatch.setattr(torch, "save", disk_full_at_the_second_save)
    with pytest.raises(OSError, match="No space left"):
        HiMAEEmbedder(**params).fit(X)
    monkeypatch.undo()
    (folder,) = tmp_path.iterdir()
    assert [path.name for path in folder.iterdir()] == ["checkpoint.pt"]
    assert load_checkpoint(folder)["step"] == saves[0] == 2


# ---- the memory cache, from other processes ------------------------------------------------

# A fit of X.npy into the cache folder; "race": after waiting for the other racer, so that
# both pretrain at the same moment; "killed": the process dies half-way through writing
# the cache entry (joblib's pickle of the pretrained network), as a `kill -9` would.
CHILD = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path

    import numpy as np
    import torch

    folder, mode, name, threads = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    torch.set_num_threads(threads)  # the parent's: float sums depend on the thread count
    from sklearn_msae import HiMAEEmbedder

    if mode == "race":
        (folder / f"ready-{name}").touch()
        while len(list(folder.glob("ready-*"))) < 2:
            time.sleep(0.01)
    elif mode == "killed":
        import joblib.numpy_pickle

        def dump_and_die(value, file, **kwargs):
            file.write(b"half of a pickle")
            file.flush()
            os._exit(9)

        joblib.numpy_pickle.dump = dump_and_die
    X = np.load(folder / "X.npy")
    embedder = HiMAEEmbedder(**json.loads(sys.argv[5]), memory=str(folder / "cache")).fit(X)
    np.save(folder / f"Z-{name}.npy", embedder.transform(X))
    """
)


def _start(folder: Path, mode: str, name: str) -> subprocess.Popen:
    root = str(Path(__file__).resolve().parents[1])  # this checkout's package, installed or not
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-c", CHILD, str(folder), mode, name, str(torch.get_num_threads()), json.dumps(TINY)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(process: subprocess.Popen) -> int:
    output, _ = process.communicate(timeout=300)
    print(output)
    return process.returncode


@pytest.fixture
def cache_folder(basic_motions, tmp_path):
    """A folder holding X.npy (24 series of BasicMotions) and the `transform` of a fit of it without cache."""
    X = basic_motions[0][:24]
    np.save(tmp_path / "X.npy", X)
    return tmp_path, X, HiMAEEmbedder(**TINY).fit(X).transform(X)


@pytest.fixture
def pretrainings(monkeypatch):
    """A list that gets one entry per pretraining of this process that the cache did not answer.

    (conftest's ``pretrain_calls`` replaces the cached function itself, which gives it another
    cache key than the real one of the fits in the child processes.)
    """
    import sklearn_msae._training

    calls, real = [], sklearn_msae._training.make_pretrainer

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sklearn_msae._training, "make_pretrainer", counting)
    return calls


def test_two_processes_fitting_into_one_memory_folder_at_once(cache_folder, pretrainings):
    folder, X, expected = cache_folder
    racers = [_start(folder, "race", name) for name in ("a", "b")]
    assert [_finish(racer) for racer in racers] == [0, 0]
    for name in ("a", "b"):
        np.testing.assert_array_equal(np.load(folder / f"Z-{name}.npy"), expected)
    cached = HiMAEEmbedder(**TINY, memory=str(folder / "cache")).fit(X)
    assert pretrainings == []  # the entry they wrote is complete, and it loads
    np.testing.assert_array_equal(cached.transform(X), expected)


def test_fit_killed_while_writing_the_cache_is_not_read_back(cache_folder, pretrainings):
    folder, X, expected = cache_folder
    assert _finish(_start(folder, "killed", "killed")) == 9
    assert list((folder / "cache").rglob("output.pkl")) == []  # only the partial file, under another name
    refit = HiMAEEmbedder(**TINY, memory=str(folder / "cache")).fit(X)
    assert len(pretrainings) == 1  # pretrained again, not loaded from half a pickle
    np.testing.assert_array_equal(refit.transform(X), expected)
    HiMAEEmbedder(**TINY, memory=str(folder / "cache")).fit(X)
    assert len(pretrainings) == 1  # and the complete entry written then loads
