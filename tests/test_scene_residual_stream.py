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
    return induction_model(n_ctx=8, bos=True)


def test_the_text_cut_into_tokens_after_a_start_token(shown):
    """The first beat: the text on screen, cut into tokens after the start token; 'Dursley' is one
    word cut into the three tokens the brace spans; the last token is D."""
    module = load_scene_module("residual_stream")
    assert shown.tokens == [BOS_TOKEN, *RUNNING_EXAMPLE]
    assert shown.model.bos_token == BOS_TOKEN and shown.tokens[-1] == "D"
    words = module.TEXT.split()
    assert "".join(shown.tokens[p] for p in module.DURSLEY) == "Dursley"
    assert len(module.DURSLEY) == 3 and "Dursley" in words
    # the tokens after the start token spell the text once the pieces of Dursley are joined
    pieces = list(shown.tokens[1:])
    first, stop = module.DURSLEY.start - 1, module.DURSLEY.stop - 1
    assert [*pieces[:first], "".join(pieces[first:stop]), *pieces[stop:]] == words


def test_prediction_is_the_token_after_the_first_copy_of_the_last(shown):
    """The caption's 'urs 10, the rest 0': induction, [A][B] ... [A] -> [B],
    read off the example itself, and the logits recomputed from the final stream and W_U."""
    tokens = list(RUNNING_EXAMPLE)
    first = tokens.index(tokens[-1])
    assert shown.model.vocab[shown.best] == tokens[first + 1] == "urs"
    final = shown.cache[f"blocks.{shown.model.n_layers - 1}.hook_resid_post"][-1]
    last_logits = np.array([final @ shown.model.W_U[:, t] for t in range(shown.model.d_vocab)])
    assert np.allclose(shown.logits[-1], last_logits)
    others = np.delete(last_logits, shown.best)
    assert shown.runner_up == pytest.approx(others.max())
    assert f"{last_logits[shown.best]:.0f}" == "10" and f"{shown.runner_up:.0f}" == "0"
    assert abs(last_logits.min()) < 0.5, "every other score reads 0"


def test_the_last_d_reads_urs_and_the_second_mr_reads_d(shown):
    """'the last D reads urs, whose previous word is D too' (and the second Mr, whose write lands
    under its veil, reads D the same way): the positions layer 1 reads from are, for each token seen
    before, the position after that copy (found here by scanning the tokens); that column's
    previous-token block, as layer 0 left it, holds the reader's token; and the head copies the
    token it reads into the output block."""
    tokens, model = shown.tokens, shown.model
    expected = {}
    for i in range(1, len(tokens)):
        earlier = [j for j in range(1, i) if tokens[j] == tokens[i]]
        if earlier:
            expected[i] = earlier[0] + 1
    assert shown.reads[1] == expected == {6: 2, 7: 3}
    assert shown.source == 3 and tokens[shown.source] == "urs" and shown.weight > 0.99
    out, prev = model.subspaces["output"], model.subspaces["previous token"]
    for dst, src in expected.items():
        own_word = np.eye(model.d_vocab)[model.vocab.index(tokens[dst])]
        assert np.allclose(shown.cache["blocks.1.hook_resid_pre"][src, prev], own_word, atol=1e-3)
        written = shown.cache["blocks.1.attn.hook_result"][dst, 0]
        one_hot = np.eye(model.d_vocab)[model.vocab.index(tokens[src])]
        assert np.allclose(written[out], one_hot, atol=1e-3), "it copies the token it reads"
        assert np.abs(np.delete(written, np.arange(model.d_model)[out])).max() < 1e-3, "into output only"


def test_the_others_read_nothing_and_write_nothing(shown):
    """The positions the clip draws no write for: they rest on the start token, whose value is 0,
    so what their head writes is below 1e-3 (the scene checks its stream against the cache to that)."""
    cache = shown.cache
    for layer in range(shown.model.n_layers):
        pattern = cache[f"blocks.{layer}.attn.hook_pattern"][0]
        result = cache[f"blocks.{layer}.attn.hook_result"][:, 0]
        idle = [i for i in range(len(shown.tokens)) if i not in shown.reads[layer]]
        assert all(pattern[i].argmax() == 0 for i in idle)
        assert not np.any(cache[f"blocks.{layer}.attn.hook_v"][0, 0]), "the start token's value is zero"
        assert np.abs(result[idle]).max() < 1e-3


