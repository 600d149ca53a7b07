"""The HiMAE network: exact size, masked-only loss, level shapes, padding-aware pooling."""

import pytest
import torch

from sklearn_msae.nn.himae import SIZES, HiMAE


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def test_parameter_counts_match_the_paper():
    base = HiMAE(in_channels=1, channels=SIZES["base"])
    assert n_params(base) == 1_245_953
    assert n_params(base.encoder) == 700_672
    assert n_params(HiMAE(in_channels=1, channels=SIZES["small"])) == 309_889
    # "wide" (the default from 64 steps on) doubles every width of "small": about four times its weights
    assert n_params(HiMAE(in_channels=1, channels=SIZES["wide"])) == 1_235_201


def test_level_lengths_follow_the_paper_for_a_1000_sample_window():
    levels = HiMAE(channels=SIZES["base"]).forward_encoder(torch.randn(2, 1, 1000), torch.full((2,), 1000))
    assert [tuple(h.shape[1:]) for h in levels] == [(16, 500), (32, 250), (64, 125), (128, 63), (256, 32)]


def test_reconstruction_has_the_input_shape_and_tanh_range():
    model = HiMAE(in_channels=3, channels=(4, 8, 16))
    x = torch.randn(2, 3, 35)
    pred = model.forward_decoder(model.forward_encoder(x, torch.full((2,), 35)), 35)
    assert pred.shape == (2, 3, 35) and pred.abs().max() <= 1


def test_loss_counts_only_masked_observed_samples():
    torch.manual_seed(0)
    model = HiMAE(in_channels=2, channels=(4, 8))
    x = torch.randn(3, 2, 40)
    observed = torch.rand(3, 2, 40) > 0.2
    loss, pred, mask = model(x, observed, torch.full((3,), 40))
    assert mask.shape == (3, 1, 40)
    counted = mask & observed
    expected = ((pred.double() - x.double()) ** 2)[counted].mean()  # summed in float64 (nn.layers.masked_mse)
    torch.testing.assert_close(loss, expected)
    # perturbing the predictions anywhere outside the counted samples leaves the loss unchanged
    perturbed = torch.where(counted, pred, pred + 100.0)
    torch.testing.assert_close(model.forward_loss(x, perturbed, mask, observed), loss)
    assert model.forward_loss(x, torch.where(counted, pred + 1.0, pred), mask, observed) > loss


@pytest.mark.parametrize("gap_fill", ["zero", "linear"])
def test_value_dropout_hides_values_from_the_encoder_and_reconstructs_them(monkeypatch, gap_fill):
    torch.manual_seed(0)
    model = HiMAE(in_channels=2, channels=(4, 8), gap_fill=gap_fill, value_dropout=0.3)  # training mode
    x = torch.randn(3, 2, 40)
    observed = torch.rand(3, 2, 40) > 0.2
    x = x.masked_fill(~observed, 0.0)
    dropped = observed & (torch.rand(3, 2, 40) < 0.3)
    monkeypatch.setattr("sklearn_msae.nn.himae.drop_values", lambda observed, max_rate: dropped & observed)
    lengths = torch.full((3,), 40)
    torch.manual_seed(1)
    loss, pred, mask = model(x, observed, lengths)
    torch.manual_seed(1)
    loss_changed, pred_changed, _ = model(x + 50.0 * dropped, observed, lengths)
    torch.testing.assert_close(pred, pred_changed)  # the encoder never read a dropped value
    counted = (mask | dropped) & observed
    torch.testing.assert_close(loss, ((pred.double() - x.double()) ** 2)[counted].mean())
    assert (dropped & ~mask).any() and loss_changed > loss  # dropped values outside the hidden patches are targets


def test_value_dropout_acts_in_pretraining_only():
    """``score`` and the validation loss (eval mode) measure the same reconstruction whatever value_dropout is."""
    torch.manual_seed(0)
    plain = HiMAE(in_channels=2, channels=(4, 8), gap_fill="linear")
    with_dropout = HiMAE(in_channels=2, channels=(4, 8), gap_fill="linear", value_dropout=0.5)
    with_dropout.load_state_dict(plain.state_dict())
    x, observed, lengths = torch.randn(3, 2, 40), torch.rand(3, 2, 40) > 0.2, torch.full((3,), 40)
    x = x.masked_fill(~observed, 0.0)
    outputs = []
    for network in (plain.eval(), with_dropout.eval()):
        torch.manual_seed(5)
        outputs.append(network(x, observed, lengths))
    for a, b in zip(*outputs):
        assert torch.equal(a, b)
    torch.manual_seed(5)
    assert not torch.equal(with_dropout.train()(x, observed, lengths)[0], outputs[0][0])


@pytest.mark.parametrize("masking", ["random", "block"])
def test_masks_hide_whole_patches_at_the_ratio(masking):
    model = HiMAE(channels=(4,), patch_size=5, mask_ratio=0.6, masking=masking)
    mask = model.random_masking(4, 50, "cpu")[:, 0]  # (B, T)
    patches = mask.view(4, 10, 5)
    assert (patches.all(-1) | ~patches.any(-1)).all()  # whole patches only
    assert (patches[..., 0].sum(1) == 6).all()
    if masking == "block":
        starts = patches[..., 0].int().diff(dim=1)
        assert ((starts == 1).sum(1) <= 1).all() and ((starts == -1).sum(1) <= 1).all()


