"""virtual_weights: a later layer reading what an earlier one wrote is one matrix product.

Storyboard: because the residual stream is linear and additive, layer 1's key
reading what layer 0's head wrote is the single matrix ``W_K^{L1H0} W_O^{L0H0}``,
the virtual weights (the paper's ``W_K^2 W_O^1``, counting layers from 1, as the
clip says on screen). Layers talk through subspaces: layer 0 head 0 writes the
``previous token`` block, and that is the block layer 1 head 0's key reads. In
this toy the writers' blocks exactly fill the stream (counted on screen); a
caption says real models have far more writers than dimensions, so writes share.

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
    ORIGIN,
    RIGHT,
    UP,
    AnimationGroup,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    GrowFromEdge,
    LaggedStart,
    MathTex,
    ShowPassingFlash,
    Succession,
    SurroundingRectangle,
    Text,
    Transform,
    VGroup,
    Wait,
)

from circuit_clips.circuits import paper_virtual_weights, paper_weight, rank
from circuit_clips.kit import (
    EQUATION_LINE,
    KEY_COLOR,
    MATH_SIZE_BODY,
    MUTED_TEXT_COLOR,
    STAGE,
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
    read,
    shape_tex,
    stream_column,
    subspace_guides,
    write,
)
from circuit_clips.kit.chain import frame_of, line_up, space_out
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

CELL = 0.095  # one cell of every matrix and of the 39-number stream column
HEAD_CELL = 0.16  # one cell of the 12-number r and k: large enough to point at one
VW_CELL = 0.2  # the virtual weights, alone, larger
VEC_WIDTH = 0.4
TEXT_SIZE = 24  # every label a caption talks about reads at 480p
WRITER = (0, 0)  # layer 0 head 0, the previous-token head
READER = (1, 0)  # layer 1 head 0, the induction head
SOURCE_TOKEN = "urs"  # the position whose stream we follow
SKETCH_WRITERS = 36  # the sketch of a real model: many more writers than the toy's four (not data)


def head_name(layer: int, head: int) -> str:
    """A head's name in TeX, the TransformerLens way: ``\\mathrm{L1H0}`` is layer 1's head 0."""
    return rf"\mathrm{{L{layer}H{head}}}"


L0, L1 = head_name(*WRITER), head_name(*READER)
VW_TEX = rf"W_K^{{{L1}}} W_O^{{{L0}}}"  # the virtual weights, as the screen writes them


def nonzero_blocks(mass: np.ndarray, subspaces) -> list[str]:
    """The subspaces where ``mass`` (one number per stream dimension) is non-zero."""
    return [name for name, part in subspaces.items() if np.abs(mass[part]).sum() > 1e-9]


def stacked(*lines) -> VGroup:
    """Lines of a label, one under the other."""
    return VGroup(*lines).arrange(DOWN, buff=0.1)


def words(text: str, color=TEXT_COLOR, size: int = TEXT_SIZE) -> Text:
    """A label in the kit's font, at the size every label a caption talks about has."""
    return Text(text, font_size=size, color=color)


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
    r_top: int  # the entry of r (and of k) that holds the previous token
    words_used: int  # how many of r's d_head numbers W_O uses (its rank): one per word of the vocabulary
    writer_dims: list[tuple[str, str, int]]  # each stream writer: (TeX name, its block, its rank)


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
    assert np.allclose(k_direct, 0), "the clip says the key comes from layer 0's write alone"
    sub = model.subspaces
    written = nonzero_blocks(np.abs(w_o).sum(axis=1), sub)
    assert len(written) == 1, written
    key_reads = nonzero_blocks(np.abs(w_k).sum(axis=0), sub)
    assert written[0] in key_reads
    r_top = int(np.argmax(r))
    assert int(np.argmax(k)) == r_top, "the key's largest entry is the previous token's, as r's"
    return VirtualWeightsNumbers(
        model=model,
        tokens=tokens,
        pos=pos,
        x0=x0,
        r=r,
        delta=delta,
        x1=x1,
        k=k,
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
        r_top=r_top,
        words_used=rank(w_o),
        writer_dims=writer_dims(model),
    )


