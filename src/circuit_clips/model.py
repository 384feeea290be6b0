"""A tiny attention-only transformer in plain numpy.

The model follows the paper "A Mathematical Framework for Transformer
Circuits" (no MLPs, no LayerNorm, no biases) and the naming and shapes of
TransformerLens, with row vectors in code (``x @ W``):

* ``W_E [d_vocab, d_model]``, ``W_pos [n_ctx, d_model]``, ``W_U [d_model, d_vocab]``
* ``W_Q, W_K, W_V [n_layers, n_heads, d_model, d_head]``
* ``W_O [n_layers, n_heads, d_head, d_model]``

One forward pass on a single sequence (no batch dimension)::

    x_0 = W_E[tokens] + W_pos[:pos]
    x_{l+1} = x_l + sum_h A^{l,h} x_l W_V^{l,h} W_O^{l,h}
    A^{l,h} = softmax(causal_mask(x_l W_Q^{l,h} (x_l W_K^{l,h})^T / attn_scale))
    logits = x_L W_U

``run_with_cache`` also returns every intermediate activation under its
TransformerLens hook name (see :meth:`AttnOnlyTransformer.run_with_cache`).

This module never imports manim: it is the numeric ground truth that the
clips draw.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["AttnOnlyTransformer", "ActivationCache"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class ActivationCache(dict):
    """Activations of one forward pass, keyed by TransformerLens hook name.

    A plain ``dict`` whose missing-key error lists the keys that exist.
    No batch dimension: ``cache["blocks.0.attn.hook_pattern"]`` has shape
    ``[head, query_pos, key_pos]``.
    """

    def __missing__(self, key: str) -> FloatArray:
        raise KeyError(f"no activation named {key!r}; available: {sorted(self)}")


class AttnOnlyTransformer:
    """An attention-only transformer built from its weight arrays.

    Parameters
    ----------
    W_E : array_like, shape [d_vocab, d_model]
        Token embedding.
    W_pos : array_like, shape [n_ctx, d_model]
        Positional embedding.
    W_U : array_like, shape [d_model, d_vocab]
        Unembedding.
    W_Q, W_K, W_V : array_like, shape [n_layers, n_heads, d_model, d_head], optional
        Query, key and value weights, stacked over layers. Leave all four
        out (``None``) for a zero-layer model.
    W_O : array_like, shape [n_layers, n_heads, d_head, d_model], optional
        Output weights, stacked over layers.
    vocab : sequence of str, optional
        One distinct string per token id; defaults to ``"t0", "t1", ...``.
    attn_scale : float, optional
        Attention scores are ``(q . k) / attn_scale``; defaults to
        ``sqrt(d_head)`` (``1.0`` for a zero-layer model).
    name : str
        A short name for titles and reprs.
    subspaces : mapping of str to slice, optional
        Labelled, ordered blocks of the residual stream (for pictures), for
        example ``{"token": slice(0, 8), "position": slice(8, 20)}``.
    bos_token : str, optional
        The beginning-of-sequence token, one of ``vocab``; if given,
        :meth:`to_tokens` puts it in front of every sequence unless told
        not to (as TransformerLens does).

    Attributes
    ----------
    n_layers, n_heads, d_model, d_head, d_vocab, n_ctx : int
        Sizes, read off the weights.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> model = AttnOnlyTransformer(
    ...     W_E=rng.normal(size=(5, 4)), W_pos=rng.normal(size=(6, 4)),
    ...     W_U=rng.normal(size=(4, 5)),
    ...     W_Q=rng.normal(size=(1, 2, 4, 3)), W_K=rng.normal(size=(1, 2, 4, 3)),
    ...     W_V=rng.normal(size=(1, 2, 4, 3)), W_O=rng.normal(size=(1, 2, 3, 4)),
    ...     vocab=["a", "b", "c", "d", "e"])
    >>> logits, cache = model.run_with_cache(model.to_tokens(["a", "c", "a"]))
    >>> logits.shape, cache["blocks.0.attn.hook_pattern"].shape
    ((3, 5), (2, 3, 3))
    """

    def __init__(
        self,
        W_E: ArrayLike,
        W_pos: ArrayLike,
        W_U: ArrayLike,
        W_Q: ArrayLike | None = None,
        W_K: ArrayLike | None = None,
        W_V: ArrayLike | None = None,
        W_O: ArrayLike | None = None,
        *,
        vocab: Sequence[str] | None = None,
        attn_scale: float | None = None,
        name: str = "attn-only transformer",
        subspaces: Mapping[str, slice] | None = None,
        bos_token: str | None = None,
    ) -> None:
        self.W_E = _frozen(W_E, "W_E", ndim=2)
        self.d_vocab, self.d_model = self.W_E.shape
        self.W_pos = _frozen(W_pos, "W_pos", ndim=2)
        self.n_ctx = self.W_pos.shape[0]
        _check_shape(self.W_pos, "W_pos", (self.n_ctx, self.d_model), "[n_ctx, d_model]")
        self.W_U = _frozen(W_U, "W_U", ndim=2)
        _check_shape(self.W_U, "W_U", (self.d_model, self.d_vocab), "[d_model, d_vocab]")

        layer_weights = (W_Q, W_K, W_V, W_O)
        if all(w is None for w in layer_weights):
            self.n_layers, self.n_heads, self.d_head = 0, 0, 0
            empty = np.zeros((0, 0, self.d_model, 0))
            W_Q = W_K = W_V = empty
            W_O = np.zeros((0, 0, 0, self.d_model))
        elif any(w is None for w in layer_weights):
            raise ValueError(
                "give all of W_Q, W_K, W_V and W_O, or none of them (a zero-layer model)"
            )
        self.W_Q = _frozen(W_Q, "W_Q", ndim=4)
        self.n_layers, self.n_heads, _, self.d_head = self.W_Q.shape
        qkv_shape = (self.n_layers, self.n_heads, self.d_model, self.d_head)
        _check_shape(self.W_Q, "W_Q", qkv_shape, "[n_layers, n_heads, d_model, d_head]")
        self.W_K = _frozen(W_K, "W_K", ndim=4)
        _check_shape(self.W_K, "W_K", qkv_shape, "[n_layers, n_heads, d_model, d_head]")
        self.W_V = _frozen(W_V, "W_V", ndim=4)
        _check_shape(self.W_V, "W_V", qkv_shape, "[n_layers, n_heads, d_model, d_head]")
        self.W_O = _frozen(W_O, "W_O", ndim=4)
        _check_shape(
            self.W_O, "W_O",
            (self.n_layers, self.n_heads, self.d_head, self.d_model),
            "[n_layers, n_heads, d_head, d_model]",
        )

        if attn_scale is None:
            attn_scale = math.sqrt(self.d_head) if self.d_head > 0 else 1.0
        if not (math.isfinite(attn_scale) and attn_scale > 0):
            raise ValueError(f"attn_scale must be a positive number, got {attn_scale!r}")
        self.attn_scale = float(attn_scale)

        self.vocab = _check_vocab(vocab, self.d_vocab)
        self._token_ids = {tok: i for i, tok in enumerate(self.vocab)}
        self.name = name
        self.subspaces = _check_subspaces(subspaces, self.d_model)
        if bos_token is not None and bos_token not in self._token_ids:
            raise ValueError(
                f"bos_token {bos_token!r} is not in the vocabulary {self.vocab}; "
                "add it to vocab or leave bos_token out"
            )
        self.bos_token = bos_token

    def __repr__(self) -> str:
        return (
            f"AttnOnlyTransformer(name={self.name!r}, n_layers={self.n_layers}, "
            f"n_heads={self.n_heads}, d_model={self.d_model}, d_head={self.d_head}, "
            f"d_vocab={self.d_vocab}, n_ctx={self.n_ctx})"
        )

    # ------------------------------------------------------------------ tokens
    def to_tokens(
        self, str_tokens: Sequence[str] | str, prepend_bos: bool | None = None
    ) -> IntArray:
        """Token ids of a list of token strings (a string is split on whitespace).

        ``prepend_bos`` puts :attr:`bos_token` in front (always, as in
        TransformerLens, even if the list already starts with it); it
        defaults to whether the model has a ``bos_token``.

        Raises
        ------
        ValueError
            If a string is not in the vocabulary (the message lists it), or
            ``prepend_bos`` is true for a model without a ``bos_token``.
        """
        if isinstance(str_tokens, str):
            str_tokens = str_tokens.split()
        if prepend_bos is None:
            prepend_bos = self.bos_token is not None
        if prepend_bos:
            if self.bos_token is None:
                raise ValueError(
                    f"model {self.name!r} has no beginning-of-sequence token; "
                    "call to_tokens without prepend_bos=True"
                )
            str_tokens = [self.bos_token, *str_tokens]
        ids = []
        for tok in str_tokens:
            if tok not in self._token_ids:
                raise ValueError(
                    f"unknown token {tok!r} for model {self.name!r}; "
                    f"the vocabulary is {self.vocab}"
                )
            ids.append(self._token_ids[tok])
        return np.array(ids, dtype=np.int64)

    def to_str_tokens(self, tokens: ArrayLike) -> list[str]:
        """The token strings of a 1-D array of token ids."""
        return [self.vocab[t] for t in self._check_tokens(tokens, check_length=False)]

    def _check_tokens(self, tokens: ArrayLike, check_length: bool = True) -> IntArray:
        arr = np.asarray(tokens)
        if arr.dtype.kind in "US":
            raise ValueError(
                "tokens must be integer ids, got strings; "
                "convert them first with model.to_tokens([...])"
            )
        if arr.ndim != 1:
            raise ValueError(
                f"tokens must be a 1-D sequence of token ids (no batch dimension), "
                f"got an array of shape {arr.shape}; run one sequence at a time"
            )
        if arr.size == 0:
            raise ValueError("tokens is empty; give at least one token id")
        if arr.dtype.kind not in "iu":
            if arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
                arr = arr.astype(np.int64)
            else:
                raise ValueError(f"tokens must be integer ids, got dtype {arr.dtype}")
        bad = arr[(arr < 0) | (arr >= self.d_vocab)]
        if bad.size:
            raise ValueError(
                f"token id {int(bad[0])} is outside the vocabulary: ids must be in "
                f"0..{self.d_vocab - 1} (d_vocab={self.d_vocab})"
            )
        if check_length and arr.size > self.n_ctx:
            raise ValueError(
                f"sequence of {arr.size} tokens is longer than the context window "
                f"n_ctx={self.n_ctx}; shorten it to at most {self.n_ctx} tokens"
            )
        return arr.astype(np.int64)

    # ----------------------------------------------------------------- forward
    def run(self, tokens: ArrayLike) -> FloatArray:
        """Logits ``[pos, d_vocab]`` for a 1-D array of token ids."""
        return self.run_with_cache(tokens)[0]

    def run_with_cache(self, tokens: ArrayLike) -> tuple[FloatArray, ActivationCache]:
        """Run the model and keep every activation.

        Parameters
        ----------
        tokens : array_like of int, shape [pos]
            One sequence of token ids, ``1 <= pos <= n_ctx``.

        Returns
        -------
        logits : ndarray, shape [pos, d_vocab]
        cache : ActivationCache
            ``hook_embed``, ``hook_pos_embed`` ``[pos, d_model]``;
            per layer ``l``: ``blocks.l.hook_resid_pre``,
            ``blocks.l.hook_attn_out``, ``blocks.l.hook_resid_post``
            ``[pos, d_model]``; ``blocks.l.attn.hook_q/hook_k/hook_v/hook_z``
            ``[pos, head, d_head]``; ``blocks.l.attn.hook_attn_scores`` and
            ``blocks.l.attn.hook_pattern`` ``[head, query_pos, key_pos]``
            (scores above the diagonal are ``-inf``);
            ``blocks.l.attn.hook_result`` ``[pos, head, d_model]``, each
            head's write into the stream. Also ``hook_resid_final``
            ``[pos, d_model]``, the stream that ``W_U`` reads.
        """
        tokens = self._check_tokens(tokens)
        n = tokens.size
        cache = ActivationCache()
        cache["hook_embed"] = self.W_E[tokens]
        cache["hook_pos_embed"] = self.W_pos[:n].copy()
        resid = cache["hook_embed"] + cache["hook_pos_embed"]
        future = np.triu(np.ones((n, n), dtype=bool), k=1)  # key after query
        for layer in range(self.n_layers):
            pre = f"blocks.{layer}"
            cache[f"{pre}.hook_resid_pre"] = resid
            q = np.einsum("pm,hmd->phd", resid, self.W_Q[layer])
            k = np.einsum("pm,hmd->phd", resid, self.W_K[layer])
            v = np.einsum("pm,hmd->phd", resid, self.W_V[layer])
            scores = np.einsum("qhd,khd->hqk", q, k) / self.attn_scale
            scores[:, future] = -np.inf
            pattern = _softmax(scores)
            z = np.einsum("hqk,khd->qhd", pattern, v)
            result = np.einsum("phd,hdm->phm", z, self.W_O[layer])
            attn_out = result.sum(axis=1)
            cache[f"{pre}.attn.hook_q"] = q
            cache[f"{pre}.attn.hook_k"] = k
            cache[f"{pre}.attn.hook_v"] = v
            cache[f"{pre}.attn.hook_attn_scores"] = scores
            cache[f"{pre}.attn.hook_pattern"] = pattern
            cache[f"{pre}.attn.hook_z"] = z
            cache[f"{pre}.attn.hook_result"] = result
            cache[f"{pre}.hook_attn_out"] = attn_out
            resid = resid + attn_out
            cache[f"{pre}.hook_resid_post"] = resid
        cache["hook_resid_final"] = resid
        logits = resid @ self.W_U
        return logits, cache


# ---------------------------------------------------------------- helpers
def _softmax(scores: FloatArray) -> FloatArray:
    """Softmax over the last axis; rows are never fully masked (the diagonal is kept)."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(shifted)
    return weights / weights.sum(axis=-1, keepdims=True)


