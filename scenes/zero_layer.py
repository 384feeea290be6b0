"""zero_layer: with no layers, ``T = W_U W_E`` is a low-rank bigram table.

Storyboard: with no layers the model is ``T = W_U W_E``; it can only learn
bigram statistics, and only a rank-``d_model`` approximation of them. The true
bigram table of the story shipped with the package is shown beside the model's.

Every number comes from :func:`~circuit_clips.toy_models.bigram_log_probs` (the
story's table) and :func:`~circuit_clips.toy_models.zero_layer_model` (its
``W_E``, ``W_U`` and forward pass). Tables are drawn in the paper's
orientation: column = current word, row = next word (``T = W_U W_E`` maps a
one-hot column ``t`` to a column of logits). Log-probabilities are all negative
(from about -7.5 for a pair the story never has to about 0), so both tables are
drawn shifted by the same constant, ``ln d_vocab``: the log of how much likelier
a word is than a blind 1-in-``d_vocab`` guess (0, grey, = as likely; about -4.9
to +2.5 on the one value scale, whose legend sits beside the singular values).

Captions are paced to be read (``pace_to_captions``); nothing is drawn in the
caption band: the tables are lifted to the top once the equation has gone, and
the singular values sit between them and the band.
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
    Indicate,
    MathTex,
    Succession,
    Transform,
    VGroup,
)

from circuit_clips.circuits import paper_weight, rank, softmax
from circuit_clips.kit import (
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    SAFE_FRAME,
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
from circuit_clips.toy_models import (
    OTHER_TOKEN,
    bigram_counts,
    bigram_frequencies,
    bigram_log_probs,
    zero_layer_model,
)

#: The word sent through the model in the first beats.
EXAMPLE_WORD = "of"
CELL = 0.27  # cell size of the vectors and the factor matrices
TABLE_CELL = 0.26  # cell width of the two d_vocab x d_vocab tables
TABLE_ROW = 0.26  # their row height
SIGMA_LEFT = -3.3  # left end of the row of singular values (the brace's label sits left of it)


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


def sigma_text(s: float) -> str:
    """A singular value as shown: one decimal, or two significant digits below 1 (so the
    smallest, about 0.0013, shows as non-zero: rank 13 is visibly true)."""
    return f"{s:.1f}" if s >= 1 else f"{s:.2g}"


def story_count(shown: ZeroLayerNumbers, current: str, following: str) -> tuple[int, int]:
    """``(times current is followed by following, times current is followed by anything)`` in the story."""
    counts = bigram_counts(shown.d_vocab - 1)[1]
    i, j = shown.vocab.index(current), shown.vocab.index(following)
    return int(counts[i, j]), int(counts[i].sum())


class ZeroLayer(ClipScene):
    title = "Zero-layer transformers"
    description = "With no layers, $T = W_U W_E$ learns only which word follows which, and only roughly."

    numbers = staticmethod(numbers)
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    def story(self) -> None:
        # A word goes in through W_E and straight out through W_U
        self.one_word_in()
        self.the_words()
        self.word_to_vector()
        self.vector_to_guess()
        # All it can learn is a bigram table: the story's true one...
        self.true_table()
        # ...beside the model's, W_U W_E, with one pair counted
        self.model_table_beat()
        self.example_pair()
        # W_U W_E has rank d_model: the best it can do is a low-rank approximation
        self.rank_limit()
        self.singular_values_beat()
        self.keep_largest()
        # A wider stream would hold more
        self.wider_stream()

    def summary(self) -> None:
        n = self.shown
        self.end_on_summary(
            f"No layers: only a bigram table, squeezed through a {n.d_model}-number stream: "
            f"rank {n.model_rank}, not {n.true_rank}.",
            *self.show_rank(n.d_model),
            run_time=1.2,
            hold=2.4,
        )

    # --- building blocks ---------------------------------------------------------
    def table(self, log_table: np.ndarray, header: MathTex) -> HeatMap:
        """A d_vocab x d_vocab table of log-probabilities ``[current, next]``, drawn next x current.

        Shifted by ``ln d_vocab`` so that 0 (grey) is a blind guess.
        """
        heat = HeatMap(
            log_table.T + self.shown.chance_shift,
            cell_size=(TABLE_CELL, TABLE_ROW),
            row_labels=self.shown.words,
            col_labels=self.shown.words,
            col_labels_rotated=True,
            row_title="next word",
            col_title="current word",
        )
        header.next_to(heat.col_title, UP, buff=0.15).match_x(heat.cells)
        heat.header = header
        heat.add(header)
        return heat

    def under_table(self, table: HeatMap, tex: str) -> MathTex:
        """A short line of math centred under a table's grid."""
        line = MathTex(tex, font_size=MATH_SIZE_LABEL)
        return line.next_to(table.cells, DOWN, buff=0.2).match_x(table.cells)

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
        self.t_col.shift(RIGHT * (-5.4 - self.t_col.column.get_x()) + UP * (0.2 - self.t_col.cells.get_y()))
        self.w_e = HeatMap(paper_weight(model, "W_E"), cell_size=CELL).move_to([-2.75, 0.2, 0])
        self.w_u = HeatMap(paper_weight(model, "W_U"), cell_size=CELL).move_to([1.5, 0.2, 0])
        self.w_e_label = MathTex(
            rf"W_E\ ({self.shown.d_model} \times {self.shown.d_vocab})", r"\text{: embed}",
            font_size=MATH_SIZE_LABEL,
        )  # fmt: skip
        self.w_e_label.next_to(self.w_e, UP, buff=0.2)
        self.w_u_label = MathTex(
            rf"W_U\ ({self.shown.d_vocab} \times {self.shown.d_model})", r"\text{: unembed}",
            font_size=MATH_SIZE_LABEL,
        )  # fmt: skip
        self.w_u_label.next_to(self.w_u, UP, buff=0.2)
        self.strip = EquationStrip(top_buff=0.45)
        equation = self.strip.tex(r"\mathrm{logits} = T\,t,\qquad T = W_U W_E")
        # top right, clear of the equation and of the tables' headers later: the bottom row is the singular values'
        self.legend = ColorBar(width=1.6, title=None)
        self.legend.to_edge(RIGHT, buff=0.35).set_y(SAFE_FRAME.top - 0.02 - self.legend.height / 2)
        self.beat(
            "No layers: a word, t, goes in through the embedding and straight out through the unembedding, "
            "as scores for the next word (logits).",
            self.strip.show(equation),
            FadeIn(self.t_col, shift=0.2 * RIGHT),
            FadeIn(VGroup(self.w_e, self.w_e_label)),
            FadeIn(VGroup(self.w_u, self.w_u_label)),
            FadeIn(self.legend),
            run_time=1.4,
            hold=1.0,
        )

    def the_words(self) -> None:
        self.beat(
            f"The words: a short story's {self.shown.d_vocab - 1} commonest, plus 'other' for the rest.",
            Indicate(self.t_col.names, color=TEXT_COLOR, scale_factor=1.1),
            run_time=1.2,
            hold=1.0,
        )

    def word_to_vector(self) -> None:
        # labels apart from the columns, so each column travels alone and its label fades in after
        self.x_col = VectorColumn(self.shown.x_example, cell_height=CELL, cell_width=0.32)
        self.x_col.shift(RIGHT * (-0.35 - self.x_col.get_x()) + UP * (0.2 - self.x_col.cells.get_y()))
        self.x_label = MathTex(r"x = W_E\,t", font_size=MATH_SIZE_LABEL).next_to(self.x_col, DOWN, buff=0.15)
        self.beat(
            f"'{EXAMPLE_WORD}' becomes {self.shown.d_model} numbers, x: its column of the embedding.",
            Succession(
                read(self.t_col.column, self.w_e, self.x_col, weight=self.model.W_E, run_time=2.0),
                FadeIn(self.x_label, run_time=0.4),
                run_time=2.4,
            ),
            hold=1.0,
        )

    def vector_to_guess(self) -> None:
        best = int(np.argmax(self.shown.p_example))
        self.p_col = VocabColumn(
            self.shown.p_example, self.shown.words, side=RIGHT, readout=[best], cell_height=CELL, cell_width=0.32,
        )  # fmt: skip
        self.p_col.shift(RIGHT * (3.6 - self.p_col.column.get_x()) + UP * (0.2 - self.p_col.cells.get_y()))
        p_label = MathTex(r"\mathrm{softmax}(W_U\,x)", font_size=MATH_SIZE_LABEL)
        p_label.next_to(self.p_col.column, DOWN, buff=0.15)
        self.column_labels = VGroup(self.x_label, p_label)
        self.beat(
            f"The unembedding turns them into scores; softmax makes those a guess: "
            f"'{self.shown.vocab[best]}', {self.shown.p_example[best]:.0%}.",
            Succession(
                read(self.x_col, self.w_u, self.p_col.column, run_time=2.0),
                FadeIn(VGroup(self.p_col.names, *self.p_col.readouts.values(), p_label), run_time=0.6),
                run_time=2.6,
            ),
            hold=1.2,
        )

    def true_table(self) -> None:
        n = self.shown
        self.true_table_mob = self.table(
            n.true_log,
            MathTex(rf"\text{{story: }}\ln\big({n.d_vocab}\,P(\text{{next}}\mid\text{{current}})\big)",
                    font_size=MATH_SIZE_LABEL),
        )  # fmt: skip
        self.model_table = self.table(
            n.model_logits,
            MathTex(rf"\text{{model: }}T + \ln {n.d_vocab}", font_size=MATH_SIZE_LABEL),
        )
        # side by side, grids level (the headers differ in height)
        self.model_table.next_to(self.true_table_mob, RIGHT, buff=1.1)
        self.model_table.shift(UP * (self.true_table_mob.cells.get_y() - self.model_table.cells.get_y()))
        self.pair = pair = VGroup(self.true_table_mob, self.model_table)
        pair.shift(RIGHT * (-0.8 - pair.get_x()) + UP * (SAFE_FRAME.top - 0.05 - pair.get_top()[1]))
        self.beat(
            "So all it can learn is which word follows which: a bigram table.",
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
            ),  # fmt: skip
            run_time=0.8,
            hold=1.0,
        )
        self.beat(
            f"Here is the story's, on a log scale: blue is likelier than a blind 1-in-{n.d_vocab} guess, "
            f"red rarer.",
            FadeIn(self.true_table_mob, shift=0.2 * RIGHT),
            run_time=1.2,
            hold=1.0,
        )

    def model_table_beat(self) -> None:
        self.beat(
            "Beside it, the model's own table, T: the same pattern, blurred.",
            FadeIn(self.model_table, shift=0.2 * LEFT),
            run_time=1.4,
            hold=1.0,
        )

    def example_pair(self) -> None:
        n = self.shown
        i, j = n.vocab.index("the"), n.word_id
        self.cell_frames = VGroup(
            *[block_frame(t, rows=slice(i, i + 1), cols=slice(j, j + 1), color=TEXT_COLOR)
              for t in (self.true_table_mob, self.model_table)]
        )  # fmt: skip
        times, total = story_count(n, EXAMPLE_WORD, "the")
        self.under = VGroup(
            self.under_table(
                self.true_table_mob,
                rf"\text{{`{EXAMPLE_WORD}' then `the': {times} of {total}}} = {n.story_freq[j, i]:.0%}".replace(
                    "%", r"\%"
                ),
            ),
            self.under_table(
                self.model_table,
                rf"\text{{`{EXAMPLE_WORD}' then `the': }} {n.model_probs[j, i]:.0%}".replace("%", r"\%"),
            ),
        )
        self.beat(
            f"After '{EXAMPLE_WORD}', the story has 'the' {times} times in {total}, "
            f"{n.story_freq[j, i]:.0%}; the model says {n.model_probs[j, i]:.0%}.",
            Create(self.cell_frames),
            FadeIn(self.under),
            run_time=1.2,
            hold=1.0,
        )

    def rank_limit(self) -> None:
        n = self.shown
        ranks = VGroup(
            self.under_table(self.true_table_mob, rf"\operatorname{{rank}} = {n.true_rank}"),
            self.under_table(
                self.model_table,
                rf"({n.d_vocab}\times{n.d_model})\,({n.d_model}\times{n.d_vocab}):\ "
                rf"\operatorname{{rank}} = {n.model_rank}",
            ),
        )
        old, self.under = self.under, ranks
        self.beat(
            f"Why blurred? The model's table is {n.d_vocab}-by-{n.d_model} times {n.d_model}-by-{n.d_vocab}, "
            f"so its rank is {n.model_rank}: it uses only {n.model_rank} directions.",
            FadeOut(self.cell_frames),
            FadeOut(old),
            FadeIn(ranks),
            run_time=1.0,
            hold=1.0,
        )

    def singular_values_beat(self) -> None:
        n = self.shown
        sv = n.singular_values
        parts = [r"\sigma:\ "]
        for k, s in enumerate(sv):
            parts.append(sigma_text(s))
            if k < len(sv) - 1:
                parts.append(r",\,")
        self.sigma = MathTex(*parts, font_size=MATH_SIZE_LABEL)
        self.sigma.next_to(self.pair, DOWN, buff=0.2)
        self.sigma.shift(RIGHT * (SIGMA_LEFT - self.sigma.get_left()[0]))
        self.sigma_values = [self.sigma[1 + 2 * k] for k in range(len(sv))]
        self.beat(
            f"The singular values measure how much each direction carries: all {n.true_rank} of the "
            f"story's are above zero.",
            FadeOut(self.under),
            FadeIn(self.sigma),
            run_time=1.0,
            hold=1.0,
        )

    def keep_largest(self) -> None:
        n = self.shown
        self.brace = self.kept_brace(n.d_model)
        self.beat(
            f"The model's stream is {n.d_model} numbers wide: it keeps the {n.d_model} largest, drops the rest.",
            *self.keep_first(n.d_model),
            FadeIn(self.brace),
            run_time=1.2,
            hold=1.0,
        )

    def kept_brace(self, k: int) -> VGroup:
        brace = Brace(VGroup(*self.sigma_values[:k]), DOWN, buff=0.06, color=MUTED_TEXT_COLOR)
        error = table_error(k, self.shown.true_log)
        label = MathTex(
            rf"d_{{\mathrm{{model}}}} = {k}:\ \text{{off by }}{error:.0%}".replace("%", r"\%"),
            font_size=MATH_SIZE_LABEL,
        )
        # at a fixed place left of the brace, under the row's "sigma:", so it never runs into the legend
        label.next_to(self.sigma_values[0], LEFT, buff=0.15).match_y(brace).shift(0.06 * DOWN)
        label.shift(RIGHT * (self.sigma_values[0].get_left()[0] - 0.15 - label.get_right()[0]))
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
        steps = [AnimationGroup(*self.show_rank(d), run_time=0.4) for d in range(1, n.d_vocab + 1)]
        self.beat(
            f"A wider stream keeps more: off by {table_error(1, n.true_log):.0%} with 1 number, "
            f"{table_error(n.d_model, n.true_log):.0%} with {n.d_model}, exact with {n.d_vocab}.",
            Succession(*steps, run_time=0.4 * n.d_vocab),
            hold=1.4,
        )
        assert np.allclose(self.model_table.values, n.true_log.T + n.chance_shift)
