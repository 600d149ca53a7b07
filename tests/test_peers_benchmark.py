"""``benchmarks/peers.py``, ``select_defaults.py``, ``select_finetune.py``, ``label_scarce.py`` and ``missingness.py``:
quick runs end to end (issues 19, 20)."""

import numpy as np
import pandas as pd
import pytest
import torch

from sklearn_msae import HiMAEEmbedder
from sklearn_msae.datasets import load_uea


@pytest.fixture
def with_peers(benchmark_script):
    """``benchmark_script`` for the scripts that run TS2Vec or its SVM probe (the bench extra)."""
    pytest.importorskip("ts2vec", reason="the peers are the bench extra")
    return benchmark_script


def test_peers_quick_run_compares_every_kind_of_method_and_resumes(with_peers, tmp_path):
    peers = with_peers("peers")
    quick = ["--quick", "--output-dir", str(tmp_path), "--missing-rates", "0.3", "--cache-dir", str(tmp_path / "cache")]
    assert peers.main([*quick, "--methods", "minirocket", "ts2vec", "himae", "himae-ft", "--variant", "v1"]) == 0
    rows = pd.read_csv(tmp_path / "peers.csv")
    assert sorted(rows["model"]) == [
        "himae logistic", "himae svm", "himae-ft", "minirocket", "ts2vec logistic", "ts2vec svm",
    ]
    assert set(rows.loc[rows["method"].isin(["minirocket", "ts2vec"]), "variant"]) == {"peer"}
    assert set(rows.loc[rows["method"].str.startswith("himae"), "variant"]) == {"v1"}
    assert rows["accuracy"].between(0, 1).all() and (rows["fit_s"] > 0).all()
    report = (tmp_path / "peers.md").read_text()
    assert "| BasicMotions | 30% | 1 |" in report and "himae@v1" in report and "ts2vec (authors' svm)" in report

    assert peers.main([*quick, "--methods", "minirocket", "--variant", "v1"]) == 0  # done: nothing reruns
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "peers.csv"), rows)


def test_peers_quick_run_probes_and_fine_tunes_the_shipped_checkpoint(with_peers, tmp_path):
    peers = with_peers("peers")
    quick = ["--quick", "--output-dir", str(tmp_path), "--missing-rates", "0.0", "--cache-dir", str(tmp_path / "cache")]
    assert peers.main([*quick, "--methods", "checkpoint", "checkpoint-ft", "--variant", "v1"]) == 0
    rows = pd.read_csv(tmp_path / "peers.csv")
    assert sorted(rows["model"]) == ["checkpoint logistic", "checkpoint svm", "checkpoint-ft"]
    assert rows["accuracy"].between(0, 1).all() and (rows["fit_s"] > 0).all()
    assert "checkpoint-ft@v1" in (tmp_path / "peers.md").read_text()

    # --checkpoint evaluates a checkpoint folder in the same columns: its fit keeps the saved network and learns the
    # scaling, as the shipped name's does; the shipped weights saved to a folder score as the shipped name did, frozen
    # and fine-tuned
    folder = tmp_path / "saved"
    shipped = HiMAEEmbedder.from_pretrained(peers.CHECKPOINT)
    shipped.save_pretrained(folder)
    X, _ = load_uea("BasicMotions", split="train")
    fitted = {name: peers.make_embedder("checkpoint", 0, tmp_path, True, name).fit(X * 3 + 1) for name in
              (peers.CHECKPOINT, folder)}
    np.testing.assert_array_equal(fitted[folder].transform(X), fitted[peers.CHECKPOINT].transform(X))
    assert all(torch.equal(tensor, shipped.net_.module_.state_dict()[name])
               for name, tensor in fitted[folder].net_.module_.state_dict().items())
    assert peers.main([*quick, "--methods", "checkpoint", "checkpoint-ft", "--variant", "v2", "--checkpoint",
                       str(folder)]) == 0  # fmt: skip
    rows = pd.read_csv(tmp_path / "peers.csv").set_index(["variant", "model"])["accuracy"]
    assert rows["v2"].to_dict() == rows["v1"].to_dict()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--checkpoint", "{folder}"], "--checkpoint needs a --variant that names it"),
        (["--checkpoint", "{tmp}", "--variant", "v3"], "config.json"),
    ],
)
def test_peers_refuses_a_checkpoint_folder_it_cannot_tell_apart_or_load(with_peers, tmp_path, capsys, argv, message):
    # refused before any cell: unnamed, a folder's cells would read as the shipped checkpoint's, already done
    peers = with_peers("peers")
    folder = tmp_path / "saved"
    HiMAEEmbedder.from_pretrained(peers.CHECKPOINT).save_pretrained(folder)
    argv = [arg.format(folder=folder, tmp=tmp_path) for arg in argv]
    with pytest.raises(SystemExit) as exit_info:
        peers.main(["--quick", "--output-dir", str(tmp_path), "--methods", "checkpoint", *argv])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "peers.csv").exists()


