"""Train a two-layer attention-only transformer on copied chunks, and measure what it learned."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray

from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.training.core import PARAM_NAMES, Adam, forward, loss_and_grads, next_token_loss
from circuit_clips.training.data import copied_chunks_batch, repeated_halves_batch

__all__ = ["TrainConfig", "TrainResult", "init_params", "model_from_params", "train"]


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of a training run; the cache key hashes all of them."""

    n_layers: int = 2
    n_heads: int = 1
    d_model: int = 64
    d_head: int = 16
    d_vocab: int = 32
    n_ctx: int = 32
    min_chunk: int = 3
    max_chunk: int = 16
    batch: int = 64
    steps: int = 6000
    lr: float = 3e-3
    warmup: int = 100
    lr_final: float = 0.1  # the learning rate decays (cosine) to this fraction of lr
    weight_decay: float = 0.3  # decoupled (AdamW), on W_Q, W_K, W_V, W_O only
    decay_layer0_qk: bool = False  # whether layer 0's W_Q, W_K decay too
    init_std: float = 0.0  # 0 means 1 / sqrt(d_model)
    seed: int = 0
    log_every: int = 25
    snapshot_every: int = 100
    eval_batch: int = 256

    @property
    def attn_scale(self) -> float:
        return math.sqrt(self.d_head)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainResult:
    params: dict[str, NDArray[np.float64]]
    log: list[dict]  # one entry per logged step
    snapshot_steps: list[int]
    snapshots: NDArray[np.float64]  # [n_snapshots, n_layers, n_heads, n_ctx, n_ctx]
    snapshot_tokens: NDArray[np.int64]  # the held-out sequence the snapshots are of
    seconds: float


def _rngs(config: TrainConfig) -> tuple[np.random.Generator, ...]:
    """Independent streams for the initial weights, the training data and held-out data."""
    init, data, held_out = np.random.SeedSequence(config.seed).spawn(3)
    return tuple(np.random.default_rng(s) for s in (init, data, held_out))


def held_out_rng(config: TrainConfig) -> np.random.Generator:
    """A generator of held-out data, independent of the training data's stream."""
    return _rngs(config)[2]


def init_params(config: TrainConfig, rng: np.random.Generator) -> dict[str, NDArray[np.float64]]:
    """Gaussian initial weights with standard deviation ``init_std`` (or ``1/sqrt(d_model)``)."""
    std = config.init_std or 1.0 / math.sqrt(config.d_model)
    L, H, M, D = config.n_layers, config.n_heads, config.d_model, config.d_head
    shapes = {
        "W_E": (config.d_vocab, M),
        "W_pos": (config.n_ctx, M),
        "W_Q": (L, H, M, D),
        "W_K": (L, H, M, D),
        "W_V": (L, H, M, D),
        "W_O": (L, H, D, M),
        "W_U": (M, config.d_vocab),
    }
    return {name: rng.normal(0.0, std, size=shapes[name]) for name in PARAM_NAMES}


def model_from_params(params: dict, config: TrainConfig, name: str = "trained") -> AttnOnlyTransformer:
    """The :class:`AttnOnlyTransformer` with these weights (copied)."""
    return AttnOnlyTransformer(**{k: params[k] for k in PARAM_NAMES}, attn_scale=config.attn_scale, name=name)


def _split_losses(params, config: TrainConfig, tokens, repeated) -> dict[str, float]:
    logits = forward(params, tokens, config.attn_scale).logits
    return {
        "loss": next_token_loss(logits, tokens),
        "loss_repeated": next_token_loss(logits, tokens, repeated),
        "loss_other": next_token_loss(logits, tokens, 1.0 - repeated),
    }


def decayed(config: TrainConfig) -> dict[str, NDArray[np.float64]]:
    """The weight decay's per-layer factors: every head's W_Q, W_K, W_V, W_O, except layer 0's
    W_Q and W_K unless ``decay_layer0_qk`` (a previous-token head looks sharply one back only
    with large positional scores, which decay would shrink; the decay elsewhere prunes what
    the circuit does not use, so the induction head's key reads little but what layer 0 writes)."""
    factors = {name: np.ones(config.n_layers) for name in ("W_Q", "W_K", "W_V", "W_O")}
    if not config.decay_layer0_qk:
        factors["W_Q"][0] = factors["W_K"][0] = 0.0
    return factors


def learning_rate(config: TrainConfig, step: int) -> float:
    """Linear warm-up over ``warmup`` steps, then a cosine decay to ``lr_final * lr``."""
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    done = (step - config.warmup) / max(1, config.steps - config.warmup)
    return config.lr * (config.lr_final + (1 - config.lr_final) * 0.5 * (1 + math.cos(math.pi * done)))


def train(config: TrainConfig, progress=None) -> TrainResult:
    """Train from the config's seed; the same config gives bit-identical weights.

    Adam with the learning rate of :func:`learning_rate`. Every
    ``log_every`` steps the losses (overall, on the copied chunk, elsewhere) are measured on
    one fixed held-out batch; every ``snapshot_every`` steps the attention patterns of one
    fixed held-out sequence whose second half repeats its first are kept.
    """
    init_rng, data_rng, held_rng = _rngs(config)
    params = init_params(config, init_rng)
    eval_tokens, eval_repeated = copied_chunks_batch(
        held_rng, config.eval_batch, config.n_ctx, config.d_vocab, config.min_chunk, config.max_chunk
    )
    snapshot_tokens = repeated_halves_batch(held_rng, 1, config.n_ctx, config.d_vocab)[0]
    adam = Adam(
        params, lr=config.lr, betas=(0.9, 0.98), weight_decay=config.weight_decay, decay=decayed(config)
    )
    log, snapshot_steps, snapshots = [], [], []
    start = time.perf_counter()
    for step in range(config.steps + 1):
        if step % config.log_every == 0 or step == config.steps:
            entry = {"step": step, **_split_losses(params, config, eval_tokens, eval_repeated)}
            log.append({k: (round(v, 5) if isinstance(v, float) else v) for k, v in entry.items()})
            if progress:
                progress(entry)
        if step % config.snapshot_every == 0 or step == config.steps:
            patterns = forward(params, snapshot_tokens, config.attn_scale).patterns
            snapshot_steps.append(step)
            snapshots.append(np.stack([p[0] for p in patterns]))
        if step == config.steps:
            break
        tokens, _ = copied_chunks_batch(
            data_rng, config.batch, config.n_ctx, config.d_vocab, config.min_chunk, config.max_chunk
        )
        _, grads, _ = loss_and_grads(params, tokens, config.attn_scale)
        adam.step(grads, learning_rate(config, step))
    seconds = time.perf_counter() - start
    return TrainResult(params, log, snapshot_steps, np.stack(snapshots), snapshot_tokens[0], seconds)
