"""Circuit views: QK/OV matrices, full circuits, composition and path expansion."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from circuit_clips.circuits import (
    COMPOSITION_BASELINE_DRAWS,
    composition_baseline,
    composition_ceiling,
    composition_score,
    copying_score,
    full_ov_circuit,
    full_qk_circuit,
    ov_eigenvalues,
    ov_matrix,
    path_expansion,
    qk_matrix,
    rank,
    virtual_weights,
)
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import (
    RUNNING_EXAMPLE,
    induction_model,
    skip_trigram_model,
    zero_layer_model,
)


def random_model(seed, n_layers, n_heads, d_model=6, d_head=3, d_vocab=7, n_ctx=8):
    rng = np.random.default_rng(seed)
    s = 1 / np.sqrt(d_model)
    return AttnOnlyTransformer(
        W_E=rng.normal(size=(d_vocab, d_model)),
        W_pos=rng.normal(size=(n_ctx, d_model)),
        W_U=rng.normal(size=(d_model, d_vocab)),
        W_Q=s * rng.normal(size=(n_layers, n_heads, d_model, d_head)),
        W_K=s * rng.normal(size=(n_layers, n_heads, d_model, d_head)),
        W_V=s * rng.normal(size=(n_layers, n_heads, d_model, d_head)),
        W_O=s * rng.normal(size=(n_layers, n_heads, d_head, d_model)),
    )


# ------------------------------------------------------------ QK and OV
def test_qk_matrix_gives_the_scores_and_ov_matrix_the_writes():
    model = random_model(0, 2, 2)
    tokens = np.array([3, 1, 4, 1, 5])
    _, cache = model.run_with_cache(tokens)
    for layer in range(2):
        x = cache[f"blocks.{layer}.hook_resid_pre"]
        for head in range(2):
            W_QK = qk_matrix(model, layer, head)
            assert W_QK.shape == (model.d_model, model.d_model)
            scores = cache[f"blocks.{layer}.attn.hook_attn_scores"][head]
            lower = np.tril(np.ones_like(scores, dtype=bool))
            np.testing.assert_allclose((x @ W_QK @ x.T / model.attn_scale)[lower], scores[lower])
            pattern = cache[f"blocks.{layer}.attn.hook_pattern"][head]
            result = cache[f"blocks.{layer}.attn.hook_result"][:, head]
            np.testing.assert_allclose(pattern @ x @ ov_matrix(model, layer, head), result)
            assert rank(W_QK) == rank(ov_matrix(model, layer, head)) == model.d_head


def test_rank():
    assert rank(np.zeros((3, 3))) == 0
    assert rank(np.outer([1, 2, 3], [1, 0, 1])) == 1
    assert rank(np.eye(4)) == 4


def test_full_circuits_of_the_skip_trigram_head():
    model = skip_trigram_model()
    v = {t: i for i, t in enumerate(model.vocab)}
    qk = full_qk_circuit(model, 0, 0)
    assert qk.shape == (model.d_vocab, model.d_vocab)
    # Explicit products written out: rows are query tokens, columns key tokens.
    np.testing.assert_allclose(qk, model.W_E @ model.W_Q[0, 0] @ model.W_K[0, 0].T @ model.W_E.T)
    for query in ("in", "at"):
        assert qk[v[query], v["keep"]] / model.attn_scale == pytest.approx(10.0)
    assert np.all(np.delete(qk, v["keep"], axis=1) == 0)
    assert rank(qk) == 1
    ov = full_ov_circuit(model, 0, 0)
    np.testing.assert_allclose(ov, model.W_E @ model.W_V[0, 0] @ model.W_O[0, 0] @ model.W_U)
    # Rows are source tokens, columns output tokens: keep -> mind and bay, equally.
    assert ov[v["keep"], v["mind"]] == ov[v["keep"], v["bay"]] > 0
    assert np.count_nonzero(ov) == 2


def test_copying_eigenvalues():
    model = skip_trigram_model()
    copying = ov_eigenvalues(model, 0, 1)
    assert np.all(copying.real > 0) and np.allclose(copying.imag, 0)
    assert copying_score(copying) == pytest.approx(1.0)
    skip = ov_eigenvalues(model, 0, 0)
    np.testing.assert_allclose(skip, 0, atol=1e-9)  # keep -> mind/bay never copies keep
    assert copying_score(skip) == 0.0
    assert copying_score(-copying) == pytest.approx(-1.0)
    eig = ov_eigenvalues(random_model(1, 1, 1, d_model=7, d_head=7), 0, 0)
    assert np.all(np.diff(eig.real) <= 0)


def test_bad_head_arguments():
    model = induction_model(bos=False)
    with pytest.raises(ValueError, match="layer 2 does not exist.*2 layer"):
        qk_matrix(model, 2, 0)
    with pytest.raises(ValueError, match="head 1 does not exist.*1 head"):
        full_ov_circuit(model, 0, 1)
    with pytest.raises(ValueError, match="must come before the reader"):
        virtual_weights(model, 1, 0, 0, 0)
    with pytest.raises(ValueError, match="kind must be one of"):
        virtual_weights(model, 0, 0, 1, 0, kind="X")


# ---------------------------------------------------------- composition
def test_virtual_weights_carry_the_writers_output_into_the_readers_input():
    """Adding head (0, h)'s write to the stream changes layer 1's k by z @ W_O @ W_K."""
    model = random_model(2, 2, 2)
    _, cache = model.run_with_cache(np.array([0, 6, 2, 2, 5]))
    z = cache["blocks.0.attn.hook_z"][:, 1]
    for kind, hook in (("Q", "hook_q"), ("K", "hook_k"), ("V", "hook_v")):
        W = {"Q": model.W_Q, "K": model.W_K, "V": model.W_V}[kind][1, 0]
        from_writer = cache["blocks.0.attn.hook_result"][:, 1] @ W
        vw = virtual_weights(model, 0, 1, 1, 0, kind=kind)
        assert vw.shape == (model.d_head, model.d_head)
        np.testing.assert_allclose(z @ vw, from_writer)
        # Linearity: the reader's input is the sum of what every writer put in the stream.
        parts = cache["blocks.0.hook_resid_pre"] @ W + sum(
            cache["blocks.0.attn.hook_result"][:, h] @ W for h in range(2)
        )
        np.testing.assert_allclose(parts, cache[f"blocks.1.attn.{hook}"][:, 0])


def test_composition_score_matches_paper_formula():
    """Checked against the paper's column-vector matrices, built by transposing."""
    model = random_model(3, 2, 1)
    Wq, Wk = model.W_Q[1, 0].T, model.W_K[1, 0].T  # paper: [d_head, d_model]
    W_QK = Wq.T @ Wk
    W_OV1 = model.W_O[0, 0].T @ model.W_V[0, 0].T
    W_OV2 = model.W_O[1, 0].T @ model.W_V[1, 0].T
    fro = np.linalg.norm
    expected = {
        "Q": fro(W_QK.T @ W_OV1) / (fro(W_QK) * fro(W_OV1)),
        "K": fro(W_QK @ W_OV1) / (fro(W_QK) * fro(W_OV1)),
        "V": fro(W_OV2 @ W_OV1) / (fro(W_OV2) * fro(W_OV1)),
    }
    for kind, value in expected.items():
        assert composition_score(model, 0, 0, 1, 0, kind) == pytest.approx(value)
    assert len(set(np.round(list(expected.values()), 6))) == 3  # the three really differ


