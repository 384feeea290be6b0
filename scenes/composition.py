"""composition: the three ways a layer-1 head can use a layer-0 head, and the path expansion.

Storyboard: Q-composition (the later head's query reads what the earlier
head wrote), K-composition (its key does), V-composition (its value does: a
*virtual attention head* ``(A^{h'} A^{h}) (x) (W_OV^{h'} W_OV^{h})``).
Then the two-layer path expansion: direct path, individual heads, virtual
heads, adding up to the real logits.

All of it is the induction model's: its virtual weights and composition
scores (:func:`~circuit_clips.circuits.virtual_weights`,
:func:`~circuit_clips.circuits.composition_score`, shown against
:func:`~circuit_clips.circuits.composition_baseline` and
:func:`~circuit_clips.circuits.composition_ceiling`), its real attention
patterns and OV matrices, and :func:`~circuit_clips.circuits.path_expansion`
on the running example. That model composes through the key only: its
virtual head is exactly zero, and the clip says so on screen.
"""

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Arrow,
    Create,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    Line,
    MathTex,
    NumberLine,
    Succession,
    SurroundingRectangle,
    Text,
    VGroup,
    Wait,
)
from manim.utils.color import interpolate_color

from circuit_clips.circuits import (
    COMPOSITION_KINDS,
    composition_baseline,
    composition_ceiling,
    composition_score,
    head_name,
    paper_ov_matrix,
    paper_virtual_weights,
    path_expansion,
)
from circuit_clips.kit import (
    FONT_SIZE_BODY,
    FONT_SIZE_LABEL,
    KEY_COLOR,
    LOGIT_COLOR,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    QUERY_COLOR,
    STREAM_COLOR,
    TEXT_COLOR,
    VALUE_COLOR,
    AttentionHeadBlock,
    ClipScene,
    ColorBar,
    EquationStrip,
    HeatMap,
    SparseHeatMap,
    VectorColumn,
    block_frame,
    flash_around,
    format_value,
    head_color,
)
from circuit_clips.model import ActivationCache, AttnOnlyTransformer
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

WRITER, READER = (0, 0), (1, 0)  # the previous-token head and the induction head
KIND_COLORS = {"Q": QUERY_COLOR, "K": KEY_COLOR, "V": VALUE_COLOR}
KIND_INPUT = {"Q": "query", "K": "key", "V": "value"}
WRITER_NAME, READER_NAME = head_name(*WRITER), head_name(*READER)  # "L0H0", "L1H0"
WRITER_TEX, READER_TEX = (
    rf"\mathrm{{{WRITER_NAME}}}",
    rf"\mathrm{{{READER_NAME}}}",
)  # superscripts: heads only
VIRTUAL = f"{WRITER_NAME}->{READER_NAME}"


# --- the numbers ------------------------------------------------------------------
def virtual_head_parts(model, tokens) -> tuple[np.ndarray, np.ndarray]:
    """The virtual head ``L0H0 -> L1H0``: its pattern ``A^{L1H0} A^{L0H0}`` and its ``W_OV^{L1H0} W_OV^{L0H0}``."""
    _, cache = model.run_with_cache(tokens)
    a0 = cache[f"blocks.{WRITER[0]}.attn.hook_pattern"][WRITER[1]]
    a1 = cache[f"blocks.{READER[0]}.attn.hook_pattern"][READER[1]]
    return a1 @ a0, paper_ov_matrix(model, *READER) @ paper_ov_matrix(model, *WRITER)


@dataclass(frozen=True)
class CompositionNumbers:
    """How the induction head reads the previous-token head, and the path expansion at the last D."""

    model: AttnOnlyTransformer
    tokens: list[str]
    token_ids: np.ndarray
    logits: np.ndarray
    cache: ActivationCache
    scores: dict[str, float]  # composition score per kind (Q, K, V)
    baselines: dict[str, float]  # what random heads of these shapes score, per kind
    ceilings: dict[str, float]  # the most these two heads' ranks allow, per kind
    maps: dict[str, np.ndarray]  # the paper's virtual weights W_X^1 W_O^0 per kind
    virtual_pattern: np.ndarray  # A^1 A^0
    virtual_ov: np.ndarray  # W_OV^1 W_OV^0 (paper orientation)
    terms: dict[str, np.ndarray]  # the path expansion's terms at the last position
    total: np.ndarray  # their sum: the logits there


