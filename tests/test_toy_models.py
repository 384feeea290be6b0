"""The hand-built models do what the clips say they do, on many inputs."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources

import numpy as np
import pytest

from circuit_clips.toy_models import (
    BOS_TOKEN,
    INDUCTION_VOCAB,
    OTHER_TOKEN,
    RUNNING_EXAMPLE,
    SMOOTHING,
    TEXT_FILE,
    bigram_counts,
    bigram_frequencies,
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
    model = induction_model(bos=False)
    assert (model.n_layers, model.n_heads) == (2, 1)
    assert list(model.subspaces) == ["token", "position", "previous token", "output"]
    sizes = [s.stop - s.start for s in model.subspaces.values()]
    assert sizes == [model.d_vocab, model.n_ctx, model.d_vocab, model.d_vocab]
    assert sum(sizes) == model.d_model
    assert model.attn_scale == pytest.approx(np.sqrt(model.d_head))
    assert 8 <= model.d_vocab <= 12 and 12 <= model.n_ctx <= 16
    assert set(RUNNING_EXAMPLE) <= set(model.vocab)


def test_induction_running_example_predicts_urs():
    model = induction_model(bos=False)
    logits, cache = model.run_with_cache(model.to_tokens(RUNNING_EXAMPLE))
    assert model.vocab[int(logits[-1].argmax())] == "urs"
    # ... because the induction head at the last "D" attends to "urs" (position 2).
    assert cache["blocks.1.attn.hook_pattern"][0, -1, 2] > 0.99


def test_previous_token_head_attends_to_previous_position():
    model = induction_model(bos=False)
    for tokens in repeated_sequences(model, seed=1):
        pattern = model.run_with_cache(tokens)[1]["blocks.0.attn.hook_pattern"][0]
        n = len(tokens)
        assert np.all(pattern[np.arange(1, n), np.arange(0, n - 1)] > 0.9)


def test_previous_token_head_writes_previous_token():
    model = induction_model(bos=False)
    prev = model.subspaces["previous token"]
    tokens = model.to_tokens(RUNNING_EXAMPLE)
    written = model.run_with_cache(tokens)[1]["blocks.0.attn.hook_result"][:, 0, prev]
    assert written[1:].argmax(axis=1).tolist() == tokens[:-1].tolist()
    # Only the "previous token" subspace is written.
    others = np.delete(
        model.run_with_cache(tokens)[1]["blocks.0.hook_attn_out"], np.arange(prev.start, prev.stop), axis=1
    )
    assert np.all(others == 0)


def test_induction_head_attends_after_earlier_occurrence_and_predicts():
    model = induction_model(bos=False)
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
    model = induction_model(bos=False)
    W_K = model.W_K[1, 0]
    assert np.all(W_K[model.subspaces["token"]] == 0)
    assert np.all(W_K[model.subspaces["output"]] == 0)
    assert np.any(W_K[model.subspaces["previous token"]] != 0)


# ------------------------------------------ induction with a BOS token
GAIN = 10.0  # the documented score of a match and logit of a full write (set here, not imported)


def _softmax_rows(scores):
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def expected_induction(words, bos):
    """The induction model's patterns and logits, worked out from its design alone.

    Layer 0: position i >= 1 scores position i-1 at GAIN, every other earlier
    position 0; it writes the attended tokens' one-hots (BOS writes nothing).
    Layer 1, with BOS: a key whose previous-token slot holds the query's token
    scores 2 * GAIN, the BOS key GAIN, any other key 0; without BOS: the match
    scores +GAIN, position 0 gets -GAIN on top, others 0. Its write is GAIN
    times the attended tokens' one-hots (BOS writes nothing).
    """
    names = [BOS_TOKEN, *INDUCTION_VOCAB] if bos else list(INDUCTION_VOCAB)
    seq = [BOS_TOKEN, *words] if bos else list(words)
    n, v = len(seq), len(names)
    onehot = np.zeros((n, v))
    for i, w in enumerate(seq):
        if w != BOS_TOKEN:
            onehot[i, names.index(w)] = 1.0
    causal = np.tril(np.ones((n, n), dtype=bool))
    s0 = np.where(causal, 0.0, -np.inf)
    for i in range(1, n):
        s0[i, i - 1] = GAIN
    A0 = _softmax_rows(s0)
    prev = A0 @ onehot  # the previous-token slot
    s1 = np.full((n, n), -np.inf)
    for i in range(n):
        a = names.index(seq[i])
        for j in range(i + 1):
            if bos:
                s1[i, j] = 2 * GAIN * prev[j, a] * (seq[i] != BOS_TOKEN) + GAIN * (seq[j] == BOS_TOKEN)
            else:
                s1[i, j] = GAIN * prev[j, a] - GAIN * (j == 0)
    A1 = _softmax_rows(s1)
    return A0, A1, GAIN * A1 @ onehot, seq


def random_word_sequences(n_words_max, count, seed):
    """Random sequences of the induction vocabulary's words, repeats allowed."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n = int(rng.integers(1, n_words_max + 1))
        # a small alphabet per sequence makes repeats (matches) common, a large one rare
        alphabet = rng.permutation(INDUCTION_VOCAB)[: rng.integers(2, len(INDUCTION_VOCAB) + 1)]
        yield list(rng.choice(alphabet, size=n))


