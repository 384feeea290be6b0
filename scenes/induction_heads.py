"""induction_heads: a previous-token head and an induction head continue repeated text.

Storyboard: two layers. The previous-token head (layer 0) writes "the token
before me was A" into each position; the induction head's key reads it
(K-composition), so at the second ``D`` it attends to ``urs``, copies it and
predicts ``urs``. Then the off-diagonal stripe in the induction head's
pattern on a repeated random sequence, beside the model's predictions.

Every cell, pattern and number is read from :func:`induction_model` runs.
"""

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    PI,
    RIGHT,
    UP,
    AnimationGroup,
    Create,
    CurvedArrow,
    DashedLine,
    FadeIn,
    FadeOut,
    LaggedStart,
    MathTex,
    ReplacementTransform,
    Square,
    Succession,
    SurroundingRectangle,
    Text,
    VGroup,
    Wait,
)

from circuit_clips.circuits import ov_matrix, softmax
from circuit_clips.kit import (
    FONT_SIZE_BODY,
    FONT_SIZE_LABEL,
    KEY_COLOR,
    LOGIT_COLOR,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    QUERY_COLOR,
    TEXT_COLOR,
    AttentionHeadBlock,
    AttentionPatternMap,
    ClipScene,
    ColorBar,
    EquationStrip,
    MatrixTile,
    ResidualStream,
    TokenRow,
    VectorColumn,
    VocabColumn,
    format_value,
    head_color,
    read,
    write,
)
from circuit_clips.model import ActivationCache, AttnOnlyTransformer
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

PREV_HEAD = (0, 0)  # layer 0 head 0: the previous-token head
IND_HEAD = (1, 0)  # layer 1 head 0: the induction head
PANEL_X = 4.75  # centre of the right-hand panel (patterns, logits)
SEED = 0  # the random repeated sequence's


