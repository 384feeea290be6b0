"""Web-ready delivery: the manifest, the preview page, the local server, and every video of the
page playing in a real browser (Debian's Chromium, headless)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from circuit_clips.pipeline.mp4 import probe
from circuit_clips.pipeline.project import QUALITIES, Project
from circuit_clips.pipeline.publish import publish_clip
from circuit_clips.pipeline.web import page_path, serving, write_page

from .conftest import ROOT, SET_CLIPS

LOW = QUALITIES["low"]
FULL = "MathematicalFramework"
#: Where the browser test leaves its screenshot (a test artefact for CI to keep).
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "media" / "test-artifacts"))


@pytest.fixture(scope="module")
def out(published_set) -> Path:
    return published_set.output_dir(LOW)


@pytest.fixture(scope="module")
def manifest(out) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_published_folder_holds_only_what_a_site_serves(out):
    expected = {f"{name}.{ext}" for name in (*SET_CLIPS, FULL) for ext in ("mp4", "png", "vtt")}
    expected |= {f"{FULL}.chapters.vtt", "manifest.json"}
    assert {p.name for p in out.iterdir()} == expected


def test_manifest_describes_every_published_file(out, manifest):
    assert [e["name"] for e in manifest["clips"]] == list(SET_CLIPS)
    for entry in [*manifest["clips"], manifest["full_video"]]:
        mp4 = out / entry["mp4"]
        info = probe(mp4)
        assert entry["mp4"] == f"{entry['name']}.mp4"
        assert entry["size"] == mp4.stat().st_size
        assert entry["sha256"] == hashlib.sha256(mp4.read_bytes()).hexdigest()
        assert (entry["width"], entry["height"], entry["fps"]) == (info.width, info.height, LOW.fps)
        assert entry["duration"] == pytest.approx(info.duration, abs=1e-3)
        assert entry["codecs"] == "avc1.64001e", "H.264 High (0x64), level 3.0 (0x1e) at 480p15"
        with Image.open(out / entry["poster"]) as poster:
            assert poster.size == (info.width, info.height)
        assert (out / entry["captions"]).read_text().startswith("WEBVTT")
    escaped, short = manifest["clips"]
    assert (short["title"], short["description"]) == ("short_clip", ""), "no title: the clip name"
    assert escaped["title"] == "Squares & <circles>"
    assert escaped["description"] == 'A test clip whose text needs escaping: "quotes", <tags> & ampersands.'
    full = manifest["full_video"]
    assert full["chapters"] == f"{FULL}.chapters.vtt" and (out / full["chapters"]).is_file()
    assert [(p["clip"], p["title"]) for p in full["parts"]] == [
        (c["name"], c["title"]) for c in manifest["clips"]
    ]
    assert full["duration"] == pytest.approx(sum(c["duration"] for c in manifest["clips"]), abs=2 / LOW.fps)


def test_manifest_lists_clips_in_storyboard_order(out, tmp_path):
    for name in ["zz_extra", "composition", "linear_maps"]:  # published in this order
        publish_clip(out / "short_clip.mp4", tmp_path, name)
        listed = json.loads((tmp_path / "manifest.json").read_text())
    assert [e["name"] for e in listed["clips"]] == ["linear_maps", "composition", "zz_extra"]
    assert listed["full_video"] is None


def test_parallel_publishes_all_end_up_in_the_manifest(out, tmp_path):
    names = [f"clip_{i}" for i in range(6)]
    with ThreadPoolExecutor(len(names)) as pool:
        list(pool.map(lambda n: publish_clip(out / "short_clip.mp4", tmp_path, n), names))
    listed = json.loads((tmp_path / "manifest.json").read_text())
    assert [e["name"] for e in listed["clips"]] == names
    assert not list(tmp_path.glob(".*.part"))


class _Page(HTMLParser):
    """The page's sections, videos, sources, tracks, code blocks and every src/href."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.videos: list[dict] = []
        self.links: list[str] = []
        self.code: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self._in_code = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self.links += [attrs[k] for k in ("src", "href") if k in attrs]
        if tag == "section":
            self.sections.append(attrs["id"])
        elif tag == "video":
            self.videos.append({**attrs, "section": self.sections[-1], "sources": [], "tracks": []})
        elif tag == "source":
            self.videos[-1]["sources"].append(attrs)
        elif tag == "track":
            self.videos[-1]["tracks"].append(attrs)
        elif tag == "code":
            self._in_code = True
            self.code.append("")

    def handle_endtag(self, tag):
        if tag == "code":
            self._in_code = False

    def handle_data(self, data):
        if self._in_code:
            self.code[-1] += data


