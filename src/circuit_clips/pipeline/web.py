"""The preview page, and a local server to view it.

``media/index.html`` (``media/preview.html`` for the 480p15 previews) shows every video of the
published folder as the post embeds it: the full video first, with its chapters, then every
clip in storyboard order with its title, description and duration. Under each one is the
HTML to paste into the post, pointing at ``/videos/NAME.mp4``: copy ``media/videos/`` into the
site's ``/videos/`` folder and the snippet works as is. The page is built from the folder's
``manifest.json``, escapes every text that comes from a scene or a caption, and needs no network
(no scripts, styles or fonts from elsewhere). The pages sit in ``media/``, beside the
published folders, so those hold only what a site serves.
"""

from __future__ import annotations

import html
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .captions import read_vtt
from .compile import FULL_TITLE
from .manifest import read_manifest
from .project import Project, Quality
from .publish import part_path

__all__ = ["SITE_FOLDER", "page_path", "embed_html", "page_html", "write_page", "serving", "serve"]

#: Where the post expects the published files on the site.
SITE_FOLDER = "/videos/"

_PAGES = {"high": "index.html", "low": "preview.html"}


def page_path(project: Project, quality: Quality) -> Path:
    """``media/index.html`` for the published videos, ``media/preview.html`` for the previews."""
    return project.media / _PAGES.get(quality.name, f"{quality.name}.html")


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def embed_html(entry: dict, base: str) -> str:
    """The ``<video>`` element for one manifest entry, its files under ``base`` (e.g. ``/videos/``).

    Poster, MP4 source (its type names the exact H.264 profile and level, so a browser that
    cannot play it says so before downloading), captions shown by default (the clips have no
    sound: the captions are the narration), the chapters track for the full video, and a
    download link for browsers without ``<video>``.
    """
    if not re.fullmatch(r"avc1\.[0-9a-f]{6}", entry["codecs"]):
        raise ValueError(f"unexpected codecs value {entry['codecs']!r}")
    url = lambda key: _attr(base + entry[key])  # noqa: E731
    lines = [
        f'<video controls preload="metadata" poster="{url("poster")}" '
        f'width="{entry["width"]}" height="{entry["height"]}" style="max-width:100%;height:auto">',
        f'  <source src="{url("mp4")}" type=\'video/mp4; codecs="{entry["codecs"]}"\'>',
        f'  <track kind="captions" src="{url("captions")}" srclang="en" label="English" default>',
    ]
    if "chapters" in entry:
        lines.append(f'  <track kind="chapters" src="{url("chapters")}" srclang="en" label="Chapters">')
    lines += [f'  <a href="{url("mp4")}">Download the video (MP4)</a>', "</video>"]
    return "\n".join(lines)


_STYLE = """
body { margin: 0; background: #f6f6f4; color: #1d1d1f; font: 16px/1.5 system-ui, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 1rem 1.25rem 4rem; }
section { margin: 2.5rem 0; }
h2 { margin-bottom: 0.25rem; }
.meta { color: #555; margin-top: 0; }
video { display: block; width: 100%; height: auto; background: #000; }
pre { background: #fff; border: 1px solid #ddd; padding: 0.75rem; overflow-x: auto; font-size: 13px; }
.chapters button { font: inherit; border: 0; background: none; color: #0b57d0; cursor: pointer; padding: 0; }
"""

_SCRIPT = """
for (const button of document.querySelectorAll("[data-start]")) {
  button.addEventListener("click", () => {
    const video = button.closest("section").querySelector("video");
    video.currentTime = Number(button.dataset.start);
    video.play();
  });
}
"""


