"""AttnOnlyTransformer against an independent loop-by-loop forward pass."""

from __future__ import annotations

import math

import numpy as np
import pytest

from circuit_clips.model import AttnOnlyTransformer

SIZES = [  # n_layers, n_heads, d_model, d_head, d_vocab, n_ctx
    (1, 1, 4, 2, 5, 6),
    (1, 3, 6, 2, 7, 8),
    (2, 2, 8, 3, 6, 9),
    (3, 3, 5, 4, 9, 7),
    (2, 1, 7, 7, 4, 10),
]


def random_weights(rng, n_layers, n_heads, d_model, d_head, d_vocab, n_ctx):
    """Gaussian weights, scaled so that attention patterns are neither flat nor saturated."""
    return dict(
        W_E=rng.normal(size=(d_vocab, d_model)),
        W_pos=rng.normal(size=(n_ctx, d_model)),
        W_U=rng.normal(size=(d_model, d_vocab)),
        W_Q=rng.normal(size=(n_layers, n_heads, d_model, d_head)) / np.sqrt(d_model),
        W_K=rng.normal(size=(n_layers, n_heads, d_model, d_head)) / np.sqrt(d_model),
        W_V=rng.normal(size=(n_layers, n_heads, d_model, d_head)) / np.sqrt(d_model),
        W_O=rng.normal(size=(n_layers, n_heads, d_head, d_model)) / np.sqrt(d_head * n_heads),
    )


def reference_forward(w, tokens, scale):
    """Plain loops over positions and heads, written from the equations."""
    n = len(tokens)
    n_layers, n_heads, d_model, d_head = w["W_Q"].shape
    hooks = {}
    x = np.array([w["W_E"][t] + w["W_pos"][p] for p, t in enumerate(tokens)])
    hooks["hook_embed"] = np.array([w["W_E"][t] for t in tokens])
    hooks["hook_pos_embed"] = np.array([w["W_pos"][p] for p in range(n)])
    for layer in range(n_layers):
        hooks[f"blocks.{layer}.hook_resid_pre"] = x.copy()
        q = np.zeros((n, n_heads, d_head))
        k = np.zeros((n, n_heads, d_head))
        v = np.zeros((n, n_heads, d_head))
        scores = np.full((n_heads, n, n), -np.inf)
        pattern = np.zeros((n_heads, n, n))
        z = np.zeros((n, n_heads, d_head))
        result = np.zeros((n, n_heads, d_model))
        for h in range(n_heads):
            for p in range(n):
                q[p, h] = x[p] @ w["W_Q"][layer, h]
                k[p, h] = x[p] @ w["W_K"][layer, h]
                v[p, h] = x[p] @ w["W_V"][layer, h]
            for i in range(n):
                for j in range(i + 1):
                    scores[h, i, j] = sum(q[i, h, d] * k[j, h, d] for d in range(d_head)) / scale
                exps = [math.exp(scores[h, i, j] - max(scores[h, i, : i + 1])) for j in range(i + 1)]
                for j in range(i + 1):
                    pattern[h, i, j] = exps[j] / sum(exps)
                z[i, h] = sum(pattern[h, i, j] * v[j, h] for j in range(i + 1))
                result[i, h] = z[i, h] @ w["W_O"][layer, h]
        attn_out = result.sum(axis=1)
        hooks.update(
            {
                f"blocks.{layer}.attn.hook_q": q,
                f"blocks.{layer}.attn.hook_k": k,
                f"blocks.{layer}.attn.hook_v": v,
                f"blocks.{layer}.attn.hook_attn_scores": scores,
                f"blocks.{layer}.attn.hook_pattern": pattern,
                f"blocks.{layer}.attn.hook_z": z,
                f"blocks.{layer}.attn.hook_result": result,
                f"blocks.{layer}.hook_attn_out": attn_out,
            }
        )
        x = x + attn_out
        hooks[f"blocks.{layer}.hook_resid_post"] = x.copy()
    return x @ w["W_U"], hooks


