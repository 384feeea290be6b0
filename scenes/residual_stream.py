"""residual_stream: layers read from the stream and add their output back.

Storyboard: tokens become vectors (``x_i = W_E t_i + W_pos p_i``), one column
per position, together the stream ``X_0``; each layer reads with a linear map
and writes by adding, ``X_{l+1} = X_l + sum_h h(X_l)`` (docs/notation.md: a
capital ``X`` is the stream, ``x_i`` one position's column); nothing is
overwritten; the final stream is the embedding plus every layer's output and
``W_U`` turns it into logits. The induction model with a start token
(``induction_model(bos=True)``) runs on the running example layer by layer;
every cell is a value from its cache. Each head's read is drawn as a copy of
the column it reads rising into the head, turned by the head's matrices into
what it writes and carried over the column it writes to, where it drops in
with a plus. Positions whose head rests on the start token (value 0) write
nothing and get no copy; layer 0's position 1, whose previous token is the
start token, gets an empty one; each copy is named by the token it carries. Every
write drops onto its column from above, with a plus over that column. The key
moment, the last ``D`` reading ``urs`` (the two cells holding ``D`` framed and
joined) and adding it to its ``output`` block, is the only layer-1 read drawn:
the other columns step back, that block is drawn enlarged on the right, where
``W_U`` then reads it, and the second ``Mr``'s write (``D``, read the same way)
then drops in over its veil, said in the caption.
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
    Brace,
    DashedLine,
    FadeIn,
    FadeOut,
    LaggedStart,
    MathTex,
    Paragraph,
    Rectangle,
    ReplacementTransform,
    RoundedRectangle,
    Succession,
    SurroundingRectangle,
    Text,
    Transform,
    VGroup,
    Wait,
    smooth,
    squish_rate_func,
)

from circuit_clips.kit import (
    BACKGROUND_COLOR,
    FONT_SIZE_BODY,
    LOGIT_COLOR,
    MUTED_TEXT_COLOR,
    STAGE,
    STREAM_COLOR,
    TEXT_COLOR,
    ClipScene,
    EquationStrip,
    MatrixTile,
    Region,
    TokenRow,
    VectorColumn,
    format_value,
    head_color,
    read,
    write,
)
from circuit_clips.kit import ResidualStream as StreamMob
from circuit_clips.model import ActivationCache, AttnOnlyTransformer
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

LABEL_SIZE = 24  # the labels a caption talks about: readable at 480p
HEAD_NAMES = {0: "h = L0H0: layer 0's head 0", 1: "h = L1H0: layer 1's head 0"}
WRITES_INTO = {0: "previous token", 1: "output"}  # the block each layer's head writes
TEXT = "Mr Dursley said Mr D"  # the running example before it is cut into tokens
DURSLEY = range(2, 5)  # the positions of the tokens D, urs, ley: one word (<bos> is position 0)
DROP = 0.35  # between the head and the stream: where a write waits, with its plus, before it drops in
REST = 0.99  # a position "finds" a source when its attention there is above this


def add_to(delta: VectorColumn, target: VectorColumn, **kwargs) -> Succession:
    """The kit's ``write``, its plus gone while the write merges (not left behind after it)."""
    anim = write(delta, target, **kwargs)
    for part in anim.animations[-1].animations:
        if isinstance(part, FadeOut):
            part.rate_func = squish_rate_func(smooth, 0.1, 0.5)
    return anim


@dataclass(frozen=True)
class ResidualStreamNumbers:
    """The induction model's forward pass on the running example, and its prediction at the end."""

    model: AttnOnlyTransformer
    tokens: list[str]  # the start token, then the running example
    logits: np.ndarray  # [pos, d_vocab]
    cache: ActivationCache
    best: int  # the predicted token (argmax of the last position's logits)
    runner_up: float  # the highest logit of any other token
    reads: dict[int, dict[int, int]]  # layer -> {destination: the word it attends to} (weight > REST)
    previous: dict[int, int]  # layer 0: every position after the start token -> the one it attends to
    source: int  # the position the last one reads in layer 1
    weight: float  # its attention weight there


