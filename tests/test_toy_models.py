"""The hand-built models do what the clips say they do, on many inputs."""

from __future__ import annotations

import numpy as np
import pytest

from circuit_clips.toy_models import (
    OTHER_TOKEN,
    RUNNING_EXAMPLE,
    bigram_log_probs,
    corpus_words,
    induction_model,
    skip_trigram_model,
    zero_layer_model,
)


# ---------------------------------------------------------------- induction
def repeated_sequences(model, count=200, seed=0):
    """``[t_0 .. t_{n-1}] + [t_0 .. t_{n-1}]`` with distinct t_i, n from 2 to n_ctx // 2."""
    rng = np.random.default_rng(seed)
    max_half = min(model.n_ctx // 2, model.d_vocab)
    for _ in range(count):
        half = rng.permutation(model.d_vocab)[: rng.integers(2, max_half + 1)]
        yield np.concatenate([half, half])


def test_induction_model_shape_and_subspaces():
    model = induction_model()
    assert (model.n_layers, model.n_heads) == (2, 1)
    assert list(model.subspaces) == ["token", "position", "previous token", "output"]
    sizes = [s.stop - s.start for s in model.subspaces.values()]
    assert sizes == [model.d_vocab, model.n_ctx, model.d_vocab, model.d_vocab]
    assert sum(sizes) == model.d_model
    assert model.attn_scale == pytest.approx(np.sqrt(model.d_head))
    assert 8 <= model.d_vocab <= 12 and 12 <= model.n_ctx <= 16
    assert set(RUNNING_EXAMPLE) <= set(model.vocab)


def test_induction_running_example_predicts_urs():
    model = induction_model()
    logits, cache = model.run_with_cache(model.to_tokens(RUNNING_EXAMPLE))
    assert model.vocab[int(logits[-1].argmax())] == "urs"
    # ... because the induction head at the last "D" attends to "urs" (position 2).
    assert cache["blocks.1.attn.hook_pattern"][0, -1, 2] > 0.99


def test_previous_token_head_attends_to_previous_position():
    model = induction_model()
    for tokens in repeated_sequences(model, seed=1):
        pattern = model.run_with_cache(tokens)[1]["blocks.0.attn.hook_pattern"][0]
        n = len(tokens)
        assert np.all(pattern[np.arange(1, n), np.arange(0, n - 1)] > 0.9)


def test_previous_token_head_writes_previous_token():
    model = induction_model()
    prev = model.subspaces["previous token"]
    tokens = model.to_tokens(RUNNING_EXAMPLE)
    written = model.run_with_cache(tokens)[1]["blocks.0.attn.hook_result"][:, 0, prev]
    assert written[1:].argmax(axis=1).tolist() == tokens[:-1].tolist()
    # Only the "previous token" subspace is written.
    others = np.delete(model.run_with_cache(tokens)[1]["blocks.0.hook_attn_out"],
                       np.arange(prev.start, prev.stop), axis=1)
    assert np.all(others == 0)


def test_induction_head_attends_after_earlier_occurrence_and_predicts():
    model = induction_model()
    correct = total = 0
    for tokens in repeated_sequences(model, seed=2):
        logits, cache = model.run_with_cache(tokens)
        pattern = cache["blocks.1.attn.hook_pattern"][0]
        half = len(tokens) // 2
        for i in range(half, 2 * half):
            # current token tokens[i] == tokens[i - half]; the token after it is at i - half + 1.
            target = i - half + 1
            assert pattern[i, target] > 0.9, (tokens, i)
            correct += int(logits[i].argmax() == tokens[target])
            total += 1
    assert total > 500
    assert correct / total >= 0.95


def test_induction_key_reads_previous_token_not_token():
    """K-composition: the only thing layer 1's key reads from layer 0 is what it wrote."""
    model = induction_model()
    W_K = model.W_K[1, 0]
    assert np.all(W_K[model.subspaces["token"]] == 0)
    assert np.all(W_K[model.subspaces["output"]] == 0)
    assert np.any(W_K[model.subspaces["previous token"]] != 0)


# ------------------------------------------------------------- skip-trigram
def keep_contexts(model, dest, count=100, seed=0):
    """Random filler contexts with ``keep`` somewhere before a final ``dest``."""
    rng = np.random.default_rng(seed)
    fillers = model.to_tokens(["it", "them", "this"])
    keep, dest_id = model.to_tokens(["keep", dest])
    for _ in range(count):
        n = rng.integers(2, model.n_ctx + 1)
        tokens = rng.choice(fillers, size=n)
        tokens[rng.integers(0, n - 1)] = keep
        tokens[-1] = dest_id
        yield tokens


@pytest.mark.parametrize("dest", ["in", "at"])
def test_skip_trigram_attends_to_keep_and_raises_both_outputs(dest):
    model = skip_trigram_model()
    mind, bay, keep = model.to_tokens(["mind", "bay", "keep"])
    for tokens in keep_contexts(model, dest, seed=len(dest)):
        logits, cache = model.run_with_cache(tokens)
        pattern = cache["blocks.0.attn.hook_pattern"][0, -1]
        assert pattern[tokens == keep].sum() > 0.9
        head_logits = cache["blocks.0.attn.hook_result"][-1, 0] @ model.W_U
        # The head raises mind and bay alike, more than anything else: the bug is real.
        assert head_logits[mind] == pytest.approx(head_logits[bay])
        assert head_logits[mind] > 5
        assert np.all(np.delete(head_logits, [mind, bay]) < 0.1)
        # And so does the whole model: mind and bay are its two top, tied predictions.
        assert set(np.argsort(logits[-1])[-2:]) == {mind, bay}
        assert logits[-1, mind] == pytest.approx(logits[-1, bay])


def test_skip_trigram_head_is_quiet_without_keep_or_elsewhere():
    model = skip_trigram_model()
    mind = model.to_tokens(["mind"])[0]
    # "in" without "keep": nothing to attend to, no boost.
    _, cache = model.run_with_cache(model.to_tokens("it them this in"))
    assert np.all(cache["blocks.0.attn.hook_result"][:, 0] == 0)
    # Fillers after "keep" look away from it.
    _, cache = model.run_with_cache(model.to_tokens("this keep it them in"))
    head_logits = cache["blocks.0.attn.hook_result"][:, 0] @ model.W_U
    assert np.all(head_logits[1:4, mind] < 0.01)
    assert head_logits[4, mind] > 9


def test_copying_head_raises_tokens_in_context():
    model = skip_trigram_model()
    tokens = model.to_tokens("this it this")
    _, cache = model.run_with_cache(tokens)
    head_logits = cache["blocks.0.attn.hook_result"][-1, 1] @ model.W_U
    this, it = model.to_tokens(["this", "it"])
    assert head_logits[this] > head_logits[it] > 0
    assert np.all(np.delete(head_logits, [this, it]) == 0)
    assert skip_trigram_model(copying_head=False).n_heads == 1


# --------------------------------------------------------------- zero-layer
def test_bigram_table_is_normalised_and_counts_the_text():
    vocab, table = bigram_log_probs()
    assert vocab[-1] == OTHER_TOKEN and len(vocab) == 13
    assert np.all(np.isfinite(table))
    np.testing.assert_allclose(np.exp(table).sum(axis=1), 1.0)
    words = corpus_words()
    assert 250 <= len(words) <= 800
    assert vocab[0] == "the"
    # "the keeper" occurs; P(keeper | the) > P(and | the) because "the and" never does.
    the, keeper, and_ = (vocab.index(w) for w in ("the", "keeper", "and"))
    assert table[the, keeper] > table[the, and_]


@pytest.mark.parametrize("d_model", [1, 2, 4, 7, 13])
def test_zero_layer_model_is_best_rank_d_approximation(d_model):
    vocab, table = bigram_log_probs()
    model = zero_layer_model(d_model=d_model)
    assert model.vocab == vocab and model.n_layers == 0
    product = model.W_E @ model.W_U
    assert np.linalg.matrix_rank(product) <= d_model
    # Truncated SVD computed here, independently of the model.
    U, S, Vt = np.linalg.svd(table)
    best = (U[:, :d_model] * S[:d_model]) @ Vt[:d_model]
    np.testing.assert_allclose(product, best, atol=1e-10)
    error = np.linalg.norm(table - product)
    rng = np.random.default_rng(d_model)
    for _ in range(20):
        A = rng.normal(size=(len(vocab), d_model))
        B = rng.normal(size=(d_model, len(vocab)))
        # Random rank-d matrices, the least-squares-best B for a random A,
        # and slightly nudged factors are all worse.
        B_fit = np.linalg.lstsq(A, table, rcond=None)[0]
        nudged = (model.W_E + 0.01 * A) @ (model.W_U + 0.01 * B)
        for candidate in (A @ B, A @ B_fit, nudged):
            assert np.linalg.norm(table - candidate) >= error - 1e-12
    # The logits really are the table's rows (W_pos is zero).
    tokens = model.to_tokens(["the", "keeper", OTHER_TOKEN])
    np.testing.assert_allclose(model.run(tokens), product[tokens])


def test_full_rank_zero_layer_model_is_exact():
    _, table = bigram_log_probs()
    model = zero_layer_model(d_model=len(table))
    np.testing.assert_allclose(model.W_E @ model.W_U, table, atol=1e-10)
    with pytest.raises(ValueError, match="d_model must be between 1 and d_vocab=13"):
        zero_layer_model(d_model=14)
