"""The visual kit: the value scale, the mobjects that draw values, and the read/write verbs.

Fast: scenes run with animations skipped (each play jumps to its end state), nothing is encoded.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from manim import DL, LEFT, RIGHT, UP, UR, FadeOut, MathTex, Paragraph, SurroundingRectangle, Text

from circuit_clips.kit import (
    CAPTION_BAND_HEIGHT,
    CENTRE_PANEL,
    EQUATION_LINE,
    FONT_SIZE_MIN,
    FRAME_MARGIN,
    HEAD_COLORS,
    LEFT_PANEL,
    MUTED_TEXT_COLOR,
    QUERY_COLOR,
    RIGHT_PANEL,
    STAGE,
    TEXT_COLOR,
    TITLE,
    VALUE_RANGE,
    VALUE_SCALE,
    AttentionHeadBlock,
    AttentionPatternMap,
    ClipScene,
    ColorBar,
    EquationStrip,
    HeatMap,
    MatrixTile,
    Region,
    ResidualStream,
    TokenRow,
    VectorColumn,
    format_value,
    head_color,
    merge,
    read,
    shape_tex,
    value_to_color,
    values_to_colors,
    write,
)
from circuit_clips.kit.colorimetry import ciede2000, contrast_ratio, lab_to_srgb, srgb_to_lab
from circuit_clips.kit.theme import BACKGROUND_COLOR, ZERO_COLOR, ValueScale, value_text_color

from .conftest import render_skipped


def run_scene(body, tmp_path) -> ClipScene:
    """Run ``body(scene)`` as the construct of a ClipScene with animations skipped; return the scene."""

    class Probe(ClipScene):
        title = "probe"
        description = "kit test"

        def construct(self):
            body(self)

    scene = render_skipped(Probe, tmp_path)
    return scene


def rgb(color) -> np.ndarray:
    return np.asarray(color.to_rgb())


def visible_family(scene) -> list:
    return [m for top in scene.mobjects for m in top.family_members_with_points()]


# --- the value scale ---------------------------------------------------------
def test_zero_is_the_zero_colour_and_the_ends_saturate():
    assert value_to_color(0.0) == ZERO_COLOR
    assert value_to_color(VALUE_RANGE) == value_to_color(5 * VALUE_RANGE) == VALUE_SCALE.positive
    assert value_to_color(-VALUE_RANGE) == value_to_color(-5 * VALUE_RANGE) == VALUE_SCALE.negative


def lab_of(values) -> np.ndarray:
    """CIELAB of the colours the scale draws (through the drawn sRGB, not the scale's own Lab)."""
    return srgb_to_lab(VALUE_SCALE.rgb(values))


#: The magnitudes captions compare (a score of 10 against 1, a write of 0.1 against nothing...).
COMPARED = np.array([0.0, 0.1, 0.3, 1.0, 3.0, 10.0])


def test_compared_values_are_at_least_10_ciede2000_apart():
    # the rule: 0, 0.1, 0.3, 1, 3, 10 and their negatives, pairwise (each against zero too)
    values = np.unique(np.concatenate([COMPARED, -COMPARED]))
    labs = lab_of(values)
    for (i, a), (j, b) in itertools.combinations(enumerate(values), 2):
        assert ciede2000(labs[i], labs[j]) >= 10, (a, b, float(ciede2000(labs[i], labs[j])))


def test_sizes_a_factor_2_5_apart_and_opposite_signs_are_told_apart():
    # what the captions compare beyond the half-decades: 5 against 10 (one_layer's copying
    # eigenvalues against its skip-trigram logits), 0.2 against 0.5, +10 against -10
    sizes = np.array([0.2, 0.4, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0])
    assert ciede2000(lab_of(5.0), lab_of(10.0)) >= 10 and ciede2000(lab_of(-5.0), lab_of(-10.0)) >= 10
    for sign in (1, -1):
        labs = lab_of(sign * sizes)
        for (i, a), (j, b) in itertools.combinations(enumerate(sizes), 2):
            if b / a >= 2.5:
                assert ciede2000(labs[i], labs[j]) >= 10, (
                    sign * a,
                    sign * b,
                    float(ciede2000(labs[i], labs[j])),
                )
    magnitudes = np.geomspace(0.1, 2 * VALUE_RANGE, 30)
    assert ciede2000(lab_of(magnitudes), lab_of(-magnitudes)).min() >= 25, "a value and its negative"


def test_scale_is_monotone_in_magnitude():
    # further from zero (in CIEDE2000) the larger the magnitude, up to the saturation
    values = np.linspace(0, VALUE_RANGE, 401)
    zero = srgb_to_lab(rgb(ZERO_COLOR))
    for sign in (1, -1):
        distances = ciede2000(lab_of(sign * values), zero)
        assert np.all(np.diff(distances) > 0), f"not strictly monotone for sign {sign}"
        beyond = lab_of(sign * np.linspace(VALUE_RANGE, 30 * VALUE_RANGE, 7))
        np.testing.assert_allclose(beyond, beyond[:1].repeat(7, axis=0), atol=1e-9)


def test_scale_is_symmetric_in_lightness_with_sign_as_hue():
    values = np.geomspace(0.01, 2 * VALUE_RANGE, 40)
    pos, neg = lab_of(values), lab_of(-values)
    np.testing.assert_allclose(pos[:, 0], neg[:, 0], atol=0.5)  # same lightness for the same size
    assert np.all(pos[:, 2] < -5), "positive values are blue (CIELAB b < 0)"
    assert np.all(neg[:, 1] > 5), "negative values are red (CIELAB a > 0)"
    below = values < VALUE_RANGE
    assert np.all(np.diff(pos[below, 0]) > 0), "a larger magnitude is lighter, up to the saturation"


def test_scale_stays_inside_srgb_and_apart_from_the_background():
    values = np.linspace(-2 * VALUE_RANGE, 2 * VALUE_RANGE, 1601)
    unclipped = lab_to_srgb(VALUE_SCALE.lab(values))
    assert unclipped.min() > -1e-6 and unclipped.max() < 1 + 1e-6, "no colour is clipped to the gamut"
    background = srgb_to_lab(rgb(BACKGROUND_COLOR))
    assert ciede2000(lab_of(values), background).min() >= 10, (
        "every cell, zero too, stands off the background"
    )


def test_text_over_a_cell_stays_legible():
    # the better of the two inks: at worst 4:1 (WCAG asks 3:1 of large text and 4.5:1 of body text;
    # mid-lightness cells allow no more than about 4.2:1 to either ink)
    for value in np.linspace(-2 * VALUE_RANGE, 2 * VALUE_RANGE, 801):
        ink = value_text_color(value)
        assert ink in (TEXT_COLOR, BACKGROUND_COLOR)
        assert contrast_ratio(VALUE_SCALE.rgb(value), rgb(ink)) >= 4.0, value


def test_position_and_value_at_are_inverse():
    values = np.concatenate(
        [-np.geomspace(1e-3, VALUE_RANGE, 50), [0.0], np.geomspace(1e-3, VALUE_RANGE, 50)]
    )
    np.testing.assert_allclose(
        VALUE_SCALE.value_at(VALUE_SCALE.position(values)), values, rtol=1e-9, atol=1e-12
    )
    # log-like: 0.1 -> 1 and 1 -> 10 take about as much of the scale as each other
    p = VALUE_SCALE.position(np.array([0.1, 1.0, 10.0]))
    assert 0.7 < (p[1] - p[0]) / (p[2] - p[1]) < 1.3


def test_equal_values_give_equal_colours_and_different_values_differ():
    values = np.array([0.3, -0.7, 0.3, 0.0, -0.7, 0.31])
    colors = values_to_colors(values)
    for (i, a), (j, b) in itertools.combinations(enumerate(values), 2):
        assert (colors[i] == colors[j]) == (a == b), (a, b)


def test_masked_values_get_the_masked_colour():
    assert value_to_color(-np.inf) == VALUE_SCALE.masked
    assert value_to_color(np.nan) == VALUE_SCALE.masked
    assert value_to_color(-np.inf) != value_to_color(0.0)


def test_a_wider_scale_is_not_the_one_in_use():
    # guards against someone "fixing" a clip by widening the shared scale
    assert ValueScale(vmax=2 * VALUE_RANGE).color(VALUE_RANGE) != value_to_color(VALUE_RANGE)


def test_head_colours_are_distinct_and_fixed():
    colors = [head_color(layer, head) for layer, head in HEAD_COLORS]
    assert len(set(map(str, colors))) == len(colors)
    assert head_color(1, 0) == head_color(1, 0) == HEAD_COLORS[(1, 0)]
    assert head_color(5, 9) == head_color(5, 9)


# --- mobjects ----------------------------------------------------------------
def test_vector_column_cells_follow_the_scale():
    values = np.array([1.0, 0.0, -0.5, 0.25, 3.0])
    col = VectorColumn(values, label="x")
    assert col.size == len(col.cells) == 5
    assert col.cell_colors() == values_to_colors(values)
    # index 0 is the top cell
    tops = [cell.get_center()[1] for cell in col.cells]
    assert tops == sorted(tops, reverse=True)
    col.set_values(-values)
    assert col.cell_colors() == values_to_colors(-values)
    with pytest.raises(ValueError):
        col.set_values(np.zeros(4))


def test_vector_column_subspace_guides():
    col = VectorColumn(np.zeros(6), subspaces={"token": slice(0, 2), "position": slice(2, 6)})
    names = [guide[1].text for guide in col.brackets]
    assert names == ["token", "position"]
    assert col.brackets[0].get_right()[0] < col.outline.get_left()[0]


def test_heatmap_shape_and_colours_match_the_matrix():
    matrix = np.arange(12, dtype=float).reshape(3, 4) / 6 - 1
    hm = HeatMap(matrix, row_labels=list("abc"), col_labels=list("wxyz"), row_title="rows", col_title="cols")
    assert hm.shape == (3, 4)
    assert len(hm.cells) == 12
    assert hm.cell_colors() == values_to_colors(matrix)
    assert hm.cell(1, 2).get_fill_color() == value_to_color(matrix[1, 2])
    # rows go down, columns go right
    assert hm.cell(0, 0).get_center()[1] > hm.cell(2, 0).get_center()[1]
    assert hm.cell(0, 0).get_center()[0] < hm.cell(0, 3).get_center()[0]
    assert len(hm.row_labels) == 3 and len(hm.col_labels) == 4
    with pytest.raises(ValueError):
        HeatMap(matrix, row_labels=list("ab"))


def test_attention_pattern_map_masks_the_future():
    pattern = np.tril(np.ones((4, 4)))
    pattern /= pattern.sum(axis=1, keepdims=True)
    pmap = AttentionPatternMap(pattern, ["a", "b", "c", "d"], color=head_color(1, 0))
    assert len(pmap.masks) == 6  # strictly above the diagonal
    assert pmap.cell(0, 1).get_fill_color() == VALUE_SCALE.masked
    assert pmap.cell(3, 0).get_fill_color() == value_to_color(0.25)
    assert pmap.row_title.text.startswith("destination")
    assert pmap.col_title.text.startswith("source")


def test_heatmap_masking_marks_new_masked_cells():
    hm = HeatMap(np.zeros((3, 3)))
    assert len(hm.masks) == 0
    hm.animate_values(np.triu(np.full((3, 3), -np.inf), k=1) + np.tril(np.ones((3, 3))))
    assert len(hm.masks) == 3


def test_residual_stream_layout():
    tokens = ["Mr", "D", "urs", "ley", "said", "Mr", "D"]
    resid = np.zeros((7, 12))
    resid[np.arange(7), np.arange(7)] = 1
    stream = ResidualStream(resid, tokens, subspaces={"token": slice(0, 8), "position": slice(8, 12)})
    np.testing.assert_array_equal(stream.values, resid)
    assert [lab.text for lab in stream.token_labels] == tokens
    assert len(stream.boundaries) == 1
    xs = [col.get_center()[0] for col in stream.columns]
    assert np.all(np.diff(xs) > 0)
    for a, b in itertools.pairwise(stream.token_labels):
        assert a.get_right()[0] < b.get_left()[0], "token labels overlap"


def test_head_block_uses_head_and_qkv_colours():
    block = AttentionHeadBlock(1, 0, name="induction head")
    assert block.box.get_stroke_color() == head_color(1, 0)
    assert block.w_o.color == head_color(1, 0)
    assert len({str(block.matrix(n).color) for n in "QKVO"}) == 4


def test_kit_text_is_readable():
    mobjects = [
        VectorColumn(np.zeros(4), label="x", subspaces={"a": slice(0, 2)}),
        HeatMap(np.zeros((2, 2)), row_labels=["a", "b"], col_labels=["c", "d"], row_title="r", col_title="c"),
        ResidualStream(np.zeros((2, 4)), ["a", "b"], subspaces={"a": slice(0, 2), "b": slice(2, 4)}),
        AttentionHeadBlock(0, 0),
        ColorBar(),
        TokenRow(["a", "b"]),
        AttentionHeadBlock(1, 0, name="induction\nhead", vertical=True),
    ]
    for mob in mobjects:
        texts = [m for m in mob.get_family() if isinstance(m, Text)]
        texts += [m.lines_text for m in mob.get_family() if isinstance(m, Paragraph)]
        assert texts, type(mob).__name__
        for text in texts:
            # the size asked for (font_size itself is measured from the height, which rotation changes)
            assert text._font_size >= FONT_SIZE_MIN, (type(mob).__name__, text.text)


def test_colour_bar_is_the_scale():
    bar = ColorBar()
    assert [lab.text for lab in bar.tick_labels] == [
        "\u221210",
        "\u22121",
        "\u22120.1",
        "0",
        "0.1",
        "1",
        "10",
    ]
    # the scale saturates at +-10: both ends are points in the end colours
    assert [end.get_fill_color() for end in bar.ends] == [VALUE_SCALE.negative, VALUE_SCALE.positive]
    assert (
        bar.ends[0].get_left()[0] < bar.bar.get_left()[0]
        and bar.ends[1].get_right()[0] > bar.bar.get_right()[0]
    )
    assert not len(ColorBar(ticks=[-1, 0, 1]).ends)
    # each tick label sits under the place on the bar that shows its value
    for value, lab in zip(bar.ticks, bar.tick_labels):
        assert bar.value_at_x(lab.get_x()) == pytest.approx(value, rel=1e-9, abs=1e-12)
    # the gradient's stops are the scale's colours, and between stops the bar stays within 1
    # CIEDE2000 of the scale's colour for the value drawn there; only beside zero, where the
    # scale's chroma rises steeply, one stop interval either side (under 3 px at 1080p) is off
    # by more, and by less than 4
    stops = np.array([rgb(c) for c in bar.bar.get_fill_colors()])
    np.testing.assert_allclose(stops, VALUE_SCALE.rgb(bar.stop_values()), atol=1 / 255)
    xs = np.linspace(bar.bar.get_left()[0], bar.bar.get_right()[0], 997)
    u = (xs - xs[0]) / (xs[-1] - xs[0]) * (len(stops) - 1)
    drawn = np.array([np.interp(u, np.arange(len(stops)), stops[:, k]) for k in range(3)]).T
    shown = VALUE_SCALE.rgb(np.array([bar.value_at_x(x) for x in xs]))
    error = ciede2000(srgb_to_lab(drawn), srgb_to_lab(shown))
    interval = bar.bar.width / (len(stops) - 1)
    beside_zero = np.abs(xs - bar.tick_labels[bar.ticks.index(0.0)].get_x()) < interval
    assert error[~beside_zero].max() < 1.0
    assert error.max() < 4.0


@pytest.mark.parametrize(
    "width, ticks, shown",
    [
        (1.4, None, [-10, 0, 10]),  # the width today's clips ask for: the ends and zero
        (3.0, None, [-10, -1, 0, 1, 10]),
        (4.4, None, [-10, -1, -0.1, 0, 0.1, 1, 10]),  # the default
        (1.4, [-10, -1, -0.1, 0, 0.1, 1, 10], [-10, -1, -0.1, 0, 0.1, 1, 10]),  # asked for: grows
        (6.0, [-1, 0, 1], [-1, 0, 1]),
    ],
)
def test_colour_bar_ticks_are_apart_and_readable_at_480p(width, ticks, shown):
    bar = ColorBar(width=width, ticks=ticks)
    assert bar.ticks == shown
    assert bar.bar.width == pytest.approx(width) if ticks is None else bar.bar.width >= width - 1e-9
    labels = list(bar.tick_labels)
    for left, right in zip(labels, labels[1:]):
        assert right.get_left()[0] - left.get_right()[0] > 0.15, (left.text, right.text)
    assert len({round(lab.get_bottom()[1], 2) for lab in labels if lab.text[-1] in "01"}) == 1, "one baseline"
    px_per_unit = 480 / 8.0  # 480p: the 8-unit-high frame is 480 pixels high
    zero = labels[shown.index(0)] if 0 in shown else labels[0]
    assert zero.height * px_per_unit >= 9, "a digit at least 9 px tall at 480p"


# --- verbs -------------------------------------------------------------------
def test_write_ends_with_the_sum(tmp_path):
    old = np.array([1.0, 0.0, -0.5, 0.2, 0.0])
    delta = np.array([0.0, 1.0, 0.5, 0.3, -0.4])
    seen = {}

    def body(scene):
        target = VectorColumn(old).shift(LEFT)
        delta_col = VectorColumn(delta, label="d").shift(2 * RIGHT)
        scene.add(target, delta_col)
        scene.beat("write", write(delta_col, target))
        seen.update(target=target, delta=delta_col, mobjects=list(scene.mobjects))

    scene = run_scene(body, tmp_path)
    target = seen["target"]
    np.testing.assert_allclose(target.values, old + delta)
    assert target.cell_colors() == values_to_colors(old + delta)
    assert target.cell_colors() != values_to_colors(delta), "looks like a replacement"
    family = {id(m) for top in seen["mobjects"] for m in top.get_family()}
    assert id(seen["delta"]) not in family, "the written vector must be gone after it is added"
    assert not any(isinstance(m, MathTex) for m in visible_family(scene)), "the + must be gone"


@pytest.mark.parametrize("side", [RIGHT, UP])
def test_write_from_any_side_is_an_addition(tmp_path, side):
    seen = {}

    def body(scene):
        target = VectorColumn(np.full(3, 0.5))
        delta_col = VectorColumn(np.full(3, 0.25), cell_height=0.1).shift(3 * RIGHT)
        scene.add(target, delta_col)
        scene.play(write(delta_col, target, side=side))
        seen["target"] = target

    run_scene(body, tmp_path)
    assert seen["target"].cell_colors() == values_to_colors(np.full(3, 0.75))


def test_write_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        write(VectorColumn(np.zeros(3)), VectorColumn(np.zeros(4)))


def test_read_checks_the_weight_and_lands_the_result(tmp_path):
    x = np.array([1.0, 0.0, 0.5])
    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])
    with pytest.raises(ValueError):
        read(VectorColumn(x), MatrixTile("W", "#ffffff"), VectorColumn(np.array([1.0, 0.0])), weight=W)
    seen = {}

    def body(scene):
        source = VectorColumn(x).shift(2 * LEFT)
        tile = MatrixTile("W", "#ffffff")
        result = VectorColumn(x @ W).shift(2 * RIGHT)
        scene.add(source, tile)
        scene.beat("read", read(source, tile, result, weight=W))
        seen.update(source=source, result=result, mobjects=list(scene.mobjects))

    run_scene(body, tmp_path)
    tops = seen["mobjects"]
    assert seen["result"] in tops and seen["source"] in tops
    np.testing.assert_allclose(seen["source"].values, x)  # reading leaves the stream alone
    n_columns = sum(isinstance(m, VectorColumn) for top in tops for m in top.get_family())
    assert n_columns == 2, "the travelling copy must be gone"


