"""`ChannelIndependent`: every channel encoded alone by one univariate network, pooled over observed channels."""

import pytest
import torch

from sklearn_msae.nn.aim import AIM
from sklearn_msae.nn.channels import ChannelIndependent
from sklearn_msae.nn.himae import HiMAE

HIMAE = (HiMAE, {"in_channels": 5, "channels": (4, 8), "patch_size": 2, "gap_fill": "linear"})
AIM_TINY = (AIM, {"in_channels": 5, "patch_size": 4, "embed_dim": 16, "depth": 1, "num_heads": 2,
                  "decoder_embed_dim": 8, "decoder_depth": 1, "decoder_num_heads": 2})  # fmt: skip


def batch_of(network, n_series, n_channels, length=32):
    torch.manual_seed(0)
    batch = {"x": torch.randn(n_series, n_channels, length), "observed": torch.rand(n_series, n_channels, length) > 0.2}
    batch["x"] = batch["x"].masked_fill(~batch["observed"], 0.0)
    if network is HiMAE:
        batch["lengths"] = torch.full((n_series,), length)
    return batch


def channel(batch, c):
    """The univariate batch of channel ``c``."""
    return {key: value[:, c : c + 1] if value.ndim == 3 else value for key, value in batch.items()}


@pytest.mark.parametrize("network, kwargs", [HIMAE, AIM_TINY], ids=["himae", "aim"])
def test_embeddings_are_the_univariate_network_per_channel_pooled(network, kwargs):
    module = ChannelIndependent(network, kwargs).eval()
    assert module.network.in_channels == 1 if network is AIM else module.network.encoder[0].reduce[0].in_channels == 1
    batch = batch_of(network, 3, 4)
    with torch.no_grad():
        per_channel = torch.stack([module.network.embed(**channel(batch, c)) for c in range(4)], dim=1)  # (B, C, D)
        torch.testing.assert_close(module.embed(**batch), per_channel.mean(1))
        torch.testing.assert_close(module.embed(**batch, channel_pooling="concat"), per_channel.flatten(1))
        torch.testing.assert_close(
            module.embed(**batch, channel_pooling="meanmax"), torch.cat([per_channel.mean(1), per_channel.amax(1)], 1)
        )


@pytest.mark.parametrize("network, kwargs", [HIMAE, AIM_TINY], ids=["himae", "aim"])
def test_any_channel_count_and_a_missing_sensor_is_left_out(network, kwargs):
    module = ChannelIndependent(network, kwargs).eval()
    batch = batch_of(network, 2, 6)
    batch["observed"][0, 1] = False  # series 0 has no value of channel 1
    batch["x"][0, 1] = 0.0
    with torch.no_grad():
        z = module.embed(**batch)
        concat = module.embed(**batch, channel_pooling="concat").unflatten(1, (6, -1))  # (B, C, D)
        others = torch.stack([module.network.embed(**channel(batch, c))[0] for c in (0, 2, 3, 4, 5)])
        two = module.embed(**{key: value[:, :2] if value.ndim == 3 else value for key, value in batch.items()})
    assert z.shape == (2, concat.shape[-1]) and two.shape == z.shape
    torch.testing.assert_close(z[0], others.mean(0))
    assert torch.equal(concat[0, 1], torch.zeros_like(concat[0, 1]))
    assert torch.isfinite(z).all()


@pytest.mark.parametrize("network, kwargs", [HIMAE, AIM_TINY], ids=["himae", "aim"])
def test_a_series_with_no_value_embeds_as_nan_and_reconstructs_as_the_mean(network, kwargs):
    module = ChannelIndependent(network, kwargs).eval()
    batch = batch_of(network, 2, 3)
    batch["observed"][1] = False
    batch["x"][1] = 0.0
    with torch.no_grad():
        z, pred = module.embed(**batch), module.reconstruct(**batch)
    assert torch.isfinite(z[0]).all() and torch.isnan(z[1]).all()
    assert pred.shape == (2, 3, 32) and torch.equal(pred[1], torch.zeros(3, 32))


@pytest.mark.parametrize("network, kwargs", [HIMAE, AIM_TINY], ids=["himae", "aim"])
def test_loss_is_the_univariate_loss_over_every_channel(network, kwargs):
    module = ChannelIndependent(network, kwargs)
    batch = batch_of(network, 3, 4)
    torch.manual_seed(1)
    loss, pred, mask = module(**batch)
    torch.manual_seed(1)
    expected, expected_pred, _ = module.network(**module.split_channels(batch))
    torch.testing.assert_close(loss, expected)
    assert pred.shape[:2] == (3, 4) and mask.shape[:2] == (3, 4)
    torch.testing.assert_close(pred[1, 2], expected_pred[1 * 4 + 2].reshape(pred[1, 2].shape))
    loss.backward()
    assert module.network.parameters().__next__().grad.abs().sum() > 0  # the shared weights learn from every channel


def test_layer_ids_name_the_wrapped_parameters():
    module = ChannelIndependent(*HIMAE)
    ids, n_blocks = module.layer_ids(levels=(0,), pooling="mean", channel_pooling="concat")
    assert set(ids) == {name for name, _ in module.named_parameters()}
    assert n_blocks == 1 and ids["network.encoder.0.reduce.0.weight"] == 1 and ids["network.encoder.1.reduce.0.weight"] is None


def test_unknown_channel_pooling_is_named():
    module = ChannelIndependent(*HIMAE)
    with pytest.raises(ValueError, match="channel_pooling"):
        module.embed(**batch_of(HiMAE, 1, 2), channel_pooling="sum")
