"""zero_layer: with no layers, ``T = W_U W_E`` is a low-rank bigram table.

Storyboard: with no layers the model is ``T = W_U W_E``; it can only learn
bigram statistics, and only a rank-``d_model`` approximation of them. The true
bigram table of the story shipped with the package is shown beside the model's.

Every number comes from :func:`~circuit_clips.toy_models.bigram_log_probs` (the
story's table, lightly smoothed), :func:`~circuit_clips.toy_models.bigram_counts` (the
counts the captions quote) and :func:`~circuit_clips.toy_models.zero_layer_model` (its
``W_E``, ``W_U`` and forward pass). Tables are drawn in the paper's orientation:
column = current word, row = next word. They show chances (each column sums to 1):
the story's ``P(next | current)`` and the model's ``softmax(T)``, on the one value
scale with a legend ticked at 0, 0.1 and 1. The model's ``T`` is the best rank-``d_model``
fit to the story's log-chances; the singular values shown are those of that log table.

Captions are paced to be read (``pace_to_captions``); nothing is drawn in the
caption band.
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
    ReplacementTransform,
    Succession,
    SurroundingRectangle,
    Text,
    VGroup,
)

from circuit_clips.circuits import paper_weight, rank, softmax
from circuit_clips.kit import (
    EQUATION_LINE,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    SAFE_FRAME,
    STAGE,
    STREAM_COLOR,
    TEXT_COLOR,
    ClipScene,
    ColorBar,
    EquationStrip,
    HeatMap,
    VectorColumn,
    VocabColumn,
    block_frame,
    format_value,
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
#: The word the story (and the model) most often puts after it.
NEXT_WORD = "the"
ROW = 0.34  # row height of the one-word pipeline (t, W_U and the logits share rows)
COL = 0.3  # column width of W_E and W_U
TABLE_CELL = 0.28  # cell side of the two d_vocab x d_vocab tables
LABEL_SIZE = 24  # word labels a caption talks about: readable at 480p
CHANCE_TICKS = (0.0, 0.1, 1.0)  # the tables' legend: chances
SIGMA_SIZE = 32  # the singular values: readable at 480p, thirteen of them in a column
SIGMA_BUFF = 0.05  # with the title "(not per word)": values are not read as rows of the tables
WINNER_SIZE = 36  # the winning logit's value, printed large beside its frame


@dataclass(frozen=True)
class ZeroLayerNumbers:
    """Every number the clip shows; tables are ``[current word, next word]`` (the code's orientation)."""

    model: AttnOnlyTransformer
    d_model: int
    d_vocab: int
    vocab: list[str]
    words: list[str]  # the vocabulary as printed ("other" for the catch-all token)
    true_log: np.ndarray  # the story's bigram log-probabilities (lightly smoothed)
    true_probs: np.ndarray  # the story's table as drawn: exp(true_log)
    story_freq: np.ndarray  # count / row total: the story's own frequencies
    model_logits: np.ndarray  # W_E W_U: T, transposed
    model_probs: np.ndarray  # softmax over the next word: the model's table as drawn
    sweep_probs: tuple  # model_probs of a d_model = 1, 2, ..., d_vocab model
    model_rank: int
    true_rank: int
    singular_values: np.ndarray  # of true_log
    word_id: int  # EXAMPLE_WORD
    next_id: int  # NEXT_WORD
    x_example: np.ndarray  # the model's stream for EXAMPLE_WORD
    logits_example: np.ndarray  # W_U x
    p_example: np.ndarray  # its guess for the next word


def model_probs(d_model: int) -> np.ndarray:
    """The chances ``softmax(W_E W_U)`` of a ``d_model``-wide zero-layer model, ``[current, next]``."""
    wider = zero_layer_model(d_model=d_model)
    return softmax(wider.W_E @ wider.W_U)


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
        sweep_probs=tuple(model_probs(d) for d in range(1, model.d_vocab + 1)),
        model_rank=rank(model_logits),
        true_rank=rank(true_log),
        singular_values=np.linalg.svd(true_log, compute_uv=False),
        word_id=word_id,
        next_id=vocab.index(NEXT_WORD),
        x_example=cache["hook_embed"][0],
        logits_example=logits[0],
        p_example=softmax(logits[0]),
    )


