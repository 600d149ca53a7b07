"""`RoMAEEmbedder`: rotary masked-autoencoder embeddings of irregular, continuous-time series."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import BaseMAEEmbedder, IntNotBool, TransformGraph, predict_rows
from ._docs import doc
from ._panel import Panel
from ._panel import n_series as count_series
from ._training import inference_module
from .nn.romae import SIZES, RoMAE

_DECODER_SIZE = SIZES["tiny-shallow"]  # the paper's decoder, whatever the encoder preset


class _RoMAEGraph(TransformGraph):
    """`RoMAEEmbedder._tokenize` in torch, for series of any length (``"X"`` and their ``"times"``).

    Value tokens are all ``n_channels * n_timepoints`` scalars, the unobserved ones as
    padding, instead of the observed ones gathered first: attention with RoPE and the
    pooling do not depend on token order, so the embedding is the same.
    """

    def __init__(self, embedder: RoMAEEmbedder):
        super().__init__(embedder)
        self.value_tokens = embedder.tokens_ == "value"
        self.time_scale = embedder.time_scale_

    def example_inputs(self) -> tuple[dict[str, torch.Tensor], dict]:
        """Example inputs and dynamic shapes: any batch size and any length (RoPE positions need no fixed grid)."""
        batch, time, length = torch.export.Dim("batch"), torch.export.Dim("time"), max(self.n_timepoints, 2)
        example = {
            "X": torch.zeros(2, self.n_channels, length),  # 2: a size of 1 would be specialised
            "times": torch.arange(length, dtype=torch.float64).expand(2, -1),
        }
        return example, {"X": {0: batch, 2: time}, "times": {0: batch, 1: time}}

    def forward(self, X: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
        values, observed = self.scaled(X)
        # float64 difference first, as `RoMAEEmbedder._positions` does: epoch-second stamps keep their precision
        positions = ((times - times[:, :1]) * self.time_scale).float()  # (B, T)
        values, observed = values.transpose(1, 2), observed.transpose(1, 2)  # (B, T, C)
        if not self.value_tokens:
            token_mask = observed.any(-1)  # (B, T): a step with no observed channel is padding
            return self.network.embed(values, positions[:, None, :], token_mask, observed, **self.embed_kwargs)
        B, T, C = values.shape
        channel = torch.arange(C, dtype=positions.dtype).repeat(T).expand(B, -1)  # (B, T * C), t-major
        positions = torch.stack([positions.repeat_interleave(C, dim=1), channel], dim=1)  # (B, 2, T * C)
        observed = observed.reshape(B, T * C, 1)
        return self.network.embed(
            values.reshape(B, T * C, 1), positions, observed[..., 0], observed, **self.embed_kwargs
        )


@doc(
    inference_methods="``transform``, ``score``, ``reconstruct`` and ``interpolate``",
    transform_parameters="``layer``, ``pooling``",
    stretch_default="None",
    max_steps_default="500",
    max_steps_choice="""\
The default departs from the paper, which trains epochs, for cost: 100 epochs of a
set of 270 series are 900 steps, and TS2Vec trains 200 of 16 series. In 5-fold CV
on the training splits of seven UEA sets (``benchmarks/results/select_defaults.md``,
candidate ``dec64-s500``, which changes three of them: Libras, JapaneseVowels and
FingerMovements) the cap scored 0.768 / 0.755 against 0.776 / 0.758 without
(complete / 30 % of the steps dropped, all seven sets; on the six of that report's
30 % table 0.791 against 0.792), its median pretraining 30 s against 41 s; 300
steps scored 0.753 / 0.750.""",
    stretch_choice="""\