def test_read_enters_at_its_turn_and_nothing_crosses_the_frame(tmp_path):
    """Played after another step, read adds nothing to the screen before its turn; while it
    plays, everything it draws stays on the source, the matrix or the result (nothing travels
    across the frame: a travelling copy squeezed into a small tile read as a sliver, and flew
    over labels and other columns)."""
    from manim import FadeIn, Square, Succession

    x = np.array([1.0, -0.5, 0.5, 0.25])
    seen = {"strays": []}

    def body(scene):
        source = VectorColumn(x).shift(4 * LEFT)
        tile = MatrixTile("W", "#ffffff").shift(UP)
        result = VectorColumn(x[:2]).shift(4 * RIGHT)
        other = Square(side_length=0.5).shift(3 * UP)
        scene.add(source, tile)
        before = len(visible_family(scene))
        play = Succession(FadeIn(other, run_time=2.0), read(source, tile, result, run_time=2.0))
        scene.add_mobjects_from_animations([play])  # what Scene.play does first
        play._setup_scene(scene)
        play.begin()
        play.interpolate(0.25)  # the FadeIn's turn
        seen["during_fade_in"] = len(visible_family(scene)) - len(other.family_members_with_points())
        seen["before"] = before
        allowed = [m.get_critical_point(d) for m in (source, tile, result, other) for d in (DL, UR)]
        boxes = [(allowed[i] - 0.45, allowed[i + 1] + 0.45) for i in range(0, len(allowed), 2)]
        for alpha in np.linspace(0.5, 1.0, 26):
            play.interpolate(alpha)
            for m in visible_family(scene):
                lo, hi = m.get_critical_point(DL), m.get_critical_point(UR)
                if (
                    not any((lo >= a).all() and (hi <= b).all() for a, b in boxes)
                    and m.get_stroke_opacity() + m.get_fill_opacity() > 0.01
                ):
                    seen["strays"].append((round(float(alpha), 2), type(m).__name__))
        play.finish()
        play.clean_up_from_scene(scene)
        seen["end"] = result in scene.mobjects

    run_scene(body, tmp_path)
    assert seen["during_fade_in"] == seen["before"], "read drew something before its turn"
    assert seen["strays"] == [], f"read drew outside the source, matrix and result: {seen['strays'][:5]}"
    assert seen["end"]


