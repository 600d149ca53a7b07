import math

import pytest
import torch

from sklearn_msae.nn.masking import (
    aim_artificial_mask,
    block_patch_mask,
    drop_at_random,
    drop_time_steps,
    drop_values,
    fill_linear,
    hybrid_selection,
    inherited_mask,
    n_masked,
    random_patch_mask,
    sensor_slice_mask,
    temporal_slice_mask,
)


def _runs(mask: torch.Tensor) -> torch.Tensor:
    """Number of maximal runs of True along the last axis."""
    starts = mask[..., 1:] & ~mask[..., :-1]
    return starts.sum(-1) + mask[..., 0].long()


# ---- patch masks (HiMAE) ---------------------------------------------------------------


@pytest.mark.parametrize(("num_patches", "ratio", "expected"), [(20, 0.2, 4), (10, 0.8, 8), (7, 0.5, 4), (5, 0.01, 1)])
def test_n_masked_rounds_and_keeps_one(num_patches, ratio, expected):
    assert n_masked(num_patches, ratio) == expected


@pytest.mark.parametrize("make", [random_patch_mask, block_patch_mask])
def test_patch_masks_hide_exact_count(make):
    mask = make(64, 20, 0.3)
    assert mask.shape == (64, 20) and mask.dtype == torch.bool
    assert (mask.sum(1) == n_masked(20, 0.3)).all()


def test_random_patch_mask_differs_across_samples():
    mask = random_patch_mask(64, 20, 0.5)
    assert len({tuple(row.tolist()) for row in mask}) > 1
    assert _runs(mask).max() > 1  # not restricted to blocks


def test_block_patch_mask_is_contiguous_and_covers_every_start():
    mask = block_patch_mask(500, 10, 0.3)
    assert (_runs(mask) == 1).all()
    starts = mask.int().argmax(1)
    assert set(starts.tolist()) == set(range(10 - 3 + 1))


@pytest.mark.parametrize("make", [random_patch_mask, block_patch_mask])
def test_patch_masks_reproducible(make):
    torch.manual_seed(3)
    first = make(16, 20, 0.5)
    torch.manual_seed(3)
    assert torch.equal(first, make(16, 20, 0.5))
    generator = torch.Generator().manual_seed(5)
    again = torch.Generator().manual_seed(5)
    assert torch.equal(make(16, 20, 0.5, generator=generator), make(16, 20, 0.5, generator=again))


# ---- AIM ---------------------------------------------------------------------------------


def test_inherited_mask_only_fully_unobserved_tokens():
    observed = torch.ones(2, 3, 12, dtype=torch.bool)
    observed[0, 1, 4:8] = False  # a whole token of patch size 4
    observed[1, 2, 0:3] = False  # three of four values: partially observed
    mask = inherited_mask(observed, 4)
    assert mask.shape == (2, 3, 3)
    assert mask.nonzero().tolist() == [[0, 1, 1]]


@pytest.mark.parametrize("contiguous", [True, False])
def test_temporal_slice_hides_same_patches_in_all_channels(contiguous):
    mask = temporal_slice_mask(300, 4, 10, ratio=0.5, contiguous=contiguous)
    assert mask.shape == (300, 4, 10)
    assert (mask == mask[:, :1]).all()
    assert (mask[:, 0].sum(1) == 5).all()
    runs = _runs(mask[:, 0])
    assert (runs == 1).all() if contiguous else (runs > 1).any()


def test_temporal_slice_ratio_is_a_parameter():
    mask = temporal_slice_mask(8, 2, 20, ratio=0.25)
    assert (mask[:, 0].sum(1) == 5).all()


@pytest.mark.parametrize(("channels", "ratio", "hidden"), [(4, 0.5, 2), (6, 0.5, 3), (1, 0.5, 1), (5, 0.1, 1)])
def test_sensor_slice_hides_whole_channels(channels, ratio, hidden):
    mask = sensor_slice_mask(200, channels, 7, ratio=ratio)
    assert mask.shape == (200, channels, 7)
    assert (mask == mask[..., :1]).all()  # a channel is hidden over all time or not at all
    assert (mask[..., 0].sum(1) == hidden).all()


def _strategy(mask: torch.Tensor, random_hidden: int) -> torch.Tensor:
    """Classify each sample's (C, Nt) mask: 0 random, 1 temporal slice, 2 sensor slice."""
    temporal = (mask == mask[:, :1]).all((1, 2))
    sensor = (mask == mask[..., :1]).all((1, 2))
    assert not (temporal & sensor).any()
    random = mask.sum((1, 2)) == random_hidden
    assert (random ^ temporal ^ sensor).all()  # exactly one pattern per sample
    return torch.where(random, 0, torch.where(temporal, 1, 2))


