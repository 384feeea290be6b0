"""trained_model: the same circuits, found by gradient descent in a model trained here.

Storyboard (clip 11): a two-layer attention-only model trained on random tokens in which a
chunk repeats. Its loss on the copied part drops suddenly (the phase change); before the drop
its heads attend vaguely, after it a layer-0 head attends to the previous token and a layer-1
head shows the induction stripe. Its composition scores single out the key (against what
random heads score, and the most those heads could score), its induction head's OV circuit
copies (positive eigenvalues), and it now predicts the repeated half.

Every number is the trained model's (:func:`circuit_clips.training.load_or_train`): the
training log and pattern snapshots of the cached run, the held-out figures measured when it
was trained (``run.info["measured"]``), and the circuits computed from its weights.
"""

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Axes,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    FadeOut,
    LaggedStart,
    Line,
    MathTex,
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
    CENTRE_PANEL,
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
    TokenRow,
    flash_around,
    format_value,
    head_color,
    hold_to_read,
)
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.training import load_or_train

KIND_COLORS = {"Q": QUERY_COLOR, "K": KEY_COLOR, "V": VALUE_COLOR}
KIND_WORDS = {"Q": "query", "K": "key", "V": "value"}
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
        "accuracy_repeated": f"{100 * shown.accuracy_repeated:.0f}%",
        "accuracy_first": f"{100 * shown.accuracy_first:.0f}%",
        "chance": f"{100 * shown.chance:.0f}%",
    }


# --- the clip ---------------------------------------------------------------------
def bar_on(x: float, base_y: float, height: float, width: float, color) -> Rectangle:
    """A bar of a bar chart standing on ``base_y``, centred on ``x`` (a hairline when ``height`` ~ 0)."""
    bar = Rectangle(width=width, height=max(height, 0.02)).set_stroke(width=0).set_fill(color, opacity=0.85)
    return bar.move_to([x, base_y, 0], aligned_edge=DOWN)


