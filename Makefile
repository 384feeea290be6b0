# circuit_clips: `make` renders every clip and the post's video; `make test` runs the tests.
# Each first installs what it needs (tools/setup.sh) and skips what is already there.

SHELL := /bin/bash
PY := .venv/bin/python
PIPELINE := $(PY) -m circuit_clips.pipeline

QUALITY ?= high
ifeq ($(QUALITY),high)
  OUT := media/videos
else ifeq ($(QUALITY),low)
  OUT := media/preview
else
  $(error unknown QUALITY '$(QUALITY)': use QUALITY=high (1080p60, media/videos) or QUALITY=low (480p15, media/preview))
endif

# Every scenes/NAME.py is a clip with its own target; no list to edit here.
CLIPS := $(filter-out __init__,$(basename $(notdir $(wildcard scenes/*.py))))
VIDEOS := $(CLIPS:%=$(OUT)/%.mp4)
# What a clip's pictures depend on: the package (model and visual kit), not the pipeline.
PACKAGE := $(filter-out src/circuit_clips/pipeline/%,$(wildcard src/circuit_clips/*.py src/circuit_clips/*/*.py src/circuit_clips/data/*)) manim.cfg

RENDER_SETUP := .venv/.installed-render
TEST_SETUP := .venv/.installed-test

.PHONY: all clips preview test setup help sheets $(CLIPS)
.DEFAULT_GOAL := all

all: clips

clips: $(VIDEOS)

$(CLIPS): %: $(OUT)/%.mp4

$(OUT)/%.mp4: scenes/%.py $(PACKAGE) | $(RENDER_SETUP)
	$(PIPELINE) render $* --quality $(QUALITY)

preview:
	$(MAKE) clips QUALITY=low

sheet-%: $(OUT)/%.mp4
	$(PIPELINE) sheet $* --quality $(QUALITY)

sheets: $(CLIPS:%=sheet-%)

setup: $(RENDER_SETUP)

$(RENDER_SETUP): pyproject.toml tools/setup.sh
	tools/setup.sh render

$(TEST_SETUP): pyproject.toml tools/setup.sh
	tools/setup.sh test

test: $(TEST_SETUP)
	$(PY) -m pytest

help:
	@echo "make                render every clip at 1080p60 into media/videos/ (installs what is missing first)"
	@echo "make NAME           render and publish one clip: $(CLIPS)"
	@echo "make clips          every clip"
	@echo "make preview        every clip at 480p15 into media/preview/ (or QUALITY=low make NAME)"
	@echo "make sheet-NAME     contact sheet of a clip: media/sheets/<quality>/NAME.png"
	@echo "make sheets         contact sheets of every clip"
	@echo "make test           run the test suite (installs Chromium and the test tools first)"
	@echo "make setup          only install what rendering needs"
	@echo "make help           this list"

# Any other target: not a clip.
.DEFAULT:
	@echo "make: no clip or target named '$@'. Clips: $(CLIPS). See 'make help'." >&2; exit 2