@pytest.mark.parametrize("embedder", ["aim", "romae"])
def test_select_defaults_quick_run_scores_every_candidate_and_readout(with_peers, tmp_path, embedder):
    select = with_peers("select_defaults")
    argv = ["--quick", "--output-dir", str(tmp_path), "--missing-rates", "0.3", "--embedders", embedder]
    assert select.main(argv) == 0
    rows = pd.read_csv(tmp_path / "select_defaults.csv")
    expected = {(c, r) for c in select.CANDIDATES[embedder] for r in select.READOUTS[embedder]}
    assert set(zip(rows["candidate"], rows["readout"])) == expected
    assert set(rows["probe"]) == {"logistic", "svm"} and rows["cv_accuracy"].between(0, 1).all()
    assert f"## {embedder}, 30% dropped" in (tmp_path / "select_defaults.md").read_text()


def test_select_defaults_averages_a_set_over_the_pretraining_seeds_run(with_peers, tmp_path):
    select = with_peers("select_defaults")
    argv = ["--quick", "--output-dir", str(tmp_path), "--missing-rates", "0.0", "--embedders", "aim",
            "--candidates", "linear-vd"]  # fmt: skip
    assert select.main([*argv, "--seeds", "0", "1"]) == 0
    rows = pd.read_csv(tmp_path / "select_defaults.csv")
    assert sorted(set(rows["seed"])) == [0, 1]
    better = rows.groupby(["seed", "readout"])["cv_accuracy"].max().unstack("seed")
    report = (tmp_path / "select_defaults.md").read_text()
    for readout, (seed_0, seed_1) in better.iterrows():
        assert f"| linear-vd | {readout} | {(seed_0 + seed_1) / 2:.3f} | 1 | 2 |" in report

    assert select.main([*argv, "--seeds", "1"]) == 0  # done: nothing reruns
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "select_defaults.csv"), rows)


def test_select_defaults_ranks_on_the_widest_candidates_sets_and_lists_a_partial_one_after(with_peers):
    select = with_peers("select_defaults")
    cells = [("a", "s1", 0.9), ("a", "s2", 0.7), ("b", "s1", 0.6), ("b", "s2", 0.6), ("c", "s1", 1.0)]
    results = pd.DataFrame([
        {"dataset": dataset, "missing_rate": 0.0, "embedder": "himae", "candidate": candidate, "seed": 0,
         "readout": "all-mean", "probe": "logistic", "cv_accuracy": score, "fit_s": 1.0}
        for candidate, dataset, score in cells
    ])  # fmt: skip
    report = select.report(results)
    assert "## himae, 0% dropped (2 sets)" in report
    rows = [line for line in report.splitlines() if line.startswith("| ") and " | all-mean | " in line]
    # c, run on s1 alone, neither shrinks the ranking to s1 nor tops it with its one set
    assert rows == ["| a | all-mean | 0.800 | 2 | 2 |", "| b | all-mean | 0.600 | 2 | 2 |", "| c | all-mean | 1.000 | 1 | 1 |"]


def test_label_scarce_validation_scores_on_the_unlabelled_training_series(with_peers, tmp_path):
    label_scarce = with_peers("label_scarce")
    methods = ["checkpoint", "minirocket", "checkpoint-level-cv", "checkpoint-level-balanced"]
    argv = ["--quick", "--split", "validation", "--output-dir", str(tmp_path), "--methods", *methods]
    assert label_scarce.main(argv) == 0
    rows = pd.read_csv(tmp_path / "label_scarce_validation.csv")
    # BasicMotions: 10 series per class in training, so 10 labels per class leave none to validate on
    assert set(rows["labels_per_class"]) == {5} and set(rows["method"]) == set(methods)
    assert (rows["n_labelled"] == 20).all() and rows["accuracy"].between(0, 1).all()
    report = (tmp_path / "label_scarce_validation.md").read_text()
    assert "training series left unlabelled" in report and "| 5 | checkpoint-level-cv | 1 |" in report
    assert not (tmp_path / "label_scarce.csv").exists()  # the test split's results are not touched


