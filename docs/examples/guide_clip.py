"""guide_clip: one head adds what it read to the stream (the example of docs/writing-a-clip.md)."""

from dataclasses import dataclass

import numpy as np
from manim import DOWN, RIGHT, FadeIn

from circuit_clips.kit import (
    STAGE,
    ClipScene,
    EquationStrip,
    ResidualStream,
    TokenRow,
    format_value,
    head_color,
    make_label,
    write,
)
from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.toy_models import induction_model

WORDS = ["D", "urs", "D"]  # to_tokens puts the start token <bos> before them
PREV = head_color(0, 0)  # layer 0's head 0: the previous-token head


@dataclass(frozen=True)
class GuideClipNumbers:
    """Every number the clip shows."""

    model: AttnOnlyTransformer
    tokens: list[str]  # as shown, <bos> first
    stream: np.ndarray  # X_0, [pos, d_model]
    head_out: np.ndarray  # what layer 0's head writes, [pos, d_model]
    after: np.ndarray  # X_1 = X_0 + h(X_0)


def numbers() -> GuideClipNumbers:
    """The induction model on WORDS: the stream before and after its previous-token head."""
    model = induction_model(n_ctx=8, bos=True)
    tokens = model.to_tokens(WORDS)
    _, cache = model.run_with_cache(tokens)
    head_out = cache["blocks.0.attn.hook_result"][:, 0]
    return GuideClipNumbers(
        model=model,
        tokens=model.to_str_tokens(tokens),
        stream=cache["blocks.0.hook_resid_pre"],
        head_out=head_out,
        after=cache["blocks.0.hook_resid_pre"] + head_out,
    )


class GuideClip(ClipScene):
    title = "A head writes into the stream $X$"
    description = "A head reads the stream and adds $h(X)$ to it: added, never replaced."
    numbers = staticmethod(numbers)
    pace_to_captions = True  # every beat held until its caption can be read

    def lay_out(self) -> None:
        n = self.shown
        self.strip = EquationStrip()
        self.row = TokenRow(n.tokens).move_to(STAGE.center)
        self.stream = ResidualStream(n.stream, n.tokens, subspaces=n.model.subspaces, spacing=1.2)
        self.stream.move_to(STAGE.center)

    def story(self) -> None:
        self.tokens_in()
        self.head_writes()

    def tokens_in(self) -> None:
        self.beat("Three words, after the start token.", FadeIn(self.row, shift=0.2 * DOWN))
        self.beat(
            "Each word becomes a column of the stream.",
            *self.stream.enter_from(self.row),
            self.strip.show(self.strip.tex("X_0", "=", r"W_E\,t_i + W_{\mathrm{pos}}\,p_i")),
            run_time=1.5,
        )

    def head_writes(self) -> None:
        last = self.stream.n_pos - 1
        self.delta = self.stream.vector_at(last, self.shown.head_out[last], PREV)
        self.beat(
            "The head finds the word before: urs.",
            FadeIn(self.delta),
            *self.stream.light_subspace("previous token", PREV),
        )
        self.beat(
            "It adds it to the last column.",
            write(self.delta, self.stream.column(last)),
            *self.strip.change_to(self.strip.tex("X_1", "=", "X_0", "+", "h(X_0)"), "cross_fade"),
        )

    def summary(self) -> None:
        n = self.shown
        last = self.stream.n_pos - 1
        total = format_value(n.after[last].sum(), 0)
        label = make_label(rf"\textstyle\sum x_{last} = {total}").next_to(
            self.stream.column(last), RIGHT, buff=0.3
        )
        self.end_on_summary(f"The column now holds {total} ones: nothing was replaced.", FadeIn(label))
