"""Proof in a real browser: every video on the preview page plays in headless Chromium.

:func:`check_page` serves ``media/`` on 127.0.0.1, opens the page in Debian's Chromium (driven
by Playwright, pointed at the system browser: Playwright's own browser download is not
needed) and, for every ``<video>`` in page order, records what the browser reports: whether it
can play the source's exact type, the metadata it loaded, how far it played, and the cues of
every track; plus console errors, failed responses and any request leaving the local server.
:func:`problems` compares that with the published files. ``make test`` runs it on small test
renders, ``make check-published`` on the published 1080p60 files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from .manifest import read_manifest
from .web import serving

__all__ = ["CHROMIUM_ARGS", "chromium_path", "VideoReport", "PageReport", "check_page", "problems"]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: How long the browser may take to load a video's metadata, a track, or to play one second.
TIMEOUT_MS = 30_000

_METADATA_JS = """async (v, timeout) => {
  const type = v.querySelector("source").type;
  if (v.readyState < 1) {
    await new Promise((resolve, reject) => {
      v.addEventListener("loadedmetadata", resolve, {once: true});
      v.addEventListener("error", () => reject(new Error("media error " + v.error.code)), {once: true});
      setTimeout(() => reject(new Error("no metadata after " + timeout + " ms")), timeout);
    });
  }
  return {type, canPlay: v.canPlayType(type), src: v.currentSrc,
          width: v.videoWidth, height: v.videoHeight, duration: v.duration};
}"""

_PLAY_JS = """async (v, timeout) => {
  v.muted = true;
  await v.play();
  await new Promise((resolve, reject) => {
    const check = () => { if (v.currentTime > 1.0) resolve(); };
    v.addEventListener("timeupdate", check);
    v.addEventListener("error", () => reject(new Error("media error " + v.error.code)), {once: true});
    setTimeout(() => reject(new Error("stuck at " + v.currentTime + " s")), timeout);
    check();
  });
  return v.currentTime;
}"""

_TRACKS_JS = """async (v, timeout) => {
  const tracks = [];
  for (const el of v.querySelectorAll("track")) {
    if (el.track.mode === "disabled") el.track.mode = "hidden";  // a track loads once enabled
    if (el.readyState < 2) {
      await new Promise((resolve, reject) => {
        if (el.readyState === 3) reject(new Error("track failed: " + el.src));
        el.addEventListener("load", resolve, {once: true});
        el.addEventListener("error", () => reject(new Error("track failed: " + el.src)), {once: true});
        setTimeout(() => reject(new Error("track not loaded: " + el.src)), timeout);
      });
    }
    tracks.push({kind: el.kind, src: el.getAttribute("src"), mode: el.track.mode,
                 cues: el.track.cues ? el.track.cues.length : 0});
  }
  return tracks;
}"""


def chromium_path() -> str:
    """The Chromium to drive: ``$CHROMIUM``, else ``chromium`` on the PATH (Debian's package)."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).is_file():
        raise FileNotFoundError(f"no Chromium at {found}: run tools/setup.sh test (or set CHROMIUM)")
    return found


@dataclass
class VideoReport:
    """What the browser reported for one ``<video>``."""

    name: str
    type: str = ""
    can_play: str = ""
    src: str = ""
    width: int = 0
    height: int = 0
    duration: float = 0.0
    played_to: float = 0.0
    tracks: list[dict] = field(default_factory=list)
    error: str = ""


@dataclass
class PageReport:
    """What the browser reported for the page."""

    url: str
    videos: list[VideoReport] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)


