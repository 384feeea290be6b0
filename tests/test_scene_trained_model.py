"""The numbers the trained_model clip states, checked against the trained model independently.

The clip reads the cached training run (its log, its pattern snapshots, the figures measured
when it was trained). Here each number a caption states is computed again another way: the
model run with ``run_with_cache`` on fresh held-out sequences from a generator of this file,
the composition scores, their random baseline and ceiling from the weights with plain numpy
in the paper's orientation, the eigenvalues from ``W_E W_V W_O W_U``, the phase change from the
log's steepest fall.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from circuit_clips.training import load_or_train

from .conftest import load_scene_module

SEED = 20261129  # this file's held-out sequences: not the training's, not measure()'s
N_SEQUENCES = 200


@pytest.fixture(scope="module")
def scene_module():
    return load_scene_module("trained_model")


@pytest.fixture(scope="module")
def run():
    return load_or_train()


@pytest.fixture(scope="module")
def shown(scene_module):
    return scene_module.numbers()


@pytest.fixture(scope="module")
def fig(scene_module, shown):
    return scene_module.figures(shown)


@pytest.fixture(scope="module")
def held_out(run):
    """Fresh repeated sequences (random first half, then the same again) and their caches."""
    model = run.model
    rng = np.random.default_rng(SEED)
    half = model.n_ctx // 2
    runs = []
    for _ in range(N_SEQUENCES):
        first = rng.integers(0, model.d_vocab, size=half)
        tokens = np.concatenate([first, first])
        logits, cache = model.run_with_cache(tokens)
        runs.append((tokens, logits, cache))
    return runs


def paper_weights(model, layer, head):
    """The paper's column-vector ``W_QK = W_Q^T W_K`` and ``W_OV = W_O W_V`` ([d_model, d_model])."""
    w_q, w_k = model.W_Q[layer, head].T, model.W_K[layer, head].T  # [d_head, d_model]
    w_v, w_o = model.W_V[layer, head].T, model.W_O[layer, head].T  # [d_head, d_model], [d_model, d_head]
    return w_q.T @ w_k, w_o @ w_v


def score(a, b):
    return np.linalg.norm(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b))


def own_scores(model):
    """kind -> [layer-0 head, layer-1 head]: the paper's formulas, written out here."""
    out = {kind: np.zeros((model.n_heads, model.n_heads)) for kind in "QKV"}
    for a in range(model.n_heads):
        _, ov0 = paper_weights(model, 0, a)
        for b in range(model.n_heads):
            qk1, ov1 = paper_weights(model, 1, b)
            out["Q"][a, b] = score(qk1.T, ov0)
            out["K"][a, b] = score(qk1, ov0)
            out["V"][a, b] = score(ov1, ov0)
    return out


def own_random_baseline(d_model, d_head, draws=2000, seed=7):
    """Mean K-composition score of random Gaussian heads of these shapes."""
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(draws):
        w_q, w_k, w_v = (rng.standard_normal((d_head, d_model)) for _ in range(3))
        w_o = rng.standard_normal((d_model, d_head))
        scores.append(score(w_q.T @ w_k, w_o @ w_v))
    return float(np.mean(scores))


# --- the training log --------------------------------------------------------------
def test_the_log_is_the_cached_runs(run, shown):
    log = json.loads((run.path / "log.json").read_text())["log"]
    assert np.array_equal(shown.steps, [e["step"] for e in log])
    assert np.array_equal(shown.loss_repeated, [e["loss_repeated"] for e in log])
    assert np.array_equal(shown.loss_other, [e["loss_other"] for e in log])


def test_the_phase_change_is_where_the_repeats_loss_falls_fastest(shown, fig):
    """'It plunges near step 425': the steepest fall of the copied part's loss, and a plunge."""
    steps, loss = shown.steps, shown.loss_repeated
    smooth = np.convolve(loss, np.ones(5) / 5, mode="valid")  # 5 log entries
    centres = steps[2:-2]
    steepest = centres[np.argmin(np.gradient(smooth, centres))]
    stated = int(fig["phase_step"].replace(",", ""))
    assert stated == shown.phase_step
    assert abs(stated - steepest) <= 200, (stated, steepest)
    # sudden: more than half of the whole fall happens within 500 steps of it
    window = (steps >= stated - 500) & (steps <= stated + 500)
    fall_inside = loss[window][0] - loss[window][-1]
    assert fall_inside > 0.5 * (loss[0] - loss.min())

    # a plunge: the 200 steps around it fall more than twice as fast as the steps before, and
    # what comes 300 steps after it is less than a fifth of the whole fall
    def at(step):
        return np.interp(step, steps, loss)

    rate_around = (at(stated - 100) - at(stated + 100)) / 200
    rate_before = (at(0) - at(stated - 100)) / (stated - 100)
    assert rate_around > 2 * rate_before
    assert at(stated + 300) - loss.min() < 0.2 * (loss[0] - loss.min())


