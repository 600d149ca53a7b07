"""`AIMEmbedder`: NaN-native embeddings from an LSM-2 Adaptive and Inherited Masking autoencoder."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseMAEEmbedder, TransformGraph
from ._docs import doc
from ._panel import Panel
from .nn.channels import CHANNEL_POOLINGS
from .nn.aim import AIM, SIZES

# Architecture parameters that a ``size`` preset fills in when left to None.
_ARCHITECTURE = ("embed_dim", "depth", "num_heads", "decoder_embed_dim", "decoder_depth", "decoder_num_heads")


class _AIMGraph(TransformGraph):
    """`AIMEmbedder._tokenize` in torch: the time axis padded to whole patches.

    Every token stays in the encoder and only the missing ones are key-masked
    (``embed(..., drop_hidden=False)``), which gives the same embedding as dropping
    them, with sizes that do not depend on the data.
    """

    def __init__(self, embedder: AIMEmbedder):
        super().__init__(embedder)
        self.padding = -embedder.n_timepoints_ % embedder.patch_size
        self.clip = embedder.clip

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        values, observed = self.scaled(X)
        if self.clip is not None:
            values = values.clamp(-self.clip, self.clip)
        values, observed = F.pad(values, (0, self.padding)), F.pad(observed, (0, self.padding))
        return self.network.embed(x=values, observed=observed, **self.embed_kwargs, drop_hidden=False)


@doc(
    inference_methods="``transform``, ``reconstruct`` and ``score``",
    transform_parameters="``pooling``",
    value_dropout_default="0.5",
    masked_units="tokens",
    value_dropout_choice="""\
The default departs from the paper: in cross-validation on the training splits of
BasicMotions, RacketSports, Libras, AtrialFibrillation, Epilepsy and JapaneseVowels
(channel pooling, linear fill), a rate of 0.5 scored 0.851 against 0.797 for 0 on
complete data and 0.842 against 0.749 with 30 % of the steps dropped; on held-out
training series of BasicMotions, RacketSports and Epilepsy it more than halved what
random single values removed at inference cost (11.9 % to 4.6 % relative accuracy;
in a second run 4.5 %, against 6.1 % for a rate of 0.8).""",
    max_steps_default="None",
    max_steps_choice="",
    stretch_default="None",
    stretch_choice="""\