def numbers() -> ResidualStreamNumbers:
    """Run the induction model on the running example (every cell on screen comes from this cache)."""
    model = induction_model(n_ctx=8, bos=True)
    ids = model.to_tokens(list(RUNNING_EXAMPLE))
    logits, cache = model.run_with_cache(ids)
    best = int(np.argmax(logits[-1]))
    reads = {}
    for layer in range(model.n_layers):
        pattern = cache[f"blocks.{layer}.attn.hook_pattern"][0]
        # the start token carries no value: a position resting there reads nothing
        reads[layer] = {
            i: int(np.argmax(row)) for i, row in enumerate(pattern) if row.max() > REST and np.argmax(row) > 0
        }
    previous = {i: int(np.argmax(row)) for i, row in enumerate(cache["blocks.0.attn.hook_pattern"][0]) if i}
    pattern = cache["blocks.1.attn.hook_pattern"][0]
    source = int(np.argmax(pattern[-1]))
    return ResidualStreamNumbers(
        model=model,
        tokens=[model.vocab[i] for i in ids],
        logits=logits,
        cache=cache,
        best=best,
        runner_up=float(np.max(np.delete(logits[-1], best))),
        reads=reads,
        previous=previous,
        source=source,
        weight=float(pattern[-1, source]),
    )


class UnembedPanel:
    """The right of the stage: the last column's output block drawn big (named by token), ``W_U``
    and the logits it reads from that block, built once and shown piece by piece."""

    def __init__(self, stream: StreamMob, model: AttnOnlyTransformer, logits: np.ndarray, best: int) -> None:
        out = model.subspaces["output"]
        last = stream.column(stream.n_pos - 1)
        cell = {"cell_height": 0.4, "cell_width": 0.36}
        self.block = VectorColumn(np.zeros(out.stop - out.start), **cell, outline_color=STREAM_COLOR)
        self.names = VGroup(*[Text(tok, font_size=LABEL_SIZE, color=TEXT_COLOR) for tok in model.vocab])
        self.tile = MatrixTile("W_U", LOGIT_COLOR, width=0.65)
        self.logits = VectorColumn(logits, **cell, outline_color=LOGIT_COLOR)
        self.readouts = VGroup(
            *[Text(format_value(v, 0), font_size=LABEL_SIZE, color=TEXT_COLOR) for v in logits]
        )
        self.names.arrange(DOWN, aligned_edge=LEFT).next_to(self.block, RIGHT, buff=0.1)
        self.logits.next_to(self.names, RIGHT, buff=0.25)
        self.readouts.arrange(DOWN, aligned_edge=RIGHT).next_to(self.logits, RIGHT, buff=0.1)
        for name, readout, row in zip(self.names, self.readouts, self.block.cells):
            name.match_y(row)
            readout.match_y(row)
        self.tile.next_to(self.logits, UP, buff=0.25)
        self.title = Paragraph(
            f"last {stream.tokens[-1]}:",
            "output block",
            font_size=LABEL_SIZE,
            color=TEXT_COLOR,
            line_spacing=0.8,
        )
        self.title.next_to(self.tile, LEFT, buff=0.2)
        self.score = Text("score", font_size=LABEL_SIZE, color=LOGIT_COLOR).next_to(
            self.logits, DOWN, buff=0.15
        )
        panel = VGroup(self.title, self.block, self.names, self.tile, self.logits, self.readouts, self.score)
        room = Region("right of the stream", last.get_right()[0] + 0.65, STAGE.right, STAGE.bottom, STAGE.top)
        room.place(panel, DOWN + RIGHT, buff=0.12, shrink=True)  # room for the frame around the best score
        cells = last.cells_of(out)
        self.lines = VGroup(
            *[
                DashedLine(cells.get_corner(RIGHT + side), self.block.outline.get_corner(LEFT + side))
                for side in (UP, DOWN)
            ]
        ).set_stroke(TEXT_COLOR, width=2.5)
        self.zoom = VGroup(self.lines, self.block, self.names, self.title)
        self.best = SurroundingRectangle(
            VGroup(self.logits.cell(best), self.readouts[best]), buff=0.06, color=LOGIT_COLOR
        )

    def zoom_delta(self, values: np.ndarray, color) -> VectorColumn:
        """A write into the enlarged block, at its size, left of it."""
        delta = VectorColumn(values, cell_height=0.4, cell_width=0.32, outline_color=color)
        return delta.next_to(self.block.outline, LEFT, buff=0.2)


