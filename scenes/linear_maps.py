"""linear_maps: a matrix is a linear map; wide ones read a subspace, tall ones write one.

Storyboard: a wide ``d_head x d_model`` matrix *reads* a small subspace out of a
big vector (a projection), a tall ``d_model x d_head`` matrix *writes* into a
subspace (an embedding); the two multiply into one low-rank ``d_model x
d_model`` map, ``W_O^h W_V^h``. Every matrix is a real weight of the induction
model's (``bos=True``) layer-0 head (shown in the paper's column convention, the
transpose of the code's ``x @ W``); the vector is the stream at the second 'Mr'
of the running example.
"""

from dataclasses import dataclass

import numpy as np
from manim import (
    DEGREES,
    DOWN,
    LEFT,
    ORIGIN,
    PI,
    RIGHT,
    UP,
    AnimationGroup,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    GrowArrow,
    GrowFromEdge,
    LaggedStart,
    Line,
    MathTex,
    Rectangle,
    Succession,
    SurroundingRectangle,
    Text,
    Transform,
    UpdateFromAlphaFunc,
    VGroup,
    linear,
)

from circuit_clips.circuits import paper_ov_matrix, paper_weight, rank
from circuit_clips.kit import (
    EQUATION_LINE,
    MATH_SIZE_BODY,
    MUTED_TEXT_COLOR,
    STAGE,
    STREAM_COLOR,
    TEXT_COLOR,
    VALUE_COLOR,
    ClipScene,
    EquationStrip,
    HeatMap,
    VectorColumn,
    block_frame,
    flash_around,
    format_value,
    head_color,
    matrix_guides,
    shape_tex,
    value_to_color,
)
from circuit_clips.kit.chain import frame_of, line_up, space_out
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

CELL = 0.1  # one cell of every matrix and of the two 39-number vectors
PRODUCT_CELL = 0.09  # the product alone, a little smaller: room for its column names on three lines
V_CELL = 0.16  # one cell of the 12-number v: the head's width, large enough to see
VEC_WIDTH = 0.4
TEXT_SIZE = 24  # every label a caption talks about reads at 480p
HEAD = head_color(0, 0)
SMALL_MATH = 34  # a size with a subscript (d_head) that still reads at 480p


def lit_block(mass: np.ndarray, subspaces) -> str:
    """The one subspace holding every non-zero entry of ``mass`` (one number per stream dimension)."""
    names = [name for name, part in subspaces.items() if mass[part].any()]
    assert len(names) == 1 and mass.sum() == mass[subspaces[names[0]]].sum(), names
    return names[0]


def lit_value(*matrices: np.ndarray) -> float:
    """The one non-zero value every lit cell of ``matrices`` holds."""
    values = {float(x) for m in matrices for x in np.unique(m) if x != 0}
    assert len(values) == 1, values
    return values.pop()


@dataclass(frozen=True)
class LinearMapsNumbers:
    """Layer 0's W_V and W_O in the paper's orientation, applied to the stream at the second 'Mr'."""

    model: AttnOnlyTransformer
    tokens: list[str]  # with the start token
    source: int  # the position of the vector shown: the second 'Mr'
    x: np.ndarray  # its stream, [d_model]
    w_v: np.ndarray  # paper W_V, [d_head, d_model]
    w_o: np.ndarray  # paper W_O, [d_model, d_head]
    v: np.ndarray  # W_V x
    out: np.ndarray  # W_O v
    w_ov: np.ndarray  # paper W_OV = W_O W_V
    rank: int
    w_v_rows: int  # how many of W_V's rows are not zero
    lit: float  # the one non-zero value of W_V, W_O and their product (every lit cell)
    d_model: int
    d_head: int
    sub: dict[str, slice]  # the model's subspaces
    read_block: str  # the subspace W_V reads
    write_block: str  # the subspace W_O writes