It stays None by default: in cross-validation on the training splits of six UEA
sets (``benchmarks/results/select_defaults.md``), 64 and 128 scored 0.850 / 0.841
and 0.851 / 0.828 against 0.851 / 0.842 without (complete / 30 % of the steps
dropped); RacketSports gained from 128 on complete data (0.914 against 0.847) and
Libras lost (0.739 against 0.783).""",
)
class AIMEmbedder(BaseMAEEmbedder):
    """LSM-2 Adaptive and Inherited Masking (AIM) embeddings of incomplete time series.

    A transformer masked autoencoder is pretrained on tokens of ``patch_size`` time
    steps of one channel (Xu, Narayanswamy et al., "LSM-2: Learning from Incomplete
    Wearable Sensor Data", 2025). Missing data is not imputed: a token whose values are
    all NaN is an *inherited mask*, handled by the same machinery as the artificial
    masks of pretraining (random tokens, a contiguous time slice or a slice of whole
    channels, one strategy per series). Hidden tokens are partly dropped from the
    encoder and partly excluded as attention keys, and the loss counts only values that
    were artificially hidden and truly observed.

    At inference no artificial mask is drawn: tokens with no observed value are left out
    of attention and of the pooling, so a missing sensor or a gap changes the embedding
    only through what the remaining data says. A token that is partially observed stays
    visible with its NaN values set to 0 (and they never count in the loss).

    Each channel is normalised with statistics of its observed training values
    (``scaling``), then clipped to ``[-clip, clip]``. Series of any length are accepted:
    each is padded at the end with unobserved values to a multiple of ``patch_size``.
    A series with no observed value at all is refused with a ``ValueError``.

    `reconstruct` predicts every token that holds a NaN from the other, complete tokens
    (the decoder is trained only at hidden tokens), then keeps the observed values: the
    observed values inside such a token are not used for its prediction, so scattered
    single missing values, which leave few complete tokens, are filled from little
    context.

    Parameters
    ----------
    pooling : {"mean", "channel"}, default="channel"
        ``"mean"``: the mean encoder output over all observed tokens, ``embed_dim``
        features. ``"channel"``: the mean over each channel's observed tokens,
        concatenated (``n_channels * embed_dim`` features; a channel with no observed
        token in a series gives a block of zeros). Transform-only: changing it needs no
        refit. The default departs from LSM-2's mean: with 30 % of the steps dropped,
        cross-validation on the training splits of BasicMotions, RacketSports, Libras,
        AtrialFibrillation, Epilepsy and JapaneseVowels scored per-channel pooling with
        ``gap_fill="linear"`` 0.749 on average, mean pooling 0.710, and the former
        defaults (mean, zeros) 0.588 (``benchmarks/results/select_defaults.md``).
    size : {"tiny", "small", "base"}, default="small"
        Architecture preset (encoder width / depth / heads, decoder width / depth /
        heads): tiny (32 / 2 / 2, 32 / 1 / 2), small (64 / 4 / 4, 64 / 2 / 4; the CPU
        default), base (384 / 12 / 6, 256 / 4 / 4; the paper's ~25M-parameter network).
    patch_size : int, default=10
        Time steps per token (LSM-2 uses 10 minutes).
    embed_dim : int, default=None
        Encoder width, a multiple of 4 and of ``num_heads``; None takes it from
        ``size``. It is also the width of the ``"mean"`` embedding.
    depth : int, default=None
        Encoder blocks; None takes it from ``size``.
    num_heads : int, default=None
        Encoder attention heads; None takes it from ``size``.
    decoder_embed_dim : int, default=None
        Decoder width, a multiple of 4 and of ``decoder_num_heads``; None takes it from
        ``size``.
    decoder_depth : int, default=None
        Decoder blocks; None takes it from ``size``.
    decoder_num_heads : int, default=None
        Decoder attention heads; None takes it from ``size``.
    mlp_ratio : float, default=4.0
        Hidden width of the blocks' feed-forward layers relative to their width.
    drop_path : float, default=0.0
        Stochastic-depth rate of the last encoder block (rising linearly from 0).
    random_ratio : float, default=0.8
        Fraction of the tokens hidden by the random masking strategy.
    temporal_ratio : float, default=0.5
        Fraction of the time patches hidden, in every channel, by the temporal-slice
        strategy.
    sensor_ratio : float, default=0.5
        Fraction of the channels hidden, over all time, by the sensor-slice strategy
        (at least one; a univariate series never draws this strategy).
    contiguous_temporal : bool, default=True
        The temporal slice is one contiguous block of patches (a device taken off);
        otherwise scattered patches.
    gap_fill : {"linear", "zero"}, default="linear"
        What the value embedding reads, beside the observed flags, at the unobserved
        values of a partially observed token: the linear interpolation along time of
        the values around them that the encoder may see, read as observed, or 0 with
        the observed flags. Tokens with no observed value are inherited-masked either
        way. ``"linear"`` moves the embedding of a series with scattered gaps about as
        much as interpolating them would (``"zero"`` let the flags carry the gap pattern
        into every embedding: Libras with 30 % dropped, CV 0.206 with mean pooling); the
        paper's configuration is ``pooling="mean", gap_fill="zero", value_dropout=0``:
        ``AIMEmbedder.paper()``.
    {value_dropout_parameter}
    {channel_parameters}
    scaling : {"standard", "minmax"} or None, default="standard"
        Per-channel normalisation learned in ``fit`` on observed values: z-score, the
        training range mapped to [-1, 1], or none.
    clip : float or None, default=5.0
        Scaled values are clipped to ``[-clip, clip]`` before tokenisation, so that a
        few outliers cannot dominate the squared reconstruction error (with
        ``scaling="standard"``, 5 standard deviations). None disables clipping.
    {stretch_parameter}
    batch_size : int, default=16
        Pretraining batch size (small, so that a small data set still gives the
        transformer a few hundred optimiser steps).
    weight_decay : float, default=0.05
        AdamW weight decay (the MAE value).
    {training_parameters}

    Attributes
    ----------
    net_ : MaskedPretrainer
        The skorch net holding the pretrained network (``net_.module_``) and the
        training history (``net_.history``).
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_timepoints_ : int
        Length of the longest series seen in ``fit``.
    channel_center_, channel_scale_ : ndarray of shape (n_channels_,)
        Per-channel normalisation learned in ``fit``.
    n_features_in_ : int
        Number of columns seen in ``fit``; set only for 2-D input.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in ``fit``; set only for a 2-D DataFrame with string columns.

    See Also
    --------
    HiMAEEmbedder : convolutional masked autoencoder; interpolates missing values.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime.datasets import load_basic_motions
    >>> from sklearn_msae import AIMEmbedder
    >>> X, y = load_basic_motions(split="train", return_type="numpy3D")
    >>> embedder = AIMEmbedder(size="tiny", max_epochs=2, random_state=0).fit(X)
    >>> embedder.transform(X).shape  # 32 features per channel
    (40, 192)

    Missing values need no imputation; per-channel pooling needs no refit:

    >>> X_gappy = X.copy()
    >>> X_gappy[:, 3:] = np.nan  # the gyroscope is off
    >>> X_gappy[:, :, 40:60] = np.nan  # and a gap in every channel
    >>> embedder.set_params(pooling="channel").transform(X_gappy).shape
    (40, 192)

    `reconstruct` fills the NaN values and keeps the observed ones:

    >>> X_filled = embedder.reconstruct(X_gappy)
    >>> bool(np.isnan(X_filled).any()), bool(np.array_equal(X_filled[:, :3, :40], X[:, :3, :40]))
    (False, True)
    """

    _module = AIM
    _onnx_graph = _AIMGraph

    paper_params = {"pooling": "mean", "gap_fill": "zero", "value_dropout": 0.0}

    _parameter_constraints: dict = {
        **BaseMAEEmbedder._parameter_constraints,
        "pooling": [StrOptions({"mean", "channel"})],
        "size": [StrOptions(set(SIZES))],
        "patch_size": [Interval(Integral, 1, None, closed="left")],
        **{name: [Interval(Integral, 1, None, closed="left"), None] for name in _ARCHITECTURE},
        "mlp_ratio": [Interval(Real, 0, None, closed="neither")],
        "drop_path": [Interval(Real, 0, 1, closed="left")],
        "random_ratio": [Interval(Real, 0, 1, closed="neither")],
        "temporal_ratio": [Interval(Real, 0, 1, closed="neither")],
        "sensor_ratio": [Interval(Real, 0, 1, closed="neither")],
        "contiguous_temporal": ["boolean"],
        "gap_fill": [StrOptions({"linear", "zero"})],
        "value_dropout": [Interval(Real, 0, 1, closed="left")],
        "channel_mode": [StrOptions({"joint", "independent"})],
        "channel_pooling": [StrOptions(set(CHANNEL_POOLINGS))],
        "clip": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        pooling="channel",
        *,
        size="small",
        patch_size=10,
        embed_dim=None,
        depth=None,
        num_heads=None,
        decoder_embed_dim=None,
        decoder_depth=None,
        decoder_num_heads=None,
        mlp_ratio=4.0,
        drop_path=0.0,
        random_ratio=0.8,
        temporal_ratio=0.5,
        sensor_ratio=0.5,
        contiguous_temporal=True,
        gap_fill="linear",
        value_dropout=0.5,
        channel_mode="joint",
        channel_pooling="mean",
        scaling="standard",
        clip=5.0,
        stretch_to=None,
        max_epochs=100,
        batch_size=16,
        lr=1e-3,
        weight_decay=0.05,
        warmup_fraction=0.1,
        gradient_clip=1.0,
        patience=None,
        validation_fraction=0.0,
        inference_batch_size=256,
        device="auto",
        memory=None,
        streaming="auto",
        max_steps=None,
        checkpoint_dir=None,
        checkpoint_every=1000,
        accelerate=False,
        pretrained=None,
        pretrained_scaling="auto",
        continue_pretraining=False,
        verbose=0,
        random_state=None,
    ):
        self.pooling = pooling
        self.size = size
        self.patch_size = patch_size
        self.embed_dim = embed_dim
        self.depth = depth
        self.num_heads = num_heads
        self.decoder_embed_dim = decoder_embed_dim
        self.decoder_depth = decoder_depth
        self.decoder_num_heads = decoder_num_heads
        self.mlp_ratio = mlp_ratio
        self.drop_path = drop_path
        self.random_ratio = random_ratio
        self.temporal_ratio = temporal_ratio
        self.sensor_ratio = sensor_ratio
        self.contiguous_temporal = contiguous_temporal
        self.gap_fill = gap_fill
        self.value_dropout = value_dropout
        self.channel_mode = channel_mode
        self.channel_pooling = channel_pooling
        self.scaling = scaling
        self.clip = clip
        self.stretch_to = stretch_to
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.warmup_fraction = warmup_fraction
        self.gradient_clip = gradient_clip
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.inference_batch_size = inference_batch_size
        self.device = device
        self.memory = memory
        self.streaming = streaming
        self.max_steps = max_steps
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.accelerate = accelerate
        self.pretrained = pretrained
        self.pretrained_scaling = pretrained_scaling
        self.continue_pretraining = continue_pretraining
        self.verbose = verbose
        self.random_state = random_state

    def _architecture(self) -> dict:
        """Widths, depths and heads: the ``size`` preset, overridden by explicit values."""
        architecture = {
            name: SIZES[self.size][name] if getattr(self, name) is None else int(getattr(self, name))
            for name in _ARCHITECTURE
        }
        for width, heads in (("embed_dim", "num_heads"), ("decoder_embed_dim", "decoder_num_heads")):
            if architecture[width] % 4 or architecture[width] % architecture[heads]:
                raise ValueError(
                    f"{width}={architecture[width]} must be a multiple of 4 (for the 2-D sin-cos positions) "
                    f"and of {heads}={architecture[heads]}"
                )
        return architecture

    def _module_kwargs(self, panel: Panel) -> dict:
        return {
            "in_channels": panel.n_channels,
            "patch_size": self.patch_size,
            **self._architecture(),
            "mlp_ratio": self.mlp_ratio,
            "drop_path": self.drop_path,
            "random_ratio": self.random_ratio,
            "temporal_ratio": self.temporal_ratio,
            "sensor_ratio": self.sensor_ratio,
            "contiguous_temporal": self.contiguous_temporal,
            "gap_fill": self.gap_fill,
            "value_dropout": self.value_dropout,
        }

    def _tokenize(self, panel: Panel) -> dict[str, np.ndarray]:
        padded_length = math.ceil(panel.n_timepoints / self.patch_size) * self.patch_size
        pad = [(0, 0), (0, 0), (0, padded_length - panel.n_timepoints)]
        values = panel.values if self.clip is None else np.clip(panel.values, -self.clip, self.clip)  # NaN stays NaN
        return {
            "x": np.pad(np.nan_to_num(values, nan=0.0), pad),  # (n, C, T_pad): unobserved -> 0
            "observed": np.pad(panel.observed, pad),  # padding is unobserved
        }

    def _embed_kwargs(self) -> dict:
        return {"pooling": self.pooling}

    @property
    def _n_features_out(self) -> int:
        # the fitted network's width, not the parameters: set_params after fit cannot desynchronise it
        embed_dim = self._method_network().value_embed.out_features  # AttributeError before fit, as the mixin expects
        per_channel = embed_dim * (1 if self._channel_independent or self.pooling == "mean" else self.n_channels_)
        return per_channel * self._channel_width()
