"""zero_layer: with no layers, ``T = W_U W_E`` is a bigram table squeezed through ``d_model`` numbers.

Storyboard: with no layers the model is ``T = W_U W_E``; it can only learn
bigram statistics, and only a rank-``d_model`` approximation of them. The true
bigram table of the story shipped with the package is shown beside the model's.

Every number comes from :func:`~circuit_clips.toy_models.bigram_counts` (the story's
table as drawn, and the counts the captions quote) and
:func:`~circuit_clips.toy_models.zero_layer_model` (its ``W_E``, ``W_U``, forward pass and
the wider models of the sweep). Tables are drawn in the paper's orientation: column =
current word, row = next word. They show chances (each column sums to 1): the story's
``count / column total`` and the model's ``softmax(T)``, on the one value scale with a
legend ticked at 0, 0.1 and 1. The model's ``T`` is the best rank-``d_model`` fit to the
story's (lightly smoothed) log-chances: the clip says "T mixes d_model patterns (the columns of
W_U)" for rank, since each word's scores ``W_U x`` mix W_U's columns by x's d_model numbers.

Captions are paced to be read (``pace_to_captions``); nothing is drawn in the
caption band.
"""

from dataclasses import dataclass
from importlib import resources

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    MathTex,
    MoveAlongPath,
    Rectangle,
    SurroundingRectangle,
    Text,
    VGroup,
    VMobject,
)

from circuit_clips.circuits import paper_weight, rank, softmax
from circuit_clips.kit import (
    BACKGROUND_COLOR,
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
)
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import (
    OTHER_TOKEN,
    TEXT_FILE,
    bigram_counts,
    bigram_frequencies,
    bigram_log_probs,
    zero_layer_model,
)

#: The word sent through the model in the first beats.
EXAMPLE_WORD = "of"
#: The word the story (and the model) most often puts after it.
NEXT_WORD = "the"
#: The catch-all token as printed: the rest of the words (all but the twelve most frequent), lumped together.
RARE_LABEL = "rest"
#: The stream widths the sweep steps through after d_model = 4 (the last is d_vocab: the full table).
SWEEP_WIDTHS = (6, 9, 13)
SWEEP_OUT, SWEEP_IN, SWEEP_HOLD = 0.25, 0.6, 0.6  # per width: the old numbers leave, the new arrive, stay
ROW = 0.3  # row height of the one-word pipeline (t, W_U and the logits share rows)
COL = 0.3  # column width of W_E and W_U
PIPE_BUFF = 0.9  # between the pipeline's parts: room for the labels under x
TABLE_CELL = (0.31, 0.28)  # cell width, height of the two tables: room between the upright column labels
LABEL_SIZE = 24  # word labels a caption talks about: readable at 480p
PAIR_SIZE = 34  # the tracked pair's numbers under the tables: the clip's key moment
CHANCE_TICKS = (0.0, 0.1, 1.0)  # the tables' legend: chances
DIM = 0.6  # how much the rare-words row is darkened: it is not what the clip is about


@dataclass(frozen=True)
class ZeroLayerNumbers:
    """Every number the clip shows; tables are ``[current word, next word]`` (the code's orientation)."""

    model: AttnOnlyTransformer
    d_model: int
    d_vocab: int
    vocab: list[str]
    words: list[str]  # the vocabulary as printed (RARE_LABEL for the catch-all token)
    true_log: np.ndarray  # the story's bigram log-probabilities, lightly smoothed: what the model is fit to
    story_freq: np.ndarray  # count / row total: the story's table as drawn
    model_logits: np.ndarray  # W_E W_U: T, transposed
    model_probs: np.ndarray  # softmax over the next word: the model's table as drawn
    sweep_probs: tuple  # model_probs of a d_model = 1, 2, ..., d_vocab model
    model_rank: int
    true_rank: int
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
        words=[w if w != OTHER_TOKEN else RARE_LABEL for w in vocab],
        true_log=true_log,
        story_freq=bigram_frequencies(model.d_vocab - 1)[1],
        model_logits=model_logits,
        model_probs=softmax(model_logits),
        sweep_probs=tuple(model_probs(d) for d in range(1, model.d_vocab + 1)),
        model_rank=rank(model_logits),
        true_rank=rank(true_log),
        word_id=word_id,
        next_id=vocab.index(NEXT_WORD),
        x_example=cache["hook_embed"][0],
        logits_example=logits[0],
        p_example=softmax(logits[0]),
    )


