"""Hand-built toy models whose circuits are exactly the ones the clips explain.

* :func:`induction_model` - two layers, one head each: a previous-token head
  and an induction head (K-composition). ``Mr D urs ley said Mr D -> urs``;
  with ``bos=True`` a beginning-of-sequence token where heads with nothing
  to find rest.
* :func:`skip_trigram_model` - one layer: a skip-trigram head
  (``keep ... in -> mind`` and, unavoidably, ``keep ... in -> bay``) and a
  copying head.
* :func:`zero_layer_model` - no layers: ``W_E W_U`` is the best rank-``d_model``
  approximation of the bigram log-probabilities of a shipped text.

Every weight is set by hand (or by an SVD, for the zero-layer model); the
tests in ``tests/test_toy_models.py`` check each claim on many inputs.
"""

from __future__ import annotations

import math
import re
from collections import Counter, OrderedDict
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from circuit_clips.model import AttnOnlyTransformer

__all__ = [
    "ATTN_GAIN",
    "BOS_TOKEN",
    "INDUCTION_VOCAB",
    "LOGIT_GAIN",
    "OTHER_TOKEN",
    "RUNNING_EXAMPLE",
    "SKIP_TRIGRAM_VOCAB",
    "SMOOTHING",
    "TEXT_FILE",
    "bigram_counts",
    "bigram_frequencies",
    "bigram_log_probs",
    "corpus_words",
    "induction_model",
    "skip_trigram_model",
    "zero_layer_model",
]

#: Attention score (after dividing by ``attn_scale``) of a matching key; other keys score 0.
#: With at most 16 keys, ``e^10 / (e^10 + 15) > 0.999``: patterns are sharp. (The BOS
#: induction head scores a match twice this and the BOS key this, one gain apart.)
ATTN_GAIN = 10.0
#: Logit of a token that a head fully writes into the ``output`` subspace.
LOGIT_GAIN = 10.0

#: The beginning-of-sequence token of ``induction_model(bos=True)`` (TransformerLens's name).
BOS_TOKEN = "<bos>"
INDUCTION_VOCAB = ["Mr", "D", "urs", "ley", "said", "the", "cat", "sat"]
#: The running example of the clips: the model predicts ``urs`` after the last ``D``.
RUNNING_EXAMPLE = ["Mr", "D", "urs", "ley", "said", "Mr", "D"]

SKIP_TRIGRAM_VOCAB = ["keep", "in", "at", "mind", "bay", "it", "them", "this"]

TEXT_FILE = "harbour.txt"
#: Pseudo-count added to every bigram count before taking logs (:func:`bigram_log_probs`):
#: light, so that the smoothed table is the story's own (every entry within 7 percentage
#: points of the count, a pair the story never has below 1%). Much lighter (0.02 or less)
#: and the rank-4 model spends its rank on the never-seen pairs: its best guess after "of"
#: becomes "<other>".
SMOOTHING = 0.1
OTHER_TOKEN = "<other>"


def _qk_factor(d_head: int) -> float:
    """Entry of ``W_Q`` and of ``W_K`` so that a match scores ``ATTN_GAIN`` after scaling."""
    return math.sqrt(ATTN_GAIN * math.sqrt(d_head))