def test_merge_checks_the_weighted_sum(tmp_path):
    v = [VectorColumn(np.array([1.0, 0.0])), VectorColumn(np.array([0.0, 1.0]))]
    with pytest.raises(ValueError):
        merge(v, [0.5, 0.5], VectorColumn(np.array([1.0, 1.0])))
    seen = {}

    def body(scene):
        sources = [
            VectorColumn(np.array([1.0, 0.0])).shift(LEFT),
            VectorColumn(np.array([0.0, 1.0])).shift(RIGHT),
        ]
        result = VectorColumn(np.array([0.25, 0.75])).shift(2 * UP)
        scene.add(*sources)
        scene.play(merge(sources, [0.25, 0.75], result))
        seen.update(result=result, mobjects=list(scene.mobjects))

    run_scene(body, tmp_path)
    drawn = [m for m in seen["mobjects"] if m.family_members_with_points()]
    assert seen["result"] in drawn
    assert len(drawn) == 3, f"the weighted copies must be gone: {[type(m).__name__ for m in drawn]}"


def test_fading_out_after_verbs_leaves_nothing_visible(tmp_path):
    def body(scene):
        stream = ResidualStream(np.eye(3), ["a", "b", "c"])
        tile = MatrixTile("W", "#ffffff").shift(2 * UP)
        read_vec = VectorColumn(np.array([1.0, 0.0])).shift(2 * UP + 2 * RIGHT)
        delta = VectorColumn(np.array([0.0, 0.5, 0.0])).shift(3 * RIGHT)
        scene.add(stream, tile)
        scene.play(read(stream.column(0), tile, read_vec))
        scene.play(write(delta, stream.column(2)))
        scene.play(*[FadeOut(m) for m in (stream, tile, read_vec)])

    scene = run_scene(body, tmp_path)
    assert visible_family(scene) == []


