"""ZigZag's port allocation of an output's four directions (CarbonSpot's `expr.py`, KULeuven-MICAS/carbonspot
@ 0839b49: `rf_O1` fh/tl on port 1 and fl/th on port 2): under the zigzag latency model the sums from below
and up (wr_in_by_low, rd_out_to_high) take their own port where the level has one to spare."""

from __future__ import annotations

import dataclasses

from carbonloop.hardware.templates import digital
from carbonloop.model.nest import compile_layer
from carbonloop.model.zigzag_latency import RD_HIGH, RD_LOW, WR_HIGH, WR_LOW, _port
from carbonloop.workload import conv2d


def test_output_register_with_two_ports_gives_each_pair_of_directions_one():
    acc = digital(4, 4, 8192, "ws", profile="carbonspot")
    names = [m.name for m in acc.memories]
    x = names.index("o_reg")
    o_reg = acc.memories[x]
    # 16-bit register, 2 read + 2 write ports of 16 b, keeping O only: O needs one port of each kind
    assert (o_reg.read_ports, o_reg.write_ports, o_reg.read_bw_bits, o_reg.operands) == (2, 2, 16, {"O"})
    cl = compile_layer(conv2d("c", K=4, C=8, OY=2, OX=2))
    out = next(i for i, o in enumerate(cl.operands) if o.role == "O")
    ports = {d: _port(acc, cl, x, out, d) for d in (WR_HIGH, WR_LOW, RD_LOW, RD_HIGH)}
    assert ports == {WR_HIGH: ("w0", 16), WR_LOW: ("w1", 16), RD_LOW: ("r0", 16), RD_HIGH: ("r1", 16)}
    # with one port of each kind nothing is spare: all four directions share it, as before the rule
    one = dataclasses.replace(o_reg, read_ports=1, write_ports=1)
    acc1 = dataclasses.replace(acc, memories=tuple(one if i == x else m for i, m in enumerate(acc.memories)))
    assert {_port(acc1, cl, x, out, d)[0] for d in (WR_HIGH, WR_LOW)} == {"w0"}
    assert {_port(acc1, cl, x, out, d)[0] for d in (RD_LOW, RD_HIGH)} == {"r0"}
