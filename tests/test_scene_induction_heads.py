"""The numbers the induction_heads clip shows, checked against independent calculations."""

from __future__ import annotations

import numpy as np
import pytest

from circuit_clips.toy_models import BOS_TOKEN, LOGIT_GAIN, RUNNING_EXAMPLE, induction_model

from .conftest import load_scene_module


@pytest.fixture(scope="module")
def scene_module():
    return load_scene_module("induction_heads")


@pytest.fixture(scope="module")
def model():
    return induction_model(bos=True)


def by_hand(model, ids):
    """Both layers written out from the weights: (layer-1 scores, layer-1 pattern, logits)."""
    ids = np.asarray(ids)
    n = len(ids)
    x = model.W_E[ids] + model.W_pos[:n]
    mask = np.tril(np.ones((n, n), dtype=bool))
    patterns, scores = [], []
    for layer in range(2):
        q, k, v = (x @ w[layer, 0] for w in (model.W_Q, model.W_K, model.W_V))
        s = np.where(mask, q @ k.T / np.sqrt(q.shape[1]), -np.inf)
        a = np.exp(s - s.max(axis=1, keepdims=True))
        a /= a.sum(axis=1, keepdims=True)
        x = x + a @ v @ model.W_O[layer, 0]
        patterns.append(a)
        scores.append(s)
    return scores[1], patterns[1], x @ model.W_U


def test_the_clip_draws_the_model_with_a_start_token(scene_module, model):
    shown = scene_module.numbers()
    assert shown.model.bos_token == BOS_TOKEN
    assert shown.tokens == [BOS_TOKEN, *RUNNING_EXAMPLE]
    assert shown.rand_str[0] == BOS_TOKEN


def test_running_example_numbers_the_captions_state(scene_module, model):
    """Scores 20 / 10 / 0, weight 1.00 on urs, logits urs 10 and others 0, predicts urs."""
    shown = scene_module.numbers()
    ids = model.to_tokens(RUNNING_EXAMPLE)
    scores, pattern, logits = by_hand(model, ids)
    last = len(ids) - 1
    assert shown.last == last and shown.tokens[shown.target] == "urs"
    assert np.allclose(shown.scores, scores[last])
    assert round(scores[last, shown.target]) == 20 and round(scores[last, 0]) == 10
    others = np.delete(scores[last], [0, shown.target])
    assert np.abs(others).max() < 0.5  # "0 elsewhere"
    assert f"{pattern[last, shown.target]:.2f}" == "1.00"
    assert model.vocab[int(np.argmax(logits[last]))] == "urs"
    assert round(logits[last].max()) == LOGIT_GAIN == 10
    assert np.abs(np.delete(logits[last], np.argmax(logits[last]))).max() < 0.5  # "others 0"
    # the tokens with no earlier copy (the start token to 'said') rest on the start token
    for i in range(last - 1):
        assert pattern[i, 0] > 0.99
    assert np.allclose(shown.logits, logits)


def test_repeated_sequence_is_a_start_token_a_random_run_then_the_same_run(scene_module, model):
    for seed in range(30):
        ids = scene_module.repeated_random_tokens(np.random.default_rng(seed), model)
        words = model.to_str_tokens(ids)
        assert len(ids) <= model.n_ctx and words[0] == BOS_TOKEN and BOS_TOKEN not in words[1:]
        half = (len(ids) - 1) // 2
        assert half == 5  # the caption's "5 random words"
        assert len(set(words[1 : 1 + half])) == half, "the first run must not repeat a word"
        assert words[1 : 1 + half] == words[1 + half :]


@pytest.mark.parametrize("seed", range(25))
def test_stripe_rest_and_guesses_on_many_repeated_sequences(scene_module, model, seed):
    """After the repeat: attend just after the earlier copy and guess right; before it: rest on the
    start token and guess nothing (the captions' claims, on many sequences)."""
    ids = scene_module.repeated_random_tokens(np.random.default_rng(seed), model)
    n, half = len(ids), (len(ids) - 1) // 2
    _, pattern, logits = by_hand(model, ids)
    report = scene_module.next_token_report(model, ids)
    for i in range(n):
        if i <= half:  # no earlier copy
            assert pattern[i, 0] > 0.99
            assert logits[i].max() < 0.01 * LOGIT_GAIN
            assert report["predicted"][i] == scene_module.NO_GUESS
        else:
            assert pattern[i, i - half + 1] > 0.99
            assert report["predicted"][i] == ids[i - half + 1]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert np.allclose(report["p_next"], probs[np.arange(n - 1), ids[1:]])
    assert not report["correct"][: half + 1].any() and report["correct"][half + 1 :].all()
    assert report["correct"][half + 1 :].sum() == 4  # "4 of 4 guesses are right"


@pytest.mark.parametrize("seed", range(25))
def test_rest_on_the_start_token_without_a_copy_on_sequences_with_repeats(model, seed):
    """Any sequence: a token whose word came once before attends just after it; one whose word
    never came before rests on the start token and writes (nearly) nothing."""
    rng = np.random.default_rng(100 + seed)
    words = [w for w in model.vocab if w != BOS_TOKEN]
    seq = list(rng.choice(words, size=model.n_ctx - 1))
    ids = model.to_tokens(seq)
    _, pattern, logits = by_hand(model, ids)
    for i in range(1, len(ids)):
        earlier = [j for j in range(1, i) if ids[j] == ids[i]]
        if not earlier:
            assert pattern[i, 0] > 0.99 and logits[i].max() < 0.01 * LOGIT_GAIN
        elif len(earlier) == 1:
            assert pattern[i, earlier[0] + 1] > 0.99
            assert np.argmax(logits[i]) == ids[earlier[0] + 1]