def test_aim_mask_draws_each_strategy_with_probability_one_third():
    torch.manual_seed(0)
    n, channels, patches = 3000, 4, 10
    mask = aim_artificial_mask(n, channels, patches)
    strategy = _strategy(mask, n_masked(channels * patches, 0.8))
    counts = torch.bincount(strategy, minlength=3).float() / n
    assert torch.allclose(counts, torch.full((3,), 1 / 3), atol=0.04)  # > 4 standard errors
    # each strategy hides what its ratio says, and the temporal slice is one block
    assert (mask[strategy == 0].sum((1, 2)) == 32).all()
    assert (mask[strategy == 1][:, 0].sum(1) == 5).all()
    assert (_runs(mask[strategy == 1][:, 0]) == 1).all()
    assert (mask[strategy == 2][..., 0].sum(1) == 2).all()


def test_aim_mask_ratios_and_contiguity_are_parameters():
    torch.manual_seed(1)
    mask = aim_artificial_mask(600, 4, 10, random_ratio=0.5, temporal_ratio=0.3, sensor_ratio=0.75,
                               contiguous_temporal=False)
    strategy = _strategy(mask, 20)
    assert set(strategy.tolist()) == {0, 1, 2}
    assert (mask[strategy == 1][:, 0].sum(1) == 3).all()
    assert (_runs(mask[strategy == 1][:, 0]) > 1).any()
    assert (mask[strategy == 2][..., 0].sum(1) == 3).all()


def test_aim_mask_univariate_never_hides_the_whole_series():
    torch.manual_seed(2)
    mask = aim_artificial_mask(500, 1, 10)
    hidden = mask.sum((1, 2))
    assert set(hidden.tolist()) == {8, 5}  # random 80 % or temporal 50 %, never the sensor slice


def test_aim_mask_reproducible():
    torch.manual_seed(7)
    first = aim_artificial_mask(32, 3, 8)
    torch.manual_seed(7)
    assert torch.equal(first, aim_artificial_mask(32, 3, 8))
    generator = torch.Generator().manual_seed(1)
    again = torch.Generator().manual_seed(1)
    drawn = aim_artificial_mask(32, 3, 8, generator=generator)
    assert torch.equal(drawn, aim_artificial_mask(32, 3, 8, generator=again))


def _check_selection(mask: torch.Tensor, drop_ratio: float = 0.5) -> int:
    n = mask.shape[1]
    ids_keep, attend = hybrid_selection(mask, drop_ratio)
    drop = n - ids_keep.shape[1]
    assert drop == min(math.floor(drop_ratio * n), int(mask.sum(1).min()))
    assert ids_keep.shape == attend.shape == (mask.shape[0], n - drop)
    for row, keep, can_attend in zip(mask, ids_keep, attend):
        assert len(set(keep.tolist())) == n - drop  # no token twice
        assert set((~row).nonzero().flatten().tolist()) <= set(keep.tolist())  # every visible token kept
        assert torch.equal(can_attend, ~row[keep])  # kept hidden tokens are exactly the key-masked ones
        assert int(row[keep].sum()) == int(row.sum()) - drop  # D hidden tokens dropped
    return drop


def test_hybrid_selection_capped_at_half_the_tokens():
    torch.manual_seed(0)
    mask = torch.rand(6, 20) < 0.9
    mask[:, :18] = True  # at least 18 of 20 hidden: the floor(0.5 N) cap binds
    assert _check_selection(mask) == 10


def test_hybrid_selection_limited_by_least_masked_sample():
    mask = torch.zeros(3, 20, dtype=torch.bool)
    mask[0, :15] = True
    mask[1, 5:9] = True  # 4 hidden: the smallest |M| binds
    mask[2, ::2] = True
    assert _check_selection(mask) == 4


def test_hybrid_selection_nothing_hidden_and_everything_hidden():
    assert _check_selection(torch.zeros(2, 7, dtype=torch.bool)) == 0
    assert _check_selection(torch.ones(2, 7, dtype=torch.bool)) == 3
    assert _check_selection(torch.ones(2, 7, dtype=torch.bool), drop_ratio=1.0) == 7