def two_head_model(ov1, qk2=None, ov2=None, d_vocab=3, n_ctx=4):
    """A two-layer, one-head model whose writer OV and reader QK / OV are the given
    [d_model, d_model] matrices (d_head = d_model: W_V = ov, W_O = I; W_Q = qk, W_K = I)."""
    d = ov1.shape[0]
    eye = np.eye(d)
    qk2 = np.zeros((d, d)) if qk2 is None else qk2
    ov2 = np.zeros((d, d)) if ov2 is None else ov2
    rng = np.random.default_rng(0)
    return AttnOnlyTransformer(
        W_E=rng.normal(size=(d_vocab, d)),
        W_pos=rng.normal(size=(n_ctx, d)),
        W_U=rng.normal(size=(d, d_vocab)),
        W_Q=np.stack([[eye], [qk2]]),
        W_K=np.stack([[eye], [eye]]),
        W_V=np.stack([[ov1], [ov2]]),
        W_O=np.stack([[eye], [eye]]),
    )


@pytest.mark.parametrize(("d_model", "d_head"), [(20, 3), (36, 12), (64, 8), (64, 64)])
def test_composition_baseline_is_what_random_heads_score(d_model, d_head):
    model = random_model(0, 2, 1, d_model=d_model, d_head=d_head)
    # Independent Gaussian heads: E||W_A W_B||^2 / (E||W_A||^2 E||W_B||^2) = 1 / d_model,
    # whatever d_head; the mean score is close to its square root.
    for kind in ("Q", "K", "V"):
        baseline = composition_baseline(model, kind)
        assert baseline == pytest.approx(1 / np.sqrt(d_model), rel=0.06)
    # An independent Monte Carlo (other seed, scores written out with the paper's
    # column-vector products) agrees to within its sampling error.
    rng = np.random.default_rng(12345)
    fro = np.linalg.norm
    scores = []
    for _ in range(400):
        Wv, Wo, Wq, Wk = (rng.normal(size=(d_head, d_model)) for _ in range(4))
        W_OV1 = Wo.T @ Wv  # paper: W_O [d_model, d_head] W_V [d_head, d_model]
        W_QK2 = Wq.T @ Wk
        scores.append(fro(W_QK2 @ W_OV1) / (fro(W_QK2) * fro(W_OV1)))
    error = 4 * np.std(scores) / np.sqrt(len(scores)) + 4 * np.std(scores) / np.sqrt(
        COMPOSITION_BASELINE_DRAWS
    )
    assert abs(composition_baseline(model, "K") - np.mean(scores)) < error
    # Fixed seed: the same number every time; another seed moves it only a little.
    assert composition_baseline(model, "K") == composition_baseline(model, "K")
    assert composition_baseline(model, "K", seed=1) == pytest.approx(np.mean(scores), abs=error)


