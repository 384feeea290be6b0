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
Weights go in and out under TransformerLens's state-dict keys
(:meth:`AttnOnlyTransformer.state_dict`, :meth:`AttnOnlyTransformer.from_state_dict`).

This module never imports manim: it is the numeric ground truth that the
clips draw.
"""

from __future__ import annotations

import math
import os
import re
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

        self.W_Q, self.W_K, self.W_V, self.W_O = _layer_weights(W_Q, W_K, W_V, W_O, self.d_model)
        self.n_layers, self.n_heads, _, self.d_head = self.W_Q.shape

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

    # ------------------------------------------------------------- state dict
    def state_dict(self) -> dict[str, FloatArray]:
        """The weights under TransformerLens's state-dict keys, as writable float64 copies.

        ``embed.W_E``, ``pos_embed.W_pos``, per layer ``l`` ``blocks.{l}.attn.W_Q``,
        ``W_K``, ``W_V`` ``[n_heads, d_model, d_head]`` and ``W_O`` ``[n_heads, d_head,
        d_model]``, ``unembed.W_U``; and, because this model has none, zero biases
        ``blocks.{l}.attn.b_Q/b_K/b_V`` ``[n_heads, d_head]``, ``b_O`` ``[d_model]`` and
        ``unembed.b_U`` ``[d_vocab]``: every parameter of a TransformerLens attention-only
        model (``attn_only=True, normalization_type=None``), without its attention buffers
        ``mask`` and ``IGNORE``.
        ``np.savez(path, **model.state_dict())`` writes it to a file.
        """
        out = {"embed.W_E": self.W_E.copy(), "pos_embed.W_pos": self.W_pos.copy()}
        for layer in range(self.n_layers):
            pre = f"blocks.{layer}.attn"
            for name in ("W_Q", "W_K", "W_V", "W_O"):
                out[f"{pre}.{name}"] = getattr(self, name)[layer].copy()
            for name in ("b_Q", "b_K", "b_V"):
                out[f"{pre}.{name}"] = np.zeros((self.n_heads, self.d_head))
            out[f"{pre}.b_O"] = np.zeros(self.d_model)
        out["unembed.W_U"] = self.W_U.copy()
        out["unembed.b_U"] = np.zeros(self.d_vocab)
        return out

    @classmethod
    def from_state_dict(
        cls,
        state: Mapping[str, ArrayLike] | str | os.PathLike,
        *,
        vocab: Sequence[str] | None = None,
        attn_scale: float | None = None,
        name: str = "attn-only transformer",
        subspaces: Mapping[str, slice] | None = None,
    ) -> AttnOnlyTransformer:
        """A model from TransformerLens-named weights: a mapping of arrays or an ``.npz`` path.

        Keys: ``embed.W_E``, ``pos_embed.W_pos``, ``unembed.W_U`` and, for each layer ``l``
        from 0, ``blocks.{l}.attn.W_Q``, ``W_K``, ``W_V``, ``W_O`` with TransformerLens's
        per-layer shapes (see :meth:`state_dict`). Accepted and checked but not used:
        biases ``blocks.{l}.attn.b_Q/b_K/b_V/b_O`` and ``unembed.b_U``, which must be zero
        (this model, like the paper's, has no biases: nonzero ones are refused rather than
        silently dropped), and TransformerLens's attention buffers ``blocks.{l}.attn.mask``
        (must be the causal mask) and ``blocks.{l}.attn.IGNORE``. From TransformerLens::

            np.savez("model.npz", **{k: v.cpu().numpy() for k, v in tl_model.state_dict().items()})

        TransformerLens divides attention scores by ``sqrt(d_head)`` (this class's default)
        unless its config says ``use_attn_scale=False`` (then pass ``attn_scale=1.0``).

        Raises
        ------
        ValueError
            One line naming the offending key: a LayerNorm (``ln*``) or MLP (``mlp``) key,
            an unknown key, a missing key, a wrong shape, a nonzero bias, a non-causal mask.
        """
        if isinstance(state, (str, os.PathLike)):
            state = _load_npz(state)
        weights, layers = _sorted_state(state)
        W_E = _keyed(weights, "embed.W_E", ndim=2, axes="[d_vocab, d_model]")
        d_vocab, d_model = W_E.shape
        W_pos = _keyed(weights, "pos_embed.W_pos", ndim=2, axes="[n_ctx, d_model]")
        n_ctx = W_pos.shape[0]
        _check_keyed(W_pos, "pos_embed.W_pos", (n_ctx, d_model), "[n_ctx, d_model]")
        W_U = _keyed(weights, "unembed.W_U", ndim=2, axes="[d_model, d_vocab]")
        _check_keyed(W_U, "unembed.W_U", (d_model, d_vocab), "[d_model, d_vocab]")
        if "unembed.b_U" in weights:
            _check_zero_bias(weights, "unembed.b_U", (d_vocab,), "[d_vocab]")
        if not layers:
            return cls(W_E, W_pos, W_U, vocab=vocab, attn_scale=attn_scale, name=name, subspaces=subspaces)

        return cls(
            W_E,
            W_pos,
            W_U,
            *_stacked_layers(layers, d_model, n_ctx),
            vocab=vocab,
            attn_scale=attn_scale,
            name=name,
            subspaces=subspaces,
        )

    # ------------------------------------------------------------------ tokens
    def to_tokens(self, str_tokens: Sequence[str] | str, prepend_bos: bool | None = None) -> IntArray:
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
                    f"unknown token {tok!r} for model {self.name!r}; the vocabulary is {self.vocab}"
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
                "tokens must be integer ids, got strings; convert them first with model.to_tokens([...])"
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
#: State-dict keys outside the blocks, and the attention keys of a block (TransformerLens names).
_GLOBAL_KEYS = ("embed.W_E", "pos_embed.W_pos", "unembed.W_U", "unembed.b_U")
_ATTN_NAMES = ("W_Q", "W_K", "W_V", "W_O", "b_Q", "b_K", "b_V", "b_O", "mask", "IGNORE")
_BLOCK_KEY = re.compile(r"blocks\.(?P<layer>\d+)\.(?P<part>[A-Za-z0-9_]+)\.(?P<name>.+)")


def _is_layernorm_key(key: str, match: re.Match | None) -> bool:
    """``ln_final.w``, ``blocks.0.ln1.b``, ``blocks.0.ln2.w``, ...: TransformerLens's LayerNorms."""
    part = match["part"] if match else key.split(".", 1)[0]
    return part.startswith("ln")


def _load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise ValueError(f"no state dict file at {os.fspath(path)!r}; give the path of an .npz") from None
    except (OSError, ValueError) as err:
        raise ValueError(
            f"cannot read {os.fspath(path)!r} as an .npz of arrays ({err}); "
            "write one with np.savez(path, **state_dict)"
        ) from None


def _keyed(
    arrays: Mapping[str, np.ndarray], name: str, ndim: int, axes: str, key: str | None = None
) -> FloatArray:
    """``arrays[name]`` as float64, checked to have ``ndim`` axes and finite values."""
    key = key or name
    value = arrays[name]
    if value.dtype.kind not in "fiub":
        raise ValueError(f"state dict key {key!r} holds {value.dtype} values, not numbers")
    if value.ndim != ndim:
        raise ValueError(f"state dict key {key!r} has shape {value.shape}, expected {axes}")
    out = value.astype(np.float64)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"state dict key {key!r} contains NaN or infinite values")
    return out


