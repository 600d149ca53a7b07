"""Long recordings: windows counted by hand, gaps kept as NaN, time zones, labels, bounded memory, probes."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_msae import AIMEmbedder, HiMAEEmbedder, RoMAEEmbedder
from sklearn_msae.recordings import RecordingEmbedder, RecordingStore, RecordingWindower, Windows, label_windows

TINY = dict(max_epochs=1, random_state=0, device="cpu")


def recording(start, minutes, *, freq="1min", channels=("a", "b"), seed=0, tz=None):
    """A frame of ``minutes`` minutes sampled every ``freq`` from ``start``, channels of noise."""
    stamps = pd.date_range(start, periods=int(pd.Timedelta(f"{minutes}min") / pd.Timedelta(freq)), freq=freq, tz=tz)
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(len(stamps), len(channels))), index=stamps, columns=list(channels))


class Spy(TransformerMixin, BaseEstimator):
    """An embedder that keeps what it was given: the windows' first cell, and every X it saw."""

    def fit(self, X, y=None):
        self.seen_ = [X]
        self.n_channels_ = X.shape[1] if isinstance(X, np.ndarray) else X[0].shape[1]
        return self

    def transform(self, X):
        self.seen_.append(X)
        first = X[:, :, 0] if isinstance(X, np.ndarray) else np.stack([frame.iloc[0].to_numpy() for frame in X])
        return np.nan_to_num(first, nan=-1.0)

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"c{i}" for i in range(self.n_channels_)], dtype=object)


# ---- windows counted by hand ------------------------------------------------------------------


def test_window_starts_and_counts_by_hand():
    # two days at a sample a minute; 1 h windows every 30 min start at multiples of 30 min:
    # the first holding 00:00 starts the evening before, the last at 23:30 of day 2
    X = {"ann": recording("2024-03-01", 2 * 1440), "bob": recording("2024-03-05 06:10", 600, seed=1)}
    windower = RecordingWindower(window="1h", stride="30min", min_coverage=0.4).fit(X)
    windows = windower.transform(X)
    assert windower.freq_ == pd.Timedelta("1min").value and windower.n_cells_ == 60
    ann = windows.index[windows.index["subject"] == "ann"]
    expected = pd.date_range("2024-02-29 23:30", "2024-03-02 23:30", freq="30min")
    assert len(expected) == 97 and (pd.DatetimeIndex(ann["start"]) == expected).all()
    assert (ann["end"] - ann["start"] == pd.Timedelta("1h")).all()
    assert ann["coverage"].iloc[0] == ann["coverage"].iloc[-1] == 0.5 and (ann["coverage"].iloc[1:-1] == 1).all()
    # bob: 06:10..16:09, slots from 05:30 (holds 06:10) to 16:00, 22 of them; 05:30 and 16:00 cover
    # 20 and 10 minutes of 60, under min_coverage=0.4
    bob = windows.index[windows.index["subject"] == "bob"]
    assert bob["start"].iloc[0] == pd.Timestamp("2024-03-05 06:00") and len(bob) == 20
    assert windows.report.loc["bob", ["n_windows", "n_kept", "n_dropped"]].tolist() == [22, 20, 2]
    assert windower.n_slots(X) == 97 + 22
    assert windows.X.shape == (117, 2, 60) and windows.X.dtype == np.float32


def test_grid_is_the_mean_of_each_cell_and_nan_where_no_sample_fell():
    stamps = pd.to_datetime(["2024-01-01 00:00:10", "2024-01-01 00:00:50", "2024-01-01 00:02:30"])
    frame = pd.DataFrame({"x": [1.0, 3.0, 7.0], "y": [np.nan, 2.0, np.nan]}, index=stamps)
    windows = RecordingWindower(window=4, freq="1min", min_coverage=0).fit_transform([frame])
    np.testing.assert_array_equal(windows.X[0], [[2.0, np.nan, 7.0, np.nan], [2.0, np.nan, np.nan, np.nan]])
    assert windows.index["coverage"].tolist() == [0.5]


