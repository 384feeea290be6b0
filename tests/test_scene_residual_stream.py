"""What the residual_stream clip shows, checked against the model and the running example."""

from __future__ import annotations

import numpy as np
import pytest

from circuit_clips.toy_models import RUNNING_EXAMPLE

from .conftest import load_scene_module


@pytest.fixture(scope="module")
def shown():
    return load_scene_module("residual_stream").numbers()


def test_prediction_is_the_token_after_the_first_copy_of_the_last(shown):
    """The caption's prediction: induction, [A][B] ... [A] -> [B], read off the example itself."""
    tokens = list(RUNNING_EXAMPLE)
    first = tokens.index(tokens[-1])
    assert shown.model.vocab[shown.best] == tokens[first + 1]
    others = np.delete(shown.logits[-1], shown.best)
    assert shown.runner_up == pytest.approx(others.max())
    assert shown.logits[-1, shown.best] > shown.runner_up


def test_final_stream_is_the_sum_of_every_write(shown):
    """Nothing is overwritten: the last stream is embedding + position + each layer's output, and W_U reads it."""
    cache, model = shown.cache, shown.model
    total = cache["hook_embed"] + cache["hook_pos_embed"]
    total = total + sum(cache[f"blocks.{layer}.hook_attn_out"] for layer in range(model.n_layers))
    assert np.allclose(cache[f"blocks.{model.n_layers - 1}.hook_resid_post"], total)
    assert np.allclose(shown.logits, total @ model.W_U)
