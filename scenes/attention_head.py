"""attention_head: one head moves information between positions.

Storyboard: at every position the head reads the stream three ways (query
``q_i = W_Q x_i``, key ``k_j = W_K x_j``, value ``v_j = W_V x_j``); scores
``q_i . k_j / sqrt(d_head)``, the causal mask and a softmax give the attention
pattern ``A``; the destination's mix ``r_i = sum_j A_ij v_j`` goes through
``W_O`` and is *added* to its stream. Shown with the induction head (layer 1,
head 0) of the induction model with its start token (``bos=True``) on the
running example; every value is read from the model's cache.

The moment the clip exists for comes in two parts, both drawn large: urs's value,
linked by its weight, becoming the last D's mix ``r^h`` (the values weighted zero dim);
then the write ``W_O^h r^h`` landing in the last D's ``output`` block, zoomed, the cells
changing to the sum in step with the write into the stream.

Layout (regions, no typed coordinates): the head's matrices down the left of the stage,
each level with the row of vectors it makes (q, k, v over the stream's columns); the
stream below them with its blocks named on its right; the pattern on the right of the
stage. For the write, the pattern gives the right of the stage to the zoom and comes
back as a small thumbnail in the band the q and k rows left empty; the end frame keeps
both.
"""

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    AnimationGroup,
    Arrow,
    Create,
    DashedLine,
    FadeIn,
    FadeOut,
    LaggedStart,
    MathTex,
    Rectangle,
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
    EQUATION_LINE,
    FONT_SIZE_MIN,
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
    HeatMap,
    Region,
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
HEAD_COLOR = head_color(LAYER, HEAD)
LABEL_SIZE = 24  # everything a caption names reads at 480p
TILE = 0.45  # height of the head's matrix tiles
ROW_PITCH = 0.78  # the q, k and v rows, each level with the tile that makes it
SMALL_CELL = 0.05  # cell height of the q, k, v vectors (d_head cells) over the stream's columns
R_CELL = 0.12  # the last D's mix r^h: over twice the size of the values it mixes
DELTA_CELL = 0.05  # the write W_O r^h (d_model cells) standing above the last D's column
STREAM_CELL = 0.055  # cell height of the stream's columns (d_model cells)
ZOOM_CELL = 0.42  # cell height of the zoomed output block: the largest thing on screen
PATTERN_CELL = 0.38  # the score and pattern heat map, right of the stream


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


def cell_numbers(heat_map, cells: list[tuple[int, int]], values: np.ndarray) -> VGroup:
    """``values[row, col]`` written in the given cells of ``heat_map`` (for values the scale saturates)."""
    numbers = VGroup()
    for row, col in cells:
        cell = heat_map.cell(row, col)
        light = np.mean(ManimColor(cell.get_fill_color()).to_rgb()) > 0.5
        text = Text(format_value(values[row, col], 0), font_size=LABEL_SIZE)
        text.set_color(BACKGROUND_COLOR if light else TEXT_COLOR)
        numbers.add(text.scale_to_fit_height(min(text.height, cell.height * 0.5)).move_to(cell))
    return numbers


def label(tex: str, color=TEXT_COLOR) -> MathTex:
    """A formula beside what it describes, at the size the notes are read at."""
    return MathTex(tex, font_size=MATH_SIZE_LABEL, color=color)