# --- the scene ---------------------------------------------------------------
def test_beats_are_captioned_over_their_whole_span(tmp_path):
    def body(scene):
        scene.beat("first", FadeOut(VectorColumn(np.zeros(2))), run_time=1.0, hold=0.5)
        scene.end_on_summary("last", hold=2.0)

    scene = run_scene(body, tmp_path)
    subs = scene.renderer.file_writer.subcaptions
    assert [s.content for s in subs] == ["first", "last"]
    assert subs[0].start.total_seconds() == pytest.approx(0.0)
    assert subs[0].end.total_seconds() == pytest.approx(1.5)
    assert subs[1].end.total_seconds() - subs[1].start.total_seconds() == pytest.approx(2.0)


def test_a_beat_in_steps_is_one_caption_over_plays_built_one_after_another(tmp_path):
    from manim import FadeIn, Square

    seen = {}

    def body(scene):
        square = Square()

        def steps():
            yield (0.5, FadeIn(square))
            seen["after_first"] = square in scene.mobjects  # built only once the first has played
            yield (0.3,)  # a still moment

        scene.beat_in_steps("two steps", steps(), hold=0.4)

    scene = run_scene(body, tmp_path)
    assert seen["after_first"]
    subs = scene.renderer.file_writer.subcaptions
    assert [s.content for s in subs] == ["two steps"]
    assert subs[0].end.total_seconds() - subs[0].start.total_seconds() == pytest.approx(0.5 + 0.3 + 0.4)


