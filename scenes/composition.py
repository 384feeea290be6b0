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
:func:`~circuit_clips.circuits.composition_ceiling`), its OV matrices
(the virtual head's pattern is computed, not drawn), and :func:`~circuit_clips.circuits.path_expansion`
on the running example. That model composes through the key only: its
virtual head's attention is real (two hops, shown on the example), but its
OV product is exactly zero, and the clip says why on screen.
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
    Arrow,
    Create,
    CurvedArrow,
    DashedVMobject,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    Line,
    MathTex,
    MoveAlongPath,
    MoveToTarget,
    NumberLine,
    Square,
    Succession,
    SurroundingRectangle,
    Text,
    VGroup,
    VMobject,
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
    SAFE_FRAME,
    STAGE,
    STREAM_COLOR,
    TEXT_COLOR,
    VALUE_COLOR,
    AttentionHeadBlock,
    ClipScene,
    HeatMap,
    Region,
    SparseHeatMap,
    VectorColumn,
    block_frame,
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
OTHERS_ZERO = (
    rf"\text{{The others are 0: }} W_U \text{{ reads only `output', and only {READER_NAME} writes there.}}"
)
"""Why four of the five path columns are 0 (the test checks it against the weights)."""
CEILING_REASON = "(if their directions\nlined up exactly)"
"""What the ceiling is: the score under the best rotation (the test checks it), in trained_model's words."""


# --- the numbers ------------------------------------------------------------------
def virtual_head_parts(model, tokens) -> tuple[np.ndarray, np.ndarray]:
    """The virtual head ``L0H0 -> L1H0``: its pattern ``A^{L1H0} A^{L0H0}`` and its ``W_OV^{L1H0} W_OV^{L0H0}``."""
    _, cache = model.run_with_cache(tokens)
    a0 = cache[f"blocks.{WRITER[0]}.attn.hook_pattern"][WRITER[1]]
    a1 = cache[f"blocks.{READER[0]}.attn.hook_pattern"][READER[1]]
    return a1 @ a0, paper_ov_matrix(model, *READER) @ paper_ov_matrix(model, *WRITER)


def what_if_value_reads_previous(model) -> np.ndarray:
    """A what-if, not the model: L1H0's ``W_OV`` with its 'token' columns moved to 'previous token'.

    The same copy, read from where L0H0 writes instead of from the token itself.
    """
    ov = paper_ov_matrix(model, *READER)
    what_if = np.zeros_like(ov)
    what_if[:, model.subspaces["previous token"]] = ov[:, model.subspaces["token"]]
    return what_if


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
    ceilings: dict[str, float]  # the most these two heads could score, per kind
    maps: dict[str, np.ndarray]  # the paper's virtual weights W_X^1 W_O^0 per kind
    virtual_pattern: np.ndarray  # A^1 A^0
    virtual_ov: np.ndarray  # W_OV^1 W_OV^0 (paper orientation)
    what_if_ov: np.ndarray  # what-if: L1H0's W_OV if its value read 'previous token' (not the model)
    what_if_product: np.ndarray  # what_if_ov W_OV^0: what that virtual head would move
    what_if_logits: np.ndarray  # that virtual head's logits at the last position
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
    what_if_ov = what_if_value_reads_previous(model)
    what_if_product = what_if_ov @ paper_ov_matrix(model, *WRITER)
    x0 = cache["hook_embed"] + cache["hook_pos_embed"]
    what_if_logits = (virtual_pattern @ x0 @ what_if_product.T @ model.W_U)[last]
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
        what_if_ov=what_if_ov,
        what_if_product=what_if_product,
        what_if_logits=what_if_logits,
        terms=terms,
        total=total,
    )


HEADS_BAND = Region("heads", SAFE_FRAME.left, SAFE_FRAME.right, SAFE_FRAME.top - 1.45, SAFE_FRAME.top)
"""The two heads, side by side along the top, joined by the stream."""
BELOW_HEADS = Region("below the heads", SAFE_FRAME.left, SAFE_FRAME.right, STAGE.bottom, HEADS_BAND.bottom)
KIND_AREAS = dict(zip(COMPOSITION_KINDS, BELOW_HEADS.split_columns(*COMPOSITION_KINDS)))
"""One column per way of reading: Q, K, V."""
SCALE_AREA = Region("number line", KIND_AREAS["K"].left, SAFE_FRAME.right, STAGE.bottom, HEADS_BAND.bottom)
"""Right of the K column: the score against random heads and the most possible."""