RoMAE's positions are the time stamps themselves, so a short series already has
its own time scale; stretching was not cross-validated for it.""",
)
class RoMAEEmbedder(BaseMAEEmbedder):
    """Rotary masked-autoencoder (RoMAE) embeddings of irregularly sampled time series.

    A transformer is pretrained to reconstruct randomly hidden tokens of each series
    (Zivanovic et al., "Rotary Masked Autoencoders are Versatile Learners", 2025). Its
    only positional signal is continuous axial rotary embedding (p-RoPE) of the real
    time stamps, so irregular sampling, gaps and unequal lengths need no grid and no
    imputation: a NaN is simply a value the network never sees. The same network
    interpolates: :meth:`interpolate` asks the decoder for values at any time stamps, and
    ``reconstruct`` (from the base class) fills every NaN of a panel that way while
    keeping observed values.

    Tokens are one time step (all channels; positions ``[t]``) or one observed scalar
    (positions ``[t, channel]``), see ``tokens``. Time stamps come from the input: the
    time level of a MultiIndex frame or the index of each frame of a list (datetimes
    become seconds), or the grid index ``0..T-1`` for numpy input. Each series' time axis
    starts at its own first time stamp (position 0, where the learned [CLS] token sits),
    which keeps positions small enough for float32 whatever the clock (epoch seconds
    included): shifting all the stamps of a series by a constant does not change its
    embedding.

    Parameters
    ----------
    layer : int, default=-1
        Encoder block whose output is pooled: ``1`` (first) to ``depth`` (last);
        negative values count from the last block (``-1``), as HiMAE's ``layer`` counts
        its levels. Transform-only: changing it needs no refit.
    pooling : {"mean", "cls"}, default="mean"
        The mean over the real tokens, or the output of the learned [CLS] token (needs
        ``use_cls=True``). Transform-only. The default departs from the paper's [CLS]
        token, which pretraining gives no reconstruction target of its own: 5-fold
        cross-validation on the training splits of BasicMotions, RacketSports,
        JapaneseVowels, Libras, AtrialFibrillation and Epilepsy scored the token mean of
        the last block 0.815 (complete) / 0.800 (30 % of the steps dropped) against
        0.730 / 0.763 for the [CLS] token (``benchmarks/results/select_defaults.md``);
        the paper's configuration is ``RoMAEEmbedder.paper()``.
    tokens : {"auto", "timestep", "value"}, default="auto"
        ``"timestep"``: one token per time step that has an observed value, carrying all
        channels (unobserved channels are zero and excluded from the loss); one
        positional axis, time. ``"value"``: one token per observed scalar, with two
        positional axes, time and channel index; suited to channels sampled at their own
        times (clinical or astronomical records). ``"auto"`` picks ``"timestep"`` when
        missingness is aligned across channels in the training data (every time step has
        all channels or none) and ``"value"`` otherwise; the choice is ``tokens_``.
    time_scale : float or "auto", default="auto"
        Positions are ``(time - first time of the series) * time_scale``. The fastest
        rotary frequency turns by one radian per position unit and the slowest rotating
        ones by about a thousandth of that, so a scale that maps the typical sampling
        interval to one unit lets attention tell neighbouring samples apart and still
        relate distant ones. ``"auto"`` does exactly that: ``1 / (median interval
        between consecutive observed time stamps of the training series)`` (1 if no
        training series has two); this equals 1 for numpy input on its grid index, the
        setting of the paper, and makes the result independent of the time unit
        (seconds or hours give the same positions). The value used is ``time_scale_``.
    size : {"tiny-shallow", "tiny", "small", "base"}, default="tiny-shallow"
        Encoder preset (width / heads / blocks): tiny-shallow 180/3/2 (the CPU default),
        tiny 180/3/12, small 432/6/12, base 720/12/12. The paper's UEA experiments use
        tiny, six times the blocks: ``RoMAEEmbedder.paper()``.
    embed_dim, depth, num_heads : int, default=None
        Encoder width, blocks and heads; each one given overrides ``size``.
    decoder_embed_dim, decoder_depth, decoder_num_heads : int or None, default=64, 1, 4
        Decoder width, blocks and heads; ``None`` takes the paper's decoder
        (tiny-shallow: 180 / 2 blocks / 3 heads). The defaults depart from the paper
        for cost: the decoder reads every token, four times as many as the encoder at
        ``mask_ratio=0.75``, so the paper's made pretraining two to five times slower
        (median 111 s against 41 s on the seven complete training splits of the CV
        below, one machine); in 5-fold CV on the training splits of seven UEA sets
        (``benchmarks/results/select_defaults.md``, candidate ``dec64``) the one-block
        64-wide decoder scored 0.776 / 0.792 against 0.782 / 0.800 (complete / 30 % of
        the steps dropped, the six sets the paper's decoder ran); halving the epochs
        instead scored 0.766 on complete data, and both together 0.742 / 0.769.
    mask_ratio : float, default=0.75
        Fraction of each series' real tokens hidden during pretraining (the count is set
        by the shortest series of each batch, see `RoMAE.mask_count`).
    use_cls : bool, default=True
        Prepend a learned [CLS] token at position 0.
    drop_path : float, default=0.0
        Stochastic-depth rate of the last encoder block (rising linearly from 0).
    scaling : {"standard", "minmax"} or None, default="standard"
        Per-channel normalisation learned in ``fit`` on observed values: z-score, the
        training range mapped to [-1, 1], or none.
    {stretch_parameter}
    batch_size : int, default=32
        Pretraining batch size.
    weight_decay : float, default=0.05
        AdamW weight decay (the paper's).
    {training_parameters}

    Attributes
    ----------
    tokens_ : {"timestep", "value"}
        The token layout used (``tokens``, resolved on the training data).
    time_scale_ : float
        Position units per time unit (``time_scale``, resolved on the training data).
    net_ : MaskedPretrainer
        The skorch net holding the pretrained network (``net_.module_``, a `RoMAE`) and
        the training history (``net_.history``).
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
    HiMAEEmbedder : convolutional masked autoencoder for regularly sampled series.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime.datasets import load_basic_motions
    >>> from sklearn_msae import RoMAEEmbedder
    >>> X, y = load_basic_motions(split="train", return_type="numpy3D")
    >>> X[:, :, ::3] = np.nan  # every third time step unobserved, in all channels
    >>> embedder = RoMAEEmbedder(embed_dim=32, num_heads=2, decoder_embed_dim=32, decoder_num_heads=2,
    ...                          max_epochs=2, random_state=0).fit(X)  # a small network: seconds on a CPU
    >>> embedder.tokens_, embedder.time_scale_
    ('timestep', 1.0)
    >>> embedder.transform(X).shape
    (40, 32)

    Values at any time, in the units of ``X`` (here grid steps):

    >>> embedder.interpolate(X[:2], [[0.0, 2.5, 50.0], [7.25, 8.0, 99.0]]).shape
    (2, 6, 3)
    """

    _module = RoMAE
    _onnx_graph = _RoMAEGraph

    paper_params = {"size": "tiny", "pooling": "cls", "decoder_embed_dim": None, "decoder_depth": None,
                    "decoder_num_heads": None, "max_steps": None}

    _own_fitted = ("tokens_", "time_scale_")

    _parameter_constraints: dict = {
        **BaseMAEEmbedder._parameter_constraints,
        "layer": [IntNotBool()],
        "pooling": [StrOptions({"cls", "mean"})],
        "tokens": [StrOptions({"auto", "timestep", "value"})],
        "time_scale": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "size": [StrOptions(set(SIZES))],
        "embed_dim": [Interval(Integral, 1, None, closed="left"), None],
        "depth": [Interval(Integral, 1, None, closed="left"), None],
        "num_heads": [Interval(Integral, 1, None, closed="left"), None],
        "decoder_embed_dim": [Interval(Integral, 1, None, closed="left"), None],
        "decoder_depth": [Interval(Integral, 1, None, closed="left"), None],
        "decoder_num_heads": [Interval(Integral, 1, None, closed="left"), None],
        "mask_ratio": [Interval(Real, 0, 1, closed="neither")],
        "use_cls": ["boolean"],
        "drop_path": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        layer=-1,
        pooling="mean",
        *,
        tokens="auto",
        time_scale="auto",
        size="tiny-shallow",
        embed_dim=None,
        depth=None,
        num_heads=None,
        decoder_embed_dim=64,
        decoder_depth=1,
        decoder_num_heads=4,
        mask_ratio=0.75,
        use_cls=True,
        drop_path=0.0,
        scaling="standard",
        stretch_to=None,
        max_epochs=100,
        batch_size=32,
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
        max_steps=500,
        checkpoint_dir=None,
        checkpoint_every=1000,
        accelerate=False,
        pretrained=None,
        pretrained_scaling="auto",
        continue_pretraining=False,
        verbose=0,
        random_state=None,
    ):
        self.layer = layer
        self.pooling = pooling
        self.tokens = tokens
        self.time_scale = time_scale
        self.size = size
        self.embed_dim = embed_dim
        self.depth = depth
        self.num_heads = num_heads
        self.decoder_embed_dim = decoder_embed_dim
        self.decoder_depth = decoder_depth
        self.decoder_num_heads = decoder_num_heads
        self.mask_ratio = mask_ratio
        self.use_cls = use_cls
        self.drop_path = drop_path
        self.scaling = scaling
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

    # ---- public methods -----------------------------------------------------------

    def interpolate(self, X, times):
        """Predict every channel of each series at arbitrary time stamps.

        The encoder sees all observed values of a series; the decoder answers at the
        query times (mask tokens placed there, as in pretraining). Queries of one series
        attend to each other, as hidden tokens do in pretraining, so a prediction can
        depend slightly on the other query times of its series.

        Parameters
        ----------
        X : array-like, DataFrame or list of series
            Series in any format accepted by ``fit``, with the same number of channels.
        times : array-like of shape (n_series, n_queries) or list of 1-D array-likes
            Query times of each series, in the time units of ``X``: the grid index for
            numpy input, the numbers of a numeric time index, or seconds since the
            series' first time stamp for a datetime or timedelta index (the same
            seconds that `to_panel` computes). A list gives each series its own number
            of queries (ragged). NaN entries of a 2-D array are skipped.

        Returns
        -------
        values : ndarray of shape (n_series, n_channels, n_queries), float32
            Predictions in the original units of ``X``; ``n_queries`` is the longest
            query list, and the missing queries of shorter lists (and NaN query times)
            give NaN.

        Examples
        --------
        >>> import numpy as np
        >>> from sktime.datasets import load_basic_motions
        >>> from sklearn_msae import RoMAEEmbedder
        >>> X, _ = load_basic_motions(split="train", return_type="numpy3D")
        >>> embedder = RoMAEEmbedder(embed_dim=32, num_heads=2, decoder_embed_dim=32, decoder_num_heads=2,
        ...                          max_epochs=1, random_state=0).fit(X)

        Three queries for the first series, one (between two grid steps) for the second:

        >>> values = embedder.interpolate(X[:2], [np.array([0.0, 2.5, 99.0]), np.array([7.25])])
        >>> values.shape  # (n_series, n_channels, longest query list)
        (2, 6, 3)
        >>> np.isnan(values[1, 0]).tolist()  # the second series asked for one value
        [False, True, True]
        """
        check_is_fitted(self)  # before the times are read
        query_times = _query_times(times, count_series(X))  # (n, Q), NaN = no query

        def predictions(module, batch, panel, rows):
            positions = torch.as_tensor(self._positions(query_times[rows], panel.times[:, 0]), device=self.net_.device)
            return self._predict_at(module, batch, positions).cpu().numpy()

        scaled = predict_rows(self, X, predictions)  # (n, C, Q)
        return (scaled * self.channel_scale_[:, None] + self.channel_center_[:, None]).astype(np.float32)

    # ---- subclass interface -------------------------------------------------------

    def _validate_input(self, X, *, reset: bool) -> Panel:
        panel = super()._validate_input(X, reset=reset)
        if reset:  # the training panel fixes the token layout and the time unit
            self.tokens_ = self._resolve_tokens(panel)
            self.time_scale_ = self._resolve_time_scale(panel)
        return panel

    @classmethod
    def _check_own_fitted(cls, values: dict, where: str) -> None:
        if values["tokens_"] not in ("timestep", "value"):
            raise ValueError(f"{where} tokens_ must be 'timestep' or 'value'; got {values['tokens_']!r}")
        scale = values["time_scale_"]
        if not (isinstance(scale, (int, float)) and not isinstance(scale, bool) and math.isfinite(scale) and scale > 0):
            raise ValueError(f"{where} time_scale_ must be a positive finite number; got {scale!r}")

    def _check_network_params(self) -> None:
        depth = self._encoder_size()["depth"]
        if not (1 <= self.layer <= depth or -depth <= self.layer <= -1):
            raise ValueError(
                f"layer={self.layer} is out of range: the encoder has {depth} blocks, so layer must be in "
                f"1..{depth} or in -{depth}..-1 (counting from the last block)"
            )
        if self.pooling == "cls" and not self.use_cls:
            raise ValueError("pooling='cls' needs use_cls=True; use pooling='mean' for a network without [CLS]")

    def _module_kwargs(self, panel: Panel) -> dict:
        n_axes = self._n_axes()
        encoder, decoder = self._encoder_size(), self._decoder_size()
        for prefix, size in (("", encoder), ("decoder_", decoder)):
            width, heads = size["embed_dim"], size["num_heads"]
            if width % heads or (width // heads) % (2 * n_axes):
                raise ValueError(
                    f"{prefix}embed_dim={width} and {prefix}num_heads={heads} do not fit {self.tokens_!r} tokens: "
                    f"the width must split into heads whose size is a multiple of {2 * n_axes} "
                    f"(a rotary pair per each of the {n_axes} positional axes)"
                )
        return {
            "in_features": panel.n_channels if self.tokens_ == "timestep" else 1,
            "n_axes": n_axes,
            **encoder,
            **{f"decoder_{key}": value for key, value in decoder.items()},
            "mask_ratio": self.mask_ratio,
            "use_cls": self.use_cls,
            "drop_path": self.drop_path,
        }

    def _tokenize(self, panel: Panel) -> dict[str, np.ndarray]:
        """Batch arrays whose token axis also carries every grid time of the panel.

        ``reconstruct`` needs the time of each grid step, including steps with no
        observed value, and receives nothing but this batch, so those times travel as
        padding tokens (``token_mask`` False: the network ignores them):

        - ``"timestep"``: token ``j`` is grid step ``j`` (N = n_timepoints); steps
          with no observed value are padding that keeps its time position.
        - ``"value"``: the observed scalars come first, in time then channel order,
          padded to the batch's largest count; then one padding token per grid step
          (time position, channel position NaN).

        Positions past a series' end are NaN.
        """
        n_series, n_channels, n_timepoints = panel.values.shape
        times = self._positions(panel.times, panel.times[:, 0])  # (n, T), NaN past each end
        values = np.nan_to_num(panel.values.transpose(0, 2, 1), nan=0.0)  # (n, T, C)
        observed = panel.observed.transpose(0, 2, 1)  # (n, T, C)
        if self.tokens_ == "timestep":
            return {
                "values": np.ascontiguousarray(values),
                "positions": times[:, None, :],  # (n, 1, T)
                "token_mask": observed.any(axis=2),  # (n, T)
                "observed": np.ascontiguousarray(observed),
            }

        # value tokens: gather the observed scalars of each series, (t, c) flattened t-major
        flat_observed = observed.reshape(n_series, n_timepoints * n_channels)
        n_tokens = int(flat_observed.sum(axis=1).max())
        order = np.argsort(~flat_observed, axis=1, kind="stable")[:, :n_tokens]  # observed first, in time order
        token_mask = np.take_along_axis(flat_observed, order, axis=1)  # (n, N_obs)
        step, channel = np.divmod(order, n_channels)
        token_values = np.take_along_axis(values.reshape(n_series, -1), order, axis=1)
        token_positions = np.stack([np.take_along_axis(times, step, axis=1), channel.astype(np.float32)], axis=1)
        token_positions[~np.broadcast_to(token_mask[:, None], token_positions.shape)] = np.nan

        grid_positions = np.stack([times, np.full_like(times, np.nan)], axis=1)  # (n, 2, T)
        no_token = np.zeros((n_series, n_timepoints), dtype=bool)
        no_value = np.zeros((n_series, n_timepoints), dtype=np.float32)
        return {
            "values": np.concatenate([np.where(token_mask, token_values, 0.0), no_value], axis=1)[..., None],
            "positions": np.concatenate([token_positions, grid_positions], axis=2),  # (n, 2, N_obs + T)
            "token_mask": np.concatenate([token_mask, no_token], axis=1),
            "observed": np.concatenate([token_mask, no_token], axis=1)[..., None],
        }

    def _reconstruct_batch(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Scaled reconstruction (n, C, T) of every grid value of a `_tokenize` batch.

        Queries every grid step of each series (every ``(t, channel)`` for value
        tokens) through the decoder; steps past a series' end are NaN.
        """
        positions = batch["positions"][:, 0]  # (n, N): time axis
        if self.tokens_ == "value":  # the grid steps are the tokens after the observed scalars
            n_grid = positions.shape[1] - int(batch["token_mask"].sum(1).max())
            positions = positions[:, positions.shape[1] - n_grid :]
        return self._predict_at(inference_module(self.net_), batch, positions)

    def _embed_kwargs(self) -> dict:
        # the network indexes its blocks from 0; the estimator's layer counts them from 1, as HiMAE's levels
        return {"pooling": self.pooling, "layer": self.layer - 1 if self.layer > 0 else self.layer}

    @property
    def _n_features_out(self) -> int:
        self.n_channels_  # AttributeError before fit, as the feature-names mixin expects
        return self._encoder_size()["embed_dim"]

    # ---- helpers ------------------------------------------------------------------

    def _encoder_size(self) -> dict:
        preset = SIZES[self.size]
        given = {"embed_dim": self.embed_dim, "depth": self.depth, "num_heads": self.num_heads}
        return {key: preset[key] if value is None else int(value) for key, value in given.items()}

    def _decoder_size(self) -> dict:
        given = {"embed_dim": self.decoder_embed_dim, "depth": self.decoder_depth, "num_heads": self.decoder_num_heads}
        return {key: _DECODER_SIZE[key] if value is None else int(value) for key, value in given.items()}

    def _n_axes(self) -> int:
        return 1 if self.tokens_ == "timestep" else 2

    def _resolve_tokens(self, panel: Panel) -> str:
        if self.tokens != "auto":
            return self.tokens
        aligned = np.array_equal(panel.observed.any(axis=1), panel.observed.all(axis=1))
        return "timestep" if aligned else "value"

    def _resolve_time_scale(self, panel: Panel) -> float:
        if self.time_scale != "auto":
            return float(self.time_scale)
        # stamps of the steps holding a value, each series sorted (stamps increase, NaN last)
        stamps = np.sort(np.where(panel.observed.any(axis=1), panel.times, np.nan), axis=1)
        gaps = np.diff(stamps, axis=1)
        gaps = gaps[np.isfinite(gaps)]
        return float(1.0 / np.median(gaps)) if gaps.size else 1.0

    def _positions(self, times: np.ndarray, origin: np.ndarray) -> np.ndarray:
        """Rotary positions (float32) of ``times`` (n, K) of series whose first stamps are ``origin`` (n,)."""
        return ((times - origin[:, None]) * self.time_scale_).astype(np.float32)

    def _predict_at(self, module: RoMAE, batch: dict[str, torch.Tensor], positions: torch.Tensor) -> torch.Tensor:
        """Scaled predictions (n, C, Q) of every channel at time ``positions`` (n, Q); NaN = no query."""
        n_series, n_queries = positions.shape
        query_mask = torch.isfinite(positions)  # (n, Q)
        if self.tokens_ == "timestep":
            query_positions, token_query_mask = positions[:, None, :], query_mask  # (n, 1, Q)
        else:  # one scalar query per (time, channel), channel fastest
            n_channels = self.n_channels_
            channel = torch.arange(n_channels, dtype=positions.dtype, device=positions.device).repeat(n_queries)
            query_positions = torch.stack(
                [positions.repeat_interleave(n_channels, dim=1), channel.expand(n_series, -1)], dim=1
            )  # (n, 2, Q * C)
            token_query_mask = query_mask.repeat_interleave(n_channels, dim=1)
        pred = module.predict_at(**batch, query_positions=query_positions, query_mask=token_query_mask)
        pred = pred.reshape(n_series, n_queries, self.n_channels_).transpose(1, 2)  # (n, C, Q)
        return pred.masked_fill(~query_mask[:, None, :], float("nan"))


