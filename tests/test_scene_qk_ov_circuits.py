"""The matrices the qk_ov_circuits clip shows, in the paper's orientation, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import load_scene_module


@pytest.fixture(scope="module")
def shown():
    """The clip's numbers, from its own numbers() (no rendering)."""
    return load_scene_module("qk_ov_circuits").numbers()


def test_factor_matrices_are_the_papers(shown):
    """Paper (column vectors): W_Q, W_K, W_V are [d_head, d_model], W_O is [d_model, d_head]."""
    m = shown.model
    W_Q, W_K = m.W_Q[0, 0].T, m.W_K[0, 0].T
    W_V, W_O = m.W_V[0, 0].T, m.W_O[0, 0].T
    assert np.allclose(shown.paper["W_Q^T"], W_Q.T)
    assert np.allclose(shown.paper["W_K"], W_K)
    assert np.allclose(shown.paper["W_QK"], W_Q.T @ W_K)
    assert np.allclose(shown.paper["W_O"], W_O)
    assert np.allclose(shown.paper["W_V"], W_V)
    assert np.allclose(shown.paper["W_OV"], W_O @ W_V)
    assert shown.qk_rank == np.linalg.matrix_rank(W_Q.T @ W_K) == 1
    assert shown.ov_rank == np.linalg.matrix_rank(W_O @ W_V) == 1


def test_full_qk_rows_are_queries_and_columns_keys(shown):
    m, vocab = shown.model, shown.vocab
    for a in range(m.d_vocab):
        for b in range(m.d_vocab):
            score = (m.W_E[a] @ m.W_Q[0, 0]) @ (m.W_E[b] @ m.W_K[0, 0])
            assert shown.full_qk_table[a, b] == pytest.approx(score)
    keep = vocab.index("keep")
    assert {vocab[i] for i in np.flatnonzero(shown.full_qk_table[:, keep] > 0)} == {"in", "at"}


def test_full_ov_rows_are_outputs_and_columns_sources(shown):
    m, vocab = shown.model, shown.vocab
    for src in range(m.d_vocab):
        logits = m.W_E[src] @ m.W_V[0, 0] @ m.W_O[0, 0] @ m.W_U  # attend fully to src
        assert np.allclose(shown.full_ov_table[:, src], logits)
    keep = vocab.index("keep")
    assert {vocab[i] for i in np.flatnonzero(shown.full_ov_table[:, keep] > 0)} == {"mind", "bay"}


def test_the_example_read_is_the_heads_write(shown):
    """At 'at' the head attends to 'keep' and writes W_OV x_keep there, as the clip shows."""
    weight = shown.pattern[shown.dest, shown.src]
    assert weight > 0.99
    moved = shown.paper["W_OV"] @ shown.resid[shown.src]
    assert np.allclose(weight * moved, shown.head_write[shown.dest], atol=1e-3)
