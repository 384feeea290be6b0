"""The numbers the composition clip shows, checked against independent calculations."""

from __future__ import annotations

import numpy as np
import pytest

from circuit_clips.circuits import path_expansion
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

from .conftest import load_scene_module


@pytest.fixture(scope="module")
def scene_module():
    module = load_scene_module("composition")
    return module


@pytest.fixture(scope="module")
def model():
    return induction_model(bos=True)


def paper_pair(model, kind):
    """The writer's W_OV (L0H0) and the reader's matrix (L1H0), the paper's column orientation."""
    ov0 = model.W_O[0, 0].T @ model.W_V[0, 0].T
    qk1 = model.W_Q[1, 0] @ model.W_K[1, 0].T  # W_Q^T W_K with the paper's W_Q = ours transposed
    ov1 = model.W_O[1, 0].T @ model.W_V[1, 0].T
    return ov0, {"Q": qk1.T, "K": qk1, "V": ov1}[kind]


def score_by_hand(model, kind):
    ov0, second = paper_pair(model, kind)
    norms = np.linalg.norm(second) * np.linalg.norm(ov0)
    return float(np.linalg.norm(second @ ov0) / norms) if norms else 0.0


def test_the_clip_draws_the_model_with_a_start_token(scene_module, model):
    shown = scene_module.numbers()
    assert shown.model.bos_token == shown.tokens[0] == "<bos>"
    assert shown.tokens[1:] == list(RUNNING_EXAMPLE)


def test_scores_against_random_heads_and_the_ceiling_as_the_captions_state(scene_module, model):
    """K 0.30 against random heads 0.16 and a ceiling of 0.34: "about twice random, near the most"."""
    shown = scene_module.numbers()
    rng = np.random.default_rng(12345)  # not the baseline's seed: an independent estimate
    n, h = model.d_model, model.d_head
    for kind in "QKV":
        draws = []
        for _ in range(300):
            ov0 = rng.standard_normal((n, h)) @ rng.standard_normal((h, n))
            second = rng.standard_normal((n, h)) @ rng.standard_normal((h, n))
            draws.append(np.linalg.norm(second @ ov0) / (np.linalg.norm(second) * np.linalg.norm(ov0)))
        assert shown.baselines[kind] == pytest.approx(np.mean(draws), rel=0.05)
        # the ceiling: singular values of both matrices, lined up largest with largest
        ov0, second = paper_pair(model, kind)
        s, t = np.linalg.svd(ov0, compute_uv=False), np.linalg.svd(second, compute_uv=False)
        ceiling = np.sqrt(np.sum(s**2 * t**2)) / (np.linalg.norm(s) * np.linalg.norm(t))
        assert shown.ceilings[kind] == pytest.approx(ceiling)
        # no rotation of the reader's input beats the ceiling
        for _ in range(20):
            rot, _ = np.linalg.qr(rng.standard_normal((n, n)))
            rotated = second @ rot
            assert (
                np.linalg.norm(rotated @ ov0) / (np.linalg.norm(rotated) * np.linalg.norm(ov0))
                <= ceiling + 1e-9
            )
    k, base, top = shown.scores["K"], shown.baselines["K"], shown.ceilings["K"]
    assert (f"{k:.2f}", f"{base:.2f}", f"{top:.2f}") == ("0.30", "0.16", "0.34")
    assert 1.6 < k / base < 2.2 and k > 0.85 * top and k <= top


@pytest.mark.parametrize("kind", ["Q", "K", "V"])
def test_virtual_weight_maps_are_the_paper_products(scene_module, model, kind):
    reader = {"Q": model.W_Q, "K": model.W_K, "V": model.W_V}[kind][1, 0]
    # paper (column vectors): W_X^1 W_O^0 with W_X = reader.T and W_O = W_O[0, 0].T
    expected = reader.T @ model.W_O[0, 0].T
    assert np.allclose(scene_module.numbers().maps[kind], expected)


def test_only_the_key_composes(scene_module, model):
    maps = {kind: scene_module.numbers().maps[kind] for kind in "QKV"}
    assert not maps["Q"].any() and not maps["V"].any()
    assert np.abs(maps["K"]).max() > 1
    scores = {kind: score_by_hand(model, kind) for kind in "QKV"}
    assert scores["Q"] == scores["V"] == 0.0
    assert scores["K"] > 0.1


def test_virtual_head_moves_nothing_but_its_pattern_is_real(scene_module, model):
    tokens = model.to_tokens(RUNNING_EXAMPLE)
    a_prod, ov_prod = scene_module.virtual_head_parts(model, tokens)
    _, cache = model.run_with_cache(tokens)
    a0 = cache["blocks.0.attn.hook_pattern"][0]
    a1 = cache["blocks.1.attn.hook_pattern"][0]
    assert np.allclose(a_prod, a1 @ a0)
    assert np.allclose(a_prod.sum(axis=1), 1.0)  # still a pattern: each row sums to 1
    ov0 = model.W_O[0, 0].T @ model.W_V[0, 0].T  # paper's W_O W_V
    ov1 = model.W_O[1, 0].T @ model.W_V[1, 0].T
    assert np.array_equal(ov_prod, ov1 @ ov0)
    shown = scene_module.numbers()
    assert np.array_equal(shown.virtual_ov, ov_prod) and np.allclose(shown.virtual_pattern, a1 @ a0)
    assert not ov_prod.any(), "the induction model's virtual head is exactly zero"


