# circuit_clips: `make` renders every clip and the post's video; `make test` runs the tests.
# Each first installs what it needs (tools/setup.sh) and skips what is already there.

SHELL := /bin/bash
PY := .venv/bin/python
PIPELINE := $(PY) -m circuit_clips.pipeline

QUALITY ?= high
ifeq ($(QUALITY),high)
  OUT := media/videos
  PAGE := media/index.html
else ifeq ($(QUALITY),low)
  OUT := media/preview
  PAGE := media/preview.html
else
  $(error unknown QUALITY '$(QUALITY)': use QUALITY=high (1080p60, media/videos) or QUALITY=low (480p15, media/preview))
endif

# Every scenes/NAME.py is a clip with its own target; adding a clip needs no list edited here.
SCENES := $(filter-out __init__,$(basename $(notdir $(wildcard scenes/*.py))))
# The order `make -jN` starts renders in: slowest first (measured with `make bench`), so the
# last renders run side by side, not one long render alone on one core. In name order a preview
# of the set from clean took 53.0 s where its renders' CPU time allowed 49.8 s on two cores; in
# this order the two cores finish within 0.2 s of each other. Only speed depends on it: a clip
# missing here renders after these, in name order.
SLOWEST_FIRST := induction_heads attention_head residual_stream composition virtual_weights \
  one_layer qk_ov_circuits heads_are_additive zero_layer linear_maps
CLIPS := $(filter $(SCENES),$(SLOWEST_FIRST)) $(filter-out $(SLOWEST_FIRST),$(SCENES))
VIDEOS := $(CLIPS:%=$(OUT)/%.mp4)
# The post's video: every clip joined (chapters, captions, poster beside it).
FULL_VIDEO := $(OUT)/MathematicalFramework.mp4
PORT ?= 8000
# What a clip's pictures depend on: the package (model and visual kit), not the pipeline.
PACKAGE := $(filter-out src/circuit_clips/pipeline/%,$(wildcard src/circuit_clips/*.py src/circuit_clips/*/*.py src/circuit_clips/data/*)) manim.cfg

RENDER_SETUP := .venv/.installed-render
TEST_SETUP := .venv/.installed-test

.PHONY: all clips preview test setup help sheets $(CLIPS) MathematicalFramework page serve check-published render-order
.DEFAULT_GOAL := all

all: clips $(if $(CLIPS),$(FULL_VIDEO) $(PAGE))

clips: $(VIDEOS)

$(CLIPS): %: $(OUT)/%.mp4

$(OUT)/%.mp4: scenes/%.py $(PACKAGE) | $(RENDER_SETUP)
	$(PIPELINE) render $* --quality $(QUALITY)

# Interrupted (Ctrl-C, SIGTERM), make deletes a target its recipe has changed; the pipeline
# publishes a clip's MP4, poster and captions all or nothing, so keep what it published.
.PRECIOUS: $(VIDEOS)

# Joining copies the clips' packets (seconds, no re-encoding): redone when a published clip changes.
$(FULL_VIDEO): $(VIDEOS) | $(RENDER_SETUP)
	$(PIPELINE) compile --quality $(QUALITY)

MathematicalFramework: $(FULL_VIDEO)
.PRECIOUS: $(FULL_VIDEO)

# The preview page: every published video as the post embeds it, with the HTML to paste.
$(PAGE): $(VIDEOS) $(FULL_VIDEO) $(wildcard src/circuit_clips/pipeline/web.py) | $(RENDER_SETUP)
	$(PIPELINE) page --quality $(QUALITY)

page: $(PAGE)

serve: $(PAGE)
	$(PIPELINE) serve --quality $(QUALITY) --port $(PORT)

# The browser checks of `make test`, on the published 1080p60 files.
check-published: | $(TEST_SETUP)
	$(MAKE) all QUALITY=high
	$(PIPELINE) check-web --quality high --screenshot media/checks/published-playback.png

preview:
	$(MAKE) all QUALITY=low

sheet-%: $(OUT)/%.mp4
	$(PIPELINE) sheet $* --quality $(QUALITY) $(SHEET_ARGS)

sheets: $(CLIPS:%=sheet-%)

setup: $(RENDER_SETUP)

# What rendering and installing need from the system, present or missing, with the Debian
# package for each; works before the .venv exists.
.PHONY: doctor
doctor:
	@if $(PY) -c "import circuit_clips" 2>/dev/null; then $(PIPELINE) doctor; else python3 src/circuit_clips/pipeline/doctor.py; fi

$(RENDER_SETUP): pyproject.toml tools/setup.sh
	tools/setup.sh render

$(TEST_SETUP): pyproject.toml tools/setup.sh
	tools/setup.sh test

test: $(TEST_SETUP)
	$(PY) -m pytest

# Every clip from a clean scratch folder, beside plain Manim; report in media/bench/ (BENCH_ARGS=--help).
.PHONY: bench
bench: | $(RENDER_SETUP)
	$(PY) -m circuit_clips.pipeline.bench --quality $(QUALITY) $(BENCH_ARGS)

# The clips in the order `make -jN` starts their renders (the benchmark starts them so too).
render-order:
	@echo $(CLIPS)

help:
	@echo "make                every clip at 1080p60, the full video and the preview page (installs what is missing first)"
	@echo "make NAME           render and publish one clip: $(CLIPS)"
	@echo "make clips          every clip"
	@echo "make MathematicalFramework  the full video: every clip joined, with chapters and captions"
	@echo "make page           the preview page media/index.html (QUALITY=low: media/preview.html)"
	@echo "make serve          serve media/ on 127.0.0.1:$(PORT) to view the page (PORT=...)"
	@echo "make check-published  play every published 1080p60 video in headless Chromium and check it"
	@echo "make preview        all of the above at 480p15 into media/preview/ (or QUALITY=low make NAME)"
	@echo "make sheet-NAME     contact sheet of a clip, captions under the frames: media/sheets/<quality>/NAME.png"
	@echo "                    (SHEET_ARGS=--per-cue: a frame mid every cue, NAME-cues.png)"
	@echo "make sheets         contact sheets of every clip"
	@echo "make test           run the test suite (installs Chromium and the test tools first)"
	@echo "make setup          only install what rendering needs"
	@echo "make bench          time every clip from clean beside plain Manim: media/bench/report-<quality>.json"
	@echo "make doctor         list the system packages rendering needs: present or missing"
	@echo "make render-order   the clips in the order make -jN starts them (slowest first)"
	@echo "make help           this list"

# Any other target: not a clip.
.DEFAULT:
	@echo "make: no clip or target named '$@'. Clips: $(CLIPS). See 'make help'." >&2; exit 2
