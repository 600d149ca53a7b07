"""RoMAE: rotary masked autoencoder (Zivanovic et al., arXiv 2505.20535).

A token is one time step (all channels) or one observed scalar, at a real-valued
position on each of ``n_axes`` axes (time; or time and channel index). The only
positional signal is continuous axial p-RoPE inside attention (`.rotary`), so irregular
sampling needs no grid and no absolute embedding. Pretraining hides a fraction of the
real tokens, encodes the visible ones (+ a learned [CLS]) and a shallow decoder predicts
the hidden ones from mask tokens placed at their positions. Placing the mask tokens at
any other positions instead gives interpolation and imputation (`RoMAE.predict_at`).

Every entry point takes the same batch (padding conventionally at the end of the
token axis, though any token may be padding):

    values      (B, N, F) float32  token features, 0 where unobserved
    positions   (B, A, N) float32  real-valued position of each token on each axis
    token_mask  (B, N)    bool     True = real token, False = padding
    observed    (B, N, F) bool     True = value observed
"""

from __future__ import annotations

import torch
from torch import nn

from .layers import Block, RMSNorm, drop_path_rates, key_padding_bias, masked_mse, numbered
from .masking import drop_at_random, n_masked, shuffle_real_tokens
from .rotary import RotaryEmbedding

# width / heads / depth of the paper's presets (the decoder is tiny-shallow)
SIZES = {
    "tiny-shallow": {"embed_dim": 180, "num_heads": 3, "depth": 2},
    "tiny": {"embed_dim": 180, "num_heads": 3, "depth": 12},
    "small": {"embed_dim": 432, "num_heads": 6, "depth": 12},
    "base": {"embed_dim": 720, "num_heads": 12, "depth": 12},
}


def _take(x: torch.Tensor, ids: torch.Tensor, dim: int) -> torch.Tensor:
    """Per-sample gather of tokens ``ids`` (B, K) along the token dimension ``dim`` of ``x``."""
    index_shape = [1] * x.ndim
    index_shape[0], index_shape[dim] = ids.shape
    size = list(x.shape)
    size[dim] = ids.shape[1]
    return x.gather(dim, ids.reshape(index_shape).expand(size))


