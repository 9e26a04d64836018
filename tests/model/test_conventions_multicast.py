"""``merge_overlapping_multicast`` on its own: Timeloop merges only identical child tiles, one spatial stage
(one array axis of one level) at a time (NVlabs/timeloop ``src/loop-analysis/nest-analysis.cpp``,
ComputeAccurateMulticastedAccesses: the children's deltas are compared for equality).

The case (tests/data/timeloop/*window*): conv1d P=4, R=3, Inputs[P + R] (6 inputs), MainMemory feeding 12
register files, PE (p, r) computing the one MAC p, r, so it needs input p + r, weight r, output p.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from carbonloop.interop.common import InteropWarning
from carbonloop.interop.timeloop import load_timeloop
from carbonloop.model.accesses import distinct_offsets
from carbonloop.model.conventions import CARBONLOOP, TIMELOOP
from carbonloop.model.evaluate import evaluate

DATA = Path(__file__).resolve().parents[1] / "data" / "timeloop"


def _counts(stages: str, merge: bool, windows: bool = False) -> dict[str, dict[str, tuple[int, int, int]]]:
    """Counts with the exact model's conventions except ``merge_overlapping_multicast`` and, where that is
    off, ``merge_spatial_windows`` (False: Timeloop's rule; True: ZigZag's)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        layer, acc, mapping, _ = load_timeloop(
            DATA / f"arch_window_{stages}.yaml",
            DATA / "problem_conv1d_p4_r3.yaml",
            DATA / f"map_window_{stages}.yaml",
            conventions="carbonloop",
        )
    conv = replace(CARBONLOOP, name="test", merge_overlapping_multicast=merge, merge_spatial_windows=windows)
    cost = evaluate(layer, replace(acc, conventions=conv), mapping)
    return {
        lv: {ds: (c["reads"], c["fills"], c["updates"]) for ds, c in spaces.items()}
        for lv, spaces in cost.accesses.items()
    }


def test_overlapping_windows_across_two_stages_are_each_read_in_full():
    # P over the 4 Rows (stage X), R over the 3 PEs of a Row (stage Y). Children of the two stages have
    # the input tiles {p + r}: the union is {0..5}, 6 reads; Timeloop finds 4 distinct tiles in stage X
    # and 3 in stage Y (rows p..p+2 overlap but are not equal), 4 * 3 = 12 reads.
    exact = _counts("two_stages", merge=True)
    timeloop = _counts("two_stages", merge=False)
    assert exact["MainMemory"]["Inputs"][0] == 6
    assert timeloop["MainMemory"]["Inputs"][0] == 12
    # ZigZag merges the unrolled window whatever axes carry it: P 4 and R 3 below MainMemory have
    # 4 * 3 - (4 - 1) * (3 - 1) = 6 distinct offsets, over 1 below the register files: 6 reads
    zigzag = _counts("two_stages", merge=False, windows=True)
    assert zigzag["MainMemory"]["Inputs"][0] == 6
    assert zigzag["RegFile"] == timeloop["RegFile"]
    # identical tiles still merge: weight r is the same for the 4 Rows, so 3 reads either way; the outputs
    # p are the same for the 3 PEs of a Row (a spatial reduction), 4 updates either way
    assert exact["MainMemory"]["Weights"][0] == timeloop["MainMemory"]["Weights"][0] == 3
    assert exact["MainMemory"]["Outputs"][2] == timeloop["MainMemory"]["Outputs"][2] == 4
    # the children's own counts do not change: 12 register files, one input each
    assert exact["RegFile"] == timeloop["RegFile"]


def test_windows_in_one_stage_merge_where_their_tiles_are_equal():
    # P=4 and R=3 on the same axis of one level: PE (p, r) and (p + 1, r - 1) need the same input, and
    # Timeloop compares all children of the stage: 4 * 3 - (4 - 1) * (3 - 1) = 6 distinct tiles = the union
    assert _counts("one_stage", merge=False)["MainMemory"]["Inputs"][0] == 6
    assert _counts("one_stage", merge=True)["MainMemory"]["Inputs"][0] == 6


def test_named_sets_carry_the_switch():
    assert CARBONLOOP.merge_overlapping_multicast is True
    assert TIMELOOP.merge_overlapping_multicast is False


def test_distinct_offsets_of_a_strided_window_by_hand():
    # 2*p + r, p < 4, r < 3: {0, 1, 2} U {2, 3, 4} U {4, 5, 6} U {6, 7, 8} = 0..8, 9 values;
    # formula: 4 * 3 - (4 - 1) * (3 - 2) = 9
    assert int(distinct_offsets(np.array(4), np.array(3), np.array(2), np.array(1))) == 9


@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 6), st.integers(1, 6))
def test_distinct_offsets_equals_enumeration(f1, f2, a, b):
    expected = len({i * a + j * b for i in range(f1) for j in range(f2)})
    got = distinct_offsets(np.array([f1]), np.array([f2]), np.array([a]), np.array([b]))
    assert int(got[0]) == expected