def _frozen(array: ArrayLike, name: str, ndim: int) -> FloatArray:
    """A read-only float64 copy of ``array``, checked to have ``ndim`` axes."""
    out = np.array(array, dtype=np.float64)
    if out.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes, got shape {out.shape}")
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} contains NaN or infinite values")
    out.setflags(write=False)
    return out


def _check_shape(array: FloatArray, name: str, expected: tuple[int, ...], axes: str) -> None:
    if array.shape != expected:
        raise ValueError(
            f"{name} has shape {array.shape}, expected {axes} = {expected} "
            f"(sizes read off W_E [d_vocab, d_model], W_pos [n_ctx, d_model] and W_Q)"
        )


def _check_vocab(vocab: Sequence[str] | None, d_vocab: int) -> list[str]:
    if vocab is None:
        return [f"t{i}" for i in range(d_vocab)]
    vocab = [str(tok) for tok in vocab]
    if len(vocab) != d_vocab:
        raise ValueError(
            f"vocab has {len(vocab)} tokens but W_E has d_vocab={d_vocab} rows; "
            "give one string per row of W_E"
        )
    if len(set(vocab)) != len(vocab):
        dupes = sorted({tok for tok in vocab if vocab.count(tok) > 1})
        raise ValueError(f"vocab has repeated tokens {dupes}; token strings must be distinct")
    return vocab


def _check_subspaces(
    subspaces: Mapping[str, slice] | None, d_model: int
) -> OrderedDict[str, slice]:
    out: OrderedDict[str, slice] = OrderedDict()
    for label, block in (subspaces or {}).items():
        if not isinstance(block, slice) or block.step not in (None, 1):
            raise ValueError(f"subspace {label!r} must be a contiguous slice, got {block!r}")
        start, stop = block.start, block.stop
        if not (isinstance(start, int) and isinstance(stop, int) and 0 <= start < stop <= d_model):
            raise ValueError(
                f"subspace {label!r} = {block!r} is not a non-empty block inside "
                f"the residual stream of d_model={d_model}"
            )
        out[label] = slice(start, stop)
    return out
