"""residual_stream: layers read from the stream and add their output back.

Storyboard: tokens become vectors (``x_i = W_E t_i + W_pos p_i``), one column
per position, together the stream ``X_0``; each layer reads with a linear map
and writes by adding, ``X_{l+1} = X_l + sum_h h(X_l)`` (docs/notation.md: a
capital ``X`` is the stream, ``x_i`` one position's column); nothing is
overwritten; the final stream is the embedding plus every layer's output and
``W_U`` turns it into logits. The induction model with a start token
(``induction_model(bos=True)``) runs on the running example layer by layer;
every cell is a value from its cache. The key moment, the last ``D`` fetching
``urs``, is played alone, big and slow; the positions with nothing to find rest
on the start token, whose value is zero.
"""

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    PI,
    RIGHT,
    UP,
    ArcBetweenPoints,
    Create,
    CurvedArrow,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    MathTex,
    MoveAlongPath,
    ReplacementTransform,
    Succession,
    SurroundingRectangle,
    Text,
    VGroup,
)

from circuit_clips.kit import (
    FONT_SIZE_LABEL,
    LOGIT_COLOR,
    MUTED_TEXT_COLOR,
    SAFE_FRAME,
    TEXT_COLOR,
    VALUE_COLOR,
    AttentionHeadBlock,
    ClipScene,
    ColorBar,
    EquationStrip,
    MatrixTile,
    TokenRow,
    VectorColumn,
    format_value,
    head_color,
    merge,
    read,
    write,
)
from circuit_clips.kit import ResidualStream as StreamMob
from circuit_clips.model import ActivationCache, AttnOnlyTransformer
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

HEAD_NAMES = {0: "previous-token head", 1: "induction head"}
WRITES_INTO = {0: "previous token", 1: "output"}  # the subspace each layer's head writes
REST = 0.99  # a position "rests on the start token" when its attention there is above this


@dataclass(frozen=True)
class ResidualStreamNumbers:
    """The induction model's forward pass on the running example, and its prediction at the end."""

    model: AttnOnlyTransformer
    tokens: list[str]  # the start token, then the running example
    logits: np.ndarray  # [pos, d_vocab]
    cache: ActivationCache
    best: int  # the predicted token (argmax of the last position's logits)
    runner_up: float  # the highest logit of any other token
    source: int  # the position the last one attends to in layer 1
    weight: float  # its attention weight there
    resting: list[int]  # the positions whose layer-1 head rests on the start token


def numbers() -> ResidualStreamNumbers:
    """Run the induction model on the running example (every cell on screen comes from this cache)."""
    model = induction_model(bos=True)
    ids = model.to_tokens(list(RUNNING_EXAMPLE))
    tokens = [model.vocab[i] for i in ids]
    logits, cache = model.run_with_cache(ids)
    best = int(np.argmax(logits[-1]))
    pattern = cache["blocks.1.attn.hook_pattern"][0]
    source = int(np.argmax(pattern[-1]))
    return ResidualStreamNumbers(
        model=model,
        tokens=tokens,
        logits=logits,
        cache=cache,
        best=best,
        runner_up=float(np.max(np.delete(logits[-1], best))),
        source=source,
        weight=float(pattern[-1, source]),
        resting=[int(i) for i in np.flatnonzero(pattern[:, 0] > REST)],
    )


