"""`BaseMAEEmbedder`: what the three embedders share (fit, transform, score, caching, tags)."""

from __future__ import annotations

import json
import math
import warnings
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, check_memory, validate_data
from safetensors.torch import load_file, save_file
from skorch.exceptions import DeviceWarning
from skorch.history import History

from ._panel import Panel, from_panel, n_series, to_panel
from ._training import make_pretrainer, pretrain, resolve_device

_CONFIG_FILE, _WEIGHTS_FILE, _FORMAT = "config.json", "model.safetensors", "sklearn-msae/1"

# Parameters that change neither the learned weights nor the pretraining cache key.
_NOT_LEARNED = ("layer", "pooling", "inference_batch_size", "device", "memory", "verbose")


class BaseMAEEmbedder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Base class of the masked-autoencoder embedders.

    A subclass sets ``_module`` (the torch network class) and implements
    ``_module_kwargs(panel)``, ``_tokenize(panel)``, ``_embed_kwargs()`` and the
    ``_n_features_out`` property. Fitting normalises each channel, tokenises the panel
    once and pretrains the network through `pretrain` (cached by ``memory``);
    transforming tokenises in batches and calls the network's ``embed`` without
    gradients. Parameters in ``_NOT_LEARNED`` (``layer``, ``pooling``, ...) can be
    changed after ``fit`` without refitting.
    """

    _module: type[torch.nn.Module]

    _parameter_constraints: dict = {
        "scaling": [StrOptions({"standard", "minmax"}), None],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "warmup_fraction": [Interval(Real, 0, 1, closed="left")],
        "gradient_clip": [Interval(Real, 0, None, closed="neither"), None],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "inference_batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "memory": [None, str, HasMethods(["cache"])],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    # ---- subclass interface -------------------------------------------------------

    def _module_kwargs(self, panel: Panel) -> dict:
        """Constructor arguments of ``self._module`` for a training panel."""
        raise NotImplementedError

    def _tokenize(self, panel: Panel) -> dict[str, np.ndarray]:
        """The batch dict (arrays with one row per series) for a scaled panel."""
        raise NotImplementedError

    def _embed_kwargs(self) -> dict:
        """Keyword arguments of the network's ``embed`` besides the batch."""
        raise NotImplementedError

    def _check_transform_params(self) -> None:
        """Validate transform-only parameters against the fitted network (e.g. ``layer``)."""

    def _reconstruct_batch(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """The network's reconstruction (n, C, T_tok), scaled units, T_tok >= the panel's length."""
        raise NotImplementedError

    # ---- estimator API ------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Pretrain the masked autoencoder on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_series, n_channels, n_timepoints) or (n_series, n_timepoints), \
                DataFrame or list of series
            Training series; NaN marks unobserved values. See :func:`sklearn_msae.to_panel`
            for every accepted format.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted embedder.
        """
        self._clear_fitted_state()
        try:
            self._fit(X)
        except BaseException:
            # all or nothing: an error or a KeyboardInterrupt leaves no half-fitted state
            self._clear_fitted_state()
            raise
        return self

    def _fit(self, X) -> None:
        panel = self._validate_input(X, reset=True)
        self.n_channels_ = panel.n_channels
        self.n_timepoints_ = panel.n_timepoints
        if self.validation_fraction and math.ceil(self.validation_fraction * panel.n_series) >= panel.n_series:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} holds out all {panel.n_series} series of X, "
                "leaving none to train on; lower it or fit on more series"
            )
        self.channel_center_, self.channel_scale_ = _fit_scaling(panel, self.scaling)
        self._check_transform_params()
        batch = self._tokenize(self._scale(panel))
        module_kwargs = self._module_kwargs(panel)
        train_kwargs = self._train_kwargs()
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        cached_pretrain = check_memory(self.memory).cache(pretrain, ignore=["device", "verbose"])
        state, history = cached_pretrain(
            self._module, module_kwargs, batch, train_kwargs, seed, device=self.device, verbose=self.verbose
        )
        self.net_ = self._build_net(module_kwargs, state, history, train_kwargs)

    def _build_net(self, module_kwargs: dict, state: dict, history: list, train_kwargs: dict):
        """A skorch net holding the network ``module_kwargs`` with weights ``state``, in eval mode.

        Training is over, so the schedule's sample count and seed are placeholders.
        """
        net = make_pretrainer(
            self._module, module_kwargs, n_samples=1, device=self.device, verbose=0, seed=0, **train_kwargs
        ).initialize()
        net.module_.load_state_dict(state)
        net.module_.eval()
        net.history_ = History(history)
        return net

    def transform(self, X):
        """Embed every series of ``X``.

        Parameters
        ----------
        X : array-like, DataFrame or list of series
            Series in any format accepted by ``fit``, with the same number of channels.

        Returns
        -------
        embedding : ndarray of shape (n_series, n_features_out), float32
        """
        check_is_fitted(self)
        self._check_transform_params()
        module = self.net_.module_.eval()
        embedding, done = None, 0
        with torch.no_grad():
            for panel, batch in self._batches(X):
                part = module.embed(**batch, **self._embed_kwargs()).float().cpu().numpy()  # (batch, d)
                if embedding is None:
                    # one output array filled in place: a small per-batch result kept alive
                    # above each batch's large temporaries would pin the heap and make
                    # memory grow with the number of batches
                    embedding = np.empty((n_series(X), part.shape[1]), dtype=np.float32)
                embedding[done : done + panel.n_series] = part
                done += panel.n_series
        return embedding

    def reconstruct(self, X):
        """Fill every unobserved (NaN) value of ``X`` with the network's reconstruction.

        The result has ``X``'s format (array shape and float dtype, DataFrame index and
        columns, list of series), and every observed value of ``X`` is returned
        unchanged (bit-identical); only NaNs are replaced.

        Parameters
        ----------
        X : array-like, DataFrame or list of series
            Series in any format accepted by ``fit``, with the same number of channels.

        Returns
        -------
        X_filled : same type as ``X``
            ``X`` without NaN.
        """
        check_is_fitted(self)
        self.net_.module_.eval()
        reconstructions = []
        with torch.no_grad():
            for panel, batch in self._batches(X):
                scaled = self._reconstruct_batch(batch)[..., : panel.n_timepoints].float().cpu().numpy()  # (n, C, T)
                reconstruction = scaled * self.channel_scale_[:, None] + self.channel_center_[:, None]
                reconstructions.append(reconstruction)
        return from_panel(np.concatenate(reconstructions), like=X)  # fills only X's NaNs

    def score(self, X, y=None):
        """Negative masked-reconstruction MSE of ``X`` (higher is better).

        The masks are drawn from a fixed seed, so the score of a fitted embedder on the
        same data is deterministic and comparable across candidates of a grid search.

        Parameters
        ----------
        X : array-like, DataFrame or list of series
            Series in any format accepted by ``fit``.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        module = self.net_.module_.eval()
        device = torch.device(self.net_.device)
        total, count = 0.0, 0
        with torch.no_grad(), torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(0)
            for panel, batch in self._batches(X):
                loss, _pred, _mask = module(**batch)
                total, count = total + float(loss) * panel.n_series, count + panel.n_series
        return -total / count

    def save_pretrained(self, path) -> None:
        """Save the fitted embedder to the folder ``path``: JSON config + safetensors weights.

        Neither file holds code, so loading one never executes anything (unlike pickle).

        Parameters
        ----------
        path : str or Path
            Folder to create (or overwrite files in).
        """
        check_is_fitted(self)
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        params = self.get_params(deep=False)
        params["memory"] = None  # a cache location is not part of the model
        if not isinstance(params["random_state"], (int, type(None))):
            params["random_state"] = None
        config = {
            "format": _FORMAT,
            "class": type(self).__name__,
            "params": params,
            "module_kwargs": self.net_.get_params_for("module"),
            "fitted": {
                name: _to_json(value)
                for name, value in vars(self).items()
                if name.endswith("_") and not name.startswith("_") and name != "net_"
            },
        }
        state = {name: tensor.detach().cpu().contiguous() for name, tensor in self.net_.module_.state_dict().items()}
        save_file(state, path / _WEIGHTS_FILE)
        (path / _CONFIG_FILE).write_text(json.dumps(config, indent=1, default=_to_json))

    @classmethod
    def from_pretrained(cls, path, **params):
        """Load an embedder saved by `save_pretrained`, weights mapped to ``device``.

        Parameters
        ----------
        path : str or Path
            Folder written by `save_pretrained`.
        **params
            Parameters to override, e.g. ``device="cpu"`` or a transform-only
            parameter such as ``layer``.

        Returns
        -------
        embedder : fitted estimator of class ``cls``

        Warns
        -----
        DeviceWarning
            The model was saved with a CUDA ``device``, CUDA is not available here and
            no ``device`` was passed: it is loaded with ``device="cpu"`` (as skorch
            does for a pickled net).
        """
        path = Path(path)
        config = json.loads((path / _CONFIG_FILE).read_text())
        if config.get("format") != _FORMAT or config.get("class") != cls.__name__:
            raise ValueError(
                f"{path} holds a {config.get('class')!r} saved as {config.get('format')!r}; "
                f"{cls.__name__}.from_pretrained needs a {cls.__name__!r} saved as {_FORMAT!r}"
            )
        saved_device = config["params"].get("device", "auto")
        if "device" not in params and resolve_device(saved_device).startswith("cuda") and not torch.cuda.is_available():
            warnings.warn(
                f"{path} was saved with device={saved_device!r}, but CUDA is not available; loading on device='cpu'",
                DeviceWarning,
            )
            params = {**params, "device": "cpu"}
        embedder = cls(**{**config["params"], **params})
        for name, value in config["fitted"].items():
            setattr(embedder, name, _from_json(value))
        state = load_file(path / _WEIGHTS_FILE, device="cpu")  # a CUDA-trained model loads on CPU
        embedder.net_ = embedder._build_net(config["module_kwargs"], state, [], embedder._train_kwargs())
        return embedder

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        # embeddings are float32 whatever the input dtype
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    # ---- helpers ------------------------------------------------------------------

    def _train_kwargs(self) -> dict:
        return {
            "max_epochs": self.max_epochs,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "weight_decay": self.weight_decay,
            "warmup_fraction": self.warmup_fraction,
            "gradient_clip": self.gradient_clip,
            "patience": self.patience,
            "validation_fraction": self.validation_fraction,
        }

    def _clear_fitted_state(self) -> None:
        for name in [name for name in vars(self) if name.endswith("_") and not name.startswith("_")]:
            delattr(self, name)

    def _validate_input(self, X, *, reset: bool) -> Panel:
        if _is_tabular(X):
            # 2-D input follows scikit-learn's tabular contract (one column per time
            # point): sklearn's own validation, so column count and names must match fit.
            X = validate_data(self, X, reset=reset, ensure_all_finite="allow-nan")
        return to_panel(X, n_channels=None if reset else self.n_channels_)

    def _scale(self, panel: Panel) -> Panel:
        if self.scaling is None:
            return panel
        values = (panel.values - self.channel_center_[:, None]) / self.channel_scale_[:, None]  # (n, C, T)
        return Panel(values.astype(np.float32, copy=False), panel.observed, panel.times, panel.lengths)

    def _batches(self, X):
        """Yield ``(panel, batch)`` per ``inference_batch_size`` series of ``X``.

        ``batch`` is the scaled, tokenised batch dict on the net's device. A 3-D numpy
        array (memory-mapped too) is validated chunk by chunk, so the memory used stays
        bounded by the batch size whatever the size of ``X``; other formats are
        validated whole, then sliced.
        """
        size = self.inference_batch_size
        if isinstance(X, np.ndarray) and X.ndim == 3:
            # max(.., 1): an array of 0 series still gets validated (and refused as empty)
            panels = (self._validate_chunk(X, start, size) for start in range(0, max(len(X), 1), size))
        else:
            whole = self._validate_input(X, reset=False)
            panels = (whole[start : start + size] for start in range(0, whole.n_series, size))
        for panel in panels:
            batch = self._tokenize(self._scale(panel))
            yield panel, {key: torch.as_tensor(value, device=self.net_.device) for key, value in batch.items()}

    def _validate_chunk(self, X: np.ndarray, start: int, size: int) -> Panel:
        try:
            return self._validate_input(X[start : start + size], reset=False)
        except (TypeError, ValueError) as exc:
            if len(X) <= size:
                raise
            # name the rows of X, not of the chunk
            raise type(exc)(f"in series {start}..{min(start + size, len(X)) - 1} of X: {exc}") from exc