class ResidualStream(ClipScene):
    title = "The residual stream"
    description = "Each layer reads the stream and adds to it."

    numbers = staticmethod(numbers)
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    def story(self) -> None:
        self.show_tokens()
        self.embed_tokens()
        self.add_positions()
        self.layer_zero()
        self.layer_one()
        self.key_moment()
        self.unembed()

    def summary(self) -> None:
        self.check_sum_of_writes()
        heads = [rf"h^{{\mathrm{{L{layer}H0}}}}(X_{layer})" for layer in range(self.model.n_layers)]
        total = self.strip.tex(
            "X_2", "=", "X_0", "+", heads[0], "+", heads[1], colors={4: head_color(0, 0), 6: head_color(1, 0)}
        )
        self.strip.place(total)
        note = Text("L0H0: layer 0's head 0", font_size=LABEL_SIZE, color=MUTED_TEXT_COLOR)
        motto = Text("read the stream, write by adding", font_size=LABEL_SIZE, color=TEXT_COLOR)
        VGroup(note, motto).arrange(RIGHT, buff=0.6).next_to(total, DOWN, buff=0.15)
        self.end_on_summary(
            "Nothing was replaced: the stream is the sum of every write.",
            Succession(*self.strip.change_to(total, "cross_fade", run_time=0.6)),
            FadeOut(self.spotlight, run_time=1.2),
            FadeOut(self.box, run_time=1.2),
            Succession(Wait(0.6), FadeIn(VGroup(note, motto), run_time=0.6)),
            hold=2.5,
        )

    # --- the stream and the head band -------------------------------------------------
    def lay_out(self) -> None:
        n = self.shown
        self.stream = StreamMob(
            n.cache["hook_embed"], n.tokens, subspaces=self.model.subspaces,
            cell_height=0.085, cell_width=0.28, spacing=0.92, font_size=LABEL_SIZE,
        )  # fmt: skip
        STAGE.place(self.stream, DOWN + LEFT, buff=0.1)
        # the long start-token name, shifted left under its column so it stays clear of Mr's
        bos, mr = self.stream.token_labels[:2]
        bos.shift(LEFT * max(0.0, bos.get_right()[0] - (mr.get_left()[0] - 0.25)))
        columns = self.stream.columns
        self.band = Region(  # where the heads go: over the columns, under the equation line
            "head band", columns.get_left()[0] - 0.25, columns.get_right()[0] + 0.25, columns.get_top()[1] + DROP,
            STAGE.top - 0.1,
        )  # fmt: skip
        self.strip = EquationStrip()
        self.right_panel = UnembedPanel(self.stream, self.model, n.logits[-1], n.best)

    def stream_name(self, layer: int) -> MathTex:
        """``X_layer``, the stream's name, left of the head band over the subspace names."""
        name = MathTex(f"X_{layer}", font_size=44, color=TEXT_COLOR)
        return name.move_to(self.band.point(0.5, 0.6)).match_x(self.stream.subspace_labels)

    def head_box(self, layer: int) -> VGroup:
        """The head of ``layer`` as a box over the stream, named in its colour."""
        color = head_color(layer, 0)
        box = RoundedRectangle(corner_radius=0.15, width=self.band.width, height=self.band.height)
        box.move_to(self.band.center).set_stroke(color, width=3).set_fill(color, opacity=0.08)
        name = Text(HEAD_NAMES[layer], font_size=LABEL_SIZE, color=color)
        name.next_to(box.get_corner(UP + LEFT), DOWN + RIGHT, buff=0.12)
        group = VGroup(box, name)
        group.color = color
        return group

    # --- beats -------------------------------------------------------------------------
    def show_tokens(self) -> None:
        tokens = self.shown.tokens
        self.token_row = TokenRow(tokens).move_to(STAGE.point(0.5, 0.6))
        text = Text(TEXT, font_size=FONT_SIZE_BODY, color=MUTED_TEXT_COLOR)
        text.next_to(self.token_row, UP, buff=0.5)
        word = VGroup(*[self.token_row.tile(p) for p in DURSLEY])
        brace = Brace(word, DOWN, color=MUTED_TEXT_COLOR)
        brace_text = Text("one word, three tokens", font_size=LABEL_SIZE, color=TEXT_COLOR)
        brace_text.next_to(brace, DOWN, buff=0.1)
        start = Text("start token", font_size=LABEL_SIZE, color=TEXT_COLOR)
        start.next_to(self.token_row.tile(0), DOWN, buff=0.25)
        self.token_notes = VGroup(text, brace, brace_text, start)
        self.beat(
            f"The text, cut into tokens. What comes after the last {tokens[-1]}?",
            FadeIn(text),
            LaggedStart(*[FadeIn(tile, shift=0.2 * DOWN) for tile in self.token_row.tiles], lag_ratio=0.15),
            FadeIn(VGroup(brace, brace_text, start)),
            run_time=1.5,
        )

    def embed_tokens(self) -> None:
        equation = self.strip.tex(r"x_i", "=", r"W_E\,t_i")
        self.strip.place(equation)
        self.embed_note = self.term_note(equation[2], "embedding of token i")
        self.beat(
            "Each token becomes a column; a lit cell marks which token.",
            FadeOut(self.token_notes, run_time=0.3),
            *self.enter_stream(),
            self.strip.show(equation, run_time=1.0),
            FadeIn(self.embed_note, run_time=1.0),
        )

    def enter_stream(self) -> list:
        """The stream's entrance: the words move down and the tiles fade (once the notes under them
        have gone), then the columns fade in (no column shows through a tile), then the block names,
        once the words have landed under the columns (so no word passes over a block name)."""
        names = (self.stream.subspace_labels, self.stream.boundaries)
        entrance = self.stream.enter_from(self.token_row, lag_ratio=0.1)
        late = [anim for anim in entrance if anim.mobject in names]
        columns = [anim for anim in entrance if isinstance(anim, LaggedStart)]
        assert len(late) == len(names) and len(columns) == 1
        early = [anim for anim in entrance if anim not in late and anim not in columns]
        return [
            Succession(Wait(0.3), AnimationGroup(*early, run_time=0.7)),
            Succession(Wait(0.9), AnimationGroup(*columns, run_time=0.9)),
            Succession(Wait(2.3), AnimationGroup(*late, run_time=0.7)),  # after the cue's middle
        ]

    def term_note(self, term, words: str) -> Text:
        """A short name under one term of the equation."""
        return Text(words, font_size=LABEL_SIZE, color=MUTED_TEXT_COLOR).next_to(term, DOWN, buff=0.15)

    def add_positions(self) -> None:
        pos_embed = self.shown.cache["hook_pos_embed"]
        pos_vecs = [
            self.stream.vector_at(p, pos_embed[p], MUTED_TEXT_COLOR, cell_width=0.12, gap=0.17)
            for p in range(self.stream.n_pos)
        ]
        equation = self.strip.tex(r"x_i", "=", r"W_E\,t_i", "+", r"W_{\mathrm{pos}}\,p_i")
        self.strip.place(equation)
        notes = VGroup(self.term_note(equation[2], "embedding of token i"))
        notes.add(self.term_note(equation[4], "of position i"))
        # apart, each on its side of the plus
        notes[0].next_to(equation[3], LEFT, buff=0.35).match_y(notes[1])
        notes[1].next_to(equation[3], RIGHT, buff=0.35).match_y(notes[0])
        self.name = self.stream_name(0)
        self.name_note = Text("the stream", font_size=LABEL_SIZE, color=MUTED_TEXT_COLOR)
        self.name_note.next_to(self.name, DOWN, buff=0.15)
        self.beat(
            "Its position is added too: together, the residual stream.",
            Succession(
                LaggedStart(*[FadeIn(v, shift=0.2 * DOWN) for v in pos_vecs], lag_ratio=0.08, run_time=1.0),
                AnimationGroup(*[add_to(v, col, gap=0.17) for v, col in zip(pos_vecs, self.stream.columns)]),
            ),
            # the new term and its name whole by the cue's middle, the names never crossing
            Succession(*self.strip.change_to(equation, "match", run_time=1.2), Wait(1.8)),
            Succession(ReplacementTransform(self.embed_note, notes[0], run_time=1.0), Wait(2.0)),
            Succession(Wait(1.0), FadeIn(notes[1], run_time=0.6), Wait(1.4)),
            FadeIn(self.name),
            FadeIn(self.name_note),
            run_time=3.0,
        )
        self.notes = notes
        assert np.allclose(self.stream.values, self.shown.cache["blocks.0.hook_resid_pre"])

    def layer_zero(self) -> None:
        self.box = self.head_box(0)
        equation = self.strip.tex("X_1", "=", "X_0", "+", "h(X_0)")
        self.strip.place(equation)
        output_note = self.term_note(equation[4], "the head's output")
        deltas = self.carry(0, self.shown.previous)
        assert all(src == dst - 1 for dst, (src, _) in deltas.items())
        arrows = self.one_back_arrows(deltas)
        self.words = self.copied_words(deltas)
        self.beat(
            "Layer 0's head, h, reads the column before and copies its token.",
            FadeIn(self.box, run_time=0.8),
            FadeOut(self.notes, run_time=0.5),
            Succession(*self.strip.change_to(equation, "cross_fade", run_time=0.6), FadeIn(output_note)),
            Succession(
                Wait(0.8),
                AnimationGroup(
                    *[self.rise_and_land(dst, src, delta) for dst, (src, delta) in deltas.items()]
                ),
                FadeIn(self.words, run_time=0.5),
            ),
            Succession(Wait(1.8), FadeIn(arrows, run_time=0.8), Wait(1.2), FadeOut(arrows, run_time=0.5)),
        )
        self.notes = VGroup(output_note)
        self.add_writes(
            0, deltas, "Added, not replaced: each column now also holds the word before it, if any."
        )

    def layer_one(self) -> None:
        """The last D reads urs, whose previous word is D too: the other columns step back."""
        n, tokens = self.shown, self.shown.tokens
        last, src = self.stream.n_pos - 1, n.source
        assert n.reads[1][last] == src and tokens[src - 1] == tokens[last]
        box = self.head_box(1)
        self.layer_one_deltas = deltas = self.carry(1, n.reads[1], big=True)
        self.spotlight = self.step_back(keep=(src, last))
        self.frames = self.match_frames(src, last, box.color)
        self.fetched = self.word_on(deltas[last][1], tokens[src])  # what it carries, named on it
        self.beat(
            f"Layer 1's head: the last {tokens[last]} reads {tokens[src]}, whose previous word is {tokens[last]} too.",
            Succession(FadeOut(self.box, run_time=0.4), FadeIn(box, run_time=0.5)),  # names never overlap
            FadeOut(self.notes, run_time=0.5),
            Succession(
                *self.strip.change_to(self.strip.tex(r"X_2 = X_1 + h(X_1)"), "cross_fade", run_time=0.5)
            ),
            FadeIn(self.spotlight, run_time=1.0),
            Succession(
                Wait(0.6),
                FadeIn(self.frames, run_time=0.6),
                self.rise_and_land(last, src, deltas[last][1], run_time=2.8),
                FadeIn(self.fetched, run_time=0.4),
            ),
        )
        self.box = box

    def key_moment(self) -> None:
        """The last D adds urs to its 'output' block: alone, big and slow (the other columns stay
        back, the block is drawn enlarged on the right). The second Mr, which reads D the same way,
        gets its write under its veil, in step (the stream stays the model's)."""
        n, tokens, panel = self.shown, self.shown.tokens, self.right_panel
        last, src = self.stream.n_pos - 1, n.source
        color = head_color(1, 0)
        _, delta = self.layer_one_deltas[last]
        others = [  # the second Mr's write, seen dropping in once the key one has landed
            Succession(
                FadeIn(other, run_time=0.4),
                add_to(other, self.stream.column(dst), side=UP, gap=DROP, run_time=1.6, plus_color=color),
            )
            for dst, (_, other) in self.layer_one_deltas.items()
            if dst != last
        ]
        assert [tokens[dst] for dst in self.layer_one_deltas if dst != last] == ["Mr"]
        [(mr_src, _)] = [v for dst, v in self.layer_one_deltas.items() if dst != last]
        zoom_delta = panel.zoom_delta(delta.values[self.model.subspaces["output"]], color)
        self.beat(
            f"It adds {tokens[src]} to the last {tokens[last]}'s output block; "
            f"the second Mr gets {tokens[mr_src]} the same way.",
            FadeOut(self.frames, run_time=0.8),
            Succession(Wait(1.4), FadeOut(self.fetched, run_time=0.3)),
            Succession(
                FadeIn(VGroup(panel.block, panel.names, panel.title), run_time=0.8),
                FadeIn(zoom_delta, shift=0.3 * RIGHT, run_time=0.6),
                Wait(1.0),  # the cue's middle frame: each write beside its block, with its plus
                AnimationGroup(
                    add_to(zoom_delta, panel.block, side=LEFT, gap=0.2, run_time=3.0, plus_color=color),
                    add_to(
                        delta, self.stream.column(last), side=UP, gap=DROP, run_time=3.0, plus_color=color
                    ),
                ),
                AnimationGroup(
                    *others, FadeIn(panel.lines, run_time=0.8), *self.rename_stream(2, run_time=0.8)
                ),
            ),
            *self.stream.light_subspace("output", color, run_time=2.0),
        )
        assert np.allclose(self.stream.values, n.cache["blocks.1.hook_resid_post"], atol=1e-3)

    def unembed(self) -> None:
        n, vocab, panel = self.shown, self.model.vocab, self.right_panel
        out = self.model.subspaces["output"]
        w_u = self.model.W_U
        rows = np.arange(w_u.shape[0])
        assert not np.any(w_u[~np.isin(rows, rows[out])]), "W_U reads the output block only"
        assert np.allclose(self.stream.values[-1] @ w_u, n.logits[-1])
        self.beat(
            f"The unembedding W_U gives each next token a score: {vocab[n.best]} "
            f"{format_value(n.logits[-1, n.best], 0)}, the rest {format_value(n.runner_up, 0)}.",
            FadeIn(panel.tile, run_time=0.6),
            read(panel.block, panel.tile, panel.logits, weight=w_u[out], run_time=1.8),
            # the scores and the frame round the best are in, whole, by the cue's middle
            Succession(Wait(1.6), FadeIn(VGroup(panel.readouts, panel.score, panel.best), run_time=0.5)),
        )

    # --- helpers -----------------------------------------------------------------------
    def carry(
        self, layer: int, reads: dict[int, int], *, big: bool = False
    ) -> dict[int, tuple[int, VectorColumn]]:
        """``destination -> (source, what the head writes there)`` for the positions in ``reads``, each
        write drawn in the head right above its column (``big``: larger, for the key moment); the other
        positions' writes are zero (checked)."""
        result = self.shown.cache[f"blocks.{layer}.attn.hook_result"][:, 0]
        assert np.abs(np.delete(result, list(reads), axis=0)).max() < 1e-3, "the others write nothing"
        color = head_color(layer, 0)
        # below the head's name (top left), which the writes pass under
        height, width, y = (
            (self.band.height - 0.65, 0.33, 0.4) if big else (self.band.height - 0.8, 0.3, 0.38)
        )
        cell_height = (height - 0.12) / self.model.d_model  # 0.12: the frame's padding
        return {
            dst: (src, self.stream.vector_at(dst, result[dst], color, y=self.band.point(0.5, y)[1],
                                             cell_height=cell_height, cell_width=width))
            for dst, src in reads.items()
        }  # fmt: skip

    def rise_and_land(self, dst: int, src: int, delta: VectorColumn, *, run_time: float = 3.5) -> Succession:
        """A copy of column ``src`` rises into the head at ``delta``'s size, turns into what the head
        writes (``delta``, its matrices' image of that column) and moves over to ``delta``, above
        column ``dst``."""
        ghost = self.stream.column(src).body.copy()
        small = ghost.copy().replace(delta.body, stretch=True).match_x(self.stream.column(src))
        turned = small.copy().match_x(delta)  # the same shape, so no morph of outlines
        for cell, color in zip(turned[0], delta.cell_colors()):
            cell.set_fill(color, opacity=1)
        turned[1].set_stroke(delta.outline.get_stroke_color())
        return Succession(
            Transform(ghost, small, run_time=0.4 * run_time),
            Transform(ghost, turned, run_time=0.55 * run_time),
            ReplacementTransform(ghost, delta.body, run_time=0.05 * run_time),
        )

    def copied_words(self, deltas) -> VGroup:
        """The token each of layer 0's copies carries, named on it (its lit cell is too thin to read);
        the start token's copy carries nothing and gets no name."""
        words = VGroup()
        for src, delta in deltas.values():
            if src:
                words.add(self.word_on(delta, self.shown.tokens[src]))
        return words

    @staticmethod
    def word_on(delta: VectorColumn, token: str) -> Text:
        """The token a head's write carries, named on it."""
        word = Text(token, font_size=LABEL_SIZE, color=TEXT_COLOR)
        word.add_background_rectangle(color=BACKGROUND_COLOR, opacity=0.85, buff=0.04)
        return word.move_to(delta).set_z_index(2)  # over the write, which lands after it

    def one_back_arrows(self, deltas) -> VGroup:
        """An arrow in the head from each source column to the column it is carried to."""
        y = self.band.point(0.5, 0.08)
        return VGroup(
            *[
                Arrow(
                    self.stream.column(src).get_center(), self.stream.column(dst).get_center(), buff=0.12,
                    stroke_width=5, max_tip_length_to_length_ratio=0.35, color=delta.outline.get_stroke_color(),
                ).move_to(y, coor_mask=np.array([0, 1, 0]))
                for dst, (src, delta) in deltas.items()
            ]
        )  # fmt: skip

    def rename_stream(self, layer: int, **fade) -> list:
        """The stream's name becomes ``X_layer`` (a cross-fade: no morph of letters)."""
        old, self.name = self.name, self.stream_name(layer)
        letter, sub = old[0][0], old[0][1:]
        return [
            ReplacementTransform(letter, self.name[0][0], **fade),  # the same X, in the same place
            FadeOut(sub, shift=0.2 * UP, **fade),  # the new number rolls in as the old one leaves
            FadeIn(self.name[0][1:], shift=0.2 * UP, **fade),
        ]

    def match_frames(self, source: int, dest: int, color) -> VGroup:
        """Frames for a layer-1 read: the column read and the column reading it (the head's colour),
        the read column's previous-token block and the reader's token block (white), joined: both
        hold the reader's word."""
        cells = (
            self.stream.subspace_cells("previous token", source),
            self.stream.subspace_cells("token", dest),
        )
        boxes = [SurroundingRectangle(block, buff=0.03, color=TEXT_COLOR, stroke_width=3) for block in cells]
        link = DashedLine(boxes[0].get_right(), boxes[1].get_left(), buff=0.05).set_stroke(
            TEXT_COLOR, width=3
        )
        word = self.stream.tokens[dest]
        same = Text(f"both {word}", font_size=LABEL_SIZE, color=TEXT_COLOR)
        same.add_background_rectangle(color=BACKGROUND_COLOR, opacity=0.9, buff=0.05).move_to(link)
        return VGroup(self.column_frame(source, color), self.column_frame(dest, color), *boxes, link, same)

    def add_writes(self, layer: int, deltas, caption: str) -> None:
        """Each write drops to the left of its column, at the column's size (its lit cell level with
        the block it lands in), and is added; the stream's name changes once they have landed."""
        color = head_color(layer, 0)
        self.beat(
            caption,
            *[
                add_to(delta, self.stream.column(dst), side=UP, gap=DROP, plus_color=color, run_time=3.0)
                for dst, (_, delta) in deltas.items()
            ],
            FadeOut(self.words, run_time=0.5),
            *self.stream.light_subspace(WRITES_INTO[layer], color, run_time=1.5),
            Succession(Wait(3.0), *self.rename_stream(layer + 1, run_time=0.4)),
        )
        # the positions that read nothing write less than 1e-3 (see carry), not drawn
        assert np.allclose(self.stream.values, self.shown.cache[f"blocks.{layer}.hook_resid_post"], atol=1e-3)

    def step_back(self, keep) -> VGroup:
        """Dark veils over every column but ``keep`` (columns and their tokens)."""
        veils = VGroup()
        for p in range(self.stream.n_pos):
            if p in keep:
                continue
            for part in (self.stream.column(p), self.stream.token_labels[p]):  # each just covered
                veil = Rectangle(width=part.width + 0.06, height=part.height + 0.06).move_to(part)
                veils.add(veil.set_stroke(width=0).set_fill(BACKGROUND_COLOR, opacity=0.7))
        return veils

    def column_frame(self, pos: int, color) -> SurroundingRectangle:
        part = VGroup(self.stream.column(pos), self.stream.token_labels[pos])
        return SurroundingRectangle(part, buff=0.06, color=color, stroke_width=4, corner_radius=0.06)

    def check_sum_of_writes(self) -> None:
        cache = self.shown.cache
        assert np.allclose(
            self.stream.values,
            cache["hook_embed"]
            + cache["hook_pos_embed"]
            + sum(cache[f"blocks.{layer}.hook_attn_out"] for layer in range(self.model.n_layers)),
            atol=1e-3,
        )