def test_composition_ceiling_of_equal_singular_values_is_one_over_root_rank():
    rng = np.random.default_rng(3)
    d = 10
    basis = np.linalg.qr(rng.normal(size=(d, d)))[0]
    for r_a, r_b in [(1, 1), (4, 2), (3, 7), (10, 10)]:
        P_a = basis[:, :r_a] @ basis[:, :r_a].T  # writes r_a directions equally
        P_b = basis[:, :r_b] @ basis[:, :r_b].T  # reads r_b of the same directions
        model = two_head_model(P_a, qk2=P_b)
        expected = 1 / np.sqrt(max(r_a, r_b))
        assert composition_ceiling(model, 0, 0, 1, 0, "K") == pytest.approx(expected)
        # The aligned pair reaches the ceiling, and it is well above random heads.
        assert composition_score(model, 0, 0, 1, 0, "K") == pytest.approx(expected)
        # No rotation of the reader does better than the ceiling.
        for _ in range(20):
            rot = np.linalg.qr(rng.normal(size=(d, d)))[0]
            rotated = two_head_model(P_a, qk2=rot @ P_b @ rot.T)
            assert composition_score(rotated, 0, 0, 1, 0, "K") <= expected + 1e-12
    perfect = two_head_model(basis[:, :1] @ basis[:, :1].T, qk2=basis[:, :1] @ basis[:, :1].T)
    assert composition_score(perfect, 0, 0, 1, 0, "K") == pytest.approx(1.0)
    assert composition_baseline(perfect, "K") < 0.4  # random 10-wide heads score about 1/sqrt(10)


def test_scores_never_exceed_the_ceiling():
    for seed in range(20):
        model = random_model(seed, 2, 2, d_model=8, d_head=int(seed % 4) + 1)
        for kind in ("Q", "K", "V"):
            for w, r in [(0, 0), (1, 1), (0, 1)]:
                assert composition_score(model, 0, w, 1, r, kind) <= (
                    composition_ceiling(model, 0, w, 1, r, kind) + 1e-12
                )


@pytest.mark.parametrize("bos", [False, True])
def test_induction_model_composes_through_k_only_and_above_random(bos):
    """The composition clip's claim: in the induction model only K-composition is
    non-zero, and it is well above what random heads of these shapes score."""
    model = induction_model(bos=bos)
    scores = {kind: composition_score(model, 0, 0, 1, 0, kind) for kind in ("Q", "K", "V")}
    assert scores["Q"] == 0.0 and scores["V"] == 0.0
    baseline = composition_baseline(model, "K")
    assert baseline == pytest.approx(1 / np.sqrt(model.d_model), rel=0.06)
    assert scores["K"] > 1.5 * baseline
    assert scores["K"] <= composition_ceiling(model, 0, 0, 1, 0, "K") + 1e-12
    # The previous-token head writes each token equally: d_vocab equal singular values.
    s = np.linalg.svd(ov_matrix(model, 0, 0), compute_uv=False)
    nonzero = s[s > 1e-9]
    np.testing.assert_allclose(nonzero, nonzero[0])
    assert composition_ceiling(model, 0, 0, 1, 0, "K") <= 1 / np.sqrt(len(nonzero)) + 1e-12
    # The key reads every slot of the previous-token head's output (8 words, and BOS's
    # slot, which stays empty because BOS's value is zero).
    assert len(nonzero) == 8
    assert rank(virtual_weights(model, 0, 0, 1, 0, "K")) == model.d_vocab
    assert not virtual_weights(model, 0, 0, 1, 0, "Q").any()