def writers(model: AttnOnlyTransformer) -> list[tuple[str, object, np.ndarray]]:
    """Everything that writes into the stream: (TeX name, colour, its [d_model, ...] write matrix in paper form)."""
    out = [
        (r"W_E", STREAM_COLOR, paper_weight(model, "W_E")),
        (r"W_{\mathrm{pos}}", STREAM_COLOR, paper_weight(model, "W_pos")),
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


def writer_dims(model: AttnOnlyTransformer) -> list[tuple[str, str, int]]:
    """Each writer's TeX name, the one block it writes, and how many dimensions it uses there (its rank)."""
    out = []
    for name, _, matrix in writers(model):
        blocks = nonzero_blocks(np.abs(matrix).sum(axis=1), model.subspaces)
        assert len(blocks) == 1, (name, blocks)
        out.append((name, blocks[0], rank(matrix)))
    return out


WRITER_WORDS = {"W_E": "embedding", r"W_{\mathrm{pos}}": "position embedding"}
"""What the stream's first two writers are called; the heads' writes are named by their head."""


class VirtualWeights(ClipScene):
    title = "Virtual weights"
    description = "Layer 1 reading what layer 0 wrote is one matrix product."

    numbers = staticmethod(numbers)
    pace_to_captions = True  # every beat lasts at least its caption's reading time ...
    reading_rate = 14.3  # ... and a little more: slack to look at the picture

    def story(self) -> None:
        # Layer 0 writes into a subspace ...
        self.show_writer()
        self.write_message()
        # ... and layer 1's key reads that subspace
        self.show_reader()
        self.read_message()
        # Linear and additive: writing then reading is one matrix, the virtual weights
        self.multiply()
        # Every writer has its own block here; real models share dimensions
        self.show_bottleneck()

    def summary(self) -> None:
        reader, writer, block = self.conversation
        # reader, the block and its writer each boxed: no box cuts through the column
        box = VGroup(
            *[
                SurroundingRectangle(m, buff=0.1, color=head_color(*READER), stroke_width=3)
                for m in (reader, writer)
            ],
            SurroundingRectangle(block, buff=0.03, color=head_color(*READER), stroke_width=4),
        )
        summary_tex = self.strip.tex(VW_TEX, r"\text{: virtual weights}")
        paper = MathTex(r"\text{the paper writes } W_K^{2}\,W_O^{1}\text{: it counts layers from 1}",
                        font_size=MATH_SIZE_BODY, color=TEXT_COLOR)  # fmt: skip
        self.strip.place(summary_tex)
        paper.next_to(summary_tex, DOWN, buff=0.12)
        self.end_on_summary(
            "Layers talk through blocks of the stream; virtual weights say how.",
            Succession(
                FadeOut(self.sketch, run_time=0.5),
                AnimationGroup(
                    self.toy.animate.set_opacity(1),
                    Create(box),
                    self.strip.show(summary_tex),
                    FadeIn(paper),
                    run_time=0.9,
                ),
            ),
            hold=3.0,
        )

    # --- layout ------------------------------------------------------------------
    def lay_out(self) -> None:
        """k <- W_K [stream] <- W_O <- r, right to left as the paper writes it, centred on the stage."""
        s = self.shown
        self.x_col = stream_column(s.x0, cell_height=CELL, cell_width=VEC_WIDTH)
        self.guides = subspace_guides(self.x_col, s.sub, side=LEFT, font_size=TEXT_SIZE)
        self.w_o_map = HeatMap(s.w_o, cell_size=CELL, outline_color=head_color(*WRITER))
        self.r_col = VectorColumn(
            s.r, cell_height=HEAD_CELL, cell_width=VEC_WIDTH, outline_color=head_color(*WRITER)
        )
        self.w_k_map = HeatMap(s.w_k, cell_size=CELL, outline_color=KEY_COLOR)
        self.k_col = VectorColumn(s.k, cell_height=HEAD_CELL, cell_width=VEC_WIDTH, outline_color=KEY_COLOR)
        self.stream_group = VGroup(self.x_col, self.guides)
        chain = [self.k_col, self.w_k_map, self.stream_group, self.w_o_map, self.r_col]
        line_up(chain)
        space_out(chain[2:], [1.1, 0.5])  # room for the write's '+' between the stream and W_O
        space_out(chain[:3], [0.4, 0.2 + self.guides.width])  # W_K ends left of the block names
        self.lay_out_labels()
        picture = VGroup(*chain, *self.labels.values())
        STAGE.place(picture)
        STAGE.place(self.intro, LEFT, buff=0.1).match_y(self.x_col)
        assert self.intro.get_right()[0] < self.guides.get_left()[0] - 0.2, "the notes fit left of the stream"
        self.legend = EQUATION_LINE.place(ColorBar(width=2.6), UP + LEFT, buff=0.1)
        # equations centred in the room right of the legend
        self.strip = EquationStrip(top_buff=0.4, x=(self.legend.get_right()[0] + EQUATION_LINE.right) / 2)

    def lay_out_labels(self) -> None:
        """Names under each thing, the word over the stream, the heads' names over their matrices,
        and the previous token's word beside its entry of r and of k."""
        s = self.shown
        i = s.pos
        self.x_tex, self.r_tex, self.k_tex = rf"x_{{{i}}}", rf"r_{{{i}}}^{{{L0}}}", rf"k_{{{i}}}"
        labels = {
            "word": words(SOURCE_TOKEN, size=TEXT_SIZE + 4).next_to(frame_of(self.x_col), UP, buff=0.15),
            "x": MathTex(self.x_tex, font_size=MATH_SIZE_BODY),
            "w_o": stacked(shape_tex(rf"W_O^{{{L0}}}", *s.w_o.shape), words("output matrix")),
            "r": stacked(MathTex(self.r_tex, font_size=MATH_SIZE_BODY), words("result")),
            "w_k": stacked(shape_tex(rf"W_K^{{{L1}}}", *s.w_k.shape), words("key matrix")),
            "k": MathTex(self.k_tex, font_size=MATH_SIZE_BODY),
            "writer": words("L0H0: layer 0's head", head_color(*WRITER)),
            "reader": words("L1H0: layer 1's head", head_color(*READER)),
            "r_word": words(s.prev_token, size=TEXT_SIZE + 4).next_to(
                self.r_col.cell(s.r_top), RIGHT, buff=0.15
            ),
            "k_word": MathTex(
                rf"\text{{{s.prev_token}:}}\ {format_value(s.k[s.r_top])}", font_size=MATH_SIZE_BODY
            ),
        }
        for key, mob in (("x", self.x_col), ("w_o", self.w_o_map), ("r", self.r_col), ("w_k", self.w_k_map),
                         ("k", self.k_col)):  # fmt: skip
            labels[key].next_to(frame_of(mob), DOWN, buff=0.2)
        labels["k_word"].next_to(self.k_col.cell(s.r_top), LEFT, buff=0.15)
        labels["bos"] = self.start_token_note()
        labels["writer"].next_to(VGroup(self.w_o_map, self.r_col), UP, buff=0.25)
        labels["reader"].next_to(VGroup(self.w_k_map, self.k_col, labels["bos"]), UP, buff=0.25)
        self.labels = labels
        # the left half is empty until layer 1's head comes: it names the subscript and r's width there
        self.intro = VGroup(
            MathTex(
                self.x_tex,
                rf"\text{{: the stream at position {i}, {SOURCE_TOKEN}}}",
                font_size=MATH_SIZE_BODY,
            ),
            MathTex(self.r_tex, r"\text{: the head's result there}", font_size=MATH_SIZE_BODY),
        ).arrange(DOWN, buff=0.35, aligned_edge=LEFT)
        self.intro.set_color(TEXT_COLOR)
        self.w_o_frame = block_frame(self.w_o_map, rows=s.sub[s.block])
        self.w_k_frame = block_frame(self.w_k_map, cols=s.sub[s.block])
        labels["frames"] = VGroup(self.w_o_frame, self.w_k_frame)

    def start_token_note(self) -> VGroup:
        """The key's one lit cell outside the previous-token block, the start token's, boxed and said
        what it is for: every query finds it, so a head with no match rests there (it writes nothing)."""
        s = self.shown
        row, col = np.argwhere(np.abs(s.w_k[:, s.sub["token"]]) > 1e-9)[0]
        cell = self.w_k_map.cell(row, s.sub["token"].start + col)
        box = SurroundingRectangle(cell, buff=0.03, color=TEXT_COLOR, stroke_width=2)
        note = words("start token:\nrests here if no match")  # what the lone cell is for, in two short lines
        note.next_to(frame_of(self.w_k_map), UP, buff=0.1).align_to(frame_of(self.w_k_map), LEFT)
        arrow = Arrow(
            [frame_of(self.w_k_map).get_left()[0] - 0.12, note.get_bottom()[1], 0], box.get_left(),
            buff=0.02, stroke_width=2, color=TEXT_COLOR, tip_length=0.1,
        )  # fmt: skip
        return VGroup(note, arrow, box)

    # --- beats -------------------------------------------------------------------
    def show_writer(self) -> None:
        lab = self.labels
        self.beat(
            f"In 'Mr Dursley', at {SOURCE_TOKEN}, layer 0's head fetched the word before it, {self.shown.prev_token}: its result, r.",
            FadeIn(self.stream_group),
            FadeIn(lab["word"]),
            FadeIn(lab["x"]),
            FadeIn(self.legend),
            FadeIn(self.r_col),
            FadeIn(lab["r"]),
            FadeIn(lab["r_word"]),
            FadeIn(lab["writer"]),
            FadeIn(self.w_o_map),
            FadeIn(lab["w_o"]),
            FadeIn(self.intro),
            run_time=0.8,
        )

    def write_message(self) -> None:
        s = self.shown
        color = head_color(*WRITER)
        delta_col = VectorColumn(s.delta, cell_height=CELL, cell_width=0.3, outline_color=color)
        delta_col.move_to((frame_of(self.x_col).get_right() + self.w_o_map.get_left()) / 2).match_y(
            self.x_col.cells
        )
        equation = self.strip.tex(self.x_tex, "+", rf"W_O^{{{L0}}}\,{self.r_tex}")
        self.beat(
            f"Its output matrix adds it to {SOURCE_TOKEN}'s column, in one block.",
            self.strip.show(equation, run_time=0.8),
            Create(self.w_o_frame, run_time=0.6),
            *self.guides.named(s.block).light(color, run_time=0.6),
            Succession(
                read(self.r_col, self.w_o_map, delta_col, weight=s.w_o.T, color=color, run_time=1.2),
                write(delta_col, self.x_col, side=RIGHT, gap=0.35, run_time=1.6),
            ),
            run_time=2.8,
        )
        assert np.allclose(self.x_col.values, s.x1)

    def show_reader(self) -> None:
        lab = self.labels
        new_equation = self.strip.tex(
            self.k_tex, "=", rf"W_K^{{{L1}}}\,(", self.x_tex, "+", rf"W_O^{{{L0}}}\,{self.r_tex}", ")"
        )
        self.beat(
            "Layer 1's head reads it with its key matrix: that same block.",
            Succession(  # the notes are gone before the key matrix takes their place
                FadeOut(self.intro, run_time=0.3),
                AnimationGroup(
                    FadeIn(self.w_k_map), FadeIn(lab["w_k"]), FadeIn(lab["bos"]), FadeIn(lab["reader"])
                ),
            ),
            *self.strip.change_to(new_equation, "match", run_time=1.0),
            Succession(Wait(0.6), Create(self.w_k_frame, run_time=0.6)),
            run_time=1.2,
        )

    def read_message(self) -> None:
        s = self.shown
        self.beat(
            f"So {SOURCE_TOKEN}'s key, what it offers to be found by, says {s.prev_token}: "
            f"{format_value(s.k[s.r_top])}, the rest 0.",
            # the block it reads lights, then W_K's frame on it, then k grows out of W_K's side: no
            # copy of the stream slides over the labels or doubles W_K's outline
            Succession(
                flash_around(self.x_col.cells_of(s.sub[s.block]), KEY_COLOR, run_time=0.5),
                AnimationGroup(
                    ShowPassingFlash(self.w_k_frame.copy().set_stroke(KEY_COLOR, 5), time_width=0.6),
                    GrowFromEdge(self.k_col, RIGHT),
                    run_time=0.8,
                ),
                AnimationGroup(FadeIn(self.labels["k"]), FadeIn(self.labels["k_word"]), run_time=0.5),
            ),
        )
        assert np.allclose(self.x_col.values @ s.w_k.T, self.k_col.values)

    def multiply(self) -> None:
        """k_i = W_K x_i + (W_K W_O) r_i: the stream steps out, W_K and W_O sit side by side, and
        their product, the virtual weights, appears beside them, large."""
        s = self.shown
        split = self.strip.tex(
            self.k_tex,
            "=",
            rf"W_K^{{{L1}}}\,{self.x_tex}",
            "+",
            rf"W_K^{{{L1}}}\,W_O^{{{L0}}}",
            rf"\,{self.r_tex}",
        )
        w_k_group = VGroup(self.w_k_map, self.w_k_frame, self.labels["w_k"][0])
        w_o_group = VGroup(self.w_o_map, self.w_o_frame, self.labels["w_o"][0])
        w_k_target, w_o_target = w_k_group.copy(), w_o_group.copy()
        w_k_target[2].next_to(w_k_target[0], DOWN, buff=0.2)
        w_o_target.next_to(w_k_target[0], RIGHT, buff=0.25)
        w_o_target[:2].match_y(w_k_target[0])
        w_o_target[2].next_to(w_o_target[0], DOWN, buff=0.2)
        self.vw_map = HeatMap(s.vw, cell_size=VW_CELL, outline_color=head_color(*READER))
        equals = MathTex("=", font_size=MATH_SIZE_BODY).next_to(w_o_target[0], RIGHT, buff=0.4)
        self.vw_map.next_to(equals, RIGHT, buff=0.4)
        vw_label = VGroup(
            shape_tex(VW_TEX, *s.vw.shape, font_size=MATH_SIZE_BODY),
            words("virtual weights", head_color(*READER), TEXT_SIZE + 4),
        ).arrange(DOWN, buff=0.15)
        vw_label.next_to(self.vw_map, DOWN, buff=0.25)
        meet = words(f"both touch only '{s.block}'").next_to(VGroup(w_k_target, w_o_target), UP, buff=0.3)
        picture = VGroup(w_k_target, w_o_target, equals, self.vw_map, vw_label, meet)
        STAGE.place(picture)
        equals.match_y(self.vw_map)
        pink_frames = [t[1].copy().set_stroke(head_color(*READER), 6) for t in (w_k_target, w_o_target)]
        gone = [self.stream_group, self.labels["word"], self.labels["x"], self.labels["writer"],
                self.labels["reader"], self.k_col, self.labels["k"], self.labels["k_word"], self.r_col,
                self.labels["r"], self.labels["r_word"], self.labels["w_k"][1], self.labels["w_o"][1],
                self.labels["bos"]]  # fmt: skip
        self.beat(
            f"All linear, so the two matrices make one {s.vw.shape[0]} × {s.vw.shape[1]}: the virtual weights.",
            *self.strip.change_to(split, "match", run_time=1.0),
            Succession(
                AnimationGroup(
                    *[FadeOut(m, run_time=0.5) for m in gone],
                    Transform(w_k_group, w_k_target),
                    Transform(w_o_group, w_o_target),
                    run_time=0.8,
                ),
                # the two white blocks light, one after the other; the product grows out of the '='
                AnimationGroup(
                    FadeIn(meet),
                    Succession(*[ShowPassingFlash(f, time_width=0.6, run_time=0.4) for f in pink_frames]),
                    run_time=0.8,
                ),
                # all in before the cue's middle
                AnimationGroup(
                    FadeIn(equals), GrowFromEdge(self.vw_map, LEFT), FadeIn(vw_label), run_time=0.6
                ),
            ),
        )
        self.product_frame = VGroup(w_k_group, w_o_group, equals, self.vw_map, vw_label, meet)

    def show_bottleneck(self) -> None:
        """The stream's blocks, each with its one writer and how many numbers it takes: they add up to
        the stream's width. Real models have far more writers than that."""
        s = self.shown
        col = stream_column(self.x_col.values, cell_height=CELL, cell_width=VEC_WIDTH)
        names = subspace_guides(col, s.sub, side=LEFT, font_size=TEXT_SIZE)
        rows, total = self.writer_rows(col, names)
        reader = VGroup(
            Arrow(
                ORIGIN,
                LEFT,
                buff=0,
                stroke_width=3,
                color=head_color(*READER),
                max_tip_length_to_length_ratio=0.3,
            ),
            MathTex(rf"W_K^{{{L1}}}", font_size=MATH_SIZE_BODY, color=head_color(*READER)),
        ).arrange(LEFT, buff=0.15)
        reader.next_to(names, LEFT, buff=0.2).set_y(names.named(s.block)[1].get_y())
        word = words(SOURCE_TOKEN, size=TEXT_SIZE + 4).next_to(col.outline, DOWN, buff=0.2)
        STAGE.place(VGroup(col, names, rows, total, reader, word))
        writer_row = next(row for row, (name, _, _) in zip(rows, s.writer_dims) if L0 in name)
        self.conversation = (reader, writer_row[:3], col.cells_of(s.sub[s.block]))
        self.toy = VGroup(rows, total)  # hidden while the sketch of a real model shows
        self.beat(
            f"Each block has one writer, and together they fill all {s.d_model} numbers.",
            Succession(
                # a short change of scene: little time on a near-empty frame
                AnimationGroup(FadeOut(self.product_frame), self.strip.hide(), run_time=0.4),
                AnimationGroup(FadeIn(col), FadeIn(names), FadeIn(word), FadeIn(reader), run_time=0.4),
                LaggedStart(*[FadeIn(row, shift=0.2 * LEFT) for row in rows], FadeIn(total), lag_ratio=0.3),
                run_time=2.4,
            ),
        )
        self.sketch = self.real_model_sketch(col)
        self.beat(
            "Real models have far more writers than numbers, so their writes overlap.",
            self.toy.animate(run_time=0.4).set_opacity(0),  # fully gone before the lines are drawn
            Succession(
                Wait(0.4), LaggedStart(*[Create(a) for a in self.sketch[0]], lag_ratio=0.05, run_time=1.4)
            ),
            FadeIn(self.sketch[1], run_time=0.8),
        )

    def real_model_sketch(self, col) -> VGroup:
        """A sketch, not data: many writers' arrows, from all over the right, landing on the stream's
        numbers in a crossing tangle; and its caption in the equation line (empty now)."""
        n = SKETCH_WRITERS
        lands = col.outline.get_bottom()[1] + self.rng.permutation(n) / (n - 1) * col.outline.height
        arrows = VGroup(
            *[
                Arrow(
                    STAGE.point(0.97, (k + 0.5) / n),
                    [col.outline.get_right()[0], y, 0],
                    buff=0.05,
                    stroke_width=1.5,
                    color=MUTED_TEXT_COLOR,
                    tip_length=0.12,
                )  # fmt: skip
                for k, y in enumerate(lands)
            ]
        )
        note = words("sketch of a real model: far more writers than numbers", MUTED_TEXT_COLOR)
        note.next_to(self.legend, RIGHT, buff=0.5)
        return VGroup(arrows, note)

    def writer_rows(self, col, names) -> tuple[VGroup, VGroup]:
        """Right of the stream, each writer's arrow into its block, its name, and how many numbers it
        takes (its rank); under them, their sum."""
        s = self.shown
        colors = {name: color for name, color, _ in writers(self.model)}
        rows = VGroup()
        for name, block, dims in s.writer_dims:
            color = colors[name]
            row = VGroup(
                Arrow(RIGHT, ORIGIN, buff=0, stroke_width=3, color=color, max_tip_length_to_length_ratio=0.3),
                MathTex(name, font_size=MATH_SIZE_BODY, color=TEXT_COLOR if color == STREAM_COLOR else color),
                words(WRITER_WORDS.get(name, "layer 0's head" if L0 in name else "layer 1's head")),
                MathTex(str(dims), font_size=MATH_SIZE_BODY, color=TEXT_COLOR),
            ).arrange(RIGHT, buff=0.2)
            row.next_to(col.outline, RIGHT, buff=0.2).set_y(names.named(block)[1].get_y())
            rows.add(row)
        count_x = max(row[2].get_right()[0] for row in rows) + 0.6  # the counts in one column
        for row in rows:
            row[3].set_x(count_x)
        dims = [d for _, _, d in s.writer_dims]
        assert sum(dims) == s.d_model  # every dimension is taken
        total = VGroup(
            MathTex(
                " + ".join(map(str, dims)), "=", str(sum(dims)), font_size=MATH_SIZE_BODY, color=TEXT_COLOR
            ),
            words("numbers: all of them"),
        ).arrange(DOWN, buff=0.12, aligned_edge=RIGHT)
        total.next_to(rows, DOWN, buff=0.35).align_to(rows[-1][3], RIGHT)
        return rows, total
