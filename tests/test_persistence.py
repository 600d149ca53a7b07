"""Round trips, reproducibility and interrupt safety of every embedder.

- clone, pickle, copy.deepcopy, skops and save_pretrained/from_pretrained each give
  bit-identical output; from_pretrained reads JSON and safetensors only (no unpickling);
- a model trained on CUDA loads on a machine without CUDA (simulated: see the tests);
- the same random_state gives the same weights and embeddings in another process;
- an interrupted fit leaves no fitted attribute and no (half-written) cache entry.
"""

import copy
import io
import json
import os
import pickle
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
import safetensors
import skops.io
import skorch.net
import torch
import torch.serialization
from joblib import Memory
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from skorch.exceptions import DeviceWarning

import sklearn_msae._base
from sklearn_msae import AIMEmbedder, HiMAEEmbedder, RoMAEEmbedder

# Every embedder, tiny, with non-default transform-only parameters so that a round trip must keep them.
CONFIGS = {
    "HiMAEEmbedder": (HiMAEEmbedder, {"size": "tiny", "layer": 2, "pooling": "meanmax"}),
    "AIMEmbedder": (AIMEmbedder, {"size": "tiny", "pooling": "channel"}),
    "RoMAEEmbedder": (
        RoMAEEmbedder,
        {"embed_dim": 24, "num_heads": 2, "depth": 2, "decoder_embed_dim": 24, "decoder_depth": 1,
         "decoder_num_heads": 2, "layer": 1, "pooling": "mean"},
    ),
}
FIT = {"max_epochs": 2, "random_state": 0}  # 1 batch per epoch on 12 series: forward call 2 is epoch 2
NAMES = list(CONFIGS)


def make(name, **params):
    cls, config = CONFIGS[name]
    return cls(**{**config, **FIT, **params})


def fitted_attributes(embedder) -> list[str]:
    return sorted(name for name in vars(embedder) if name.endswith("_") and not name.startswith("_"))


def assert_same_fit(a, b):
    """Same fitted attributes (values and dtypes) and bit-identical network weights."""
    assert fitted_attributes(a) == fitted_attributes(b)
    for name in fitted_attributes(a):
        if name != "net_":
            expected, actual = getattr(a, name), getattr(b, name)
            np.testing.assert_array_equal(actual, expected, err_msg=name)
            assert np.asarray(actual).dtype == np.asarray(expected).dtype, name
    state_a, state_b = a.net_.module_.state_dict(), b.net_.module_.state_dict()
    assert list(state_a) == list(state_b)
    for key in state_a:
        assert state_b[key].device.type == "cpu" and torch.equal(state_a[key], state_b[key]), key


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def X(basic_motions):
    """12 BasicMotions series of 60 steps with the three kinds of missingness.

    Missingness is not aligned across channels, so RoMAE resolves ``tokens_="value"``.
    """
    X = basic_motions[0][:12, :, :60].copy()
    X[0:3, 3:] = np.nan  # a sensor off
    X[3:6, :, 20:35] = np.nan  # a gap in every channel
    X[6:] = np.where(np.random.default_rng(0).random(X[6:].shape) < 0.2, np.nan, X[6:])  # scattered values
    return X


@pytest.fixture(scope="module")
def models(X):
    return {name: make(name).fit(X) for name in NAMES}


@pytest.fixture(params=NAMES)
def fitted(request, models):
    return models[request.param]


def outputs(embedder, X):
    return embedder.transform(X), embedder.reconstruct(X), embedder.score(X)


def assert_same_outputs(embedder, expected, X):
    transformed, reconstructed, score = outputs(embedder, X)
    np.testing.assert_array_equal(transformed, expected[0])
    np.testing.assert_array_equal(reconstructed, expected[1])
    assert score == expected[2]


# ---- round trips ------------------------------------------------------------------


def test_romae_resolved_value_tokens(models):
    assert models["RoMAEEmbedder"].tokens_ == "value"  # so its round trips cover the fitted token layout


