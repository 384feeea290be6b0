"""The readers' rules the clips are checked against: the readers' pace of the captions, the
caption band the layout check keeps clear, and contact sheets that show both."""

from __future__ import annotations

import numpy as np
import pytest
from manim import Square, Text
from PIL import Image

from circuit_clips.kit.pacing import READING_RATE
from circuit_clips.kit.theme import CAPTION_BAND_HEIGHT, FRAME_MARGIN
from circuit_clips.pipeline.captions import (
    MAX_CHARS_PER_SECOND,
    MIN_CUE_SECONDS,
    Cue,
    cue_chars,
    cue_pace,
    pace_problems,
    title_card_problems,
    to_webvtt,
)
from circuit_clips.pipeline.layout import IN_CAPTION_BAND, OUTSIDE_MARGIN, frame_violations
from circuit_clips.pipeline.mp4 import frames_at, probe
from circuit_clips.pipeline.sheet import BAND_FRACTION, active_cue, contact_sheet, cue_times

W, H = 14 + 2 / 9, 8.0  # Manim's frame, 16:9


# --- reading pace --------------------------------------------------------------------------
def test_the_rules_are_the_issues_numbers_and_the_kit_paces_to_them():
    assert (MAX_CHARS_PER_SECOND, MIN_CUE_SECONDS) == (15.0, 1.5)
    assert READING_RATE == MAX_CHARS_PER_SECOND, "the kit holds beats at the pace the captions are checked at"


def test_characters_are_counted_as_read():
    assert cue_chars("abc def") == 7
    assert cue_chars("  abc\n def  \n\n") == 7, "a line break reads as one space, blanks around are not read"
    assert cue_chars("Q\u00b7K = 0.25, isn't it?") == 21


@pytest.mark.parametrize("chars", [1, 14, 15, 22, 23, 30, 31, 45, 46, 90])
@pytest.mark.parametrize("seconds", [1.0, 1.4, 1.5, 2.0, 3.0, 6.0])
def test_a_cue_is_over_pace_exactly_when_faster_than_15_cps_or_shorter_than_1_5_s(chars, seconds):
    cue = Cue(10.0, 10.0 + seconds, "x" * chars)
    (pace,) = cue_pace([cue])
    assert pace.cps == pytest.approx(chars / seconds)
    fast, short = chars > 15 * seconds + 1e-9, seconds < 1.5 - 1e-9
    problems = pace_problems([cue])
    assert bool(problems) == (fast or short)
    assert ("over 15 cps" in "".join(problems)) == fast
    assert ("under 1.5 s" in "".join(problems)) == short


def test_a_cue_held_to_the_pace_passes_though_its_times_are_rounded_to_the_millisecond():
    # held 79 / 15 = 5.2667 s, written 3.400 --> 8.666: 15.002 cps by the file, on pace by the hold
    assert pace_problems([Cue(3.4, 8.666, "x" * 79)]) == []
    assert pace_problems([Cue(3.4, 8.664, "x" * 79)]) != []  # 2 ms short is too fast
    assert pace_problems([Cue(0.0, 1.499, "x")]) == [] and pace_problems([Cue(0.0, 1.498, "x")]) != []


def test_pace_is_read_from_a_published_vtt(tmp_path):
    cues = [Cue(0.0, 2.0, "Thirty characters, exactly ok."), Cue(2.0, 3.2, "short & <fast> one")]
    vtt = tmp_path / "clip.vtt"
    vtt.write_text(to_webvtt(cues), encoding="utf-8")
    paces = cue_pace(vtt)
    assert [p.chars for p in paces] == [30, 18]
    assert [round(p.cps, 3) for p in paces] == [15.0, 15.0]
    assert [p.seconds for p in paces] == [2.0, 1.2]
    (problem,) = pace_problems(vtt)
    assert "under 1.5 s" in problem and "over 15 cps" not in problem and "short & <fast> one" in problem


