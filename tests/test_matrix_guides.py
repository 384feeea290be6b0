"""A matrix's subspace guides are found by name, each bracket spanning its own rows or columns."""

from __future__ import annotations

import numpy as np
import pytest
from manim import LEFT, UP, tempconfig

from circuit_clips.kit import HeatMap, matrix_guides


@pytest.mark.parametrize("side", [LEFT, UP])
def test_guides_are_found_by_name_and_span_their_block(tmp_path, side):
    subspaces = {"token": slice(0, 3), "empty": slice(3, 3), "position": slice(3, 7), "output": slice(7, 9)}
    with tempconfig({"media_dir": str(tmp_path), "verbosity": "ERROR"}):
        heatmap = HeatMap(np.zeros((9, 9)), cell_size=0.2)
        guides = matrix_guides(heatmap, subspaces, side=side)
        assert [g.subspace for g in guides] == ["token", "position", "output"]
        axis = 1 if side is LEFT else 0
        for name in ("token", "position", "output"):
            idx = range(9)[subspaces[name]]
            first = heatmap.cell(idx[0], 0) if side is LEFT else heatmap.cell(0, idx[0])
            last = heatmap.cell(idx[-1], 0) if side is LEFT else heatmap.cell(0, idx[-1])
            bracket = guides.named(name)[0]
            lo = min(first.get_center()[axis], last.get_center()[axis])
            hi = max(first.get_center()[axis], last.get_center()[axis])
            span = (
                bracket.get_corner(-np.array([1, 1, 0]))[axis],
                bracket.get_corner(np.array([1, 1, 0]))[axis],
            )
            assert span[0] < lo and hi < span[1], name
            assert span[1] - span[0] == pytest.approx(len(idx) * 0.2, abs=0.05), name
            assert guides.named(name)[1].text == name
        with pytest.raises(KeyError, match="no subspace named 'empty'"):
            guides.named("empty")
