"""Captions: Manim writes SubRip (``.srt``) subcaptions; browsers want WebVTT (``.vtt``)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import srt

__all__ = ["Cue", "read_srt", "read_vtt", "to_webvtt", "shifted"]


@dataclass(frozen=True)
class Cue:
    """One caption: shown from ``start`` to ``end`` (seconds); ``identifier`` names it in WebVTT."""

    start: float
    end: float
    text: str
    identifier: str = ""


def read_srt(path: Path) -> list[Cue]:
    """The cues of an ``.srt`` file (none if the file does not exist: the scene had no captions)."""
    if not path.exists():
        return []
    return [
        Cue(s.start.total_seconds(), s.end.total_seconds(), s.content)
        for s in srt.parse(path.read_text(encoding="utf-8"))
    ]


def _timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def to_webvtt(cues: list[Cue], kind: str | None = None) -> str:
    """A WebVTT document with ``cues``, timings kept to the millisecond.

    Cue text is plain text: ``&`` and ``<`` are escaped (WebVTT reads them as markup), ``-->``
    becomes ``->`` and blank lines are dropped (either would end the cue early).
    """
    lines = ["WEBVTT" + (f" - {kind}" if kind else ""), ""]
    for i, cue in enumerate(cues, 1):
        text = cue.text.replace("-->", "->").replace("&", "&amp;").replace("<", "&lt;")
        text = "\n".join(line for line in text.splitlines() if line.strip())
        identifier = cue.identifier.replace("-->", "->").replace("\n", " ") or str(i)
        lines += [identifier, f"{_timestamp(cue.start)} --> {_timestamp(cue.end)}", text, ""]
    return "\n".join(lines)


_TIMING = re.compile(r"^((?:\d+:)?\d{2}:\d{2}\.\d{3})\s+-->\s+((?:\d+:)?\d{2}:\d{2}\.\d{3})")


def _seconds(stamp: str) -> float:
    *hours_minutes, seconds = stamp.split(":")
    minutes = 0
    for part in hours_minutes:
        minutes = minutes * 60 + int(part)
    whole, ms = seconds.split(".")
    return ((minutes * 60 + int(whole)) * 1000 + int(ms)) / 1000  # 93.867, not 93.86699999999999


def read_vtt(path: Path) -> list[Cue]:
    """The cues of a WebVTT file written by :func:`to_webvtt` (text unescaped, timings in seconds)."""
    cues = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip())[1:]:
        lines = block.splitlines()
        at = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if at is None:
            continue  # a NOTE, STYLE or REGION block
        start, end = _TIMING.match(lines[at]).groups()
        text = html.unescape("\n".join(lines[at + 1 :]))
        cues.append(Cue(_seconds(start), _seconds(end), text, lines[0] if at == 1 else ""))
    return cues


def shifted(cues: list[Cue], offset: float) -> list[Cue]:
    """The same cues, ``offset`` seconds later."""
    return [Cue(c.start + offset, c.end + offset, c.text, c.identifier) for c in cues]