def test_summary_must_be_held(tmp_path):
    with pytest.raises(ValueError):
        run_scene(lambda scene: scene.end_on_summary("too short", hold=0.5), tmp_path)


def test_a_beat_needs_a_caption(tmp_path):
    with pytest.raises(ValueError):
        run_scene(lambda scene: scene.beat("", hold=0.5), tmp_path)


def test_group_animations_that_manage_their_own_pieces_leave_none_behind(tmp_path):
    from manim import TransformMatchingTex

    def body(scene):
        old = MathTex("x", "=", "a")
        scene.add(old)
        scene.beat(
            "swap", TransformMatchingTex(old, MathTex("x", "=", "b")), FadeOut(VectorColumn(np.zeros(2)))
        )

    scene = run_scene(body, tmp_path)
    tex_tops = [m for m in scene.mobjects if m.family_members_with_points()]
    assert len(tex_tops) == 1 and isinstance(tex_tops[0], MathTex), [type(m).__name__ for m in tex_tops]


def test_read_can_use_up_its_source(tmp_path):
    seen = {}

    def body(scene):
        r_vec = VectorColumn(np.array([1.0, 0.5])).shift(2 * LEFT)
        tile = MatrixTile("W_O", "#ffffff")
        out = VectorColumn(np.array([1.0, 0.5, 0.0])).shift(2 * RIGHT)
        scene.add(r_vec, tile)
        scene.play(read(r_vec, tile, out, weight=np.eye(2, 3), keep_source=False))
        seen.update(r_vec=r_vec, out=out, mobjects=list(scene.mobjects))

    run_scene(body, tmp_path)
    assert seen["out"] in seen["mobjects"]
    assert seen["r_vec"] not in seen["mobjects"]


