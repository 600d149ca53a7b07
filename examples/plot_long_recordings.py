"""
Long recordings: days of wearable data with gaps, embedded window by window
===========================================================================

A wearable records for days: heart rate, breathing and movement every second, with
holes when the device is charging or taken off. The embedders of this library read
*panels of series*; :mod:`sklearn_msae.recordings` turns long recordings into such a
panel of windows and keeps track of where each window comes from:

- :class:`~sklearn_msae.recordings.RecordingWindower` cuts each subject's recording into
  windows of fixed duration on a regular grid (the mean of the samples in each cell,
  NaN where none fell: nothing is interpolated), drops the windows that are mostly gap
  and counts them;
- :class:`~sklearn_msae.recordings.RecordingEmbedder` windows and embeds, chunk by
  chunk, and returns a frame indexed by (subject, window start), or one row per
  subject and day;
- :func:`~sklearn_msae.recordings.label_windows` maps labels of time spans (here:
  activities) onto the windows, for a probe.

The :doc:`/long_recordings` page describes the rules (alignment, coverage, time zones,
data larger than memory).
"""

# %%
# Two days of three subjects, simulated with NeuroKit2
# ----------------------------------------------------
# Each subject sleeps at night and, during the day, rests, walks or runs in 15-minute
# bouts. NeuroKit2 simulates PPG and respiration for each activity; their rates,
# computed from the detected peaks, are the 1 Hz heart-rate and breathing-rate streams
# a wearable stores. A third channel is the accelerometer magnitude. The device is
# charged for an hour every day (a gap), one subject leaves it off for a whole
# afternoon, and 1 % of the seconds are lost. The recordings are in New York time
# and span the end of daylight saving time (2024-11-03 lasts 25 hours).
import warnings

import neurokit2 as nk
import numpy as np
import pandas as pd

warnings.filterwarnings("ignore", module="neurokit2")  # peak-detection notes on simulated signals
rng = np.random.default_rng(0)
ACTIVITIES = {  # heart rate (bpm), breathing rate (/min), movement (g)
    "sleep": (55, 12, 0.01), "rest": (70, 15, 0.05), "walk": (100, 20, 0.5), "run": (145, 28, 1.5),
}  # fmt: skip
BOUT = 900  # seconds


def rates(activity: str, seed: int) -> np.ndarray:
    """Heart rate and breathing rate (BOUT, 2) at 1 Hz, from a simulated PPG and respiration at 25 Hz."""
    heart, breathing, _ = ACTIVITIES[activity]
    ppg = nk.ppg_simulate(duration=BOUT, sampling_rate=25, heart_rate=heart, random_state=seed)
    peaks = nk.ppg_findpeaks(nk.ppg_clean(ppg, sampling_rate=25), sampling_rate=25)["PPG_Peaks"]
    rsp = nk.rsp_simulate(duration=BOUT, sampling_rate=25, respiratory_rate=breathing, random_state=seed)
    breaths = nk.rsp_findpeaks(nk.rsp_clean(rsp, sampling_rate=25), sampling_rate=25)["RSP_Peaks"]
    per_second = [nk.signal_rate(p, sampling_rate=25, desired_length=len(ppg))[::25] for p in (peaks, breaths)]
    return np.stack(per_second, axis=1)


bank = {activity: [rates(activity, seed) for seed in range(3)] for activity in ACTIVITIES}  # a few bouts each


def simulate(subject: int, days: int = 2):
    """One subject's recording (a frame, 1 Hz, with gaps) and its activity spans."""
    stamps = pd.date_range("2024-11-02", periods=days * 86400 + 3600, freq="1s", tz="America/New_York")
    n_bouts = len(stamps) // BOUT
    hours = stamps.hour[::BOUT][:n_bouts]
    asleep = (hours >= 23) | (hours < 7)
    labels = np.where(asleep, "sleep", rng.choice(["rest", "walk", "run"], n_bouts, p=[0.55, 0.3, 0.15]))
    offset = rng.normal(0, 5)  # this subject's resting heart rate
    values = np.concatenate([
        np.column_stack([bank[a][rng.integers(3)] + [offset, 0], ACTIVITIES[a][2] * rng.gamma(4, 0.25, BOUT)])
        for a in labels
    ])  # fmt: skip
    frame = pd.DataFrame(values, index=stamps[: len(values)], columns=["heart_rate", "breathing_rate", "movement"])
    keep = rng.random(len(frame)) > 0.01
    for day in range(days):  # charging: an hour in the evening
        charge = pd.Timestamp("2024-11-02 19:00", tz="America/New_York") + pd.Timedelta(days=day, minutes=rng.integers(60))
        keep &= ~((frame.index >= charge) & (frame.index < charge + pd.Timedelta("1h")))
    if subject == 1:  # off-wrist for an afternoon
        keep &= ~((frame.index >= "2024-11-03 12:00-05:00") & (frame.index < "2024-11-03 18:00-05:00"))
    starts = stamps[::BOUT][:n_bouts]
    spans = pd.DataFrame({"subject": f"s{subject}", "start": starts, "end": starts + pd.Timedelta(seconds=BOUT),
                          "label": labels})  # fmt: skip
    return frame[keep], spans


