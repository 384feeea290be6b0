"""What the linear_maps clip shows, checked against an independent calculation from the raw weights."""

from __future__ import annotations

import numpy as np
import pytest

from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

from .conftest import load_scene_module


@pytest.fixture(scope="module")
def shown():
    """The clip's numbers, from its own numbers() (no rendering)."""
    return load_scene_module("linear_maps").numbers()


@pytest.fixture(scope="module")
def model():
    return induction_model()


def test_vector_is_the_embedding_of_the_last_token(shown, model):
    """x is W_E t + W_pos p of the last 'D' of the running example: one-hot token and position."""
    last = len(RUNNING_EXAMPLE) - 1
    token = model.vocab.index(RUNNING_EXAMPLE[last])
    expected = np.zeros(model.d_model)
    expected[model.subspaces["token"].start + token] = 1
    expected[model.subspaces["position"].start + last] = 1
    assert np.array_equal(shown.x, expected)


def test_matrices_are_the_papers_orientation(shown, model):
    """On screen W_V is d_head x d_model (wide) and W_O is d_model x d_head (tall), as in the paper."""
    assert shown.w_v.shape == (model.d_head, model.d_model)
    assert shown.w_o.shape == (model.d_model, model.d_head)
    for i in range(model.d_head):
        for j in range(model.d_model):
            assert shown.w_v[i, j] == model.W_V[0, 0, j, i]
            assert shown.w_o[j, i] == model.W_O[0, 0, i, j]


def test_reads_token_writes_previous_token(shown, model):
    assert (shown.read_block, shown.write_block) == ("token", "previous token")
    read_cols = np.flatnonzero(np.any(model.W_V[0, 0] != 0, axis=1))
    written_rows = np.flatnonzero(np.any(model.W_O[0, 0] != 0, axis=0))
    assert set(read_cols) <= set(range(model.d_model)[model.subspaces["token"]])
    assert set(written_rows) <= set(range(model.d_model)[model.subspaces["previous token"]])


def test_read_then_write_moves_the_token(shown, model):
    """W_O W_V x holds x's token one-hot in the previous-token block, and nothing else."""
    token = model.vocab.index(RUNNING_EXAMPLE[-1])
    expected = np.zeros(model.d_model)
    expected[model.subspaces["previous token"].start + token] = 1
    assert np.allclose(shown.out, expected)
    v = np.array(
        [sum(model.W_V[0, 0, j, i] * shown.x[j] for j in range(model.d_model)) for i in range(model.d_head)]
    )
    assert np.allclose(shown.v, v)


def test_rank_of_the_product(shown, model):
    """The product is d_model x d_model with rank 8 (the vocabulary), below d_head: counted by SVD here."""
    assert shown.w_ov.shape == (model.d_model, model.d_model)
    singular = np.linalg.svd(model.W_O[0, 0].T @ model.W_V[0, 0].T, compute_uv=False)
    assert shown.rank == int(np.sum(singular > 1e-6)) == model.d_vocab
    assert shown.rank < shown.d_head == model.d_head
