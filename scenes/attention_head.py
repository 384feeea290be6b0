"""attention_head: one head moves information between positions.

Storyboard: at every position the head reads the stream three ways (query
``q_i = W_Q x_i``, key ``k_j = W_K x_j``, value ``v_j = W_V x_j``); scores
``q_i . k_j / sqrt(d_head)``, the causal mask and a softmax give the attention
pattern ``A``; the destination's mix ``r_i = sum_j A_ij v_j`` goes through
``W_O`` and is *added* to its stream. Shown with the induction head (layer 1,
head 0) of the induction model with its start token (``bos=True``) on the
running example; every value is read from the model's cache.

The moment the clip exists for, the write that lands 'urs' in the last D, is
shown zoomed: the destination's ``output`` block drawn large, the head's write
beside it, and the cells changing to the sum.
"""

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Create,
    DashedLine,
    FadeIn,
    FadeOut,
    LaggedStart,
    MathTex,
    Paragraph,
    ReplacementTransform,
    Succession,
    SurroundingRectangle,
    Text,
    Transform,
    VGroup,
    Wait,
    smooth,
    squish_rate_func,
)
from manim.utils.color import ManimColor

from circuit_clips.kit import (
    BACKGROUND_COLOR,
    FONT_SIZE_LABEL,
    FONT_SIZE_MIN,
    FRAME_MARGIN,
    KEY_COLOR,
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
    EquationStrip,
    VocabColumn,
    flash_around,
    format_value,
    head_color,
    merge,
    read,
    write,
)
from circuit_clips.kit import ResidualStream as StreamMob
from circuit_clips.model import ActivationCache, AttnOnlyTransformer
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

LAYER, HEAD = 1, 0
ROW_PITCH = 0.75  # vertical distance between the q, k and v rows (and the block's tiles)
HEAD_COLOR = head_color(LAYER, HEAD)
SMALL_CELL = 0.045  # cell height of the small (d_head) vectors drawn over the stream's columns
ZOOM_CELL = 0.46  # cell height of the zoomed output block: the key moment is the largest thing


@dataclass(frozen=True)
class AttentionHeadNumbers:
    """The induction head (layer 1, head 0) on the running example: every value read from the cache."""

    model: AttnOnlyTransformer
    tokens: list[str]  # with the start token at position 0
    cache: ActivationCache
    x: np.ndarray  # the stream it reads, [pos, d_model]
    q: np.ndarray  # [pos, d_head]
    k: np.ndarray
    v: np.ndarray
    scores: np.ndarray  # q.k/sqrt(d_head), masked, [dest, src]
    pattern: np.ndarray  # A, [dest, src]
    z: np.ndarray  # r_i = sum_j A_ij v_j, [pos, d_head]
    result: np.ndarray  # W_O r_i, [pos, d_model]
    raw_scores: np.ndarray  # before the mask, from the cached queries and keys
    dest: int  # the last D
    source: int  # where it attends: urs
    resting: int  # a query with no earlier match ('ley'): it rests on the start token


def numbers() -> AttentionHeadNumbers:
    """Run the induction model (with its start token) on the running example; read the induction head."""
    model = induction_model(bos=True)
    ids = model.to_tokens(list(RUNNING_EXAMPLE))
    tokens = [model.vocab[t] for t in ids]
    _, cache = model.run_with_cache(ids)
    hook = f"blocks.{LAYER}.attn"
    q, k = cache[f"{hook}.hook_q"][:, HEAD], cache[f"{hook}.hook_k"][:, HEAD]
    scores = cache[f"{hook}.hook_attn_scores"][HEAD]
    pattern = cache[f"{hook}.hook_pattern"][HEAD]
    raw_scores = q @ k.T / model.attn_scale
    lower = np.tril(np.ones_like(raw_scores, dtype=bool))
    assert np.allclose(raw_scores[lower], scores[lower])
    dest = len(tokens) - 1  # the last D
    return AttentionHeadNumbers(
        model=model,
        tokens=tokens,
        cache=cache,
        x=cache[f"blocks.{LAYER}.hook_resid_pre"],
        q=q,
        k=k,
        v=cache[f"{hook}.hook_v"][:, HEAD],
        scores=scores,
        pattern=pattern,
        z=cache[f"{hook}.hook_z"][:, HEAD],
        result=cache[f"{hook}.hook_result"][:, HEAD],
        raw_scores=raw_scores,
        dest=dest,
        source=int(np.argmax(pattern[dest])),  # urs
        resting=tokens.index("ley"),
    )