def test_bos_model_vocabulary_and_tokens():
    model = induction_model(bos=True)
    assert model.vocab == [BOS_TOKEN, *INDUCTION_VOCAB] and model.bos_token == BOS_TOKEN
    assert model.to_str_tokens(model.to_tokens(RUNNING_EXAMPLE)) == [BOS_TOKEN, *RUNNING_EXAMPLE]
    assert induction_model().bos_token == BOS_TOKEN, "the paper's model, with a start token, is the default"
    assert induction_model(bos=False).bos_token is None
    assert BOS_TOKEN not in induction_model(bos=False).vocab
    # BOS carries no value in either head.
    bos_row = model.W_E[0]
    for layer in range(2):
        assert not (bos_row @ model.W_V[layer, 0]).any()


def test_bos_running_example_predicts_urs():
    model = induction_model(bos=True)
    tokens = model.to_tokens(RUNNING_EXAMPLE)
    logits, cache = model.run_with_cache(tokens)
    urs = model.vocab.index("urs")
    assert model.vocab[int(logits[-1].argmax())] == "urs" and logits[-1, urs] > 9.9
    pattern = cache["blocks.1.attn.hook_pattern"][0]
    assert pattern[-1, 3] > 0.999  # "urs" sits at position 3 behind BOS
    # "Mr", "D", "urs", "ley", "said" have nothing earlier to find: they rest on BOS.
    assert np.all(pattern[1:6, 0] > 0.999)
    assert np.abs(logits[:6]).max() < 0.01 * GAIN


def test_bos_previous_token_head():
    model = induction_model(bos=True)
    for words in random_word_sequences(model.n_ctx - 1, 200, seed=3):
        tokens = model.to_tokens(words)
        _, cache = model.run_with_cache(tokens)
        pattern = cache["blocks.0.attn.hook_pattern"][0]
        n = len(tokens)
        assert pattern[0, 0] == 1.0  # BOS can only see itself
        assert np.all(pattern[np.arange(1, n), np.arange(n - 1)] > 0.999)  # position 1 reads BOS
        written = cache["blocks.0.attn.hook_result"][:, 0, model.subspaces["previous token"]]
        assert np.abs(written[:2]).max() < 1e-3  # at BOS and at position 1: (nearly) nothing
        # from position 2 on: the previous word, by name
        assert [model.vocab[k] for k in written[2:].argmax(axis=1)] == list(words[:-1])


