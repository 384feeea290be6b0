"""AttnOnlyTransformer.state_dict / from_state_dict: TransformerLens names in and out."""

from __future__ import annotations

import numpy as np
import pytest

from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import induction_model, zero_layer_model


def random_model(seed, n_layers=2, n_heads=3, d_model=6, d_head=4, d_vocab=7, n_ctx=9):
    rng = np.random.default_rng(seed)
    layer = (n_layers, n_heads, d_model, d_head)
    return AttnOnlyTransformer(
        W_E=rng.normal(size=(d_vocab, d_model)),
        W_pos=rng.normal(size=(n_ctx, d_model)),
        W_U=rng.normal(size=(d_model, d_vocab)),
        W_Q=rng.normal(size=layer),
        W_K=rng.normal(size=layer),
        W_V=rng.normal(size=layer),
        W_O=rng.normal(size=(n_layers, n_heads, d_head, d_model)),
    )


def tl_state_dict(rng, n_layers=2, n_heads=3, d_model=6, d_head=4, d_vocab=7, n_ctx=9):
    """A state dict laid out as TransformerLens's attention-only HookedTransformer writes it
    (written out here key by key, independently of AttnOnlyTransformer.state_dict)."""
    state = {
        "embed.W_E": rng.normal(size=(d_vocab, d_model)).astype(np.float32),
        "pos_embed.W_pos": rng.normal(size=(n_ctx, d_model)).astype(np.float32),
    }
    for l in range(n_layers):
        for w in ("W_Q", "W_K", "W_V"):
            state[f"blocks.{l}.attn.{w}"] = rng.normal(size=(n_heads, d_model, d_head)).astype(np.float32)
            state[f"blocks.{l}.attn.b_{w[-1]}"] = np.zeros((n_heads, d_head), np.float32)
        state[f"blocks.{l}.attn.W_O"] = rng.normal(size=(n_heads, d_head, d_model)).astype(np.float32)
        state[f"blocks.{l}.attn.b_O"] = np.zeros(d_model, np.float32)
        state[f"blocks.{l}.attn.mask"] = np.tril(np.ones((n_ctx, n_ctx), dtype=bool))
        state[f"blocks.{l}.attn.IGNORE"] = np.array(-np.inf, np.float32)
    state["unembed.W_U"] = rng.normal(size=(d_model, d_vocab)).astype(np.float32)
    state["unembed.b_U"] = np.zeros(d_vocab, np.float32)
    return state


def reference_logits(state, tokens, n_layers):
    """The forward pass written from the state dict's per-layer arrays, one head at a time."""
    x = state["embed.W_E"][tokens].astype(np.float64) + state["pos_embed.W_pos"][: len(tokens)]
    n = len(tokens)
    for l in range(n_layers):
        out = np.zeros_like(x)
        W_Q, W_K, W_V, W_O = (
            state[f"blocks.{l}.attn.{w}"].astype(np.float64) for w in ("W_Q", "W_K", "W_V", "W_O")
        )
        for h in range(W_Q.shape[0]):
            scores = (x @ W_Q[h]) @ (x @ W_K[h]).T / np.sqrt(W_Q.shape[-1])
            for i in range(n):
                row = np.exp(scores[i, : i + 1] - scores[i, : i + 1].max())
                row /= row.sum()
                out[i] += row @ (x[: i + 1] @ W_V[h]) @ W_O[h]
        x = x + out
    return x @ state["unembed.W_U"]


@pytest.mark.parametrize("seed", range(4))
def test_transformerlens_layout_loads_and_runs_like_a_reference_forward_pass(seed):
    rng = np.random.default_rng(seed)
    n_layers = 1 + seed % 3
    state = tl_state_dict(rng, n_layers=n_layers, n_heads=1 + seed % 2)
    model = AttnOnlyTransformer.from_state_dict(state)
    assert (model.n_layers, model.n_ctx, model.d_vocab) == (n_layers, 9, 7)
    for _ in range(3):
        tokens = rng.integers(0, 7, size=rng.integers(1, 10))
        np.testing.assert_allclose(
            model.run(tokens), reference_logits(state, tokens, n_layers), rtol=1e-10, atol=1e-10
        )


@pytest.mark.parametrize(
    "model",
    [random_model(0), random_model(1, n_layers=1, n_heads=1), induction_model(bos=False), zero_layer_model()],
    ids=["random", "one-head", "induction", "zero-layer"],
)
def test_round_trip_through_dict_and_npz(model, tmp_path):
    state = model.state_dict()
    path = tmp_path / "weights.npz"
    np.savez(path, **state)
    for source in (state, path, str(path)):
        back = AttnOnlyTransformer.from_state_dict(source, vocab=model.vocab, attn_scale=model.attn_scale)
        for name in ("W_E", "W_pos", "W_U", "W_Q", "W_K", "W_V", "W_O"):
            np.testing.assert_array_equal(getattr(back, name), getattr(model, name))
        tokens = np.arange(min(model.n_ctx, 5)) % model.d_vocab
        np.testing.assert_array_equal(back.run(tokens), model.run(tokens))


