"""attention_head: one head moves information between positions.

Storyboard: at every position the head reads the stream three ways (query
``W_Q x``, key ``W_K x``, value ``W_V x``); scores ``q_i . k_j``, the causal
mask and a softmax give the attention pattern ``A``; the destination's result
``r_i = sum_j A_ij v_j`` goes through ``W_O`` and is *added* to its stream.
Shown with the induction head (layer 1, head 0) of the induction model on
the running example; every value is read from the model's cache.
"""

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    MathTex,
    SurroundingRectangle,
    Transform,
    VGroup,
    smooth,
    squish_rate_func,
)

from circuit_clips.kit import (
    KEY_COLOR,
    QUERY_COLOR,
    TEXT_COLOR,
    VALUE_COLOR,
    AttentionHeadBlock,
    AttentionPatternMap,
    ClipScene,
    ColorBar,
    EquationStrip,
    flash_around,
    head_color,
    merge,
    read,
    write,
)
from circuit_clips.kit import ResidualStream as StreamMob
from circuit_clips.model import ActivationCache, AttnOnlyTransformer
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

LAYER, HEAD = 1, 0
ROW_PITCH = 0.85  # vertical distance between the q, k and v rows (and the block's tiles)
HEAD_COLOR = head_color(LAYER, HEAD)
SMALL_CELL = 0.05  # cell height of the small (d_head) vectors drawn over the stream's columns


@dataclass(frozen=True)
class AttentionHeadNumbers:
    """The induction head (layer 1, head 0) on the running example: every value read from the cache."""

    model: AttnOnlyTransformer
    tokens: list[str]
    cache: ActivationCache
    x: np.ndarray  # the stream it reads, [pos, d_model]
    q: np.ndarray  # [pos, d_head]
    k: np.ndarray
    v: np.ndarray
    scores: np.ndarray  # masked, [dest, src]
    pattern: np.ndarray  # A, [dest, src]
    z: np.ndarray  # r_i = sum_j A_ij v_j, [pos, d_head]
    result: np.ndarray  # W_O r_i, [pos, d_model]
    raw_scores: np.ndarray  # before the mask, from the cached queries and keys
    dest: int  # the last D
    source: int  # where it attends: urs


def numbers() -> AttentionHeadNumbers:
    """Run the induction model on the running example and read the induction head's values."""
    model = induction_model()
    tokens = list(RUNNING_EXAMPLE)
    _, cache = model.run_with_cache(model.to_tokens(tokens))
    hook = f"blocks.{LAYER}.attn"
    q, k = cache[f"{hook}.hook_q"][:, HEAD], cache[f"{hook}.hook_k"][:, HEAD]
    scores = cache[f"{hook}.hook_attn_scores"][HEAD]
    pattern = cache[f"{hook}.hook_pattern"][HEAD]
    result = cache[f"{hook}.hook_result"][:, HEAD]
    raw_scores = q @ k.T / model.attn_scale
    lower = np.tril(np.ones_like(raw_scores, dtype=bool))
    assert np.allclose(raw_scores[lower], scores[lower])
    dest = len(tokens) - 1  # the last D
    source = int(np.argmax(pattern[dest]))  # urs
    # what the captions claim: the head copies the attended token into the output block
    copied = int(np.argmax(result[dest, model.subspaces["output"]]))
    assert model.vocab[copied] == tokens[source]
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
        result=result,
        raw_scores=raw_scores,
        dest=dest,
        source=source,
    )