simulated = [simulate(subject) for subject in range(3)]
recordings = {f"s{subject}": frame for subject, (frame, _) in enumerate(simulated)}
spans = pd.concat([spans for _, spans in simulated], ignore_index=True)
print({subject: len(frame) for subject, frame in recordings.items()}, "samples")

# %%
# Windows
# -------
# 10-minute windows on a 10-second grid (60 cells of the mean of 10 samples). A window
# is kept when at least half of its cells hold a sample; ``report`` counts the slots
# dropped per subject (the charging hours, and s1's afternoon).
from sklearn_msae.recordings import RecordingWindower, label_windows

windower = RecordingWindower(window="10min", freq="10s", min_coverage=0.5)
windows = windower.fit_transform(recordings)
print(windows.X.shape, "windows x channels x cells;", f"{np.isnan(windows.X).mean():.1%} of the cells are NaN")
print(windows.report[["n_windows", "n_kept", "n_dropped"]])

# %%
# Labels by overlap
# -----------------
# A 10-minute window spans one or two 15-minute bouts. It takes the label covering most
# of it, if that label covers at least 60 % of it; windows split half and half between
# two activities stay unlabelled (NaN).
y_windows = label_windows(windows, spans, min_overlap=0.6)
print(y_windows.value_counts(dropna=False))

# %%
# Embed and probe, with each embedder
# -----------------------------------
# :class:`~sklearn_msae.recordings.RecordingEmbedder` fits the embedder on a random
# sample of windows (``max_fit_windows``) and embeds every window; the probe is a
# logistic regression, cross-validated across subjects. RoMAE reads time stamps: it
# gets the raw samples of each window at their own times (``timestamps="raw"``),
# here thinned to one sample in ten at random, as an irregularly sampled device would
# send them.
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_msae import AIMEmbedder, HiMAEEmbedder, RoMAEEmbedder
from sklearn_msae.recordings import RecordingEmbedder

thinned = {subject: frame[rng.random(len(frame)) < 0.1] for subject, frame in recordings.items()}
setups = {
    "HiMAE": (HiMAEEmbedder(size="tiny", max_epochs=3, random_state=0), windower, recordings),
    "AIM": (AIMEmbedder(size="tiny", patch_size=5, max_epochs=3, random_state=0), windower, recordings),
    "RoMAE (raw stamps)": (
        RoMAEEmbedder(max_epochs=3, random_state=0),
        RecordingWindower(window="10min", freq="10s", min_coverage=0.3, timestamps="raw"),
        thinned,
    ),
}
probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
models, accuracy = {}, {}
for name, (embedder, cutter, data) in setups.items():
    models[name] = RecordingEmbedder(embedder, cutter, max_fit_windows=200, random_state=0).fit(data)
    Z = models[name].transform(data)  # (subject, start) -> features
    y = label_windows(Z, spans, duration="10min", min_overlap=0.6)
    labelled = y.notna().to_numpy()
    groups = Z.index.get_level_values("subject")[labelled]
    accuracy[name] = cross_val_score(probe, Z[labelled], y[labelled], groups=groups, cv=GroupKFold(3)).mean()
chance = y_windows.value_counts(normalize=True).max()
for name, score in accuracy.items():
    print(f"{name:>20}: {score:.3f} (majority class: {chance:.3f})")

# %%
# Per day: subject-level features
# -------------------------------
# ``aggregate="1D"`` averages the embeddings of each subject's calendar day (in the
# recordings' time zone) and adds ``observed_fraction``, the windows kept over the
# day's window slots. 2024-11-03 has 150 slots of 10 minutes; s1's afternoon off-wrist
# shows in its fraction.
daily = models["HiMAE"].set_params(aggregate="1D").transform(recordings)
models["HiMAE"].set_params(aggregate=None)
print(daily[["observed_fraction"]].unstack("subject").round(2))