def test_numbers_pattern_and_report_are_of_their_sequence(scene_module, model):
    shown = scene_module.numbers()
    assert np.array_equal(
        shown.rand_tokens,
        scene_module.repeated_random_tokens(np.random.default_rng(scene_module.InductionHeads.seed), model),
    )
    _, pattern, _ = by_hand(model, shown.rand_tokens)
    assert np.allclose(shown.rand_pattern, pattern)
    direct = scene_module.next_token_report(model, shown.rand_tokens)
    for key in ("predicted", "p_next", "correct"):
        assert np.array_equal(shown.report[key], direct[key])


def test_query_and_key_meet_on_the_one_cell_of_the_shared_token(scene_module, model):
    """ "They meet on one cell, D: a score of 20": on many random sequences, a query and the key of
    the position after an earlier copy of its token share exactly one non-zero dimension, the one
    the clip names after that token, and score (q.k)/sqrt(d_head) = 20 through it alone."""
    names = scene_module.head_dim_names(model)
    assert len(names) == model.d_head and names[: len(model.vocab)] == model.vocab
    words = [w for w in model.vocab if w != BOS_TOKEN]
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(30):
        ids = model.to_tokens(list(rng.choice(words, size=model.n_ctx - 1)))
        x = model.W_E[ids] + model.W_pos[: len(ids)]
        x = x + np.eye(len(ids), k=-1) @ x @ model.W_V[0, 0] @ model.W_O[0, 0]  # the previous-token write
        q, k = x @ model.W_Q[1, 0], x @ model.W_K[1, 0]
        # the rows named 'unused' are zero in every query and key; 'start': every query asks for it
        # a little, and only the start token's key answers
        unused = [d for d, name in enumerate(names) if name == "unused"]
        assert unused and np.allclose(q[:, unused], 0) and np.allclose(k[:, unused], 0)
        start = names.index(scene_module.START_ROW)
        assert (q[:, start] > 0).all() and k[0, start] > 0 and np.allclose(k[1:, start], 0)
        for i in range(2, len(ids)):
            for j in range(2, i + 1):
                shared = np.flatnonzero(np.abs(q[i] * k[j]) > 1e-9)
                if ids[j - 1] == ids[i]:
                    assert [names[d] for d in shared] == [model.vocab[ids[i]]]
                    assert q[i] @ k[j] / np.sqrt(model.d_head) == pytest.approx(20)
                    checked += 1
                else:
                    assert shared.size == 0
    assert checked > 30
    shown = scene_module.numbers()
    assert (
        names[np.argmax(shown.cache["blocks.1.attn.hook_k"][0, 0])] == scene_module.START_ROW
    )  # the start token's key


def test_the_labels_numbers(scene_module, model):
    """ "the model's 8 words and the start token": one row per embedding row, the start token aside;
    "4 of 4 right": the guesses after the repeat, by hand from the weights."""
    shown = scene_module.numbers()
    assert shown.n_words == model.W_E.shape[0] - 1 == 8
    assert model.W_E.shape[0] == len(model.vocab)  # the zoom's rows are the whole vocabulary
    ids = shown.rand_tokens
    _, _, logits = by_hand(model, ids)
    half = (len(ids) - 1) // 2
    repeats = range(half + 1, len(ids) - 1)  # positions whose next word came before
    right = sum(int(np.argmax(logits[i]) == ids[i + 1]) for i in repeats)
    assert (shown.right, shown.repeats) == (right, len(repeats)) == (4, 4)


def test_the_score_is_the_shared_cells_product_scaled(scene_module, model):
    """ "= 11.8 x 5.9 / sqrt(12) = 20": the last D's query and urs's key in the D cell, by hand from
    the weights, and their product over sqrt(d_head) is the score shown."""
    ids = model.to_tokens(RUNNING_EXAMPLE)
    x = model.W_E[ids] + model.W_pos[: len(ids)]
    x = x + np.eye(len(ids), k=-1) @ x @ model.W_V[0, 0] @ model.W_O[0, 0]  # the previous-token write
    last, target = len(ids) - 1, 1 + RUNNING_EXAMPLE.index("urs")  # past the start token
    d = model.vocab.index("D")
    q_d, k_d = (x @ model.W_Q[1, 0])[last, d], (x @ model.W_K[1, 0])[target, d]
    assert (f"{q_d:.1f}", f"{k_d:.1f}", model.d_head) == ("11.8", "5.9", 12)
    assert round(float(f"{q_d:.1f}") * float(f"{k_d:.1f}") / np.sqrt(12)) == 20  # the rounded figures agree
    assert q_d * k_d / np.sqrt(model.d_head) == pytest.approx(20)
    shown = scene_module.numbers()  # the clip's query and key (what its close-up and formula show)
    assert (shown.last, shown.target) == (last, target)
    assert shown.cache["blocks.1.attn.hook_q"][last, 0, d] == pytest.approx(
        q_d, rel=1e-3
    )  # layer 0 attends ~1.00 back
    assert shown.cache["blocks.1.attn.hook_k"][target, 0, d] == pytest.approx(k_d, rel=1e-3)