class AttentionHead(ClipScene):
    title = "An attention head"
    description = "Query, key and value at every position; the pattern decides what moves where."

    numbers = staticmethod(numbers)

    def story(self) -> None:
        self.show_head_and_stream()
        self.read_three_ways()
        self.score_every_pair()
        self.mask_the_future()
        self.softmax_into_pattern()
        self.move_to_destination()
        self.every_position_at_once()

    # --- beats -----------------------------------------------------------------
    def show_head_and_stream(self) -> None:
        self.block = AttentionHeadBlock(
            LAYER, HEAD, name="induction\nhead", vertical=True, gap=ROW_PITCH - 0.5, tile_height=0.5
        )
        self.block.to_edge(LEFT, buff=0.3).shift(UP * (1.25 - self.block.w_q.get_y()))
        self.row_y = {"q": self.block.w_q.get_y(), "k": self.block.w_k.get_y(), "v": self.block.w_v.get_y()}

        self.stream = StreamMob(
            self.shown.x,
            self.shown.tokens,
            subspaces=self.model.subspaces,
            cell_height=0.06,
            cell_width=0.26,
            spacing=0.95,
        )
        self.stream.remove(self.stream.subspace_labels)  # no room for names here; the boundaries stay
        self.stream.next_to(self.block, RIGHT, buff=0.35, aligned_edge=UP)
        self.stream.shift(UP * (self.row_y["v"] - 0.5 - self.stream.columns[0].get_top()[1]))

        self.legend = ColorBar(width=1.4).to_corner(DOWN + RIGHT, buff=0.35)
        self.strip = EquationStrip(top_buff=0.35, x=0.3)
        self.beat(
            "The induction head (layer 1), and the stream it reads.",
            FadeIn(self.block),
            FadeIn(self.stream),
            FadeIn(self.legend),
            self.strip.show(self.strip.tex(r"x_i = \text{the stream at position } i")),
            run_time=1.5,
            hold=2.2,
        )

    def read_three_ways(self) -> None:
        rows = [
            ("q", self.shown.q, QUERY_COLOR, self.block.w_q, self.model.W_Q, r"q_i = W_Q\,x_i", "Its query at every position: q_i = W_Q x_i."),
            ("k", self.shown.k, KEY_COLOR, self.block.w_k, self.model.W_K, r"k_j = W_K\,x_j", "Its key: k_j = W_K x_j."),
            ("v", self.shown.v, VALUE_COLOR, self.block.w_v, self.model.W_V, r"v_j = W_V\,x_j", "Its value: v_j = W_V x_j."),
        ]  # fmt: skip
        self.rows = {}
        for name, values, color, tile, weight, tex, caption in rows:
            vecs = [
                self.stream.vector_at(p, values[p], color, y=self.row_y[name], cell_height=SMALL_CELL)
                for p in range(len(self.shown.tokens))
            ]
            letter = MathTex(name, font_size=34, color=color).next_to(vecs[-1], RIGHT, buff=0.25)
            new_equation = self.strip.tex(tex)
            self.beat(
                caption,
                *[
                    read(self.stream.column(p), tile, vecs[p], weight=weight[LAYER, HEAD], color=color)
                    for p in range(len(self.shown.tokens))
                ],
                FadeIn(letter),
                *self.strip.change_to(new_equation, "morph"),
                run_time=2.0,
                hold=1.0,
            )
            self.rows[name] = (vecs, letter)

    def score_every_pair(self) -> None:
        self.pattern_map = AttentionPatternMap(
            self.shown.raw_scores,
            self.shown.tokens,
            color=HEAD_COLOR,
            cell_size=0.44,
            show_mask=False,
            col_labels_rotated=True,
        )
        self.pattern_map.to_edge(RIGHT, buff=0.35).shift(UP * (2.05 - self.pattern_map.get_top()[1]))
        new_equation = self.strip.tex(r"s_{ij} = q_i \cdot k_j \,/\, \sqrt{d_{\mathrm{head}}}")
        self.beat(
            "Scores: every query dotted with every key.",
            FadeIn(self.pattern_map, lag_ratio=0.02),
            *self.strip.change_to(new_equation, "morph"),
            run_time=1.8,
            hold=1.2,
        )

        # spotlight the pair that matters: the last D's query against urs's key
        i, j = self.shown.dest, self.shown.source
        cell = self.pattern_map.cell(i, j)
        q_vec, k_vec = self.rows["q"][0][i], self.rows["k"][0][j]
        flights = []
        for vec in (q_vec, k_vec):
            ghost = vec.body.copy()
            landed = ghost.copy().scale_to_fit_height(cell.height * 0.9).move_to(cell).set_opacity(0)
            flights.append(Transform(ghost, landed, remover=True))
        self.note = MathTex(
            rf"s_{{{i},{j}}} = q_{i} \cdot k_{j} \,/\, \sqrt{{{self.model.d_head}}} = {self.shown.scores[i, j]:.2f}",
            font_size=32,
        ).next_to(self.pattern_map, DOWN, buff=0.3)
        self.beat(
            f"The last {self.shown.tokens[i]}'s query meets the key of '{self.shown.tokens[j]}': score {self.shown.scores[i, j]:.2f}.",
            flash_around(q_vec, QUERY_COLOR, run_time=1.0),
            flash_around(k_vec, KEY_COLOR, run_time=1.0),
            *flights,
            FadeIn(self.note),
            flash_around(cell, TEXT_COLOR, run_time=2.0),
            run_time=2.0,
            hold=1.6,
        )

    def mask_the_future(self) -> None:
        new_equation = self.strip.tex(r"s_{ij} = -\infty \quad \text{for } j > i")
        self.beat(
            "No looking ahead: scores of later positions are masked.",
            self.pattern_map.animate_values(self.shown.scores),
            *self.strip.change_to(new_equation, "morph"),
            run_time=1.4,
            hold=1.4,
        )

    def softmax_into_pattern(self) -> None:
        shown = np.where(np.isfinite(self.shown.scores), self.shown.pattern, -np.inf)
        new_equation = self.strip.tex(r"A_{ij} = \mathrm{softmax}_j\,(s_{ij})")
        spread_row = 4
        spread = self.shown.pattern[spread_row, : spread_row + 1]
        new_note = MathTex(
            rf"A_{{{spread_row},j}} = {spread[1]:.2f}",
            r"\qquad",
            rf"A_{{{self.shown.dest},{self.shown.source}}} = {self.shown.pattern[self.shown.dest, self.shown.source]:.2f}",
            font_size=32,
        ).move_to(self.note)
        self.beat(
            "Softmax makes each row weights summing to 1: the pattern A.",
            self.pattern_map.animate_values(shown),
            *self.strip.change_to(new_equation, "morph"),
            FadeOut(self.note),
            run_time=1.6,
            hold=1.4,
        )
        boxes = VGroup(
            SurroundingRectangle(self.pattern_map.row(spread_row), buff=0.03, color=TEXT_COLOR, stroke_width=3),
            SurroundingRectangle(self.pattern_map.cell(self.shown.dest, self.shown.source), buff=0.03, color=TEXT_COLOR, stroke_width=3),
        )  # fmt: skip
        self.beat(
            f"'{self.shown.tokens[spread_row]}' has no match: {spread[1]:.2f} on each of {np.count_nonzero(spread > 0.01)}. "
            f"The last {self.shown.tokens[self.shown.dest]}: {self.shown.pattern[self.shown.dest, self.shown.source]:.2f} on '{self.shown.tokens[self.shown.source]}'.",
            Create(boxes),
            FadeIn(new_note),
            run_time=1.0,
            hold=3.2,
        )
        self.note = new_note
        self.boxes = boxes

    def move_to_destination(self) -> None:
        i = self.shown.dest
        v_vecs = self.rows["v"][0]
        self.r_y = self.row_y["k"]
        r_vec = self.stream.vector_at(i, self.shown.z[i], HEAD_COLOR, y=self.r_y, cell_height=SMALL_CELL)
        new_equation = self.strip.tex(r"r_i = \sum_j A_{ij}\, v_j")
        q_k_rows = [m for name in ("q", "k") for m in (*self.rows[name][0], self.rows[name][1])]
        self.beat(
            "Now values move: r_i is the A-weighted sum of values.",
            *[FadeOut(m) for m in q_k_rows],
            FadeOut(self.boxes[0]),
            *self.strip.change_to(new_equation, "morph"),
            run_time=1.2,
            hold=1.6,
        )
        self.beat(
            f"For the last {self.shown.tokens[i]} that is the value of '{self.shown.tokens[self.shown.source]}', leaving its column.",
            merge(v_vecs, self.shown.pattern[i], r_vec, run_time=2.8),
            hold=0.8,
        )

        delta = self.stream.vector_at(i, self.shown.result[i], HEAD_COLOR, gap=0.3)
        target = self.stream.column(i)
        new_equation = self.strip.tex(r"x_i \;\to\; x_i + W_O\, r_i")
        self.beat(
            "W_O maps the result back into the stream's space...",
            read(
                r_vec,
                self.block.w_o,
                delta,
                weight=self.model.W_O[LAYER, HEAD],
                color=HEAD_COLOR,
                keep_source=False,
            ),
            *self.strip.change_to(new_equation, "morph"),
            run_time=2.2,
            hold=0.4,
        )
        self.beat(
            f"...and added to the destination: the last {self.shown.tokens[i]} now carries '{self.shown.tokens[self.shown.source]}'.",
            write(delta, target, side=RIGHT, gap=0.3),
            FadeOut(self.boxes[1]),
            flash_around(
                target.cells_of(self.model.subspaces["output"]),
                HEAD_COLOR,
                rate_func=squish_rate_func(smooth, 0.6, 1.0),
            ),
            run_time=2.4,
            hold=1.6,
        )

    def every_position_at_once(self) -> None:
        others = range(self.shown.dest)
        v_vecs = self.rows["v"][0]
        r_vecs = {
            i: self.stream.vector_at(i, self.shown.z[i], HEAD_COLOR, y=self.r_y, cell_height=SMALL_CELL)
            for i in others
        }
        self.beat(
            "Every other position does the same, at once, each with its own row of A.",
            *[merge(v_vecs, self.shown.pattern[i], r_vecs[i], run_time=2.8) for i in others],
            hold=0.8,
        )
        deltas = {i: self.stream.vector_at(i, self.shown.result[i], HEAD_COLOR, gap=0.2) for i in others}
        self.beat(
            "Each result goes through W_O...",
            *[
                read(r_vecs[i], self.block.w_o, deltas[i], weight=self.model.W_O[LAYER, HEAD], color=HEAD_COLOR, keep_source=False)
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
        assert np.allclose(self.stream.values, self.shown.cache[f"blocks.{LAYER}.hook_resid_post"])

    def summary(self) -> None:
        summary = self.strip.place(self.strip.tex(r"h(x)_i = W_O \sum_j A_{ij}\, W_V\, x_j"))
        where = MathTex(
            r"A = \mathrm{softmax}\big(\mathrm{mask}(x^T W_Q^T W_K\, x)\big)", font_size=32, color=TEXT_COLOR
        ).next_to(summary, DOWN, buff=0.25)
        self.end_on_summary(
            "Q and K choose where to look; V and O choose what moves.",
            *self.strip.change_to(summary, "morph"),
            FadeIn(where),
            FadeOut(self.note),
            *[FadeOut(v) for v in self.rows["v"][0]],
            FadeOut(self.rows["v"][1]),
            run_time=1.2,
            hold=3.0,
        )
