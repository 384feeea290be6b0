"""Forward pass, loss and hand-derived gradients of an attention-only transformer, batched.

The same model as :class:`circuit_clips.model.AttnOnlyTransformer` (no LayerNorm, no MLPs,
no biases, scores divided by ``attn_scale``), written for a batch of sequences and with its
backward pass derived by hand. Parameters are a dict of arrays with the model's attribute
names and shapes: ``W_E [d_vocab, d_model]``, ``W_pos [n_ctx, d_model]``,
``W_Q, W_K, W_V [n_layers, n_heads, d_model, d_head]``, ``W_O [n_layers, n_heads, d_head,
d_model]``, ``W_U [d_model, d_vocab]``. Pure numpy.

The loss is the mean cross-entropy of predicting token ``p + 1`` at position ``p`` over the
positions a ``weights`` array selects (all ``pos - 1`` of them by default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["PARAM_NAMES", "Adam", "Forward", "forward", "loss_and_grads", "next_token_loss"]

FloatArray = NDArray[np.floating]

#: The parameters, in a fixed order (the order Adam and the cache hash walk them in).
PARAM_NAMES = ("W_E", "W_pos", "W_Q", "W_K", "W_V", "W_O", "W_U")


@dataclass
class Forward:
    """What the backward pass needs from a forward pass of a batch ``[batch, pos]``."""

    tokens: NDArray[np.int64]
    resids: list[FloatArray]  # [batch, pos, d_model]: the input of each layer, then the final stream
    qs: list[FloatArray]  # [batch, head, pos, d_head]
    ks: list[FloatArray]
    vs: list[FloatArray]
    zs: list[FloatArray]
    patterns: list[FloatArray]  # [batch, head, query_pos, key_pos]
    logits: FloatArray  # [batch, pos, d_vocab]


def forward(params: dict[str, FloatArray], tokens: NDArray[np.int64], attn_scale: float) -> Forward:
    """Run the model on ``tokens [batch, pos]`` and keep what the backward pass needs."""
    tokens = np.asarray(tokens, dtype=np.int64)
    n = tokens.shape[1]
    resid = params["W_E"][tokens] + params["W_pos"][:n]
    future = np.triu(np.ones((n, n), dtype=bool), k=1)
    out = Forward(tokens, [], [], [], [], [], [], None)
    batch = tokens.shape[0]
    for layer in range(params["W_Q"].shape[0]):
        out.resids.append(resid)
        # One matrix product for every head's q, k and v: [batch * pos, 3 * head * d_head].
        qkv = resid.reshape(batch * n, -1) @ _qkv_matrix(params, layer)
        q, k, v = qkv.reshape(batch, n, 3, -1, params["W_Q"].shape[-1]).transpose(2, 0, 3, 1, 4)
        scores = (q @ k.swapaxes(-1, -2)) / attn_scale
        scores[..., future] = -np.inf
        scores -= scores.max(axis=-1, keepdims=True)
        pattern = np.exp(scores)
        pattern /= pattern.sum(axis=-1, keepdims=True)
        z = pattern @ v
        resid = resid + (_heads_flat(z) @ _o_matrix(params, layer)).reshape(resid.shape)
        out.qs.append(q)
        out.ks.append(k)
        out.vs.append(v)
        out.zs.append(z)
        out.patterns.append(pattern)
    out.resids.append(resid)
    out.logits = resid @ params["W_U"]
    return out


def _qkv_matrix(params: dict[str, FloatArray], layer: int) -> FloatArray:
    """``[d_model, 3 * head * d_head]``: W_Q, W_K, W_V of every head of ``layer`` side by side."""
    w = np.stack([params["W_Q"][layer], params["W_K"][layer], params["W_V"][layer]])
    return w.transpose(2, 0, 1, 3).reshape(w.shape[2], -1)


def _o_matrix(params: dict[str, FloatArray], layer: int) -> FloatArray:
    """``[head * d_head, d_model]``: W_O of every head of ``layer`` stacked."""
    return params["W_O"][layer].reshape(-1, params["W_O"].shape[-1])


def _heads_flat(z: FloatArray) -> FloatArray:
    """``[batch, head, pos, d_head]`` to ``[batch * pos, head * d_head]``."""
    b, h, p, d = z.shape
    return z.transpose(0, 2, 1, 3).reshape(b * p, h * d)


def _log_softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def next_token_loss(
    logits: FloatArray, tokens: NDArray[np.int64], weights: FloatArray | None = None
) -> float:
    """Mean cross-entropy of predicting ``tokens[:, p + 1]`` from ``logits[:, p]``.

    ``weights [batch, pos - 1]`` (0/1 or any non-negative numbers) selects the predictions
    the mean is over; ``None`` means all of them.
    """
    logp = _log_softmax(logits[:, :-1])
    nll = -np.take_along_axis(logp, tokens[:, 1:, None], axis=-1)[..., 0]
    if weights is None:
        return float(nll.mean())
    total = weights.sum()
    return float((nll * weights).sum() / total) if total > 0 else float("nan")


def loss_and_grads(
    params: dict[str, FloatArray],
    tokens: NDArray[np.int64],
    attn_scale: float,
    weights: FloatArray | None = None,
) -> tuple[float, dict[str, FloatArray], Forward]:
    """The loss of :func:`next_token_loss` and its gradient with respect to every parameter.

    Backward pass, layer by layer from the top (row vectors, per head ``h``)::

        d logits = (softmax(logits) - onehot(next token)) * w / sum(w)
        d W_U = x_L^T d logits,   d x_L = d logits W_U^T
        z = A v:      d W_O = z^T d x,  d z = d x W_O^T,  d A = d z v^T,  d v = A^T d z
        softmax:      d S = A * (d A - rowsum(d A * A)),  then / attn_scale
        S = q k^T:    d q = d S k,  d k = d S^T q
        q = x W_Q:    d W_Q = x^T d q,  d x += d q W_Q^T  (same for k, v)
        x_0 = W_E[tokens] + W_pos:  scatter-add into d W_E, sum over the batch into d W_pos
    """
    fwd = forward(params, tokens, attn_scale)
    batch, n = fwd.tokens.shape
    if weights is None:
        weights = np.ones((batch, n - 1))
    total = weights.sum()
    logp = _log_softmax(fwd.logits[:, :-1])
    targets = fwd.tokens[:, 1:, None]
    loss = float(-(np.take_along_axis(logp, targets, axis=-1)[..., 0] * weights).sum() / total)

    d_logits = np.zeros_like(fwd.logits)
    probs = np.exp(logp)
    np.put_along_axis(probs, targets, np.take_along_axis(probs, targets, axis=-1) - 1.0, axis=-1)
    d_logits[:, :-1] = probs * (weights / total)[..., None]

    grads = {name: np.zeros_like(params[name]) for name in PARAM_NAMES}
    resid = fwd.resids[-1]
    d_x = d_logits @ params["W_U"].T
    grads["W_U"] = resid.reshape(-1, resid.shape[-1]).T @ d_logits.reshape(-1, d_logits.shape[-1])
    n_heads, d_head = params["W_Q"].shape[1], params["W_Q"].shape[-1]
    for layer in reversed(range(params["W_Q"].shape[0])):
        x, q, k, v = fwd.resids[layer], fwd.qs[layer], fwd.ks[layer], fwd.vs[layer]
        z, pattern = fwd.zs[layer], fwd.patterns[layer]
        d_flat = d_x.reshape(batch * n, -1)  # every head's write gets the stream's gradient
        grads["W_O"][layer] = (_heads_flat(z).T @ d_flat).reshape(grads["W_O"][layer].shape)
        d_z = (d_flat @ _o_matrix(params, layer).T).reshape(batch, n, n_heads, d_head)
        d_z = d_z.transpose(0, 2, 1, 3)
        d_pattern = d_z @ v.swapaxes(-1, -2)
        d_v = pattern.swapaxes(-1, -2) @ d_z
        d_scores = pattern * (d_pattern - (d_pattern * pattern).sum(axis=-1, keepdims=True))
        d_scores /= attn_scale
        d_q = d_scores @ k
        d_k = d_scores.swapaxes(-1, -2) @ q
        d_qkv = np.stack([d_q, d_k, d_v]).transpose(1, 3, 0, 2, 4).reshape(batch * n, -1)
        x_flat = x.reshape(batch * n, -1)
        d_w = (x_flat.T @ d_qkv).reshape(-1, 3, n_heads, d_head).transpose(1, 2, 0, 3)
        grads["W_Q"][layer], grads["W_K"][layer], grads["W_V"][layer] = d_w
        d_x = d_x + (d_qkv @ _qkv_matrix(params, layer).T).reshape(d_x.shape)
    np.add.at(grads["W_E"], fwd.tokens.ravel(), d_x.reshape(-1, d_x.shape[-1]))
    grads["W_pos"][:n] = d_x.sum(axis=0)
    return loss, grads, fwd


class Adam:
    """Adam (Kingma & Ba), optionally with decoupled weight decay (AdamW) on chosen parameters.

    ``decay`` names the parameters decayed by ``weight_decay``: a tuple of names, or a dict
    from a name to per-layer factors (``[n_layers]``, multiplying ``weight_decay`` for each
    layer's slice ``w[layer]``; 0 spares a layer). Updates the arrays of ``params`` in place;
    deterministic (no randomness, fixed order).
    """

    def __init__(
        self,
        params: dict[str, FloatArray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decay: tuple[str, ...] | dict[str, FloatArray] = (),
    ) -> None:
        self.params = params
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.weight_decay = weight_decay
        factors = decay if isinstance(decay, dict) else dict.fromkeys(decay, 1.0)
        self.decay = {  # name -> a factor, or per-layer factors shaped to broadcast over w
            name: f if np.ndim(f) == 0 else np.reshape(f, (-1,) + (1,) * (params[name].ndim - 1))
            for name, f in factors.items()
        }
        self.m = {name: np.zeros_like(w) for name, w in params.items()}
        self.v = {name: np.zeros_like(w) for name, w in params.items()}
        self.t = 0

    def step(self, grads: dict[str, FloatArray], lr: float | None = None) -> None:
        lr = self.lr if lr is None else lr
        self.t += 1
        fix1 = 1.0 - self.beta1**self.t
        fix2 = 1.0 - self.beta2**self.t
        for name in PARAM_NAMES:
            w, g, m, v = self.params[name], grads[name], self.m[name], self.v[name]
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            if name in self.decay and self.weight_decay:
                w -= lr * self.weight_decay * self.decay[name] * w
            w -= lr * (m / fix1) / (np.sqrt(v / fix2) + self.eps)