def test_missingness_holdout_scores_a_candidate_without_reading_the_test_splits(
    benchmark_script, monkeypatch, tmp_path
):
    missingness = benchmark_script("missingness")
    monkeypatch.setattr(missingness, "DATASETS", {"BasicMotions": missingness.DATASETS["BasicMotions"]})  # time
    load_uea = missingness.load_uea

    def training_split_only(name, split, **kwargs):
        assert split == "train", "a holdout run read a test split"
        return load_uea(name, split=split, **kwargs)

    monkeypatch.setattr(missingness, "load_uea", training_split_only)
    X_fit, _, X_held, y_held = missingness.splits("BasicMotions", 0, holdout=True)
    assert (len(X_fit), len(X_held)) == (24, 16) and sorted(np.unique(y_held, return_counts=True)[1]) == [4] * 4
    assert np.array_equal(missingness.splits("BasicMotions", 0, holdout=True)[2], X_held)  # the seed draws it
    assert not np.array_equal(missingness.splits("BasicMotions", 1, holdout=True)[2], X_held)

    report = tmp_path / "holdout.md"
    missingness.main(["--quick", "--holdout", "--methods", "AIM", "--aim", '{"size": "tiny"}', "--output", str(report)])
    text = report.read_text()
    assert "the test splits were not read" in text and "| AIM | " in text and "| HiMAE |" not in text
    assert "random 30 % and random 50 % x 1 data sets" in text
    with pytest.raises(SystemExit):  # the report's targets are AIM's
        missingness.main(["--quick", "--methods", "HiMAE"])


def test_level_balanced_features_give_every_level_the_same_share_of_the_variance(with_peers, basic_motions):
    label_scarce = with_peers("label_scarce")
    X = basic_motions[0]
    embedder = HiMAEEmbedder.from_pretrained(label_scarce.CHECKPOINT, device="cpu").fit(X)
    Z = label_scarce.level_balanced(embedder, X)(X)
    widths = [embedder.set_params(layer=level).transform(X[:1]).shape[1] for level in label_scarce.LEVELS]
    assert Z.shape == (len(X), sum(widths)) and len(set(widths)) == len(widths)  # levels of different widths
    shares = [block.var(axis=0).sum() for block in np.split(Z, np.cumsum(widths)[:-1], axis=1)]
    constant = [np.isclose(block.var(axis=0), 0).sum() for block in np.split(Z, np.cumsum(widths)[:-1], axis=1)]
    # every non-constant feature standardised, then each level scaled to sum(widths) / n_levels in all
    expected = [(w - c) * sum(widths) / len(widths) / w for w, c in zip(widths, constant)]
    np.testing.assert_allclose(shares, expected, rtol=1e-4)


def test_select_finetune_quick_run_scores_every_candidate_from_both_starts_and_seeds(
    benchmark_script, monkeypatch, tmp_path
):
    select = benchmark_script("select_finetune")
    fitted = []  # (start, seed, the parameters of every fold's classifier)

    class RecordingClassifier(select.MAEClassifier):
        def fit(self, X, y):
            embedder = self.embedder
            start = "checkpoint" if embedder.pretrained == select.CHECKPOINT else f"himae-{embedder.include_decoder}"
            params = {name: self.get_params()[name] for name in ("layer_decay", "lr", "max_epochs")}
            fitted.append((start, self.random_state, params))
            return super().fit(X, y)

    monkeypatch.setattr(select, "MAEClassifier", RecordingClassifier)
    argv = ["--quick", "--output-dir", str(tmp_path), "--starts", "checkpoint", "himae-encoder", "--seeds", "0", "1",
            "--cache-dir", str(tmp_path)]  # fmt: skip
    assert select.main(argv) == 0
    # every candidate's parameters reach the classifier of each of its three folds, from both starts and seeds
    defaults = {"layer_decay": None, "lr": 1e-3, "max_epochs": 1}
    expected = [(start, seed, {**defaults, **params}) for start in ("checkpoint", "himae-False") for seed in (0, 1)
                for params in select.CANDIDATES.values()]  # fmt: skip
    assert sorted(map(str, fitted)) == sorted(map(str, expected * 3))
    rows = pd.read_csv(tmp_path / "select_finetune.csv")
    cells = {(s, c, seed) for s in ("checkpoint", "himae-encoder") for c in select.CANDIDATES for seed in (0, 1)}
    assert set(zip(rows["start"], rows["candidate"], rows["seed"])) == cells
    assert (rows["folds"] == 3).all() and rows["cv_accuracy"].between(0, 1).all()
    report = (tmp_path / "select_finetune.md").read_text()
    assert "## From checkpoint, 0% dropped (1 sets with every candidate; seeds 0, 1)" in report
    assert "## The starts compared: lr-1e-4, 0% dropped (1 sets every start ran)" in report


def test_missingness_removes_whole_steps_in_every_channel(benchmark_script, basic_motions):
    missingness = benchmark_script("missingness")
    X = basic_motions[0][:8]
    sets = missingness.corrupted_test_sets(X, missingness.ACCELEROMETER_GYROSCOPE, seed=0)
    assert list(sets) == missingness.CONDITIONS and len(sets["steps 30 %"]) == missingness.DRAWS
    for gappy in sets["steps 30 %"]:
        missing = np.isnan(gappy)
        assert (missing == missing[:, :1]).all()  # the same steps in every channel
        assert (missing[:, 0].sum(axis=1) == int(0.3 * X.shape[2])).all()
        np.testing.assert_array_equal(gappy[~missing], X[~missing])
    assert not np.array_equal(*(np.isnan(gappy) for gappy in sets["steps 30 %"][:2]))  # five draws, not one