@pytest.mark.parametrize("bos", [True, False])
@pytest.mark.parametrize("n_ctx", [2, 3, 4, 5, 6, 7, 8, 12, 16])
def test_induction_model_matches_its_design_for_every_context_length(n_ctx, bos):
    model = induction_model(n_ctx=n_ctx, bos=bos)
    assert model.n_ctx == n_ctx
    max_words = n_ctx - 1 if bos else n_ctx
    for words in random_word_sequences(max_words, 60, seed=n_ctx):
        A0, A1, logits, seq = expected_induction(words, bos)
        got_logits, cache = model.run_with_cache(model.to_tokens(words))
        assert model.to_str_tokens(model.to_tokens(words)) == seq
        np.testing.assert_allclose(cache["blocks.0.attn.hook_pattern"][0], A0, atol=1e-9)
        np.testing.assert_allclose(cache["blocks.1.attn.hook_pattern"][0], A1, atol=1e-9)
        np.testing.assert_allclose(got_logits, logits, atol=1e-9)


@pytest.mark.parametrize("n_ctx", [1, 0, -3])
def test_induction_model_rejects_a_context_without_a_previous_position(n_ctx):
    with pytest.raises(ValueError, match=r"n_ctx must be an integer of at least 2"):
        induction_model(n_ctx=n_ctx, bos=True)


def test_bos_induction_head_with_and_without_an_earlier_match():
    """By hand: after an earlier copy of the current word, fetch the word that followed it;
    with no earlier copy, rest on BOS and write (nearly) nothing."""
    model = induction_model(bos=True)
    seen = {"unique match": 0, "no match": 0}
    for words in random_word_sequences(model.n_ctx - 1, 400, seed=4):
        logits, cache = model.run_with_cache(model.to_tokens(words))
        pattern = cache["blocks.1.attn.hook_pattern"][0]
        for i, word in enumerate(words):
            # earlier copies of `word` that have a successor at or before position i
            follows = [k + 1 for k in range(i) if words[k] == word]
            pos = i + 1  # BOS shifts everything by one
            if not follows:
                seen["no match"] += 1
                assert pattern[pos, 0] > 0.999, (words, i)
                assert np.abs(logits[pos]).max() < 0.01 * GAIN, (words, i)
            elif len(follows) == 1:
                seen["unique match"] += 1
                target = follows[0] + 1
                assert pattern[pos, target] > 0.999, (words, i)
                assert model.vocab[int(logits[pos].argmax())] == words[follows[0]]
                assert logits[pos].max() > 0.99 * GAIN
    assert min(seen.values()) > 300


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


SKIP_FILLERS = ["in", "at", "mind", "bay", "it", "them", "this"]  # every token but "keep"


def skip_trigram_cases():
    """``keep``, then ``gap`` copies of one filler, then ``in``/``at``; with and without a lead-in."""
    for dest in ("in", "at"):
        for filler in SKIP_FILLERS:
            for gap in (0, 1, 3, 6):
                for lead in ([], ["this", "them"], ["mind"]):
                    yield dest, filler, [*lead, "keep", *[filler] * gap, dest]