def test_pickle_deepcopy_skops_and_pretrained_give_bit_identical_output(fitted, X, tmp_path):
    expected = outputs(fitted, X)
    skops.io.dump(fitted, tmp_path / "model.skops")
    fitted.save_pretrained(tmp_path / "model")
    copies = {
        "pickle": pickle.loads(pickle.dumps(fitted)),
        "deepcopy": copy.deepcopy(fitted),
        "skops": skops.io.load(
            tmp_path / "model.skops", trusted=skops.io.get_untrusted_types(file=tmp_path / "model.skops")
        ),
        "from_pretrained": type(fitted).from_pretrained(tmp_path / "model"),
    }
    for how, loaded in copies.items():
        assert type(loaded) is type(fitted), how
        assert loaded.get_params() == fitted.get_params(), how
        assert_same_fit(fitted, loaded)
        assert_same_outputs(loaded, expected, X)
        np.testing.assert_array_equal(loaded.get_feature_names_out(), fitted.get_feature_names_out())


def test_clone_is_unfitted_and_refits_bit_identically(fitted, X):
    cloned = clone(fitted)
    assert cloned.get_params() == fitted.get_params() and fitted_attributes(cloned) == []
    with pytest.raises(NotFittedError):
        cloned.transform(X)
    cloned.fit(X)
    assert_same_fit(fitted, cloned)
    assert_same_outputs(cloned, outputs(fitted, X), X)