# ---------------------------------------------------------------- induction
def induction_model(n_ctx: int = 12, bos: bool = True) -> AttnOnlyTransformer:
    """Two layers, one head each: a previous-token head, then an induction head.

    With ``bos`` (the default, the paper's and every clip's model) position 0
    holds a beginning-of-sequence token where a head with nothing to find
    rests; ``bos=False`` is the first edition's model without it.

    The residual stream (``d_model = 3 * d_vocab + n_ctx``: 36 by default,
    39 with ``bos``, whose ``d_vocab`` is 9) is split into labelled
    subspaces, in this order:

    ============== ============ ==========================================
    name           size         content
    ============== ============ ==========================================
    token          d_vocab (8)  one-hot of the current token (``W_E``)
    position       n_ctx (12)   one-hot of the position (``W_pos``)
    previous token d_vocab (8)  written by layer 0 head 0
    output         d_vocab (8)  written by layer 1 head 0, read by ``W_U``
    ============== ============ ==========================================

    ``d_head = max(n_ctx, d_vocab)`` (``max(n_ctx, d_vocab + 1)`` with
    ``bos``): the shift of positions needs ``n_ctx - 1`` dimensions, the
    match of tokens ``d_vocab`` (and the rest on BOS one more).

    * Layer 0 head 0, previous-token head. QK reads ``position``: the query
      of position ``i`` matches the key of position ``i - 1`` (score
      :data:`ATTN_GAIN`). OV copies ``token`` into ``previous token``.
      Position 0 has nothing before it and attends to itself.
    * Layer 1 head 0, induction head. The query reads ``token`` (current
      token A); the key reads ``previous token`` (K-composition), so it
      attends to the position just after an earlier A. OV copies the
      attended ``token`` (B) into ``output``; ``W_U`` reads ``output``, so
      ``[A][B] ... [A]`` predicts ``[B]``.

    Without ``bos`` (vocabulary :data:`INDUCTION_VOCAB`): position 0's
    ``previous token`` holds its own token, so the key also reads position
    0's one-hot with a negative weight ("nothing came before me") so that
    position 0 never looks like a match. A query with no earlier match
    spreads its attention evenly over positions 1 to itself (position 0
    and 1 attend to themselves) and writes their tokens' mix, its own
    token among them.

    With ``bos`` (vocabulary ``["<bos>"] + INDUCTION_VOCAB``, ``to_tokens``
    prepends :data:`BOS_TOKEN` at position 0, as TransformerLens does), the
    paper's behaviour: BOS carries no value in either head (its ``W_V`` rows
    are zero), so the previous-token head at position 1 (and at BOS itself)
    reads BOS and writes nothing. The induction head scores a matching key
    ``2 * ATTN_GAIN``, the BOS key ``ATTN_GAIN`` and every other key 0: with
    an earlier match it attends there (weight > 0.999); with none it rests
    on BOS (weight > 0.999) and writes (nearly) nothing, so the model
    predicts no particular token (every logit below ``0.01 * LOGIT_GAIN``).

    The direct path (``W_E W_U``) is zero: every prediction comes from the heads.

    Parameters
    ----------
    n_ctx : int
        Context length (and size of the ``position`` subspace), at least 2
        (a previous token needs a position before it); BOS takes position 0.
    bos : bool
        Add the beginning-of-sequence token (default ``True``).

    Returns
    -------
    AttnOnlyTransformer
        ``attn_scale = sqrt(d_head)``; ``bos_token`` is :data:`BOS_TOKEN`
        with ``bos``, else ``None``.
    """
    if not isinstance(n_ctx, int) or n_ctx < 2:
        raise ValueError(
            f"n_ctx must be an integer of at least 2 (a previous token needs a "
            f"position before it), got {n_ctx!r}"
        )
    vocab = [BOS_TOKEN, *INDUCTION_VOCAB] if bos else INDUCTION_VOCAB
    n_vocab = len(vocab)
    subspaces = _blocks(
        [("token", n_vocab), ("position", n_ctx), ("previous token", n_vocab), ("output", n_vocab)]
    )
    tok, pos, prev, out = subspaces.values()
    d_model, d_head = out.stop, max(n_ctx, n_vocab + 1 if bos else n_vocab)
    g = _qk_factor(d_head)
    eye = np.eye(n_vocab)
    is_word = np.ones(n_vocab)  # every token but BOS carries a value
    if bos:
        is_word[0] = 0.0
    value = np.diag(is_word)

    W_E = np.zeros((n_vocab, d_model))
    W_E[:, tok] = eye
    W_pos = np.zeros((n_ctx, d_model))
    W_pos[:, pos] = np.eye(n_ctx)
    W_U = np.zeros((d_model, n_vocab))
    W_U[out, :] = LOGIT_GAIN * eye

    W_Q, W_K, W_V = (np.zeros((2, 1, d_model, d_head)) for _ in range(3))
    W_O = np.zeros((2, 1, d_head, d_model))
    blocks = (tok, pos, prev, out)
    _previous_token_head(W_Q[0, 0], W_K[0, 0], W_V[0, 0], W_O[0, 0], blocks, value, g)
    _induction_head(W_Q[1, 0], W_K[1, 0], W_V[1, 0], W_O[1, 0], blocks, value, g, bos=bos)

    return AttnOnlyTransformer(
        W_E,
        W_pos,
        W_U,
        W_Q,
        W_K,
        W_V,
        W_O,
        vocab=vocab,
        name="induction",
        subspaces=subspaces,
        bos_token=BOS_TOKEN if bos else None,
    )