@pytest.mark.parametrize("copying_head", [True, False])
def test_skip_trigram_for_every_filler_length_and_position(copying_head):
    """Expected values worked out by hand from the design, not read from the model:
    at the final in/at the head scores each ``keep`` GAIN and every other key 0, and
    writes GAIN * (weight on keep) to both mind and bay; the copying head attends
    evenly and writes GAIN / 2 * (count of t) / n to each token t in the context."""
    model = skip_trigram_model(copying_head=copying_head)
    names = model.vocab
    n_cases = 0
    for _dest, filler, words in skip_trigram_cases():
        n_cases += 1
        logits, cache = model.run_with_cache(model.to_tokens(words))
        n, n_keep = len(words), words.count("keep")
        w_keep = n_keep * np.exp(GAIN) / (n_keep * np.exp(GAIN) + (n - n_keep))
        head0 = cache["blocks.0.attn.hook_result"][-1, 0] @ model.W_U
        expected0 = np.zeros(len(names))
        expected0[names.index("mind")] = expected0[names.index("bay")] = GAIN * w_keep
        np.testing.assert_allclose(head0, expected0, atol=1e-9)
        assert head0[names.index("mind")] > 0.999 * GAIN  # raised, and the bug: bay tied with it
        pattern = cache["blocks.0.attn.hook_pattern"][0, -1]
        np.testing.assert_allclose(pattern[[w == "keep" for w in words]].sum(), w_keep)
        expected = expected0.copy()
        if copying_head:
            for t in set(words):
                expected[names.index(t)] += GAIN / 2 * words.count(t) / n
        np.testing.assert_allclose(logits[-1], expected, atol=1e-9)
        if filler not in ("mind", "bay") and "mind" not in words:
            # nothing else in the context favours one of them: the model's top two, tied
            assert set(np.argsort(logits[-1])[-2:]) == {names.index("mind"), names.index("bay")}
            assert logits[-1, names.index("mind")] == pytest.approx(logits[-1, names.index("bay")])
    assert n_cases == 2 * 7 * 4 * 3


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
def _independent_bigram_counts():
    """The story's top-12 words and pair counts, counted here from the raw text."""
    text = resources.files("circuit_clips").joinpath("data", TEXT_FILE).read_text("utf-8")
    words = re.findall(r"[a-z']+", text.lower())
    order = {}
    for w in words:
        order.setdefault(w, len(order))
    freq = Counter(words)
    top = sorted(freq, key=lambda w: (-freq[w], order[w]))[:12]
    pairs = Counter(zip(words, words[1:]))
    labels = top + [OTHER_TOKEN]
    counts = np.zeros((13, 13))
    for (a, b), c in pairs.items():
        counts[labels.index(a) if a in top else 12, labels.index(b) if b in top else 12] += c
    return words, labels, counts


def test_bigram_counts_and_frequencies_are_the_story_own():
    words, labels, expected = _independent_bigram_counts()
    vocab, counts = bigram_counts()
    assert vocab == labels and counts.dtype.kind == "i"
    np.testing.assert_array_equal(counts, expected)
    assert counts.sum() == len(words) - 1
    _, freq = bigram_frequencies()
    np.testing.assert_allclose(freq.sum(axis=1), 1.0)
    np.testing.assert_allclose(freq, expected / expected.sum(axis=1, keepdims=True))
    # spot checks by hand in the text: "of the" 18 times out of 23 "of"s, "the the" never
    of, the = vocab.index("of"), vocab.index("the")
    assert (counts[of, the], counts[of].sum(), counts[the, the]) == (18, 23, 0)


def test_bigram_table_is_the_story_lightly_smoothed():
    vocab, table = bigram_log_probs()
    _, _, counts = _independent_bigram_counts()
    assert vocab[-1] == OTHER_TOKEN and len(vocab) == 13 and vocab[0] == "the"
    assert np.all(np.isfinite(table))
    probs = np.exp(table)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    np.testing.assert_allclose(probs, (counts + SMOOTHING) / (counts + SMOOTHING).sum(axis=1, keepdims=True))
    assert 900 <= len(corpus_words()) <= 1200
    # the smoothing is light: every entry within 7 points of the story's own frequency,
    # never-seen pairs below 1%, so the story's table is what the model is fit to
    freq = counts / counts.sum(axis=1, keepdims=True)
    assert np.abs(probs - freq).max() < 0.07
    assert probs[counts == 0].max() < 0.01
    # add-one smoothing would not be: it moves some entry by more than a third
    add_one = (counts + 1) / (counts + 1).sum(axis=1, keepdims=True)
    assert np.abs(add_one - freq).max() > 0.33
    the, keeper, and_ = (vocab.index(w) for w in ("the", "keeper", "and"))
    assert table[the, keeper] > table[the, and_]  # "the keeper" occurs, "the and" never
    with pytest.raises(ValueError, match="smoothing must be a positive pseudo-count"):
        bigram_log_probs(smoothing=0.0)


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
