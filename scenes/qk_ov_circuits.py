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
    RIGHT,
    UP,
    AnimationGroup,
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
    smooth,
    squish_rate_func,
)

from circuit_clips import circuits
from circuit_clips.kit import (
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
    block_frame,
    format_value,
    head_color,
)
from circuit_clips.kit.theme import VALUE_TICKS
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import skip_trigram_model

LAYER, HEAD = 0, 0
TOKENS = ["keep", "them", "at", "bay"]
SOURCE = "keep"  # the word 'in' and 'at' attend to, whose OV column raises 'mind' and 'bay'
COLOR = head_color(LAYER, HEAD)
QK_COLOR, OV_COLOR = QUERY_COLOR, VALUE_COLOR  # the two circuits (the tiles' names stay neutral)
FACTOR_CELL = 0.12  # cells of the d_model / d_head factor heat maps
VOCAB_CELL = 0.3  # cells of the full vocabulary circuits
EQ_SIZE = 40  # an equation while it is the thing on screen
LABEL_SIZE = 24  # every label a caption talks about (readable at 480p)
HALF_EQ_SIZE = 34  # an equation sharing the stage with another
GLOSS_SIZE = 30  # the one-line meanings of the symbols, under their equation
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
    return QkOvCircuitsNumbers(
        model=model,
        paper=paper,
        full_qk_table=full_qk_table,
        full_ov_table=full_ov_table,
        qk_rank=circuits.rank(paper["W_QK"]),
        ov_rank=circuits.rank(paper["W_OV"]),
        tokens=tokens,
        pattern=cache[f"blocks.{LAYER}.attn.hook_pattern"][HEAD],
        vocab=model.vocab,
    )