def test_layer_0_reads_the_column_before(shown):
    """'reads the column before and copies its token' and 'each column now also holds the word before
    it':
    every position after the first word reads the position before and writes that token into the
    previous-token block (one-hot, built here from the tokens)."""
    model, tokens = shown.model, shown.tokens
    pattern = shown.cache["blocks.0.attn.hook_pattern"][0]
    assert [int(np.argmax(row)) for row in pattern] == [0, *range(len(tokens) - 1)]
    assert shown.reads[0] == {i: i - 1 for i in range(2, len(tokens))}
    # the arrows one column long: every position after the start token, position 1 reading the start token
    assert shown.previous == {i: i - 1 for i in range(1, len(tokens))}
    assert np.abs(shown.cache["blocks.0.attn.hook_result"][1, 0]).max() < 1e-3, "which holds nothing"
    prev = model.subspaces["previous token"]
    after = shown.cache["blocks.0.hook_resid_post"]
    for i in range(2, len(tokens)):
        assert np.allclose(after[i, prev], np.eye(model.d_vocab)[model.vocab.index(tokens[i - 1])], atol=1e-3)


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


def test_the_output_block_has_one_cell_per_word_and_w_u_scores_each(shown):
    """'the last D's output block: one cell per word it knows' and 'W_U gives each next token a score':
    the block the panel draws big (named by the vocabulary) is as long as the vocabulary, the last D's
    block after layer 1 is urs's one-hot, and W_U maps that block's cell for a word to that word's
    score alone (so the score column lines up with the names)."""
    model = shown.model
    out = model.subspaces["output"]
    assert out.stop - out.start == len(model.vocab) == model.d_vocab
    final = shown.cache["blocks.1.hook_resid_post"][-1]
    assert np.allclose(final[out], np.eye(model.d_vocab)[model.vocab.index("urs")], atol=1e-3)
    read = model.W_U[out]
    assert np.allclose(read, np.diag(np.diag(read))) and np.all(np.diag(read) > 0)
    outside = np.delete(model.W_U, np.arange(model.d_model)[out], axis=0)
    assert not np.any(outside), "W_U reads nothing but the output block"


def test_the_captions_name_what_each_head_writes(shown):
    """'each column now also holds the word before it, if any': Mr, after the start token, gets
    nothing in its previous-token block; 'the second Mr gets D the same way': its layer-1 write is
    D's one-hot in the output block; the heads are called 'h = L0H0: layer 0's head 0' (each layer
    has one head, head 0, whose write is the layer's whole output)."""
    module = load_scene_module("residual_stream")
    model, tokens, cache = shown.model, shown.tokens, shown.cache
    prev, out = model.subspaces["previous token"], model.subspaces["output"]
    after_0 = cache["blocks.0.hook_resid_post"]
    assert tokens[1] == "Mr" and not np.abs(after_0[1, prev]).max() > 1e-3, "Mr holds no previous word"
    second_mr = [i for i, tok in enumerate(tokens) if tok == "Mr"][1]
    d_hot = np.eye(model.d_vocab)[model.vocab.index("D")]
    assert np.allclose(cache["blocks.1.attn.hook_result"][second_mr, 0][out], d_hot, atol=1e-3)
    for layer in range(model.n_layers):
        assert cache[f"blocks.{layer}.attn.hook_result"].shape[1] == 1, "one head per layer"
        assert np.allclose(
            cache[f"blocks.{layer}.attn.hook_result"][:, 0], cache[f"blocks.{layer}.hook_attn_out"]
        )
        assert module.HEAD_NAMES[layer] == f"h = L{layer}H0: layer {layer}'s head 0"
