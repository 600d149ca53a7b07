"""RoMAE network: masking, loss, padding, embedding, querying, gradients, presets."""

import pytest
import torch

from sklearn_msae.nn.romae import SIZES, RoMAE

TINY = {"embed_dim": 24, "num_heads": 2, "decoder_embed_dim": 24, "decoder_num_heads": 2}


def make_batch(lengths, n_features=3, n_axes=1, seed=0):
    """Padded batch with real-valued positions, some unobserved values and NaN padding."""
    gen = torch.Generator().manual_seed(seed)
    B, N = len(lengths), max(lengths)
    token_mask = torch.arange(N)[None, :] < torch.tensor(lengths)[:, None]  # (B, N)
    observed = (torch.rand(B, N, n_features, generator=gen) > 0.3) & token_mask[..., None]
    values = torch.randn(B, N, n_features, generator=gen).masked_fill(~observed, 0.0)
    positions = (10 * torch.rand(B, n_axes, N, generator=gen)).sort(-1).values
    return {"values": values, "positions": positions, "token_mask": token_mask, "observed": observed}


def with_garbage(batch, fill=float("nan")):
    """The same batch with ``fill`` wherever the network must not look."""
    token_mask, observed = batch["token_mask"], batch["observed"]
    return {
        **batch,
        "values": batch["values"].masked_fill(~observed, fill),
        "positions": batch["positions"].masked_fill(~token_mask[:, None], fill),
    }


def test_loss_ignores_unmasked_tokens_padding_and_unobserved_values():
    torch.manual_seed(0)
    net = RoMAE(3, n_axes=2, **TINY)
    batch = make_batch([9, 6, 12, 7], n_axes=2)
    torch.manual_seed(1)
    loss, pred, mask = net(**batch)
    assert torch.isfinite(loss)
    values, observed = batch["values"], batch["observed"]
    torch.testing.assert_close(net.forward_loss(values, pred, mask, observed), loss)

    counted = mask[..., None] & observed  # hidden real tokens, observed values
    ignored = ~counted  # visible tokens, padding, unobserved values
    assert ignored.any() and counted.any()
    perturbed = torch.where(ignored, pred + 100 * torch.randn_like(pred), pred)
    torch.testing.assert_close(net.forward_loss(values, perturbed, mask, observed), loss)
    perturbed = torch.where(counted, pred + 1.0, pred)
    assert not torch.allclose(net.forward_loss(values, perturbed, mask, observed), loss)

    # end to end: NaN in unobserved values and in padding (values and positions) changes nothing
    torch.manual_seed(1)
    garbage_loss, garbage_pred, garbage_mask = net(**with_garbage(batch))
    assert torch.equal(garbage_mask, mask)
    torch.testing.assert_close(garbage_loss, loss)
    torch.testing.assert_close(garbage_pred, pred)


def test_masked_counts_equal_across_batch_and_never_on_padding():
    net = RoMAE(2, **TINY)
    lengths = [9, 4, 12, 7]
    batch = make_batch(lengths, n_features=2)
    torch.manual_seed(0)
    for _ in range(3):
        _, pred, mask = net(**batch)
        assert (mask.sum(1) == net.mask_count(min(lengths))).all()  # 0.75 * 4 = 3 everywhere
        assert not (mask & ~batch["token_mask"]).any()
        assert (pred[~mask] == 0).all()
    seen = torch.zeros_like(batch["token_mask"])
    for _ in range(50):
        _, ids_masked = net.random_masking(batch["token_mask"])
        seen.scatter_(1, ids_masked, True)
    assert torch.equal(seen, batch["token_mask"])  # every real token, and only those, gets drawn


@pytest.mark.parametrize(("n_real_min", "expected"), [(0, 0), (1, 1), (2, 1), (3, 2), (4, 3), (8, 6), (10, 8)])
def test_mask_count(n_real_min, expected):
    assert RoMAE(1, **TINY).mask_count(n_real_min) == expected