class QkOvCircuits(ClipScene):
    title = "QK and OV circuits"
    description = "$W_{QK}$ picks where a head looks; $W_{OV}$, what it moves."
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    numbers = staticmethod(numbers)

    def story(self) -> None:
        # Four matrices, two pairs
        self.show_head()
        self.pair_qk()
        self.qk_product()
        self.pair_ov()
        # The whole head in one line
        self.tensor_form()
        self.mix_and_map()
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

    def gloss(self, *lines: str) -> VGroup:
        """The meanings of an equation's symbols, one typeset line each, left-aligned."""
        return VGroup(*[self.tex(line, size=GLOSS_SIZE, color=MUTED_TEXT_COLOR) for line in lines]).arrange(
            DOWN, aligned_edge=LEFT, buff=0.12
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

    # --- layout (built before the title card; nothing drawn) ------------------------
    def lay_out(self) -> None:
        self.legend = ColorBar(width=4.3, ticks=VALUE_TICKS)
        EQUATION_LINE.place(self.legend, UP + LEFT, buff=0.02)
        self.block = AttentionHeadBlock(LAYER, HEAD, name="head 0", tile_width=1.0, tile_height=0.7)
        for tile in (self.block.w_q, self.block.w_k, self.block.w_v, self.block.w_o):
            tile.box.set_stroke(MUTED_TEXT_COLOR)  # the pairs' frames carry colour, not the tiles
        STAGE.place(self.block.scale(1.4))
        self.block_top = self.block.copy().scale_to_fit_height(EQUATION_LINE.height - 0.04)
        EQUATION_LINE.place(self.block_top, UP + RIGHT, buff=0.02)
        self.qk_half, self.ov_half = STAGE.split_columns("QK", "OV")

    # --- beats -----------------------------------------------------------------
    def show_head(self) -> None:
        self.big_frames = self.pair_frames(self.block)
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

    def pair_qk(self) -> None:
        score = self.tex(
            r"\text{score}_{ij}",
            "=",
            r"q_i \cdot k_j" + SCORE_SCALE,
            "=",
            r"(W_Q x_i)^T (W_K x_j)" + SCORE_SCALE,
        )
        again = self.tex("=", r"x_i^T", r"W_Q^T W_K", r"x_j" + SCORE_SCALE)
        again.next_to(score, DOWN, buff=0.3).align_to(score[3], LEFT)
        named = self.braced(again[2], "W_{QK}", QK_COLOR)
        gloss = self.gloss(
            r"q_i = W_Q x_i,\ k_j = W_K x_j:\ \text{query and key};\quad x_i:\ \text{position } i\text{'s vector}",
            rf"{{}}^T:\ \text{{transpose}};\quad d_{{\mathrm{{head}}}} = {self.model.d_head}:\ \text{{the head's width}}",
        )
        gloss.next_to(VGroup(again, named), DOWN, buff=0.3).align_to(score, LEFT)
        self.qk_score = VGroup(score, again, named, gloss)
        STAGE.place(self.qk_score)
        self.frames = self.pair_frames(self.block_top)
        self.beat(
            "Query and key meet only in the score, so only their product counts.",
            Succession(
                # the head goes to its corner before the equation comes where it stood
                AnimationGroup(
                    self.block.animate.become(self.block_top),
                    *[ReplacementTransform(big, top) for big, top in zip(self.big_frames, self.frames)],
                    FadeIn(self.legend),
                    run_time=0.8,
                ),
                FadeIn(VGroup(score, again, gloss), run_time=1.0),
                FadeIn(named, run_time=0.6),
            ),
            hold=3.0,  # a derivation and its legend: more than the caption's reading time
        )

    def qk_product(self) -> None:
        self.qk_row = self.product_row("W_Q^T", "W_K", "W_QK", QK_COLOR, "decides where to look")
        # the score in its short form, with W_QK named, at the top of the QK half
        short = self.tex(
            r"\text{score}_{ij}", "=", r"x_i^T", r"W_Q^T W_K", r"x_j" + SCORE_SCALE, size=HALF_EQ_SIZE
        )
        score_small = VGroup(short, self.braced(short[3], "W_{QK}", QK_COLOR))
        self.qk_half.place(score_small, UP, buff=0.05, shrink=True)
        self.qk_row.next_to(score_small, DOWN, buff=0.3)
        d = self.model.d_model
        # 16 is named where it first shows: under the maps whose shapes say it
        self.width_gloss = self.tex(
            rf"{d} = d_{{\mathrm{{model}}}}:\ \text{{the stream's width}}",
            size=HALF_EQ_SIZE,
            color=TEXT_COLOR,
        )
        self.width_gloss.next_to(self.qk_row, DOWN, buff=0.2).match_x(self.qk_row)
        self.beat(
            f"Their product is one {d}\u00d7{d} matrix: it decides where to look.",
            Succession(
                AnimationGroup(FadeOut(self.qk_score), FadeIn(score_small), run_time=0.8),
                LaggedStart(
                    *[FadeIn(m) for m in (*self.qk_row, self.width_gloss)], lag_ratio=0.3, run_time=1.2
                ),
            ),
        )
        self.qk_score = score_small

    def pair_ov(self) -> None:
        write = self.tex(r"h(X)_i", "=", r"\sum\nolimits_j A_{ij}", r"W_O W_V", r"x_j", size=HALF_EQ_SIZE)
        named = self.braced(write[3], "W_{OV}", OV_COLOR)
        gloss = self.gloss(r"A_{ij}:\ \text{attention weights}")
        gloss.next_to(named, RIGHT, buff=0.3)
        gloss.shift(DOWN * max(0.0, gloss.get_top()[1] - write.get_bottom()[1] + 0.08))  # under the equation
        ov_write = VGroup(write, named, gloss)
        self.ov_half.place(ov_write, UP, buff=0.05, shrink=True)
        ov_write.shift(UP * (self.qk_score[0].get_y() - write.get_y()))  # level with the QK score
        self.ov_row = self.product_row("W_O", "W_V", "W_OV", OV_COLOR, "decides what is moved")
        self.ov_row.match_y(self.qk_row).match_x(ov_write)
        self.ov_row[1].match_y(self.qk_row[1])
        self.divider = DashedLine(self.qk_half.point(1, 0.97), self.qk_half.point(1, 0.03), dash_length=0.08)
        self.divider.set_stroke(MUTED_TEXT_COLOR, width=1.5, opacity=0.6)
        self.ov_write = ov_write
        self.beat(
            "Value and output act only as one product too: what moves.",
            FadeIn(self.divider),
            FadeIn(ov_write),
            LaggedStart(*[FadeIn(m) for m in self.ov_row], lag_ratio=0.3),
            run_time=2.0,
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
            r"\mathrm{softmax}_{j \le i}:\ \text{scores into weights over the earlier positions, summing to 1}",
        ).next_to(a_line, DOWN, buff=0.35)
        self.tensor_tex = VGroup(head_line, a_line)
        STAGE.place(VGroup(self.tensor_tex, gloss))
        self.tensor_gloss = gloss
        self.beat(
            "In one line: QK alone sets the weights A; OV maps what moves.",
            Succession(
                FadeOut(
                    VGroup(
                        self.qk_score, self.qk_row, self.ov_write, self.ov_row, self.divider, self.width_gloss
                    ),
                    run_time=0.4,
                ),
                FadeIn(VGroup(self.tensor_tex, gloss), run_time=0.6),
            ),
        )

    def mix_and_map(self) -> None:
        top = self.tensor_tex.copy().scale(0.72)
        STAGE.place(top, UP, buff=0.05)
        self.a_map = AttentionPatternMap(
            self.shown.pattern,
            TOKENS,
            color=COLOR,
            cell_size=0.5,
            col_labels_rotated=True,
            font_size=LABEL_SIZE,
            row_title="destination",
            col_title="source",
        )
        otimes = self.tex(r"\otimes")
        w_ov = HeatMap(self.shown.paper["W_OV"], cell_size=0.2, outline_color=OV_COLOR)
        ov_label = self.tex(r"W_{OV}", size=MATH_SIZE_LABEL, color=OV_COLOR).next_to(w_ov, UP, buff=0.12)
        w_ov_group = VGroup(w_ov, ov_label)
        maps = VGroup(self.a_map, otimes, w_ov_group).arrange(RIGHT, buff=0.6)
        otimes.match_y(self.a_map.cells)
        w_ov_group.shift(UP * (self.a_map.cells.get_y() - w_ov.get_y()))
        notes = VGroup(
            self.text("where: between positions", COLOR).next_to(self.a_map, DOWN, buff=0.25),
            self.text("what: inside each vector", OV_COLOR).next_to(w_ov_group, DOWN, buff=0.25),
        )
        notes[1].match_y(notes[0])
        # the masked cells, named where they first show
        notes.add(self.text("hatched: later words, masked").next_to(notes[0], DOWN, buff=0.12))
        below = Region(
            "below the equation", STAGE.left, STAGE.right, STAGE.bottom + 0.3, top.get_bottom()[1] - 0.2
        )
        below.place(VGroup(maps, notes), shrink=True)
        self.mixing = VGroup(maps, notes)
        self.beat(
            "The tensor product \u2297: A mixes positions, the OV matrix maps each vector.",
            self.tensor_tex.animate.become(top),
            FadeOut(self.tensor_gloss),
            FadeIn(self.mixing, rate_func=squish_rate_func(smooth, 0.3, 1.0)),
            run_time=1.6,
            hold=2.4,  # the picture the caption explains: time to look, not only to read
        )

    def vocab_table(self, table, color, row_title: str, col_title: str, half) -> HeatMap:
        vocab = self.shown.vocab
        hm = HeatMap(
            table, cell_size=VOCAB_CELL, row_labels=vocab, col_labels=vocab, row_title=row_title,
            col_title=col_title, col_labels_rotated=True, outline_color=color, font_size=LABEL_SIZE,
        )  # fmt: skip
        return hm

    def full_qk(self) -> None:
        vocab = self.shown.vocab
        self.qk_map = self.vocab_table(
            self.shown.full_qk_table, QK_COLOR, "query word", "key word", self.qk_half
        )
        self.qk_tex = self.tex(r"W_E^T", r"W_{QK}", r"W_E" + SCORE_SCALE, size=MATH_SIZE_BODY)
        self.qk_tex[1].set_color(QK_COLOR)
        self.qk_tex.next_to(self.qk_map, UP, buff=0.12)
        k = vocab.index(SOURCE)
        col = self.shown.full_qk_table[:, k]
        fans = [vocab[i] for i in np.flatnonzero(col > 0)]
        others = col[col < 0]
        assert np.allclose(others, others[0]) and np.allclose(col[col > 0], col[col > 0][0])
        fan_score, other_score = format_value(col.max(), 1, sign=True), format_value(others[0], 1, sign=True)
        note = VGroup(
            self.text(f"{', '.join(fans)} \u2192 {SOURCE}: {fan_score}"),
            self.text(f"others \u2192 {SOURCE}: {other_score}; elsewhere 0"),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        note.next_to(self.qk_map, DOWN, buff=0.15).match_x(self.qk_map.cells)
        self.qk_half.place(VGroup(self.qk_tex, self.qk_map, note), UP, buff=0.05)
        # the embedding's and unembedding's names, in the top line where the head stood
        e_gloss, self.u_gloss = self.gloss(r"W_E:\ \text{embedding}"), self.gloss(r"W_U:\ \text{unembedding}")
        EQUATION_LINE.place(VGroup(e_gloss, self.u_gloss).arrange(RIGHT, buff=0.5), RIGHT, buff=0.1)
        box = block_frame(self.qk_map, cols=slice(k, k + 1), color=TEXT_COLOR)
        self.beat(
            "With the word embeddings on both sides: a score for every word pair.",
            Succession(
                FadeOut(
                    VGroup(self.tensor_tex, self.mixing, self.block, self.frames[0], self.frames[1]),
                    run_time=0.6,
                ),
                AnimationGroup(FadeIn(self.qk_map), FadeIn(self.qk_tex), FadeIn(e_gloss), run_time=1.0),
            ),
        )
        self.beat(
            f"{' and '.join(repr(t) for t in fans)} score '{SOURCE}' {fan_score}; other words score it {other_score}.",
            Create(box),
            FadeIn(note),
            run_time=1.0,
        )
        self.qk_extras = VGroup(e_gloss)

    def full_ov(self) -> None:
        vocab = self.shown.vocab
        self.ov_map = self.vocab_table(
            self.shown.full_ov_table, OV_COLOR, "output word", "attended word", self.ov_half
        )
        self.ov_tex = self.tex(r"W_U", r"W_{OV}", r"W_E", size=MATH_SIZE_BODY)
        self.ov_tex[1].set_color(OV_COLOR)
        self.ov_tex.next_to(self.ov_map, UP, buff=0.12)
        k = vocab.index(SOURCE)
        col = self.shown.full_ov_table[:, k]
        raised = [vocab[i] for i in np.flatnonzero(col > 1e-6)]
        assert np.count_nonzero(np.abs(self.shown.full_ov_table) > 1e-9) == len(raised)  # only that column
        gain = format_value(col.max(), 1, sign=True)
        note = self.text(f"{SOURCE} \u2192 {', '.join(raised)}: {gain}")
        note.next_to(self.ov_map, DOWN, buff=0.15).match_x(self.ov_map.cells)
        self.ov_half.place(VGroup(self.ov_tex, self.ov_map, note), UP, buff=0.05)
        # the two tables side by side, their cells level
        VGroup(self.ov_tex, self.ov_map, note).shift(
            UP * (self.qk_map.cells.get_top() - self.ov_map.cells.get_top())
        )
        self.ov_tex.match_y(self.qk_tex)
        u_gloss = self.u_gloss
        box = block_frame(self.ov_map, cols=slice(k, k + 1), color=TEXT_COLOR)
        self.beat(
            "The unembedding turns what OV moves into logits: next-word scores.",
            FadeIn(self.ov_map),
            FadeIn(self.ov_tex),
            FadeIn(u_gloss),
            run_time=1.2,
        )
        self.beat(
            f"Attending to '{SOURCE}' raises {' and '.join(repr(t) for t in raised)} by {gain}: "
            f"{SOURCE} in {raised[0]}, {SOURCE} at {raised[1]}.",
            Create(box),
            FadeIn(note),
            run_time=1.0,
        )
        # the poster: each table's formula gets its meaning beside it
        self.summary_anims = []
        pairs = ((self.qk_tex, self.qk_half, "where to look:", QK_COLOR),
                 (self.ov_tex, self.ov_half, "what is moved:", OV_COLOR))  # fmt: skip
        for tex, half, words, color in pairs:
            text = self.text(words, color, LABEL_SIZE + 4)
            line = VGroup(text, tex.copy()).arrange(RIGHT, buff=0.25)
            half.place(line, UP).match_y(tex)
            text.align_to(tex, DOWN).shift(DOWN * 0.02)
            self.summary_anims += [FadeIn(text, shift=0.2 * RIGHT), tex.animate.move_to(line[1])]
