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
CLIPS := $(filter-out __init__,$(basename $(notdir $(wildcard scenes/*.py))))
VIDEOS := $(CLIPS:%=$(OUT)/%.mp4)
# The post's video: every clip joined (chapters, captions, poster beside it).
FULL_VIDEO := $(OUT)/MathematicalFramework.mp4
PORT ?= 8000
# What a clip's pictures depend on: the package (model and visual kit), not the pipeline.
PACKAGE := $(filter-out src/circuit_clips/pipeline/%,$(wildcard src/circuit_clips/*.py src/circuit_clips/*/*.py src/circuit_clips/data/*)) manim.cfg

RENDER_SETUP := .venv/.installed-render
TEST_SETUP := .venv/.installed-test

.PHONY: all clips preview test setup help sheets readers $(CLIPS) MathematicalFramework page serve check-published render-order
.DEFAULT_GOAL := all

# `make`, `make clips` and `make preview` run the pipeline's `build`: it asks this Makefile which
# clips are stale (make -q), renders them with `make -jN` (N: every core as memory allows, or the
# user's own -j), slowest first, showing live progress, and for `make` ends with a summary.
# The inner make (CIRCUIT_CLIPS_INNER set), dry runs and questions (-n, -q, -t) use the plain rules.
MAKE_MODE := $(filter-out -%,$(firstword $(MAKEFLAGS)))
ifeq ($(CIRCUIT_CLIPS_INNER)$(findstring n,$(MAKE_MODE))$(findstring q,$(MAKE_MODE))$(findstring t,$(MAKE_MODE)),)
all: | $(RENDER_SETUP)
	+@$(PIPELINE) build --goal all --quality $(QUALITY)

clips: | $(RENDER_SETUP)
	+@$(PIPELINE) build --goal clips --quality $(QUALITY)

preview: | $(RENDER_SETUP)
	+@$(PIPELINE) build --goal all --quality low
else
all: clips $(if $(CLIPS),$(FULL_VIDEO) $(PAGE))

clips: $(VIDEOS)

preview:
	$(MAKE) all QUALITY=low
endif

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

sheet-%: $(OUT)/%.mp4
	$(PIPELINE) sheet $* --quality $(QUALITY) $(SHEET_ARGS)

sheets: $(CLIPS:%=sheet-%)

# Each published clip's length, cues and fastest cue; the total against the full video's 11 min.
readers: $(RENDER_SETUP)
	$(PIPELINE) readers --quality $(QUALITY)

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

# The tests run one process per core (pytest-xdist; TEST_JOBS=1 for one process); an idle
# process takes tests queued for the other (worksteal), so the long clip renders at the end of
# the queue do not run on one core alone.
TEST_JOBS ?= auto
test: $(TEST_SETUP)
	$(PY) -m pytest -n $(TEST_JOBS) --dist worksteal

# The trained two-layer model (clip trained_model): trained on first use (about 2 minutes), then
# cached under media/build/trained/ by a hash of the training code and settings. One BLAS
# thread: the matrices are small and the cores shared.
TRAINED := media/build/trained/latest.json
$(TRAINED): $(wildcard src/circuit_clips/training/*.py) | $(RENDER_SETUP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m circuit_clips.training --quiet
.PHONY: trained-model
trained-model: $(TRAINED)
$(OUT)/trained_model.mp4: $(TRAINED)

# Every clip from a clean scratch folder, beside plain Manim; report in media/bench/ (BENCH_ARGS=--help).
.PHONY: bench
bench: | $(RENDER_SETUP)
	$(PY) -m circuit_clips.pipeline.bench --quality $(QUALITY) $(BENCH_ARGS)

# The clips in the order `make` starts their renders: slowest first, by the last render time
# recorded in media/build/ (or the scene file's size, never rendered); the benchmark uses it too.
render-order: | $(RENDER_SETUP)
	@$(PIPELINE) order --quality $(QUALITY)

help:
	@echo "make                every clip at 1080p60 (every core, live progress), the full video and the preview page,"
	@echo "                    then a summary (installs what is missing first; -B: everything again, -jN: N at once)"
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
	@echo "make readers        each clip's length, cues and fastest cue; the total against 11 minutes"
	@echo "make trained-model  train the two-layer model clip trained_model shows (cached in media/build/trained/)"
	@echo "make test           run the test suite, one process per core (installs Chromium and the test tools first)"
	@echo "make setup          only install what rendering needs"
	@echo "make bench          time every clip from clean beside plain Manim: media/bench/report-<quality>.json"
	@echo "make doctor         list the system packages rendering needs: present or missing"
	@echo "make render-order   the clips in the order make starts their renders (slowest first, as last measured)"
	@echo "make help           this list"

# Any other target: not a clip. (A file that exists, such as this Makefile or a scene, is left
# alone: `make -B` asks to remake every file, sources too.)
.DEFAULT:
	@test -e '$@' || { echo "make: no clip or target named '$@'. Clips: $(CLIPS). See 'make help'." >&2; exit 2; }
