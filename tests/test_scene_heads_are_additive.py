"""The numbers the heads_are_additive clip shows, checked against an independent computation."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import load_scene_module


@pytest.fixture(scope="module")
def module():
    return load_scene_module("heads_are_additive")


@pytest.fixture(scope="module")
def shown(module):
    """The clip's numbers, from its own numbers() (no rendering)."""
    return module.numbers()


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _heads_by_hand(model, tokens):
    """Each head's result r^h and write W_O^h r^h at every position, from the weights alone."""
    x = model.W_E[tokens] + model.W_pos[: len(tokens)]
    n = len(tokens)
    z, writes = [], []
    for h in range(model.n_heads):
        q, k, v = x @ model.W_Q[0, h], x @ model.W_K[0, h], x @ model.W_V[0, h]
        scores = q @ k.T / np.sqrt(model.d_head)
        scores[np.triu_indices(n, 1)] = -np.inf
        r = _softmax(scores) @ v
        z.append(r)
        writes.append(r @ model.W_O[0, h])
    return x, np.stack(z, axis=1), np.stack(writes, axis=1)


def test_results_are_the_heads_own(shown, module):
    model = shown.model
    tokens = module.TOKENS  # the scene module's input
    x, z, writes = _heads_by_hand(model, model.to_tokens(tokens))
    assert np.allclose(shown.z, z[shown.dest])
    assert np.allclose(shown.result, writes[shown.dest])
    assert np.allclose(shown.resid_pre, x[shown.dest])


def test_the_values_drawn_mix_into_the_results(shown, module):
    """The value columns under each pattern are x_j W_V^h by hand, and the weights of the boxed row
    mix them into r^h (what the clip draws merging)."""
    model = shown.model
    x = model.W_E[model.to_tokens(module.TOKENS)] + model.W_pos[: len(module.TOKENS)]
    for h in range(model.n_heads):
        v = x @ model.W_V[0, h]
        assert np.allclose(shown.v[h], v)
        assert np.allclose(shown.pattern[h, shown.dest] @ v, shown.z[h])


def test_concatenate_then_w_o_is_the_sum_of_per_head_writes(shown):
    """Paper notation: [W_O^0 W_O^1] [r^0; r^1] = W_O^0 r^0 + W_O^1 r^1 (column vectors)."""
    model = shown.model
    w_o_paper = np.hstack([model.W_O[0, h].T for h in range(model.n_heads)])  # [d_model, n_heads*d_head]
    concat = np.concatenate([shown.z[h] for h in range(model.n_heads)])
    one_go = w_o_paper @ concat
    per_head = sum(model.W_O[0, h].T @ shown.z[h] for h in range(model.n_heads))
    assert np.allclose(one_go, per_head)
    assert np.allclose(one_go, shown.attn_out)
    assert np.allclose(shown.resid_pre + one_go, shown.resid_post)


def test_the_two_heads_write_different_things(shown):
    """Otherwise the clip would not show two distinct writes."""
    out = shown.model.subspaces["output"]
    vocab = shown.model.vocab
    head0 = {vocab[i] for i in np.flatnonzero(shown.result[0, out] > 1e-6)}
    head1 = {vocab[i] for i in np.flatnonzero(shown.result[1, out] > 1e-6)}
    assert head0 == {"mind", "bay"}
    assert head1 == {"keep", "them", "at"}
    assert shown.pattern[0, shown.dest].argmax() == 0 and shown.pattern[0, shown.dest].max() > 0.99
    assert np.allclose(shown.pattern[1, shown.dest], 1 / (shown.dest + 1))