class AttentionHead(ClipScene):
    title = "An attention head"
    description = "One head moves information between positions."

    numbers = staticmethod(numbers)
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    def story(self) -> None:
        self.show_head_and_stream()
        self.read_three_ways()
        self.score_every_pair()
        self.mask_and_softmax()
        self.rest_on_the_start_token()
        self.mix_the_values()
        self.write_into_the_stream()

    def tok(self, pos: int) -> str:
        return self.shown.tokens[pos]

    # --- layout ----------------------------------------------------------------------
    def lay_out(self) -> None:
        n = self.shown
        self.strip = EquationStrip(x=EQUATION_LINE.point(0.38, 0.5)[0])
        # nothing this clip shows is negative: the legend's ticks are the sizes the captions name. Its ticks
        # are evenly spaced though 0.1, 1 and 10 are not: its title says the scale is a log scale
        bar = ColorBar(width=3.0, ticks=(0, 0.1, 1, 10), title=None)
        title = VGroup(
            Text("value", font_size=LABEL_SIZE, color=TEXT_COLOR),
            Text("log scale", font_size=LABEL_SIZE, color=TEXT_COLOR),
        ).arrange(DOWN, buff=0.08, aligned_edge=RIGHT)
        self.legend = EQUATION_LINE.place(VGroup(title.next_to(bar, LEFT, buff=0.2), bar), RIGHT)
        q_y = STAGE.top - 0.4
        self.row_y = {name: q_y - k * ROW_PITCH for k, name in enumerate("qkv")}
        self.block = AttentionHeadBlock(
            LAYER,
            HEAD,
            name="h",
            font_size=32,
            vertical=True,
            gap=ROW_PITCH - TILE,
            tile_height=TILE,
            tile_width=0.55,
        )
        STAGE.place(self.block, LEFT)
        self.block.shift(UP * (self.row_y["q"] - self.block.w_q.get_y()))
        self.stream = StreamMob(
            n.x,
            n.tokens,
            subspaces=self.model.subspaces,
            cell_height=STREAM_CELL,
            cell_width=0.3,
            spacing=0.74,
            font_size=LABEL_SIZE,
            subspace_side=RIGHT,
        )
        self.stream.token_labels[0].shift(0.2 * LEFT)  # '<bos>' is wide: clear of its neighbour's label
        self.stream.next_to(self.block, RIGHT, buff=0.3)
        v_bottom = self.row_y["v"] - SMALL_CELL * self.model.d_head / 2
        self.stream.shift(UP * (v_bottom - 0.3 - self.stream.columns.get_top()[1]))
        # the positions' numbers, which the notes' subscripts (q_7, k_3, A_{7,3}) refer to
        self.positions = VGroup(
            *[
                Text(str(p), font_size=FONT_SIZE_MIN, color=MUTED_TEXT_COLOR).next_to(tok, DOWN, buff=0.1)
                for p, tok in enumerate(self.stream.token_labels)
            ]
        )
        low = min(number.get_y() for number in self.positions)
        for number in self.positions:
            number.shift(UP * (low - number.get_y()))
        self.pattern_map = AttentionPatternMap(
            n.raw_scores, n.tokens, color=HEAD_COLOR, cell_size=PATTERN_CELL, show_mask=False,
            col_labels_rotated=True, font_size=LABEL_SIZE,
        )  # fmt: skip
        STAGE.place(self.pattern_map, UP + RIGHT)
        # its column title beside the column labels, at the table's corner: above them it sat under the
        # legend's ticks and read as the legend's title
        self.pattern_map.col_title.next_to(self.pattern_map.col_labels, LEFT, buff=0.25)
        self.pattern_map.col_title.align_to(self.pattern_map.col_labels, DOWN)
        self.future_veil = self.veil_the_future()

    def veil_the_future(self) -> VGroup:
        """A dark veil over every later position's cells (j > i): the scores are dimmed there from the
        start, until the mask's caption says why, so the head never seems to look ahead."""
        n_pos, veil = len(self.shown.tokens), VGroup()
        for row in range(n_pos - 1):
            later = VGroup(*[self.pattern_map.cell(row, col) for col in range(row + 1, n_pos)])
            veil.add(
                Rectangle(width=later.width, height=later.height)
                .move_to(later)
                .set_stroke(width=0)
                .set_fill(BACKGROUND_COLOR, opacity=0.8)
            )
        return veil

    # --- beats -------------------------------------------------------------------------
    def show_head_and_stream(self) -> None:
        names = VGroup(*[guide.name_mob for guide in self.stream.subspace_labels])
        self.names_box = SurroundingRectangle(names, buff=0.1, color=TEXT_COLOR, stroke_width=3)
        self.start_box = SurroundingRectangle(
            VGroup(self.stream.token_labels[0], self.stream.column(0)),
            buff=0.08,
            color=TEXT_COLOR,
            stroke_width=3,
        )
        self.beat(
            "Head h reads the stream: a column per token; 0 is a start token.",
            FadeIn(self.block, run_time=1.2),
            FadeIn(self.stream, run_time=1.2),
            FadeIn(self.positions, run_time=1.2),
            FadeIn(self.legend, run_time=1.2),
            self.strip.show(self.strip.tex(r"x_i = \text{column } i \text{ of the stream}"), run_time=1.2),
            Succession(Wait(run_time=0.8), Create(self.start_box, run_time=0.5)),
            hold=0.3,
        )
        self.beat(
            "Each column: its token, its position, the token before, an output.",
            FadeOut(self.start_box, run_time=0.3),
            Create(self.names_box, run_time=0.6),
            hold=0.3,
        )

    def read_three_ways(self) -> None:
        """Query, key and value at once: column 0 is seen going through each matrix, the others' rise."""
        n, colors = self.shown, {"q": QUERY_COLOR, "k": KEY_COLOR, "v": VALUE_COLOR}
        weights = {"q": self.model.W_Q, "k": self.model.W_K, "v": self.model.W_V}
        tiles = {"q": self.block.w_q, "k": self.block.w_k, "v": self.block.w_v}
        self.rows, reads, rises = {}, [], []
        for name, values in (("q", n.q), ("k", n.k), ("v", n.v)):
            assert np.allclose(values, n.x @ weights[name][LAYER, HEAD])  # every position, not one
            vecs = [
                self.stream.vector_at(
                    p, values[p], colors[name], y=self.row_y[name], cell_height=SMALL_CELL, cell_width=0.26
                )
                for p in range(len(n.tokens))
            ]
            letter = MathTex(name, font_size=40, color=colors[name]).next_to(vecs[0], LEFT, buff=0.15)
            self.rows[name] = (vecs, letter)
            reads.append(
                read(self.stream.column(0), tiles[name], vecs[0], weight=weights[name][LAYER, HEAD],
                     color=colors[name], run_time=1.6)
            )  # fmt: skip
            rises += [FadeIn(vec, shift=0.2 * UP) for vec in vecs[1:]] + [FadeIn(letter)]
        self.width_label = label(rf"d_{{\mathrm{{head}}}} = {self.model.d_head}", MUTED_TEXT_COLOR)
        self.width_label.next_to(self.rows["k"][0][-1], RIGHT, buff=0.3)
        equations = self.strip.tex(
            r"q_i = W_Q^h\,x_i,", r"\quad k_j = W_K^h\,x_j,", r"\quad v_j = W_V^h\,x_j",
            colors={0: QUERY_COLOR, 1: KEY_COLOR, 2: VALUE_COLOR},
        )  # fmt: skip
        self.beat(
            f"Three matrices make a query, a key and a value: {self.model.d_head} numbers each.",
            *reads,
            Succession(Wait(run_time=1.0), LaggedStart(*rises, lag_ratio=0.05, run_time=1.2)),
            FadeIn(self.width_label, run_time=2.2),
            FadeOut(self.names_box, rate_func=squish_rate_func(smooth, 0.0, 0.2)),
            *self.strip.change_to(equations, "cross_fade"),
            run_time=2.2,
            hold=0.3,
        )

    def score_every_pair(self) -> None:
        n = self.shown
        i, j = n.dest, n.source
        self.beat(
            "Score: every query dotted with every key, scaled.",
            FadeIn(self.pattern_map, lag_ratio=0.02, rate_func=squish_rate_func(smooth, 0.4, 1.0)),
            FadeIn(self.future_veil, rate_func=squish_rate_func(smooth, 0.4, 1.0)),
            FadeOut(self.width_label),
            *[
                FadeOut(part, rate_func=squish_rate_func(smooth, 0.0, 0.4))
                for g in self.stream.subspace_labels
                if g.subspace != "output"
                for part in (g.name_mob, g.bracket)
            ],
            *self.strip.change_to(
                self.strip.tex(r"\text{score}_{ij} = \frac{q_i \cdot k_j}{\sqrt{d_{\mathrm{head}}}}"),
                "cross_fade",
            ),
            run_time=1.5,
            hold=0.3,
        )
        # the pair that matters: the last D's query, and urs's key, made from its 'token before' block (D)
        self.score_numbers = cell_numbers(self.pattern_map, [(i, c) for c in range(i + 1)], n.raw_scores)
        self.note = label(
            rf"q_{i} \cdot k_{j} \,/\, \sqrt{{{self.model.d_head}}} = {format_value(n.scores[i, j], 1)}"
        ).next_to(self.pattern_map, DOWN, buff=0.15)
        self.beat(
            f"The last {self.tok(i)}'s query seeks a word after a {self.tok(i)}; "
            f"{self.tok(j)}'s key fits: {format_value(n.scores[i, j], 0)}.",
            flash_around(self.rows["q"][0][i], QUERY_COLOR, run_time=1.2),
            flash_around(self.rows["k"][0][j], KEY_COLOR, run_time=1.2),
            flash_around(self.stream.subspace_cells("previous token", j), KEY_COLOR, run_time=1.2),
            FadeIn(self.note),
            FadeIn(self.score_numbers),
            flash_around(self.pattern_map.cell(i, j), TEXT_COLOR, run_time=1.5),
            run_time=1.5,
            hold=0.3,
        )

    def mask_and_softmax(self) -> None:
        n = self.shown
        self.bos_numbers = cell_numbers(self.pattern_map, [(r, 0) for r in range(n.dest)], n.raw_scores)
        self.beat(
            f"All queries give the start token {format_value(n.scores[0, 0], 0)}. "
            "Later positions are masked.",
            FadeIn(self.bos_numbers),
            self.pattern_map.animate_values(n.scores),
            FadeOut(self.future_veil),  # the hatching takes over from it
            *self.strip.change_to(
                self.strip.tex(r"\text{score}_{ij} = -\infty \quad \text{for } j > i"), "cross_fade"
            ),
            run_time=1.2,
            hold=0.3,
        )
        shown = np.where(np.isfinite(n.scores), n.pattern, -np.inf)
        self.beat(
            "Softmax makes each row weights summing to 1: the pattern A.",
            self.pattern_map.animate_values(shown),
            *self.strip.change_to(
                self.strip.tex(r"A^h_{ij} = \operatorname{softmax}_j\,(\text{score}_{ij})"), "cross_fade"
            ),
            FadeOut(self.note),
            FadeOut(self.score_numbers),
            FadeOut(self.bos_numbers),
            run_time=1.5,
            hold=0.3,
        )

    def rest_on_the_start_token(self) -> None:
        """'ley' rests on the start token, whose value is zero; the last D puts all on urs."""
        n, row = self.shown, self.shown.resting
        box = SurroundingRectangle(self.pattern_map.row(row), buff=0.03, color=TEXT_COLOR, stroke_width=3)
        note = label(rf"A^h_{{{row},0}} = {format_value(n.pattern[row, 0])}").next_to(
            self.pattern_map, DOWN, buff=0.15
        )
        q_k = [m for name in "qk" for m in (*self.rows[name][0], self.rows[name][1])]
        v0 = self.rows["v"][0][0]
        v0_box = SurroundingRectangle(v0, buff=0.06, color=VALUE_COLOR, stroke_width=3)
        v0_note = label(r"v_0 = 0", VALUE_COLOR).next_to(v0_box, UP, buff=0.15)
        self.beat(
            f"'{self.tok(row)}' has no match: it rests on the start token, whose value is 0.",
            *[FadeOut(m, run_time=0.6) for m in q_k],
            Create(box),
            FadeIn(note),
            Succession(Wait(run_time=0.8), AnimationGroup(Create(v0_box), FadeIn(v0_note), run_time=0.8)),
            run_time=1.6,
            hold=0.3,
        )
        i, j = n.dest, n.source
        self.cell_box = SurroundingRectangle(
            self.pattern_map.cell(i, j), buff=0.03, color=TEXT_COLOR, stroke_width=3
        )
        self.note = label(rf"A^h_{{{i},{j}}} = {format_value(n.pattern[i, j])}").move_to(note)
        self.beat(
            f"The last {self.tok(i)} puts {format_value(n.pattern[i, j])} on '{self.tok(j)}'. "
            "Real heads are rarely this sharp.",
            ReplacementTransform(box, self.cell_box),
            FadeOut(note),
            FadeIn(self.note),
            FadeOut(v0_box),
            FadeOut(v0_note),
            run_time=1.0,
            hold=0.3,
        )

    def mix_the_values(self) -> None:
        """Key moment, part 1: every value is weighted by the last D's row of A; the ones weighted zero dim,
        urs's (x 1.00) becomes the mix r^h, and an arrow from it stays."""
        n, i, j = self.shown, self.shown.dest, self.shown.source
        v_vecs = self.rows["v"][0]
        y = (self.row_y["q"] + self.row_y["k"]) / 2
        self.r_vec = self.stream.vector_at(i, n.z[i], HEAD_COLOR, y=y, cell_height=R_CELL, cell_width=0.4)
        self.r_label = label(rf"r^h_{i}", HEAD_COLOR).next_to(self.r_vec, RIGHT, buff=0.15)
        source_box = SurroundingRectangle(v_vecs[j], buff=0.06, color=VALUE_COLOR, stroke_width=3)
        link = Arrow(
            source_box.get_corner(UP + RIGHT), self.r_vec.get_left(), buff=0.1, color=HEAD_COLOR,
            stroke_width=4, max_tip_length_to_length_ratio=0.08,
        )  # fmt: skip
        weight = label(rf"\times\,{format_value(n.pattern[i, j])}", HEAD_COLOR)
        weight.next_to(link.get_center(), UP + LEFT, buff=0.1)
        self.beat(
            f"Its mix weighs each value by that row: only {self.tok(j)}'s counts.",
            Create(source_box, run_time=0.4),
            # weighted by (nearly) zero, the other values dim where they are; urs's flies to the mix
            *[v.animate(run_time=0.6).fade(0.7) for k, v in enumerate(v_vecs) if n.pattern[i, k] < 0.01],
            merge(v_vecs, n.pattern[i], self.r_vec, run_time=1.8),
            Succession(Wait(run_time=1.0), AnimationGroup(Create(link), FadeIn(weight), run_time=0.8)),
            FadeIn(self.r_label, run_time=1.8),
            *self.strip.change_to(self.strip.tex(r"r^h_i = \textstyle\sum_j A^h_{ij}\, v_j"), "cross_fade"),
            hold=0.3,
        )
        self.mix_link = VGroup(source_box, link, weight)

    def write_into_the_stream(self) -> None:
        """Key moment, part 2: W_O maps r^h to the stream's size; zoomed, it is added to the output block."""
        n, i = self.shown, self.shown.dest
        self.delta = self.stream.vector_at(
            i, n.result[i], HEAD_COLOR, y=self.r_vec.get_y(), cell_height=DELTA_CELL, cell_width=0.35
        )
        self.delta.next_to(self.stream.column(i), UP, buff=0.3)
        # named on its left, over the emptied q/k rows: on its right it ran into the grid's "source (key)"
        self.delta_label = label(rf"W_O^h r^h_{i}", HEAD_COLOR).next_to(self.delta, LEFT, buff=0.15)
        # W_O met right beside the mix (a copy of the head's tile), so the trip through it is short and
        # crosses nothing; its name stays in the head's panel, which lights up with it
        self.w_o_here = w_o_here = self.block.w_o.copy().next_to(self.r_vec, RIGHT, buff=0.3)
        self.beat(
            "The output matrix maps the mix to the stream's size.",
            FadeOut(self.r_label, run_time=0.3),
            Succession(
                Wait(run_time=0.25),  # r's name is gone first: the tile takes its place
                FadeIn(w_o_here, run_time=0.4),
                read(self.r_vec, w_o_here, self.delta, weight=self.model.W_O[LAYER, HEAD],
                     color=HEAD_COLOR, keep_source=False, run_time=1.8),
            ),  # the tile stays, whole, through the cue; it goes as the zoom comes
            flash_around(self.block.w_o, HEAD_COLOR, run_time=1.0),
            *[FadeOut(m, run_time=0.5) for m in (*self.rows["v"][0], self.rows["v"][1], self.mix_link)],
            Succession(Wait(run_time=1.8), FadeIn(self.delta_label, run_time=0.4)),
            *self.strip.change_to(self.strip.tex(r"x_i \;\to\; x_i + W_O^h\, r^h_i"), "cross_fade"),
            hold=2.4,  # the trip through W_O is not hurried, and the cue's middle shows where it landed
        )  # fmt: skip
        self.zoom_on_the_output_block()
        self.add_the_write()

    def zoom_panel(self, region: Region) -> VGroup:
        """The last D's output block drawn large (before), the head's write beside it, in ``region``."""
        n, i, out = self.shown, self.shown.dest, self.model.subspaces["output"]
        vocab = list(self.model.vocab)
        urs_slot = vocab.index(self.tok(n.source))
        kw = dict(side=LEFT, cell_height=ZOOM_CELL, cell_width=0.6, readout=[urs_slot], font_size=LABEL_SIZE)
        self.old = VocabColumn(n.x[i, out], vocab, outline_color=TEXT_COLOR, **kw)
        self.written = VocabColumn(n.result[i, out], vocab, outline_color=HEAD_COLOR, **kw)
        self.written.remove(self.written.names)
        self.written.next_to(self.old, RIGHT, buff=0.45)
        self.plus = MathTex("+", font_size=48).move_to(
            (self.old.get_right() + self.written.column.get_left()) / 2
        )
        title = VGroup(
            Text(f"the last {self.tok(i)}'s output block", font_size=LABEL_SIZE),
            Text("a slot per known word", font_size=LABEL_SIZE, color=MUTED_TEXT_COLOR),
        ).arrange(DOWN, buff=0.1)
        title.next_to(VGroup(self.old, self.written), UP, buff=0.2)
        self.old_label = label(rf"x_{i}").next_to(self.old.column, DOWN, buff=0.15)
        self.new_label = label(rf"W_O^h r^h_{i}", HEAD_COLOR).next_to(self.written.column, DOWN, buff=0.15)
        self.old_label.align_to(self.new_label, DOWN)
        panel = VGroup(self.old, self.written, self.plus, title, self.old_label, self.new_label)
        region.place(panel, ORIGIN, shrink=True)
        self.zoom_title = title
        return panel

    def small_pattern(self, band: Region) -> VGroup:
        """The pattern again, small and unlabelled but for its name, the last D's weight boxed and stated."""
        n, i, j = self.shown, self.shown.dest, self.shown.source
        thumb = HeatMap(
            np.where(np.isfinite(n.scores), n.pattern, -np.inf), cell_size=0.26, outline_color=HEAD_COLOR
        )
        box = SurroundingRectangle(thumb.cell(i, j), buff=0.02, color=TEXT_COLOR, stroke_width=3)
        name = (
            MathTex(r"A^h", font_size=40, color=HEAD_COLOR)
            .next_to(thumb, LEFT, buff=0.15)
            .align_to(thumb, UP)
        )
        band.place(VGroup(name, thumb, box), UP + LEFT)
        note = label(rf"A^h_{{{i},{j}}} = {format_value(n.pattern[i, j])}").next_to(thumb, RIGHT, buff=0.2)
        return VGroup(name, thumb, box, note.align_to(thumb, DOWN))

    def zoom_on_the_output_block(self) -> None:
        n, i = self.shown, self.shown.dest
        output = self.stream.subspace_label("output")
        # the pattern leaves the right of the stage to the zoom: it fades out there and in, small, in the
        # band the q and k rows left empty (a cross-fade: nothing large flies over the stream)
        band = Region(
            "band over the stream",
            self.stream.columns.get_left()[0],
            self.delta.get_left()[0] - 0.4,
            self.stream.columns.get_top()[1] + 0.2,
            STAGE.top,
        )
        small = self.small_pattern(band)
        room = Region("zoom", output.get_right()[0] + 0.25, STAGE.right, STAGE.bottom, STAGE.top)
        self.zoom_panel(room)
        block = self.stream.column(i).cells_of(self.model.subspaces["output"])
        guides = VGroup(
            DashedLine([output.get_right()[0] + 0.05, block.get_top()[1], 0], self.old.names.get_corner(UP + LEFT) + 0.12 * LEFT),
            DashedLine([output.get_right()[0] + 0.05, block.get_bottom()[1], 0], self.old.names.get_corner(DOWN + LEFT) + 0.12 * LEFT),
        ).set_stroke(MUTED_TEXT_COLOR, width=1.5, opacity=0.8)  # fmt: skip
        self.beat(
            f"Its output block has a slot per word: a 1 on '{self.tok(n.source)}'.",
            FadeOut(VGroup(self.pattern_map, self.cell_box, self.note, self.w_o_here), run_time=0.5),
            Succession(Wait(run_time=0.3), FadeIn(small, run_time=0.6)),
            *output.light(HEAD_COLOR, run_time=1.0),
            Succession(
                Wait(run_time=0.3),
                AnimationGroup(*[FadeIn(m) for m in (guides, self.old, self.zoom_title, self.old_label)], run_time=0.8),
                AnimationGroup(FadeIn(self.plus), FadeIn(self.written, shift=0.3 * LEFT), FadeIn(self.new_label), run_time=0.6),
            ),
            hold=0.3,
        )  # fmt: skip

    def add_the_write(self) -> None:
        """The write lands in the stream's column and, in step, the zoom's cells change to the sum."""
        n, i = self.shown, self.shown.dest
        out = self.model.subspaces["output"]
        urs_slot = list(self.model.vocab).index(self.tok(n.source))
        landing = self.written.column.copy().move_to(self.old.column).set_opacity(0)
        after_label = label(rf"x_{i} + W_O^h r^h_{i}").move_to(self.old_label)
        adding = 2.2  # write(): it moves beside the column (30%), a + appears (15%), then it is added (55%)
        self.beat(
            f"Added, not replaced: the last {self.tok(i)} now carries '{self.tok(n.source)}'.",
            FadeOut(self.delta_label, run_time=0.3),
            FadeOut(VGroup(self.plus, self.new_label, self.written.readouts[urs_slot]), run_time=0.3),
            write(self.delta, self.stream.column(i), side=UP, gap=0.12, run_time=adding),
            Succession(
                Wait(run_time=0.45 * adding),
                AnimationGroup(
                    Transform(self.written.column, landing),
                    self.old.animate_values(n.x[i, out] + n.result[i, out]),
                    self.old.readouts[urs_slot].animate.set_opacity(0),  # back as the sum's number, next
                    FadeOut(self.old_label),
                    run_time=0.35 * adding,
                ),
                AnimationGroup(
                    self.old.update_readouts([urs_slot]), FadeIn(after_label), run_time=0.2 * adding
                ),
            ),
            hold=adding,  # the cue's middle frame shows the sum, landed
        )
        self.remove(self.written)
        assert np.allclose(self.stream.values[i], n.cache[f"blocks.{LAYER}.hook_resid_post"][i])

    def summary(self) -> None:
        summary = self.strip.tex(r"x_i \;\to\; x_i + W_O^h \textstyle\sum_j A^h_{ij}\, v_j")
        self.end_on_summary(
            "Query and key choose where to look; value and output, what moves.",
            *self.strip.change_to(summary, "cross_fade"),
            run_time=1.0,
            hold=2.0,
        )