def numbers() -> LinearMapsNumbers:
    """Run the induction model (with its start token) on the running example; take layer 0's value
    and output maps at the second 'Mr'."""
    model = induction_model(bos=True)
    ids = model.to_tokens(list(RUNNING_EXAMPLE))
    tokens = model.to_str_tokens(ids)
    _, cache = model.run_with_cache(ids)
    source = len(tokens) - 1 - tokens[::-1].index("Mr")
    x = cache["blocks.0.hook_resid_pre"][source]
    w_v, w_o = paper_weight(model, "W_V", 0, 0), paper_weight(model, "W_O", 0, 0)
    v = cache["blocks.0.attn.hook_v"][source, 0]
    assert np.allclose(v, w_v @ x)
    w_ov = paper_ov_matrix(model, 0, 0)
    assert np.allclose(w_ov, w_o @ w_v)
    return LinearMapsNumbers(
        model=model,
        tokens=tokens,
        source=source,
        x=x,
        w_v=w_v,
        w_o=w_o,
        v=v,
        out=w_o @ v,
        w_ov=w_ov,
        rank=rank(w_ov),
        w_v_rows=int(np.count_nonzero(np.abs(w_v).sum(axis=1))),
        lit=lit_value(w_v, w_o, w_ov),
        d_model=model.d_model,
        d_head=model.d_head,
        sub=model.subspaces,
        read_block=lit_block(np.abs(w_v).sum(axis=0), model.subspaces),  # columns W_V reads
        write_block=lit_block(np.abs(w_o).sum(axis=1), model.subspaces),  # rows W_O writes
    )


def words(text: str, color=TEXT_COLOR) -> Text:
    """A label in the kit's font at the size every label a caption talks about has."""
    return Text(text, font_size=TEXT_SIZE, color=color)


def span(left, right, top, bottom) -> Rectangle:
    """A borderless rectangle between the x of ``left`` and ``right`` and the y of ``top`` and ``bottom``."""
    rect = Rectangle(width=right[0] - left[0], height=top[1] - bottom[1]).set_stroke(width=0)
    return rect.move_to([(left[0] + right[0]) / 2, (top[1] + bottom[1]) / 2, 0])


def crossing_bands(columns, rows, block, product) -> VGroup:
    """Bands from the frames of W_V's lit ``columns`` and W_O's lit ``rows`` across the ``product``,
    crossing at its lit ``block``: every lit cell (the factors' and the block's) stays untinted.
    Columns' two pieces first (above and below the block), then the rows' two (left and right)."""
    bands = VGroup(
        span(columns.get_left(), columns.get_right(), columns.get_bottom(), block.get_top()),
        span(columns.get_left(), columns.get_right(), block.get_bottom(), product.get_bottom()),
        span(rows.get_right(), block.get_left(), rows.get_top(), rows.get_bottom()),
        span(block.get_right(), product.get_right(), rows.get_top(), rows.get_bottom()),
    )
    for band, color in zip(bands, (VALUE_COLOR, VALUE_COLOR, HEAD, HEAD)):
        band.set_fill(color, opacity=0.3)
    return bands


def value_key(lit: float) -> VGroup:
    """The clip's legend: the two values its cells hold, each beside a cell of its colour."""
    entries = [
        VGroup(
            Rectangle(width=0.3, height=0.2)
            .set_stroke(MUTED_TEXT_COLOR, width=1)
            .set_fill(value_to_color(x), 1),
            words(f"= {format_value(x, 0)}"),
        ).arrange(RIGHT, buff=0.1)
        for x in (lit, 0.0)
    ]
    return VGroup(*entries).arrange(RIGHT, buff=0.35)


def directions(angles: list[float], name: str) -> VGroup:
    """Directions of the stream as arrows from one point at ``angles`` (degrees), ``name`` under them."""
    tips = [1.1 * np.array([np.cos(a * DEGREES), np.sin(a * DEGREES), 0]) for a in angles]
    arrows = VGroup(*[Arrow(ORIGIN, tip, buff=0, color=STREAM_COLOR, stroke_width=4) for tip in tips])
    return VGroup(arrows, words(name).next_to(arrows, DOWN, buff=0.2))


def math(tex: str, font_size: float = MATH_SIZE_BODY) -> MathTex:
    """A symbol or short formula in the text colour."""
    return MathTex(tex, font_size=font_size, color=TEXT_COLOR)


