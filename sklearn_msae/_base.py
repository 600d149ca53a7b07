"""`BaseMAEEmbedder`: what the three embedders share (fit, transform, score, caching, tags)."""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import warnings
from numbers import Integral, Real
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context, clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_parameter_constraints
from sklearn.utils.validation import check_is_fitted, check_memory, validate_data
from safetensors import SafetensorError
from safetensors.torch import load_file
from safetensors.torch import save as save_weights
from skorch.exceptions import DeviceWarning
from skorch.history import History
from tqdm.auto import tqdm

from ._atomic import staged
from ._onnx import export_onnx
from ._panel import Panel, check_no_strings, from_panel, n_series, series_ends, shrink, stretch, to_panel
from ._pretrained import checkpoint_folder, is_shipped
from ._streaming import (
    ArraySource, ChannelMoments, ChunkSource, StreamedBatches, as_source, rows_per_chunk, to_tensors,
)  # fmt: skip
from ._training import (
    check_device, follow_device, forked_rng, inference_module, initialized, make_pretrainer, pretrain, resolve_device,
)  # fmt: skip
from .nn.channels import ChannelIndependent

_CONFIG_FILE, _WEIGHTS_FILE, _FORMAT = "config.json", "model.safetensors", "sklearn-msae/1"
#: Parameters added after ``_FORMAT`` was fixed, with the value every model saved without them was trained
#: with: a config that lacks one reads as that value, in its params (and in its network's kwargs for those
#: the network takes, `_ADDED_MODULE_KWARGS`).
_ADDED_PARAMS = {"value_dropout": 0.0, "stretch_to": None, "include_decoder": False}
_ADDED_MODULE_KWARGS = ("value_dropout",)

# Parameters that change neither the learned weights nor the pretraining cache key.
_NOT_LEARNED = (
    "layer", "pooling", "include_decoder", "channel_pooling", "inference_batch_size", "device", "memory", "verbose",
    "checkpoint_dir", "checkpoint_every",
)  # fmt: skip
# Parameters the inference methods read that `set_params` may change after ``fit``, which validated them
# (all but ``stretch_to`` are read by the inference methods only), so every method that uses them validates
# them again (`_check_transform_params`).
_TRANSFORM_PARAMS = (
    "layer", "pooling", "include_decoder", "channel_pooling", "inference_batch_size", "device", "stretch_to"
)
# Parameters that shape training but not the network: a ``pretrained`` network may differ in them.
_TRAINING_ONLY = (
    "scaling", "stretch_to", "random_state", "streaming", "accelerate", "pretrained", "pretrained_scaling",
    "continue_pretraining",
)  # fmt: skip
# Fitted attributes that describe the data of ``fit``, not the network.
_DATA_LAYOUT = ("n_channels_", "n_timepoints_", "n_features_in_", "feature_names_in_")


class EmbeddingOverflowError(ValueError):
    """The embedding of a series with observed values (or, in ``score``, its reconstruction) is
    inf or NaN (data far beyond the fitted scale, or a diverged network:
    `BaseMAEEmbedder._check_converged` tells them apart)."""