class Composition(ClipScene):
    title = "Composition"
    description = "Three ways a layer-1 head reads a layer-0 head: by query, key or value."
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    numbers = staticmethod(numbers)

    def story(self) -> None:
        # Three ways to read an earlier head: Q-, K-, V-composition
        self.three_ways()
        self.virtual_weight_maps()
        self.composition_scores()
        self.random_and_most()
        self.k_score()
        # V-composition: a virtual attention head (zero in this model)
        self.virtual_head()
        self.virtual_head_is_zero()
        self.what_if()
        # The two-layer path expansion
        self.path_terms()
        self.logit_of_urs()
        self.where_the_prediction_lives()

    # --- three ways ------------------------------------------------------------
    def three_ways(self) -> None:
        self.writer = AttentionHeadBlock(*WRITER, name=f"{WRITER_NAME}: previous-token head", tile_width=0.7)
        self.reader = AttentionHeadBlock(*READER, name=f"{READER_NAME}: induction head", tile_width=0.7)
        HEADS_BAND.place(self.writer, LEFT)
        HEADS_BAND.place(self.reader, RIGHT)
        link = Arrow(
            self.writer.get_right(), self.reader.get_left(), buff=0.1, color=STREAM_COLOR, stroke_width=4
        )
        via = Text("stream", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR).next_to(link, UP, buff=0.08)
        self.kind_titles = VGroup()
        for kind in COMPOSITION_KINDS:
            name = Text(f"{kind}-composition", font_size=FONT_SIZE_BODY, color=KIND_COLORS[kind])
            what = Text(f"its {KIND_INPUT[kind]} reads it", font_size=FONT_SIZE_LABEL + 2, color=TEXT_COLOR)
            title = VGroup(name, what).arrange(DOWN, buff=0.1)
            self.kind_titles.add(KIND_AREAS[kind].place(title, UP, buff=0.1))
        self.beat(
            f"{READER_NAME} in layer 1 can read {WRITER_NAME}'s output with its query, key or value.",
            FadeIn(VGroup(self.writer, self.reader), run_time=0.8),
            Create(link, run_time=0.8),
            FadeIn(via, run_time=0.8),
            Succession(
                Wait(0.8),
                *[
                    AnimationGroup(
                        self.carry(kind), Succession(Wait(1.1), FadeIn(t, shift=0.2 * DOWN, run_time=0.5))
                    )  # the name appears as the cell lands
                    for kind, t in zip(COMPOSITION_KINDS, self.kind_titles)
                ],
            ),
        )
        self.link = VGroup(link, via)

    def carry(self, kind: str) -> Succession:
        """What L0H0 writes (a cell in its colour) leaves its ``W_O``, travels under the heads along the
        stream and enters L1H0's ``W_Q``, ``W_K`` or ``W_V``, which lights up; then it is gone."""
        start, tile = self.writer.w_o, self.reader.matrix(kind)
        low = min(self.writer.get_bottom()[1], self.reader.get_bottom()[1]) - 0.12
        route = VMobject().set_points_as_corners(
            [
                start.get_center(),
                [start.get_x(), low, 0],
                [tile.get_x(), low, 0],
                tile.get_center(),
            ]
        )
        packet = Square(0.3, color=head_color(*WRITER), fill_opacity=1.0, stroke_width=2)
        packet.move_to(start)
        return Succession(
            FadeIn(packet, scale=0.5, run_time=0.25),
            MoveAlongPath(packet, route, run_time=0.9),
            AnimationGroup(
                FadeOut(packet, scale=0.5),
                Indicate(tile, color=KIND_COLORS[kind], scale_factor=1.25),
                run_time=0.5,
            ),
        )

    def virtual_weight_maps(self) -> None:
        self.maps, self.map_tex = VGroup(), VGroup()
        writer_color = head_color(*WRITER)
        for kind, title in zip(COMPOSITION_KINDS, self.kind_titles):
            heat = HeatMap(
                self.shown.maps[kind],
                cell_size=0.155,
                outline_color=KIND_COLORS[kind],
                row_title=f"{READER_NAME} reads",
                col_title=f"{WRITER_NAME} writes",
            )
            tex = MathTex(
                f"W_{kind}^{{{READER_TEX}}}", f"W_O^{{{WRITER_TEX}}}", font_size=MATH_SIZE_BODY + 12
            )
            tex[0].set_color(KIND_COLORS[kind])
            tex[1].set_color(writer_color)
            VGroup(tex, heat).arrange(DOWN, buff=0.12).next_to(title, DOWN, buff=0.2)
            if not self.shown.maps[kind].any():
                heat.add(Text("all 0", font_size=FONT_SIZE_BODY, color=MUTED_TEXT_COLOR).move_to(heat.cells))
            else:
                via = Text("via 'previous token'", font_size=FONT_SIZE_LABEL + 2, color=KIND_COLORS[kind])
                heat.add(via.next_to(heat.cells, DOWN, buff=0.15))
            self.maps.add(heat)
            self.map_tex.add(tex)
        self.vw_name = Text("virtual weights", font_size=FONT_SIZE_LABEL + 2, color=TEXT_COLOR)
        self.vw_name.next_to(self.link[0], DOWN, buff=0.1)
        self.beat(
            "Each way is one product, its virtual weights. Only the key's is not 0.",
            FadeIn(self.vw_name),
            LaggedStart(*[FadeIn(VGroup(t, m)) for t, m in zip(self.map_tex, self.maps)], lag_ratio=0.3),
            run_time=1.8,
        )

    def composition_scores(self) -> None:
        self.score_txt = VGroup()
        for kind, heat in zip(COMPOSITION_KINDS, self.maps):
            score = self.shown.scores[kind]
            text = Text(
                f"score {format_value(score)}",
                font_size=FONT_SIZE_BODY - 2,
                color=KIND_COLORS[kind] if score > 0 else MUTED_TEXT_COLOR,
            )
            self.score_txt.add(text.next_to(heat, DOWN, buff=0.15))
        lowest = min(self.score_txt, key=lambda t: t.get_bottom()[1])
        for text in self.score_txt:
            text.align_to(lowest, DOWN)
        meaning = Text("score: how much, from 0 to 1", font_size=FONT_SIZE_LABEL)
        meaning.set_color(TEXT_COLOR).move_to(self.vw_name)
        self.beat(
            "A composition score says how much each reads.",  # the three scores are on screen
            FadeOut(self.vw_name, run_time=0.4),
            Succession(Wait(0.4), FadeIn(meaning, run_time=0.5)),
            LaggedStart(*[FadeIn(t, shift=0.1 * UP) for t in self.score_txt], lag_ratio=0.3, run_time=1.2),
        )
        self.vw_name = meaning

    def random_and_most(self) -> None:
        """The K score's scale: what random heads score, and the most these two heads could.

        Beside the line, once, the score's definition: exactly what
        :func:`~circuit_clips.circuits.composition_score` computes for K (the paper's orientation).
        """
        k = COMPOSITION_KINDS.index("K")
        others = [i for i in range(len(COMPOSITION_KINDS)) if i != k]
        self.k_part = VGroup(self.kind_titles[k], self.map_tex[k], self.maps[k])
        self.definition = self.score_definition()
        SCALE_AREA.place(self.definition, UP, buff=0.05, shrink=True)
        self.line = NumberLine(
            x_range=[0, 1, 0.1],
            length=SCALE_AREA.width - 0.8,
            color=TEXT_COLOR,
            include_numbers=False,
            font_size=FONT_SIZE_BODY + 8,
            decimal_number_config={"num_decimal_places": 0},
        )
        self.line.add_numbers([0, 1])  # the score's whole range: 0 ignores, 1 reads all of it
        self.line.move_to(SCALE_AREA.point(0.5, 0.3))
        base, ceiling = self.shown.baselines["K"], self.shown.ceilings["K"]
        self.base_mark, self.ceil_mark = self.scale_marks(base, ceiling)
        self.beat(
            f"Random heads score {format_value(base)}; these two, at most {format_value(ceiling)}.",
            Succession(
                FadeOut(
                    VGroup(
                        *[VGroup(self.kind_titles[i], self.map_tex[i], self.maps[i]) for i in others],
                        self.score_txt,
                    ),
                    run_time=0.5,
                ),
                self.k_part.animate(run_time=0.6).move_to(KIND_AREAS["Q"].center),
                FadeIn(VGroup(self.line, self.definition), run_time=0.6),
                FadeIn(VGroup(self.base_mark, self.ceil_mark), run_time=0.5),
            ),
            hold=2.6,  # time for the definition as well as the caption
        )

    def scale_marks(self, base: float, ceiling: float) -> tuple[VGroup, VGroup]:
        """Below the line: random heads (each line centred under its tick), and the most possible with
        its reason, to the right of its tick so that the two labels never meet."""
        base_mark = self.mark(base, MUTED_TEXT_COLOR, "random heads", up=False, buff=0.45)
        base_mark[2].become(
            VGroup(
                *[
                    Text(t, font_size=FONT_SIZE_BODY - 2, color=MUTED_TEXT_COLOR)
                    for t in ("random heads", format_value(base))
                ]
            )
            .arrange(DOWN, buff=0.1)
            .next_to(base_mark[1], DOWN, buff=0.45)
        )
        ceil_mark = self.mark(ceiling, TEXT_COLOR, "most possible", up=False, buff=0.45, sep=" ")
        ceil_mark[2].become(
            Text(
                f"most possible {format_value(ceiling)}\n{CEILING_REASON}",
                font_size=FONT_SIZE_BODY - 4,
                color=TEXT_COLOR,
                line_spacing=0.8,
            )
        )
        ceil_mark[2].next_to(ceil_mark[1], DOWN, buff=0.3).align_to(ceil_mark[1], LEFT).shift(0.3 * RIGHT)
        ceil_mark[0].put_start_and_end_on(
            ceil_mark[1].get_center(), [ceil_mark[1].get_x(), ceil_mark[2].get_top()[1] - 0.1, 0]
        )
        return base_mark, ceil_mark

    def score_definition(self) -> VGroup:
        """The K-composition score, typeset, with its symbols named and a short gloss."""
        w, r = WRITER_TEX, READER_TEX
        formula = MathTex(
            r"\text{K score} =",
            rf"\frac{{\lVert W_{{QK}}^{{{r}}}\, W_{{OV}}^{{{w}}} \rVert_F}}"
            rf"{{\lVert W_{{QK}}^{{{r}}} \rVert_F\, \lVert W_{{OV}}^{{{w}}} \rVert_F}}",
            font_size=MATH_SIZE_BODY - 2,
            color=TEXT_COLOR,
        )
        formula[0].set_color(KEY_COLOR)
        gloss = Text(
            f"how much of what\n{WRITER_NAME} writes,\n{READER_NAME}'s key reads",
            font_size=FONT_SIZE_LABEL + 2,
            color=TEXT_COLOR,
            line_spacing=0.8,
        )
        # why W_QK and W_OV: each holds one factor of the key's product, W_QK = W_Q^T W_K, W_OV = W_O W_V
        inside = MathTex(
            rf"W_{{QK}}^{{{r}}}\, W_{{OV}}^{{{w}}} = W_Q^{{\top}}",
            r"\big(W_K W_O\big)",
            r"W_V",
            font_size=MATH_SIZE_BODY,
            color=TEXT_COLOR,
        )
        inside[1].set_color(KEY_COLOR)
        why = Text(
            "whole circuits, with the key's product inside;  ‖·‖: size",
            font_size=FONT_SIZE_LABEL + 2,
            color=TEXT_COLOR,
        )
        top = VGroup(formula, gloss).arrange(RIGHT, buff=0.3)
        return VGroup(top, inside, why).arrange(DOWN, buff=0.15)

    def mark(
        self,
        value: float,
        color,
        text: str,
        *,
        up: bool,
        size: float = FONT_SIZE_BODY - 2,
        buff: float = 0.7,
        sep: str = "\n",
    ) -> VGroup:
        """A dot on the number line at ``value``, with its name and number above or below it."""
        dot = Dot(self.line.n2p(value), radius=0.1, color=color)
        label = Text(f"{text}{sep}{format_value(value)}", font_size=size, color=color, line_spacing=0.8)
        side = UP if up else DOWN
        label.next_to(dot, side, buff=buff)
        tick = Line(dot.get_center(), label.get_edge_center(-side), color=color, stroke_width=2)
        return VGroup(tick, dot, label)

    def k_score(self) -> None:
        """The key moment: the K score, the boldest mark of the line, about twice random, near the most."""
        score, base = self.shown.scores["K"], self.shown.baselines["K"]
        self.k_mark = self.mark(
            score, KEY_COLOR, "K-composition", up=True, size=FONT_SIZE_BODY + 4, buff=0.25, sep=" "
        )
        self.k_mark[1].scale(1.8)
        self.k_mark[0].set_stroke(width=4)
        assert 1.6 < score / base < 2.2, "the caption says 'about twice random'"
        self.beat(
            f"K scores {format_value(score)}: about twice random, near the most.",
            FadeIn(self.k_mark, scale=1.3),
            run_time=1.2,
            hold=2.0,  # the key moment: a breather after its caption
        )

    # --- V-composition: the virtual head ----------------------------------------------
    def virtual_head(self) -> None:
        """The virtual head's formula, ``⊗`` named in words, and its attention: real, two hops."""
        c0, c1 = head_color(*WRITER), head_color(*READER)
        c01 = interpolate_color(c0, c1, 0.5)  # a virtual head is both heads at once
        formula = MathTex(
            rf"\big(A^{{{READER_TEX}}} A^{{{WRITER_TEX}}}\big)",
            r"\otimes",
            rf"\big(W_{{OV}}^{{{READER_TEX}}}\, W_{{OV}}^{{{WRITER_TEX}}}\big)",
            font_size=MATH_SIZE_BODY + 6,
        )
        formula[0].set_color(c01)
        otimes = MathTex(
            r"\otimes:\ A \text{ mixes positions, } W_{OV} \text{ acts inside each vector}",
            font_size=MATH_SIZE_LABEL + 2,
            color=TEXT_COLOR,
        )
        self.formula = VGroup(formula, otimes).arrange(DOWN, buff=0.2)
        SAFE_FRAME.place(self.formula, UP, buff=0.05)
        self.pattern = self.virtual_pattern_map(c01)
        self.ov = self.ov_row(c0, c1)
        below = Region(
            "below the formula",
            SAFE_FRAME.left,
            SAFE_FRAME.right,
            STAGE.bottom + 0.15,  # clear of the caption band
            self.formula.get_bottom()[1] - 0.2,
        )
        split = below.left + 0.4 * below.width
        left = Region("the virtual pattern", below.left, split, below.bottom, below.top)
        right = Region("the OV maps", split, below.right, below.bottom, below.top)
        left.place(self.pattern, shrink=True)
        right.place(self.ov, UP, buff=0.1, shrink=True)
        self.ov_area = right
        self.beat(
            "Two heads can act as one, a virtual head: its attention is real.",
            Succession(
                self.clear_stage(run_time=0.35),  # a short fade: the stage is never blank for long
                AnimationGroup(
                    FadeIn(self.formula), FadeIn(self.pattern[:-1]), FadeIn(self.ov[:2]), run_time=0.7
                ),
                FadeIn(self.pattern[-1], run_time=0.6),
            ),
        )

    def virtual_pattern_map(self, color) -> VGroup:
        """``A^{L1H0} A^{L0H0}`` on the example, tokens along both sides, the last D's row framed."""
        words = self.shown.tokens
        heat = HeatMap(
            self.shown.virtual_pattern,
            cell_size=0.36,
            row_labels=words,
            font_size=FONT_SIZE_LABEL + 4,
            col_title="looks at (same words)",
            outline_color=color,
        )
        name = MathTex(rf"A^{{{READER_TEX}}} A^{{{WRITER_TEX}}}", font_size=MATH_SIZE_BODY, color=color)
        name.next_to(heat, DOWN, buff=0.15)
        last = len(words) - 1
        row = SurroundingRectangle(heat.row(last), buff=0.03, color=TEXT_COLOR, stroke_width=3)
        hops = Text(
            f"{self.two_hops()}:\nwhere {WRITER_NAME} looked,\nfrom where {READER_NAME} looked",
            font_size=FONT_SIZE_LABEL + 4,
            color=TEXT_COLOR,
            line_spacing=0.8,
        ).next_to(name, DOWN, buff=0.12)
        return VGroup(name, heat, VGroup(row, hops))

    def two_hops(self) -> str:
        """Where the virtual head's pattern sends the last position: ``"last D → urs → D"``."""
        a0 = self.shown.cache[f"blocks.{WRITER[0]}.attn.hook_pattern"][WRITER[1]]
        a1 = self.shown.cache[f"blocks.{READER[0]}.attn.hook_pattern"][READER[1]]
        last = len(self.shown.tokens) - 1
        first = int(np.argmax(a1[last]))
        second = int(np.argmax(a0[first]))
        assert int(np.argmax(self.shown.virtual_pattern[last])) == second
        words = self.shown.tokens
        return f"last {words[last]} \u2192 {words[first]} \u2192 {words[second]}"

    def ov_row(self, c0, c1) -> VGroup:
        """``W_OV^{L1H0} . W_OV^{L0H0}``: each d_model x d_model (the paper's orientation), framed."""
        ov = VGroup(
            SparseHeatMap(paper_ov_matrix(self.model, *READER), cell_size=0.09, outline_color=c1),
            MathTex(r"\times", font_size=MATH_SIZE_BODY + 16),  # readable at 480p
            SparseHeatMap(paper_ov_matrix(self.model, *WRITER), cell_size=0.09, outline_color=c0),
        ).arrange(RIGHT, buff=0.3)
        names = VGroup(
            *[
                MathTex(t, font_size=MATH_SIZE_BODY, color=c).next_to(ov[i], UP, buff=0.12)
                for t, i, c in (
                    (rf"W_{{OV}}^{{{READER_TEX}}}", 0, c1),
                    (rf"W_{{OV}}^{{{WRITER_TEX}}}", 2, c0),
                )
            ]
        )
        zero = MathTex(r"= 0", font_size=MATH_SIZE_BODY + 12, color=TEXT_COLOR).next_to(ov, RIGHT, buff=0.3)
        return VGroup(ov, names, zero)  # "= 0" shown in the next beat

    def virtual_head_is_zero(self) -> None:
        subspaces = self.model.subspaces
        ov = self.ov[0]
        w1, w0 = ov[0], ov[2]
        # W_OV^{L1H0} reads (its nonzero columns) 'token'; W_OV^{L0H0} writes (its nonzero rows) 'previous token'
        reads = block_frame(w1, cols=subspaces["token"], color=VALUE_COLOR)
        writes = block_frame(w0, rows=subspaces["previous token"], color=head_color(*WRITER))
        for frame in (reads, writes):
            frame.set_stroke(width=5)
        read_txt = Text("reads only 'token'", font_size=FONT_SIZE_LABEL + 4, color=VALUE_COLOR)
        write_txt = Text(
            "writes only\n'previous token'",
            font_size=FONT_SIZE_LABEL + 4,
            color=head_color(*WRITER),
            line_spacing=0.8,
        )
        read_txt.next_to(w1, DOWN, buff=0.15)
        write_txt.next_to(w0, DOWN, buff=0.15)
        zero = self.ov[2]
        assert not self.shown.virtual_ov.any(), "the induction model's virtual head should be exactly zero"
        self.beat(
            f"But it moves nothing: {WRITER_NAME} writes where {READER_NAME}'s value never reads.",
            Create(reads),
            Create(writes),
            FadeIn(read_txt),
            FadeIn(write_txt),
            FadeIn(zero, scale=1.3),
            run_time=1.4,
            hold=2.2,
        )
        self.bands, self.band_txt = VGroup(reads, writes), VGroup(read_txt, write_txt)

    def what_if(self) -> None:
        """A what-if, framed and labelled as one: if L1H0's value read 'previous token', the product would
        copy 'token' into 'output', and at the last D this virtual head would add 10 to D's logit."""
        c0, c1 = head_color(*WRITER), head_color(*READER)
        real = VGroup(self.ov, self.bands)
        real_tag = Text("this model", font_size=FONT_SIZE_LABEL + 2, color=MUTED_TEXT_COLOR)
        area = self.ov_area
        real.generate_target()
        real.target.scale(0.42)
        small_ov, small_names, small_zero = real.target[0]
        small_ov[1].scale(2.0)  # the "×", "= 0" and the names stay readable
        small_zero.scale(2.0).next_to(small_ov, RIGHT, buff=0.15)
        for name, matrix in zip(small_names, (small_ov[0], small_ov[2])):
            name.scale(1.6).next_to(matrix, UP, buff=0.05)
        area.place(real.target, UP, buff=0.05)
        low = Region("what if", area.left, area.right, area.bottom, real.target.get_bottom()[1] - 0.15)
        real_tag.next_to(real.target, LEFT, buff=0.35)
        s = self.model.subspaces
        wi = SparseHeatMap(self.shown.what_if_ov, cell_size=0.06, outline_color=c1)
        w0 = SparseHeatMap(paper_ov_matrix(self.model, *WRITER), cell_size=0.06, outline_color=c0)
        prod = SparseHeatMap(
            self.shown.what_if_product, cell_size=0.06, outline_color=interpolate_color(c0, c1, 0.5)
        )
        times, eq = (
            MathTex(r"\times", font_size=MATH_SIZE_BODY + 16),
            MathTex("=", font_size=MATH_SIZE_BODY + 16),
        )
        row = VGroup(wi, times, w0, eq, prod).arrange(RIGHT, buff=0.45)
        band = VGroup(
            block_frame(wi, cols=s["previous token"], color=VALUE_COLOR, stroke_width=5),
            block_frame(w0, rows=s["previous token"], color=c0, stroke_width=5),
        )  # now the two bands meet
        predicted = int(np.argmax(self.shown.what_if_logits))
        word, value = self.model.vocab[predicted], format_value(self.shown.what_if_logits[predicted], 0)
        names = VGroup(
            Text("reads 'previous token'", font_size=FONT_SIZE_LABEL + 10, color=VALUE_COLOR).next_to(
                wi, DOWN
            ),
            Text(
                f"copies {word}: +{value}\nto {word}'s logit",
                font_size=FONT_SIZE_LABEL + 10,
                color=TEXT_COLOR,
            ).next_to(prod, DOWN),
        )
        head = Text(f"what if {READER_NAME}'s value read 'previous token'?", font_size=FONT_SIZE_LABEL + 10)
        head.set_color(TEXT_COLOR).next_to(row, UP, buff=0.2)
        body = VGroup(head, row, band, names)
        frame = DashedVMobject(
            SurroundingRectangle(body, buff=0.15, color=TEXT_COLOR), num_dashes=70
        )  # not the query's yellow
        what_if = VGroup(frame, body)
        low.place(what_if, shrink=True)
        self.beat(
            f"What if its value read 'previous token'? Then it would copy {word}.",
            FadeOut(self.band_txt, run_time=0.4),
            MoveToTarget(real, run_time=0.8),
            Succession(Wait(0.6), FadeIn(real_tag, run_time=0.4)),
            Succession(Wait(0.8), FadeIn(what_if, run_time=0.8)),
            hold=1.6,
        )

    # --- the path expansion ------------------------------------------------------------
    def path_equation(self) -> VGroup:
        """The two-layer path expansion over two lines, each term's name right under it.

        ``self.path_term_tex`` holds its three terms: direct, one head, two heads. The symbols'
        legend sits beside the second line; ``self.path_note`` is the free line under it all.
        """
        size = MATH_SIZE_BODY + 2  # larger than the strip's: legible at 480p
        first = MathTex(
            r"\mathrm{logits}",
            "=",
            r"\mathrm{Id}\otimes W_U W_E",
            "+",
            r"\sum_h A^h \otimes W_U W_{OV}^h W_E",
            font_size=size,
        )
        second = MathTex(
            "+",
            r"\sum_{h,\,h'} \big(A^{h'}A^{h}\big) \otimes W_U W_{OV}^{h'} W_{OV}^{h} W_E",
            font_size=size,
        )
        self.path_term_tex = [first[2], first[4], second[1]]
        labels = VGroup(
            *[
                Text(t, font_size=FONT_SIZE_LABEL + 4, color=TEXT_COLOR)
                for t in ("direct", "one head", "two heads: virtual heads")
            ]
        )
        for label, term in zip(labels[:2], self.path_term_tex[:2]):
            label.next_to(first, DOWN, buff=0.1).match_x(term)
        second.next_to(labels[:2], DOWN, buff=0.25).align_to(first[1], LEFT)  # its + under the =
        labels[2].next_to(second, DOWN, buff=0.1).match_x(second[1])
        self.term_labels = labels
        self.legend = VGroup(
            MathTex(r"A^h:\ \text{head } h\text{'s attention}", font_size=MATH_SIZE_LABEL + 8),
            MathTex(r"W_{OV}^h = W_O^h W_V^h", font_size=MATH_SIZE_LABEL + 8),
            MathTex(r"W_E,\ W_U:\ \text{embed, unembed}", font_size=MATH_SIZE_LABEL + 8),
            MathTex(r"\mathrm{Id}:\ \text{no mixing}", font_size=MATH_SIZE_LABEL + 8),
        ).set_color(TEXT_COLOR)
        self.legend.arrange(DOWN, aligned_edge=LEFT, buff=0.12).next_to(second, RIGHT, buff=0.6)
        equation = VGroup(first, second)
        SAFE_FRAME.place(VGroup(equation, labels, self.legend), UP, buff=0.05)
        self.path_note = MathTex(OTHERS_ZERO, font_size=MATH_SIZE_LABEL + 2, color=TEXT_COLOR).next_to(
            VGroup(equation, labels), DOWN, buff=0.2
        )
        self.path_note.set_x(SAFE_FRAME.center[0])
        return equation

    def path_columns(self) -> VGroup:
        """One column of logits per path, then their sum, with the vocabulary beside the first."""
        c0, c1 = head_color(*WRITER), head_color(*READER)
        self.path_colors = {
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
        values = [*self.shown.terms.values(), self.shown.total]
        colors = [*self.path_colors.values(), LOGIT_COLOR]
        texs = [*[names[n] for n in self.shown.terms], r"\text{model's logits}"]
        self.cols = VGroup(
            *[
                VectorColumn(v, cell_height=0.32, cell_width=0.45, outline_color=c)
                for v, c in zip(values, colors)
            ]
        )
        self.signs = VGroup(*[MathTex(s, font_size=MATH_SIZE_BODY) for s in ("+", "+", "+", "=")])
        row = VGroup(*[m for pair in zip(self.cols, [*self.signs, VGroup()]) for m in pair])
        row.arrange(RIGHT, buff=0.8)
        self.col_names = VGroup(
            *[
                MathTex(t, font_size=MATH_SIZE_LABEL + 6, color=c).next_to(col, UP, buff=0.15)
                for t, c, col in zip(texs, colors, self.cols)
            ]
        )
        vocab = VGroup(
            *[
                Text(tok, font_size=FONT_SIZE_LABEL + 4, color=TEXT_COLOR).next_to(cell, LEFT, buff=0.2)
                for tok, cell in zip(self.model.vocab, self.cols[0].cells)
            ]
        )
        self.predicted = int(np.argmax(self.shown.total))
        self.value_txt = VGroup(
            *[
                Text(format_value(v[self.predicted], 0), font_size=FONT_SIZE_BODY, color=TEXT_COLOR)
                .next_to(self.cols[0], DOWN, buff=0.2)
                .match_x(col)
                for v, col in zip(values, self.cols)
            ]
        )
        self.value_label = Text(
            f"logit of {self.model.vocab[self.predicted]}:", font_size=FONT_SIZE_LABEL + 2, color=TEXT_COLOR
        ).next_to(self.value_txt[0], LEFT, buff=0.4)
        return VGroup(row, self.col_names, vocab, self.value_txt, self.value_label)

    def path_terms(self) -> None:
        equation = self.path_equation()
        table = self.path_columns()
        below = Region(
            "below the equation",
            SAFE_FRAME.left,
            SAFE_FRAME.right,
            STAGE.bottom + 0.2,
            self.path_note.get_bottom()[1] - 0.5,  # room for the key's arrow over the column names
        )
        below.place(table, shrink=True)
        groups = [[0], [1, 2], [3]]  # columns of the direct path, the one-head paths, the virtual head
        self.beat(
            "So the logits are a sum of paths: direct, one head, two heads.",
            Succession(
                self.clear_stage(run_time=0.4),  # the virtual head gone early in the cue
                AnimationGroup(
                    FadeIn(equation),
                    FadeIn(self.term_labels),
                    FadeIn(self.legend),
                    FadeIn(table[2]),
                    run_time=0.4,
                ),
                LaggedStart(
                    *[self.path_in(term, g, g == groups[-1]) for term, g in zip(self.path_term_tex, groups)],
                    lag_ratio=0.5,
                    run_time=0.9,
                ),  # everything in well before the caption's middle
            ),
            hold=1.5,  # the whole sum on screen before the next cue
        )

    def path_in(self, term, group: list[int], last: bool) -> AnimationGroup:
        """One term of the equation flashes in its path's colour as its columns (and, last, the sum) appear."""
        color = self.path_colors[list(self.shown.terms)[group[0]]]
        shown = [VGroup(self.cols[i], self.col_names[i], self.signs[i]) for i in group]
        if last:
            shown.append(VGroup(self.cols[4], self.col_names[4]))
        return AnimationGroup(Indicate(term, color=color, scale_factor=1.08), *[FadeIn(m) for m in shown])

    def logit_of_urs(self) -> None:
        """Each path's logit for the predicted word, row by row: all of it from the layer-1 head."""
        predicted = self.predicted
        word = self.model.vocab[predicted]
        rows_box = VGroup(
            *[
                SurroundingRectangle(col.cell(predicted), buff=0.02, color=TEXT_COLOR, stroke_width=3)
                for col in self.cols
            ]
        )
        l1 = list(self.shown.terms).index(READER_NAME)
        self.value_txt[l1].set_color(head_color(*READER)).scale(1.2)
        parts = {name: format_value(v[predicted], 0) for name, v in self.shown.terms.items()}
        others = {v for name, v in parts.items() if name != READER_NAME}
        assert others == {"0"}
        self.beat(
            f"At the last D, {word}'s logit: all {parts[READER_NAME]} from {READER_NAME}.",
            Create(rows_box),
            FadeIn(VGroup(self.value_txt, self.value_label), shift=0.1 * UP),
            FadeIn(self.path_note),
            run_time=1.2,
            hold=3.2,
        )

    def where_the_prediction_lives(self) -> None:
        l1 = list(self.shown.terms).index(READER_NAME)
        word = self.model.vocab[self.predicted]
        box = SurroundingRectangle(
            VGroup(self.cols[l1], self.col_names[l1], self.value_txt[l1]),
            buff=0.15,
            color=head_color(*READER),
            corner_radius=0.1,
        )
        self.needs = Text(
            f"{WRITER_NAME} adds 0 itself, but tells {READER_NAME}'s key where to look",
            font_size=FONT_SIZE_BODY - 2,
            color=KEY_COLOR,
        ).move_to(self.path_note)
        writer_col = list(self.shown.terms).index(WRITER_NAME)
        arrow = CurvedArrow(
            self.col_names[writer_col].get_top() + 0.05 * UP,
            box.get_top() + 0.02 * UP,
            angle=-PI / 3,  # arching over the columns' names, under the words
            color=KEY_COLOR,
            stroke_width=5,
        )
        self.beat(
            f"{WRITER_NAME} adds 0 itself, but {READER_NAME}'s key reads it to find {word}.",
            Create(box, run_time=1.0),
            FadeOut(self.path_note, run_time=0.5),
            Succession(Wait(0.6), FadeIn(self.needs, run_time=0.6)),
            Succession(Wait(1.0), Create(arrow, run_time=0.6)),
            hold=1.6,
        )
        self.arrow = arrow

    def summary(self) -> None:
        s = {kind: format_value(v) for kind, v in self.shown.scores.items()}
        base = format_value(self.shown.baselines["K"])
        line = Text(
            f"composition scores   Q {s['Q']}   K {s['K']}   V {s['V']}   (random heads {base})",
            font_size=FONT_SIZE_BODY - 4,
            color=TEXT_COLOR,
        ).move_to(self.needs)
        self.end_on_summary(
            "This model composes by key only: its virtual head moves nothing.",
            Succession(FadeOut(VGroup(self.needs, self.arrow), run_time=0.4), FadeIn(line, run_time=0.6)),
        )