def _previous_token_head(W_Q, W_K, W_V, W_O, blocks, value, g) -> None:
    """Fill one head's weights (views into the layer arrays) as the previous-token head:
    position ``i`` (``i >= 1``) queries along head dim ``i - 1``, position ``j`` keys along dim
    ``j``; OV copies ``token`` (times ``value``: BOS carries none) into ``previous token``."""
    tok, pos, prev, _ = blocks
    n_ctx, n_vocab = pos.stop - pos.start, tok.stop - tok.start
    for i in range(1, n_ctx):
        W_Q[pos.start + i, i - 1] = g
        W_K[pos.start + i - 1, i - 1] = g
    W_V[tok, :n_vocab] = value
    W_O[:n_vocab, prev] = np.eye(n_vocab)


def _induction_head(W_Q, W_K, W_V, W_O, blocks, value, g, *, bos: bool) -> None:
    """Fill one head's weights as the induction head: the query reads the current ``token``,
    the key the ``previous token`` (K-composition); OV copies ``token`` into ``output``."""
    tok, pos, prev, out = blocks
    n_vocab = tok.stop - tok.start
    eye = np.eye(n_vocab)
    if bos:
        # A match scores 2 * ATTN_GAIN on the token dims; head dim n_vocab gives
        # the BOS key ATTN_GAIN (the query's 1 there comes from its position
        # one-hot, which every position has; the key's from the BOS token).
        W_Q[tok, :n_vocab] = 2 * g * value
        W_K[prev, :n_vocab] = g * eye
        W_Q[pos, n_vocab] = g
        W_K[tok.start, n_vocab] = g
    else:
        # Minus a flag at position 0.
        W_Q[tok, :n_vocab] = g * eye
        W_K[prev, :n_vocab] = g * eye
        W_K[pos.start, :n_vocab] = -g
    W_V[tok, :n_vocab] = value
    W_O[:n_vocab, out] = eye


