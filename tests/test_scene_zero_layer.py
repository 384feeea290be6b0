"""What the zero_layer clip shows, checked against an independent count of the shipped story."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources

import numpy as np
import pytest

from .conftest import load_scene_module


@pytest.fixture(scope="module")
def module():
    return load_scene_module("zero_layer")


@pytest.fixture(scope="module")
def shown(module):
    """The scene's numbers, from the clip's own numbers() (no rendering)."""
    return module.numbers()


def _story_words() -> list[str]:
    text = resources.files("circuit_clips").joinpath("data", "harbour.txt").read_text("utf-8")
    return re.findall(r"[a-z']+", text.lower())


def test_example_percentages_are_the_story_counts(shown):
    """The caption's 'of' -> 'the' figure is the story's own count: 18 times out of 23."""
    words = _story_words()
    follows_of = [b for a, b in zip(words, words[1:]) if a == "of"]
    i, j = shown.vocab.index("the"), shown.vocab.index("of")
    assert shown.story_freq[j, i] == Counter(follows_of)["the"] / len(follows_of)
    assert (Counter(follows_of)["the"], len(follows_of)) == (18, 23)
    assert f"{shown.story_freq[j, i]:.0%}" == "78%"
    # the table drawn as the story's (lightly smoothed logs) is that count, give or take a few points
    assert abs(shown.true_probs[j, i] - 18 / 23) < 0.07


def test_model_table_is_the_best_rank_d_model_fit(shown):
    """W_E W_U equals the truncated SVD of the true log-probability table (Eckart-Young)."""
    u, s, vt = np.linalg.svd(shown.true_log)
    d = shown.d_model
    best = (u[:, :d] * s[:d]) @ vt[:d]
    assert np.allclose(shown.model_logits, best)
    assert shown.model_rank == d == 4
    assert shown.true_rank == len(shown.vocab) == 13
    # dropped singular values are exactly the approximation error
    err = np.linalg.norm(shown.true_log - shown.model_logits)
    assert err == pytest.approx(np.sqrt(np.sum(s[d:] ** 2)))


def test_example_guess_is_the_forward_pass(shown):
    """The guess shown for 'of' is softmax(W_U W_E t) and its best word is 'the'."""
    model = shown.model
    logits = model.W_E[shown.word_id] @ model.W_U
    probs = np.exp(logits) / np.exp(logits).sum()
    assert np.allclose(shown.p_example, probs)
    assert shown.vocab[int(np.argmax(probs))] == "the"
    assert np.allclose(shown.x_example, model.W_E[shown.word_id])


def _softmax_rows(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_sweep_tables_are_each_widths_best_fit(shown):
    """Each table of the width sweep is softmax of the story's log table cut to its d largest
    directions (an independent SVD), and at d_model = d_vocab it is the story's table itself."""
    u, s, vt = np.linalg.svd(np.log(shown.true_probs))
    assert len(shown.sweep_probs) == len(shown.vocab)
    for d, probs in enumerate(shown.sweep_probs, start=1):
        assert np.allclose(probs, _softmax_rows((u[:, :d] * s[:d]) @ vt[:d]))
        assert np.allclose(probs.sum(axis=1), 1)
    assert np.allclose(shown.sweep_probs[-1], shown.true_probs)
    assert np.allclose(shown.sweep_probs[shown.d_model - 1], shown.model_probs)


def test_a_wider_stream_keeps_more(shown):
    """'A wider stream keeps more': every extra number brings the model's chances closer to the
    story's (mean total-variation distance per current word), down to none at d_vocab."""
    gaps = [0.5 * np.abs(p - shown.true_probs).sum(axis=1).mean() for p in shown.sweep_probs]
    assert all(a > b for a, b in zip(gaps, gaps[1:-1]))
    assert gaps[-1] < 1e-9 and gaps[0] > 0.2


def test_numbers_are_frozen(shown):
    """A clip's numbers cannot be changed by the scene that draws them."""
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        shown.d_model = 5


def test_pair_count_shown_is_the_story_count(shown, module):
    """The caption's '18 times in 23' is counted from the text, for every pair the clip could show."""
    words = _story_words()
    known = set(shown.vocab) - {module.OTHER_TOKEN}
    for current in sorted(known):
        follows = [b if b in known else module.OTHER_TOKEN for a, b in zip(words, words[1:]) if a == current]
        for following in shown.vocab:
            assert module.story_count(shown, current, following) == (follows.count(following), len(follows))
    assert module.story_count(shown, "of", "the") == (18, 23)


def test_singular_values_show_rank_13(shown, module):
    """Every singular value, as printed, is non-zero (rank 13 is visible), and the largest is 61.3."""
    s = np.linalg.svd(shown.true_log, compute_uv=False)
    printed = [module.sigma_text(v) for v in s]
    assert all(float(p) > 0 for p in printed)
    assert printed[0] == "61.3" and printed[-1] == "0.0013"
    for p, v in zip(printed, s):
        assert float(p) == pytest.approx(v, rel=0.06)


def test_caption_percentages(shown, module):
    """The percentages the captions state: 'the' at 53% after 'of' (the guess and the model's
    table cell are the same forward pass), 18 of 23 = 78% in the story."""
    model = shown.model
    i, j = shown.vocab.index("the"), shown.vocab.index("of")
    logits = model.W_E[j] @ model.W_U
    assert np.allclose(shown.logits_example, logits)
    assert module.percent(shown.p_example[i]) == module.percent(shown.model_probs[j, i]) == "53%"
    assert module.percent(18 / 23) == "78%"
    assert (module.EXAMPLE_WORD, module.NEXT_WORD) == ("of", "the")
    assert shown.next_id == i and shown.word_id == j


def test_winning_logit_printed_beside_its_frame(shown, module):
    """The large number beside the framed 'the' logit is W_U x for 'of' (a one-hot through W_E,
    then W_U), the largest of the thirteen, printed to two decimals with a true minus sign."""
    model = shown.model
    t = np.zeros(len(shown.vocab))
    t[shown.vocab.index("of")] = 1.0
    logits = (t @ model.W_E) @ model.W_U
    best = int(np.argmax(logits))
    assert shown.vocab[best] == "the"
    printed = module.winner_text(shown.logits_example[shown.next_id])
    assert float(printed.replace("\u2212", "-")) == pytest.approx(logits[best], abs=0.005)
    assert printed == "\u22120.93"