def test_token_labels_share_a_baseline():
    from circuit_clips.kit.tokens import align_baselines

    words = [Text(w, font_size=24) for w in ("urs", "ley", "D")]
    for i, w in enumerate(words):
        w.shift(0.3 * i * UP)
    align_baselines(words, 0.0)
    # 'urs' sits on the baseline; 'ley' hangs below it; 'D' sits on it too
    assert words[0].get_bottom()[1] == pytest.approx(0.0, abs=0.01)
    assert words[2].get_bottom()[1] == pytest.approx(0.0, abs=0.01)
    assert words[1].get_bottom()[1] < -0.03


def test_only_what_moves_is_redrawn(tmp_path):
    seen = {}

    def body(scene):
        stream = ResidualStream(np.eye(3), ["a", "b", "c"])
        legend = ColorBar().shift(3 * UP)
        scene.add(stream, legend)
        delta = VectorColumn(np.array([0.0, 0.5, 0.0])).shift(3 * RIGHT)
        scene.add(delta)
        moving = scene.get_moving_mobjects(write(delta, stream.column(1)))
        seen.update(moving={id(m) for m in moving}, stream=stream, legend=legend)

    run_scene(body, tmp_path)
    moving, stream = seen["moving"], seen["stream"]
    assert all(id(cell) in moving for cell in stream.column(1).cells)
    assert not any(id(cell) in moving for cell in stream.column(0).cells)
    assert not any(id(m) in moving for m in seen["legend"].get_family())


def test_what_is_drawn_over_a_moving_cell_is_redrawn_too(tmp_path):
    seen = {}

    def body(scene):
        hm = HeatMap(np.zeros((2, 2)))
        frame = SurroundingRectangle(hm.cell(0, 0), buff=0.0)  # drawn on top of the cell
        far_label = Text("far", font_size=24).shift(4 * RIGHT)  # drawn later, but elsewhere
        scene.add(hm, frame, far_label)
        moving = scene.get_moving_mobjects(hm.animate_values(np.ones((2, 2))))
        seen.update(moving={id(m) for m in moving}, frame=frame, far=far_label)

    run_scene(body, tmp_path)
    assert id(seen["frame"]) in seen["moving"], "a frame on top of a recoloured cell must stay on top"
    assert not any(id(m) in seen["moving"] for m in seen["far"].get_family())


# --- named layout ------------------------------------------------------------------
def test_regions_match_manims_frame_and_keep_the_caption_band_free():
    from manim import config

    from circuit_clips.kit import layout

    assert layout.FRAME.width == pytest.approx(config.frame_width)
    assert layout.FRAME.height == pytest.approx(config.frame_height)
    # the player's captions own the bottom 15% of the frame
    assert CAPTION_BAND_HEIGHT == pytest.approx(0.15 * config.frame_height)
    assert layout.CAPTION_BAND.top == pytest.approx(-config.frame_height / 2 + 0.15 * config.frame_height)
    for region in (TITLE, EQUATION_LINE, STAGE, LEFT_PANEL, CENTRE_PANEL, RIGHT_PANEL):
        assert region.bottom >= layout.CAPTION_BAND.top - 1e-9, region.name
        assert region.left >= -config.frame_width / 2 + FRAME_MARGIN - 1e-9, region.name
        assert region.right <= config.frame_width / 2 - FRAME_MARGIN + 1e-9, region.name
        assert region.top <= config.frame_height / 2 - FRAME_MARGIN + 1e-9, region.name
    # the three panels tile the stage, left to right, without overlap
    assert LEFT_PANEL.left == pytest.approx(STAGE.left) and RIGHT_PANEL.right == pytest.approx(STAGE.right)
    assert LEFT_PANEL.right == pytest.approx(CENTRE_PANEL.left) and CENTRE_PANEL.right == pytest.approx(
        RIGHT_PANEL.left
    )
    assert EQUATION_LINE.bottom == pytest.approx(STAGE.top)


