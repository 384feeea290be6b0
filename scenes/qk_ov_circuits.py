"""qk_ov_circuits: a head is two separate circuits, QK (where) and OV (what).

Storyboard: ``W_Q`` and ``W_K`` only ever act together, ``W_QK = W_Q^T W_K``
decides *where* to attend; ``W_O`` and ``W_V`` only ever act together,
``W_OV = W_O W_V`` decides *what* is moved. In tensor-product form
``h(x) = (A (x) W_O W_V) x`` with ``A = softmax(x^T W_QK x)``. Then the two
full vocabulary-by-vocabulary circuits of a real head: ``W_E^T W_QK W_E`` and
``W_U W_OV W_E``.

The head is head 0 of the skip-trigram model. On screen every matrix is in
the paper's (column-vector) orientation; the code's TransformerLens weights
are row-vector, so each one comes from :mod:`circuit_clips.circuits`' paper views:

* paper ``W_Q^T`` = code ``W_Q`` ``[d_model, d_head]``; paper ``W_K`` = ``paper_weight("W_K")``;
  paper ``W_QK`` = ``qk_matrix`` (rows: query side);
* paper ``W_O``, ``W_V`` = ``paper_weight``; paper ``W_OV`` = ``paper_ov_matrix``;
* ``W_E^T W_QK W_E`` = ``full_qk_circuit`` (rows: query token, columns: key token);
  ``W_U W_OV W_E`` = ``paper_full_ov_circuit`` (rows: output token, columns: source token).
"""

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    PI,
    RIGHT,
    UP,
    AnimationGroup,
    Arrow,
    Brace,
    Create,
    DashedLine,
    FadeIn,
    FadeOut,
    LaggedStart,
    MathTex,
    ReplacementTransform,
    Succession,
    SurroundingRectangle,
    Text,
    VGroup,
)

from circuit_clips import circuits
from circuit_clips.kit import (
    BACKGROUND_COLOR,
    EQUATION_LINE,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    QUERY_COLOR,
    STAGE,
    TEXT_COLOR,
    VALUE_COLOR,
    AttentionHeadBlock,
    AttentionPatternMap,
    ClipScene,
    ColorBar,
    HeatMap,
    Region,
    VectorColumn,
    block_frame,
    format_value,
    head_color,
    merge,
)
from circuit_clips.kit.theme import VALUE_TICKS
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import skip_trigram_model

LAYER, HEAD = 0, 0
TOKENS = ["keep", "them", "at", "bay"]
SOURCE = "keep"  # the word 'in' and 'at' attend to, whose OV column raises 'mind' and 'bay'
DEST = "at"  # the position of TOKENS that attends to SOURCE
COLOR = head_color(LAYER, HEAD)
QK_COLOR, OV_COLOR = QUERY_COLOR, VALUE_COLOR  # the two circuits (the tiles' names stay neutral)
FACTOR_CELL = 0.12  # cells of the d_model / d_head factor heat maps
VOCAB_CELL = 0.42  # cells of the full vocabulary circuits
EQ_SIZE = 44  # an equation while it is the thing on screen
LABEL_SIZE = 24  # every label a caption talks about (readable at 480p)
HALF_EQ_SIZE = 34  # an equation sharing the stage with another
GLOSS_SIZE = 34  # the one-line meanings of the symbols, under their equation
SCORE_SCALE = r"\,/\,\sqrt{d_{\mathrm{head}}}"  # every score is divided by it, on screen as in the model


@dataclass(frozen=True)
class QkOvCircuitsNumbers:
    """Head 0 of the skip-trigram model: its matrices in the paper's orientation and its full circuits."""

    model: AttnOnlyTransformer
    paper: dict[str, np.ndarray]  # "W_Q^T", "W_K", "W_QK", "W_O", "W_V", "W_OV"
    full_qk_table: np.ndarray  # [query token, key token]: scores, divided by sqrt(d_head)
    full_ov_table: np.ndarray  # [output token, source token]
    qk_rank: int
    ov_rank: int
    tokens: np.ndarray  # TOKENS as ids
    pattern: np.ndarray  # [dest, src]
    vocab: list[str]
    stream: np.ndarray  # X, paper orientation [d_model, pos]: one column per position
    moved: np.ndarray  # W_OV x_j for every column j [d_model, pos]
    head_out: np.ndarray  # h(X) (hook_result), [d_model, pos]: column i = sum_j A_ij W_OV x_j
    qk_lit: tuple[np.ndarray, np.ndarray]  # the non-zero rows and columns of W_QK
    ov_lit: tuple[np.ndarray, np.ndarray]  # the non-zero rows and columns of W_OV
    qk_named: tuple[dict[int, str], dict[int, str]]  # W_QK's positive rows and columns: dim -> its word
    ov_named: tuple[dict[int, str], dict[int, str]]  # W_OV's positive rows and columns: dim -> its word


