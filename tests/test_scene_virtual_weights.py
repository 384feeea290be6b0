"""What the virtual_weights clip shows, checked against an independent calculation from the raw weights."""

from __future__ import annotations

import math

import numpy as np
import pytest

from circuit_clips.toy_models import ATTN_GAIN, BOS_TOKEN, RUNNING_EXAMPLE, induction_model

from .conftest import load_scene_module


def _module():
    module = load_scene_module("virtual_weights")
    return module


@pytest.fixture(scope="module")
def shown():
    """The clip's numbers, from its own numbers() (no rendering)."""
    return _module().numbers()


@pytest.fixture(scope="module")
def model():
    return induction_model(bos=True)


def test_virtual_weights_are_the_product(shown, model):
    """W_K^(1) W_O^(0) in the paper's orientation: d_head x d_head, computed here entry by entry."""
    d_head, d_model = model.d_head, model.d_model
    expected = np.array(
        [
            [
                sum(model.W_K[1, 0, m, i] * model.W_O[0, 0, j, m] for m in range(d_model))
                for j in range(d_head)
            ]
            for i in range(d_head)
        ]
    )
    assert np.allclose(shown.vw, expected)


def test_virtual_weights_are_a_scaled_identity_on_the_tokens(shown, model):
    """The picture's diagonal: the same gain on every token's entry, 0 elsewhere, one key direction
    per token (the start token's included): everything W_O writes reaches the key."""
    gain = math.sqrt(ATTN_GAIN * math.sqrt(model.d_head))
    expected = np.zeros((model.d_head, model.d_head))
    expected[: model.d_vocab, : model.d_vocab] = gain * np.eye(model.d_vocab)
    assert np.allclose(shown.vw, expected)
    assert np.linalg.matrix_rank(shown.vw) == np.linalg.matrix_rank(model.W_O[0, 0]) == model.d_vocab


def test_r_holds_the_word_before_urs(shown, model):
    """The caption's 'fetched the word before it, D, as r' and the 'D' beside r's lit cell: r is
    (almost) the one-hot of D, recomputed from layer 0's attention and values by hand."""
    tokens = list(model.to_tokens(RUNNING_EXAMPLE))
    pos = 1 + RUNNING_EXAMPLE.index("urs")
    x = np.stack([model.W_E[t] + model.W_pos[i] for i, t in enumerate(tokens)])
    q, k, v = (x @ w[0, 0] for w in (model.W_Q, model.W_K, model.W_V))
    scores = q[pos] @ k[: pos + 1].T / math.sqrt(model.d_head)
    pattern = np.exp(scores - scores.max())
    pattern /= pattern.sum()
    r = pattern @ v[: pos + 1]
    assert np.allclose(shown.r, r)
    d = model.vocab.index("D")
    assert shown.prev_token == "D" and shown.r_top == d == int(np.argmax(r)) and r[d] > 0.99


def test_layer_0_writes_what_layer_1_key_reads(shown, model):
    prev = range(model.d_model)[model.subspaces["previous token"]]
    written = set(np.flatnonzero(np.any(model.W_O[0, 0] != 0, axis=0)))
    read_by_key = set(np.flatnonzero(np.any(model.W_K[1, 0] != 0, axis=1)))
    assert written == set(prev) and shown.block == "previous token"
    # the key reads the whole block, plus one cell: the start token's own (where the head rests)
    assert read_by_key - set(prev) == {model.subspaces["token"].start + model.vocab.index(BOS_TOKEN)}
    assert shown.key_reads == ["token", "previous token"]


def test_the_key_at_urs_is_the_virtual_weights_times_r(shown, model):
    """At 'urs', r^L0H0 is D's value vector, W_K x_0 is zero, so k = W_K W_O r: a single entry, for D,
    the caption's '5.88': the diagonal's gain times layer 0's attention from urs to D."""
    tokens = model.to_tokens(RUNNING_EXAMPLE)
    _, cache = model.run_with_cache(tokens)
    pos = 1 + RUNNING_EXAMPLE.index("urs")  # after the start token
    assert shown.prev_token == "D"
    assert np.allclose(shown.k, cache["blocks.1.attn.hook_k"][pos, 0])
    assert np.allclose(shown.k, shown.vw @ shown.r)
    assert np.allclose(shown.k_direct, 0)
    assert int(np.argmax(shown.k)) == model.vocab.index("D")
    gain = math.sqrt(ATTN_GAIN * math.sqrt(model.d_head))
    to_d = cache["blocks.0.attn.hook_pattern"][0, pos, pos - 1]
    assert shown.k.max() == pytest.approx(gain * to_d)
    assert f"{shown.k.max():.2f}" == "5.88" and shown.r_top == int(np.argmax(shown.k))
    # '... the rest 0': every other entry of the key rounds to 0.00, as the clip prints numbers
    others = np.delete(cache["blocks.1.attn.hook_k"][pos, 0], shown.r_top)
    assert np.all(np.abs(others) < 0.005)