# ------------------------------------------------------------- skip-trigram
def skip_trigram_model(n_ctx: int = 12, copying_head: bool = True) -> AttnOnlyTransformer:
    """One layer: a skip-trigram head (head 0) and, optionally, a copying head (head 1).

    Residual stream: ``token`` (one-hot of the current token, 8 dims) then
    ``output`` (8 dims, read by ``W_U``); ``d_model = 16``, ``d_head = 8``.
    ``W_pos`` is zero (this model ignores position) and the direct path
    ``W_E W_U`` is zero, so every logit comes from a head.

    * Head 0. QK: a query ``in`` or ``at`` matches a key ``keep`` (score
      :data:`ATTN_GAIN`); every other query scores ``-ATTN_GAIN`` against
      ``keep`` (it looks away from ``keep`` and spreads its attention over
      the other tokens); all other pairs score 0. The full QK circuit is
      rank 1: one column, ``keep``. OV: attending to ``keep`` writes both ``mind``
      and ``bay`` into ``output``; other tokens write nothing. So
      ``keep ... in -> mind`` and ``keep ... at -> bay`` work, and the bugs
      ``keep ... in -> bay`` and ``keep ... at -> mind`` get exactly the same
      boost: QK and OV are separate circuits, and the head cannot tie its
      output to its destination.
    * Head 1 (if ``copying_head``), a copying head. QK is zero (attention is
      spread evenly over the context); OV copies each token into its own
      output slot at half strength: its full OV circuit is ``LOGIT_GAIN / 2``
      times the identity, whose eigenvalues are all positive. It raises
      tokens already in the context, never ``mind`` or ``bay`` unless they
      occurred.

    Parameters
    ----------
    n_ctx : int
        Context length.
    copying_head : bool
        Add head 1.

    Returns
    -------
    AttnOnlyTransformer
        Vocabulary :data:`SKIP_TRIGRAM_VOCAB`.
    """
    vocab = SKIP_TRIGRAM_VOCAB
    n_vocab = len(vocab)
    ids = {t: i for i, t in enumerate(vocab)}
    subspaces = _blocks([("token", n_vocab), ("output", n_vocab)])
    tok, out = subspaces.values()
    d_model, d_head, n_heads = out.stop, n_vocab, 2 if copying_head else 1
    g = _qk_factor(d_head)
    eye = np.eye(n_vocab)

    W_E = np.zeros((n_vocab, d_model))
    W_E[:, tok] = eye
    W_pos = np.zeros((n_ctx, d_model))
    W_U = np.zeros((d_model, n_vocab))
    W_U[out, :] = LOGIT_GAIN * eye

    W_Q, W_K, W_V = (np.zeros((1, n_heads, d_model, d_head)) for _ in range(3))
    W_O = np.zeros((1, n_heads, d_head, d_model))
    # Head 0: [keep] ... [in|at] -> mind, bay.
    W_Q[0, 0, tok, 0] = -g
    W_Q[0, 0, tok.start + ids["in"], 0] = g
    W_Q[0, 0, tok.start + ids["at"], 0] = g
    W_K[0, 0, tok.start + ids["keep"], 0] = g
    W_V[0, 0, tok.start + ids["keep"], 0] = 1.0
    W_O[0, 0, 0, out.start + ids["mind"]] = 1.0
    W_O[0, 0, 0, out.start + ids["bay"]] = 1.0
    if copying_head:
        W_V[0, 1, tok, :] = eye
        W_O[0, 1, :, out] = 0.5 * eye

    return AttnOnlyTransformer(
        W_E,
        W_pos,
        W_U,
        W_Q,
        W_K,
        W_V,
        W_O,
        vocab=vocab,
        name="skip-trigram",
        subspaces=subspaces,
    )


# --------------------------------------------------------------- zero-layer
def corpus_words() -> list[str]:
    """The shipped text (:data:`TEXT_FILE`) as lower-case words, in order."""
    text = resources.files("circuit_clips").joinpath("data", TEXT_FILE).read_text("utf-8")
    return re.findall(r"[a-z']+", text.lower())


def bigram_counts(n_words: int = 12) -> tuple[list[str], NDArray[np.int64]]:
    """How often each word follows each other word in the shipped text: the story's own table.

    The vocabulary is the ``n_words`` most frequent words (ties broken by
    first appearance) plus :data:`OTHER_TOKEN` for every other word.

    Returns
    -------
    vocab : list of str
        ``n_words + 1`` tokens, the most frequent first, ``"<other>"`` last.
    counts : ndarray of int, shape [d_vocab, d_vocab]
        ``counts[current, next]``: how many times ``next`` comes right after ``current``.
    """
    words = corpus_words()
    if not 1 <= n_words < len(set(words)):
        raise ValueError(f"n_words must be between 1 and {len(set(words)) - 1}, got {n_words}")
    counts = Counter(words)
    first = {w: i for i, w in reversed(list(enumerate(words)))}
    top = sorted(counts, key=lambda w: (-counts[w], first[w]))[:n_words]
    vocab = top + [OTHER_TOKEN]
    index = {w: i for i, w in enumerate(top)}
    ids = [index.get(w, n_words) for w in words]
    pair_counts = np.zeros((len(vocab), len(vocab)), dtype=np.int64)
    for src, dst in zip(ids[:-1], ids[1:]):
        pair_counts[src, dst] += 1
    return vocab, pair_counts