def numbers() -> QkOvCircuitsNumbers:
    """The head's matrices (paper orientation, checked against each other) and its run on :data:`TOKENS`."""
    model = skip_trigram_model()
    paper = {
        "W_Q^T": model.W_Q[LAYER, HEAD],
        "W_K": circuits.paper_weight(model, "W_K", LAYER, HEAD),
        "W_QK": circuits.qk_matrix(model, LAYER, HEAD),
        "W_O": circuits.paper_weight(model, "W_O", LAYER, HEAD),
        "W_V": circuits.paper_weight(model, "W_V", LAYER, HEAD),
        "W_OV": circuits.paper_ov_matrix(model, LAYER, HEAD),
    }
    assert np.allclose(paper["W_Q^T"] @ paper["W_K"], paper["W_QK"])
    assert np.allclose(paper["W_O"] @ paper["W_V"], paper["W_OV"])
    full_qk_table = circuits.full_qk_circuit(model, LAYER, HEAD) / np.sqrt(model.d_head)
    full_ov_table = circuits.paper_full_ov_circuit(model, LAYER, HEAD)
    W_E, W_U = circuits.paper_weight(model, "W_E"), circuits.paper_weight(model, "W_U")
    assert np.allclose(W_E.T @ paper["W_QK"] @ W_E / np.sqrt(model.d_head), full_qk_table)
    assert np.allclose(W_U @ paper["W_OV"] @ W_E, full_ov_table)
    tokens = model.to_tokens(TOKENS)
    _, cache = model.run_with_cache(tokens)
    stream = cache[f"blocks.{LAYER}.hook_resid_pre"].T
    moved = paper["W_OV"] @ stream
    pattern = cache[f"blocks.{LAYER}.attn.hook_pattern"][HEAD]
    head_out = cache[f"blocks.{LAYER}.attn.hook_result"][:, HEAD].T
    assert np.allclose(moved @ pattern.T, head_out)  # column i: sum_j A_ij W_OV x_j

    def lit(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.flatnonzero(np.abs(m).max(axis=1) > 1e-9), np.flatnonzero(np.abs(m).max(axis=0) > 1e-9)

    def named(m: np.ndarray) -> tuple[dict[int, str], dict[int, str]]:
        """The rows and columns holding ``m``'s positive cells, each named by the word its dimension holds."""

        def word(dim: int) -> str:
            sub = next(s for s in model.subspaces.values() if s.start <= dim < s.stop)
            return model.vocab[dim - sub.start]

        rows, cols = np.nonzero(m > 1e-9)
        return {int(r): word(r) for r in np.unique(rows)}, {int(c): word(c) for c in np.unique(cols)}

    return QkOvCircuitsNumbers(
        model=model,
        paper=paper,
        full_qk_table=full_qk_table,
        full_ov_table=full_ov_table,
        qk_rank=circuits.rank(paper["W_QK"]),
        ov_rank=circuits.rank(paper["W_OV"]),
        tokens=tokens,
        pattern=pattern,
        vocab=model.vocab,
        stream=stream,
        moved=moved,
        head_out=head_out,
        qk_lit=lit(paper["W_QK"]),
        ov_lit=lit(paper["W_OV"]),
        qk_named=named(paper["W_QK"]),
        ov_named=named(paper["W_OV"]),
    )


class QkOvCircuits(ClipScene):
    title = "QK and OV circuits"
    description = "$W_{QK}$ picks where a head looks; $W_{OV}$, what it moves."
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    numbers = staticmethod(numbers)

    def story(self) -> None:
        # Four matrices, two pairs
        self.show_head()
        self.score_terms()
        self.regroup()
        self.qk_product()
        self.pair_ov()
        # The whole head in one line, then at work on four positions
        self.tensor_form()
        self.map_each()
        self.mix_positions()
        # The two circuits over the vocabulary
        self.full_qk()
        self.full_ov()

    def summary(self) -> None:
        self.end_on_summary(
            "QK decides where to look; OV, what is moved.",
            *self.summary_anims,
            run_time=1.2,
            hold=2.5,
        )

    # --- building blocks ---------------------------------------------------------
    def tex(self, *parts: str, size: float = EQ_SIZE, color=TEXT_COLOR) -> MathTex:
        return MathTex(*parts, font_size=size, color=color)

    def text(self, words: str, color=TEXT_COLOR, size: float = LABEL_SIZE) -> Text:
        return Text(words, font_size=size, color=color)

    def gloss(self, *lines: str, size: float = GLOSS_SIZE) -> VGroup:
        """The meanings of an equation's symbols, one typeset line each, left-aligned."""
        return VGroup(*[self.tex(line, size=size) for line in lines]).arrange(
            DOWN, aligned_edge=LEFT, buff=0.15
        )

    def braced(self, part, name: str, color) -> VGroup:
        """A brace under ``part`` of an equation, naming it."""
        brace = Brace(part, DOWN, buff=0.06, color=color)
        return VGroup(
            brace, self.tex(name, size=MATH_SIZE_LABEL + 4, color=color).next_to(brace, DOWN, buff=0.06)
        )

    def heat(self, name: str, color) -> VGroup:
        """The paper-orientation matrix ``name``: its shape above, the heat map, its name under it."""
        values = self.shown.paper[name]
        hm = HeatMap(values, cell_size=FACTOR_CELL, outline_color=color)
        shape = self.text(f"{values.shape[0]}\u00d7{values.shape[1]}", MUTED_TEXT_COLOR).next_to(
            hm, UP, buff=0.1
        )
        label = self.tex(name.replace("QK", "{QK}").replace("OV", "{OV}"), size=MATH_SIZE_LABEL)
        return VGroup(hm, shape, label.next_to(hm, DOWN, buff=0.12))

    def product_row(self, left: str, right: str, result: str, color, meaning: str) -> VGroup:
        """``left right = result`` as three heat maps on one centre line, names on one baseline."""
        a, b, c = (self.heat(name, color) for name in (left, right, result))
        eq = self.tex("=", size=MATH_SIZE_BODY)
        b.next_to(a, RIGHT, buff=0.2)
        eq.next_to(b, RIGHT, buff=0.25)
        c.next_to(eq, RIGHT, buff=0.25)
        for mob in (a, b, eq, c):
            mob.shift(UP * (c[0].get_y() - (mob[0] if mob is not eq else mob).get_y()))
        low = min(m[2].get_y() for m in (a, b, c))
        for m in (a, b, c):
            m[2].set_y(low)
        row = VGroup(a, b, eq, c)
        return VGroup(row, self.text(meaning, color).next_to(row, DOWN, buff=0.2))

    def lit_frame(self, row: VGroup, lit: tuple, named: tuple, words: str) -> VGroup:
        """A white frame round the product's non-zero cells, under the row what they are, and the words
        of its positive rows (right of the frame) and column (above): frame, note, names."""
        hm = row[0][3][0]
        rows, cols = lit
        frame = block_frame(
            hm, rows=slice(rows[0], rows[-1] + 1), cols=slice(cols[0], cols[-1] + 1), buff=0.05
        )
        row_words, col_words = named
        r0, r1, c0, c1 = min(row_words), max(row_words), min(col_words), max(col_words)
        row_names = self.text("\u2190 " + ", ".join(row_words.values()))  # inside the map, on empty cells
        row_names.add_background_rectangle(color=BACKGROUND_COLOR, opacity=0.85, buff=0.04)
        row_names.next_to(frame, RIGHT, buff=0.08).match_y(block_frame(hm, rows=slice(r0, r1 + 1)))
        col_names = self.text(", ".join(col_words.values()))
        col_names.next_to(block_frame(hm, cols=slice(c0, c1 + 1)), UP, buff=0.1)
        col_names.align_to(block_frame(hm, cols=slice(c0, c1 + 1)), RIGHT)
        return VGroup(frame, self.text(words).next_to(row, DOWN, buff=0.15), VGroup(row_names, col_names))

    # --- layout (built before the title card; nothing drawn) ------------------------
    def lay_out(self) -> None:
        self.legend = ColorBar(width=4.3, ticks=VALUE_TICKS)
        EQUATION_LINE.place(self.legend, UP + LEFT, buff=0.02)
        self.block = AttentionHeadBlock(LAYER, HEAD, name="head 0", tile_width=1.0, tile_height=0.7)
        for tile in (self.block.w_q, self.block.w_k, self.block.w_v, self.block.w_o):
            tile.box.set_stroke(MUTED_TEXT_COLOR)  # the pairs' frames carry colour, not the tiles
        STAGE.place(self.block.scale(1.4))
        self.qk_half, self.ov_half = STAGE.split_columns("QK", "OV")

    # --- beats -----------------------------------------------------------------
    def show_head(self) -> None:
        self.big_frames = VGroup(*self.pair_frames(self.block))
        self.beat(
            "A head has four matrices. They act only in pairs.",
            Succession(
                FadeIn(self.block, shift=0.2 * DOWN, run_time=1.0),
                LaggedStart(*[Create(f) for f in self.big_frames], lag_ratio=0.5, run_time=1.0),
            ),
        )

    def pair_frames(self, block) -> tuple:
        qk = SurroundingRectangle(VGroup(block.w_q, block.w_k), buff=0.06, color=QK_COLOR, corner_radius=0.06)
        ov = SurroundingRectangle(VGroup(block.w_v, block.w_o), buff=0.06, color=OV_COLOR, corner_radius=0.06)
        return qk, ov

    def score_terms(self) -> None:
        score = self.tex(r"\text{score}_{ij}", "=", r"q_i \cdot k_j" + SCORE_SCALE, "=",
                         r"(W_Q x_i)^T (W_K x_j)" + SCORE_SCALE)  # fmt: skip
        gloss = self.gloss(
            r"q_i,\ k_j:\ \text{query and key}",
            r"x_i:\ \text{position } i\text{'s vector};\quad {}^T:\ \text{transpose}",
            rf"d_{{\mathrm{{head}}}} = {self.model.d_head}:\ \text{{the head's width}}",
        )
        # the regrouped line's two stages: the transpose written out, then W_Q^T and W_K side by side
        spread = self.tex("=", "(", r"x_i^T", r"W_Q^T", ")", "(", r"W_K", r"x_j", ")", SCORE_SCALE)
        spread.next_to(score, DOWN, buff=0.45).align_to(score[3], LEFT)
        gloss.next_to(spread, DOWN, buff=1.0).align_to(score, LEFT)
        STAGE.place(VGroup(score, spread, gloss))
        self.score, self.spread, self.score_gloss = score, spread, gloss
        self.beat(
            "The score multiplies a query by a key.",
            Succession(
                FadeOut(VGroup(self.block, self.big_frames), run_time=0.4),
                FadeIn(VGroup(score, gloss), run_time=0.6),
            ),
        )

    def regroup(self) -> None:
        spread = self.spread
        tight = self.tex("=", r"x_i^T", r"W_Q^T", r"W_K", r"x_j", SCORE_SCALE)
        tight.align_to(spread, LEFT).match_y(spread)
        tight[2:4].set_color(QK_COLOR)
        named = self.braced(tight[2:4], "W_{QK}", QK_COLOR)
        parens = VGroup(spread[1], spread[4], spread[5], spread[8])
        slide = [
            ReplacementTransform(spread[a], tight[b])
            for a, b in ((0, 0), (2, 1), (3, 2), (6, 3), (7, 4), (9, 5))
        ]
        self.beat(
            "Regroup: the query and key matrices meet as one product.",
            Succession(
                LaggedStart(*[FadeIn(m, shift=0.2 * DOWN) for m in spread], lag_ratio=0.05, run_time=0.5),
                AnimationGroup(*[FadeOut(m, run_time=0.3) for m in parens], *slide, run_time=0.9),
                FadeIn(named, run_time=0.4),
            ),
        )
        self.qk_score = VGroup(self.score, tight, named, self.score_gloss)

    def qk_product(self) -> None:
        self.qk_row = self.product_row("W_Q^T", "W_K", "W_QK", QK_COLOR, "decides where to look")
        short = self.tex(
            r"\text{score}_{ij}", "=", r"x_i^T", r"W_Q^T W_K", r"x_j" + SCORE_SCALE, size=HALF_EQ_SIZE
        )
        short[3].set_color(QK_COLOR)
        score_small = VGroup(short, self.braced(short[3], "W_{QK}", QK_COLOR))
        self.qk_half.place(score_small, UP, buff=0.25, shrink=True)
        self.qk_row.next_to(score_small, DOWN, buff=0.3)
        d, vocab = self.model.d_model, self.shown.vocab
        key = vocab[self.shown.qk_lit[1][0] - self.model.subspaces["token"].start]
        queries = ", ".join(f"'{w}'" for w in self.shown.qk_named[0].values())
        self.qk_lit = self.lit_frame(
            self.qk_row, self.shown.qk_lit, self.shown.qk_named, f"lit: key '{key}'; + for {queries}"
        )
        # 16 is named where it first shows: under the maps whose shapes say it
        self.width_gloss = self.gloss(rf"{d} = d_{{\mathrm{{model}}}}:\ \text{{the stream's width}}", size=28)
        self.a_gloss = self.gloss(r"A_{ij}:\ \text{attention weights}", size=28)
        top_line = VGroup(self.width_gloss, self.a_gloss).arrange(RIGHT, buff=0.5)
        EQUATION_LINE.place(top_line, RIGHT, buff=0.1, shrink=True)
        self.beat(
            f"Their product, one {d}\u00d7{d} matrix, decides where to look.",
            Succession(
                FadeOut(self.qk_score, run_time=0.3),  # out, then the short line in: no glyph morph
                FadeIn(score_small, run_time=0.3),
                LaggedStart(
                    *[FadeIn(m) for m in (*self.qk_row, self.width_gloss, self.legend)],
                    lag_ratio=0.3,
                    run_time=0.8,
                ),
                AnimationGroup(Create(self.qk_lit[0]), FadeIn(self.qk_lit[1:]), run_time=0.4),
            ),
        )
        self.qk_score = score_small

    def pair_ov(self) -> None:
        write = self.tex(r"h(X)_i", "=", r"\sum\nolimits_j A_{ij}", r"W_O W_V", r"x_j", size=HALF_EQ_SIZE)
        write[3].set_color(OV_COLOR)
        named = self.braced(write[3], "W_{OV}", OV_COLOR)
        ov_write = VGroup(write, named)
        self.ov_half.place(ov_write, UP, buff=0.3, shrink=True)
        ov_write.shift(UP * (self.qk_score[0].get_y() - write.get_y()))  # level with the QK score
        self.ov_row = self.product_row("W_O", "W_V", "W_OV", OV_COLOR, "decides what is moved")
        self.ov_row.match_y(self.qk_row).set_x(self.ov_half.point()[0])
        self.ov_row[1].match_y(self.qk_row[1])
        vocab, sub = self.shown.vocab, self.model.subspaces
        rows, cols = self.shown.ov_lit
        moved = ", ".join(f"'{vocab[r - sub['output'].start]}'" for r in rows)
        self.ov_lit = self.lit_frame(
            self.ov_row,
            self.shown.ov_lit,
            self.shown.ov_named,
            f"lit: reads '{vocab[cols[0] - sub['token'].start]}', writes {moved}",
        )
        self.divider = DashedLine(self.qk_half.point(1, 0.97), self.qk_half.point(1, 0.03), dash_length=0.08)
        self.divider.set_stroke(MUTED_TEXT_COLOR, width=1.5, opacity=0.6)
        self.ov_write = ov_write
        self.beat(
            "Value and output act only as one product too: what moves.",
            Succession(
                AnimationGroup(FadeIn(self.divider), FadeIn(ov_write), FadeIn(self.a_gloss), run_time=0.5),
                LaggedStart(*[FadeIn(m) for m in self.ov_row], lag_ratio=0.3, run_time=0.8),
                AnimationGroup(Create(self.ov_lit[0]), FadeIn(self.ov_lit[1:]), run_time=0.4),
            ),
        )

    def tensor_form(self) -> None:
        head_line = self.tex(r"h(X)", "=", r"(", r"A", r"\otimes", r"W_{OV}", r")\,X")
        a_line = self.tex(
            r"A", "=", r"\mathrm{softmax}_{j \le i}\big(X^T", r"W_{QK}", r"X" + SCORE_SCALE + r"\big)"
        )
        head_line[3].set_color(COLOR)
        head_line[5].set_color(OV_COLOR)
        a_line[0].set_color(COLOR)
        a_line[3].set_color(QK_COLOR)
        a_line.next_to(head_line, DOWN, buff=0.3)
        a_line.shift(RIGHT * (head_line[1].get_x() - a_line[1].get_x()))  # the two "=" one above the other
        gloss = self.gloss(
            r"X:\ \text{the stream, one column per position}",
            r"\otimes:\ \text{tensor product (next: how it works)}",
            r"\mathrm{softmax}_{j \le i}:\ \text{weights on earlier positions, summing to 1}",
        ).next_to(a_line, DOWN, buff=0.4)
        self.tensor_tex = VGroup(head_line, a_line)
        STAGE.place(VGroup(self.tensor_tex, gloss))
        self.tensor_gloss = gloss
        old = VGroup(self.qk_score, self.qk_row, self.qk_lit, self.width_gloss)
        old.add(self.ov_write, self.ov_row, self.ov_lit, self.divider, self.a_gloss)
        old.add(self.legend)  # nothing here is coloured by value: the legend is back with the vectors
        self.beat(
            "In one line: QK alone sets the weights A; OV maps what moves.",
            AnimationGroup(  # the new lines come in as the old fade: the cue never opens on nothing
                FadeOut(old, run_time=0.3),
                FadeIn(VGroup(head_line, a_line, gloss), run_time=0.5),
                lag_ratio=0.5,
            ),
        )

    def columns(self, values: np.ndarray, name: str, color, words: bool = True) -> VGroup:
        """One vector column per position, ``name`` above and (with ``words``) the word under each:
        cols, name, words."""
        cols = VGroup(
            *[
                VectorColumn(values[:, j], cell_height=0.17, cell_width=0.3, outline_color=color)
                for j in range(len(TOKENS))
            ]
        ).arrange(RIGHT, buff=0.25)
        header = self.tex(name, size=MATH_SIZE_LABEL + 4, color=color).next_to(cols, UP, buff=0.15)
        group = VGroup(cols, header)
        if words:
            names = VGroup(*[self.text(t).rotate(PI / 2) for t in TOKENS])  # read upwards, as the maps'
            for word, col in zip(names, cols):
                word.next_to(col, DOWN, buff=0.12)
            group.add(names)
        return group

    def step_arrow(self, name: str, words: str, color, left: VGroup, right: VGroup) -> VGroup:
        """An arrow from the header of ``left`` to that of ``right``, over the copies' path: its
        matrix over it, what it does over that."""
        y = max(left[1].get_y(), right[1].get_y()) * UP  # level, whatever the two names' depths
        start, end = left[1].get_right() * RIGHT + y, right[1].get_left() * RIGHT + y
        arrow = Arrow(start, end, buff=0.15, color=color, stroke_width=3)
        over = self.tex(name, size=MATH_SIZE_LABEL + 4, color=color).next_to(arrow, UP, buff=0.08)
        return VGroup(arrow, over, self.text(words, color).next_to(over, UP, buff=0.08))

    def map_each(self) -> None:
        n = self.shown
        self.x_cols = self.columns(n.stream, "X", TEXT_COLOR)
        self.v_cols = self.columns(n.moved, r"W_{OV}\,x_j", OV_COLOR, words=False)
        self.h_cols = self.columns(n.head_out, r"h(X)", COLOR)
        self.a_map = AttentionPatternMap(
            n.pattern, TOKENS, color=COLOR, cell_size=0.4, col_labels_rotated=True, font_size=LABEL_SIZE,
            row_title="destination", col_title="source",
        )  # fmt: skip
        a_name = self.tex("A", size=MATH_SIZE_LABEL + 4, color=COLOR).next_to(self.a_map, UP, buff=0.1)
        self.a_group = VGroup(self.a_map, a_name)
        row = VGroup(self.x_cols, self.v_cols, self.h_cols, self.a_group).arrange(RIGHT, buff=0.9)
        for group in (self.v_cols, self.h_cols):  # the columns level, so the arrows between them are too
            group.shift(UP * (self.x_cols[0].get_y() - group[0].get_y()))
        self.a_group.shift(LEFT * 0.3 + UP * (self.x_cols[0].get_y() - self.a_map.cells.get_y()))
        self.ov_step = self.step_arrow(r"W_{OV}", "inside each vector", OV_COLOR, self.x_cols, self.v_cols)
        self.a_step = self.step_arrow("A", "across positions", COLOR, self.v_cols, self.h_cols)
        row.add(self.ov_step, self.a_step)
        # the head's line goes to the top line, right of the legend: the stage is the columns'
        head_line, a_line = self.tensor_tex
        top = head_line.copy().scale_to_fit_height(EQUATION_LINE.height * 0.6)
        EQUATION_LINE.place(top, RIGHT, buff=0.3)
        STAGE.place(row, buff=0.15, shrink=True)
        # each W_OV x_j leaves its x_j (a FadeIn from there: nothing is drawn before its turn)
        copies = [FadeIn(v, target_position=x.body) for x, v in zip(self.x_cols[0], self.v_cols[0])]
        self.beat(
            "First, the OV matrix maps each column on its own.",
            Succession(
                AnimationGroup(
                    head_line.animate.become(top), FadeOut(VGroup(a_line, self.tensor_gloss)), run_time=0.35
                ),
                FadeIn(VGroup(self.x_cols, self.legend), run_time=0.3),  # after the gloss they'd cross
                FadeIn(VGroup(self.ov_step, self.v_cols[1]), run_time=0.3),
                LaggedStart(*copies, lag_ratio=0.3, run_time=1.0),
            ),
            hold=2.0,  # settled by the cue's middle, then time to look
        )

    def mix_positions(self) -> None:
        n = self.shown
        sources, results = list(self.v_cols[0]), list(self.h_cols[0])
        merges = [merge(sources, n.pattern[i], results[i], run_time=1.2) for i in range(len(TOKENS))]
        # the one weight that moves something: 'at' attends to 'keep', the only word with a vector to move
        dest = TOKENS.index(DEST)
        src = int(np.argmax(n.pattern[dest]))
        cell = block_frame(self.a_map, rows=slice(dest, dest + 1), cols=slice(src, src + 1), buff=0.04)
        note = VGroup(
            self.text(f"'{DEST}' looks at '{TOKENS[src]}'"),
            self.text(f"weight {format_value(n.pattern[dest, src], 2)}"),
        ).arrange(DOWN, buff=0.08)
        note.next_to(self.a_map, DOWN, buff=0.2).align_to(self.a_map, RIGHT)
        self.a_group.add(cell, note)
        self.mixing = VGroup(self.x_cols, self.ov_step, self.v_cols, self.a_step, self.h_cols, self.a_group)
        self.beat(
            "Then A mixes positions: each output is a weighted sum.",
            Succession(
                FadeIn(VGroup(self.a_group, self.a_step, self.h_cols[1]), run_time=0.4),
                AnimationGroup(  # the words come in under the columns as the last ones arrive
                    LaggedStart(*merges, lag_ratio=0.25, run_time=2.0),
                    FadeIn(self.h_cols[2], run_time=0.3),
                    lag_ratio=0.85,
                ),
            ),
            hold=2.6,  # settled by the cue's middle, then time to look
        )

    def vocab_table(self, table, color, row_title: str) -> HeatMap:
        vocab = self.shown.vocab
        return HeatMap(
            table, cell_size=VOCAB_CELL, row_labels=vocab, col_labels=vocab, row_title=row_title,
            col_title="source", col_labels_rotated=True, outline_color=color, font_size=LABEL_SIZE,
        )  # fmt: skip

    def table_place(self, tex, gloss, hm, notes, half, side) -> None:
        """The table's formula and its gloss in the top line over its half; the table and notes under it,
        against the frame's ``side`` (the legend goes between the two tables)."""
        half_line = Region(half.name, half.left, half.right, EQUATION_LINE.bottom, EQUATION_LINE.top)
        half_line.place(VGroup(tex, gloss).arrange(RIGHT, buff=0.4), shrink=True)
        half.place(VGroup(hm, notes), UP + side, buff=0.05)

    def full_qk(self) -> None:
        vocab = self.shown.vocab
        self.qk_map = self.vocab_table(self.shown.full_qk_table, QK_COLOR, "destination")
        self.qk_tex = self.tex(r"W_E^T", r"W_{QK}", r"W_E" + SCORE_SCALE, size=MATH_SIZE_BODY)
        self.qk_tex[1].set_color(QK_COLOR)
        k = vocab.index(SOURCE)
        col = self.shown.full_qk_table[:, k]
        fans = [vocab[i] for i in np.flatnonzero(col > 0)]
        rows = np.flatnonzero(col > 0)
        assert list(rows) == list(range(rows[0], rows[-1] + 1))  # one block of cells to frame
        others = col[col < 0]
        assert np.allclose(others, others[0]) and np.allclose(col[col > 0], col[col > 0][0])
        fan_score, other_score = format_value(col.max(), 1, sign=True), format_value(others[0], 1, sign=True)
        note = VGroup(
            self.text(f"{', '.join(fans)} \u2192 {SOURCE}: {fan_score}, look here"),
            self.text(f"others \u2192 {SOURCE}: {other_score}, look away", MUTED_TEXT_COLOR),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        note.next_to(self.qk_map, DOWN, buff=0.15).match_x(self.qk_map.cells)
        self.e_gloss = self.gloss(r"W_E:\ \text{embedding}", size=28)
        self.table_place(self.qk_tex, self.e_gloss, self.qk_map, note, self.qk_half, LEFT)
        # the legend, cut to the tables' three values, between the two tables
        small_legend = ColorBar(width=1.6, ticks=(-10, 0, 10))
        small_legend.move_to(STAGE.point()).match_y(self.qk_map.cells)
        box = block_frame(self.qk_map, rows=slice(rows[0], rows[-1] + 1), cols=slice(k, k + 1), buff=0.05)
        box.set_stroke(width=5)
        self.beat(
            "With embeddings on both sides: a score per word pair.",
            AnimationGroup(  # the legend fades out and in at its new place: it flies over nothing
                FadeOut(VGroup(self.tensor_tex[0], self.mixing, self.legend), run_time=0.3),
                FadeIn(VGroup(self.qk_map, self.qk_tex, self.e_gloss, small_legend), run_time=0.5),
                lag_ratio=0.5,
            ),
        )
        self.beat(
            f"{' and '.join(repr(t) for t in fans)} score '{SOURCE}' {fan_score}; other words score it {other_score}.",
            Create(box),
            FadeIn(note),
            run_time=1.0,
        )

    def full_ov(self) -> None:
        vocab = self.shown.vocab
        self.ov_map = self.vocab_table(self.shown.full_ov_table, OV_COLOR, "output")
        self.ov_tex = self.tex(r"W_U", r"W_{OV}", r"W_E", size=MATH_SIZE_BODY)
        self.ov_tex[1].set_color(OV_COLOR)
        k = vocab.index(SOURCE)
        col = self.shown.full_ov_table[:, k]
        raised = [vocab[i] for i in np.flatnonzero(col > 1e-6)]
        assert np.count_nonzero(np.abs(self.shown.full_ov_table) > 1e-9) == len(raised)  # only that column
        gain = format_value(col.max(), 1, sign=True)
        note = self.text(f"{SOURCE} \u2192 {', '.join(raised)}: {gain}")
        note.next_to(self.ov_map, DOWN, buff=0.15).match_x(self.ov_map.cells)
        self.u_gloss = self.gloss(r"W_U:\ \text{unembedding}", size=28)
        self.table_place(self.ov_tex, self.u_gloss, self.ov_map, note, self.ov_half, RIGHT)
        VGroup(self.ov_map, note).shift(UP * (self.qk_map.cells.get_top() - self.ov_map.cells.get_top()))
        rows = np.flatnonzero(col > 1e-6)
        assert list(rows) == list(range(rows[0], rows[-1] + 1))  # one block of cells to frame
        boxes = block_frame(self.ov_map, rows=slice(rows[0], rows[-1] + 1), cols=slice(k, k + 1), buff=0.05)
        boxes.set_stroke(width=5)
        self.beat(
            "The unembedding turns what OV moves into next-word scores.",
            FadeIn(self.ov_map),
            FadeIn(self.ov_tex),
            FadeIn(self.u_gloss),
            run_time=1.0,
        )
        self.beat(
            f"Attending to '{SOURCE}' raises {' and '.join(repr(t) for t in raised)} by {gain}: "
            f"{SOURCE} in {raised[0]}, {SOURCE} at {raised[1]}.",
            Create(boxes),
            FadeIn(note),
            run_time=1.0,
        )
        # the poster: each table's formula gets its meaning beside it
        gone, moves, meanings = [FadeOut(self.e_gloss), FadeOut(self.u_gloss)], [], []
        pairs = ((self.qk_tex, self.qk_half, "where to look:", QK_COLOR),
                 (self.ov_tex, self.ov_half, "what is moved:", OV_COLOR))  # fmt: skip
        for tex, half, words, color in pairs:
            text = self.text(words, color, LABEL_SIZE + 4)
            line = VGroup(text, tex.copy()).arrange(RIGHT, buff=0.25)
            line.set_x(half.point()[0]).match_y(tex)
            text.align_to(tex, DOWN).shift(DOWN * 0.02)
            moves.append(tex.animate.move_to(line[1]))
            meanings.append(FadeIn(text, shift=0.2 * RIGHT))
        # one after the other: the glosses leave, the formulas slide over, their meanings arrive beside them
        self.summary_anims = [
            Succession(AnimationGroup(*gone), AnimationGroup(*moves), AnimationGroup(*meanings))
        ]