def test_state_dict_keys_and_shapes_are_transformerlens_ones():
    model = random_model(2, n_layers=2, n_heads=3, d_model=6, d_head=4, d_vocab=7, n_ctx=9)
    expected = {
        key: value.shape
        for key, value in tl_state_dict(np.random.default_rng(0)).items()
        if not key.endswith((".mask", ".IGNORE"))
    }
    assert {key: value.shape for key, value in model.state_dict().items()} == expected
    assert all(not np.any(v) for k, v in model.state_dict().items() if ".b_" in k)
    # Copies: changing the dict leaves the model alone.
    model.state_dict()["embed.W_E"][0, 0] = 123.0
    assert model.W_E[0, 0] != 123.0


def _error(state, **kwargs):
    with pytest.raises(ValueError) as err:
        AttnOnlyTransformer.from_state_dict(state, **kwargs)
    message = str(err.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    "key", ["ln_final.w", "ln_final.b", "blocks.0.ln1.w", "blocks.1.ln1.b", "blocks.0.ln2.w"]
)
def test_layernorm_keys_are_refused_by_name(key):
    state = tl_state_dict(np.random.default_rng(0))
    state[key] = np.ones(6)
    message = _error(state)
    assert repr(key) in message and "LayerNorm" in message


@pytest.mark.parametrize("key", ["blocks.0.mlp.W_in", "blocks.1.mlp.b_out"])
def test_mlp_keys_are_refused_by_name(key):
    state = tl_state_dict(np.random.default_rng(0))
    state[key] = np.ones((6, 24))
    message = _error(state)
    assert repr(key) in message and "MLP" in message


@pytest.mark.parametrize(
    "key",
    [
        "embed.W_E",
        "pos_embed.W_pos",
        "unembed.W_U",
        "blocks.0.attn.W_Q",
        "blocks.0.attn.W_K",
        "blocks.1.attn.W_V",
        "blocks.1.attn.W_O",
    ],
)
def test_a_missing_key_is_named(key):
    state = tl_state_dict(np.random.default_rng(0))
    del state[key]
    assert repr(key) in _error(state)


def test_a_missing_layer_is_named():
    state = tl_state_dict(np.random.default_rng(0), n_layers=3)
    for key in [k for k in state if k.startswith("blocks.1.")]:
        del state[key]
    assert "'blocks.1.attn.W_Q'" in _error(state)


@pytest.mark.parametrize(
    "key, shape",
    [
        ("embed.W_E", (7, 6, 1)),
        ("pos_embed.W_pos", (9, 5)),
        ("unembed.W_U", (6, 8)),
        ("blocks.0.attn.W_Q", (3, 6)),
        ("blocks.0.attn.W_K", (3, 6, 5)),
        ("blocks.1.attn.W_V", (2, 6, 4)),
        ("blocks.1.attn.W_O", (3, 6, 4)),
        ("blocks.0.attn.b_Q", (3, 5)),
        ("blocks.0.attn.b_O", (7,)),
        ("unembed.b_U", (6,)),
        ("blocks.0.attn.mask", (8, 8)),
    ],
)
def test_a_wrong_shape_is_named(key, shape):
    state = tl_state_dict(np.random.default_rng(0))
    state[key] = np.zeros(shape) if not key.endswith("mask") else np.tril(np.ones(shape, bool))
    assert repr(key) in _error(state)


@pytest.mark.parametrize(
    "key", ["blocks.0.attn.b_Q", "blocks.1.attn.b_K", "blocks.0.attn.b_V", "blocks.1.attn.b_O", "unembed.b_U"]
)
def test_nonzero_biases_are_refused_by_name(key):
    state = tl_state_dict(np.random.default_rng(0))
    state[key] = state[key] + 0.01
    message = _error(state)
    assert repr(key) in message and "nonzero" in message


def test_biases_and_buffers_may_be_left_out():
    state = {
        k: v
        for k, v in tl_state_dict(np.random.default_rng(0)).items()
        if ".b_" not in k and not k.endswith((".mask", ".IGNORE"))
    }
    assert AttnOnlyTransformer.from_state_dict(state).n_layers == 2


def test_a_non_causal_mask_and_unknown_keys_are_refused():
    state = tl_state_dict(np.random.default_rng(0))
    state["blocks.0.attn.mask"] = np.ones((9, 9), bool)
    assert "'blocks.0.attn.mask'" in _error(state)
    state = tl_state_dict(np.random.default_rng(0))
    state["blocks.0.attn.W_QK"] = np.zeros((6, 6))
    assert "'blocks.0.attn.W_QK'" in _error(state)
    state = tl_state_dict(np.random.default_rng(0))
    state["embed.W_E"] = np.full((7, 6), np.nan)
    assert "'embed.W_E'" in _error(state)


def test_an_unreadable_path_says_what_to_give(tmp_path):
    assert "no state dict file" in _error(tmp_path / "missing.npz")
    (tmp_path / "text.npz").write_text("not a zip")
    assert "np.savez" in _error(tmp_path / "text.npz")
