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

Layout: every ``d_model`` vector (the writes and both stream copies) has the cell height of
``W_O``'s rows and sits on the product row's centre line, so one set of row names, right of the
last stream column, names the rows of all of them: every row of the next-word half that a head writes, level with
its row (a row is as tall as a name), and the lit row of the word half. Each head's
write also names its lit rows beside them, where the caption talks about them.
"""

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    AnimationGroup,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    Line,
    MathTex,
    Rectangle,
    ReplacementTransform,
    Succession,
    SurroundingRectangle,
    Text,
    VGroup,
    Wait,
    linear,
    smooth,
    squish_rate_func,
)

from circuit_clips.circuits import paper_weight
from circuit_clips.kit import (
    EQUATION_LINE,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    STAGE,
    TEXT_COLOR,
    AttentionPatternMap,
    ClipScene,
    ColorBar,
    EquationStrip,
    HeatMap,
    VectorColumn,
    format_value,
    head_color,
    make_label,
    merge,
    stream_column,
    write,
)
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import skip_trigram_model

TOKENS = ["keep", "them", "at"]
LAYER = 0
CELL = 0.28  # one row of W_O and of every vector on the product row: a row name fits beside each row
CUT = 0.15  # how far W_O's second block moves away from the first when it is cut
V_CELL = 0.19  # the values and results under the attention patterns (the heads fit the stage)
BLOCK_CELL_WIDTH = 0.085  # W_O's columns: narrower than its rows are tall, so the whole row fits
ROOM_FOR_TAGS = 1.84  # right of head 0's write: its value and the words of its rows
WRITE_GAP = 0.45  # between a stream column and a write staged beside it: room for a plain "+"
TAG_PITCH = CELL  # the least distance between two row tags: one row, so every tag sits level with its row
EQ_SIZE = 34  # the equation line (its stacked vectors stay inside the line)
LABEL_SIZE = 24
GLOSS_SIZE = EQ_SIZE  # the meaning of a symbol, beside what it names (readable at 480p)
EPS = 1e-6


@dataclass(frozen=True)
class HeadsAreAdditiveNumbers:
    """The skip-trigram model's one layer at the last position of :data:`TOKENS`."""

    model: AttnOnlyTransformer
    n_heads: int
    d_head: int
    logits: np.ndarray
    dest: int  # the last position
    pattern: np.ndarray  # [head, dest, src]
    v: np.ndarray  # [head, pos, d_head]: every word's value v^h_j
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
        v=cache[f"{pre}.attn.hook_v"].transpose(1, 0, 2),
        z=z,
        result=result,
        attn_out=attn_out,
        resid_pre=cache[f"{pre}.hook_resid_pre"][dest],
        resid_post=cache[f"{pre}.hook_resid_post"][dest],
        w_o_rows=w_o_rows,
        concat=concat,
    )


def runs(values: np.ndarray) -> list[tuple[int, int]]:
    """The ``(start, stop)`` of every run of equal non-zero entries of ``values`` (one label each)."""
    found: list[tuple[int, int]] = []
    for i in np.flatnonzero(np.abs(values) > EPS):
        if found and found[-1][1] == i and np.isclose(values[i], values[found[-1][0]]):
            found[-1] = (found[-1][0], i + 1)
        else:
            found.append((int(i), int(i) + 1))
    return found


def fanned(targets: list[float], pitch: float) -> list[float]:
    """Heights for tags that want ``targets`` (top to bottom): each as near its target as it can
    be while no two are closer than ``pitch`` (tags that would crowd are spread about their mean)."""
    clusters: list[list[float]] = []
    for t in targets:
        clusters.append([t])
        while len(clusters) > 1:
            above, below = clusters[-2], clusters[-1]
            gap = (np.mean(above) - (len(above) - 1) * pitch / 2) - (
                np.mean(below) + (len(below) - 1) * pitch / 2
            )
            if gap >= pitch - EPS:
                break
            clusters[-2:] = [above + below]
    return [float(np.mean(c) + ((len(c) - 1) / 2 - k) * pitch) for c in clusters for k in range(len(c))]