def test_masked_input_is_zeroed_before_the_encoder():
    torch.manual_seed(0)
    model = HiMAE(channels=(4, 8), patch_size=5).eval()
    x = torch.randn(2, 1, 40)
    torch.manual_seed(1)
    loss_a, _, mask = model(x, torch.ones_like(x, dtype=torch.bool), torch.full((2,), 40))
    # changing the hidden samples does not change what the network sees, hence its output
    torch.manual_seed(1)
    _, pred_b, _ = model(torch.where(mask, x + 5.0, x), torch.ones_like(x, dtype=torch.bool), torch.full((2,), 40))
    torch.manual_seed(1)
    _, pred_a, _ = model(x, torch.ones_like(x, dtype=torch.bool), torch.full((2,), 40))
    torch.testing.assert_close(pred_a, pred_b)


def test_embed_pools_only_positions_of_the_real_series():
    model = HiMAE(in_channels=1, channels=(4, 8, 16)).eval()
    x = torch.randn(2, 1, 64)
    lengths = torch.tensor([64, 20])
    with torch.no_grad():
        x[1, :, 20:] = 0.0  # the caller zero-fills after each length
        levels = model.forward_encoder(x, lengths)
        got = model.embed(x, x != 0, lengths, levels=(0, 2), pooling="meanmax")
    # level 0 has stride 2: a 20-sample series covers ceil(20 / 2) = 10 positions; level 2 ceil(20 / 8) = 3
    expected_second = torch.cat(
        [levels[0][1, :, :10].mean(-1), levels[0][1, :, :10].amax(-1), levels[2][1, :, :3].mean(-1),
         levels[2][1, :, :3].amax(-1)]
    )
    torch.testing.assert_close(got[1], expected_second)
    assert got.shape == (2, 2 * (4 + 16))
    flat = model.embed(x, x != 0, lengths, levels=(1,), pooling="flatten")
    assert flat.shape == (2, 8 * 16)


@pytest.mark.parametrize("decoder", [False, True])
def test_embedding_does_not_depend_on_the_batch_padding(decoder):
    torch.manual_seed(0)
    model = HiMAE(in_channels=2, channels=(4, 8, 16)).eval()
    short = torch.randn(1, 2, 23)
    padded = torch.cat([short, torch.zeros(1, 2, 41)], dim=-1)  # same series in a batch padded to 64
    kwargs = {"levels": (0, 1, 2), "pooling": "meanmax", "decoder": decoder}
    with torch.no_grad():
        alone = model.embed(short, short != 0, torch.tensor([23]), **kwargs)
        in_batch = model.embed(padded, padded != 0, torch.tensor([23]), **kwargs)
    torch.testing.assert_close(in_batch, alone)
    assert alone.shape == (1, 2 * (4 + 8 + 16 + (4 + 8 if decoder else 0)))


def test_the_decoder_readout_pools_the_up_blocks_after_the_encoder_levels():
    torch.manual_seed(0)
    model = HiMAE(in_channels=1, channels=(4, 8, 16)).eval()
    x, lengths = torch.randn(2, 1, 64), torch.full((2,), 64)
    with torch.no_grad():
        levels = model.forward_encoder(x, lengths)
        up_1 = model.decoder[0](levels[2], levels[1])  # (2, 8, 16): level 1's resolution, as pretraining decodes
        up_0 = model.decoder[1](up_1, levels[0])  # (2, 4, 32)
        got = model.embed(x, x != 0, lengths, levels=(0, 1, 2), decoder=True)
        finest = model.embed(x, x != 0, lengths, levels=(0,), decoder=True)
        bottleneck = model.embed(x, x != 0, lengths, levels=(2,), decoder=True)
    expected = [levels[0].mean(-1), levels[1].mean(-1), levels[2].mean(-1), up_0.mean(-1), up_1.mean(-1)]
    torch.testing.assert_close(got, torch.cat(expected, dim=1))
    torch.testing.assert_close(finest, torch.cat([levels[0].mean(-1), up_0.mean(-1)], dim=1))
    torch.testing.assert_close(bottleneck, levels[2].mean(-1))  # no up-block at the bottleneck


def test_layer_ids_number_the_up_blocks_the_decoder_readout_runs():
    model = HiMAE(in_channels=1, channels=(4, 8, 16))
    ids, n_blocks = model.layer_ids(levels=(1,))
    assert n_blocks == 2 and ids["encoder.1.reduce.0.weight"] == 2 and ids["encoder.2.reduce.0.weight"] is None
    assert ids["decoder.0.up.weight"] is None and ids["head.weight"] is None
    ids, n_blocks = model.layer_ids(levels=(1,), decoder=True)
    # every encoder level, then the up-block of level 1 (the deepest first); the finer one and the head unused
    assert n_blocks == 4 and ids["encoder.2.reduce.0.weight"] == 3
    assert ids["decoder.0.up.weight"] == 4 and ids["decoder.1.up.weight"] is None and ids["head.weight"] is None


def test_embedding_of_a_shallow_level_runs_only_the_levels_it_needs():
    torch.manual_seed(0)
    model = HiMAE(in_channels=2, channels=(4, 8, 16)).eval()
    x, lengths = torch.randn(3, 2, 40), torch.full((3,), 40)
    calls = []
    for block in model.encoder:
        block.register_forward_hook(lambda module, inputs, output: calls.append(module))
    with torch.no_grad():
        shallow = model.embed(x, x != 0, lengths, levels=(0,))
        assert calls == [model.encoder[0]]
        every_level = model.embed(x, x != 0, lengths, levels=(0, -1))
    torch.testing.assert_close(every_level[:, :4], shallow, rtol=0, atol=0)
