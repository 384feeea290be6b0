"""virtual_weights: a later layer reading what an earlier one wrote is one matrix product.

Storyboard: because the residual stream is linear and additive, layer 1's key
reading what layer 0's head wrote is the single matrix ``W_K^{L1H0} W_O^{L0H0}``,
the virtual weights (the paper's ``W_K^2 W_O^1``, counting layers from 1, as the
clip says on screen). Layers talk through subspaces: layer 0 head 0 writes the
``previous token`` block, and that is exactly the block layer 1 head 0's key
reads. In this toy the writers' blocks exactly fill the stream; the clip says so,
and that real models have many writers sharing few dimensions instead.

Everything is the induction model with a start token (``induction_model(bos=True)``)
on the running example, at the position of ``urs``; matrices are shown in the
paper's column convention (the transpose of the code's ``x @ W``); a superscript
names a head (``L0H0`` is layer 0's head 0, docs/notation.md).
"""

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    MathTex,
    ReplacementTransform,
    Succession,
    SurroundingRectangle,
    Text,
    VGroup,
    Wait,
    there_and_back,
)

from circuit_clips.circuits import paper_virtual_weights, paper_weight, rank
from circuit_clips.kit import (
    FONT_SIZE_LABEL,
    KEY_COLOR,
    LOGIT_COLOR,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    STREAM_COLOR,
    TEXT_COLOR,
    ClipScene,
    ColorBar,
    EquationStrip,
    HeatMap,
    VectorColumn,
    block_frame,
    flash_around,
    format_value,
    head_color,
    matrix_guides,
    read,
    shape_tex,
    stream_column,
    subspace_guides,
    write,
)
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

CELL = 0.095  # one cell of every vector and matrix
MID_Y = 0.0  # vertical centre of the tall objects
WRITER = (0, 0)  # layer 0 head 0, the previous-token head
READER = (1, 0)  # layer 1 head 0, the induction head
SOURCE_TOKEN = "urs"  # the position whose stream we follow


def head_name(layer: int, head: int) -> str:
    """A head's name in TeX, the TransformerLens way: ``\\mathrm{L1H0}`` is layer 1's head 0."""
    return rf"\mathrm{{L{layer}H{head}}}"


L0, L1 = head_name(*WRITER), head_name(*READER)
VW_TEX = rf"W_K^{{{L1}}} W_O^{{{L0}}}"  # the virtual weights, as the screen writes them


def nonzero_blocks(mass: np.ndarray, subspaces) -> list[str]:
    """The subspaces where ``mass`` (one number per stream dimension) is non-zero."""
    return [name for name, part in subspaces.items() if np.abs(mass[part]).sum() > 1e-9]


def _outline(mob):
    """What neighbours are spaced from: a vector's or matrix's frame (a group: its first member's)."""
    while not hasattr(mob, "outline"):
        mob = mob[0]
    return mob.outline


def space_out(row: list, gaps: list[float]) -> None:
    """Move ``row[:-1]`` so each frame ends ``gaps[i]`` left of the next one's frame (the last stays)."""
    for i in range(len(row) - 2, -1, -1):
        row[i].shift(RIGHT * (_outline(row[i + 1]).get_left()[0] - gaps[i] - _outline(row[i]).get_right()[0]))


@dataclass(frozen=True)
class VirtualWeightsNumbers:
    """Layer 0's write at :data:`SOURCE_TOKEN` and layer 1's key read of it, in the paper's orientation."""

    model: AttnOnlyTransformer
    tokens: list[str]
    pos: int  # the position of SOURCE_TOKEN
    x0: np.ndarray  # its stream before layer 0
    r: np.ndarray  # the writer's result r^L0H0
    delta: np.ndarray  # W_O r, what it adds
    x1: np.ndarray  # the stream layer 1 reads
    k: np.ndarray  # the reader's key
    x_final: np.ndarray
    w_o: np.ndarray  # paper W_O^L0H0, [d_model, d_head]
    w_k: np.ndarray  # paper W_K^L1H0, [d_head, d_model]
    vw: np.ndarray  # the virtual weights W_K^L1H0 W_O^L0H0, [d_head, d_head]
    k_direct: np.ndarray  # W_K x_0 (zero here)
    sub: dict[str, slice]
    d_model: int
    d_head: int
    block: str  # the subspace layer 0 writes
    key_reads: list[str]  # the subspaces W_K reads
    prev_token: str
    vw_rank: int
    w_o_rank: int
    vw_diag: float
    vw_is_scaled_identity: bool


