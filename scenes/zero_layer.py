"""zero_layer: with no layers, ``T = W_U W_E`` is a low-rank bigram table.

Storyboard: with no layers the model is ``T = W_U W_E``; it can only learn
bigram statistics, and only a rank-``d_model`` approximation of them. The true
bigram table of the story shipped with the package is shown beside the model's.

Every number comes from :func:`~circuit_clips.toy_models.bigram_log_probs` (the
story's table) and :func:`~circuit_clips.toy_models.zero_layer_model` (its
``W_E``, ``W_U`` and forward pass). Tables are drawn in the paper's
orientation: column = current word, row = next word (``T = W_U W_E`` maps a
one-hot column ``t`` to a column of logits). Log-probabilities all lie
between -5 and 0, where the one value scale is saturated red, so both tables
are drawn shifted by the same constant, ``ln d_vocab``: the log of how much
likelier a word is than a blind 1-in-``d_vocab`` guess (0 = as likely).
"""

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Brace,
    Create,
    FadeIn,
    FadeOut,
    MathTex,
    Succession,
    Transform,
    VGroup,
)

from circuit_clips.circuits import paper_weight, rank, softmax
from circuit_clips.kit import (
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    STREAM_COLOR,
    TEXT_COLOR,
    ClipScene,
    ColorBar,
    EquationStrip,
    HeatMap,
    VectorColumn,
    VocabColumn,
    block_frame,
    read,
)
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import OTHER_TOKEN, bigram_frequencies, bigram_log_probs, zero_layer_model

#: The word sent through the model in the first beats.
EXAMPLE_WORD = "of"
CELL = 0.27  # cell size of the vectors and the factor matrices
TABLE_CELL = 0.26  # cell size of the two d_vocab x d_vocab tables


@dataclass(frozen=True)
class ZeroLayerNumbers:
    """Every number the clip shows; tables are ``[current word, next word]`` (the code's orientation)."""

    model: AttnOnlyTransformer
    d_model: int
    d_vocab: int
    vocab: list[str]
    words: list[str]  # the vocabulary as printed ("other" for the catch-all token)
    true_log: np.ndarray  # the story's bigram log-probabilities
    true_probs: np.ndarray
    story_freq: np.ndarray  # count / row total: the story's own frequencies
    model_logits: np.ndarray  # W_E W_U: T, transposed
    model_probs: np.ndarray
    model_rank: int
    true_rank: int
    singular_values: np.ndarray  # of true_log
    chance_shift: float  # ln d_vocab: ln P - ln(1/d_vocab)
    word_id: int  # EXAMPLE_WORD
    x_example: np.ndarray  # the model's stream for EXAMPLE_WORD
    p_example: np.ndarray  # its guess for the next word


def numbers() -> ZeroLayerNumbers:
    """The zero-layer model, the story's table and the model's forward pass on :data:`EXAMPLE_WORD`."""
    model = zero_layer_model()
    vocab, true_log = bigram_log_probs(model.d_vocab - 1)  # [current, next]
    assert vocab == model.vocab
    model_logits = model.W_E @ model.W_U  # T, transposed: [current, next]
    word_id = vocab.index(EXAMPLE_WORD)
    logits, cache = model.run_with_cache(model.to_tokens([EXAMPLE_WORD]))
    assert np.allclose(logits[0], model_logits[word_id])
    return ZeroLayerNumbers(
        model=model,
        d_model=model.d_model,
        d_vocab=model.d_vocab,
        vocab=vocab,
        words=[w if w != OTHER_TOKEN else "other" for w in vocab],
        true_log=true_log,
        true_probs=np.exp(true_log),
        story_freq=bigram_frequencies(model.d_vocab - 1)[1],
        model_logits=model_logits,
        model_probs=softmax(model_logits),
        model_rank=rank(model_logits),
        true_rank=rank(true_log),
        singular_values=np.linalg.svd(true_log, compute_uv=False),
        chance_shift=np.log(model.d_vocab),
        word_id=word_id,
        x_example=cache["hook_embed"][0],
        p_example=softmax(logits[0]),
    )


