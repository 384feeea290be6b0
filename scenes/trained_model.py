"""trained_model: the same circuits, found by gradient descent in a model trained here.

Storyboard (clip 11): a two-layer attention-only model (one head a layer) trained on random
tokens in which chunks repeat. Its loss on the copies plunges (the phase change); before the
drop its heads attend vaguely, after it the layer-0 head attends to the previous token and the
layer-1 head shows the induction stripe. The composition scores single out the key (twice what
random heads score, near the most those heads could score), the induction head's OV circuit
copies (a bright diagonal, positive eigenvalues), and it now predicts the repeated half.

Every number is the trained model's (:func:`circuit_clips.training.load_or_train`): the
training log and pattern snapshots of the cached run, the held-out figures measured when it
was trained (``run.info["measured"]``), and the circuits computed from its weights.
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
    Arrow,
    Axes,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    FadeOut,
    GrowArrow,
    GrowFromEdge,
    LaggedStart,
    Line,
    MathTex,
    Polygon,
    Rectangle,
    RoundedRectangle,
    Square,
    Succession,
    Text,
    VGroup,
    Wait,
)

from circuit_clips.circuits import (
    COMPOSITION_KINDS,
    composition_baseline,
    composition_ceiling,
    composition_score,
    copying_score,
    head_name,
    ov_eigenvalues,
    paper_ov_matrix,
)
from circuit_clips.kit import (
    BACKGROUND_COLOR,
    CENTRE_PANEL,
    EQUATION_LINE,
    FONT_SIZE_BODY,
    FONT_SIZE_LABEL,
    KEY_COLOR,
    LEFT_PANEL,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    QUERY_COLOR,
    RIGHT_PANEL,
    STAGE,
    TEXT_COLOR,
    VALUE_COLOR,
    ClipScene,
    ColorBar,
    EquationStrip,
    HeatMap,
    Region,
    TokenRow,
    flash_around,
    format_value,
    head_color,
)
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.training import load_or_train

KIND_COLORS = {"Q": QUERY_COLOR, "K": KEY_COLOR, "V": VALUE_COLOR}
KIND_WORDS = {"Q": "query", "K": "key", "V": "value"}
#: Labels a first viewer must read on the grids and charts (at least 24 at 480p).
READ_SIZE = 24
#: The snapshot "before the drop": the last one before the copied part's loss has fallen by
#: this share of its whole fall over training.
BEFORE_SHARE = 0.1


# --- the numbers ------------------------------------------------------------------
def parse_head(name: str) -> tuple[int, int]:
    """``"L1H0"`` -> ``(1, 0)``, the inverse of :func:`~circuit_clips.circuits.head_name`."""
    layer, head = name[1:].split("H")
    return int(layer), int(head)


def before_drop_index(snapshot_steps: np.ndarray, steps: np.ndarray, loss_repeated: np.ndarray) -> int:
    """The index of the last snapshot taken before the copied part's loss began its fall.

    "Began" is the first logged step where the loss is below its first value by
    :data:`BEFORE_SHARE` of its whole fall (first value to lowest).
    """
    fall = loss_repeated[0] - loss_repeated.min()
    started = steps[np.argmax(loss_repeated < loss_repeated[0] - BEFORE_SHARE * fall)]
    return int(np.nonzero(snapshot_steps < started)[0][-1])


@dataclass(frozen=True)
class TrainedModelNumbers:
    """The cached training run of the two-layer model, and what it learned."""

    model: AttnOnlyTransformer
    config: dict  # the training settings (TrainConfig.to_dict())
    steps: np.ndarray  # logged steps
    loss_repeated: np.ndarray  # held-out loss on the copied chunk, per logged step
    loss_other: np.ndarray  # held-out loss elsewhere
    phase_step: int  # phase_change_step of the log
    snapshot_steps: np.ndarray
    snapshots: np.ndarray  # [n, n_layers, n_heads, n_ctx, n_ctx]
    tokens: list[str]  # the held-out sequence of the snapshots (second half repeats the first)
    before: int  # index of the snapshot before the drop
    prev_head: tuple[int, int]  # the previous-token head (layer 0)
    ind_head: tuple[int, int]  # the induction head (layer 1)
    prev_attention: list[float]  # per layer-0 head: mean attention to the previous token
    induction_attention: list[float]  # per layer-1 head: mean attention just after the earlier copy
    scores: dict[str, np.ndarray]  # kind -> [layer-0 head, layer-1 head] composition scores
    baseline: dict[str, float]  # kind -> what random heads of these shapes score
    ceiling: np.ndarray  # [layer-0 head, layer-1 head]: the most the K-composition could score
    full_ov: np.ndarray  # the induction head's W_U W_OV W_E [output token, source token]
    eigenvalues: np.ndarray  # its d_head largest eigenvalues (by size): the rest are ~0
    copying: float  # copying score of all its eigenvalues
    accuracy_repeated: float  # held-out next-token accuracy on the repeated half
    accuracy_first: float  # ... on the first half
    chance: float  # 1 / d_vocab
    n_sequences: int  # held-out sequences behind the accuracies

    @property
    def after(self) -> int:
        """Index of the last snapshot (the trained model)."""
        return len(self.snapshot_steps) - 1


def numbers() -> TrainedModelNumbers:
    """Load (or train) the cached run and read off what the clip shows."""
    run = load_or_train()
    model, info, measured = run.model, run.info, run.info["measured"]
    log = info["log"]
    steps = np.array([e["step"] for e in log])
    loss_repeated = np.array([e["loss_repeated"] for e in log])
    prev_head, ind_head = parse_head(measured["prev_token_head"]), parse_head(measured["induction_head"])
    heads = range(model.n_heads)
    eig = ov_eigenvalues(model, *ind_head)
    return TrainedModelNumbers(
        model=model,
        config=info["config"],
        steps=steps,
        loss_repeated=loss_repeated,
        loss_other=np.array([e["loss_other"] for e in log]),
        phase_step=int(info["phase_change_step"]),
        snapshot_steps=np.asarray(run.snapshot_steps),
        snapshots=np.asarray(run.snapshots),
        tokens=model.to_str_tokens(run.snapshot_tokens),
        before=before_drop_index(np.asarray(run.snapshot_steps), steps, loss_repeated),
        prev_head=prev_head,
        ind_head=ind_head,
        prev_attention=list(measured["prev_token_attention"]),
        induction_attention=list(measured["induction_attention"]),
        scores={
            kind: np.array([[composition_score(model, 0, a, 1, b, kind) for b in heads] for a in heads])
            for kind in COMPOSITION_KINDS
        },
        baseline={kind: composition_baseline(model, kind) for kind in COMPOSITION_KINDS},
        ceiling=np.array([[composition_ceiling(model, 0, a, 1, b, "K") for b in heads] for a in heads]),
        full_ov=paper_full_ov(model, *ind_head),
        eigenvalues=eig[np.argsort(-np.abs(eig), kind="stable")[: model.d_head]],
        copying=copying_score(eig),
        accuracy_repeated=float(measured["accuracy_repeated_half"]),
        accuracy_first=float(measured["accuracy_first_half"]),
        chance=float(measured["chance"]),
        n_sequences=int(measured["n_sequences"]),
    )


def paper_full_ov(model: AttnOnlyTransformer, layer: int, head: int) -> np.ndarray:
    """The paper's full OV circuit ``W_U W_OV W_E``: rows output tokens, columns source tokens."""
    return model.W_U.T @ paper_ov_matrix(model, layer, head) @ model.W_E.T


