"""induction_heads: a previous-token head and an induction head continue repeated text.

Storyboard: two layers. The previous-token head (layer 0) writes "the token
before me was A" into each position; the induction head's key reads it
(K-composition), so at the second ``D`` it attends to ``urs``, copies it and
predicts ``urs``. Then the off-diagonal stripe in the induction head's
pattern on a repeated random sequence, beside the model's predictions.

The model has a start token (``induction_model(bos=True)``): a token with no
earlier copy rests there and writes nothing, so before the repeat the model
guesses nothing (shown as "none").

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
    Indicate,
    LaggedStart,
    MathTex,
    Square,
    Succession,
    SurroundingRectangle,
    Text,
    VGroup,
    Wait,
)

from circuit_clips.circuits import head_name, ov_matrix, softmax
from circuit_clips.kit import (
    FONT_SIZE_BODY,
    FONT_SIZE_LABEL,
    KEY_COLOR,
    LOGIT_COLOR,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    QUERY_COLOR,
    SAFE_FRAME,
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
PANEL_X = 4.5  # centre of the right-hand panel (patterns, logits)
SEED = 0  # the random repeated sequence's
NO_GUESS = -1  # next_token_report's "predicts no particular token"
GUESS_LOGIT = 1.0  # a top logit below this is no guess (a copied token scores LOGIT_GAIN = 10)


# --- the numbers ------------------------------------------------------------------
def repeated_random_tokens(rng: np.random.Generator, model: AttnOnlyTransformer) -> np.ndarray:
    """The start token, a random run of distinct words, then the same run again (fits in ``n_ctx``)."""
    words = [w for w in model.vocab if w != model.bos_token]
    half = min((model.n_ctx - 1) // 2, len(words))
    first = [words[k] for k in rng.choice(len(words), size=half, replace=False)]
    return model.to_tokens(first + first)


def next_token_report(model, tokens: np.ndarray) -> dict[str, np.ndarray]:
    """The model's guess at every position and how it scores against the real next token.

    Returns ``predicted`` (the top token id per position, or ``NO_GUESS`` where every
    logit is below :data:`GUESS_LOGIT`: the head rested on the start token and wrote
    nothing), ``p_next`` (probability of the real next token, positions ``0..n-2``) and
    ``correct`` (guess == next token).
    """
    tokens = np.asarray(tokens)
    logits = model.run(tokens)
    targets = tokens[1:]
    predicted = np.where(logits.max(axis=-1) >= GUESS_LOGIT, logits.argmax(axis=-1), NO_GUESS)
    return {
        "predicted": predicted,
        "p_next": softmax(logits)[np.arange(len(targets)), targets],
        "correct": predicted[:-1] == targets,
    }


@dataclass(frozen=True)
class InductionHeadsNumbers:
    """The running example through the induction model, and a repeated random sequence."""

    model: AttnOnlyTransformer
    tokens: list[str]  # the start token, then the running example
    logits: np.ndarray
    cache: ActivationCache
    last: int  # the last position (the second D)
    target: int  # the position it attends to (urs)
    scores: np.ndarray  # the induction head's scores at the last D, q.k / sqrt(d_head)
    rand_tokens: np.ndarray  # the start token, a random run, then the same run again
    rand_str: list[str]
    rand_pattern: np.ndarray  # the induction head's pattern on rand_tokens
    report: dict[str, np.ndarray]  # next_token_report on rand_tokens


def numbers(seed: int = SEED) -> InductionHeadsNumbers:
    """Run the induction model on the running example and on a repeated random sequence drawn with ``seed``."""
    model = induction_model(bos=True)
    ids = model.to_tokens(list(RUNNING_EXAMPLE))
    logits, cache = model.run_with_cache(ids)
    last = len(ids) - 1
    rand_tokens = repeated_random_tokens(np.random.default_rng(seed), model)
    _, rand_cache = model.run_with_cache(rand_tokens)
    return InductionHeadsNumbers(
        model=model,
        tokens=model.to_str_tokens(ids),
        logits=logits,
        cache=cache,
        last=last,
        target=int(np.argmax(cache["blocks.1.attn.hook_pattern"][0][last])),
        scores=cache["blocks.1.attn.hook_attn_scores"][0, last],
        rand_tokens=rand_tokens,
        rand_str=model.to_str_tokens(rand_tokens),
        rand_pattern=rand_cache["blocks.1.attn.hook_pattern"][0],
        report=next_token_report(model, rand_tokens),
    )


class InductionHeads(ClipScene):
    title = "Induction heads"
    description = r"Two heads in two layers continue repeated text: $[A]\,[B] \dots [A] \to [B]$."
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    numbers = staticmethod(numbers)
    seed = SEED

    def story(self) -> None:
        # The running example, with its start token
        self.ask()
        self.embed()
        self.start_token()
        # Layer 0: the previous-token head
        self.previous_token_pattern()
        self.previous_token_write()
        # Layer 1: the induction head, whose key reads what layer 0 wrote (K-composition)
        self.query_reads_token()
        self.key_reads_previous_token()
        self.query_meets_key()
        self.attend_to_urs()
        self.rest_on_start_token()
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

    def stream_equation(self, new: str, old: str, head: str, color) -> MathTex:
        """``X_new = X_old + h^head(X_old)``, the head's output in its colour."""
        return self.strip.tex(
            f"X_{new}", "=", f"X_{old}", "+", rf"h^{{\mathrm{{{head}}}}}(X_{old})", colors={4: color}
        )

    def strip_note(self, *lines: str) -> VGroup:
        """Muted lines under the running equation, at the right edge, saying what its symbols are."""
        self.eq_note = VGroup(
            *[MathTex(line, font_size=MATH_SIZE_LABEL - 2, color=MUTED_TEXT_COLOR) for line in lines]
        )
        self.eq_note.arrange(DOWN, aligned_edge=RIGHT, buff=0.1).next_to(self.strip.current, DOWN, buff=0.15)
        return self.eq_note.shift(RIGHT * (SAFE_FRAME.right - 0.1 - self.eq_note.get_right()[0]))

    def block_cells(self, pos: int, name: str) -> VGroup:
        return self.stream.column(pos).cells_of(self.model.subspaces[name])

    def arc(self, src: int, dst: int, color) -> CurvedArrow:
        """An arrow over the columns, under the head block: information moves from ``src`` to ``dst``."""
        y = self.stream.columns.get_top()[1] + 0.1
        xs, xd = self.stream.column(src).get_x(), self.stream.column(dst).get_x()
        angle = -PI / 2 if dst - src == 1 else -PI / 4
        arrow = CurvedArrow([xs + 0.08, y, 0], [xd - 0.08, y, 0], angle=angle, color=color, tip_length=0.14)
        return arrow.set_stroke(width=3)

    def head_block(self, head: tuple[int, int], role: str) -> AttentionHeadBlock:
        block = AttentionHeadBlock(*head, name=f"{head_name(*head)}: {role}", tile_width=0.7)
        return block.move_to([self.stream.columns.get_x(), 3.0, 0])

    def pattern_panel(self, pattern: np.ndarray, color) -> AttentionPatternMap:
        grid = AttentionPatternMap(
            pattern, self.shown.tokens, color=color, cell_size=0.36, col_labels_rotated=True
        )
        return grid.move_to([PANEL_X, -0.45, 0])

    # --- the running example --------------------------------------------------------
    def ask(self) -> None:
        self.token_row = TokenRow(self.shown.tokens + ["?"]).move_to(UP * 1.0)
        self.token_row.tile(0).set_opacity(0.6)
        self.token_row.tile(len(self.shown.tokens)).set_opacity(0.6)
        words = " ".join(self.shown.tokens[1:])
        self.beat(
            f"Two layers, one head each. What follows '{words}'?",
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
            cell_height=0.072,
            cell_width=0.3,
            spacing=0.88,
        )
        self.stream.to_edge(LEFT, buff=0.3)
        self.stream.shift(UP * (0.95 - self.stream.columns[0].outline.get_top()[1]))
        self.band_y = 1.75  # the band between the stream and the head block
        self.legend = ColorBar(width=2.2).to_corner(UP + LEFT, buff=0.3)
        self.strip = EquationStrip(center=[PANEL_X, 3.4, 0])
        self.beat(
            "Token plus position: one column of the residual stream, which every layer reads and adds to.",
            *self.stream.enter_from(self.token_row, lag_ratio=0.08),
            FadeIn(self.legend),
            self.strip.show(self.strip.tex(r"x_i = W_E\,t_i + W_{\mathrm{pos}}\,p_i")),
            Succession(
                Wait(1.2),
                FadeIn(
                    self.strip_note(
                        r"t_i,\ p_i:\ \text{the token, its position}",
                        r"W_E,\ W_{\mathrm{pos}}:\ \text{embeddings}",
                    ),
                    run_time=0.6,
                ),
            ),
            run_time=2.2,
            hold=1.0,
        )

    def start_token(self) -> None:
        box = SurroundingRectangle(self.stream.column(0), buff=0.06, color=TEXT_COLOR)
        self.beat(
            "Column 0 is a start token, where a head with nothing to find rests.",
            Create(box),
            run_time=0.8,
            hold=0.8,
        )
        self.play(FadeOut(box), run_time=0.4)

    # --- layer 0 ---------------------------------------------------------------------
    def previous_token_pattern(self) -> None:
        color = head_color(*PREV_HEAD)
        self.block = self.head_block(PREV_HEAD, "layer 0's head")
        pattern = self.shown.cache["blocks.0.attn.hook_pattern"][0]
        self.pattern_map = self.pattern_panel(pattern, color)
        self.arcs = VGroup(*[self.arc(i - 1, i, color) for i in range(2, len(self.shown.tokens))])
        steps_back = [i - int(np.argmax(pattern[i])) for i in range(1, len(self.shown.tokens))]
        assert set(steps_back) == {1}, "layer 0 should attend exactly one step back"
        self.play(self.strip.hide(), FadeOut(self.eq_note), run_time=0.4)
        self.beat(
            "Layer 0's head L0H0 is a previous-token head: each token attends to the one before.",
            FadeIn(self.block),
            FadeIn(self.pattern_map),
            LaggedStart(*[Create(a) for a in self.arcs], lag_ratio=0.15),
            run_time=2.0,
            hold=1.0,
        )

    def previous_token_write(self) -> None:
        color = head_color(*PREV_HEAD)
        pattern = self.shown.cache["blocks.0.attn.hook_pattern"][0]
        result = self.shown.cache["blocks.0.attn.hook_result"][:, 0]
        ov = ov_matrix(self.model, *PREV_HEAD)
        deltas = [self.stream.vector_at(p, result[p], color) for p in range(self.stream.n_pos)]
        self.play(FadeOut(self.arcs), run_time=0.4)
        # each output is the attended column read through W_O W_V (attention ~1: tolerance 1e-3)
        self.beat(
            "It copies that token into the 'previous token' block ...",
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
        new_eq = self.stream_equation("1", "0", head_name(*PREV_HEAD), color)
        self.beat(
            f"... adding, not replacing. Now {self.shown.tokens[self.shown.target]}'s column "
            f"says '{before} came before me'.",
            *[
                write(d, self.stream.column(p), side=RIGHT, gap=0.15, run_time=2.4)
                for p, d in enumerate(deltas)
            ],
            *self.stream.light_subspace("previous token", color, run_time=1.0),
            Succession(Wait(2.4), Create(urs_box, run_time=0.6)),
            self.strip.show(new_eq, run_time=1.0),
            Succession(
                Wait(1.0),
                FadeIn(
                    self.strip_note(
                        r"X_1:\ \text{the stream after layer 0}",
                        r"h(X):\ \text{what head } h \text{ adds}",
                    ),
                    run_time=0.6,
                ),
            ),
            hold=1.2,
        )
        assert np.allclose(self.stream.values, self.shown.cache["blocks.0.hook_resid_post"])
        self.play(
            FadeOut(urs_box),
            FadeOut(self.block),
            FadeOut(self.pattern_map),
            run_time=0.6,
        )

    # --- layer 1 ---------------------------------------------------------------------
    def query_reads_token(self) -> None:
        self.block = self.head_block(IND_HEAD, "layer 1's head")
        self.q_box = SurroundingRectangle(
            self.block_cells(self.shown.last, "token"), buff=0.04, color=QUERY_COLOR
        )
        q_eq = MathTex(r"q_i = W_Q\,x_i", font_size=MATH_SIZE_LABEL, color=QUERY_COLOR)
        q_txt = Text("query: what it looks for", font_size=FONT_SIZE_LABEL, color=TEXT_COLOR)
        self.q_note = VGroup(q_eq, q_txt).arrange(DOWN, buff=0.12).move_to([PANEL_X, 1.2, 0])
        self.beat(
            "Layer 1's head L1H0 is an induction head. Its query reads the current token, D.",
            FadeIn(self.block),
            Create(self.q_box),
            FadeIn(self.q_note),
            FadeOut(self.eq_note),
            run_time=1.6,
            hold=1.0,
        )

    def key_reads_previous_token(self) -> None:
        self.k_boxes = VGroup(
            *[
                SurroundingRectangle(self.block_cells(p, "previous token"), buff=0.04, color=KEY_COLOR)
                for p in range(self.stream.n_pos)
            ]
        )
        k_eq = MathTex(r"k_j = W_K\,x_j", font_size=MATH_SIZE_LABEL, color=KEY_COLOR)
        k_txt = Text("key: what it offers", font_size=FONT_SIZE_LABEL, color=TEXT_COLOR)
        self.k_note = VGroup(k_eq, k_txt).arrange(DOWN, buff=0.12).next_to(self.q_note, DOWN, buff=0.4)
        self.k_comp = Text("K-composition", font_size=FONT_SIZE_BODY, color=KEY_COLOR)
        self.k_comp.next_to(self.k_note, DOWN, buff=0.4)
        self.beat(
            "Its key reads what layer 0 wrote. That is K-composition.",
            LaggedStart(*[Create(b) for b in self.k_boxes], lag_ratio=0.1),
            FadeIn(self.k_note),
            FadeIn(self.k_comp, shift=0.2 * UP),
            run_time=2.0,
            hold=1.0,
        )

    def query_meets_key(self) -> None:
        q = self.shown.cache["blocks.1.attn.hook_q"][:, 0]
        k = self.shown.cache["blocks.1.attn.hook_k"][:, 0]
        scores = self.shown.scores
        q_vec = self.above(self.shown.last, q[self.shown.last], QUERY_COLOR).shift(RIGHT * 0.7)
        k_vecs = [self.above(p, k[p], KEY_COLOR) for p in range(self.stream.n_pos)]
        q_label = MathTex("q", font_size=MATH_SIZE_LABEL, color=QUERY_COLOR).next_to(q_vec, RIGHT, buff=0.12)
        k_label = MathTex("k_j", font_size=MATH_SIZE_LABEL, color=KEY_COLOR)
        k_label.move_to([self.stream.subspace_labels.get_x(), self.band_y, 0])
        self.play(
            FadeOut(VGroup(self.q_note, self.k_note)),
            self.k_comp.animate.move_to([PANEL_X, 2.3, 0]),
            run_time=0.5,
        )
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
            FadeOut(self.q_box),
            FadeOut(self.k_boxes),
            FadeIn(q_label),
            FadeIn(k_label),
            run_time=2.4,
            hold=0.6,
        )
        # the query's brightest cell, and the key that lights the same cell
        dim = int(np.argmax(np.abs(q[self.shown.last])))
        match = int(np.argmax(k[:, dim]))
        assert match == self.shown.target
        y = q_vec.cell(dim).get_y()
        line = DashedLine(
            [k_vecs[0].get_left()[0] - 0.1, y, 0], [q_vec.get_right()[0] + 0.05, y, 0], dash_length=0.08
        )
        line.set_stroke(QUERY_COLOR, width=2, opacity=0.8)
        hits = VGroup(
            SurroundingRectangle(q_vec.cell(dim), buff=0.03, color=QUERY_COLOR, stroke_width=3),
            SurroundingRectangle(k_vecs[match].cell(dim), buff=0.03, color=KEY_COLOR, stroke_width=3),
        )
        last = self.shown.tokens[self.shown.last]
        self.beat(
            f"{self.shown.tokens[match]}'s key, '{last} came before me', lights the query's brightest cell, "
            f"'I am {last}'.",
            Create(line),
            Create(hits),
            run_time=1.2,
            hold=1.0,
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
        score_eq.move_to([PANEL_X, 1.35, 0])
        d_note = MathTex(
            rf"d_{{\mathrm{{head}}}} = {self.model.d_head}",
            r"\text{: the head's width}",
            font_size=MATH_SIZE_LABEL,
            color=MUTED_TEXT_COLOR,
        ).next_to(score_eq, DOWN, buff=0.2)
        others = np.delete(scores, [0, self.shown.target])
        self.beat(
            f"Scores: {format_value(scores[self.shown.target], 0)} for {self.shown.tokens[self.shown.target]}, "
            f"{format_value(scores[0], 0)} for the start token, {format_value(np.abs(others).max(), 0)} elsewhere.",
            *[FadeOut(vec) for vec in k_vecs],
            *[FadeIn(txt) for txt in score_txt],
            FadeOut(q_vec),
            FadeOut(VGroup(q_label, k_label, line, hits)),
            FadeIn(score_eq),
            FadeIn(d_note),
            run_time=1.4,
            hold=1.0,
        )
        self.score_txt, self.score_eq, self.d_note = score_txt, score_eq, d_note

    def attend_to_urs(self) -> None:
        color = head_color(*IND_HEAD)
        pattern = self.shown.cache["blocks.1.attn.hook_pattern"][0]
        self.play(FadeOut(self.k_comp), FadeOut(self.d_note), FadeOut(self.score_eq), run_time=0.5)
        self.pattern_map = self.pattern_panel(pattern, color)
        self.pattern_map.set_y(0.45)
        row_box = SurroundingRectangle(
            self.pattern_map.cell(self.shown.last, self.shown.target),
            buff=0.03,
            color=TEXT_COLOR,
            stroke_width=4,
        )
        self.ind_arc = self.arc(self.shown.target, self.shown.last, color)
        weight = pattern[self.shown.last, self.shown.target]
        self.beat(
            f"After the softmax, the last D puts {weight:.2f} of its attention on {self.shown.tokens[self.shown.target]}.",
            FadeIn(self.pattern_map),
            Create(self.ind_arc),
            Succession(Wait(1.0), Create(row_box, run_time=0.6)),
            run_time=1.6,
            hold=1.0,
        )
        self.row_box = row_box

    def rest_on_start_token(self) -> None:
        pattern = self.shown.cache["blocks.1.attn.hook_pattern"][0]
        tokens = self.shown.tokens
        resting = [i for i in range(self.stream.n_pos) if tokens[i] not in tokens[1:i]]  # no earlier copy
        assert all(pattern[i, 0] > 0.99 for i in resting)
        rest_box = SurroundingRectangle(
            VGroup(*[self.pattern_map.cell(i, 0) for i in resting]),
            buff=0.03,
            color=MUTED_TEXT_COLOR,
            stroke_width=4,
        )
        self.beat(
            "Tokens with no earlier copy rest on the start token, which passes on nothing: they add nothing.",
            Create(rest_box),
            FadeOut(self.score_txt),
            run_time=1.0,
            hold=1.2,
        )
        self.play(FadeOut(self.pattern_map), FadeOut(self.row_box), FadeOut(rest_box), run_time=0.5)

    def copy_urs(self) -> None:
        color = head_color(*IND_HEAD)
        result = self.shown.cache["blocks.1.attn.hook_result"][self.shown.last, 0]
        delta = self.stream.vector_at(self.shown.last, result, color, gap=0.12)
        self.beat(
            f"It copies the token it attends to, {self.shown.tokens[self.shown.target]} ...",
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
        new_eq = self.stream_equation("2", "1", head_name(*IND_HEAD), color)
        self.beat(
            "... and adds it to the last column's 'output' block.",
            write(delta, self.stream.column(self.shown.last), side=RIGHT, gap=0.12, run_time=2.0),
            *self.strip.change_to(new_eq, "match", run_time=1.2),
            Succession(
                Wait(1.2), FadeIn(self.strip_note(r"X_2:\ \text{the stream after layer 1}"), run_time=0.6)
            ),
            *self.stream.light_subspace("output", color, run_time=1.0),
            FadeOut(self.ind_arc),
            hold=0.6,
        )
        assert np.allclose(
            self.stream.column(self.shown.last).values, self.shown.cache["hook_resid_final"][self.shown.last]
        )

    def predict(self) -> None:
        logits = self.shown.logits[self.shown.last]
        best = int(np.argmax(logits))
        other = np.delete(logits, best)
        vocab = self.model.vocab
        self.w_u = MatrixTile("W_U", LOGIT_COLOR).move_to([2.3, -0.3, 0])
        logit_col = VocabColumn(
            logits, vocab, readout=[best], cell_height=0.46, cell_width=0.55, outline_color=LOGIT_COLOR
        )
        logit_col.move_to([4.6, -0.3, 0])
        title = Text("logits: next-token scores", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR)
        title.next_to(logit_col, UP, buff=0.25)
        box = SurroundingRectangle(logit_col.row(best), buff=0.04, color=LOGIT_COLOR, stroke_width=4)
        logits_eq = self.strip.tex(r"\mathrm{logits} = W_U\,X_2")
        assert np.abs(other).max() < 0.005
        self.beat(
            f"Unembedding the 'output' block gives logits: {vocab[best]} "
            f"{format_value(logits[best], 0)}, others {format_value(np.abs(other).max(), 0)}. It predicts {vocab[best]}.",
            FadeIn(self.w_u, run_time=0.6),
            *self.strip.change_to(logits_eq, "cross_fade", run_time=1.0),
            FadeOut(self.eq_note, run_time=0.6),
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
            hold=1.0,
        )

    # --- any repeated sequence ---------------------------------------------------------
    def repeat_random_tokens(self) -> None:
        half = (len(self.shown.rand_tokens) - 1) // 2
        row = TokenRow(self.shown.rand_str, font_size=FONT_SIZE_LABEL + 2, min_width=0.55).move_to(UP * 0.6)
        row.tile(0).set_opacity(0.6)
        for tile in row.tiles[1 + half :]:
            tile[0].set_stroke(head_color(*IND_HEAD)).set_fill(head_color(*IND_HEAD), opacity=0.12)
        first = Text(f"{half} random words", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR)
        first.next_to(VGroup(*row.tiles[1 : 1 + half]), DOWN, buff=0.25)
        again = Text("the same again", font_size=FONT_SIZE_LABEL, color=head_color(*IND_HEAD))
        again.next_to(VGroup(*row.tiles[1 + half :]), DOWN, buff=0.25)
        self.rand_row = VGroup(row, first, again)
        self.play(self.clear_stage(), run_time=0.8)
        self.strip.current = None
        self.beat(
            f"Any words? A start token, {half} random words, then the same {half} again.",
            LaggedStart(*[FadeIn(tile, shift=0.2 * DOWN) for tile in row.tiles], lag_ratio=0.08),
            FadeIn(first),
            FadeIn(again),
            run_time=1.8,
            hold=0.8,
        )

    def show_stripe(self) -> None:
        color = head_color(*IND_HEAD)
        pattern = self.shown.rand_pattern
        n = len(self.shown.rand_tokens)
        half = (n - 1) // 2
        self.stripe_map = AttentionPatternMap(
            pattern, self.shown.rand_str, color=color, cell_size=0.42, col_labels_rotated=True
        )
        self.stripe_map.move_to([-1.2, 0.45, 0])
        stripe_cells = [(i, i - half + 1) for i in range(1 + half, n)]
        assert all(pattern[i, j] > 0.99 for i, j in stripe_cells)
        self.stripe = VGroup(
            *[
                Square(side_length=0.42).set_stroke(TEXT_COLOR, width=4).move_to(self.stripe_map.cell(i, j))
                for i, j in stripe_cells
            ]
        )
        self.head_title = Text("L1H0, the induction head", font_size=FONT_SIZE_LABEL, color=color)
        self.head_title.next_to(self.stripe_map.outline, RIGHT, buff=0.3).align_to(
            self.stripe_map.outline, UP
        )
        self.beat(
            "After the repeat, each word attends just after its earlier copy: a diagonal stripe.",
            FadeOut(self.rand_row, run_time=0.8),
            FadeIn(self.stripe_map, run_time=1.2),
            FadeIn(self.head_title, run_time=1.2),
            Succession(
                Wait(1.4), LaggedStart(*[Create(s) for s in self.stripe], lag_ratio=0.25, run_time=1.8)
            ),
            hold=1.4,
        )
        resting = list(range(1 + half))
        assert all(pattern[i, 0] > 0.99 for i in resting)
        self.rest = SurroundingRectangle(
            VGroup(*[self.stripe_map.cell(i, 0) for i in resting]),
            buff=0.03,
            color=MUTED_TEXT_COLOR,
            stroke_width=4,
        )
        self.beat(
            "Before the repeat nothing matches: those rows rest on the start token.",
            Create(self.rest),
            run_time=1.0,
            hold=1.0,
        )
        self.beat(
            "Trained models show this stripe too, less sharp.",
            Indicate(self.stripe, color=color, scale_factor=1.0),
            run_time=1.2,
            hold=1.0,
        )

    def show_predictions(self) -> None:
        report = self.shown.report
        n = len(self.shown.rand_tokens)
        half = (n - 1) // 2
        vocab = self.model.vocab
        grid = self.stripe_map
        self.play(
            VGroup(grid, self.stripe, self.rest).animate.shift(LEFT * 2.3),
            FadeOut(self.head_title),
            run_time=0.8,
        )
        x_next, x_guess = 1.4, 3.4
        rows = VGroup()
        for i in range(n - 1):
            y = grid.cell(i, 0).get_y()
            guess_id = int(report["predicted"][i])
            rows.add(
                VGroup(
                    Text(self.shown.rand_str[i + 1], font_size=FONT_SIZE_LABEL, color=TEXT_COLOR),
                    Text(
                        "none" if guess_id == NO_GUESS else vocab[guess_id],
                        font_size=FONT_SIZE_LABEL,
                        color=TEXT_COLOR if report["correct"][i] else MUTED_TEXT_COLOR,
                    ),
                )
            )
            rows[-1][0].move_to([x_next, y, 0])
            rows[-1][1].move_to([x_guess, y, 0])
        heads = VGroup(
            Text("next word", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR).move_to([x_next, 0, 0]),
            Text("its guess", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR).move_to([x_guess, 0, 0]),
        )
        for head in heads:
            head.align_to(grid.cells.get_top() + 0.2 * UP, DOWN)
        after = range(1 + half, n - 1)  # positions whose next word repeats an earlier one
        assert (report["predicted"][: 1 + half] == NO_GUESS).all()
        after_right = int(report["correct"][after].sum())
        after_box = SurroundingRectangle(VGroup(*[rows[i] for i in after]), buff=0.1, color=LOGIT_COLOR)
        self.beat(
            f"Before the repeat it guesses nothing. After it, {after_right} of {len(after)} guesses are right.",
            FadeIn(heads),
            LaggedStart(*[FadeIn(r) for r in rows], lag_ratio=0.08),
            Succession(Wait(1.8), Create(after_box, run_time=0.6)),
            run_time=2.4,
            hold=1.2,
        )
        self.table = VGroup(heads, rows, after_box)

    def summary(self) -> None:
        rule = MathTex(r"[A]\,[B]\,\dots\,[A] \;\to\; [B]", font_size=MATH_SIZE_BODY, color=TEXT_COLOR)
        chain = Text(
            "previous-token head, then induction head\n(its key reads layer 0: K-composition)",
            font_size=FONT_SIZE_LABEL,
            color=MUTED_TEXT_COLOR,
            line_spacing=0.8,
        )
        card = VGroup(rule, chain).arrange(DOWN, buff=0.25).move_to([3.3, 0.45, 0])
        self.end_on_summary(
            "A previous-token head, then an induction head reading it with its key: repeats continue.",
            FadeOut(self.table),
            FadeIn(card),
            FadeIn(self.head_title.next_to(card, UP, buff=0.5)),
            run_time=1.2,
        )