def test_the_writers_fill_the_stream(shown, model):
    """The caption's 'each block has one writer, together they fill all 39 numbers' and the counts
    9, 12, 9, 9 on screen: W_E, W_pos and each head's W_O write disjoint blocks whose ranks add to
    d_model (ranks counted here by SVD of the raw, code-orientation weights)."""
    module = _module()
    writers = module.writers(model)
    assert [name for name, _, _ in writers] == [
        "W_E",
        r"W_{\mathrm{pos}}",
        r"W_O^{\mathrm{L0H0}}",
        r"W_O^{\mathrm{L1H0}}",
    ]
    raw = [model.W_E, model.W_pos, model.W_O[0, 0], model.W_O[1, 0]]
    counted = [int(np.sum(np.linalg.svd(w, compute_uv=False) > 1e-9)) for w in raw]
    assert [dims for _, _, dims in shown.writer_dims] == counted == [9, 12, 9, 9]
    assert [block for _, block, _ in shown.writer_dims] == list(model.subspaces)
    assert sum(counted) == model.d_model == 39
    ranks = [np.linalg.matrix_rank(matrix) for _, _, matrix in writers]
    assert ranks == [9, 12, 9, 9] and sum(ranks) == model.d_model == 39
    blocks = [module.nonzero_blocks(np.abs(matrix).sum(axis=1), model.subspaces) for _, _, matrix in writers]
    assert blocks == [["token"], ["position"], ["previous token"], ["output"]]


def test_the_notes_position_and_r_width(shown, model):
    """The note 'x_3: the stream at position 3, urs': urs is position 3 counting the start token as 0;
    r has d_head = 12 entries, and layer 0's W_O uses 9 of them (its rank, counted here by SVD), as
    many as the vocabulary has words: the 12 x 12 product's 9 lit diagonal cells."""
    tokens = [BOS_TOKEN, *RUNNING_EXAMPLE]
    assert tokens.index("urs") == shown.pos == 3
    assert shown.r.shape == (model.d_head,) and model.d_head == 12
    used = int(np.sum(np.linalg.svd(model.W_O[0, 0], compute_uv=False) > 1e-9))
    assert shown.words_used == used == len(model.vocab) == 9
    # the 3 spare entries of r are never written by W_O: its rows for them are zero
    assert np.allclose(model.W_O[0, 0][len(model.vocab) :], 0)
    assert np.allclose(shown.r[len(model.vocab) :], 0)


def test_the_start_token_is_where_the_head_rests_if_nothing_matches(model):
    """The note "start token: rests here if no match" on W_K's lone cell outside the block.
    On words that never repeat, layer 1's head (computed here from the raw weights) puts (nearly) all
    of every position's attention on the start token, at position 0."""
    words = [w for w in model.vocab if w != BOS_TOKEN]
    ids = [model.vocab.index(BOS_TOKEN)] + [model.vocab.index(w) for w in words[: model.n_ctx - 1]]
    x = model.W_E[ids] + model.W_pos[: len(ids)]
    n = len(ids)
    causal = np.tril(np.ones((n, n), dtype=bool))

    def pattern(x, layer):
        scores = (x @ model.W_Q[layer, 0]) @ (x @ model.W_K[layer, 0]).T / math.sqrt(model.d_head)
        scores = np.where(causal, scores, -np.inf)
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        return p / p.sum(axis=1, keepdims=True)

    x1 = x + pattern(x, 0) @ x @ model.W_V[0, 0] @ model.W_O[0, 0]
    assert (pattern(x1, 1)[:, 0] > 0.99).all()