def test_elsewhere_the_loss_cannot_fall(shown, run):
    """'Elsewhere it cannot': outside the copy nothing beats guessing among all tokens."""
    d_vocab = run.model.d_vocab
    assert shown.loss_other.min() > np.log(d_vocab) - 0.05
    assert shown.loss_other[-1] >= shown.loss_other[0] - 0.01


# --- the patterns before and after ---------------------------------------------------
def test_the_last_snapshot_is_the_trained_models_pattern(run, shown):
    _, cache = run.model.run_with_cache(run.snapshot_tokens)
    for layer in range(run.model.n_layers):
        assert np.allclose(shown.snapshots[shown.after, layer], cache[f"blocks.{layer}.attn.hook_pattern"])
    half = len(run.snapshot_tokens) // 2
    assert np.array_equal(run.snapshot_tokens[:half], run.snapshot_tokens[half:]), "a repeated sequence"


def test_before_the_drop_the_heads_are_vague_and_after_it_they_are_sharp(shown):
    n = len(shown.tokens)
    half = n // 2
    pos = np.arange(1, n)
    rep = np.arange(half, n)
    before, after = shown.snapshots[shown.before], shown.snapshots[shown.after]
    prev, ind = shown.prev_head, shown.ind_head
    assert shown.snapshot_steps[shown.before] < shown.phase_step - 200  # before the drop starts
    stripe_before = before[ind][rep, rep - half + 1].mean()
    stripe_after = after[ind][rep, rep - half + 1].mean()
    back_before = before[prev][pos, pos - 1].mean()
    back_after = after[prev][pos, pos - 1].mean()
    assert stripe_before < 0.15 and stripe_after > 0.6
    assert back_after > 2 * back_before
    # vague: no row of either head puts most of its weight on one source before the drop
    assert before[prev][pos].max(axis=1).mean() < 0.5 and before[ind][rep].max(axis=1).mean() < 0.5


def test_layer_0s_head_looks_one_token_back(run, shown, held_out):
    """On fresh sequences the shown layer-0 head attends to the previous token most, far above
    an even spread, and more than the other layer-0 head."""
    n = run.model.n_ctx
    pos = np.arange(1, n)
    back = np.mean(
        [cache["blocks.0.attn.hook_pattern"][:, pos, pos - 1].mean(axis=1) for _, _, cache in held_out],
        axis=0,
    )
    even = np.mean(1.0 / (pos + 1))
    assert int(np.argmax(back)) == shown.prev_head[1]
    assert back[shown.prev_head[1]] > 2.5 * even
    argmax_back = np.mean(
        [
            np.argmax(c["blocks.0.attn.hook_pattern"][shown.prev_head[1]][pos], axis=1) == pos - 1
            for _, _, c in held_out
        ]
    )
    assert argmax_back > 0.5, "most positions look one token back more than anywhere else"


def test_layer_1s_head_draws_the_stripe(run, shown, held_out):
    half = run.model.n_ctx // 2
    rep = np.arange(half, run.model.n_ctx)
    stripe = np.mean(
        [c["blocks.1.attn.hook_pattern"][:, rep, rep - half + 1].mean(axis=1) for _, _, c in held_out], axis=0
    )
    assert stripe[shown.ind_head[1]] > 0.6
    assert np.isclose(stripe[shown.ind_head[1]], stripe.max(), atol=0.02)


# --- composition ---------------------------------------------------------------------
def test_composition_scores_are_the_papers(run, shown):
    mine = own_scores(run.model)
    for kind in "QKV":
        assert np.allclose(shown.scores[kind], mine[kind], atol=1e-9), kind


def test_random_heads_score_what_the_caption_says(run, shown, fig):
    m = run.model
    baseline = own_random_baseline(m.d_model, m.d_head)
    assert abs(shown.baseline["K"] - baseline) < 0.01
    assert abs(float(fig["baseline"]) - baseline) < 0.006 + 0.01
    assert abs(float(fig["baseline"]) - shown.baseline["K"]) <= 0.005


def test_the_best_key_score_and_its_ratio_to_random(run, shown, fig):
    """'Its key: 0.30, 2.4 times that': the pair's K-composition, the largest of every
    layer-0/layer-1 Q, K and V score, and well above random heads."""
    mine = own_scores(run.model)
    baseline = own_random_baseline(run.model.d_model, run.model.d_head)
    pair = (shown.prev_head[1], shown.ind_head[1])
    best = mine["K"][pair]
    others = [
        mine[kind][a, b]
        for kind in "QKV"
        for a, b in np.ndindex(mine[kind].shape)
        if (kind, (a, b)) != ("K", pair)
    ]
    assert best > max(others)
    assert abs(float(fig["k_pair"]) - best) <= 0.005
    assert abs(float(fig["k_ratio"]) - best / baseline) <= 0.06
    assert best / baseline > 2.0, "well above random heads: the caption says so"


def test_queries_and_values_score_below_random(run):
    mine = own_scores(run.model)
    baseline = own_random_baseline(run.model.d_model, run.model.d_head)
    assert (mine["Q"] < baseline).all() and (mine["V"] < baseline).all()