def check_page(media: Path, page: Path, *, screenshot: Path | None = None) -> PageReport:
    """Open ``page`` (a file under ``media``) in headless Chromium through a local server.

    Every video is brought into view, its metadata awaited, played (muted) past one second
    and paused, and its tracks loaded. ``screenshot`` is taken while the first video plays.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with serving(media) as base, sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        report = PageReport(base + page.relative_to(media).as_posix())
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=chromium_path(),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            tab = context.new_page()
            tab.on("console", lambda m: m.type == "error" and report.console_errors.append(m.text))
            tab.on("pageerror", lambda err: report.console_errors.append(str(err)))
            tab.on(
                "response", lambda r: r.status >= 400 and report.bad_responses.append(f"{r.status} {r.url}")
            )
            local = urlparse(base).netloc
            tab.on(
                "request",
                lambda r: (
                    urlparse(r.url).scheme != "data"
                    and urlparse(r.url).netloc != local
                    and report.outside_requests.append(r.url)
                ),
            )
            tab.goto(report.url, wait_until="load")
            videos = tab.locator("video")
            for i in range(videos.count()):
                video = videos.nth(i)
                result = VideoReport(video.evaluate("v => v.closest('section').id"))
                report.videos.append(result)
                try:
                    video.scroll_into_view_if_needed()
                    meta = video.evaluate(_METADATA_JS, TIMEOUT_MS)
                    result.type, result.can_play, result.src = meta["type"], meta["canPlay"], meta["src"]
                    result.width, result.height, result.duration = (
                        meta["width"],
                        meta["height"],
                        meta["duration"],
                    )
                    result.played_to = video.evaluate(_PLAY_JS, TIMEOUT_MS)
                    if i == 0 and screenshot is not None:
                        screenshot.parent.mkdir(parents=True, exist_ok=True)
                        tab.screenshot(path=str(screenshot))
                    video.evaluate("v => v.pause()")
                    result.tracks = video.evaluate(_TRACKS_JS, TIMEOUT_MS)
                except PlaywrightError as err:
                    result.error = str(err).splitlines()[0]
        finally:
            context.close()
    return report


def _cue_count(vtt: Path) -> int:
    """Cues in a WebVTT file, counted from its timing lines (independently of the parser)."""
    return sum("-->" in line for line in vtt.read_text(encoding="utf-8").splitlines())


def problems(report: PageReport, folder: Path) -> list[str]:
    """Everything in ``report`` that disagrees with the published ``folder``; empty when all is well."""
    manifest = read_manifest(folder)
    entries = ([manifest["full_video"]] if manifest["full_video"] else []) + manifest["clips"]
    found = [f"console: {e}" for e in report.console_errors]
    found += [f"response: {r}" for r in report.bad_responses]
    found += [f"request outside the local server: {r}" for r in report.outside_requests]
    if [v.name for v in report.videos] != [e["name"] for e in entries]:
        found.append(
            f"videos on the page {[v.name for v in report.videos]} != manifest {[e['name'] for e in entries]}"
        )
    for video, entry in zip(report.videos, entries):
        name = video.name
        frame = 1 / entry["fps"]
        if video.error:
            found.append(f"{name}: {video.error}")
        if video.can_play != "probably":
            found.append(f"{name}: canPlayType({video.type!r}) is {video.can_play!r}, not 'probably'")
        if f'codecs="{entry["codecs"]}"' not in video.type:
            found.append(
                f"{name}: the source type {video.type!r} does not name the file's codec {entry['codecs']}"
            )
        if not video.src.endswith("/" + entry["mp4"]):
            found.append(f"{name}: plays {video.src}, not {entry['mp4']}")
        if (video.width, video.height) != (entry["width"], entry["height"]):
            found.append(f"{name}: {video.width}x{video.height}, expected {entry['width']}x{entry['height']}")
        if abs(video.duration - entry["duration"]) > frame:
            found.append(f"{name}: lasts {video.duration} s in the browser, expected {entry['duration']} s")
        if not video.played_to > 1.0:
            found.append(f"{name}: did not play past one second (reached {video.played_to} s)")
        expected = {"captions": _cue_count(folder / entry["captions"])}
        if "chapters" in entry:
            expected["chapters"] = _cue_count(folder / entry["chapters"])
        loaded = {t["kind"]: t["cues"] for t in video.tracks}
        if not video.error and loaded != expected:
            found.append(f"{name}: tracks loaded {loaded} cues, expected {expected}")
    return found