def _init_weights(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.trunc_normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


class Transformer(nn.Module):
    """Pre-norm RMSNorm / bias-free SiLU blocks sharing one continuous axial p-RoPE.

    Drop path rises linearly with depth; there is no final norm (each head brings its
    own RMSNorm).
    """

    def __init__(
        self,
        dim: int,
        depth: int,
        num_heads: int,
        mlp_ratio: float,
        drop_path: float,
        n_axes: int,
        rope_p: float,
        rope_base: float,
    ):
        super().__init__()
        self.blocks = nn.ModuleList(
            Block(dim, num_heads, mlp_ratio, bias=False, act=nn.SiLU, norm=RMSNorm, drop_path=rate)
            for rate in drop_path_rates(drop_path, depth)
        )  # built first: Attention rejects a width that the heads do not divide
        self.rope = RotaryEmbedding(dim // num_heads, n_axes, rope_p, rope_base)

    def forward(
        self, x: torch.Tensor, positions: torch.Tensor, keep: torch.Tensor, depth: int | None = None
    ) -> torch.Tensor:
        """Output of the first ``depth`` blocks (all by default) for x (B, N, dim)."""
        rotate = self.rope(positions)  # sin/cos computed once, shared by every block
        bias = key_padding_bias(keep, x.dtype)  # (B, 1, 1, N): padding is never a key
        for block in self.blocks[:depth]:
            x = block(x, bias, rotate)  # (B, N, dim)
        return x


class RoMAE(nn.Module):
    """Rotary masked autoencoder on tokens at real-valued positions.

    Parameters
    ----------
    in_features : int
        Features per token F (channels of a time step, or 1 for scalar tokens).
    n_axes : int
        Positional axes A; each head's dim is split into A rotary slices.
    embed_dim, depth, num_heads : int
        Encoder width, blocks and heads (see `SIZES` for the paper's presets).
    decoder_embed_dim, decoder_depth, decoder_num_heads : int
        Decoder width, blocks and heads (tiny-shallow by default).
    mlp_ratio : float
        Hidden width of the MLPs relative to the block width.
    drop_path : float
        Stochastic-depth rate of the last encoder block (0 at the first; the decoder
        has none).
    mask_ratio : float
        Fraction of real tokens hidden during pretraining (see `mask_count`).
    use_cls : bool
        Prepend a learned [CLS] token, at position 0 on every axis.
    rope_p : float
        Fraction of each rotary slice's frequency pairs that rotate.
    rope_base : float
        Timescale base of the rotary frequencies.

    Examples
    --------
    >>> net = RoMAE(3, embed_dim=24, num_heads=2, decoder_embed_dim=24, decoder_num_heads=2)
    >>> values, observed = torch.randn(2, 10, 3), torch.ones(2, 10, 3, dtype=torch.bool)
    >>> positions = 10 * torch.rand(2, 1, 10)  # irregular times, one axis
    >>> token_mask = torch.ones(2, 10, dtype=torch.bool)
    >>> loss, pred, mask = net(values, positions, token_mask, observed)
    >>> mask.sum(1).tolist()
    [8, 8]
    >>> net.embed(values, positions, token_mask, observed).shape
    torch.Size([2, 24])
    """

    def __init__(
        self,
        in_features: int,
        n_axes: int = 1,
        embed_dim: int = 180,
        depth: int = 2,
        num_heads: int = 3,
        decoder_embed_dim: int = 180,
        decoder_depth: int = 2,
        decoder_num_heads: int = 3,
        mlp_ratio: float = 4.0,
        drop_path: float = 0.0,
        mask_ratio: float = 0.75,
        use_cls: bool = True,
        rope_p: float = 0.75,
        rope_base: float = 10000.0,
    ):
        super().__init__()
        self.mask_ratio, self.use_cls = mask_ratio, use_cls
        rope = {"n_axes": n_axes, "rope_p": rope_p, "rope_base": rope_base}

        # ---- encoder: a linear token embedding, no absolute position (RoPE only)
        self.token_embed = nn.Linear(in_features, embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim)) if use_cls else None
        self.encoder = Transformer(embed_dim, depth, num_heads, mlp_ratio, drop_path, **rope)

        # ---- decoder: one learned mask token, zero at start, shared by every hidden
        # token, so the decoder's own RoPE is the only thing telling them apart
        self.decoder_embed = nn.Linear(embed_dim, decoder_embed_dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_embed_dim))
        self.decoder = Transformer(decoder_embed_dim, decoder_depth, decoder_num_heads, mlp_ratio, 0.0, **rope)
        self.decoder_pred = nn.Sequential(RMSNorm(decoder_embed_dim), nn.Linear(decoder_embed_dim, in_features))

        self.apply(_init_weights)
        if use_cls:
            nn.init.trunc_normal_(self.cls_token, std=0.02)

    @staticmethod
    def _clean(
        values: torch.Tensor, positions: torch.Tensor, token_mask: torch.Tensor, observed: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Zero unobserved values and padded positions.

        Attention weighs every value (0 * NaN is NaN) and ``torch.where`` passes NaN
        gradients, so NaN or garbage there would leak into real outputs and the loss.
        """
        values = torch.where(observed & token_mask[..., None], values, 0.0)  # (B, N, F)
        positions = torch.where(token_mask[:, None], positions, 0.0)  # (B, A, N)
        return values, positions

    # ---- pretraining ---------------------------------------------------------------

    def mask_count(self, n_real_min: int) -> int:
        """Tokens hidden in every sample of a batch whose shortest sample has ``n_real_min``.

        Equal counts keep the hidden and the visible sets rectangular (one gather for
        the whole batch), and using the shortest sample guarantees that no padding is
        ever hidden. The count is ``mask_ratio`` of the shortest sample's real tokens
        (rounded, at least one), but at most all but one of them, so the encoder sees a
        real token whenever the shortest sample has two. Longer samples of the same
        batch are thus hidden below ``mask_ratio``; batches of similar lengths keep
        the ratio close.
        """
        return min(n_masked(n_real_min, self.mask_ratio), max(n_real_min - 1, 1))

    def random_masking(self, token_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw the hidden tokens, uniformly among each sample's real tokens.

        Returns ``ids_keep`` (B, K) and ``ids_masked`` (B, M) token indices, with
        M = `mask_count` of the shortest sample and K the widest visible set of the
        batch; a shorter sample's ``ids_keep`` ends with padding tokens.
        """
        n_real = token_mask.sum(1)  # (B,)
        lo, hi = (int(n) for n in n_real.aminmax())
        n_mask = self.mask_count(lo)
        ids_shuffle = shuffle_real_tokens(token_mask)  # (B, N): hidden, then visible real, then padding
        return ids_shuffle[:, n_mask:hi], ids_shuffle[:, :n_mask]

    def forward_encoder(
        self, values: torch.Tensor, positions: torch.Tensor, token_mask: torch.Tensor, depth: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encode the given tokens (+ [CLS] first) through ``depth`` blocks (all by default).

        Returns the latent (B, C + N, embed_dim) with C = 1 if ``use_cls`` else 0, and
        the positions (B, A, C + N) and key mask (B, C + N) that match it.
        """
        x = self.token_embed(values)  # (B, N, E)
        if self.cls_token is not None:
            B, A, _ = positions.shape
            x = torch.cat([self.cls_token.expand(B, -1, -1), x], dim=1)  # (B, 1 + N, E)
            positions = torch.cat([positions.new_zeros(B, A, 1), positions], dim=2)  # (B, A, 1 + N)
            token_mask = torch.cat([token_mask.new_ones(B, 1), token_mask], dim=1)  # (B, 1 + N)
        return self.encoder(x, positions, token_mask, depth), positions, token_mask

    def forward_decoder(
        self,
        latent: torch.Tensor,
        positions: torch.Tensor,
        keep: torch.Tensor,
        query_positions: torch.Tensor,
        query_mask: torch.Tensor,
    ) -> torch.Tensor:
        """Reconstruction (B, Q, F) at ``query_positions`` (B, A, Q) from the encoder output.

        ``latent``, ``positions`` and ``keep`` are what `forward_encoder` returns;
        ``query_mask`` (B, Q) is False on padded queries, which no token attends to.
        """
        B, _, Q = query_positions.shape
        x = self.decoder_embed(latent)  # (B, K, D)
        x = torch.cat([x, self.mask_token.expand(B, Q, -1)], dim=1)  # (B, K + Q, D)
        positions = torch.cat([positions, query_positions], dim=2)  # (B, A, K + Q): the queries' own positions
        keep = torch.cat([keep, query_mask], dim=1)  # (B, K + Q)
        x = self.decoder(x, positions, keep)  # (B, K + Q, D)
        # slice from K rather than x[:, -Q:], which would be all of x when Q == 0
        return self.decoder_pred(x[:, x.shape[1] - Q :])  # (B, Q, F)

    @staticmethod
    def forward_loss(
        values: torch.Tensor, pred: torch.Tensor, mask: torch.Tensor, observed: torch.Tensor
    ) -> torch.Tensor:
        """Mean squared error over the observed values of hidden tokens.

        ``mask`` (B, N) is True on hidden real tokens only (never on padding); the mean
        runs over every counted value of the batch.
        """
        return masked_mse(pred, values, mask[..., None] & observed)  # counted (B, N, F)

    def forward(
        self, values: torch.Tensor, positions: torch.Tensor, token_mask: torch.Tensor, observed: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Hide, encode, decode; returns ``(loss, pred, mask)``.

        ``pred`` (B, N, F) holds the reconstruction at hidden tokens and 0 elsewhere;
        ``mask`` (B, N) is True on hidden tokens.
        """
        values, positions = self._clean(values, positions, token_mask, observed)
        ids_keep, ids_masked = self.random_masking(token_mask)  # (B, K), (B, M)
        latent, latent_positions, keep = self.forward_encoder(
            _take(values, ids_keep, 1), _take(positions, ids_keep, 2), _take(token_mask, ids_keep, 1)
        )
        every_query = torch.ones_like(ids_masked, dtype=torch.bool)  # (B, M): hidden tokens are all real
        pred_masked = self.forward_decoder(
            latent, latent_positions, keep, _take(positions, ids_masked, 2), every_query
        )  # (B, M, F)
        # back to the token layout, so the loss and the caller index tokens, not draws
        index = ids_masked[..., None].expand_as(pred_masked)  # (B, M, F)
        pred = values.new_zeros(values.shape).scatter(1, index, pred_masked)  # (B, N, F)
        mask = torch.zeros_like(token_mask).scatter(1, ids_masked, True)  # (B, N)
        return self.forward_loss(values, pred, mask, observed), pred, mask

    # ---- inference -----------------------------------------------------------------

    def embed(
        self,
        values: torch.Tensor,
        positions: torch.Tensor,
        token_mask: torch.Tensor,
        observed: torch.Tensor,
        pooling: str = "cls",
        layer: int = -1,
    ) -> torch.Tensor:
        """Embedding (B, embed_dim) of whole series, nothing hidden.

        ``pooling="cls"`` returns the [CLS] output (needs ``use_cls``); ``"mean"`` the
        mean over real tokens. ``layer`` picks the encoder block whose output is pooled.
        """
        if pooling not in ("cls", "mean"):
            raise ValueError(f"pooling must be 'cls' or 'mean', got {pooling!r}")
        if pooling == "cls" and not self.use_cls:
            raise ValueError("pooling='cls' needs a network built with use_cls=True")
        depth = len(self.encoder.blocks)
        if not -depth <= layer < depth:
            raise ValueError(f"layer must be in [{-depth}, {depth - 1}], got {layer}")
        values, positions = self._clean(values, positions, token_mask, observed)
        latent, _, _ = self.forward_encoder(values, positions, token_mask, layer % depth + 1)
        if pooling == "cls":
            return latent[:, 0]  # (B, E)
        tokens = latent[:, int(self.use_cls) :]  # (B, N, E) without [CLS]
        total = torch.where(token_mask[..., None], tokens, 0.0).sum(1)  # (B, E)
        return total / token_mask.sum(1, keepdim=True).clamp(min=1)

    def layer_ids(self, layer: int = -1, **embed_kwargs) -> tuple[dict[str, int | None], int]:
        """Layer id of every parameter in the stack that ``embed(layer=layer)`` runs (MAE's ``get_layer_id_for_vit``).

        Returns ``(ids, n_blocks)``: ``ids[name]`` is 0 for the token embedding and the
        [CLS] token, ``i + 1`` for encoder block ``i`` up to ``layer``, and None for what
        ``embed`` does not use (later blocks, decoder, mask token); ``n_blocks`` counts
        the blocks used.
        """
        used = layer % len(self.encoder.blocks) + 1

        def layer_id(name: str) -> int | None:
            if name.startswith("token_embed.") or name == "cls_token":
                return 0
            block = numbered(name, "encoder.blocks.")
            return block + 1 if block is not None and block < used else None

        return {name: layer_id(name) for name, _ in self.named_parameters()}, used

    def hide_observations(
        self, rate: float, values: torch.Tensor, positions: torch.Tensor, token_mask: torch.Tensor,
        observed: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        """An ``embed`` batch with a random ``rate`` of the real tokens hidden (fine-tuning augmentation).

        A token is a time step (``tokens="timestep"``) or one observed value
        (``"value"``); a hidden token becomes padding.
        """
        hidden = drop_at_random(token_mask, rate)  # (B, N)
        return {
            "values": values,
            "positions": positions,
            "token_mask": token_mask & ~hidden,
            "observed": observed & ~hidden[..., None],  # (B, N, F)
        }

    def predict_at(
        self,
        values: torch.Tensor,
        positions: torch.Tensor,
        token_mask: torch.Tensor,
        observed: torch.Tensor,
        query_positions: torch.Tensor,
        query_mask: torch.Tensor,
    ) -> torch.Tensor:
        """Reconstruction (B, Q, F) at any real-valued ``query_positions`` (B, A, Q).

        The encoder sees every real token; mask tokens at the queries go through the
        decoder and the reconstruction head (interpolation, imputation). Queries
        attend to each other, as hidden tokens do in pretraining. Padded queries
        (``query_mask`` False) return 0.
        """
        values, positions = self._clean(values, positions, token_mask, observed)
        query_positions = torch.where(query_mask[:, None], query_positions, 0.0)  # (B, A, Q)
        latent, latent_positions, keep = self.forward_encoder(values, positions, token_mask)
        pred = self.forward_decoder(latent, latent_positions, keep, query_positions, query_mask)  # (B, Q, F)
        return pred.masked_fill(~query_mask[..., None], 0.0)
