"""residual_stream: layers read from the stream and add their output back.

Storyboard: tokens become vectors (``x_0 = W_E t`` plus position), one column
per position; each layer reads with a linear map and writes by adding,
``x_{i+1} = x_i + sum_h h(x_i)``; nothing is overwritten; the final stream is
the embedding plus every layer's output and ``W_U`` turns it into logits.
The induction model runs on the running example layer by layer; every cell
is a value from its cache.
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
    Indicate,
    LaggedStart,
    MathTex,
    ReplacementTransform,
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


@dataclass(frozen=True)
class ResidualStreamNumbers:
    """The induction model's forward pass on the running example, and its prediction at the end."""

    model: AttnOnlyTransformer
    tokens: list[str]
    logits: np.ndarray  # [pos, d_vocab]
    cache: ActivationCache
    best: int  # the predicted token (argmax of the last position's logits)
    runner_up: float  # the highest logit of any other token


def numbers() -> ResidualStreamNumbers:
    """Run the induction model on the running example (every cell on screen comes from this cache)."""
    model = induction_model()
    tokens = list(RUNNING_EXAMPLE)
    logits, cache = model.run_with_cache(model.to_tokens(tokens))
    best = int(np.argmax(logits[-1]))
    return ResidualStreamNumbers(
        model=model,
        tokens=tokens,
        logits=logits,
        cache=cache,
        best=best,
        runner_up=float(np.max(np.delete(logits[-1], best))),
    )


