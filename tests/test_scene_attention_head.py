"""What the attention_head clip shows and says, recomputed from the model's weights (not its cache).

The forward pass here is written out by hand (embedding, the previous-token head, the induction
head), so every number a caption states is checked against a computation the scene does not share.
"""

from __future__ import annotations

import numpy as np
import pytest

from circuit_clips.kit import format_value
from circuit_clips.toy_models import BOS_TOKEN, RUNNING_EXAMPLE, induction_model

from .conftest import load_scene_module

LAYER, HEAD = 1, 0


@pytest.fixture(scope="module")
def shown():
    return load_scene_module("attention_head").numbers()


def by_hand(model, tokens):
    """The stream before layer 1 and the induction head's q, k, v, scores, pattern, mix and write."""
    ids = [model.vocab.index(t) for t in tokens]
    x = model.W_E[ids] + model.W_pos[: len(ids)]

    def head(x, layer):
        q, k, v = (x @ W[layer, HEAD] for W in (model.W_Q, model.W_K, model.W_V))
        scores = q @ k.T / np.sqrt(model.d_head)
        n = len(x)
        masked = np.where(np.tril(np.ones((n, n), dtype=bool)), scores, -np.inf)
        pattern = np.exp(masked - masked.max(axis=1, keepdims=True))
        pattern /= pattern.sum(axis=1, keepdims=True)
        z = pattern @ v
        return q, k, v, scores, pattern, z, z @ model.W_O[layer, HEAD]

    x1 = x + head(x, 0)[-1]
    return x1, head(x1, LAYER)


def test_the_clip_runs_the_model_with_its_start_token(shown):
    """'Position 0 holds a start token': the clip's sequence is BOS then the running example."""
    assert shown.model.bos_token == BOS_TOKEN
    assert shown.tokens == [BOS_TOKEN, *RUNNING_EXAMPLE]


def test_every_value_shown_is_the_hand_computed_one(shown):
    """q, k, v, scores (q.k / sqrt(d_head), as the strip says), A, r and W_O r, by hand."""
    x1, (q, k, v, scores, pattern, z, result) = by_hand(shown.model, shown.tokens)
    assert np.allclose(shown.x, x1)
    for mine, theirs in [(q, shown.q), (k, shown.k), (v, shown.v), (scores, shown.raw_scores)]:
        assert np.allclose(mine, theirs)
    assert np.allclose(pattern, shown.pattern)
    assert np.allclose(z, shown.z) and np.allclose(result, shown.result)


def test_the_head_is_layer_1_head_0_of_a_two_layer_model(shown):
    """The head shown is layer 1's (counting from 0) of a model with layers 0 and 1, one head each: the
    stream it reads already holds layer 0's write (the 'token before' block the clip names)."""
    model = shown.model
    assert model.W_Q.shape[:2] == (2, 1)
    x1, (q, *_) = by_hand(model, shown.tokens)
    assert np.allclose(shown.x, x1) and np.allclose(shown.q, q)
    before = model.subspaces["previous token"]
    for pos in range(2, len(shown.tokens)):  # each column's 'token before' block: the word at pos - 1
        assert model.vocab[int(np.argmax(x1[pos, before]))] == shown.tokens[pos - 1]
        assert x1[pos, before].max() > 0.99
    assert np.allclose(
        x1[:2, before], 0, atol=1e-3
    )  # before position 1 is only the start token, whose value is 0


def test_each_column_has_four_blocks_and_one_slot_per_word(shown):
    """'Each column: its token, its position, the token before, an output' and 'a slot per word' (on
    screen: 'a slot per known word'): the four blocks tile the stream without gaps or overlaps, and the output block holds one
    slot per vocabulary word, which the unembedding reads as that word alone."""
    model = shown.model
    assert len(model.subspaces) == 4 and "output" in model.subspaces
    covered = np.zeros(model.d_model, dtype=int)
    for block in model.subspaces.values():
        covered[block] += 1
    assert np.all(covered == 1)
    out = model.subspaces["output"]
    assert out.stop - out.start == len(model.vocab)
    read = model.W_U[out]  # [slot, word]
    assert np.all(np.argmax(read, axis=1) == np.arange(len(model.vocab)))
    assert np.allclose(read - np.diag(np.diag(read)), 0)


