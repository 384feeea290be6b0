"""linear_maps: a matrix is a linear map; thin ones read a subspace, tall ones write one.

Storyboard: a ``d_head x d_model`` matrix *reads* a small subspace out of a big
vector (a projection), a ``d_model x d_head`` matrix *writes* into a subspace
(an embedding); the two multiply into one low-rank ``d_model x d_model`` map,
``W_O W_V``. Every matrix is a real weight of the induction model's layer-0
head (shown in the paper's column convention, the transpose of the code's
``x @ W``), and the vector is a real residual-stream column of the running
example.
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
    FadeIn,
    FadeOut,
    LaggedStart,
    MathTex,
    ReplacementTransform,
    Succession,
    SurroundingRectangle,
    Text,
    VGroup,
    Wait,
)

from circuit_clips.circuits import paper_ov_matrix, paper_weight, rank
from circuit_clips.kit import (
    FONT_SIZE_LABEL,
    MATH_SIZE_BODY,
    MUTED_TEXT_COLOR,
    STREAM_COLOR,
    TEXT_COLOR,
    VALUE_COLOR,
    ClipScene,
    ColorBar,
    EquationStrip,
    HeatMap,
    VectorColumn,
    block_frame,
    head_color,
    matrix_guides,
    read,
    shape_tex,
)
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

CELL = 0.1  # one cell of every vector and matrix, so rows and entries line up
MID_Y = -0.35  # vertical centre of the tall objects


def only_block(mass: np.ndarray, subspaces) -> str:
    """The one subspace holding every non-zero entry of ``mass`` (one number per stream dimension)."""
    names = [name for name, part in subspaces.items() if mass[part].any()]
    assert len(names) == 1 and mass.sum() == mass[subspaces[names[0]]].sum(), names
    return names[0]


@dataclass(frozen=True)
class LinearMapsNumbers:
    """Layer 0's W_V and W_O in the paper's orientation, applied to the last D's stream."""

    model: AttnOnlyTransformer
    tokens: list[str]
    pos: int  # the last "D"
    x: np.ndarray  # its stream, [d_model]
    w_v: np.ndarray  # paper W_V, [d_head, d_model]
    w_o: np.ndarray  # paper W_O, [d_model, d_head]
    v: np.ndarray  # W_V x
    out: np.ndarray  # W_O v
    w_ov: np.ndarray  # paper W_OV = W_O W_V
    rank: int
    d_model: int
    d_head: int
    sub: dict[str, slice]  # the model's subspaces
    read_block: str  # the subspace W_V reads
    write_block: str  # the subspace W_O writes


def numbers() -> LinearMapsNumbers:
    """Run the induction model on the running example; take layer 0's value and output maps."""
    model = induction_model()
    tokens = list(RUNNING_EXAMPLE)
    _, cache = model.run_with_cache(model.to_tokens(tokens))
    pos = len(tokens) - 1
    x = cache["blocks.0.hook_resid_pre"][pos]
    w_v, w_o = paper_weight(model, "W_V", 0, 0), paper_weight(model, "W_O", 0, 0)
    v = cache["blocks.0.attn.hook_v"][pos, 0]
    assert np.allclose(v, w_v @ x)
    w_ov = paper_ov_matrix(model, 0, 0)
    assert np.allclose(w_ov, w_o @ w_v)
    return LinearMapsNumbers(
        model=model,
        tokens=tokens,
        pos=pos,
        x=x,
        w_v=w_v,
        w_o=w_o,
        v=v,
        out=w_o @ v,
        w_ov=w_ov,
        rank=rank(w_ov),
        d_model=model.d_model,
        d_head=model.d_head,
        sub=model.subspaces,
        read_block=only_block(np.abs(w_v).sum(axis=0), model.subspaces),  # columns W_V reads
        write_block=only_block(np.abs(w_o).sum(axis=1), model.subspaces),  # rows W_O writes
    )