def test_pretrained_folder_is_json_and_safetensors_and_loads_without_unpickling(fitted, X, tmp_path, monkeypatch):
    fitted.save_pretrained(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["config.json", "model.safetensors"]
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["class"] == type(fitted).__name__ and config["params"]["memory"] is None
    with safetensors.safe_open(tmp_path / "model.safetensors", framework="pt") as weights:
        assert sorted(weights.keys()) == sorted(fitted.net_.module_.state_dict())

    def forbidden(*args, **kwargs):
        raise AssertionError("from_pretrained must not unpickle anything")

    for owner, name in [(pickle, "load"), (pickle, "loads"), (torch, "load"), (joblib, "load"),
                        (skorch.net.NeuralNet, "__setstate__")]:
        monkeypatch.setattr(owner, name, forbidden)
    loaded = type(fitted).from_pretrained(tmp_path)
    monkeypatch.undo()
    assert_same_fit(fitted, loaded)
    assert_same_outputs(loaded, outputs(fitted, X), X)


@pytest.mark.parametrize("name, override", [
    ("HiMAEEmbedder", {"layer": -1, "pooling": "mean"}),
    ("AIMEmbedder", {"pooling": "mean"}),
    ("RoMAEEmbedder", {"layer": -1, "inference_batch_size": 5}),
])
def test_transform_only_parameters_can_be_overridden_at_load(models, X, tmp_path, name, override):
    embedder = copy.deepcopy(models[name])
    embedder.save_pretrained(tmp_path)
    loaded = type(embedder).from_pretrained(tmp_path, **override)
    assert {key: loaded.get_params()[key] for key in override} == override
    np.testing.assert_array_equal(loaded.transform(X), embedder.set_params(**override).transform(X))


@pytest.mark.parametrize("saved_as, loaded_by", [("HiMAEEmbedder", AIMEmbedder), ("RoMAEEmbedder", HiMAEEmbedder)])
def test_from_pretrained_checks_the_class(models, tmp_path, saved_as, loaded_by):
    models[saved_as].save_pretrained(tmp_path)
    with pytest.raises(ValueError, match=f"holds a '{saved_as}' saved as 'sklearn-msae/1'; {loaded_by.__name__}"):
        loaded_by.from_pretrained(tmp_path)


def edit_config(folder, edit):
    config = json.loads((folder / "config.json").read_text())
    edit(config)
    (folder / "config.json").write_text(json.dumps(config))


def set_fitted(name, value):
    return lambda config: config["fitted"].update({name: value})


def float_array(values):
    return {"ndarray": values, "dtype": "float32"}


# Every field of a saved folder is checked at load, with a ValueError naming it (HiMAE: 6 channels).
EDITED_CONFIGS = [
    ("center of the wrong length", set_fitted("channel_center_", float_array([0.0] * 5)),
     r"fitted channel_center_ must be 6 finite floats \(one per channel\)"),
    ("scale all 0", set_fitted("channel_scale_", float_array([0.0] * 6)), r"fitted channel_scale_ must be positive"),
    ("scale NaN", set_fitted("channel_scale_", float_array([float("nan")] * 6)), "channel_scale_ must be 6 finite floats"),
    ("an unknown fitted attribute", set_fitted("transform", 1), r"fitted holds unknown attribute\(s\) \['transform'\]"),
    ("a missing fitted attribute", lambda config: config["fitted"].pop("n_channels_"), r"lacks \['n_channels_'\]"),
    ("n_channels_ not an int", set_fitted("n_channels_", 6.5), "fitted n_channels_ must be a positive int; got 6.5"),
    ("an unknown parameter", lambda config: config["params"].update(colour="red"), r"unknown parameter\(s\) \['colour'\]"),
    ("a layer beyond the network's depth", lambda config: config["params"].update(layer=0),
     r"layer=0 is out of range: this network has \d levels"),
    ("an invalid parameter", lambda config: config["params"].update(inference_batch_size=-1),
     "The 'inference_batch_size' parameter of HiMAEEmbedder must be"),
    ("other module_kwargs", lambda config: config["module_kwargs"].update(in_channels=3),
     "module_kwargs .* are not those of its params and fitted attributes"),
    ("a section not an object", lambda config: config.update(fitted=[]), "'fitted' must be a JSON object; got \\[\\]"),
]


@pytest.mark.parametrize("edit, match", [case[1:] for case in EDITED_CONFIGS], ids=[case[0] for case in EDITED_CONFIGS])
def test_an_edited_config_is_refused_naming_the_field(models, tmp_path, edit, match):
    models["HiMAEEmbedder"].save_pretrained(tmp_path)
    edit_config(tmp_path, edit)
    with pytest.raises(ValueError, match=match):
        HiMAEEmbedder.from_pretrained(tmp_path)


@pytest.mark.parametrize("name", ["HiMAEEmbedder", "AIMEmbedder"])
def test_a_folder_saved_before_value_dropout_and_stretch_to_loads_as_it_was_trained(X, tmp_path, name):
    """Folders saved before the parameters existed lack them: they read as 0 and None, what they were trained with."""
    embedder = make(name, value_dropout=0.0, stretch_to=None).fit(X)  # as every model was trained then
    embedder.save_pretrained(tmp_path)

    def as_saved_before(config):
        del config["params"]["value_dropout"], config["module_kwargs"]["value_dropout"], config["params"]["stretch_to"]

    edit_config(tmp_path, as_saved_before)
    loaded = CONFIGS[name][0].from_pretrained(tmp_path)
    assert loaded.value_dropout == 0.0 and loaded.stretch_to is None
    assert_same_outputs(loaded, outputs(embedder, X), X)


def test_a_himae_folder_saved_before_include_decoder_embeds_the_encoder_alone_as_it_did(X, tmp_path):
    """Folders saved before HiMAE read the decoder lack ``include_decoder``: they read as False, their readout."""
    embedder = make("HiMAEEmbedder", include_decoder=False).fit(X)
    embedder.save_pretrained(tmp_path)
    edit_config(tmp_path, lambda config: config["params"].pop("include_decoder"))
    loaded = HiMAEEmbedder.from_pretrained(tmp_path)
    assert loaded.include_decoder is False
    assert_same_outputs(loaded, outputs(embedder, X), X)
    # the decoder's levels follow the encoder's: the saved network embeds with them too, without a refit
    with_decoder = loaded.set_params(include_decoder=True).transform(X)
    np.testing.assert_array_equal(with_decoder[:, : embedder.transform(X).shape[1]], embedder.transform(X))


@pytest.mark.parametrize(
    "name, value, match",
    [
        ("time_scale_", 0.0, "fitted time_scale_ must be a positive finite number; got 0.0"),
        ("time_scale_", -1.0, "fitted time_scale_ must be a positive finite number; got -1.0"),
        ("time_scale_", "auto", "fitted time_scale_ must be a positive finite number; got 'auto'"),
        ("tokens_", "auto", "fitted tokens_ must be 'timestep' or 'value'; got 'auto'"),
    ],
)
def test_an_edited_romae_config_is_refused_naming_the_field(models, tmp_path, name, value, match):
    models["RoMAEEmbedder"].save_pretrained(tmp_path)
    edit_config(tmp_path, set_fitted(name, value))
    with pytest.raises(ValueError, match=match):
        RoMAEEmbedder.from_pretrained(tmp_path)


def test_weights_that_do_not_fit_or_are_truncated_are_refused(models, tmp_path):
    models["HiMAEEmbedder"].save_pretrained(tmp_path / "himae")
    models["AIMEmbedder"].save_pretrained(tmp_path / "aim")
    (tmp_path / "himae" / "model.safetensors").write_bytes((tmp_path / "aim" / "model.safetensors").read_bytes())
    with pytest.raises(ValueError, match=r"is not the weights file that .*config\.json was saved with"):
        HiMAEEmbedder.from_pretrained(tmp_path / "himae")
    # folders saved before the config held the weights' hash: the weights themselves are checked
    for name in ("himae", "aim"):
        config = json.loads((tmp_path / name / "config.json").read_text())
        del config["weights_sha256"]
        (tmp_path / name / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"the weights do not fit the network HiMAE\(.*\): '.*' is missing; .* and \d+ more"):
        HiMAEEmbedder.from_pretrained(tmp_path / "himae")
    weights = (tmp_path / "aim" / "model.safetensors").read_bytes()
    (tmp_path / "aim" / "model.safetensors").write_bytes(weights[: len(weights) // 2])
    with pytest.raises(ValueError, match=r"model\.safetensors is not a readable safetensors file \(truncated\?\)"):
        AIMEmbedder.from_pretrained(tmp_path / "aim")


def test_a_config_that_is_not_json_is_refused(models, tmp_path):
    models["AIMEmbedder"].save_pretrained(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"config\.json is not a JSON file"):
        AIMEmbedder.from_pretrained(tmp_path)


# ---- a model trained on CUDA, loaded without CUDA ----------------------------------

needs_no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU fallback only applies without CUDA")


@needs_no_cuda
def test_a_model_saved_on_cuda_loads_from_pretrained_on_cpu(fitted, X, tmp_path, monkeypatch):
    """What save_pretrained writes for a CUDA-trained model, loaded on this CPU-only machine.

    save_pretrained moves every tensor to the CPU before writing (safetensors stores no
    device), so the files of a CUDA-trained model differ from a CPU one's only by
    ``"device": "cuda"`` in config.json: that is the part simulated here.
    """
    on_cuda = copy.deepcopy(fitted).set_params(device="cuda")
    on_cuda.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["params"]["device"] == "cuda"

    devices, real_load_file = [], sklearn_msae._base.load_file

    def recording_load_file(filename, device="cpu"):
        devices.append(device)
        return real_load_file(filename, device=device)

    monkeypatch.setattr(sklearn_msae._base, "load_file", recording_load_file)
    fallback = "saved with device='cuda', but CUDA is not available; loading on device='cpu'"
    with pytest.warns(DeviceWarning, match=fallback):
        loaded = type(fitted).from_pretrained(tmp_path)
    assert devices == ["cpu"]  # the weights are read straight onto the CPU
    assert loaded.device == "cpu" and loaded.net_.device == "cpu"
    assert {p.device.type for p in loaded.net_.module_.parameters()} == {"cpu"}
    assert_same_outputs(loaded, outputs(fitted, X), X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an explicit device is obeyed silently
        assert type(fitted).from_pretrained(tmp_path, device="cpu").device == "cpu"


@pytest.fixture
def tensors_tagged_cuda(monkeypatch):
    """torch.save tags every storage with location 'cuda:0', as it does a CUDA tensor's.

    Inside this fixture, pickling an embedder writes what pickling a CUDA-trained one
    writes; only the bytes of the weights come from the CPU.
    """
    tag_cuda = (0, lambda storage: "cuda:0", lambda storage, location: None)
    monkeypatch.setattr(torch.serialization, "_package_registry", [tag_cuda, *torch.serialization._package_registry])
    return monkeypatch


@needs_no_cuda
@pytest.mark.parametrize("how", ["pickle", "skops"])
def test_a_pickle_of_a_cuda_model_loads_on_cpu(fitted, X, tensors_tagged_cuda, how):
    on_cuda = copy.deepcopy(fitted).set_params(device="cuda")
    on_cuda.net_.device = "cuda"  # what a fit on CUDA leaves
    dumps, loads = {
        "pickle": (pickle.dumps, pickle.loads),
        "skops": (skops.io.dumps, lambda data: skops.io.loads(data, trusted=skops.io.get_untrusted_types(data=data))),
    }[how]
    data = dumps(on_cuda)
    buffer = io.BytesIO()
    torch.save(torch.ones(2), buffer)
    tensors_tagged_cuda.undo()
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device"):
        torch.load(io.BytesIO(buffer.getvalue()))  # the simulation is faithful: a plain load needs CUDA
    with (
        pytest.warns(DeviceWarning, match="no CUDA devices are available. Loading on device \"cpu\" instead"),
        pytest.warns(DeviceWarning, match=r"Setting self.device = cpu since the requested device \(cuda\) is not available"),
    ):
        loaded = loads(data)  # skorch's __setstate__ maps the weights to the CPU
    assert torch.device(loaded.net_.device).type == "cpu"
    assert {p.device.type for p in loaded.net_.module_.parameters()} == {"cpu"}
    assert_same_outputs(loaded, outputs(fitted, X), X)


# ---- reproducibility --------------------------------------------------------------

FIT_IN_A_PROCESS = """
import json, sys
import numpy as np, torch
from sklearn_msae import AIMEmbedder, HiMAEEmbedder, RoMAEEmbedder
classes = {cls.__name__: cls for cls in (AIMEmbedder, HiMAEEmbedder, RoMAEEmbedder)}
X_path, params_path, threads, out_path = sys.argv[1:]
torch.set_num_threads(int(threads))
X, results = np.load(X_path), {}
for name, params in json.loads(open(params_path).read()).items():
    embedder = classes[name](**params).fit(X)
    results[name] = embedder.transform(X)
    for key, tensor in embedder.net_.module_.state_dict().items():
        results[f"{name}/{key}"] = tensor.numpy()
np.savez(out_path, **results)
"""


def test_same_random_state_is_reproducible_across_processes(models, X, tmp_path):
    """A fresh process (own hash seed, same thread count) fits the same weights and embeddings as this one."""
    np.save(tmp_path / "X.npy", X)
    params = {name: {**CONFIGS[name][1], **FIT} for name in NAMES}
    (tmp_path / "params.json").write_text(json.dumps(params))
    hash_seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    subprocess.run(
        [sys.executable, "-c", FIT_IN_A_PROCESS, str(tmp_path / "X.npy"), str(tmp_path / "params.json"),
         str(torch.get_num_threads()), str(tmp_path / "run.npz")],
        check=True, timeout=300, env={**os.environ, "PYTHONHASHSEED": hash_seed},
    )
    run = np.load(tmp_path / "run.npz")
    expected = {}
    for name, embedder in models.items():
        expected[name] = embedder.transform(X)
        expected.update({f"{name}/{key}": tensor.numpy() for key, tensor in embedder.net_.module_.state_dict().items()})
    assert sorted(run.files) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(run[key], value, err_msg=key)


@pytest.mark.parametrize("name", NAMES)
def test_same_random_state_same_fit_other_seed_other_fit(models, X, name):
    again = make(name).fit(X)
    assert_same_fit(models[name], again)
    np.testing.assert_array_equal(again.transform(X), models[name].transform(X))
    other = make(name, random_state=1).fit(X)
    assert not np.array_equal(other.transform(X), models[name].transform(X))


# ---- interrupt safety -------------------------------------------------------------


def interrupt_forward_call(monkeypatch, name, call=2):
    """Make the network's forward raise KeyboardInterrupt on its ``call``-th call (a Ctrl-C mid-training)."""
    module = CONFIGS[name][0]._module
    original, calls = module.forward, []

    def interrupted_forward(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(module, "forward", interrupted_forward)
    return calls


def cache_entries(folder) -> list:
    return sorted(folder.rglob("output.pkl"))


@pytest.mark.parametrize("name", NAMES)
def test_interrupted_training_leaves_the_embedder_unfitted_and_nothing_cached(models, X, name, tmp_path, monkeypatch):
    embedder = make(name).fit(X)  # a fitted embedder, refitted with a cache and interrupted
    embedder.set_params(memory=Memory(tmp_path, verbose=0))
    calls = interrupt_forward_call(monkeypatch, name)
    with pytest.raises(KeyboardInterrupt):
        embedder.fit(X)
    assert len(calls) == 2  # interrupted in epoch 2, not before training
    assert fitted_attributes(embedder) == []  # all or nothing: no half-fitted state
    with pytest.raises(NotFittedError):
        embedder.transform(X)
    assert cache_entries(tmp_path) == []

    monkeypatch.undo()
    embedder.fit(X)  # trains and caches now
    assert len(cache_entries(tmp_path)) == 1
    assert_same_fit(models[name], embedder)
    calls = interrupt_forward_call(monkeypatch, name, call=1)  # any training would now be interrupted
    cached = make(name, memory=Memory(tmp_path, verbose=0)).fit(X)
    assert calls == []  # loaded from the cache, not trained
    assert_same_fit(models[name], cached)


@pytest.mark.parametrize("name", NAMES)
def test_interrupt_before_training_leaves_no_half_state(X, name, monkeypatch):
    """Ctrl-C after the scaling is learned (and RoMAE's tokens_ resolved), before training."""
    embedder = make(name)

    def interrupted_tokenize(self, panel):
        assert hasattr(self, "channel_scale_")  # part of the fitted state exists at this point
        raise KeyboardInterrupt

    monkeypatch.setattr(type(embedder), "_tokenize", interrupted_tokenize)
    with pytest.raises(KeyboardInterrupt):
        embedder.fit(X)
    assert fitted_attributes(embedder) == []


@pytest.mark.parametrize("name", NAMES)
def test_cache_entry_is_written_atomically(models, X, name, tmp_path, monkeypatch):
    """A Ctrl-C while the cache entry is being written leaves no entry, only a temporary file."""
    real_dump = joblib.numpy_pickle.dump

    def interrupted_dump(value, file, *args, **kwargs):
        file.write(b"half an entry")
        raise KeyboardInterrupt

    monkeypatch.setattr(joblib.numpy_pickle, "dump", interrupted_dump)
    embedder = make(name, memory=Memory(tmp_path, verbose=0))
    with pytest.raises(KeyboardInterrupt):
        embedder.fit(X)
    assert fitted_attributes(embedder) == []
    assert cache_entries(tmp_path) == []
    partial = list(tmp_path.rglob("output.pkl.*"))
    assert len(partial) == 1 and partial[0].read_bytes() == b"half an entry"  # the interrupt hit mid-write

    monkeypatch.setattr(joblib.numpy_pickle, "dump", real_dump)
    embedder.fit(X)  # no entry yet: trains again, then writes the entry in full
    assert len(cache_entries(tmp_path)) == 1
    assert_same_fit(models[name], embedder)
    calls = interrupt_forward_call(monkeypatch, name, call=1)  # any training would now be interrupted
    cached = make(name, memory=Memory(tmp_path, verbose=0)).fit(X)
    assert calls == []  # loaded from the entry, not trained
    assert_same_fit(models[name], cached)
