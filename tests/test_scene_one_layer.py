"""What the one_layer clip shows, checked against a hand computation of the skip-trigram model."""

from __future__ import annotations

import numpy as np
import pytest
from manim import RIGHT

from circuit_clips.kit import VocabColumn, format_value

from .conftest import load_scene_module


def _scene_module():
    module = load_scene_module("one_layer")
    return module


@pytest.fixture(scope="module")
def shown():
    """The clip's numbers, from its own numbers() (no rendering)."""
    return _scene_module().numbers()


def test_mind_and_bay_tie_at_the_attention_weight_times_the_gain(shown):
    """'in' attends to 'keep' with e^10 / (e^10 + 2) (scores 10, 0, 0); OV writes 10 into mind and bay."""
    weight = np.exp(10) / (np.exp(10) + 2)
    assert shown.patterns[0][shown.last] == pytest.approx([weight, (1 - weight) / 2, (1 - weight) / 2])
    assert shown.final[shown.mind] == shown.final[shown.bay]
    assert shown.final[shown.mind] == pytest.approx(10 * weight)
    assert format_value(shown.final[shown.mind], 3) == "9.999"
    others = np.delete(shown.final, [shown.mind, shown.bay])
    assert others.max() < shown.final[shown.mind]


def test_copying_head_adds_a_third_of_five_to_each_context_word(shown):
    term = shown.paths["L0H1"][shown.last]
    vocab = shown.vocab
    for word in ("keep", "it", "in"):
        assert term[vocab.index(word)] == pytest.approx(5 / 3)
    assert np.all(shown.eigenvalues.real > 0) and np.allclose(shown.eigenvalues, 5)


def test_skip_trigrams_of_head_0(shown):
    """The table read off the circuits: both destinations, both outputs (two of them bugs)."""
    found = {(s, d, o) for s, d, o, _ in _scene_module().skip_trigrams(shown, 0)}
    assert found == {("keep", d, o) for d in ("in", "at") for o in ("mind", "bay")}


def test_paths_sum_to_the_logits(shown):
    assert np.allclose(shown.paths["direct"], 0)
    assert np.allclose(sum(shown.paths.values()), shown.logits)


def test_vocab_column_readouts_follow_the_column():
    col = VocabColumn(np.array([0.0, 2.5, -1.0]), ["a", "b", "c"], readout="nonzero")
    col.shift(RIGHT * 3)
    col.set_values(np.array([1.0, 2.5, 0.0]))
    col.update_readouts("nonzero")
    assert sorted(col.readouts) == [0, 1]
    assert col.readouts[0].text == "1.00"
    assert col.readouts[0].get_left()[0] > col.names.get_right()[0]
    assert format_value(-0.001, 2) == "0.00" and format_value(-1.5, 1) == "\u22121.5"


def test_claims_hold_for_every_filler_word(shown):
    """On 'keep X in' for every word X: L0H0 looks almost only at 'keep' (> 0.99), L0H1 looks evenly
    (a third each), and L0H0 raises 'mind' and 'bay' alike (the bug)."""
    model = shown.model
    vocab = shown.vocab
    for filler in vocab:
        ids = model.to_tokens(["keep", filler, "in"])
        logits, cache = model.run_with_cache(ids)
        pattern = cache["blocks.0.attn.hook_pattern"]
        if filler != "keep":
            assert pattern[0, -1, 0] > 0.99
        assert np.allclose(pattern[1, -1], 1 / 3)
        head0 = cache["blocks.0.attn.hook_result"][-1, 0] @ model.W_U  # L0H0's own term, from the cache
        assert head0[vocab.index("mind")] == pytest.approx(head0[vocab.index("bay")])
        assert head0[vocab.index("mind")] > 9.99
        if filler not in ("mind", "bay"):  # the copying head raises a filler word itself
            assert logits[-1, vocab.index("mind")] == pytest.approx(logits[-1, vocab.index("bay")])


def test_copying_head_raises_the_word_it_attends_to(shown):
    """Every column of L0H1's table W_U W_OV W_E is largest, and positive, on its own word: it copies."""
    table = shown.ov_tables[1]
    for source in range(len(shown.vocab)):
        assert int(np.argmax(table[:, source])) == source and table[source, source] > 0
    # the eigenvalues are those of the table itself (an independent eigen-solve)
    assert np.allclose(np.sort(np.linalg.eigvals(table).real), np.sort(shown.eigenvalues.real))
    assert f"+{shown.eigenvalues.real.min():.0f}" == "+5"
    assert format_value(5 / 3, 3) == "1.667"


