"""Titles and descriptions with inline math: ``"The path $T = W_U W_E$"``.

A clip's ``title`` and ``description`` may hold math between ``$...$`` (TeX, as in
:class:`~manim.MathTex`). The title card typesets it (:meth:`.kit.scene.ClipScene.show_title`);
everywhere text must be plain (the MP4's ``title``/``description`` tags, ``manifest.json``, the
full video's chapters, the title card's caption cue) it is :func:`plain_text`: the math with its
``$`` removed and its TeX made readable. Pure Python (the pipeline reads titles without Manim).
"""

from __future__ import annotations

import re

__all__ = ["split_math", "plain_text", "MATH_SYMBOLS"]

#: TeX commands written as the character a reader sees; other commands lose their backslash
#: (``\sigma`` is in the table, an unknown ``\foo`` reads ``foo``), and font commands such as
#: ``\text{...}`` or ``\mathrm{...}`` keep only their argument.
MATH_SYMBOLS = {
    "cdot": "·",
    "times": "×",
    "otimes": "⊗",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "approx": "≈",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ne": "≠",
    "neq": "≠",
    "sqrt": "√",
    "top": "ᵀ",
    "ldots": "…",
    "dots": "…",
    "cdots": "…",
    "lambda": "λ",
    "sigma": "σ",
    "Sigma": "Σ",
    "sum": "Σ",
    "alpha": "α",
    "beta": "β",
    "mu": "μ",
    "infty": "∞",
    "in": "∈",
}
_FONT_COMMANDS = ("text", "mathrm", "mathbf", "mathit", "mathsf", "operatorname", "textrm", "textbf")
_SPACING = re.compile(r"\\[,;:! ]|~")
_FONT = re.compile(r"\\(?:" + "|".join(_FONT_COMMANDS) + r")\b")
_COMMAND = re.compile(r"\\([A-Za-z]+)")


def split_math(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into ``(is_math, chunk)`` pieces, in order, without the ``$`` signs.

    ``\\$`` is a literal dollar sign in the text. An unclosed ``$`` is an error.

    Examples
    --------
    >>> split_math("The path $T = W_U W_E$ alone")
    [(False, 'The path '), (True, 'T = W_U W_E'), (False, ' alone')]
    """
    pieces: list[tuple[bool, str]] = []
    chunk, math = [], False
    i = 0
    while i < len(text):
        if text.startswith("\\$", i):
            chunk.append("\\$" if math else "$")
            i += 2
            continue
        if text[i] == "$":
            if chunk:
                pieces.append((math, "".join(chunk)))
            chunk, math = [], not math
        else:
            chunk.append(text[i])
        i += 1
    if math:
        raise ValueError(f"unclosed $ in {text!r}: put math between two $ signs (\\$ for a dollar sign)")
    if chunk:
        pieces.append((False, "".join(chunk)))
    return pieces


def _plain_math(tex: str) -> str:
    tex = _SPACING.sub(" ", tex)
    tex = _FONT.sub("", tex)
    tex = _COMMAND.sub(lambda m: MATH_SYMBOLS.get(m.group(1), m.group(1)), tex)
    tex = tex.replace("{", "").replace("}", "").replace("\\", "")
    return " ".join(tex.split())


def plain_text(text: str) -> str:
    """``text`` as plain, readable text: its math without ``$``, TeX spacing, braces and font
    commands, symbols as characters (:data:`MATH_SYMBOLS`); text without math is unchanged
    except that runs of blanks become one space.

    Examples
    --------
    >>> plain_text(r"Each head writes $W_O^h r^h$ into the stream")
    'Each head writes W_O^h r^h into the stream'
    >>> plain_text(r"A score is $q \\cdot k / \\sqrt{d_{\\text{head}}}$")
    'A score is q · k / √d_head'
    """
    out = "".join(_plain_math(chunk) if math else chunk for math, chunk in split_math(text))
    return " ".join(out.split())
