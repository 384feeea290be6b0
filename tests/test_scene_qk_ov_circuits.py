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
    """Every entry is a score, q.k / sqrt(d_head), of a query token (row) for a key token (column)."""
    m, vocab = shown.model, shown.vocab
    for a in range(m.d_vocab):
        for b in range(m.d_vocab):
            score = (m.W_E[a] @ m.W_Q[0, 0]) @ (m.W_E[b] @ m.W_K[0, 0]) / np.sqrt(m.d_head)
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


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_the_numbers_the_screen_and_captions_state(shown):
    """d_head = 8, the factor shapes (16x8, 8x16, 16x16 as drawn), scores +10.0 and -10.0 for the key
    'keep' (divided by sqrt(d_head)), and +10.0 from 'keep' to 'mind' and 'bay': by hand."""
    m, vocab = shown.model, shown.vocab
    assert m.d_model == 16 and m.d_head == 8
    shapes = {name: shown.paper[name].shape for name in ("W_Q^T", "W_K", "W_QK", "W_O", "W_V", "W_OV")}
    assert shapes == {
        "W_Q^T": (16, 8),
        "W_K": (8, 16),
        "W_QK": (16, 16),
        "W_O": (16, 8),
        "W_V": (8, 16),
        "W_OV": (16, 16),
    }
    W_QK = m.W_Q[0, 0] @ m.W_K[0, 0].T  # row-vector form: x_q @ W_QK @ x_k
    keep = vocab.index("keep")
    key_keep = m.W_E @ W_QK @ m.W_E[keep] / np.sqrt(m.d_head)
    assert {f"{key_keep[vocab.index(t)]:+.1f}" for t in ("in", "at")} == {"+10.0"}
    assert {f"{v:+.1f}" for i, v in enumerate(key_keep) if vocab[i] not in ("in", "at")} == {"-10.0"}
    assert np.allclose(shown.full_qk_table[:, keep], key_keep)
    # "elsewhere 0": every pair whose key is not 'keep' scores 0, by hand from the one-hot embeddings
    for q in range(m.d_vocab):
        for k in range(m.d_vocab):
            if k != keep:
                assert m.W_E[q] @ W_QK @ m.W_E[k] == pytest.approx(0.0)
                assert shown.full_qk_table[q, k] == pytest.approx(0.0)
    logits = m.W_E[keep] @ m.W_V[0, 0] @ m.W_O[0, 0] @ m.W_U
    assert {vocab[i]: f"{v:+.1f}" for i, v in enumerate(logits) if abs(v) > 1e-6} == {
        "mind": "+10.0",
        "bay": "+10.0",
    }
    # attending to any other word raises nothing: only the 'keep' column of the OV table is non-zero
    others = [t for t in range(m.d_vocab) if t != keep]
    assert np.allclose(m.W_E[others] @ m.W_V[0, 0] @ m.W_O[0, 0] @ m.W_U, 0)


def test_the_head_is_its_two_circuits_on_every_input(shown):
    """h(X) = (A (x) W_OV) X with A = softmax(X^T W_QK X / sqrt(d_head)) over j <= i: the model's
    own pattern and write, on every 3-token input (QK only in A, OV only in the map)."""
    m = shown.model
    W_QK = shown.paper["W_QK"]  # checked against W_Q^T W_K above
    W_OV = shown.paper["W_OV"]
    for a in range(m.d_vocab):
        for b in range(m.d_vocab):
            for c in range(m.d_vocab):
                tokens = np.array([a, b, c])
                X = (m.W_E[tokens] + m.W_pos[:3]).T  # columns are positions, as on screen
                scores = X.T @ W_QK @ X / np.sqrt(m.d_head)
                scores[np.triu_indices(3, 1)] = -np.inf
                A = _softmax(scores)
                h = W_OV @ X @ A.T  # column i: sum_j A_ij W_OV x_j
                _, cache = m.run_with_cache(tokens)
                assert np.allclose(cache["blocks.0.attn.hook_pattern"][0], A)
                assert np.allclose(cache["blocks.0.attn.hook_result"][:, 0].T, h)


def test_the_hatched_cells_are_the_later_words(shown):
    """ "hatched: later words, masked": the pattern drawn as A puts no weight on any source after its
    destination (the causal mask), computed by hand from the weights, and every row sums to 1."""
    m = shown.model
    n = len(shown.tokens)
    X = m.W_E[shown.tokens] + m.W_pos[:n]
    scores = (X @ m.W_Q[0, 0]) @ (X @ m.W_K[0, 0]).T / np.sqrt(m.d_head)
    scores[np.triu_indices(n, 1)] = -np.inf
    assert np.allclose(shown.pattern, _softmax(scores))
    assert np.all(shown.pattern[np.triu_indices(n, 1)] == 0)
    assert np.allclose(shown.pattern.sum(axis=1), 1)