def _check_keyed(array: np.ndarray, key: str, expected: tuple[int, ...], axes: str) -> None:
    if array.shape != expected:
        raise ValueError(
            f"state dict key {key!r} has shape {array.shape}, expected {axes} = {expected} "
            "(sizes read off embed.W_E, pos_embed.W_pos and blocks.0.attn.W_Q)"
        )


def _check_zero_bias(
    arrays: Mapping[str, np.ndarray],
    name: str,
    shape: tuple[int, ...],
    axes: str,
    key: str | None = None,
) -> None:
    key = key or name
    bias = _keyed(arrays, name, ndim=len(shape), axes=axes, key=key)
    _check_keyed(bias, key, shape, axes)
    if np.any(bias != 0):
        raise ValueError(
            f"state dict key {key!r} holds nonzero biases (largest |b| = {np.abs(bias).max():.3g}), "
            "but this model has no biases; train the model with its biases fixed at zero"
        )


def _layer_weights(
    W_Q: ArrayLike | None, W_K: ArrayLike | None, W_V: ArrayLike | None, W_O: ArrayLike | None, d_model: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The attention weights as read-only float64 arrays, their shapes checked against each
    other and ``d_model``; all four ``None`` is a zero-layer model (empty arrays)."""
    layer_weights = (W_Q, W_K, W_V, W_O)
    if all(w is None for w in layer_weights):
        W_Q = W_K = W_V = np.zeros((0, 0, d_model, 0))
        W_O = np.zeros((0, 0, 0, d_model))
    elif any(w is None for w in layer_weights):
        raise ValueError("give all of W_Q, W_K, W_V and W_O, or none of them (a zero-layer model)")
    W_Q = _frozen(W_Q, "W_Q", ndim=4)
    n_layers, n_heads, _, d_head = W_Q.shape
    qkv_shape = (n_layers, n_heads, d_model, d_head)
    _check_shape(W_Q, "W_Q", qkv_shape, "[n_layers, n_heads, d_model, d_head]")
    W_K = _frozen(W_K, "W_K", ndim=4)
    _check_shape(W_K, "W_K", qkv_shape, "[n_layers, n_heads, d_model, d_head]")
    W_V = _frozen(W_V, "W_V", ndim=4)
    _check_shape(W_V, "W_V", qkv_shape, "[n_layers, n_heads, d_model, d_head]")
    W_O = _frozen(W_O, "W_O", ndim=4)
    _check_shape(W_O, "W_O", (n_layers, n_heads, d_head, d_model), "[n_layers, n_heads, d_head, d_model]")
    return W_Q, W_K, W_V, W_O


def _sorted_state(
    state: Mapping[str, ArrayLike],
) -> tuple[dict[str, np.ndarray], dict[int, dict[str, np.ndarray]]]:
    """A state dict's global weights and its attention weights by layer, every key checked to
    belong to an attention-only model and every needed key present (one error naming the key)."""
    arrays = {str(key): np.asarray(value) for key, value in state.items()}
    weights: dict[str, np.ndarray] = {}
    layers: dict[int, dict[str, np.ndarray]] = {}
    for key, value in arrays.items():
        match = _BLOCK_KEY.fullmatch(key)
        if key in _GLOBAL_KEYS:
            weights[key] = value
        elif match and match["part"] == "attn" and match["name"] in _ATTN_NAMES:
            layers.setdefault(int(match["layer"]), {})[match["name"]] = value
        elif _is_layernorm_key(key, match):
            raise ValueError(
                f"state dict key {key!r} is a LayerNorm weight, but this model has no "
                "LayerNorm; export a model built with normalization_type=None"
            )
        elif match and match["part"] == "mlp":
            raise ValueError(
                f"state dict key {key!r} is an MLP weight, but this model is attention-only; "
                "export a model built with attn_only=True"
            )
        else:
            raise ValueError(
                f"state dict key {key!r} is not a weight of an attention-only transformer; "
                f"expected {', '.join(_GLOBAL_KEYS)} and blocks.{{l}}.attn.{{{','.join(_ATTN_NAMES)}}}"
            )
    for key in ("embed.W_E", "pos_embed.W_pos", "unembed.W_U"):
        if key not in weights:
            raise ValueError(f"state dict is missing the key {key!r}")
    if sorted(layers) != list(range(len(layers))):
        missing = min(set(range(max(layers) + 1)) - set(layers))
        raise ValueError(
            f"state dict is missing the key 'blocks.{missing}.attn.W_Q' "
            f"(it has weights for layers {sorted(layers)}; layers are numbered from 0)"
        )
    for layer, block in sorted(layers.items()):
        for part in ("W_Q", "W_K", "W_V", "W_O"):
            if part not in block:
                raise ValueError(f"state dict is missing the key 'blocks.{layer}.attn.{part}'")

    return weights, layers


def _stacked_layers(
    layers: dict[int, dict[str, np.ndarray]], d_model: int, n_ctx: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``W_Q, W_K, W_V, W_O`` stacked over layers, each layer's shapes, zero biases and causal
    mask checked (one error naming the key)."""
    first = _keyed(layers[0], "W_Q", ndim=3, axes="[n_heads, d_model, d_head]", key="blocks.0.attn.W_Q")
    n_heads, d_head = first.shape[0], first.shape[2]
    shapes = {
        "W_Q": ((n_heads, d_model, d_head), "[n_heads, d_model, d_head]"),
        "W_K": ((n_heads, d_model, d_head), "[n_heads, d_model, d_head]"),
        "W_V": ((n_heads, d_model, d_head), "[n_heads, d_model, d_head]"),
        "W_O": ((n_heads, d_head, d_model), "[n_heads, d_head, d_model]"),
        "b_Q": ((n_heads, d_head), "[n_heads, d_head]"),
        "b_K": ((n_heads, d_head), "[n_heads, d_head]"),
        "b_V": ((n_heads, d_head), "[n_heads, d_head]"),
        "b_O": ((d_model,), "[d_model]"),
    }
    stacked: dict[str, list[np.ndarray]] = {part: [] for part in ("W_Q", "W_K", "W_V", "W_O")}
    for layer, block in sorted(layers.items()):
        for part, value in block.items():
            key = f"blocks.{layer}.attn.{part}"
            if part in stacked:
                shape, axes = shapes[part]
                array = _keyed(block, part, ndim=len(shape), axes=axes, key=key)
                _check_keyed(array, key, shape, axes)
                stacked[part].append(array)
            elif part in shapes:
                _check_zero_bias(block, part, *shapes[part], key=key)
            elif part == "mask":
                causal = np.tril(np.ones((n_ctx, n_ctx), dtype=bool))
                if value.shape != causal.shape or not np.array_equal(value.astype(bool), causal):
                    raise ValueError(
                        f"state dict key {key!r} is not the causal mask of n_ctx={n_ctx} "
                        "(lower triangle of ones); this model only attends causally"
                    )
    return tuple(np.stack(stacked[part]) for part in ("W_Q", "W_K", "W_V", "W_O"))


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


def _check_subspaces(subspaces: Mapping[str, slice] | None, d_model: int) -> OrderedDict[str, slice]:
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