def numbers() -> CompositionNumbers:
    """Run the induction model on the running example; its composition, virtual head and paths."""
    model = induction_model(bos=True)
    token_ids = model.to_tokens(list(RUNNING_EXAMPLE))
    tokens = model.to_str_tokens(token_ids)  # the start token, then the running example
    logits, cache = model.run_with_cache(token_ids)
    virtual_pattern, virtual_ov = virtual_head_parts(model, token_ids)
    paths = path_expansion(model, token_ids)
    assert list(paths) == ["direct", head_name(*WRITER), head_name(*READER), VIRTUAL]
    last = len(tokens) - 1
    terms = {name: values[last] for name, values in paths.items()}
    total = sum(terms.values())
    assert np.allclose(total, logits[last])
    return CompositionNumbers(
        model=model,
        tokens=tokens,
        token_ids=token_ids,
        logits=logits,
        cache=cache,
        scores={kind: composition_score(model, *WRITER, *READER, kind) for kind in COMPOSITION_KINDS},
        baselines={kind: composition_baseline(model, kind) for kind in COMPOSITION_KINDS},
        ceilings={kind: composition_ceiling(model, *WRITER, *READER, kind) for kind in COMPOSITION_KINDS},
        maps={kind: paper_virtual_weights(model, *WRITER, *READER, kind) for kind in COMPOSITION_KINDS},
        virtual_pattern=virtual_pattern,
        virtual_ov=virtual_ov,
        terms=terms,
        total=total,
    )