def _to_json(value):
    """JSON form of a fitted attribute or parameter; arrays keep their dtype."""
    if isinstance(value, np.ndarray):
        return {"ndarray": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    return value


def _from_json(value):
    if isinstance(value, dict) and set(value) == {"ndarray", "dtype"}:
        return np.asarray(value["ndarray"], dtype=value["dtype"])
    return value


def _is_tabular(X) -> bool:
    """2-D array-like (numpy, sparse, flat DataFrame); lists are panels of series."""
    if isinstance(X, pd.DataFrame):
        return not isinstance(X.index, pd.MultiIndex)
    if isinstance(X, (list, tuple)):
        return False
    shape = X.shape if hasattr(X, "shape") else np.asarray(X).shape
    return len(shape) == 2


def _fit_scaling(panel: Panel, scaling: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel centre and scale over observed values (NaN-aware).

    ``"standard"``: mean and standard deviation. ``"minmax"``: maps each channel's
    training range to [-1, 1] (HiMAE's tanh head). A constant channel gets scale 1.
    """
    n_channels = panel.n_channels
    never_observed = ~panel.observed.any(axis=(0, 2))
    if never_observed.any():  # refused with any scaling: the network could learn nothing about it
        raise ValueError(
            f"channel(s) {np.flatnonzero(never_observed).tolist()} of X have no observed value in the "
            "whole training set; drop them or fill them before fitting"
        )
    if scaling is None:
        return np.zeros(n_channels, np.float32), np.ones(n_channels, np.float32)
    per_channel = np.moveaxis(panel.values, 1, 0).reshape(n_channels, -1)  # (C, n*T)
    if scaling == "standard":
        center, scale = np.nanmean(per_channel, axis=1), np.nanstd(per_channel, axis=1)
    else:
        low, high = np.nanmin(per_channel, axis=1), np.nanmax(per_channel, axis=1)
        center, scale = (high + low) / 2, (high - low) / 2
    scale = np.where(scale > 0, scale, 1.0)
    return center.astype(np.float32), scale.astype(np.float32)
