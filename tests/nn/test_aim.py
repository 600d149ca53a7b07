import pytest
import torch

from sklearn_msae.nn.aim import AIM, SIZES, sincos_position_embedding
from sklearn_msae.nn.masking import inherited_mask

C, P, T = 3, 4, 32  # 3 channels x 8 time patches = 24 tokens
TINY = dict(patch_size=P, embed_dim=16, depth=2, num_heads=2, decoder_embed_dim=8, decoder_depth=1, decoder_num_heads=2)


@pytest.fixture
def model():
    torch.manual_seed(0)
    return AIM(C, **TINY).eval()


def make_batch(batch=6, seed=0):
    """Series with whole missing tokens, partial tokens, a missing channel and garbage under the gaps."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, C, T, generator=generator)
    observed = torch.rand(batch, C, T, generator=generator) > 0.2
    observed[0, :, 8:20] = False  # whole tokens missing in every channel
    observed[1, 2] = False  # a whole channel missing
    observed[2, 0, 1:3] = False  # a partially observed token
    return x.masked_fill(~observed, 0.0), observed


def test_shapes(model):
    x, observed = make_batch()
    loss, pred, mask = model(x, observed)
    assert loss.shape == () and torch.isfinite(loss)
    assert pred.shape == mask.shape == (6, C, T) and mask.dtype == torch.bool
    assert model.embed(x, observed).shape == (6, 16)
    assert model.embed(x, observed, pooling="channel").shape == (6, C * 16)
    assert model.reconstruct(x, observed).shape == (6, C, T)


def test_patchify_round_trip_is_channel_major(model):
    x = torch.arange(2 * C * T, dtype=torch.float32).view(2, C, T)
    tokens = model.patchify(x)
    assert tokens.shape == (2, C * T // P, P)
    assert torch.equal(tokens[0, T // P], x[0, 1, :P])  # token Nt is channel 1's first patch
    assert torch.equal(model.unpatchify(tokens), x)


def test_mask_is_constant_per_token_and_contains_every_inherited_token(model):
    x, observed = make_batch()
    inherited = inherited_mask(observed, P)
    for _ in range(5):
        _, _, mask = model(x, observed)
        token_mask = mask.unflatten(-1, (-1, P))  # (B, C, Nt, P)
        assert (token_mask == token_mask[..., :1]).all()
        assert (token_mask[..., 0] >= inherited).all()
        assert (token_mask[..., 0] & ~inherited).any()  # and artificial masks on top


def test_loss_counts_only_hidden_and_observed_values(model):
    x, observed = make_batch()
    torch.manual_seed(1)
    tokens, token_observed, inherited = model.tokenize(x, observed)
    mask = model.mask_tokens(inherited)
    pred = torch.randn_like(tokens)
    counted = mask[..., None] & token_observed
    loss = model.forward_loss(tokens, pred, mask[..., None], token_observed)
    assert loss.dtype == torch.float64  # summed in float64: a far-out series must not overflow float32
    assert torch.isclose(loss, ((pred.double() - tokens.double())[counted] ** 2).mean())
    perturbed = torch.where(counted, pred, pred + 100.0)  # change every value that must not count
    assert torch.equal(model.forward_loss(tokens, perturbed, mask[..., None], token_observed), loss)
    assert model.forward_loss(tokens, pred + counted * 1.0, mask[..., None], token_observed) != loss


def test_loss_is_zero_when_nothing_counts(model):
    tokens = torch.randn(2, 6, P)
    pred = torch.randn(2, 6, P, requires_grad=True)
    loss = model.forward_loss(tokens, pred, torch.zeros(2, 6, P, dtype=torch.bool), torch.ones(2, 6, P, dtype=torch.bool))
    assert loss.item() == 0.0
    loss.backward()
    assert torch.equal(pred.grad, torch.zeros_like(pred))


def test_forward_does_not_see_hidden_values(model):
    x, observed = make_batch()
    torch.manual_seed(2)
    _, pred, mask = model(x, observed)
    torch.manual_seed(2)  # the masks depend on the seed and `observed`, not on x
    _, pred_changed, mask_changed = model(x + 50.0 * mask, observed)
    assert torch.equal(mask, mask_changed)
    torch.testing.assert_close(pred, pred_changed)


@pytest.mark.parametrize("gap_fill", ["zero", "linear"])
def test_value_dropout_hides_values_from_the_encoder_and_reconstructs_them(monkeypatch, gap_fill):
    x, observed = make_batch()
    dropped = observed & (torch.rand(observed.shape, generator=torch.Generator().manual_seed(3)) < 0.3)
    monkeypatch.setattr("sklearn_msae.nn.aim.drop_values", lambda observed, max_rate: dropped & observed)
    torch.manual_seed(0)
    model = AIM(C, **TINY, gap_fill=gap_fill, value_dropout=0.3).train()  # drop_path 0: deterministic
    torch.manual_seed(2)
    loss, pred, mask = model(x, observed)
    torch.manual_seed(2)
    loss_changed, pred_changed, mask_changed = model(x + 50.0 * dropped, observed)
    assert torch.equal(mask, mask_changed)
    torch.testing.assert_close(pred, pred_changed)  # the encoder never read a dropped value
    counted = (mask | dropped) & observed
    torch.testing.assert_close(loss, ((pred.double() - x.double())[counted] ** 2).mean())
    assert (dropped & ~mask).any() and loss_changed > loss  # dropped values of visible tokens are targets too


def test_value_dropout_acts_in_pretraining_only(model):
    """``score`` and the validation loss (eval mode) measure the same reconstruction whatever value_dropout is."""
    x, observed = make_batch()
    torch.manual_seed(0)
    with_dropout = AIM(C, **TINY, value_dropout=0.5)
    with_dropout.load_state_dict(model.state_dict())
    outputs = []
    for network in (model.eval(), with_dropout.eval()):
        torch.manual_seed(5)
        outputs.append(network(x, observed))
    for a, b in zip(*outputs):
        assert torch.equal(a, b)
    torch.manual_seed(5)
    assert not torch.equal(with_dropout.train()(x, observed)[0], outputs[0][0])


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    model = AIM(C, **TINY, drop_path=0.1).train()
    x, observed = make_batch()
    loss, _, _ = model(x, observed)
    loss.backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name
        assert parameter.grad.abs().sum() > 0, name


def test_forward_is_reproducible_under_seed(model):
    x, observed = make_batch()
    torch.manual_seed(4)
    first = model(x, observed)
    torch.manual_seed(4)
    for a, b in zip(first, model(x, observed)):
        assert torch.equal(a, b)


@pytest.mark.parametrize("pooling", ["mean", "channel"])
def test_embed_ignores_values_under_gaps(model, pooling):
    x, observed = make_batch()
    garbage = torch.where(observed, x, torch.full_like(x, float("nan")))
    expected = model.embed(x, observed, pooling=pooling)
    assert torch.isfinite(expected).all()
    torch.testing.assert_close(model.embed(garbage, observed, pooling=pooling), expected)
    torch.testing.assert_close(model.embed(x + 7.0 * ~observed, observed, pooling=pooling), expected)


def test_an_observed_zero_is_not_a_missing_value(model):
    # inside a partially observed token, 0.0 observed and "unobserved" must embed differently
    x = torch.randn(1, C, T, generator=torch.Generator().manual_seed(1))
    x[0, 0, 1] = 0.0
    observed = torch.ones(1, C, T, dtype=torch.bool)
    missing = observed.clone()
    missing[0, 0, 1] = False
    assert not torch.allclose(model.embed(x, observed), model.embed(x, missing))


def test_embed_does_not_depend_on_batch_composition(model):
    # D of the hybrid selection depends on the batch; the embedding of a sample must not
    x, observed = make_batch()
    together = model.embed(x, observed, pooling="channel")
    for i in range(len(x)):
        alone = model.embed(x[i : i + 1], observed[i : i + 1], pooling="channel")
        torch.testing.assert_close(alone, together[i : i + 1])


def test_channel_pooling_zero_for_missing_channel(model):
    x, observed = make_batch()
    per_channel = model.embed(x, observed, pooling="channel").view(6, C, -1)
    assert torch.equal(per_channel[1, 2], torch.zeros(16))
    assert (per_channel.abs().sum(-1)[[0, 2, 3]] > 0).all()
    # "mean" is the token-weighted mean of the channel means
    weights = (~inherited_mask(observed, P)).sum(-1).float()  # (B, C)
    mean = (per_channel * weights[..., None]).sum(1) / weights.sum(1, keepdim=True)
    torch.testing.assert_close(model.embed(x, observed), mean)


def test_embed_rejects_sample_without_observation(model):
    x, observed = make_batch()
    observed[3] = False
    with pytest.raises(ValueError, match=r"samples \[3\]"):
        model.embed(x, observed)


def test_embed_rejects_unknown_pooling(model):
    x, observed = make_batch()
    with pytest.raises(ValueError, match="pooling"):
        model.embed(x, observed, pooling="max")


def test_reconstruct_predicts_gaps_from_context_only(model):
    x, observed = make_batch()
    expected = model.reconstruct(x, observed)
    assert torch.isfinite(expected).all()
    # values under gaps, and observed values inside tokens with a gap, are both unused
    gappy = (~observed).unflatten(-1, (-1, P)).any(-1, keepdim=True).expand(-1, -1, -1, P).flatten(-2)
    torch.testing.assert_close(model.reconstruct(x + 3.0 * gappy, observed), expected)


def test_any_length_and_input_checks(model):
    for length in (P, 10 * T):
        x, observed = torch.randn(2, C, length), torch.ones(2, C, length, dtype=torch.bool)
        assert torch.isfinite(model(x, observed)[0])
    with pytest.raises(ValueError, match="multiple of patch_size"):
        model.embed(torch.zeros(1, C, T + 1), torch.ones(1, C, T + 1, dtype=torch.bool))
    with pytest.raises(ValueError, match="channels"):
        model.embed(torch.zeros(1, C + 1, T), torch.ones(1, C + 1, T, dtype=torch.bool))
    with pytest.raises(ValueError, match="multiple of 4"):
        AIM(C, embed_dim=18)


def test_sincos_positions_distinct_and_split_between_axes():
    pos = sincos_position_embedding(3, 5, 16, torch.device("cpu"))
    assert pos.shape == (15, 16)
    assert len({tuple(row.tolist()) for row in pos.round(decimals=5)}) == 15
    grid = pos.view(3, 5, 16)
    assert torch.equal(grid[0, :, :8], grid[2, :, :8])  # first half: time patch only
    assert torch.equal(grid[:, 0, 8:], grid[:, 4, 8:])  # second half: channel only
    torch.testing.assert_close(sincos_position_embedding(3, 500, 16, torch.device("cpu"))[:5], pos[:5])


def _block_params(width, mlp_ratio=4.0):
    hidden = int(width * mlp_ratio)
    attention = 3 * width * width + 3 * width + width * width + width  # qkv + proj
    mlp = width * hidden + hidden + hidden * width + width
    return 2 * 2 * width + attention + mlp  # two LayerNorms


def test_paper_size_parameter_count():
    size = SIZES["base"]
    assert (size["embed_dim"], size["depth"], size["num_heads"], size["decoder_depth"]) == (384, 12, 6, 4)
    model = AIM(26, patch_size=10, **size)  # LSM-2: 26 features, patches of 10 minutes
    d, dd = size["embed_dim"], size["decoder_embed_dim"]
    encoder = (2 * 10 * d + d) + size["depth"] * _block_params(d) + 2 * d
    decoder = (d * dd + dd) + dd + size["decoder_depth"] * _block_params(dd) + 2 * dd + (dd * 10 + 10)
    total = sum(p.numel() for p in model.parameters())
    print(f"AIM base: encoder {encoder:,} + decoder {decoder:,} = {total:,} parameters")
    assert total == encoder + decoder
    assert 20e6 < total < 30e6  # the paper's ~25M