@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize("custom_scale", [None, 2.5])
def test_matches_reference(sizes, custom_scale):
    rng = np.random.default_rng(sum(sizes))
    w = random_weights(rng, *sizes)
    model = AttnOnlyTransformer(**w, attn_scale=custom_scale)
    d_head, d_vocab, n_ctx = sizes[3], sizes[4], sizes[5]
    scale = custom_scale if custom_scale is not None else math.sqrt(d_head)
    assert model.attn_scale == pytest.approx(scale)
    for n in (1, 3, n_ctx):
        tokens = rng.integers(0, d_vocab, size=n)
        logits, cache = model.run_with_cache(tokens)
        ref_logits, ref_hooks = reference_forward(w, tokens, scale)
        np.testing.assert_allclose(logits, ref_logits, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(model.run(tokens), ref_logits, rtol=1e-9, atol=1e-9)
        for name, expected in ref_hooks.items():
            assert cache[name].shape == expected.shape, name
            np.testing.assert_allclose(cache[name], expected, rtol=1e-9, atol=1e-9, err_msg=name)


def test_attn_scale_changes_the_pattern():
    rng = np.random.default_rng(1)
    w = random_weights(rng, *SIZES[2])
    tokens = np.array([0, 1, 2, 3])
    p_default = AttnOnlyTransformer(**w).run_with_cache(tokens)[1]["blocks.0.attn.hook_pattern"]
    p_custom = AttnOnlyTransformer(**w, attn_scale=10.0).run_with_cache(tokens)[1][
        "blocks.0.attn.hook_pattern"
    ]
    assert not np.allclose(p_default, p_custom)


@pytest.mark.parametrize("sizes", SIZES)
def test_structure_of_the_cache(sizes):
    rng = np.random.default_rng(7 + sum(sizes))
    model = AttnOnlyTransformer(**random_weights(rng, *sizes))
    n_layers, n_heads, d_model, d_head, d_vocab, n_ctx = sizes
    tokens = rng.integers(0, d_vocab, size=n_ctx)
    logits, cache = model.run_with_cache(tokens)
    assert logits.shape == (n_ctx, d_vocab)
    for layer in range(n_layers):
        pre = f"blocks.{layer}"
        pattern = cache[f"{pre}.attn.hook_pattern"]
        scores = cache[f"{pre}.attn.hook_attn_scores"]
        assert pattern.shape == scores.shape == (n_heads, n_ctx, n_ctx)
        np.testing.assert_allclose(pattern.sum(axis=-1), 1.0)
        above = np.triu(np.ones((n_ctx, n_ctx), dtype=bool), k=1)
        assert np.all(pattern[:, above] == 0)
        assert np.all(scores[:, above] == -np.inf)
        assert np.all(np.isfinite(scores[:, ~above]))
        result = cache[f"{pre}.attn.hook_result"]
        assert result.shape == (n_ctx, n_heads, d_model)
        np.testing.assert_allclose(
            cache[f"{pre}.hook_resid_post"],
            cache[f"{pre}.hook_resid_pre"] + result.sum(axis=1),
        )
    final = cache[f"blocks.{n_layers - 1}.hook_resid_post"]
    np.testing.assert_allclose(logits, final @ model.W_U)


@pytest.mark.parametrize("sizes", SIZES)
def test_causal_later_tokens_do_not_change_earlier_logits(sizes):
    rng = np.random.default_rng(11 + sum(sizes))
    model = AttnOnlyTransformer(**random_weights(rng, *sizes))
    d_vocab, n_ctx = sizes[4], sizes[5]
    tokens = rng.integers(0, d_vocab, size=n_ctx)
    cut = n_ctx // 2
    changed = tokens.copy()
    changed[cut:] = (tokens[cut:] + 1) % d_vocab
    a, b = model.run(tokens), model.run(changed)
    np.testing.assert_allclose(a[:cut], b[:cut], rtol=1e-12, atol=1e-12)
    assert not np.allclose(a[cut:], b[cut:])


def test_zero_layer_model_is_embedding_times_unembedding():
    rng = np.random.default_rng(3)
    W_E, W_pos, W_U = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=(3, 5))
    model = AttnOnlyTransformer(W_E, W_pos, W_U)
    assert (model.n_layers, model.attn_scale) == (0, 1.0)
    tokens = np.array([4, 0, 2])
    logits, cache = model.run_with_cache(tokens)
    np.testing.assert_allclose(logits, (W_E[tokens] + W_pos[:3]) @ W_U)
    assert set(cache) == {"hook_embed", "hook_pos_embed", "hook_resid_final"}


def test_tokens_round_trip_and_weights_are_read_only():
    rng = np.random.default_rng(4)
    model = AttnOnlyTransformer(**random_weights(rng, *SIZES[0]), vocab=list("abcde"))
    ids = model.to_tokens(["c", "a", "e"])
    assert ids.tolist() == [2, 0, 4]
    assert model.to_tokens("c a e").tolist() == [2, 0, 4]
    assert model.to_str_tokens(ids) == ["c", "a", "e"]
    with pytest.raises(ValueError):
        model.W_E[0, 0] = 1.0


