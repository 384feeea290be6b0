"""Clip 4, attention_head: one head moves information between positions.

Storyboard: at every position the head reads the stream three ways (query
``W_Q x``, key ``W_K x``, value ``W_V x``); scores ``q_i . k_j``, the causal
mask and a softmax give the attention pattern ``A``; the destination's result
``r_i = sum_j A_ij v_j`` goes through ``W_O`` and is *added* to its stream.
Shown with the induction head (layer 1, head 0) of the induction model on
the running example; every value is read from the model's cache.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    MathTex,
    ReplacementTransform,
    SurroundingRectangle,
    Transform,
    VGroup,
    smooth,
    squish_rate_func,
)

from circuit_clips.kit import (
    KEY_COLOR,
    MATH_SIZE_BODY,
    QUERY_COLOR,
    TEXT_COLOR,
    VALUE_COLOR,
    AttentionHeadBlock,
    AttentionPatternMap,
    ClipScene,
    ColorBar,
    VectorColumn,
    flash_around,
    head_color,
    merge,
    read,
    write,
)
from circuit_clips.kit import ResidualStream as StreamMob
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

LAYER, HEAD = 1, 0
ROW_PITCH = 0.85  # vertical distance between the q, k and v rows (and the block's tiles)


class AttentionHead(ClipScene):
    title = "An attention head"
    description = "Query, key and value at every position; the pattern decides what moves where."

    def construct(self):
        self.run_model()
        self.show_title()
        self.show_head_and_stream()
        self.read_three_ways()
        self.score_every_pair()
        self.mask_the_future()
        self.softmax_into_pattern()
        self.move_to_destination()
        self.every_position_at_once()
        self.summarize()

    # --- the model -----------------------------------------------------------
    def run_model(self) -> None:
        self.model = induction_model()
        self.tokens = list(RUNNING_EXAMPLE)
        _, self.cache = self.model.run_with_cache(self.model.to_tokens(self.tokens))
        hook = f"blocks.{LAYER}.attn"
        self.x = self.cache[f"blocks.{LAYER}.hook_resid_pre"]
        self.q = self.cache[f"{hook}.hook_q"][:, HEAD]
        self.k = self.cache[f"{hook}.hook_k"][:, HEAD]
        self.v = self.cache[f"{hook}.hook_v"][:, HEAD]
        self.scores = self.cache[f"{hook}.hook_attn_scores"][HEAD]
        self.pattern = self.cache[f"{hook}.hook_pattern"][HEAD]
        self.z = self.cache[f"{hook}.hook_z"][:, HEAD]
        self.result = self.cache[f"{hook}.hook_result"][:, HEAD]
        # the scores before the mask, from the cached queries and keys
        self.raw_scores = self.q @ self.k.T / self.model.attn_scale
        lower = np.tril(np.ones_like(self.raw_scores, dtype=bool))
        assert np.allclose(self.raw_scores[lower], self.scores[lower])
        self.color = head_color(LAYER, HEAD)
        self.dest = len(self.tokens) - 1  # the last D
        self.source = int(np.argmax(self.pattern[self.dest]))  # urs
        # what the captions claim: the head copies the attended token into the output block
        output = self.model.subspaces["output"]
        copied = int(np.argmax(self.result[self.dest, output]))
        assert self.model.vocab[copied] == self.tokens[self.source]

    # --- layout helpers --------------------------------------------------------
    def small_vector(self, values: np.ndarray, pos: int, y: float, color) -> VectorColumn:
        vec = VectorColumn(values, cell_height=0.05, cell_width=0.2, outline_color=color, outline_width=1.5)
        return vec.move_to([self.stream.column(pos).get_x(), y, 0])

    def set_equation(self, tex: str) -> MathTex:
        return MathTex(tex, font_size=MATH_SIZE_BODY).to_edge(UP, buff=0.35).set_x(0.3)

    # --- beats -----------------------------------------------------------------
    def show_head_and_stream(self) -> None:
        self.block = AttentionHeadBlock(
            LAYER, HEAD, name="induction\nhead", vertical=True, gap=ROW_PITCH - 0.5, tile_height=0.5
        )
        self.block.to_edge(LEFT, buff=0.3).shift(UP * (1.25 - self.block.w_q.get_y()))
        self.row_y = {"q": self.block.w_q.get_y(), "k": self.block.w_k.get_y(), "v": self.block.w_v.get_y()}

        self.stream = StreamMob(
            self.x, self.tokens, subspaces=self.model.subspaces, cell_height=0.06, cell_width=0.26, spacing=0.95
        )
        self.stream.remove(self.stream.subspace_labels)  # no room for names here; the boundaries stay
        self.stream.next_to(self.block, RIGHT, buff=0.35, aligned_edge=UP)
        self.stream.shift(UP * (self.row_y["v"] - 0.5 - self.stream.columns[0].get_top()[1]))

        self.legend = ColorBar(width=1.4).to_corner(DOWN + RIGHT, buff=0.35)
        self.equation = self.set_equation(r"x_i = \text{the stream at position } i")
        self.beat(
            "The induction head (layer 1), and the stream it reads.",
            FadeIn(self.block),
            FadeIn(self.stream),
            FadeIn(self.legend),
            FadeIn(self.equation),
            run_time=1.5,
            hold=2.2,
        )

    def read_three_ways(self) -> None:
        rows = [
            ("q", self.q, QUERY_COLOR, self.block.w_q, self.model.W_Q, r"q_i = W_Q\,x_i", "Its query at every position: q_i = W_Q x_i."),
            ("k", self.k, KEY_COLOR, self.block.w_k, self.model.W_K, r"k_j = W_K\,x_j", "Its key: k_j = W_K x_j."),
            ("v", self.v, VALUE_COLOR, self.block.w_v, self.model.W_V, r"v_j = W_V\,x_j", "Its value: v_j = W_V x_j."),
        ]  # fmt: skip
        self.rows = {}
        for name, values, color, tile, weight, tex, caption in rows:
            vecs = [self.small_vector(values[p], p, self.row_y[name], color) for p in range(len(self.tokens))]
            letter = MathTex(name, font_size=34, color=color).next_to(vecs[-1], RIGHT, buff=0.25)
            new_equation = self.set_equation(tex)
            self.beat(
                caption,
                *[
                    read(self.stream.column(p), tile, vecs[p], weight=weight[LAYER, HEAD], color=color)
                    for p in range(len(self.tokens))
                ],
                FadeIn(letter),
                ReplacementTransform(self.equation, new_equation),
                run_time=2.0,
                hold=1.0,
            )
            self.equation = new_equation
            self.rows[name] = (vecs, letter)

    def score_every_pair(self) -> None:
        self.pattern_map = AttentionPatternMap(
            self.raw_scores, self.tokens, color=self.color, cell_size=0.44, show_mask=False, col_labels_rotated=True
        )
        self.pattern_map.to_edge(RIGHT, buff=0.35).shift(UP * (2.05 - self.pattern_map.get_top()[1]))
        new_equation = self.set_equation(r"s_{ij} = q_i \cdot k_j \,/\, \sqrt{d_{\mathrm{head}}}")
        self.beat(
            "Scores: every query dotted with every key.",
            FadeIn(self.pattern_map, lag_ratio=0.02),
            ReplacementTransform(self.equation, new_equation),
            run_time=1.8,
            hold=1.2,
        )
        self.equation = new_equation

        # spotlight the pair that matters: the last D's query against urs's key
        i, j = self.dest, self.source
        cell = self.pattern_map.cell(i, j)
        q_vec, k_vec = self.rows["q"][0][i], self.rows["k"][0][j]
        flights = []
        for vec in (q_vec, k_vec):
            ghost = vec.body.copy()
            landed = ghost.copy().scale_to_fit_height(cell.height * 0.9).move_to(cell).set_opacity(0)
            flights.append(Transform(ghost, landed, remover=True))
        self.note = MathTex(
            rf"s_{{{i},{j}}} = q_{i} \cdot k_{j} \,/\, \sqrt{{{self.model.d_head}}} = {self.scores[i, j]:.2f}",
            font_size=32,
        ).next_to(self.pattern_map, DOWN, buff=0.3)
        self.beat(
            f"The last {self.tokens[i]}'s query meets the key of '{self.tokens[j]}': score {self.scores[i, j]:.2f}.",
            flash_around(q_vec, QUERY_COLOR, run_time=1.0),
            flash_around(k_vec, KEY_COLOR, run_time=1.0),
            *flights,
            FadeIn(self.note),
            flash_around(cell, TEXT_COLOR, run_time=2.0),
            run_time=2.0,
            hold=1.6,
        )

    def mask_the_future(self) -> None:
        new_equation = self.set_equation(r"s_{ij} = -\infty \quad \text{for } j > i")
        self.beat(
            "No looking ahead: scores of later positions are masked.",
            self.pattern_map.animate_values(self.scores),
            ReplacementTransform(self.equation, new_equation),
            run_time=1.4,
            hold=1.4,
        )
        self.equation = new_equation

    def softmax_into_pattern(self) -> None:
        shown = np.where(np.isfinite(self.scores), self.pattern, -np.inf)
        new_equation = self.set_equation(r"A_{ij} = \mathrm{softmax}_j\,(s_{ij})")
        spread_row = 4
        spread = self.pattern[spread_row, : spread_row + 1]
        new_note = MathTex(
            rf"A_{{{spread_row},j}} = {spread[1]:.2f}",
            r"\qquad",
            rf"A_{{{self.dest},{self.source}}} = {self.pattern[self.dest, self.source]:.2f}",
            font_size=32,
        ).move_to(self.note)
        self.beat(
            "Softmax makes each row weights summing to 1: the pattern A.",
            self.pattern_map.animate_values(shown),
            ReplacementTransform(self.equation, new_equation),
            FadeOut(self.note),
            run_time=1.6,
            hold=1.4,
        )
        self.equation = new_equation
        boxes = VGroup(
            SurroundingRectangle(self.pattern_map.row(spread_row), buff=0.03, color=TEXT_COLOR, stroke_width=3),
            SurroundingRectangle(self.pattern_map.cell(self.dest, self.source), buff=0.03, color=TEXT_COLOR, stroke_width=3),
        )  # fmt: skip
        self.beat(
            f"'{self.tokens[spread_row]}' has no match: {spread[1]:.2f} on each of {np.count_nonzero(spread > 0.01)}. "
            f"The last {self.tokens[self.dest]}: {self.pattern[self.dest, self.source]:.2f} on '{self.tokens[self.source]}'.",
            Create(boxes),
            FadeIn(new_note),
            run_time=1.0,
            hold=3.2,
        )
        self.note = new_note
        self.boxes = boxes

    def move_to_destination(self) -> None:
        i = self.dest
        v_vecs = self.rows["v"][0]
        self.r_y = self.row_y["k"]
        r_vec = self.small_vector(self.z[i], i, self.r_y, self.color)
        new_equation = self.set_equation(r"r_i = \sum_j A_{ij}\, v_j")
        q_k_rows = [m for name in ("q", "k") for m in (*self.rows[name][0], self.rows[name][1])]
        self.beat(
            "Now values move: r_i is the A-weighted sum of values.",
            *[FadeOut(m) for m in q_k_rows],
            FadeOut(self.boxes[0]),
            ReplacementTransform(self.equation, new_equation),
            run_time=1.2,
            hold=1.6,
        )
        self.equation = new_equation
        self.beat(
            f"For the last {self.tokens[i]} that is the value of '{self.tokens[self.source]}', leaving its column.",
            merge(v_vecs, self.pattern[i], r_vec, run_time=2.8),
            hold=0.8,
        )

        delta = VectorColumn(
            self.result[i], cell_height=0.06, cell_width=0.2, outline_color=self.color, outline_width=1.5
        )
        target = self.stream.column(i)
        delta.next_to(target.outline, RIGHT, buff=0.3).match_y(target.cells)
        new_equation = self.set_equation(r"x_i \;\to\; x_i + W_O\, r_i")
        self.beat(
            "W_O maps the result back into the stream's space...",
            read(r_vec, self.block.w_o, delta, weight=self.model.W_O[LAYER, HEAD], color=self.color, keep_source=False),
            ReplacementTransform(self.equation, new_equation),
            run_time=2.2,
            hold=0.4,
        )
        self.equation = new_equation
        self.beat(
            f"...and added to the destination: the last {self.tokens[i]} now carries '{self.tokens[self.source]}'.",
            write(delta, target, side=RIGHT, gap=0.3),
            FadeOut(self.boxes[1]),
            flash_around(
                target.cells_of(self.model.subspaces["output"]), self.color, rate_func=squish_rate_func(smooth, 0.6, 1.0)
            ),
            run_time=2.4,
            hold=1.6,
        )

    def every_position_at_once(self) -> None:
        others = range(self.dest)
        v_vecs = self.rows["v"][0]
        r_vecs = {i: self.small_vector(self.z[i], i, self.r_y, self.color) for i in others}
        self.beat(
            "Every other position does the same, at once, each with its own row of A.",
            *[merge(v_vecs, self.pattern[i], r_vecs[i], run_time=2.8) for i in others],
            hold=0.8,
        )
        deltas = {}
        for i in others:
            target = self.stream.column(i)
            deltas[i] = VectorColumn(
                self.result[i], cell_height=0.06, cell_width=0.2, outline_color=self.color, outline_width=1.5
            )
            deltas[i].next_to(target.outline, RIGHT, buff=0.2).match_y(target.cells)
        self.beat(
            "Each result goes through W_O...",
            *[
                read(r_vecs[i], self.block.w_o, deltas[i], weight=self.model.W_O[LAYER, HEAD], color=self.color, keep_source=False)
                for i in others
            ],
            run_time=2.0,
            hold=0.2,
        )  # fmt: skip
        self.beat(
            "...and added, each to its own column.",
            *[write(deltas[i], self.stream.column(i), side=RIGHT, gap=0.2) for i in others],
            run_time=2.4,
            hold=1.0,
        )
        assert np.allclose(self.stream.values, self.cache[f"blocks.{LAYER}.hook_resid_post"])

    def summarize(self) -> None:
        summary = self.set_equation(r"h(x)_i = W_O \sum_j A_{ij}\, W_V\, x_j")
        where = MathTex(
            r"A = \mathrm{softmax}\big(\mathrm{mask}(x^T W_Q^T W_K\, x)\big)", font_size=32, color=TEXT_COLOR
        ).next_to(summary, DOWN, buff=0.25)
        self.end_on_summary(
            "Q and K choose where to look; V and O choose what moves.",
            ReplacementTransform(self.equation, summary),
            FadeIn(where),
            FadeOut(self.note),
            *[FadeOut(v) for v in self.rows["v"][0]],
            FadeOut(self.rows["v"][1]),
            run_time=1.2,
            hold=3.0,
        )