def test_title_card_is_held_for_its_title_and_sentence():
    title, sentence = "Residual stream", "Every layer reads from and writes to one shared stream."
    need = (15 + 1 + 55) / 15  # 71 characters read: 4.73 s
    assert title_card_problems([Cue(0.0, need, title), Cue(need, 9.0, "next")], title, sentence) == []
    (problem,) = title_card_problems([Cue(0.0, need - 0.1, title)], title, sentence)
    assert "4.73 s" in problem and "4.63 s" in problem
    assert "not the title" in title_card_problems([Cue(0.0, 9.0, "something else")], title, sentence)[0]
    assert title_card_problems([], title, sentence) == ["no captions: the title card has no cue"]


# --- the caption band and the margin ---------------------------------------------------------
BAND_TOP = -H / 2 + CAPTION_BAND_HEIGHT


def square_with_bottom_at(y: float, **style) -> Square:
    square = Square(side_length=0.5, **style)
    return square.move_to([0, y + 0.25, 0])


def rules(mobjects) -> list[str]:
    return [v.rule for v in frame_violations(mobjects, W, H, step=3)]


def test_the_band_is_the_bottom_15_percent():
    assert CAPTION_BAND_HEIGHT == pytest.approx(0.15 * H)
    assert BAND_FRACTION == pytest.approx(0.15)


@pytest.mark.parametrize("bottom", [BAND_TOP + 0.01, BAND_TOP + 1.0, 0.0])
def test_what_stays_above_the_band_passes(bottom):
    assert rules([square_with_bottom_at(bottom, fill_opacity=1)]) == []


@pytest.mark.parametrize("bottom", [BAND_TOP - 0.01, BAND_TOP - 0.5, -H / 2 + 0.1, -H / 2 - 1])
def test_whatever_reaches_into_the_band_is_named(bottom):
    label = Text("the take-away", font_size=28)
    label.move_to([2, bottom + label.height / 2, 0])
    found = frame_violations([square_with_bottom_at(0.0), label], W, H, step=7)
    assert [(v.step, v.rule) for v in found] == [(7, IN_CAPTION_BAND)]
    assert "the take-away" in found[0].detail


def test_something_invisible_in_the_band_is_not_counted():
    assert rules([square_with_bottom_at(BAND_TOP - 0.4, stroke_opacity=0, fill_opacity=0)]) == []
    assert rules([square_with_bottom_at(BAND_TOP - 0.4, stroke_width=2)]) == [IN_CAPTION_BAND]


@pytest.mark.parametrize(
    "where, broken",
    [
        ([-W / 2 + FRAME_MARGIN + 0.26, 0, 0], False),  # left edge 0.01 inside the margin
        ([-W / 2 + FRAME_MARGIN + 0.24, 0, 0], True),  # 0.01 over it: 0.23 from the edge, inside the old 0.2
        ([W / 2 - FRAME_MARGIN - 0.24, 0, 0], True),
        ([0, H / 2 - FRAME_MARGIN - 0.24, 0], True),
        ([0, H / 2 - FRAME_MARGIN - 0.26, 0], False),
    ],
)
def test_the_margin_is_the_themes_frame_margin(where, broken):
    square = Square(side_length=0.5, fill_opacity=1).move_to(where)
    assert rules([square]) == ([OUTSIDE_MARGIN] if broken else [])


# --- contact sheets ---------------------------------------------------------------------------
def test_active_cue_is_the_one_showing():
    paces = cue_pace([Cue(0.0, 2.0, "a"), Cue(2.0, 3.0, "b"), Cue(4.0, 5.0, "c")])
    assert [getattr(active_cue(paces, t), "cue", None) for t in (0.0, 1.99, 2.0, 3.5, 4.5, 5.0)] == [
        paces[0].cue,
        paces[0].cue,
        paces[1].cue,
        None,
        paces[2].cue,
        None,
    ]
    assert cue_times([c.cue for c in paces]) == [1.0, 2.5, 4.5]


def reddish(pixels: np.ndarray) -> np.ndarray:
    return (pixels[..., 0] > 150) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)


