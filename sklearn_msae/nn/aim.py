"""LSM-2 Adaptive and Inherited Masking (AIM): a masked autoencoder for incomplete series.

Xu, Narayanswamy et al., "LSM-2: Learning from Incomplete Wearable Sensor Data"
(arXiv 2506.05321). A token is one channel's patch of ``patch_size`` time steps. Real
gaps become *inherited* masks handled by the same machinery as the artificial masks of
pretraining, so the model trains on and embeds incomplete data without imputation.
Hidden tokens are partly dropped from the encoder and partly excluded as attention keys
(adaptive hybrid masking); the decoder sees a learnable mask token at every hidden position.
"""

from __future__ import annotations

import torch
from torch import nn

from .layers import Block, drop_path_rates, key_padding_bias, masked_mse, numbered
from .masking import aim_artificial_mask, drop_time_steps, drop_values, fill_linear, hybrid_selection, inherited_mask

# Constructor presets: "small" is the CPU default; "base" is the LSM-2 size (ViT-1D encoder
# of 12 layers, width 384, 6 heads; 4-layer decoder, whose width the paper does not give).
SIZES = {
    "tiny": dict(embed_dim=32, depth=2, num_heads=2, decoder_embed_dim=32, decoder_depth=1, decoder_num_heads=2),
    "small": dict(embed_dim=64, depth=4, num_heads=4, decoder_embed_dim=64, decoder_depth=2, decoder_num_heads=4),
    "base": dict(embed_dim=384, depth=12, num_heads=6, decoder_embed_dim=256, decoder_depth=4, decoder_num_heads=4),
}