def test_region_contains_and_rejects_empty_boxes():
    box = Region("box", -1.0, 1.0, -0.5, 0.5)
    assert box.contains(Text("a", font_size=12))
    assert not box.contains(Text("a", font_size=12).shift(2 * RIGHT))
    with pytest.raises(ValueError, match="empty"):
        Region("flat", 0.0, 1.0, 0.3, 0.3)


def test_region_places_a_mobject_against_its_edges_and_corners():
    from manim import DOWN, LEFT, ORIGIN, RIGHT, UP, Rectangle

    box = Region("box", -3.0, 5.0, -1.0, 2.0)
    for edge, expected in [
        (ORIGIN, (1.0, 0.5)),  # the box's centre
        (UP, (1.0, 2.0 - 0.1 - 0.25)),  # top edge, buff 0.1, half the rectangle's height 0.25
        (DOWN + LEFT, (-3.0 + 0.1 + 1.0, -1.0 + 0.1 + 0.25)),
        (RIGHT, (5.0 - 0.1 - 1.0, 0.5)),
    ]:
        placed = box.place(Rectangle(width=2.0, height=0.5), edge, buff=0.1)
        assert placed.get_center()[:2] == pytest.approx(expected), edge
        assert box.contains(placed)
    # too large: left as it is unless asked to shrink, then it fits inside the buff
    wide = box.place(Rectangle(width=20.0, height=1.0), UP)
    assert wide.width == pytest.approx(20.0) and not box.contains(wide)
    fitted = box.place(Rectangle(width=20.0, height=1.0), UP, buff=0.2, shrink=True)
    assert fitted.width == pytest.approx(8.0 - 0.4) and box.contains(fitted)
    assert fitted.get_top()[1] == pytest.approx(2.0 - 0.2)


def test_region_points_and_rows():
    box = Region("box", -2.0, 2.0, 0.0, 3.0)
    assert box.point().tolist() == [0.0, 1.5, 0.0]
    assert box.point(0, 1).tolist() == [-2.0, 3.0, 0.0]
    assert box.point(0.25, 0).tolist() == [-1.0, 0.0, 0.0]
    top, bottom = box.split_rows("top", "bottom")
    assert (top.top, top.bottom, bottom.top, bottom.bottom) == (3.0, 1.5, 1.5, 0.0)
    assert (top.left, top.right) == (box.left, box.right)


# --- the equation strip -------------------------------------------------------------
def test_equation_strip_places_every_equation_in_one_place():
    top = EquationStrip(top_buff=0.4, x=1.5)
    for tex in (r"x", r"\sum_j A_{ij}\,v_j", r"x_0 = W_E\,t + W_{\mathrm{pos}}\,p"):
        eq = top.place(top.tex(tex))
        assert eq.get_top()[1] == pytest.approx(4.0 - 0.4)
        assert eq.get_x() == pytest.approx(1.5)
    fixed = EquationStrip(center=[2.0, 3.3, 0])
    assert np.allclose(fixed.place(fixed.tex(r"\frac{a}{b}")).get_center(), [2.0, 3.3, 0])


def test_equation_strip_keeps_the_first_centre_when_asked():
    strip = EquationStrip(top_buff=0.4, keep_centre=True)
    first = strip.tex("a", "=", "b")
    strip.show(first)
    centre = first.get_center().copy()
    taller = strip.tex(r"\frac{W_O}{W_V}", "=", r"\sum_h h")
    strip.change_to(taller, "cross_fade")
    assert np.allclose(taller.get_center(), centre)
    assert strip.current is taller


@pytest.mark.parametrize(
    "transition, kinds",
    [
        ("cross_fade", ["FadeOut", "FadeIn"]),
        ("slide", ["FadeOut", "FadeIn"]),
        ("match", ["TransformMatchingTex"]),
        ("morph", ["ReplacementTransform"]),
    ],
)
def test_equation_strip_transitions(transition, kinds):
    strip = EquationStrip()
    old, new = strip.tex("x_0", "=", "a"), strip.tex("x_1", "=", "a", "+", "b")
    strip.show(old)
    anims = strip.change_to(new, transition)
    assert [type(a).__name__ for a in anims] == kinds
    assert strip.current is new
    if transition in ("cross_fade", "slide"):
        assert anims[0].mobject is old and anims[1].mobject is new
        # never both on screen: the old is gone by half-time, the new only starts then
        fade_out, fade_in = (a.rate_func for a in anims)
        assert fade_out(0.5) == pytest.approx(1.0) and fade_in(0.5) == pytest.approx(0.0)
        assert 0 < fade_out(0.25) < 1 and 0 < fade_in(0.75) < 1
    if transition == "match":
        # x_0 leaves before x_1 and the new + b arrive: mid-way, neither is drawn
        match = anims[0]
        leaving = next(a for a in match.animations if type(a).__name__ == "FadeOut")
        arriving = next(a for a in match.animations if type(a).__name__ == "FadeIn")
        match.begin()
        match.interpolate(0.5)
        assert _max_opacity(leaving.mobject) == pytest.approx(0.0, abs=1e-6)
        assert _max_opacity(arriving.mobject) == pytest.approx(0.0, abs=1e-6)
        match.interpolate(0.2)
        assert 0 < _max_opacity(leaving.mobject) < 1 and _max_opacity(arriving.mobject) == pytest.approx(0.0)
        match.interpolate(0.85)
        assert _max_opacity(leaving.mobject) == pytest.approx(0.0) and 0 < _max_opacity(arriving.mobject) < 1