def bigram_frequencies(n_words: int = 12) -> tuple[list[str], NDArray[np.float64]]:
    """The story's conditional frequencies ``count / row total``: ``P(next | current)``, unsmoothed.

    Every percentage a clip quotes for the story comes from here. A row
    whose word is never followed by anything (only the text's last word
    could be) is all zero.

    Returns
    -------
    vocab : list of str
    table : ndarray, shape [d_vocab, d_vocab]
        ``table[current, next]``; each row sums to 1 (or is all zero).
    """
    vocab, counts = bigram_counts(n_words)
    totals = counts.sum(axis=1, keepdims=True)
    return vocab, np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)


def bigram_log_probs(
    n_words: int = 12, smoothing: float = SMOOTHING
) -> tuple[list[str], NDArray[np.float64]]:
    """The log-probabilities the zero-layer model is fit to: the story's table, lightly smoothed.

    ``log((count + smoothing) / (row total + d_vocab * smoothing))``: a pair
    the story never has gets a small probability instead of ``log 0 = -inf``.
    With the default :data:`SMOOTHING` and ``n_words = 12`` every probability
    is within 7 percentage points of :func:`bigram_frequencies` and every
    never-seen pair is below 1% (add-one smoothing would move some by 37
    points on this 1029-word text, and by 48 on its first, 419-word edition).

    Returns
    -------
    vocab : list of str
        ``n_words + 1`` tokens, the most frequent first, ``"<other>"`` last.
    table : ndarray, shape [d_vocab, d_vocab]
        ``table[current, next] = log P(next | current)``; each row's exponentials sum to 1.
    """
    if not (math.isfinite(smoothing) and smoothing > 0):
        raise ValueError(f"smoothing must be a positive pseudo-count (log 0 is -inf), got {smoothing!r}")
    vocab, counts = bigram_counts(n_words)
    smoothed = counts + smoothing
    return vocab, np.log(smoothed / smoothed.sum(axis=1, keepdims=True))


def zero_layer_model(d_model: int = 4, n_words: int = 12, n_ctx: int = 16) -> AttnOnlyTransformer:
    """A zero-layer model: ``logits = W_E[t] @ W_U``, a low-rank bigram table.

    ``W_E W_U`` is the best rank-``d_model`` approximation (in Frobenius norm,
    by Eckart-Young) of the lightly smoothed log table from :func:`bigram_log_probs`: with the SVD
    ``table = U S V^T``, ``W_E = U_d sqrt(S_d)`` and ``W_U = sqrt(S_d) V_d^T``.
    ``W_pos`` is zero, so position plays no part.

    Parameters
    ----------
    d_model : int
        Width of the residual stream, ``1 <= d_model <= n_words + 1``; at
        ``n_words + 1`` the model reproduces the table exactly.
    n_words : int
        Number of frequent words in the vocabulary (plus ``"<other>"``).
    n_ctx : int
        Context length.
    """
    vocab, table = bigram_log_probs(n_words)
    if not 1 <= d_model <= len(vocab):
        raise ValueError(f"d_model must be between 1 and d_vocab={len(vocab)}, got {d_model}")
    U, S, Vt = np.linalg.svd(table)
    root = np.sqrt(S[:d_model])
    W_E = U[:, :d_model] * root
    W_U = root[:, None] * Vt[:d_model]
    return AttnOnlyTransformer(
        W_E,
        np.zeros((n_ctx, d_model)),
        W_U,
        vocab=vocab,
        name=f"zero-layer (rank {d_model})",
    )


def _blocks(sizes: list[tuple[str, int]]) -> OrderedDict[str, slice]:
    """Consecutive labelled slices of the residual stream."""
    out: OrderedDict[str, slice] = OrderedDict()
    start = 0
    for label, size in sizes:
        out[label] = slice(start, start + size)
        start += size
    return out