# --- the numbers ------------------------------------------------------------------
def repeated_random_tokens(rng: np.random.Generator, d_vocab: int, n_ctx: int) -> np.ndarray:
    """A random sequence without repeats, then the same sequence again (fits in ``n_ctx``)."""
    half = min(n_ctx // 2, d_vocab)
    first = rng.choice(d_vocab, size=half, replace=False)
    return np.concatenate([first, first])


def next_token_report(model, tokens: np.ndarray) -> dict[str, np.ndarray]:
    """The model's guess at every position and how it scores against the real next token.

    Returns ``predicted`` (argmax token id per position), ``p_next`` (probability of
    the real next token, positions ``0..n-2``) and ``correct`` (guess == next token).
    """
    tokens = np.asarray(tokens)
    logits = model.run(tokens)
    targets = tokens[1:]
    predicted = logits.argmax(axis=-1)
    return {
        "predicted": predicted,
        "p_next": softmax(logits)[np.arange(len(targets)), targets],
        "correct": predicted[:-1] == targets,
    }


@dataclass(frozen=True)
class InductionHeadsNumbers:
    """The running example through the induction model, and a repeated random sequence."""

    model: AttnOnlyTransformer
    tokens: list[str]
    logits: np.ndarray
    cache: ActivationCache
    last: int  # the last position (the second D)
    target: int  # the position it attends to (urs)
    rand_tokens: np.ndarray  # a random half, then the same half again
    rand_str: list[str]
    report: dict[str, np.ndarray]  # next_token_report on rand_tokens


def numbers(seed: int = SEED) -> InductionHeadsNumbers:
    """Run the induction model on the running example and on a repeated random sequence drawn with ``seed``."""
    model = induction_model()
    tokens = list(RUNNING_EXAMPLE)
    logits, cache = model.run_with_cache(model.to_tokens(tokens))
    last = len(tokens) - 1
    rand_tokens = repeated_random_tokens(np.random.default_rng(seed), model.d_vocab, model.n_ctx)
    return InductionHeadsNumbers(
        model=model,
        tokens=tokens,
        logits=logits,
        cache=cache,
        last=last,
        target=int(np.argmax(cache["blocks.1.attn.hook_pattern"][0][last])),
        rand_tokens=rand_tokens,
        rand_str=model.to_str_tokens(rand_tokens),
        report=next_token_report(model, rand_tokens),
    )


class InductionHeads(ClipScene):
    title = "Induction heads"
    description = "Two heads in two layers continue repeated text: [A][B] ... [A] predicts [B]."
    pace_to_captions = True

    numbers = staticmethod(numbers)
    seed = SEED

    def story(self) -> None:
        # The running example
        self.ask()
        self.embed()
        # Layer 0: the previous-token head
        self.previous_token_pattern()
        self.previous_token_write()
        # Layer 1: the induction head, whose key reads what layer 0 wrote (K-composition)
        self.key_reads_previous_token()
        self.query_meets_key()
        self.attend_to_urs()
        self.copy_urs()
        self.predict()
        # Any repeated sequence: the stripe, and the predictions
        self.repeat_random_tokens()
        self.show_stripe()
        self.show_predictions()

    # --- helpers -----------------------------------------------------------------
    def above(self, pos: int, values: np.ndarray, color) -> VectorColumn:
        """A small (d_head) vector in the band between the stream and the head block."""
        return self.stream.vector_at(pos, values, color, y=self.band_y, cell_height=0.1, cell_width=0.28)

    def stream_equation(self, new: str, old: str, head_out: str, color) -> MathTex:
        """``new = old + head_out``, the head's output in its colour."""
        return self.strip.tex(new, "=", old, "+", head_out, colors={4: color})

    def block_cells(self, pos: int, name: str) -> VGroup:
        return self.stream.column(pos).cells_of(self.model.subspaces[name])

    def arc(self, src: int, dst: int, color) -> CurvedArrow:
        """An arrow under the token labels: information moves from ``src`` to ``dst``."""
        y = self.stream.token_labels.get_bottom()[1] - 0.12
        xs, xd = self.stream.column(src).get_x(), self.stream.column(dst).get_x()
        angle = PI / 2 if dst - src == 1 else PI / 3
        arrow = CurvedArrow([xs + 0.08, y, 0], [xd - 0.08, y, 0], angle=angle, color=color, tip_length=0.14)
        return arrow.set_stroke(width=3)

    # --- the running example --------------------------------------------------------
    def ask(self) -> None:
        self.token_row = TokenRow(self.shown.tokens + ["?"]).move_to(UP * 1.0)
        self.token_row.tile(len(self.shown.tokens)).set_opacity(0.6)
        self.beat(
            "Two layers, one attention head each. What comes after 'Mr D urs ley said Mr D'?",
            LaggedStart(*[FadeIn(tile, shift=0.2 * DOWN) for tile in self.token_row.tiles], lag_ratio=0.12),
            run_time=1.6,
            hold=1.0,
        )

    def embed(self) -> None:
        x0 = self.shown.cache["blocks.0.hook_resid_pre"]
        self.stream = ResidualStream(
            x0,
            self.shown.tokens,
            subspaces=self.model.subspaces,
            cell_height=0.085,
            cell_width=0.3,
            spacing=1.0,
        )
        self.stream.to_edge(LEFT, buff=0.3)
        self.stream.shift(UP * (0.85 - self.stream.columns[0].outline.get_top()[1]))
        self.band_y = 1.62  # the band between the stream and the head block
        self.legend = ColorBar(width=1.4).to_corner(UP + LEFT, buff=0.35)
        self.strip = EquationStrip(center=[PANEL_X, 3.35, 0])
        self.beat(
            "Each token becomes a column of the residual stream: token plus position, x_0 = W_E t + W_pos p.",
            *self.stream.enter_from(self.token_row, lag_ratio=0.08),
            FadeIn(self.legend),
            self.strip.show(self.strip.tex(r"x_0 = W_E\,t + W_{\mathrm{pos}}\,p")),
            run_time=2.2,
            hold=1.0,
        )

    # --- layer 0 ---------------------------------------------------------------------
    def previous_token_pattern(self) -> None:
        color = head_color(*PREV_HEAD)
        self.block = AttentionHeadBlock(*PREV_HEAD, name="layer 0: previous-token head", tile_width=0.7)
        self.block.move_to([self.stream.columns.get_x(), 3.02, 0])
        pattern = self.shown.cache["blocks.0.attn.hook_pattern"][0]
        self.pattern_map = AttentionPatternMap(
            pattern, self.shown.tokens, color=color, cell_size=0.4, col_labels_rotated=True
        )
        self.pattern_map.move_to([PANEL_X, -0.75, 0])
        self.arcs = VGroup(*[self.arc(i - 1, i, color) for i in range(1, len(self.shown.tokens))])
        steps_back = [i - int(np.argmax(pattern[i])) for i in range(1, len(self.shown.tokens))]
        assert set(steps_back) == {1}, "layer 0 should attend exactly one step back"
        self.beat(
            "Layer 0, a previous-token head: each position attends to the one before it.",
            FadeIn(self.block),
            FadeIn(self.pattern_map),
            LaggedStart(*[Create(a) for a in self.arcs], lag_ratio=0.15),
            run_time=2.0,
            hold=1.4,
        )

    def previous_token_write(self) -> None:
        color = head_color(*PREV_HEAD)
        pattern = self.shown.cache["blocks.0.attn.hook_pattern"][0]
        result = self.shown.cache["blocks.0.attn.hook_result"][:, 0]
        ov = ov_matrix(self.model, *PREV_HEAD)
        deltas = [self.stream.vector_at(p, result[p], color) for p in range(self.stream.n_pos)]
        # each output is the attended column read through W_O W_V (attention ~1: tolerance 1e-3)
        self.beat(
            "Its OV circuit copies that token into the 'previous token' block ...",
            *[
                read(
                    self.stream.column(int(np.argmax(pattern[p]))),
                    VGroup(self.block.w_v, self.block.w_o),
                    deltas[p],
                    weight=ov,
                    color=color,
                    atol=1e-3,
                )
                for p in range(self.stream.n_pos)
            ],
            run_time=2.4,
            hold=0.6,
        )
        urs_box = SurroundingRectangle(
            self.block_cells(self.shown.target, "previous token"), buff=0.04, color=color
        )
        before = self.shown.tokens[self.shown.target - 1]
        new_eq = self.stream_equation("x_1", "x_0", r"h^{0}(x_0)", color)
        self.beat(
            f"... and adds it to the stream. Now {self.shown.tokens[self.shown.target]}'s column says "
            f"'the token before me was {before}'.",
            *[
                write(d, self.stream.column(p), side=RIGHT, gap=0.2, run_time=2.4)
                for p, d in enumerate(deltas)
            ],
            *self.stream.light_subspace("previous token", color, run_time=1.0),
            Succession(Wait(2.4), Create(urs_box, run_time=0.6)),
            *self.strip.change_to(new_eq, "morph", run_time=1.2),
            hold=1.6,
        )
        assert np.allclose(self.stream.values, self.shown.cache["blocks.0.hook_resid_post"])
        self.play(
            FadeOut(urs_box), FadeOut(self.block), FadeOut(self.pattern_map), FadeOut(self.arcs), run_time=0.6
        )

    # --- layer 1 ---------------------------------------------------------------------
    def key_reads_previous_token(self) -> None:
        self.block = AttentionHeadBlock(*IND_HEAD, name="layer 1: induction head", tile_width=0.7)
        self.block.move_to([self.stream.columns.get_x(), 3.02, 0])
        q_box = SurroundingRectangle(self.block_cells(self.shown.last, "token"), buff=0.04, color=QUERY_COLOR)
        k_boxes = VGroup(
            *[
                SurroundingRectangle(self.block_cells(p, "previous token"), buff=0.04, color=KEY_COLOR)
                for p in range(self.stream.n_pos)
            ]
        )
        q_eq = MathTex(r"q_i = W_Q\,x_i", font_size=MATH_SIZE_LABEL, color=QUERY_COLOR)
        q_txt = Text("reads the current token", font_size=FONT_SIZE_LABEL, color=TEXT_COLOR)
        k_eq = MathTex(r"k_j = W_K\,x_j", font_size=MATH_SIZE_LABEL, color=KEY_COLOR)
        k_txt = Text(
            "reads 'previous token',\nwritten by layer 0",
            font_size=FONT_SIZE_LABEL,
            color=TEXT_COLOR,
            line_spacing=0.8,
        )
        rows = VGroup(
            VGroup(q_eq, q_txt).arrange(DOWN, buff=0.12), VGroup(k_eq, k_txt).arrange(DOWN, buff=0.12)
        )
        rows.arrange(DOWN, buff=0.45).move_to([PANEL_X, 1.0, 0])
        self.k_comp = Text("K-composition", font_size=FONT_SIZE_BODY, color=KEY_COLOR)
        self.k_comp.next_to(rows, DOWN, buff=0.45)
        self.beat(
            "Layer 1, the induction head: its query reads the current token (D), its key reads what "
            "layer 0 wrote. K-composition.",
            FadeIn(self.block),
            Create(q_box),
            LaggedStart(*[Create(b) for b in k_boxes], lag_ratio=0.1),
            FadeIn(rows),
            FadeIn(self.k_comp, shift=0.2 * UP),
            run_time=2.2,
            hold=1.6,
        )
        self.qk_notes = VGroup(rows, q_box, k_boxes)

    def query_meets_key(self) -> None:
        q = self.shown.cache["blocks.1.attn.hook_q"][:, 0]
        k = self.shown.cache["blocks.1.attn.hook_k"][:, 0]
        scores = self.shown.cache["blocks.1.attn.hook_attn_scores"][0, self.shown.last]
        q_vec = self.above(self.shown.last, q[self.shown.last], QUERY_COLOR).shift(RIGHT * 0.85)
        k_vecs = [self.above(p, k[p], KEY_COLOR) for p in range(self.stream.n_pos)]
        q_label = MathTex("q", font_size=MATH_SIZE_LABEL, color=QUERY_COLOR).next_to(q_vec, RIGHT, buff=0.15)
        k_label = MathTex("k_j", font_size=MATH_SIZE_LABEL, color=KEY_COLOR)
        k_label.move_to([self.stream.subspace_labels.get_x(), self.band_y, 0])
        self.play(FadeOut(self.qk_notes[0]), self.k_comp.animate.move_to([PANEL_X, 2.75, 0]), run_time=0.5)
        self.beat(
            "A key for every column, and a query for the last D.",
            read(
                self.stream.column(self.shown.last),
                self.block.w_q,
                q_vec,
                weight=self.model.W_Q[1, 0],
                color=QUERY_COLOR,
            ),
            *[
                read(
                    self.stream.column(p),
                    self.block.w_k,
                    k_vecs[p],
                    weight=self.model.W_K[1, 0],
                    color=KEY_COLOR,
                )
                for p in range(self.stream.n_pos)
            ],
            FadeOut(self.qk_notes[1:]),
            FadeIn(q_label),
            FadeIn(k_label),
            run_time=2.4,
            hold=0.6,
        )
        # the query's one lit cell, and the key that lights the same cell
        dim = int(np.argmax(np.abs(q[self.shown.last])))
        match = int(np.argmax(k[:, dim]))
        assert match == self.shown.target
        y = q_vec.cell(dim).get_y()
        line = DashedLine(
            [k_vecs[0].get_left()[0] - 0.1, y, 0], [q_vec.get_right()[0] + 0.05, y, 0], dash_length=0.08
        ).set_stroke(QUERY_COLOR, width=2, opacity=0.8)
        hits = VGroup(
            SurroundingRectangle(q_vec.cell(dim), buff=0.03, color=QUERY_COLOR, stroke_width=3),
            SurroundingRectangle(k_vecs[match].cell(dim), buff=0.03, color=KEY_COLOR, stroke_width=3),
        )
        last = self.shown.tokens[self.shown.last]
        self.beat(
            f"Only {self.shown.tokens[match]}'s key lights the query's cell: 'the token before me was {last}' "
            f"matches 'I am {last}'.",
            Create(line),
            Create(hits),
            run_time=1.2,
            hold=1.4,
        )
        assert np.allclose(
            q_vec.values @ np.stack([v.values for v in k_vecs]).T / self.model.attn_scale, scores
        )
        score_txt = VGroup(
            *[
                Text(format_value(s, 0), font_size=FONT_SIZE_BODY, color=TEXT_COLOR).move_to(
                    [vec.get_x(), self.band_y, 0]
                )
                for s, vec in zip(scores, k_vecs)
            ]
        )
        score_eq = MathTex(
            r"\mathrm{score}_j = \frac{q \cdot k_j}{\sqrt{d_{\mathrm{head}}}}", font_size=MATH_SIZE_LABEL
        )
        score_eq.move_to([PANEL_X, 1.9, 0])
        others = np.delete(scores, self.shown.target)
        self.beat(
            f"Scores: {format_value(scores[self.shown.target], 0)} for {self.shown.tokens[self.shown.target]}, "
            f"{format_value(others.max(), 0)} or less everywhere else.",
            *[ReplacementTransform(vec, txt) for vec, txt in zip(k_vecs, score_txt)],
            FadeOut(q_vec),
            FadeOut(VGroup(q_label, k_label, line, hits)),
            FadeIn(score_eq),
            run_time=1.6,
            hold=1.2,
        )
        self.score_txt, self.score_eq = score_txt, score_eq

    def attend_to_urs(self) -> None:
        color = head_color(*IND_HEAD)
        pattern = self.shown.cache["blocks.1.attn.hook_pattern"][0]
        self.pattern_map = AttentionPatternMap(
            pattern, self.shown.tokens, color=color, cell_size=0.4, col_labels_rotated=True
        )
        self.pattern_map.move_to([PANEL_X, -0.75, 0])
        row_box = SurroundingRectangle(
            self.pattern_map.row(self.shown.last), buff=0.02, color=TEXT_COLOR, stroke_width=3
        )
        self.ind_arc = self.arc(self.shown.target, self.shown.last, color)
        softmax_eq = MathTex(r"A = \mathrm{softmax}(\mathrm{score})", font_size=MATH_SIZE_LABEL)
        softmax_eq.move_to(self.score_eq)
        weight = pattern[self.shown.last, self.shown.target]
        self.beat(
            f"After the softmax, the last D puts {weight:.2f} of its attention on {self.shown.tokens[self.shown.target]}.",
            ReplacementTransform(self.score_eq, softmax_eq),
            FadeOut(self.k_comp),
            FadeIn(self.pattern_map),
            Create(self.ind_arc),
            Succession(Wait(1.0), Create(row_box, run_time=0.6)),
            run_time=1.6,
            hold=0.8,
        )
        self.beat(
            "Its whole pattern: each token looks for the token after an earlier copy of itself.",
            FadeOut(row_box),
            FadeOut(self.score_txt),
            run_time=0.6,
            hold=1.0,
        )
        self.play(FadeOut(self.pattern_map), FadeOut(softmax_eq), run_time=0.5)

    def copy_urs(self) -> None:
        color = head_color(*IND_HEAD)
        result = self.shown.cache["blocks.1.attn.hook_result"][self.shown.last, 0]
        delta = self.stream.vector_at(self.shown.last, result, color)
        self.beat(
            f"Its OV circuit copies what it attends to: {self.shown.tokens[self.shown.target]} ...",
            read(
                self.stream.column(self.shown.target),
                VGroup(self.block.w_v, self.block.w_o),
                delta,
                weight=ov_matrix(self.model, *IND_HEAD),
                color=color,
                atol=1e-3,
            ),
            run_time=2.2,
            hold=0.4,
        )
        new_eq = self.stream_equation("x_2", "x_1", r"h^{1}(x_1)", color)
        self.beat(
            "... is added into the last position's 'output' block.",
            write(delta, self.stream.column(self.shown.last), side=RIGHT, gap=0.2, run_time=2.0),
            *self.strip.change_to(new_eq, "morph", run_time=1.2),
            *self.stream.light_subspace("output", color, run_time=1.0),
            hold=0.6,
        )
        assert np.allclose(
            self.stream.column(self.shown.last).values, self.shown.cache["hook_resid_final"][self.shown.last]
        )

    def predict(self) -> None:
        logits = self.shown.logits[self.shown.last]
        best = int(np.argmax(logits))
        other = np.delete(logits, best).max()
        vocab = self.model.vocab
        self.w_u = MatrixTile("W_U", LOGIT_COLOR).move_to([3.1, -0.7, 0])
        logit_col = VocabColumn(
            logits, vocab, readout=[best], cell_height=0.4, cell_width=0.4, outline_color=LOGIT_COLOR
        )
        logit_col.move_to([5.1, -0.7, 0])
        title = Text("logits at the last D", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR)
        title.next_to(logit_col, UP, buff=0.25)
        box = SurroundingRectangle(logit_col.row(best), buff=0.03, color=LOGIT_COLOR)
        logits_eq = self.strip.tex(r"\mathrm{logits} = W_U\,x_2")
        self.beat(
            f"W_U turns it into logits: {vocab[best]} {logits[best]:.2f}, all others {format_value(other)} "
            f"or less. It predicts {vocab[best]}.",
            FadeIn(self.w_u, run_time=0.6),
            *self.strip.change_to(logits_eq, "morph", run_time=1.2),
            read(
                self.stream.column(self.shown.last),
                self.w_u,
                logit_col.column,
                weight=self.model.W_U,
                run_time=2.0,
            ),
            FadeIn(logit_col.names, run_time=1.4),
            FadeIn(title, run_time=1.4),
            Succession(
                Wait(2.0), AnimationGroup(FadeIn(logit_col.readouts[best]), Create(box), run_time=0.8)
            ),
            hold=1.4,
        )

    # --- any repeated sequence ---------------------------------------------------------
    def repeat_random_tokens(self) -> None:
        half = len(self.shown.rand_tokens) // 2
        row = TokenRow(self.shown.rand_str, font_size=FONT_SIZE_LABEL + 2, min_width=0.55).move_to(UP * 0.6)
        for tile in row.tiles[half:]:
            tile[0].set_stroke(head_color(*IND_HEAD)).set_fill(head_color(*IND_HEAD), opacity=0.12)
        first = Text(f"{half} random tokens", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR)
        first.next_to(VGroup(*row.tiles[:half]), DOWN, buff=0.25)
        again = Text("the same again", font_size=FONT_SIZE_LABEL, color=head_color(*IND_HEAD))
        again.next_to(VGroup(*row.tiles[half:]), DOWN, buff=0.25)
        self.rand_row = VGroup(row, first, again)
        self.play(self.clear_stage(), run_time=0.8)
        self.beat(
            f"Does it work for any tokens? {half} random tokens, then the same {half} again.",
            LaggedStart(*[FadeIn(tile, shift=0.2 * DOWN) for tile in row.tiles], lag_ratio=0.08),
            FadeIn(first),
            FadeIn(again),
            run_time=1.8,
            hold=0.8,
        )

    def show_stripe(self) -> None:
        color = head_color(*IND_HEAD)
        _, cache = self.model.run_with_cache(self.shown.rand_tokens)
        pattern = cache["blocks.1.attn.hook_pattern"][0]
        self.stripe_map = AttentionPatternMap(
            pattern, self.shown.rand_str, color=color, cell_size=0.4, col_labels_rotated=True
        )
        self.stripe_map.move_to([-3.85, -0.15, 0])
        half = len(self.shown.rand_tokens) // 2
        stripe_cells = [(i, i - half + 1) for i in range(half, len(self.shown.rand_tokens))]
        assert all(pattern[i, j] > 0.99 for i, j in stripe_cells)
        self.stripe = VGroup(
            *[
                Square(side_length=0.4).set_stroke(TEXT_COLOR, width=3).move_to(self.stripe_map.cell(i, j))
                for i, j in stripe_cells
            ]
        )
        self.head_title = Text("induction head (layer 1)", font_size=FONT_SIZE_LABEL, color=color)
        self.head_title.next_to(self.stripe_map.outline, DOWN, buff=0.2).match_x(self.stripe_map.cells)
        self.beat(
            "The induction head's pattern: after the repeat, each token attends just after its earlier copy. "
            "An off-diagonal stripe.",
            FadeOut(self.rand_row, run_time=0.8),
            FadeIn(self.stripe_map, run_time=1.2),
            FadeIn(self.head_title, run_time=1.2),
            Succession(
                Wait(1.4), LaggedStart(*[Create(s) for s in self.stripe], lag_ratio=0.2, run_time=1.6)
            ),
            hold=1.0,
        )

    def show_predictions(self) -> None:
        report = self.shown.report
        n = len(self.shown.rand_tokens)
        half = n // 2
        vocab = self.model.vocab
        grid = self.stripe_map
        x_next, x_guess, x_p = 0.1, 1.55, 2.85
        rows = VGroup()
        for i in range(n - 1):
            y = grid.cell(i, 0).get_y()
            nxt = Text(self.shown.rand_str[i + 1], font_size=FONT_SIZE_LABEL, color=TEXT_COLOR).move_to(
                [x_next, y, 0]
            )
            guess = Text(
                vocab[report["predicted"][i]],
                font_size=FONT_SIZE_LABEL,
                color=TEXT_COLOR if report["correct"][i] else MUTED_TEXT_COLOR,
            ).move_to([x_guess, y, 0])
            rows.add(VGroup(nxt, guess))
        p_col = VectorColumn(
            report["p_next"], cell_height=grid.cell_height, cell_width=0.4, outline_color=LOGIT_COLOR
        )
        p_col.shift(grid.cell(0, 0).get_top() - p_col.cells[0].get_top()).set_x(x_p)
        heads = VGroup(
            Text("next", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR).move_to([x_next, 0, 0]),
            Text("guess", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR).move_to([x_guess, 0, 0]),
            MathTex(r"P(\text{next})", font_size=MATH_SIZE_LABEL, color=MUTED_TEXT_COLOR).move_to(
                [x_p, 0, 0]
            ),
        )
        for head in heads:
            head.align_to(grid.cells.get_top() + 0.2 * UP, DOWN)
        first_right = int(report["correct"][:half].sum())
        second_right = int(report["correct"][half:].sum())
        second_n = len(report["correct"][half:])
        p_floor = np.floor(report["p_next"][half:].min() * 1000) / 1000  # "at least", so round down
        tally = VGroup(
            Text(
                f"first half\n{first_right} / {half} right",
                font_size=FONT_SIZE_LABEL,
                color=MUTED_TEXT_COLOR,
                line_spacing=0.8,
            ).move_to([5.3, VGroup(*grid.column(0)[:half]).get_y(), 0]),
            Text(
                f"second half\n{second_right} / {second_n} right",
                font_size=FONT_SIZE_LABEL,
                color=TEXT_COLOR,
                line_spacing=0.8,
            ).move_to([5.3, VGroup(*grid.column(0)[half : n - 1]).get_y(), 0]),
        )
        self.beat(
            f"Guesses: {first_right} of {half} right before the repeat, {second_right} of {second_n} after it, "
            f"each with probability {p_floor:.3f} or more.",
            FadeIn(heads),
            LaggedStart(*[FadeIn(r) for r in rows], lag_ratio=0.08),
            FadeIn(p_col),
            FadeIn(tally),
            run_time=2.4,
            hold=1.0,
        )

    def summary(self) -> None:
        rule = MathTex(r"[A]\,[B]\,\dots\,[A] \;\to\; [B]", font_size=MATH_SIZE_BODY, color=TEXT_COLOR)
        chain = Text(
            "previous-token head  +  induction head\n(its key reads layer 0: K-composition)",
            font_size=FONT_SIZE_LABEL,
            color=MUTED_TEXT_COLOR,
            line_spacing=0.8,
        )
        card = VGroup(rule, chain).arrange(DOWN, buff=0.2)
        card.move_to([2.9, 0, 0]).align_to(UP * 3.7, UP)
        self.end_on_summary(
            "Previous-token head + induction head, composed through the key: [A][B] ... [A] predicts [B].",
            FadeIn(card),
            run_time=1.2,
        )
