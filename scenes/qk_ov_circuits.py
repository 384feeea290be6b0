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
    Succession,
    SurroundingRectangle,
    Text,
    VGroup,
)

from circuit_clips import circuits
from circuit_clips.kit import (
    FONT_SIZE_LABEL,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    QUERY_COLOR,
    TEXT_COLOR,
    VALUE_COLOR,
    AttentionHeadBlock,
    AttentionPatternMap,
    ClipScene,
    ColorBar,
    HeatMap,
    VectorColumn,
    block_frame,
    format_value,
    head_color,
    read,
    stream_column,
)
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import skip_trigram_model

LAYER, HEAD = 0, 0
TOKENS = ["keep", "them", "at", "bay"]
DEST, SOURCE = "at", "keep"  # the example: 'at' attends to 'keep'
COLOR = head_color(LAYER, HEAD)
FACTOR_CELL = 0.13  # cells of the d_model / d_head factor heat maps
VOCAB_CELL = 0.36  # cells of the full vocabulary circuits
EQ_SIZE = 30  # the equations of the first part
FULL_CELLS_Y = -0.4  # vertical centre of the cells of the two full circuits
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
    resid: np.ndarray  # the stream the head reads, [pos, d_model]
    head_write: np.ndarray  # [pos, d_model]
    dest: int
    src: int
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
        resid=cache[f"blocks.{LAYER}.hook_resid_pre"],
        head_write=cache[f"blocks.{LAYER}.attn.hook_result"][:, HEAD],
        dest=TOKENS.index(DEST),
        src=TOKENS.index(SOURCE),
        vocab=model.vocab,
    )