def test_the_lit_cells_and_what_their_labels_say(shown):
    """ "lit: keys whose word is 'keep'" and "lit: reads 'keep', writes 'mind', 'bay'": the framed
    non-zero cells of W_QK and W_OV, and the words they stand for, from the one-hot embeddings."""
    m, vocab = shown.model, shown.vocab
    W_QK = m.W_Q[0, 0] @ m.W_K[0, 0].T  # row-vector form: rows query side, columns key side
    W_OV = (m.W_V[0, 0] @ m.W_O[0, 0]).T  # column-vector form: rows written, columns read
    qk_rows, qk_cols = np.nonzero(np.abs(W_QK) > 1e-9)
    ov_rows, ov_cols = np.nonzero(np.abs(W_OV) > 1e-9)
    # the key side is one direction of the stream: the one the embedding gives the word 'keep'
    assert set(qk_cols) == {int(np.argmax(m.W_E[vocab.index("keep")]))}
    assert {vocab[t] for t in range(m.d_vocab) if np.abs(m.W_E[t] @ W_QK).sum() < 1e-9} == set()
    assert [vocab[t] for t in range(m.d_vocab) if np.abs(W_QK @ m.W_E[t]).max() > 1e-9] == ["keep"]
    # W_OV reads only 'keep''s direction and writes only the directions the unembedding reads as mind, bay
    assert [vocab[t] for t in range(m.d_vocab) if np.abs(W_OV @ m.W_E[t]).max() > 1e-9] == ["keep"]
    written = {vocab[t] for t in range(m.d_vocab) if np.abs(m.W_U[sorted(set(ov_rows)), t]).max() > 1e-9}
    assert written == {"mind", "bay"}
    assert (set(qk_rows), set(qk_cols)) == (set(shown.qk_lit[0]), set(shown.qk_lit[1]))
    assert (set(ov_rows), set(ov_cols)) == (set(shown.ov_lit[0]), set(shown.ov_lit[1]))
    # each lit block is one rectangle of cells (the frame drawn round it holds nothing else)
    for rows, cols in (shown.qk_lit, shown.ov_lit):
        assert list(rows) == list(range(rows[0], rows[-1] + 1)) and list(cols) == list(
            range(cols[0], cols[-1] + 1)
        )


def test_the_tensor_product_on_the_four_positions(shown):
    """The columns drawn: X, W_OV applied to each column alone, and A mixing them, by hand from the
    weights; only 'keep' has anything to move, and it lands at 'keep' and at 'at' (which attend to it)."""
    m = shown.model
    X = (m.W_E[shown.tokens] + m.W_pos[: len(shown.tokens)]).T
    assert np.allclose(shown.stream, X)
    each = np.stack([(X[:, j] @ m.W_V[0, 0]) @ m.W_O[0, 0] for j in range(X.shape[1])], axis=1)
    assert np.allclose(shown.moved, each)
    n = X.shape[1]
    scores = (X.T @ m.W_Q[0, 0]) @ (X.T @ m.W_K[0, 0]).T / np.sqrt(m.d_head)
    scores[np.triu_indices(n, 1)] = -np.inf
    A = _softmax(scores)
    mixed = np.stack([sum(A[i, j] * each[:, j] for j in range(n)) for i in range(n)], axis=1)
    assert np.allclose(shown.head_out, mixed)
    # "'at' looks at 'keep'", "weight 1.00": the framed cell of A, by hand
    words = ["keep", "them", "at", "bay"]
    at = words.index("at")
    assert words[int(np.argmax(A[at]))] == "keep" and f"{A[at, 0]:.2f}" == "1.00"
    assert np.allclose(shown.pattern, A)
    lit = [w for w, col in zip(["keep", "them", "at", "bay"], mixed.T) if np.abs(col).max() > 0.5]
    assert lit == ["keep", "at"]
    assert [w for w, col in zip(["keep", "them", "at", "bay"], each.T) if np.abs(col).max() > 1e-9] == [
        "keep"
    ]


def test_the_words_named_beside_the_lit_cells(shown):
    """The words beside W_QK's and W_OV's positive rows and above their column: the query words that
    score 'keep' up, the key 'keep', and the words W_OV writes, each read off the one-hot embedding and
    unembedding (the row or column of W_E / W_U whose entry for that word is set)."""
    m, vocab = shown.model, shown.vocab
    W_QK = m.W_Q[0, 0] @ m.W_K[0, 0].T
    W_OV = (m.W_V[0, 0] @ m.W_O[0, 0]).T

    def embedded(word):
        return int(np.argmax(m.W_E[vocab.index(word)]))

    def unembedded(word):
        return int(np.argmax(m.W_U[:, vocab.index(word)]))

    keep = embedded("keep")
    up = [t for t in vocab if m.W_E[vocab.index(t)] @ W_QK @ m.W_E[vocab.index("keep")] > 0]
    assert up == ["in", "at"]
    assert shown.qk_named == ({embedded(t): t for t in up}, {keep: "keep"})
    assert all(W_QK[embedded(t), keep] > 0 for t in up)
    assert shown.ov_named == ({unembedded(t): t for t in ("mind", "bay")}, {keep: "keep"})
    assert all(W_OV[unembedded(t), keep] > 0 for t in ("mind", "bay"))
