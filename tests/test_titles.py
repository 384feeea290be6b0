"""Titles with inline math: split, made plain for tags, manifest, chapters and the title card's
cue, and read that way by the pipeline."""

from __future__ import annotations

import itertools

import pytest

from circuit_clips.pipeline.manifest import scene_text
from circuit_clips.titles import plain_text, split_math

#: (source, plain form) written out by hand from the rule in circuit_clips.titles.
PLAIN = [
    ("The residual stream", "The residual stream"),
    ("  two   spaces\tand a tab ", "two spaces and a tab"),
    ("Zero layers: $T = W_U W_E$", "Zero layers: T = W_U W_E"),
    ("Each head writes $W_O^h r^h$", "Each head writes W_O^h r^h"),
    (r"$W_{OV}^{h} = W_O^h W_V^h$ moves", "W_OV^h = W_O^h W_V^h moves"),
    (r"score $q_i \cdot k_j / \sqrt{d_{\mathrm{head}}}$", "score q_i · k_j / √d_head"),
    (r"$A \otimes W$, the tensor product", "A ⊗ W, the tensor product"),
    (r"eigenvalues $\lambda$ and $\sigma_1 \ge \sigma_2$", "eigenvalues λ and σ_1 ≥ σ_2"),
    (r"$\operatorname{rank} M$ of $M$", "rank M of M"),
    (r"heads $\mathrm{L1H0}$ and $\text{L0H0}$", "heads L1H0 and L0H0"),
    (r"$W_E\,t + W_{\mathrm{pos}}\;p$", "W_E t + W_pos p"),
    (r"costs \$5, not $x$", "costs $5, not x"),
    (r"$\langle\mathrm{bos}\rangle$ rests", "langlebosrangle rests"),  # unknown commands lose their backslash
]


@pytest.mark.parametrize("source, plain", PLAIN)
def test_plain_text_drops_dollars_and_tex_markup(source, plain):
    assert plain_text(source) == plain
    if "$" not in plain:
        assert plain_text(plain) == plain, "plain text stays as it is"


def test_split_math_alternates_text_and_math_and_rebuilds_the_source():
    words = ["a ", "b c", " ", "x_1", r"\cdot", "y"]
    for n in range(1, 5):
        for parts in itertools.product(words, repeat=n):
            source = "".join(f"${p}$" if k % 2 else p for k, p in enumerate(parts))
            pieces = split_math(source)
            rebuilt = "".join(f"${chunk}$" if math else chunk for math, chunk in pieces)
            assert rebuilt == source
            assert [math for math, _ in pieces] == [k % 2 == 1 for k in range(len(parts))]


def test_an_unclosed_dollar_is_a_one_line_error_that_says_what_to_do():
    with pytest.raises(ValueError, match=r"unclosed \$ in 'a \$b': put math between two \$ signs"):
        split_math("a $b")


def test_the_pipeline_reads_titles_as_plain_text(tmp_path):
    scene = tmp_path / "clip.py"
    scene.write_text(
        "class Clip:\n"
        "    title = 'Zero layers: $T = W_U W_E$'\n"
        "    description = (\n        'A bigram table, $T$,'\n        '  of rank $d_{\\\\mathrm{model}}$.'\n    )\n",
        encoding="utf-8",
    )
    assert scene_text(scene, "Clip") == ("Zero layers: T = W_U W_E", "A bigram table, T, of rank d_model.")
    scene.write_text("class Clip:\n    title = 'half $open'\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"clip.py: Clip.title: unclosed \$"):
        scene_text(scene, "Clip")