def _sincos_1d(positions: int, dim: int, device: torch.device) -> torch.Tensor:
    """(positions, dim) sin-cos embedding of 0 .. positions - 1 (FB MAE frequencies)."""
    omega = 1.0 / 10000 ** (torch.arange(dim // 2, device=device, dtype=torch.float32) / (dim // 2))  # (dim/2,)
    angle = torch.arange(positions, device=device, dtype=torch.float32)[:, None] * omega  # (positions, dim/2)
    return torch.cat([angle.sin(), angle.cos()], dim=1)


def sincos_position_embedding(channels: int, num_patches: int, dim: int, device: torch.device) -> torch.Tensor:
    """Fixed 2-D sin-cos positions of the (channel, time patch) token grid.

    The first half of ``dim`` encodes the time-patch index, the second half the channel
    index. Computed for any grid, so there is no maximum length. Returns a tensor of
    shape (channels * num_patches, dim), rows in channel-major token order.
    """
    time = _sincos_1d(num_patches, dim // 2, device)[None, :, :].expand(channels, -1, -1)  # (C, Nt, dim/2)
    channel = _sincos_1d(channels, dim // 2, device)[:, None, :].expand(-1, num_patches, -1)  # (C, Nt, dim/2)
    return torch.cat([time, channel], dim=-1).reshape(channels * num_patches, dim)


class AIM(nn.Module):
    """LSM-2 masked autoencoder on series of shape (batch, in_channels, T).

    Inputs are ``x`` (B, C, T) float, 0 where unobserved, and ``observed`` (B, C, T)
    bool; T must be a multiple of ``patch_size`` (the caller pads with unobserved values).
    A token whose values are all unobserved is inherited-masked; a partially observed
    token stays visible with its unobserved values at 0, which the loss ignores; the
    value embedding reads each value together with its observed flag, so an unobserved
    value is never confused with an observed 0.

    Parameters
    ----------
    in_channels : int
        Number of channels C; the channel half of the position embedding indexes them.
    patch_size : int
        Time steps P per token.
    embed_dim, depth, num_heads : int
        Encoder width (a multiple of 4, for the 2-D sin-cos positions), blocks, heads.
    decoder_embed_dim, decoder_depth, decoder_num_heads : int
        The same for the decoder.
    mlp_ratio : float
        Hidden width of the blocks' MLP relative to their width.
    drop_path : float
        Stochastic-depth rate of the last encoder block (rising linearly from 0).
    random_ratio : float
        Fraction of tokens hidden by the random strategy.
    temporal_ratio : float
        Fraction of time patches hidden, in all channels, by the temporal-slice strategy.
    sensor_ratio : float
        Fraction of channels hidden, over all time, by the sensor-slice strategy.
    contiguous_temporal : bool
        The temporal slice is one contiguous block (otherwise scattered patches).
    gap_fill : {"zero", "linear"}
        What the value embedding reads at the unobserved values of a partially observed
        token, beside their observed flags: 0, or the linear interpolation along time of
        the values around them (`fill_linear`) that the encoder may see (never a value of
        a hidden token).
    value_dropout : float
        Pretraining also hides from the encoder a fraction, drawn per series from
        [0, value_dropout), of the observed values (`drop_values`) and reconstructs them;
        0 hides whole tokens only (the paper).
    """

    def __init__(
        self,
        in_channels: int,
        patch_size: int = 10,
        embed_dim: int = 64,
        depth: int = 4,
        num_heads: int = 4,
        decoder_embed_dim: int = 64,
        decoder_depth: int = 2,
        decoder_num_heads: int = 4,
        mlp_ratio: float = 4.0,
        drop_path: float = 0.0,
        random_ratio: float = 0.8,
        temporal_ratio: float = 0.5,
        sensor_ratio: float = 0.5,
        contiguous_temporal: bool = True,
        gap_fill: str = "zero",
        value_dropout: float = 0.0,
    ):
        super().__init__()
        if gap_fill not in ("zero", "linear"):
            raise ValueError(f"gap_fill must be 'zero' or 'linear', got {gap_fill!r}")
        self.gap_fill, self.value_dropout = gap_fill, value_dropout
        for name, width in (("embed_dim", embed_dim), ("decoder_embed_dim", decoder_embed_dim)):
            if width % 4:
                raise ValueError(f"{name} must be a multiple of 4 for the 2-D sin-cos positions; got {width}")
        self.in_channels, self.patch_size = in_channels, patch_size
        self.random_ratio, self.temporal_ratio, self.sensor_ratio = random_ratio, temporal_ratio, sensor_ratio
        self.contiguous_temporal = contiguous_temporal

        # encoder: embedding of (values, observed flags), shared by all channels; channel
        # identity comes from positions
        self.value_embed = nn.Linear(2 * patch_size, embed_dim)
        self.blocks = nn.ModuleList(
            Block(embed_dim, num_heads, mlp_ratio, drop_path=rate) for rate in drop_path_rates(drop_path, depth)
        )
        self.norm = nn.LayerNorm(embed_dim)

        # decoder
        self.decoder_embed = nn.Linear(embed_dim, decoder_embed_dim)
        self.mask_token = nn.Parameter(torch.zeros(decoder_embed_dim))
        self.decoder_blocks = nn.ModuleList(
            Block(decoder_embed_dim, decoder_num_heads, mlp_ratio) for _ in range(decoder_depth)
        )
        self.decoder_norm = nn.LayerNorm(decoder_embed_dim)
        self.decoder_pred = nn.Linear(decoder_embed_dim, patch_size)
        self.initialize_weights()

    def initialize_weights(self) -> None:
        """FB MAE initialisation: Xavier-uniform linears with zero bias, small mask token."""
        nn.init.normal_(self.mask_token, std=0.02)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    # ---- tokens ----------------------------------------------------------------------

    def patchify(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T) -> (B, C * T / P, P), channel-major: all patches of channel 0 first."""
        B, C, T = x.shape
        if C != self.in_channels:
            raise ValueError(f"expected {self.in_channels} channels, got {C}")
        if T % self.patch_size:
            raise ValueError(f"length {T} is not a multiple of patch_size {self.patch_size}; pad it as unobserved")
        return x.reshape(B, C * (T // self.patch_size), self.patch_size)

    def unpatchify(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, C * Nt, P) -> (B, C, Nt * P), the inverse of `patchify`."""
        return tokens.reshape(tokens.shape[0], self.in_channels, -1)

    def tokenize(self, x: torch.Tensor, observed: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Token values (B, N, P) zeroed where unobserved, observed (B, N, P), inherited mask (B, N)."""
        token_observed = self.patchify(observed)  # (B, N, P)
        # zero-filling here, not trusting the caller, makes every output independent of unobserved values
        tokens = self.patchify(x).masked_fill(~token_observed, 0.0)  # (B, N, P)
        return tokens, token_observed, inherited_mask(observed, self.patch_size).flatten(1)  # (B, C, Nt) -> (B, N)

    def fill_gaps(self, tokens: torch.Tensor, visible: torch.Tensor) -> torch.Tensor:
        """The encoder's token values (B, N, P): ``tokens`` (0 where unobserved) where ``visible``, the
        ``gap_fill`` elsewhere. Only unobserved values of visible tokens matter: the encoder reads no
        hidden token (dropped, or key-masked)."""
        if self.gap_fill == "zero":
            return tokens
        return self.patchify(fill_linear(self.unpatchify(tokens), self.unpatchify(visible)))  # along each channel

    def mask_tokens(self, inherited: torch.Tensor) -> torch.Tensor:
        """Pretraining mask M = M_inh | M_art (B, N), one artificial strategy per sample."""
        B, N = inherited.shape
        artificial = aim_artificial_mask(
            B,
            self.in_channels,
            N // self.in_channels,
            self.random_ratio,
            self.temporal_ratio,
            self.sensor_ratio,
            self.contiguous_temporal,
            device=inherited.device,
        )  # (B, C, Nt)
        return inherited | artificial.flatten(1)

    # ---- network ---------------------------------------------------------------------

    def _positions(self, num_tokens: int, dim: int, device: torch.device) -> torch.Tensor:
        return sincos_position_embedding(self.in_channels, num_tokens // self.in_channels, dim, device)  # (N, dim)

    @staticmethod
    def _restore(kept: torch.Tensor, ids_keep: torch.Tensor, num_tokens: int) -> torch.Tensor:
        """Scatter kept tokens (B, N_keep, d) back to their positions in (B, N, d); zeros elsewhere."""
        B, _, d = kept.shape
        return kept.new_zeros(B, num_tokens, d).scatter(1, ids_keep[..., None].expand(-1, -1, d), kept)

    def forward_encoder(
        self, tokens: torch.Tensor, token_observed: torch.Tensor, mask: torch.Tensor, drop_ratio: float = 0.5
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode the tokens not dropped by `hybrid_selection` (at most ``drop_ratio`` of them).

        ``tokens`` (B, N, P) are `fill_gaps`' values wherever ``token_observed`` (B, N, P)
        is False.
        Returns the latent (B, N - D, embed_dim) and the kept indices ``ids_keep`` (B, N - D).
        """
        # interpolated gaps read as observed: the flags would otherwise carry the gap pattern into every embedding
        flags = token_observed if self.gap_fill == "zero" else torch.ones_like(token_observed)
        h = self.value_embed(torch.cat([tokens, flags.to(tokens.dtype)], dim=-1))  # (B, N, d)
        h = h + self._positions(tokens.shape[1], h.shape[-1], h.device)
        ids_keep, attend = hybrid_selection(mask, drop_ratio)  # (B, N - D) each
        h = h.gather(1, ids_keep[..., None].expand(-1, -1, h.shape[-1]))  # (B, N - D, d)
        # hidden tokens that were not dropped still attend, but no token may attend to them
        bias = key_padding_bias(attend, h.dtype)  # (B, 1, 1, N - D)
        for block in self.blocks:
            h = block(h, bias)
        return self.norm(h), ids_keep

    def forward_decoder(self, latent: torch.Tensor, ids_keep: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Predict the P values of every token (B, N, P) from the latent of the kept ones."""
        h = self._restore(self.decoder_embed(latent), ids_keep, mask.shape[1])  # (B, N, d_dec)
        # every hidden position, dropped or key-masked, gets the mask token: none of them leaks
        h = torch.where(mask[..., None], self.mask_token, h)
        h = h + self._positions(mask.shape[1], h.shape[-1], h.device)
        for block in self.decoder_blocks:
            h = block(h)
        return self.decoder_pred(self.decoder_norm(h))  # (B, N, P)

    @staticmethod
    def forward_loss(
        tokens: torch.Tensor, pred: torch.Tensor, hidden: torch.Tensor, token_observed: torch.Tensor
    ) -> torch.Tensor:
        """MSE over the values that were hidden (``hidden`` (B, N, P)) and truly observed.

        A token the data left without an observed value counts nothing; one whose
        values were all dropped in pretraining (`drop_values`) is masked like an
        inherited token and counts its observed values. Zero (with a gradient) when
        nothing counts.
        """
        return masked_mse(pred, tokens, hidden & token_observed)  # counted (B, N, P)

    def forward(self, x: torch.Tensor, observed: torch.Tensor):
        """Mask, encode, decode; returns ``(loss, pred, mask)``.

        ``pred`` (B, C, T) holds the decoder's predictions, ``mask`` (B, C, T) is ``True``
        at every value of a hidden token (inherited, all of its values dropped, or
        artificial); single dropped values are not in it.
        """
        # (B, C, T): hidden besides the masked tokens, in training only: `score` and the validation loss
        # measure the same reconstruction whatever value_dropout is
        dropped = drop_values(observed, self.value_dropout if self.training else 0.0)
        tokens, token_observed, _ = self.tokenize(x, observed)  # (B, N, P): the targets
        token_dropped = self.patchify(dropped)  # (B, N, P)
        token_seen = token_observed & ~token_dropped  # (B, N, P)
        inherited = ~token_seen.any(-1)  # (B, N): a token with no value left is inherited
        mask = self.mask_tokens(inherited)  # (B, N)
        # (B, N, P): the encoder reads nothing hidden
        inputs = self.fill_gaps(tokens.masked_fill(~token_seen, 0.0), token_seen & ~mask[..., None])
        latent, ids_keep = self.forward_encoder(inputs, token_seen, mask)
        pred = self.forward_decoder(latent, ids_keep, mask)  # (B, N, P)
        loss = self.forward_loss(tokens, pred, mask[..., None] | token_dropped, token_observed)
        return loss, self.unpatchify(pred), self.unpatchify(mask[..., None].expand_as(pred))

    # ---- inference -------------------------------------------------------------------

    def embed(
        self, x: torch.Tensor, observed: torch.Tensor, pooling: str = "mean", drop_hidden: bool = True
    ) -> torch.Tensor:
        """Embeddings of complete or incomplete series, with no artificial mask.

        Inherited-masked tokens are dropped or key-masked and left out of the pooling.

        Parameters
        ----------
        x : float tensor of shape (B, C, T)
        observed : bool tensor of shape (B, C, T)
        pooling : {"mean", "channel"}
            ``"mean"``: mean encoder output over the observed tokens, shape (B, embed_dim).
            ``"channel"``: per-channel means concatenated, shape (B, C * embed_dim); the
            block of a channel with no observed token in a sample is all zeros.
        drop_hidden : bool
            Drop up to half of the tokens with no observed value from the encoder (less
            compute on gappy series); otherwise every token enters it and the missing
            ones are only key-masked. Both give the same embedding, but only ``False``
            keeps every size independent of the data, as a static graph (ONNX) needs;
            it skips the check below, so a sample with no observed value embeds as NaN
            (``"mean"``) or zeros (``"channel"``).

        Raises
        ------
        ValueError
            If ``pooling`` is unknown or, with ``drop_hidden``, a sample has no observed
            value at all.
        """
        if pooling not in ("mean", "channel"):
            raise ValueError(f"pooling must be 'mean' or 'channel', got {pooling!r}")
        tokens, token_observed, inherited = self.tokenize(x, observed)
        if drop_hidden:
            empty = inherited.all(1)  # (B,)
            if empty.any():
                raise ValueError(f"samples {empty.nonzero().flatten().tolist()} of the batch have no observed value")
        inputs = self.fill_gaps(tokens, token_observed)  # (B, N, P)
        latent, ids_keep = self.forward_encoder(inputs, token_observed, inherited, 0.5 if drop_hidden else 0.0)
        h = self._restore(latent, ids_keep, inherited.shape[1])  # (B, N, d)
        h = h.unflatten(1, (self.in_channels, -1))  # (B, C, Nt, d)
        valid = ~inherited.unflatten(1, (self.in_channels, -1))  # (B, C, Nt)
        # where() rather than a product: key-masked tokens' outputs are excluded, not merely weighted
        h = torch.where(valid[..., None], h, 0.0)
        if pooling == "mean":
            return h.sum((1, 2)) / valid.sum((1, 2))[:, None]  # (B, d)
        return (h.sum(2) / valid.sum(2).clamp(min=1)[..., None]).flatten(1)  # (B, C, d) -> (B, C * d)

    def layer_ids(self, **embed_kwargs) -> tuple[dict[str, int | None], int]:
        """Layer id of every parameter in the stack that ``embed`` runs (MAE's ``get_layer_id_for_vit``).

        Returns ``(ids, n_blocks)``: ``ids[name]`` is 0 for the value embedding, ``i + 1``
        for block ``i``, ``n_blocks + 1`` for the final norm and None for what ``embed``
        does not use (decoder, mask token); every block is used, whatever ``embed_kwargs``.
        """
        depth = len(self.blocks)

        def layer_id(name: str) -> int | None:
            block = numbered(name, "blocks.")
            if name.startswith("value_embed."):
                return 0
            if block is not None:
                return block + 1
            return depth + 1 if name.startswith("norm.") else None

        return {name: layer_id(name) for name, _ in self.named_parameters()}, depth

    def hide_observations(self, rate: float, x: torch.Tensor, observed: torch.Tensor) -> dict[str, torch.Tensor]:
        """An ``embed`` batch with a random ``rate`` of the observed time steps hidden (fine-tuning augmentation)."""
        x, observed = drop_time_steps(x, observed, rate)  # (B, C, T) each
        return {"x": x, "observed": observed}

    def reconstruct(self, x: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
        """Decoder predictions (B, C, T) for every value, with no artificial mask.

        The decoder is trained only at hidden positions, so every token with at least
        one unobserved value is hidden here and predicted from its context (its own
        observed values are not used); predictions at fully observed tokens are the
        untrained pass-through and meant to be replaced by the observed values.
        """
        tokens, token_observed, _ = self.tokenize(x, observed)
        hidden = ~token_observed.all(-1)  # (B, N)
        latent, ids_keep = self.forward_encoder(tokens, token_observed, hidden)
        return self.unpatchify(self.forward_decoder(latent, ids_keep, hidden))