def test_path_terms_add_up_and_the_prediction_is_all_in_the_layer_1_head(model):
    tokens = model.to_tokens(RUNNING_EXAMPLE)
    terms = path_expansion(model, tokens)
    logits = model.run(tokens)
    assert np.allclose(sum(terms.values()), logits)
    last = len(RUNNING_EXAMPLE)  # the start token is position 0
    assert not terms["direct"].any() and not terms["L0H0"].any() and not terms["L0H0->L1H0"].any()
    assert np.allclose(terms["L1H0"][last], logits[last])
    assert model.vocab[int(np.argmax(terms["L1H0"][last]))] == "urs"
    urs = model.vocab.index("urs")
    assert [f"{terms[n][last, urs]:.2f}" for n in terms] == ["0.00", "0.00", "10.00", "0.00"]


def test_numbers_shown_are_the_last_positions_terms(scene_module, model):
    """The terms on screen: each path's logits at the last D, summing to the model's logits there."""
    shown = scene_module.numbers()
    last = len(RUNNING_EXAMPLE)  # the start token is position 0
    logits = model.run(model.to_tokens(RUNNING_EXAMPLE))
    assert np.allclose(shown.total, logits[last])
    assert list(shown.terms) == ["direct", "L0H0", "L1H0", "L0H0->L1H0"]
    assert np.allclose(sum(shown.terms.values()), logits[last])
    for kind in "QKV":
        assert shown.scores[kind] == pytest.approx(score_by_hand(model, kind), abs=1e-12)


def test_sparse_heat_map_draws_what_a_heat_map_draws():
    """The OV maps are SparseHeatMaps: same colours and cell places as a HeatMap, far fewer mobjects."""
    from manim import ManimColor

    from circuit_clips.kit import HeatMap, SparseHeatMap
    from circuit_clips.kit.theme import ZERO_COLOR

    rng = np.random.default_rng(1)
    matrix = np.where(rng.random((9, 7)) < 0.2, rng.normal(size=(9, 7)) * 2, 0.0)
    matrix[0, 0] = 0.0004  # tiny but not zero: still drawn, in its own (barely tinted) colour
    dense = HeatMap(matrix, cell_size=0.2).shift([1.0, 0.5, 0])
    sparse = SparseHeatMap(matrix, cell_size=0.2).shift([1.0, 0.5, 0])
    for i, j in np.ndindex(*matrix.shape):
        assert np.allclose(sparse.cell(i, j).get_center(), dense.cell(i, j).get_center())
        colour = sparse.cell(i, j).get_fill_color() if (i, j) in sparse._mark_index else ZERO_COLOR
        assert ManimColor(colour).to_hex() == ManimColor(dense.cell(i, j).get_fill_color()).to_hex()
    assert len(sparse.marks) == np.count_nonzero(matrix)
    assert len(sparse.family_members_with_points()) < len(dense.family_members_with_points()) / 3


def test_the_virtual_heads_two_hops_at_the_last_d(scene_module, model):
    """ "two hops of attention (here last D → urs → D)": the layer-1 head takes the last D to urs,
    the layer-0 head takes urs to the D before it, and the product of the patterns does both."""
    tokens = model.to_tokens(RUNNING_EXAMPLE)
    words = model.to_str_tokens(tokens)
    _, cache = model.run_with_cache(tokens)
    last = len(words) - 1
    a1 = cache["blocks.1.attn.hook_pattern"][0][last]
    urs = words.index("urs")
    assert words[int(np.argmax(a1))] == "urs" and a1[urs] > 0.99
    a0 = cache["blocks.0.attn.hook_pattern"][0][urs]
    assert int(np.argmax(a0)) == urs - 1 and words[urs - 1] == "D"
    product = scene_module.numbers().virtual_pattern[last]
    assert int(np.argmax(product)) == urs - 1 and product[urs - 1] > 0.98