def test_page_embeds_every_video_as_the_post_does(published_set, manifest):
    page = page_path(published_set, LOW)
    assert page == published_set.media / "preview.html"
    text = page.read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(text)

    assert parsed.sections == [FULL, *SET_CLIPS], "the full video first, then the clips in order"
    entries = {e["name"]: e for e in [manifest["full_video"], *manifest["clips"]]}
    for video, snippet in zip(parsed.videos, [c for c in parsed.code if "<video" in c], strict=True):
        name = video["section"]
        entry = entries[name]
        assert "controls" in video and video["preload"] == "metadata"
        assert video["poster"] == f"preview/{name}.png"
        assert (video["width"], video["height"]) == (str(entry["width"]), str(entry["height"]))
        assert video["sources"] == [
            {"src": f"preview/{name}.mp4", "type": f'video/mp4; codecs="{entry["codecs"]}"'}
        ]
        kinds = {t["kind"]: t for t in video["tracks"]}
        assert kinds["captions"]["src"] == f"preview/{name}.vtt" and "default" in kinds["captions"]
        assert ("chapters" in kinds) == (name == FULL)
        # The copy-ready snippet: the same element with the site's /videos/ paths.
        assert f'poster="/videos/{name}.png"' in snippet
        assert f'<source src="/videos/{name}.mp4" type=\'video/mp4; codecs="{entry["codecs"]}"\'>' in snippet
        assert f'src="/videos/{name}.vtt"' in snippet
    assert "0:02" in text, "durations are shown"

    # Text from scenes and captions is escaped; nothing comes from the network.
    for raw in ["<circles>", "<tags>", '"quotes"', "1 < 2"]:
        assert raw not in text
    assert "Squares &amp; &lt;circles&gt;" in text and "1 &lt; 2 &amp; 3 &gt; 2" in text
    assert all(not link.startswith(("http:", "https:", "//")) for link in parsed.links), parsed.links
    assert not [a for tag, a in parsed.tags if tag == "script" and "src" in a]
    assert not [a for tag, a in parsed.tags if tag == "link" and a.get("rel") == "stylesheet"]


def test_page_without_anything_published_is_a_clear_error(fixture_project):
    with pytest.raises(FileNotFoundError, match="nothing is published.*run make"):
        write_page(fixture_project, LOW)


def _get(url: str, **headers: str):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, b""


def test_server_answers_byte_ranges_with_web_types(published_set, out):
    mp4 = (out / "short_clip.mp4").read_bytes()
    with serving(published_set.media) as base:
        status, headers, body = _get(base + "preview/short_clip.mp4", Range="bytes=10-19")
        assert (status, body, headers["Content-Range"]) == (206, mp4[10:20], f"bytes 10-19/{len(mp4)}")
        assert headers["Content-Type"] == "video/mp4"
        status, _, body = _get(base + "preview/short_clip.mp4", Range="bytes=-5")
        assert (status, body) == (206, mp4[-5:])
        status, headers, body = _get(base + "preview/short_clip.mp4")
        assert (status, body, headers["Accept-Ranges"]) == (200, mp4, "bytes")
        assert _get(base + "preview/short_clip.mp4", Range=f"bytes={len(mp4)}-")[0] == 416
        assert _get(base + "preview/short_clip.vtt")[1]["Content-Type"] == "text/vtt"
        assert _get(base + "preview/manifest.json")[1]["Content-Type"] == "application/json"


def _cue_count(vtt: Path) -> int:
    return vtt.read_text().count(" --> ")


@pytest.mark.browser
def test_every_video_plays_in_chromium(published_set, out, manifest):
    from circuit_clips.pipeline.browser import check_page, problems

    screenshot = ARTIFACTS / "web-playback.png"
    screenshot.unlink(missing_ok=True)
    report = check_page(published_set.media, page_path(published_set, LOW), screenshot=screenshot)

    assert problems(report, out) == []
    assert [v.name for v in report.videos] == [FULL, *SET_CLIPS]
    for video in report.videos:
        assert video.can_play == "probably", video
        assert video.type == 'video/mp4; codecs="avc1.64001e"'
        assert (video.width, video.height) == (LOW.width, LOW.height)
        assert video.duration == pytest.approx(probe(out / f"{video.name}.mp4").duration, abs=1 / LOW.fps)
        assert video.played_to > 1.0
        expected = {"captions": _cue_count(out / f"{video.name}.vtt")}
        if video.name == FULL:
            expected["chapters"] = len(SET_CLIPS)
        assert {t["kind"]: t["cues"] for t in video.tracks} == expected
    assert [t["cues"] for t in report.videos[0].tracks] == [4, 2]
    assert not report.console_errors and not report.outside_requests

    with Image.open(screenshot) as shot:
        pixels = np.asarray(shot.convert("RGB"))
    assert pixels.shape[:2] == (900, 1280) and pixels.std() > 10, "a page, not a blank image"


@pytest.mark.browser
def test_browser_check_reports_a_broken_page(published_set, tmp_path):
    from circuit_clips.pipeline.browser import check_page, problems

    shutil.copytree(published_set.root, tmp_path, dirs_exist_ok=True)
    project = Project(tmp_path, tmp_path / "media")
    out = project.output_dir(LOW)
    (out / "escaped_clip.vtt").rename(tmp_path / "captions-moved-away.vtt")
    report = check_page(project.media, page_path(project, LOW))
    (tmp_path / "captions-moved-away.vtt").rename(out / "escaped_clip.vtt")

    found = problems(report, out)
    assert any("404" in p and "escaped_clip.vtt" in p for p in found), found
    assert any(p.startswith("escaped_clip:") and "track" in p for p in found), found
