"""What the attention_head clip shows, recomputed from the model's weights (not its cache)."""

from __future__ import annotations

import numpy as np
import pytest

from circuit_clips.toy_models import RUNNING_EXAMPLE

from .conftest import load_scene_module


@pytest.fixture(scope="module")
def shown():
    return load_scene_module("attention_head").numbers()


def test_scores_pattern_and_result_from_the_weights(shown):
    """q, k, v, scores, A and W_O r, by hand from the stream the head reads."""
    m, layer, head = shown.model, 1, 0
    x = shown.x
    q, k, v = x @ m.W_Q[layer, head], x @ m.W_K[layer, head], x @ m.W_V[layer, head]
    assert np.allclose(shown.q, q) and np.allclose(shown.k, k) and np.allclose(shown.v, v)
    raw = q @ k.T / np.sqrt(m.d_head)
    assert np.allclose(shown.raw_scores, raw)
    n = len(x)
    masked = np.where(np.tril(np.ones((n, n), dtype=bool)), raw, -np.inf)
    pattern = np.exp(masked - masked.max(axis=1, keepdims=True))
    pattern /= pattern.sum(axis=1, keepdims=True)
    assert np.allclose(shown.pattern, pattern)
    assert np.allclose(shown.z, pattern @ v)
    assert np.allclose(shown.result, pattern @ v @ m.W_O[layer, head])


def test_the_last_d_attends_to_the_token_after_the_first_d(shown):
    """The captions' story: the last D looks at urs (after the first D) and copies it into 'output'."""
    tokens = list(RUNNING_EXAMPLE)
    assert shown.dest == len(tokens) - 1
    assert tokens[shown.source] == tokens[tokens.index(tokens[-1]) + 1]
    assert shown.pattern[shown.dest, shown.source] > 0.5
    out = shown.result[shown.dest, shown.model.subspaces["output"]]
    assert shown.model.vocab[int(np.argmax(out))] == tokens[shown.source]
