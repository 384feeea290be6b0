"""The numbers the heads_are_additive clip shows, checked against an independent computation."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import load_scene_module


@pytest.fixture(scope="module")
def module():
    return load_scene_module("heads_are_additive")


@pytest.fixture(scope="module")
def shown(module):
    """The clip's numbers, from its own numbers() (no rendering)."""
    return module.numbers()


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _heads_by_hand(model, tokens):
    """Each head's result r^h and write W_O^h r^h at every position, from the weights alone."""
    x = model.W_E[tokens] + model.W_pos[: len(tokens)]
    n = len(tokens)
    z, writes = [], []
    for h in range(model.n_heads):
        q, k, v = x @ model.W_Q[0, h], x @ model.W_K[0, h], x @ model.W_V[0, h]
        scores = q @ k.T / np.sqrt(model.d_head)
        scores[np.triu_indices(n, 1)] = -np.inf
        r = _softmax(scores) @ v
        z.append(r)
        writes.append(r @ model.W_O[0, h])
    return x, np.stack(z, axis=1), np.stack(writes, axis=1)


def test_results_are_the_heads_own(shown, module):
    model = shown.model
    tokens = module.TOKENS  # the scene module's input
    x, z, writes = _heads_by_hand(model, model.to_tokens(tokens))
    assert np.allclose(shown.z, z[shown.dest])
    assert np.allclose(shown.result, writes[shown.dest])
    assert np.allclose(shown.resid_pre, x[shown.dest])


def test_concatenate_then_w_o_is_the_sum_of_per_head_writes(shown):
    """Paper notation: [W_O^0 W_O^1] [r^0; r^1] = W_O^0 r^0 + W_O^1 r^1 (column vectors)."""
    model = shown.model
    w_o_paper = np.hstack([model.W_O[0, h].T for h in range(model.n_heads)])  # [d_model, n_heads*d_head]
    concat = np.concatenate([shown.z[h] for h in range(model.n_heads)])
    one_go = w_o_paper @ concat
    per_head = sum(model.W_O[0, h].T @ shown.z[h] for h in range(model.n_heads))
    assert np.allclose(one_go, per_head)
    assert np.allclose(one_go, shown.attn_out)
    assert np.allclose(shown.resid_pre + one_go, shown.resid_post)


def test_the_two_heads_write_different_things(shown):
    """Otherwise the clip would not show two distinct writes."""
    out = shown.model.subspaces["output"]
    vocab = shown.model.vocab
    head0 = {vocab[i] for i in np.flatnonzero(shown.result[0, out] > 1e-6)}
    head1 = {vocab[i] for i in np.flatnonzero(shown.result[1, out] > 1e-6)}
    assert head0 == {"mind", "bay"}
    assert head1 == {"keep", "them", "at"}
    assert shown.pattern[0, shown.dest].argmax() == 0 and shown.pattern[0, shown.dest].max() > 0.99
    assert np.allclose(shown.pattern[1, shown.dest], 1 / (shown.dest + 1))