class Composition(ClipScene):
    title = "Composition"
    description = "A layer-1 head can read what a layer-0 head wrote through its query, its key or its value."
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    numbers = staticmethod(numbers)

    def story(self) -> None:
        # Three ways to read an earlier head: Q-, K-, V-composition
        self.three_ways()
        self.virtual_weight_maps()
        self.composition_scores()
        self.against_random_heads()
        # V-composition: a virtual attention head (zero in this model)
        self.virtual_head()
        self.virtual_head_is_zero()
        # The two-layer path expansion
        self.path_equation()
        self.path_terms()
        self.where_the_prediction_lives()

    # --- three ways ------------------------------------------------------------
    def three_ways(self) -> None:
        self.writer = AttentionHeadBlock(*WRITER, name=f"{WRITER_NAME}: previous-token head", tile_width=0.7)
        self.reader = AttentionHeadBlock(*READER, name=f"{READER_NAME}: induction head", tile_width=0.7)
        self.writer.move_to([-3.75, 2.95, 0])
        self.reader.move_to([3.75, 2.95, 0])
        link = Arrow(
            self.writer.get_right(), self.reader.get_left(), buff=0.1, color=STREAM_COLOR, stroke_width=4
        )
        via = Text("stream", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR).next_to(link, UP, buff=0.08)
        self.columns_x = [-4.5, 0.0, 4.5]
        self.kind_titles = VGroup()
        for kind, x in zip(COMPOSITION_KINDS, self.columns_x):
            name = Text(f"{kind}-composition", font_size=FONT_SIZE_BODY, color=KIND_COLORS[kind])
            what = Text(f"its {KIND_INPUT[kind]} reads it", font_size=FONT_SIZE_LABEL, color=TEXT_COLOR)
            self.kind_titles.add(VGroup(name, what).arrange(DOWN, buff=0.1).move_to([x, 1.35, 0]))
        self.beat(
            f"Layer 1's head {READER_NAME} can read what layer 0's {WRITER_NAME} wrote with its query, key or value.",
            FadeIn(self.writer, run_time=1.0),
            FadeIn(self.reader, run_time=1.0),
            Create(link, run_time=1.0),
            FadeIn(via, run_time=1.0),
            Succession(
                Wait(0.8),
                LaggedStart(
                    *[
                        AnimationGroup(
                            FadeIn(title, shift=0.2 * DOWN),
                            flash_around(self.reader.matrix(kind), KIND_COLORS[kind]),
                        )
                        for kind, title in zip(COMPOSITION_KINDS, self.kind_titles)
                    ],
                    lag_ratio=0.4,
                    run_time=2.4,
                ),
            ),
            hold=0.8,
        )
        self.link = VGroup(link, via)

    def virtual_weight_maps(self) -> None:
        self.maps, self.map_tex = VGroup(), VGroup()
        writer_color = head_color(*WRITER)
        for kind, x in zip(COMPOSITION_KINDS, self.columns_x):
            heat = HeatMap(self.shown.maps[kind], cell_size=0.17, outline_color=KIND_COLORS[kind])
            heat.move_to([x, -0.85, 0])
            tex = MathTex(f"W_{kind}^{{{READER_TEX}}}", f"W_O^{{{WRITER_TEX}}}", font_size=MATH_SIZE_LABEL)
            tex[0].set_color(KIND_COLORS[kind])
            tex[1].set_color(writer_color)
            tex.next_to(heat, UP, buff=0.15)
            self.maps.add(heat)
            self.map_tex.add(tex)
        self.legend = ColorBar(width=2.2).move_to([0, 2.3, 0])
        self.beat(
            "The stream only adds, so each way is one matrix product: the virtual weights. "
            "Only the key's is not all zero.",
            LaggedStart(*[FadeIn(VGroup(t, m)) for t, m in zip(self.map_tex, self.maps)], lag_ratio=0.3),
            FadeIn(self.legend),
            run_time=2.0,
            hold=0.8,
        )

    def composition_scores(self) -> None:
        self.score_txt = VGroup()
        for kind, heat in zip(COMPOSITION_KINDS, self.maps):
            score = Text(
                f"score {format_value(self.shown.scores[kind])}",
                font_size=FONT_SIZE_LABEL,
                color=TEXT_COLOR if self.shown.scores[kind] > 0 else MUTED_TEXT_COLOR,
            )
            self.score_txt.add(score.next_to(heat, DOWN, buff=0.15))
        s = {kind: format_value(v) for kind, v in self.shown.scores.items()}
        self.beat(
            f"A composition score: how much one head reads of what the other wrote. Q {s['Q']}, K {s['K']}, V {s['V']}.",
            LaggedStart(*[FadeIn(t, shift=0.1 * UP) for t in self.score_txt], lag_ratio=0.3),
            run_time=1.4,
            hold=0.8,
        )

    def against_random_heads(self) -> None:
        """The key moment: the K score on a scale, beside what random heads score and the ceiling."""
        k = COMPOSITION_KINDS.index("K")
        score, base, ceiling = (self.shown.scores["K"], self.shown.baselines["K"], self.shown.ceilings["K"])
        others = VGroup(
            *[
                VGroup(self.kind_titles[i], self.map_tex[i], self.maps[i], self.score_txt[i])
                for i in range(len(COMPOSITION_KINDS))
                if i != k
            ]
        )
        k_part = VGroup(self.kind_titles[k], self.map_tex[k], self.maps[k], self.score_txt[k])
        self.play(
            FadeOut(others),
            FadeOut(self.legend),
            k_part.animate.move_to([-4.6, 0.2, 0]),
            run_time=0.8,
        )
        line = NumberLine(
            x_range=[0, 0.5, 0.1],
            length=7.5,
            color=TEXT_COLOR,
            include_numbers=True,
            font_size=FONT_SIZE_LABEL,
            decimal_number_config={"num_decimal_places": 1},
        ).move_to([2.6, -0.2, 0])

        def mark(value, color, text, up, shift=0.0, size=FONT_SIZE_LABEL):
            dot = Dot(line.n2p(value), radius=0.11, color=color)
            label = Text(f"{text} {format_value(value)}", font_size=size, color=color)
            label.next_to(dot, UP if up else DOWN, buff=0.55 if not up else 0.3).shift(RIGHT * shift)
            tick = Line(
                dot.get_center(), label.get_edge_center(DOWN if up else UP), color=color, stroke_width=2
            )
            return VGroup(tick, dot, label)

        self.k_mark = mark(score, KEY_COLOR, "K-composition", True, size=FONT_SIZE_BODY)
        self.k_mark[1].scale(1.5)
        base_mark = mark(base, MUTED_TEXT_COLOR, "random heads", False, shift=-0.5)
        ceil_mark = mark(ceiling, TEXT_COLOR, "most possible", False, shift=0.6)
        title = Text("composition score, K", font_size=FONT_SIZE_BODY, color=TEXT_COLOR).move_to(
            [2.6, 2.1, 0]
        )
        self.beat(
            f"Against what random heads of these shapes score, {format_value(base)}, "
            f"and the most possible for these ranks, {format_value(ceiling)}:",
            FadeIn(title),
            Create(line),
            FadeIn(base_mark),
            FadeIn(ceil_mark),
            run_time=1.6,
            hold=0.8,
        )
        self.beat(
            f"K-composition at {format_value(score)} is far above random and near the top.",
            FadeIn(self.k_mark, scale=1.2),
            Indicate(self.k_mark[1], color=KEY_COLOR, scale_factor=1.4),
            run_time=1.4,
            hold=1.2,
        )

    # --- V-composition: the virtual head ----------------------------------------------
    def virtual_head(self) -> None:
        a_prod, ov_prod = self.shown.virtual_pattern, self.shown.virtual_ov
        self.ov_prod = ov_prod
        a0 = self.shown.cache["blocks.0.attn.hook_pattern"][0]
        a1 = self.shown.cache["blocks.1.attn.hook_pattern"][0]
        c0, c1 = head_color(*WRITER), head_color(*READER)
        c01 = interpolate_color(c0, c1, 0.5)  # a virtual head is both heads at once
        formula = MathTex(
            rf"\big(A^{{{READER_TEX}}} A^{{{WRITER_TEX}}}\big)",
            r"\otimes",
            rf"\big(W_{{OV}}^{{{READER_TEX}}}\, W_{{OV}}^{{{WRITER_TEX}}}\big)",
            font_size=MATH_SIZE_BODY,
        ).move_to([0, 3.3, 0])
        formula[0].set_color(c01)
        otimes = Text(
            "\u2297: mix positions with the first, then map each vector with the second",
            font_size=FONT_SIZE_LABEL,
            color=MUTED_TEXT_COLOR,
        ).next_to(formula, DOWN, buff=0.12)
        # attention row: A^{L1H0} . A^{L0H0} = their product (real patterns of the running example)
        att = VGroup(
            HeatMap(a1, cell_size=0.2, outline_color=c1),
            MathTex(r"\cdot", font_size=MATH_SIZE_BODY),
            HeatMap(a0, cell_size=0.2, outline_color=c0),
            MathTex("=", font_size=MATH_SIZE_BODY),
            HeatMap(a_prod, cell_size=0.2, outline_color=c01),
        ).arrange(RIGHT, buff=0.3)
        att.move_to([1.5, 1.2, 0])
        att_names = VGroup(
            *[
                MathTex(t, font_size=MATH_SIZE_LABEL).next_to(att[i], UP, buff=0.12)
                for t, i in ((rf"A^{{{READER_TEX}}}", 0), (rf"A^{{{WRITER_TEX}}}", 2), (r"\text{product}", 4))
            ]
        )
        att_note = Text(
            "where it looks:\ntwo hops of attention",
            font_size=FONT_SIZE_LABEL,
            color=MUTED_TEXT_COLOR,
            line_spacing=0.8,
        )
        att_note.to_edge(LEFT, buff=0.4).match_y(att)
        # OV row: W_OV^{L1H0} . W_OV^{L0H0} = product (d_model x d_model, the paper's column convention;
        # mostly zero, so drawn as SparseHeatMaps: the same picture in a few mobjects)
        ov = VGroup(
            SparseHeatMap(paper_ov_matrix(self.model, *READER), cell_size=0.042, outline_color=c1),
            MathTex(r"\cdot", font_size=MATH_SIZE_BODY),
            SparseHeatMap(paper_ov_matrix(self.model, *WRITER), cell_size=0.042, outline_color=c0),
            MathTex("=", font_size=MATH_SIZE_BODY),
            SparseHeatMap(ov_prod, cell_size=0.042, outline_color=c01),
        ).arrange(RIGHT, buff=0.3)
        ov.move_to([1.5, -1.05, 0])
        ov_names = VGroup(
            *[
                MathTex(t, font_size=MATH_SIZE_LABEL).next_to(ov[i], UP, buff=0.12)
                for t, i in (
                    (rf"W_{{OV}}^{{{READER_TEX}}}", 0),
                    (rf"W_{{OV}}^{{{WRITER_TEX}}}", 2),
                    (r"\text{product}", 4),
                )
            ]
        )
        ov_note = Text(
            "what it moves:\nboth heads' value-\nthen-output maps",
            font_size=FONT_SIZE_LABEL,
            color=MUTED_TEXT_COLOR,
            line_spacing=0.8,
        )
        ov_note.to_edge(LEFT, buff=0.4).match_y(ov)
        self.play(self.clear_stage(), run_time=0.8)
        self.beat(
            "V-composition makes a virtual attention head: two hops of attention, two heads' value maps in a row.",
            FadeIn(formula),
            FadeIn(otimes),
            FadeIn(VGroup(att, att_names, att_note)),
            FadeIn(VGroup(ov, ov_names, ov_note)),
            run_time=1.6,
            hold=1.2,
        )
        self.ov = ov

    def virtual_head_is_zero(self) -> None:
        subspaces = self.model.subspaces
        w1, w0 = self.ov[0], self.ov[2]
        # W_OV^{L1H0} reads (its nonzero columns) 'token'; W_OV^{L0H0} writes (its nonzero rows) 'previous token'
        reads = block_frame(w1, cols=subspaces["token"], color=VALUE_COLOR)
        writes = block_frame(w0, rows=subspaces["previous token"], color=head_color(*WRITER))
        read_txt = Text("reads\n'token'", font_size=FONT_SIZE_LABEL, color=VALUE_COLOR, line_spacing=0.8)
        write_txt = Text(
            "writes\n'previous token'", font_size=FONT_SIZE_LABEL, color=head_color(*WRITER), line_spacing=0.8
        )
        read_txt.next_to(w1, DOWN, buff=0.15)
        write_txt.next_to(w0, DOWN, buff=0.15)
        zero = MathTex("= 0", font_size=MATH_SIZE_BODY, color=TEXT_COLOR).next_to(self.ov[4], DOWN, buff=0.15)
        assert not self.ov_prod.any(), "the induction model's virtual head should be exactly zero"
        self.beat(
            "Here it is exactly 0: layer 0 writes 'previous token', and layer 1's value reads only 'token'.",
            Create(reads),
            Create(writes),
            FadeIn(read_txt),
            FadeIn(write_txt),
            FadeIn(zero),
            run_time=1.4,
            hold=1.2,
        )

    # --- the path expansion ------------------------------------------------------------
    def path_equation(self) -> None:
        self.strip = EquationStrip(center=[0, 3.35, 0], font_size=MATH_SIZE_LABEL)
        equation = self.strip.place(
            self.strip.tex(
                r"\mathrm{logits}",
                "=",
                r"\mathrm{Id}\otimes W_U W_E",
                "+",
                r"\sum_h A^h \otimes W_U W_{OV}^h W_E",
                "+",
                r"\sum_{h,\,h'} \big(A^{h'}A^{h}\big) \otimes W_U W_{OV}^{h'} W_{OV}^{h} W_E",
            )
        )
        self.term_labels = VGroup(
            *[
                Text(t, font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR).next_to(
                    equation[i], DOWN, buff=0.15
                )
                for t, i in (
                    ("direct (Id: no mixing)", 2),
                    ("one head", 4),
                    ("two heads: virtual heads", 6),
                )
            ]
        )
        for label in self.term_labels:
            label.align_to(equation.get_bottom() + DOWN * 0.15, UP)
        self.path_note = MathTex(
            r"A^h:\ \text{head } h\text{'s pattern};\quad",
            r"W_{OV}^h = W_O^h W_V^h:\ \text{what it moves};\quad",
            r"W_E,\ W_U:\ \text{embed, unembed}",
            font_size=MATH_SIZE_LABEL - 2,
            color=MUTED_TEXT_COLOR,
        ).next_to(self.term_labels, DOWN, buff=0.2)
        self.path_note.set_x(0)
        self.play(self.clear_stage(), run_time=0.8)
        self.beat(
            "With the attention patterns fixed, the logits are a sum of paths: direct, through one head, through two.",
            self.strip.show(equation),
            FadeIn(self.term_labels),
            Succession(Wait(1.0), FadeIn(self.path_note, run_time=0.6)),
            run_time=1.4,
            hold=0.8,
        )

    def path_terms(self) -> None:
        total = self.shown.total
        c0, c1 = head_color(*WRITER), head_color(*READER)
        colors = {
            "direct": STREAM_COLOR,
            WRITER_NAME: c0,
            READER_NAME: c1,
            VIRTUAL: interpolate_color(c0, c1, 0.5),
        }
        names = {
            "direct": r"\text{direct}",
            WRITER_NAME: WRITER_TEX,
            READER_NAME: READER_TEX,
            VIRTUAL: rf"{WRITER_TEX}\!\to\!{READER_TEX}",
        }
        cols = VGroup(
            *[
                VectorColumn(self.shown.terms[n], cell_height=0.34, cell_width=0.45, outline_color=colors[n])
                for n in self.shown.terms
            ]
        )
        cols.add(VectorColumn(total, cell_height=0.34, cell_width=0.45, outline_color=LOGIT_COLOR))
        signs = [MathTex(s, font_size=MATH_SIZE_BODY) for s in ("+", "+", "+", "=")]
        row = VGroup(cols[0], signs[0], cols[1], signs[1], cols[2], signs[2], cols[3], signs[3], cols[4])
        row.arrange(RIGHT, buff=0.7).move_to([0.5, -0.25, 0])
        vocab = VGroup(
            *[
                Text(tok, font_size=FONT_SIZE_LABEL, color=TEXT_COLOR).next_to(cell, LEFT, buff=0.2)
                for tok, cell in zip(self.model.vocab, cols[0].cells)
            ]
        )
        col_names = VGroup(
            *[MathTex(names[n], font_size=MATH_SIZE_LABEL, color=colors[n]) for n in self.shown.terms]
        )
        col_names.add(MathTex(r"\text{logits}", font_size=MATH_SIZE_LABEL, color=LOGIT_COLOR))
        for tex, col in zip(col_names, cols):
            tex.next_to(col, UP, buff=0.2)
        predicted = int(np.argmax(total))
        word = self.model.vocab[predicted]
        values = VGroup(
            *[
                MathTex(format_value(v[predicted]), font_size=MATH_SIZE_LABEL, color=TEXT_COLOR).move_to(
                    [col.get_x(), cols[0].get_bottom()[1] - 0.3, 0]
                )
                for v, col in zip([*self.shown.terms.values(), total], cols)
            ]
        )
        value_label = Text(f"logit of {word}:", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR)
        value_label.next_to(values[0], LEFT, buff=0.35)
        rows_box = VGroup(
            *[
                SurroundingRectangle(col.cell(predicted), buff=0.02, color=TEXT_COLOR, stroke_width=2)
                for col in cols
            ]
        )
        parts = [format_value(v[predicted]) for v in self.shown.terms.values()]
        self.beat(
            f"At the last D, the logit of '{word}': {' + '.join(parts)} = {format_value(total[predicted])}, "
            "the model's own.",
            LaggedStart(
                *[FadeIn(VGroup(c, n)) for c, n in zip(cols, col_names)], lag_ratio=0.2, run_time=2.0
            ),
            FadeIn(VGroup(*signs), run_time=1.0),
            FadeIn(vocab, run_time=1.0),
            Succession(
                Wait(2.0), AnimationGroup(FadeIn(values), FadeIn(value_label), Create(rows_box), run_time=1.0)
            ),
            hold=1.0,
        )
        self.cols, self.col_names = cols, col_names

    def where_the_prediction_lives(self) -> None:
        l1 = list(self.shown.terms).index(READER_NAME)
        box = SurroundingRectangle(
            VGroup(self.cols[l1], self.col_names[l1]), buff=0.15, color=head_color(*READER), corner_radius=0.1
        )
        self.beat(
            f"It is all in {READER_NAME}'s term, yet that term needs layer 0: "
            "K-composition shaped where it looks.",
            Create(box),
            run_time=1.2,
            hold=1.2,
        )

    def summary(self) -> None:
        s = {kind: format_value(v) for kind, v in self.shown.scores.items()}
        base = format_value(self.shown.baselines["K"])
        line = Text(
            f"composition scores   Q {s['Q']}   K {s['K']}   V {s['V']}   (random heads {base})",
            font_size=FONT_SIZE_LABEL,
            color=TEXT_COLOR,
        )
        line.move_to(self.path_note)
        self.end_on_summary(
            "This model uses K-composition, not V-composition: its virtual head is exactly zero.",
            FadeOut(self.path_note),
            FadeIn(line),
            run_time=1.0,
        )
