"""Circuit views of an :class:`~circuit_clips.model.AttnOnlyTransformer`.

Code uses row vectors (``x @ W``), as TransformerLens does; the paper and
the clips' equations use column vectors. Each function says how its matrix
relates to the paper's, which is always the transpose (or the same matrix
read the other way round).

* QK and OV matrices of a head and their rank: :func:`qk_matrix`,
  :func:`ov_matrix`, :func:`rank`.
* Full circuits over the vocabulary: :func:`full_qk_circuit`,
  :func:`full_ov_circuit`; copying: :func:`ov_eigenvalues`, :func:`copying_score`.
* How heads in different layers talk: :func:`virtual_weights`,
  :func:`composition_score`, against :func:`composition_baseline` (random
  heads of the same shapes) and :func:`composition_ceiling` (the most the
  two heads' singular values allow).
* Path expansion of the logits: :func:`path_expansion`.
* The paper's orientation (column vectors), for drawing: :func:`paper_weight`,
  :func:`paper_ov_matrix`, :func:`paper_full_ov_circuit`, :func:`paper_virtual_weights`.
* Probabilities from logits: :func:`softmax` (the model's own).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray

from circuit_clips.model import AttnOnlyTransformer, _softmax

__all__ = [
    "COMPOSITION_BASELINE_DRAWS",
    "COMPOSITION_BASELINE_SEED",
    "COMPOSITION_KINDS",
    "composition_baseline",
    "composition_ceiling",
    "composition_score",
    "copying_score",
    "full_ov_circuit",
    "full_qk_circuit",
    "head_name",
    "ov_eigenvalues",
    "ov_matrix",
    "paper_full_ov_circuit",
    "paper_ov_matrix",
    "paper_virtual_weights",
    "paper_weight",
    "path_expansion",
    "qk_matrix",
    "rank",
    "softmax",
    "virtual_weights",
]

FloatArray = NDArray[np.float64]

#: Which input of the later head reads what the earlier head wrote.
COMPOSITION_KINDS = ("Q", "K", "V")


def head_name(layer: int, head: int) -> str:
    """TransformerLens-style short name of a head, e.g. ``"L1H0"``."""
    return f"L{layer}H{head}"


def _check_head(model: AttnOnlyTransformer, layer: int, head: int) -> None:
    if not 0 <= layer < model.n_layers:
        raise ValueError(
            f"layer {layer} does not exist: model {model.name!r} has "
            f"{model.n_layers} layer(s), numbered from 0"
        )
    if not 0 <= head < model.n_heads:
        raise ValueError(
            f"head {head} does not exist: model {model.name!r} has "
            f"{model.n_heads} head(s) per layer, numbered from 0"
        )


# ----------------------------------------------------------- QK and OV
def qk_matrix(model: AttnOnlyTransformer, layer: int, head: int) -> FloatArray:
    """``W_QK = W_Q W_K^T``, shape ``[d_model, d_model]``.

    The (unscaled) score of destination ``x_i`` on source ``x_j`` is
    ``x_i @ W_QK @ x_j``. This is also the paper's ``W_QK = W_Q^T W_K``
    (its ``W_Q`` is ``[d_head, d_model]``, the transpose of ours), with the
    same reading: rows are the destination (query) side.
    """
    _check_head(model, layer, head)
    return model.W_Q[layer, head] @ model.W_K[layer, head].T


def ov_matrix(model: AttnOnlyTransformer, layer: int, head: int) -> FloatArray:
    """``W_OV = W_V W_O``, shape ``[d_model, d_model]``: a source ``x`` writes ``x @ W_OV``.

    The paper's ``W_OV = W_O W_V`` (column vectors) is the transpose.
    """
    _check_head(model, layer, head)
    return model.W_V[layer, head] @ model.W_O[layer, head]


def rank(matrix: ArrayLike, rtol: float = 1e-9) -> int:
    """Numerical rank: singular values above ``rtol`` times the largest."""
    arr = np.asarray(matrix, dtype=np.float64)
    if arr.size == 0:
        return 0
    s = np.linalg.svd(arr, compute_uv=False)
    return int(np.sum(s > rtol * s.max())) if s.max() > 0 else 0


def full_qk_circuit(model: AttnOnlyTransformer, layer: int, head: int) -> FloatArray:
    """``W_E W_Q W_K^T W_E^T``, shape ``[d_vocab (query token), d_vocab (key token)]``.

    Entry ``[a, b]`` is the unscaled score a destination holding token ``a``
    gives a source holding token ``b``, counting the token embeddings only
    (no position, no earlier layers). The paper's ``W_E^T W_QK W_E`` is this
    same table, not transposed: its ``W_E`` is our ``W_E^T`` and its
    ``W_QK = W_Q^T W_K`` is our :func:`qk_matrix`, so rows are query tokens
    in both.
    """
    return model.W_E @ qk_matrix(model, layer, head) @ model.W_E.T


def full_ov_circuit(model: AttnOnlyTransformer, layer: int, head: int) -> FloatArray:
    """``W_E W_V W_O W_U``, shape ``[d_vocab (source token), d_vocab (output token)]``.

    Entry ``[b, c]`` is how much fully attending to token ``b`` raises the
    logit of ``c`` (token embeddings only). The paper's ``W_U W_OV W_E`` is
    the transpose.
    """
    return model.W_E @ ov_matrix(model, layer, head) @ model.W_U


def ov_eigenvalues(model: AttnOnlyTransformer, layer: int, head: int) -> NDArray[np.complex128]:
    """Eigenvalues of the full OV circuit, largest real part first.

    Positive eigenvalues mean copying: attending to a token raises that
    same token. (The full OV circuit and its transpose share eigenvalues.)
    """
    eig = np.linalg.eigvals(full_ov_circuit(model, layer, head))
    return eig[np.argsort(-eig.real, kind="stable")]


def copying_score(eigenvalues: ArrayLike) -> float:
    """The paper's summary ``sum(lambda) / sum(|lambda|)``: +1 pure copying, -1 anti-copying.

    Returns 0 for a zero matrix.
    """
    eig = np.asarray(eigenvalues)
    total = np.abs(eig).sum()
    return float(eig.sum().real / total) if total > 0 else 0.0


# ---------------------------------------------------------- composition
def virtual_weights(
    model: AttnOnlyTransformer,
    writer_layer: int,
    writer_head: int,
    reader_layer: int,
    reader_head: int,
    kind: str = "K",
) -> FloatArray:
    """How a later head's query, key or value reads what an earlier head writes.

    ``W_O^{writer} @ W_X^{reader}`` with ``X`` = ``kind`` in ``Q``, ``K``, ``V``,
    shape ``[d_head (writer's z), d_head (reader's q/k/v)]``. Because the
    residual stream is linear and additive, the reader's input gets
    ``z^{writer} @ (this matrix)`` from the writer. The paper writes it
    ``W_X^2 W_O^1`` (column vectors; the transpose).

    Raises
    ------
    ValueError
        If the writer is not in an earlier layer, or ``kind`` is unknown.
    """
    _check_head(model, writer_layer, writer_head)
    _check_head(model, reader_layer, reader_head)
    if writer_layer >= reader_layer:
        raise ValueError(
            f"the writer (layer {writer_layer}) must come before the reader "
            f"(layer {reader_layer}): a head only reads earlier layers"
        )
    reader = {"Q": model.W_Q, "K": model.W_K, "V": model.W_V}.get(kind)
    if reader is None:
        raise ValueError(f"kind must be one of {COMPOSITION_KINDS}, got {kind!r}")
    return model.W_O[writer_layer, writer_head] @ reader[reader_layer, reader_head]


def composition_score(
    model: AttnOnlyTransformer,
    writer_layer: int,
    writer_head: int,
    reader_layer: int,
    reader_head: int,
    kind: str = "K",
) -> float:
    """The paper's composition score ``||W_A W_B||_F / (||W_A||_F ||W_B||_F)``.

    In the paper's (column) notation, with ``W_OV^1`` the writer's OV matrix:
    Q-composition uses ``W_QK^{2T} W_OV^1``, K-composition
    ``W_QK^2 W_OV^1`` and V-composition ``W_OV^2 W_OV^1``. Here the same
    products in row convention: ``W_OV^1 W_QK^2``, ``W_QK^2 W_OV^{1T}`` and
    ``W_OV^1 W_OV^2`` (equal norms). Between 0 (the reader ignores what the
    writer writes) and 1; read it against :func:`composition_baseline` (what
    random heads of these shapes score) and :func:`composition_ceiling`.
    """
    ov1, second = _composition_pair(model, writer_layer, writer_head, reader_layer, reader_head, kind)
    return _composition(ov1, second, kind)


#: Random draws behind :func:`composition_baseline`, and their seed.
COMPOSITION_BASELINE_DRAWS = 200
COMPOSITION_BASELINE_SEED = 0


def composition_baseline(
    model: AttnOnlyTransformer,
    kind: str = "K",
    draws: int = COMPOSITION_BASELINE_DRAWS,
    seed: int = COMPOSITION_BASELINE_SEED,
) -> float:
    """What heads of this model's shapes score when their weights are random: the paper's baseline.

    The mean of :func:`composition_score`'s formula over ``draws`` sets of
    independent standard Gaussian ``W_Q, W_K, W_V`` ``[d_model, d_head]`` and
    ``W_O`` ``[d_head, d_model]`` (``numpy.random.default_rng(seed)``;
    200 draws, seed 0 by default). The paper subtracts this from a score.
    For large ``d_model`` it is close to ``1 / sqrt(d_model)`` whatever
    ``d_head`` is (``E||W_A W_B||^2 / (E||W_A||^2 E||W_B||^2) = 1 / d_model``).
    """
    if kind not in COMPOSITION_KINDS:
        raise ValueError(f"kind must be one of {COMPOSITION_KINDS}, got {kind!r}")
    if model.n_layers < 2:
        raise ValueError(f"model {model.name!r} has {model.n_layers} layer(s); composition needs two")
    if not (isinstance(draws, int) and draws >= 1):
        raise ValueError(f"draws must be a positive integer, got {draws!r}")
    rng = np.random.default_rng(seed)
    n, h = model.d_model, model.d_head
    scores = []
    for _ in range(draws):
        V1, Q2, K2, V2 = (rng.standard_normal((n, h)) for _ in range(4))
        O1, O2 = (rng.standard_normal((h, n)) for _ in range(2))
        second = V2 @ O2 if kind == "V" else Q2 @ K2.T
        scores.append(_composition(V1 @ O1, second, kind))
    return float(np.mean(scores))


def composition_ceiling(
    model: AttnOnlyTransformer,
    writer_layer: int,
    writer_head: int,
    reader_layer: int,
    reader_head: int,
    kind: str = "K",
) -> float:
    """The highest score these two heads could reach if the reader's input directions
    lined up with the writer's output directions (their singular values kept).

    ``sqrt(sum_i s_i^2 t_i^2) / (||W_A||_F ||W_B||_F)`` with ``s`` and ``t``
    the two matrices' singular values, largest first (von Neumann's trace
    inequality: no rotation between them does better, and aligning the
    singular vectors reaches it). For two matrices with equal singular
    values and ranks ``r_A``, ``r_B`` it is ``1 / sqrt(max(r_A, r_B))``: a
    rank-8 head that writes 8 directions equally can score at most 0.35.
    """
    ov1, second = _composition_pair(model, writer_layer, writer_head, reader_layer, reader_head, kind)
    s = np.linalg.svd(ov1, compute_uv=False)
    t = np.linalg.svd(second, compute_uv=False)
    denom = np.linalg.norm(s) * np.linalg.norm(t)
    return float(np.sqrt(np.sum(s**2 * t**2)) / denom) if denom > 0 else 0.0


def _composition_pair(
    model: AttnOnlyTransformer,
    writer_layer: int,
    writer_head: int,
    reader_layer: int,
    reader_head: int,
    kind: str,
) -> tuple[FloatArray, FloatArray]:
    """The writer's ``W_OV`` and the reader's ``W_QK`` (Q, K) or ``W_OV`` (V), checked."""
    virtual_weights(model, writer_layer, writer_head, reader_layer, reader_head, kind)  # checks
    ov1 = ov_matrix(model, writer_layer, writer_head)
    if kind == "V":
        return ov1, ov_matrix(model, reader_layer, reader_head)
    return ov1, qk_matrix(model, reader_layer, reader_head)


def _composition(ov1: FloatArray, second: FloatArray, kind: str) -> float:
    """``||product|| / (||ov1|| ||second||)`` with the product of ``kind`` (row convention)."""
    product = second @ ov1.T if kind == "K" else ov1 @ second
    denom = np.linalg.norm(ov1) * np.linalg.norm(second)
    return float(np.linalg.norm(product) / denom) if denom > 0 else 0.0


# ------------------------------------------------------- path expansion
def path_expansion(model: AttnOnlyTransformer, tokens: ArrayLike) -> OrderedDict[str, FloatArray]:
    """Split the logits into one term per path through the heads.

    With the attention patterns ``A`` of the actual run held fixed, the
    model is linear in ``x0 = W_E[tokens] + W_pos``, and the logits are the
    sum over every path that visits at most one head per layer, in order::

        direct:            x0 W_U
        one head h:        A^h x0 W_OV^h W_U
        virtual head h1>h2: (A^{h2} A^{h1}) x0 W_OV^{h1} W_OV^{h2} W_U
        ...

    (the paper's ``(A^{h2} A^{h1}) (x) (W_U W_OV^{h2} W_OV^{h1} W_E)``).
    For a two-layer model that is the direct path, each layer-0 head, each
    layer-1 head acting on ``x0``, and each virtual head.

    Parameters
    ----------
    model : AttnOnlyTransformer
    tokens : array_like of int, shape [pos]

    Returns
    -------
    OrderedDict of str to ndarray [pos, d_vocab]
        ``"direct"`` first, then single heads (``"L0H0"``, ``"L0H1"``, ...,
        ``"L1H0"``, ...), then virtual heads (``"L0H0->L1H0"``, ...), in
        order of length. The terms sum to the model's logits.
    """
    _, cache = model.run_with_cache(tokens)
    x0 = cache["hook_embed"] + cache["hook_pos_embed"]
    # Contribution of each path to the residual stream, built layer by layer.
    streams: dict[tuple[tuple[int, int], ...], FloatArray] = {(): x0}
    for layer in range(model.n_layers):
        pattern = cache[f"blocks.{layer}.attn.hook_pattern"]
        new = {}
        for path, stream in streams.items():
            for head in range(model.n_heads):
                new[path + ((layer, head),)] = pattern[head] @ stream @ ov_matrix(model, layer, head)
        streams.update(new)
    order = sorted(streams, key=lambda path: (len(path), path))
    return OrderedDict(
        ("->".join(itertools.starmap(head_name, path)) or "direct", streams[path] @ model.W_U)
        for path in order
    )


# ----------------------------------------------------------- the paper's orientation
#: Each weight's shape in the paper's orientation (column vectors), by name.
PAPER_SHAPES = {
    "W_E": "[d_model, d_vocab]",
    "W_pos": "[d_model, n_ctx]",
    "W_U": "[d_vocab, d_model]",
    "W_Q": "[d_head, d_model]",
    "W_K": "[d_head, d_model]",
    "W_V": "[d_head, d_model]",
    "W_O": "[d_model, d_head]",
}


def paper_weight(
    model: AttnOnlyTransformer, name: str, layer: int | None = None, head: int | None = None
) -> FloatArray:
    """Weight ``name`` as the paper writes it, for column vectors: the transpose of the code's.

    ``W_E`` ``[d_model, d_vocab]``, ``W_pos`` ``[d_model, n_ctx]``, ``W_U`` ``[d_vocab, d_model]``;
    a head's ``W_Q``, ``W_K``, ``W_V`` ``[d_head, d_model]`` and ``W_O`` ``[d_model, d_head]``
    (these need ``layer`` and ``head``). So ``paper_weight(m, "W_V", l, h) @ x`` is the head's
    value of a stream column ``x``.
    """
    if name not in PAPER_SHAPES:
        raise ValueError(f"unknown weight {name!r}: use one of {', '.join(PAPER_SHAPES)}")
    weight = getattr(model, name)
    if name in ("W_E", "W_pos", "W_U"):
        if layer is not None or head is not None:
            raise ValueError(f"{name} belongs to the whole model: give no layer or head")
        return weight.T
    if layer is None or head is None:
        raise ValueError(f"{name} belongs to one head: give its layer and head")
    _check_head(model, layer, head)
    return weight[layer, head].T


def paper_ov_matrix(model: AttnOnlyTransformer, layer: int, head: int) -> FloatArray:
    """The paper's ``W_OV = W_O W_V``, ``[d_model (written), d_model (read)]``: :func:`ov_matrix` transposed."""
    return ov_matrix(model, layer, head).T


def paper_full_ov_circuit(model: AttnOnlyTransformer, layer: int, head: int) -> FloatArray:
    """The paper's ``W_U W_OV W_E``, ``[d_vocab (output token), d_vocab (source token)]``."""
    return full_ov_circuit(model, layer, head).T


def paper_virtual_weights(
    model: AttnOnlyTransformer,
    writer_layer: int,
    writer_head: int,
    reader_layer: int,
    reader_head: int,
    kind: str,
) -> FloatArray:
    """The paper's virtual weights (e.g. ``W_K^{(1)} W_O^{(0)}``): :func:`virtual_weights` transposed."""
    return virtual_weights(model, writer_layer, writer_head, reader_layer, reader_head, kind).T


def softmax(logits: ArrayLike) -> FloatArray:
    """Probabilities over the last axis: the model's own softmax (used by its attention)."""
    return _softmax(np.asarray(logits, dtype=np.float64))
