"""Continuous axial p-RoPE: rotary position embeddings at real-valued positions.

Each head's dim is split into ``n_axes`` contiguous slices, one per positional axis
(time, channel index, ...). Inside a slice of width ``axis_dim``, element ``j`` pairs
with element ``j + axis_dim / 2`` (rotate-half) and the pair turns by the angle
``position / timescale_j`` with ``timescale_j = base ** (2 j / axis_dim)``. Only the
first ``floor(p * axis_dim / 2)`` pairs (the highest frequencies) rotate; the others
are the identity (p-RoPE: low frequencies are left free to carry content).

Positions are real numbers, so irregular timestamps need no rounding. Queries and keys
turn by their own positions, so every score depends on position differences only.
"""

from __future__ import annotations

import math
from functools import partial

import torch
from torch import nn

from .layers import Rotate


def rotate_half(x: torch.Tensor, n_axes: int) -> torch.Tensor:
    """``(x1, x2) -> (-x2, x1)`` inside each of the ``n_axes`` slices of the last dim."""
    x1, x2 = x.unflatten(-1, (n_axes, 2, -1)).unbind(-2)  # each (..., A, axis_dim / 2)
    return torch.stack((-x2, x1), dim=-2).flatten(-3)  # (..., head_dim)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, n_axes: int) -> torch.Tensor:
    """Rotate ``x`` of shape (batch, heads, tokens, head_dim).

    ``cos`` and ``sin`` come from `RotaryEmbedding.cos_sin`. The result keeps ``x``'s
    dtype, so float32 angles do not promote half-precision activations.
    """
    return (x * cos + rotate_half(x, n_axes) * sin).to(x.dtype)


class RotaryEmbedding(nn.Module):
    """Continuous axial p-RoPE for heads of width ``head_dim``.

    Calling the module on positions of shape (batch, n_axes, tokens) computes sin/cos
    once and returns the ``rotate`` callable that every `~.layers.Attention` of a
    stack shares.

    Parameters
    ----------
    head_dim : int
        Width of one attention head; must be divisible by ``2 * n_axes``.
    n_axes : int
        Number of positional axes D; each gets a contiguous slice ``head_dim / D``.
    p : float
        Fraction of each slice's frequency pairs that rotate, in [0, 1].
    base : float
        Timescale base of the frequencies.
    """

    def __init__(self, head_dim: int, n_axes: int = 1, p: float = 0.75, base: float = 10000.0):
        super().__init__()
        if n_axes < 1 or head_dim % (2 * n_axes):
            raise ValueError(
                f"head_dim {head_dim} must be divisible by 2 * n_axes = {2 * n_axes} "
                "(one rotate-half slice per positional axis)"
            )
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must be in [0, 1], got {p}")
        self.head_dim, self.n_axes, self.base = head_dim, n_axes, base
        self.axis_dim = head_dim // n_axes
        self.n_rotated = math.floor(p * self.axis_dim / 2)  # pairs that rotate, per axis

    def inv_timescale(self, dtype: torch.dtype = torch.float32, device=None) -> torch.Tensor:
        """``1 / timescale_j`` of each pair of a slice, 0 for the pairs that do not rotate.

        Computed on demand rather than stored as a buffer, so that casting the network
        to half precision never rounds the frequencies.
        """
        k = torch.arange(self.axis_dim // 2, dtype=torch.float64, device=device)
        timescale = self.base ** (2 * k / self.axis_dim)  # (axis_dim / 2,), from 1 (fastest) up
        # an inverse of 0 makes a kept pair's angle 0 whatever the position: the identity
        return torch.where(k < self.n_rotated, 1.0 / timescale, 0.0).to(dtype)

    def cos_sin(self, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Cosine and sine of every element's angle, each (batch, 1, tokens, head_dim).

        ``positions`` is (batch, n_axes, tokens); the angle of slice ``a``'s pair ``j``
        is ``positions[:, a] * inv_timescale[j]``, written to elements ``j`` and
        ``j + axis_dim / 2`` of that slice.
        """
        B, A, N = positions.shape
        if A != self.n_axes:
            raise ValueError(f"positions have {A} axes, the rotary embedding expects {self.n_axes}")
        inv_timescale = self.inv_timescale(positions.dtype, positions.device)  # (axis_dim / 2,)
        angle = positions[..., None] * inv_timescale  # (B, A, N, axis_dim / 2)
        angle = torch.cat((angle, angle), dim=-1)  # (B, A, N, axis_dim): both halves of each pair
        angle = angle.transpose(1, 2).reshape(B, 1, N, self.head_dim)  # slices contiguous, per axis
        return angle.cos(), angle.sin()

    def forward(self, positions: torch.Tensor) -> Rotate:
        """The ``rotate`` callable for queries/keys at ``positions`` (batch, n_axes, tokens)."""
        cos, sin = self.cos_sin(positions)
        return partial(apply_rotary, cos=cos, sin=sin, n_axes=self.n_axes)

    def extra_repr(self) -> str:
        return f"head_dim={self.head_dim}, n_axes={self.n_axes}, n_rotated={self.n_rotated}"
