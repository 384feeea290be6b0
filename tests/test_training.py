"""circuit_clips.training: hand-derived gradients, Adam, data, determinism, the cache, and
the circuits a small trained model learns (measured on held-out sequences)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from circuit_clips import training
from circuit_clips.circuits import composition_baseline
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import induction_model
from circuit_clips.training import cache as cache_module
from circuit_clips.training.core import PARAM_NAMES, Adam, forward, loss_and_grads, next_token_loss
from circuit_clips.training.data import copied_chunks_batch, repeated_halves_batch
from circuit_clips.training.measure import measure, phase_change_step
from circuit_clips.training.train import (
    TrainConfig,
    held_out_rng,
    learning_rate,
    model_from_params,
    train,
)

#: A few steps of a tiny model, for the tests of the machinery (trains in a fraction of a second).
TINY = TrainConfig(
    n_heads=2,
    d_model=8,
    d_head=4,
    d_vocab=8,
    n_ctx=8,
    min_chunk=3,
    max_chunk=4,
    batch=4,
    steps=30,
    warmup=5,
    snapshot_every=10,
    eval_batch=8,
    log_every=5,
)


def random_params(rng, n_layers, n_heads, d_model, d_head, d_vocab, n_ctx):
    layer = (n_layers, n_heads, d_model, d_head)
    return {
        "W_E": rng.normal(size=(d_vocab, d_model)),
        "W_pos": rng.normal(size=(n_ctx, d_model)),
        "W_Q": rng.normal(size=layer),
        "W_K": rng.normal(size=layer),
        "W_V": rng.normal(size=layer),
        "W_O": rng.normal(size=(n_layers, n_heads, d_head, d_model)),
        "W_U": rng.normal(size=(d_model, d_vocab)),
    }


SHAPES = [  # n_layers, n_heads, d_model, d_head, d_vocab, n_ctx, batch, pos
    (2, 2, 6, 3, 7, 8, 3, 6),
    (1, 3, 5, 2, 4, 6, 2, 6),
    (3, 1, 4, 4, 5, 5, 2, 4),
    (0, 0, 5, 0, 6, 4, 3, 4),
]


# --------------------------------------------------------------- forward pass and gradients
@pytest.mark.parametrize("shape", SHAPES)
def test_batched_forward_gives_the_models_logits_and_patterns(shape):
    """The independent check of the training forward pass: AttnOnlyTransformer.run_with_cache."""
    n_layers, n_heads, d_model, d_head, d_vocab, n_ctx, batch, pos = shape
    rng = np.random.default_rng(sum(shape))
    params = random_params(rng, n_layers, n_heads, d_model, d_head, d_vocab, n_ctx)
    model = (
        AttnOnlyTransformer(**params, attn_scale=1.3)
        if n_layers
        else AttnOnlyTransformer(W_E=params["W_E"], W_pos=params["W_pos"], W_U=params["W_U"], attn_scale=1.3)
    )
    if not n_layers:
        params = {**params, **{k: getattr(model, k) for k in ("W_Q", "W_K", "W_V", "W_O")}}
    tokens = rng.integers(0, d_vocab, size=(batch, pos))
    fwd = forward(params, tokens, 1.3)
    for b in range(batch):
        logits, cache = model.run_with_cache(tokens[b])
        np.testing.assert_allclose(fwd.logits[b], logits, rtol=1e-12, atol=1e-12)
        for layer in range(n_layers):
            np.testing.assert_allclose(
                fwd.patterns[layer][b], cache[f"blocks.{layer}.attn.hook_pattern"], rtol=1e-12, atol=1e-14
            )


def test_next_token_loss_is_the_mean_cross_entropy():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(3, 5, 4)) * 3
    tokens = rng.integers(0, 4, size=(3, 5))
    weights = rng.integers(0, 2, size=(3, 4)).astype(float)
    terms = [
        (math.log(sum(math.exp(v) for v in logits[b, p])) - logits[b, p, tokens[b, p + 1]], weights[b, p])
        for b in range(3)
        for p in range(4)
    ]
    assert next_token_loss(logits, tokens) == pytest.approx(np.mean([t for t, _ in terms]), rel=1e-12)
    assert next_token_loss(logits, tokens, weights) == pytest.approx(
        sum(t * w for t, w in terms) / sum(w for _, w in terms), rel=1e-12
    )


@pytest.mark.parametrize("shape", SHAPES[:3])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradients_match_central_finite_differences(shape, weighted):
    n_layers, n_heads, d_model, d_head, d_vocab, n_ctx, batch, pos = shape
    rng = np.random.default_rng(7 + sum(shape) + weighted)
    params = random_params(rng, n_layers, n_heads, d_model, d_head, d_vocab, n_ctx)
    for name in params:
        params[name] *= 0.7
    tokens = rng.integers(0, d_vocab, size=(batch, pos))
    weights = rng.integers(0, 2, size=(batch, pos - 1)).astype(float) if weighted else None
    if weighted:
        weights[0, 0] = 1.0
    scale = 1.7
    _, grads, _ = loss_and_grads(params, tokens, scale, weights)
    eps = 1e-6
    for name in PARAM_NAMES:
        numeric = np.zeros_like(params[name])
        for index in np.ndindex(params[name].shape):
            old = params[name][index]
            params[name][index] = old + eps
            up = loss_and_grads(params, tokens, scale, weights)[0]
            params[name][index] = old - eps
            down = loss_and_grads(params, tokens, scale, weights)[0]
            params[name][index] = old
            numeric[index] = (up - down) / (2 * eps)
        error = np.linalg.norm(grads[name] - numeric) / np.linalg.norm(numeric)
        assert error < 1e-6, (name, error)
    # Rows of W_E of tokens that never occur, and positions past the sequence, get no gradient.
    unused = np.setdiff1d(np.arange(d_vocab), tokens)
    assert not grads["W_E"][unused].any() and not grads["W_pos"][pos:].any()


def test_adam_follows_its_update_rule():
    """Against the paper's update written out for scalars, with decoupled weight decay."""
    rng = np.random.default_rng(3)
    params = {name: rng.normal(size=(2, 3, 2)) for name in PARAM_NAMES}
    start = {name: w.copy() for name, w in params.items()}
    # W_Q decays in full, W_K in layer 1 only (per-layer factors), the rest not at all
    decay = {"W_Q": 1.0, "W_K": np.array([0.0, 0.4])}
    adam = Adam(params, lr=0.01, betas=(0.8, 0.95), eps=1e-7, weight_decay=0.5, decay=decay)
    grads_seq = [{name: rng.normal(size=(2, 3, 2)) for name in PARAM_NAMES} for _ in range(4)]
    for grads in grads_seq:
        adam.step(grads)
    for name in PARAM_NAMES:
        for index in np.ndindex(2, 3, 2):
            factor = {"W_Q": 1.0, "W_K": [0.0, 0.4][index[0]]}.get(name, 0.0)
            w, m, v = start[name][index], 0.0, 0.0
            for t, grads in enumerate(grads_seq, start=1):
                g = grads[name][index]
                m, v = 0.8 * m + 0.2 * g, 0.95 * v + 0.05 * g * g
                w -= 0.01 * 0.5 * factor * w
                w -= 0.01 * (m / (1 - 0.8**t)) / (math.sqrt(v / (1 - 0.95**t)) + 1e-7)
            assert params[name][index] == pytest.approx(w, rel=1e-12)
    assert not np.array_equal(params["W_K"][0], params["W_K"][1])