def _query_times(times, n_series: int) -> np.ndarray:
    """``times`` of `RoMAEEmbedder.interpolate` as a float64 (n_series, Q) array, NaN-padded."""
    if isinstance(times, (list, tuple)):
        if len(times) != n_series:
            raise ValueError(f"times has {len(times)} query lists, but X has {n_series} series; give one per series")
        rows = [_numeric(row, f"times[{i}]") for i, row in enumerate(times)]
        for i, row in enumerate(rows):
            if row.ndim != 1:
                raise ValueError(f"times[{i}] must be 1-D (the query times of series {i}); got shape {row.shape}")
        padded = np.full((n_series, max((len(row) for row in rows), default=0)), np.nan)
        for i, row in enumerate(rows):  # one copy per series
            padded[i, : len(row)] = row
    else:
        padded = _numeric(times, "times")
        if padded.ndim != 2 or padded.shape[0] != n_series:
            raise ValueError(
                f"times must have shape (n_series, n_queries) = ({n_series}, n_queries) or be a list of "
                f"{n_series} 1-D arrays; got an array of shape {padded.shape}"
            )
    if np.isinf(padded).any():
        raise ValueError("times must be finite (NaN marks a missing query in a 2-D array)")
    return padded


def _numeric(array_like, what: str) -> np.ndarray:
    array = np.asarray(array_like)
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{what} must hold numbers (grid steps, the numeric index of X, or seconds since each series' "
            f"first stamp for datetime indices); got dtype {array.dtype}"
        )
    return array.astype(np.float64)
