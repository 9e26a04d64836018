"""What a tile may occupy at each level: the one capacity rule every fit check uses.

A level's usable bits per instance are its size (half when double-buffered; unbounded for the outermost
level, the backing store of whole tensors). A *diagonal input register* (``MemoryLevel.diagonal_inputs``,
ZigZag's weight diagonal mapping) adds one rule that depends on the spatial unrolling:

- **Per instance**, for the fit only, it holds one word per position of the unrolling along its spans of
  the *diagonal dims* (dims the input depends on and the weight ignores: OX, OY): capacity x the product
  of those factors. Physically each PE along the span reads the register of its own diagonal (output
  ``ox`` reads input ``ox + fx``); the model's footprint counts those words at the register instance, and
  ZigZag 3.9.1 multiplies the innermost input memory's size by the same product
  (``zigzag/stages/mapping/spatial_mapping_generation.py``, ``modify_innermost_input_mem_size``) while
  keeping its costs (the original accelerator is restored for the cost report). So energy, area and
  leakage stay the register's own.
- **Ports**: each position of that unrolling is a register of its own (one row of the diagonal), so an
  instance moves its words through as many ports: its port bandwidths are multiplied by the same product
  for the latency (:func:`unrolled_accelerator`). The diagonal's rows are filled in parallel, one word each per
  step, which is what CarbonSpot's published weight-stationary latency shows (its DS-CNN depthwise layers
  run at the ideal cycles of the diagonal unrolling; docs/validation.md).
- **As a whole**, the register array holds every distinct input of the array's unrolling once, one word
  per register instance: the diagonal of ``OX_u`` outputs over ``FX_u`` weights needs ``OX_u + FX_u - 1``
  input rows, which must exist. This is ZigZag's check (3) in ``add_input_pr_spatial_loop`` (the rows the
  diagonal needs on the output-served dimension, ``(FX_u + OX_u - 1) x ...``, at most its size). Without a
  diagonal unrolling it always holds (each instance then feeds the PEs of one input).

Without a diagonal register every function here gives what the size alone gives.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.model.accesses import footprint
from carbonloop.model.conventions import Conventions
from carbonloop.model.nest import CompiledLayer, CompiledOperand, LoopArrays, unit_window_steps


def capacity_bits(acc: Accelerator) -> np.ndarray:
    """Usable bits per instance of each level [L] for any unrolling (half when double-buffered; inf when
    unbounded). The outermost level is the backing store of whole tensors: its size (the DRAM capacity the
    carbon model charges) does not limit tiles. A diagonal register's bits here are its own (the least it
    has under any unrolling: :func:`capacity_bits_for` gives more)."""
    out = []
    for i, m in enumerate(acc.memories):
        if m.size_bits is None or i == 0:
            out.append(np.inf)
        else:
            out.append(m.size_bits / (2 if m.double_buffered else 1))
    return np.array(out, dtype=float)


def has_diagonal_levels(acc: Accelerator) -> bool:
    """Some level is a diagonal input register (otherwise capacity does not depend on the unrolling)."""
    return any(m.diagonal_inputs for m in acc.memories)


def _operand(cl: CompiledLayer, role: str) -> CompiledOperand | None:
    return next((o for o in cl.operands if o.role == role), None)


def diagonal_dims(cl: CompiledLayer) -> tuple[int, ...]:
    """Dims (indices) relevant to the layer's input and irrelevant to its weight: the ones a diagonal may
    unroll along an input register's spans (a convolution's OX, OY and B). None without both operands
    (ZigZag skips a layer without one constant operand; a pooling layer has no weight to place)."""
    inputs, weights = _operand(cl, "I"), _operand(cl, "W")
    if inputs is None or weights is None:
        return ()
    return tuple(d for d in inputs.relevant_dims if d not in weights.relevant_dims)


def diagonal_factor(acc: Accelerator, cl: CompiledLayer, loops: LoopArrays, level: int) -> np.ndarray:
    """[N] the product of the diagonal dims' spatial factors on the axes ``level`` spans (1 for a level
    that is not a diagonal register)."""
    m = acc.memories[level]
    out = np.ones(loops.N, dtype=np.int64)
    dims = list(diagonal_dims(cl))
    if not m.diagonal_inputs or not dims:
        return out
    axes = acc.array.axis_names
    for a in m.spans:
        out *= loops.axis_extents(axes.index(a), cl.D)[:, dims].prod(axis=1)
    return out


def capacity_bits_for(acc: Accelerator, cl: CompiledLayer, loops: LoopArrays) -> np.ndarray:
    """Usable bits per instance of each level for each row's spatial unrolling [N, L]: the size, and a
    diagonal register's size times :func:`diagonal_factor`. The model's fit, the mapper's tilings and its
    bounds all read capacity here, so they agree."""
    base = capacity_bits(acc)
    out = np.broadcast_to(base[None, :], (loops.N, base.size))
    if not has_diagonal_levels(acc):
        return out
    out = out.copy()
    for x, m in enumerate(acc.memories):
        if m.diagonal_inputs:
            out[:, x] = base[x] * diagonal_factor(acc, cl, loops, x)
    return out


def diagonal_rows_fit(acc: Accelerator, cl: CompiledLayer, loops: LoopArrays) -> np.ndarray:
    """[N] bool: every diagonal register array holds the distinct inputs of the whole unrolling, one word
    per instance (``footprint(I) x bits <= size x instances``; the diagonal's ``OX_u + FX_u - 1`` rows, at
    stride s ``s (OX_u - 1) + FX_u`` unless ``Conventions.strided_diagonal_rows`` is off). All True without
    a diagonal register."""
    ok = np.ones(loops.N, dtype=bool)
    inputs = _operand(cl, "I")
    if not has_diagonal_levels(acc) or inputs is None:
        return ok
    if not acc.conventions.strided_diagonal_rows:
        inputs = unit_window_steps(inputs)
    need = footprint(inputs, loops.spatial_extents(cl.D)) * inputs.bits
    base = capacity_bits(acc)
    for x, m in enumerate(acc.memories):
        if m.diagonal_inputs:
            ok &= need <= base[x] * acc.instances(x)
    return ok


def diagonal_factors(acc: Accelerator, cl: CompiledLayer, loops: LoopArrays) -> np.ndarray:
    """[N, number of diagonal levels] :func:`diagonal_factor` of each diagonal register, in level order."""
    cols = [diagonal_factor(acc, cl, loops, x) for x, m in enumerate(acc.memories) if m.diagonal_inputs]
    return np.stack(cols, axis=1) if cols else np.ones((loops.N, 0), dtype=np.int64)


@lru_cache(maxsize=256)
def unrolled_accelerator(
    acc: Accelerator, factors: tuple[int, ...], rows_used: tuple[int, ...] = ()
) -> Accelerator:
    """``acc`` as one spatial unrolling sees it: each diagonal register's size and port bandwidths times its factor
    (``factors``, in level order; as ZigZag builds its ``-supporting-diagonal-map`` accelerator per spatial
    mapping), and each row-written cell level's write bandwidth times its rows over the rows the unrolling
    uses (``rows_used``, in level order: a refill rewrites those rows only, one a cycle), every cost
    unchanged. ``acc`` itself when nothing changes."""
    it, rows = iter(factors), iter(rows_used)
    memories = []
    for m in acc.memories:
        if m.diagonal_inputs:
            f = next(it)
            if f != 1:
                m = dataclasses.replace(
                    m,
                    size_bits=None if m.size_bits is None else m.size_bits * f,
                    read_bw_bits=m.read_bw_bits * f,
                    write_bw_bits=m.write_bw_bits * f,
                )
        elif m.written_by_rows and rows_used:
            used = next(rows)
            if used != m.written_by_rows:
                m = dataclasses.replace(m, write_bw_bits=m.write_bw_bits * m.written_by_rows / used)
        memories.append(m)
    if all(a is b for a, b in zip(memories, acc.memories, strict=True)):
        return acc
    return dataclasses.replace(acc, memories=tuple(memories))


def imc_rows_used(
    cl: CompiledLayer, loops: LoopArrays, conv: Conventions | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Macro rows, columns and macros a mapping occupies, and the rows each column sums: rows hold the
    distinct inputs of the wordline x bitline unrolling (a diagonal OX-on-wordline mapping needs
    FX + OX - 1 input rows; at stride s, s (OX - 1) + FX), a column sums the bitline unrolling's weights
    (FX of them). Under ``conv`` (default: carbonloop's), ``strided_diagonal_rows`` off counts a window's
    rows at unit steps, ``OX + FX - 1`` whatever the stride, and ``unpaired_wordline_rows`` off counts the
    rows from the bitline loops alone (:func:`bitline_rows`), as ZigZag-IMC does."""
    D = cl.D
    d1, d2, m = (loops.axis_extents(a, D) for a in range(3))
    inputs = next(o for o in cl.operands if o.role == "I")
    if conv is not None and not conv.unpaired_wordline_rows:
        rows = bitline_rows(cl, inputs, d1, d2)
    else:
        if conv is not None and not conv.strided_diagonal_rows:
            inputs = unit_window_steps(inputs)
        rows = footprint(inputs, d1 * d2)
    return rows, d1.prod(axis=1), m.prod(axis=1), d2.prod(axis=1)