def test_the_typeset_k_score_is_what_the_clip_computes(scene_module, model):
    """On screen: K score = ||W_QK^{L1H0} W_OV^{L0H0}||_F / (||W_QK^{L1H0}||_F ||W_OV^{L0H0}||_F),
    paper orientation (W_QK = W_Q^T W_K, W_OV = W_O W_V), no transpose: the transposed product is Q's."""
    shown = scene_module.numbers()
    # paper orientation built from the weights: W_Q^paper = ours.T, so W_QK = W_Q^T W_K = ours_Q @ ours_K.T
    wq, wk = model.W_Q[1, 0].T, model.W_K[1, 0].T  # [d_head, d_model], the paper's
    w_qk = wq.T @ wk
    w_ov = model.W_O[0, 0].T @ model.W_V[0, 0].T
    fro = np.linalg.norm
    k = fro(w_qk @ w_ov) / (fro(w_qk) * fro(w_ov))
    assert shown.scores["K"] == pytest.approx(k, abs=1e-12)
    assert f"{k:.2f}" == "0.30"
    assert shown.scores["Q"] == pytest.approx(fro(w_qk.T @ w_ov) / (fro(w_qk) * fro(w_ov)), abs=1e-12)
    # the clip typesets exactly that (no transpose on W_QK) and names its symbols
    definition = scene_module.Composition.score_definition(None)
    tex = " ".join(
        getattr(m, "tex_string", "") for m in [*definition.get_family()] if hasattr(m, "tex_string")
    )
    assert r"\lVert W_{QK}^{\mathrm{L1H0}}\, W_{OV}^{\mathrm{L0H0}} \rVert_F" in tex
    # and why W_QK and W_OV: their product holds the key's virtual weights W_K W_O
    assert r"W_{QK}^{\mathrm{L1H0}}\, W_{OV}^{\mathrm{L0H0}} = W_Q^{\top} \big(W_K W_O\big) W_V" in tex
    wo, wv = model.W_O[0, 0].T, model.W_V[0, 0].T  # the paper's
    assert np.allclose(w_qk @ w_ov, wq.T @ (wk @ wo) @ wv)


def test_the_other_paths_are_zero_because_only_l1h0_writes_what_w_u_reads(scene_module, model):
    """ "The others are 0: W_U reads only 'output', and only L1H0 writes there": from the weights."""
    output = np.zeros(model.d_model, dtype=bool)
    output[model.subspaces["output"]] = True
    assert not model.W_U[~output].any()  # W_U [d_model, d_vocab] reads no other direction
    assert np.abs(model.W_U[output]).max() > 0
    assert not model.W_E[:, output].any() and not model.W_pos[:, output].any()  # the direct path
    ov0 = model.W_V[0, 0] @ model.W_O[0, 0]  # row convention: x @ W_OV is what L0H0 writes
    ov1 = model.W_V[1, 0] @ model.W_O[1, 0]
    assert not ov0[:, output].any()  # L0H0 writes no 'output'
    assert np.abs(ov1[:, output]).max() > 0  # L1H0 does
    assert not (ov0 @ ov1).any()  # the virtual head writes nothing at all
    # "reads only 'token'" / "writes only 'previous token'": L1H0's value reads (rows here) only 'token',
    # L0H0 writes (columns here) only 'previous token'
    token, prev = (
        np.isin(np.arange(model.d_model), np.r_[model.subspaces[k]]) for k in ("token", "previous token")
    )
    assert not ov1[~token].any() and ov1[token].any()
    assert not ov0[:, ~prev].any() and ov0[:, prev].any()
    assert (
        scene_module.OTHERS_ZERO
        == r"\text{The others are 0: } W_U \text{ reads only `output', and only L1H0 writes there.}"
    )


def test_the_what_if_virtual_head_would_copy_the_word_two_hops_back(scene_module, model):
    """The labelled what-if (not the model): if L1H0's value read 'previous token' instead of 'token',
    its W_OV times L0H0's would copy 'token' into 'output', and at the last D the virtual head, attending
    last D -> urs -> D, would add 10 to D's logit. Built here from the weights in the row convention."""
    s = model.subspaces
    ov1 = model.W_V[1, 0] @ model.W_O[1, 0]  # row convention: x @ ov1 is what L1H0 writes
    ov0 = model.W_V[0, 0] @ model.W_O[0, 0]
    moved = np.zeros_like(ov1)
    moved[s["previous token"], :] = ov1[s["token"], :]  # now it reads where L0H0 writes
    shown = scene_module.numbers()
    assert np.array_equal(shown.what_if_ov, moved.T)
    product = ov0 @ moved  # first L0H0, then the what-if L1H0
    assert np.allclose(shown.what_if_product, product.T)
    assert product.any() and not (ov0 @ ov1).any()  # the what-if moves something; the model does not
    block = product[s["token"], s["output"]]  # 'token' in, 'output' out, nothing else
    assert np.abs(product).sum() == pytest.approx(np.abs(block).sum())
    tokens = model.to_tokens(RUNNING_EXAMPLE)
    _, cache = model.run_with_cache(tokens)
    pattern = cache["blocks.1.attn.hook_pattern"][0] @ cache["blocks.0.attn.hook_pattern"][0]
    x0 = model.W_E[tokens] + model.W_pos[: len(tokens)]
    logits = (pattern @ x0 @ product @ model.W_U)[-1]
    assert np.allclose(shown.what_if_logits, logits)
    assert model.vocab[int(np.argmax(logits))] == "D" and f"{logits.max():.0f}" == "10"
    assert np.count_nonzero(np.round(logits, 2)) == 1  # +10 to D, nothing else


def test_the_ceiling_is_named_for_what_it_is(scene_module):
    """The ceiling is the score under the best rotation (checked above): "if their directions lined up"."""
    assert " ".join(scene_module.CEILING_REASON.split()) == "(if their directions lined up exactly)"