def test_composition_baseline_bad_arguments():
    with pytest.raises(ValueError, match="kind must be one of"):
        composition_baseline(induction_model(bos=False), "X")
    with pytest.raises(ValueError, match="composition needs two"):
        composition_baseline(skip_trigram_model())
    with pytest.raises(ValueError, match="draws must be a positive integer"):
        composition_baseline(induction_model(bos=False), draws=0)


# ------------------------------------------------------- path expansion
@pytest.mark.parametrize(
    ("model", "tokens", "names"),
    [
        (random_model(4, 1, 3), [0, 3, 3, 6, 1], ["direct", "L0H0", "L0H1", "L0H2"]),
        (
            random_model(5, 2, 2),
            [5, 2, 2, 0, 1, 4, 6, 3],
            [
                "direct",
                "L0H0",
                "L0H1",
                "L1H0",
                "L1H1",
                "L0H0->L1H0",
                "L0H0->L1H1",
                "L0H1->L1H0",
                "L0H1->L1H1",
            ],
        ),
        (
            random_model(6, 3, 1),
            [1, 2, 3],
            ["direct", "L0H0", "L1H0", "L2H0", "L0H0->L1H0", "L0H0->L2H0", "L1H0->L2H0", "L0H0->L1H0->L2H0"],
        ),
        (induction_model(bos=False), RUNNING_EXAMPLE, ["direct", "L0H0", "L1H0", "L0H0->L1H0"]),
        (skip_trigram_model(), "keep it in", ["direct", "L0H0", "L0H1"]),
        (zero_layer_model(), "the keeper of the", ["direct"]),
    ],
)
def test_path_expansion_sums_to_logits(model, tokens, names):
    if not isinstance(tokens[0], (int, np.integer)):
        tokens = model.to_tokens(tokens)
    terms = path_expansion(model, tokens)
    assert list(terms) == names
    for term in terms.values():
        assert term.shape == (len(tokens), model.d_vocab)
    np.testing.assert_allclose(sum(terms.values()), model.run(tokens), atol=1e-10)


def test_path_terms_match_independent_computation():
    model = random_model(7, 2, 2)
    tokens = np.array([6, 0, 1, 1, 4, 2])
    terms = path_expansion(model, tokens)
    _, cache = model.run_with_cache(tokens)
    x0 = model.W_E[tokens] + model.W_pos[: len(tokens)]
    A0 = cache["blocks.0.attn.hook_pattern"]
    A1 = cache["blocks.1.attn.hook_pattern"]
    W_OV = lambda l, h: model.W_V[l, h] @ model.W_O[l, h]  # noqa: E731
    np.testing.assert_allclose(terms["direct"], x0 @ model.W_U)
    # A layer-0 head's term is exactly its hook_result, read by W_U.
    np.testing.assert_allclose(terms["L0H1"], cache["blocks.0.attn.hook_result"][:, 1] @ model.W_U)
    np.testing.assert_allclose(terms["L1H0"], A1[0] @ x0 @ W_OV(1, 0) @ model.W_U)
    # Virtual head, written with an explicit sum over source positions.
    n = len(tokens)
    expected = np.zeros((n, model.d_vocab))
    for i in range(n):
        for j in range(n):
            for k in range(n):
                expected[i] += A1[1, i, j] * A0[0, j, k] * (x0[k] @ W_OV(0, 0) @ W_OV(1, 1) @ model.W_U)
    np.testing.assert_allclose(terms["L0H0->L1H1"], expected)


