"""Slicing a layer wider than the macro: weights across weight slots, inputs over several passes.

A CiM macro computes at its own precision: ``weight_bits`` per weight slot (the columns one weight
occupies, ceil(Bw_enc / bits_per_cell) of them, rule 1 of ``macro.py``) and ``input_bits`` per pass. A
layer of higher precision runs on it the way the macro's users run it, and the way CiMLoop models it
(T. Andrulis, J. S. Emer, V. Sze, "CiMLoop", IEEE ISPASS 2024, Sec. III-C "slicing and encoding"; ISAAC,
A. Shafiee et al., ISCA 2016, Sec. IV: a 16-bit weight over 8 cells of 2 bits, 16-bit inputs over 16
one-bit cycles, partial results merged by shift-and-add):

* the layer's weight is cut into ``weight_slots = ceil(Bw_layer / Bw_macro)`` slices of ``Bw_macro`` bits,
  each stored in its own weight slot (its own columns, its own conversions), so a row of ``cols`` slots
  holds ``cols // weight_slots`` layer weights; the slots' outputs are combined by a digital
  shift-and-add (slot j shifted by j x Bw_macro bits);
* the layer's input is cut into ``input_passes = ceil(Bi_layer / Bi_macro)`` slices of ``Bi_macro`` bits,
  each streamed through the macro as one pass of its own input slicing (bit-serial or multi-bit DAC), and
  the passes are accumulated digitally (pass j shifted by j x Bi_macro bits).

These are the column rule of ``bits_per_cell`` one level up: a weight slot is to a layer weight what a
cell column is to a macro weight. A digitally combined macro (one conversion per column, e.g. every ReRAM
bits-per-cell macro) is exactly the column rule at the layer's width; an analog-combined macro
(binary-weighted or C-2C capacitors) combines only its own slot's columns before a conversion, so the
slots add conversions and a shift-and-add. Each slot and pass sees the operand statistics the macro's
distributions describe (the spec's distributions, at the macro's precision).
"""

from __future__ import annotations

import math

from carbonloop.errors import SpecError

_SOURCE = "<cim macro>"


def slices_needed(layer_bits: int, macro_bits: int) -> int:
    """ceil(layer_bits / macro_bits), at least 1: a layer at or below the macro's precision is one slice."""
    if layer_bits < 1 or macro_bits < 1:
        raise SpecError(_SOURCE, "bits", f"precisions must be positive, got {layer_bits} and {macro_bits}")
    return max(1, math.ceil(layer_bits / macro_bits))


def weights_per_row(slots_per_row: int, weight_slots: int) -> int:
    """Layer weights a row of ``slots_per_row`` weight slots holds when each takes ``weight_slots``."""
    out = slots_per_row // weight_slots
    if out < 1:
        raise SpecError(
            _SOURCE,
            "layer_weight_bits",
            f"a weight needs {weight_slots} weight slots but a row has {slots_per_row}",
        )
    return out
