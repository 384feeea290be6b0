"""induction_heads: a previous-token head and an induction head continue repeated text.

Storyboard: two layers. The previous-token head (layer 0) writes "the token
before me was A" into each position; the induction head's key reads it
(K-composition), so at the second ``D`` it attends to ``urs``, copies it and
predicts ``urs``. Then the off-diagonal stripe in the induction head's
pattern on a repeated random sequence, beside the model's predictions.

The model has a start token (``induction_model(bos=True)``): a token with no
earlier copy rests there and writes nothing, so before the repeat the model
guesses nothing (shown as "none").

Every cell, pattern and number is read from :func:`induction_model` runs.
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
    FadeIn,
    FadeOut,
    GrowArrow,
    LaggedStart,
    MathTex,
    Mobject,
    Square,
    Succession,
    SurroundingRectangle,
    Text,
    Transform,
    VGroup,
    Wait,
)

from circuit_clips.circuits import head_name, ov_matrix, softmax
from circuit_clips.kit import (
    CENTRE_PANEL,
    EQUATION_LINE,
    FONT_SIZE_BODY,
    FONT_SIZE_LABEL,
    KEY_COLOR,
    LOGIT_COLOR,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    QUERY_COLOR,
    RIGHT_PANEL,
    SAFE_FRAME,
    STAGE,
    TEXT_COLOR,
    AttentionHeadBlock,
    AttentionPatternMap,
    ClipScene,
    ColorBar,
    MatrixTile,
    Region,
    ResidualStream,
    TokenRow,
    VectorColumn,
    VocabColumn,
    flash_around,
    format_value,
    head_color,
    read,
    write,
)
from circuit_clips.model import ActivationCache, AttnOnlyTransformer
from circuit_clips.toy_models import RUNNING_EXAMPLE, induction_model

PREV_HEAD = (0, 0)  # layer 0 head 0: the previous-token head
IND_HEAD = (1, 0)  # layer 1 head 0: the induction head
SEED = 0  # the random repeated sequence's
NO_GUESS = -1  # next_token_report's "predicts no particular token"
ROW_BUFF = (
    0.06,
    0.0,
)  # a box around one row of a close-up: no margin above or below, clear of its neighbours
LABEL_SIZE = 24
QK_CELL = 0.33  # the query/key close-up's row height: 12 rows and the score's working fit unshrunk  # a label the viewer must read (at 480p too)
START_ROW = "rest"  # the query/key dimension only the start token's key has (head_dim_names)
GUESS_LOGIT = 1.0  # a top logit below this is no guess (a copied token scores LOGIT_GAIN = 10)


# --- the numbers ------------------------------------------------------------------
def repeated_random_tokens(rng: np.random.Generator, model: AttnOnlyTransformer) -> np.ndarray:
    """The start token, a random run of distinct words, then the same run again (fits in ``n_ctx``)."""
    words = [w for w in model.vocab if w != model.bos_token]
    half = min((model.n_ctx - 1) // 2, len(words))
    first = [words[k] for k in rng.choice(len(words), size=half, replace=False)]
    return model.to_tokens(first + first)


def next_token_report(model, tokens: np.ndarray) -> dict[str, np.ndarray]:
    """The model's guess at every position and how it scores against the real next token.

    Returns ``predicted`` (the top token id per position, or ``NO_GUESS`` where every
    logit is below :data:`GUESS_LOGIT`: the head rested on the start token and wrote
    nothing), ``p_next`` (probability of the real next token, positions ``0..n-2``) and
    ``correct`` (guess == next token).
    """
    tokens = np.asarray(tokens)
    logits = model.run(tokens)
    targets = tokens[1:]
    predicted = np.where(logits.max(axis=-1) >= GUESS_LOGIT, logits.argmax(axis=-1), NO_GUESS)
    return {
        "predicted": predicted,
        "p_next": softmax(logits)[np.arange(len(targets)), targets],
        "correct": predicted[:-1] == targets,
    }


@dataclass(frozen=True)
class InductionHeadsNumbers:
    """The running example through the induction model, and a repeated random sequence."""

    model: AttnOnlyTransformer
    tokens: list[str]  # the start token, then the running example
    logits: np.ndarray
    cache: ActivationCache
    last: int  # the last position (the second D)
    target: int  # the position it attends to (urs)
    scores: np.ndarray  # the induction head's scores at the last D, q.k / sqrt(d_head)
    rand_tokens: np.ndarray  # the start token, a random run, then the same run again
    rand_str: list[str]
    rand_pattern: np.ndarray  # the induction head's pattern on rand_tokens
    report: dict[str, np.ndarray]  # next_token_report on rand_tokens
    n_words: int  # the words the model knows, its start token aside ("the model's 8 words")
    right: int  # guesses right after the repeat ("4 of 4 right")
    repeats: int  # positions whose next word repeats an earlier one


def numbers(seed: int = SEED) -> InductionHeadsNumbers:
    """Run the induction model on the running example and on a repeated random sequence drawn with ``seed``."""
    model = induction_model(bos=True)
    ids = model.to_tokens(list(RUNNING_EXAMPLE))
    logits, cache = model.run_with_cache(ids)
    last = len(ids) - 1
    rand_tokens = repeated_random_tokens(np.random.default_rng(seed), model)
    _, rand_cache = model.run_with_cache(rand_tokens)
    report = next_token_report(model, rand_tokens)
    half = (len(rand_tokens) - 1) // 2
    after = np.arange(1 + half, len(rand_tokens) - 1)  # positions whose next word repeats
    return InductionHeadsNumbers(
        model=model,
        tokens=model.to_str_tokens(ids),
        logits=logits,
        cache=cache,
        last=last,
        target=int(np.argmax(cache["blocks.1.attn.hook_pattern"][0][last])),
        scores=cache["blocks.1.attn.hook_attn_scores"][0, last],
        rand_tokens=rand_tokens,
        rand_str=model.to_str_tokens(rand_tokens),
        rand_pattern=rand_cache["blocks.1.attn.hook_pattern"][0],
        report=report,
        n_words=len([w for w in model.vocab if w != model.bos_token]),
        right=int(report["correct"][after].sum()),
        repeats=len(after),
    )


STREAM_AREA = Region("stream area", SAFE_FRAME.left, CENTRE_PANEL.right, STAGE.bottom, SAFE_FRAME.top)
"""The stream, with the head block above it: the left two thirds of the frame, full height."""
LEGEND_AREA = Region("legend", RIGHT_PANEL.left, RIGHT_PANEL.right, EQUATION_LINE.bottom, SAFE_FRAME.top)
PANEL = Region("panel", RIGHT_PANEL.left, RIGHT_PANEL.right, STAGE.bottom, EQUATION_LINE.bottom)
"""Right of the stream, under the legend: a close-up of a block, the notes, the logits."""
CLOSE_UP = Region("close-up", RIGHT_PANEL.left, RIGHT_PANEL.right, STAGE.bottom, SAFE_FRAME.top)
"""The right third, full height (the legend steps aside): the query and the key, large."""


def head_dim_names(model: AttnOnlyTransformer) -> list[str]:
    """What each of the induction head's query/key dimensions stands for.

    Dimension ``j < d_vocab`` matches token ``j`` (the query's current token against the key's
    previous token), the next one the start token (every query asks a little for it, only the
    start token's key answers); any others are unused (zero in every query and key).
    """
    n_vocab = len(model.vocab)
    start_key = model.W_E[model.vocab.index(model.bos_token)] @ model.W_K[IND_HEAD]
    assert np.flatnonzero(start_key).tolist() == [n_vocab], "dimension d_vocab should be the start token's"
    return [*model.vocab, START_ROW, *["unused"] * (model.d_head - n_vocab - 1)]


class InductionHeads(ClipScene):
    title = "Induction heads"
    description = r"Two heads continue repeated text: $[A]\,[B] \dots [A] \to [B]$."
    pace_to_captions = True  # every beat lasts at least its caption's reading time

    numbers = staticmethod(numbers)
    seed = SEED

    def lay_out(self) -> None:
        n = self.shown
        self.token_row = TokenRow(n.tokens + ["?"])
        self.token_row.tile(0).set_opacity(0.6)
        self.token_row.tile(len(n.tokens)).set_opacity(0.6)
        self.stream = ResidualStream(
            n.cache["blocks.0.hook_resid_pre"],
            n.tokens,
            subspaces=self.model.subspaces,
            cell_height=0.072,
            cell_width=0.3,
            spacing=0.85,
        )
        STREAM_AREA.place(self.stream, DOWN + LEFT, buff=0.1)
        # the words sit on the line where they become the columns' labels: no chip under a column
        self.token_row.align_to(self.stream.token_labels, DOWN).match_x(self.stream.columns)
        self.legend = LEGEND_AREA.place(ColorBar(width=2.2), RIGHT)
        self.blocks = {
            PREV_HEAD: self.head_block(PREV_HEAD, "previous-token head"),
            IND_HEAD: self.head_block(IND_HEAD, "induction head"),
        }

    def story(self) -> None:
        # The running example, with its start token
        self.ask()
        self.embed()
        # Layer 0: the previous-token head
        self.previous_token_head()
        self.previous_token_write()
        self.urs_remembers_d()
        # Layer 1: the induction head, whose key reads what layer 0 wrote (K-composition)
        self.query_reads_token()
        self.key_reads_previous_token()
        self.query_meets_key()
        self.same_cell()
        self.scores()
        self.softmax()
        self.copy_urs()
        self.predict()
        # Any repeated sequence: the stripe, and the guesses
        self.stripe()
        self.rest_on_start_token()
        self.guesses()

    # --- helpers -----------------------------------------------------------------
    def head_block(self, head: tuple[int, int], role: str) -> AttentionHeadBlock:
        """The head's block at the top of the stream area, centred over the columns."""
        block = AttentionHeadBlock(*head, name=f"{head_name(*head)}: {role}", tile_width=0.7)
        STREAM_AREA.place(block, UP, buff=0.05)
        return block.match_x(self.stream.columns)

    def cells(self, pos: int, name: str) -> VGroup:
        """The cells of subspace ``name`` in column ``pos``."""
        return self.stream.column(pos).cells_of(self.model.subspaces[name])

    def arc(self, src: int, dst: int, color, *, above: Mobject | None = None) -> CurvedArrow:
        """An arrow over the columns (or over ``above``): information moves from ``src`` to ``dst``."""
        y = (above if above is not None else self.stream.columns).get_top()[1] + 0.15
        xs, xd = self.stream.column(src).get_x(), self.stream.column(dst).get_x()
        angle = -PI / 2 if dst - src == 1 else -PI / 4
        arrow = CurvedArrow([xs + 0.08, y, 0], [xd - 0.08, y, 0], angle=angle, color=color, tip_length=0.14)
        return arrow.set_stroke(width=3)

    def hop(self, src: int, dst: int, new_values: np.ndarray, color) -> Succession:
        """Column ``src``'s token cells travel into column ``dst``'s 'previous token' cells, which
        become ``new_values`` (the stream after the write: zeros plus the copy, added)."""
        cells = self.cells(src, "token").copy()
        ghost = VGroup(cells, SurroundingRectangle(cells, buff=0.02, color=color, stroke_width=2))
        target = self.cells(dst, "previous token")
        gap_x = (self.stream.column(src).get_x() + self.stream.column(dst).get_x()) / 2  # between the columns
        in_gap = ghost.copy().set_x(gap_x)
        level = in_gap.copy().match_y(target)
        landed = level.copy().move_to(target)
        return Succession(
            Transform(ghost, in_gap, run_time=0.35),
            Transform(ghost, level, run_time=0.6),
            Transform(ghost, landed, run_time=0.35, remover=True),
            self.stream.column(dst).animate_values(new_values, run_time=0.6),
        )

    def panel_title(self, text: str, color) -> Text:
        return Text(text, font_size=FONT_SIZE_BODY - 4, color=color)

    # --- the running example --------------------------------------------------------
    def ask(self) -> None:
        words = " ".join(self.shown.tokens[1:])
        self.beat(
            f"What comes after '{words}'?",
            LaggedStart(*[FadeIn(tile, shift=0.2 * DOWN) for tile in self.token_row.tiles], lag_ratio=0.12),
            run_time=1.6,
        )

    def embed(self) -> None:
        self.beat(
            "Each becomes a stream column, after a start token.",
            # the chips' boxes go first: they are taller than the labels and would lie across the columns
            Succession(
                AnimationGroup(*[FadeOut(tile[0]) for tile in self.token_row.tiles], run_time=0.3),
                AnimationGroup(*self.stream.enter_from(self.token_row, lag_ratio=0.08), run_time=1.2),
            ),
            FadeIn(self.legend),
            run_time=1.5,  # done before the cue's middle: no half-faded tiles
        )

    # --- layer 0 ---------------------------------------------------------------------
    def previous_token_head(self) -> None:
        color = head_color(*PREV_HEAD)
        pattern = self.shown.cache["blocks.0.attn.hook_pattern"][0]
        self.sources = [int(np.argmax(pattern[i])) for i in range(self.stream.n_pos)]
        assert self.sources[1:] == list(range(self.stream.n_pos - 1)), "layer 0 attends one step back"
        self.arcs = VGroup(*[self.arc(self.sources[i], i, color) for i in range(1, self.stream.n_pos)])
        self.beat(
            "Layer 0's head, L0H0, looks at the token before.",
            FadeIn(self.blocks[PREV_HEAD]),
            LaggedStart(*[Create(a) for a in self.arcs], lag_ratio=0.15),
            run_time=2.0,
        )

    def previous_token_write(self) -> None:
        color = head_color(*PREV_HEAD)
        block = self.blocks[PREV_HEAD]
        after = self.shown.cache["blocks.0.hook_resid_post"]
        # the start token's value is 0: where the head looks back at it (from the first word) it adds
        # nothing (at most 5e-5, invisible), so nothing is shown travelling there
        written = self.shown.cache["blocks.0.hook_attn_out"]
        writes = [p for p in range(1, self.stream.n_pos) if np.abs(written[p]).max() > 1e-3]
        self.beat(
            "It adds that token to the 'previous token' block.",
            FadeOut(self.arcs, run_time=0.5),
            flash_around(VGroup(block.w_v, block.w_o), color, run_time=1.0),
            *[self.hop(self.sources[p], p, after[p], color) for p in writes],
            *[
                self.stream.column(p).animate_values(after[p])
                for p in range(self.stream.n_pos)
                if p not in writes
            ],
            *self.stream.light_subspace("previous token", color, run_time=1.0),
        )
        assert np.allclose(self.stream.values, after)

    def urs_remembers_d(self) -> None:
        n, color = self.shown, head_color(*PREV_HEAD)
        before = n.tokens[n.target - 1]
        block = self.cells(n.target, "previous token")
        self.block_box = SurroundingRectangle(block, buff=0.04, color=color)
        zoom = VocabColumn(
            self.stream.column(n.target).values[self.model.subspaces["previous token"]],
            self.model.vocab,
            side=LEFT,
            cell_height=0.36,
            cell_width=0.6,
            outline_color=color,
            font_size=FONT_SIZE_BODY - 4,
        )
        title = self.panel_title(f"{n.tokens[n.target]}'s 'previous token'", color)
        # the vocabulary, named where its slots first show: one row per word the model knows
        vocab_note = Text(
            f"one row per word:\nthe model's\n{n.n_words} words and\nthe start token",
            font_size=LABEL_SIZE,
            color=TEXT_COLOR,
            line_spacing=0.8,
        )
        vocab_note.next_to(zoom, RIGHT, buff=0.3).align_to(zoom.column, UP)
        PANEL.place(VGroup(title, VGroup(zoom, vocab_note)).arrange(DOWN, buff=0.3), shrink=True)
        lit = SurroundingRectangle(
            VGroup(
                zoom.names[self.model.vocab.index(before)], zoom.column.cell(self.model.vocab.index(before))
            ),
            buff=ROW_BUFF,
            color=TEXT_COLOR,
            stroke_width=3,
        )
        self.beat(
            f"{n.tokens[n.target]}'s column now says '{before} came before me'.",
            Create(self.block_box),
            FadeIn(
                VGroup(zoom.column.cells, zoom.column.outline, zoom.names, title, vocab_note),
                shift=0.3 * LEFT,
            ),
            Succession(Wait(1.2), Create(lit, run_time=0.6)),
            run_time=1.8,
            hold=2.4,  # a key moment: a breather after its caption
        )
        self.zoom = VGroup(zoom.column.cells, zoom.column.outline, zoom.names, title, vocab_note, lit)

    # --- layer 1 ---------------------------------------------------------------------
    def query_reads_token(self) -> None:
        self.q_box = SurroundingRectangle(self.cells(self.shown.last, "token"), buff=0.04, color=QUERY_COLOR)
        self.notes = VGroup(
            self.panel_title("query: what it looks for", QUERY_COLOR),
            self.panel_title("key: what it offers", KEY_COLOR),
            Text("K-composition", font_size=FONT_SIZE_BODY + 4, color=KEY_COLOR),
        ).arrange(DOWN, buff=0.45)
        PANEL.place(self.notes, UP, buff=0.3)
        last = self.shown.tokens[self.shown.last]
        self.beat(
            f"Layer 1's head, L1H0: its query reads the token, {last}.",
            FadeOut(VGroup(self.blocks[PREV_HEAD], self.zoom, self.block_box), run_time=0.4),
            Succession(Wait(0.3), FadeIn(self.blocks[IND_HEAD], run_time=0.6)),
            Succession(Wait(0.4), AnimationGroup(Create(self.q_box), FadeIn(self.notes[0]), run_time=0.8)),
        )

    def key_reads_previous_token(self) -> None:
        self.k_boxes = VGroup(
            *[
                SurroundingRectangle(self.cells(p, "previous token"), buff=0.04, color=KEY_COLOR)
                for p in range(self.stream.n_pos)
            ]
        )
        self.beat(
            "Its key reads what layer 0 wrote: K-composition.",
            LaggedStart(*[Create(b) for b in self.k_boxes], lag_ratio=0.1),
            FadeIn(self.notes[1]),
            FadeIn(self.notes[2], shift=0.2 * UP),
            run_time=2.0,
        )

    def query_meets_key(self) -> None:
        """The key moment, first half: the last D's query and urs's key, large, side by side."""
        n, block = self.shown, self.blocks[IND_HEAD]
        q, k = n.cache["blocks.1.attn.hook_q"][:, 0], n.cache["blocks.1.attn.hook_k"][:, 0]
        self.q_col = VocabColumn(
            q[n.last],
            head_dim_names(self.model),
            side=LEFT,
            cell_height=QK_CELL,
            cell_width=0.7,
            outline_color=QUERY_COLOR,
            font_size=FONT_SIZE_BODY - 4,
        )
        self.k_col = VectorColumn(k[n.target], cell_height=QK_CELL, cell_width=0.7, outline_color=KEY_COLOR)
        self.k_col.next_to(self.q_col.column, RIGHT, buff=0.3)
        last, src = n.tokens[n.last], n.tokens[n.target]
        titles = VGroup(
            self.panel_title(f"{last}'s query", QUERY_COLOR), self.panel_title(f"{src}'s key", KEY_COLOR)
        ).arrange(RIGHT, buff=0.3)
        titles.next_to(VGroup(self.q_col, self.k_col), UP, buff=0.2).align_to(self.q_col.column, LEFT)
        self.score_note = self.score_formula().next_to(VGroup(self.q_col, self.k_col), DOWN, buff=0.3)
        self.pair = VGroup(titles, self.q_col, self.k_col)
        CLOSE_UP.place(VGroup(self.pair, self.score_note), shrink=True)
        self.score_note.match_x(self.pair)
        # the 'start' row, named where it first shows (the score note takes its place next beat)
        self.start_note = VGroup(
            Text(f"{START_ROW}: queries all ask a", font_size=LABEL_SIZE, color=TEXT_COLOR),
            Text("little for the start token", font_size=LABEL_SIZE, color=TEXT_COLOR),
            Text("<bos>, their fallback", font_size=LABEL_SIZE, color=TEXT_COLOR),
        ).arrange(DOWN, buff=0.08, aligned_edge=LEFT)
        self.start_note.next_to(self.pair, DOWN, buff=0.3).set_x(CLOSE_UP.point()[0])
        assert CLOSE_UP.contains(self.start_note), "the start row's note fits under the query and the key"
        # the query and the key are the stream through W_Q and W_K (checked), shown by colour: the
        # boxed blocks they read, the lit matrices, then the vectors in the close-up (no copy in flight)
        assert np.allclose(self.stream.column(n.last).values @ self.model.W_Q[IND_HEAD], self.q_col.values)
        assert np.allclose(self.stream.column(n.target).values @ self.model.W_K[IND_HEAD], self.k_col.values)
        others = VGroup(*[b for p, b in enumerate(self.k_boxes) if p != n.target])
        self.lit_qk = VGroup(
            SurroundingRectangle(block.w_q, buff=0.06, color=QUERY_COLOR, stroke_width=5),
            SurroundingRectangle(block.w_k, buff=0.06, color=KEY_COLOR, stroke_width=5),
        )
        self.beat(
            f"The query says 'I am {last}'; {src}'s key says '{last} came before me'.",
            FadeOut(VGroup(self.notes, others, self.legend), run_time=0.3),
            Succession(Wait(0.2), FadeIn(self.lit_qk, run_time=0.5)),  # faded in: no half-drawn slivers
            Succession(
                Wait(0.8),
                FadeIn(VGroup(self.q_col, self.k_col, titles), shift=0.2 * LEFT, run_time=0.8),
            ),
            Succession(Wait(2.0), FadeIn(self.start_note, run_time=0.6)),
            hold=2.2,
        )
        self.lit_qk.add(self.q_box, self.k_boxes[n.target])

    def score_formula(self) -> VGroup:
        """``score = q.k / sqrt(d_head) = 20`` (the number large, in the head's colour) and what d_head is."""
        n = self.shown
        score = n.scores[n.target]
        q_d, k_d = self.matching_cell_values()
        formula = MathTex(
            r"\mathrm{score} = \frac{q \cdot k}{\sqrt{d_{\mathrm{head}}}}", font_size=MATH_SIZE_BODY
        )
        # the one shared cell's product (its query value, its key value), scaled: where the score comes from
        worked = MathTex(
            "=",
            format_value(q_d, 1),
            r"\times",
            format_value(k_d, 1),
            rf"/ \sqrt{{{self.model.d_head}}}",
            "=",
            format_value(score, 0),
            font_size=MATH_SIZE_BODY,
        )
        worked[1].set_color(QUERY_COLOR)
        worked[3].set_color(KEY_COLOR)
        worked[6].set_color(head_color(*IND_HEAD)).scale(1.4, about_edge=LEFT)
        width = MathTex(
            rf"d_{{\mathrm{{head}}}} = {self.model.d_head}",
            r"\text{: the head's width}",
            font_size=MATH_SIZE_LABEL,
        ).set_color(TEXT_COLOR)
        return VGroup(formula, worked, width).arrange(DOWN, buff=0.2)

    def matching_cell_values(self) -> tuple[float, float]:
        """The query's and the key's values in the one cell they share (the last token's row)."""
        d = self.model.vocab.index(self.shown.tokens[self.shown.last])
        return float(self.q_col.values[d]), float(self.k_col.values[d])

    def same_cell(self) -> None:
        """The key moment, second half: one shared cell, and the score it gives."""
        n = self.shown
        d = self.model.vocab.index(n.tokens[n.last])
        q, k = self.q_col.values, self.k_col.values
        assert np.flatnonzero(q * k).tolist() == [d], "the query and the key should meet on one cell"
        score = n.scores[n.target]
        assert np.isclose(q @ k / self.model.attn_scale, score)
        match = SurroundingRectangle(
            VGroup(self.q_col.names[d], self.q_col.column.cell(d), self.k_col.cell(d)),
            buff=ROW_BUFF,
            color=TEXT_COLOR,
            stroke_width=3,
        )
        self.beat(
            f"They meet on one cell, {n.tokens[n.last]}: a score of {format_value(score, 0)}.",
            Create(match),
            FadeOut(VGroup(self.start_note, self.lit_qk), run_time=0.4),
            Succession(Wait(0.4), FadeIn(self.score_note, shift=0.1 * UP, run_time=0.8)),
            run_time=1.2,
            hold=2.2,  # the key moment: a breather after its caption
        )
        self.pair.add(match, self.score_note)

    def scores(self) -> None:
        n = self.shown
        others = np.delete(n.scores, [0, n.target])
        self.score_txt = VGroup(
            *[
                Text(format_value(s, 0), font_size=FONT_SIZE_BODY, color=TEXT_COLOR).next_to(
                    col, UP, buff=0.15
                )
                for s, col in zip(n.scores, self.stream.columns)
            ]
        )
        last = n.tokens[n.last]
        self.row_name = Text(f"the last {last}'s\nscores", font_size=FONT_SIZE_LABEL, line_spacing=0.8)
        self.row_name.set_color(QUERY_COLOR).next_to(self.score_txt[0], LEFT, buff=0.35)
        self.row_name.align_to(self.score_txt[0], DOWN)  # clear of the "token" label below
        self.d_box = SurroundingRectangle(self.stream.column(n.last), buff=0.06, color=QUERY_COLOR)
        start = len(self.model.vocab)  # the query's 'start' dimension (head_dim_names)
        start_row = SurroundingRectangle(
            VGroup(self.q_col.names[start], self.q_col.column.cell(start), self.k_col.cell(start)),
            buff=ROW_BUFF,
            color=MUTED_TEXT_COLOR,
            stroke_width=3,
        )
        self.pair.add(start_row)
        self.beat(
            f"Scores: {format_value(n.scores[n.target], 0)} for {n.tokens[n.target]}, "
            f"{format_value(n.scores[0], 0)} for the start token, {format_value(np.abs(others).max(), 0)} elsewhere.",
            Create(self.d_box),
            FadeIn(self.row_name),
            LaggedStart(*[FadeIn(t, shift=0.1 * UP) for t in self.score_txt], lag_ratio=0.1, run_time=1.4),
            Succession(Wait(0.8), Create(start_row, run_time=0.6)),
        )

    def softmax_formula(self) -> MathTex:
        """``e^{20} / (e^{20} + e^{10} + 6 e^0) = 1.00``: why 20 takes everything and 10 nothing."""
        n = self.shown
        values, counts = np.unique(np.round(n.scores).astype(int), return_counts=True)
        terms = [f"{c if c > 1 else ''}\\,e^{{{v}}}" for v, c in sorted(zip(values, counts), reverse=True)]
        weight = self.shown.cache["blocks.1.attn.hook_pattern"][0][n.last, n.target]
        tex = MathTex(
            rf"\frac{{e^{{{round(n.scores[n.target])}}}}}{{{' + '.join(terms)}}}",
            "=",
            format_value(weight),
            font_size=MATH_SIZE_BODY,
        )
        tex[2].set_color(head_color(*IND_HEAD))
        return PANEL.place(tex, UP, buff=0.5, shrink=True)

    def softmax(self) -> None:
        """Scores become attention weights in place: every one rounds to 0 but urs's, 1.00."""
        n, color = self.shown, head_color(*IND_HEAD)
        weights = self.shown.cache["blocks.1.attn.hook_pattern"][0][n.last]
        digits = [2 if j == n.target else 0 for j in range(len(weights))]
        self.weight_txt = VGroup(
            *[
                Text(format_value(w, d), font_size=FONT_SIZE_BODY, color=MUTED_TEXT_COLOR).move_to(s)
                for w, d, s in zip(weights, digits, self.score_txt)
            ]
        )
        self.weight_txt[n.target].set_color(color).scale(1.3)
        weights_name = Text(
            f"the last {n.tokens[n.last]}'s\nattention", font_size=FONT_SIZE_LABEL, line_spacing=0.8
        )
        weights_name.set_color(QUERY_COLOR).move_to(self.row_name, aligned_edge=RIGHT)
        self.ind_arc = self.arc(n.target, n.last, color, above=self.weight_txt)
        formula = self.softmax_formula()
        self.beat(
            f"Softmax: {format_value(weights[n.target])} of the attention goes to {n.tokens[n.target]}.",
            FadeOut(self.pair, run_time=0.4),
            FadeOut(VGroup(self.score_txt, self.row_name), shift=0.15 * UP, run_time=0.4),
            Succession(
                Wait(0.4), FadeIn(VGroup(self.weight_txt, weights_name), shift=0.15 * UP, run_time=0.6)
            ),
            Succession(Wait(0.5), FadeIn(VGroup(formula, self.legend), run_time=0.6)),
            Succession(Wait(1.0), Create(self.ind_arc, run_time=0.8)),
            hold=1.8,
        )
        self.attention = VGroup(self.weight_txt, weights_name, formula, self.ind_arc)

    def copy_urs(self) -> None:
        """Two beats, so the written vector appears only when the read lands (a beat's animations
        all enter the scene at its start)."""
        n, color = self.shown, head_color(*IND_HEAD)
        block = self.blocks[IND_HEAD]
        result = n.cache["blocks.1.attn.hook_result"][n.last, 0]
        delta = self.stream.vector_at(n.last, result, color, cell_width=0.3, gap=0.5)
        self.out_label = Text(n.tokens[n.target], font_size=FONT_SIZE_BODY + 4, color=color)
        self.out_label.next_to(delta.cell(int(np.argmax(result))), RIGHT, buff=0.2)
        self.src_box = SurroundingRectangle(self.stream.column(n.target), buff=0.06, color=color)
        # the read, drawn as a path: urs -> the lit W_V, W_O -> the vector beside D (no copy in flight,
        # nothing squeezed into the small tiles); the vector is urs's column through W_V W_O (checked)
        assert np.allclose(
            self.stream.column(n.target).values @ ov_matrix(self.model, *IND_HEAD), delta.values, atol=1e-3
        )
        lit = SurroundingRectangle(VGroup(block.w_v, block.w_o), buff=0.06, color=color, stroke_width=5)
        side = 0.25 * lit.width * RIGHT
        path = VGroup(
            Arrow(self.src_box.get_top(), lit.get_bottom() - side, buff=0.08, color=color, stroke_width=4),
            Arrow(lit.get_bottom() + side, delta.get_top(), buff=0.08, color=color, stroke_width=4),
        )
        self.beat(
            f"It copies {n.tokens[n.target]}: its value and output maps read it ...",
            Succession(
                AnimationGroup(FadeOut(self.attention), Create(self.src_box), run_time=0.3),
                GrowArrow(path[0], run_time=0.35),
                FadeIn(lit, run_time=0.25),  # faded in, not drawn: no stray dash under the head's name
                GrowArrow(path[1], run_time=0.35),
                # settled before the cue's middle frame
                AnimationGroup(
                    FadeIn(delta, shift=0.2 * DOWN), FadeIn(self.out_label, scale=1.3), run_time=0.35
                ),
            ),
        )
        column = self.stream.column(n.last)
        self.beat(
            f"... and add it to the last {n.tokens[n.last]}'s 'output' block.",
            FadeOut(VGroup(path, lit), run_time=0.4),
            write(delta, column, side=RIGHT, gap=0.15, run_time=1.8),
            Succession(
                Wait(1.0),
                self.out_label.animate(run_time=0.8)
                .next_to(column.outline, RIGHT, buff=0.2)
                .match_y(column.cell(int(np.argmax(result)))),
            ),
            *self.stream.light_subspace("output", color, run_time=1.0),
        )
        assert np.allclose(column.values, n.cache["hook_resid_final"][n.last])

    def predict(self) -> None:
        n = self.shown
        logits = n.logits[n.last]
        best = int(np.argmax(logits))
        vocab = self.model.vocab
        w_u = MatrixTile("W_U", LOGIT_COLOR, width=0.9, height=0.7)
        unembed = Text("unembed", font_size=FONT_SIZE_LABEL, color=MUTED_TEXT_COLOR).next_to(
            w_u, DOWN, buff=0.12
        )
        logit_col = VocabColumn(
            logits,
            vocab,
            readout="all",
            digits=0,
            cell_height=0.42,
            cell_width=0.6,
            outline_color=LOGIT_COLOR,
            font_size=FONT_SIZE_BODY - 4,
        )
        title = self.panel_title("logits: next-token scores", TEXT_COLOR)
        body = VGroup(VGroup(w_u, unembed), logit_col).arrange(RIGHT, buff=0.6)
        PANEL.place(VGroup(title, body).arrange(DOWN, buff=0.3), shrink=True)
        box = SurroundingRectangle(logit_col.row(best), buff=0.05, color=LOGIT_COLOR, stroke_width=4)
        assert np.abs(np.delete(logits, best)).max() < 0.5
        self.beat(
            f"The logits: {format_value(logits[best], 0)} for {vocab[best]}, 0 for the rest. "
            f"It predicts {vocab[best]}.",
            FadeIn(VGroup(w_u, unembed, title), run_time=0.6),
            FadeOut(VGroup(self.out_label, self.src_box, self.d_box), run_time=0.6),
            read(self.stream.column(n.last), w_u, logit_col.column, weight=self.model.W_U, run_time=2.0),
            Succession(
                Wait(1.4),
                AnimationGroup(FadeIn(logit_col.names), *[FadeIn(r) for r in logit_col.readouts.values()]),
                Create(box, run_time=0.6),
            ),
        )

    # --- any repeated sequence ---------------------------------------------------------
    def stripe(self) -> None:
        n, color = self.shown, head_color(*IND_HEAD)
        self.half = (len(n.rand_tokens) - 1) // 2
        self.stripe_map = AttentionPatternMap(
            n.rand_pattern,
            n.rand_str,
            color=color,
            cell_size=0.4,
            col_labels_rotated=True,
            font_size=FONT_SIZE_BODY - 4,
        )
        STAGE.place(self.stripe_map, LEFT, buff=0.3, shrink=True)
        cells = [(i, i - self.half + 1) for i in range(1 + self.half, len(n.rand_tokens))]
        assert all(n.rand_pattern[i, j] > 0.99 for i, j in cells)
        stripe = VGroup(
            *[
                Square(self.stripe_map.cell(i, j).width)
                .set_stroke(TEXT_COLOR, width=4)
                .move_to(self.stripe_map.cell(i, j))
                for i, j in cells
            ]
        )
        self.head_title = VGroup(
            Text("L1H0, the induction head", font_size=FONT_SIZE_BODY, color=color),
            Text(
                f"a new sequence: {self.half} words, twice",
                font_size=FONT_SIZE_LABEL + 2,
                color=MUTED_TEXT_COLOR,
            ),
        ).arrange(DOWN, buff=0.12, aligned_edge=LEFT)
        self.head_title.next_to(self.stripe_map, RIGHT, buff=0.6).align_to(self.stripe_map, UP)
        self.beat(
            "Any repeat works: each word attends just after its earlier copy.",
            Succession(
                self.clear_stage(run_time=0.6),
                AnimationGroup(FadeIn(self.stripe_map), FadeIn(self.head_title), run_time=0.9),
                LaggedStart(*[Create(s) for s in stripe], lag_ratio=0.25, run_time=1.4),
            ),
        )
        self.stripe_map.add(stripe)

    def rest_on_start_token(self) -> None:
        resting = list(range(1 + self.half))
        assert all(self.shown.rand_pattern[i, 0] > 0.99 for i in resting)
        rest = SurroundingRectangle(
            VGroup(*[self.stripe_map.cell(i, 0) for i in resting]),
            buff=0.03,
            color=MUTED_TEXT_COLOR,
            stroke_width=4,
        )
        self.beat("Before the repeat, rows rest on the start token.", Create(rest), run_time=1.0)
        self.stripe_map.add(rest)

    def guesses(self) -> None:
        n, report = self.shown, self.shown.report
        rows = VGroup()
        for i in range(len(n.rand_tokens) - 1):
            guess = int(report["predicted"][i])
            right = bool(report["correct"][i])
            rows.add(
                VGroup(
                    Text(n.rand_str[i + 1], font_size=FONT_SIZE_LABEL, color=TEXT_COLOR),
                    Text(
                        "none" if guess == NO_GUESS else self.model.vocab[guess],
                        font_size=FONT_SIZE_LABEL,
                        color=TEXT_COLOR if right else MUTED_TEXT_COLOR,
                    ),
                )
            )
        heads = VGroup(
            Text("next word", font_size=LABEL_SIZE, color=TEXT_COLOR),
            Text("its guess", font_size=LABEL_SIZE, color=TEXT_COLOR),
        ).arrange(RIGHT, buff=0.6)
        # what a row of the table is: the guess at that row's position, for the word after it
        meaning = Text(
            "each row: its guess for the NEXT word", font_size=LABEL_SIZE, color=TEXT_COLOR
        ).move_to(self.head_title[1], aligned_edge=LEFT)
        heads.next_to(self.stripe_map.cells, RIGHT, buff=1.2).align_to(self.stripe_map.cells, UP).shift(
            0.45 * UP
        )
        for i, row in enumerate(rows):
            for text, head in zip(row, heads):
                text.match_x(head).match_y(self.stripe_map.cell(i, 0))
        after = range(1 + self.half, len(n.rand_tokens) - 1)  # positions whose next word repeats
        assert (report["predicted"][: 1 + self.half] == NO_GUESS).all()
        right = int(report["correct"][after].sum())
        assert (right, len(after)) == (n.right, n.repeats)
        # its top and bottom edges just inside the rows' boundaries (the pattern's cells): closer to the
        # four rows it holds than to the row above, so it reads as their border, not an underline
        box = SurroundingRectangle(VGroup(*[rows[i] for i in after]), buff=(0.2, 0.0), color=LOGIT_COLOR)
        span = VGroup(*[self.stripe_map.cell(i, 0) for i in after])
        margin = 0.12 * span[0].height
        top, bottom = span.get_top()[1] - margin, span.get_bottom()[1] - margin  # nothing below: room there
        box.stretch_to_fit_height(top - bottom).set_y((top + bottom) / 2)
        tally = Text(
            f"{right} of {len(after)}\nright", font_size=LABEL_SIZE, color=TEXT_COLOR, line_spacing=0.8
        )
        tally.next_to(box, RIGHT, buff=0.2)
        self.beat(
            f"Its guesses: none before the repeat, then {right} of {len(after)} right.",
            Succession(
                AnimationGroup(FadeOut(self.head_title[1]), FadeIn(meaning), run_time=0.4),
                AnimationGroup(FadeIn(heads), LaggedStart(*[FadeIn(r) for r in rows], lag_ratio=0.08)),
            ),
            Succession(Wait(1.6), AnimationGroup(Create(box), FadeIn(tally), run_time=0.6)),
            run_time=2.2,
        )
        self.table = VGroup(heads, rows, box, tally, meaning)

    def summary(self) -> None:
        rule = MathTex(r"[A]\,[B]\,\dots\,[A] \;\to\; [B]", font_size=MATH_SIZE_BODY, color=TEXT_COLOR)
        chain = Text(
            "previous-token head, then induction head\n(its key reads layer 0: K-composition)",
            font_size=FONT_SIZE_LABEL,
            color=MUTED_TEXT_COLOR,
            line_spacing=0.8,
        )
        card = VGroup(rule, chain).arrange(DOWN, buff=0.25).next_to(self.head_title[0], DOWN, buff=0.6)
        card.align_to(self.head_title[0], LEFT)
        self.end_on_summary(
            "A previous-token head, then an induction head whose key reads it.",
            Succession(FadeOut(self.table, run_time=0.4), FadeIn(card, run_time=0.6)),
        )
