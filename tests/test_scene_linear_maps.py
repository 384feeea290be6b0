"""What the linear_maps clip shows, checked against an independent calculation from the raw weights.

Every number a caption or label states (every lit cell 1, 39 numbers in and 12 out, then 12 in and 39 out, d_model
39, d_head 12, the 39 x 39 product, its rank 8 and its 8 lit cells, the word 'Mr' at position 6)
is recomputed here from the model's weights, not taken from the scene; the general claims (W_V
reads only the token block, W_O writes only the previous-token block, the rank is one per lit
cell, the head writes the previous token and never the current one) are checked on many inputs.
"""

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
    return induction_model(bos=True)


def layer0_head(model, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Layer 0 head 0 by hand from the raw weights: (attention pattern, what it adds to each position)."""
    n = len(ids)
    x = np.stack([model.W_E[t] + model.W_pos[i] for i, t in enumerate(ids)])
    q, k, v = (x @ w[0, 0] for w in (model.W_Q, model.W_K, model.W_V))  # the model has no biases
    scores = q @ k.T / np.sqrt(model.d_head)
    scores[np.triu(np.ones((n, n), dtype=bool), 1)] = -np.inf
    pattern = np.exp(scores - scores.max(axis=1, keepdims=True))
    pattern /= pattern.sum(axis=1, keepdims=True)
    return pattern, pattern @ v @ model.W_O[0, 0]


def test_the_model_has_the_start_token(shown, model):
    assert shown.tokens == ["<bos>", *RUNNING_EXAMPLE]
    assert shown.model.vocab == model.vocab and shown.model.d_model == model.d_model


def test_caption_numbers(shown, model):
    """39 numbers, 12 x 39 and 39 x 12, d_head 12, position 6 holding 'Mr' (the second one)."""
    assert (model.d_model, model.d_head) == (39, 12)
    assert (shown.d_model, shown.d_head) == (model.d_model, model.d_head)
    assert shown.w_v.shape == (12, 39) and shown.w_o.shape == (39, 12)
    assert shown.x.shape == (39,)
    assert (shown.source, shown.tokens[shown.source]) == (6, "Mr")
    assert RUNNING_EXAMPLE.count("Mr") == 2 and RUNNING_EXAMPLE[5] == "Mr"  # after <bos>: position 6


def test_vector_is_the_embedding_of_the_source_token(shown, model):
    """x is W_E t + W_pos p of the 'Mr' at position 6: one-hot token and position, nothing else."""
    token = model.vocab.index("Mr")
    expected = np.zeros(model.d_model)
    expected[model.subspaces["token"].start + token] = 1
    expected[model.subspaces["position"].start + 6] = 1
    assert np.array_equal(shown.x, expected)


def test_matrices_are_the_papers_orientation(shown, model):
    """On screen W_V is d_head x d_model (wide) and W_O is d_model x d_head (tall), as in the paper."""
    for i in range(model.d_head):
        for j in range(model.d_model):
            assert shown.w_v[i, j] == model.W_V[0, 0, j, i]
            assert shown.w_o[j, i] == model.W_O[0, 0, i, j]
    rows, cols = shown.w_v.shape
    assert rows < cols, "the reader is wide"
    rows, cols = shown.w_o.shape
    assert rows > cols, "the writer is tall"


def test_reads_token_writes_previous_token(shown, model):
    """For any vector, W_V x depends only on its token block and W_O v lands only in the
    previous-token block (checked on 200 random vectors, not only the one on screen)."""
    assert (shown.read_block, shown.write_block) == ("token", "previous token")
    token, previous = model.subspaces["token"], model.subspaces["previous token"]
    rng = np.random.default_rng(7)
    for _ in range(200):
        x = rng.normal(size=model.d_model)
        kept = np.zeros_like(x)
        kept[token] = x[token]
        assert np.allclose(x @ model.W_V[0, 0], kept @ model.W_V[0, 0])
        out = rng.normal(size=model.d_head) @ model.W_O[0, 0]
        outside = np.ones(model.d_model, dtype=bool)
        outside[previous] = False
        assert np.allclose(out[outside], 0)


def test_read_then_write_moves_the_token(shown, model):
    """W_O W_V x holds x's token, 'Mr', one-hot in the previous-token block, and nothing else."""
    expected = np.zeros(model.d_model)
    expected[model.subspaces["previous token"].start + model.vocab.index("Mr")] = 1
    assert np.allclose(shown.out, expected)
    v = np.array(
        [sum(model.W_V[0, 0, j, i] * shown.x[j] for j in range(model.d_model)) for i in range(model.d_head)]
    )
    assert np.allclose(shown.v, v)


def test_the_head_writes_the_previous_token_on_many_inputs(model):
    """On 100 random sequences, every position after the start token gets the token before it
    in its previous-token block, and never its own token (unless the two are equal)."""
    previous = model.subspaces["previous token"]
    words = [w for w in model.vocab if w != "<bos>"]
    rng = np.random.default_rng(3)
    for _ in range(100):
        n = int(rng.integers(2, model.n_ctx))
        ids = list(model.to_tokens(list(rng.choice(words, size=n - 1))))
        _, added = layer0_head(model, ids)
        for i in range(2, n):
            block = added[i, previous]
            assert int(np.argmax(block)) == ids[i - 1] and block[ids[i - 1]] > 0.99
            if ids[i] != ids[i - 1]:
                assert abs(block[ids[i]]) < 1e-2


def test_rank_of_the_product(shown, model):
    """The product is d_model x d_model with rank 8 (the vocabulary without the start token),
    below d_head: counted by SVD here."""
    assert shown.w_ov.shape == (model.d_model, model.d_model)
    singular = np.linalg.svd(model.W_O[0, 0].T @ model.W_V[0, 0].T, compute_uv=False)
    assert shown.rank == int(np.sum(singular > 1e-6)) == model.d_vocab - 1 == 8
    assert shown.rank < shown.d_head == model.d_head


def test_rank_is_one_per_lit_cell(shown, model):
    """The caption's 'one per lit cell': the product's non-zero entries (8) sit in distinct rows and
    distinct columns, so each is its own direction and their count is the rank; recounted here from
    the raw weights, and the same holds for the product of W_O with W_V restricted to any subset
    of the tokens it reads (many sub-maps, not only the one on screen)."""
    product = model.W_O[0, 0].T @ model.W_V[0, 0].T  # paper W_O W_V, [d_model, d_model]
    rows, cols = np.nonzero(np.abs(product) > 1e-9)
    assert len(rows) == 8 == shown.rank
    assert len(set(rows)) == len(rows) and len(set(cols)) == len(cols)
    token = model.subspaces["token"]
    rng = np.random.default_rng(11)
    for _ in range(50):
        keep = rng.random(model.d_model) < 0.5
        keep[: token.start] = keep[token.stop :] = True  # drop only some token columns
        part = product * keep[None, :]
        lit = int(np.sum(np.abs(part) > 1e-9))
        assert np.linalg.matrix_rank(part) == lit


def test_value_matrix_lights_8_of_12_rows(shown, model):
    """The rank panel's 'its value matrix lights 8 of 12 rows', counted here from the raw weights:
    one row per token the head can move, every token but the start token (whose value is 0)."""
    lit_rows = [i for i in range(model.d_head) if np.any(model.W_V[0, 0][:, i] != 0)]
    assert shown.w_v_rows == len(lit_rows) == 8 == model.d_vocab - 1
    assert not np.any(model.W_V[0, 0][model.subspaces["token"].start + model.vocab.index("<bos>")])


def test_every_lit_cell_is_one(shown, model):
    """The legend's '= 1' and '= 0': every entry of W_V, W_O and their product is 0 or 1, counted
    here from the raw weights (the lit cells the bands cross at are the product's 1s)."""
    w_v, w_o = model.W_V[0, 0], model.W_O[0, 0]
    product = w_o.T @ w_v.T
    for matrix in (w_v, w_o, product):
        assert set(np.unique(matrix)) == {0.0, 1.0}
    assert shown.lit == 1.0
    rows, cols = np.nonzero(product)
    token, previous = model.subspaces["token"], model.subspaces["previous token"]
    assert all(previous.start <= r < previous.stop for r in rows)
    assert all(token.start <= c < token.stop for c in cols)


def test_each_row_gives_one_number_of_v(shown, model):
    """The row sweep: v's number i is row i of W_V against x, summed; only the row of x's token
    ('Mr') gives a non-zero number, and it is 1."""
    x = shown.x
    for i in range(model.d_head):
        row = model.W_V[0, 0][:, i]
        assert shown.v[i] == pytest.approx(sum(row[j] * x[j] for j in range(model.d_model)))
    assert np.count_nonzero(shown.v) == 1 and shown.v.max() == 1.0
    assert int(np.argmax(shown.v)) == int(
        np.argmax(model.W_V[0, 0][model.subspaces["token"].start + model.vocab.index("Mr")])
    )


def test_rows_are_outputs_and_the_rest_of_x_is_dropped(shown, model):
    """'rows: out, columns: in': W_V has one row per number of v and one column per number of x.
    'drops the rest': the entries of x outside the token block (they fall away on screen) do not
    change v: zeroing them, or replacing them with noise, gives the same v from the raw weights."""
    w_v = model.W_V[0, 0].T  # the paper's orientation: [d_head, d_model]
    assert w_v.shape == (shown.v.size, shown.x.size) == (12, 39)
    token = model.subspaces["token"]
    kept = np.zeros(model.d_model)
    kept[token] = shown.x[token]
    assert np.allclose(w_v @ kept, shown.v)
    noisy = np.random.default_rng(0).normal(size=model.d_model)
    noisy[token] = shown.x[token]
    assert np.allclose(w_v @ noisy, shown.v)
    assert not np.allclose(shown.x, kept), "something is dropped: x has entries outside the token block"
