"""one_layer: path expansion of a one-layer model; heads as skip-trigram tables.

Storyboard: logits = direct path ``W_U W_E`` + sum over heads
``A^h (x) (W_U W_OV^h W_E)``. Each head is a table of skip-trigrams
``[source] ... [destination] -> [out]``: ``keep ... in -> mind``, then the bug
``keep ... in -> bay`` with the model's real logits, and copying (an OV
circuit with positive eigenvalues raises the token it attends to).

Every number comes from :func:`~circuit_clips.toy_models.skip_trigram_model`
run on ``keep it in``: the patterns are the cache's, the per-head terms are
:func:`~circuit_clips.circuits.path_expansion`'s, the tables are
:func:`~circuit_clips.circuits.full_ov_circuit` (drawn in the paper's
orientation, ``W_U W_OV W_E``: column = source token, row = output token) and
the eigenvalues are :func:`~circuit_clips.circuits.ov_eigenvalues`.

Heads are named the TransformerLens way on screen (``L0H0`` = layer 0, head 0, as in
``docs/notation.md``), said once in a caption. The skip-trigram, the clip's moment, is its
largest text. Captions are paced to be read (``pace_to_captions``) and nothing is drawn in
the caption band: every panel is placed on the stage as one group.
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
    Brace,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    Line,
    MathTex,
    Rectangle,
    ReplacementTransform,
    Succession,
    Text,
    VGroup,
    smooth,
    squish_rate_func,
)

from circuit_clips.circuits import full_qk_circuit, ov_eigenvalues, paper_full_ov_circuit, path_expansion
from circuit_clips.kit import (
    BACKGROUND_COLOR,
    FONT_SIZE_MIN,
    LOGIT_COLOR,
    MATH_SIZE_BODY,
    MUTED_TEXT_COLOR,
    STAGE,
    TEXT_COLOR,
    AttentionPatternMap,
    ClipScene,
    ColorBar,
    EquationStrip,
    HeatMap,
    TokenRow,
    VectorColumn,
    VocabColumn,
    block_frame,
    format_value,
    head_color,
    merge,
    write,
)
from circuit_clips.kit.theme import value_text_color
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import skip_trigram_model

PROMPT = ["keep", "it", "in"]
OV_CELL = 0.44  # the OV tables, the head terms and the logits share this row height
PATTERN_CELL = (1.1, 0.66)  # wide enough for a weight printed to 4 decimals
WEIGHT_DIGITS = 4  # 10 x 0.9999 = 9.999: the product checks on screen
DIGITS = 3  # decimals of the logits on screen
LABEL_SIZE = 24  # words a caption talks about: readable at 480p
MOMENT_SIZE = 42  # the skip-trigram lines: the largest text on screen
OPENING_SIZE = 44  # the path expansion while it is explained, left of the prompt
NOTE_SIZE = 36  # the notes under it
DIM = 0.3  # opacity of a part of the formula not being talked about (or zero in this toy)


@dataclass(frozen=True)
class OneLayerNumbers:
    """The skip-trigram model on :data:`PROMPT`: its paths, patterns, tables and logits."""

    model: AttnOnlyTransformer
    vocab: list[str]
    ids: np.ndarray  # PROMPT as token ids
    last: int  # the last position
    logits: np.ndarray  # [pos, d_vocab]
    patterns: np.ndarray  # [head, destination, source]
    paths: dict[str, np.ndarray]  # "direct", "L0H0", "L0H1": [pos, d_vocab]
    ov_tables: list[np.ndarray]  # per head, paper W_U W_OV W_E: [out, source]
    qk_table: np.ndarray  # head 0's [destination token, source token]
    eigenvalues: np.ndarray  # head 1's OV eigenvalues
    final: np.ndarray  # the logits after the last token
    mind: int
    bay: int
    keep: int


def numbers() -> OneLayerNumbers:
    """Run the skip-trigram model on :data:`PROMPT`; expand its logits into paths."""
    model = skip_trigram_model()
    vocab = model.vocab
    ids = model.to_tokens(PROMPT)
    last = len(PROMPT) - 1
    logits, cache = model.run_with_cache(ids)
    paths = path_expansion(model, ids)
    assert np.allclose(sum(paths.values()), logits)
    final = logits[last]
    mind, bay = vocab.index("mind"), vocab.index("bay")
    assert final[mind] == final[bay], "the bug: mind and bay tie exactly"
    return OneLayerNumbers(
        model=model,
        vocab=vocab,
        ids=ids,
        last=last,
        logits=logits,
        patterns=cache["blocks.0.attn.hook_pattern"],
        paths=paths,
        ov_tables=[paper_full_ov_circuit(model, 0, h) for h in range(model.n_heads)],
        qk_table=full_qk_circuit(model, 0, 0),
        eigenvalues=ov_eigenvalues(model, 0, 1),
        final=final,
        mind=mind,
        bay=bay,
        keep=vocab.index("keep"),
    )


def skip_trigrams(shown: OneLayerNumbers, head: int) -> list[tuple[str, str, str, float]]:
    """``(source, destination, out, strength)`` of a head: destination attends to source, source writes out."""
    table = shown.ov_tables[head]
    found = []
    for d, s in zip(*np.nonzero(shown.qk_table > 0)):
        for o in np.nonzero(table[:, s] > 0)[0]:
            found.append((shown.vocab[s], shown.vocab[d], shown.vocab[o], float(table[o, s])))
    return found


def head_name(head: int) -> str:
    """A layer-0 head's name as the screen writes it (TransformerLens's ``L0H1``)."""
    return rf"\mathrm{{L0H{head}}}"


def cell_number(value: float) -> str:
    """A table entry as printed on its cell: a whole number (the toy's tables hold 0, 5 and 10)."""
    return format_value(value, 0)


def trigram(out: str, *, dest: str = "in", bug: bool = False) -> MathTex:
    """``keep ... dest -> out`` in the clip's largest type; a bug says so."""
    parts = [r"\text{keep}", r"\dots", rf"\text{{{dest}}}", r"\to", rf"\text{{{out}}}"]
    if bug:
        parts.append(r"\ \text{(bug)}")
    return MathTex(*parts, font_size=MOMENT_SIZE, color=TEXT_COLOR)


def words(text: str, *, color=TEXT_COLOR, size: float = LABEL_SIZE) -> Text:
    """A short line of words at a size that reads at 480p."""
    return Text(text, font_size=size, color=color)


class OneLayer(ClipScene):
    title = "One-layer transformers"
    description = "Each head is a table of skip-trigrams, bugs included."

    numbers = staticmethod(numbers)
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    def lay_out(self) -> None:
        self.strip = EquationStrip(top_buff=0.3)
        self.build_opening()
        self.build_panels()

    def story(self) -> None:
        # logits = direct path + one term per head, built and named
        self.sum_of_paths()
        self.direct_path_named()
        self.head_terms_named()
        self.two_heads()
        self.prompt_in()
        # L0H0: where it looks, what it writes, its term in the logits
        self.head_looks()
        self.head_writes()
        self.head0_term()
        # keep ... in -> mind, and the bug keep ... in -> bay
        self.skip_trigram()
        self.the_bug()
        # L0H1 copies
        self.copying_head()
        self.copying_eigenvalues()
        self.head1_term()
        self.paths_summed()

    def summary(self) -> None:
        self.end_on_summary(
            "One head: a skip-trigram with its bug. The other: a copier.",
            *self.poster(),
            run_time=1.4,
            hold=2.4,
        )

    # --- building ----------------------------------------------------------------
    def build_opening(self) -> None:
        """The path expansion, large on the stage, with a note under each of its two parts."""
        self.opening = MathTex(
            "T", "=", r"\mathrm{Id}\otimes W_U W_E", "+", r"\sum_h A^h \otimes W_U W_{OV}^h W_E",
            font_size=OPENING_SIZE,
        )  # fmt: skip
        STAGE.place(self.opening, UP + LEFT, buff=0.3)  # the prompt, shown from the start, on its right
        self.direct_note = self.note(
            self.opening[2],
            r"\text{direct path}",
            r"W_E\text{: embed},\ W_U\text{: unembed}",
            r"\mathrm{Id}\text{: each word alone}",
        )
        self.heads_note = self.note(
            self.opening[4],
            r"\text{one term per head } h",
            r"A^h\text{: its attention}",
            r"W_U W_{OV}^h W_E\text{: its table}",
            r"\otimes\text{: mix positions, then map words}",
        )
        self.direct_note[1].align_to(self.opening, LEFT)  # its lines start under the formula's start
        self.heads_note[1].align_to(self.heads_note[0], LEFT)  # and under their brace's start
        room = self.heads_note.get_left()[0] - 0.4 - self.direct_note.get_right()[0]
        self.heads_note[1].shift(RIGHT * max(0.0, -room))  # under the prompt, which is higher

    @staticmethod
    def note(part, *lines: str) -> VGroup:
        """A brace under ``part`` of the opening equation and lines of explanation under it."""
        brace = Brace(part, DOWN, buff=0.15, color=MUTED_TEXT_COLOR)
        text = VGroup(*[MathTex(line, font_size=NOTE_SIZE) for line in lines])
        text.arrange(DOWN, buff=0.15, aligned_edge=LEFT).next_to(brace, DOWN, buff=0.2)
        text.set_color(TEXT_COLOR)
        return VGroup(brace, text)

    def pattern_map(self, head: int) -> AttentionPatternMap:
        pattern = AttentionPatternMap(
            self.shown.patterns[head], PROMPT, color=head_color(0, head), cell_size=PATTERN_CELL,
            row_title="destination", col_title="source", font_size=LABEL_SIZE,
        )  # fmt: skip
        last = self.shown.last
        pattern.entries = VGroup(
            *[
                words(format_value(w, WEIGHT_DIGITS), size=FONT_SIZE_MIN).move_to(pattern.cell(last, j))
                for j, w in enumerate(self.shown.patterns[head][last])
            ]
        )  # the last row's weights: the ones the head's term uses
        pattern.entries.set_stroke(BACKGROUND_COLOR, width=3, background=True)  # light text, dark rim: reads
        # on the mid-blue of 0.9999 as well as on the dark of 0.0000
        pattern.add(pattern.entries)
        pattern.masks.set_stroke(width=2, opacity=0.8)  # "no looking ahead" stays visible at 480p
        pattern.header = MathTex(
            f"A^{{{head_name(head)}}}", font_size=MATH_SIZE_BODY, color=head_color(0, head)
        )
        pattern.header.next_to(pattern.col_title, UP, buff=0.15).match_x(pattern.cells)
        pattern.add(pattern.header)
        return pattern

    def ov_map(self, head: int) -> HeatMap:
        """Head ``head``'s table ``W_U W_OV W_E``, its non-zero entries printed on their cells."""
        values = self.shown.ov_tables[head]
        table = HeatMap(
            values, cell_size=OV_CELL, row_labels=self.shown.vocab, col_labels=self.shown.vocab,
            col_labels_rotated=True, row_title="output", col_title="source", outline_color=head_color(0, head),
            font_size=LABEL_SIZE,
        )  # fmt: skip
        table.outline.set_stroke(width=3)
        table.entries = VGroup(
            *[
                words(cell_number(values[o, s]), color=value_text_color(values[o, s])).move_to(
                    table.cell(o, s)
                )
                for o, s in zip(*np.nonzero(np.round(values, 6)))
            ]
        )
        table.add(table.entries)
        table.header = MathTex(
            rf"W_U W_{{OV}}^{{{head_name(head)}}} W_E", font_size=MATH_SIZE_BODY, color=head_color(0, head)
        )
        table.header.next_to(table.col_title, UP, buff=0.15).match_x(table.cells)
        table.add(table.header)
        return table

    def build_panels(self) -> None:
        """Attention pattern (and the skip-trigrams under it), the head's table, its term, the logits."""
        n = self.shown
        self.patterns = [self.pattern_map(h) for h in range(n.model.n_heads)]
        self.tables = [self.ov_map(h) for h in range(n.model.n_heads)]
        self.trigrams = VGroup(trigram("mind"), trigram("bay", dest="at"), trigram("bay", bug=True)).arrange(
            DOWN, buff=0.1, aligned_edge=LEFT
        )
        self.copy_note = VGroup(
            MathTex(rf"\text{{each word}} \to \text{{itself: +{self.self_raise()}}}", font_size=MOMENT_SIZE),
            self.eigen_line(),
        ).arrange(DOWN, buff=0.3, aligned_edge=LEFT)
        # the left column is as wide as its widest text (the poster shows them all there)
        room = max(self.trigrams.width, self.copy_note.width)
        spacer = Line(ORIGIN, room * RIGHT, stroke_opacity=0)
        self.legend = ColorBar(ticks=(0, 0.1, 1, 10), width=2.4, title=None)  # every value shown is >= 0
        left = VGroup(self.legend, self.patterns[0], self.trigrams).arrange(
            DOWN, buff=0.25, aligned_edge=LEFT
        )
        self.trigrams.shift(0.15 * UP)  # three lines: they stay clear of the caption band
        left.add(spacer.move_to(left.get_left(), aligned_edge=LEFT))
        self.logit_col = VocabColumn(
            n.paths["direct"][n.last], n.vocab, side=RIGHT, readout="all", digits=DIGITS, cell_height=OV_CELL,
            cell_width=0.45,
            outline_color=LOGIT_COLOR, font_size=LABEL_SIZE,
        )  # fmt: skip
        self.term_slot = VectorColumn(np.zeros(len(n.vocab)), cell_height=OV_CELL, cell_width=0.45)
        row = VGroup(left, self.tables[0], self.term_slot, self.logit_col).arrange(RIGHT, buff=0.25)
        grid = self.tables[0].cells
        left.shift(UP * (grid.get_top()[1] - self.patterns[0].cells.get_top()[1]))
        for column in (self.term_slot, self.logit_col):
            column.shift(UP * (grid.get_y() - column.cells.get_y()))
        self.logit_title = words(f"logits after '{PROMPT[-1]}'").next_to(self.logit_col.column, UP, buff=0.2)
        self.prompt = TokenRow([*PROMPT, "?"], font_size=28).next_to(self.logit_title, UP, buff=0.2)
        for mob in (self.logit_title, self.prompt):
            mob.match_x(VGroup(self.term_slot, self.logit_col))
        readout_room = words(format_value(n.final.max(), DIGITS)).set_opacity(0)  # the widest printed logit
        readout_room.next_to(self.logit_col.names, RIGHT, buff=0.2)
        self.panels = VGroup(row, self.logit_title, self.prompt, readout_room)
        STAGE.place(self.panels)
        for new, old in ((self.patterns[1], self.patterns[0]), (self.tables[1], self.tables[0])):
            new.shift(old.cells.get_center() - new.cells.get_center())
        self.copy_note.move_to(self.trigrams, aligned_edge=UP + LEFT)
        # the bar's ticks are evenly spaced though 0.1, 1 and 10 are not: its title says so. It sits right
        # of the bar (not in the arranged column, whose width sets the table's place)
        bar_title = words("value (log scale)").next_to(self.legend, RIGHT, buff=0.25)
        bar_title.align_to(self.legend.get_top(), UP)
        self.legend = VGroup(self.legend, bar_title)
        opening = VGroup(self.opening, self.direct_note, self.heads_note)
        assert self.opening.get_right()[0] < self.prompt.get_left()[0] - 0.2, (
            "the prompt shows beside the formula"
        )
        assert self.heads_note.get_top()[1] < self.prompt.get_bottom()[1], "and above its notes"
        assert opening.get_left()[0] >= STAGE.left, "the opening fits the stage"

    def self_raise(self) -> str:
        """What the copying head's table adds to a word for attending to it (its diagonal, all equal)."""
        diagonal = np.diagonal(self.shown.ov_tables[1])
        assert np.allclose(diagonal, diagonal[0]) and diagonal[0] > 0
        return cell_number(diagonal[0])

    def eigen_line(self) -> MathTex:
        eig = self.shown.eigenvalues
        assert np.allclose(eig.imag, 0) and np.all(eig.real > 0)
        if np.allclose(eig, eig[0]):
            text = rf"\lambda_1 = \dots = \lambda_{len(eig)} = {format_value(eig[0].real, 0)}"
        else:
            text = r"\lambda = " + r",\ ".join(format_value(v, 1) for v in eig.real)
        return MathTex(text, font_size=MOMENT_SIZE, color=head_color(0, 1))

    def head_term(self, head: int, run_time: float) -> tuple[VectorColumn, VGroup, Succession]:
        """Head ``head``'s term for the last position: its table's columns of the prompt's words (framed),
        weighted by the head's attention and merged. Returns the term, the frames and the merge."""
        n, table, color = self.shown, self.tables[head], head_color(0, head)
        sources = [
            VectorColumn(n.ov_tables[head][:, tok], cell_height=OV_CELL, cell_width=OV_CELL, outline_color=color)
            .move_to(table.column(int(tok)))
            for tok in n.ids
        ]  # fmt: skip
        term = VectorColumn(
            n.paths[f"L0H{head}"][n.last], cell_height=OV_CELL, cell_width=0.45, outline_color=color
        )
        term.move_to(self.term_slot)
        frames = VGroup(*[block_frame(table, cols=slice(int(t), int(t) + 1), color=color) for t in n.ids])
        return term, frames, merge(sources, n.patterns[head][n.last], term, run_time=run_time)

    def add_term(self, term: VectorColumn) -> AnimationGroup:
        """The term is added to the logits; their printed values change with their colours."""
        before = self.logit_col.values.copy()
        adding = write(term, self.logit_col.column, side=LEFT, gap=0.3, plus_color=TEXT_COLOR, run_time=1.2)
        assert np.allclose(self.logit_col.values, before + term.values)
        # write() recolours the cells in its last 55%: the printed values change in that same span
        numbers = self.logit_col.update_readouts(
            "all", rate_func=squish_rate_func(smooth, 0.45, 1.0), run_time=1.2
        )
        return AnimationGroup(adding, numbers, run_time=1.2)

    def row_box(self, first: int, last: int | None = None) -> Rectangle:
        """One frame around adjacent rows ``first..last`` of the logits (cells, names, printed values),
        a little outside the column's outline so that its left edge does not double the outline."""
        last = first if last is None else last
        assert last >= first
        rows = VGroup(*[self.logit_col.row(i) for i in range(first, last + 1)])
        left = self.logit_col.column.outline.get_left()[0] - 0.08
        frame = Rectangle(
            width=rows.get_right()[0] + 0.08 - left, height=(last - first + 1) * OV_CELL, color=TEXT_COLOR
        )
        return frame.move_to(rows).align_to(left * RIGHT, LEFT)

    # --- beats -----------------------------------------------------------------
    def sum_of_paths(self) -> None:
        self.beat(
            "One attention-only layer: its logits T are a sum of paths.",
            FadeIn(self.opening, shift=0.2 * DOWN),
            LaggedStart(*[FadeIn(t, shift=0.2 * DOWN) for t in self.prompt.tiles], lag_ratio=0.15),
            run_time=1.2,
            hold=0.4,
        )

    def direct_path_named(self) -> None:
        self.show_note(
            "Direct path: each word alone, embedded then unembedded.",
            self.direct_note,
            self.opening[4].animate.set_opacity(DIM),
        )

    def head_terms_named(self) -> None:
        self.show_note(
            "Plus a term per head: its attention and its table.",
            self.heads_note,
            self.opening[4].animate.set_opacity(1),
            self.opening[2].animate.set_opacity(DIM),
            self.direct_note.animate.set_opacity(DIM),
        )

    def show_note(self, caption: str, note: VGroup, *lighting) -> None:
        """A note comes in under its part of the formula while the other part dims."""
        self.beat(caption, FadeIn(note, shift=0.1 * DOWN), *lighting, run_time=0.8, hold=0.4)

    def two_heads(self) -> None:
        expanded = self.strip.tex(
            "T", "=", r"\mathrm{Id}\otimes W_U W_E", "+",
            rf"A^{{{head_name(0)}}} \otimes W_U W_{{OV}}^{{{head_name(0)}}} W_E", "+",
            rf"A^{{{head_name(1)}}} \otimes W_U W_{{OV}}^{{{head_name(1)}}} W_E",
            colors={4: head_color(0, 0), 6: head_color(0, 1)},
        )  # fmt: skip
        self.strip.place(expanded)
        self.strip.current = expanded
        self.expanded = expanded
        self.head_names = VGroup(
            *[
                MathTex(
                    rf"{head_name(h)}:\ \text{{layer 0, head {h}}}",
                    font_size=MOMENT_SIZE,
                    color=head_color(0, h),
                )
                for h in range(self.shown.model.n_heads)
            ]
        ).arrange(DOWN, buff=0.4, aligned_edge=LEFT)
        toy = words("a toy model: its weights are set by hand", size=NOTE_SIZE * 0.8)
        self.head_names.add(toy.next_to(self.head_names, DOWN, buff=0.5, aligned_edge=LEFT))
        STAGE.place(self.head_names)
        self.beat(
            "Two heads: L0H0 and L0H1.",
            Succession(
                AnimationGroup(
                    FadeOut(VGroup(self.direct_note, self.heads_note)),
                    *[ReplacementTransform(self.opening[i], expanded[i]) for i in range(4)],
                    FadeOut(self.opening[4]),
                    FadeIn(expanded[4:]),
                    run_time=0.5,
                ),  # the sum becomes the two heads' terms as the whole line moves up: no lone "+"
                FadeIn(self.head_names, run_time=0.3),
            ),  # the names come in once the notes are gone: nothing fades in over what is fading out
            hold=0.4,
        )
        self.remove(*expanded)  # its parts came in one by one: the strip holds it whole
        self.add(expanded)

    def prompt_in(self) -> None:
        assert np.allclose(self.logit_col.values, 0), "the caption says the direct path is zero"
        self.beat(
            f"Prompt: '{' '.join(PROMPT)}'. Here the direct path is zero.",
            FadeOut(self.head_names, run_time=0.4),
            FadeIn(VGroup(self.logit_col, self.logit_title, self.legend)),
            self.expanded[2:4].animate.set_opacity(DIM),  # the direct path and its "+": zero here
            run_time=1.2,
            hold=0.4,
        )

    def head_looks(self) -> None:
        n = self.shown
        weight = n.patterns[0][n.last]
        src = int(np.argmax(weight))
        assert weight[src] > 0.99
        self.row_frame = block_frame(self.patterns[0], rows=slice(n.last, n.last + 1))
        self.beat(
            f"L0H0 attends from '{PROMPT[n.last]}': {format_value(weight[src], WEIGHT_DIGITS)} "
            f"at '{PROMPT[src]}' (slashes: no looking ahead).",
            FadeIn(self.patterns[0]),
            Create(self.row_frame),
            run_time=1.2,
            hold=0.4,
        )

    def head_writes(self) -> None:
        n = self.shown
        raised = np.nonzero(n.ov_tables[0][:, n.keep] > 0)[0]
        gains = {cell_number(n.ov_tables[0][o, n.keep]) for o in raised}
        assert len(gains) == 1
        self.col_frame = block_frame(self.tables[0], cols=slice(n.keep, n.keep + 1))
        names = " and ".join(f"'{n.vocab[o]}'" for o in raised)
        self.beat(
            f"Its table: attending to 'keep' raises {names} by {gains.pop()}.",
            FadeIn(self.tables[0]),
            Create(self.col_frame),
            run_time=1.2,
            hold=0.4,
        )

    def head0_term(self) -> None:
        term, frames, merging = self.head_term(0, run_time=2.2)  # slow: the copies cross the table
        self.beat(
            "Its term: the prompt words' columns, weighted by attention.",
            Succession(
                FadeOut(VGroup(self.row_frame, self.col_frame), run_time=0.3),
                Create(frames, run_time=0.4),
                merging,
                FadeOut(frames, run_time=0.3),
            ),
            hold=0.2,
        )
        assert np.allclose(self.logit_col.values, 0), "the logits were all zero"
        self.beat("Added to the logits, all zero so far.", self.add_term(term), hold=0.4)

    def skip_trigram(self) -> None:
        n = self.shown
        mind = self.logit_col.values[n.mind]
        gain, weight = n.ov_tables[0][n.mind, n.keep], n.patterns[0][n.last][0]
        assert np.isclose(mind, gain * weight) and PROMPT[0] == "keep"
        self.boxes = [self.row_box(n.mind)]
        self.beat(
            f"Skip-trigram: 'keep', later 'in', gives 'mind' {format_value(mind, DIGITS)}: "
            f"{cell_number(gain)} × its attention.",
            FadeIn(self.trigrams[0], shift=0.2 * UP),
            Create(self.boxes[0]),
            run_time=1.2,
            hold=0.6,
        )

    def the_bug(self) -> None:
        """Where 'bay' comes from: the one 'keep' column also serves ``keep ... at -> bay``, and what the
        head writes depends only on the word it looks at, not on the word that asked ('in' or 'at')."""
        n = self.shown
        bay = self.logit_col.values[n.bay]
        assert n.bay == n.mind + 1, "one box holds the tie"
        assert ("keep", "at", "bay") in {t[:3] for t in skip_trigrams(n, 0)}
        pair = self.row_box(n.mind, n.bay)
        self.col_frame = block_frame(self.tables[0], cols=slice(n.keep, n.keep + 1))
        self.beat(
            "The 'keep' column also serves 'keep … at → bay'.",
            FadeIn(self.trigrams[1], shift=0.2 * UP),
            Create(self.col_frame),
            run_time=0.8,
            hold=0.4,
        )
        self.beat(
            f"It can't tell 'in' from 'at': 'bay' gets {format_value(bay, DIGITS)} too. A bug.",
            FadeIn(self.trigrams[2], shift=0.2 * UP),
            ReplacementTransform(self.boxes[0], pair),
            run_time=0.8,
            hold=0.4,
        )
        self.boxes = [pair]

    def copying_head(self) -> None:
        n = self.shown
        w = n.patterns[1][n.last]
        assert np.allclose(w, w[0])
        self.beat(
            f"L0H1 looks at every word evenly; its table raises each by {self.self_raise()}.",
            Succession(
                FadeOut(
                    VGroup(
                        self.patterns[0],
                        self.tables[0],
                        self.trigrams,
                        self.col_frame,
                        *self.boxes,
                    ),
                    run_time=0.5,
                ),
                AnimationGroup(
                    FadeIn(VGroup(self.patterns[1], self.tables[1])),
                    FadeIn(self.copy_note[0], shift=0.2 * UP),
                    run_time=0.7,
                ),
            ),  # L0H0's pattern and table are gone before L0H1's come in their place: no overlap
            hold=0.4,
        )

    def copying_eigenvalues(self) -> None:
        """Eigenvalue, said in plain words in the equation line, shown on one column: 'keep' comes out
        as 5 times 'keep' (the column's only entry is on its own row)."""
        n = self.shown
        column = n.ov_tables[1][:, n.keep]
        assert np.count_nonzero(np.round(column, 6)) == 1 and column[n.keep] > 0
        self.beat(
            f"Eigenvalue λ: a word comes out λ times itself. All "
            f"+{format_value(n.eigenvalues.real.min(), 0)}: it copies.",
            FadeIn(self.copy_note[1], shift=0.2 * UP),
            *self.strip.change_to(self.eigen_gloss(), "cross_fade"),
            run_time=0.8,
            hold=0.4,
        )

    def eigen_gloss(self) -> MathTex:
        """The word 'eigenvalue' said in plain words, large, in the equation line."""
        gloss = MathTex(
            r"\lambda\text{, an eigenvalue: the table turns a word into }\lambda\times\text{itself}",
            font_size=MOMENT_SIZE,
            color=TEXT_COLOR,
        )
        self.strip.place(gloss)
        return gloss

    def head1_term(self) -> None:
        n = self.shown
        term, frames, merging = self.head_term(1, run_time=1.9)
        assert np.allclose(n.patterns[1][n.last], 1 / len(PROMPT))
        self.beat(
            "Its term: a third of each prompt word's column.",
            Succession(
                AnimationGroup(*self.strip.change_to(self.expanded.copy(), "cross_fade"), run_time=0.3),
                # the formula is back, whole, before the columns move
                Create(frames, run_time=0.2),
                merging,
                FadeOut(frames, run_time=0.3),
            ),
            hold=0.4,
        )
        third = n.paths["L0H1"][n.last].max()
        self.beat(
            f"It adds {format_value(third, DIGITS)}, a third of {self.self_raise()}, to each prompt word.",
            self.add_term(term),
            hold=0.4,
        )

    def paths_summed(self) -> None:
        n = self.shown
        assert np.allclose(self.logit_col.values, n.final)
        mind, bay = n.final[n.mind], n.final[n.bay]
        assert format_value(mind, DIGITS) == format_value(bay, DIGITS)
        self.boxes = [self.row_box(n.mind, n.bay)]
        self.beat(
            f"All paths summed: 'mind' and 'bay' still tie at {format_value(mind, DIGITS)}.",
            *[Create(box) for box in self.boxes],
            run_time=0.8,
            hold=0.4,
        )

    def poster(self) -> list:
        """The summary frame: the skip-trigrams and the copying note side by side under their heads' names."""
        heads = VGroup(
            VGroup(
                MathTex(head_name(0), font_size=MATH_SIZE_BODY, color=head_color(0, 0)), self.trigrams.copy()
            ),
            VGroup(
                MathTex(head_name(1), font_size=MATH_SIZE_BODY, color=head_color(0, 1)), self.copy_note.copy()
            ),
        )
        for block in heads:
            block.arrange(DOWN, buff=0.2, aligned_edge=LEFT)
        heads.arrange(DOWN, buff=0.6, aligned_edge=LEFT)
        shown = VGroup(self.patterns[1], self.tables[1], self.copy_note)
        heads.move_to(shown)  # both heads' lines where the copier's pattern and table were: one head each
        return [Succession(FadeOut(shown), FadeIn(heads))]
