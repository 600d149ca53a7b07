"""Transformer layers shared by every network (written once, timm ``layers/`` style)."""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

Rotate = Callable[[torch.Tensor], torch.Tensor]


class RMSNorm(nn.Module):
    """Root-mean-square normalisation (no mean subtraction, no bias)."""

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.rms_norm(x, (x.shape[-1],), self.weight, self.eps)


class DropPath(nn.Module):
    """Stochastic depth: drop the whole residual branch of a sample with prob ``p``."""

    def __init__(self, p: float = 0.0):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0 or not self.training:
            return x
        keep = 1.0 - self.p
        # one Bernoulli draw per sample, broadcast over tokens and features
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        return x * x.new_empty(shape).bernoulli_(keep) / keep


class MLP(nn.Module):
    """Two-layer feed-forward network ``Linear -> act -> Linear``."""

    def __init__(self, dim: int, hidden_dim: int, act: type[nn.Module] = nn.GELU, bias: bool = True):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden_dim, bias=bias)
        self.act = act()
        self.fc2 = nn.Linear(hidden_dim, dim, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


def key_padding_bias(keep: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Additive attention bias from a boolean key mask.

    Parameters
    ----------
    keep : bool tensor of shape (batch, tokens)
        ``True`` where a token may be attended to.

    Returns
    -------
    Tensor of shape (batch, 1, 1, tokens): 0 where kept, the dtype's most negative
    finite value elsewhere (finite, so a query whose keys are all masked gives a
    uniform average instead of NaN).
    """
    bias = torch.zeros(keep.shape, dtype=dtype, device=keep.device)
    bias.masked_fill_(~keep, torch.finfo(dtype).min)
    return bias[:, None, None, :]  # (B, 1, 1, N): broadcast over heads and queries


class Attention(nn.Module):
    """Multi-head self-attention through ``scaled_dot_product_attention``.

    ``rotate`` (optional) is applied to queries and keys of shape
    (batch, heads, tokens, head_dim) before the dot product; rotary position
    embeddings pass in through it, so this layer knows nothing about positions.
    """

    def __init__(self, dim: int, num_heads: int, bias: bool = True):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"width {dim} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=bias)
        self.proj = nn.Linear(dim, dim, bias=bias)

    def forward(
        self,
        x: torch.Tensor,
        attn_bias: torch.Tensor | None = None,
        rotate: Rotate | None = None,
    ) -> torch.Tensor:
        B, N, D = x.shape
        qkv = self.qkv(x).view(B, N, 3, self.num_heads, D // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each (B, H, N, hd)
        if rotate is not None:
            q, k = rotate(q), rotate(k)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_bias)  # (B, H, N, hd)
        return self.proj(out.transpose(1, 2).reshape(B, N, D))


class Block(nn.Module):
    """Pre-norm transformer block: ``x + attn(norm(x))`` then ``x + mlp(norm(x))``."""

    def __init__(
        self,
        dim: int,
        num_heads: int,
        mlp_ratio: float = 4.0,
        bias: bool = True,
        act: type[nn.Module] = nn.GELU,
        norm: type[nn.Module] = nn.LayerNorm,
        drop_path: float = 0.0,
    ):
        super().__init__()
        self.norm1 = norm(dim)
        self.attn = Attention(dim, num_heads, bias=bias)
        self.norm2 = norm(dim)
        self.mlp = MLP(dim, int(dim * mlp_ratio), act=act, bias=bias)
        self.drop_path = DropPath(drop_path)

    def forward(
        self,
        x: torch.Tensor,
        attn_bias: torch.Tensor | None = None,
        rotate: Rotate | None = None,
    ) -> torch.Tensor:
        x = x + self.drop_path(self.attn(self.norm1(x), attn_bias, rotate))
        return x + self.drop_path(self.mlp(self.norm2(x)))


def drop_path_rates(max_rate: float, depth: int) -> list[float]:
    """Stochastic-depth rate of each block, rising linearly from 0 to ``max_rate``."""
    if depth == 1:
        return [0.0]
    return [max_rate * i / (depth - 1) for i in range(depth)]


def masked_mse(pred: torch.Tensor, target: torch.Tensor, counted: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the ``counted`` entries only (0, with a gradient, if none).

    Every network's reconstruction loss: entries that are visible, unobserved or
    padding are left out by the caller's ``counted`` mask. The squares are summed in
    float64 (float32 on MPS, which has no float64): a series far beyond the fitted scale
    (1e29 in scaled units) overflows float32's square, and ``score`` would read -inf.
    """
    wide = torch.float32 if pred.device.type == "mps" else torch.float64
    error = torch.where(counted, (pred.to(wide) - target.to(wide)) ** 2, 0.0)
    return error.sum() / counted.sum().clamp(min=1)


def numbered(name: str, prefix: str) -> int | None:
    """The index ``i`` of a parameter named ``prefix + "i." + ...`` (a block of a ``ModuleList``), else None."""
    if not name.startswith(prefix):
        return None
    return int(name[len(prefix) :].split(".")[0])
