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


def _story_table(vocab: list[str], other: str) -> np.ndarray:
    """The story's chances counted afresh from the text: ``[current, next]``, each row count / row total."""
    words = _story_words()
    index = {w: i for i, w in enumerate(vocab) if w != other}
    ids = [index.get(w, len(vocab) - 1) for w in words]
    counts = np.zeros((len(vocab), len(vocab)))
    for a, b in zip(ids, ids[1:]):
        counts[a, b] += 1
    return counts / counts.sum(axis=1, keepdims=True)


def test_example_percentages_are_the_story_counts(shown):
    """The caption's 'of' -> 'the' figure is the story's own count: 18 times out of 23."""
    words = _story_words()
    follows_of = [b for a, b in zip(words, words[1:]) if a == "of"]
    i, j = shown.vocab.index("the"), shown.vocab.index("of")
    assert shown.story_freq[j, i] == Counter(follows_of)["the"] / len(follows_of)
    assert (Counter(follows_of)["the"], len(follows_of)) == (18, 23)
    assert f"{shown.story_freq[j, i]:.0%}" == "78%"


def test_story_table_drawn_is_the_story_counts(shown, module):
    """The table headed 'the story: how often' is every pair's count over its current word's count,
    counted here from the text (no smoothing): each of its cells is a count from the story."""
    assert np.allclose(shown.story_freq, _story_table(shown.vocab, module.OTHER_TOKEN))
    assert shown.words[-1] == module.RARE_LABEL and shown.vocab[-1] == module.OTHER_TOKEN


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
    directions (an independent SVD); at d_model = d_vocab it is that (lightly smoothed) table itself."""
    u, s, vt = np.linalg.svd(shown.true_log)
    assert len(shown.sweep_probs) == len(shown.vocab)
    for d, probs in enumerate(shown.sweep_probs, start=1):
        assert np.allclose(probs, _softmax_rows((u[:, :d] * s[:d]) @ vt[:d]))
        assert np.allclose(probs.sum(axis=1), 1)
    assert np.allclose(shown.sweep_probs[-1], np.exp(shown.true_log))
    assert np.allclose(shown.sweep_probs[shown.d_model - 1], shown.model_probs)


def test_a_wider_stream_comes_nearly_to_the_story(shown, module):
    """'Wider mixes more: at 13, nearly the story's table': at every width the sweep shows, the
    model's chances are closer to the story's counted ones (mean total-variation distance per
    current word), and at 13 every cell is within 7 points of the count, but not all exact."""
    story = _story_table(shown.vocab, module.OTHER_TOKEN)
    widths = (shown.d_model, *module.SWEEP_WIDTHS)
    assert widths[-1] == len(shown.vocab) and list(widths) == sorted(set(widths))
    gaps = [0.5 * np.abs(shown.sweep_probs[d - 1] - story).sum(axis=1).mean() for d in widths]
    assert all(a > b for a, b in zip(gaps, gaps[1:]))
    full = shown.sweep_probs[-1]
    assert np.abs(full - story).max() < 0.07 and np.abs(full - story).max() > 0.01


def test_tracked_chance_climbs_through_the_sweep(shown, module):
    """The number under the model's table at each width is that width's own forward pass for
    'of' (one-hot through a fresh model's W_E, then W_U): 53% at 4, rising to 74% at 13,
    against the story's 78%."""
    from circuit_clips.toy_models import zero_layer_model

    i, j = shown.vocab.index("the"), shown.vocab.index("of")
    printed = []
    for d in (shown.d_model, *module.SWEEP_WIDTHS):
        model = zero_layer_model(d_model=d)
        t = np.zeros(len(shown.vocab))
        t[j] = 1.0
        logits = (t @ model.W_E) @ model.W_U
        p = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        assert module.tracked_chance(shown, d) == pytest.approx(p[i])
        printed.append(int(module.percent(p[i]).rstrip("%")))
    assert printed[0] == 53 and printed[-1] == 74
    assert all(a < b for a, b in zip(printed, printed[1:]))
    assert abs(printed[-1] - 18 / 23 * 100) < 5


def test_t_mixes_d_model_patterns(shown, module):
    """'T mixes d patterns' (rank, in plain words): T = W_U W_E of a d-wide model is a
    (13 x d)(d x 13) product whose rank is exactly d, at every width the panel shows."""
    from circuit_clips.toy_models import zero_layer_model

    for d in (shown.d_model, *module.SWEEP_WIDTHS):
        model = zero_layer_model(d_model=d)
        assert model.W_E.shape == (len(shown.vocab), d) and model.W_U.shape == (d, len(shown.vocab))
        assert np.linalg.matrix_rank(model.W_E @ model.W_U) == d


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


def test_story_named_on_screen_is_the_counted_text(module):
    """The note 'the story: the text it learns from, The Keeper of the Harbour Light' names the
    very file the tables are counted from (its title line, read here afresh)."""
    text = resources.files("circuit_clips").joinpath("data", "harbour.txt").read_text("utf-8")
    assert module.TEXT_FILE == "harbour.txt"
    assert module.story_title() == text.splitlines()[0] == "The Keeper of the Harbour Light"
    assert len(_story_words()) > 900  # a short tale, not a handful of sentences


def test_each_words_scores_mix_the_columns_of_W_U(shown):
    """'T mixes d patterns (the columns of W_U)': every word's scores W_U x are W_U's d columns
    (rows of the code's W_U) weighted by x's d numbers, and fewer columns cannot give them."""
    model = shown.model
    patterns = model.W_U.T  # [d_vocab, d_model]: one score pattern per column
    for j in range(len(shown.vocab)):
        scores = shown.model_logits[j]
        mix, *_ = np.linalg.lstsq(patterns, scores, rcond=None)
        assert np.allclose(patterns @ mix, scores)
        assert np.allclose(mix, model.W_E[j])
    fewer, *_ = np.linalg.lstsq(patterns[:, :-1], shown.model_logits.T, rcond=None)
    assert not np.allclose(patterns[:, :-1] @ fewer, shown.model_logits.T, atol=1e-3)
