"""ZigZag's latency model on carbonloop's loop nests: per-port transfer windows, stalls and slack, loading.

The rules restated from ZigZag 3.9.1 (KULeuven-MICAS/zigzag, ``zigzag/mapping/temporal_mapping.py``,
``zigzag/mapping/mapping.py``, ``zigzag/cost_model/cost_model.py`` and ``port_activity.py``), used by the
``zigzag`` and ``carbonspot`` conventions (``level_roofline_latency`` off):

- Each operand sees the nest through its own chain of levels. A loop belongs to the innermost level of the
  chain whose tile contains it; then the loops irrelevant to the operand at the bottom of a level sink into
  the level below (ZigZag's ``innermost_stationary_loop_merge_down``): an irrelevant loop ends at the level of
  the nearest relevant loop inside it, and the innermost run of irrelevant loops is the MAC level's
  stationary cycle (an input read once stays at the memory's output pins).
- Between a level and its child, data moves once per *period*: the cycles of the loops at and below the
  child (for reads to the child and writes from it) or at and below the level itself (for writes into it
  from its parent and reads sent up). Each move carries the child's tile over the child's spatial copies
  (or the level's own tile), at the operand's precision; outputs are partial sums where a reduction loop
  sits at or above the level (ZigZag's ``psum_flag``), final otherwise.
- A move may take its whole period when the level is double-buffered (its operands' tiles, divided by the
  relevant loops at their top, fill at most half of it, or fit beside the others), otherwise only the window
  left after the irrelevant loops at its top. Moving the data takes ``ceil(bits / port bandwidth)`` cycles;
  a port's stall (or slack) is ``(real - allowed) x (periods - 1)``; several moves on one port add their
  stalls and use slack only where their windows do not overlap. The layer stalls for the worst port.
- A spatial loop padded past its dimension moves only the units holding data (``padded_units_move_data``
  off: :func:`unpadded_spatial_factors`); the compute cycles keep the padded temporal loops.
- Before compute, the first tiles of the inputs load (once-per-layer moves may borrow the port's idle
  bandwidth during compute, down to one innermost tile); after it the last outputs drain up.

Ports: a level with ``shared_ports`` has one read/write port for everything; otherwise operand ``i`` of
the level uses read port ``i mod read_ports`` and write port ``i mod write_ports``, each of the level's
per-port bandwidth (ZigZag's files give each operand its own ports; carbonloop's levels pool them). The
virtual levels of one physical memory allocate and share that memory's ports as the unsplit memory
would; a double-buffering decision weighs every operand's use of the physical memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.model.accesses import Counts
from carbonloop.model.capacity import imc_rows_used
from carbonloop.model.nest import CompiledLayer, CompiledOperand, LoopArrays
from carbonloop.workload.footprint import comb_axis

RD_LOW, WR_LOW, RD_HIGH, WR_HIGH = "rd_out_to_low", "wr_in_by_low", "rd_out_to_high", "wr_in_by_high"
READS = (RD_LOW, RD_HIGH)


@dataclass(frozen=True)
class Move:
    """One periodic data movement of one operand at one memory level (ZigZag's PortActivity)."""

    operand: int
    level: int  # carbonloop level index
    direction: str
    period: int
    count: int
    real: int
    allowed: int
    bits: int  # bits per period
    avg_bw: int  # ZigZag's average required bandwidth (bits per cycle, truncated)


def _reduce_ordered(
    total: list[float], floor: list[float], surplus: float
) -> tuple[list[float], list[float]]:
    """ZigZag's ``reduce_ordered``: take ``surplus`` cycles off the largest loads first, down to their floors."""
    out, cut = list(total), [0.0] * len(total)
    for i in sorted(range(len(total)), key=lambda i: total[i], reverse=True):
        if surplus <= 0:
            break
        r = min(max(0.0, out[i] - floor[i]), surplus)
        out[i] -= r
        cut[i] += r
        surplus -= r
    return out, cut


def window_union(moves: list[Move]) -> int:
    """Cycles over the layer in which at least one move's window is open (windows ``[0, allowed)`` of every
    period; ZigZag's ``__calc_mem_updating_window_union``, with nested periods as its reshape needs)."""
    for m in moves:
        if m.period == m.allowed:
            return m.period * m.count
    acts = sorted(moves, key=lambda m: m.period)
    top = acts[-1]
    span = top.period
    covered = np.zeros(span, dtype=bool)
    for m in acts:
        covered.reshape(-1, m.period)[:, : m.allowed] = True
    return int(covered.sum()) * top.count


def port_stall(moves: list[Move]) -> int:
    """Stall (+) or slack (-) of one port over the layer (ZigZag's ``stall_slack_comb``)."""
    if len(moves) == 1:
        m = moves[0]
        return (m.real - m.allowed) * (m.count - 1)
    ss = [(m.real - m.allowed) * (m.count - 1) for m in moves]
    pos = sum(s for s in ss if s > 0)
    neg = sum(s for s in ss if s <= 0)
    windows = sum(m.allowed * (m.count - 1) for m in moves)
    return pos + max(0, neg + windows - window_union(moves))


class _Row:
    """The per-operand view of one mapping that ZigZag's rules need."""

    def __init__(
        self,
        cl: CompiledLayer,
        acc: Accelerator,
        keep: tuple[frozenset[str], ...],
        loops: LoopArrays,
        n: int,
        lists: tuple[list, list, list, list] | None = None,
    ):
        """Row ``n`` of ``loops``; ``lists``: the row's (dim, factor, level, spatial) as Python lists, when
        the caller converted the whole batch at once (``ndarray.tolist``, far cheaper than per element)."""
        if lists is None:
            lists = (
                loops.dim[n].tolist(),
                loops.factor[n].tolist(),
                loops.level[n].tolist(),
                loops.spatial[n].tolist(),
            )
        self.dim, self.factor, self.level, self.spatial = (list(v) for v in lists)
        K = len(self.dim)
        self._per_level: tuple[list[list[int]], list[list[int]]] | None = None
        self.temporal = [k for k in range(K) if not self.spatial[k] and self.factor[k] > 1]
        self.T = math.prod(self.factor[k] for k in self.temporal)
        self.cl, self.acc, self.keep = cl, acc, keep
        if not acc.conventions.padded_units_move_data:
            self.factor = unpadded_spatial_factors(self.dim, self.factor, self.spatial, cl)

    def chain(self, op: int) -> list[int]:
        role = self.cl.operands[op].role
        return [x for x in range(len(self.acc.memories)) if role in self.keep[x]]

    def extents(self, x: int, child: int) -> list[int]:
        """Per-dim product of the loops at or below level ``child`` and the spatial loops of levels ``x`` to
        ``child - 1`` (``child == x``: the tile of level x; the next chain level: the union of its
        children's tiles), in Python integers, from per-level products built once per row."""
        if self._per_level is None:
            D, L = self.cl.D, len(self.acc.memories)
            every = [[1] * D for _ in range(L + 1)]
            spatial = [[1] * D for _ in range(L + 1)]
            for d, f, lv, sp in zip(self.dim, self.factor, self.level, self.spatial, strict=True):
                every[lv][d] *= f
                if sp:
                    spatial[lv][d] *= f
            below = [[1] * D for _ in range(L + 2)]  # below[l]: loops at levels >= l
            for lv in range(L, -1, -1):
                below[lv] = [a * b for a, b in zip(below[lv + 1], every[lv], strict=True)]
            self._per_level = (below, spatial)
        below, spatial = self._per_level
        ext = list(below[child])
        for lv in range(x, child):
            ext = [a * b for a, b in zip(ext, spatial[lv], strict=True)]
        return ext

    def zigzag_levels(self, op: int) -> tuple[dict[int, int], int]:
        """Chain position (0 = innermost) of every temporal loop after the stationary merge-down, and the
        MAC level's stationary cycles (the innermost run of loops irrelevant to the operand)."""
        chain = self.chain(op)
        rel = set(self.cl.operands[op].relevant_dims)
        own = {}
        for k in self.temporal:
            owner = max(x for x in chain if x <= self.level[k])
            own[k] = len(chain) - 1 - chain.index(owner)
        final: dict[int, int] = {}
        below = 0  # chain position of the nearest relevant loop inside (0 when none yet)
        mac_st = 1
        seen_relevant = False
        for k in reversed(self.temporal):  # innermost first
            if self.dim[k] in rel:
                final[k] = own[k]
                below = own[k]
                seen_relevant = True
            else:
                final[k] = below
                if not seen_relevant:
                    mac_st *= self.factor[k]
        return final, mac_st


def unpadded_spatial_factors(
    dim: list[int], factor: list[int], spatial: list[bool], cl: CompiledLayer
) -> list[int]:
    """The loop factors with the innermost spatial loop of each padded dimension (its loops' product
    exceeds its size: K = 1000 as 16 x 63) cut to the units that hold real data, ``size // (product of
    the dim's other loops)`` (1000 // 63 = 15): the integer spatial mapping ZigZag 3.9.1 takes for its
    transfer sizes and so its latency (``zigzag/stages/mapping/spatial_mapping_conversion.py``,
    ``generate_limited_user_spatial_mapping`` with ``allow_decimal_sm_loop_size`` off: ``int()`` of
    size / temporal remainder; ``padded_units_move_data`` off)."""
    out = list(factor)
    for d in set(dim):
        on_d = [k for k in range(len(dim)) if dim[k] == d]
        total = math.prod(factor[k] for k in on_d)
        size = int(cl.sizes[d])
        padded = [k for k in on_d if spatial[k] and factor[k] > 1]
        if total > size and padded:
            k = padded[-1]
            out[k] = max(1, size // (total // factor[k]))
    return out


def _instances(row: _Row, x: int) -> int:
    return math.prod(row.factor[k] for k in range(len(row.dim)) if row.spatial[k] and row.level[k] < x)


def zigzag_latency_cycles(
    cl: CompiledLayer,
    acc: Accelerator,
    loops: LoopArrays,
    keep: tuple[frozenset[str], ...],
    counts: Counts,
    operand_loops: dict[str, LoopArrays] | None = None,
) -> dict[str, np.ndarray]:
    """Cycles [N] with the parts ``compute``, ``stall``, ``onload``, ``offload``, ``total`` by ZigZag's rules
    (``total`` leaves loading out when the conventions' ``loading_in_latency`` is off). ``operand_loops``
    (role -> nest): an operand's own spatial placement (per-operand memories, model/nest.py)."""
    N = loops.N
    cpm = acc.array.cycles_per_mac
    own = operand_loops or {}
    out = {k: np.zeros(N, dtype=np.int64) for k in ("compute", "stall", "onload", "offload", "total")}

    def as_lists(nest: LoopArrays) -> list[tuple[list, list, list, list]]:
        return list(
            zip(
                nest.dim.tolist(),
                nest.factor.tolist(),
                nest.level.tolist(),
                nest.spatial.tolist(),
                strict=True,
            )
        )

    rows = as_lists(loops)
    op_lists = {i: as_lists(own[o.role]) for i, o in enumerate(cl.operands) if o.role in own}
    memo: dict = {}  # ports and physical memories: the same for every row
    for n in range(N):
        op_rows = {i: _Row(cl, acc, keep, own[cl.operands[i].role], n, v[n]) for i, v in op_lists.items()}
        parts = _row_latency(_Row(cl, acc, keep, loops, n, rows[n]), cl, acc, cpm, op_rows=op_rows, memo=memo)
        for key, v in parts.items():
            out[key][n] = v
    if not acc.conventions.loading_in_latency:
        out["total"] = out["compute"] + out["stall"]
    return out


def _positions(o: CompiledOperand, ext: list[int]) -> int:
    """Elements of ``o`` in a tile with per-dim extents ``ext``: :func:`carbonloop.model.accesses.footprint`
    for one row in Python integers (per axis the rule of :func:`carbonloop.workload.footprint.axis_size`:
    one dim's extent, a ``s*i + j`` comb, or the bounding interval of a longer sum)."""
    total = 1
    for dims, coefs in o.axes:
        if len(dims) == 1:
            total *= ext[dims[0]]
            continue
        comb = comb_axis(dims, coefs)
        if comb is not None:
            i, j, stride = comb
            n, m = ext[i], ext[j]
            total *= min(stride * (n - 1) + m, n * m)
        else:
            total *= 1 + sum(abs(c) * (ext[d] - 1) for d, c in zip(dims, coefs, strict=True))
    return total


def _row_latency(
    base: _Row,
    cl: CompiledLayer,
    acc: Accelerator,
    cpm: int,
    trace: list | None = None,
    op_rows: dict[int, _Row] | None = None,
    memo: dict | None = None,
) -> dict[str, int]:
    """``memo``: a dict shared by the rows of one batch, for what depends on the accelerator and layer only
    (each operand's ports, the physical memories)."""
    memo = {} if memo is None else memo
    mems = acc.memories
    out_op = next(i for i, o in enumerate(cl.operands) if o.role == "O")
    moves: list[Move] = []
    tile_bits_innermost: dict[int, int] = {}
    per_op: dict[int, dict] = {}
    rank = {"O": 0, "W": 1, "I": 2}  # ZigZag's operand order for O = W * I
    order = sorted(range(len(cl.operands)), key=lambda i: rank.get(cl.operands[i].role, 3))
    if "head" not in memo:
        memo["head"] = {x: g[0] for g in acc.physical_groups() for x in g}
    head = memo["head"]  # a physical memory's first level
    for op in order:
        row = (op_rows or {}).get(op, base)
        o = cl.operands[op]
        chain = row.chain(op)
        m = len(chain)
        final, mac_st = row.zigzag_levels(op)
        rel = set(o.relevant_dims)
        # cycles at and below each chain position (0 = innermost), ZigZag's cycle_cabl_level
        cabl = [math.prod(row.factor[k] for k in row.temporal if final[k] <= z) for z in range(m)]
        cel = [mac_st if o.role != "O" else 1] + cabl
        # top irrelevant / relevant loop products of each chain position (index z + 1; 0 is the MAC level)
        top_ir, top_r = [1] * (m + 1), [1] * (m + 1)
        for z in range(m):
            at = [k for k in row.temporal if final[k] == z]  # outermost first
            for k in at:
                if row.dim[k] in rel:
                    break
                top_ir[z + 1] *= row.factor[k]
            for k in at:
                if row.dim[k] not in rel:
                    break
                top_r[z + 1] *= row.factor[k]
        # tiles per instance (elements), the child's union over its copies, precision
        tile, union = [], []
        for j, x in enumerate(chain[::-1]):  # innermost first
            child = chain[::-1][j - 1] if j else len(mems)
            tile.append(_positions(o, row.extents(x, x)))
            union.append(_positions(o, row.extents(x, child)))
        if o.role == "O":
            # a reduction loop that ends at or above a level, or a spatial reduction fanning out above it
            spatial_red = [
                row.level[k]
                for k in range(len(row.dim))
                if row.spatial[k] and row.factor[k] > 1 and row.dim[k] not in rel
            ]
            inner_first = chain[::-1]
            ir_at = [
                any(final[k] >= z for k in row.temporal if row.dim[k] not in rel)
                or any(p < inner_first[z] for p in spatial_red)
                for z in range(m)
            ]
            psum = [*ir_at, False]
            prec = [o.partial_bits if p else o.bits for p in psum]
        else:
            prec = [o.bits] * (m + 1)
        tile_bits_innermost[op] = tile[0] * prec[0]
        # effective utilisation of each level by this operand (ZigZag's calc_double_buffer_flag)
        util = per_op.setdefault(op, {})
        for z, x in enumerate(chain[::-1]):
            size = mems[x].size_bits
            if size is not None and x != 0:  # virtual levels share their memory's size
                util[x] = (tile[z] * prec[z] // top_r[z + 1]) / size
        per_op[op]["_chain"] = chain
        per_op[op]["_psum"] = psum if o.role == "O" else [False] * (m + 1)
        per_op[op]["_tile"] = tile
        per_op[op]["_union"] = union
        per_op[op]["_prec"] = prec
        per_op[op]["_cel"] = cel
        per_op[op]["_top_ir"] = top_ir
    # ZigZag sums every operand's utilisation of a shared level before deciding (then admits operands in order)
    shared_util: dict[int, float] = {}  # per physical memory (its first level)
    for op in order:
        for x, u in per_op[op].items():
            if isinstance(x, int):
                shared_util[head[x]] = shared_util.get(head[x], 0.0) + u
    dbs: dict[int, list[bool]] = {}
    for op in order:
        chain = per_op[op]["_chain"]
        flags = [False]
        for x in chain[::-1]:
            if x not in per_op[op]:
                flags.append(True)
                continue
            indiv = per_op[op][x]
            if shared_util[head[x]] <= 0.5:
                flags.append(True)
            elif indiv <= 1 - shared_util[head[x]]:
                flags.append(True)
                shared_util[head[x]] += indiv
            else:
                flags.append(False)
        dbs[op] = flags
    T = base.T
    for op in order:
        o = cl.operands[op]
        chain, tile, union, prec = (per_op[op][k] for k in ("_chain", "_tile", "_union", "_prec"))
        cel, top_ir, db = per_op[op]["_cel"], per_op[op]["_top_ir"], dbs[op]
        m = len(chain)
        for z, x in enumerate(chain[::-1]):
            top = z == m - 1
            low_p, high_p = cel[z], cel[z + 1]
            low_amt, high_amt = union[z], tile[z]
            if o.role == "O":
                dirs = {WR_LOW: (low_p, low_amt, prec[z])}
                if per_op[op]["_psum"][z]:
                    dirs[RD_LOW] = (low_p, low_amt, prec[z])
                if not top:
                    dirs[RD_HIGH] = (high_p, high_amt, prec[z + 1])
                    if per_op[op]["_psum"][z + 1]:
                        dirs[WR_HIGH] = (high_p, high_amt, prec[z + 1])
            else:
                dirs = {RD_LOW: (low_p, low_amt, prec[z])}
                if not top:
                    dirs[WR_HIGH] = (high_p, high_amt, prec[z])
            for d, (p, amt, bits) in dirs.items():
                if p <= 0 or amt * bits == 0:
                    continue
                low_side = d in (RD_LOW, WR_LOW)
                flag = db[z] if low_side else db[z + 1]
                scale = top_ir[z] if low_side else top_ir[z + 1]
                allowed = p if flag else p // scale
                bw = _port_bw(acc, cl, x, op, d, memo)
                moved = amt * bits
                moves.append(
                    Move(
                        op,
                        x,
                        d,
                        math.ceil(p * cpm),
                        T // p,
                        math.ceil(moved / bw),
                        math.ceil(allowed * cpm),
                        moved,
                        int(moved / p),
                    )
                )
    ports: dict[tuple[int, str], list[Move]] = {}
    for mv in moves:
        ports.setdefault(_port_key(acc, cl, mv, memo), []).append(mv)
    stall = max(
        [0]
        + [port_stall([m for m in ms if m.count > 0]) for ms in ports.values() if any(m.count for m in ms)]
    )
    if trace is not None:
        trace.extend((key, port_stall(ms), ms) for key, ms in ports.items())
    compute = T * cpm
    onload, offload = _loading(
        acc, cl, ports, per_op, tile_bits_innermost, compute + stall, out_op, cpm, memo
    )
    return {
        "compute": compute,
        "stall": stall,
        "onload": onload,
        "offload": offload,
        "total": compute + stall + onload + offload,
    }


def _physical(acc: Accelerator, x: int) -> tuple[int, frozenset[str]]:
    """The first level of level ``x``'s physical memory and every operand that memory keeps (virtual levels
    of one memory allocate its ports among all its operands, as the unsplit memory would)."""
    group = next(g for g in acc.physical_groups() if x in g)
    return group[0], frozenset().union(*(acc.memories[y].operands for y in group))


def _ports(acc: Accelerator, cl: CompiledLayer, x: int, reads: bool) -> dict[int, tuple[str, float]]:
    """Port name and bandwidth of each operand at level ``x`` (reads or writes).

    One shared port when the level says so. Otherwise each operand gets enough of the level's ports for
    one of its words (a 16-bit partial sum takes two 8-bit register ports), as ZigZag's files give each
    operand its own port of its word's width; when the ports are too few for that, operands take turns
    on single ports (operand ``i`` on port ``i mod ports``). The operands counted are those of the whole
    physical memory (virtual levels share its ports)."""
    mem = acc.memories[x]
    _, roles = _physical(acc, x)
    if mem.shared_ports:
        bw = mem.read_bw_bits * max(mem.read_ports, mem.write_ports)
        return {i: ("rw", bw) for i, o in enumerate(cl.operands) if o.role in roles}
    per_port = mem.read_bw_bits if reads else mem.write_bw_bits
    n_ports = mem.read_ports if reads else mem.write_ports
    kept = [i for i, o in enumerate(cl.operands) if o.role in roles]
    widest = {
        i: max(cl.operands[i].bits, cl.operands[i].partial_bits if cl.operands[i].role == "O" else 0)
        for i in kept
    }
    need = {i: max(1, math.ceil(widest[i] / per_port)) for i in kept}
    tag = "r" if reads else "w"
    if sum(need.values()) <= n_ports:
        return {i: (f"{tag}{j}", need[i] * per_port) for j, i in enumerate(kept)}
    return {i: (f"{tag}{j % n_ports}", per_port) for j, i in enumerate(kept)}


def _port(acc: Accelerator, cl: CompiledLayer, x: int, op: int, direction: str) -> tuple[str, float]:
    """Port name and bandwidth of one operand's traffic in one direction at level ``x``.

    As :func:`_ports`, and: where a level's own (not shared) ports of the kind are more than its operands
    need, the output's second pair of directions, the sums that come up from below (``wr_in_by_low``) and
    go on up (``rd_out_to_high``), takes a port of its own beside the partial sums that come down and are
    read out below. That is how ZigZag's memory files allocate an output register's four directions
    (CarbonSpot's ``expr.py``, KULeuven-MICAS/carbonspot @ 0839b49: ``rf_O1`` ``port_alloc`` fh/tl on port
    1, fl/th on port 2, and the SRAM's output on two of its four ports); without it the adder tree's sum
    and the partial sum read back share one write port every cycle of a reduction."""
    ports = _ports(acc, cl, x, direction in READS)
    name, bw = ports[op]
    mem = acc.memories[x]
    if mem.shared_ports or cl.operands[op].role != "O" or direction not in (WR_LOW, RD_HIGH):
        return name, bw
    n_ports = mem.read_ports if direction in READS else mem.write_ports
    per_port = mem.read_bw_bits if direction in READS else mem.write_bw_bits
    if not math.isfinite(per_port):
        return name, bw  # unlimited ports never contend
    need = sum(round(b / per_port) for _, b in ports.values())
    if len({n for n, _ in ports.values()}) < len(ports) or need + round(bw / per_port) > n_ports:
        return name, bw  # operands already take turns, or no port to spare
    return f"{name[0]}{need}", bw


def _port_bw(
    acc: Accelerator, cl: CompiledLayer, x: int, op: int, direction: str, memo: dict | None = None
) -> float:
    """Bandwidth of :func:`_port` (kept in ``memo``: it depends on the accelerator and layer only)."""
    return _cached_port(acc, cl, x, op, direction, memo)[1]


def _port_key(acc: Accelerator, cl: CompiledLayer, mv: Move, memo: dict | None = None) -> tuple[int, str]:
    """(first level of the physical memory, port name): virtual levels of one memory share its ports."""
    key = ("port key", mv.level, mv.operand, mv.direction)
    if memo is None or key not in memo:
        value = (
            _physical(acc, mv.level)[0],
            _cached_port(acc, cl, mv.level, mv.operand, mv.direction, memo)[0],
        )
        if memo is None:
            return value
        memo[key] = value
    found: tuple[int, str] = memo[key]
    return found


def _cached_port(
    acc: Accelerator, cl: CompiledLayer, x: int, op: int, direction: str, memo: dict | None
) -> tuple[str, float]:
    if memo is None:
        return _port(acc, cl, x, op, direction)
    key = ("port", x, op, direction)
    if key not in memo:
        memo[key] = _port(acc, cl, x, op, direction)
    found: tuple[str, float] = memo[key]
    return found


def _loading(
    acc: Accelerator,
    cl: CompiledLayer,
    ports: dict[tuple[int, str], list[Move]],
    per_op: dict,
    tile_bits_innermost: dict[int, int],
    computation: int,
    out_op: int,
    cpm: int,
    memo: dict | None = None,
) -> tuple[int, int]:
    """Data on-loading and off-loading cycles (ZigZag's calc_data_loading_latency)."""
    cycles: dict[tuple[int, int, str], float] = {}
    shared_by_inputs: dict[tuple[int, int, str], bool] = {}
    for key, ms in ports.items():
        ms = [m for m in ms if not (m.operand == out_op and m.direction in (RD_LOW, WR_HIGH)) and m.count > 0]
        once = [m for m in ms if m.count == 1]
        many = [m for m in ms if m.count > 1]
        inputs = {m.operand for m in ports[key] if m.operand != out_op}
        two = len(inputs) > 1
        bw = _port_bw(acc, cl, ms[0].level, ms[0].operand, ms[0].direction, memo) if ms else 1.0
        busy = sum(math.ceil(m.avg_bw / cpm) for m in many)
        surplus = max(0.0, (bw - busy) / bw * computation)
        floors = [math.ceil(tile_bits_innermost[m.operand] / bw) for m in once]
        left, _ = _reduce_ordered([float(m.real) for m in once], [float(f) for f in floors], surplus)
        for m, r in zip(once, left, strict=True):
            cycles[(m.operand, m.level, m.direction)] = r
            shared_by_inputs[(m.operand, m.level, m.direction)] = two
        for m in many:
            cycles[(m.operand, m.level, m.direction)] = m.real
            shared_by_inputs[(m.operand, m.level, m.direction)] = two
    ins = [i for i in range(len(cl.operands)) if i != out_op]
    indiv = dict.fromkeys(ins, 0.0)
    half = dict.fromkeys(ins, 0.0)
    shared = dict.fromkeys(ins, 0.0)
    for op in ins:
        chain = per_op[op]["_chain"][::-1]  # innermost first
        for z in range(len(chain) - 1):
            a = (op, chain[z], WR_HIGH)
            b = (op, chain[z + 1], RD_LOW)
            longest = max(cycles.get(a, 0.0), cycles.get(b, 0.0))
            sa, sb = shared_by_inputs.get(a, False), shared_by_inputs.get(b, False)
            if sa and sb:
                shared[op] += longest
            elif not sa and not sb:
                indiv[op] += longest
            else:
                half[op] = longest
    if len(ins) == 1:
        onload = indiv[ins[0]]
    else:
        p, q = ins[0], ins[1]
        onload = min(
            shared[p] + max(shared[q] + half[q] + indiv[q], half[p] + indiv[p]),
            shared[q] + max(shared[p] + half[p] + indiv[p], half[q] + indiv[q]),
        )
    chain = per_op[out_op]["_chain"][::-1]
    offload = sum(
        max(cycles.get((out_op, chain[z], RD_HIGH), 0.0), cycles.get((out_op, chain[z + 1], WR_LOW), 0.0))
        for z in range(len(chain) - 1)
    )
    return int(math.ceil(onload)), int(math.ceil(offload))


def imc_weight_loading_latency(
    cl: CompiledLayer, acc: Accelerator, loops: LoopArrays, counts: Counts
) -> dict[str, np.ndarray]:
    """Cycles [N] of a compute-in-memory layer by ZigZag-IMC's rule (``Conventions.imc_stalls_from_ports``
    off): the compute, plus one row-by-row write of the mapped rows for every time the weight cells are
    filled, the first fill included, and nothing else; the other memories' port stalls are not counted
    (KULeuven-MICAS/zigzag-imc, ``cost_model_for_sram_imc.py`` ``calc_latency``: ``SS_comb =
    nb_of_weight_reload_periods x mapped_rows_total x mapped_group_depth`` when the weights have more than
    one memory level, replacing the port model's stall). The fills per cell are the model's weight fills of
    the row-written level over its instances and tile; the rows are the unrolling's (as the conventions
    count them: :func:`carbonloop.model.capacity.imc_rows_used`)."""
    N = loops.N
    compute = counts.temporal_iterations.astype(np.int64) * acc.array.cycles_per_mac
    stall = np.zeros(N, dtype=np.int64)
    w = next((i for i, o in enumerate(cl.operands) if o.role == "W"), None)
    cells = next((x for x, m in enumerate(acc.memories) if m.written_by_rows), None)
    if w is not None and cells is not None and sum("W" in m.operands for m in acc.memories) > 1:
        words = counts.operand_tile_bits[:, cells, w] / np.maximum(counts.word_bits[:, cells, w], 1)
        per_fill = np.maximum(counts.instances[:, cells] * words, 1)
        periods = np.rint(counts.fills[:, cells, w] / per_fill).astype(np.int64)
        rows = np.clip(imc_rows_used(cl, loops, acc.conventions)[0], 1, None)
        stall = periods * rows.astype(np.int64) * np.maximum(np.rint(words).astype(np.int64), 1)
    zero = np.zeros(N, dtype=np.int64)
    return {"compute": compute, "stall": stall, "onload": zero, "offload": zero, "total": compute + stall}