def figures(shown: TrainedModelNumbers) -> dict[str, str]:
    """Every number a caption states, formatted as the caption states it (tests check each)."""
    prev, ind = shown.prev_head, shown.ind_head
    k_pair = shown.scores["K"][prev[1], ind[1]]
    return {
        "steps": f"{shown.config['steps']:,}",
        "phase_step": f"{shown.phase_step:,}",
        "baseline": format_value(shown.baseline["K"]),
        "k_pair": format_value(k_pair),
        "k_ratio": f"{k_pair / shown.baseline['K']:.1f}",
        "ceiling": format_value(shown.ceiling[prev[1], ind[1]]),
        "n_positive": str(int(np.sum(shown.eigenvalues.real > 0))),
        "n_eigenvalues": str(len(shown.eigenvalues)),
        "d_head": str(shown.model.d_head),
        "d_vocab": str(shown.model.d_vocab),
        "n_zero": str(shown.model.d_vocab - len(shown.eigenvalues)),
        "accuracy_repeated": f"{100 * shown.accuracy_repeated:.0f}%",
        "accuracy_first": f"{100 * shown.accuracy_first:.0f}%",
        "chance": f"{100 * shown.chance:.0f}%",
    }


# --- the clip ---------------------------------------------------------------------
#: Where the pattern maps go: the centre and right panels together (the left one holds the
#: loss plot and the legend).
MAPS = Region("pattern maps", CENTRE_PANEL.left, RIGHT_PANEL.right, STAGE.bottom, STAGE.top)
MODEL_CARD, DATA = STAGE.split_rows("model card", "data")
OV_PANEL = Region("full OV circuit", LEFT_PANEL.left, CENTRE_PANEL.right, STAGE.bottom, STAGE.top)


def label(text: str, color=MUTED_TEXT_COLOR, size: float = FONT_SIZE_LABEL) -> Text:
    """A plain label (several lines: ``\\n``)."""
    return Text(text, font_size=size, color=color, line_spacing=0.8)


def bar_on(axes: Axes, x: float, value: float, width: float, color) -> Rectangle:
    """A bar of ``axes`` from 0 up to ``value``, centred on ``x`` (a hairline when ``value`` ~ 0)."""
    base, top = axes.c2p(x, 0), axes.c2p(x, value)
    bar = Rectangle(width=width, height=max(top[1] - base[1], 0.02)).set_stroke(width=0)
    return bar.set_fill(color, opacity=0.9).move_to(base, aligned_edge=DOWN)


def value_axes(y_max: float, y_step: float, x_length: float, y_length: float, n_slots: int) -> VGroup:
    """Axes for a bar chart (``n_slots`` bars from x = 0.5), with the y ticks' values typeset."""
    axes = Axes(
        x_range=[0, n_slots, 1],
        y_range=[0, y_max, y_step],
        x_length=x_length,
        y_length=y_length,
        tips=False,
        axis_config={"color": MUTED_TEXT_COLOR, "stroke_width": 2},
        x_axis_config={"include_ticks": False},
    )
    ticks = VGroup(
        *[
            label(format_value(y, 0 if y_step >= 1 else 1 if y_step >= 0.1 else 2)).next_to(
                axes.c2p(0, y), LEFT, buff=0.12
            )
            for y in np.arange(0, y_max + 1e-9, y_step)
        ]
    )
    return VGroup(axes, ticks)


