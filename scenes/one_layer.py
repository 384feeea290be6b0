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
``docs/notation.md``). Captions are paced to be read (``pace_to_captions``)
and nothing is drawn in the caption band: the skip-trigram lines sit under the attention pattern,
the eigenvalues under their table, the legend under the logits.
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
    Succession,
    VGroup,
)

from circuit_clips.circuits import full_qk_circuit, ov_eigenvalues, paper_full_ov_circuit, path_expansion
from circuit_clips.kit import (
    LOGIT_COLOR,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    SAFE_FRAME,
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
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import skip_trigram_model

PROMPT = ["keep", "it", "in"]
OV_CELL = 0.38  # the OV tables, the head terms and the logits share this row height
DIGITS = 3  # decimals of the logits on screen
PANEL_LEFT = -6.2  # left edge of the head panel
PANEL_TOP = 0.85  # top of the grids in the head panel
TERM_X, LOGIT_X = 2.6, 3.9  # the head's term and the logits
TRIGRAM_Y = -1.45  # the first skip-trigram line (under the attention pattern)


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


class OneLayer(ClipScene):
    title = "One-layer transformers"
    description = (
        r"A direct path plus one skip-trigram table per head: "
        r"$\text{keep} \dots \text{in} \to \text{mind}$, and a bug."
    )

    numbers = staticmethod(numbers)
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    def story(self) -> None:
        # logits = direct path + sum over heads of A^h (x) W_U W_OV^h W_E
        self.path_expansion_equation()
        self.tensor_key()
        self.direct_path()
        # Head 0: QK says where to look, OV what to write
        self.head_looks(0)
        self.head_table(0)
        self.head_term(0)
        # keep ... in -> mind, and the bug keep ... in -> bay
        self.skip_trigram()
        self.the_bug()
        # Head 1 copies
        self.copying_head()
        self.eigenvalues_beat()
        self.head_term(1)
        self.sum_of_paths()

    def summary(self) -> None:
        self.end_on_summary(
            "One layer: a table per head. The first maps keep, later in, to mind, and to bay by mistake. "
            "The second copies.",
            *self.summary_tables(),
            run_time=1.6,
            hold=2.4,
        )

    # --- pieces ----------------------------------------------------------------
    def pattern_map(self, head: int) -> VGroup:
        pattern = AttentionPatternMap(
            self.shown.patterns[head], PROMPT, color=head_color(0, head), cell_size=0.6,
            row_title="destination", col_title="source",
        )  # fmt: skip
        header = MathTex(f"A^{{{head_name(head)}}}", font_size=MATH_SIZE_BODY, color=head_color(0, head))
        header.next_to(pattern.col_title, UP, buff=0.2).match_x(pattern.cells)
        pattern.header = header
        pattern.add(header)
        return pattern

    def ov_map(self, head: int) -> HeatMap:
        table = HeatMap(
            self.shown.ov_tables[head], cell_size=OV_CELL, row_labels=self.shown.vocab, col_labels=self.shown.vocab,
            col_labels_rotated=True, row_title="output", col_title="source", outline_color=head_color(0, head),
        )  # fmt: skip
        table.outline.set_stroke(width=3)
        header = MathTex(
            rf"W_U W_{{OV}}^{{{head_name(head)}}} W_E", font_size=MATH_SIZE_BODY, color=head_color(0, head)
        )
        header.next_to(table.col_title, UP, buff=0.2).match_x(table.cells)
        table.header = header
        table.add(header)
        return table

    def place_left_panel(
        self, left: VGroup, right: VGroup, *, gap: float = 0.45, left_edge: float = PANEL_LEFT
    ) -> None:
        """Two maps side by side in the left part of the frame, grid tops level."""
        right.shift(UP * (PANEL_TOP - right.cells.get_top()[1]))
        left.next_to(right, LEFT, buff=gap)
        left.shift(UP * (right.cells.get_top()[1] - left.cells.get_top()[1]))
        VGroup(left, right).shift(RIGHT * (left_edge - min(left.get_left()[0], right.get_left()[0])))

    # --- beats -----------------------------------------------------------------
    def path_expansion_equation(self) -> None:
        self.strip = EquationStrip(top_buff=0.3, keep_centre=True)
        equation = self.strip.tex(
            r"T", "=", r"\mathrm{Id}\otimes W_U W_E", "+", r"\sum_h A^h \otimes W_U W_{OV}^h W_E"
        )
        self.beat(
            "One layer, attention only. Its logits, T, are a sum of paths: the direct path, plus one "
            "term per head.",
            self.strip.show(equation, shift=0.2 * DOWN),
            run_time=1.2,
            hold=1.0,
        )

    def tensor_key(self) -> None:
        self.key = MathTex(
            r"A \otimes W:\ ", r"\text{mix positions with the attention } A,\ \text{then map each word with } W",
            font_size=MATH_SIZE_LABEL, color=MUTED_TEXT_COLOR,
        )  # fmt: skip
        self.key.next_to(self.strip.current, DOWN, buff=0.3)
        self.beat(
            "A head's term mixes the positions by its attention, then maps each word through its table.",
            FadeIn(self.key, shift=0.1 * DOWN),
            run_time=1.0,
            hold=1.0,
        )

    def direct_path(self) -> None:
        direct = self.shown.paths["direct"][self.shown.last]
        assert np.allclose(direct, 0), "this model has no direct path"
        self.logit_col = VocabColumn(
            direct, self.shown.vocab, side=RIGHT, digits=DIGITS, cell_height=OV_CELL, cell_width=0.4,
            outline_color=LOGIT_COLOR,
        )  # fmt: skip
        grid_y = PANEL_TOP - len(self.shown.vocab) * OV_CELL / 2  # rows level with the OV tables' rows
        self.logit_col.shift(
            RIGHT * (LOGIT_X - self.logit_col.column.get_x()) + UP * (grid_y - self.logit_col.cells.get_y())
        )
        self.prompt = TokenRow([*PROMPT, "?"], font_size=28)
        self.prompt.move_to([LOGIT_X + 0.6, 2.25, 0])
        self.logit_title = MathTex(rf"\text{{logits after `{PROMPT[-1]}'}}", font_size=MATH_SIZE_LABEL)
        self.logit_title.next_to(self.logit_col.column, UP, buff=0.25).set_x(self.logit_col.get_x())
        # under the logits, above the caption band, clear of the head's term label
        self.legend = ColorBar(width=1.6, title=None)
        self.legend.to_edge(RIGHT, buff=0.35).set_y(SAFE_FRAME.bottom + 0.02 + self.legend.height / 2)
        self.beat(
            f"Prompt: '{' '.join(PROMPT)}'. The direct path, each word on its own (Id), is zero in this toy "
            f"(real models keep a bigram table there): every logit comes from a head.",
            FadeOut(self.key),
            LaggedStart(*[FadeIn(t, shift=0.2 * DOWN) for t in self.prompt.tiles], lag_ratio=0.15),
            FadeIn(self.logit_col),
            FadeIn(self.logit_title),
            FadeIn(self.legend),
            Indicate(self.strip.current[2], color=TEXT_COLOR),
            run_time=1.6,
            hold=1.0,
        )

    def head_looks(self, head: int) -> None:
        pattern = self.pattern = self.pattern_map(head)
        table = self.table = self.ov_map(head)
        self.place_left_panel(pattern, table)
        weight = self.shown.patterns[head][self.shown.last]
        src = int(np.argmax(weight))
        self.row_frame = block_frame(
            pattern, rows=slice(self.shown.last, self.shown.last + 1), color=TEXT_COLOR
        )
        anims = []
        if head == 0:
            expanded = self.strip.tex(
                r"T", "=", r"\mathrm{Id}\otimes W_U W_E", "+",
                rf"A^{{{head_name(0)}}} \otimes W_U W_{{OV}}^{{{head_name(0)}}} W_E", "+",
                rf"A^{{{head_name(1)}}} \otimes W_U W_{{OV}}^{{{head_name(1)}}} W_E",
                colors={4: head_color(0, 0), 6: head_color(0, 1)},
            )  # fmt: skip
            anims = self.strip.change_to(expanded, "match")  # the direct path stays; the sum gives way
            self.beat(
                "Layer 0 has two heads, L0H0 and L0H1: the sum has one term for each.",
                *anims,
                run_time=1.2,
                hold=1.0,
            )
        assert weight[src] > 0.99
        self.beat(
            f"Head L0H{head}'s QK circuit decides where to look: from '{PROMPT[self.shown.last]}', "
            f"almost only at '{PROMPT[src]}'.",
            FadeIn(pattern),
            Create(self.row_frame),
            run_time=1.6,
            hold=1.0,
        )

    def head_table(self, head: int) -> None:
        table = self.table
        keep = self.shown.vocab.index("keep")
        raised = np.nonzero(self.shown.ov_tables[head][:, keep] > 0)[0]
        col_frame = self.col_frame = block_frame(table, cols=slice(keep, keep + 1), color=TEXT_COLOR)
        words = " and ".join(f"'{self.shown.vocab[o]}'" for o in raised)
        self.beat(
            f"Its OV circuit, this table, decides what to write: attending to 'keep' raises {words}.",
            FadeIn(table),
            Create(col_frame),
            run_time=1.6,
            hold=1.0,
        )

    def head_term(self, head: int) -> None:
        """The head's term for the last position: the table's source columns, weighted by attention, added."""
        table, color = self.table, head_color(0, head)
        weights = self.shown.patterns[head][self.shown.last]
        term = self.shown.paths[f"L0H{head}"][self.shown.last]
        sources = []
        for tok in self.shown.ids:
            src = VectorColumn(
                self.shown.ov_tables[head][:, tok],
                cell_height=OV_CELL,
                cell_width=OV_CELL,
                outline_color=color,
            )
            sources.append(src.move_to(table.column(int(tok))))
        term_col = VectorColumn(term, cell_height=OV_CELL, cell_width=0.4, outline_color=color)
        term_col.move_to([TERM_X, self.logit_col.cells.get_y(), 0])
        term_label = MathTex(head_name(head), font_size=MATH_SIZE_LABEL, color=color)
        term_label.next_to(term_col, DOWN, buff=0.2)
        weight_text = "a third each" if np.allclose(weights, 1 / 3) else "by its attention"
        fades = [FadeOut(m) for m in (self.row_frame, self.col_frame) if m in self.mobjects]
        self.beat(
            f"L0H{head}'s term for '{PROMPT[self.shown.last]}': the table's columns of the prompt's words, "
            f"weighted {weight_text}, summed.",
            merge(sources, weights, term_col, run_time=2.6),
            FadeIn(term_label),
            *fades,
            hold=1.0,
        )
        before = self.logit_col.values.copy()
        adding = write(term_col, self.logit_col.column, side=LEFT, gap=0.35, plus_color=color, run_time=2.2)
        assert np.allclose(self.logit_col.values, before + term)
        raised = [self.shown.vocab[i] for i in np.nonzero(term > 1e-9)[0]]
        self.beat(
            "It is added to the logits."
            if head == 0
            else f"It adds {format_value(term.max(), DIGITS)} to {', '.join(repr(w) for w in raised)}: "
            f"the words already in the prompt.",
            Succession(adding, self.logit_col.update_readouts("nonzero", run_time=0.6), run_time=2.8),
            FadeOut(term_label, run_time=1.0),
            hold=1.0,
        )

    def skip_trigram(self) -> None:
        mind = self.logit_col.values[self.shown.mind]
        self.trigram_mind = MathTex(
            r"\text{keep}", r"\dots", r"\text{in}", r"\to", r"\text{mind}", font_size=MATH_SIZE_LABEL
        )  # fmt: skip
        self.trigram_mind.next_to(self.pattern.cells, DOWN, buff=0.4).set_y(TRIGRAM_Y)
        self.trigram_mind.shift(RIGHT * (PANEL_LEFT - self.trigram_mind.get_left()[0]))
        self.beat(
            f"'mind' gets {format_value(mind, DIGITS)}: a skip-trigram. 'keep', then later 'in', "
            f"predicts 'mind'.",
            FadeIn(self.trigram_mind, shift=0.2 * UP),
            Indicate(self.logit_col.row(self.shown.mind), color=TEXT_COLOR),
            run_time=1.4,
            hold=1.0,
        )

    def the_bug(self) -> None:
        bay = self.logit_col.values[self.shown.bay]
        self.trigram_bay = MathTex(
            r"\text{keep}", r"\dots", r"\text{in}", r"\to", r"\text{bay}", r"\ \text{(bug)}",
            font_size=MATH_SIZE_LABEL,
        )  # fmt: skip
        self.trigram_bay[5].set_color(MUTED_TEXT_COLOR)
        self.trigram_bay.next_to(self.trigram_mind, DOWN, buff=0.25, aligned_edge=LEFT)
        self.beat(
            f"But 'bay' gets {format_value(bay, DIGITS)} too: a bug. 'keep', then 'in', also predicts 'bay'.",
            FadeIn(self.trigram_bay, shift=0.2 * UP),
            Indicate(self.logit_col.row(self.shown.bay), color=TEXT_COLOR),
            run_time=1.4,
            hold=1.0,
        )
        keep = self.shown.vocab.index("keep")
        self.row_frame = block_frame(
            self.pattern, rows=slice(self.shown.last, self.shown.last + 1), color=TEXT_COLOR
        )
        self.col_frame = block_frame(self.table, cols=slice(keep, keep + 1), color=TEXT_COLOR)
        self.beat(
            f"Where to look and what to write are chosen apart: the 'keep' column never sees "
            f"'{PROMPT[self.shown.last]}'.",
            Create(self.row_frame),
            Create(self.col_frame),
            run_time=1.2,
            hold=1.0,
        )

    def copying_head(self) -> None:
        self.head0_table = self.table
        old_pattern = self.pattern
        pattern = self.pattern = self.pattern_map(1)
        table = self.table = self.ov_map(1)
        self.place_left_panel(pattern, table)
        eig = self.shown.eigenvalues
        assert np.allclose(eig.imag, 0) and np.all(eig.real > 0)
        if np.allclose(eig, eig[0]):
            eig_text = rf"\lambda_1 = \dots = \lambda_{len(eig)} = {format_value(eig[0].real, 0)}"
        else:
            eig_text = r"\lambda = " + r",\ ".join(format_value(v, 1) for v in eig.real)
        self.eig_label = MathTex(eig_text, font_size=MATH_SIZE_LABEL, color=head_color(0, 1))
        self.eig_label.next_to(table.cells, DOWN, buff=0.15).match_x(table.cells)
        w = self.shown.patterns[1][self.shown.last]
        assert np.allclose(w, w[0])
        self.beat(
            "Head L0H1 looks at every word evenly. Its table is diagonal: each word raises itself.",
            FadeOut(old_pattern),
            FadeOut(self.head0_table),
            FadeOut(self.row_frame),
            FadeOut(self.col_frame),
            FadeIn(pattern),
            FadeIn(table),
            FadeOut(VGroup(self.trigram_mind, self.trigram_bay)),
            run_time=1.6,
            hold=1.0,
        )

    def eigenvalues_beat(self) -> None:
        eig = self.shown.eigenvalues
        self.beat(
            "Its eigenvalues, the λ below its table, say how much it scales what it maps onto itself.",
            FadeIn(self.eig_label, shift=0.2 * UP),
            run_time=1.0,
            hold=1.0,
        )
        self.beat(
            f"All are positive (+{eig.real.min():.0f}): attending to a word raises that same word. "
            f"A copying head.",
            Indicate(self.eig_label, color=TEXT_COLOR),
            run_time=1.0,
            hold=1.0,
        )

    def sum_of_paths(self) -> None:
        assert np.allclose(self.logit_col.values, self.shown.final)
        mind, bay = self.shown.final[self.shown.mind], self.shown.final[self.shown.bay]
        assert format_value(mind, DIGITS) == format_value(bay, DIGITS)
        self.beat(
            f"Direct path plus both heads: the model's logits. 'mind' and 'bay' are still tied at "
            f"{format_value(mind, DIGITS)}.",
            Indicate(self.logit_col.row(self.shown.mind), color=TEXT_COLOR),
            Indicate(self.logit_col.row(self.shown.bay), color=TEXT_COLOR),
            run_time=1.4,
            hold=1.0,
        )

    def summary_tables(self) -> list:
        """The poster: both heads' tables side by side, the two skip-trigrams under head 0's."""
        head0 = self.ov_map(0)
        head1 = self.table
        target1 = head1.copy()
        self.place_left_panel(head0, target1, gap=0.3, left_edge=-6.8)
        # one line under head L0H0's table, above the caption band: keep ... in -> mind, bay (bug)
        trigrams = MathTex(
            r"\text{keep}", r"\dots", r"\text{in}", r"\to", r"\text{mind},\ ", r"\text{bay}",
            r"\ \text{(bug)}", font_size=MATH_SIZE_LABEL,
        )  # fmt: skip
        trigrams[6].set_color(MUTED_TEXT_COLOR)
        trigrams.next_to(head0.cells, DOWN, buff=0.15).match_x(head0.cells)
        eig_target = self.eig_label.copy().next_to(target1.cells, DOWN, buff=0.15).match_x(target1.cells)
        return [
            FadeOut(self.pattern),
            ReplacementTransform(head1, target1),
            self.eig_label.animate.move_to(eig_target),
            FadeIn(head0),
            FadeIn(trigrams),
        ]
