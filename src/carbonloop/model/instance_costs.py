"""Which instances of a level pay for its vector accesses and for its leakage, under the conventions.

The exact model charges every instance in use for its own accesses and every physical instance for its
leakage. Timeloop shares one vector access among the ``cluster_size`` instances of a cluster and leaks
only the instances a mapping uses; both rules are switches in :mod:`carbonloop.model.conventions`
(``ignore_cluster_size``, ``leak_idle_instances``). The energy model asks these functions rather than
reading the switches itself, so each rule lives in one place and is tested on its own
(tests/model/test_conventions_instances.py).
"""

from __future__ import annotations

import numpy as np

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.model.accesses import Counts


def block_elements(counts: Counts, acc: Accelerator) -> np.ndarray:
    """Elements moved by one vector access of each level, per operand [N, L, O] (at least 1).

    A level ``width`` bits wide holding ``word_bits`` elements moves ``width / word_bits`` of them per
    access. Under ``ignore_cluster_size`` off, the width is the whole cluster's (Timeloop prints
    ``Block size: 1`` for the Simba-like ``PEWeightRegs``: width 512, datawidth 8, ``cluster_size: 64``),
    so each instance gets ``width / (word_bits x cluster_size)`` elements per access."""
    width = np.array([m.width_bits for m in acc.memories], dtype=np.int64)[None, :, None]
    per = np.maximum(counts.word_bits, 1)
    if not acc.conventions.ignore_cluster_size:
        per = per * np.array([m.cluster_size for m in acc.memories], dtype=np.int64)[None, :, None]
    return np.maximum(width // per, 1)


def paying_instances(counts: Counts, acc: Accelerator) -> np.ndarray:
    """How many instances of each level pay for their vector accesses [N, L, 1].

    Every instance in use pays its own unless ``ignore_cluster_size`` is off. Then, as Timeloop counts
    utilized clusters (NVlabs/timeloop ``src/model/buffer.cpp``, ``BufferLevel::Evaluate``: the utilized
    instances are assumed spread evenly over all clusters), one access is paid per utilized cluster:
    ``min(instances in use, physical instances / cluster_size)`` (Simba-like ``PEWeightRegs``: 48 in use
    of 256 in clusters of 64 -> 4 clusters pay)."""
    used = np.maximum(counts.instances, 1)[:, :, None]
    if acc.conventions.ignore_cluster_size:
        return used
    clusters = np.array(
        [max(acc.instances(x) // max(m.cluster_size, 1), 1) for x, m in enumerate(acc.memories)],
        dtype=np.int64,
    )[None, :, None]
    return np.minimum(used, clusters)


def leaking_instances(counts: Counts, acc: Accelerator) -> np.ndarray:
    """How many instances of each level leak over the run [N, L].

    ``leak_idle_instances`` (the exact model): every physical instance, used or not. Off (Timeloop):
    only the instances the mapping uses (Simba-like ``PEAccuBuffer``: 48 of 64 instances leak,
    0.003416 pJ x 48 x 225 792 cycles = 37 022.66 pJ, as Timeloop prints)."""
    physical = np.array([acc.instances(x) for x in range(len(acc.memories))], dtype=np.int64)[None, :]
    if acc.conventions.leak_idle_instances:
        return np.broadcast_to(physical, counts.instances.shape)
    return np.minimum(np.maximum(counts.instances, 1), physical)
