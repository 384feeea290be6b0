#!/usr/bin/env python3
"""Hash every decoded frame of published clips, to prove a refactor changed no pixel.

    .venv/bin/python tools/frame_hashes.py media/preview > before.json
    ... refactor, then render again (make preview) ...
    .venv/bin/python tools/frame_hashes.py media/preview > after.json
    .venv/bin/python tools/frame_hashes.py --compare before.json after.json

Each clip's entry is its list of (presentation time, SHA-256 of the frame's RGB bytes), so a
still hold stored once compares equal to the same hold stored frame by frame.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import av


def clip_hashes(mp4: Path) -> list[list]:
    frames = []
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            rgb = frame.to_ndarray(format="rgb24")
            frames.append([float(frame.time), hashlib.sha256(rgb.tobytes()).hexdigest()[:16]])
    return frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="a published folder, or two JSON files with --compare")
    parser.add_argument("--compare", action="store_true", help="compare two hash files")
    args = parser.parse_args(argv)
    if args.compare:
        before, after = (json.loads(Path(p).read_text()) for p in args.paths)
        differ = 0
        for clip in sorted(set(before) | set(after)):
            a, b = before.get(clip), after.get(clip)
            if a == b:
                print(f"same     {clip} ({len(a)} frames)")
            else:
                differ += 1
                first = next((i for i, (x, y) in enumerate(zip(a or [], b or [])) if x != y), None)
                where = f"frame {first} (t={a[first][0]:.3f} s)" if first is not None else "the end"
                print(f"DIFFERS  {clip}: {len(a or [])} vs {len(b or [])} frames, first change at {where}")
        return 1 if differ else 0
    folder = Path(args.paths[0])
    result = {}
    for mp4 in sorted(folder.glob("*.mp4")):
        if mp4.stem == "MathematicalFramework":
            continue
        result[mp4.stem] = clip_hashes(mp4)
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
