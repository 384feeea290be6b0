"""Training data: random tokens in which chunks of random length copy earlier stretches.

Only an induction circuit beats chance on a copy: the tokens are uniform and independent,
so the next token is predictable only where it continues an earlier chunk. Where each copy
lands, where it copies from and how long it is vary from sequence to sequence; with a fixed
period a head that attends by position alone solves the task and no induction circuit forms.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["COPY_SHARE", "copied_chunks_batch", "repeated_halves_batch"]

IntArray = NDArray[np.int64]

#: The share of chunks that copy an earlier stretch (the others are fresh random tokens).
COPY_SHARE = 0.5


def copied_chunks_batch(
    rng: np.random.Generator, batch: int, n_ctx: int, d_vocab: int, min_chunk: int, max_chunk: int
) -> tuple[IntArray, NDArray[np.float64]]:
    """``batch`` sequences of ``n_ctx`` random tokens in which some chunks copy earlier ones.

    After a random first stretch of ``min_chunk .. 2 * min_chunk`` tokens, each sequence is
    cut into chunks of random length ``L`` (uniform in ``min_chunk .. max_chunk``, as far as
    the tokens before and after allow); each chunk is, with probability :data:`COPY_SHARE`, a
    copy of the ``L`` tokens at a random earlier place (anywhere before it, overlapping
    earlier copies or not), else fresh random tokens. So copies land everywhere, at every
    distance, and every position but the last few is sometimes the source an induction
    head must find: a previous-token head has to look one back from every position.

    Returns ``tokens [batch, n_ctx]`` and ``repeated [batch, n_ctx - 1]``: 1 where the
    prediction at position ``p`` (of token ``p + 1``) continues a copy (``d <= p <= d + L - 2``
    for a copy landing at ``d``), else 0.
    """
    if not (2 <= min_chunk <= max_chunk and 2 * min_chunk <= n_ctx):
        raise ValueError(
            f"chunk lengths must satisfy 2 <= min_chunk <= max_chunk and 2 * min_chunk <= n_ctx, got "
            f"min_chunk={min_chunk}, max_chunk={max_chunk}, n_ctx={n_ctx}"
        )
    tokens = rng.integers(0, d_vocab, size=(batch, n_ctx))
    repeated = np.zeros((batch, n_ctx - 1))
    for b in range(batch):
        pos = int(rng.integers(min_chunk, min(2 * min_chunk, n_ctx - min_chunk) + 1))
        while pos + min_chunk <= n_ctx:
            length = int(rng.integers(min_chunk, min(max_chunk, pos, n_ctx - pos) + 1))
            if rng.random() < COPY_SHARE:
                source = int(rng.integers(0, pos - length + 1))
                tokens[b, pos : pos + length] = tokens[b, source : source + length]
                repeated[b, pos : pos + length - 1] = 1.0
            pos += length
    return tokens.astype(np.int64), repeated


def repeated_halves_batch(
    rng: np.random.Generator, batch: int, n_ctx: int, d_vocab: int
) -> tuple[IntArray, NDArray[np.float64]]:
    """Sequences whose second half repeats their first (``n_ctx`` even): the clip's picture.

    Returns tokens and the mask of predictions continuing the copy, as
    :func:`copied_chunks_batch` does.
    """
    half = n_ctx // 2
    first = rng.integers(0, d_vocab, size=(batch, half))
    tokens = np.concatenate([first, first], axis=1)[:, : 2 * half]
    repeated = np.zeros((batch, 2 * half - 1))
    repeated[:, half:] = 1.0
    return tokens.astype(np.int64), repeated