def on_row(word: Text, y: float) -> Text:
    """``word`` moved so that its baseline sits just under height ``y`` (words with and without
    descenders line up with the row they name)."""
    return word.shift(UP * (y - 0.09 - word[0].get_bottom()[1]))


class HeadsAreAdditive(ClipScene):
    title = "Heads are additive"
    description = "Each head adds its own $W_O^h r^h$ to the stream."
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    numbers = staticmethod(numbers)

    def story(self) -> None:
        # Two heads, two patterns, two results
        self.show_heads()
        self.show_results()
        # The textbook view: stack, multiply by one W_O, add to the stream
        self.multiply_by_w_o()
        self.add_to_stream()
        # Split W_O into one block per head: one product, and one write, per head
        self.cut_w_o()
        self.split_product()
        self.heads_write()
        self.writes_land()
        self.compare()

    def summary(self) -> None:
        summary_line = self.stacked_r(
            r"\text{multi-head attention:}\quad W_O", r"\;=\; \sum\nolimits_h W_O^h\, r^h", size=EQ_SIZE
        )
        self.end_on_summary(
            "Heads are independent: each adds its own write.",
            self.swap(summary_line),
            run_time=1.2,
            hold=2.0,
        )

    # --- building blocks ---------------------------------------------------------
    def color(self, head: int):
        return head_color(LAYER, head)

    def column(self, values, color, cell: float = CELL) -> VectorColumn:
        return VectorColumn(values, cell_height=cell, cell_width=0.27, outline_color=color, outline_width=2.5)

    def text(self, words: str, color=TEXT_COLOR, size: float = LABEL_SIZE) -> Text:
        return Text(words, font_size=size, color=color)

    def colored(self, *parts: str, size: float = MATH_SIZE_LABEL) -> MathTex:
        """MathTex from ``parts``; a part naming a head's symbol (``r^1``, ``W_O^0``...) gets its colour."""
        tex = MathTex(*parts, font_size=size, color=TEXT_COLOR)
        for part, mob in zip(parts, tex):
            for head in range(self.shown.n_heads):
                if part.strip() in (f"r^{head}", f"W_O^{head}", f"W_O^{head} r^{head}"):
                    mob.set_color(self.color(head))
        return tex

    def stacked_r(self, before: str = "", after: str = "", size: float = MATH_SIZE_LABEL) -> MathTex:
        """``before [r^0; r^1] after`` with r^0, r^1 in their heads' colours."""
        parts = [p for p in (before,) if p] + [r"\begin{bmatrix}", "r^0", r"\\", "r^1", r"\end{bmatrix}"]
        return self.colored(*parts, *([after] if after else []), size=size)

    def sweep(
        self, vector: VectorColumn, cells: VGroup, n_rows: int, result: VectorColumn, weight, run_time=2.0
    ):
        """``result = W vector`` drawn row by row: a frame sweeps down the matrix's rows and each
        result cell appears as the row that makes it is passed. Call :meth:`settle` on ``result``
        after the beat."""
        if not np.allclose(vector.values @ np.asarray(weight), result.values):
            raise ValueError("sweep(): result.values is not vector.values @ weight")
        row = Rectangle(width=cells.width + 0.06, height=cells.height / n_rows + 0.04)
        row.set_stroke(TEXT_COLOR, width=3).align_to(cells, UP).match_x(cells).shift(0.02 * UP)
        down = 0.7 * run_time  # every part its own run_time: a group would stretch the longest to fit
        return Succession(
            FadeIn(row, run_time=0.2 * run_time),  # an introducer: not on screen before its turn
            AnimationGroup(
                row.animate(rate_func=linear, run_time=down).align_to(cells, DOWN).shift(0.02 * DOWN),
                LaggedStart(*[FadeIn(c) for c in result.cells], lag_ratio=1.0, run_time=down),
                FadeIn(result.outline, run_time=down),
            ),
            FadeOut(row, run_time=0.1 * run_time),
        )

    def settle(self, *columns: VectorColumn) -> None:
        """Make each swept column one mobject in the scene again (its cells came in one by one)."""
        for col in columns:
            self.remove(*col.cells, col.outline)
            self.add(col)

    def swap(self, equation: MathTex, **kwargs) -> Succession:
        """The strip's equation replaced by ``equation``: the old one gone before the new one comes."""
        old_out, new_in = self.strip.change_to(equation, "cross_fade")
        return Succession(old_out, new_in, **kwargs)

    def word_of_row(self, row: int) -> str:
        """The word a row of the stream's output half scores."""
        return self.model.vocab[row - self.model.subspaces["output"].start]

    def readouts(self, col: VectorColumn, values: np.ndarray, color, words: bool = False) -> VGroup:
        """Each run of equal non-zero entries of ``col`` marked by a bar and labelled with its value
        (and, with ``words``, the word of each of its rows, beside the value)."""
        marks = VGroup()
        for a, b in runs(values):
            cells = col.cells_of(slice(a, b))
            x = col.outline.get_right()[0] + 0.08
            bar = Line([x, cells.get_top()[1] - 0.02, 0], [x, cells.get_bottom()[1] + 0.02, 0])
            bar.set_stroke(color, width=3)
            value = self.text(format_value(values[a]), color).next_to(bar, RIGHT, buff=0.06)
            marks.add(VGroup(bar, value))
            if words:
                ys = fanned([col.cell(i).get_center()[1] for i in range(a, b)], TAG_PITCH)
                tags = VGroup(*[on_row(self.text(self.word_of_row(i)), y) for i, y in zip(range(a, b), ys)])
                marks[-1].add(tags.shift(RIGHT * (value.get_right()[0] + 0.08 - tags.get_left()[0])))
        return marks

    # --- layout (built before the title card; nothing drawn) ------------------------
    def lay_out(self) -> None:
        n = self.shown
        self.legend = EQUATION_LINE.place(
            ColorBar(width=2.0, ticks=(0, 0.1, 1, 10), title="log scale"), UP + RIGHT, buff=0.02
        )
        self.strip = EquationStrip(center=EQUATION_LINE.point(0.3, 0.5), font_size=EQ_SIZE)
        self.blocks = VGroup(
            *[
                HeatMap(
                    paper_weight(self.model, "W_O", LAYER, h),
                    cell_size=(BLOCK_CELL_WIDTH, CELL),
                    outline_color=self.color(h),
                )
                for h in range(n.n_heads)
            ]
        )
        self.r_parts = VGroup(*[self.column(n.z[h], self.color(h)) for h in range(n.n_heads)])
        self.h_cols = VGroup(*[self.column(n.result[h], self.color(h)) for h in range(n.n_heads)])
        self.streams = VGroup(
            *[stream_column(n.resid_pre, cell_height=CELL, cell_width=0.29) for _ in range(n.n_heads)]
        )
        self.lay_out_final_row()
        self.lay_out_textbook_row()
        self.lay_out_heads()

    def lay_out_final_row(self) -> None:
        """W_O^0 r^0 + W_O^1 r^1 = h0 + h1, then the per-head stream = the one-go stream, row names."""
        (b0, b1), (r0, r1), (h0, h1) = self.blocks, self.r_parts, self.h_cols
        per_head, one_go = self.streams
        self.plus_lhs, self.equals, self.plus_rhs = (make_label(s) for s in "+=+")
        self.same = make_label("=", font_size=MATH_SIZE_BODY + 10)
        r0.next_to(b0, RIGHT, buff=0.12)
        self.plus_lhs.next_to(r0, RIGHT, buff=0.25)
        b1.next_to(self.plus_lhs, RIGHT, buff=0.25)
        r1.next_to(b1, RIGHT, buff=0.12)
        self.equals.next_to(r1, RIGHT, buff=0.95)  # room for r^1's values
        h0.next_to(self.equals, RIGHT, buff=0.25)
        h1.next_to(h0, RIGHT, buff=ROOM_FOR_TAGS)  # h0's value and words, and the "+"
        # h1's values and words, then room for a write staged clear of them beside the stream
        tags_right = self.readouts(h1, self.shown.result[1], self.color(1), words=True).get_right()[0]
        per_head.next_to(h1, RIGHT, buff=tags_right - h1.get_right()[0] + 0.12 + h1.width + WRITE_GAP)
        self.same.next_to(per_head, RIGHT, buff=0.26)
        one_go.next_to(self.same, RIGHT, buff=0.26)
        self.plus_rhs.move_to(VGroup(h0, h1))
        self.row_names = self.name_rows(one_go)
        self.stream_title = self.text(f"the stream of the word '{TOKENS[self.shown.dest]}'")
        self.stream_title.next_to(self.streams, UP, buff=0.25)
        self.stream_labels = VGroup(
            *[  # each label's outer edge in line with its column's: the two never read as one phrase
                self.text(s, MUTED_TEXT_COLOR)
                .next_to(c, DOWN, buff=0.15)
                .align_to(c, -side)
                .shift(0.1 * -side)
                for s, c, side in zip(("per head", "in one go"), self.streams, (LEFT, RIGHT))
            ]
        )
        row = VGroup(self.blocks, self.r_parts, self.h_cols, self.streams, self.row_names, self.stream_title)
        row.add(self.stream_labels, self.plus_lhs, self.equals, self.plus_rhs, self.same)
        STAGE.place(row)

    def name_rows(self, col: VectorColumn) -> VGroup:
        """The rows the heads write (the lit next-word scores after the layer) named by their words,
        each level with its row beside ``col`` (a short tick between), under the header "next-word
        scores"; the word's own row named too. The other scores stay zero and unnamed: with every row
        named, a word with a descender would touch the name under it."""
        out = self.model.subspaces["output"]
        lit = out.start + np.flatnonzero(self.shown.resid_post[out] > EPS)
        rows = [*np.flatnonzero(self.shown.resid_pre[: out.start] > EPS), *lit]
        words = [f"word: {self.model.vocab[rows[0]]}", *[self.word_of_row(i) for i in rows[1:]]]
        x = col.outline.get_right()[0]
        tags, ticks = VGroup(), VGroup()
        for word, row in zip(words, rows):
            y = col.cell(row).get_center()[1]
            tag = on_row(self.text(word), y)
            tags.add(tag.shift(RIGHT * (x + 0.35 - tag.get_left()[0])))
            ticks.add(Line([x + 0.12, y, 0], [x + 0.29, y, 0]).set_stroke(MUTED_TEXT_COLOR, width=1.5))
        header = VGroup(self.text("next-word"), self.text("scores:"))
        header.arrange(DOWN, aligned_edge=LEFT, buff=0.08).next_to(tags[1], UP, buff=0.2)
        return VGroup(header.align_to(tags, LEFT), tags, ticks)

    def lay_out_textbook_row(self) -> None:
        """W_O (the two blocks side by side) times [r^0; r^1] = the output, where the final row starts."""
        n = self.shown
        self.w_o = self.blocks.copy().arrange(RIGHT, buff=0).align_to(self.blocks[0], LEFT + UP)
        self.w_o_label = make_label("W_O").next_to(self.w_o, DOWN, buff=0.15)
        self.concat_col = self.column(n.concat, TEXT_COLOR).next_to(self.w_o, RIGHT, buff=0.3)
        halves = [slice(h * n.d_head, (h + 1) * n.d_head) for h in range(n.n_heads)]
        self.stacked = VGroup(
            *[self.r_parts[h].copy().move_to(self.concat_col.cells_of(part)) for h, part in enumerate(halves)]
        )
        # each half of the stack named beside it (a stacked label under it would reach the caption band)
        self.concat_label = VGroup(
            *[self.colored(f"r^{h}").next_to(part, RIGHT, buff=0.1) for h, part in enumerate(self.stacked)]
        )
        self.out_equals = make_label("=").next_to(self.concat_col, RIGHT, buff=0.6)  # clear of the r^h names
        self.out_col = self.column(n.attn_out, TEXT_COLOR).next_to(self.out_equals, RIGHT, buff=0.25)
        # the cut: head 1's block moves a little right, and each block gets its name under it
        self.cut = CUT * RIGHT
        self.cut_labels = VGroup(
            *[
                self.colored(f"W_O^{h}").next_to(block, DOWN, buff=0.15).shift(h * self.cut)
                for h, block in enumerate(self.w_o)
            ]
        )

    def lay_out_heads(self) -> None:
        """The two attention patterns, the destination's row boxed, an arrow to each head's result."""
        n = self.shown
        self.maps, self.rows, self.results, self.arrows = VGroup(), VGroup(), VGroup(), VGroup()
        self.values = []  # each head's value columns, one under each source word
        for h in range(n.n_heads):
            pmap = AttentionPatternMap(
                n.pattern[h], TOKENS, color=self.color(h), cell_size=0.86, font_size=LABEL_SIZE - 2,  # the three words fit their columns
                row_title="destination", col_title="source",
            )  # fmt: skip
            pmap.add(self.text(f"head {h}", self.color(h), LABEL_SIZE + 4).next_to(pmap, UP, buff=0.15))
            box = SurroundingRectangle(pmap.row(n.dest), buff=0.04, color=self.color(h), stroke_width=4)
            weights = VGroup(
                *[
                    self.text(format_value(w)).move_to(pmap.cell(n.dest, j))
                    for j, w in enumerate(n.pattern[h, n.dest])
                ]
            )
            values = VGroup(
                *[
                    VectorColumn(
                        n.v[h, j], cell_height=V_CELL, cell_width=0.3, outline_color=MUTED_TEXT_COLOR
                    )
                    .next_to(pmap.cells, DOWN, buff=0.15)
                    .match_x(pmap.cell(0, j))
                    for j in range(len(TOKENS))
                ]
            )
            values.add(self.colored(f"v^{h}_j").next_to(values, LEFT, buff=0.25))
            pmap.add(values)
            self.values.append(values)
            # the result level with the values it mixes: their copies fly straight to it
            col = (
                self.column(n.z[h], self.color(h), V_CELL)
                .next_to(pmap.cells, RIGHT, buff=1.0)
                .match_y(values)
            )
            label = self.colored(f"r^{h}").next_to(col, RIGHT, buff=0.12)
            arrow = Arrow(box.get_right(), col.get_left(), buff=0.08, color=self.color(h), stroke_width=4)
            self.maps.add(pmap)
            self.rows.add(VGroup(box, weights))
            self.results.add(VGroup(col, label))
            self.arrows.add(arrow)
        heads = VGroup(*[VGroup(*parts) for parts in zip(self.maps, self.rows, self.results, self.arrows)])
        heads.arrange(RIGHT, buff=0.8)
        STAGE.place(heads, LEFT, buff=0.3)

    # --- beats -----------------------------------------------------------------
    def show_heads(self) -> None:
        self.beat(
            f"Two heads. At '{TOKENS[self.shown.dest]}', each weighs the words its own way.",
            LaggedStart(*[FadeIn(m) for m in self.maps], lag_ratio=0.3, run_time=1.2),
            FadeIn(self.legend, run_time=1.2),
            Succession(
                Wait(1.2),
                AnimationGroup(
                    *[Create(row[0]) for row in self.rows], *[FadeIn(row[1]) for row in self.rows]
                ),
                run_time=2.0,
            ),
            hold=0.6,
        )

    def show_results(self) -> None:
        equation = self.strip.place(
            self.strip.tex(rf"r^h = \sum_j A^h_{{\text{{{TOKENS[self.shown.dest]}}},\,j}}\, v^h_j")
        )
        self.v_gloss = MathTex(
            r"v^h_j:\ \text{what word } j \text{ offers head } h", font_size=GLOSS_SIZE, color=TEXT_COLOR
        ).next_to(equation, RIGHT, buff=0.5)
        # the equation and the meaning of its v side by side, in the room left of the legend
        VGroup(equation, self.v_gloss).shift(
            RIGHT * (self.legend.get_left()[0] - 0.4 - self.v_gloss.get_right()[0])
        )
        self.beat(
            "Each head mixes the words' values v by these weights into r.",
            self.strip.show(equation),
            FadeIn(self.v_gloss),
            *[Create(a) for a in self.arrows],
            *[
                merge(
                    list(self.values[h][:-1]),
                    self.shown.pattern[h, self.shown.dest],
                    self.results[h][0],
                    run_time=2.4,
                )
                for h in range(self.shown.n_heads)
            ],
            FadeIn(VGroup(*[r[1] for r in self.results]), rate_func=squish_rate_func(smooth, 0.6, 0.8)),
            run_time=2.4,
        )

    def multiply_by_w_o(self) -> None:
        new_eq = self.stacked_r(r"\text{output} = W_O", size=EQ_SIZE)
        cols, labels = zip(*self.results)
        self.beat(
            "Textbook: stack the results, multiply by one big matrix.",
            Succession(
                # the results start for their stack (where head 0's pattern was) once the patterns
                # are half gone, and W_O is in, whole, while they travel: the frame is never empty
                AnimationGroup(
                    FadeOut(VGroup(self.maps, self.rows, self.arrows, self.v_gloss), run_time=0.5),
                    self.swap(new_eq, run_time=1.2),
                    Succession(Wait(0.35), FadeIn(VGroup(self.w_o, self.w_o_label), run_time=0.45)),
                    Succession(
                        Wait(0.3),
                        AnimationGroup(
                            *[ReplacementTransform(c, s) for c, s in zip(cols, self.stacked)],
                            *[
                                ReplacementTransform(lab, self.concat_label[h])
                                for h, lab in enumerate(labels)
                            ],
                            run_time=1.1,
                        ),
                    ),
                ),
                AnimationGroup(
                    FadeIn(self.out_equals),
                    self.sweep(
                        self.concat_col,
                        VGroup(*[block.cells for block in self.w_o]),
                        self.model.d_model,
                        self.out_col,
                        self.shown.w_o_rows,
                    ),
                    run_time=2.0,
                ),
            ),
            hold=0.4,
        )
        self.settle(self.out_col)

    def add_to_stream(self) -> None:
        one_go = self.streams[1]
        self.beat(
            "The stream: the word, and scores for the next word.",
            FadeIn(VGroup(one_go, self.row_names, self.stream_title, self.stream_labels[1]), run_time=1.0),
        )
        self.beat(
            "Add it in. Every layer adds to this running sum.",
            FadeOut(self.out_equals, run_time=0.5),
            write(self.out_col, one_go, side=LEFT, gap=2 * WRITE_GAP),  # room here: an airy "+"
            run_time=2.2,
        )

    def cut_w_o(self) -> None:
        new_eq = self.colored(
            r"\begin{bmatrix}", "W_O^0", "&", "W_O^1", r"\end{bmatrix}",
            r"\begin{bmatrix}", "r^0", r"\\", "r^1", r"\end{bmatrix}",
            "=", "W_O^0 r^0", "+", "W_O^1 r^1",
            size=EQ_SIZE,
        )  # fmt: skip
        self.beat(
            "Cut the matrix into one block per head.",
            FadeOut(self.w_o_label, rate_func=squish_rate_func(smooth, 0, 0.4)),
            self.w_o[1].animate.shift(self.cut),
            FadeIn(self.cut_labels, rate_func=squish_rate_func(smooth, 0.4, 1)),
            self.swap(new_eq),
            run_time=1.2,
        )

    def split_product(self) -> None:
        self.block_labels = VGroup()
        for h in range(self.shown.n_heads):
            self.block_labels.add(self.colored(f"W_O^{h}").next_to(self.blocks[h], DOWN, buff=0.15))
            self.block_labels.add(self.colored(f"r^{h}").next_to(self.r_parts[h], DOWN, buff=0.15))
        self.pairs = VGroup(
            *[
                SurroundingRectangle(VGroup(self.blocks[h], self.r_parts[h]), buff=0.05, color=self.color(h))
                for h in range(self.shown.n_heads)
            ]
        )
        self.beat(
            "Each block meets only its own head's result.",
            # one thing at a time: the old names go, the pieces move, then each pair is framed and named
            FadeOut(VGroup(self.cut_labels, self.concat_label), rate_func=squish_rate_func(smooth, 0, 0.2)),
            *[
                self.w_o[h].animate(rate_func=squish_rate_func(smooth, 0.15, 0.6)).move_to(self.blocks[h])
                for h in range(self.shown.n_heads)
            ],
            *[
                self.stacked[h]
                .animate(rate_func=squish_rate_func(smooth, 0.15, 0.6))
                .move_to(self.r_parts[h])
                for h in range(self.shown.n_heads)
            ],
            Create(self.pairs, rate_func=squish_rate_func(smooth, 0.6, 0.95)),
            FadeIn(VGroup(self.plus_lhs, self.block_labels), rate_func=squish_rate_func(smooth, 0.6, 0.95)),
            run_time=1.3,  # all framed well before the cue's middle
        )

    def heads_write(self) -> None:
        n = self.shown
        self.h_labels = VGroup(
            *[
                self.colored(f"W_O^{h} r^{h}").next_to(col, DOWN, buff=0.15)
                for h, col in enumerate(self.h_cols)
            ]
        )
        values = VGroup(
            *[self.readouts(col, n.result[h], self.color(h), words=True) for h, col in enumerate(self.h_cols)]
        )
        self.marks = values  # [0], [1]: the values (and words) beside each head's write
        values.add(self.readouts(self.stacked[1], n.z[1], self.color(1)))
        # W_O^1's diagonal is 0.5: said beside the diagonal's last cell, off the grid (r^1 ends higher)
        diagonal = paper_weight(self.model, "W_O", LAYER, 1)
        half = format_value(diagonal.max())
        assert np.allclose(diagonal[diagonal > EPS], diagonal.max())
        rows, cols = diagonal.shape
        values.add(
            self.text(half, self.color(1)).next_to(self.w_o[1].cell(rows - 1, cols - 1), RIGHT, buff=0.1)
        )
        vocab, out = self.model.vocab, self.model.subspaces["output"]
        raised0 = " and ".join(f"'{vocab[i - out.start]}'" for i in np.flatnonzero(n.result[0] > EPS))
        late = {"rate_func": squish_rate_func(smooth, 0.7, 1.0)}
        self.beat(
            f"Head 0 raises {raised0} {format_value(n.result[0].max())}; head 1 halves its "
            f"{format_value(n.z[1].max())}s: {format_value(n.result[1].max())}.",
            *[
                self.sweep(
                    self.stacked[h],
                    self.w_o[h].cells,
                    self.model.d_model,
                    self.h_cols[h],
                    self.model.W_O[LAYER, h],
                )
                for h in range(n.n_heads)
            ],
            FadeOut(self.pairs, rate_func=squish_rate_func(smooth, 0.5, 0.7)),  # before r^1's values come
            FadeIn(VGroup(self.equals, self.plus_rhs, self.h_labels, values), **late),
            run_time=2.2,
        )
        self.settle(*self.h_cols)

    def writes_land(self) -> None:
        per_head = self.streams[0]
        captions = (
            "Head 0 adds its write to a copy of the stream.",
            "Head 1 adds its own, never reading head 0's.",
        )
        for h, caption in enumerate(captions):
            delta = self.h_cols[h].copy()
            self.add(delta)
            steps = [write(delta, per_head, side=LEFT, gap=WRITE_GAP, plus_color=self.color(h), run_time=2.4)]
            if h == 0:
                steps.insert(0, FadeIn(VGroup(per_head, self.stream_labels[0]), run_time=0.6))
            # A play draws a write's copy over what is already on screen. What the copy passes (head
            # 1's column, the values and words beside the writes, the "+") leaves the scene and comes
            # back with a still animation listed after the write, so it is drawn over the copy.
            passed = VGroup(*self.marks[:2], self.plus_rhs, self.h_cols[1])
            self.remove(passed, *passed)
            run_time = sum(step.run_time for step in steps)
            self.beat(caption, Succession(*steps), Animation(passed, run_time=run_time), hold=0.4)

    def compare(self) -> None:
        n = self.shown
        assert all(np.allclose(col.values, n.resid_post) for col in self.streams)
        same = self.text(f"the same {self.model.d_model} numbers").move_to(self.stream_title)
        frames = VGroup(
            *[SurroundingRectangle(s.body, buff=0.06, color=TEXT_COLOR, stroke_width=4) for s in self.streams]
        )
        self.beat(
            f"Both ways give the same {self.model.d_model} numbers.",
            FadeIn(self.same, scale=1.5),
            Succession(FadeOut(self.stream_title, run_time=0.5), FadeIn(same, run_time=0.7)),
            Create(frames),
            run_time=1.2,
        )