def test_the_numbers_the_captions_state(shown):
    """Each number a caption states, from the weights by hand: the weights at 'at' (1.00 on 'keep',
    0.33 each for head 1), the writes (1.00 on 'mind' and 'bay', 0.17 on three tokens), the 16x16
    output matrix and the 16 numbers of the stream."""
    model = shown.model
    vocab = model.vocab
    x, z, writes = _heads_by_hand(model, model.to_tokens(["keep", "them", "at"]))
    out = model.subspaces["output"]
    # weights at the last position, by hand
    q0, k0 = x[-1] @ model.W_Q[0, 0], x @ model.W_K[0, 0]
    w0 = _softmax(k0 @ q0 / np.sqrt(model.d_head))
    assert f"{w0[0]:.2f}" == "1.00" and vocab[int(np.argmax(w0))] == "keep"
    q1, k1 = x[-1] @ model.W_Q[0, 1], x @ model.W_K[0, 1]
    w1 = _softmax(k1 @ q1 / np.sqrt(model.d_head))
    assert [f"{w:.2f}" for w in w1] == ["0.33"] * 3
    head0 = writes[-1, 0, out]
    head1 = writes[-1, 1, out]
    assert {vocab[i] for i in np.flatnonzero(head0 > 1e-6)} == {"mind", "bay"}
    assert [f"{v:.2f}" for v in head0[head0 > 1e-6]] == ["1.00"] * 2
    assert [f"{v:.2f}" for v in head1[head1 > 1e-6]] == ["0.17"] * 3
    assert shown.w_o_rows.shape == (model.n_heads * model.d_head, model.d_model) == (16, 16)
    assert shown.resid_post.size == model.d_model == 16


def test_head_1_halves_its_mix_of_the_three_words(shown):
    """The caption "head 1 halves its 0.33s to 0.17": head 1's result holds a third of each word's
    one-hot value, and its block of W_O maps every entry to half of it in the same word's output row,
    on every 3-token input (a hand-built mix of one-hot vectors, not the model's run)."""
    model = shown.model
    vocab, out = model.vocab, model.subspaces["output"]
    assert [f"{v:.2f}" for v in shown.z[1] if v > 1e-6] == ["0.33"] * 3
    for a in range(model.d_vocab):
        for b in range(model.d_vocab):
            for c in range(model.d_vocab):
                tokens = [a, b, c]
                mix = sum(np.eye(model.d_vocab)[t] for t in tokens) / len(tokens)  # uniform weights
                expected = np.zeros(model.d_model)
                expected[out] = 0.5 * mix
                _, cache = model.run_with_cache(np.array(tokens))
                assert np.allclose(cache["blocks.0.attn.hook_result"][-1, 1], expected)
    written = {vocab[i - out.start] for i in np.flatnonzero(shown.result[1] > 1e-6)}
    assert written == set(TOKENS_SHOWN)


TOKENS_SHOWN = ["keep", "them", "at"]


def test_head_1s_small_write_is_visibly_not_zero():
    """The 0.17 the clip singles out differs from an empty cell by more than 10 CIEDE2000 units."""
    from circuit_clips.kit.colorimetry import ciede2000, srgb_to_lab
    from circuit_clips.kit.theme import value_to_color

    lab = [srgb_to_lab(np.array(value_to_color(v).to_rgb())) for v in (1 / 6, 0.0)]
    assert ciede2000(lab[0], lab[1]) > 10


def test_heads_are_additive_on_every_input(shown):
    """Concatenate-then-W_O equals the sum of the heads' own writes, and the layer adds it to the
    stream, at every position of every 3-token input (the model's own run against a hand sum)."""
    model = shown.model
    w_o_paper = np.hstack([model.W_O[0, h].T for h in range(model.n_heads)])
    for a in range(model.d_vocab):
        for b in range(model.d_vocab):
            for c in range(model.d_vocab):
                tokens = np.array([a, b, c])
                x, z, writes = _heads_by_hand(model, tokens)
                _, cache = model.run_with_cache(tokens)
                one_go = z.reshape(len(tokens), -1) @ w_o_paper.T
                assert np.allclose(one_go, writes.sum(axis=1))
                assert np.allclose(cache["blocks.0.hook_attn_out"], one_go)
                assert np.allclose(cache["blocks.0.hook_resid_post"], x + writes.sum(axis=1))