class TrainedModel(ClipScene):
    title = "A trained model"
    description = "A model trained here finds the same circuits by itself."
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    numbers = staticmethod(numbers)

    def story(self) -> None:
        self.fig = figures(self.shown)
        # A model nobody wrote, and its task
        self.meet_the_model()
        # The training log: the phase change
        self.loss_curve()
        self.phase_change()
        # Its heads before and after the drop: the stripe appears
        self.patterns_before()
        self.patterns_during()
        self.show_stripe()
        # What it learned: K-composition, copying, guesses
        self.composition_scores()
        self.composition_honestly()
        self.copying()
        self.guesses()
        self.messier_than_the_toy()

    # --- helpers -----------------------------------------------------------------
    def head_label(self, layer: int, head: int, extra: str = "") -> Text:
        return Text(
            f"{head_name(layer, head)}{extra}", font_size=FONT_SIZE_BODY, color=head_color(layer, head)
        )

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

    # --- the model and its task ---------------------------------------------------------
    def meet_the_model(self) -> None:
        m = self.model
        boxes = VGroup()
        for layer in (1, 0):  # layer 1 drawn above layer 0
            row = VGroup(
                *[
                    VGroup(
                        RoundedRectangle(corner_radius=0.08, width=1.3, height=0.6)
                        .set_stroke(head_color(layer, h), width=3)
                        .set_fill(head_color(layer, h), opacity=0.12),
                        Text(head_name(layer, h), font_size=FONT_SIZE_LABEL, color=head_color(layer, h)),
                    )
                    for h in range(m.n_heads)
                ]
            ).arrange(RIGHT, buff=0.3)
            name = Text(f"layer {layer}", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR)
            boxes.add(VGroup(name, row).arrange(RIGHT, buff=0.35))
        boxes.arrange(DOWN, buff=0.35, aligned_edge=RIGHT)
        note = Text(
            "attention only: no MLPs\nheads counted from 0: L1H0 = layer 1, head 0",
            font_size=FONT_SIZE_LABEL,
            color=MUTED_TEXT_COLOR,
            line_spacing=0.8,
        )
        model_card = VGroup(boxes, note).arrange(DOWN, buff=0.3).move_to([0, 1.75, 0])
        half = len(self.shown.tokens) // 2
        rows = VGroup(
            TokenRow(self.shown.tokens[:half], font_size=FONT_SIZE_LABEL, min_width=0.5, buff=0.08),
            TokenRow(
                self.shown.tokens[half:],
                font_size=FONT_SIZE_LABEL,
                min_width=0.5,
                buff=0.08,
                color=head_color(*self.shown.ind_head),
            ),
        ).arrange(DOWN, buff=0.2)
        first = Text(f"{half} random tokens", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR)
        again = Text("the same again", font_size=FONT_SIZE_LABEL, color=head_color(*self.shown.ind_head))
        first.next_to(rows[0], UP, buff=0.15).align_to(rows, LEFT)
        again.next_to(rows[1], DOWN, buff=0.15).align_to(rows, LEFT)
        data = VGroup(rows, first, again)
        data.move_to([0, -1.5, 0])
        self.beat(
            "Nobody wrote this model: it was trained here.",
            FadeIn(model_card, shift=0.2 * DOWN),
            run_time=1.2,
            hold=0.8,
        )
        self.beat(
            "Its data: random tokens, with a chunk repeated.",
            LaggedStart(FadeIn(rows[0]), FadeIn(first), FadeIn(rows[1]), FadeIn(again), lag_ratio=0.4),
            run_time=2.0,
            hold=0.8,
        )
        self.play(self.clear_stage(), run_time=0.6)

    # --- the training log ----------------------------------------------------------------
    def loss_curve(self) -> None:
        s = self.shown
        top = float(np.ceil(max(s.loss_repeated.max(), s.loss_other.max()) * 2) / 2)
        self.axes = Axes(
            x_range=[0, float(s.steps[-1]), 500],
            y_range=[1.0, top, 0.5],
            x_length=8.6,
            y_length=4.0,
            tips=False,
            axis_config={"color": MUTED_TEXT_COLOR, "stroke_width": 2},
        ).move_to([0.6, 0.15, 0])
        x_ticks = VGroup(
            *[
                Text(f"{int(x):,}", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR).next_to(
                    self.axes.c2p(x, 1.0), DOWN, buff=0.15
                )
                for x in np.arange(0, s.steps[-1] + 1, 1000)
            ]
        )
        y_ticks = VGroup(
            *[
                Text(f"{y:.0f}", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR).next_to(
                    self.axes.c2p(0, y), LEFT, buff=0.15
                )
                for y in np.arange(1.0, top + 1e-9, 1.0)
            ]
        )
        x_title = Text("training step", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR)
        x_title.next_to(x_ticks, DOWN, buff=0.12)
        y_title = Text(
            "loss\n(lower = better\nguesses)",
            font_size=FONT_SIZE_LABEL,
            color=MUTED_TEXT_COLOR,
            line_spacing=0.8,
        )
        y_title.next_to(y_ticks, LEFT, buff=0.3)
        self.rep_color = head_color(*s.ind_head)
        self.rep_line = self.axes.plot_line_graph(
            s.steps, s.loss_repeated, line_color=self.rep_color, add_vertex_dots=False, stroke_width=5
        )
        self.other_line = self.axes.plot_line_graph(
            s.steps, s.loss_other, line_color=MUTED_TEXT_COLOR, add_vertex_dots=False, stroke_width=4
        )
        end = self.axes.c2p(s.steps[-1], s.loss_repeated[-1])
        self.rep_name = Text("on the repeat", font_size=FONT_SIZE_LABEL, color=self.rep_color)
        self.rep_name.next_to(end, UP, buff=0.2).align_to(end, RIGHT)
        other_end = self.axes.c2p(s.steps[-1], s.loss_other[-1])
        self.other_name = Text("elsewhere", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR)
        self.other_name.next_to(other_end, DOWN, buff=0.2).align_to(other_end, RIGHT)
        self.frame_parts = VGroup(self.axes, x_ticks, y_ticks, x_title, y_title)
        self.beat(
            "Loss: how badly it guesses the next token.",
            FadeIn(self.frame_parts),
            run_time=1.2,
            hold=0.6,
        )
        self.beat(
            "On the repeat it falls; elsewhere it cannot.",
            Create(self.rep_line, run_time=4.0),
            Create(self.other_line, run_time=4.0),
            Succession(
                Wait(3.0), AnimationGroup(FadeIn(self.rep_name), FadeIn(self.other_name), run_time=1.0)
            ),
            hold=0.8,
        )

    def phase_change(self) -> None:
        s = self.shown
        x = s.phase_step
        y_lo, y_hi = self.axes.y_range[0], self.axes.y_range[1]
        line = DashedLine(self.axes.c2p(x, y_lo), self.axes.c2p(x, y_hi), dash_length=0.12)
        line.set_stroke(TEXT_COLOR, width=3)
        label = Text(
            f"phase change\nstep {self.fig['phase_step']}",
            font_size=FONT_SIZE_BODY,
            color=TEXT_COLOR,
            line_spacing=0.8,
        )
        label.next_to(self.axes.c2p(x, (y_lo + y_hi) / 2 + 0.3), RIGHT, buff=0.25)
        dot = Dot(self.axes.c2p(x, np.interp(x, s.steps, s.loss_repeated)), radius=0.11, color=self.rep_color)
        self.beat(
            f"A sudden drop near step {self.fig['phase_step']}: a phase change.",
            Create(line),
            FadeIn(label),
            FadeIn(dot, scale=2.0),
            self.other_line.animate.set_stroke(opacity=0.4),
            run_time=2.0,
            hold=1.6,
        )
        self.phase_marks = VGroup(line, label, dot)

    # --- the patterns ------------------------------------------------------------------------
    def patterns_before(self) -> None:
        s = self.shown
        cell = 0.1
        self.maps = {}
        groups = VGroup()
        for head, job in ((s.prev_head, ""), (s.ind_head, "")):
            heat = self.pattern_map(*head, s.before, cell)
            title = self.head_label(*head, job).next_to(heat, UP, buff=0.15)
            self.maps[head] = heat
            groups.add(VGroup(heat, title))
        groups.arrange(RIGHT, buff=0.7, aligned_edge=UP)
        groups.move_to([CENTRE_PANEL.right + 0.35, 0, 0]).align_to([0, STAGE.top - 0.1, 0], UP)
        # the loss plot shrinks into the left panel without its words (too small to read there),
        # with a marker at the snapshot's step
        words = VGroup(*self.frame_parts[1:], self.rep_name, self.other_name, self.phase_marks[1])
        self.play(FadeOut(words), run_time=0.4)
        plot = VGroup(self.axes, self.rep_line, self.other_line, self.phase_marks[0], self.phase_marks[2])
        target = plot.copy().scale(0.45)
        target.move_to([LEFT_PANEL.center[0], 0, 0]).align_to([0, STAGE.top - 0.35, 0], UP)
        plot_name = Text("loss on the repeat", font_size=FONT_SIZE_LABEL, color=self.rep_color)
        plot_name.next_to(target, UP, buff=0.15)
        self.step_text = Text(
            f"step {int(s.snapshot_steps[s.before]):,}", font_size=FONT_SIZE_BODY, color=TEXT_COLOR
        )
        self.step_text.move_to([LEFT_PANEL.center[0], 0, 0]).next_to(
            target, DOWN, buff=0.3, coor_mask=[0, 1, 0]
        )
        self.plot = VGroup(plot, plot_name)
        key = Text(
            "row: a token\ncells: where it looks\n(earlier tokens only)",
            font_size=FONT_SIZE_LABEL,
            color=MUTED_TEXT_COLOR,
            line_spacing=0.8,
        )
        self.legend = ColorBar(width=2.6, ticks=[0.0, 0.1, 1.0], title="attention").next_to(
            self.step_text, DOWN, buff=0.35
        )
        self.legend.set_x(LEFT_PANEL.center[0])
        key.next_to(self.legend, DOWN, buff=0.35).set_x(LEFT_PANEL.center[0])
        self.key = key
        self.beat(
            "Before the drop, its heads' attention is vague.",
            plot.animate.scale(0.45).move_to(target),
            FadeIn(plot_name),
            FadeIn(groups),
            FadeIn(self.step_text),
            FadeIn(key),
            FadeIn(self.legend),
            run_time=1.6,
            hold=1.2,
        )
        self.marker = Dot(self.plot_point(s.snapshot_steps[s.before]), radius=0.08, color=TEXT_COLOR)
        self.add(self.marker)
        self.pattern_groups = groups

    def plot_point(self, step: float) -> np.ndarray:
        return self.axes.c2p(step, np.interp(step, self.shown.steps, self.shown.loss_repeated))

    def patterns_during(self) -> None:
        """Step through the snapshots from before the drop to the end: the patterns sharpen."""
        s = self.shown
        caption = "Watch them as the loss drops."
        start = self.time
        indices = list(range(s.before + 1, s.after + 1))
        per_step = 6.0 / len(indices)
        for i in indices:
            step = int(s.snapshot_steps[i])
            new_text = Text(f"step {step:,}", font_size=FONT_SIZE_BODY, color=TEXT_COLOR).move_to(
                self.step_text
            )
            self.play(
                *[self.maps[h].animate_values(self.masked(s.snapshots[i, h[0], h[1]])) for h in self.maps],
                self.marker.animate.move_to(self.plot_point(step)),
                FadeOut(self.step_text, run_time=per_step),
                FadeIn(new_text, run_time=per_step),
                run_time=per_step,
            )
            self.step_text = new_text
        hold = hold_to_read(caption, self.time - start, minimum=0.8, frame_rate=self.camera.frame_rate)
        self.wait(hold)
        self.add_subcaption(caption, duration=self.time - start, offset=-(self.time - start))

    def show_stripe(self) -> None:
        s = self.shown
        half = len(s.tokens) // 2
        prev_map, ind_map = self.maps[s.prev_head], self.maps[s.ind_head]
        n = len(s.tokens)
        diag_marks = VGroup(
            *[
                Square(side_length=prev_map.cell_width)
                .set_stroke(TEXT_COLOR, width=1.5)
                .move_to(prev_map.cell(i, i - 1))
                for i in range(1, n)
            ]
        )
        prev_job = Text(
            "previous-token head:\nlooks one token back",
            font_size=FONT_SIZE_LABEL,
            color=head_color(*s.prev_head),
            line_spacing=0.8,
        )
        prev_job.next_to(prev_map.cells, DOWN, buff=0.25)
        self.beat(
            "Layer 0's head now looks one token back.",
            LaggedStart(*[Create(m) for m in diag_marks], lag_ratio=0.05, run_time=2.0),
            FadeIn(prev_job, run_time=1.0),
            hold=1.0,
        )
        # the induction head's pattern alone, large: the moment the clip exists for
        ind_group = self.pattern_groups[1]
        target = ind_group.copy().scale(1.35)
        target.move_to([0.6, 0, 0]).align_to([0, STAGE.top - 0.05, 0], UP)
        self.play(
            FadeOut(VGroup(self.plot, self.marker, self.pattern_groups[0], diag_marks, prev_job)),
            ind_group.animate.scale(1.35).move_to(target),
            run_time=1.0,
        )
        stripe = VGroup(
            *[
                Square(side_length=ind_map.cell_width * 1.35)
                .set_stroke(TEXT_COLOR, width=2.5)
                .move_to(ind_map.cell(i, i - half + 1))
                for i in range(half, n)
            ]
        )
        ind_job = Text(
            "induction head:\nin the repeat, each\ntoken looks just after\nits earlier copy",
            font_size=FONT_SIZE_LABEL,
            color=head_color(*s.ind_head),
            line_spacing=0.8,
        )
        ind_job.next_to(ind_map.cells, RIGHT, buff=0.35).align_to(ind_map.cells, DOWN)
        self.beat(
            "Layer 1's head draws the stripe: each repeat looks just after its earlier copy.",
            LaggedStart(*[Create(m) for m in stripe], lag_ratio=0.15, run_time=3.0),
            FadeIn(ind_job, run_time=1.0),
            hold=1.6,
        )
        self.beat(
            "An induction head, found by training.",
            FadeOut(stripe, run_time=0.8),
            run_time=0.8,
            hold=1.0,
        )
        self.play(self.clear_stage(), run_time=0.6)

    # --- composition -----------------------------------------------------------------------
    def composition_scores(self) -> None:
        s = self.shown
        self.strip = EquationStrip(font_size=MATH_SIZE_LABEL)
        formula = self.strip.tex(
            r"\text{K-composition} = ",
            r"\frac{\lVert W_{QK}^{h'}\, W_{OV}^{h} \rVert_F}{\lVert W_{QK}^{h'} \rVert_F\, \lVert W_{OV}^{h} \rVert_F}",
        )
        where = VGroup(
            MathTex(
                r"h,\ h':\ \text{a layer-0 and a layer-1 head}\qquad "
                r"\lVert\cdot\rVert_F:\ \text{a matrix's size}",
                font_size=MATH_SIZE_LABEL,
                color=MUTED_TEXT_COLOR,
            ),
            MathTex(
                r"W_{OV}^{h}:\ \text{what } h \text{ writes}\qquad "
                r"W_{QK}^{h'}:\ \text{where } h' \text{ looks}",
                font_size=MATH_SIZE_LABEL,
                color=MUTED_TEXT_COLOR,
            ),
        ).arrange(DOWN, buff=0.12)
        # grouped bars: for each (layer-0 head, layer-1 head) pair, Q, K and V
        pairs = [(a, b) for a in range(self.model.n_heads) for b in range(self.model.n_heads)]
        scale = 8.0  # units per score
        bar_w = 0.42
        base_y = -2.1
        bars = VGroup()
        pair_labels = VGroup()
        self.k_bars = {}
        x0 = -4.2
        for p, (a, b) in enumerate(pairs):
            group = VGroup()
            for k, kind in enumerate(COMPOSITION_KINDS):
                value = s.scores[kind][a, b]
                bar = bar_on(
                    x0 + p * (3 * bar_w + 1.1) + k * bar_w, base_y, value * scale, bar_w, KIND_COLORS[kind]
                )
                group.add(bar)
                if kind == "K":
                    self.k_bars[(a, b)] = bar
            bars.add(group)
            name = MathTex(
                rf"\mathrm{{L0H{a}}}\!\to\!\mathrm{{L1H{b}}}", font_size=MATH_SIZE_LABEL, color=TEXT_COLOR
            ).next_to(group, DOWN, buff=0.15)
            pair_labels.add(name)
        axis = Line([x0 - 0.5, base_y, 0], [x0 + 3 * (3 * bar_w + 1.1) + 3 * bar_w + 0.2, base_y, 0])
        axis.set_stroke(MUTED_TEXT_COLOR, width=2)
        key = VGroup(
            *[
                VGroup(
                    Square(side_length=0.22).set_stroke(width=0).set_fill(KIND_COLORS[kind], opacity=0.85),
                    Text(f"{KIND_WORDS[kind]} reads it", font_size=FONT_SIZE_LABEL, color=TEXT_COLOR),
                ).arrange(RIGHT, buff=0.12)
                for kind in COMPOSITION_KINDS
            ]
        ).arrange(DOWN, buff=0.15, aligned_edge=LEFT)
        key.move_to([RIGHT_PANEL.right - key.width / 2 - 0.1, 0.9, 0])
        where.next_to(self.strip.place(formula), DOWN, buff=0.15)
        self.bar_base = base_y
        self.bar_scale = scale
        self.bars, self.bar_axis = bars, axis
        self.beat(
            "Does layer 1 read layer 0? Composition scores.",
            self.strip.show(formula),
            FadeIn(where),
            Create(axis),
            LaggedStart(*[FadeIn(g, shift=0.2 * UP) for g in bars], lag_ratio=0.2),
            FadeIn(pair_labels),
            FadeIn(key),
            run_time=2.4,
            hold=1.2,
        )

    def composition_honestly(self) -> None:
        s = self.shown
        prev, ind = s.prev_head, s.ind_head
        y_base = self.bar_base + s.baseline["K"] * self.bar_scale
        left = self.bar_axis.get_left()[0]
        right = self.bar_axis.get_right()[0]
        base_line = DashedLine([left, y_base, 0], [right, y_base, 0], dash_length=0.12).set_stroke(
            TEXT_COLOR, width=2
        )
        base_label = Text(
            f"random\nheads: {self.fig['baseline']}",
            font_size=FONT_SIZE_LABEL,
            color=TEXT_COLOR,
            line_spacing=0.8,
        )
        base_label.next_to(base_line, LEFT, buff=0.15)
        ceilings = VGroup()
        for (a, b), bar in self.k_bars.items():
            y = self.bar_base + s.ceiling[a, b] * self.bar_scale
            ceilings.add(
                Line([bar.get_left()[0] - 0.05, y, 0], [bar.get_right()[0] + 0.05, y, 0]).set_stroke(
                    KEY_COLOR, width=3
                )
            )
        ceiling_label = Text(
            f"most possible: {self.fig['ceiling']}", font_size=FONT_SIZE_LABEL, color=KEY_COLOR
        )
        top_bar = self.k_bars[(prev[1], ind[1])]
        top_tick = ceilings[list(self.k_bars).index((prev[1], ind[1]))]
        ceiling_label.next_to(top_tick, UP, buff=0.12)
        value = Text(self.fig["k_pair"], font_size=FONT_SIZE_BODY, color=KEY_COLOR).next_to(
            top_bar, UP, buff=0.12
        )
        value.set_x(top_bar.get_x())
        self.beat(
            f"Random heads score {self.fig['baseline']}. The best key score is {self.fig['k_pair']}: "
            f"only {self.fig['k_ratio']} times that.",
            Create(base_line),
            FadeIn(base_label),
            FadeIn(value),
            flash_around(top_bar, KEY_COLOR, run_time=1.2),
            run_time=1.6,
            hold=1.4,
        )
        self.beat(
            "Modest, yet keys stand out: queries and values score below random.",
            Create(ceilings),
            FadeIn(ceiling_label),
            *[
                flash_around(g[k], KIND_COLORS[kind], run_time=1.2)
                for g in self.bars
                for k, kind in ((0, "Q"), (2, "V"))
            ],
            run_time=1.4,
            hold=1.4,
        )
        formula = self.strip.current
        self.play(self.strip.hide(), self.clear_stage(formula), run_time=0.6)

    # --- copying ------------------------------------------------------------------------------
    def copying(self) -> None:
        s = self.shown
        ind = s.ind_head
        color = head_color(*ind)
        heat = HeatMap(
            s.full_ov,
            cell_size=0.13,
            row_title="output token",
            col_title="attended token",
            outline_color=color,
        )
        heat.move_to([LEFT_PANEL.center[0] + 0.35, 0, 0]).align_to([0, STAGE.top - 0.75, 0], UP)
        name = MathTex(
            r"W_U\, W_{OV}^{\mathrm{" + head_name(*ind) + r"}}\, W_E", font_size=MATH_SIZE_BODY, color=color
        )
        name.next_to(heat.col_title, UP, buff=0.2)
        legend = ColorBar(width=2.8, title=None).next_to(heat, RIGHT, buff=0.4).align_to(heat.cells, DOWN)
        meaning = VGroup(
            MathTex(
                r"W_E:\ \text{token in},\quad W_U:\ \text{scores out}",
                font_size=MATH_SIZE_LABEL,
                color=MUTED_TEXT_COLOR,
            ),
            Text(
                "attending to a token (column)\nraises these outputs (rows)",
                font_size=FONT_SIZE_LABEL,
                color=MUTED_TEXT_COLOR,
                line_spacing=0.8,
            ),
        ).arrange(DOWN, buff=0.2, aligned_edge=LEFT)
        meaning.next_to(legend, UP, buff=0.3).align_to(legend, LEFT)
        n = s.full_ov.shape[0]
        diagonal = VGroup(
            *[
                Square(side_length=heat.cell_width).set_stroke(TEXT_COLOR, width=1.5).move_to(heat.cell(i, i))
                for i in range(n)
            ]
        )
        self.beat(
            "The induction head's OV circuit: strongest on its diagonal.",
            FadeIn(VGroup(heat, name), run_time=1.2),
            FadeIn(legend, run_time=1.2),
            FadeIn(meaning, run_time=1.2),
            Succession(Wait(1.2), LaggedStart(*[Create(q) for q in diagonal], lag_ratio=0.05, run_time=1.6)),
            hold=1.0,
        )
        # the eigenvalues on a number line
        eig = s.eigenvalues
        lim = float(np.ceil(np.abs(eig.real).max()))
        line_left, line_right = 1.2, 6.4
        y = 1.3
        to_x = lambda v: line_left + (v + lim) / (2 * lim) * (line_right - line_left)  # noqa: E731
        number_line = Line([line_left, y, 0], [line_right, y, 0]).set_stroke(MUTED_TEXT_COLOR, width=2)
        ticks = VGroup(
            *[
                VGroup(
                    Line([to_x(v), y - 0.08, 0], [to_x(v), y + 0.08, 0]).set_stroke(
                        MUTED_TEXT_COLOR, width=2
                    ),
                    Text(format_value(v, 0), font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR).next_to(
                        [to_x(v), y - 0.08, 0], DOWN, buff=0.1
                    ),
                )
                for v in (-lim, 0.0, lim)
            ]
        )
        dots = VGroup(
            *[
                Dot([to_x(e.real), y + 0.22 + 0.16 * (k % 3), 0], radius=0.09, color=color)
                for k, e in enumerate(eig)
            ]
        )
        lam = MathTex(r"\lambda", font_size=MATH_SIZE_BODY, color=color).next_to(number_line, LEFT, buff=0.2)
        lam_note = Text("eigenvalues: positive = it copies", font_size=FONT_SIZE_LABEL, color=TEXT_COLOR)
        lam_note.next_to(number_line, UP, buff=0.65).set_x((line_left + line_right) / 2)
        self.beat(
            f"Its {self.fig['n_eigenvalues']} nonzero eigenvalues sit on the plus side: it copies.",
            FadeOut(diagonal),
            Create(number_line),
            FadeIn(ticks),
            FadeIn(lam),
            FadeIn(lam_note),
            LaggedStart(*[FadeIn(d, scale=2.0) for d in dots], lag_ratio=0.1, run_time=2.0),
            run_time=2.0,
            hold=1.4,
        )
        self.play(self.clear_stage(), run_time=0.6)

    # --- guesses ---------------------------------------------------------------------------------
    def guesses(self) -> None:
        s = self.shown
        scale = 4.0  # units for 100%
        base_y = -2.0
        items = [
            ("first half", s.accuracy_first, MUTED_TEXT_COLOR),
            ("repeated half", s.accuracy_repeated, head_color(*s.ind_head)),
        ]
        bars = VGroup()
        for k, (name, value, color) in enumerate(items):
            bar = bar_on(-1.4 + 2.8 * k, base_y, value * scale, 1.4, color)
            pct = Text(f"{100 * value:.0f}%", font_size=FONT_SIZE_BODY, color=TEXT_COLOR).next_to(
                bar, UP, buff=0.12
            )
            label = Text(name, font_size=FONT_SIZE_LABEL, color=TEXT_COLOR).next_to(
                [bar.get_x(), base_y, 0], DOWN, buff=0.15
            )
            bars.add(VGroup(bar, pct, label))
        axis = Line([-2.8, base_y, 0], [2.8, base_y, 0]).set_stroke(MUTED_TEXT_COLOR, width=2)
        y_chance = base_y + s.chance * scale
        chance = DashedLine([-2.8, y_chance, 0], [2.8, y_chance, 0], dash_length=0.1).set_stroke(
            TEXT_COLOR, width=2
        )
        chance_label = Text(f"chance: {self.fig['chance']}", font_size=FONT_SIZE_LABEL, color=TEXT_COLOR)
        chance_label.next_to(chance, RIGHT, buff=0.15)
        title = Text(
            f"right guesses of the next token, {s.n_sequences} new repeated sequences",
            font_size=FONT_SIZE_LABEL,
            color=MUTED_TEXT_COLOR,
        ).move_to([0, 2.75, 0])
        self.beat(
            f"It now guesses {self.fig['accuracy_repeated']} of the repeated half; chance is {self.fig['chance']}.",
            FadeIn(title),
            Create(axis),
            LaggedStart(*[FadeIn(b, shift=0.2 * UP) for b in bars], lag_ratio=0.5),
            Create(chance),
            FadeIn(chance_label),
            run_time=2.0,
            hold=1.4,
        )
        self.play(self.clear_stage(), run_time=0.6)

    def messier_than_the_toy(self) -> None:
        s = self.shown
        other = [h for h in range(self.model.n_heads) if h != s.ind_head[1]][0]
        lines = (
            VGroup(
                Text("Messier than the hand-built model:", font_size=FONT_SIZE_BODY, color=TEXT_COLOR),
                Text(
                    f"both layer-1 heads learned induction ({head_name(1, other)} too),\n"
                    "the previous-token head also spreads its attention,\n"
                    "and the heads carry weights the task does not use.",
                    font_size=FONT_SIZE_LABEL,
                    color=MUTED_TEXT_COLOR,
                    line_spacing=0.9,
                ),
            )
            .arrange(DOWN, buff=0.3, aligned_edge=LEFT)
            .move_to([0, 0.6, 0])
        )
        self.messy = lines
        self.beat(
            "Messier than hand-built: two heads share each job.",
            FadeIn(lines, shift=0.2 * UP),
            run_time=1.2,
            hold=1.2,
        )

    def summary(self) -> None:
        s = self.shown
        card = Text(
            f"previous-token head ({head_name(*s.prev_head)})  +  induction head ({head_name(*s.ind_head)})\n"
            "read through the key: found by training",
            font_size=FONT_SIZE_BODY,
            color=TEXT_COLOR,
            line_spacing=0.9,
        ).next_to(self.messy, DOWN, buff=0.6)
        self.end_on_summary(
            "Training found the circuits we built by hand.",
            FadeIn(card),
            run_time=1.0,
        )