def percent(p: float) -> str:
    """A chance as the clip prints it: a whole percentage."""
    return f"{p:.0%}"


def story_count(shown: ZeroLayerNumbers, current: str, following: str) -> tuple[int, int]:
    """``(times current is followed by following, times current is followed by anything)`` in the story."""
    counts = bigram_counts(shown.d_vocab - 1)[1]
    i, j = shown.vocab.index(current), shown.vocab.index(following)
    return int(counts[i, j]), int(counts[i].sum())


def story_title() -> str:
    """The story's title: the first line of the text the tables count."""
    text = resources.files("circuit_clips").joinpath("data", TEXT_FILE).read_text("utf-8")
    return text.splitlines()[0].strip()


def tracked_chance(shown: ZeroLayerNumbers, d_model: int) -> float:
    """The chance a ``d_model``-wide model gives :data:`NEXT_WORD` after :data:`EXAMPLE_WORD`."""
    return float(shown.sweep_probs[d_model - 1][shown.word_id, shown.next_id])


def words_label(text: str, *, color=TEXT_COLOR, size: float = LABEL_SIZE) -> Text:
    """A short line of words at a size that reads at 480p."""
    return Text(text, font_size=size, color=color)


def shade(cells: VGroup) -> Rectangle:
    """A dark veil over ``cells``: drawn on top, so it stays through the tables' recolouring."""
    veil = SurroundingRectangle(cells, buff=0, stroke_width=0)
    return veil.set_fill(BACKGROUND_COLOR, opacity=DIM)


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
        # All it can learn is a bigram table: the story's, beside the model's, one pair tracked
        self.tables()
        self.example_pair()
        # T has rank d_model: a mix of d_model patterns; a wider stream mixes more
        self.why_blurred()
        self.wider_stream()

    def summary(self) -> None:
        self.end_on_summary("No layers: a bigram table, as sharp as x is wide.", hold=2.0)

    # --- building blocks ---------------------------------------------------------
    def build_pipeline(self) -> None:
        """t -> W_E -> x -> W_U -> logits, left to right on the stage, their rows level."""
        n, model = self.shown, self.model
        self.t_col = VocabColumn(
            np.eye(n.d_vocab)[n.word_id], n.words, side=LEFT, cell_height=ROW, cell_width=ROW,
            outline_color=STREAM_COLOR, font_size=LABEL_SIZE,
            label=VGroup(MathTex("t", font_size=MATH_SIZE_LABEL), words_label("the word", color=MUTED_TEXT_COLOR))
            .arrange(DOWN, buff=0.08),
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
        VGroup(*parts).arrange(RIGHT, buff=PIPE_BUFF)
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
        self.chances_label = VGroup(
            MathTex(r"\mathrm{softmax}(W_U\,x)\text{: chances}", font_size=MATH_SIZE_LABEL),
            words_label("only score gaps matter", color=MUTED_TEXT_COLOR),
        ).arrange(DOWN, buff=0.08)
        self.chances_label.move_to(self.logit_label, aligned_edge=UP)
        # low enough that the lifted 'of' column passes between it and W_E
        self.rest_note = self.rest_label().next_to(self.w_e, DOWN, buff=self.w_e.cells.height + 0.5)
        self.pipeline = VGroup(
            *parts, self.w_e_label, self.w_u_label, self.x_label, self.logit_label, self.of_frame, self.guess,
            self.rest_note,
        )  # fmt: skip
        STAGE.place(VGroup(self.pipeline, self.chances_label))
        self.rare_veil = VGroup(shade(self.logit_col.names[-1]), shade(self.logit_col.row(n.d_vocab - 1)))

    @staticmethod
    def story_note() -> VGroup:
        """What 'the story' is: the short text shipped with the package, named by its title line."""
        title = story_title().split()
        return VGroup(
            words_label("the story: the text"),
            words_label("it learns from,", color=MUTED_TEXT_COLOR),
            words_label("'" + " ".join(title[:4]), color=MUTED_TEXT_COLOR),
            words_label(" ".join(title[4:]) + "'", color=MUTED_TEXT_COLOR),
        ).arrange(DOWN, buff=0.08, aligned_edge=LEFT)

    @staticmethod
    def rest_label() -> Text:
        """What the catch-all token's label means."""
        return words_label(f"{RARE_LABEL}: other words", color=MUTED_TEXT_COLOR)

    def table(self, probs: np.ndarray, header: str, *, row_labels: bool = True) -> HeatMap:
        """A d_vocab x d_vocab table of chances ``[current, next]``, drawn next x current.

        Without ``row_labels`` the table is read against the one beside it (same rows, level).
        The rare-words row is veiled: those are many words at once, not the pattern the clip is about.
        """
        words = self.shown.words
        heat = HeatMap(
            probs.T, cell_size=TABLE_CELL, row_labels=words if row_labels else None, col_labels=words,
            col_labels_rotated=True, row_title="next word" if row_labels else None, col_title="current word",
            font_size=LABEL_SIZE,
        )  # fmt: skip
        heat.header = words_label(header).next_to(heat.col_title, UP, buff=0.15).match_x(heat.cells)
        heat.add(heat.header)
        last = len(words) - 1
        heat.add(shade(VGroup(heat.row(last), *([heat.row_labels[last]] if row_labels else []))))
        return heat

    def build_tables(self) -> None:
        """The story's table and the model's side by side at the top left; the legend and the width panel right."""
        n = self.shown
        self.story_table = self.table(n.story_freq, "the story: how often")
        self.model_table = self.table(n.model_probs, "the model: softmax(T)", row_labels=False)
        tables = VGroup(self.story_table, self.model_table).arrange(RIGHT, buff=0.25)
        self.model_table.shift(UP * (self.story_table.cells.get_y() - self.model_table.cells.get_y()))
        SAFE_FRAME.place(tables, UP + LEFT, buff=0.05)
        self.chances = ColorBar(ticks=CHANCE_TICKS, width=2.2, title=None)
        chance_title = words_label("chance", color=MUTED_TEXT_COLOR)
        self.chances.add(chance_title.next_to(self.chances.bar, UP, buff=0.1))
        self.chances.next_to(tables, RIGHT, buff=0.15).align_to(tables, UP)
        self.table_note = VGroup(self.story_note(), self.rest_label()).arrange(
            DOWN, buff=0.25, aligned_edge=LEFT
        )
        self.table_note.next_to(self.chances, DOWN, buff=0.25, aligned_edge=LEFT)
        self.cell_frames = VGroup(
            *[
                block_frame(t, rows=slice(n.next_id, n.next_id + 1), cols=slice(n.word_id, n.word_id + 1))
                for t in (self.story_table, self.model_table)
            ]
        ).set_stroke(width=6)
        self.width_panel = self.width_lines(n.d_model)
        assert SAFE_FRAME.contains(self.width_panel), (
            "the width panel must stay in the frame, above the caption band"
        )

    def width_lines(self, d: int) -> VGroup:
        """Under the legend: T's shape for a ``d``-wide stream, and what that shape means in plain words.

        Line 0 (``T = W_U W_E``) and line 3 (the gloss of ``d_model``) never change; the sweep swaps the others.
        """
        n = self.shown
        lines = VGroup(
            MathTex(r"T = W_U W_E", font_size=MATH_SIZE_BODY),
            MathTex(rf"({n.d_vocab}\times{d})\,({d}\times{n.d_vocab})", font_size=MATH_SIZE_BODY),
            MathTex(rf"d_{{\mathrm{{model}}}} = {d}", font_size=MATH_SIZE_BODY),
            words_label("numbers in x", color=MUTED_TEXT_COLOR),
            words_label(f"T mixes {d} patterns"),
            MathTex(r"\text{(the columns of }W_U\text{)}", font_size=MATH_SIZE_LABEL, color=MUTED_TEXT_COLOR),
        ).arrange(DOWN, buff=0.15, aligned_edge=LEFT)
        lines[2].shift(0.15 * DOWN)
        lines[3:].shift(0.15 * DOWN)
        return lines.next_to(self.table_note, DOWN, buff=0.4, aligned_edge=LEFT)

    def pair_line(self, table: HeatMap, text: str, *, named: bool = True) -> VGroup:
        """The tracked pair's number centred under a table's grid (the last part), named by the pair or not."""
        parts = [words_label(f"'{EXAMPLE_WORD}' → '{NEXT_WORD}':", color=MUTED_TEXT_COLOR)] if named else []
        line = VGroup(*parts, words_label(text, size=PAIR_SIZE)).arrange(RIGHT, buff=0.12)
        line[0].align_to(line[-1], DOWN)
        return line.next_to(table.cells, DOWN, buff=0.2).match_x(table.cells)

    # --- beats -----------------------------------------------------------------
    def one_word_in(self) -> None:
        equation = self.strip.tex(r"\mathrm{logits} = T\,t,\qquad T = W_U W_E")
        self.legend = EQUATION_LINE.place(ColorBar(), RIGHT)
        self.pipe_chances = EQUATION_LINE.place(
            ColorBar(ticks=CHANCE_TICKS, width=2.2, title="chance"), RIGHT
        )
        self.beat(
            "No layers: a word goes straight in and out.",
            self.strip.show(equation),
            FadeIn(VGroup(self.t_col, self.w_e, self.w_e_label, self.w_u, self.w_u_label)),
            FadeIn(VGroup(self.logit_col.names, self.rare_veil[0], self.rest_note)),
            FadeIn(self.legend),
            run_time=1.2,
            hold=0.4,
        )

    def word_to_vector(self) -> None:
        """The 'of' column is lifted out: a veil dims W_E under it, the framed column travels to x."""
        n = self.shown
        assert np.allclose(self.w_e.values[:, n.word_id], n.x_example), "x is the word's column of W_E"
        veil = shade(self.w_e.cells).set_fill(opacity=0)
        lifted = self.w_e.column(n.word_id).copy()
        moving_frame = self.of_frame.copy()
        self.add(veil, lifted)  # the copy sits over the veil, exactly on its column: nothing changes yet
        carried = VGroup(lifted, moving_frame)
        # down out of W_E, along under it, up into x: it never sits on another column
        drop = (self.w_e.cells.height + 0.2) * DOWN
        start = carried.get_center()
        path = VMobject().set_points_as_corners([start, start + drop, self.x_col.get_center() + drop])
        path.add_line_to(self.x_col.get_center())  # same cells: it lands as x
        self.beat_in_steps(
            f"'{EXAMPLE_WORD}' picks its column of the embedding: x, {n.d_model} numbers.",
            [
                (0.4, Create(self.of_frame), veil.animate.set_fill(opacity=DIM)),
                (1.1, MoveAlongPath(carried, path)),
                (0.4, FadeIn(VGroup(self.x_col, self.x_label)), FadeOut(VGroup(carried, veil))),
            ],
            hold=0.4,
        )

    def vector_to_guess(self) -> None:
        n = self.shown
        assert np.allclose(n.x_example @ self.model.W_U, n.logits_example), "the logits are W_U x"
        assert int(np.argmax(n.logits_example)) == n.next_id
        lit = SurroundingRectangle(self.w_u, buff=0.06, color=TEXT_COLOR)
        top = SurroundingRectangle(
            VGroup(self.logit_col.row(n.next_id), self.logit_col.names[n.next_id]),
            buff=0.06,
            color=TEXT_COLOR,
        ).set_stroke(width=7)
        self.pipeline.add(top, self.chances_label)
        self.pipeline.remove(
            self.logit_label
        )  # it fades out here: the pipeline's exit must not bring it back
        self.beat_in_steps(
            f"Each next word gets a score, then a chance: '{NEXT_WORD}' {percent(n.p_example[n.next_id])}.",
            [
                (0.4, Create(lit)),
                (
                    0.6,
                    FadeOut(lit),
                    FadeIn(
                        VGroup(self.logit_col.column, self.rare_veil[1], self.logit_label), shift=0.3 * RIGHT
                    ),
                ),
                (
                    0.8,
                    self.logit_col.animate_values(n.p_example),
                    FadeOut(VGroup(self.logit_label, self.legend)),
                    FadeIn(VGroup(self.chances_label, self.guess, self.pipe_chances, top)),
                ),
            ],
            hold=0.4,
        )

    def tables(self) -> None:
        """The pipeline leaves between two captions, then the tables arrive under theirs: never overlapping."""
        self.play(
            FadeOut(VGroup(self.pipeline, self.rare_veil, self.pipe_chances, self.strip.current)),
            run_time=0.4,
        )
        self.beat_in_steps(
            "All it can learn: which word follows which.",
            [
                (  # quick: the caption's first words are not read over a dark screen
                    0.5,
                    FadeIn(
                        VGroup(self.story_table, self.model_table, self.chances, self.table_note),
                        shift=0.2 * UP,
                    ),
                )
            ],
            hold=0.4,
        )

    def example_pair(self) -> None:
        n = self.shown
        times, total = story_count(n, EXAMPLE_WORD, NEXT_WORD)
        self.story_pair = self.pair_line(
            self.story_table, f"{times} of {total} = {percent(n.story_freq[n.word_id, n.next_id])}"
        )
        self.model_pair = self.pair_line(self.model_table, percent(tracked_chance(n, n.d_model)), named=False)
        self.other_columns = VGroup(
            *[self.veil_other_columns(t) for t in (self.story_table, self.model_table)]
        )
        self.beat(
            f"After '{EXAMPLE_WORD}', '{NEXT_WORD}' comes {times} times in {total}; "
            f"the model says {percent(tracked_chance(n, n.d_model))}.",
            Create(self.cell_frames),
            FadeIn(VGroup(self.story_pair, self.model_pair, self.other_columns)),
            run_time=1.0,
            hold=0.4,
        )

    def veil_other_columns(self, table: HeatMap) -> VGroup:
        """Veils over every column but :data:`EXAMPLE_WORD`'s: its column alone shows sharp (story) vs spread (model)."""
        j, last = self.shown.word_id, self.shown.d_vocab - 1
        sides = [range(0, j), range(j + 1, last + 1)]
        return VGroup(*[shade(VGroup(*[table.column(k) for k in side])) for side in sides if len(side)])

    def why_blurred(self) -> None:
        n = self.shown
        self.width_vary = VGroup(
            *[self.width_panel[i] for i in (1, 2, 4)], self.model_pair
        )  # what the sweep swaps
        self.beat(
            f"Why? x holds only {n.d_model} numbers, so T mixes just {n.d_model} patterns.",
            FadeIn(self.width_panel),
            FadeOut(self.other_columns),
            run_time=1.0,
            hold=0.4,
        )

    def show_width(self, d: int) -> list[tuple]:
        """Steps turning the model's table, its tracked chance and the panel into a ``d``-wide model's.

        Only what changes is swapped (the shape, the width, the pattern count, the chance), in place:
        the old numbers are gone before the new ones arrive, then they stay still to be read.
        """
        n = self.shown
        panel, pair = (
            self.width_lines(d),
            self.pair_line(self.model_table, percent(tracked_chance(n, d)), named=False),
        )
        old, self.width_vary = self.width_vary, VGroup(panel[1], panel[2], panel[4], pair)
        return [
            (SWEEP_OUT, FadeOut(old)),
            (SWEEP_IN, self.model_table.animate_values(n.sweep_probs[d - 1].T), FadeIn(self.width_vary)),
            (SWEEP_HOLD,),
        ]

    def wider_stream(self) -> None:
        n = self.shown
        assert SWEEP_WIDTHS[-1] == n.d_vocab, "the sweep ends at the full width"
        self.beat_in_steps(
            f"Wider mixes more: at {n.d_vocab}, nearly the story's table.",
            [step for d in SWEEP_WIDTHS for step in self.show_width(d)],
            hold=0.6,
        )
        assert np.allclose(self.model_table.values, n.sweep_probs[-1].T)