@pytest.mark.render
def test_per_cue_sheet_shows_each_cue_its_pace_and_the_band(published_set, tmp_path):
    out = published_set.output_dir(published_set.quality("low"))
    video = out / "short_clip.mp4"
    cues = cue_pace(video.with_suffix(".vtt"))
    # short_clip's cues: "A circle appears" (16 chars) in 1.0 s is over 15 cps; "It is labelled"
    # is 14 cps but on screen 1.0 s, under 1.5 s: both are over pace
    assert [c.cue.text for c in cues] == ["A circle appears", "It is labelled"]
    sheet = np.asarray(
        Image.open(contact_sheet(video, tmp_path / "cues.png", per_cue=True, columns=2, width=320))
    )
    info = probe(video)
    tile_h = round(320 * info.height / info.width)
    header = 24
    for k, (_t, frame) in enumerate(
        zip(cue_times([c.cue for c in cues]), frames_at(video, cue_times([c.cue for c in cues])))
    ):
        x0 = k * (320 + 8)
        tile = sheet[header : header + tile_h, x0 : x0 + 320].astype(int)
        raw = np.asarray(Image.fromarray(frame).resize((320, tile_h), Image.LANCZOS)).astype(int)
        band_top = round(tile_h * 0.85)
        # above the band the frame is as rendered; in the band it is tinted towards yellow
        assert np.abs(tile[: band_top - 2] - raw[: band_top - 2]).max() <= 1
        shift = (tile[band_top + 2 :] - raw[band_top + 2 :]).mean(axis=(0, 1))
        assert shift[0] > 10 and shift[1] > 5 and abs(shift[2]) < shift[0] / 2
        # under the frame: the caption in red, since both cues are over pace
        caption = sheet[header + tile_h :, x0 : x0 + 320]
        assert reddish(caption).sum() > 150, f"cue {k} is not marked over pace"


@pytest.mark.render
def test_evenly_spaced_sheet_writes_captions_in_ink_when_on_pace(published_set, tmp_path):
    out = published_set.output_dir(published_set.quality("low"))
    video = out / "short_clip.mp4"
    on_pace = tmp_path / "calm.vtt"
    on_pace.write_text(to_webvtt([Cue(0.0, 2.0, "A circle appears")]), encoding="utf-8")
    sheet = np.asarray(
        Image.open(contact_sheet(video, tmp_path / "s.png", count=2, columns=2, captions=on_pace))
    )
    assert reddish(sheet).sum() == 0
    dark = sheet.max(axis=-1) < 60
    tile_h = round(640 * probe(video).height / probe(video).width)
    assert dark[24 + tile_h + 4 :].sum() > 300, "the caption is written under the frames"


# --- the readers' report -----------------------------------------------------------------
def test_readers_report_gives_each_clips_length_and_fastest_cue_and_checks_the_total(published_set, tmp_path):
    import shutil

    from circuit_clips.pipeline.readers_report import readers_report
    from circuit_clips.readers import MAX_FULL_VIDEO_SECONDS

    assert MAX_FULL_VIDEO_SECONDS == 11 * 60
    video = published_set.media / "preview" / "short_clip.mp4"
    seconds = probe(video).duration
    for clip, cues in [
        ("calm", [Cue(0.0, 2.0, "Ten chars."), Cue(2.0, 4.0, "Twenty characters...")]),  # 5 and 10 cps
        ("hasty", [Cue(0.0, 1.0, "far too many words for a single second of reading")]),
    ]:
        shutil.copy(video, tmp_path / f"{clip}.mp4")
        (tmp_path / f"{clip}.vtt").write_text(to_webvtt(cues), encoding="utf-8")

    text, ok = readers_report(["calm"], tmp_path, budget=MAX_FULL_VIDEO_SECONDS)
    assert ok, text
    first = text.splitlines()[0].split()
    assert first == ["calm", f"{seconds:.1f}", "s", "2", "cues", "30", "chars", "fastest", "10.0", "cps"]
    assert "within the budget of 660 s" in text
    text, ok = readers_report(["calm", "calm"], tmp_path, budget=seconds + 0.1)
    assert not ok and "over the budget" in text, "two clips together run longer than one"
    assert readers_report(["calm", "calm"], tmp_path, budget=None)[1], "no budget: only the cues count"

    text, ok = readers_report(["calm", "hasty"], tmp_path, budget=None)
    assert not ok and "over 15 cps" in text and "far too many words" in text

    with pytest.raises(FileNotFoundError, match="make missing"):
        readers_report(["missing"], tmp_path, budget=None)