class AttentionHead(ClipScene):
    title = "An attention head"
    description = "Each position asks with a query; the pattern $A$ decides which values move where."

    numbers = staticmethod(numbers)
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    def story(self) -> None:
        self.show_head_and_stream()
        self.introduce_the_start_token()
        self.read_three_ways()
        self.score_every_pair()
        self.mask_the_future()
        self.softmax_into_pattern()
        self.rest_on_the_start_token()
        self.move_to_destination()
        self.zoom_on_the_write()
        self.every_position_at_once()

    # --- helpers ---------------------------------------------------------------
    def tok(self, pos: int) -> str:
        return self.shown.tokens[pos]

    def cell_numbers(self, heat_map, row: int, values: np.ndarray) -> VGroup:
        """The values of one row of ``heat_map`` written in its cells (for values the scale saturates)."""
        numbers = VGroup()
        for col, value in enumerate(values):
            if not np.isfinite(value):
                continue
            cell = heat_map.cell(row, col)
            light = np.mean(ManimColor(cell.get_fill_color()).to_rgb()) > 0.5
            text = Text(
                format_value(value, 0),
                font_size=FONT_SIZE_MIN,
                color=BACKGROUND_COLOR if light else TEXT_COLOR,
            )
            numbers.add(text.scale_to_fit_height(min(text.height, cell.height * 0.45)).move_to(cell))
        return numbers

    # --- beats -----------------------------------------------------------------
    def show_head_and_stream(self) -> None:
        self.strip = EquationStrip(top_buff=0.35, x=-1.2)
        q_y = STAGE.top - 0.45
        self.row_y = {"q": q_y, "k": q_y - ROW_PITCH, "v": q_y - 2 * ROW_PITCH}
        self.block = AttentionHeadBlock(
            LAYER, HEAD, name="head h\n(layer 1)", vertical=True, gap=ROW_PITCH - 0.45, tile_height=0.45
        )
        self.block.to_edge(LEFT, buff=FRAME_MARGIN + 0.05)
        self.block.shift(UP * (self.row_y["q"] - self.block.w_q.get_y()))

        self.stream = StreamMob(
            self.shown.x,
            self.shown.tokens,
            subspaces=self.model.subspaces,
            cell_height=0.06,
            cell_width=0.28,
            spacing=0.8,
            font_size=FONT_SIZE_MIN,
        )
        self.stream.remove(self.stream.subspace_labels)  # no room for names here; the boundaries stay
        self.stream.next_to(self.block, RIGHT, buff=0.4)
        self.stream.shift(UP * (self.row_y["v"] - 0.45 - self.stream.columns[0].get_top()[1]))
        # the positions' numbers, which the notes' subscripts (q_7, k_3, A_{4,0}) refer to
        self.positions = VGroup(
            *[
                Text(str(p), font_size=FONT_SIZE_MIN, color=MUTED_TEXT_COLOR).next_to(label, DOWN, buff=0.1)
                for p, label in enumerate(self.stream.token_labels)
            ]
        )
        low = min(n.get_y() for n in self.positions)
        for n in self.positions:
            n.set_y(low)

        self.legend = ColorBar(width=3.8)
        # top right, beside the equation: the stage below is for the stream, the pattern and the zoom
        self.legend.to_corner(UP + RIGHT, buff=FRAME_MARGIN + 0.1)
        self.beat(
            "One attention head, h, and the residual stream: one column per token.",
            FadeIn(self.block),
            FadeIn(self.stream),
            FadeIn(self.positions),
            FadeIn(self.legend),
            self.strip.show(self.strip.tex(r"x_i = \text{column } i \text{ of the stream}")),
            run_time=1.5,
            hold=1.0,
        )

    def introduce_the_start_token(self) -> None:
        label = self.stream.token_labels[0]
        self.beat(
            "Position 0 holds a start token, as in real models.",
            flash_around(label, TEXT_COLOR, run_time=1.2),
            flash_around(self.stream.column(0), TEXT_COLOR, run_time=1.2),
            run_time=1.2,
            hold=0.8,
        )

    def read_three_ways(self) -> None:
        rows = [
            ("q", self.shown.q, QUERY_COLOR, self.block.w_q, self.model.W_Q, r"q_i = W_Q^h\,x_i", "Query: what each position looks for."),
            ("k", self.shown.k, KEY_COLOR, self.block.w_k, self.model.W_K, r"k_j = W_K^h\,x_j", "Key: what each position offers."),
            ("v", self.shown.v, VALUE_COLOR, self.block.w_v, self.model.W_V, r"v_j = W_V^h\,x_j", "Value: what it would pass on."),
        ]  # fmt: skip
        self.rows = {}
        for name, values, color, tile, weight, tex, caption in rows:
            assert np.allclose(
                values, self.shown.x @ weight[LAYER, HEAD]
            )  # every position, not only the one seen
            vecs = [
                self.stream.vector_at(p, values[p], color, y=self.row_y[name], cell_height=SMALL_CELL)
                for p in range(len(self.shown.tokens))
            ]
            letter = MathTex(name, font_size=34, color=color).next_to(vecs[-1], RIGHT, buff=0.2)
            # one column (the start token's, next to the block) is seen going through the matrix; the
            # others' vectors then rise over their columns, so no copies cross the stream or pile up
            self.beat(
                caption,
                read(self.stream.column(0), tile, vecs[0], weight=weight[LAYER, HEAD], color=color),
                Succession(
                    Wait(run_time=1.1),
                    LaggedStart(
                        *[FadeIn(vec, shift=0.2 * UP) for vec in vecs[1:]], lag_ratio=0.12, run_time=0.9
                    ),
                ),
                FadeIn(letter),
                *self.strip.change_to(self.strip.tex(tex), "cross_fade"),
                run_time=2.0,
                hold=0.6,
            )
            self.rows[name] = (vecs, letter)
        width = MathTex(
            rf"d_{{\mathrm{{head}}}} = {self.model.d_head}", font_size=MATH_SIZE_LABEL, color=MUTED_TEXT_COLOR
        )
        width.next_to(VGroup(*[self.rows[n][1] for n in "qkv"]), RIGHT, buff=0.25)
        self.width_label = width
        self.beat(
            f"Each is short: {self.model.d_head} numbers, the head's width.",
            FadeIn(width),
            run_time=0.8,
            hold=0.6,
        )

    def score_every_pair(self) -> None:
        self.pattern_map = AttentionPatternMap(
            self.shown.raw_scores,
            self.shown.tokens,
            color=HEAD_COLOR,
            cell_size=0.42,
            show_mask=False,
            col_labels_rotated=True,
        )
        self.pattern_map.to_edge(RIGHT, buff=FRAME_MARGIN + 0.1)
        self.pattern_map.shift(UP * (STAGE.top - 0.1 - self.pattern_map.get_top()[1]))
        self.beat(
            "Score: each query dotted with each key, scaled.",
            FadeIn(self.pattern_map, lag_ratio=0.02),
            FadeOut(self.width_label),
            *self.strip.change_to(
                self.strip.tex(r"\text{score}_{ij} = \frac{q_i \cdot k_j}{\sqrt{d_{\mathrm{head}}}}"),
                "cross_fade",
            ),
            run_time=1.8,
            hold=0.8,
        )

        # spotlight the pair that matters: the last D's query against urs's key
        i, j = self.shown.dest, self.shown.source
        cell = self.pattern_map.cell(i, j)
        q_vec, k_vec = self.rows["q"][0][i], self.rows["k"][0][j]
        self.note = MathTex(
            rf"q_{i} \cdot k_{j} \,/\, \sqrt{{{self.model.d_head}}} = {format_value(self.shown.scores[i, j], 1)}",
            font_size=MATH_SIZE_LABEL,
        ).next_to(self.pattern_map, DOWN, buff=0.2)
        self.score_numbers = self.cell_numbers(self.pattern_map, i, self.shown.raw_scores[i])
        self.beat(
            f"The last {self.tok(i)}'s query fits the key of '{self.tok(j)}': "
            f"{format_value(self.shown.scores[i, j], 0)}.",
            flash_around(q_vec, QUERY_COLOR, run_time=1.2),
            flash_around(k_vec, KEY_COLOR, run_time=1.2),
            FadeIn(self.note),
            FadeIn(self.score_numbers),
            flash_around(cell, TEXT_COLOR, run_time=1.6),
            run_time=1.6,
            hold=1.0,
        )
        bos_note = MathTex(
            rf"q_i \cdot k_0 \,/\, \sqrt{{{self.model.d_head}}} = {format_value(self.shown.scores[i, 0], 1)}"
            r"\quad \text{for every } i",
            font_size=MATH_SIZE_LABEL,
        ).move_to(self.note)
        self.beat(
            f"Every query gives the start token {format_value(self.shown.scores[i, 0], 0)}: a fallback.",
            flash_around(self.pattern_map.column(0), TEXT_COLOR, run_time=1.2),
            FadeOut(self.note),
            FadeIn(bos_note),
            run_time=1.2,
            hold=0.8,
        )
        self.note = bos_note

    def mask_the_future(self) -> None:
        self.beat(
            "No looking ahead: later positions are masked.",
            self.pattern_map.animate_values(self.shown.scores),
            *self.strip.change_to(
                self.strip.tex(r"\text{score}_{ij} = -\infty \quad \text{for } j > i"), "cross_fade"
            ),
            run_time=1.4,
            hold=0.8,
        )

    def softmax_into_pattern(self) -> None:
        shown = np.where(np.isfinite(self.shown.scores), self.shown.pattern, -np.inf)
        self.beat(
            "Softmax turns each row into weights summing to 1: the pattern A.",
            self.pattern_map.animate_values(shown),
            *self.strip.change_to(
                self.strip.tex(r"A^h_{ij} = \operatorname{softmax}_j\,(\text{score}_{ij})"), "cross_fade"
            ),
            FadeOut(self.note),
            FadeOut(self.score_numbers),
            run_time=1.6,
            hold=0.8,
        )

    def rest_on_the_start_token(self) -> None:
        row = self.shown.resting
        box = SurroundingRectangle(self.pattern_map.row(row), buff=0.03, color=TEXT_COLOR, stroke_width=3)
        note = MathTex(
            rf"A^h_{{{row},0}} = {format_value(self.shown.pattern[row, 0])}", font_size=MATH_SIZE_LABEL
        )
        note.next_to(self.pattern_map, DOWN, buff=0.2)
        self.beat(
            f"'{self.tok(row)}' has no earlier match: it rests on the start token.",
            Create(box),
            FadeIn(note),
            run_time=1.0,
            hold=0.8,
        )
        v0 = self.rows["v"][0][0]
        self.beat(
            "The start token's value is all zeros: resting moves nothing.",
            flash_around(v0, VALUE_COLOR, run_time=1.4),
            run_time=1.4,
            hold=0.8,
        )
        i, j = self.shown.dest, self.shown.source
        cell_box = SurroundingRectangle(
            self.pattern_map.cell(i, j), buff=0.03, color=TEXT_COLOR, stroke_width=3
        )
        new_note = MathTex(
            rf"A^h_{{{i},{j}}} = {format_value(self.shown.pattern[i, j])}", font_size=MATH_SIZE_LABEL
        )
        new_note.move_to(note)
        self.beat(
            f"The last {self.tok(i)} puts {format_value(self.shown.pattern[i, j])} on '{self.tok(j)}'. "
            "Real heads are rarely this sharp.",
            ReplacementTransform(box, cell_box),
            FadeOut(note),
            FadeIn(new_note),
            run_time=1.0,
            hold=0.8,
        )
        self.note, self.cell_box = new_note, cell_box

    def move_to_destination(self) -> None:
        i = self.shown.dest
        v_vecs = self.rows["v"][0]
        self.r_y = self.row_y["k"]
        self.r_vec = self.stream.vector_at(i, self.shown.z[i], HEAD_COLOR, y=self.r_y, cell_height=SMALL_CELL)
        self.r_letter = MathTex(r"r^h", font_size=34, color=HEAD_COLOR).next_to(self.r_vec, RIGHT, buff=0.2)
        q_k_rows = [m for name in ("q", "k") for m in (*self.rows[name][0], self.rows[name][1])]
        self.beat(
            "Now values move: each position mixes them by its row of A.",
            *[FadeOut(m) for m in q_k_rows],
            *self.strip.change_to(self.strip.tex(r"r^h_i = \sum_j A^h_{ij}\, v_j"), "cross_fade"),
            run_time=1.2,
            hold=0.6,
        )
        self.beat(
            f"For the last {self.tok(i)}, that is the value of '{self.tok(self.shown.source)}'.",
            merge(v_vecs, self.shown.pattern[i], self.r_vec, run_time=2.8),
            FadeIn(self.r_letter, run_time=2.8),
            hold=0.8,
        )
        self.delta = self.stream.vector_at(i, self.shown.result[i], HEAD_COLOR, gap=0.12, cell_width=0.14)
        self.beat(
            "The output matrix maps it back to the stream's size.",
            read(
                self.r_vec,
                self.block.w_o,
                self.delta,
                weight=self.model.W_O[LAYER, HEAD],
                color=HEAD_COLOR,
                keep_source=False,
            ),
            FadeOut(self.r_letter),
            *self.strip.change_to(self.strip.tex(r"x_i \;\to\; x_i + W_O^h\, r^h_i"), "cross_fade"),
            run_time=2.2,
            hold=0.6,
        )

    def zoom_on_the_write(self) -> None:
        """The key moment, big and slow: the destination's output block, before, plus the write, after."""
        i, out = self.shown.dest, self.model.subspaces["output"]
        vocab = list(self.model.vocab)
        target = self.stream.column(i)
        urs = vocab.index(self.tok(self.shown.source))

        old = VocabColumn(
            self.shown.x[i, out], vocab, side=LEFT, cell_height=ZOOM_CELL, cell_width=0.8,
            outline_color=TEXT_COLOR, readout=[urs], digits=2,
        )  # fmt: skip
        written = VocabColumn(
            self.shown.result[i, out], vocab, side=LEFT, cell_height=ZOOM_CELL, cell_width=0.8,
            outline_color=HEAD_COLOR, readout=[urs], digits=2,
        )  # fmt: skip
        written.remove(written.names)
        panel_top = STAGE.top - 0.75  # room for the panel's two-line title
        old.shift(RIGHT * (self.stream.get_right()[0] + 0.9 - old.get_left()[0]))
        old.shift(UP * (panel_top - old.get_top()[1]))
        written.next_to(old, RIGHT, buff=0.7).match_y(old.column)
        plus = (
            MathTex("+", font_size=48, color=TEXT_COLOR)
            .move_to((old.get_right() + written.column.get_left()) / 2)
            .match_y(old.column)
        )
        title = Paragraph(
            f"the last {self.tok(i)}'s 'output' block",
            f"({out.stop - out.start} of its {self.model.d_model} numbers)",
            font_size=FONT_SIZE_LABEL,
            color=TEXT_COLOR,
            alignment="center",
        )
        title[1].set_color(MUTED_TEXT_COLOR)
        title.next_to(VGroup(old, written), UP, buff=0.2)
        old_label = MathTex(rf"x_{i}", font_size=MATH_SIZE_LABEL).next_to(old.column, DOWN, buff=0.15)
        new_label = MathTex(rf"W_O^h r^h_{i}", font_size=MATH_SIZE_LABEL, color=HEAD_COLOR)
        new_label.next_to(written.column, DOWN, buff=0.15)
        panel = VGroup(old, written, plus, title, old_label, new_label)
        if panel.get_right()[0] > STAGE.right:  # as large as the room right of the stream allows
            panel.scale((STAGE.right - panel.get_left()[0]) / panel.width, about_edge=LEFT + UP)
        block = target.cells_of(out)
        guides = VGroup(
            DashedLine(block.get_corner(UP + RIGHT), old.column.get_corner(UP + LEFT), dash_length=0.08),
            DashedLine(block.get_corner(DOWN + RIGHT), old.column.get_corner(DOWN + LEFT), dash_length=0.08),
        ).set_stroke(MUTED_TEXT_COLOR, width=1.5, opacity=0.8)
        # the names sit left of the big column: keep the guides clear of them
        for guide in guides:
            guide.put_start_and_end_on(
                guide.get_start(), [old.names.get_left()[0] - 0.1, guide.get_end()[1], 0]
            )
        self.beat(
            f"Zoom in on the last {self.tok(i)}'s output block.",
            *[FadeOut(m) for m in (self.pattern_map, self.note, self.cell_box)],
            *[FadeIn(m) for m in (guides, old, title, old_label)],
            run_time=1.5,
            hold=0.8,
        )
        self.beat(
            "The head's write: a 1 on 'urs', zero elsewhere.",
            FadeIn(plus),
            ReplacementTransform(self.delta.copy(), written),
            FadeIn(new_label),
            run_time=1.6,
            hold=1.0,
        )
        total = self.shown.x[i, out] + self.shown.result[i, out]
        landing = written.column.copy().move_to(old.column).set_opacity(0)
        after_label = MathTex(rf"x_{i} + W_O^h r^h_{i}", font_size=MATH_SIZE_LABEL).move_to(old_label)
        self.beat(
            f"Added, not replaced: the last {self.tok(i)} now carries '{self.tok(self.shown.source)}'.",
            Succession(
                AnimationGroup(
                    Transform(written.column, landing),
                    FadeOut(written.readouts[urs]),
                    FadeOut(plus),
                    FadeOut(new_label),
                    run_time=1.2,
                ),
                AnimationGroup(
                    old.animate_values(total),
                    old.update_readouts([urs]),
                    write(self.delta, target, side=RIGHT, gap=0.12),
                    Transform(old_label, after_label),
                    run_time=2.4,
                ),
            ),
            hold=2.0,
        )
        self.remove(written)
        self.zoom = VGroup(guides, old, title, old_label)
        self.bump = flash_around(old.row(urs), HEAD_COLOR, run_time=1.4)
        self.beat(
            f"From here the model can predict '{self.tok(self.shown.source)}' next.",
            self.bump,
            run_time=1.4,
            hold=0.8,
        )
        assert np.allclose(target.values, self.shown.cache[f"blocks.{LAYER}.hook_resid_post"][i])

    def every_position_at_once(self) -> None:
        others = range(self.shown.dest)
        r_vecs = {
            p: self.stream.vector_at(p, self.shown.z[p], HEAD_COLOR, y=self.r_y, cell_height=SMALL_CELL)
            for p in others
        }
        self.beat(
            "Every other position does the same, at once.",
            self.clear_stage(self.block, self.stream, self.positions, self.legend, self.strip.current, *self.rows["v"][0], self.rows["v"][1]),
            *[FadeIn(r_vecs[p]) for p in others],
            run_time=1.4,
            hold=0.6,
        )  # fmt: skip
        deltas = {
            p: self.stream.vector_at(p, self.shown.result[p], HEAD_COLOR, gap=0.12, cell_width=0.14)
            for p in others
        }
        (gain,) = [p for p in others if np.abs(self.shown.result[p]).max() > 0.5]
        gained = self.tok(int(np.argmax(self.shown.pattern[gain])))
        self.beat(
            f"The second {self.tok(gain)} gains '{gained}'; the others add nothing.",
            *[ReplacementTransform(r_vecs[p], deltas[p]) for p in others],
            flash_around(self.block.w_o, HEAD_COLOR, run_time=1.2),
            flash_around(
                deltas[gain], HEAD_COLOR, run_time=1.2, rate_func=squish_rate_func(smooth, 0.4, 1.0)
            ),
            run_time=1.2,
            hold=0.6,
        )
        self.beat(
            "Each write is added to its own column.",
            *[write(deltas[p], self.stream.column(p), side=RIGHT, gap=0.12) for p in others],
            run_time=2.0,
            hold=0.6,
        )
        assert np.allclose(self.stream.values, self.shown.cache[f"blocks.{LAYER}.hook_resid_post"])

    def summary(self) -> None:
        summary = self.strip.place(self.strip.tex(r"h(X)_i = W_O^h \sum_j A^h_{ij}\, W_V^h\, x_j"))
        where = MathTex(
            r"A^h_{ij} = \operatorname{softmax}_{j \le i}\Big(\frac{q_i \cdot k_j}{\sqrt{d_{\mathrm{head}}}}\Big)",
            font_size=MATH_SIZE_LABEL + 6,
            color=TEXT_COLOR,
        )
        where.move_to([(self.stream.get_right()[0] + STAGE.right) / 2, self.row_y["k"], 0])
        self.end_on_summary(
            "Query and key choose where to look; value and output, what moves.",
            *self.strip.change_to(summary, "cross_fade"),
            FadeIn(where),
            run_time=1.2,
            hold=3.0,
        )
