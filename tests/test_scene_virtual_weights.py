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
    """The picture's diagonal (the same 5.89 on every token's entry, 0 elsewhere) and the caption's
    'Rank 9': one key direction per token, the start token's included, all that W_O writes."""
    gain = math.sqrt(ATTN_GAIN * math.sqrt(model.d_head))
    expected = np.zeros((model.d_head, model.d_head))
    expected[: model.d_vocab, : model.d_vocab] = gain * np.eye(model.d_vocab)
    assert np.allclose(shown.vw, expected)
    assert shown.vw_is_scaled_identity and shown.vw_diag == pytest.approx(gain)
    assert f"{shown.vw_diag:.2f}" == "5.89"
    assert shown.vw_rank == shown.w_o_rank == model.d_vocab == 9


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
    assert f"{shown.k.max():.2f}" == "5.88"


def test_the_writers_fill_the_stream(model):
    """The caption's 'together they fill all 39 dimensions': W_E, W_pos and each head's W_O write
    disjoint blocks whose ranks add to d_model."""
    module = _module()
    writers = module.writers(model)
    assert [name for name, _, _ in writers] == [
        "W_E",
        r"W_{\text{pos}}",
        r"W_O^{\mathrm{L0H0}}",
        r"W_O^{\mathrm{L1H0}}",
    ]
    ranks = [np.linalg.matrix_rank(matrix) for _, _, matrix in writers]
    assert ranks == [9, 12, 9, 9] and sum(ranks) == model.d_model == 39
    blocks = [module.nonzero_blocks(np.abs(matrix).sum(axis=1), model.subspaces) for _, _, matrix in writers]
    assert blocks == [["token"], ["position"], ["previous token"], ["output"]]


def test_the_readers_are_every_head_input_and_the_unembedding(model):
    """The bottleneck frame's readers: Q, K, V of every head, then W_U, each [.., d_model] as the paper writes it."""
    readers = _module().readers(model)
    names = [name for name, _, _ in readers]
    assert names[-1] == "W_U" and len(names) == 3 * model.n_layers * model.n_heads + 1
    for name, _, matrix in readers[:-1]:
        kind, layer = name[2], int(name.split("{L")[1][0])  # W_K^{\mathrm{L1H0}}: layer 1
        code = {"Q": model.W_Q, "K": model.W_K, "V": model.W_V}[kind][layer, 0]
        assert matrix.shape == (model.d_head, model.d_model)
        x = np.arange(model.d_model, dtype=float)
        assert np.allclose(matrix @ x, x @ code)