def table_error(d_model: int, true_log: np.ndarray) -> float:
    """How far a ``d_model``-wide zero-layer model's table is from the story's (relative Frobenius norm)."""
    wider = zero_layer_model(d_model=d_model)
    return float(np.linalg.norm(wider.W_E @ wider.W_U - true_log) / np.linalg.norm(true_log))


class ZeroLayer(ClipScene):
    title = "Zero-layer transformers"
    description = (
        "With no layers, T = W_U W_E can only learn bigram statistics, and only a low-rank version of them."
    )

    numbers = staticmethod(numbers)
    title_hold = 1.4

    def story(self) -> None:
        # A word goes in through W_E and straight out through W_U
        self.one_word_in()
        self.word_to_guess()
        # All it can learn is a bigram table: the story's true one...
        self.true_table()
        # ...beside the model's, W_U W_E
        self.model_table_beat()
        # W_U W_E has rank d_model: the best it can do is a low-rank approximation
        self.rank_limit()
        # A wider stream would hold more
        self.wider_stream()

    def summary(self) -> None:
        n = self.shown
        self.end_on_summary(
            f"No layers: a bigram table, T = W_U W_E, squeezed through a {n.d_model}-dimensional "
            f"stream: rank {n.model_rank}, not {n.true_rank}.",
            *self.show_rank(n.d_model),
            run_time=1.2,
        )

    # --- building blocks ---------------------------------------------------------
    def table(self, log_table: np.ndarray, header: MathTex) -> HeatMap:
        """A d_vocab x d_vocab table of log-probabilities ``[current, next]``, drawn next x current.

        Shifted by ``ln d_vocab`` so that 0 (grey) is a blind guess.
        """
        heat = HeatMap(
            log_table.T + self.shown.chance_shift,
            cell_size=TABLE_CELL,
            row_labels=self.shown.words,
            col_labels=self.shown.words,
            col_labels_rotated=True,
            row_title="next word",
            col_title="current word",
        )
        header.next_to(heat.col_title, UP, buff=0.2).match_x(heat.cells)
        heat.header = header
        heat.add(header)
        return heat

    # --- beats -----------------------------------------------------------------
    def one_word_in(self) -> None:
        model = self.model
        onehot = np.eye(self.shown.d_vocab)[self.shown.word_id]
        self.t_col = VocabColumn(
            onehot,
            self.shown.words,
            side=LEFT,
            cell_height=CELL,
            cell_width=0.32,
            outline_color=STREAM_COLOR,
            label="t",
        )
        self.t_col.shift(RIGHT * (-5.5 - self.t_col.column.get_x()) + UP * (0 - self.t_col.cells.get_y()))
        self.w_e = HeatMap(paper_weight(model, "W_E"), cell_size=CELL).move_to([-2.75, 0, 0])
        self.w_u = HeatMap(paper_weight(model, "W_U"), cell_size=CELL).move_to([1.5, 0, 0])
        self.w_e_label = MathTex(
            rf"W_E\ ({self.shown.d_model} \times {self.shown.d_vocab})", font_size=MATH_SIZE_LABEL
        )
        self.w_e_label.next_to(self.w_e, UP, buff=0.2)
        self.w_u_label = MathTex(
            rf"W_U\ ({self.shown.d_vocab} \times {self.shown.d_model})", font_size=MATH_SIZE_LABEL
        )
        self.w_u_label.next_to(self.w_u, UP, buff=0.2)
        self.strip = EquationStrip(top_buff=0.45)
        equation = self.strip.tex(r"\mathrm{logits} = W_U W_E\,t")
        self.legend = ColorBar(width=1.4).to_corner(DOWN + RIGHT, buff=0.4)
        self.beat(
            f"No layers: a word goes in through W_E and straight out through W_U. The words: a short "
            f"story's {self.shown.d_vocab - 1} commonest, plus 'other'.",
            self.strip.show(equation),
            FadeIn(self.t_col, shift=0.2 * RIGHT),
            FadeIn(VGroup(self.w_e, self.w_e_label)),
            FadeIn(VGroup(self.w_u, self.w_u_label)),
            FadeIn(self.legend),
            run_time=1.4,
            hold=1.8,
        )

    def word_to_guess(self) -> None:
        # labels apart from the columns, so each column travels alone and its label fades in after
        self.x_col = VectorColumn(self.shown.x_example, cell_height=CELL, cell_width=0.32)
        self.x_col.shift(RIGHT * (-0.35 - self.x_col.get_x()) + UP * (0 - self.x_col.cells.get_y()))
        x_label = MathTex(r"x = W_E\,t", font_size=MATH_SIZE_LABEL).next_to(self.x_col, DOWN, buff=0.15)
        best = int(np.argmax(self.shown.p_example))
        self.p_col = VocabColumn(
            self.shown.p_example, self.shown.words, side=RIGHT, readout=[best], cell_height=CELL, cell_width=0.32,
        )  # fmt: skip
        self.p_col.shift(RIGHT * (3.6 - self.p_col.column.get_x()) + UP * (0 - self.p_col.cells.get_y()))
        p_label = MathTex(r"\mathrm{softmax}(W_U\,x)", font_size=MATH_SIZE_LABEL)
        p_label.next_to(self.p_col.column, DOWN, buff=0.15)
        self.column_labels = VGroup(x_label, p_label)
        self.beat(
            f"'{EXAMPLE_WORD}' becomes {self.shown.d_model} numbers, x = W_E t; W_U turns them into a guess "
            f"for the next word: '{self.shown.vocab[best]}', {self.shown.p_example[best]:.0%}.",
            Succession(
                read(self.t_col.column, self.w_e, self.x_col, weight=self.model.W_E, run_time=1.6),
                FadeIn(x_label, run_time=0.4),
                read(self.x_col, self.w_u, self.p_col.column, run_time=1.6),
                FadeIn(VGroup(self.p_col.names, *self.p_col.readouts.values(), p_label), run_time=0.6),
                run_time=4.2,  # a whole number of frames at every quality
            ),
            hold=1.4,
        )

    def true_table(self) -> None:
        self.true_table_mob = self.table(
            self.shown.true_log,
            MathTex(rf"\text{{story: }}\ln\big({self.shown.d_vocab}\,P(\text{{next}}\mid\text{{current}})\big)",
                    font_size=MATH_SIZE_LABEL),
        )  # fmt: skip
        self.model_table = self.table(
            self.shown.model_logits,
            MathTex(rf"\text{{model: }}W_U W_E + \ln {self.shown.d_vocab}", font_size=MATH_SIZE_LABEL),
        )
        # side by side, grids level (the headers differ in height)
        self.model_table.next_to(self.true_table_mob, RIGHT, buff=1.1)
        self.model_table.shift(UP * (self.true_table_mob.cells.get_y() - self.model_table.cells.get_y()))
        self.pair = pair = VGroup(self.true_table_mob, self.model_table)
        pair.shift(RIGHT * -pair.get_x() + UP * (2.95 - pair.get_top()[1]))
        i, j = self.shown.vocab.index("the"), self.shown.word_id
        self.cell_frames = VGroup(
            *[block_frame(t, rows=slice(i, i + 1), cols=slice(j, j + 1), color=TEXT_COLOR)
              for t in (self.true_table_mob, self.model_table)]
        )  # fmt: skip
        self.beat(
            f"So all it can learn is which word follows which: a bigram table. The story's, on a log "
            f"scale: blue is likelier than a blind 1-in-{self.shown.d_vocab} guess, red rarer.",
            Succession(
                FadeOut(
                    VGroup(
                        self.t_col,
                        self.x_col,
                        self.w_e,
                        self.w_u,
                        self.w_e_label,
                        self.w_u_label,
                        self.p_col,
                        self.column_labels,
                        self.strip.current,
                    ),
                    run_time=0.6,
                ),
                FadeIn(self.true_table_mob, shift=0.2 * RIGHT, run_time=1.0),
                run_time=1.6,
            ),
            hold=3.0,
        )

    def model_table_beat(self) -> None:
        i, j = self.shown.vocab.index("the"), self.shown.word_id
        self.beat(
            f"The model's table, W_U W_E: the same pattern, blurred. '{EXAMPLE_WORD}' then 'the': "
            f"{self.shown.story_freq[j, i]:.0%} of the time in the story, {self.shown.model_probs[j, i]:.0%} in the model.",
            FadeIn(self.model_table, shift=0.2 * LEFT),
            Create(self.cell_frames),
            run_time=1.4,
            hold=2.8,
        )

    def rank_limit(self) -> None:
        sv = self.shown.singular_values
        parts = [r"\sigma:\ "]
        for k, s in enumerate(sv):
            parts.append(f"{s:.1f}" if s >= 0.1 else f"{s:.2f}")
            if k < len(sv) - 1:
                parts.append(r",\,")
        self.sigma = MathTex(*parts, font_size=MATH_SIZE_LABEL)
        self.sigma.move_to([-0.6, self.pair.get_bottom()[1] - 0.4, 0])
        self.sigma_values = [self.sigma[1 + 2 * k] for k in range(len(sv))]
        self.brace = self.kept_brace(self.shown.d_model)
        self.beat(
            f"Why blurred? W_U W_E is {self.shown.d_vocab}x{self.shown.d_model} times {self.shown.d_model}x{self.shown.d_vocab}: rank "
            f"{self.shown.model_rank}. The story's table has rank {self.shown.true_rank}; the model keeps its "
            f"{self.shown.d_model} largest singular values.",
            FadeOut(self.cell_frames),
            FadeIn(self.sigma),
            *self.keep_first(self.shown.d_model),
            FadeIn(self.brace),
            run_time=1.2,
            hold=3.2,
        )

    def kept_brace(self, k: int) -> VGroup:
        brace = Brace(VGroup(*self.sigma_values[:k]), DOWN, buff=0.08, color=MUTED_TEXT_COLOR)
        label = MathTex(rf"\text{{kept: }}d_{{\mathrm{{model}}}} = {k}", font_size=MATH_SIZE_LABEL)
        label.next_to(brace, DOWN, buff=0.08)
        label.set_x(max(label.get_x(), self.sigma.get_left()[0] + label.width / 2))
        return VGroup(brace, label)

    def keep_first(self, k: int) -> list:
        """Animations showing the first ``k`` singular values as kept, the rest as dropped."""
        return [
            value.animate.set_color(TEXT_COLOR if n < k else MUTED_TEXT_COLOR).set_opacity(
                1 if n < k else 0.45
            )
            for n, value in enumerate(self.sigma_values)
        ]

    def move_brace(self, k: int) -> list:
        """The brace slides to the first ``k`` values; its label switches at once (a morph of digits is unreadable)."""
        new = self.kept_brace(k)
        return [
            Transform(self.brace[0], new[0]),
            Transform(self.brace[1], new[1], rate_func=lambda t: float(t > 0)),
        ]

    def show_rank(self, d: int) -> list:
        """Animations turning the model's table into that of a ``d_model = d`` model."""
        wider = zero_layer_model(d_model=d)
        return [
            self.model_table.animate_values(
                paper_weight(wider, "W_U") @ paper_weight(wider, "W_E") + self.shown.chance_shift
            ),
            *self.move_brace(d),
            *self.keep_first(d),
        ]

    def wider_stream(self) -> None:
        n = self.shown
        steps = [AnimationGroup(*self.show_rank(d), run_time=0.33) for d in range(1, n.d_vocab + 1)]
        self.beat(
            f"A wider stream holds more: the table is off by {table_error(1, n.true_log):.0%} at d_model = 1, "
            f"{table_error(n.d_model, n.true_log):.0%} at {n.d_model}, and exact at {n.d_vocab}.",
            Succession(*steps, run_time=4.4),
            hold=1.4,
        )
        assert np.allclose(self.model_table.values, n.true_log.T + n.chance_shift)
