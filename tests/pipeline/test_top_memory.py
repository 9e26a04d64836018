"""ZigZag v2's per-layer top memory levels under the ``carbonspot`` conventions (pipeline/top_memory.py).

A chain a -> b -> c of 8-bit 1x1 convolutions on the ``os_array_16x16`` preset with its global buffer cut
to 4 096 bits. By hand, with ZigZag v2's sizes (inputs at 8 b, outputs at 16 b,
``SearchUnusedMemoryStage``, KULeuven-MICAS/carbonspot @ f514704):

- a: K=8, C=4, 4x4: I = 64 values (512 b), O = 128 (2 048 b at 16 b), W = 32 (256 b)
- b: K=4, C=8, 4x4: I = 128 (1 024 b), O = 64 (1 024 b), W = 32 (256 b)
- c: K=16, C=4, 4x4: I = 64 (512 b), O = 256 (4 096 b), W = 64 (512 b)

Weights: 1 024 b in all; with b's 2 048 b of I/O that is 3 072 <= 4 096, so (output-stationary hardware,
ZigZag v2's weight rule) every layer's weights are resident. Activations: a's I/O 2 560 b fit (first layer:
its input too), b's 2 048 b fit, c's 4 608 b do not: c reads its input on chip (b left it there) and writes
its output to DRAM. Residents: a {W, I, O}, b {W, I, O}, c {W, I}.
"""

from __future__ import annotations

import dataclasses

import carbonloop
from carbonloop.hardware import load_preset
from carbonloop.model.mapping import LevelMapping, Loop, Mapping
from carbonloop.pipeline.inputs import with_conventions
from carbonloop.pipeline.top_memory import held_whole, zigzag_top_memory
from carbonloop.workload import conv2d
from carbonloop.workload.network import Edge, Network


def chain() -> Network:
    a = conv2d("a", K=8, C=4, OY=4, OX=4)
    b = conv2d("b", K=4, C=8, OY=4, OX=4)
    c = conv2d("c", K=16, C=4, OY=4, OX=4)
    return Network("chain", (a, b, c), (Edge("a", "b"), Edge("b", "c")))


def accelerator(buffer_bits: int = 4096, conventions: str = "carbonspot", double_buffered: bool = False):
    acc = load_preset("os_array_16x16")
    mems = list(acc.memories)
    mems[1] = dataclasses.replace(mems[1], size_bits=buffer_bits, double_buffered=double_buffered)
    return with_conventions(dataclasses.replace(acc, memories=tuple(mems)), conventions)


