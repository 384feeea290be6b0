"""Training data: random tokens in which a chunk of random length is copied to a random later place.

Only an induction circuit beats chance on the copy: the tokens are uniform and independent,
so the next token is predictable only where it continues an earlier chunk. Where the copy
starts and how long it is vary from sequence to sequence; with a fixed period a head that
attends by position alone solves the task and no induction circuit forms.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["copied_chunk_batch", "repeated_halves_batch"]

IntArray = NDArray[np.int64]


def copied_chunk_batch(
    rng: np.random.Generator, batch: int, n_ctx: int, d_vocab: int, min_chunk: int, max_chunk: int
) -> tuple[IntArray, NDArray[np.float64]]:
    """``batch`` sequences of ``n_ctx`` random tokens, each with one chunk copied later.

    A chunk of length ``L`` (uniform in ``min_chunk..max_chunk``) starting at ``s`` is copied
    to ``d >= s + L`` (uniform over the places that fit). Returns ``tokens [batch, n_ctx]`` and
    ``repeated [batch, n_ctx - 1]``: 1 where the prediction at position ``p`` (of token
    ``p + 1``) continues the copy, i.e. ``d <= p <= d + L - 2``, else 0.
    """
    if not 2 <= min_chunk <= max_chunk <= n_ctx // 2:
        raise ValueError(
            f"chunk lengths must satisfy 2 <= min_chunk <= max_chunk <= n_ctx // 2, got "
            f"min_chunk={min_chunk}, max_chunk={max_chunk}, n_ctx={n_ctx}"
        )
    tokens = rng.integers(0, d_vocab, size=(batch, n_ctx))
    repeated = np.zeros((batch, n_ctx - 1))
    lengths = rng.integers(min_chunk, max_chunk + 1, size=batch)
    for b, length in enumerate(lengths):
        # Pick the source start s and the gap g = d - s - L >= 0 with s + 2L + g <= n_ctx.
        slack = n_ctx - 2 * length
        s_plus_g = rng.integers(0, slack + 1)  # how far the pair is spread
        source = rng.integers(0, s_plus_g + 1)
        dest = s_plus_g + length
        tokens[b, dest : dest + length] = tokens[b, source : source + length]
        repeated[b, dest : dest + length - 1] = 1.0
    return tokens.astype(np.int64), repeated


def repeated_halves_batch(
    rng: np.random.Generator, batch: int, n_ctx: int, d_vocab: int
) -> tuple[IntArray, NDArray[np.float64]]:
    """Sequences whose second half repeats their first (``n_ctx`` even): the clip's picture.

    Returns tokens and the mask of predictions continuing the copy, as
    :func:`copied_chunk_batch` does.
    """
    half = n_ctx // 2
    first = rng.integers(0, d_vocab, size=(batch, half))
    tokens = np.concatenate([first, first], axis=1)[:, : 2 * half]
    repeated = np.zeros((batch, 2 * half - 1))
    repeated[:, half:] = 1.0
    return tokens.astype(np.int64), repeated