def test_the_ceiling_is_the_most_those_singular_values_allow(run, shown, fig):
    """Aligning the reader's singular vectors with the writer's: sqrt(sum s_i^2 t_i^2) / norms;
    and no random rotation of the reader beats it."""
    m = run.model
    a, b = shown.prev_head[1], shown.ind_head[1]
    qk1, _ = paper_weights(m, 1, b)
    _, ov0 = paper_weights(m, 0, a)
    s, t = np.linalg.svd(qk1, compute_uv=False), np.linalg.svd(ov0, compute_uv=False)
    ceiling = np.sqrt(np.sum(s**2 * t**2)) / (np.linalg.norm(s) * np.linalg.norm(t))
    assert abs(float(fig["ceiling"]) - ceiling) <= 0.005
    rng = np.random.default_rng(3)
    for _ in range(50):
        rot, _ = np.linalg.qr(rng.standard_normal((m.d_model, m.d_model)))
        assert score(qk1 @ rot, ov0) <= ceiling + 1e-9
    assert score(qk1, ov0) < ceiling


# --- copying ---------------------------------------------------------------------------
def test_the_induction_heads_nonzero_eigenvalues_are_all_positive(run, shown, fig):
    m = run.model
    layer, head = shown.ind_head
    full = m.W_E @ m.W_V[layer, head] @ m.W_O[layer, head] @ m.W_U  # [source token, output token]
    eig = np.linalg.eigvals(full)
    nonzero = eig[np.abs(eig) > 1e-6 * np.abs(eig).max()]
    assert len(nonzero) == m.d_head == int(fig["n_eigenvalues"]) == int(fig["n_positive"])
    assert (nonzero.real > 0).all()
    assert np.allclose(np.sort(shown.eigenvalues.real), np.sort(nonzero.real))
    # the diagonal the clip points at: attending to a token raises that token most, for most tokens
    assert np.mean(np.argmax(full, axis=1) == np.arange(m.d_vocab)) > 0.7
    off = full[~np.eye(m.d_vocab, dtype=bool)]
    assert np.diag(full).min() > 0 and np.diag(full).mean() > 5 * np.abs(off).mean()
    assert np.allclose(shown.full_ov, full.T)


# --- guesses ---------------------------------------------------------------------------
def test_it_guesses_the_repeated_half(run, fig, held_out):
    n, half = run.model.n_ctx, run.model.n_ctx // 2
    right_rep, right_first = [], []
    for tokens, logits, _ in held_out:
        guess = logits.argmax(axis=-1)
        right_rep.extend(guess[half : n - 1] == tokens[half + 1 :])
        right_first.extend(guess[: half - 1] == tokens[1:half])
    acc_rep, acc_first = np.mean(right_rep), np.mean(right_first)
    stated = float(fig["accuracy_repeated"].rstrip("%")) / 100
    assert abs(stated - acc_rep) < 0.03, (stated, acc_rep)
    chance = 1 / run.model.d_vocab
    assert fig["chance"] == f"{100 * chance:.0f}%"
    assert abs(acc_first - chance) < 0.02  # the first half: nothing to copy, chance
    assert float(fig["accuracy_first"].rstrip("%")) / 100 == pytest.approx(acc_first, abs=0.02)


def test_figures_are_from_the_cached_run(run, shown, fig):
    measured = run.info["measured"]
    assert fig["accuracy_repeated"] == f"{100 * measured['accuracy_repeated_half']:.0f}%"
    assert fig["steps"] == f"{run.info['config']['steps']:,}"
    assert shown.prev_head == (0, int(measured["prev_token_head"][-1]))
    assert shown.ind_head == (1, int(measured["induction_head"][-1]))


def test_parse_head_inverts_head_name(scene_module):
    from circuit_clips.circuits import head_name

    for layer in range(3):
        for head in range(4):
            assert scene_module.parse_head(head_name(layer, head)) == (layer, head)


def test_why_only_d_head_eigenvalues(run, fig):
    """'only 16 of 32: the head's width is d_head = 16, so the other 16 are 0': the full OV
    circuit is d_vocab x d_vocab but passes through d_head numbers, so exactly d_head of its
    eigenvalues are non-zero (an independent eigen-decomposition of W_E W_V W_O W_U)."""
    m = run.model
    layer, head = (1, int(run.info["measured"]["induction_head"][-1]))
    full = m.W_E @ m.W_V[layer, head] @ m.W_O[layer, head] @ m.W_U
    eig = np.linalg.eigvals(full)
    nonzero = int(np.sum(np.abs(eig) > 1e-6 * np.abs(eig).max()))
    assert full.shape == (m.d_vocab, m.d_vocab)
    assert m.W_V[layer, head].shape[1] == m.d_head
    assert int(fig["d_vocab"]) == full.shape[0] == 32
    assert int(fig["d_head"]) == m.d_head == nonzero == int(fig["n_eigenvalues"]) == 16
    assert int(fig["n_zero"]) == full.shape[0] - nonzero == 16
