"""heads_are_additive: multi-head attention is every head adding its own write.

Storyboard: multi-head attention is "concatenate the heads, multiply by W_O";
split W_O into one block of columns per head and it is the same as every head
writing ``W_O^h r^h`` into the stream on its own. Heads are independent and
additive.

The skip-trigram model has two heads in its one layer. On ``keep them at`` the
clip takes the last position's results ``r^h`` (``hook_z``), multiplies their
concatenation by the whole ``W_O`` (column notation: ``[W_O^0 W_O^1]``, one
block of columns per head), then splits ``W_O`` and computes each head's
``W_O^h r^h`` (``hook_result``). Two copies of the stream column receive the
two versions (one write, or one write per head) and end up equal
(``hook_resid_post``).
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
    FadeIn,
    FadeOut,
    LaggedStart,
    Line,
    MathTex,
    ReplacementTransform,
    Succession,
    SurroundingRectangle,
    Text,
    VGroup,
    smooth,
    squish_rate_func,
)

from circuit_clips.circuits import paper_weight
from circuit_clips.kit import (
    FONT_SIZE_LABEL,
    FONT_SIZE_MIN,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    TEXT_COLOR,
    AttentionPatternMap,
    ClipScene,
    ColorBar,
    EquationStrip,
    HeatMap,
    VectorColumn,
    flash_around,
    format_value,
    head_color,
    make_label,
    read,
    stream_column,
    subspace_guides,
    write,
)
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import skip_trigram_model

TOKENS = ["keep", "them", "at"]
LAYER = 0
CELL = 0.22  # one cell of every vector and matrix in the product row (rows fit a word label)
STREAM_CELL = 0.25  # the two stream columns (room for a token name beside each cell)
ROW_Y = 0.0  # vertical centre of the product row (its labels stay above the caption band)
EQ_Y = 3.2  # the equation strip at the top
EQ_X = -1.2  # its centre, left of the legend in the top right corner


@dataclass(frozen=True)
class HeadsAreAdditiveNumbers:
    """The skip-trigram model's one layer at the last position of :data:`TOKENS`."""

    model: AttnOnlyTransformer
    n_heads: int
    d_head: int
    logits: np.ndarray
    dest: int  # the last position
    pattern: np.ndarray  # [head, dest, src]
    z: np.ndarray  # [head, d_head]: r^h
    result: np.ndarray  # [head, d_model]: W_O^h r^h
    attn_out: np.ndarray
    resid_pre: np.ndarray
    resid_post: np.ndarray
    w_o_rows: np.ndarray  # the stacked W_O, [n_heads * d_head, d_model] (code orientation)
    concat: np.ndarray  # the heads' results one after the other


def numbers() -> HeadsAreAdditiveNumbers:
    """Run the skip-trigram model on :data:`TOKENS` and read the layer's heads at the last position."""
    model = skip_trigram_model()
    n_heads, d_head = model.n_heads, model.d_head
    logits, cache = model.run_with_cache(model.to_tokens(TOKENS))
    dest = len(TOKENS) - 1
    pre = f"blocks.{LAYER}"
    z = cache[f"{pre}.attn.hook_z"][dest]
    result = cache[f"{pre}.attn.hook_result"][dest]
    attn_out = cache[f"{pre}.hook_attn_out"][dest]
    # Code (row vectors): concat(z) @ W_O_stacked, W_O_stacked [n_heads * d_head, d_model].
    # Screen (column vectors): W_O = [W_O^0 W_O^1], [d_model, n_heads * d_head], the transpose.
    w_o_rows = model.W_O[LAYER].reshape(n_heads * d_head, model.d_model)
    concat = z.reshape(-1)
    assert np.allclose(concat @ w_o_rows, attn_out)
    assert np.allclose(result.sum(axis=0), attn_out)
    return HeadsAreAdditiveNumbers(
        model=model,
        n_heads=n_heads,
        d_head=d_head,
        logits=logits,
        dest=dest,
        pattern=cache[f"{pre}.attn.hook_pattern"],
        z=z,
        result=result,
        attn_out=attn_out,
        resid_pre=cache[f"{pre}.hook_resid_pre"][dest],
        resid_post=cache[f"{pre}.hook_resid_post"][dest],
        w_o_rows=w_o_rows,
        concat=concat,
    )