def test_induction_prediction_is_layer_1_acting_on_the_embeddings():
    """K-composition shows up in the pattern A^1, not as a virtual-head term.

    The induction head's value reads only ``token`` (no V-composition), so
    the virtual head L0H0->L1H0 is zero and the prediction is the L1H0 term.
    """
    model = induction_model(bos=False)
    tokens = model.to_tokens(RUNNING_EXAMPLE)
    terms = path_expansion(model, tokens)
    urs = model.vocab.index("urs")
    assert not terms["direct"].any() and not terms["L0H0"].any()
    assert terms["L1H0"][-1, urs] > 9  # layer 1's OV copies a token; A^1 is fixed by the run
    np.testing.assert_allclose(terms["L0H0->L1H0"], 0, atol=1e-12)  # V does not read layer 0


# --- the paper's orientation -------------------------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_paper_views_act_on_column_vectors_as_the_code_does_on_rows(seed):
    """For random models and inputs: paper matrix @ column == (row @ code matrix), entry for entry."""
    from circuit_clips.circuits import (
        paper_full_ov_circuit,
        paper_ov_matrix,
        paper_virtual_weights,
        paper_weight,
    )

    model = random_model(seed, n_layers=2, n_heads=2)
    rng = np.random.default_rng(100 + seed)
    x = rng.normal(size=model.d_model)
    t = np.eye(model.d_vocab)[rng.integers(model.d_vocab)]
    for layer, head in itertools.product(range(2), range(2)):
        z = rng.normal(size=model.d_head)
        for name in ("W_Q", "W_K", "W_V"):
            assert np.allclose(
                paper_weight(model, name, layer, head) @ x, x @ getattr(model, name)[layer, head]
            )
        assert np.allclose(paper_weight(model, "W_O", layer, head) @ z, z @ model.W_O[layer, head])
        # W_OV = W_O W_V in the paper's order
        w_ov = paper_weight(model, "W_O", layer, head) @ paper_weight(model, "W_V", layer, head)
        assert np.allclose(paper_ov_matrix(model, layer, head), w_ov)
        # W_U W_OV W_E maps a one-hot source token to its effect on the logits
        full = paper_weight(model, "W_U") @ w_ov @ paper_weight(model, "W_E")
        assert np.allclose(paper_full_ov_circuit(model, layer, head), full)
        assert np.allclose(
            paper_full_ov_circuit(model, layer, head) @ t,
            (t @ model.W_E) @ ov_matrix(model, layer, head) @ model.W_U,
        )
    # virtual weights W_K^(1) W_O^(0): a writer's z, read by the reader's key
    for kind in ("Q", "K", "V"):
        z = rng.normal(size=model.d_head)
        reads = paper_weight(model, f"W_{kind}", 1, 0) @ (paper_weight(model, "W_O", 0, 1) @ z)
        assert np.allclose(paper_virtual_weights(model, 0, 1, 1, 0, kind) @ z, reads)
    assert np.allclose(paper_weight(model, "W_E") @ t, t @ model.W_E)
    assert np.allclose(paper_weight(model, "W_pos").shape, (model.d_model, model.n_ctx))


def test_paper_weight_says_what_it_needs():
    from circuit_clips.circuits import paper_weight

    model = random_model(0, n_layers=1, n_heads=1)
    with pytest.raises(ValueError, match="layer and head"):
        paper_weight(model, "W_O")
    with pytest.raises(ValueError, match="whole model"):
        paper_weight(model, "W_E", 0, 0)
    with pytest.raises(ValueError, match="W_E"):
        paper_weight(model, "W_X", 0, 0)
    with pytest.raises(ValueError, match="does not exist"):
        paper_weight(model, "W_V", 3, 0)


def test_softmax_is_the_models_attention_softmax():
    """circuits.softmax: sums to one, is shift-invariant, matches exp/sum and the model's own patterns."""
    from circuit_clips.circuits import softmax

    rng = np.random.default_rng(7)
    for _ in range(20):
        logits = rng.normal(scale=5, size=(3, 9))
        p = softmax(logits)
        assert np.allclose(p.sum(axis=-1), 1)
        assert np.allclose(p, np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True))
        assert np.allclose(softmax(logits + 100.0), p)
    model = induction_model(bos=False)
    _, cache = model.run_with_cache(model.to_tokens(list(RUNNING_EXAMPLE)))
    scores = cache["blocks.1.attn.hook_attn_scores"]
    assert np.allclose(softmax(scores), cache["blocks.1.attn.hook_pattern"])