def test_gaps_reach_the_embedder_as_nan_and_sparse_windows_are_dropped_and_counted():
    frame = recording("2024-03-01", 240)
    frame.iloc[70:100] = np.nan  # off-wrist: 01:10-01:40, half of the window 01:00 and of the window 01:30
    frame.iloc[125:180] = np.nan  # 02:05-03:00: the window 02:00 keeps 5 of its 60 minutes
    frame.iloc[5, 0] = np.nan  # a single lost value of channel a
    model = RecordingEmbedder(Spy(), RecordingWindower(window="30min", min_coverage=0.5)).fit({"ann": frame})
    seen = model.embedder_.seen_[0]
    starts = model.transform({"ann": frame}).index.get_level_values("start")
    # 8 slots of 30 min: 01:00 (1/3 covered) dropped, 01:30 (2/3) kept, 02:00 (1/6) and 02:30 (0) dropped
    assert starts.strftime("%H:%M").tolist() == ["00:00", "00:30", "01:30", "03:00", "03:30"]
    assert np.isnan(seen[0, 0, 5]) and not np.isnan(seen[0, 1, 5])  # one channel lost, not filled
    assert np.isnan(seen[2, :, :10]).all() and not np.isnan(seen[2, :, 10:]).any()  # 01:30-01:40 gap stays NaN
    windows = model.windower_.transform({"ann": frame})
    assert windows.report.loc["ann", ["n_windows", "n_kept", "n_dropped"]].tolist() == [8, 5, 3]


def test_numeric_stamps_and_sample_counts():
    # seconds since the start of a recording, sampled every 2 s with jitter; windows of 30 cells
    rng = np.random.default_rng(0)
    seconds = np.arange(0, 600, 2.0) + rng.uniform(0, 0.5, 300)
    frame = pd.DataFrame({"x": rng.normal(size=300)}, index=seconds)
    windower = RecordingWindower(window=30, stride=15).fit([frame])
    assert windower.freq_ == pytest.approx(2.0, abs=0.3)
    windows = windower.transform([frame])
    assert windows.index["start"].diff().dropna().round(6).eq(round(15 * windower.freq_, 6)).all()
    with pytest.raises(ValueError, match="window='1min' is a duration, but the time index is numeric"):
        RecordingWindower(window="1min").fit([frame])


def test_windows_must_be_whole_cells():
    with pytest.raises(ValueError, match=r"stride='90s' is not a whole number of grid cells of freq=0 days 00:01:00"):
        RecordingWindower(window="10min", stride="90s", freq="1min").fit([recording("2024-01-01", 30)])
    with pytest.raises(ValueError, match="freq='1M' is not a fixed duration"):
        RecordingWindower(window=10, freq="1M").fit([recording("2024-01-01", 30)])


# ---- time zones, daylight saving, duplicates, empty subjects ----------------------------------


def test_daylight_saving_day_has_23_hours_of_windows():
    # Europe/Berlin springs forward on 2024-03-31: that local day lasts 23 hours
    frame = recording("2024-03-30", 3 * 1440 - 60, tz="Europe/Berlin")  # to 2024-04-02 00:00 local
    model = RecordingEmbedder(Spy(), RecordingWindower(window="1h"), aggregate="1D").fit({"ann": frame})
    windows = model.windower_.transform({"ann": frame})
    starts = pd.DatetimeIndex(windows.index["start"])
    assert str(starts.tz) == "Europe/Berlin" and len(starts) == 24 + 23 + 24
    assert (starts[1:] - starts[:-1] == pd.Timedelta("1h")).all()  # absolute time: no 2-hour window
    daily = model.transform({"ann": frame})
    assert daily.index.get_level_values("period").strftime("%m-%d").tolist() == ["03-30", "03-31", "04-01"]
    assert daily["observed_fraction"].tolist() == [1.0, 1.0, 1.0]
    hourly = model.set_params(aggregate=None).transform({"ann": frame})
    assert hourly.loc["ann"].index.normalize().value_counts().sort_index().tolist() == [24, 23, 24]