class TrainedModel(ClipScene):
    title = "A trained model"
    description = "Nobody wrote its circuits: training found them."
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    numbers = staticmethod(numbers)

    def story(self) -> None:
        self.fig = figures(self.shown)
        # A model nobody wrote, and its task
        self.meet_the_model()
        # The training log: the phase change
        self.loss_curve()
        # Its heads before and after the drop: the stripe appears
        self.patterns_before()
        self.patterns_during()
        self.previous_token_head()
        self.induction_stripe()
        # What it learned: K-composition, copying, guesses
        self.composition_scores()
        self.composition_against_random()
        self.copying_diagonal()
        self.copying_eigenvalues()
        self.guesses()

    # --- helpers -----------------------------------------------------------------
    def head_box(self, layer: int, head: int) -> VGroup:
        color = head_color(layer, head)
        box = RoundedRectangle(corner_radius=0.08, width=1.3, height=0.6)
        box.set_stroke(color, width=3).set_fill(color, opacity=0.12)
        return VGroup(box, Text(head_name(layer, head), font_size=FONT_SIZE_LABEL, color=color))

    def pattern_map(self, layer: int, head: int, index: int, cell: float) -> HeatMap:
        """The head's pattern on the held-out sequence at snapshot ``index`` (masked above the diagonal)."""
        return HeatMap(
            self.masked(self.shown.snapshots[index, layer, head]),
            cell_size=cell,
            row_title="destination",
            col_title="source",
            outline_color=head_color(layer, head),
        )

    @staticmethod
    def masked(pattern: np.ndarray) -> np.ndarray:
        shown = np.array(pattern, dtype=float)
        shown[np.triu_indices_from(shown, k=1)] = -np.inf
        return shown

    def repeat_mark(self, heat: HeatMap) -> VGroup:
        """A dashed line over the first row of the repeat, labelled "repeat starts" in the empty
        (masked) corner above it."""
        n = len(self.shown.tokens)
        half = n // 2
        line = DashedLine(
            heat.cell(half, 0).get_corner(UP + LEFT),
            heat.cell(half, n - 1).get_corner(UP + RIGHT),
            dash_length=0.08,
        ).set_stroke(TEXT_COLOR, width=2.5)
        words = label("repeat\nstarts", TEXT_COLOR, READ_SIZE).next_to(line, UP, buff=0.14)
        return VGroup(line, words.align_to(line, RIGHT).shift(0.05 * LEFT))

    @staticmethod
    def pointer(words, cell, direction) -> Arrow:
        """A short arrow from ``words`` (on its ``direction`` side) to a grid cell."""
        return Arrow(
            words.get_critical_point(direction), cell.get_center(), buff=0.04, stroke_width=3,
            max_tip_length_to_length_ratio=0.3, color=TEXT_COLOR,
        )  # fmt: skip

    def plot_x(self, step: float) -> float:
        """Where ``step`` sits on the loss plot's logarithmic axis (step 0 at its left end)."""
        return float(np.log10(max(step, 10.0 ** self.axes.x_range[0])))

    def plot_point(self, step: float) -> np.ndarray:
        loss = np.interp(step, self.shown.steps, self.shown.loss_repeated)
        return self.axes.c2p(self.plot_x(step), loss)

    def cell_marks(self, heat: HeatMap, cells, color=TEXT_COLOR, width: float = 2.5) -> VGroup:
        """White squares around the given ``(row, col)`` cells of ``heat``."""
        return VGroup(
            *[
                Square(side_length=heat.cell_width).set_stroke(color, width=width).move_to(heat.cell(i, j))
                for i, j in cells
            ]
        )

    # --- the model and its task ---------------------------------------------------------
    def meet_the_model(self) -> None:
        s = self.shown
        boxes = VGroup()
        for layer in (1, 0):  # layer 1 drawn above layer 0
            row = VGroup(*[self.head_box(layer, h) for h in range(self.model.n_heads)]).arrange(
                RIGHT, buff=0.3
            )
            name = label(f"layer {layer}")
            boxes.add(VGroup(name, row).arrange(RIGHT, buff=0.35))
        boxes.arrange(DOWN, buff=0.3, aligned_edge=RIGHT)
        note = label("attention layers only\nheads counted from 0: L1H0 = layer 1, head 0")
        self.model_card = MODEL_CARD.place(VGroup(boxes, note).arrange(DOWN, buff=0.3), DOWN, buff=0.1)
        half = len(s.tokens) // 2
        repeat_color = head_color(*s.ind_head)
        rows = VGroup(
            TokenRow(s.tokens[:half], font_size=FONT_SIZE_LABEL, min_width=0.5, buff=0.08),
            TokenRow(
                s.tokens[half:], font_size=FONT_SIZE_LABEL, min_width=0.5, buff=0.08, color=repeat_color
            ),
        ).arrange(DOWN, buff=0.2)
        first = label(f"{half} random tokens").next_to(rows[0], UP, buff=0.15).align_to(rows, LEFT)
        again = label(
            f"the same again (in training: chunks of {s.config['min_chunk']} to {s.config['max_chunk']}"
            " tokens, repeated anywhere)",
            repeat_color,
        )
        again.next_to(rows[1], DOWN, buff=0.15).align_to(rows, LEFT)
        DATA.place(VGroup(rows, first, again), UP, buff=0.2, shrink=True)
        self.beat(
            "Its data: random tokens in which chunks repeat.",
            FadeIn(self.model_card, shift=0.2 * DOWN),
            LaggedStart(FadeIn(rows[0]), FadeIn(first), FadeIn(rows[1]), FadeIn(again), lag_ratio=0.4),
            run_time=2.0,
            hold=2.4,  # the card has more words than the caption: time to read both
        )
        self.play(self.clear_stage(), run_time=0.6)

    # --- the training log ----------------------------------------------------------------
    def loss_axes(self) -> VGroup:
        """The loss plot's axes, ticks and titles, placed in the stage."""
        s = self.shown
        top = float(np.ceil(max(s.loss_repeated.max(), s.loss_other.max()) * 2) / 2)
        # a logarithmic step axis, so the flat start, the plunge and the long flat end all show
        self.axes = Axes(
            x_range=[1.0, float(np.log10(s.steps[-1])), 1.0],
            y_range=[0.0, top, 0.5],
            x_length=8.4,
            y_length=3.9,
            tips=False,
            axis_config={"color": MUTED_TEXT_COLOR, "stroke_width": 2},
            x_axis_config={"include_ticks": False},
        )
        STAGE.place(self.axes, UP + RIGHT, buff=0.5)
        x_ticks = VGroup(
            *[
                VGroup(
                    Line(
                        self.axes.c2p(np.log10(x), 0), self.axes.c2p(np.log10(x), 0) + 0.12 * DOWN
                    ).set_stroke(MUTED_TEXT_COLOR, width=2),
                    label(f"{int(x):,}").next_to(self.axes.c2p(np.log10(x), 0), DOWN, buff=0.2),
                )
                for x in (10, 100, 1000, int(s.steps[-1]))
            ]
        )
        y_ticks = VGroup(
            *[
                label(f"{y:.0f}").next_to(self.axes.c2p(self.axes.x_range[0], y), LEFT, buff=0.15)
                for y in np.arange(0, top, 1.0)
            ]
        )
        x_title = label("training step (each tick 10 times the last)").next_to(x_ticks, DOWN, buff=0.12)
        y_title = label("loss:\nhow badly\nit guesses\nthe next\ntoken").next_to(y_ticks, LEFT, buff=0.3)
        return VGroup(self.axes, x_ticks, y_ticks, x_title, y_title)

    def loss_curve(self) -> None:
        s = self.shown
        self.frame_parts = self.loss_axes()
        self.rep_color = head_color(*s.ind_head)
        logged = s.steps > 0  # a logarithmic axis has no step 0
        xs = np.log10(s.steps[logged])
        self.rep_line = self.axes.plot_line_graph(
            xs, s.loss_repeated[logged], line_color=self.rep_color, add_vertex_dots=False, stroke_width=5
        )
        self.other_line = self.axes.plot_line_graph(
            xs, s.loss_other[logged], line_color=MUTED_TEXT_COLOR, add_vertex_dots=False, stroke_width=4
        )
        end = self.axes.c2p(xs[-1], s.loss_repeated[-1])
        rep_name = label("on the repeat", self.rep_color).next_to(end, UP, buff=0.2).align_to(end, RIGHT)
        other_name = label(
            "elsewhere:\nrandom tokens,\nnothing to learn"
        )  # under the grey line's flat end, in the plot's empty upper right (its colour ties it to the line)
        other_end = self.axes.c2p(xs[-1], s.loss_other[-1])
        other_name.next_to(other_end, DOWN, buff=0.25).align_to(other_end, RIGHT)
        x = self.plot_x(s.phase_step)
        y_lo, y_hi = self.axes.y_range[0], self.axes.y_range[1]
        line = DashedLine(self.axes.c2p(x, y_lo), self.axes.c2p(x, y_hi), dash_length=0.12)
        line.set_stroke(TEXT_COLOR, width=3)
        phase = label(f"phase change\nstep {self.fig['phase_step']}", TEXT_COLOR, READ_SIZE)
        phase.next_to(self.axes.c2p(x, 0.0), UP + LEFT, buff=0.06)  # left of the line, below the curve
        dot = Dot(self.plot_point(s.phase_step), radius=0.11, color=self.rep_color)
        self.beat(
            f"On the repeat, its loss plunges near step {self.fig['phase_step']}: a phase change.",
            FadeIn(self.frame_parts, run_time=0.8),
            FadeIn(VGroup(rep_name, other_name), run_time=0.8),
            Succession(Wait(0.2), Create(self.rep_line, run_time=1.8)),
            Succession(Wait(0.2), Create(self.other_line, run_time=1.8)),
            Succession(Wait(1.2), AnimationGroup(Create(line), FadeIn(phase), FadeIn(dot, scale=2.0))),
            hold=1.4,
        )
        self.words = VGroup(*self.frame_parts[1:], rep_name, other_name)
        self.phase_words = phase
        self.phase_marks = VGroup(line, dot)

    # --- the patterns ------------------------------------------------------------------------
    def patterns_before(self) -> None:
        s = self.shown
        columns = MAPS.split_columns("previous-token map", "induction map")
        self.maps, self.map_titles = {}, {}
        groups = VGroup()
        for head, region in zip((s.prev_head, s.ind_head), columns):
            heat = self.pattern_map(*head, s.before, 0.12)
            title = Text(head_name(*head), font_size=FONT_SIZE_BODY, color=head_color(*head))
            title.next_to(heat, UP, buff=0.12)
            group = region.place(VGroup(heat, title), UP, buff=0.05, shrink=True)
            group.add(self.repeat_mark(heat))
            groups.add(group)
            self.maps[head], self.map_titles[head] = heat, title
        # the loss plot shrinks into the left panel without its words (too small to read there),
        # with a marker at the snapshot's step
        self.play(FadeOut(self.words), run_time=0.4)  # the phase-change words stay (and shrink)
        plot = VGroup(self.axes, self.rep_line, self.other_line, self.phase_marks)
        target = LEFT_PANEL.place(plot.copy().scale(0.38), UP, buff=0.35)
        plot_name = label("loss on the repeat", self.rep_color).next_to(target, UP, buff=0.12)
        phase_small = label(f"phase change: step {self.fig['phase_step']}", TEXT_COLOR, READ_SIZE)
        phase_small.next_to(target, DOWN, buff=0.1)
        self.step_text = Text(f"step {int(s.snapshot_steps[s.before]):,}", font_size=FONT_SIZE_BODY)
        self.step_text.next_to(phase_small, DOWN, buff=0.1)
        self.legend = ColorBar(width=2.6, ticks=[0.0, 0.1, 1.0], title="attention")
        self.legend.next_to(self.step_text, DOWN, buff=0.2)
        not_linear = label("small weights made\nvisible: 0.1 is mid-bar")  # a note, quieter than the maps
        not_linear.next_to(self.legend, DOWN, buff=0.15)
        key = label("row: a token\ncells: where it looks\n(earlier tokens only)")
        key.next_to(not_linear, DOWN, buff=0.12)
        key = VGroup(not_linear, key)
        step = s.snapshot_steps[s.before]  # the marker sits where the shrunk plot (target) puts the step
        at_step = target[0].c2p(self.plot_x(step), np.interp(step, s.steps, s.loss_repeated))
        self.marker = Dot(at_step, radius=0.08, color=TEXT_COLOR)
        self.beat(
            "Before the drop, its heads' attention is spread out.",
            plot.animate.scale(0.38).move_to(target),
            self.phase_words.animate.become(phase_small),
            FadeIn(plot_name),
            FadeIn(groups),
            FadeIn(VGroup(self.step_text, key, self.legend)),
            Succession(Wait(1.2), FadeIn(self.marker, scale=2.0, run_time=0.4)),  # where the plot landed
            run_time=1.6,
            hold=0.8,
        )
        self.plot = VGroup(plot, plot_name, self.marker, self.phase_words)
        self.pattern_groups = groups

    def patterns_during(self) -> None:
        """Step through the snapshots from before the drop to the end: the patterns sharpen."""
        s = self.shown
        # slowly through the drop (to two and a half times its step), where the patterns form;
        # then on to the end in three quick steps, where they only settle
        drop = [i for i in range(s.before + 1, s.after) if s.snapshot_steps[i] <= 2.5 * s.phase_step]
        rest = np.linspace(drop[-1], s.after, 4).round().astype(int)[1:]

        def steps():  # a generator: each step is built after the one before has played
            for i, per_step in [(i, 2.8 / len(drop)) for i in drop] + [(i, 0.3) for i in rest]:
                step = int(s.snapshot_steps[i])
                new_text = Text(f"step {step:,}", font_size=FONT_SIZE_BODY).move_to(self.step_text)
                yield (
                    per_step,
                    *[
                        self.maps[h].animate_values(self.masked(s.snapshots[i, h[0], h[1]]))
                        for h in self.maps
                    ],
                    self.marker.animate.move_to(self.plot_point(step)),
                    FadeOut(self.step_text, run_time=per_step),
                    FadeIn(new_text, run_time=per_step),
                )
                self.step_text = new_text

        self.beat_in_steps("Watch them as the loss falls.", steps(), hold=0.6)

    def previous_token_head(self) -> None:
        s = self.shown
        heat = self.maps[s.prev_head]
        marks = self.cell_marks(heat, [(i, i - 1) for i in range(1, len(s.tokens))], width=1.5)
        job = label("previous-token head:\nlooks one token back", head_color(*s.prev_head))
        job.next_to(heat.cells, DOWN, buff=0.2)
        n = len(s.tokens)
        back = label("one token back", TEXT_COLOR, READ_SIZE)
        back.next_to(heat.cell(n // 4 - 3, n // 4 + 2), RIGHT, buff=0).align_to(
            heat.cell(0, n // 4 + 2), LEFT
        )  # inside the grid's empty (masked) corner, clear of its right border
        arrow = self.pointer(back, heat.cell(n // 4 + 1, n // 4), DOWN + LEFT)
        self.beat(
            "Layer 0's head now looks one token back, mostly.",
            LaggedStart(*[Create(m) for m in marks], lag_ratio=0.05, run_time=1.2),  # done by mid-cue
            FadeIn(VGroup(job, back, arrow), run_time=1.0),
            hold=0.8,
        )
        self.prev_marks = VGroup(marks, job, back, arrow)

    def induction_stripe(self) -> None:
        """The induction head's pattern alone and large: the moment the clip exists for."""
        s = self.shown
        n, half = len(s.tokens), len(s.tokens) // 2
        group = self.pattern_groups[1]
        target = MAPS.place(group.copy().scale_to_fit_height(MAPS.height - 0.1), LEFT, buff=0.1)
        self.play(FadeOut(VGroup(self.pattern_groups[0], self.prev_marks)), run_time=0.4)
        self.play(group.animate.move_to(target).scale_to_fit_height(target.height), run_time=0.7)
        heat = self.maps[s.ind_head]
        stripe = self.cell_marks(heat, [(i, i - half + 1) for i in range(half, n)])
        job = label(
            "induction head:\nin the repeat, each\ntoken looks just after\nits earlier copy",
            head_color(*s.ind_head),
        )
        job.next_to(heat.cells, RIGHT, buff=0.35).align_to(heat.cells, DOWN)
        edge = heat.cell(half, 0).get_top()[1]
        stripe_name = label("the stripe", TEXT_COLOR, READ_SIZE)
        stripe_name.next_to(heat.cells, RIGHT, buff=0.35).set_y(edge).align_to(job, LEFT)
        target = heat.cell(n - 5, n - 5 - half + 1)
        arrow = Arrow(
            stripe_name.get_left(), target.get_center(), buff=0.06, stroke_width=3,
            max_tip_length_to_length_ratio=0.1, color=TEXT_COLOR,
        )  # fmt: skip
        self.beat(
            "Layer 1's head draws the stripe: just after the earlier copy.",
            LaggedStart(*[Create(m) for m in stripe], lag_ratio=0.15, run_time=1.7),  # done by mid-cue
            FadeIn(VGroup(job, stripe_name), run_time=1.0),
            Succession(Wait(1.0), GrowArrow(arrow, run_time=0.8)),
            hold=1.4,
        )
        self.play(self.clear_stage(), run_time=0.6)

    # --- composition -----------------------------------------------------------------------
    def composition_chart(self) -> VGroup:
        """Bars of every layer-0/layer-1 pair's Q-, K- and V-composition, on valued axes."""
        s = self.shown
        pairs = [(a, b) for a in range(self.model.n_heads) for b in range(self.model.n_heads)]
        top = max(float(np.ceil(s.ceiling.max() * 10) / 10), 0.4)
        slots = 4 * len(pairs) - 1  # three bars and a gap per pair
        chart = value_axes(top, 0.1, min(2.0 * slots, 9.0), 3.4, slots)
        self.bar_axes = chart[0]
        self.k_bars, bars, names = {}, VGroup(), VGroup()
        for p, (a, b) in enumerate(pairs):
            for k, kind in enumerate(COMPOSITION_KINDS):
                bar = bar_on(self.bar_axes, 4 * p + k + 0.5, s.scores[kind][a, b], 0.55, KIND_COLORS[kind])
                word = label(KIND_WORDS[kind], KIND_COLORS[kind]).next_to(bar, DOWN, buff=0.12)
                word.set_y(self.bar_axes.c2p(0, 0)[1] - 0.25)
                bars.add(bar)
                names.add(word)
                if kind == "K":
                    self.k_bars[(a, b)] = bar
            if len(pairs) > 1:
                pair = MathTex(
                    rf"\mathrm{{L0H{a}}}\!\to\!\mathrm{{L1H{b}}}", font_size=MATH_SIZE_LABEL, color=TEXT_COLOR
                )
                names.add(pair.next_to(VGroup(*names[-3:]), DOWN, buff=0.12))
        self.bars = bars
        return VGroup(chart, bars, names)

    def composition_scores(self) -> None:
        s = self.shown
        self.strip = EquationStrip(font_size=MATH_SIZE_BODY)
        formula = self.strip.tex(
            r"\text{K-composition} = ",
            r"\frac{\lVert W_{QK}^{h'}\, W_{OV}^{h} \rVert_F}{\lVert W_{QK}^{h'} \rVert_F\, \lVert W_{OV}^{h} \rVert_F}",
        )
        prev, ind = (head_name(*h) for h in (s.prev_head, s.ind_head))
        where = VGroup(
            MathTex(
                rf"W_{{OV}}^{{h}}:\ \text{{what {prev} writes}}\qquad "
                rf"W_{{QK}}^{{h'}}:\ \text{{where {ind} looks}}\qquad "
                r"\lVert\cdot\rVert_F:\ \text{a matrix's size}",
                font_size=MATH_SIZE_LABEL,
                color=TEXT_COLOR,
            ),
            label(f"the query and value bars: the same score, for {ind}'s query and value", TEXT_COLOR),
        ).arrange(DOWN, buff=0.12)
        where.next_to(self.strip.place(formula), DOWN, buff=0.15)
        chart = self.composition_chart()
        STAGE.place(chart, DOWN, buff=0.15)
        y_base = self.bar_axes.c2p(0, s.baseline["K"])[1]
        x_left, x_right = self.bar_axes.c2p(0, 0)[0], self.bar_axes.c2p(self.bar_axes.x_range[1], 0)[0]
        base_line = DashedLine([x_left, y_base, 0], [x_right, y_base, 0], dash_length=0.12)
        base_line.set_stroke(TEXT_COLOR, width=2)
        base_label = label(f"random heads:\n{self.fig['baseline']}", TEXT_COLOR)
        self.base_label = base_label.next_to(base_line, RIGHT, 0.15)
        self.beat(
            f"How much does layer 1's key read layer 0? Random heads: {self.fig['baseline']}.",
            self.strip.show(formula),
            FadeIn(where),
            FadeIn(chart[0]),
            LaggedStart(*[FadeIn(b, shift=0.2 * UP) for b in chart[1:]], lag_ratio=0.3),
            Succession(Wait(1.2), AnimationGroup(Create(base_line), FadeIn(base_label))),
            run_time=2.4,
            hold=1.0,
        )

    def composition_against_random(self) -> None:
        s = self.shown
        pair = (s.prev_head[1], s.ind_head[1])
        k_bar = self.k_bars[pair]
        y = self.bar_axes.c2p(0, s.ceiling[pair])[1]
        ceiling = Line([k_bar.get_left()[0] - 0.1, y, 0], [k_bar.get_right()[0] + 0.1, y, 0])
        ceiling.set_stroke(KEY_COLOR, width=4)
        ceiling_label = label(f"most possible: {self.fig['ceiling']}", KEY_COLOR).next_to(
            ceiling, RIGHT, buff=0.15
        )
        values = VGroup(
            *[
                # beside the bar, top level with its top: clear of the random line just above
                label(format_value(value), TEXT_COLOR).next_to(bar, RIGHT, buff=0.08).align_to(bar, UP)
                for bar, value in zip(
                    self.bars, [s.scores[k][a, b] for a, b in self.k_bars for k in COMPOSITION_KINDS]
                )
                if bar is not k_bar
            ]
        )
        below = label("query, value:\nbelow random", TEXT_COLOR).next_to(self.base_label, DOWN, buff=0.25)
        ceiling_label.become(
            label(f"most possible: {self.fig['ceiling']}\n(if their directions\nlined up exactly)", KEY_COLOR)
        ).next_to(ceiling, RIGHT, buff=0.15)
        k_value = Text(self.fig["k_pair"], font_size=FONT_SIZE_BODY, color=KEY_COLOR)
        k_value.next_to(ceiling, LEFT, buff=0.15).align_to(k_bar, UP)
        self.beat(
            f"Its key: {self.fig['k_pair']}, {self.fig['k_ratio']} times that. "
            f"The most it could reach: {self.fig['ceiling']}.",
            FadeIn(values),
            FadeIn(k_value, scale=1.3),
            flash_around(k_bar, KEY_COLOR, run_time=1.2),
            Create(ceiling),
            FadeIn(ceiling_label),
            FadeIn(below),
            run_time=1.6,
            hold=1.2,
        )
        formula = self.strip.current
        self.play(self.strip.hide(), self.clear_stage(formula), run_time=0.6)

    # --- copying ------------------------------------------------------------------------------
    def copying_diagonal(self) -> None:
        s = self.shown
        color = head_color(*s.ind_head)
        heat = HeatMap(
            s.full_ov,
            cell_size=0.13,
            row_title="output token",
            col_title="attended token",
            outline_color=color,
        )
        name = MathTex(
            r"W_U\, W_{OV}^{\mathrm{" + head_name(*s.ind_head) + r"}}\, W_E",
            font_size=MATH_SIZE_BODY,
            color=color,
        ).next_to(heat.col_title, UP, buff=0.15)
        self.ov_group = OV_PANEL.place(VGroup(heat, name), UP + LEFT, buff=0.1, shrink=True)
        meaning = label("column: the token it attends to\nrow: how much each output rises")
        meaning.next_to(heat, RIGHT, buff=0.3).align_to(heat.cells, UP)
        legend = ColorBar(width=2.6, title=None).next_to(meaning, DOWN, buff=0.4).align_to(meaning, LEFT)
        self.beat(
            "Its OV circuit: attending to a token raises that same token.",
            FadeIn(VGroup(self.ov_group, legend, meaning), run_time=1.0),
            Succession(Wait(1.0), FadeIn(self.off_diagonal_veil(heat), run_time=1.2)),
            hold=1.0,
        )
        self.ov_meaning = meaning

    @staticmethod
    def off_diagonal_veil(heat: HeatMap) -> VGroup:
        """Two staircase shades over the cells off the diagonal, so the diagonal stands out."""
        n = heat.shape[0]
        corner = heat.cell(0, 0).get_corner(UP + LEFT)
        w = heat.cell_width

        def at(col: float, row: float) -> np.ndarray:
            return corner + np.array([col * w, -row * w, 0.0])

        upper = [at(1, 0), at(n, 0), at(n, n - 1)]
        lower = [at(0, 1), at(0, n), at(n - 1, n)]
        for k in range(n - 1, 0, -1):
            upper += [at(k, k), at(k, k - 1)]
            lower += [at(k, k), at(k - 1, k)]
        return VGroup(
            *[
                Polygon(*points).set_stroke(width=0).set_fill(BACKGROUND_COLOR, opacity=0.72)
                for points in (upper, lower)
            ]
        )

    def copying_eigenvalues(self) -> None:
        s = self.shown
        color = head_color(*s.ind_head)
        eig = np.sort(s.eigenvalues.real)[::-1]
        step = next(t for t in (1.0, 2.0, 5.0, 10.0, 20.0, 50.0) if eig.max() / t <= 6)
        chart = value_axes(float(np.ceil(eig.max() / step) * step), step, 3.5, 3.4, len(eig))
        axes = chart[0]
        bars = VGroup(*[bar_on(axes, k + 0.5, v, 0.8 * 3.5 / len(eig), color) for k, v in enumerate(eig)])
        title = label(
            "eigenvalues λ, largest first:\nhow much attending to a token\nraises that same token",
            TEXT_COLOR,
            READ_SIZE,
        )
        why = MathTex(
            rf"\text{{{self.fig['d_vocab']} tokens, but the head is only }}"
            rf"d_{{\mathrm{{head}}}} = {self.fig['d_head']}"
            rf"\text{{ wide: {self.fig['n_eigenvalues']} eigenvalues, the other {self.fig['n_zero']} are 0}}",
            font_size=MATH_SIZE_BODY,
            color=TEXT_COLOR,
        )
        EQUATION_LINE.place(why, shrink=True)
        panel = VGroup(title, VGroup(chart, bars)).arrange(DOWN, buff=0.3)
        RIGHT_PANEL.place(panel, UP, buff=0.2, shrink=True)
        self.beat(
            f"All {self.fig['n_positive']} of its eigenvalues are positive: it copies.",
            FadeOut(self.ov_meaning, run_time=0.5),
            Succession(Wait(0.3), FadeIn(VGroup(panel[0], chart, why), run_time=0.5)),
            Succession(  # settled well before the cue's middle
                Wait(0.5),
                LaggedStart(*[GrowFromEdge(b, DOWN) for b in bars], lag_ratio=0.1, run_time=0.8),
            ),
            hold=1.0,
        )
        self.play(self.clear_stage(), run_time=0.6)

    # --- guesses ---------------------------------------------------------------------------------
    def guesses(self) -> None:
        s = self.shown
        chart = value_axes(1.0, 0.5, 5.0, 3.4, 2)
        axes = chart[0]
        chart[1].become(
            VGroup(*[label(f"{100 * y:.0f}%").next_to(axes.c2p(0, y), LEFT, 0.12) for y in (0, 0.5, 1)])
        )
        items = [
            ("first half", s.accuracy_first, MUTED_TEXT_COLOR),
            ("repeated half", s.accuracy_repeated, head_color(*s.ind_head)),
        ]
        bars = VGroup()
        for k, (name, value, color) in enumerate(items):
            bar = bar_on(axes, k + 0.5, value, 1.4, color)
            pct = Text(f"{100 * value:.0f}%", font_size=FONT_SIZE_BODY).next_to(bar, UP, buff=0.12)
            bars.add(VGroup(bar, pct, label(name, TEXT_COLOR).next_to(axes.c2p(k + 0.5, 0), DOWN, 0.15)))
        y_chance = axes.c2p(0, s.chance)[1]
        x_left, x_right = axes.c2p(0, 0)[0], axes.c2p(2, 0)[0]
        chance = DashedLine([x_left, y_chance, 0], [x_right, y_chance, 0], dash_length=0.1)
        chance.set_stroke(TEXT_COLOR, width=2)
        chance_label = label(f"chance: {self.fig['chance']}", TEXT_COLOR).next_to(chance, RIGHT, buff=0.15)
        title = label(f"right guesses of the next token, {s.n_sequences} new repeated sequences")
        STAGE.place(VGroup(title, VGroup(chart, bars, chance, chance_label)).arrange(DOWN, buff=0.4), ORIGIN)
        self.beat(
            f"It now guesses {self.fig['accuracy_repeated']} of the repeat; chance is {self.fig['chance']}.",
            FadeIn(VGroup(title, chart)),
            LaggedStart(*[FadeIn(b, shift=0.2 * UP) for b in bars], lag_ratio=0.5),
            Create(chance),
            FadeIn(chance_label),
            run_time=2.0,
            hold=1.0,
        )
        self.play(self.clear_stage(), run_time=0.6)

    # --- the summary: the two heads it found, and how they connect ---------------------------------
    def summary(self) -> None:
        s = self.shown
        left, middle, right = STAGE.split_columns("previous-token head", "key", "induction head")
        thumbs = VGroup()
        for head, region, job in (
            (s.prev_head, left, "previous-token head"),
            (s.ind_head, right, "induction head"),
        ):
            heat = HeatMap(
                self.masked(s.snapshots[s.after, head[0], head[1]]),
                cell_size=0.1,
                outline_color=head_color(*head),
            )
            title = label(f"{head_name(*head)}\n{job}", head_color(*head), FONT_SIZE_BODY)
            title.next_to(heat, UP, buff=0.2).align_to(heat, LEFT)
            thumbs.add(region.place(VGroup(title, heat), UP, buff=0.2))
        # the two grids level (their titles differ in height), so the arrow between them is level
        thumbs[1].shift((thumbs[0][1].get_center()[1] - thumbs[1][1].get_center()[1]) * UP)
        arrow = Arrow(thumbs[0].get_right(), thumbs[1].get_left(), buff=0.3, color=KEY_COLOR)
        arrow.match_y(thumbs[0][1])
        reads = label(
            f"its key reads it:\n{self.fig['k_pair']} (random: {self.fig['baseline']})", KEY_COLOR
        ).next_to(arrow, UP, buff=0.15)
        result = label(
            f"the repeat guessed:\n{self.fig['accuracy_repeated']} (chance {self.fig['chance']})", TEXT_COLOR
        ).next_to(arrow, DOWN, buff=0.3)
        self.end_on_summary(
            "Training found the circuits we built by hand.",
            FadeIn(thumbs),
            GrowArrow(arrow),
            FadeIn(VGroup(reads, result)),
            run_time=1.2,
            hold=2.0,
        )