def bitline_rows(cl: CompiledLayer, inputs: CompiledOperand, d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """[N] ZigZag-IMC's rows: the product of the bitline loops, each kernel dim of a window (FX, the one
    the weights read) widened by its output partner's wordline loops less one (``FX + OX - 1``, unit
    steps); an output dim on the wordline whose kernel dim is not on the bitline adds nothing."""
    weights = next((o for o in cl.operands if o.role == "W"), None)
    kernel_of = {}
    if weights is not None:
        for dims, _ in inputs.axes:
            if len(dims) == 2:
                a, b = dims
                if a in weights.relevant_dims and b not in weights.relevant_dims:
                    kernel_of[a] = b
                elif b in weights.relevant_dims and a not in weights.relevant_dims:
                    kernel_of[b] = a
    rows = np.ones(d2.shape[0], dtype=np.int64)
    for d in range(cl.D):
        on_bitline = d2[:, d]
        if d in kernel_of:
            on_bitline = np.where(on_bitline > 1, on_bitline + d1[:, kernel_of[d]] - 1, 1)
        rows = rows * on_bitline
    return rows


def rows_written(acc: Accelerator, cl: CompiledLayer, loops: LoopArrays) -> np.ndarray:
    """[N] the macro rows each mapping's weights occupy, the rows a refill of row-written cells rewrites
    (``MemoryLevel.written_by_rows``): the rows of the unrolling (:func:`imc_rows_used`), at most the
    macro's. Empty ([N, 0]) without such a level."""
    levels = [m.written_by_rows for m in acc.memories if m.written_by_rows]
    if not levels or not acc.array.is_imc:
        return np.ones((loops.N, 0), dtype=np.int64)
    rows = imc_rows_used(cl, loops, acc.conventions)[0]
    return np.stack([np.clip(rows, 1, n) for n in levels], axis=1).astype(np.int64)


def unrolling_groups(
    acc: Accelerator, cl: CompiledLayer, loops: LoopArrays
) -> list[tuple[Accelerator, np.ndarray]]:
    """The rows [N] grouped by the accelerator their unrolling sees (:func:`unrolled_accelerator`): one
    group of every row with ``acc`` itself when no level is a diagonal register or row-written cells."""
    rows = rows_written(acc, cl, loops)
    if not has_diagonal_levels(acc) and rows.shape[1] == 0:
        return [(acc, np.arange(loops.N))]
    factors = diagonal_factors(acc, cl, loops)
    n_diag = factors.shape[1]
    keys, inverse = np.unique(np.concatenate([factors, rows], axis=1), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    return [
        (
            unrolled_accelerator(
                acc, tuple(int(f) for f in key[:n_diag]), tuple(int(r) for r in key[n_diag:])
            ),
            np.flatnonzero(inverse == g),
        )
        for g, key in enumerate(keys)
    ]