def test_observed_fraction_counts_dropped_slots_per_day():
    frame = recording("2024-03-01", 2 * 1440)
    frame = frame[(frame.index < "2024-03-01 06:00") | (frame.index >= "2024-03-01 12:00")]  # 6 h off-wrist
    model = RecordingEmbedder(Spy(), RecordingWindower(window="1h"), aggregate="1D").fit({"ann": frame})
    assert model.transform({"ann": frame})["observed_fraction"].tolist() == [18 / 24, 1.0]
    assert model.get_feature_names_out().tolist() == ["c0", "c1", "observed_fraction"]


def test_time_zone_problems_are_named():
    berlin, naive = recording("2024-01-01", 60, tz="Europe/Berlin"), recording("2024-01-01", 60)
    with pytest.raises(ValueError, match=r"subject 'ann' has datetime \(tz=Europe/Berlin\) stamps, subject 'bob'"):
        RecordingWindower(window="10min").fit({"ann": berlin, "bob": naive})
    mixed = berlin.copy()
    mixed.index = pd.Index(list(berlin.index[:30]) + list(berlin.index[30:].tz_convert("US/Eastern")), dtype=object)
    with pytest.raises(ValueError, match="mixes time zones"):
        RecordingWindower(window="10min").fit({"ann": mixed})
    # the same instants in another zone give the same windows, reported in their own zone
    utc = RecordingWindower(window="10min").fit_transform({"ann": berlin.tz_convert("UTC")})
    local = RecordingWindower(window="10min").fit_transform({"ann": berlin})
    assert (utc.index["start"].to_numpy() == local.index["start"].dt.tz_convert("UTC").to_numpy()).all()
    np.testing.assert_array_equal(utc.X, local.X)


def test_unsorted_stamps_are_sorted_and_duplicates_averaged_on_the_grid_refused_raw():
    frame = recording("2024-01-01", 120)
    shuffled = frame.sample(frac=1, random_state=0)
    windower = RecordingWindower(window="30min", freq="1min")
    np.testing.assert_array_equal(windower.fit_transform([shuffled]).X, windower.fit_transform([frame]).X)
    doubled = pd.concat([frame, frame + 2.0]).sort_index()  # every stamp twice
    np.testing.assert_allclose(windower.fit_transform([doubled]).X, windower.fit_transform([frame + 1.0]).X, atol=1e-6)
    with pytest.raises(ValueError, match=r"subject 0 has duplicate time stamps \(e.g. 2024-01-01 00:00:00\)"):
        windower.set_params(timestamps="raw").fit_transform([doubled])


def test_subjects_without_data_get_an_empty_report_row():
    empty = recording("2024-01-01", 60).iloc[:0]
    blank = recording("2024-01-01", 60) * np.nan
    X = {"ann": recording("2024-01-01", 60), "bob": empty, "cid": blank}
    windows = RecordingWindower(window="10min").fit(X).transform(X)
    assert windows.report[["n_windows", "n_kept", "n_dropped"]].to_numpy().tolist() == [[6, 6, 0], [0, 0, 0], [6, 0, 6]]
    assert set(windows.index["subject"]) == {"ann"}
    with pytest.raises(ValueError, match="no window of X reaches min_coverage=0.5"):
        RecordingEmbedder(Spy(), RecordingWindower(window="10min", freq="1min")).fit({"cid": blank})
    with pytest.raises(ValueError, match="X holds no recording"):
        RecordingWindower(window="10min").fit({})
    with pytest.raises(ValueError, match="no recording of X holds a sample"):
        RecordingWindower(window="10min").fit({"bob": empty})
    with pytest.raises(ValueError, match=r"needs a two-level MultiIndex \(subject, time\)"):
        RecordingWindower(window="10min").fit(recording("2024-01-01", 60))


