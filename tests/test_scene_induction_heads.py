"""The numbers the induction_heads clip shows, checked against independent calculations."""

from __future__ import annotations

import numpy as np
import pytest

from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

from .conftest import load_scene_module


@pytest.fixture(scope="module")
def scene_module():
    module = load_scene_module("induction_heads")
    return module


@pytest.fixture(scope="module")
def model():
    return induction_model()


def scene_sequence(scene_module, model):
    """The sequence the clip draws, from its numbers()."""
    tokens = scene_module.numbers().rand_tokens
    # drawn with the scene's seed (the one ClipScene seeds every generator with)
    again = scene_module.repeated_random_tokens(
        np.random.default_rng(scene_module.InductionHeads.seed), model.d_vocab, model.n_ctx
    )
    assert np.array_equal(tokens, again)
    return tokens


def test_repeated_sequence_is_a_random_half_then_the_same_half(scene_module, model):
    for seed in range(20):
        tokens = scene_module.repeated_random_tokens(np.random.default_rng(seed), model.d_vocab, model.n_ctx)
        half = len(tokens) // 2
        assert len(tokens) <= model.n_ctx
        assert len(set(tokens[:half].tolist())) == half, "the first half must not repeat a token"
        assert np.array_equal(tokens[:half], tokens[half:])
        assert tokens.min() >= 0 and tokens.max() < model.d_vocab


def test_stripe_is_one_below_the_earlier_copy(scene_module, model):
    tokens = scene_sequence(scene_module, model)
    half = len(tokens) // 2
    _, cache = model.run_with_cache(tokens)
    pattern = cache["blocks.1.attn.hook_pattern"][0]
    for i in range(half, len(tokens)):
        assert np.argmax(pattern[i]) == i - half + 1
        assert pattern[i, i - half + 1] > 0.99


def test_prediction_report_matches_a_direct_softmax(scene_module, model):
    tokens = scene_sequence(scene_module, model)
    half = len(tokens) // 2
    report = scene_module.next_token_report(model, tokens)
    logits = model.run(tokens)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    for i in range(len(tokens) - 1):
        assert report["p_next"][i] == pytest.approx(probs[i, tokens[i + 1]])
        assert report["correct"][i] == (np.argmax(logits[i]) == tokens[i + 1])
    # what the caption claims: nothing right before the repeat, everything right after it
    assert report["correct"][:half].sum() == 0
    assert report["correct"][half:].all()
    assert report["p_next"][half:].min() > 0.99


def test_numbers_report_is_the_report_of_their_sequence(scene_module, model):
    shown = scene_module.numbers()
    assert shown.rand_str == [model.vocab[t] for t in shown.rand_tokens]
    direct = scene_module.next_token_report(model, shown.rand_tokens)
    for key in ("predicted", "p_next", "correct"):
        assert np.array_equal(shown.report[key], direct[key])
    assert shown.tokens[shown.target] == "urs" and shown.last == len(RUNNING_EXAMPLE) - 1


def test_running_example_attends_to_urs_and_predicts_it(model):
    logits, cache = model.run_with_cache(model.to_tokens(RUNNING_EXAMPLE))
    last = len(RUNNING_EXAMPLE) - 1
    prev = cache["blocks.0.attn.hook_pattern"][0]
    assert all(np.argmax(prev[i]) == i - 1 for i in range(1, last + 1))
    ind = cache["blocks.1.attn.hook_pattern"][0]
    assert RUNNING_EXAMPLE[int(np.argmax(ind[last]))] == "urs"
    assert model.vocab[int(np.argmax(logits[last]))] == "urs"