class IntNotBool(Interval):
    """The constraint "an int, not a bool" (a `layer`): ``True`` is an `Integral`, but never means layer 1.

    A subclass of `Interval` because sklearn's `make_constraint` accepts only its own
    constraint classes.
    """

    def __init__(self):
        super().__init__(Integral, None, None, closed="neither")

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)

    def __str__(self):
        return "an int (not a bool)"


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
    #: Fitted attributes of this method beyond the shared ones (`from_pretrained` checks them).
    _own_fitted: tuple[str, ...] = ()

    _parameter_constraints: dict = {
        "scaling": [StrOptions({"standard", "minmax"}), None],
        "stretch_to": [Interval(Integral, 2, None, closed="left"), None],
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
        "streaming": ["boolean", StrOptions({"auto"})],
        "max_steps": [Interval(Integral, 1, None, closed="left"), None],
        "checkpoint_dir": [None, str, os.PathLike],
        "checkpoint_every": [Interval(Integral, 1, None, closed="left")],
        "accelerate": ["boolean", dict],
        "pretrained": [None, str, os.PathLike, HasMethods(["save_pretrained"])],
        "pretrained_scaling": [StrOptions({"auto", "keep", "refit"})],
        "continue_pretraining": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    #: Where the defaults depart from the method's paper, the paper's values (the class
    #: docstring says why, with the cross-validated numbers); `paper` applies them.
    paper_params: ClassVar[dict] = {}

    @classmethod
    def paper(cls, **params):
        """The embedder configured as in its paper; ``params`` set (or override) the rest.

        The defaults were chosen by cross-validation on training splits and may depart
        from the paper (``paper_params`` lists where); this keeps the published
        configuration one call away, e.g. for a fidelity check.

        Parameters
        ----------
        **params : dict
            Any constructor parameters; they take precedence over ``paper_params``.

        Returns
        -------
        embedder : BaseMAEEmbedder
            An unfitted embedder of this class.

        Examples
        --------
        >>> from sklearn_msae import HiMAEEmbedder
        >>> HiMAEEmbedder.paper_params
        {'layer': -1, 'include_decoder': False, 'gap_fill': 'zero', 'size': 'base', 'stretch_to': None}
        >>> embedder = HiMAEEmbedder.paper(max_epochs=5)
        >>> embedder.layer, embedder.gap_fill, embedder.max_epochs
        (-1, 'zero', 5)
        """
        return cls(**{**cls.paper_params, **params})

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

    @classmethod
    def _check_own_fitted(cls, values: dict, where: str) -> None:
        """Validate the values of ``_own_fitted`` read from a saved config (``ValueError`` naming the field)."""

    def _check_network_params(self) -> None:
        """Validate transform-only parameters against the network (e.g. ``layer`` within its depth)."""

    def _reconstruct_batch(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """The network's reconstruction (n, C, T_tok), scaled units, T_tok >= the panel's length."""
        return self.net_.module_.reconstruct(**batch)

    # ---- channel independence (HiMAE and AIM: ``channel_mode``, ``channel_pooling``) ---------

    @property
    def _channel_independent(self) -> bool:
        # RoMAE has no channel_mode: its value tokens carry the channel as a rotary position already
        return getattr(self, "channel_mode", "joint") == "independent"

    def _method_kwargs(self, panel: Panel) -> dict:
        """``_module_kwargs`` of the method's network: one input channel when channels are independent."""
        kwargs = self._module_kwargs(panel)
        return {**kwargs, "in_channels": 1} if self._channel_independent else kwargs

    def _network(self, module_kwargs: dict) -> tuple[type[torch.nn.Module], dict]:
        """The class and arguments of the trained module for the method network's ``module_kwargs``."""
        if self._channel_independent:
            return ChannelIndependent, {"network": self._module, "network_kwargs": module_kwargs}
        return self._module, module_kwargs

    def _network_embed_kwargs(self) -> dict:
        """Keyword arguments of the trained module's ``embed`` besides the batch."""
        channel = {"channel_pooling": self.channel_pooling} if self._channel_independent else {}
        return {**self._embed_kwargs(), **channel}

    def _channel_width(self) -> int:
        """How many times the embedding of one channel the output holds (1 for a joint network)."""
        if not self._channel_independent:
            return 1
        return {"mean": 1, "meanmax": 2, "concat": self.n_channels_}[self.channel_pooling]

    def _method_network(self) -> torch.nn.Module:
        """The fitted network of the method (inside `ChannelIndependent` when channels are independent)."""
        module = self.net_.module_
        return module.network if isinstance(module, ChannelIndependent) else module

    #: The `TransformGraph` subclass of `onnx_graph`: ``_tokenize`` in torch, for export.
    _onnx_graph: type[TransformGraph]

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

        Examples
        --------
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import HiMAEEmbedder
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=2, random_state=0).fit(X)
        >>> embedder.n_channels_, embedder.n_timepoints_  # 100 steps, stretched to 128 (stretch_to)
        (6, 128)
        >>> len(embedder.net_.history)  # one entry per epoch
        2
        """
        fit_all_or_nothing(self, self._fit, X)
        return self

    def _fit(self, X) -> None:
        # a streamed X is validated chunk by chunk; its first chunk sets what `fit` learns
        # from the layout of X (number of features, RoMAE's token kind and time unit)
        source = as_source(X, self.streaming)
        if source is None and self.checkpoint_dir is not None:
            raise ValueError(
                "checkpoint_dir applies to streamed pretraining; set streaming=True (X a numpy or "
                "memory-mapped array) or pass a SeriesStore"
            )
        panel = self._validate_input(X if source is None else source[: self._rows_per_chunk(source)], reset=True)
        self.n_channels_ = panel.n_channels
        self.n_timepoints_ = panel.n_timepoints
        initial_state = None
        if self.pretrained is not None:
            self._fit_pretrained(panel, source)
            if not self.continue_pretraining:
                return
            # domain adaptation: the pretrained network goes on learning from X, scaled as _fit_pretrained chose
            initial_state = {name: tensor.detach().cpu().clone() for name, tensor in self.net_.module_.state_dict().items()}
        n_series_x = panel.n_series if source is None else len(source)
        if self.validation_fraction and math.ceil(self.validation_fraction * n_series_x) >= n_series_x:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} holds out all {n_series_x} series of X, "
                "leaving none to train on; lower it or fit on more series"
            )
        if initial_state is None:
            module_kwargs, train_kwargs = self._prepare_pretraining(panel, source)
        else:
            module_kwargs, train_kwargs = _network_kwargs_of(self.net_), self._train_kwargs()
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        not_hashed = ["device", "verbose", "checkpoint_dir", "checkpoint_every"]
        if source is None:
            batch, data_key = self._encode(panel), None
        else:
            batch = StreamedBatches(
                source, self._training_batch, batch_size=self.batch_size, rows_per_chunk=self._rows_per_chunk(source),
                seed=seed, max_steps=self.max_steps,
            )  # fmt: skip
            # the cache keys a stream on what identifies its data (files, sizes, times),
            # never on 2 GB of values, plus the parameters that tokenise it
            data_key = [source.fingerprint(), _learned_params(self)]
            not_hashed.append("batch")
        if self.memory is not None and self.random_state is None:
            # the seed is part of the cache key: a fresh random seed per fit writes an entry no fit can hit
            warnings.warn(
                f"memory={self.memory!r} caches nothing reusable with random_state=None: every fit draws a new "
                "seed, so each writes a new cache entry that no later fit hits; set random_state to an int",
                UserWarning,
                stacklevel=3,
            )
        cached_pretrain = check_memory(self.memory).cache(pretrain, ignore=not_hashed)
        state, history = cached_pretrain(
            *self._network(module_kwargs), batch, train_kwargs, seed, device=self.device, verbose=self.verbose,
            data_key=data_key, accelerate=self.accelerate, checkpoint_dir=self.checkpoint_dir,
            checkpoint_every=self.checkpoint_every, initial_state=initial_state,
        )  # fmt: skip
        self.net_ = self._build_net(module_kwargs, state, history, train_kwargs)
        self._check_converged(panel)

    def _check_converged(self, panel: Panel) -> None:
        """Refuse a network that embeds its own training series as inf or NaN (``lr`` far too high).

        One batch of the training series, embedded: a diverged network is named at
        ``fit``, with its likely cause, instead of at every later ``transform``.
        """
        sample = panel[: min(panel.n_series, self.batch_size)]
        try:
            embeddings(self, sample.values, batches=encoded_batches(self, sample, self._encode(sample)))
        except EmbeddingOverflowError as error:
            raise ValueError(
                "training diverged: the network embeds its own training series as inf or NaN; "
                f"lower lr (now {self.lr!r})"
            ) from error

    def _prepare_pretraining(self, panel: Panel, source: ChunkSource | None) -> tuple[dict, dict]:
        """Learn the scaling, check the transform parameters; the network's and the training's arguments."""
        self.channel_center_, self.channel_scale_ = self._learn_scaling(panel, source)
        self._check_transform_params()
        return self._method_kwargs(panel), self._train_kwargs()

    def _fit_pretrained(self, panel: Panel, source: ChunkSource | None) -> None:
        """Take the network and fitted attributes of ``pretrained``; learn only the scaling when asked."""
        pretrained = self._pretrained_embedder()
        other_channels = pretrained.n_channels_ != self.n_channels_
        if other_channels and not self._channel_independent:
            raise ValueError(
                f"X has {self.n_channels_} channels, but the pretrained embedder was fitted with "
                f"{pretrained.n_channels_} channels (a channel_mode='independent' network embeds any channel count)"
            )
        differing = _differences(_network_params(self), _network_params(pretrained))
        if differing:
            raise ValueError(
                f"pretrained: the pretrained network was built with other parameters: {', '.join(differing)}; "
                f"start from its parameters, e.g. {type(self).__name__}.from_pretrained(path).set_params(pretrained=path)"
            )
        # a shipped checkpoint was pretrained on other data: its scaling is not that of X
        learn_scaling = other_channels or is_shipped(self.pretrained)
        refit = self.pretrained_scaling == "refit" or (self.pretrained_scaling == "auto" and learn_scaling)
        if other_channels and not refit:
            raise ValueError(
                f"pretrained_scaling='keep' scales X by the pretrained embedder's {pretrained.n_channels_} channel(s), "
                f"but X has {self.n_channels_}; use pretrained_scaling='refit' or 'auto'"
            )
        for name, value in vars(pretrained).items():
            if (
                name.endswith("_") and not name.startswith("_") and name != "net_" and name not in _DATA_LAYOUT
                and not (refit and name in ("channel_center_", "channel_scale_"))
            ):  # fmt: skip
                setattr(self, name, copy.deepcopy(value))
        if refit:
            self.channel_center_, self.channel_scale_ = self._learn_scaling(panel, source)
        # what the parameters leave to the data (HiMAE's size="auto") reads X, not the pretraining's
        module_kwargs = _network_kwargs_of(pretrained.net_)
        differing = _differences(_json_values(self._method_kwargs(panel)), _json_values(module_kwargs))
        if differing:
            raise ValueError(
                f"pretrained: X asks for another network than the pretrained one: {', '.join(differing)}; "
                "set the parameters the data decided (e.g. size or channels) to the pretrained network's"
            )
        self._check_transform_params()
        state = {name: tensor.detach().cpu().clone() for name, tensor in pretrained.net_.module_.state_dict().items()}
        self.net_ = self._build_net(module_kwargs, state, pretrained.net_.history.to_list(), self._train_kwargs())

    def _pretrained_embedder(self) -> BaseMAEEmbedder:
        """``pretrained`` as a fitted embedder of this class (loaded when it is a folder)."""
        pretrained = self.pretrained
        if isinstance(pretrained, (str, os.PathLike)):
            return type(self).from_pretrained(pretrained, device=self.device)
        if isinstance(pretrained, FrozenEstimator):
            pretrained = pretrained.estimator
        if type(pretrained) is not type(self):
            raise ValueError(
                f"pretrained must be a fitted {type(self).__name__} or the folder of one; got {type(pretrained).__name__}"
            )
        if not hasattr(pretrained, "net_"):
            raise ValueError(
                f"pretrained={type(pretrained).__name__}(...) is not fitted. clone() (GridSearchCV, cross_validate) "
                "makes unfitted copies of estimator parameters: pass the folder written by save_pretrained, or wrap "
                "the fitted embedder in sklearn.frozen.FrozenEstimator"
            )
        return pretrained

    def _learn_scaling(self, panel: Panel, source: ChunkSource | None) -> tuple[np.ndarray, np.ndarray]:
        """Channel scaling in one pass of `ChannelMoments` (float64): the in-memory ``panel`` is one chunk,
        a streamed ``source`` is read chunk by chunk (as `StandardScaler.fit` is one `partial_fit`)."""
        moments = ChannelMoments(panel.n_channels)
        chunks = [panel] if source is None else (
            self._validate_chunk(source, start, size)
            for size in [self._rows_per_chunk(source)] for start in range(0, len(source), size)
        )
        for chunk in chunks:
            moments.update(chunk.values)
        _check_observed(moments.count > 0)
        if self.scaling is None:
            return _no_scaling(panel.n_channels)
        return _finished_scaling(*moments.center_scale(self.scaling))

    def _rows_per_chunk(self, source: ChunkSource) -> int:
        return rows_per_chunk(source, self.batch_size)

    def _training_batch(self, rows: np.ndarray) -> dict[str, torch.Tensor]:
        """The tokenised batch (CPU tensors) of series ``rows`` of a stream."""
        return to_tensors(encode(self, rows)[1])

    def _build_net(self, module_kwargs: dict, state: dict, history: list, train_kwargs: dict):
        """A skorch net holding the network ``module_kwargs`` (`_method_kwargs`) with weights ``state``, in eval mode.

        Training is over, so the schedule's sample count, step cap and seed are placeholders
        (a cap would count one series' epochs), and the net has no optimiser
        (`MaskedPretrainer.initialize_optimizer`).
        """
        net = initialized(make_pretrainer(
            *self._network(module_kwargs), n_samples=1, device=self.device, verbose=0, seed=0, trainable=False,
            **{**train_kwargs, "max_steps": None},
        ))  # fmt: skip
        _check_state(net.module_.state_dict(), state, f"{self._module.__name__}({module_kwargs})")
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
            One row per series, in the order of ``X``.

        Examples
        --------
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import HiMAEEmbedder
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0).fit(X)
        >>> embedder.transform(X[:5]).shape
        (5, 176)
        >>> embedder.get_feature_names_out()[:2].tolist()
        ['himaeembedder0', 'himaeembedder1']
        """
        check_is_fitted(self)
        return embeddings(self, X)

    def reconstruct(self, X):
        """Fill every unobserved (NaN) value of ``X`` with the network's reconstruction.

        The result has ``X``'s format (array shape and float dtype, DataFrame index and
        columns, list of series), and every observed value of ``X`` is returned
        unchanged (bit-identical); only NaNs are replaced. A series shorter than
        ``stretch_to`` is reconstructed stretched, as the network sees it, and the
        reconstruction is resampled linearly back onto the series' own steps.

        Parameters
        ----------
        X : array-like, DataFrame or list of series
            Series in any format accepted by ``fit``, with the same number of channels.

        Returns
        -------
        X_filled : same type as ``X``
            ``X`` without NaN.

        Examples
        --------
        >>> import numpy as np
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import HiMAEEmbedder
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0).fit(X)
        >>> X_gappy = X.copy()
        >>> X_gappy[:, :, 40:60] = np.nan  # a gap of 20 time steps in every series
        >>> X_filled = embedder.reconstruct(X_gappy)
        >>> bool(np.isnan(X_filled).any()), bool(np.array_equal(X_filled[:, :, :40], X[:, :, :40]))
        (False, True)
        """

        def reconstruction(module, batch, panel, rows):
            scaled = self._reconstruct_batch(batch)[..., : panel.n_timepoints].float().cpu().numpy()  # (n, C, T)
            with np.errstate(over="ignore"):
                values = scaled * self.channel_scale_[:, None] + self.channel_center_[:, None]
            # X holds values within float32 (larger ones are refused): a reconstruction of data near that
            # limit may overflow it in float32, and filling inf is never right; the limit is the nearest value
            finite = np.finfo(np.float32).max
            return np.clip(values, -finite, finite)

        values = predict_rows(self, X, reconstruction)  # (n, C, T) on the stretched grid; X is valid from here
        if self.stretch_to is not None:
            unstretched = to_panel(X, n_channels=self.n_channels_)  # the steps X's series span
            values = shrink(values, series_ends(unstretched), self.stretch_to, unstretched.n_timepoints)
        return from_panel(values, like=X)  # fills only X's NaNs

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
            Minus the mean squared error, in scaled units, of the values hidden by
            the pretraining masks.

        Examples
        --------
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import HiMAEEmbedder
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0).fit(X)
        >>> score = embedder.score(X)
        >>> score < 0, score == embedder.score(X)  # the same masks at every call
        (True, True)
        """
        def batch_loss(module, batch, panel, rows):
            loss = float(module(**batch)[0])
            if not math.isfinite(loss):  # the network overflowed, as `transform` reports for the embedding
                raise EmbeddingOverflowError(
                    f"X: the reconstruction of series {rows.start}..{rows.stop - 1} overflows float32: their values "
                    "are far beyond the channel scale the embedder was fitted on; scale X as the training data was"
                )
            return loss

        losses = inference_outputs(self, X, batch_loss)
        total, count = 0.0, 0
        with forked_rng(self.net_.device):
            torch.manual_seed(0)
            for rows, loss in losses:
                n_rows = rows.stop - rows.start
                total, count = total + loss * n_rows, count + n_rows
        return -total / count

    def save_pretrained(self, path) -> None:
        """Save the fitted embedder to the folder ``path``: JSON config + safetensors weights.

        Neither file holds code, so loading one never executes anything (unlike pickle).
        Both files are written beside the old ones and renamed over them only once both
        are complete, so a save stopped by a full disk or a killed process leaves the
        previous save readable; the config holds the SHA-256 of its weights, and
        `from_pretrained` refuses weights from another save.

        Parameters
        ----------
        path : str or Path
            Folder to create (or overwrite files in).

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import HiMAEEmbedder
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0).fit(X)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     embedder.save_pretrained(folder)
        ...     sorted(file.name for file in Path(folder).iterdir())
        ['config.json', 'model.safetensors']
        """
        check_is_fitted(self)
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        params = self.get_params(deep=False)
        # neither a cache or checkpoint location nor where the weights came from is part of the model
        params.update(memory=None, checkpoint_dir=None, pretrained=None)
        if not isinstance(params["random_state"], (int, type(None))):
            params["random_state"] = None
        config = {
            "format": _FORMAT,
            "class": type(self).__name__,
            "params": params,
            "module_kwargs": _network_kwargs_of(self.net_),
            "fitted": {
                name: _to_json(value)
                for name, value in vars(self).items()
                if name.endswith("_") and not name.startswith("_") and name != "net_"
            },
        }
        state = {name: tensor.detach().cpu().contiguous() for name, tensor in self.net_.module_.state_dict().items()}
        weights = save_weights(state)
        # the config names its weights, so that from_pretrained refuses the weights of another save
        # (a save stopped between the renames of the two files) instead of loading a mix
        config["weights_sha256"] = hashlib.sha256(weights).hexdigest()
        # both files are written in full beside the old ones before either replaces its old
        # version: a full disk or a killed process leaves the previous save (or nothing) readable
        with staged(path / _CONFIG_FILE) as config_file, staged(path / _WEIGHTS_FILE) as weights_file:
            config_file.write(json.dumps(config, indent=1, default=_to_json).encode())
            weights_file.write(weights)

    @classmethod
    def from_pretrained(cls, path, **params):
        """Load an embedder saved by `save_pretrained`, weights mapped to ``device``.

        Parameters
        ----------
        path : str or Path
            Folder written by `save_pretrained`, or the name of a checkpoint shipped
            with the package (`sklearn_msae.list_pretrained`). A checkpoint loaded by
            name keeps it as ``pretrained``, so a ``fit`` (of a clone too) loads it again
            and learns only the scaling of its ``X``.
        **params
            Parameters to override, e.g. ``device="cpu"`` or a transform-only
            parameter such as ``layer``.

        Returns
        -------
        embedder : fitted estimator of class ``cls``

        Raises
        ------
        ValueError
            A file of the folder that does not hold what `save_pretrained` writes, each
            error naming the field: ``config.json`` not JSON or of another class or
            format; an unknown or invalid parameter; ``module_kwargs`` other than those
            the parameters give; an unknown or missing fitted attribute, or one of the
            wrong type, length or range (``channel_scale_`` not positive...); weights
            that are not a readable safetensors file or do not fit the network.

        Warns
        -----
        DeviceWarning
            The model was saved with a CUDA ``device``, CUDA is not available here and
            no ``device`` was passed: it is loaded with ``device="cpu"`` (as skorch
            does for a pickled net).

        Examples
        --------
        >>> import tempfile
        >>> import numpy as np
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import HiMAEEmbedder
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0, device="cpu").fit(X)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     embedder.save_pretrained(folder)
        ...     loaded = HiMAEEmbedder.from_pretrained(folder)
        ...     finest = HiMAEEmbedder.from_pretrained(folder, layer=1)  # a transform-only override
        >>> bool(np.array_equal(loaded.transform(X), embedder.transform(X)))
        True
        >>> finest.transform(X).shape  # level 1: the encoder's 8 channels and the decoder's
        (40, 16)
        """
        shipped, path = is_shipped(path), checkpoint_folder(path)
        config = _read_config(cls, path)
        saved_device = config["params"].get("device", "auto")
        saved_cuda = isinstance(saved_device, str) and resolve_device(saved_device).startswith("cuda")
        if "device" not in params and saved_cuda and not torch.cuda.is_available():  # a bad device is named below
            warnings.warn(
                f"{path} was saved with device={saved_device!r}, but CUDA is not available; loading on device='cpu'",
                DeviceWarning,
            )
            params = {**params, "device": "cpu"}
        # the saved embedder alone first: its module_kwargs must be those its own parameters give
        saved = _fitted_from_config(cls, config["params"], config["fitted"], path)
        module_kwargs = json.loads(json.dumps(saved._method_kwargs(_layout_panel(saved.n_channels_)), default=_to_json))
        if config["module_kwargs"] != module_kwargs:
            raise ValueError(
                f"{path / _CONFIG_FILE}: module_kwargs {config['module_kwargs']} are not those of its params and "
                f"fitted attributes, {module_kwargs}"
            )
        embedder = _fitted_from_config(cls, {**config["params"], **params}, config["fitted"], path)
        # (a folder saved before the config named its weights has no hash to check)
        if "weights_sha256" in config and _sha256(path / _WEIGHTS_FILE) != config["weights_sha256"]:
            raise ValueError(
                f"{path / _WEIGHTS_FILE} is not the weights file that {path / _CONFIG_FILE} was saved with "
                "(a save_pretrained into this folder was stopped between its two files, or one was replaced); "
                "save the model again"
            )
        try:
            state = load_file(path / _WEIGHTS_FILE, device="cpu")  # a CUDA-trained model loads on CPU
        except SafetensorError as exc:
            raise ValueError(f"{path / _WEIGHTS_FILE} is not a readable safetensors file (truncated?): {exc}") from exc
        embedder.net_ = embedder._build_net(config["module_kwargs"], state, [], embedder._train_kwargs())
        if shipped and "pretrained" not in params:  # a clone (cross-validation) then loads the checkpoint again and learns X's scaling
            embedder.pretrained = path.name
        return embedder

    def to_onnx(self, path):
        """Export ``transform`` for the current ``layer`` and ``pooling`` to an ONNX file.

        The graph takes raw series and returns exactly what `transform` returns for
        them: the per-channel scaling learned in ``fit``, NaN as unobserved and the
        tokenisation are inside it, so serving needs ONNX Runtime and no Python
        package of this library. Its inputs (float32, the series axis dynamic):

        - ``"X"`` of shape ``(n_series, n_channels_, n_timepoints_)``, NaN = unobserved,
          for HiMAE and AIM. A series with no observed value at all, which AIM's
          `transform` refuses, gives NaN (``pooling="mean"``) or zero
          (``pooling="channel"``) features.
        - ``"X"`` of shape ``(n_series, n_channels_, n_timepoints)`` of any length and
          ``"times"`` (float64, shape (n_series, n_timepoints)) for RoMAE: the time
          stamp of every step in the time units of ``fit``'s input (``0 .. T-1`` for
          numpy input; seconds for datetime indices), NaN past a series' end.
          `to_panel` gives both, as ``panel.values`` and ``panel.times``.

        The output ``"embedding"`` has shape (n_series, n_features_out), float32.
        A change of ``layer`` or ``pooling`` needs a new export.

        Parameters
        ----------
        path : str or os.PathLike
            The ``.onnx`` file to write (one self-contained file).

        Returns
        -------
        path : pathlib.Path
            The file written.

        Raises
        ------
        ImportError
            If ``onnx`` or ``onnxscript`` is missing: ``pip install "sklearn-msae[onnx]"``.

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> import numpy as np
        >>> import onnxruntime
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import HiMAEEmbedder
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> X = X.astype(np.float32)
        >>> # the graph embeds X on its own steps: no stretching to 128 (HiMAE's default stretch_to)
        >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0, stretch_to=None).fit(X)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = embedder.to_onnx(Path(folder) / "himae.onnx")
        ...     session = onnxruntime.InferenceSession(path)
        ...     features = session.run(None, {"X": X[:5]})[0]
        >>> features.shape
        (5, 176)
        >>> bool(np.allclose(features, embedder.transform(X[:5]), atol=1e-4))
        True
        """
        return export_onnx(self, path)

    def onnx_graph(self) -> torch.nn.Module:
        """The torch module that `to_onnx` exports: raw series in, ``transform``'s features out.

        It holds a CPU copy of the fitted network and computes, with torch operations
        whose sizes do not depend on the data (a static graph needs that), what
        ``transform`` computes for a numpy panel: the channel scaling, NaN as
        unobserved, this method's tokenisation and the network's ``embed`` for the
        current ``layer`` and ``pooling``. Its ``example_inputs()`` gives the export's
        example inputs and dynamic shapes.

        Returns
        -------
        graph : torch.nn.Module
            The module, in eval mode.

        Examples
        --------
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import AIMEmbedder
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> graph = AIMEmbedder(size="tiny", max_epochs=1, random_state=0).fit(X).onnx_graph()
        >>> example, dynamic_shapes = graph.example_inputs()
        >>> graph(**example).shape  # two series of the fitted length
        torch.Size([2, 192])
        """
        check_is_fitted(self)
        self._check_transform_params()
        if self.stretch_to is not None:
            raise ValueError(
                "onnx_graph (to_onnx) needs stretch_to=None (the exported graph embeds X on its own time steps, "
                f"which stretch_to={self.stretch_to} resamples); call set_params(stretch_to=None) first"
            )
        return self._onnx_graph(self).eval()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        # embeddings are float32 whatever the input dtype
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    # ---- helpers ------------------------------------------------------------------

    def _check_transform_params(self) -> None:
        """Validate the transform-only parameters (`_TRANSFORM_PARAMS`), then against the network.

        ``fit`` validates every parameter, but `set_params` after it or `from_pretrained`'s
        overrides do not: without this, ``inference_batch_size=-1`` made ``transform``
        return None and an unknown ``pooling`` fell back to another one silently.
        """
        names = [name for name in _TRANSFORM_PARAMS if name in self._parameter_constraints]
        validate_parameter_constraints(
            {name: self._parameter_constraints[name] for name in names},
            {name: getattr(self, name) for name in names},
            caller_name=type(self).__name__,
        )
        check_device(self.device)
        self._check_network_params()

    def __setstate__(self, state):
        super().__setstate__(state)
        # skorch loads the net of a CUDA-trained pickle on the CPU when CUDA is missing (with a DeviceWarning);
        # ``device`` follows it, as in `from_pretrained`, or every inference method would refuse it
        if "net_" in vars(self):
            try:
                check_device(self.device)
            except ValueError:
                self.device = str(self.net_.device)

    def get_feature_names_out(self, input_features=None):
        """Output feature names: the lowercased class name and a number, one per feature.

        Parameters
        ----------
        input_features : None
            Ignored; present for API consistency.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``<classname>0``, ``<classname>1``, ... (their number follows ``layer`` and ``pooling``).

        Examples
        --------
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import HiMAEEmbedder
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> embedder = HiMAEEmbedder(size="tiny", max_epochs=1, random_state=0).fit(X)
        >>> embedder.set_params(layer=1).get_feature_names_out()[:2].tolist()
        ['himaeembedder0', 'himaeembedder1']
        """
        check_is_fitted(self)
        self._check_transform_params()  # the count depends on ``layer`` and ``pooling``
        return super().get_feature_names_out(input_features)

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
            "max_steps": self.max_steps,
        }

    def _validate_input(self, X, *, reset: bool) -> Panel:
        if _is_tabular(X):
            # 2-D input follows scikit-learn's tabular contract (one column per time
            # point): sklearn's own validation, so column count and names must match fit.
            check_no_strings(X)  # which would read an object "1.5" as a number
            X = validate_data(self, X, reset=reset, ensure_all_finite="allow-nan")
        panel = to_panel(X, n_channels=None if reset else self.n_channels_)
        return panel if self.stretch_to is None else stretch(panel, self.stretch_to)

    def _scale(self, panel: Panel) -> Panel:
        if self.scaling is None:
            return panel
        values = (panel.values - self.channel_center_[:, None]) / self.channel_scale_[:, None]  # (n, C, T)
        return Panel(values.astype(np.float32, copy=False), panel.observed, panel.times, panel.lengths)

    def _encode(self, panel: Panel) -> dict[str, np.ndarray]:
        """The network's batch dict of a validated ``panel``: scaled, then tokenised."""
        return self._tokenize(self._scale(panel))

    def _on_device(self, batch: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
        return {key: torch.as_tensor(value, device=self.net_.device) for key, value in batch.items()}

    def _batches(self, X):
        """Yield ``(panel, batch)`` per ``inference_batch_size`` series of ``X``.

        ``batch`` is the scaled, tokenised batch dict on the net's device. A 3-D numpy
        array (memory-mapped too) is validated chunk by chunk, so the memory used stays
        bounded by the batch size whatever the size of ``X``; other formats are
        validated whole, then sliced.
        """
        size = self.inference_batch_size
        if isinstance(X, np.memmap):  # read through copies that give the mapped pages back
            X = ArraySource(X)
        if isinstance(X, np.ndarray) and X.ndim == 3 or isinstance(X, ChunkSource) and X.ndim == 3:
            # max(.., 1): an array of 0 series still gets validated (and refused as empty)
            panels = (self._validate_chunk(X, start, size) for start in range(0, max(len(X), 1), size))
        else:
            whole = self._validate_input(X, reset=False)
            panels = (whole[start : start + size] for start in range(0, whole.n_series, size))
        # inference on a large X takes minutes: one progress step per batch when verbose
        n_batches = math.ceil(n_series(X) / size)
        panels = tqdm(panels, total=n_batches, desc=type(self).__name__, unit="batch", disable=not self.verbose)
        for panel in panels:
            yield panel, self._on_device(self._encode(panel))

    def _validate_chunk(self, X: np.ndarray, start: int, size: int) -> Panel:
        try:
            return self._validate_input(X[start : start + size], reset=False)
        except (TypeError, ValueError) as exc:
            if len(X) <= size:
                raise
            # name the rows of X, not of the chunk
            raise type(exc)(f"in series {start}..{min(start + size, len(X)) - 1} of X: {exc}") from exc


# ---- the package-internal interface of the embedders ---------------------------------------
# What the fine-tuners, the exporter and the tests need of a fitted embedder, as functions of
# the embedder's own module: nothing outside it calls the embedder's private steps.


def encode(embedder: BaseMAEEmbedder, X) -> tuple[Panel, dict[str, np.ndarray]]:
    """The validated panel of ``X`` and the network's batch dict of it (scaled, tokenised), as in ``transform``."""
    panel = embedder._validate_input(X, reset=False)
    return panel, embedder._encode(panel)


def pretraining_problem(embedder: BaseMAEEmbedder, X) -> tuple[type, dict, dict[str, np.ndarray], dict]:
    """What ``embedder.fit(X)`` hands to `pretrain` for an in-memory ``X`` (the scaling is learnt on the way).

    The network class, its constructor arguments, the batch dict and the training
    arguments (``benchmarks/speed.py`` times `pretrain` against a bare loop on them).
    """
    panel = embedder._validate_input(X, reset=True)
    module_kwargs, train_kwargs = embedder._prepare_pretraining(panel, None)
    return *embedder._network(module_kwargs), embedder._encode(panel), train_kwargs


def embed_kwargs(embedder: BaseMAEEmbedder) -> dict:
    """Keyword arguments of the network's ``embed`` for the current transform parameters, validated."""
    embedder._check_transform_params()
    return embedder._network_embed_kwargs()


def encoded_batches(embedder: BaseMAEEmbedder, panel: Panel, batch: dict[str, np.ndarray], *, verbose: int = 0):
    """Yield ``(panel, batch)`` per ``inference_batch_size`` series of an `encode` result, on the net's device.

    The batches of `inference_outputs` for data already encoded whole (a progress bar
    if ``verbose``).
    """
    size = embedder.inference_batch_size
    starts = tqdm(range(0, panel.n_series, size), desc="pretrained embeddings", unit="batch", disable=not verbose)
    for start in starts:
        rows = slice(start, start + size)
        yield panel[rows], embedder._on_device({key: value[rows] for key, value in batch.items()})


def inference_outputs(embedder: BaseMAEEmbedder, X, step, *, module=None, batches=None):
    """The inference loop of every prediction: ``step`` on each batch of ``X``, without gradients.

    Checks that ``embedder`` is fitted (now, not at the first batch), switches
    ``module`` (default: the embedder's network) to eval mode and returns an iterator
    of ``(rows, step(module, batch, panel, rows))``, one per batch of
    ``inference_batch_size`` series (``rows`` the slice of ``X``'s series), computed
    under ``torch.no_grad``. ``batches`` replaces the batches of ``X`` (see
    `encoded_batches`).
    """
    check_is_fitted(embedder)
    embedder._check_transform_params()  # now, not at the first batch (`_batches` is a generator)
    follow_device(embedder.net_, embedder.device)  # a device set after fit
    module = inference_module(embedder.net_) if module is None else module
    return _outputs(module, embedder._batches(X) if batches is None else batches, step)


def _outputs(module, batches, step):
    start = 0
    for panel, batch in batches:
        rows = slice(start, start + panel.n_series)
        with torch.no_grad():  # per batch: a caller's code between batches keeps its own grad mode
            output = step(module, batch, panel, rows)
        yield rows, output
        start = rows.stop


def predict_rows(embedder: BaseMAEEmbedder, X, step, **kwargs) -> np.ndarray:
    """The outputs of `inference_outputs` (arrays, a row per series) in one array, in the order of ``X``."""
    output = None
    for rows, part in inference_outputs(embedder, X, step, **kwargs):
        if output is None:
            # one output array filled in place: a small per-batch result kept alive above
            # each batch's large temporaries would pin the heap and make memory grow with
            # the number of batches
            output = np.empty((n_series(X), *part.shape[1:]), dtype=part.dtype)
        output[rows] = part
    return output


def embeddings(embedder: BaseMAEEmbedder, X, **kwargs) -> np.ndarray:
    """``embedder.transform(X)`` (float32), for the batches of `inference_outputs`."""
    network_kwargs = embed_kwargs(embedder)

    def embed(module, batch, panel, rows):
        out = module.embed(**batch, **network_kwargs).float().cpu().numpy()
        # a series with no observed value may embed as NaN (AIM); one with values must not
        overflowed = ~np.isfinite(out).all(axis=1) & panel.observed.any(axis=(1, 2))
        if overflowed.any():
            row = int(np.flatnonzero(overflowed)[0])
            scaled = (panel.values[row] - embedder.channel_center_[:, None]) / embedder.channel_scale_[:, None]
            largest = float(np.nanmax(np.abs(scaled)))
            raise EmbeddingOverflowError(
                f"X: the embedding of series {rows.start + row} overflows float32: its values reach {largest:.3g} "
                "times the channel scale the embedder was fitted on; scale X as the training data was"
            )
        return out

    return predict_rows(embedder, X, embed, **kwargs)


def fitted_copy(embedder: BaseMAEEmbedder, **params) -> BaseMAEEmbedder:
    """A fitted copy of ``embedder`` with ``params`` set (``device``...); ``embedder`` is left as it is."""
    copied = clone(embedder).set_params(**params)
    for name, value in vars(embedder).items():
        if name.endswith("_") and not name.startswith("_") and name != "net_":
            setattr(copied, name, value.copy() if isinstance(value, np.ndarray) else value)
    state = {name: tensor.detach().cpu().clone() for name, tensor in embedder.net_.module_.state_dict().items()}
    copied.net_ = copied._build_net(
        _network_kwargs_of(embedder.net_), state, embedder.net_.history.to_list(), copied._train_kwargs()
    )
    return copied


class TransformGraph(torch.nn.Module):
    """``transform`` of a fitted embedder as a torch module: the base of every method's `onnx_graph`.

    Holds a CPU copy of the fitted network (the embedder's own stays on its device), the
    channel scaling and the ``embed`` arguments of the embedder's current transform
    parameters. A subclass tokenises in ``forward`` as its embedder's ``_tokenize`` does.
    """

    def __init__(self, embedder: BaseMAEEmbedder):
        super().__init__()
        self.network = copy.deepcopy(embedder.net_.module_).cpu()
        self.register_buffer("center", torch.as_tensor(embedder.channel_center_)[:, None])  # (C, 1)
        self.register_buffer("scale", torch.as_tensor(embedder.channel_scale_)[:, None])  # (C, 1)
        self.embed_kwargs = embedder._network_embed_kwargs()
        self.n_channels, self.n_timepoints = embedder.n_channels_, embedder.n_timepoints_

    def scaled(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Scaled values with NaN set to 0, and the observed mask, both (B, C, T)."""
        observed = ~torch.isnan(X)
        return torch.where(observed, (X - self.center) / self.scale, 0.0), observed

    def example_inputs(self) -> tuple[dict[str, torch.Tensor], dict]:
        """Example inputs of the export and their dynamic shapes: ``"X"`` of the fitted length, any batch size."""
        # two series, not one: torch.export specialises a dimension whose example size is 1
        return {"X": torch.zeros(2, self.n_channels, self.n_timepoints)}, {"X": {0: torch.export.Dim("batch")}}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


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


# ---- the checks of `from_pretrained`: every field of a saved folder, before it is used ---------------

# Fitted attributes of every embedder, and those set only for some input (2-D input, its column names).
_FITTED = ("n_channels_", "n_timepoints_", "channel_center_", "channel_scale_")
_FITTED_IF_TABULAR = ("n_features_in_", "feature_names_in_")


def _read_config(cls: type[BaseMAEEmbedder], path: Path) -> dict:
    """``config.json`` of the folder ``path``: JSON of this class and format, with its three sections."""
    file = path / _CONFIG_FILE
    try:
        config = json.loads(file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{file} is not a JSON file: {exc}") from exc
    if not isinstance(config, dict) or config.get("format") != _FORMAT or config.get("class") != cls.__name__:
        config = config if isinstance(config, dict) else {}
        raise ValueError(
            f"{path} holds a {config.get('class')!r} saved as {config.get('format')!r}; "
            f"{cls.__name__}.from_pretrained needs a {cls.__name__!r} saved as {_FORMAT!r}"
        )
    for section in ("params", "module_kwargs", "fitted"):
        if not isinstance(config.get(section), dict):
            raise ValueError(f"{file}: {section!r} must be a JSON object; got {config.get(section)!r}")
    unknown = sorted(set(config["params"]) - set(cls._get_param_names()))
    if unknown:
        raise ValueError(f"{file}: params has unknown parameter(s) {unknown} of {cls.__name__}")
    for name, value in _ADDED_PARAMS.items():
        if name in cls._get_param_names() and name not in config["params"]:
            config["params"][name] = value
            if name in _ADDED_MODULE_KWARGS:
                config["module_kwargs"].setdefault(name, value)
    return config


def _fitted_from_config(cls: type[BaseMAEEmbedder], params: dict, fitted: dict, path: Path) -> BaseMAEEmbedder:
    """An embedder of ``params`` (validated) with the fitted attributes ``fitted`` (checked), no network yet."""
    embedder = cls(**params)
    embedder._validate_params()  # InvalidParameterError naming the parameter
    where = f"{path / _CONFIG_FILE}: fitted"
    allowed = (*_FITTED, *_FITTED_IF_TABULAR, *cls._own_fitted)
    unknown, missing = sorted(set(fitted) - set(allowed)), [name for name in (*_FITTED, *cls._own_fitted) if name not in fitted]
    if unknown or missing:
        # an unknown name would become an attribute: "transform" would shadow the method
        raise ValueError(f"{where} holds unknown attribute(s) {unknown} and lacks {missing}; a {cls.__name__} has {list(allowed)}")
    values = {name: _from_json(value) for name, value in fitted.items()}
    for name in ("n_channels_", "n_timepoints_", "n_features_in_"):
        if name in values and not (isinstance(values[name], int) and not isinstance(values[name], bool) and values[name] >= 1):
            raise ValueError(f"{where} {name} must be a positive int; got {values[name]!r}")
    for name in ("channel_center_", "channel_scale_"):
        value = values[name]
        shape = (values["n_channels_"],)
        if not (isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.shape == shape and np.isfinite(value).all()):
            raise ValueError(f"{where} {name} must be {shape[0]} finite floats (one per channel); got {fitted[name]!r}")
    if not (values["channel_scale_"] > 0).all():  # a scale of 0 divides every value into NaN
        raise ValueError(f"{where} channel_scale_ must be positive; got {values['channel_scale_'].tolist()}")
    if "feature_names_in_" in values and np.shape(values["feature_names_in_"]) != (values.get("n_features_in_"),):
        raise ValueError(f"{where} feature_names_in_ must hold n_features_in_ names; got {fitted['feature_names_in_']!r}")
    cls._check_own_fitted(values, where)
    for name, value in values.items():
        setattr(embedder, name, value)
    embedder._check_network_params()  # a layer beyond the saved network's depth...
    return embedder


def _layout_panel(n_channels: int) -> Panel:
    """An empty panel of ``n_channels`` channels: all that ``_module_kwargs`` reads of the training panel."""
    return Panel(
        np.empty((0, n_channels, 0), np.float32), np.empty((0, n_channels, 0), bool), np.empty((0, 0)),
        np.empty(0, np.int64),
    )


def _network_kwargs_of(net) -> dict:
    """The method network's constructor arguments (`BaseMAEEmbedder._method_kwargs`) of a built net."""
    kwargs = net.get_params_for("module")
    return kwargs["network_kwargs"] if isinstance(net.module_, ChannelIndependent) else kwargs


def _check_state(expected: dict, state: dict, network: str) -> None:
    """Refuse weights ``state`` whose names or shapes differ from the network's (``expected``), naming them."""
    problems = [f"{name!r} is missing" for name in expected if name not in state]
    problems += [f"{name!r} is not a weight of this network" for name in state if name not in expected]
    problems += [
        f"{name!r} has shape {tuple(state[name].shape)}, the network needs {tuple(tensor.shape)}"
        for name, tensor in expected.items() if name in state and state[name].shape != tensor.shape
    ]  # fmt: skip
    if problems:
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise ValueError(f"the weights do not fit the network {network}: {'; '.join(problems[:3])}{more}")


def fit_all_or_nothing(estimator: BaseEstimator, fit, *args) -> None:
    """Run ``fit(*args)``, which sets ``estimator``'s fitted attributes, all or nothing.

    The attributes of an earlier fit go first; an error or a KeyboardInterrupt during
    ``fit`` removes what it had set, so the estimator is never left half-fitted.
    """
    _clear_fitted_state(estimator)
    try:
        fit(*args)
    except BaseException:
        _clear_fitted_state(estimator)
        raise


def _clear_fitted_state(estimator: BaseEstimator) -> None:
    for name in [name for name in vars(estimator) if name.endswith("_") and not name.startswith("_")]:
        delattr(estimator, name)


def _is_tabular(X) -> bool:
    """2-D array-like (numpy, sparse, flat DataFrame); lists are panels of series."""
    if isinstance(X, pd.DataFrame):
        return not isinstance(X.index, pd.MultiIndex)
    if isinstance(X, (list, tuple)):
        return False
    shape = X.shape if hasattr(X, "shape") else np.asarray(X).shape
    return len(shape) == 2


def _check_observed(observed: np.ndarray) -> None:
    """Refuse a channel without any observed value (with any scaling: the network could learn nothing about it)."""
    never_observed = ~observed
    if never_observed.any():
        raise ValueError(
            f"channel(s) {np.flatnonzero(never_observed).tolist()} of X have no observed value in the "
            "whole training set; drop them or fill them before fitting"
        )


def _no_scaling(n_channels: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(n_channels, np.float32), np.ones(n_channels, np.float32)


def _finished_scaling(center: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float32 centre and scale; a constant channel gets scale 1."""
    scale = np.where(scale > 0, scale, 1.0)
    return center.astype(np.float32), scale.astype(np.float32)


def _learned_params(embedder: BaseMAEEmbedder) -> dict:
    """The parameters that can change what ``fit`` learns."""
    return {name: value for name, value in embedder.get_params(deep=False).items() if name not in _NOT_LEARNED}


def _network_params(embedder: BaseMAEEmbedder) -> dict:
    """The parameters that define the network and its input (JSON form, as `save_pretrained` keeps them)."""
    excluded = (*_TRAINING_ONLY, *embedder._train_kwargs())
    return _json_values({name: value for name, value in _learned_params(embedder).items() if name not in excluded})


def _json_values(values: dict) -> dict:
    """``values`` in JSON form (tuples as lists, arrays tagged), comparable with a loaded config's."""
    return {name: _to_json(value) for name, value in values.items()}


def _differences(ours: dict, pretrained: dict) -> list[str]:
    """``"name=ours (pretrained: theirs)"`` for every name of either dict whose values differ."""
    return [
        f"{name}={ours.get(name)!r} (pretrained: {pretrained.get(name)!r})"
        for name in {**ours, **pretrained} if ours.get(name) != pretrained.get(name)
    ]