def test_the_numbers_the_captions_state(shown):
    """Each number a caption states, from the hand computation, formatted as the clip prints it."""
    tokens = shown.tokens
    _, (q, k, v, scores, pattern, z, result) = by_hand(shown.model, tokens)
    last, urs = len(tokens) - 1, tokens.index("urs")
    assert (shown.dest, shown.source) == (last, urs)
    # "Three matrices make a query, a key and a value: 12 numbers each."
    assert q.shape == k.shape == v.shape == (len(tokens), 12) and shown.model.d_head == 12
    # "The last D's query seeks a word after a D; urs's key fits: 20." (the other keys score less)
    assert tokens[last] == tokens[urs - 1] == "D"
    assert format_value(scores[last, urs], 0) == "20"
    assert np.all(np.delete(scores[last, : last + 1], urs) < scores[last, urs] - 5)
    # "All queries give the start token 10." (its column, every row, as the heat map writes it)
    assert all(format_value(s, 0) == "10" for s in scores[:, 0])
    # "'ley' has no match: it rests on the start token, whose value is 0." (A = 1.00 and v_0 = 0 on screen)
    ley = tokens.index("ley")
    assert shown.resting == ley and tokens.count("ley") == 1
    assert format_value(pattern[ley, 0]) == "1.00"
    assert np.all(v[0] == 0)
    # "The last D puts 1.00 on 'urs'."
    assert format_value(pattern[last, urs]) == "1.00"
    # "Its mix weighs each value by that row: only urs's counts." (drawn with its weight, x 1.00)
    assert np.all(np.delete(pattern[last], urs) < 0.005)
    assert np.allclose(z[last], v[urs], atol=1e-3) and np.abs(v[urs]).max() > 0.5


def test_the_write_lands_urs_in_the_last_d(shown):
    """'A 1 on urs' (0.00 + 1.00 in the zoom, zero elsewhere) and 'the last D now carries urs'."""
    model, tokens = shown.model, shown.tokens
    x1, (*_, result) = by_hand(model, tokens)
    last, out = len(tokens) - 1, model.subspaces["output"]
    urs = out.start + model.vocab.index("urs")
    expected = np.zeros(model.d_model)
    expected[urs] = 1.0
    assert np.allclose(result[last], expected, atol=1e-3)
    assert format_value(result[last, urs]) == "1.00"
    after = x1[last] + result[last]
    assert format_value(x1[last, urs]) == "0.00" and format_value(after[urs]) == "1.00"
    assert np.argmax(after[out]) == model.vocab.index("urs")
    # what it now carries is what the model predicts: the unembedding of the new stream
    assert model.vocab[int(np.argmax(after @ model.W_U))] == "urs"


@pytest.mark.parametrize("seed", range(40))
def test_on_any_sequence_a_match_is_copied_and_no_match_rests_on_the_start_token(seed):
    """The clip's general claims, on random sequences with and without repeats: every query scores
    the start token 10; a query whose token came before attends (>= 0.99 in all) to the positions after
    its earlier occurrences and writes one of their tokens; a query with no earlier match puts >= 0.99 on the
    start token and writes (nearly) nothing."""
    model = induction_model(bos=True)
    rng = np.random.default_rng(seed)
    words = [t for t in model.vocab if t != BOS_TOKEN]
    n = int(rng.integers(2, model.n_ctx))  # without BOS
    pool = words if seed % 2 else words[: max(2, n // 2)]  # odd seeds: few repeats; even: many
    tokens = [BOS_TOKEN, *rng.choice(pool, size=n)]
    _, (*_, scores, pattern, _, result) = by_hand(model, tokens)
    out = model.subspaces["output"]
    assert np.allclose(scores[:, 0], 10, atol=0.01)
    for i in range(1, len(tokens)):
        earlier = [j for j in range(1, i) if tokens[j] == tokens[i]]
        if earlier:
            after = [j + 1 for j in earlier]  # several earlier matches share the attention
            assert pattern[i, after].sum() >= 0.99, (tokens, i)
            assert model.vocab[int(np.argmax(result[i, out]))] in {tokens[j] for j in after}
        else:
            assert pattern[i, 0] >= 0.99, (tokens, i)
            assert np.abs(result[i]).max() < 0.01, (tokens, i)


def test_later_positions_are_veiled_until_the_mask_is_said(shown):
    """Before the mask beat the grid shows raw scores; the veil covers exactly the cells the mask
    then removes (j > i, the -inf scores) and none other, so no lit cell looks ahead unexplained."""
    module = load_scene_module("attention_head")
    scene = module.AttentionHead.__new__(module.AttentionHead)
    scene.shown, scene.model = shown, shown.model
    scene.lay_out()
    n_pos = len(shown.tokens)
    masked = {(i, j) for i in range(n_pos) for j in range(n_pos) if j > i}
    assert masked == {tuple(ij) for ij in np.argwhere(np.isneginf(shown.scores))}
    assert shown.raw_scores[1, n_pos - 1] > 1  # a future cell the raw scores light up
    veiled = set()
    for i in range(n_pos):
        for j in range(n_pos):
            centre = scene.pattern_map.cell(i, j).get_center()
            if any(
                part.get_left()[0] < centre[0] < part.get_right()[0]
                and part.get_bottom()[1] < centre[1] < part.get_top()[1]
                for part in scene.future_veil
            ):
                veiled.add((i, j))
    assert veiled == masked
