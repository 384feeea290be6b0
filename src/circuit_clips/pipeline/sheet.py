"""Contact sheets: frames of a clip in a grid, to review it at a glance as a viewer sees it.

Under each frame is the caption showing at that moment (from the ``.vtt`` published beside the
video), with its pace; a cue over the readers' pace (:func:`.captions.pace_problems`) is written
in red with what it breaks. The caption band (the bottom
:data:`~circuit_clips.kit.theme.CAPTION_BAND_HEIGHT` of the frame, where players draw captions)
is tinted and outlined on every frame, so anything drawn into it shows.

Two kinds: ``count`` frames spread evenly over the clip (:func:`sheet_times`), or one frame at
the middle of every caption cue (:func:`cue_times`), the frames a first viewer's review needs.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..kit.theme import CAPTION_BAND_HEIGHT
from .captions import MAX_CHARS_PER_SECOND, MIN_CUE_SECONDS, Cue, CuePace, cue_pace, read_vtt
from .mp4 import frames_at, probe

__all__ = ["contact_sheet", "sheet_times", "cue_times", "active_cue", "BAND_FRACTION"]

#: The caption band's share of the frame height (Manim's frame is 8 units high).
BAND_FRACTION = CAPTION_BAND_HEIGHT / 8.0

_CAPTION_LINES = 3
_FONT_SIZE = 17
_LINE_HEIGHT = 21
_HEADER = 24
_INK = (20, 20, 20)
_MUTED = (110, 110, 110)
_RED = (200, 0, 0)
_BAND_TINT = (255, 200, 0, 48)
_BAND_LINE = (255, 200, 0, 255)


def sheet_times(duration: float, count: int) -> list[float]:
    """``count`` times spread over ``duration``: the first frame, the last, and evenly between."""
    if count < 2:
        return [max(duration - 1e-3, 0.0)]
    last = max(duration - 1e-3, 0.0)
    return [last * i / (count - 1) for i in range(count)]


def cue_times(cues: list[Cue]) -> list[float]:
    """The middle of every cue, in order."""
    return [(c.start + c.end) / 2 for c in sorted(cues, key=lambda c: c.start)]


def active_cue(paces: list[CuePace], t: float) -> CuePace | None:
    """The cue showing at ``t`` (start inclusive, end exclusive; the last one to start wins)."""
    showing = [p for p in paces if p.cue.start <= t < p.cue.end]
    return showing[-1] if showing else None


def _font(size: int, face: str = "DejaVuSans") -> ImageFont.ImageFont:
    for name in (f"{face}.ttf", f"/usr/share/fonts/truetype/dejavu/{face}.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines that fit ``width`` pixels (the last ends in an ellipsis if cut)."""
    words, out, line = " ".join(text.split()).split(" "), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            out.append(line)
            line = word
    out.append(line)
    if len(out) > lines:
        out = out[:lines]
        while out[-1] and draw.textlength(out[-1] + " \u2026", font=font) > width:
            out[-1] = out[-1][:-1]
        out[-1] += " \u2026"
    return out


def _band(frame: Image.Image) -> Image.Image:
    """``frame`` with the caption band tinted and its top edge outlined."""
    over = Image.new("RGBA", frame.size, (0, 0, 0, 0))
    top = round(frame.height * (1 - BAND_FRACTION))
    draw = ImageDraw.Draw(over)
    draw.rectangle([0, top, frame.width, frame.height], fill=_BAND_TINT)
    draw.line([(0, top), (frame.width, top)], fill=_BAND_LINE, width=1)
    return Image.alpha_composite(frame.convert("RGBA"), over).convert("RGB")


def _caption_label(pace: CuePace | None) -> tuple[str, tuple[int, int, int]]:
    """The line above a caption: its pace, in red with what it breaks when it is over pace."""
    if pace is None:
        return "no caption", _MUTED
    broken = []
    if pace.too_fast:
        broken.append(f"> {MAX_CHARS_PER_SECOND:g} cps")
    if pace.too_short:
        broken.append(f"< {MIN_CUE_SECONDS:g} s")
    text = f"{pace.cps:.1f} cps, {pace.seconds:.1f} s" + (
        f"  OVER PACE ({', '.join(broken)})" if broken else ""
    )
    return text, _RED if broken else _MUTED


def contact_sheet(
    video: Path,
    out: Path,
    *,
    count: int = 12,
    columns: int = 3,
    width: int = 640,
    per_cue: bool = False,
    captions: Path | None = None,
) -> Path:
    """Write a PNG grid of frames of ``video`` to ``out``, each with its time and its caption.

    ``count`` frames spread over the clip, or with ``per_cue`` one frame at the middle of every
    caption cue. Captions come from ``captions`` (default: the ``.vtt`` beside ``video``; without
    one, frames are shown without captions).
    """
    info = probe(video)
    vtt = captions or video.with_suffix(".vtt")
    cues = read_vtt(vtt) if vtt.is_file() else []
    paces = cue_pace(cues)
    if per_cue:
        if not cues:
            raise FileNotFoundError(
                f"{vtt} holds no captions, which a per-cue sheet needs: publish {video.stem} again"
            )
        times = cue_times(cues)
    else:
        times = sheet_times(info.duration, count)
    tile_w = width
    tile_h = round(width * info.height / info.width)
    cell_h = _HEADER + tile_h + 6 + _LINE_HEIGHT * (_CAPTION_LINES + 1) + 10
    rows = -(-len(times) // columns)
    sheet = Image.new("RGB", (columns * tile_w + (columns - 1) * 8, rows * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    font = _font(_FONT_SIZE)
    bold = _font(_FONT_SIZE, "DejaVuSans-Bold")
    for i, (t, frame) in enumerate(zip(times, frames_at(video, times))):
        x, y = (i % columns) * (tile_w + 8), (i // columns) * cell_h
        pace = active_cue(paces, t)
        number = f"  cue {paces.index(pace) + 1}/{len(paces)}" if pace is not None else ""
        draw.text((x + 4, y + 3), f"{video.stem}  t = {t:5.1f} s{number}", fill=_INK, font=font)
        tile = Image.fromarray(frame).resize((tile_w, tile_h), Image.LANCZOS)
        sheet.paste(_band(tile), (x, y + _HEADER))
        label, color = _caption_label(pace)
        text_y = y + _HEADER + tile_h + 4
        draw.text((x + 4, text_y), label, fill=color, font=font)
        if pace is not None:
            for k, line in enumerate(_wrap(draw, pace.cue.text, bold, tile_w - 8, _CAPTION_LINES)):
                ink = _RED if color == _RED else _INK
                draw.text((x + 4, text_y + _LINE_HEIGHT * (k + 1)), line, fill=ink, font=bold)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    return out


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 3:
        sys.exit("usage: python -m circuit_clips.pipeline.sheet VIDEO.mp4 OUT.png")
    print(contact_sheet(Path(sys.argv[1]), Path(sys.argv[2])))
