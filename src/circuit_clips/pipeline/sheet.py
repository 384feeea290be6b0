"""Contact sheets: a grid of frames spread over a clip, to review it at a glance."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .mp4 import frames_at, probe

__all__ = ["contact_sheet", "sheet_times"]


def sheet_times(duration: float, count: int) -> list[float]:
    """``count`` times spread over ``duration``: the first frame, the last, and evenly between."""
    if count < 2:
        return [max(duration - 1e-3, 0.0)]
    last = max(duration - 1e-3, 0.0)
    return [last * i / (count - 1) for i in range(count)]


def contact_sheet(video: Path, out: Path, *, count: int = 12, columns: int = 3, width: int = 640) -> Path:
    """Write a PNG grid of ``count`` frames of ``video`` to ``out``, each labelled with its time."""
    info = probe(video)
    times = sheet_times(info.duration, count)
    tile_w = width
    tile_h = round(width * info.height / info.width)
    rows = -(-len(times) // columns)
    sheet = Image.new("RGB", (columns * tile_w, rows * (tile_h + 22)), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=16)
    for i, (t, frame) in enumerate(zip(times, frames_at(video, times))):
        x, y = (i % columns) * tile_w, (i // columns) * (tile_h + 22)
        sheet.paste(Image.fromarray(frame).resize((tile_w, tile_h), Image.LANCZOS), (x, y + 22))
        draw.text((x + 6, y + 4), f"{video.stem}  t = {t:5.1f} s", fill="black", font=font)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    return out


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 3:
        sys.exit("usage: python -m circuit_clips.pipeline.sheet VIDEO.mp4 OUT.png")
    print(contact_sheet(Path(sys.argv[1]), Path(sys.argv[2])))