def sigma_text(s: float) -> str:
    """A singular value as shown: one decimal, or two significant digits below 1 (so the
    smallest, about 0.0013, shows as non-zero: rank 13 is visibly true)."""
    return f"{s:.1f}" if s >= 1 else f"{s:.2g}"


def winner_text(logit: float) -> str:
    """The winning logit as the clip prints it (two decimals, a true minus sign)."""
    return format_value(logit, 2)


def percent(p: float) -> str:
    """A chance as the clip prints it: a whole percentage."""
    return f"{p:.0%}"


def story_count(shown: ZeroLayerNumbers, current: str, following: str) -> tuple[int, int]:
    """``(times current is followed by following, times current is followed by anything)`` in the story."""
    counts = bigram_counts(shown.d_vocab - 1)[1]
    i, j = shown.vocab.index(current), shown.vocab.index(following)
    return int(counts[i, j]), int(counts[i].sum())


def words_label(text: str, *, color=TEXT_COLOR, size: float = LABEL_SIZE) -> Text:
    """A short line of words at a size that reads at 480p."""
    return Text(text, font_size=size, color=color)


class ZeroLayer(ClipScene):
    title = "Zero-layer transformers"
    description = "With no layers, $T = W_U W_E$ is a rough bigram table."

    numbers = staticmethod(numbers)
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    def lay_out(self) -> None:
        self.strip = EquationStrip(top_buff=0.45, x=EQUATION_LINE.point(0.25)[0])  # the legend on its right
        self.build_pipeline()
        self.build_tables()

    def story(self) -> None:
        # A word goes in through W_E and straight out through W_U
        self.one_word_in()
        self.word_to_vector()
        self.vector_to_guess()
        # All it can learn is a bigram table: the story's true one, beside the model's
        self.true_table()
        self.model_table_beat()
        self.example_pair()
        # W_U W_E has rank d_model: it keeps the story's d_model strongest directions
        self.rank_limit()
        self.singular_values_beat()
        self.keep_largest()
        # A wider stream keeps more
        self.wider_stream()

    def summary(self) -> None:
        n = self.shown
        self.end_on_summary(
            f"No layers: a bigram table, squeezed through {n.d_model} numbers.",
            AnimationGroup(*self.show_width(n.d_model), run_time=1.2),
            FadeIn(self.under, run_time=1.2),
            hold=2.4,
        )

    # --- building blocks ---------------------------------------------------------
    def build_pipeline(self) -> None:
        """t -> W_E -> x -> W_U -> logits, left to right on the stage, their rows level."""
        n, model = self.shown, self.model
        self.t_col = VocabColumn(
            np.eye(n.d_vocab)[n.word_id], n.words, side=LEFT, cell_height=ROW, cell_width=ROW,
            outline_color=STREAM_COLOR, label="t", font_size=LABEL_SIZE,
        )  # fmt: skip
        self.w_e = HeatMap(
            paper_weight(model, "W_E"), cell_size=(COL, ROW), col_labels=n.words, col_labels_rotated=True,
            font_size=LABEL_SIZE,
        )  # fmt: skip
        self.x_col = VectorColumn(n.x_example, cell_height=ROW, cell_width=ROW)
        self.w_u = HeatMap(paper_weight(model, "W_U"), cell_size=(COL, ROW))
        self.logit_col = VocabColumn(
            n.logits_example, n.words, side=RIGHT, cell_height=ROW, cell_width=ROW, font_size=LABEL_SIZE
        )
        parts = [self.t_col, self.w_e, self.x_col, self.w_u, self.logit_col]
        VGroup(*parts).arrange(RIGHT, buff=0.7)
        for part in parts[1:]:
            part.shift(UP * (self.t_col.cells.get_y() - part.cells.get_y()))
        self.w_e_label = MathTex(
            rf"W_E\ ({n.d_model} \times {n.d_vocab})", r"\text{: embed}", font_size=MATH_SIZE_LABEL
        ).next_to(self.w_e, UP, buff=0.15)
        self.w_u_label = MathTex(
            rf"W_U\ ({n.d_vocab} \times {n.d_model})", r"\text{: unembed}", font_size=MATH_SIZE_LABEL
        ).next_to(self.w_u, UP, buff=0.15)
        self.x_label = VGroup(
            MathTex(r"x = W_E\,t", font_size=MATH_SIZE_LABEL),
            words_label(f"{n.d_model} numbers", color=MUTED_TEXT_COLOR),
        ).arrange(DOWN, buff=0.08)
        self.x_label.next_to(self.x_col, DOWN, buff=0.15)
        self.logit_label = MathTex(r"W_U\,x\text{: logits}", font_size=MATH_SIZE_LABEL)
        self.logit_label.next_to(self.logit_col.column, DOWN, buff=0.15)
        self.of_frame = block_frame(self.w_e, cols=slice(n.word_id, n.word_id + 1))
        self.guess = MathTex(
            percent(n.p_example[n.next_id]).replace("%", r"\%"), font_size=MATH_SIZE_BODY
        ).next_to(self.logit_col.names[n.next_id], RIGHT, buff=0.3)
        self.pipeline = VGroup(
            *parts, self.w_e_label, self.w_u_label, self.x_label, self.logit_label, self.of_frame, self.guess
        )
        STAGE.place(self.pipeline)

    def table(self, probs: np.ndarray, header: str, *, row_labels: bool = True) -> HeatMap:
        """A d_vocab x d_vocab table of chances ``[current, next]``, drawn next x current.

        Without ``row_labels`` the table is read against the one beside it (same rows, level).
        """
        words = self.shown.words
        heat = HeatMap(
            probs.T, cell_size=TABLE_CELL, row_labels=words if row_labels else None, col_labels=words,
            col_labels_rotated=True, row_title="next word" if row_labels else None, col_title="current word",
            font_size=LABEL_SIZE,
        )  # fmt: skip
        heat.header = words_label(header).next_to(heat.col_title, UP, buff=0.15).match_x(heat.cells)
        heat.add(heat.header)
        return heat

    def build_tables(self) -> None:
        """The story's table and the model's side by side at the top left; the singular values right of them."""
        n = self.shown
        self.story_table = self.table(n.true_probs, "the story: how often")
        self.model_table = self.table(n.model_probs, "the model: softmax(T)", row_labels=False)
        tables = VGroup(self.story_table, self.model_table).arrange(RIGHT, buff=0.6)
        self.model_table.shift(UP * (self.story_table.cells.get_y() - self.model_table.cells.get_y()))
        SAFE_FRAME.place(tables, UP + LEFT, buff=0.05)
        self.chances = ColorBar(ticks=CHANCE_TICKS, width=2.2, title=None)
        chance_title = words_label("chance", color=MUTED_TEXT_COLOR)
        self.chances.add(chance_title.next_to(self.chances.bar, UP, buff=0.1))
        self.chances.next_to(tables, RIGHT, buff=0.35).align_to(tables, UP)
        self.sigma_panel = self.sigma_column().next_to(self.chances, DOWN, buff=0.2, aligned_edge=LEFT)
        assert SAFE_FRAME.contains(self.sigma_panel), "the singular values must end above the caption band"

    def sigma_column(self) -> VGroup:
        """The story's singular values, largest first, one a line, under a two-line title."""
        title = VGroup(
            MathTex(r"\sigma\text{: strengths}", font_size=MATH_SIZE_BODY),
            words_label("singular values", color=MUTED_TEXT_COLOR),
            words_label("(not per word)"),
        ).arrange(DOWN, buff=0.08, aligned_edge=LEFT)
        self.sigma_values = VGroup(
            *[MathTex(sigma_text(s), font_size=SIGMA_SIZE) for s in self.shown.singular_values]
        ).arrange(DOWN, buff=SIGMA_BUFF, aligned_edge=LEFT)
        return VGroup(title, self.sigma_values).arrange(DOWN, buff=0.1, aligned_edge=LEFT)

    def under_table(self, table: HeatMap, mob) -> VGroup:
        """A short line centred under a table's grid."""
        return mob.next_to(table.cells, DOWN, buff=0.2).match_x(table.cells)

    def kept_brace(self, k: int) -> VGroup:
        """A brace right of the first ``k`` singular values, named by the stream width that keeps them."""
        brace = Brace(VGroup(*self.sigma_values[:k]), RIGHT, buff=0.1, color=MUTED_TEXT_COLOR)
        label = VGroup(
            MathTex(rf"d_{{\mathrm{{model}}}} = {k}", font_size=MATH_SIZE_BODY),
            words_label("kept", color=MUTED_TEXT_COLOR),
        ).arrange(DOWN, buff=0.08)
        label.next_to(brace, RIGHT, buff=0.1)
        return VGroup(brace, label)

    def keep_first(self, k: int) -> list:
        """Animations showing the first ``k`` singular values as kept, the rest as dropped."""
        return [
            value.animate.set_color(TEXT_COLOR if i < k else MUTED_TEXT_COLOR).set_opacity(
                1 if i < k else 0.4
            )
            for i, value in enumerate(self.sigma_values)
        ]

    def show_width(self, d: int) -> list:
        """Animations turning the model's table into that of a ``d_model = d`` model."""
        new = self.kept_brace(d)
        old, self.brace = self.brace, new
        return [
            self.model_table.animate_values(self.shown.sweep_probs[d - 1].T),
            FadeOut(old, run_time=0.01),
            FadeIn(new, run_time=0.01),
            *self.keep_first(d),
        ]

    # --- beats -----------------------------------------------------------------
    def one_word_in(self) -> None:
        equation = self.strip.tex(r"\mathrm{logits} = T\,t,\qquad T = W_U W_E")
        self.legend = EQUATION_LINE.place(ColorBar(), RIGHT)
        self.pipe_chances = EQUATION_LINE.place(
            ColorBar(ticks=CHANCE_TICKS, width=2.2, title="chance"), RIGHT
        )
        self.beat(
            "No layers: a word goes in and comes straight back out.",
            self.strip.show(equation),
            FadeIn(VGroup(self.t_col, self.w_e, self.w_e_label, self.w_u, self.w_u_label)),
            FadeIn(self.legend),
            run_time=1.2,
            hold=0.4,
        )

    def word_to_vector(self) -> None:
        n = self.shown
        column = self.w_e.column(n.word_id)
        assert np.allclose(self.w_e.values[:, n.word_id], n.x_example), "x is the word's column of W_E"
        self.beat(
            f"'{EXAMPLE_WORD}' picks its column of the embedding: {n.d_model} numbers, x.",
            Succession(
                Create(self.of_frame, run_time=0.4),
                AnimationGroup(
                    ReplacementTransform(column.copy(), self.x_col, run_time=1.2),
                    FadeIn(self.x_label, run_time=0.6),
                ),
            ),
            hold=0.4,
        )

    def vector_to_guess(self) -> None:
        n = self.shown
        assert np.allclose(n.x_example @ self.model.W_U, n.logits_example), "the logits are W_U x"
        best = int(np.argmax(n.logits_example))
        assert best == n.next_id
        lit = SurroundingRectangle(self.w_u, buff=0.06, color=TEXT_COLOR)
        top = SurroundingRectangle(
            VGroup(self.logit_col.row(best), self.logit_col.names[best]), buff=0.06, color=TEXT_COLOR
        ).set_stroke(width=7)
        value = Text(winner_text(n.logits_example[best]), font_size=WINNER_SIZE, color=TEXT_COLOR)
        value.next_to(top, RIGHT, buff=0.2)
        self.winner = VGroup(value, words_label("highest").next_to(value, UP, buff=0.1))
        self.pipeline.add(top)
        self.beat(
            f"The unembedding scores each word (its logit): '{NEXT_WORD}' scores highest.",
            Succession(
                Create(lit, run_time=0.4),
                FadeIn(
                    VGroup(self.logit_col.column, self.logit_col.names, self.logit_label), shift=0.3 * RIGHT
                ),
                AnimationGroup(FadeOut(lit), Create(top), FadeIn(self.winner, scale=1.3), run_time=0.5),
            ),
            hold=0.4,
        )
        chances = MathTex(r"\mathrm{softmax}(W_U\,x)\text{: chances}", font_size=MATH_SIZE_LABEL)
        chances.move_to(self.logit_label, aligned_edge=UP)
        self.beat(
            f"Softmax turns scores into chances: '{NEXT_WORD}' gets {percent(n.p_example[n.next_id])}.",
            self.logit_col.animate_values(n.p_example, run_time=0.8),
            FadeOut(VGroup(self.logit_label, self.legend, self.winner), run_time=0.4),
            FadeIn(VGroup(chances, self.guess, self.pipe_chances), run_time=0.8),
            hold=0.4,
        )
        self.pipeline.add(chances)

    def true_table(self) -> None:
        self.beat(
            "All it can learn is which word follows which ('other': rarer words).",
            FadeOut(VGroup(self.pipeline, self.pipe_chances, self.strip.current)),
            FadeIn(VGroup(self.story_table, self.chances), shift=0.2 * RIGHT),
            run_time=1.2,
            hold=0.4,
        )

    def model_table_beat(self) -> None:
        self.beat(
            "Beside it, the model's table: the same pattern, blurred.",
            FadeIn(self.model_table, shift=0.2 * LEFT),
            run_time=1.0,
            hold=0.4,
        )

    def example_pair(self) -> None:
        n = self.shown
        j, i = n.word_id, n.next_id
        self.cell_frames = VGroup(
            *[
                block_frame(t, rows=slice(i, i + 1), cols=slice(j, j + 1))
                for t in (self.story_table, self.model_table)
            ]
        )
        times, total = story_count(n, EXAMPLE_WORD, NEXT_WORD)
        pair = f"'{EXAMPLE_WORD}' → '{NEXT_WORD}'"
        self.under = VGroup(
            self.under_table(
                self.story_table, words_label(f"{pair}: {times} of {total} = {percent(n.story_freq[j, i])}")
            ),
            self.under_table(self.model_table, words_label(f"{pair}: {percent(n.model_probs[j, i])}")),
        )
        self.beat(
            f"After '{EXAMPLE_WORD}', the story has '{NEXT_WORD}' {times} times in {total}; "
            f"the model says {percent(n.model_probs[j, i])}.",
            Create(self.cell_frames),
            FadeIn(self.under),
            run_time=1.0,
            hold=0.4,
        )

    def rank_limit(self) -> None:
        n = self.shown
        ranks = VGroup(
            self.under_table(
                self.story_table, MathTex(rf"\operatorname{{rank}}\ {n.true_rank}", font_size=MATH_SIZE_LABEL)
            ),
            self.under_table(
                self.model_table,
                MathTex(
                    rf"T:\ ({n.d_vocab}\times{n.d_model})({n.d_model}\times{n.d_vocab}),\ "
                    rf"\operatorname{{rank}}\ {n.model_rank}",
                    font_size=MATH_SIZE_LABEL,
                ),
            ),
        )
        old, self.under = self.under, ranks
        self.beat(
            f"Why blurred? T is {n.d_vocab}×{n.d_model} times {n.d_model}×{n.d_vocab}: rank {n.model_rank}, "
            f"only {n.model_rank} directions.",
            FadeOut(VGroup(self.cell_frames, old), run_time=0.5),
            FadeIn(ranks),
            run_time=1.0,
            hold=0.4,
        )

    def singular_values_beat(self) -> None:
        n = self.shown
        self.beat(
            f"The story's table has {n.true_rank} directions; σ says how strong each is.",
            FadeIn(self.sigma_panel),
            run_time=1.0,
            hold=0.4,
        )

    def keep_largest(self) -> None:
        n = self.shown
        self.brace = self.kept_brace(n.d_model)
        self.beat(
            f"A stream {n.d_model} numbers wide keeps the {n.d_model} strongest and drops the rest.",
            *self.keep_first(n.d_model),
            FadeIn(self.brace),
            run_time=1.0,
            hold=0.4,
        )

    def wider_stream(self) -> None:
        n = self.shown
        widths = range(n.d_model + 1, n.d_vocab + 1)
        steps = [AnimationGroup(*self.show_width(d), run_time=0.4) for d in widths]
        self.beat(
            f"A wider stream keeps more: with {n.d_vocab} numbers, the two tables match.",
            FadeOut(self.under, run_time=0.4),
            Succession(*steps, run_time=0.4 * len(widths)),
            hold=0.8,
        )
        assert np.allclose(self.model_table.values, n.true_probs.T)