def test_random_masking_ids():
    net = RoMAE(1, **TINY)
    token_mask = torch.arange(10)[None, :] < torch.tensor([[10], [4]])  # lengths 10 and 4
    ids_keep, ids_masked = net.random_masking(token_mask)
    assert ids_masked.shape == (2, 3) and ids_keep.shape == (2, 7)  # widest visible set: 10 - 3
    assert token_mask.gather(1, ids_masked).all()
    assert token_mask.gather(1, ids_keep).sum(1).tolist() == [7, 1]  # the short sample's rest is padding
    # hidden and visible ids of a sample never overlap
    for keep, hidden in zip(ids_keep, ids_masked):
        assert not set(keep.tolist()) & set(hidden.tolist())


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_embed_ignores_padding_content_and_length(pooling):
    torch.manual_seed(0)
    net = RoMAE(3, **TINY).eval()
    batch = make_batch([5, 9, 3])
    embedding = net.embed(**batch, pooling=pooling)
    assert embedding.shape == (3, 24)
    torch.testing.assert_close(net.embed(**with_garbage(batch), pooling=pooling), embedding)
    torch.testing.assert_close(net.embed(**with_garbage(batch, fill=1e6), pooling=pooling), embedding)
    # the first series alone, unpadded, gives the same embedding
    alone = {"values": batch["values"][:1, :5], "positions": batch["positions"][:1, :, :5]}
    alone |= {"token_mask": batch["token_mask"][:1, :5], "observed": batch["observed"][:1, :5]}
    torch.testing.assert_close(net.embed(**alone, pooling=pooling), embedding[:1])


def test_embed_options():
    torch.manual_seed(0)
    net = RoMAE(3, depth=3, **TINY).eval()
    batch = make_batch([5, 8])
    assert not torch.allclose(net.embed(**batch, layer=0), net.embed(**batch))
    torch.testing.assert_close(net.embed(**batch, layer=2), net.embed(**batch, layer=-1))
    with pytest.raises(ValueError, match="layer"):
        net.embed(**batch, layer=3)
    with pytest.raises(ValueError, match="pooling"):
        net.embed(**batch, pooling="max")
    with pytest.raises(ValueError, match="use_cls"):
        RoMAE(3, use_cls=False, **TINY).embed(**batch, pooling="cls")


def test_without_cls_only_position_differences_matter():
    torch.manual_seed(0)
    net = RoMAE(3, use_cls=False, **TINY).eval()
    batch = make_batch([6, 9])
    shifted = {**batch, "positions": batch["positions"] + 123.375}
    torch.testing.assert_close(net.embed(**shifted, pooling="mean"), net.embed(**batch, pooling="mean"))
    query, query_mask = 10 * torch.rand(2, 1, 4), torch.ones(2, 4, dtype=torch.bool)
    torch.testing.assert_close(
        net.predict_at(**shifted, query_positions=query + 123.375, query_mask=query_mask),
        net.predict_at(**batch, query_positions=query, query_mask=query_mask),
        atol=1e-4,
        rtol=1e-4,
    )
    # [CLS] sits at position 0: with it, absolute positions matter
    net = RoMAE(3, **TINY).eval()
    assert not torch.allclose(net.embed(**shifted), net.embed(**batch))


def test_predict_at_shapes_and_query_padding():
    torch.manual_seed(0)
    net = RoMAE(3, n_axes=2, **TINY).eval()
    batch = make_batch([5, 8], n_axes=2)
    query = 10 * torch.rand(2, 2, 6)
    query_mask = torch.arange(6)[None, :] < torch.tensor([[6], [2]])
    pred = net.predict_at(**batch, query_positions=query, query_mask=query_mask)
    assert pred.shape == (2, 6, 3)
    assert (pred[~query_mask] == 0).all() and torch.isfinite(pred).all()
    # padded queries are not keys: their positions do not move the real queries' answers
    other = query.masked_fill(~query_mask[:, None], float("nan"))
    torch.testing.assert_close(net.predict_at(**batch, query_positions=other, query_mask=query_mask), pred)
    empty = net.predict_at(**batch, query_positions=query[..., :0], query_mask=query_mask[:, :0])
    assert empty.shape == (2, 0, 3)


@pytest.mark.parametrize("use_cls", [True, False])
def test_gradients_reach_every_parameter(use_cls):
    torch.manual_seed(0)
    net = RoMAE(3, use_cls=use_cls, drop_path=0.1, **TINY)
    loss, _, _ = net(**with_garbage(make_batch([7, 4, 6])))
    loss.backward()
    for name, param in net.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all() and param.grad.abs().sum() > 0, name