class HeadsAreAdditive(ClipScene):
    title = "Heads are additive"
    description = "Every head writes $W_O^h r^h$ into the stream on its own."
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    numbers = staticmethod(numbers)

    def story(self) -> None:
        # Two heads, two patterns, two results
        self.show_heads()
        self.show_results()
        # The textbook view: concatenate, multiply by one W_O, add to the stream
        self.concatenate()
        self.multiply_by_w_o()
        self.add_to_stream()
        # Split W_O into one block per head
        self.split_w_o()
        self.each_head_writes()
        self.compare()

    def summary(self) -> None:
        self.end_on_summary(
            "Multi-head attention: every head adds its own write, independently.",
            *self.strip.change_to(self.summary_line, "cross_fade"),
            run_time=1.2,
            hold=2.5,
        )

    # --- building blocks ---------------------------------------------------------
    def column(self, values, color, label: str | None = None, **kwargs) -> VectorColumn:
        return VectorColumn(
            values, cell_height=CELL, cell_width=0.3, outline_color=color, outline_width=2.5,
            label=label, **kwargs,
        )  # fmt: skip

    def w_o_block(self, head: int) -> HeatMap:
        """Head ``head``'s block of W_O in column notation: [d_model, d_head]."""
        return HeatMap(
            paper_weight(self.model, "W_O", LAYER, head),
            cell_size=CELL,
            outline_color=head_color(LAYER, head),
        )

    def head_tex(self, tex: str, head: int) -> MathTex:
        return make_label(tex, color=head_color(LAYER, head))

    def colored(self, *parts: str, size: float = MATH_SIZE_LABEL) -> MathTex:
        """MathTex from ``parts``; a part naming a head's symbol (``r^1``, ``W_O^0``...) gets its colour."""
        tex = MathTex(*parts, font_size=size, color=TEXT_COLOR)
        for part, mob in zip(parts, tex):
            for head in range(self.shown.n_heads):
                if part.strip() in (f"r^{head}", f"W_O^{head}", f"W_O^{head} r^{head}"):
                    mob.set_color(head_color(LAYER, head))
        return tex

    def stacked_r(self, before: str = "", after: str = "", size: float = MATH_SIZE_LABEL) -> MathTex:
        """``before [r^0; r^1] after`` with r^0, r^1 in their heads' colours."""
        parts = [p for p in (before,) if p] + [r"\begin{bmatrix}", "r^0", r"\\", "r^1", r"\end{bmatrix}"]
        return self.colored(*parts, *([after] if after else []), size=size)

    # --- beats -----------------------------------------------------------------
    def show_heads(self) -> None:
        self.pattern_maps = VGroup()
        for head in range(self.shown.n_heads):
            pmap = AttentionPatternMap(
                self.shown.pattern[head], TOKENS, color=head_color(LAYER, head), cell_size=0.92,
                row_title="destination", col_title="source",
            )  # fmt: skip
            name = Text(f"head {head}", font_size=FONT_SIZE_LABEL + 4, color=head_color(LAYER, head))
            name.next_to(pmap, UP, buff=0.2)
            self.pattern_maps.add(VGroup(pmap, name))
        self.pattern_maps.arrange(RIGHT, buff=2.6).move_to(UP * 0.35 + LEFT * 1.3)
        self.legend = ColorBar(width=2.0, ticks=(0, 0.1, 1, 10)).to_corner(UP + RIGHT, buff=0.35)
        self.beat(
            f"One layer, {self.shown.n_heads} heads, each with its own attention weights.",
            LaggedStart(*[FadeIn(p) for p in self.pattern_maps], lag_ratio=0.4),
            FadeIn(self.legend),
            run_time=2.0,
            hold=0.6,
        )

    def show_results(self) -> None:
        self.r_cols = VGroup()
        boxes = VGroup()
        for head, group in enumerate(self.pattern_maps):
            pmap = group[0]
            boxes.add(
                SurroundingRectangle(pmap.row(self.shown.dest), buff=0.04, color=head_color(LAYER, head))
            )
            col = self.column(self.shown.z[head], head_color(LAYER, head))
            col.next_to(pmap.cells, RIGHT, buff=0.9)
            self.r_cols.add(col)
        self.r_labels = VGroup(
            *[self.head_tex(rf"r^{h}", h).next_to(col, DOWN, buff=0.15) for h, col in enumerate(self.r_cols)]
        )
        w0 = self.shown.pattern[0, self.shown.dest]
        w1 = self.shown.pattern[1, self.shown.dest]
        src0 = TOKENS[int(np.argmax(w0))]
        # the weights of the destination's row, written in its cells
        weights = VGroup()
        for head, group in enumerate(self.pattern_maps):
            for src, w in enumerate(self.shown.pattern[head, self.shown.dest]):
                cell = group[0].cell(self.shown.dest, src)
                weights.add(Text(format_value(w), font_size=FONT_SIZE_LABEL, color=TEXT_COLOR).move_to(cell))
        self.beat(
            f"At '{TOKENS[self.shown.dest]}', head 0 puts {format_value(w0.max())} on '{src0}'; "
            f"head 1 spreads {format_value(w1.max())} over all three.",
            Create(boxes),
            FadeIn(weights),
            run_time=1.2,
            hold=0.8,
        )
        self.strip = EquationStrip(center=[EQ_X, EQ_Y, 0])
        equation = self.strip.tex(
            rf"r^h = \sum_j A^h_{{\text{{{TOKENS[self.shown.dest]}}},\,j}}\, v^h_j", color=TEXT_COLOR
        )
        self.beat(
            "Each head mixes its values by its weights into a result. h names the head.",
            self.strip.show(equation),
            LaggedStart(
                *[FadeIn(VGroup(c, lab), shift=0.3 * RIGHT) for c, lab in zip(self.r_cols, self.r_labels)],
                lag_ratio=0.3,
            ),
            run_time=2.0,
            hold=0.8,
        )
        self.result_boxes = VGroup(boxes, weights)

    def concatenate(self) -> None:
        # The product row: W_O (16 x 16 on screen), the stacked r, "=", the result
        self.w_o_blocks = VGroup(*[self.w_o_block(h) for h in range(self.shown.n_heads)]).arrange(
            RIGHT, buff=0
        )
        self.w_o_blocks.move_to([-4.7, ROW_Y, 0])
        self.w_o_outline = SurroundingRectangle(
            self.w_o_blocks, buff=0.03, color=MUTED_TEXT_COLOR, stroke_width=2
        )
        self.w_o_label = make_label("W_O").next_to(self.w_o_outline, DOWN, buff=0.15)

        self.concat_col = self.column(self.shown.concat, TEXT_COLOR)
        self.concat_col.next_to(self.w_o_outline, RIGHT, buff=0.3)
        # a bar in each head's colour beside the part of the stacked vector that came from it
        for head in range(self.shown.n_heads):
            part = self.concat_col.cells_of(slice(head * self.shown.d_head, (head + 1) * self.shown.d_head))
            x = self.concat_col.outline.get_right()[0] + 0.08
            bar = Line([x, part.get_top()[1] - 0.03, 0], [x, part.get_bottom()[1] + 0.03, 0])
            self.concat_col.add(bar.set_stroke(head_color(LAYER, head), width=4))
        stacked = (
            VGroup(*[col.copy() for col in self.r_cols]).arrange(DOWN, buff=0).move_to(self.concat_col.body)
        )
        self.concat_label = self.stacked_r()
        self.concat_label.next_to(self.concat_col, DOWN, buff=0.15)

        new_eq = self.stacked_r(r"\text{output} = W_O", size=MATH_SIZE_BODY)
        self.beat(
            "Textbook way: stack both results into one vector...",
            FadeOut(self.pattern_maps),
            FadeOut(self.result_boxes),
            *[ReplacementTransform(col, part) for col, part in zip(self.r_cols, stacked)],
            *[ReplacementTransform(lab, self.concat_label[2 * h + 1]) for h, lab in enumerate(self.r_labels)],
            FadeIn(VGroup(self.concat_label[0], self.concat_label[4])),
            *self.strip.change_to(new_eq, "cross_fade"),
            run_time=1.8,
            hold=0.6,
        )
        # the two stacked results are now one vector of the concatenation's values
        self.remove(*stacked, *self.concat_label)
        self.add(self.concat_col, self.concat_label)

    def multiply_by_w_o(self) -> None:
        self.equals = make_label("=").next_to(self.concat_col, RIGHT, buff=0.22)
        self.out_col = self.column(self.shown.attn_out, TEXT_COLOR)
        self.out_col.next_to(self.equals, RIGHT, buff=0.25).match_y(self.concat_col.body)
        out_label = self.stacked_r("W_O").next_to(self.out_col, DOWN, buff=0.15)
        out_label.set_x(self.out_col.get_x() + 0.25)
        self.out_label = out_label
        shape = f"{self.model.d_model}\u00d7{self.shown.n_heads * self.shown.d_head}"
        self.beat(
            f"...and multiply by one big output matrix, {shape}.",
            Succession(
                FadeIn(VGroup(self.w_o_blocks, self.w_o_outline, self.w_o_label), run_time=0.8),
                AnimationGroup(
                    FadeIn(self.equals),
                    read(
                        self.concat_col,
                        self.w_o_outline,
                        self.out_col,
                        weight=self.shown.w_o_rows,
                        color=TEXT_COLOR,
                    ),
                    FadeIn(out_label),
                    run_time=2.0,
                ),
            ),
            hold=0.8,
        )

    def add_to_stream(self) -> None:
        vocab, subspaces = self.model.vocab, self.model.subspaces
        # streams[0]: one write per head (appears later, nearest the per-head products);
        # streams[1]: the one big write. Row names and subspace brackets sit right of streams[1].
        self.streams = VGroup()
        for x in (2.7, 4.6):
            col = stream_column(self.shown.resid_pre, cell_height=STREAM_CELL, cell_width=0.32)
            col.move_to([x, ROW_Y, 0])
            self.streams.add(col)
        per_head, one_go = self.streams
        words = VGroup()
        for part in subspaces.values():
            for tok, cell in zip(vocab, one_go.cells_of(part)):
                words.add(
                    Text(tok, font_size=FONT_SIZE_MIN, color=MUTED_TEXT_COLOR).next_to(cell, RIGHT, buff=0.15)
                )
        words.align_to(words[0], LEFT)
        guides = subspace_guides(
            one_go, subspaces, side=RIGHT, buff=words.get_right()[0] - one_go.outline.get_right()[0] + 0.12
        )
        title = Text(
            f"the stream at '{TOKENS[self.shown.dest]}'", font_size=FONT_SIZE_LABEL, color=TEXT_COLOR
        )
        title.next_to(self.streams, UP, buff=0.25)
        labels = VGroup(
            Text("per head", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR),
            Text("in one go", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR),
        )
        for label, col in zip(labels, self.streams):
            label.next_to(col, DOWN, buff=0.2)
        self.stream_decor = VGroup(guides, words, title)
        self.stream_labels = labels
        self.beat(
            f"Add that output to the stream at '{TOKENS[self.shown.dest]}' in one go.",
            Succession(
                FadeIn(VGroup(one_go, self.stream_decor), run_time=0.8),
                AnimationGroup(
                    FadeOut(self.out_label),
                    write(self.out_col, one_go, side=LEFT, gap=0.35),
                    FadeIn(labels[1]),
                    run_time=2.0,
                ),
            ),
            hold=0.6,
        )

    def split_w_o(self) -> None:
        # New places: W_O^0 r^0 + W_O^1 r^1 = h^0 + h^1
        blocks = self.w_o_blocks
        r_parts = (
            VGroup(*[self.column(self.shown.z[h], head_color(LAYER, h)) for h in range(self.shown.n_heads)])
            .arrange(DOWN, buff=0)
            .move_to(self.concat_col.body)
        )
        self.r_parts = r_parts
        xs = [-5.78, -2.66]
        targets = VGroup()
        for head, x in enumerate(xs):
            block = blocks[head].copy().move_to([x, ROW_Y, 0])
            r = r_parts[head].copy().next_to(block, RIGHT, buff=0.15).match_y(block)
            targets.add(VGroup(block, r))
        self.plus_lhs = make_label("+").move_to((targets[0].get_right() + targets[1].get_left()) / 2)
        self.block_labels = VGroup()
        for h in range(self.shown.n_heads):
            block, r = targets[h]
            self.block_labels.add(self.head_tex(rf"W_O^{h}", h).next_to(block, DOWN, buff=0.15))
            self.block_labels.add(self.head_tex(rf"r^{h}", h).next_to(r, DOWN, buff=0.15))
        braces = VGroup()
        for head in range(self.shown.n_heads):
            brace = Brace(blocks[head], UP, buff=0.08, color=head_color(LAYER, head))
            tex = self.head_tex(rf"W_O^{head}", head).next_to(brace, UP, buff=0.08)
            braces.add(VGroup(brace, tex))
        new_eq = self.colored(
            r"\begin{bmatrix}", "W_O^0", "&", "W_O^1", r"\end{bmatrix}",
            r"\begin{bmatrix}", "r^0", r"\\", "r^1", r"\end{bmatrix}",
            "=", "W_O^0 r^0", "+", "W_O^1 r^1",
            size=MATH_SIZE_BODY,
        )  # fmt: skip
        self.beat(
            "Cut the matrix into one block per head: each meets only its head's result.",
            FadeIn(braces),
            FadeOut(self.w_o_outline),
            FadeOut(self.w_o_label),
            FadeIn(r_parts),
            FadeOut(self.concat_col),
            *self.strip.change_to(new_eq, "cross_fade"),
            run_time=1.2,
            hold=0.6,
        )
        self.beat(
            "So the product splits into one product per head.",
            FadeOut(braces),
            FadeOut(self.concat_label),
            *[blocks[h].animate.move_to(targets[h][0]) for h in range(self.shown.n_heads)],
            *[r_parts[h].animate.move_to(targets[h][1]) for h in range(self.shown.n_heads)],
            FadeIn(self.plus_lhs),
            FadeIn(self.block_labels),
            run_time=1.6,
            hold=0.8,
        )
        equals_at = self.equals.copy().next_to(targets[1], RIGHT, buff=0.25).get_center()
        self.play(self.equals.animate.move_to(equals_at), run_time=0.4)

    def each_head_writes(self) -> None:
        model, vocab = self.model, self.model.vocab
        out = model.subspaces["output"]
        h_cols = VGroup()
        for head in range(self.shown.n_heads):
            col = self.column(self.shown.result[head], head_color(LAYER, head))
            h_cols.add(col)
        h_cols.arrange(RIGHT, buff=0.75).next_to(self.equals, RIGHT, buff=0.25).match_y(self.r_parts)
        # the "+" sits level with the token block, where no value is written
        plus = make_label("+").move_to(h_cols).match_y(h_cols[0].cells_of(model.subspaces["token"]))
        h_labels = VGroup(
            *[
                self.head_tex(rf"W_O^{h} r^{h}", h).next_to(col, DOWN, buff=0.15)
                for h, col in enumerate(h_cols)
            ]
        )
        # every value a head writes, beside its cell (head 1's 0.17 is the one the eye could miss)
        readouts = VGroup()
        for head, col in enumerate(h_cols):
            for i in np.flatnonzero(np.abs(self.shown.result[head]) > 1e-6):
                readouts.add(
                    Text(format_value(self.shown.result[head, i]), font_size=FONT_SIZE_MIN,
                         color=head_color(LAYER, head)).next_to(col.cell(int(i)), RIGHT, buff=0.08)
                )  # fmt: skip
        self.h_cols, self.plus_rhs = h_cols, plus
        w0 = self.shown.result[0, out]
        w1 = self.shown.result[1, out]
        raised0 = " and ".join(f"'{vocab[i]}'" for i in np.flatnonzero(w0 > 1e-6))
        names1 = [f"'{vocab[i]}'" for i in np.flatnonzero(w1 > 1e-6)]
        self.beat(
            f"Head 0 writes {format_value(w0.max())} on {raised0}; "
            f"head 1 writes {format_value(w1.max())} on {len(names1)} tokens.",
            *[
                read(
                    self.r_parts[h],
                    self.w_o_blocks[h],
                    h_cols[h],
                    weight=model.W_O[LAYER, h],
                    color=head_color(LAYER, h),
                )
                for h in range(self.shown.n_heads)
            ],  # fmt: skip
            FadeIn(plus, rate_func=squish_rate_func(smooth, 0.7, 1.0)),
            FadeIn(h_labels, rate_func=squish_rate_func(smooth, 0.7, 1.0)),
            FadeIn(readouts, rate_func=squish_rate_func(smooth, 0.7, 1.0)),
            run_time=2.2,
            hold=0.8,
        )
        per_head = self.streams[0]
        deltas = [col.copy() for col in h_cols]
        self.add(*deltas)
        changed = [np.flatnonzero(np.abs(self.shown.result[h]) > 1e-6) for h in range(self.shown.n_heads)]
        marks = VGroup()
        for head in range(self.shown.n_heads):
            color = head_color(LAYER, head)
            box = VGroup(
                *[SurroundingRectangle(per_head.cell(int(i)), buff=0.02, color=color, stroke_width=3)
                  for i in changed[head]]
            )  # fmt: skip
            marks.add(box)
            steps = [write(deltas[head], per_head, side=LEFT, gap=0.35, plus_color=color, run_time=2.4),
                     Create(box, run_time=0.6)]  # fmt: skip
            if head == 0:
                caption = "Head 0 adds its write to a fresh copy of the stream."
                steps.insert(0, FadeIn(VGroup(per_head, self.stream_labels[0]), run_time=0.8))
            else:
                caption = "Head 1 adds its own, without ever needing head 0's."
            self.beat(caption, Succession(*steps), hold=0.6)
        self.beat(
            f"Head 1's {len(changed[1])} cells grew by {format_value(self.shown.result[1, changed[1][0]])}: "
            "a small write, but its own.",
            AnimationGroup(*[flash_around(cell, head_color(LAYER, 1)) for cell in marks[1]]),
            run_time=1.0,
            hold=0.6,
        )
        self.write_marks = marks

    def compare(self) -> None:
        assert all(np.allclose(col.values, self.shown.resid_post) for col in self.streams)
        self.summary_line = self.stacked_r(
            r"\text{multi-head attention:}\quad W_O", r"\;=\; \sum_h W_O^h\, r^h", size=MATH_SIZE_BODY
        )
        self.beat(
            f"Both streams end with the same {self.model.d_model} numbers.",
            FadeOut(self.write_marks),
            AnimationGroup(*[flash_around(s.body, TEXT_COLOR) for s in self.streams], lag_ratio=0.3),
            run_time=1.2,
            hold=0.6,
        )
