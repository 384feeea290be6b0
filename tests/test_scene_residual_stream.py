"""What the residual_stream clip shows, checked against the model and the running example."""

from __future__ import annotations

import numpy as np
import pytest

from circuit_clips.toy_models import BOS_TOKEN, INDUCTION_VOCAB, RUNNING_EXAMPLE, induction_model

from .conftest import load_scene_module


@pytest.fixture(scope="module")
def shown():
    return load_scene_module("residual_stream").numbers()


@pytest.fixture(scope="module")
def model():
    return induction_model(bos=True)


def test_a_start_token_then_seven_words(shown):
    """The first caption: 'A start token, then seven words. What comes after the last D?'."""
    assert shown.tokens == [BOS_TOKEN, *RUNNING_EXAMPLE]
    assert len(shown.tokens) - 1 == 7 and shown.tokens[-1] == "D"
    assert shown.model.bos_token == BOS_TOKEN


def test_prediction_is_the_token_after_the_first_copy_of_the_last(shown):
    """The caption's 'urs scores 10.00, every other token at most 0.00': induction, [A][B] ... [A] -> [B],
    read off the example itself, and the logits recomputed from the final stream and W_U."""
    tokens = list(RUNNING_EXAMPLE)
    first = tokens.index(tokens[-1])
    assert shown.model.vocab[shown.best] == tokens[first + 1] == "urs"
    final = shown.cache[f"blocks.{shown.model.n_layers - 1}.hook_resid_post"][-1]
    last_logits = np.array([final @ shown.model.W_U[:, t] for t in range(shown.model.d_vocab)])
    assert np.allclose(shown.logits[-1], last_logits)
    others = np.delete(last_logits, shown.best)
    assert shown.runner_up == pytest.approx(others.max())
    assert f"{last_logits[shown.best]:.2f}" == "10.00" and f"{shown.runner_up:.2f}" == "0.00"


def test_the_last_d_puts_all_its_attention_on_urs(shown):
    """The key moment, 'A_{7,3} = 1.00': the last D looks at urs, the word after the earlier D."""
    assert shown.source == 3 and shown.tokens[shown.source] == "urs"
    assert shown.tokens[shown.source - 1] == shown.tokens[-1] == "D"
    assert f"{shown.weight:.2f}" == "1.00"
    z = shown.cache["blocks.1.attn.hook_z"][-1, 0]
    v = shown.cache["blocks.1.attn.hook_v"][shown.source, 0]
    assert np.allclose(z, v, atol=1e-3), "it copies urs's value"


def test_most_positions_rest_on_the_start_token_and_write_nothing(shown):
    """'Most positions find nothing: they look at the start token, whose value is 0.'"""
    cache = shown.cache
    n_pos = len(shown.tokens)
    assert len(shown.resting) > n_pos / 2
    # the positions with no earlier copy of their token (and the start token itself)
    no_match = [i for i, t in enumerate(shown.tokens) if i == 0 or t not in shown.tokens[1:i]]
    assert shown.resting == no_match
    assert not np.any(cache["blocks.1.attn.hook_v"][0, 0]), "the start token's value is zero"
    assert np.abs(cache["blocks.1.attn.hook_result"][shown.resting, 0]).max() < 1e-3


def test_layer_0_takes_the_previous_position(shown):
    """'each position takes the previous one's' (the start token, with none, its own)."""
    pattern = shown.cache["blocks.0.attn.hook_pattern"][0]
    assert [int(np.argmax(row)) for row in pattern] == [0, *range(len(shown.tokens) - 1)]
    assert np.all(pattern.max(axis=1) > 0.99)


def test_final_stream_is_the_sum_of_every_write(shown):
    """Nothing is overwritten: the last stream is embedding + position + each layer's output, and W_U reads it."""
    cache, model = shown.cache, shown.model
    ids = model.to_tokens(list(RUNNING_EXAMPLE))
    embed = model.W_E[ids] + model.W_pos[: len(ids)]
    assert np.allclose(cache["hook_embed"] + cache["hook_pos_embed"], embed)
    total = embed + sum(cache[f"blocks.{layer}.hook_attn_out"] for layer in range(model.n_layers))
    assert np.allclose(cache[f"blocks.{model.n_layers - 1}.hook_resid_post"], total)
    assert np.allclose(shown.logits, total @ model.W_U)


def test_the_claims_hold_on_many_sequences(model):
    """The clip's general claims, on random sequences: a token seen once before (not just before it)
    puts all its layer-1 attention on the word after that copy; a token not seen before rests on the
    start token and its head writes nothing."""
    rng = np.random.default_rng(0)
    checked = {"fetch": 0, "rest": 0}
    for _ in range(300):
        words = list(rng.choice(INDUCTION_VOCAB, size=rng.integers(2, model.n_ctx)))
        _, cache = model.run_with_cache(model.to_tokens(words))
        pattern = cache["blocks.1.attn.hook_pattern"][0]
        result = cache["blocks.1.attn.hook_result"][:, 0]
        tokens = [BOS_TOKEN, *words]
        for i in range(1, len(tokens)):
            earlier = [j for j in range(1, i) if tokens[j] == tokens[i]]
            if not earlier:
                assert pattern[i, 0] > 0.99 and np.abs(result[i]).max() < 1e-3
                checked["rest"] += 1
            elif len(earlier) == 1 and earlier[0] + 1 < i:
                assert pattern[i, earlier[0] + 1] > 0.99
                checked["fetch"] += 1
    assert min(checked.values()) > 100
