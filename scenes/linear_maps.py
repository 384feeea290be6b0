"""linear_maps: a matrix is a linear map; wide ones read a subspace, tall ones write one.

Storyboard: a wide ``d_head x d_model`` matrix *reads* a small subspace out of a
big vector (a projection), a tall ``d_model x d_head`` matrix *writes* into a
subspace (an embedding); the two multiply into one low-rank ``d_model x
d_model`` map, ``W_O^h W_V^h``. Every matrix is a real weight of the induction
model's (``bos=True``) layer-0 head (shown in the paper's column convention, the
transpose of the code's ``x @ W``); the vector is the stream of the 'Mr' that
head reads for the last D of the running example, and the written vector is
what the model adds to that D (its previous token, 'Mr', never its own).
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
    Succession,
    SurroundingRectangle,
    Text,
    Transform,
    VGroup,
)

from circuit_clips.circuits import paper_ov_matrix, paper_weight, rank
from circuit_clips.kit import (
    FONT_SIZE_LABEL,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
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
    flash_around,
    head_color,
    matrix_guides,
    read,
    shape_tex,
)
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

CELL = 0.1  # one cell of every vector and matrix, so rows and entries line up
MID_Y = 0.35  # vertical centre of the tall objects: their labels end above the caption band
TOP_Y = 2.3  # top of the matrices in the product picture


def only_block(mass: np.ndarray, subspaces) -> str:
    """The one subspace holding every non-zero entry of ``mass`` (one number per stream dimension)."""
    names = [name for name, part in subspaces.items() if mass[part].any()]
    assert len(names) == 1 and mass.sum() == mass[subspaces[names[0]]].sum(), names
    return names[0]


@dataclass(frozen=True)
class LinearMapsNumbers:
    """Layer 0's W_V and W_O in the paper's orientation, applied to the stream of the 'Mr' that
    the last D attends to; what the head writes into the last D."""

    model: AttnOnlyTransformer
    tokens: list[str]  # with the start token
    source: int  # the position layer 0's head reads at the last D: the 'Mr' before it
    dest: int  # the last "D"
    x: np.ndarray  # the source's stream, [d_model]
    w_v: np.ndarray  # paper W_V, [d_head, d_model]
    w_o: np.ndarray  # paper W_O, [d_model, d_head]
    v: np.ndarray  # W_V x
    out: np.ndarray  # W_O v
    attention: float  # A[dest, source] of layer 0's head
    written: np.ndarray  # what the head really adds to the last D's stream (hook_result)
    w_ov: np.ndarray  # paper W_OV = W_O W_V
    rank: int
    d_model: int
    d_head: int
    sub: dict[str, slice]  # the model's subspaces
    read_block: str  # the subspace W_V reads
    write_block: str  # the subspace W_O writes


def numbers() -> LinearMapsNumbers:
    """Run the induction model (with its start token) on the running example; take layer 0's value
    and output maps at the position its head reads for the last D."""
    model = induction_model(bos=True)
    ids = model.to_tokens(list(RUNNING_EXAMPLE))
    tokens = model.to_str_tokens(ids)
    _, cache = model.run_with_cache(ids)
    dest = len(ids) - 1
    pattern = cache["blocks.0.attn.hook_pattern"][0, dest]
    source = int(np.argmax(pattern))
    x = cache["blocks.0.hook_resid_pre"][source]
    w_v, w_o = paper_weight(model, "W_V", 0, 0), paper_weight(model, "W_O", 0, 0)
    v = cache["blocks.0.attn.hook_v"][source, 0]
    assert np.allclose(v, w_v @ x)
    w_ov = paper_ov_matrix(model, 0, 0)
    assert np.allclose(w_ov, w_o @ w_v)
    written = cache["blocks.0.attn.hook_result"][dest, 0]  # what the head really adds to the last D
    assert np.allclose(written, w_o @ v, atol=1e-3), "the head's write at the last D is not W_O v"
    return LinearMapsNumbers(
        model=model,
        tokens=tokens,
        source=source,
        dest=dest,
        x=x,
        w_v=w_v,
        w_o=w_o,
        v=v,
        out=w_o @ v,
        attention=float(pattern[source]),
        written=written,
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
    description = "A wide matrix reads a subspace, a tall one writes into one: together, $W_O^h W_V^h$ is one low-rank map."

    numbers = staticmethod(numbers)
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    def story(self) -> None:
        # A vector: one column of the residual stream
        self.show_vector()
        # A wide d_head x d_model matrix reads a subspace (a projection)
        self.show_reader()
        self.read_subspace()
        # A tall d_model x d_head matrix writes into a subspace (an embedding)
        self.show_writer()
        self.write_subspace()
        # Where the model puts it: the next position's stream
        self.land_in_next_position()
        # Two maps in a row are one map: W_OV = W_O W_V
        self.multiply()
        # ... of low rank
        self.show_rank()

    def summary(self) -> None:
        self.end_on_summary(
            "Wide matrices read, tall ones write. Together: one low-rank map.",
            FadeIn(self.summary_tex, shift=0.2 * DOWN),
            self.strip.hide(),
            run_time=1.2,
            hold=3.0,
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

    def _under(self, mob, *lines) -> VGroup:
        """``lines`` stacked under ``mob``'s outline (the first one the name, the rest muted)."""
        group = VGroup(*lines).arrange(DOWN, buff=0.12)
        for line in lines[1:]:
            line.set_color(MUTED_TEXT_COLOR)
        return group.next_to(_outline(mob), DOWN, buff=0.2)

    # --- beats -------------------------------------------------------------------
    def show_vector(self) -> None:
        s = self.shown
        word = s.tokens[s.source]
        self.x_label = self._under(
            self.x_col,
            MathTex(rf"x_{{{s.source}}}", font_size=MATH_SIZE_BODY),
            MathTex(rf"d_{{\mathrm{{model}}}} = {s.d_model}", font_size=MATH_SIZE_LABEL),
        )
        self.legend = ColorBar(width=3.2).to_corner(UP + LEFT, buff=0.35)
        # x first appears alone in the middle; it moves to its place in the chain when W_V arrives
        self.x_home = VGroup(self.x_col, self.x_label).get_center()
        VGroup(self.x_col, self.x_label).shift(RIGHT * -self.x_col.outline.get_x())
        self.beat(
            f"A vector is a column of numbers: here, the stream (what the model holds) at '{word}', position {s.source}.",
            FadeIn(self.x_col, shift=0.3 * LEFT),
            FadeIn(self.x_label),
            FadeIn(self.legend),
            run_time=1.4,
        )
        self.beat(
            f"{s.d_model} numbers: the stream's width. Only '{word}' and position {s.source} are not zero.",
            LaggedStart(
                *[flash_around(self.x_col.cell(i), TEXT_COLOR) for i in np.flatnonzero(s.x)], lag_ratio=0.5
            ),
            run_time=1.4,
        )

    def show_reader(self) -> None:
        rows, cols = self.shown.w_v.shape
        self.w_v_label = self._under(
            self.w_v_map,
            shape_tex("W_V^h", rows, cols),
            MathTex(r"d_{\mathrm{head}} \times d_{\mathrm{model}}", font_size=MATH_SIZE_LABEL),
        )
        self.w_v_frame = block_frame(self.w_v_map, cols=self.shown.sub[self.shown.read_block])
        self.w_v_tag = Text(f"reads {self.shown.read_block}", font_size=FONT_SIZE_LABEL, color=TEXT_COLOR)
        self.w_v_tag.next_to(self.w_v_frame, UP, buff=0.15)
        self.beat(
            f"An attention head, h, reads with a wide matrix, {rows} × {cols}: {cols} numbers in, {rows} out, the head's width.",
            VGroup(self.x_col, self.x_label).animate.move_to(self.x_home),
            FadeIn(self.w_v_map, shift=0.3 * RIGHT),
            FadeIn(self.w_v_label, shift=0.3 * RIGHT),
            run_time=1.4,
        )
        self.x_frame = SurroundingRectangle(self.x_col.cells_of(self.shown.sub[self.shown.read_block]), buff=0.03,
                                            color=TEXT_COLOR, stroke_width=3)  # fmt: skip
        self.beat(
            f"Only its {self.shown.read_block} columns are not zero: they meet the {self.shown.read_block} block, a subspace.",
            Create(self.w_v_frame),
            Create(self.x_frame),
            FadeIn(self.w_v_tag),
            run_time=1.2,
        )

    def read_subspace(self) -> None:
        s = self.shown
        self.v_label = MathTex(rf"v_{{{self.shown.source}}}", font_size=MATH_SIZE_BODY).next_to(
            self.v_col.outline, DOWN, buff=0.2
        )
        self.v_label.match_y(self.w_v_label[0])
        self.strip = EquationStrip(top_buff=0.4, keep_centre=True)
        self.beat(
            f"So its output keeps '{s.tokens[s.source]}' and drops the rest: the matrix reads a subspace.",
            read(self.x_col, self.w_v_map, self.v_col, weight=s.w_v.T, color=VALUE_COLOR),
            FadeIn(self.v_label),
            self.strip.show(self.strip.tex(rf"v_{{{s.source}}}", "=", rf"W_V^h\,x_{{{s.source}}}")),
            run_time=2.2,
        )

    def show_writer(self) -> None:
        rows, cols = self.shown.w_o.shape
        self.w_o_label = self._under(self.w_o_map, shape_tex("W_O^h", rows, cols))
        self.w_o_frame = block_frame(self.w_o_map, rows=self.shown.sub[self.shown.write_block])
        self.w_o_tag = Text(f"writes {self.shown.write_block}", font_size=FONT_SIZE_LABEL, color=TEXT_COLOR)
        self.w_o_tag.next_to(self.w_o_map, UP, buff=0.15)
        self.beat(
            f"The head writes with a tall matrix, {rows} × {cols}: back up to {rows} numbers.",
            FadeIn(self.w_o_map),
            FadeIn(self.w_o_label),
            run_time=1.2,
        )
        self.beat(
            f"Only its '{self.shown.write_block}' rows are not zero.",
            Create(self.w_o_frame),
            FadeIn(self.w_o_tag),
            run_time=1.2,
        )

    def write_subspace(self) -> None:
        s = self.shown
        color = head_color(0, 0)
        self.out_label = MathTex(rf"W_O^h\,v_{{{s.source}}}", font_size=MATH_SIZE_BODY).next_to(
            self.out_col.outline, DOWN, buff=0.2
        )
        self.out_label.match_y(self.w_o_label[0])
        out_frame = SurroundingRectangle(self.out_col.cells_of(s.sub[s.write_block]), buff=0.03,
                                         color=TEXT_COLOR, stroke_width=3)  # fmt: skip
        new_equation = self.strip.tex(rf"W_O^h\,v_{{{s.source}}}", "=", rf"W_O^h W_V^h\,x_{{{s.source}}}")
        self.beat(
            "So its output always lands in that block: it writes a subspace.",
            Succession(
                read(self.v_col, self.w_o_map, self.out_col, weight=s.w_o.T, color=color, run_time=2.0),
                Create(out_frame, run_time=0.6),
            ),
            FadeIn(self.out_label, run_time=1.0),
            *self.strip.change_to(new_equation, "cross_fade", run_time=1.2),
        )
        self.out_frame = out_frame

    def land_in_next_position(self) -> None:
        """The head reads the 'Mr' for the D after it: W_O v is what the model adds to that D."""
        s = self.shown
        where = Text(f"added to the last '{s.tokens[s.dest]}'", font_size=FONT_SIZE_LABEL, color=TEXT_COLOR)
        where.next_to(self.out_label, DOWN, buff=0.12)
        self.out_where = where
        self.beat(
            f"The head adds it to the next token, the last '{s.tokens[s.dest]}': "
            f"its previous token is now '{s.tokens[s.source]}'.",
            FadeIn(where, shift=0.1 * UP),
            self.out_frame.animate.set_stroke(color=head_color(0, 0), width=5),
            run_time=1.0,
        )

    def multiply(self) -> None:
        color = head_color(0, 0)
        # the tall-times-wide picture: W_O, W_V top-aligned, then "=", then the product
        w_o_group = VGroup(self.w_o_map, self.w_o_frame)
        w_v_group = VGroup(self.w_v_map, self.w_v_frame)
        w_o_target = w_o_group.copy()
        w_o_target.shift(UP * (TOP_Y - self.w_o_map.get_top()[1]))
        w_v_target = w_v_group.copy()
        w_v_target.shift(
            [
                w_o_target[0].get_right()[0] + 0.2 - self.w_v_map.get_left()[0],
                TOP_Y - self.w_v_map.get_top()[1],
                0,
            ]
        )
        self.w_ov_map = HeatMap(self.shown.w_ov, cell_size=CELL, outline_color=color)
        equals = MathTex("=", font_size=MATH_SIZE_BODY).next_to(w_v_target[0], RIGHT, buff=0.35)
        equals.set_y(TOP_Y - self.w_ov_map.height / 2)
        self.w_ov_map.next_to(equals, RIGHT, buff=0.35).align_to(w_o_target[0], UP)
        self.equals = equals

        self.row_guides = matrix_guides(w_o_target[0], self.shown.sub, side=LEFT)
        # the labels move with their matrices, unchanged (no morph between different texts)
        w_o_label = self.w_o_label.copy().next_to(w_o_target[0], DOWN, buff=0.2)
        w_v_label = self.w_v_label.copy().next_to(w_v_target[0], DOWN, buff=0.2)
        w_ov_label = shape_tex("W_{OV}^h", *self.shown.w_ov.shape).next_to(self.w_ov_map, DOWN, buff=0.2)
        w_v_tag = self.w_v_tag.copy().next_to(w_v_target[1], UP, buff=0.15)
        # centre the whole picture (row names included)
        picture = VGroup(w_o_target, w_v_target, equals, self.w_ov_map, self.row_guides, w_o_label, w_v_label,
                         w_ov_label, w_v_tag)  # fmt: skip
        picture.shift(RIGHT * -picture.get_x())
        new_equation = self.strip.tex(r"W_{OV}^h", "=", r"W_O^h W_V^h")

        gone = [self.x_col, self.x_label, self.x_frame, self.v_col, self.v_label, self.out_col, self.out_label,
                self.out_frame, self.w_o_tag, self.out_where]  # fmt: skip
        self.beat(
            f"Two maps in a row are one: their product, a {self.shown.d_model} × {self.shown.d_model} matrix.",
            # first clear the stage, then move the two matrices, then show their product
            Succession(
                AnimationGroup(*[FadeOut(m) for m in gone], run_time=0.8),
                AnimationGroup(
                    Transform(w_o_group, w_o_target),
                    Transform(w_v_group, w_v_target),
                    Transform(self.w_o_label, w_o_label),
                    Transform(self.w_v_label, w_v_label),
                    Transform(self.w_v_tag, w_v_tag),
                    run_time=1.4,
                ),
                AnimationGroup(
                    FadeIn(self.row_guides),
                    FadeIn(equals),
                    FadeIn(self.w_ov_map, shift=0.3 * LEFT),
                    FadeIn(w_ov_label),
                    *self.strip.change_to(new_equation, "cross_fade"),
                    run_time=1.2,
                ),
            ),
            run_time=3.4,
            hold=1.5,  # the product, just in, stays with its caption
        )
        self.w_o_group, self.w_v_group = w_o_group, w_v_group
        self.w_ov_label = w_ov_label

    def show_rank(self) -> None:
        s = self.shown
        frame = block_frame(
            self.w_ov_map, rows=s.sub[s.write_block], cols=s.sub[s.read_block], stroke_width=5
        )
        rank_tex = VGroup(
            MathTex(rf"\operatorname{{rank}} W_{{OV}}^h = {s.rank}", font_size=MATH_SIZE_BODY),
            MathTex(
                rf"\le d_{{\mathrm{{head}}}} = {s.d_head}", font_size=MATH_SIZE_LABEL, color=MUTED_TEXT_COLOR
            ),
        ).arrange(DOWN, buff=0.15)
        rank_tex.next_to(self.w_v_label, DOWN, buff=0.4)
        col_guides = matrix_guides(self.w_ov_map, s.sub, side=UP, names={s.read_block: s.read_block},
                                   color=TEXT_COLOR)  # fmt: skip
        self.beat(
            f"Its rank, how many directions it uses, is only {s.rank}: at most the head's width, {s.d_head}.",
            Create(frame),
            FadeIn(rank_tex),
            run_time=1.4,
        )
        self.beat(
            f"It only maps '{s.read_block}' to '{s.write_block}'. Real models share directions; this toy keeps them apart.",
            FadeIn(col_guides),
            LaggedStart(
                *[g.animate.set_color(TEXT_COLOR) for g in self._guide(s.write_block)], lag_ratio=0.2
            ),
            run_time=1.2,
        )
        self.rank_tex, self.rank_frame = rank_tex, frame
        self.summary_tex = MathTex(
            rf"W_O^h\,(W_V^h\,x_{{{s.source}}})",
            "=",
            rf"(W_O^h W_V^h)\,x_{{{s.source}}}",
            "=",
            rf"W_{{OV}}^h\,x_{{{s.source}}}",
            font_size=MATH_SIZE_BODY,
        ).move_to(self.strip.current)
        # clear of the legend in the top-left corner
        gap = self.legend.get_right()[0] + 0.4 - self.summary_tex.get_left()[0]
        self.summary_tex.shift(RIGHT * max(0.0, gap))

    def _guide(self, name: str) -> VGroup:
        return self.row_guides[list(self.shown.sub).index(name)]


def _outline(mob):
    """The frame of a vector or matrix (what neighbours are spaced from), without labels or brackets."""
    return mob.outline