def test_multiindex_frame_dict_and_list_give_the_same_windows():
    frames = {"ann": recording("2024-01-01", 90), "bob": recording("2024-01-02", 60, seed=1)}
    stacked = pd.concat(frames, names=["subject", "time"]).sample(frac=1, random_state=0)  # rows shuffled,
    stacked = stacked.sort_index(level=0, sort_remaining=False)  # then grouped by subject: time still unsorted
    windower = RecordingWindower(window="15min").fit(frames)
    from_dict, from_frame = windower.transform(frames), windower.transform(stacked)
    np.testing.assert_array_equal(from_dict.X, from_frame.X)
    pd.testing.assert_frame_equal(from_dict.index, from_frame.index)
    with pytest.raises(ValueError, match=r"X has the channels \['a'\], but the windower was fitted on \['a', 'b'\]"):
        windower.transform({"ann": frames["ann"][["a"]]})


def test_raw_windows_keep_the_stamps_since_window_start():
    stamps = pd.to_datetime(["2024-01-01 00:00:10", "2024-01-01 00:00:50", "2024-01-01 00:12:30"])
    frame = pd.DataFrame({"x": [1.0, 3.0, 7.0]}, index=stamps)
    windows = RecordingWindower(window="10min", freq="1min", min_coverage=0, timestamps="raw").fit_transform([frame])
    assert [w.index.total_seconds().tolist() for w in windows.X] == [[10.0, 50.0], [150.0]]
    assert windows.X[1]["x"].tolist() == [7.0]


# ---- labels of time spans ---------------------------------------------------------------------


def test_labels_by_majority_overlap():
    day = pd.Timestamp("2024-01-01", tz="UTC")
    minutes = lambda *m: [day + pd.Timedelta(minutes=x) for x in m]  # noqa: E731
    windows = pd.DataFrame({"subject": ["ann"] * 4 + ["bob"], "start": minutes(0, 10, 20, 30, 0)})
    windows["end"] = windows["start"] + pd.Timedelta("10min")
    spans = pd.DataFrame({
        "subject": ["ann", "ann", "ann", "ann"],
        "start": minutes(0, 4, 12, 30), "end": minutes(6, 12, 40, 33), "label": ["sit", "walk", "sit", "walk"],
    })  # fmt: skip
    # [0,10): sit 6 + walk 6 -> tie to "sit"; [10,20): walk 2, sit 8; [20,30): sit; [30,40): sit 10 (overlapping
    # spans), walk 3; bob: no span
    assert label_windows(windows, spans).tolist() == ["sit", "sit", "sit", "sit", np.nan]
    assert label_windows(windows, spans, min_overlap=0.7).tolist() == [np.nan, "sit", "sit", "sit", np.nan]
    indexed = pd.MultiIndex.from_frame(windows[["subject", "start"]])
    labels = label_windows(indexed, spans, duration="10min")
    assert labels.index.equals(indexed) and labels.iloc[1] == "sit"
    with pytest.raises(ValueError, match="pass duration="):
        label_windows(indexed, spans)
    with pytest.raises(ValueError, match=r"spans\['start'\] holds datetime \(tz=None\) stamps"):
        label_windows(windows, spans.assign(start=spans["start"].dt.tz_localize(None)))


# ---- memory bounded by a chunk ------------------------------------------------------------------


def _store(path, days: int, subjects: int = 2) -> RecordingStore:
    """``subjects`` recordings of ``days`` days at a sample a minute, appended a day at a time."""
    store = RecordingStore(path)
    for subject in range(subjects):
        for day in range(days):
            store.append(f"s{subject}", recording(pd.Timestamp("2024-01-01") + pd.Timedelta(days=day), 1440, seed=day))
    return store


def _peak_bytes(function) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_store_streams_windows_in_bounded_memory(tmp_path):
    short, long = _store(tmp_path / "short", 2), _store(tmp_path / "long", 8)
    windower = RecordingWindower(window="30min", stride="10min", chunk_size=64).fit(short)
    assert windower.n_slots(long) == 2 * (8 * 144 + 2)

    def drain(store):
        return lambda: sum(len(w) for w in windower.iter_windows(store))

    peaks = [_peak_bytes(drain(store)) for store in (short, long)]
    assert peaks[1] < 1.2 * peaks[0], peaks  # 4 times the days, the same peak
    in_memory = {s: pd.concat([recording(pd.Timestamp("2024-01-01") + pd.Timedelta(days=d), 1440, seed=d)
                               for d in range(2)]) for s in ("s0", "s1")}  # fmt: skip
    np.testing.assert_array_equal(windower.transform(short).X, windower.transform(in_memory).X)
    with pytest.raises(ValueError, match="start before the last stamp stored"):
        short.append("s0", recording("2024-01-01", 10))