def _section(entry: dict, folder: Path, folder_url: str) -> str:
    name = entry["name"]
    parts = [
        f'<section id="{_attr(name)}">',
        f"<h2>{html.escape(entry['title'])}</h2>",
        f'<p class="meta">{html.escape(entry["description"])}'
        f'{" · " if entry["description"] else ""}<span class="duration">{_clock(entry["duration"])}</span></p>',
        embed_html(entry, folder_url),
    ]
    if entry.get("parts"):
        parts.append('<ol class="chapters">')
        for chapter in entry["parts"]:
            parts.append(
                f'<li><button type="button" data-start="{chapter["start"]:.3f}">{_clock(chapter["start"])}</button> '
                f"{html.escape(chapter['title'])}</li>"
            )
        parts.append("</ol>")
    cues = read_vtt(folder / entry["captions"])
    if cues:
        parts.append("<details><summary>Transcript</summary><ol>")
        parts += [f"<li>{html.escape(cue.text)}</li>" for cue in cues]
        parts.append("</ol></details>")
    parts += [
        "<p>HTML for the post:</p>",
        f"<pre><code>{html.escape(embed_html(entry, SITE_FOLDER))}</code></pre>",
        "</section>",
    ]
    return "\n".join(parts)


def page_html(manifest: dict, folder: Path, folder_url: str) -> str:
    """The preview page for ``manifest`` (of ``folder``, reached from the page at ``folder_url``)."""
    entries = ([manifest["full_video"]] if manifest.get("full_video") else []) + manifest["clips"]
    body = [_section(entry, folder, folder_url) for entry in entries] or ["<p>Nothing is published yet.</p>"]
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(FULL_TITLE)}: the videos</title>",
            '<link rel="icon" href="data:,">',
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            "<main>",
            f"<h1>{html.escape(FULL_TITLE)}: the videos</h1>",
            f"<p>The files in <code>{html.escape(folder.name)}/</code>, embedded as the post embeds them. "
            f"Copy that folder to the site's <code>{SITE_FOLDER}</code> and paste the HTML under a video "
            "into the post.</p>",
            *body,
            "</main>",
            f"<script>{_SCRIPT}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )


def write_page(project: Project, quality: Quality) -> Path:
    """Write the quality's preview page from its published folder's manifest; returns its path."""
    folder = project.output_dir(quality)
    try:
        manifest = read_manifest(folder)
    except FileNotFoundError:
        raise FileNotFoundError(f"nothing is published in {folder} yet: run make first") from None
    page = page_path(project, quality)
    part = part_path(page)
    part.write_text(page_html(manifest, folder, os.path.relpath(folder, page.parent) + "/"), encoding="utf-8")
    os.replace(part, page)
    return page


class _Handler(SimpleHTTPRequestHandler):
    """Static files with byte ranges (browsers fetch and seek video with ``Range`` requests)."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".mp4": "video/mp4",
        ".vtt": "text/vtt",
        ".json": "application/json",
    }
    quiet = False
    _length: int | None = None

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def send_head(self):
        self._length = None
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        path = self.translate_path(self.path)
        if not match or not any(match.groups()) or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        first, last = match.groups()
        start, end = (
            (int(first), min(int(last or size - 1), size - 1))
            if first
            else (max(size - int(last), 0), size - 1)
        )
        if start > end:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        f = open(path, "rb")
        f.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self._length = end - start + 1
        return f

    def copyfile(self, source, outputfile) -> None:
        if self._length is None:
            return super().copyfile(source, outputfile)
        left = self._length
        while left > 0 and (block := source.read(min(left, 1 << 16))):
            outputfile.write(block)
            left -= len(block)

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a browser dropping a video request
            super().handle_error(request, client_address)


@contextmanager
def serving(directory: Path, port: int = 0, *, quiet: bool = True) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (``port`` 0: any free one) in a thread; yields its URL."""
    handler = type("Handler", (_Handler,), {"quiet": quiet})
    server = _Server(("127.0.0.1", port), partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def serve(project: Project, quality: Quality, port: int) -> None:
    """Serve ``media/`` on 127.0.0.1:``port`` until interrupted, printing the page's address."""
    page = page_path(project, quality)
    with serving(project.media, port, quiet=False) as url:
        print(
            f"Serving {project.media} at {url}{page.relative_to(project.media)} (Ctrl-C to stop)", flush=True
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