def test_to_tokens_prepends_bos_like_transformer_lens():
    rng = np.random.default_rng(9)
    w = random_weights(rng, *SIZES[0])
    model = AttnOnlyTransformer(**w, vocab=["<bos>", "a", "b", "c", "d"], bos_token="<bos>")
    assert model.bos_token == "<bos>"
    assert model.to_tokens("b a").tolist() == [0, 2, 1]  # prepended by default
    assert model.to_tokens(["b", "a"], prepend_bos=False).tolist() == [2, 1]
    assert model.to_tokens(["<bos>", "a"]).tolist() == [0, 0, 1]  # always, as TransformerLens
    plain = AttnOnlyTransformer(**w, vocab=list("abcde"))
    assert plain.bos_token is None and plain.to_tokens("a b").tolist() == [0, 1]
    with pytest.raises(ValueError, match="has no beginning-of-sequence token"):
        plain.to_tokens("a b", prepend_bos=True)
    with pytest.raises(ValueError, match="bos_token 'z' is not in the vocabulary"):
        AttnOnlyTransformer(**w, vocab=list("abcde"), bos_token="z")


# ------------------------------------------------------------ bad inputs
@pytest.fixture
def small_model():
    rng = np.random.default_rng(5)
    return AttnOnlyTransformer(**random_weights(rng, *SIZES[1]), vocab=list("abcdefg"))


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        ([0, 7], r"token id 7 is outside the vocabulary.*0\.\.6"),
        ([-1], r"token id -1 is outside the vocabulary"),
        (list(range(7)) + [0, 1], r"longer than the context window n_ctx=8"),
        ([], r"empty"),
        ([[0, 1], [1, 2]], r"1-D.*shape \(2, 2\)"),
        (["a", "b"], r"to_tokens"),
        ([0.5, 1.0], r"integer"),
    ],
)
def test_bad_tokens_raise(small_model, tokens, message):
    with pytest.raises(ValueError, match=message):
        small_model.run_with_cache(tokens)


def test_unknown_token_string_lists_vocabulary(small_model):
    with pytest.raises(ValueError, match=r"unknown token 'zz'.*\['a', 'b', 'c'"):
        small_model.to_tokens(["a", "zz"])


@pytest.mark.parametrize(
    ("name", "shape", "message"),
    [
        ("W_pos", (8, 5), r"W_pos has shape \(8, 5\), expected \[n_ctx, d_model\] = \(8, 6\)"),
        ("W_U", (6, 6), r"W_U has shape \(6, 6\), expected \[d_model, d_vocab\] = \(6, 7\)"),
        (
            "W_K",
            (1, 3, 6, 3),
            r"W_K has shape \(1, 3, 6, 3\), expected "
            r"\[n_layers, n_heads, d_model, d_head\] = \(1, 3, 6, 2\)",
        ),
        ("W_O", (1, 3, 6, 2), r"W_O has shape .* expected \[n_layers, n_heads, d_head, d_model\]"),
        ("W_V", (3, 6, 2), r"W_V must have 4 axes"),
    ],
)
def test_mismatched_weights_raise(name, shape, message):
    w = random_weights(np.random.default_rng(6), *SIZES[1])
    w[name] = np.zeros(shape)
    with pytest.raises(ValueError, match=message):
        AttnOnlyTransformer(**w)


def test_other_bad_constructor_arguments():
    w = random_weights(np.random.default_rng(8), *SIZES[0])
    with pytest.raises(ValueError, match="vocab has 2 tokens but W_E has d_vocab=5"):
        AttnOnlyTransformer(**w, vocab=["a", "b"])
    with pytest.raises(ValueError, match="repeated tokens"):
        AttnOnlyTransformer(**w, vocab=list("abcda"))
    with pytest.raises(ValueError, match="attn_scale"):
        AttnOnlyTransformer(**w, attn_scale=0.0)
    with pytest.raises(ValueError, match="subspace 'x'"):
        AttnOnlyTransformer(**w, subspaces={"x": slice(2, 9)})
    with pytest.raises(ValueError, match="all of W_Q, W_K, W_V and W_O"):
        AttnOnlyTransformer(w["W_E"], w["W_pos"], w["W_U"], W_Q=w["W_Q"])