def test_hybrid_selection_is_deterministic_and_leaves_rng_alone():
    mask = torch.rand(5, 30) < 0.6
    state = torch.get_rng_state()
    first = hybrid_selection(mask)
    assert torch.equal(torch.get_rng_state(), state)
    for a, b in zip(first, hybrid_selection(mask)):
        assert torch.equal(a, b)


# ---- observed values hidden at random (pretraining and fine-tuning augmentation) ------------


def test_drop_at_random_hides_about_rate_of_the_available_entries_only():
    torch.manual_seed(0)
    available = torch.rand(64, 3, 400) < 0.7
    hidden = drop_at_random(available, 0.3)
    assert hidden.shape == available.shape
    assert not (hidden & ~available).any()
    assert hidden.sum() / available.sum() == pytest.approx(0.3, abs=0.01)
    assert (hidden.flatten(1).any(1)).all()  # every sample of this size loses some


def test_drop_at_random_never_empties_a_sample():
    torch.manual_seed(0)
    available = torch.zeros(500, 4, dtype=torch.bool)
    available[:, 0] = True  # one entry per sample
    available[::2, 1] = True  # two in every other sample
    hidden = drop_at_random(available, 0.99)
    assert (available & ~hidden).any(1).all()
    assert hidden[::2].any()  # a two-entry sample may lose one of them


def test_drop_values_draws_a_rate_per_sample_below_the_maximum():
    torch.manual_seed(0)
    observed = torch.rand(400, 3, 2000) < 0.8  # ~4,800 values a sample: a rate's binomial noise is ~0.007
    hidden = drop_values(observed, 0.5)
    assert hidden.shape == observed.shape and not (hidden & ~observed).any()
    rates = hidden.flatten(1).sum(1) / observed.flatten(1).sum(1)  # (B,)
    assert 0.48 < rates.max() < 0.52 and rates.min() < 0.01  # rates spread over [0, 0.5)
    assert rates.mean().item() == pytest.approx(0.25, abs=0.02)
    assert (observed & ~hidden).flatten(1).any(1).all()  # never a whole sample


def test_drop_values_of_zero_hides_nothing_and_draws_nothing():
    observed = torch.rand(4, 2, 30) < 0.8
    torch.manual_seed(0)
    hidden = drop_values(observed, 0.0)
    after = torch.rand(1)
    torch.manual_seed(0)
    assert not hidden.any() and torch.equal(after, torch.rand(1))  # the papers' random stream is untouched


def test_drop_time_steps_hides_whole_steps_in_every_channel():
    torch.manual_seed(0)
    x = torch.randn(8, 3, 100)
    observed = torch.rand(8, 3, 100) < 0.8
    x = x.masked_fill(~observed, 0.0)
    new_x, new_observed = drop_time_steps(x, observed, 0.4)
    dropped = observed.any(1) & ~new_observed.any(1)  # (B, T) steps that lost every value
    assert dropped.sum() / observed.any(1).sum() == pytest.approx(0.4, abs=0.05)
    kept = ~dropped[:, None, :].expand_as(observed)
    assert torch.equal(new_observed, observed & kept)  # a step is dropped in all its channels or not at all
    assert torch.equal(new_x, torch.where(kept, x, 0.0))


# ---- gap filling -----------------------------------------------------------------------


def test_fill_linear_matches_pandas_interpolation():
    pandas = pytest.importorskip("pandas")
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(4, 3, 50, generator=generator, dtype=torch.float64)
    valid = torch.rand(4, 3, 50, generator=generator) > 0.4
    valid[0, 0] = False  # a row with nothing observed: zeros
    valid[1, 1, :] = False
    valid[1, 1, 7] = True  # a single observed value: held constant both ways
    filled = fill_linear(torch.where(valid, x, float("nan")), valid)
    rows = pandas.DataFrame(torch.where(valid, x, float("nan")).reshape(12, 50).numpy())
    expected = rows.interpolate(axis=1, limit_direction="both").fillna(0.0).to_numpy().reshape(4, 3, 50)
    torch.testing.assert_close(filled, torch.from_numpy(expected))
    assert torch.equal(filled[valid], x[valid])  # observed values untouched, bit for bit


def test_fill_linear_never_reads_invalid_positions():
    x = torch.arange(10.0)[None]
    valid = torch.tensor([[True, False, False, True, False, False, False, False, True, False]])
    garbage = torch.where(valid, x, torch.tensor(1e30))
    expected = torch.tensor([[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 8.0]])
    torch.testing.assert_close(fill_linear(garbage, valid), expected)
    torch.testing.assert_close(fill_linear(x, valid), expected)