def test_layer_0s_queries_and_keys_are_spared_the_weight_decay_unless_asked():
    from circuit_clips.training.train import decayed

    config = TrainConfig(n_layers=3)
    assert sorted(decayed(config)) == ["W_K", "W_O", "W_Q", "W_V"]
    assert decayed(config)["W_Q"].tolist() == [0, 1, 1] == decayed(config)["W_K"].tolist()
    assert decayed(config)["W_V"].tolist() == [1, 1, 1] == decayed(config)["W_O"].tolist()
    assert decayed(replace(config, decay_layer0_qk=True))["W_Q"].tolist() == [1, 1, 1]


def test_learning_rate_warms_up_then_decays_to_its_final_fraction():
    config = TrainConfig(lr=0.01, warmup=10, steps=110, lr_final=0.1)
    rates = [learning_rate(config, step) for step in range(110)]
    assert rates[0] == pytest.approx(0.001) and rates[9] == pytest.approx(0.01)
    assert all(a >= b for a, b in zip(rates[9:], rates[10:]))
    assert rates[-1] == pytest.approx(0.001, rel=0.01)


# ------------------------------------------------------------------------------- data
def runs(mask):
    """The maximal runs of 1s in a 0/1 vector, as (start, length)."""
    edges = np.diff(np.concatenate([[0], mask, [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return list(zip(starts, stops - starts))


@pytest.mark.parametrize("seed", range(3))
def test_copies_of_earlier_chunks_land_everywhere_at_every_distance(seed):
    """Each run of the mask is a chunk (one token longer than the run) whose tokens an earlier
    place holds; copies land early and late, come from near and far, of every length; the
    tokens outside copies are uniform (nothing there to predict)."""
    rng = np.random.default_rng(seed)
    n_ctx, d_vocab = 32, 50
    tokens, repeated = copied_chunks_batch(rng, 400, n_ctx, d_vocab, 3, 10)
    lengths, dests, distances, keys = [], [], [], set()
    for seq, mask in zip(tokens, repeated):
        for dest, run in runs(mask):
            length = run + 1
            sources = [
                src
                for src in range(dest - length + 1)
                if np.array_equal(seq[src : src + length], seq[dest : dest + length])
            ]
            assert sources, "a copy of an earlier chunk"
            assert 3 <= length <= 10
            lengths.append(length)
            dests.append(dest)
            distances.append(dest - sources[-1])
            keys.update(range(sources[-1] + 1, sources[-1] + length))  # where an induction head looks
    assert set(lengths) == set(range(3, 11))
    assert min(dests) <= 6 and max(dests) >= n_ctx - 4
    assert min(distances) <= 4 and max(distances) >= 24
    assert set(range(1, n_ctx - 3)) <= keys  # every position but the last few is a source
    counts = np.bincount(tokens[:, 0], minlength=d_vocab)  # position 0 is never a copy
    assert counts.min() > 0 and counts.max() < 3 * counts.mean()


def test_repeated_halves_and_bad_chunk_sizes():
    tokens, repeated = repeated_halves_batch(np.random.default_rng(0), 5, 12, 9)
    assert np.array_equal(tokens[:, :6], tokens[:, 6:])
    assert np.array_equal(repeated[0], [0] * 6 + [1] * 5)
    with pytest.raises(ValueError, match="min_chunk"):
        copied_chunks_batch(np.random.default_rng(0), 2, 10, 5, 6, 6)
    with pytest.raises(ValueError, match="min_chunk"):
        copied_chunks_batch(np.random.default_rng(0), 2, 10, 5, 4, 3)


# ------------------------------------------------------------------------ determinism
def test_same_seed_same_weights_bit_for_bit_and_another_seed_differs():
    first, second = train(TINY), train(TINY)
    other = train(replace(TINY, seed=1))
    for name in PARAM_NAMES:
        assert np.array_equal(first.params[name], second.params[name])
        assert not np.array_equal(first.params[name], other.params[name])
    assert first.log == second.log
    assert np.array_equal(first.snapshots, second.snapshots)
    assert [e["step"] for e in first.log] == list(range(0, 31, 5))
    assert first.snapshot_steps == [0, 10, 20, 30]
    assert first.snapshots.shape == (4, 2, 2, 8, 8)


def test_training_lowers_the_loss_it_logs():
    config = replace(TINY, steps=200, log_every=50, d_vocab=4, n_ctx=12)
    result = train(config)
    model = model_from_params(result.params, config)
    tokens, _ = copied_chunks_batch(held_out_rng(config), 8, 12, 4, 3, 4)
    assert result.log[-1]["loss"] < result.log[0]["loss"] - 0.1
    # The logged figure is the model's own loss on the fixed held-out batch.
    logits = np.stack([model.run(seq) for seq in tokens])
    assert result.log[-1]["loss"] == pytest.approx(next_token_loss(logits, tokens), abs=1e-5)


# ------------------------------------------------------------------------------ cache
def test_cache_trains_once_writes_atomically_and_keys_on_the_settings(tmp_path, monkeypatch):
    run = training.load_or_train(TINY, tmp_path)
    assert run.path == tmp_path / training.cache_key(TINY)
    assert sorted(p.name for p in run.path.iterdir()) == ["log.json", "patterns.npz", "weights.npz"]
    assert json.loads((tmp_path / "latest.json").read_text())["key"] == run.path.name
    info = json.loads((run.path / "log.json").read_text())
    assert info["config"] == TINY.to_dict() and info["log"][-1]["step"] == TINY.steps
    fresh = train(TINY)
    for name in PARAM_NAMES:
        assert np.array_equal(getattr(run.model, name), fresh.params[name])
    assert np.array_equal(run.snapshots, fresh.snapshots)

    def no_training(*args, **kwargs):
        raise AssertionError("trained again although the cache holds the run")

    monkeypatch.setattr(cache_module, "train", no_training)
    again = training.trained_induction_model(TINY, tmp_path)
    assert np.array_equal(again.W_Q, run.model.W_Q)
    assert training.cache_key(replace(TINY, lr=0.002)) != training.cache_key(TINY)


def test_an_interrupted_training_leaves_no_cache(tmp_path, monkeypatch):
    calls = []
    real_savez = np.savez

    def interrupted(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_savez(*args, **kwargs)

    monkeypatch.setattr(cache_module.np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        training.load_or_train(TINY, tmp_path)
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []
    monkeypatch.setattr(cache_module.np, "savez", real_savez)
    assert training.load_or_train(TINY, tmp_path).path.is_dir()


def test_two_processes_asking_at_once_train_once(tmp_path, monkeypatch):
    import threading

    calls = []
    real_train = cache_module.train

    def counted(*args, **kwargs):
        calls.append(1)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(cache_module, "train", counted)
    runs = []
    threads = [
        threading.Thread(target=lambda: runs.append(training.load_or_train(TINY, tmp_path))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(runs) == 3
    assert all(np.array_equal(run.model.W_E, runs[0].model.W_E) for run in runs)


def test_the_cache_key_hashes_the_training_code(tmp_path, monkeypatch):
    """The same settings with any of the keyed source files changed give another key."""
    package = tmp_path / "training"
    package.mkdir()
    for source in sorted(cache_module.Path(cache_module.__file__).parent.glob("*.py")):
        (package / source.name).write_bytes(source.read_bytes())
    monkeypatch.setattr(cache_module, "__file__", str(package / "cache.py"))
    keys = {training.cache_key(TINY)}
    for name in ("core.py", "data.py", "train.py", "measure.py"):
        with open(package / name, "a") as handle:
            handle.write("\n# a change\n")
        keys.add(training.cache_key(TINY))
    assert len(keys) == 5
    monkeypatch.setattr(cache_module, "CACHE_FORMAT", cache_module.CACHE_FORMAT + 1)
    assert training.cache_key(TINY) not in keys


# ------------------------------------------------------------------------- measurements
def test_measure_finds_the_hand_built_induction_circuit():
    """On the toy model whose heads are known (L0H0 previous token, L1H0 induction), checked
    against the same figures computed by hand from run_with_cache, one sequence at a time."""
    model = induction_model()
    found = measure(model, np.random.default_rng(0), n_sequences=64, min_chunk=2)
    assert found["prev_token_head"] == "L0H0" and found["induction_head"] == "L1H0"
    tokens, _ = repeated_halves_batch(np.random.default_rng(0), 64, model.n_ctx, model.d_vocab)
    n, half = model.n_ctx, model.n_ctx // 2
    prev, induction, correct = [], [], []
    for seq in tokens:
        logits, cache = model.run_with_cache(seq)
        prev.append([cache["blocks.0.attn.hook_pattern"][:, i, i - 1] for i in range(1, n)])
        induction.append([cache["blocks.1.attn.hook_pattern"][:, i, i - half + 1] for i in range(half, n)])
        correct += [logits[i].argmax() == seq[i + 1] for i in range(half, n - 1)]
    np.testing.assert_allclose(found["prev_token_attention"], np.mean(prev, axis=(0, 1)), atol=1e-4)
    np.testing.assert_allclose(found["induction_attention"], np.mean(induction, axis=(0, 1)), atol=1e-4)
    assert found["accuracy_repeated_half"] == pytest.approx(np.mean(correct), abs=1e-4)
    assert found["prev_token_attention"][0] > 0.9 and found["induction_attention"][0] > 0.5


def test_phase_change_step_finds_where_the_copy_pulls_away():
    steps = np.arange(0, 3001, 25)
    for centre in (600, 1500, 2200):
        early = [0.4 * math.exp(-s / 60) for s in steps]  # every loss falls alike at first
        log = [
            {
                "step": int(s),
                "loss_other": 3.0 + e,
                "loss_repeated": 3.0 + e - 2.0 / (1 + math.exp(-(s - centre) / 40)),
            }
            for s, e in zip(steps, early)
        ]
        assert abs(phase_change_step(log) - centre) <= 25


@pytest.mark.parametrize("d_model, d_head", [(6, 1), (11, 1), (16, 16), (24, 24)])
@pytest.mark.parametrize("kind", ["Q", "K", "V"])
def test_random_composition_baseline(d_model, d_head, kind):
    """Rank-1 heads score |cos| of two random directions (exact mean known); full-rank heads
    of a rotation-invariant ensemble have E[score^2] = 1/d_model, so score ~ 1/sqrt(d_model)."""
    shapes = SimpleNamespace(name="random", n_layers=2, d_model=d_model, d_head=d_head)
    score = composition_baseline(shapes, kind, draws=2000, seed=1)
    if d_head == 1:
        expected = math.gamma(d_model / 2) / (math.sqrt(math.pi) * math.gamma((d_model + 1) / 2))
        assert score == pytest.approx(expected, rel=0.03)
    else:
        assert score == pytest.approx(1 / math.sqrt(d_model), rel=0.05)
    with pytest.raises(ValueError, match="kind"):
        composition_baseline(shapes, "X")


# ------------------------------------------- what the clips' trained model learned
# The model the clips show, from its cache (trained here on first use: a few minutes on two
# free cores); every figure is measured again on held-out sequences drawn for this test.
@pytest.fixture(scope="module")
def trained():
    run = training.load_or_train(training.INDUCTION_CONFIG)
    measured = measure(
        run.model,
        np.random.default_rng(12345),
        min_chunk=run.info["config"]["min_chunk"],
        max_chunk=run.info["config"]["max_chunk"],
    )
    return run, measured


def test_trained_model_has_a_previous_token_head(trained):
    run, found = trained
    n = run.model.n_ctx
    uniform = np.mean([1 / (p + 1) for p in range(1, n)])  # causal attention spread evenly
    assert max(found["prev_token_attention"]) > max(0.6, 5 * uniform)


def test_trained_model_has_an_induction_head(trained):
    run, found = trained
    half = run.model.n_ctx // 2
    uniform = np.mean([1 / (p + 1) for p in range(half, run.model.n_ctx)])
    assert max(found["induction_attention"]) > 0.5 > 5 * uniform


def test_trained_model_predicts_the_repeated_half_far_above_chance(trained):
    _, found = trained
    assert found["accuracy_repeated_half"] > max(0.5, 10 * found["chance"])
    assert found["accuracy_copied_chunks"] > 10 * found["chance"]
    assert found["accuracy_first_half"] < 2 * found["chance"]  # nothing to copy there yet


def test_trained_model_k_composes_well_above_random_heads(trained):
    """The pair's K-composition is twice what random heads of these shapes score, and the
    largest of every layer-0 -> layer-1 Q-, K- and V-composition score."""
    run, found = trained
    prev, ind = int(found["prev_token_head"][-1]), int(found["induction_head"][-1])
    k = found["k_composition"]
    assert k > 2 * found["composition_random_baseline"]["K"]
    others = [
        score
        for kind, grid in found["composition"].items()
        for a, row in enumerate(grid)
        for b, score in enumerate(row)
        if (kind, a, b) != ("K", prev, ind)
    ]
    assert k > max(others)


def test_trained_model_induction_head_copies(trained):
    _, found = trained
    assert found["ov_copying_score"] > 0.9
    assert found["ov_positive_fraction"] > 0.8


def test_trained_model_phase_change_is_a_sudden_drop(trained):
    run, _ = trained
    log = run.info["log"]
    step = phase_change_step(log)
    assert run.info["phase_change_step"] == step
    gap = {e["step"]: e["loss_other"] - e["loss_repeated"] for e in log}
    last = max(gap)
    before = gap[max(s for s in gap if s <= max(step - 300, 0))]
    after = gap[min(s for s in gap if s >= min(step + 300, last))]
    # Most of what predicting the copy gains, gained within 600 steps around the phase change.
    assert after - before > 0.5 * (gap[last] - gap[0])
    assert log[-1]["loss_repeated"] < log[0]["loss_repeated"] - 1.0


def test_trained_model_snapshots_show_the_patterns_before_and_after(trained):
    run, _ = trained
    n, half = run.model.n_ctx, run.model.n_ctx // 2
    assert np.array_equal(run.snapshot_tokens[:half], run.snapshot_tokens[half:])

    def stripe(patterns):
        return patterns[1, :, np.arange(half, n), np.arange(1, half + 1)].mean(axis=0).max()

    assert stripe(run.snapshots[0]) < 0.3 < 0.5 < stripe(run.snapshots[-1])
    # The last snapshot is the cached model's own pattern.
    _, cache = run.model.run_with_cache(run.snapshot_tokens)
    np.testing.assert_allclose(run.snapshots[-1][1], cache["blocks.1.attn.hook_pattern"], atol=1e-12)