def _max_opacity(mob) -> float:
    return max(m.get_fill_opacity() for m in mob.family_members_with_points())


def test_equation_strip_refuses_misuse_with_a_clear_error():
    strip = EquationStrip()
    with pytest.raises(ValueError, match="show"):
        strip.change_to(strip.tex("a"))
    strip.show(strip.tex("a"))
    with pytest.raises(ValueError, match="change_to"):
        strip.show(strip.tex("b"))
    with pytest.raises(ValueError, match="cross_fade"):
        strip.change_to(strip.tex("b"), "scramble")
    strip.hide()
    with pytest.raises(ValueError, match="no equation"):
        strip.hide()


def test_equation_strip_colours_parts_by_index():
    strip = EquationStrip()
    eq = strip.tex("x", "=", "h(x)", colors={2: QUERY_COLOR})
    assert eq[2].get_color() == QUERY_COLOR and eq[0].get_color() != QUERY_COLOR


def test_shape_tex_greys_the_shape():
    tex = shape_tex("W_V", 4, 16)
    assert tex[1].get_color() == MUTED_TEXT_COLOR and tex[0].get_color() != MUTED_TEXT_COLOR


# --- the stream: subspaces by name, vectors beside it, its entrance ----------------------
def _small_stream():
    resid = np.arange(15, dtype=float).reshape(3, 5) / 15
    return ResidualStream(
        resid, ["a", "b", "c"], subspaces={"token": slice(0, 2), "empty": slice(2, 2), "output": slice(2, 5)}
    )


def test_subspaces_are_found_and_lit_by_name():
    stream = _small_stream()
    # an empty subspace has no guide, so index and name part ways: the name still finds it
    assert [g.subspace for g in stream.subspace_labels] == ["token", "output"]
    out = stream.subspace_label("output")
    assert out is stream.subspace_labels[1]
    assert out.name_mob.text == "output"
    anims = stream.light_subspace("output", QUERY_COLOR)
    assert len(anims) == 2
    with pytest.raises(KeyError, match="token, output"):
        stream.subspace_label("nowhere")


def test_vector_at_a_stream_column():
    stream = _small_stream()
    col = stream.column(1)
    above = stream.vector_at(1, np.ones(3), QUERY_COLOR, y=2.0, cell_height=0.1)
    assert above.get_x() == pytest.approx(col.get_x()) and above.get_y() == pytest.approx(2.0)
    beside = stream.vector_at(1, np.ones(5), QUERY_COLOR, gap=0.3)
    assert beside.cell_height == col.cell_height
    assert beside.get_left()[0] == pytest.approx(col.outline.get_right()[0] + 0.3)
    assert beside.cells.get_y() == pytest.approx(col.cells.get_y())


def test_stream_enters_from_a_token_row():
    stream = _small_stream()
    row = TokenRow(["a", "b", "c", "?"])
    anims = stream.enter_from(row, lag_ratio=0.2)
    names = [type(a).__name__ for a in anims]
    # three words become the labels, four tiles fade, the extra word fades, then columns and guides
    assert names == ["ReplacementTransform"] * 3 + ["FadeOut"] * 5 + ["LaggedStart", "FadeIn", "FadeIn"]
    assert [a.target_mobject for a in anims[:3]] == list(stream.token_labels)


def test_one_value_formatter():
    assert format_value(0.5) == "0.50"
    assert format_value(-0.5) == "\u22120.50"
    assert format_value(-0.001) == "0.00"
    assert format_value(2.345, 1, sign=True) == "+2.3"
    assert format_value(-2.345, 1, sign=True) == "\u22122.3"
    assert format_value(-0.01, 1, sign=True) == "+0.0"
    for value in np.linspace(-3, 3, 61):
        for digits in (0, 1, 2):
            text = format_value(value, digits).replace("\u2212", "-")
            assert float(text) == pytest.approx(round(value, digits), abs=10**-digits)


# --- the base class owns a clip's shape --------------------------------------------------
def test_clip_scene_runs_numbers_title_story_summary_in_order(tmp_path):
    from dataclasses import dataclass

    order = []

    @dataclass(frozen=True)
    class Numbers:
        model: object

    class Clip(ClipScene):
        title = "probe"
        description = "kit test"
        numbers = staticmethod(lambda: order.append("numbers") or Numbers(model="m"))

        def lay_out(self):
            order.append("lay_out")

        def show_title(self, *, hold):
            order.append(("title", hold))

        def story(self):
            order.append(("story", self.model))

        def summary(self):
            order.append("summary")
            self.end_on_summary("the end", hold=2.0)

    render_skipped(Clip, tmp_path)
    assert order == ["numbers", "lay_out", ("title", 1.6), ("story", "m"), "summary"]

    class NoSummaryFrame(Clip):
        def summary(self):
            pass

    with pytest.raises(RuntimeError, match="end_on_summary"):
        render_skipped(NoSummaryFrame, tmp_path)

    class NoNumbers(ClipScene):
        title = "probe"

    with pytest.raises(TypeError, match="numbers"):
        render_skipped(NoNumbers, tmp_path)