class ResidualStream(ClipScene):
    title = "The residual stream"
    description = "Every layer reads from the stream with a linear map and adds its output back."

    numbers = staticmethod(numbers)

    def story(self) -> None:
        self.show_tokens()
        self.embed_tokens()
        self.add_positions()
        for layer in range(self.model.n_layers):
            self.run_layer(layer)
        self.nothing_overwritten()
        self.unembed()

    def summary(self) -> None:
        self.end_on_summary(
            "Embedding plus every layer's output; W_U reads the sum.",
            FadeOut(self.w_u_tile),
            FadeIn(MathTex(r"\mathrm{logits} = W_U\,x_2", font_size=34).move_to(self.w_u_tile)),
            FadeIn(
                Text("read with linear maps, write by adding", font_size=26, color=MUTED_TEXT_COLOR).next_to(
                    self.strip.current, DOWN, buff=0.35
                )
            ),
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
            f"{len(self.shown.tokens)} tokens. What comes after the last {self.shown.tokens[-1]}?",
            LaggedStart(*[FadeIn(tile, shift=0.2 * DOWN) for tile in self.token_row.tiles], lag_ratio=0.15),
            run_time=1.5,
            hold=1.0,
        )

    def embed_tokens(self) -> None:
        cache = self.shown.cache
        self.stream = StreamMob(
            cache["hook_embed"], self.shown.tokens, subspaces=self.model.subspaces,
            cell_height=0.085, cell_width=0.3, spacing=1.25,
        )  # fmt: skip
        self.stream.to_edge(LEFT, buff=0.3)
        self.stream.shift(UP * (-0.05 - self.stream.columns[0].get_top()[1]))
        self.band_y = 0.5  # the band between the stream and the head block

        self.legend = ColorBar(width=1.4).to_corner(UP + LEFT, buff=0.35)
        self.strip = EquationStrip(top_buff=0.35, x=2.5)
        self.beat(
            "Each token becomes a vector: W_E t, a one-hot of the token.",
            *self.stream.enter_from(self.token_row, lag_ratio=0.1),
            FadeIn(self.legend),
            self.strip.show(self.strip.tex(r"x_0", "=", r"W_E\,t")),
            run_time=2.2,
            hold=1.2,
        )

    def add_positions(self) -> None:
        pos_embed = self.shown.cache["hook_pos_embed"]
        pos_vecs = [
            self.above(p, pos_embed[p], cell_height=0.025, color=MUTED_TEXT_COLOR)
            for p in range(self.stream.n_pos)
        ]
        self.beat(
            "Each position has a vector too: W_pos p.",
            LaggedStart(*[FadeIn(v, shift=0.2 * DOWN) for v in pos_vecs], lag_ratio=0.08),
            run_time=1.2,
            hold=1.2,
        )
        new_equation = self.strip.tex(r"x_0", "=", r"W_E\,t", "+", r"W_{\mathrm{pos}}\,p")
        self.beat(
            "Added together: x_0, the residual stream. One column per position.",
            *[write(v, col, side=RIGHT, gap=0.3) for v, col in zip(pos_vecs, self.stream.columns)],
            *self.strip.change_to(new_equation, "match"),
            run_time=2.4,
            hold=1.2,
        )
        assert np.allclose(self.stream.values, self.shown.cache["blocks.0.hook_resid_pre"])

    def run_layer(self, layer: int) -> None:
        """One layer (one head): read through W_V, move between positions, read through W_O, add."""
        cache, n_pos = self.shown.cache, self.stream.n_pos
        color = head_color(layer, 0)
        pace = 1.0 if layer == 0 else 0.7
        block = AttentionHeadBlock(layer, 0, name=f"layer {layer}: {HEAD_NAMES[layer]}", tile_width=0.7)
        block.move_to([self.stream.columns.get_x(), 1.95, 0])
        if layer == 0:
            self.beat(
                "A layer reads the stream and adds its output back.",
                FadeIn(block),
                *self.strip.change_to(self.strip.tex(r"x_{i+1} = x_i + \sum_h h(x_i)"), "morph"),
                run_time=1.2,
                hold=1.5,
            )
        else:
            self.beat(
                f"Layer {layer}: another head.",
                *[FadeOut(m) for m in self.leaving],
                FadeIn(block),
                run_time=1.0,
                hold=0.5,
            )

        # Read: every column passes through W_V
        v = cache[f"blocks.{layer}.attn.hook_v"][:, 0]
        v_vecs = [self.above(p, v[p], cell_height=0.06, color=VALUE_COLOR) for p in range(n_pos)]
        w_v = self.model.W_V[layer, 0]
        v_label = self.band_label(r"v_j = W_V\,x_j")
        self.beat(
            "Reading: each column passes through a linear map, W_V."
            if layer == 0
            else "It reads through W_V too.",
            *[
                read(self.stream.column(p), block.w_v, v_vecs[p], weight=w_v, color=color)
                for p in range(n_pos)
            ],
            FadeIn(v_label),
            run_time=2.2 * pace,
            hold=0.6 * pace,
        )

        # Move: attention mixes positions (the pattern is the model's)
        pattern = cache[f"blocks.{layer}.attn.hook_pattern"][0]
        z = cache[f"blocks.{layer}.attn.hook_z"][:, 0]
        z_vecs = [self.above(p, z[p], cell_height=0.06, color=color) for p in range(n_pos)]
        if layer == 0:
            assert all(np.argmax(pattern[i]) == max(i - 1, 0) for i in range(n_pos))
            move_caption = "Attention moves vectors between positions: here, from the previous one."
        else:
            last, src = n_pos - 1, int(np.argmax(pattern[n_pos - 1]))
            assert self.shown.tokens[src - 1] == self.shown.tokens[last]
            move_caption = f"The last {self.shown.tokens[last]} fetches the token after the first {self.shown.tokens[last]}: {self.shown.tokens[src]}."
        self.beat(
            move_caption,
            *[merge(v_vecs, pattern[i], z_vecs[i], run_time=2.6) for i in range(n_pos)],
            *[FadeOut(vec, run_time=1.2) for vec in v_vecs],
            ReplacementTransform(v_label, z_label := self.band_label(r"r_i = \sum_j A_{ij}\,v_j")),
            hold=1.1,
        )

        # Read through W_O: back to the stream's size
        result = cache[f"blocks.{layer}.attn.hook_result"][:, 0]
        deltas = [self.above(p, result[p], cell_height=0.025, color=color) for p in range(n_pos)]
        self.beat(
            "W_O maps each result back to the stream's size." if layer == 0 else "W_O maps it back.",
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
            ReplacementTransform(z_label, h_label := self.band_label(r"h(x)_i = W_O\,r_i")),
            run_time=2.0 * pace,
            hold=0.5,
        )

        # Write: added, never overwritten
        self.beat(
            f"Writing adds: x + h(x). Layer {layer} fills '{WRITES_INTO[layer]}'.",
            *[write(deltas[p], self.stream.column(p), side=RIGHT, gap=0.3) for p in range(n_pos)],
            *self.stream.light_subspace(WRITES_INTO[layer], color),
            run_time=2.4 * pace,
            hold=1.0,
        )
        assert np.allclose(self.stream.values, cache[f"blocks.{layer}.hook_resid_post"])
        self.leaving = [block, h_label]  # faded out by the next beat

    def nothing_overwritten(self) -> None:
        total = self.strip.tex(
            r"x_2",
            "=",
            r"x_0",
            "+",
            r"h^{0}(x_0)",
            "+",
            r"h^{1}(x_1)",
            colors={4: head_color(0, 0), 6: head_color(1, 0)},
        )
        embed_parts = VGroup(*[self.stream.subspace_label(name) for name in ("token", "position")])
        self.beat(
            "Nothing was overwritten. The stream is the sum of all writes.",
            *self.strip.change_to(total, "morph"),
            *[FadeOut(m) for m in self.leaving],
            LaggedStart(
                *[Indicate(part, color=TEXT_COLOR, scale_factor=1.1) for part in embed_parts], lag_ratio=0.3
            ),
            run_time=1.6,
            hold=1.8,
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
        self.w_u_tile = MatrixTile("W_U", LOGIT_COLOR).move_to([5.55, 0.7, 0])
        logit_col = VectorColumn(logits, cell_height=0.38, cell_width=0.35, outline_color=LOGIT_COLOR)
        logit_col.move_to([5.3, -1.55, 0])
        names = VGroup(
            *[
                Text(tok, font_size=FONT_SIZE_LABEL, color=TEXT_COLOR).next_to(cell, RIGHT, buff=0.15)
                for tok, cell in zip(vocab, logit_col.cells)
            ]
        )
        self.beat(
            "W_U reads the last column: one logit per token.",
            FadeIn(self.w_u_tile, run_time=0.6),
            read(self.stream.column(last), self.w_u_tile, logit_col, weight=self.model.W_U),
            FadeIn(names, run_time=1.4),
            run_time=2.2,
            hold=0.4,
        )
        best, runner_up = self.shown.best, self.shown.runner_up
        box = SurroundingRectangle(VGroup(logit_col.cell(best), names[best]), buff=0.06, color=LOGIT_COLOR)
        readout = MathTex(
            rf"\text{{logit}}(\text{{{vocab[best]}}}) = {logits[best]:.2f}", font_size=30, color=TEXT_COLOR
        ).next_to(logit_col, DOWN, buff=0.3)
        readout.set_x(min(readout.get_x(), SAFE_FRAME.right - readout.width / 2))
        self.beat(
            f"{vocab[best]} scores {logits[best]:.2f}, every other token at most {runner_up:.2f}: "
            f"the model predicts {vocab[best]}.",
            Create(box),
            FadeIn(readout),
            run_time=1.0,
            hold=2.8,
        )
        self.logit_group = VGroup(logit_col, names, box, readout)