class LinearMaps(ClipScene):
    title = "Linear maps"
    description = (
        "A thin matrix reads a subspace, a tall one writes into one; together they make a low-rank map."
    )

    numbers = staticmethod(numbers)

    def story(self) -> None:
        # A vector: one column of the residual stream
        self.show_vector()
        # A d_head x d_model matrix reads a subspace (a projection)
        self.show_reader()
        self.read_subspace()
        # A d_model x d_head matrix writes into a subspace (an embedding)
        self.show_writer()
        self.write_subspace()
        # Two maps in a row are one map: W_OV = W_O W_V
        self.multiply()
        # ... of low rank
        self.show_rank()

    def summary(self) -> None:
        self.end_on_summary(
            f"Wide matrices read a subspace, tall ones write one. Together: one map of rank {self.shown.rank}.",
            FadeIn(self.summary_tex, shift=0.2 * DOWN),
            self.strip.hide(),
            run_time=1.2,
            hold=3.4,
        )

    # --- layout ------------------------------------------------------------------
    def lay_out(self) -> None:
        """out = W_O (W_V x), right to left as the paper writes it, centred in the frame."""
        gaps = [0.8, 0.5, 0.5, 0.5]  # out|W_O (room for both labels), W_O|v, v|W_V, W_V|x
        self.x_col = VectorColumn(self.shown.x, cell_height=CELL, cell_width=0.3, outline_color=STREAM_COLOR,
                                  subspaces=self.shown.sub, subspace_side=RIGHT)  # fmt: skip
        self.w_v_map = HeatMap(self.shown.w_v, cell_size=CELL, outline_color=VALUE_COLOR)
        self.v_col = VectorColumn(self.shown.v, cell_height=CELL, cell_width=0.3, outline_color=VALUE_COLOR)
        self.w_o_map = HeatMap(self.shown.w_o, cell_size=CELL, outline_color=head_color(0, 0))
        self.out_col = VectorColumn(self.shown.out, cell_height=CELL, cell_width=0.3, outline_color=head_color(0, 0),
                                    subspaces=self.shown.sub, subspace_side=LEFT)  # fmt: skip
        chain = [self.out_col, self.w_o_map, self.v_col, self.w_v_map, self.x_col]
        for mob in chain:
            mob.shift(UP * (MID_Y - mob.get_y()))
        for i in range(len(chain) - 2, -1, -1):
            left, right = chain[i], chain[i + 1]
            left.shift(RIGHT * (_outline(right).get_left()[0] - gaps[i] - _outline(left).get_right()[0]))
        whole = VGroup(*chain)
        whole.shift(RIGHT * -whole.get_x())

    # --- beats -------------------------------------------------------------------
    def show_vector(self) -> None:
        self.x_label = MathTex("x", font_size=MATH_SIZE_BODY).next_to(self.x_col.outline, DOWN, buff=0.25)
        self.legend = ColorBar(width=1.6).to_corner(UP + LEFT, buff=0.35)
        # x first appears alone in the middle; it moves to its place in the chain when W_V arrives
        self.x_home = VGroup(self.x_col, self.x_label).get_center()
        VGroup(self.x_col, self.x_label).shift(RIGHT * -self.x_col.outline.get_x())
        self.beat(
            f"A vector is a column of numbers: x, one position of the stream ({self.shown.d_model} numbers).",
            FadeIn(self.x_col, shift=0.3 * LEFT),
            FadeIn(self.x_label),
            FadeIn(self.legend),
            run_time=1.4,
            hold=3.0,
        )

    def show_reader(self) -> None:
        rows, cols = self.shown.w_v.shape
        self.w_v_label = shape_tex("W_V", rows, cols).next_to(self.w_v_map, DOWN, buff=0.25)
        self.w_v_frame = block_frame(self.w_v_map, cols=self.shown.sub[self.shown.read_block])
        self.w_v_tag = Text(f"reads {self.shown.read_block}", font_size=FONT_SIZE_LABEL, color=TEXT_COLOR)
        self.w_v_tag.next_to(self.w_v_frame, UP, buff=0.15)
        self.beat(
            f"W_V is {rows} × {cols}: a linear map from {cols} numbers to {rows}.",
            VGroup(self.x_col, self.x_label).animate.move_to(self.x_home),
            FadeIn(self.w_v_map, shift=0.3 * RIGHT),
            FadeIn(self.w_v_label, shift=0.3 * RIGHT),
            run_time=1.2,
            hold=1.8,
        )
        self.x_frame = SurroundingRectangle(self.x_col.cells_of(self.shown.sub[self.shown.read_block]), buff=0.03,
                                            color=TEXT_COLOR, stroke_width=3)  # fmt: skip
        self.beat(
            f"Only its '{self.shown.read_block}' columns are non-zero: they meet x's '{self.shown.read_block}' entries.",
            Create(self.w_v_frame),
            Create(self.x_frame),
            FadeIn(self.w_v_tag),
            run_time=1.2,
            hold=2.8,
        )

    def read_subspace(self) -> None:
        self.v_label = MathTex("v", font_size=MATH_SIZE_BODY).next_to(self.v_col.outline, DOWN, buff=0.25)
        self.v_label.match_y(self.w_v_label)
        self.strip = EquationStrip(top_buff=0.4, keep_centre=True)
        self.beat(
            f"So v = W_V x keeps the '{self.shown.read_block}' block and drops the rest: W_V reads a subspace.",
            read(self.x_col, self.w_v_map, self.v_col, weight=self.shown.w_v.T, color=VALUE_COLOR),
            FadeIn(self.v_label),
            self.strip.show(self.strip.tex(r"v", "=", r"W_V\,x")),
            run_time=2.2,
            hold=2.6,
        )

    def show_writer(self) -> None:
        rows, cols = self.shown.w_o.shape
        self.w_o_label = shape_tex("W_O", rows, cols).next_to(self.w_o_map, DOWN, buff=0.25)
        self.w_o_frame = block_frame(self.w_o_map, rows=self.shown.sub[self.shown.write_block])
        self.w_o_tag = Text(f"writes {self.shown.write_block}", font_size=FONT_SIZE_LABEL, color=TEXT_COLOR)
        self.w_o_tag.next_to(self.w_o_map, UP, buff=0.15)
        self.beat(
            f"W_O is {rows} × {cols}: back up to {rows} numbers. Only its '{self.shown.write_block}' rows are non-zero.",
            FadeIn(self.w_o_map),
            FadeIn(self.w_o_label),
            Create(self.w_o_frame),
            FadeIn(self.w_o_tag),
            run_time=1.4,
            hold=3.2,
        )

    def write_subspace(self) -> None:
        color = head_color(0, 0)
        self.out_label = MathTex(r"W_O\,v", font_size=MATH_SIZE_BODY).next_to(
            self.out_col.outline, DOWN, buff=0.25
        )
        self.out_label.match_y(self.w_o_label)
        out_frame = SurroundingRectangle(self.out_col.cells_of(self.shown.sub[self.shown.write_block]), buff=0.03,
                                         color=TEXT_COLOR, stroke_width=3)  # fmt: skip
        new_equation = self.strip.tex(r"W_O\,v", "=", r"W_O W_V\,x")
        self.beat(
            "So W_O v always lands in that block: W_O writes into a subspace.",
            Succession(
                read(
                    self.v_col, self.w_o_map, self.out_col, weight=self.shown.w_o.T, color=color, run_time=2.0
                ),
                Create(out_frame, run_time=0.6),
            ),
            FadeIn(self.out_label, run_time=1.0),
            *self.strip.change_to(new_equation, "morph", run_time=1.2),
            hold=1.8,
        )
        self.out_frame = out_frame

    def multiply(self) -> None:
        color = head_color(0, 0)
        # the thin-times-wide picture: W_O, W_V top-aligned, then "=", then the product
        top = 1.45
        w_o_group = VGroup(self.w_o_map, self.w_o_frame)
        w_v_group = VGroup(self.w_v_map, self.w_v_frame)
        w_o_target = w_o_group.copy()
        w_o_target.shift(UP * (top - self.w_o_map.get_top()[1]))
        w_v_target = w_v_group.copy()
        w_v_target.shift(
            [
                w_o_target[0].get_right()[0] + 0.2 - self.w_v_map.get_left()[0],
                top - self.w_v_map.get_top()[1],
                0,
            ]
        )
        self.w_ov_map = HeatMap(self.shown.w_ov, cell_size=CELL, outline_color=color)
        equals = MathTex("=", font_size=MATH_SIZE_BODY).next_to(w_v_target[0], RIGHT, buff=0.35)
        equals.set_y(top - self.w_ov_map.height / 2)
        self.w_ov_map.next_to(equals, RIGHT, buff=0.35).align_to(w_o_target[0], UP)
        self.equals = equals

        self.row_guides = matrix_guides(w_o_target[0], self.shown.sub, side=LEFT)
        w_o_label = shape_tex("W_O", *self.shown.w_o.shape).next_to(w_o_target[0], DOWN, buff=0.25)
        w_v_label = shape_tex("W_V", *self.shown.w_v.shape).next_to(w_v_target[0], DOWN, buff=0.25)
        w_ov_label = shape_tex("W_{OV}", *self.shown.w_ov.shape).next_to(self.w_ov_map, DOWN, buff=0.25)
        w_v_tag = self.w_v_tag.copy().next_to(w_v_target[1], UP, buff=0.15)
        # centre the whole picture (row names included)
        picture = VGroup(w_o_target, w_v_target, equals, self.w_ov_map, self.row_guides, w_o_label, w_v_label,
                         w_ov_label, w_v_tag)  # fmt: skip
        picture.shift(RIGHT * -picture.get_x())
        new_equation = self.strip.tex(r"W_{OV}", "=", r"W_O W_V")

        gone = [self.x_col, self.x_label, self.x_frame, self.v_col, self.v_label, self.out_col, self.out_label,
                self.out_frame, self.w_o_tag]  # fmt: skip
        self.beat(
            f"Two linear maps in a row are one: W_OV = W_O W_V, a single {self.shown.d_model} × {self.shown.d_model} matrix.",
            *[FadeOut(m, run_time=1.0) for m in gone],
            ReplacementTransform(w_o_group, w_o_target, run_time=1.4),
            ReplacementTransform(w_v_group, w_v_target, run_time=1.4),
            ReplacementTransform(self.w_o_label, w_o_label, run_time=1.4),
            ReplacementTransform(self.w_v_label, w_v_label, run_time=1.4),
            ReplacementTransform(self.w_v_tag, w_v_tag, run_time=1.4),
            *self.strip.change_to(new_equation, "morph", run_time=1.4),
            Succession(
                Wait(1.2),
                AnimationGroup(
                    FadeIn(self.row_guides),
                    FadeIn(equals),
                    FadeIn(self.w_ov_map, shift=0.3 * LEFT),
                    FadeIn(w_ov_label),
                    run_time=1.2,
                ),
            ),
            hold=2.0,
        )
        self.w_o_group, self.w_v_group, self.w_v_tag = w_o_target, w_v_target, w_v_tag
        self.w_ov_label = w_ov_label

    def show_rank(self) -> None:
        frame = block_frame(
            self.w_ov_map,
            rows=self.shown.sub[self.shown.write_block],
            cols=self.shown.sub[self.shown.read_block],
        )
        rank_tex = MathTex(
            rf"\operatorname{{rank}} W_{{OV}} = {self.shown.rank}",
            rf"\;\le\; d_{{\text{{head}}}} = {self.shown.d_head}",
            font_size=MATH_SIZE_BODY,
        )
        rank_tex[1].set_color(MUTED_TEXT_COLOR)
        rank_tex.next_to(self.w_ov_label, DOWN, buff=0.25)
        col_guides = matrix_guides(self.w_ov_map, self.shown.sub, side=UP, names={self.shown.read_block: self.shown.read_block},
                                   color=TEXT_COLOR)  # fmt: skip
        self.beat(
            f"But its rank is only {self.shown.rank} (at most d_head = {self.shown.d_head}): "
            f"it reads '{self.shown.read_block}', writes '{self.shown.write_block}'.",
            Create(frame),
            FadeIn(rank_tex),
            FadeIn(col_guides),
            LaggedStart(
                *[g.animate.set_color(TEXT_COLOR) for g in self._guide(self.shown.write_block)], lag_ratio=0.2
            ),
            run_time=1.4,
            hold=3.6,
        )
        self.rank_tex, self.rank_frame = rank_tex, frame
        self.summary_tex = MathTex(
            r"W_O\,(W_V\,x)", "=", r"(W_O W_V)\,x", "=", r"W_{OV}\,x", font_size=MATH_SIZE_BODY
        ).move_to(self.strip.current)

    def _guide(self, name: str) -> VGroup:
        return self.row_guides[list(self.shown.sub).index(name)]


def _outline(mob):
    """The frame of a vector or matrix (what neighbours are spaced from), without labels or brackets."""
    return mob.outline