def test_the_stream_rows_are_named_by_the_words_they_score(shown, module):
    """The row tags beside the stream: row 8 + k is the score of the k-th word (the unembedding
    reads that row, and only it, into that word's logit), and the word tag "word: at" names the
    one lit row of the stream's first half (the embedding of 'at')."""
    model = shown.model
    scene = module.HeadsAreAdditive.__new__(module.HeadsAreAdditive)
    scene.model = model
    out = model.subspaces["output"]
    for row in range(out.start, out.stop):
        unembedded = np.eye(model.d_model)[row] @ model.W_U  # a lone 1 in this row, read out
        assert np.count_nonzero(unembedded) == 1
        assert scene.word_of_row(row) == model.vocab[int(np.argmax(unembedded))]
    word_half = shown.resid_pre[: out.start]
    assert np.count_nonzero(word_half) == 1
    embedded = np.eye(model.d_vocab)[model.vocab.index("at")] @ model.W_E
    assert int(np.argmax(word_half)) == int(np.argmax(embedded))
    # the words beside head 0's two lit cells
    lit = np.flatnonzero(shown.result[0] > 1e-6)
    assert [scene.word_of_row(i) for i in lit] == ["mind", "bay"]


def test_row_tags_never_crowd(module):
    """fanned() keeps tags in order, at least a pitch apart, and leaves lone tags on their row."""
    pitch = module.TAG_PITCH
    targets = [3.0, 1.0, 0.8, 0.6, 0.4, -2.0]
    ys = module.fanned(targets, pitch)
    assert all(a - b >= pitch - 1e-9 for a, b in zip(ys, ys[1:]))
    assert ys[0] == 3.0 and ys[-1] == -2.0
    assert np.isclose(np.mean(ys[1:5]), np.mean(targets[1:5]))  # a crowd is spread about its middle


def _laid_out(module, shown):
    scene = module.HeadsAreAdditive.__new__(module.HeadsAreAdditive)
    scene.shown, scene.model = shown, shown.model
    scene.lay_out()
    return scene


def test_every_row_name_sits_level_with_its_own_row(module, shown):
    """Reading straight across from a stream cell lands on its own word: each name's letters
    (baseline to x-height) span the centre line of the row it names, and of no other row; the
    rows the heads write are the ones named."""
    scene = _laid_out(module, shown)
    model, col = shown.model, scene.streams[1]
    out = model.subspaces["output"]
    written = np.abs(shown.result).sum(axis=0) > 1e-6  # a row some head writes
    rows = [int(np.flatnonzero(shown.resid_pre[: out.start] > 1e-6)[0])]
    rows += [i for i in range(out.start, out.stop) if written[i]]
    assert len(rows) == 6  # the word, and the five scores the captions' words raise
    centres = np.array([col.cell(i).get_center()[1] for i in range(model.d_model)])
    assert len(scene.row_names[1]) == len(rows)
    for tag, row in zip(scene.row_names[1], rows):
        baseline = tag[0].get_bottom()[1]
        inside = np.flatnonzero((centres > baseline) & (centres < baseline + 0.17))
        assert list(inside) == [row], tag.text


def test_head_1s_lit_rows_are_named_beside_them(module, shown):
    """Head 1's three equal cells carry their words, as head 0's do; each word beside its own cell."""
    scene = _laid_out(module, shown)
    col = scene.h_cols[1]
    marks = scene.readouts(col, shown.result[1], scene.color(1), words=True)
    lit = np.flatnonzero(shown.result[1] > 1e-6)
    vocab, start = shown.model.vocab, shown.model.subspaces["output"].start
    assert [vocab[i - start] for i in lit] == ["keep", "at", "them"]
    words = [mark[2][0] for mark in marks]
    assert [w.text for w in words] == ["keep", "at", "them"]
    for word, i in zip(words, lit):
        assert abs(word[0].get_bottom()[1] + 0.09 - col.cell(i).get_center()[1]) < 1e-6