class ResidualStream(ClipScene):
    title = "The residual stream"
    description = "Every layer reads the stream and adds its output back: nothing is overwritten."

    numbers = staticmethod(numbers)
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    def story(self) -> None:
        self.show_tokens()
        self.embed_tokens()
        self.add_positions()
        for layer in range(self.model.n_layers):
            self.run_layer(layer)
        self.nothing_overwritten()
        self.unembed()

    def summary(self) -> None:
        self.logits_tex = MathTex(r"\mathrm{logits} = W_U\,X_2", font_size=34).move_to(self.w_u_tile)
        self.logits_tex.set_x(SAFE_FRAME.right - self.logits_tex.width / 2)
        self.end_on_summary(
            "Embedding plus every layer's output; unembedding reads the sum.",
            FadeOut(self.w_u_tile),
            FadeIn(self.logits_tex),
            FadeIn(
                Text("read with linear maps, write by adding", font_size=26, color=MUTED_TEXT_COLOR).next_to(
                    self.strip.current, DOWN, buff=0.35
                )
            ),
            hold=3.0,
        )

    # --- layout helpers --------------------------------------------------------
    def above(self, pos: int, values: np.ndarray, *, cell_height: float, color) -> VectorColumn:
        """A small vector placed above stream column ``pos`` (in the band under the head block)."""
        return self.stream.vector_at(
            pos, values, color, y=self.band_y, cell_height=cell_height, cell_width=0.22
        )

    def band_label(self, tex: str) -> MathTex:
        """A label for what the band above the stream holds, left of it (under the subspace names' column)."""
        label = MathTex(tex, font_size=30, color=TEXT_COLOR)
        return label.move_to([self.stream.subspace_labels.get_center()[0], self.band_y, 0])

    # --- beats -----------------------------------------------------------------
    def show_tokens(self) -> None:
        self.token_row = TokenRow(self.shown.tokens).move_to(UP * 1.2)
        self.beat(
            f"A start token, then seven words. What comes after the last {self.shown.tokens[-1]}?",
            LaggedStart(*[FadeIn(tile, shift=0.2 * DOWN) for tile in self.token_row.tiles], lag_ratio=0.15),
            run_time=1.5,
        )

    def embed_tokens(self) -> None:
        cache = self.shown.cache
        self.stream = StreamMob(
            cache["hook_embed"], self.shown.tokens, subspaces=self.model.subspaces,
            cell_height=0.064, cell_width=0.3, spacing=1.15,
        )  # fmt: skip
        self.stream.to_edge(LEFT, buff=0.3)
        self.stream.shift(UP * (0.3 - self.stream.columns[0].get_top()[1]))
        self.band_y = 0.95  # the band between the stream and the head block

        self.legend = ColorBar(width=2.6).to_corner(UP + LEFT, buff=0.35)
        self.strip = EquationStrip(top_buff=0.35, x=2.6)
        self.beat(
            "The embedding turns each token into a column of numbers; colour shows values.",
            *self.stream.enter_from(self.token_row, lag_ratio=0.1),
            FadeIn(self.legend),
            self.strip.show(self.strip.tex(r"x_i", "=", r"W_E\,t_i")),
            run_time=2.2,
        )

    def add_positions(self) -> None:
        pos_embed = self.shown.cache["hook_pos_embed"]
        pos_vecs = [
            self.above(p, pos_embed[p], cell_height=0.025, color=MUTED_TEXT_COLOR)
            for p in range(self.stream.n_pos)
        ]
        self.beat(
            "Each position has a column of its own.",
            LaggedStart(*[FadeIn(v, shift=0.2 * DOWN) for v in pos_vecs], lag_ratio=0.08),
            run_time=1.2,
        )
        self.x0_label = self.band_label(r"X_0")
        with_pos = self.strip.tex(r"x_i", "=", r"W_E\,t_i", "+", r"W_{\mathrm{pos}}\,p_i")
        self.beat(
            "Added together: the residual stream, one column per position.",
            *[write(v, col, side=RIGHT, gap=0.3) for v, col in zip(pos_vecs, self.stream.columns)],
            *self.strip.change_to(with_pos, "match"),
            FadeIn(self.x0_label),
            run_time=2.4,
        )
        assert np.allclose(self.stream.values, self.shown.cache["blocks.0.hook_resid_pre"])

    def run_layer(self, layer: int) -> None:
        """One layer (one head): read through W_V, move between positions, read through W_O, add."""
        cache, n_pos = self.shown.cache, self.stream.n_pos
        color = head_color(layer, 0)
        pace = 1.0 if layer == 0 else 0.7
        block = AttentionHeadBlock(layer, 0, name=f"layer {layer}: {HEAD_NAMES[layer]}", tile_width=0.7)
        block.move_to([self.stream.columns.get_x(), 2.3, 0])
        if layer == 0:
            self.beat(
                "A layer reads the stream; each head adds its output back.",
                FadeIn(block),
                FadeOut(self.x0_label),
                *self.strip.change_to(
                    self.strip.tex(r"X_{\ell+1} = X_\ell + \sum_h h(X_\ell)"), "cross_fade", run_time=1.2
                ),
                run_time=1.2,
            )
        else:
            self.beat(
                "Layer 1 has one head too: the same steps.",
                *[FadeOut(m) for m in self.leaving],
                FadeIn(block),
                run_time=1.0,
            )

        # Read: every column passes through W_V
        v = cache[f"blocks.{layer}.attn.hook_v"][:, 0]
        v_vecs = [self.above(p, v[p], cell_height=0.06, color=VALUE_COLOR) for p in range(n_pos)]
        w_v = self.model.W_V[layer, 0]
        v_label = self.band_label(r"v_j = W_V\,x_j")
        self.beat(
            "Reading: a matrix maps each column to a short value vector."
            if layer == 0
            else "It reads a value from each column.",
            *[
                read(self.stream.column(p), block.w_v, v_vecs[p], weight=w_v, color=color)
                for p in range(n_pos)
            ],
            FadeIn(v_label),
            run_time=2.2 * pace,
        )

        # Move: attention mixes positions (the pattern is the model's)
        pattern = cache[f"blocks.{layer}.attn.hook_pattern"][0]
        z = cache[f"blocks.{layer}.attn.hook_z"][:, 0]
        z_vecs = [self.above(p, z[p], cell_height=0.06, color=color) for p in range(n_pos)]
        z_label = self.band_label(r"r_i = \sum_j A_{ij}\,v_j")
        if layer == 0:
            assert all(np.argmax(pattern[i]) == max(i - 1, 0) for i in range(n_pos))
            self.beat(
                "Attention weights move values: each position takes the previous one's.",
                *[merge(v_vecs, pattern[i], z_vecs[i], run_time=2.6) for i in range(n_pos)],
                *[FadeOut(vec, run_time=1.2) for vec in v_vecs],
                ReplacementTransform(v_label, z_label),
            )
        else:
            self.fetch(block, pattern, v_vecs, z_vecs, v_label, z_label, color)

        # Read through W_O: back to the stream's size
        result = cache[f"blocks.{layer}.attn.hook_result"][:, 0]
        deltas = [self.above(p, result[p], cell_height=0.025, color=color) for p in range(n_pos)]
        h_label = self.band_label(r"W_O\,r_i")
        self.beat(
            "A second matrix maps the result back to the stream's size."
            if layer == 0
            else "Mapped back to the stream's size.",
            *[
                read(
                    z_vecs[p],
                    block.w_o,
                    deltas[p],
                    weight=self.model.W_O[layer, 0],
                    color=color,
                    keep_source=False,
                )
                for p in range(n_pos)
            ],
            ReplacementTransform(z_label, h_label),
            *(self.after_fetch if layer else []),
            run_time=2.0 * pace,
        )

        # Write: added, never overwritten
        self.beat(
            f"Added to the stream, into the '{WRITES_INTO[layer]}' block.",
            *[write(deltas[p], self.stream.column(p), side=RIGHT, gap=0.3) for p in range(n_pos)],
            *self.stream.light_subspace(WRITES_INTO[layer], color),
            run_time=2.4 * pace,
        )
        assert np.allclose(self.stream.values, cache[f"blocks.{layer}.hook_resid_post"])
        self.leaving = [block, h_label]  # faded out by the next beat

    def fetch(self, block, pattern, v_vecs, z_vecs, v_label, z_label, color) -> None:
        """Layer 1's move: the positions with nothing to find rest on the start token; then, alone,
        big and slow, the last D fetches urs."""
        last, src = self.stream.n_pos - 1, self.shown.source
        tokens = self.shown.tokens
        assert tokens[src - 1] == tokens[last] and self.shown.weight > REST
        assert not np.any(v_vecs[0].values), "the start token's value is zero"
        others = range(last)
        self.beat(
            "Most positions find nothing: they look at the start token, whose value is 0.",
            *[merge(v_vecs, pattern[i], z_vecs[i], run_time=2.6) for i in others],
            *[FadeOut(v_vecs[j], run_time=1.2) for j in range(last + 1) if j != src],
            ReplacementTransform(v_label, z_label),
        )
        # the key moment: everything else steps back, the two columns are framed, one weight shown
        frames = VGroup(
            *[
                SurroundingRectangle(
                    VGroup(self.stream.column(p), self.stream.token_labels[p]), buff=0.08, color=color,
                    stroke_width=5, corner_radius=0.08,
                )
                for p in (src, last)
            ]
        )  # fmt: skip
        self.bring_to_front(v_vecs[src])  # over the (empty) mix that rests at its own position
        start, end = v_vecs[src].get_top() + 0.1 * UP, z_vecs[last].get_top() + 0.1 * UP
        arrow = CurvedArrow(start, end, angle=-PI / 2, color=color, stroke_width=6)
        weight = MathTex(
            rf"A_{{{last},{src}}} = {format_value(self.shown.weight)}", font_size=44, color=color
        ).move_to(arrow.point_from_proportion(0.5) + 0.5 * DOWN)
        self.beat(
            f"The last {tokens[last]} looks at {tokens[src]}, the word after the earlier {tokens[last]}.",
            FadeOut(block),
            Create(frames, run_time=1.5),
            Create(arrow, run_time=2.0),
            FadeIn(weight, run_time=1.5),
            run_time=2.0,
        )
        ghost = v_vecs[src].copy()
        path = ArcBetweenPoints(v_vecs[src].get_center(), z_vecs[last].get_center(), angle=-PI / 2)
        self.beat(
            f"All its attention goes there: it copies {tokens[src]}'s value.",
            Succession(
                ghost.animate(run_time=0.8).scale(2.0),
                MoveAlongPath(ghost, path, run_time=2.4),
                ReplacementTransform(ghost, z_vecs[last], run_time=0.8),
            ),
            FadeOut(v_vecs[src], run_time=1.0),
            run_time=4.0,
        )
        assert np.allclose(z_vecs[last].values, self.shown.weight * v_vecs[src].values, atol=1e-3)
        self.after_fetch = [FadeOut(frames), FadeOut(arrow), FadeOut(weight), FadeIn(block)]

    def nothing_overwritten(self) -> None:
        heads = [rf"h^{{\mathrm{{L{layer}H0}}}}(X_{layer})" for layer in range(self.model.n_layers)]
        total = self.strip.tex(
            r"X_2",
            "=",
            r"X_0",
            "+",
            heads[0],
            "+",
            heads[1],
            colors={4: head_color(0, 0), 6: head_color(1, 0)},
        )
        self.strip.place(total)
        self.head_names = Text("L0H0: layer 0's head 0", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR)
        self.head_names.next_to(total, DOWN, buff=0.2)
        embed_parts = VGroup(*[self.stream.subspace_label(name) for name in ("token", "position")])
        self.beat(
            "Nothing was overwritten: the stream is the sum of every write.",
            *self.strip.change_to(total, "cross_fade", run_time=1.2),
            FadeIn(self.head_names, run_time=1.2),
            *[FadeOut(m) for m in self.leaving],
            LaggedStart(
                *[Indicate(part, color=TEXT_COLOR, scale_factor=1.1) for part in embed_parts], lag_ratio=0.3
            ),
            run_time=1.6,
        )
        assert np.allclose(
            self.stream.values,
            self.shown.cache["hook_embed"]
            + self.shown.cache["hook_pos_embed"]
            + sum(self.shown.cache[f"blocks.{layer}.hook_attn_out"] for layer in range(self.model.n_layers)),
        )

    def unembed(self) -> None:
        last = self.stream.n_pos - 1
        logits = self.shown.logits[last]
        vocab = self.model.vocab
        self.w_u_tile = MatrixTile("W_U", LOGIT_COLOR).move_to([5.7, 1.5, 0])
        logit_col = VectorColumn(logits, cell_height=0.32, cell_width=0.35, outline_color=LOGIT_COLOR)
        logit_col.move_to([5.45, -0.6, 0])
        names = VGroup(
            *[
                Text(tok, font_size=FONT_SIZE_LABEL, color=TEXT_COLOR).next_to(cell, RIGHT, buff=0.15)
                for tok, cell in zip(vocab, logit_col.cells)
            ]
        )
        self.beat(
            "Unembedding reads the last column: a score (logit) for every next token.",
            FadeOut(self.head_names),
            FadeIn(self.w_u_tile, run_time=0.6),
            read(self.stream.column(last), self.w_u_tile, logit_col, weight=self.model.W_U),
            FadeIn(names, run_time=1.4),
            run_time=2.2,
        )
        best, runner_up = self.shown.best, self.shown.runner_up
        box = SurroundingRectangle(VGroup(logit_col.cell(best), names[best]), buff=0.06, color=LOGIT_COLOR)
        readout = MathTex(
            rf"\text{{score}}(\text{{{vocab[best]}}}) = {format_value(logits[best])}",
            font_size=30,
            color=TEXT_COLOR,
        ).next_to(logit_col, DOWN, buff=0.25)
        readout.set_x(SAFE_FRAME.right - readout.width / 2)
        self.beat(
            f"{vocab[best]} scores {format_value(logits[best])}, every other token at most "
            f"{format_value(runner_up)}: the model predicts {vocab[best]}.",
            Create(box),
            FadeIn(readout),
            run_time=1.0,
            hold=1.0,
        )
        self.logit_group = VGroup(logit_col, names, box, readout)