def numbers() -> VirtualWeightsNumbers:
    """Run the induction model on the running example and follow :data:`SOURCE_TOKEN`'s stream."""
    model = induction_model(bos=True)
    ids = model.to_tokens(list(RUNNING_EXAMPLE))
    tokens = [model.vocab[i] for i in ids]
    _, cache = model.run_with_cache(ids)
    pos = tokens.index(SOURCE_TOKEN)
    (wl, wh), (rl, rh) = WRITER, READER
    x0 = cache[f"blocks.{wl}.hook_resid_pre"][pos]
    r = cache[f"blocks.{wl}.attn.hook_z"][pos, wh]
    delta = cache[f"blocks.{wl}.attn.hook_result"][pos, wh]
    x1 = cache[f"blocks.{rl}.hook_resid_pre"][pos]
    k = cache[f"blocks.{rl}.attn.hook_k"][pos, rh]
    w_o = paper_weight(model, "W_O", wl, wh)
    w_k = paper_weight(model, "W_K", rl, rh)
    vw = paper_virtual_weights(model, wl, wh, rl, rh, kind="K")
    assert np.allclose(vw, w_k @ w_o)
    assert np.allclose(delta, w_o @ r) and np.allclose(x1, x0 + delta)
    assert np.allclose(k, w_k @ x1)
    # linearity: k = W_K x0 + (W_K W_O) r; at this position the first term is zero
    k_direct = w_k @ x0
    assert np.allclose(k, k_direct + vw @ r)
    assert np.allclose(k_direct, 0), "the clip says W_K x_0 is zero here"
    sub = model.subspaces
    written = nonzero_blocks(np.abs(w_o).sum(axis=1), sub)
    assert len(written) == 1, written
    key_reads = nonzero_blocks(np.abs(w_k).sum(axis=0), sub)
    assert written[0] in key_reads
    diag = np.diag(vw)
    vw_diag = float(diag.max())
    return VirtualWeightsNumbers(
        model=model,
        tokens=tokens,
        pos=pos,
        x0=x0,
        r=r,
        delta=delta,
        x1=x1,
        k=k,
        x_final=cache["hook_resid_final"][pos],
        w_o=w_o,
        w_k=w_k,
        vw=vw,
        k_direct=k_direct,
        sub=sub,
        d_model=model.d_model,
        d_head=model.d_head,
        block=written[0],
        key_reads=key_reads,
        prev_token=tokens[pos - 1],
        vw_rank=rank(vw),
        w_o_rank=rank(w_o),
        vw_diag=vw_diag,
        vw_is_scaled_identity=bool(
            np.allclose(vw, np.diag(diag)) and np.allclose(diag[np.abs(diag) > 1e-9], vw_diag)
        ),
    )


def writers(model: AttnOnlyTransformer) -> list[tuple[str, object, np.ndarray]]:
    """Everything that writes into the stream: (name, colour, its [d_model, ...] write matrix in paper form)."""
    out = [
        (r"W_E", STREAM_COLOR, paper_weight(model, "W_E")),
        (r"W_{\text{pos}}", STREAM_COLOR, paper_weight(model, "W_pos")),
    ]
    for layer in range(model.n_layers):
        for head in range(model.n_heads):
            out.append(
                (
                    rf"W_O^{{{head_name(layer, head)}}}",
                    head_color(layer, head),
                    paper_weight(model, "W_O", layer, head),
                )
            )
    return out