@pytest.mark.parametrize(("n_timepoints", "widths"), [(30, (32, 64)), (63, (32, 64)), (64, (16, 32, 64, 128))])
def test_select_defaults_auto_candidates_build_the_networks_their_rows_were_scored_with(
    benchmark_script, n_timepoints, widths
):
    # the "linear-auto" rows predate "wide" (f40b30c): size="auto" then built "small" from 64 steps, two levels below
    select = benchmark_script("select_defaults")
    for candidate in ("linear-auto", "linear-auto-vd"):
        params = select.candidate_params("himae", candidate, n_timepoints, quick=False)
        assert HiMAEEmbedder(**params)._widths() == widths


def test_peers_summarises_todays_defaults_on_the_sets_each_ran_beside_the_peers_on_the_same_sets(benchmark_script):
    peers = benchmark_script("peers")
    accuracy = {  # (method, variant, model): {(dataset, rate): accuracy}
        ("minirocket", "peer", "minirocket"): {("s1", 0.0): 0.9, ("s2", 0.0): 0.5, ("s1", 0.3): 0.8, ("s2", 0.3): 0.5},
        ("ts2vec", "peer", "ts2vec svm"): {("s1", 0.0): 0.8, ("s2", 0.0): 0.7, ("s1", 0.3): 0.7, ("s2", 0.3): 0.6},
        ("himae", "v1", "himae logistic"): {("s1", 0.0): 0.8, ("s2", 0.0): 0.9, ("s1", 0.3): 0.9},
        ("himae", "v1", "himae svm"): {("s1", 0.0): 0.6, ("s2", 0.0): 0.4, ("s1", 0.3): 0.95},
        ("himae", "v0", "himae logistic"): {("s1", 0.0): 0.1, ("s2", 0.0): 0.1},  # a former default: not summarised
    }
    fit_s = {"minirocket": 1.0, "ts2vec": 100.0, "himae": 40.0}
    results = pd.DataFrame([
        {"dataset": dataset, "missing_rate": rate, "seed": 0, "method": method, "variant": variant, "model": model,
         "accuracy": value, "fit_s": fit_s[method] * (2 if dataset == "s2" else 1), "probe_s": 0.0, "predict_s": 0.0,
         "torch_threads": 1}
        for (method, variant, model), cells in accuracy.items() for (dataset, rate), value in cells.items()
    ])  # fmt: skip
    lines = peers.current_summary(results, {"himae": "v1", "aim": "v9"})  # AIM has not run: no row
    text = "\n".join(lines)
    assert "himae@v0" not in text and "aim@" not in text
    # complete: HiMAE's better probe, 0.8 / 0.9, ties TS2Vec on s1 and beats it on s2; ranks 2.5 and 1 of 3
    assert "| himae@v1 | 2 | 0.850 | 1.75 | 0.750 | 1 / 1 / 0 | 0.700 | 1 / 0 / 1 | 60.0 | 150.0 |" in lines
    # 30 % dropped: HiMAE ran s1 alone, so its peers are read on s1; the rank is over s1, the only set all ran
    assert "### 30% dropped (mean rank over the 1 set every row has run)" in lines
    assert "| himae@v1 | 1 | 0.950 | 1.00 | 0.700 | 1 / 0 / 0 | 0.800 | 1 / 0 / 0 | 40.0 | 100.0 |" in lines
    assert "| ts2vec | 2 | 0.650 | 3.00 | 0.650 | 0 / 2 / 0 | 0.650 | 1 / 0 / 1 | 150.0 | 150.0 |" in lines
    # the gaps' cost over the sets run both ways: s1 alone for HiMAE
    assert "| himae@v1 | 1 | 0.800 | 0.950 | -0.150 |" in lines
    assert peers.current_summary(results, {"romae": "v1"}) == []  # no current default has run
    # a transform-only variant loaded v1's pretrainings from the cache: its fit is v1's, not the cache's 0.1 s
    cached = results[results["variant"] == "v1"].assign(variant="v2", fit_s=0.1)
    lines = peers.current_summary(pd.concat([results, cached]), {"himae": "v2"}, pretrained_by={"v2": "v1"})
    assert "| himae@v2 | 2 | 0.850 | 1.75 | 0.750 | 1 / 1 / 0 | 0.700 | 1 / 0 / 1 | 60.0 | 150.0 |" in lines
    complete_only = peers.current_summary(results[results["missing_rate"] == 0.0], {"himae": "v1"})
    assert "### 0% dropped (mean rank over the 2 sets every row has run)" in complete_only
    assert not any("cost of the gaps" in line for line in complete_only)
