"""Continuous axial p-RoPE: relative property, exact frequencies, axis slices, validation."""

import math

import pytest
import torch

from sklearn_msae.nn.layers import Attention
from sklearn_msae.nn.rotary import RotaryEmbedding


def scores(rope, q, k, positions):
    rotate = rope(positions)
    return rotate(q) @ rotate(k).transpose(-1, -2)  # (B, H, N, N)


@pytest.mark.parametrize("n_axes", [1, 2])
@pytest.mark.parametrize("shift", [3.0, 2.71828, -41.5])
def test_scores_depend_only_on_position_differences(n_axes, shift):
    torch.manual_seed(0)
    rope = RotaryEmbedding(16, n_axes)
    q, k = torch.randn(2, 3, 7, 16, dtype=torch.float64), torch.randn(2, 3, 7, 16, dtype=torch.float64)
    positions = 20 * torch.rand(2, n_axes, 7, dtype=torch.float64)  # irregular, real-valued
    offset = shift * torch.arange(1, n_axes + 1, dtype=torch.float64)[None, :, None]  # its own shift per axis
    reference = scores(rope, q, k, positions)
    torch.testing.assert_close(scores(rope, q, k, positions + offset), reference)
    # ...but moving one token alone does change its scores
    moved = positions.clone()
    moved[:, 0, 3] += shift
    assert not torch.allclose(scores(rope, q, k, moved), reference)


def test_attention_with_rotary_is_shift_invariant():
    torch.manual_seed(0)
    attn, rope = Attention(24, 2, bias=False), RotaryEmbedding(12)
    x, positions = torch.randn(2, 5, 24), 10 * torch.rand(2, 1, 5)
    torch.testing.assert_close(attn(x, rotate=rope(positions + 7.25)), attn(x, rotate=rope(positions)))


@pytest.mark.parametrize(
    ("head_dim", "n_axes", "expected"), [(16, 1, 6), (12, 1, 4), (60, 1, 22), (16, 2, 3), (24, 2, 4), (72, 2, 13)]
)
def test_rotated_pair_count_is_floor_of_p_half_axis_dim(head_dim, n_axes, expected):
    rope = RotaryEmbedding(head_dim, n_axes)
    assert rope.n_rotated == expected == math.floor(0.75 * (head_dim // n_axes) / 2)
    assert (rope.inv_timescale() > 0).sum() == expected
    assert RotaryEmbedding(head_dim, n_axes, p=1.0).n_rotated == head_dim // n_axes // 2
    assert RotaryEmbedding(head_dim, n_axes, p=0.0).n_rotated == 0


def test_rotation_matrix_exact_values():
    head_dim, half, n_rotated = 16, 8, 6
    rope = RotaryEmbedding(head_dim)
    position = 2.5
    # rotate every basis vector: row i of the result is R e_i, i.e. column i of R
    basis = torch.eye(head_dim, dtype=torch.float64)[None, None]  # (1, 1, 16, 16): 16 tokens
    positions = torch.full((1, 1, head_dim), position, dtype=torch.float64)
    R = rope(positions)(basis)[0, 0].T  # (16, 16): out = R @ x
    expected = torch.eye(head_dim, dtype=torch.float64)
    for j in range(n_rotated):  # pair (j, j + half) turns by position / 10000^(2j / 16)
        angle = position / 10000 ** (2 * j / head_dim)
        expected[j, j] = expected[j + half, j + half] = math.cos(angle)
        expected[j, j + half] = -math.sin(angle)
        expected[j + half, j] = math.sin(angle)
    torch.testing.assert_close(R, expected)
    # the two slowest pairs are the identity at any position
    cos, sin = rope.cos_sin(torch.tensor([[[1e4, -3.3]]], dtype=torch.float64))
    for kept in (6, 7, 14, 15):
        assert torch.equal(cos[..., kept], torch.ones_like(cos[..., kept]))
        assert torch.equal(sin[..., kept], torch.zeros_like(sin[..., kept]))


def test_rotation_preserves_norm_and_dtype():
    rope = RotaryEmbedding(12)
    x = torch.randn(2, 2, 5, 12)
    rotated = rope(50 * torch.rand(2, 1, 5))(x)
    torch.testing.assert_close(rotated.norm(dim=-1), x.norm(dim=-1))
    assert rope(torch.rand(2, 1, 5))(x.bfloat16()).dtype == torch.bfloat16


def test_each_slice_turns_by_its_own_axis_only():
    torch.manual_seed(0)
    rope = RotaryEmbedding(16, n_axes=2)
    x = torch.randn(2, 3, 6, 16, dtype=torch.float64)
    positions = 10 * torch.rand(2, 2, 6, dtype=torch.float64)
    out = rope(positions)(x)

    other_time = positions.clone()
    other_time[:, 1] += torch.rand(2, 6, dtype=torch.float64) + 1.0  # axis 1 changes
    changed = rope(other_time)(x)
    assert torch.equal(changed[..., :8], out[..., :8])  # axis-0 slice untouched
    assert not torch.allclose(changed[..., 8:], out[..., 8:])

    other_time = positions.clone()
    other_time[:, 0] -= 4.5  # axis 0 changes
    changed = rope(other_time)(x)
    assert torch.equal(changed[..., 8:], out[..., 8:])
    assert not torch.allclose(changed[..., :8], out[..., :8])

    # each slice is a one-axis p-RoPE of width head_dim / 2 on its own axis
    single = RotaryEmbedding(8)
    torch.testing.assert_close(out[..., :8], single(positions[:, :1])(x[..., :8]))
    torch.testing.assert_close(out[..., 8:], single(positions[:, 1:])(x[..., 8:]))


def test_validation():
    with pytest.raises(ValueError, match="divisible by 2 \\* n_axes"):
        RotaryEmbedding(10, n_axes=2)
    with pytest.raises(ValueError, match="divisible"):
        RotaryEmbedding(9)
    with pytest.raises(ValueError, match="p must be"):
        RotaryEmbedding(8, p=1.5)
    with pytest.raises(ValueError, match="axes"):
        RotaryEmbedding(8, n_axes=2).cos_sin(torch.zeros(1, 1, 3))