def readers(model: AttnOnlyTransformer) -> list[tuple[str, object, np.ndarray]]:
    """Everything that reads the stream: (name, colour, its [..., d_model] read matrix in paper form)."""
    out = []
    for layer in range(model.n_layers):
        for head in range(model.n_heads):
            for kind in ("Q", "K", "V"):
                matrix = paper_weight(model, f"W_{kind}", layer, head)
                out.append((rf"W_{kind}^{{{head_name(layer, head)}}}", head_color(layer, head), matrix))
    out.append((r"W_U", LOGIT_COLOR, paper_weight(model, "W_U")))
    return out


class VirtualWeights(ClipScene):
    title = "Virtual weights"
    description = (
        "A later layer reading what an earlier one wrote is one matrix product: the virtual weights."
    )

    numbers = staticmethod(numbers)
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    def story(self) -> None:
        # Layer 0 writes into a subspace ...
        self.show_writer()
        self.write_message()
        # ... and layer 1's key reads exactly that subspace
        self.show_reader()
        self.read_message()
        # Linear and additive: writing then reading is one matrix, the virtual weights
        self.split_by_linearity()
        self.multiply()
        # Every writer has its own block here; real models share dimensions
        self.show_bottleneck()

    def summary(self) -> None:
        self.end_on_summary(
            "Layers talk through blocks of the stream; the virtual weights say how.",
            *self.highlight_conversation(),
            run_time=1.4,
            hold=3.0,
        )

    # --- layout ------------------------------------------------------------------
    def lay_out(self) -> None:
        """k <- W_K [stream] <- W_O <- r, right to left as the paper writes it, centred."""
        self.x_col = stream_column(self.shown.x0, cell_height=CELL, cell_width=0.36)
        self.guides = subspace_guides(self.x_col, self.shown.sub, side=LEFT)
        self.w_o_map = HeatMap(self.shown.w_o, cell_size=CELL, outline_color=head_color(*WRITER))
        self.r_col = VectorColumn(
            self.shown.r, cell_height=CELL, cell_width=0.3, outline_color=head_color(*WRITER)
        )
        self.w_k_map = HeatMap(self.shown.w_k, cell_size=CELL, outline_color=KEY_COLOR)
        self.k_col = VectorColumn(self.shown.k, cell_height=CELL, cell_width=0.3, outline_color=KEY_COLOR)
        stream = VGroup(self.x_col, self.guides)
        chain = [self.k_col, self.w_k_map, stream, self.w_o_map, self.r_col]
        for mob in chain:
            mob.shift(UP * (MID_Y - _outline(mob).get_y()))
        space_out(chain[2:], [1.3, 0.55])
        # W_K ends just left of the subspace names
        space_out(chain[:2], [0.55])
        VGroup(*chain[:2]).shift(RIGHT * (self.guides.get_left()[0] - 0.35 - self.w_k_map.get_right()[0]))
        whole = VGroup(*chain)
        whole.shift(RIGHT * -whole.get_x())
        self.stream_group = stream

        # position i's symbols (docs/notation.md: x_i is one position's column, r_i the head's mix there)
        i = self.shown.pos
        self.x_tex, self.r_tex, self.k_tex = rf"x_{{{i}}}", rf"r_{{{i}}}^{{{L0}}}", rf"k_{{{i}}}"
        below = self.x_col.outline.get_bottom()[1] - 0.2
        self.token_label = VGroup(
            Text(SOURCE_TOKEN, font_size=FONT_SIZE_LABEL + 2, color=TEXT_COLOR),
            MathTex(self.x_tex, font_size=MATH_SIZE_LABEL + 2, color=MUTED_TEXT_COLOR),
        ).arrange(RIGHT, buff=0.15)
        self.token_label.move_to([self.x_col.get_x(), below, 0], aligned_edge=UP)
        self.w_o_label = shape_tex(rf"W_O^{{{L0}}}", *self.shown.w_o.shape).next_to(
            self.w_o_map, DOWN, buff=0.25
        )
        self.r_label = MathTex(self.r_tex, font_size=MATH_SIZE_BODY).next_to(
            self.r_col.outline, DOWN, buff=0.25
        )
        self.w_k_label = shape_tex(rf"W_K^{{{L1}}}", *self.shown.w_k.shape).next_to(
            self.w_k_map, DOWN, buff=0.25
        )
        self.k_label = MathTex(self.k_tex, font_size=MATH_SIZE_BODY).next_to(
            self.k_col.outline, DOWN, buff=0.25
        )
        self.k_label.match_y(self.w_k_label)
        self.r_label.match_y(self.w_k_label)

        self.writer_tag = Text(
            "L0H0: layer 0's previous-token head", font_size=FONT_SIZE_LABEL, color=head_color(*WRITER)
        )
        self.writer_tag.next_to(VGroup(self.w_o_map, self.r_col), UP, buff=0.25)
        # 6.8, not SAFE_FRAME.right (6.86): the tag reaches this edge, and moving it would move pixels
        self.writer_tag.set_x(min(self.writer_tag.get_x(), 6.8 - self.writer_tag.width / 2))
        self.reader_tag = Text(
            "L1H0: layer 1's induction head", font_size=FONT_SIZE_LABEL, color=head_color(*READER)
        )
        self.reader_tag.next_to(VGroup(self.w_k_map, self.k_col), UP, buff=0.5)
        self.legend = ColorBar(width=2.6).to_corner(UP + LEFT, buff=0.35)

    # --- beats -------------------------------------------------------------------
    def show_writer(self) -> None:
        self.w_o_frame = block_frame(self.w_o_map, rows=self.shown.sub[self.shown.block])
        self.beat(
            f"Follow {SOURCE_TOKEN}. Layer 0's head there holds the word before it, {self.shown.prev_token}.",
            FadeIn(self.stream_group),
            FadeIn(self.token_label),
            FadeIn(self.legend),
            FadeIn(self.r_col),
            FadeIn(self.r_label),
            FadeIn(self.writer_tag),
            FadeIn(self.w_o_map),
            FadeIn(self.w_o_label),
            run_time=1.8,
        )
        self.beat(
            "Its output matrix writes into one block of the stream's numbers.",
            Create(self.w_o_frame, run_time=0.8),
            self.guides.named(self.shown.block).name_mob.animate(run_time=0.8).set_color(head_color(*WRITER)),
        )

    def write_message(self) -> None:
        color = head_color(*WRITER)
        delta_col = VectorColumn(self.shown.delta, cell_height=CELL, cell_width=0.3, outline_color=color)
        delta_col.move_to(
            [(self.x_col.outline.get_right()[0] + self.w_o_map.get_left()[0]) / 2, self.x_col.get_y(), 0]
        )
        self.strip = EquationStrip(top_buff=0.4, x=1.3)  # right of the legend
        equation = self.strip.tex(self.x_tex, "+", rf"W_O^{{{L0}}}\,{self.r_tex}", colors={2: color})
        self.beat(
            f"That write is added to {SOURCE_TOKEN}'s column: 'the word before me was {self.shown.prev_token}'.",
            self.strip.show(equation, run_time=1.0),
            Succession(
                read(self.r_col, self.w_o_map, delta_col, weight=self.shown.w_o.T, color=color, run_time=1.6),
                write(delta_col, self.x_col, side=RIGHT, gap=0.35, run_time=1.8),
            ),
            run_time=3.4,
        )
        assert np.allclose(self.x_col.values, self.shown.x1)

    def show_reader(self) -> None:
        self.w_k_frame = block_frame(self.w_k_map, cols=self.shown.sub[self.shown.block])
        new_equation = self.strip.tex(
            self.k_tex,
            "=",
            rf"W_K^{{{L1}}}\,(",
            self.x_tex,
            "+",
            rf"W_O^{{{L0}}}\,{self.r_tex}",
            ")",
            colors={5: head_color(*WRITER)},
        )
        others = [name for name in self.shown.key_reads if name != self.shown.block]
        # besides that block, the key reads one cell: the start token's own (where a head rests)
        assert others == ["token"]
        read_tokens = np.flatnonzero(np.abs(self.shown.w_k[:, self.shown.sub["token"]]).sum(axis=0))
        assert [self.shown.tokens[0]] == [self.model.vocab[i] for i in read_tokens]
        self.beat(
            "Layer 1's key matrix reads exactly that block.",
            FadeIn(self.w_k_map),
            FadeIn(self.w_k_label),
            FadeIn(self.reader_tag),
            *self.strip.change_to(new_equation, "match"),
            Succession(Wait(1.0), Create(self.w_k_frame, run_time=0.8)),
            run_time=1.8,
        )
        self.beat(
            "(And one cell on its left: 'am I the start token?', where heads rest.)",
            flash_around(
                self.w_k_map.cell(int(np.argmax(self.shown.w_k[:, 0])), 0), head_color(*READER), run_time=1.2
            ),
        )

    def read_message(self) -> None:
        big = int(np.argmax(np.abs(self.shown.k)))
        self.beat(
            f"So the key at {SOURCE_TOKEN}, what it offers to be found by, says {self.shown.prev_token}: "
            f"{format_value(self.shown.k[big])}.",
            read(self.x_col, self.w_k_map, self.k_col, weight=self.shown.w_k.T, color=KEY_COLOR),
            FadeIn(self.k_label),
            run_time=1.8,
        )

    def split_by_linearity(self) -> None:
        """k_i = W_K x_i + (W_K W_O) r_i; the stream steps out and W_K, W_O meet as a product."""
        split = self.strip.tex(
            self.k_tex,
            "=",
            rf"W_K^{{{L1}}}\,{self.x_tex}",
            "+",
            rf"W_K^{{{L1}}}\,W_O^{{{L0}}}",
            rf"\,{self.r_tex}",
            colors={4: head_color(*READER)},
        )
        top = 1.75
        w_k_group = VGroup(self.w_k_map, self.w_k_frame, self.w_k_label)
        w_o_group = VGroup(self.w_o_map, self.w_o_frame, self.w_o_label)
        w_k_target, w_o_target = w_k_group.copy(), w_o_group.copy()
        w_k_target.shift(UP * (top - self.w_k_map.get_top()[1]))
        w_o_target.shift(UP * (top - self.w_o_map.get_top()[1]))
        space_out([w_k_target, w_o_target], [0.15])
        self.col_guides = matrix_guides(w_k_target[0], self.shown.sub, side=UP, names={self.shown.block: self.shown.block},
                                        color=TEXT_COLOR)  # fmt: skip
        self.row_guides = matrix_guides(
            w_o_target[0], self.shown.sub, side=RIGHT, names=False, color=TEXT_COLOR
        )

        self.vw_map = HeatMap(self.shown.vw, cell_size=CELL, outline_color=head_color(*READER))
        self.equals = MathTex("=", font_size=MATH_SIZE_BODY)
        self.equals.next_to(self.row_guides, RIGHT, buff=0.5).set_y(w_k_target[0].get_y())
        self.vw_map.next_to(self.equals, RIGHT, buff=0.5).align_to(w_k_target[0], UP)
        self.vw_label = shape_tex(VW_TEX, *self.shown.vw.shape).next_to(self.vw_map, DOWN, buff=0.25)
        self.vw_name = Text("virtual weights", font_size=FONT_SIZE_LABEL, color=head_color(*READER))
        self.vw_name.next_to(self.vw_label, DOWN, buff=0.2)
        picture = VGroup(w_k_target, w_o_target, self.col_guides, self.row_guides, self.equals, self.vw_map,
                         self.vw_label, self.vw_name)  # fmt: skip
        picture.shift(RIGHT * -picture.get_x())
        w_k_target[2].match_y(self.vw_label)
        gone = [self.stream_group, self.token_label, self.writer_tag, self.reader_tag, self.k_col, self.k_label,
                self.r_col, self.r_label]  # fmt: skip
        self.beat(
            "All linear: layer 0's part of the key is two matrices in a row.",
            *self.strip.change_to(split, "match", run_time=1.2),
            *[FadeOut(m, run_time=1.0) for m in gone],
            ReplacementTransform(w_k_group, w_k_target, run_time=1.8),
            ReplacementTransform(w_o_group, w_o_target, run_time=1.8),
            Succession(
                Wait(1.4), AnimationGroup(FadeIn(self.col_guides), FadeIn(self.row_guides), run_time=0.8)
            ),
        )
        self.w_k_group, self.w_o_group = w_k_target, w_o_target

    def multiply(self) -> None:
        self.beat(
            f"Multiplied: one {self.shown.vw.shape[0]} × {self.shown.vw.shape[1]} matrix, the virtual weights.",
            FadeIn(self.equals, run_time=0.8),
            FadeIn(self.vw_map, shift=0.3 * RIGHT, run_time=1.0),
            FadeIn(self.vw_label, run_time=1.0),
            FadeIn(self.vw_name, run_time=1.0),
        )
        self.paper_note = VGroup(
            MathTex(r"\text{the paper writes }W_K^{2}\,W_O^{1}\text{:}", font_size=MATH_SIZE_LABEL),
            Text("it counts layers from 1", font_size=FONT_SIZE_LABEL),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        self.paper_note.set_color(MUTED_TEXT_COLOR)
        self.paper_note.next_to(self.vw_name, DOWN, buff=0.35).align_to(self.equals, LEFT)
        assert self.shown.vw_rank == self.shown.w_o_rank
        self.beat(
            f"Rank {self.shown.vw_rank}: all that layer 0 writes gets through. The paper counts layers from 1.",
            FadeIn(self.paper_note, run_time=1.0),
            Succession(
                Wait(1.0),
                LaggedStart(
                    *[c.animate(rate_func=there_and_back).scale(1.8) for c in self._diagonal_cells()],
                    lag_ratio=0.2,
                    run_time=1.6,
                ),
            ),
        )

    def _diagonal_cells(self) -> list:
        return [
            self.vw_map.cell(i, i) for i in range(min(self.shown.vw.shape)) if abs(self.shown.vw[i, i]) > 1e-9
        ]

    def show_bottleneck(self) -> None:
        col = stream_column(self.shown.x_final, cell_height=0.07, cell_width=0.36)
        col.move_to([-0.9, MID_Y, 0])
        names = subspace_guides(col, self.shown.sub, side=RIGHT)
        names_right = names.get_right()[0]
        writes_x = names_right + 0.25
        reads_x = col.outline.get_left()[0] - 0.2
        self.bus_writers, self.bus_readers = VGroup(), VGroup()
        ranks = []
        self.conversation = {}
        for name, color, matrix in writers(self.model):
            blocks = nonzero_blocks(np.abs(matrix).sum(axis=1), self.shown.sub)
            assert len(blocks) == 1, (name, blocks)
            guide = names[list(self.shown.sub).index(blocks[0])]
            y = guide[0].get_y()
            label = MathTex(name, font_size=MATH_SIZE_LABEL + 2, color=color)
            arrow = Arrow([writes_x + 0.8, y, 0], [writes_x, y, 0], buff=0, stroke_width=3,
                          max_tip_length_to_length_ratio=0.3, color=color)  # fmt: skip
            label.next_to(arrow, RIGHT, buff=0.12)
            dims = rank(matrix)
            ranks.append(dims)
            count = Text(f"{dims} dims", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR)
            count.next_to(label, RIGHT, buff=0.25)
            self.bus_writers.add(VGroup(arrow, label, count))
            if name == rf"W_O^{{{head_name(*WRITER)}}}":
                self.conversation["writer"] = VGroup(arrow, label)
        count_x = max(w[2].get_left()[0] for w in self.bus_writers)
        for w in self.bus_writers:
            w[2].set_x(count_x, direction=LEFT)
        for block_name, part in self.shown.sub.items():
            guide = names[list(self.shown.sub).index(block_name)]
            y = guide[0].get_y()
            found = [(n, c) for n, c, m in readers(self.model) if np.abs(m[:, part]).sum() > 1e-9]
            if not found:
                continue
            tex = MathTex(*[n + (r",\," if i < len(found) - 1 else "") for i, (n, _) in enumerate(found)],
                          font_size=MATH_SIZE_LABEL + 2)  # fmt: skip
            for part_tex, (_, c) in zip(tex, found):
                part_tex.set_color(c)
            arrow = Arrow([reads_x, y, 0], [reads_x - 0.8, y, 0], buff=0, stroke_width=3,
                          max_tip_length_to_length_ratio=0.3, color=MUTED_TEXT_COLOR)  # fmt: skip
            tex.next_to(arrow, LEFT, buff=0.12)
            self.bus_readers.add(VGroup(arrow, tex))
            if block_name == self.shown.block:
                self.conversation["reader"] = VGroup(arrow, tex)
        writes_head = Text("writes", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR)
        writes_head.next_to(self.bus_writers, UP, buff=0.35).align_to(self.bus_writers, LEFT)
        reads_head = Text("reads", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR)
        reads_head.next_to(self.bus_readers, UP, buff=0.35).align_to(self.bus_readers, RIGHT)
        total = MathTex(
            " + ".join(map(str, ranks)),
            "=",
            str(sum(ranks)),
            "=",
            r"d_{\text{model}}",
            font_size=MATH_SIZE_LABEL + 2,
        )
        assert sum(ranks) == self.shown.d_model  # every dimension is taken
        total.next_to(VGroup(*[w[2] for w in self.bus_writers]), DOWN, buff=0.45).align_to(
            self.bus_writers[0][2], RIGHT
        )
        token = Text(SOURCE_TOKEN, font_size=FONT_SIZE_LABEL + 2, color=TEXT_COLOR)
        token.next_to(col.outline, DOWN, buff=0.3)
        bus = VGroup(col, names, self.bus_writers, self.bus_readers, writes_head, reads_head, total, token)
        # the virtual weights stay on screen, above the stream they bypass
        vw_target = self.vw_map.copy()
        vw_tex = MathTex(VW_TEX, "=", font_size=MATH_SIZE_BODY)
        vw_tex[0].set_color(head_color(*READER))
        vw_tex.next_to(vw_target, LEFT, buff=0.25)
        vw_name = self.vw_name.copy().next_to(vw_target, RIGHT, buff=0.3)
        self.vw_cluster = VGroup(vw_tex, vw_target, vw_name).move_to([1.0, 2.95, 0])  # right of the legend
        bus.move_to([0, MID_Y - 0.15, 0])
        bus.shift(DOWN * max(0.0, bus.get_top()[1] - (vw_target.get_bottom()[1] - 0.3)))
        self.bus, self.bus_total = bus, total
        stage_b = [
            self.w_k_group,
            self.w_o_group,
            self.col_guides,
            self.row_guides,
            self.equals,
            self.paper_note,
            self.strip.current,
        ]
        self.beat(
            f"Each writer has its own block: together they fill all {self.shown.d_model} dimensions.",
            Succession(
                AnimationGroup(
                    *[FadeOut(m) for m in stage_b],
                    ReplacementTransform(self.vw_map, vw_target),
                    FadeOut(self.vw_label),
                    FadeIn(vw_tex),
                    ReplacementTransform(self.vw_name, vw_name),
                    run_time=1.0,
                ),
                FadeIn(bus, run_time=1.2),
            ),
        )
        self.beat(
            "The toy is tidy. Real models have far more writers than dimensions: they share.",
            Indicate(total, color=TEXT_COLOR, scale_factor=1.15, run_time=1.2),
        )

    def highlight_conversation(self) -> list:
        """Frame the one conversation the clip followed: W_O^L0H0 writes the block that W_K^L1H0 reads."""
        reader, writer = self.conversation["reader"], self.conversation["writer"]
        color = head_color(*READER)
        box = SurroundingRectangle(
            VGroup(reader, writer), buff=0.1, color=color, stroke_width=2.5, corner_radius=0.08
        )
        vw_box = SurroundingRectangle(
            self.vw_cluster, buff=0.15, color=color, stroke_width=2.5, corner_radius=0.08
        )
        return [Create(box), Create(vw_box)]