def test_table_entries_the_captions_cite(shown):
    """'attending to keep raises mind and bay by 10' and 'raises each word by 5': the OV tables,
    rebuilt from the weights (W_U^T W_O^T W_V^T W_E^T in the paper's orientation)."""
    model, vocab = shown.model, shown.vocab
    module = _scene_module()
    for head in range(model.n_heads):
        ov = model.W_V[0, head] @ model.W_O[0, head]  # [d_model, d_model], row vectors
        table = (model.W_E @ ov @ model.W_U).T  # [out, source]
        assert np.allclose(shown.ov_tables[head], table)
    keep = vocab.index("keep")
    raised = {
        vocab[o]: module.cell_number(shown.ov_tables[0][o, keep])
        for o in np.nonzero(shown.ov_tables[0][:, keep] > 0)[0]
    }
    assert raised == {"mind": "10", "bay": "10"}
    assert np.allclose(np.diagonal(shown.ov_tables[1]), 5)
    assert np.allclose(shown.ov_tables[1] - np.diag(np.diagonal(shown.ov_tables[1])), 0)
    assert module.cell_number(5.0) == "5" and module.cell_number(10.0) == "10"


def test_direct_path_is_zero_for_every_prompt(shown):
    """'Here the direct path is zero': W_U W_E is zero, so no prompt gets a direct logit."""
    model = shown.model
    assert np.allclose(model.W_E @ model.W_U, 0)
    rng = np.random.default_rng(0)
    module = _scene_module()
    for _ in range(20):
        ids = rng.integers(0, len(shown.vocab), size=3)
        assert np.allclose(module.path_expansion(model, ids)["direct"], 0)


def test_the_printed_attention_times_the_gain_is_the_printed_logit(shown):
    """The pattern prints 'in''s weights to 4 decimals, so 10 x 0.9999 = 9.999 checks on screen (with 2
    decimals it read 1.00, and 10 x 1.00 is not 9.999). The weight is e^10 / (e^10 + 2), by hand."""
    module = _scene_module()
    weight = np.exp(10) / (np.exp(10) + 2)
    printed = format_value(shown.patterns[0][shown.last][0], module.WEIGHT_DIGITS)
    assert printed == "0.9999" == f"{weight:.4f}"
    assert format_value(10 * float(printed), 3) == format_value(shown.final[shown.mind], 3) == "9.999"
    # the copier's weights print 0.3333: 'a third', and a third of 5 is the printed 1.667
    assert format_value(shown.patterns[1][shown.last][0], module.WEIGHT_DIGITS) == "0.3333"
    assert format_value(shown.paths["L0H1"][shown.last].max(), 3) == f"{5 / 3:.3f}"
    # the eigenvalue beat frames 'keep''s column of L0H1's table: its only entry is 5, on 'keep''s own row
    keep = shown.vocab.index("keep")
    column = shown.ov_tables[1][:, keep]
    assert np.flatnonzero(np.round(column, 6)).tolist() == [keep] and column[keep] == pytest.approx(5)


def test_head_0_writes_the_same_after_in_and_after_at(shown):
    """'The keep column also serves keep ... at -> bay' and 'it can't tell in from at': L0H0 attends
    from 'at' to 'keep' as it does from 'in', and what it then writes (its term, from the cache) is the
    same after either word, raising 'mind' and 'bay' alike. The screen's lines say the same."""
    model, vocab = shown.model, shown.vocab
    terms = {}
    for dest in ("in", "at"):
        _, cache = model.run_with_cache(model.to_tokens(["keep", "it", dest]))
        assert cache["blocks.0.attn.hook_pattern"][0, -1, 0] > 0.99
        terms[dest] = cache["blocks.0.attn.hook_result"][-1, 0] @ model.W_U
    assert np.allclose(terms["in"], terms["at"])
    assert terms["in"][vocab.index("bay")] == pytest.approx(terms["in"][vocab.index("mind")])
    assert terms["in"][vocab.index("bay")] == pytest.approx(shown.final[shown.bay])
    module = _scene_module()
    lines = [m.tex_string for m in (module.trigram("bay", dest="at"), module.trigram("bay", bug=True))]
    assert r"\text{at}" in lines[0] and r"\text{in}" in lines[1] and "bug" in lines[1]