class QkOvCircuits(ClipScene):
    title = "QK and OV circuits"
    description = "$W_{QK}$ decides where a head looks, $W_{OV}$ what it moves: two separate circuits."
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    numbers = staticmethod(numbers)

    def story(self) -> None:
        # Four matrices, two pairs
        self.show_head()
        self.pair_qk()
        self.pair_ov()
        # The whole head in one line
        self.tensor_form()
        self.follow_one_read()
        # The two circuits over the vocabulary
        self.full_qk()
        self.full_ov()
        self.real_heads()

    def real_heads(self) -> None:
        self.beat(
            "This toy head was set by hand. A trained head's tables are dense and messy.",
            hold=0.6,
        )

    def summary(self) -> None:
        self.end_on_summary(
            "Two separate circuits: QK decides where to attend, OV what is moved.",
            *self.summary_anims,
            run_time=1.2,
            hold=2.8,
        )

    # --- building blocks ---------------------------------------------------------
    def heat(self, name: str, cell: float = FACTOR_CELL, color=MUTED_TEXT_COLOR) -> VGroup:
        """The paper-orientation matrix ``name`` as a heat map with its MathTex name under it."""
        hm = HeatMap(self.shown.paper[name], cell_size=cell, outline_color=color)
        label = MathTex(name.replace("QK", "{QK}").replace("OV", "{OV}"), font_size=MATH_SIZE_LABEL)
        label.next_to(hm, DOWN, buff=0.15)
        return VGroup(hm, label)

    def product_row(self, left: str, right: str, result: str, color) -> VGroup:
        """``left  right = result`` as three heat maps, centred vertically on one line."""
        a, b, c = self.heat(left, color=color), self.heat(right, color=color), self.heat(result, color=color)
        eq = MathTex("=", font_size=MATH_SIZE_BODY)
        row = VGroup(a, b, eq, c)
        a.next_to(b, LEFT, buff=0.2).align_to(b[0], UP).shift(UP * (b[0].get_y() - a[0].get_y()))
        eq.next_to(b, RIGHT, buff=0.3)
        c.next_to(eq, RIGHT, buff=0.3)
        for mob in (a, b, c):
            mob.shift(UP * (eq.get_y() - mob[0].get_y()))
        # one baseline for the three names
        low = min(m[1].get_y() for m in (a, b, c))
        for m in (a, b, c):
            m[1].set_y(low)
        return row

    # --- beats -----------------------------------------------------------------
    def show_head(self) -> None:
        self.block = AttentionHeadBlock(
            LAYER, HEAD, name="head 0 of a small hand-built model", tile_width=0.8
        )
        self.block.move_to([1.0, 3.0, 0])  # clear of the legend in the top left corner
        self.legend = ColorBar(width=2.0, ticks=(-10, -1, 0, 1, 10)).to_corner(UP + LEFT, buff=0.35)
        self.beat(
            "A head has four matrices. They only ever act in pairs.",
            FadeIn(self.block, shift=0.2 * DOWN),
            FadeIn(self.legend),
            run_time=1.2,
            hold=0.6,
        )

    def pair_qk(self) -> None:
        b = self.block
        self.qk_frame = SurroundingRectangle(
            VGroup(b.w_q, b.w_k), buff=0.07, color=QUERY_COLOR, corner_radius=0.08
        )
        self.ov_frame = SurroundingRectangle(
            VGroup(b.w_v, b.w_o), buff=0.07, color=VALUE_COLOR, corner_radius=0.08
        )
        score = MathTex(
            r"\text{score}_{ij}", "=", r"(W_Q x_i)^T (W_K x_j)" + SCORE_SCALE, "=", r"x_i^T", r"W_Q^T W_K",
            r"x_j" + SCORE_SCALE,
            font_size=EQ_SIZE,
        )  # fmt: skip
        score.move_to([0, 1.75, 0]).to_edge(LEFT, buff=0.35)
        head_width = MathTex(
            rf"x_i:\ \text{{position }} i\text{{'s vector}},\quad d_{{\mathrm{{head}}}} = {self.model.d_head}:\ "
            r"\text{the head's width}",
            font_size=EQ_SIZE - 2,
            color=TEXT_COLOR,
        )  # fmt: skip
        brace = Brace(score[5], DOWN, buff=0.06, color=QUERY_COLOR)
        brace_tex = MathTex(r"W_{QK}", font_size=EQ_SIZE, color=QUERY_COLOR).next_to(brace, DOWN, buff=0.06)
        head_width.next_to(brace_tex, DOWN, buff=0.15).align_to(score, LEFT)
        self.qk_score = VGroup(score, brace, brace_tex, head_width)
        self.beat(
            "Query and key meet only in the score, so only their product matters.",
            Succession(
                AnimationGroup(Create(self.qk_frame), FadeIn(score), FadeIn(head_width), run_time=1.2),
                AnimationGroup(FadeIn(brace), FadeIn(brace_tex), run_time=0.6),
            ),
            hold=0.6,
        )

        self.qk_row = self.product_row("W_Q^T", "W_K", "W_QK", QUERY_COLOR)
        self.qk_row.move_to([-3.55, -1.0, 0])
        where = Text("decides where to attend", font_size=FONT_SIZE_LABEL, color=QUERY_COLOR)
        where.next_to(self.qk_row, DOWN, buff=0.2)
        self.qk_row.add(where)
        d_model = self.model.d_model
        self.beat(
            f"It is {d_model}\u00d7{d_model}, yet uses {self.shown.qk_rank} direction (rank "
            f"{self.shown.qk_rank}). It decides where to look.",
            LaggedStart(*[FadeIn(m) for m in self.qk_row], lag_ratio=0.25),
            run_time=2.0,
            hold=0.6,
        )

    def pair_ov(self) -> None:
        write = MathTex(
            r"h(X)_i", "=", r"\sum_j A_{ij}", r"W_O W_V", r"x_j", font_size=EQ_SIZE,
        )  # fmt: skip
        write.move_to([3.55, 0, 0]).align_to(self.qk_score[0], DOWN).to_edge(RIGHT, buff=0.6)
        brace = Brace(write[3], DOWN, buff=0.06, color=VALUE_COLOR)
        brace_tex = MathTex(r"W_{OV}", font_size=EQ_SIZE, color=VALUE_COLOR).next_to(brace, DOWN, buff=0.06)
        self.ov_row = self.product_row("W_O", "W_V", "W_OV", VALUE_COLOR)
        self.ov_row.move_to([3.55, -1.0, 0]).align_to(self.qk_row, UP)
        what = Text("decides what is moved", font_size=FONT_SIZE_LABEL, color=VALUE_COLOR)
        what.next_to(self.ov_row, DOWN, buff=0.3).match_y(self.qk_row[-1])
        self.ov_row.add(what)
        # the two pairs never mix: a faint rule between them
        top = write.get_top()[1]
        self.divider = DashedLine([0, top, 0], [0, what.get_bottom()[1], 0], dash_length=0.08)
        self.divider.set_stroke(MUTED_TEXT_COLOR, width=1.5, opacity=0.6)
        self.beat(
            "Value and output meet only in what the head adds. Their product decides what moves.",
            Create(self.ov_frame),
            FadeIn(write),
            FadeIn(self.divider),
            Succession(AnimationGroup(FadeIn(brace), FadeIn(brace_tex)), run_time=1.0),
            LaggedStart(*[FadeIn(m) for m in self.ov_row], lag_ratio=0.25, run_time=2.0),
            run_time=2.0,
            hold=0.6,
        )
        self.ov_write = VGroup(write, brace, brace_tex, self.divider)

    def tensor_form(self) -> None:
        # two lines: the head, and where its weights A come from
        head_line = MathTex(
            r"h(X)", "=", r"(", r"A", r"\otimes", r"W_O W_V", r")\,X", font_size=MATH_SIZE_BODY
        )
        a_line = MathTex(
            r"A", "=", r"\mathrm{softmax}_{j \le i}\big(X^T", r"W_{QK}", r"X" + SCORE_SCALE + r"\big)",
            font_size=MATH_SIZE_BODY,
        )  # fmt: skip
        head_line[3].set_color(COLOR)
        head_line[5].set_color(VALUE_COLOR)
        a_line[0].set_color(COLOR)
        a_line[3].set_color(QUERY_COLOR)
        self.tensor_tex = VGroup(head_line, a_line).arrange(DOWN, buff=0.2)
        a_line.shift(RIGHT * (head_line[1].get_x() - a_line[1].get_x()))  # the two "=" one above the other
        self.tensor_tex.move_to([1.2, 2.95, 0])

        self.a_map = AttentionPatternMap(
            self.shown.pattern, TOKENS, color=COLOR, cell_size=0.52, col_labels_rotated=True
        )
        self.a_map.move_to([-4.6, -0.15, 0])
        a_note = Text("where: between positions", font_size=FONT_SIZE_LABEL, color=COLOR)
        a_note.next_to(self.a_map, DOWN, buff=0.3)
        self.otimes = MathTex(r"\otimes", font_size=MATH_SIZE_BODY).move_to(
            [-2.05, self.a_map.cells.get_y(), 0]
        )
        self.w_ov_map = HeatMap(self.shown.paper["W_OV"], cell_size=0.19, outline_color=VALUE_COLOR)
        self.w_ov_map.move_to([-0.2, self.a_map.cells.get_y(), 0])
        ov_note = Text("what: inside each vector", font_size=FONT_SIZE_LABEL, color=VALUE_COLOR)
        ov_note.next_to(self.w_ov_map, DOWN, buff=0.3).match_y(a_note)
        self.tensor_notes = VGroup(a_note, ov_note)
        ov_label = MathTex(r"W_{OV}", font_size=MATH_SIZE_LABEL, color=VALUE_COLOR)
        ov_label.next_to(self.w_ov_map, UP, buff=0.15)
        self.w_ov_group = VGroup(self.w_ov_map, ov_label)
        self.beat(
            "The whole head on the stream X. Its attention weights A come from QK alone.",
            Succession(
                FadeOut(VGroup(self.qk_row, self.ov_row, self.qk_score, self.ov_write, self.block,
                               self.qk_frame, self.ov_frame), run_time=0.7),
                FadeIn(self.tensor_tex, run_time=1.0),
            ),
            hold=0.6,
        )  # fmt: skip
        self.beat(
            "The tensor product \u2297: A mixes positions, the OV matrix maps each vector.",
            FadeIn(self.a_map),
            FadeIn(self.otimes),
            FadeIn(self.w_ov_group),
            FadeIn(self.tensor_notes),
            run_time=1.2,
            hold=0.6,
        )

    def follow_one_read(self) -> None:
        weight = self.shown.pattern[self.shown.dest, self.shown.src]
        cell_box = SurroundingRectangle(
            self.a_map.cell(self.shown.dest, self.shown.src), buff=0.02, color=TEXT_COLOR
        )
        x_src = stream_column(
            self.shown.resid[self.shown.src],
            cell_height=0.19,
            cell_width=0.3,
            label=rf"x_{{\text{{{SOURCE}}}}}",
        )
        x_src.next_to(self.w_ov_map, RIGHT, buff=0.35).match_y(self.w_ov_map)
        x_src.label.next_to(x_src.outline, DOWN, buff=0.15)
        equals = MathTex("=", font_size=MATH_SIZE_BODY).next_to(x_src.outline, RIGHT, buff=0.3)
        moved_values = self.shown.resid[self.shown.src] @ circuits.ov_matrix(self.model, LAYER, HEAD)
        moved = VectorColumn(moved_values, cell_height=0.19, cell_width=0.3, outline_color=VALUE_COLOR)
        moved.next_to(equals, RIGHT, buff=0.3).match_y(x_src.outline)
        out = self.model.subspaces["output"]
        raised = [self.shown.vocab[i] for i in np.flatnonzero(moved_values[out] > 1e-6)]
        raised_cells = VGroup(*[moved.cell(out.start + self.shown.vocab.index(t)) for t in raised])
        raised_label = Text(" & ".join(raised), font_size=FONT_SIZE_LABEL, color=TEXT_COLOR)
        raised_label.next_to(raised_cells, RIGHT, buff=0.2)
        moved_label = MathTex(rf"W_{{OV}}\,x_{{\text{{{SOURCE}}}}}", font_size=MATH_SIZE_LABEL)
        moved_label.next_to(moved.outline, DOWN, buff=0.15).align_to(x_src.label, DOWN)
        # what lands at the destination is the model's own write of this head there
        assert np.allclose(weight * moved_values, self.shown.head_write[self.shown.dest], atol=1e-3)
        weight_text = Text(format_value(weight), font_size=FONT_SIZE_LABEL, color=TEXT_COLOR)
        weight_text.move_to(self.a_map.cell(self.shown.dest, self.shown.src))
        self.beat(
            f"At '{DEST}', A puts {format_value(weight)} on '{SOURCE}': that is QK's choice.",
            Create(cell_box),
            FadeIn(weight_text),
            run_time=0.8,
            hold=0.6,
        )
        self.beat(
            f"The OV matrix turns '{SOURCE}' into {format_value(moved_values.max(), sign=True)} on "
            f"{' and '.join(repr(t) for t in raised)}: OV's choice.",
            FadeOut(self.otimes),
            FadeIn(x_src),
            Succession(
                FadeIn(equals, run_time=0.3),
                read(
                    x_src,
                    self.w_ov_map,
                    moved,
                    weight=circuits.ov_matrix(self.model, LAYER, HEAD),
                    color=VALUE_COLOR,
                    run_time=2.0,
                ),
                FadeIn(VGroup(raised_label, moved_label), run_time=0.5),
            ),  # fmt: skip
            hold=0.6,
        )
        self.example = VGroup(cell_box, weight_text, x_src, equals, moved, raised_label, moved_label)

    def full_qk(self) -> None:
        vocab = self.shown.vocab
        self.qk_map = HeatMap(
            self.shown.full_qk_table, cell_size=VOCAB_CELL, row_labels=vocab, col_labels=vocab,
            row_title="query token (destination)", col_title="key token (source)",
            col_labels_rotated=True, outline_color=QUERY_COLOR,
        )  # fmt: skip
        self.qk_map.move_to([-3.4, 0, 0]).shift(UP * (FULL_CELLS_Y - self.qk_map.cells.get_y()))
        self.qk_tex = MathTex(r"W_E^T", r"W_{QK}", r"W_E" + SCORE_SCALE, font_size=MATH_SIZE_BODY)
        self.qk_tex[1].set_color(QUERY_COLOR)
        self.qk_tex.next_to(self.qk_map, UP, buff=0.12)
        k = vocab.index(SOURCE)
        col = self.shown.full_qk_table[:, k]
        fans = [vocab[i] for i in np.flatnonzero(col > 0)]
        others = col[col < 0]
        assert np.allclose(others, others[0]) and np.allclose(col[col > 0], col[col > 0][0])
        fan_score, other_score = format_value(col.max(), 1, sign=True), format_value(others[0], 1, sign=True)
        self.qk_col_box = block_frame(self.qk_map, cols=slice(k, k + 1), color=TEXT_COLOR)
        self.qk_note = Text(
            f"{', '.join(fans)} \u2192 {SOURCE}: {fan_score}    others \u2192 {SOURCE}: {other_score}",
            font_size=FONT_SIZE_LABEL, color=TEXT_COLOR,
        )  # fmt: skip
        self.qk_note.next_to(self.qk_map, DOWN, buff=0.12).match_x(self.qk_map.cells)
        self.beat(
            "With the token embeddings on both sides: a score for every pair of tokens.",
            Succession(
                FadeOut(VGroup(self.tensor_tex, self.a_map, self.w_ov_group, self.tensor_notes, self.example),
                        run_time=0.7),
                AnimationGroup(FadeIn(self.qk_map), FadeIn(self.qk_tex), run_time=1.1),
            ),
            hold=0.6,
        )  # fmt: skip
        self.beat(
            f"{' and '.join(repr(t) for t in fans)} score '{SOURCE}' {fan_score}, all others "
            f"{other_score}: only they look at '{SOURCE}'.",
            Create(self.qk_col_box),
            FadeIn(self.qk_note),
            run_time=1.0,
            hold=0.6,
        )

    def full_ov(self) -> None:
        vocab = self.shown.vocab
        self.ov_map = HeatMap(
            self.shown.full_ov_table, cell_size=VOCAB_CELL, row_labels=vocab, col_labels=vocab,
            row_title="output token (logit)", col_title="source token (attended)",
            col_labels_rotated=True, outline_color=VALUE_COLOR,
        )  # fmt: skip
        self.ov_map.move_to([3.6, 0, 0]).shift(UP * (FULL_CELLS_Y - self.ov_map.cells.get_y()))
        self.ov_tex = MathTex(r"W_U", r"W_{OV}", r"W_E", font_size=MATH_SIZE_BODY)
        self.ov_tex[1].set_color(VALUE_COLOR)
        self.ov_tex.next_to(self.ov_map, UP, buff=0.25).match_y(self.qk_tex)
        k = vocab.index(SOURCE)
        col = self.shown.full_ov_table[:, k]
        raised = [vocab[i] for i in np.flatnonzero(col > 1e-6)]
        assert np.count_nonzero(np.abs(self.shown.full_ov_table) > 1e-9) == len(
            raised
        )  # only that column writes
        gain = format_value(col.max(), 1, sign=True)
        self.ov_col_box = block_frame(self.ov_map, cols=slice(k, k + 1), color=TEXT_COLOR)
        self.ov_note = Text(
            f"{SOURCE} \u2192 {', '.join(raised)}: {gain}",
            font_size=FONT_SIZE_LABEL, color=TEXT_COLOR,
        )  # fmt: skip
        self.ov_note.next_to(self.ov_map, DOWN, buff=0.12).match_x(self.ov_map.cells).match_y(self.qk_note)
        self.beat(
            "The OV table, read out as next-token scores: attending to a token raises which?",
            FadeIn(self.ov_map),
            FadeIn(self.ov_tex),
            run_time=1.4,
            hold=0.6,
        )
        self.beat(
            f"Attending to '{SOURCE}' raises {' and '.join(repr(t) for t in raised)} by {gain}; "
            "any other token, nothing.",
            Create(self.ov_col_box),
            FadeIn(self.ov_note),
            run_time=1.0,
            hold=0.6,
        )
        # the poster: each table's formula gets its meaning beside it
        self.summary_anims = []
        pairs = ((self.qk_tex, self.qk_map, "where to attend:", QUERY_COLOR),
                 (self.ov_tex, self.ov_map, "what is moved:", VALUE_COLOR))  # fmt: skip
        for tex, hm, words, color in pairs:
            text = Text(words, font_size=FONT_SIZE_LABEL + 4, color=color)
            line = VGroup(text, tex.copy()).arrange(RIGHT, buff=0.25)
            line.move_to(tex).match_x(hm.cells)
            text.align_to(tex, DOWN).shift(DOWN * 0.02)
            self.summary_anims += [FadeIn(text, shift=0.2 * RIGHT), tex.animate.move_to(line[1])]