# %%
# A day as a picture
# ------------------
# The embeddings of s1's 3 November, one column per 10-minute window slot, features
# standardised; the dropped windows (charging, the afternoon off-wrist) are blank.
# Sleep, the bouts of activity and the gaps can be read off the picture.
import matplotlib.pyplot as plt
from matplotlib.patches import Patch


def plot_embedding(Z, slots, activity, names, title, tick_labels):
    """Embeddings ``Z`` (windows x features) on the window ``slots``, blank where a window
    was dropped, features standardised; the activity of each slot below."""
    picture = ((Z - Z.mean()) / Z.std()).reindex(slots)  # a NaN column where a window was dropped
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5), sharex=True, height_ratios=[5, 1])
    top.imshow(picture.to_numpy().T, aspect="auto", cmap="RdBu_r", vmin=-2, vmax=2, interpolation="nearest")
    top.set_ylabel("embedding feature")
    top.set_title(title)
    codes = activity.map({name: i for i, name in enumerate(names)}).to_numpy(dtype=float)
    bottom.imshow(codes[None, :], aspect="auto", cmap="viridis", vmin=0, vmax=len(names) - 1, interpolation="nearest")
    bottom.set_yticks([])
    bottom.set_ylabel("activity", rotation=0, ha="right")
    ticks = np.linspace(0, len(slots) - 1, 9).astype(int)
    bottom.set_xticks(ticks, tick_labels[ticks])
    colours = [Patch(color=plt.cm.viridis(i / (len(names) - 1))) for i in range(len(names))]
    bottom.legend(colours, names, ncol=len(names), loc="upper center", bbox_to_anchor=(0.5, -0.5), frameon=False)
    fig.tight_layout()


day = pd.date_range("2024-11-03", "2024-11-04", freq="10min", tz="America/New_York", inclusive="left")
plot_embedding(
    models["HiMAE"].transform({"s1": recordings["s1"]}).loc["s1"], day,
    label_windows(pd.MultiIndex.from_product([["s1"], day]), spans, duration="10min"), list(ACTIVITIES),
    "HiMAE embedding of s1's 3 November (25 hours), a column per 10-minute window", day.strftime("%H:%M"),
)  # fmt: skip

# %%
# A real long record: StandWalkJump
# ---------------------------------
# StandWalkJump holds 27 ECG recordings of one person standing, walking or jumping (4
# frequency bands of a spectrogram, one step every 18.3 ms). Put end to end in a
# random order, they make one 20-minute record with 27 activity spans; 9 seconds of it
# are cut out as a gap. Windows of 500 steps (9.2 s) are embedded and shown with the
# activity of each; the window in the gap is dropped. (27 recordings of one person are
# too few for a probe to say much: a logistic regression on these embeddings, with
# recordings held out, scored between 0.24 and 0.43 for chance 0.33, depending on the
# window length and the layer.)
from sklearn_msae.datasets import load_uea

parts = [load_uea("StandWalkJump", split=split) for split in ("train", "test")]
X_ecg, y_ecg = np.concatenate([X for X, _ in parts]), np.concatenate([y for _, y in parts])
order = rng.permutation(len(X_ecg))
step, n_steps = pd.Timedelta("18300us"), X_ecg.shape[2]
record = pd.DataFrame(
    np.concatenate([X_ecg[i].T for i in order]),
    index=pd.timedelta_range(0, periods=len(order) * n_steps, freq=step),
    columns=[f"band{c}" for c in range(X_ecg.shape[1])],
)
record = record.drop(record.index[30_000:30_500])  # a 9-second gap
ecg_spans = pd.DataFrame({
    "subject": "ecg", "start": np.arange(len(order)) * n_steps * step,
    "end": (np.arange(len(order)) + 1) * n_steps * step, "label": y_ecg[order],
})  # fmt: skip
ecg_model = RecordingEmbedder(
    HiMAEEmbedder(size="tiny", max_epochs=5, random_state=0), RecordingWindower(window=500, freq=step), random_state=0
).fit({"ecg": record})
Z_ecg = ecg_model.transform({"ecg": record}).loc["ecg"]
print(ecg_model.windower_.transform({"ecg": record}).report[["n_windows", "n_kept", "n_dropped"]])
slots = pd.timedelta_range(0, periods=len(order) * n_steps // 500, freq=500 * step)
plot_embedding(
    Z_ecg, slots, label_windows(pd.MultiIndex.from_product([["ecg"], slots]), ecg_spans, duration=500 * step),
    ["standing", "walking", "jumping"], "HiMAE embedding of the StandWalkJump record, a column per 9.2 s window",
    np.asarray([f"{t.total_seconds() / 60:.0f} min" for t in slots]),
)  # fmt: skip
