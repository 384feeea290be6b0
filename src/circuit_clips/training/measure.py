"""What a trained model learned, measured on held-out sequences it never saw.

* the layer-0 head that attends most to the previous token, and how much;
* the layer-1 head that attends most to the token after the earlier copy of the current
  token (the induction stripe, on sequences whose second half repeats the first);
* next-token accuracy on the repeated half against the first half and chance;
* K-composition between every layer-0 / layer-1 head pair, against random heads;
* the eigenvalues of the induction head's full OV circuit (copying).
"""

from __future__ import annotations

import numpy as np

from circuit_clips.circuits import (
    composition_baseline,
    composition_score,
    copying_score,
    head_name,
    ov_eigenvalues,
)
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.training.core import forward
from circuit_clips.training.data import copied_chunks_batch, repeated_halves_batch

__all__ = ["measure", "phase_change_step"]


def _params(model: AttnOnlyTransformer) -> dict[str, np.ndarray]:
    return {name: getattr(model, name) for name in ("W_E", "W_pos", "W_Q", "W_K", "W_V", "W_O", "W_U")}


def measure(
    model: AttnOnlyTransformer,
    rng: np.random.Generator,
    n_sequences: int = 256,
    min_chunk: int = 3,
    max_chunk: int | None = None,
) -> dict:
    """The held-out figures of a two-layer model, as a JSON-ready dict (see the module doc).

    ``prev_token_attention[h]`` is layer-0 head ``h``'s mean attention from each position to
    the one before; ``induction_attention[h]`` is layer-1 head ``h``'s mean attention from
    each position ``i`` of the repeated half to ``i - half + 1``, the token after the earlier
    copy of token ``i``. Accuracies are of the most likely next token; ``chance`` is
    ``1 / d_vocab``.
    """
    if model.n_layers != 2:
        raise ValueError(f"measure() reads a two-layer model, got n_layers={model.n_layers}")
    n_ctx, half = model.n_ctx - model.n_ctx % 2, model.n_ctx // 2
    params = _params(model)
    tokens, repeated = repeated_halves_batch(rng, n_sequences, n_ctx, model.d_vocab)
    fwd = forward(params, tokens, model.attn_scale)
    pos = np.arange(1, n_ctx)
    prev = fwd.patterns[0][:, :, pos, pos - 1].mean(axis=(0, 2))
    dest = np.arange(half, n_ctx)
    induction = fwd.patterns[1][:, :, dest, dest - half + 1].mean(axis=(0, 2))
    correct = fwd.logits[:, :-1].argmax(axis=-1) == tokens[:, 1:]
    first = np.zeros_like(repeated)
    first[:, : half - 1] = 1.0  # predictions of tokens 1 .. half-1: nothing to copy yet

    chunk_tokens, chunk_repeated = copied_chunks_batch(
        rng, n_sequences, model.n_ctx, model.d_vocab, min_chunk, max_chunk or half
    )
    chunk_correct = (
        forward(params, chunk_tokens, model.attn_scale).logits[:, :-1].argmax(-1) == chunk_tokens[:, 1:]
    )

    prev_head, ind_head = int(np.argmax(prev)), int(np.argmax(induction))
    composition = {
        kind: [
            [composition_score(model, 0, h0, 1, h1, kind) for h1 in range(model.n_heads)]
            for h0 in range(model.n_heads)
        ]
        for kind in ("Q", "K", "V")
    }
    baseline = {kind: composition_baseline(model, kind) for kind in ("Q", "K", "V")}
    eig = ov_eigenvalues(model, 1, ind_head)
    top = eig[np.argsort(-np.abs(eig), kind="stable")[: model.d_head]]  # the rank-d_head part
    return {
        "n_sequences": n_sequences,
        "prev_token_attention": prev.round(4).tolist(),
        "induction_attention": induction.round(4).tolist(),
        "prev_token_head": head_name(0, prev_head),
        "induction_head": head_name(1, ind_head),
        "accuracy_repeated_half": round(float(correct[repeated > 0].mean()), 4),
        "accuracy_first_half": round(float(correct[first > 0].mean()), 4),
        "accuracy_copied_chunks": round(float(chunk_correct[chunk_repeated > 0].mean()), 4),
        "accuracy_elsewhere": round(float(chunk_correct[chunk_repeated == 0].mean()), 4),
        "chance": round(1.0 / model.d_vocab, 4),
        "composition": {k: np.round(v, 4).tolist() for k, v in composition.items()},
        "composition_random_baseline": {k: round(v, 4) for k, v in baseline.items()},
        "k_composition": round(composition["K"][prev_head][ind_head], 4),
        "ov_eigenvalues": [[round(float(e.real), 4), round(float(e.imag), 4)] for e in top],
        "ov_copying_score": round(copying_score(eig), 4),
        "ov_positive_fraction": round(float(np.mean(top.real > 0)), 4),
    }


def phase_change_step(log: list[dict], window: int = 4) -> int:
    """The step of the phase change: where the copied chunk's loss pulls away fastest.

    Early in training every loss falls alike (the model learns which tokens are common), so
    this follows the gap ``loss_other - loss_repeated``, what predicting the copy gains: the
    middle of the ``window`` consecutive log intervals over which that gap grows most.
    """
    steps = np.array([entry["step"] for entry in log])
    gap = np.array([entry["loss_other"] - entry["loss_repeated"] for entry in log])
    if len(gap) <= window:
        raise ValueError(f"a training log of {len(gap)} entries is too short to find a drop in")
    growth = gap[window:] - gap[:-window]
    i = int(np.argmax(growth))
    return int((steps[i] + steps[i + window]) // 2)