def test_drop_path_rises_with_depth_in_encoder_only():
    net = RoMAE(1, depth=3, drop_path=0.2, **TINY)
    assert [block.drop_path.p for block in net.encoder.blocks] == pytest.approx([0.0, 0.1, 0.2])
    assert all(block.drop_path.p == 0.0 for block in net.decoder.blocks)


def test_head_dim_validation():
    with pytest.raises(ValueError, match="divisible"):
        RoMAE(1, n_axes=4, **TINY)  # head_dim 12 is not divisible by 2 * 4
    with pytest.raises(ValueError, match="divisible"):
        RoMAE(1, embed_dim=25, num_heads=2)


@pytest.mark.parametrize("name", list(SIZES))
def test_presets_build(name):
    with torch.device("meta"):  # shapes only: no memory, no initialisation cost
        net = RoMAE(4, n_axes=2, **SIZES[name])
    size = SIZES[name]
    assert len(net.encoder.blocks) == size["depth"]
    assert net.encoder.rope.head_dim == size["embed_dim"] // size["num_heads"]
    assert net.token_embed.out_features == size["embed_dim"] == net.decoder_embed.in_features
    assert net.encoder.blocks[0].attn.num_heads == size["num_heads"]


def test_default_network_is_tiny_shallow_and_runs():
    torch.manual_seed(0)
    net = RoMAE(2)
    assert len(net.encoder.blocks) == SIZES["tiny-shallow"]["depth"] == len(net.decoder.blocks)
    loss, pred, mask = net(**make_batch([8, 6], n_features=2))
    assert torch.isfinite(loss) and pred.shape == (2, 8, 2) and mask.shape == (2, 8)


def offset_regression_r2(use_cls, seed, length=8, n_features=2, width=16, steps=200):
    """Held-out R^2 of an encoder + linear head trained to regress a time offset.

    Every sequence carries the same token values; only its positions move, to
    ``offset + arange(length)`` with ``offset`` uniform in [0, 20]. The head reads the
    [CLS] output with ``use_cls``, the mean over tokens without. Returns the R^2 on a
    grid of unseen offsets and the spread (max - min) of the predictions there.
    """
    torch.manual_seed(seed)
    net = RoMAE(n_features, embed_dim=width, num_heads=1, depth=1, decoder_embed_dim=width, decoder_num_heads=1,
                decoder_depth=1, use_cls=use_cls)
    head = torch.nn.Linear(width, 1)
    content = torch.randn(1, length, n_features)
    pooling = "cls" if use_cls else "mean"

    def predict(offsets):
        n = len(offsets)
        positions = (offsets[:, None] + torch.arange(length))[:, None, :]  # (n, 1, length)
        token_mask = torch.ones(n, length, dtype=torch.bool)
        observed = torch.ones(n, length, n_features, dtype=torch.bool)
        embedding = net.embed(content.expand(n, -1, -1), positions, token_mask, observed, pooling=pooling)
        return head(embedding).squeeze(-1)

    # the decoder gets no gradient and Adam leaves it alone
    optimizer = torch.optim.Adam([*net.parameters(), *head.parameters()], lr=3e-3)
    for _ in range(steps):
        offsets = 20 * torch.rand(64)
        loss = (predict(offsets) - offsets).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    with torch.no_grad():
        offsets = torch.linspace(0, 20, 201)
        predicted = predict(offsets)
    r2 = 1 - (predicted - offsets).square().sum() / (offsets - offsets.mean()).square().sum()
    return r2.item(), (predicted.max() - predicted.min()).item()


def test_cls_learns_absolute_position_and_mean_pooling_cannot():
    # The paper's Table 1 idea: [CLS] sits at position 0, so its attention to a token at
    # t sees t itself; without it rotary attention sees only differences between
    # tokens, and sequences that differ by a shift alone are indistinguishable.
    r2, _ = offset_regression_r2(use_cls=True, seed=0)
    # measured R^2 0.9946 .. 0.9984 over seeds 0-9 (200 steps, 16 wide, 1 block)
    assert r2 > 0.95
    r2, spread = offset_regression_r2(use_cls=False, seed=0)
    # measured: predictions over offsets 0..20 spread by 1e-6 .. 2e-6 (float noise), R^2 -0.011 .. 0
    assert spread < 1e-4
    assert r2 <= 0.05