# ---- embeddings and probes ----------------------------------------------------------------------


def activity_recordings(n_subjects=2, hours=8, seed=0):
    """1 Hz accelerometer-like streams: 10-minute bouts of rest or walking, and the bouts as spans."""
    rng = np.random.default_rng(seed)
    recordings, spans = {}, []
    for subject in range(n_subjects):
        start = pd.Timestamp("2024-05-01 08:00", tz="UTC")
        bouts = rng.integers(0, 2, hours * 6)  # 0 rest, 1 walk
        t = np.arange(hours * 3600)
        walking = np.repeat(bouts, 600)
        signal = np.where(walking, 1.5 * np.sin(2 * np.pi * t / 4.0), 0.05 * rng.normal(size=len(t)))
        values = np.stack([signal, np.roll(signal, 1), rng.normal(0, 0.1, len(t))], axis=1)
        frame = pd.DataFrame(values, index=start + pd.to_timedelta(t, unit="s"), columns=["x", "y", "z"])
        frame.iloc[rng.integers(0, len(t), 2000)] = np.nan  # lost samples
        recordings[f"s{subject}"] = frame
        bout_starts = start + pd.to_timedelta(np.arange(len(bouts)) * 600, unit="s")
        spans.append(pd.DataFrame({"subject": f"s{subject}", "start": bout_starts,
                                   "end": bout_starts + pd.Timedelta("10min"),
                                   "label": np.where(bouts, "walk", "rest")}))  # fmt: skip
    return recordings, pd.concat(spans, ignore_index=True)


@pytest.mark.parametrize(
    "embedder, timestamps",
    [
        (HiMAEEmbedder(size="tiny", **TINY), "grid"),
        (AIMEmbedder(size="tiny", **TINY), "grid"),
        (RoMAEEmbedder(size="tiny-shallow", **TINY), "raw"),
    ],
    ids=["HiMAE", "AIM", "RoMAE-raw"],
)
def test_probe_recovers_activity_from_window_embeddings(embedder, timestamps):
    recordings, spans = activity_recordings(hours=2)
    windower = RecordingWindower(window="1min", freq="2s", timestamps=timestamps)
    model = RecordingEmbedder(embedder, windower, max_fit_windows=60, random_state=0).fit(recordings)
    assert model.n_fit_windows_ == 60
    Z = model.transform(recordings)
    y = label_windows(Z, spans, duration="1min")
    assert y.notna().all() and Z.shape[0] == 2 * 2 * 60
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    accuracy = cross_val_score(probe, Z.to_numpy(), y.to_numpy(), cv=3).mean()
    assert accuracy > 0.8, accuracy  # chance: about 0.5


def test_set_output_pandas_keeps_the_window_index():
    recordings, _ = activity_recordings(n_subjects=1, hours=1)
    model = RecordingEmbedder(Spy(), RecordingWindower(window="10min")).fit(recordings).set_output(transform="pandas")
    Z = model.transform(recordings)
    assert Z.index.names == ["subject", "start"] and list(Z.columns) == ["c0", "c1", "c2"] and len(Z) == 6


def test_windows_take_and_concat():
    windows = RecordingWindower(window="10min").fit_transform({"ann": recording("2024-01-01", 60)})
    both = Windows.concat([windows.take([0, 1]), windows.take([5])])
    assert len(both) == 3 and both.report.loc["ann", "n_windows"] == 12


def test_progress_bar_counts_window_slots(capsys):
    X = {"ann": recording("2024-01-01", 120), "bob": recording("2024-01-02", 60)}
    model = RecordingEmbedder(Spy(), RecordingWindower(window="10min", chunk_size=4), verbose=1).fit(X)
    capsys.readouterr()
    model.transform(X)
    bar = capsys.readouterr().err
    assert "RecordingEmbedder" in bar and "18/18" in bar and "subject=bob" in bar