class LinearMaps(ClipScene):
    title = "Linear maps"
    description = "Wide matrices read, tall ones write."

    numbers = staticmethod(numbers)
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    def story(self) -> None:
        # A vector: one column of numbers
        self.show_vector()
        # A wide d_head x d_model matrix reads a subspace (a projection)
        self.show_reader()
        self.read_subspace()
        # A tall d_model x d_head matrix writes into a subspace (an embedding)
        self.show_writer()
        # Two maps in a row are one map: W_OV = W_O W_V ...
        self.multiply()
        # ... of low rank
        self.show_rank()
        self.blocks_apart()

    def summary(self) -> None:
        summary_tex = self.strip.tex(r"W_O^h\,(W_V^h\,x)", "=", r"(W_O^h W_V^h)\,x", "=", r"W_{OV}^h\,x")
        # in the strip, clear of the legend in the top-left corner
        self.strip.place(summary_tex)
        summary_tex.shift(RIGHT * max(0.0, self.legend.get_right()[0] + 0.4 - summary_tex.get_left()[0]))
        self.end_on_summary(
            "Wide matrices read, tall ones write: together, one low-rank map.",
            Succession(*self.strip.change_to(summary_tex, "cross_fade")),
            run_time=1.0,
            hold=3.0,
        )

    # --- layout ------------------------------------------------------------------
    def lay_out(self) -> None:
        """out = W_O (W_V x), right to left as the paper writes it, centred on the stage."""
        s = self.shown
        self.x_col = VectorColumn(s.x, cell_height=CELL, cell_width=VEC_WIDTH, outline_color=STREAM_COLOR,
                                  subspaces=s.sub, subspace_side=RIGHT, subspace_font_size=TEXT_SIZE)  # fmt: skip
        self.w_v_map = HeatMap(s.w_v, cell_size=CELL, outline_color=VALUE_COLOR)
        self.v_col = VectorColumn(s.v, cell_height=V_CELL, cell_width=VEC_WIDTH, outline_color=VALUE_COLOR)
        self.w_o_map = HeatMap(s.w_o, cell_size=CELL, outline_color=HEAD)
        self.out_col = VectorColumn(s.out, cell_height=CELL, cell_width=VEC_WIDTH, outline_color=HEAD)
        chain = [self.out_col, self.w_o_map, self.v_col, self.w_v_map, self.x_col]
        line_up(chain)
        space_out(chain, [1.1, 0.7, 0.45, 0.45])  # out|W_O, W_O|v, v|W_V, W_V|x
        self.lay_out_labels()
        picture = VGroup(*chain, self.x_word, self.x_label, self.w_v_label, self.v_label, self.d_head_label,
                         self.w_o_label, self.out_label, self.w_v_tag, self.w_o_tag, self.w_v_frame,
                         self.w_o_frame, self.x_lying, self.lying_frame)  # fmt: skip
        STAGE.place(picture)
        self.legend = EQUATION_LINE.place(value_key(s.lit), UP + LEFT, buff=0.1)
        self.strip = EquationStrip(top_buff=0.4, keep_centre=True)
        # x first appears alone in the middle; it moves to its place in the chain when W_V arrives
        self.x_alone = VGroup(self.x_col, self.x_word, self.x_label)
        self.x_home = self.x_alone.get_center()
        self.x_alone.shift(RIGHT * (STAGE.center[0] - frame_of(self.x_col).get_x()))

    def lay_out_labels(self) -> None:
        """Each thing's name: under it (its symbol first), its token above x, what a map reads or
        writes above the map."""
        s = self.shown
        x, v = "x", "v"  # a vector, not yet a position's: the subscripts come with the stream
        self.x_word = Text(s.tokens[s.source], font_size=TEXT_SIZE + 4, color=TEXT_COLOR)
        self.x_word.next_to(frame_of(self.x_col), UP, buff=0.15)
        self.x_label = self.under(
            self.x_col, math(x), math(rf"d_{{\mathrm{{model}}}} = {s.d_model}", SMALL_MATH)
        )
        # x laid along W_V's columns, just under it: entry j of x meets column j
        self.x_lying = self.x_col.body.copy().rotate(PI / 2)
        self.x_lying.next_to(self.w_v_map.outline, DOWN, buff=0.08)
        self.x_lying.shift(RIGHT * (self.w_v_map.cells.get_left()[0] - self.x_lying[0].get_left()[0]))
        self.lying_frame = SurroundingRectangle(self.x_lying[0][s.sub[s.read_block]], buff=0.03, color=TEXT_COLOR,
                                                stroke_width=3)  # fmt: skip
        self.x_lying.add(math("x").next_to(self.x_lying, LEFT, buff=0.1))  # it is x, laid down: named at once
        self.w_v_label = self.under(
            self.x_lying,
            shape_tex("W_V^h", *s.w_v.shape, font_size=SMALL_MATH),
            words("value matrix of head h"),
            words("rows: out, columns: in"),  # the shape reads (out x in): said where it first shows
        ).match_x(self.w_v_map)
        # clear of x's own label on its right
        self.w_v_label.shift(
            LEFT * max(0.0, self.w_v_label.get_right()[0] + 0.25 - self.x_label.get_left()[0])
        )
        self.v_label = self.under(self.v_col, math(v))
        self.d_head_label = math(
            rf"d_{{\mathrm{{head}}}} = {s.d_head}", SMALL_MATH
        )  # the caption says "width"
        self.w_o_label = self.under(
            self.w_o_map, shape_tex("W_O^h", *s.w_o.shape, font_size=SMALL_MATH), words("output matrix")
        )
        self.out_label = self.under(self.out_col, math(rf"W_O^h\,{v}"))
        self.w_v_frame = block_frame(self.w_v_map, cols=s.sub[s.read_block])
        self.w_v_tag = words(f"reads {s.read_block}").next_to(self.w_v_frame, UP, buff=0.15)
        self.w_v_tag.align_to(self.w_v_frame, LEFT)  # clear of v, on its left
        # the head's width above v, and above the reader's tag
        self.d_head_label.next_to(frame_of(self.v_col), UP, buff=0.15).align_to(frame_of(self.v_col), LEFT)
        self.d_head_label.shift(
            UP * max(0.0, self.w_v_tag.get_top()[1] + 0.3 - self.d_head_label.get_bottom()[1])
        )
        self.w_o_frame = block_frame(self.w_o_map, rows=s.sub[s.write_block])
        self.w_o_tag = words(f"writes {s.write_block}").next_to(self.w_o_map, UP, buff=0.15)

    def under(self, mob, *lines) -> VGroup:
        """``lines`` stacked under ``mob``'s frame."""
        group = VGroup(*lines).arrange(DOWN, buff=0.12)
        return group.next_to(frame_of(mob), DOWN, buff=0.2)

    # --- beats -------------------------------------------------------------------
    def show_vector(self) -> None:
        s = self.shown
        self.beat(
            f"A vector: a column of {s.d_model} numbers, here for the word '{s.tokens[s.source]}'.",
            FadeIn(self.x_alone, shift=0.3 * LEFT),
            FadeIn(self.legend),
            run_time=1.4,
        )

    def show_reader(self) -> None:
        self.beat(
            f"An attention head reads it with its value matrix: {self.shown.d_model} in, {self.shown.d_head} out.",
            Succession(  # x is home before W_V comes in beside it: nothing slides over x
                self.x_alone.animate(run_time=0.6).move_to(self.x_home),
                AnimationGroup(FadeIn(self.w_v_map), FadeIn(self.w_v_label), run_time=0.6),
            ),
            run_time=1.2,
        )
        self.x_frame = SurroundingRectangle(self.x_col.cells_of(self.shown.sub[self.shown.read_block]), buff=0.03,
                                            color=TEXT_COLOR, stroke_width=3)  # fmt: skip
        self.beat(
            f"Only its {self.shown.read_block} columns are lit: they pick one block, a subspace.",
            Succession(
                FadeIn(self.x_lying, shift=0.4 * LEFT, run_time=0.8),  # x laid down, no tilted bar
                AnimationGroup(
                    Create(self.w_v_frame),
                    Create(self.x_frame),
                    Create(self.lying_frame),
                    FadeIn(self.w_v_tag),
                    run_time=0.8,
                ),
            ),
        )

    def read_subspace(self) -> None:
        s = self.shown
        read_part = range(s.d_model)[s.sub[s.read_block]]
        self.dropped = VGroup(
            *[cell for j, cell in enumerate(self.x_lying[0]) if j not in read_part], self.x_lying[1]
        )
        self.kept = VGroup(*[self.x_lying[0][j] for j in read_part], self.x_lying[2], self.lying_frame)
        self.beat(
            "Each row times x, summed, gives one number of v.",
            self.row_sweep(),
            FadeIn(self.v_label),
            self.strip.show(self.strip.tex("v", "=", r"W_V^h\,x")),
        )
        self.beat(
            f"So v keeps '{s.tokens[s.source]}', drops the rest: {s.d_head} numbers, the head's width.",
            # the entries of x that W_V does not read fall away; its block stays, framed
            FadeOut(self.dropped, shift=0.3 * DOWN),
            FadeOut(self.sweep),
            FadeIn(self.d_head_label),
            run_time=0.8,
        )

    def row_sweep(self) -> UpdateFromAlphaFunc:
        """A box steps down W_V's rows; as it meets row i, v's cell i appears, tied to the row by a
        line: each row of W_V, against x laid below it, gives one number of v."""
        n_rows, n_cols = self.shown.w_v.shape
        rows = [VGroup(*self.w_v_map.cells[i * n_cols : (i + 1) * n_cols]) for i in range(n_rows)]
        box = SurroundingRectangle(rows[0], buff=0.015, color=TEXT_COLOR, stroke_width=3)
        cells = self.v_col.cells
        link = Line(box.get_left(), cells[0].get_right(), color=TEXT_COLOR, stroke_width=2)
        self.sweep = VGroup(box, link)

        def step(_, alpha: float) -> None:
            i = min(n_rows - 1, int(alpha * n_rows))
            box.move_to(rows[i])
            link.put_start_and_end_on(box.get_left(), cells[i].get_right())
            for j, cell in enumerate(cells):
                cell.set_opacity(1 if j <= i else 0)

        return UpdateFromAlphaFunc(
            VGroup(self.v_col, box, link), step, run_time=0.25 * n_rows, rate_func=linear
        )

    def show_writer(self) -> None:
        s = self.shown
        rows, cols = s.w_o.shape
        self.out_frame = SurroundingRectangle(self.out_col.cells_of(s.sub[s.write_block]), buff=0.03,
                                              color=TEXT_COLOR, stroke_width=3)  # fmt: skip
        new_equation = self.strip.tex(r"W_O^h\,", "v", "=", r"W_O^h\,", r"W_V^h\,x")
        self.beat(
            f"Its tall output matrix writes back, {cols} in, {rows} out: only '{s.write_block}'.",
            Succession(
                AnimationGroup(FadeIn(self.w_o_map), FadeIn(self.w_o_label), run_time=0.6),
                AnimationGroup(Create(self.w_o_frame), FadeIn(self.w_o_tag), run_time=0.4),
                AnimationGroup(
                    # v lights, then W_O v grows out of W_O's side: no copy of v crosses the matrix
                    Succession(
                        flash_around(self.v_col.body, HEAD, run_time=0.5),
                        GrowFromEdge(self.out_col, RIGHT, run_time=0.7),
                    ),
                    *self.strip.change_to(new_equation, "match", run_time=1.0),
                ),
                AnimationGroup(Create(self.out_frame), FadeIn(self.out_label), run_time=0.3),
            ),
        )

    def multiply(self) -> None:
        """The product laid out as it is computed: W_O left of it (its rows), W_V above it (its
        columns); W_V's lit columns and W_O's lit rows, drawn on as bands, cross at its lit block."""
        s = self.shown
        w_o_group = VGroup(self.w_o_map, self.w_o_frame)
        w_v_group = VGroup(self.w_v_map, self.w_v_frame)
        shrink = PRODUCT_CELL / CELL  # the factors at the product's cell size: rows and columns line up
        w_o_target, w_v_target = w_o_group.copy().scale(shrink), w_v_group.copy().scale(shrink)
        self.w_ov_map = HeatMap(s.w_ov, cell_size=PRODUCT_CELL, outline_color=HEAD)
        self.w_ov_map.next_to(w_o_target, RIGHT, buff=0.25).align_to(w_o_target, UP)
        w_v_target.next_to(self.w_ov_map, UP, buff=0.25).align_to(self.w_ov_map, LEFT)
        # W_O's label moves with it, unchanged; W_V's, from under it to its right, fades across (moving,
        # it would pass under the matrix)
        w_o_label = self.w_o_label[0].copy().next_to(w_o_target, DOWN, buff=0.2)
        w_v_label = self.w_v_label[0].copy().next_to(w_v_target, RIGHT, buff=0.3)
        self.w_ov_label = shape_tex("W_{OV}^h", *s.w_ov.shape, font_size=SMALL_MATH)
        self.w_ov_label.next_to(self.w_ov_map, DOWN, buff=0.2)
        STAGE.place(VGroup(w_o_target, w_v_target, self.w_ov_map, w_o_label, w_v_label, self.w_ov_label))
        self.ov_frame = block_frame(
            self.w_ov_map, rows=s.sub[s.write_block], cols=s.sub[s.read_block], stroke_width=4
        )
        bands = crossing_bands(w_v_target[1], w_o_target[1], self.ov_frame, self.w_ov_map)
        gone = [self.x_alone, self.x_frame, self.kept, self.v_col, self.v_label, self.d_head_label, self.out_col,
                self.out_label, self.out_frame, self.w_o_tag, self.w_v_tag, self.w_o_label[1], self.w_v_label]  # fmt: skip
        self.beat(
            f"Two maps in a row are one, {s.d_model} × {s.d_model}: lit columns meet lit rows.",
            Succession(
                AnimationGroup(
                    *[FadeOut(m, run_time=0.3) for m in gone],  # gone at once: no lingering outlines
                    Transform(w_o_group, w_o_target),
                    Transform(w_v_group, w_v_target),
                    Transform(self.w_o_label[0], w_o_label),
                    run_time=0.7,
                ),
                AnimationGroup(
                    FadeIn(self.w_ov_map),
                    FadeIn(self.w_ov_label),
                    FadeIn(w_v_label),
                    *self.strip.change_to(self.strip.tex(r"W_{OV}^h", "=", r"W_O^h W_V^h"), "cross_fade"),
                    run_time=0.4,
                ),
                AnimationGroup(
                    Succession(GrowFromEdge(bands[0], UP), GrowFromEdge(bands[1], UP)),
                    Succession(GrowFromEdge(bands[2], LEFT), GrowFromEdge(bands[3], LEFT)),
                    run_time=0.6,
                ),
                Create(self.ov_frame, run_time=0.3),
            ),
        )
        self.factors = VGroup(w_o_group, w_v_group, self.w_o_label[0], w_v_label, bands)

    def show_rank(self) -> None:
        """The product alone, its blocks named; its lit cells counted: the rank."""
        s = self.shown
        target = VGroup(self.w_ov_map.copy(), self.w_ov_label.copy())
        row_names = matrix_guides(target[0], s.sub, side=RIGHT, font_size=TEXT_SIZE)
        # the columns: only the block it reads is named (the same four blocks as the rows)
        col_names = matrix_guides(
            target[0], {s.read_block: s.sub[s.read_block]}, side=UP, font_size=TEXT_SIZE
        )
        # which axis is read and which written, over each axis's names
        col_names.add(
            words("columns: what it reads").next_to(col_names, UP, buff=0.12).align_to(col_names, LEFT)
        )
        row_names.add(
            words("rows: what it writes").next_to(row_names, UP, buff=0.12).align_to(row_names, LEFT)
        )
        STAGE.place(VGroup(target, row_names, col_names), LEFT, buff=0.5)
        self.row_names, self.col_names = row_names, col_names
        frame = block_frame(target[0], rows=s.sub[s.write_block], cols=s.sub[s.read_block], stroke_width=4)
        self.rank_tex = VGroup(
            MathTex(rf"\operatorname{{rank}} W_{{OV}}^h = {s.rank}", font_size=MATH_SIZE_BODY + 6),
            words("rank: how many directions it uses"),
            MathTex(rf"\le d_{{\mathrm{{head}}}} = {s.d_head}", font_size=MATH_SIZE_BODY),
            words(f"its value matrix lights {s.w_v_rows} of {s.d_head} rows"),
        ).arrange(DOWN, buff=0.3)
        # in the room right of the product, at its top: below it, room for real models' picture
        self.rank_tex.align_to(target[0], UP).set_x((row_names.get_right()[0] + STAGE.right) / 2)
        self.beat(
            f"Rank {s.rank}: {s.rank} lit cells, {s.rank} directions, fewer than the head's {s.d_head}.",
            Succession(
                FadeOut(self.factors, run_time=0.4),  # gone before the product moves over their place
                AnimationGroup(
                    Transform(self.w_ov_map, target[0]),
                    Transform(self.w_ov_label, target[1]),
                    Transform(self.ov_frame, frame),
                    run_time=0.8,
                ),
                AnimationGroup(FadeIn(row_names), FadeIn(col_names), FadeIn(self.rank_tex), run_time=0.8),
            ),
        )

    def blocks_apart(self) -> None:
        """Directions as arrows in a plane: the toy's each on its own axis, a real model's sharing it."""
        panels = VGroup(
            directions([0, 90], "this toy"),
            directions([15, 50, 80, 125, 160], "real models"),
        )
        panels.arrange(RIGHT, buff=1.0, aligned_edge=DOWN)
        panels.next_to(self.rank_tex, DOWN, buff=0.25)  # clear of the caption band
        self.beat(
            "Real models share directions; this toy keeps blocks apart.",
            LaggedStart(*[GrowArrow(a) for a in panels[0][0]], FadeIn(panels[0][1]), lag_ratio=0.3),
            LaggedStart(*[GrowArrow(a) for a in panels[1][0]], FadeIn(panels[1][1]), lag_ratio=0.2),
            run_time=1.5,
        )