def whole_in_buffer(layer, outer: tuple[Loop, ...] = ()) -> Mapping:
    """Every loop at the buffer but ``outer`` (at DRAM)."""
    at_dram = {lp.dim: lp.factor for lp in outer}
    inner = tuple(Loop(d, s // at_dram.get(d, 1)) for d, s in layer.dims if s // at_dram.get(d, 1) > 1)
    return Mapping(
        (LevelMapping("dram", outer), LevelMapping("global_buffer", inner), LevelMapping("registers"))
    )


def given_mappings(net: Network) -> dict[str, Mapping]:
    """Every loop at the buffer, but c's K split 2 at DRAM (c's whole tensors, 512 + 512 + 256 partial sums
    of 16 b = 5 120 b, do not fit the buffer)."""
    maps = {lay.name: whole_in_buffer(lay) for lay in net.layers}
    maps["c"] = whole_in_buffer(net.layers[2], (Loop("K", 2),))
    return maps


def test_residents_and_setups_by_hand():
    top = zigzag_top_memory(chain(), accelerator())
    assert top.weights_resident
    assert top.residents == {"a": {"W", "I", "O"}, "b": {"W", "I", "O"}, "c": {"W", "I"}}
    # a and b hold every operand of the buffer whole: the buffer stays one level
    assert top.setups["a"].accelerator.level_names == ("dram", "global_buffer", "registers")
    assert top.setups["a"].constraints.resident == (("global_buffer", ("W", "I", "O")),)
    # c: W and I cut above O (virtual levels of the one buffer), O's tile may be a slice
    c = top.setups["c"]
    assert c.accelerator.level_names == ("dram", "global_buffer.WI", "global_buffer.O", "registers")
    assert c.constraints.resident == (("global_buffer.WI", ("W", "I")),)


def test_a_smaller_buffer_keeps_the_weights_in_dram_and_b_alone_on_chip():
    """2 304 b: weights + the least non-branch I/O (1 024 + 2 048 = 3 072) no longer fit; a's I/O (2 560 b)
    do not fit either, b's (2 048 b) do: a writes to DRAM, b reads from DRAM and keeps its output, c reads
    it on chip (c's own I/O do not fit)."""
    top = zigzag_top_memory(chain(), accelerator(2304))
    assert not top.weights_resident
    assert top.residents == {"a": set(), "b": {"O"}, "c": {"I"}}
    assert "a" not in top.setups
    assert top.setups["b"].accelerator.level_names == (
        "dram",
        "global_buffer.O",
        "global_buffer.WI",
        "registers",
    )


def test_given_mappings_drop_the_dram_pass_of_what_they_hold_whole():
    """a and b: every loop at the buffer, every resident held whole. c's mapping loops K 2 at DRAM: its weights
    (K-relevant) are not held whole and stay DRAM traffic (64 values), its input is. DRAM bits saved, by
    hand (8 b words at DRAM): a 256 + 512 + 1 024, b 256 + 1 024 + 512, c 512 = 4 096 b; c's 256 outputs
    still go to DRAM."""
    net = chain()
    res = carbonloop.evaluate(net, accelerator(), mapping=given_mappings(net))
    assert res.interlayer is not None
    assert res.interlayer.report.dram_bits_saved == 4096
    assert res.interlayer.report.resident == ("a", "b")
    dram = {r.name: r.cost.accesses["dram"] for r in res.layers}
    for name in ("a", "b", "c"):
        assert dram[name]["I"]["reads"] == 0
    assert dram["a"]["W"]["reads"] == 0 and dram["b"]["W"]["reads"] == 0
    assert dram["c"]["W"]["reads"] == 64
    assert dram["a"]["O"]["updates"] == 0 and dram["b"]["O"]["updates"] == 0
    assert dram["c"]["O"]["updates"] == 256


def test_a_given_mapping_that_loops_k_at_dram_holds_only_the_inputs_whole():
    """a with K split 2 x 4 (2 at DRAM): K is relevant to W and O, not to I (a 1x1 conv's input is C, OY,
    OX), so only I is resident; a's weights cross DRAM once (32 values x 8 b; K at DRAM does not refetch
    them: each K half is another half of the weights)."""
    net = chain()
    a = net.layers[0]
    given = whole_in_buffer(a, (Loop("K", 2),))
    assert held_whole(a, given, frozenset({"W", "I", "O"})) == {"I"}
    maps = given_mappings(net) | {"a": given}
    res = carbonloop.evaluate(net, accelerator(), mapping=maps)
    dram_a = res.layers[0].cost.accesses["dram"]
    assert dram_a["I"]["reads"] == 0
    assert dram_a["W"]["reads"] == 32
    assert dram_a["O"]["updates"] == 128


def test_searched_mappings_hold_the_residents_whole_and_never_touch_dram_for_them():
    net = chain()
    res = carbonloop.evaluate(net, accelerator(), objective="energy", budget=200)
    top = zigzag_top_memory(net, accelerator())
    for lay, r in zip(net.layers, res.layers, strict=True):
        held = top.residents[lay.name]
        assert held_whole(lay, r.cost.mapping, frozenset(held)) == held, lay.name
        dram = r.cost.accesses["dram"]
        for op in lay.operands:
            if op.role in held:
                assert all(v == 0 for v in dram[op.name].values()), (lay.name, op.name)
    assert "global_buffer.WI" in res.layers[2].cost.accesses


def test_the_default_conventions_keep_the_live_range_rule():
    """Under ``carbonloop`` the network's input and last output cross DRAM whatever fits."""
    net = chain()
    res = carbonloop.evaluate(net, accelerator(conventions="carbonloop"), mapping=given_mappings(net))
    assert res.layers[0].cost.accesses["dram"]["I"]["reads"] == 64
    assert res.layers[2].cost.accesses["dram"]["O"]["updates"] == 256


def test_residents_that_overflow_the_buffer_fall_back_to_dram():
    """Double-buffered 3 072 b (1 536 usable). ZigZag's tests give what they give at 4 096 b but for c
    (weights 1 024 + b's I/O 2 048 = 3 072 <= 3 072; a's I/O 2 560 and b's 2 048 fit 3 072): a {W, I, O},
    b {W, I, O}, c {W, I}. a's whole tensors (256 + 512 + 1 024 = 1 792 b) overflow the 1 536 usable bits:
    a keeps its weights only and writes its output to DRAM, so b reads its input there: b {W, O} (256 +
    512 = 768 b), c {W, I} (512 + 512 = 1 024 b)."""
    top = zigzag_top_memory(chain(), accelerator(3072, double_buffered=True))
    assert top.residents == {"a": {"W"}, "b": {"W", "O"}, "c": {"W", "I"}}
    for lay in chain().layers:
        held = top.residents[lay.name]
        assert sum(lay.footprint(o) * o.bits for o in lay.operands if o.role in held) <= 1536
