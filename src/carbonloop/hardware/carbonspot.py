"""The ``carbonspot`` hardware profile: CarbonSpot's three hardware families built as its study built them.

Source: Sun et al., "An Analytical Model for Performance-Carbon Co-Optimization of Edge AI Accelerators",
IEEE TCAD 2025, and its repository KULeuven-MICAS/carbonspot @ 0839b49 (``expr.py``: ``digital_array``,
``memory_hierarchy_dut_for_pdigital_os`` / ``_ws`` / ``_imc``, ``get_imc_param_setting``, ``adder_tree_delay``).

The templates (:func:`carbonloop.hardware.templates.digital`, :func:`carbonloop.hardware.imc.imc`) take
``profile=carbonloop`` (default: our own cost models) or ``profile=carbonspot``. Under ``carbonspot`` each
rule below replaces ours; ``carbonspot-<rule>-<rule>`` turns the named rules back to carbonloop's choice, so
``carbonloop validate carbonspot --by-assumption`` can measure each one alone. Rules shared by both
profiles (SRAM width, DRAM width and energy) are named functions here too, used by both.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.workload.layer import Layer, Role
from carbonloop.workload.network import Network

PROFILES = ("carbonloop", "carbonspot")

SRAM_READ_PORTS = 4
SRAM_WRITE_PORTS = 4
SRAM_SUB_BANKS = 16
"""CarbonSpot's SRAM: 4 read and 4 write ports, minimum access granularity ``bw / 16``."""
DFF_PJ_PER_BIT = 0.0021 * 0.9**2
"""A flip-flop bit's write: ``dff_cap x vdd^2`` = 2.1 fF x 0.81 V^2 = 0.001701 pJ (``tech_param_28nm``)."""
DFF_AREA_MM2_PER_BIT = 0.000003684
"""A flip-flop bit's area, ``dff_area`` = 6 x 0.614 um2 (``tech_param_28nm``)."""
PUBLISHED_WS_TREE_INPUT_BITS = 64
"""The WS adder tree's input width that CarbonSpot's published PE areas imply. Its notes state 16-bit
partial sums, but the published weight-stationary minus output-stationary PE area of every Tiny array
size (32 ... 1024) is exactly ``D2`` trees of ``N (b + 1) - (b + log2 N + 1)`` full adders with b = 64
(2010, 4089, 8248, 16567, 33206, 66485 adders per tree; tests/hardware/test_carbonspot_rules.py)."""


@dataclass(frozen=True)
class CarbonSpotRules:
    """Which of CarbonSpot's hardware rules are on (all ``True``: the ``carbonspot`` profile)."""

    sram_cost: bool = True
    """SRAM energy and area from a 32-bit CACTI access scaled to the width (costs/carbonspot_memory.py)
    instead of our CACTI fit at the SRAM's own width and depth."""
    ws_clock: bool = True
    """Weight-stationary clock = 5 ns + the column adder tree's delay (ours: 5 ns)."""
    register_area_once: bool = True
    """Per-PE registers' area counted once per register level, as CarbonSpot's area sum does (one
    memory instance per level; the published digital memory area is the SRAM plus 32 flip-flops). Ours
    counts every PE's registers."""
    ws_tree_area: bool = True
    """Weight-stationary adder trees as wide as CarbonSpot's published areas imply (64-bit inputs,
    :data:`PUBLISHED_WS_TREE_INPUT_BITS`) instead of the stated 16 bits."""
    imc_sram_ports: bool = True
    """IMC SRAM with 4 read + 4 write ports like the digital one (ours: 1 + 1)."""
    imc_cell_area: bool = True
    """IMC cell array area from CarbonSpot's CACTI rule for a ``rows x cols x Bw`` array read ``cols x Bw``
    at a time (ours: 0.25 um2 per bit closed form)."""
    imc_cell_write: bool = True
    """Writing a weight into the IMC cells costs one row write of the same CACTI cell array shared by the
    row's weights (:func:`carbonloop.hardware.imc.carbonspot_cell_write_pj`). Ours: the macro model's
    ``k C_bl V^2 sqrt(rows)`` per bit."""
    sram_granularity: bool = True
    """SRAM accesses rounded up to ``width // 16`` bits, CarbonSpot's 16 sub-banks (``expr.py``
    ``min_r_granularity = sram_bw // 16``; :func:`sram_access_granularity_bits`). Ours: no minimum."""
    per_operand_registers: bool = True
    """CarbonSpot's register file: one register per operand with its own sharing, ports and costs
    (:func:`carbonspot_registers`; digital W 8 b, I 8 b, O 16 b; IMC I ``Bi`` and O ``Bi + Bw`` b under the
    cells), read for free and written at ``dff_cap x vdd^2`` per bit. Ours (digital): one private 32-bit
    register per PE holding W, I and O, read and written at that energy; IMC: no registers."""
    weight_diagonal_mapping: bool = True
    """ZigZag's weight diagonal mapping (``enable_weight_diagonal_mapping=True`` in CarbonSpot's
    ``zigzag/api.py``): the WS and IMC input registers feed diagonals of PEs (``diagonal_inputs``), so
    the input register's axis D1 may unroll OX/OY (:func:`carbonspot_registers`). Off: D1 takes only dims
    the input ignores (K), and a depthwise layer leaves it idle. Acts only with ``per_operand_registers``
    (without it there is no input register of its own)."""
    zigzag_spatial_mapspace: bool = True
    """The spatial mapspace CarbonSpot's ZigZag searched: ``expr.py``'s hints (``zigzag_similation_and_
    result_storage``: D1 K, OX, OY and D2 C, FX, FY for WS, AIMC and DIMC; our IMC template otherwise
    follows ZigZag's IMC example, D1 K, OX) and as many dims mixed on one axis as it has hints (ZigZag's
    mixed spatial generation, ``enable_mix_spatial_mapping_generation=True`` in CarbonSpot's
    ``zigzag/api.py``; ``generate_mapping_single_oa_dim_mixed`` combines every hinted dim): the
    accelerator's ``hints.max_mixed`` (:data:`ZIGZAG_MAX_MIXED`). Off: carbonloop's mapper mixes at most
    2 dims per axis (its default, for speed)."""

    zigzag_spatial_generator: bool = True
    """The spatial unrollings CarbonSpot's ZigZag evaluated: not the mapspace but the one or two its
    generator builds per layer (``maximize_hardware_utilization=True`` in CarbonSpot's ``zigzag/api.py``:
    the single and mixed unrollings of each axis by size, the first legal combinations, then OX/OY added on
    the input register's axis; :mod:`carbonloop.mapper.zigzag_spatial`). The loop orders are still searched
    to the optimum. Off: carbonloop's mapper searches the whole spatial mapspace the hints allow. Acts only
    with ``zigzag_spatial_mapspace`` (the generator reads its hints)."""

    imc_no_wordline_energy: bool = True
    """AIMC macros without a wordline charge, as ZigZag-IMC's AIMC model has none (``ImcMacroSpec.
    wordline_energy``; zigzag-imc ``AimcArray.get_energy_for_a_layer``: DACs, bitlines, multipliers, ADCs,
    place-value adders, accumulators). Off: our macro model's ``C_wl V^2`` per cell of a driven row per
    input bit."""
    sram_weights_when_network_fits: bool = True
    """Weight-stationary and IMC: the SRAM holds weights only when the whole network's fit it; otherwise
    they stream from DRAM straight into the weight registers or cells. CarbonSpot's ``expr.py``
    (``get_accelerator``: ``enable_weight_dram_removal = sram_size > workload_size``;
    ``memory_hierarchy_dut_for_pdigital_ws`` / ``_imc`` give the SRAM ``I1, I2, O`` and the DRAM ``I1, O``
    when it is on, the SRAM ``I1, O`` and the DRAM all three when it is off); its output-stationary SRAM
    always holds them. The accelerator carries it as ``hints.sram_weights: when_network_fits``, applied
    per network by :func:`hardware_for_network`. Off: the SRAM may hold weight tiles whatever the network."""

    @property
    def name(self) -> str:
        """``carbonspot`` or ``carbonspot-<rule off>-...`` (parsed back by :func:`rules_from_profile`)."""
        off = [f.name for f in fields(self) if not getattr(self, f.name)]
        return "-".join(["carbonspot", *off])


RULES = tuple(f.name for f in fields(CarbonSpotRules))


def rules_from_profile(profile: str, source: str = "<template>") -> CarbonSpotRules | None:
    """``carbonloop`` -> None (our models); ``carbonspot`` -> every rule; ``carbonspot-a-b`` -> all but a, b."""
    if not isinstance(profile, str):
        raise SpecError(source, "profile", f"must be a name (got {profile!r})")
    if profile == "carbonloop":
        return None
    head, *off = profile.split("-")
    if head != "carbonspot":
        raise SpecError(source, "profile", f"unknown profile {profile!r} (known: {', '.join(PROFILES)})")
    unknown = [r for r in off if r not in RULES]
    if unknown:
        raise SpecError(
            source, "profile", f"unknown carbonspot rule {unknown[0]!r} (rules: {', '.join(RULES)})"
        )
    return replace(CarbonSpotRules(), **dict.fromkeys(off, False))


def digital_sram_width_bits(rows: int, cols: int, macros: int = 1) -> int:
    """SRAM port width of a digital array: one column's 8-bit inputs or one row's 16-bit outputs per cycle,
    ``max(D2 x 8 x D3, D1 x 16 x D3)``. Both profiles use it."""
    return max(cols * 8 * macros, rows * 16 * macros)


def imc_sram_width_bits(bitline: int, wordline: int, input_bits: int, weight_bits: int, macros: int) -> int:
    """SRAM port width of an IMC array: ``max(bitline x Bi x macros, wordline x (Bi + Bw) x macros)``."""
    return max(bitline * input_bits * macros, wordline * (input_bits + weight_bits) * macros)


def dram_width_bits(wordline: int, weight_bits: int = 8, macros: int = 1) -> int:
    """DRAM port width: one row of weights per cycle, ``D1 x 8 x D3`` (IMC: wordline x Bw x macros)."""
    return wordline * weight_bits * macros


def sram_access_granularity_bits(width_bits: int) -> int:
    """The smallest SRAM access CarbonSpot charges: ``bw // 16`` bits (16 sub-banks; ``expr.py``
    ``min_r_granularity = sram_bw // 16``), at least 1. Under the ``sram_granularity`` rule the templates
    give the SRAM this minimum read and write (``min_read_bits``/``min_write_bits``): the model rounds each
    transfer up to whole sub-banks (docs/model.md, "Minimum access")."""
    return max(1, width_bits // SRAM_SUB_BANKS)


@dataclass(frozen=True)
class OperandRegister:
    """One of CarbonSpot's per-operand registers: ``bits`` wide and deep (one element), ``ports`` read and
    ``ports`` write ports of ``bits`` each, shared (broadcast) along the array axes ``spans``."""

    operand: Role
    bits: int
    spans: tuple[str, ...]
    ports: int
    diagonal_inputs: bool = False
    """The register feeds diagonals of PEs (``MemoryLevel.diagonal_inputs``; the
    ``weight_diagonal_mapping`` rule)."""


REGISTER_FAMILIES = ("os", "ws", "imc")

ZIGZAG_MAX_MIXED = 3
"""Dims ZigZag mixes on one array axis under CarbonSpot's hints: every hinted dim of the axis (three on
each axis of its WS and IMC arrays: K, OX, OY and C, FX, FY)."""


def carbonspot_registers(
    family: str, input_bits: int = 8, weight_bits: int = 8, diagonal: bool = False
) -> tuple[OperandRegister, ...]:
    """CarbonSpot's per-operand registers of a hardware family, outermost level first.

    Source: KULeuven-MICAS/carbonspot @ 0839b49, ``expr.py`` ``memory_hierarchy_dut_for_pdigital_os`` /
    ``_ws`` / ``_imc``: ``reg_W1`` and ``rf_I1`` 8 b with 1 read + 1 write port, ``rf_O1`` 16 b (IMC:
    ``Bi + Bw``) with 2 + 2 (one pair to the level below, one to the level above); served dimensions
    OS: O none, W ``(0, 1, 0)`` = D2, I ``(1, 0, 0)`` = D1; WS: W none, I D1, O D2; IMC (below the weight
    cells): I along the wordline D1, O along the bitline D2, each macro its own (not along D3 = ``M``).

    The order is ours to choose (ZigZag has no level order; its mapper cuts each operand's chain at its
    own loop). A register of one element holds a temporal loop only if the loop is irrelevant to it, and
    a loop at a register level sits inside the tiles of every register level above it in the list. In a
    convolution every dim is relevant to at least two of W, I and O (K: W, O; C, FX, FY: W, I; OX, OY, B:
    I, O), so only the outermost register can hold a loop: the order names the stationary operand, and
    the order of the two below it changes nothing. OS keeps O outermost (partial sums stay in the PE across
    the reduction), WS keeps W outermost, IMC keeps W in the cells above both registers; the other orders
    were measured on Tiny layers (docs/validation.md, "per_operand_registers").

    ``diagonal`` (the ``weight_diagonal_mapping`` rule) makes the WS and IMC input registers feed diagonals
    of PEs, as ZigZag 3.9.1 does when ``enable_weight_diagonal_mapping`` is on
    (``zigzag/stages/mapping/spatial_mapping_generation.py``, ``add_input_pr_spatial_loop``): it needs the
    activation's innermost memory to serve exactly one array dim (I along D1: WS, IMC and OS alike) and the
    output's innermost memory to serve exactly one (O along D2: WS and IMC; OS keeps O private, served
    dims empty, so ZigZag leaves OS unchanged). Physically the diagonal's products of one output column
    are summed along the rows (the WS adder tree, the IMC bitline); OS has no such sum. So OS never gets
    it."""
    if family == "os":
        return (
            OperandRegister("O", 16, (), 2),
            OperandRegister("W", weight_bits, ("D2",), 1),
            OperandRegister("I", input_bits, ("D1",), 1),
        )
    if family == "ws":
        return (
            OperandRegister("W", weight_bits, (), 1),
            OperandRegister("I", input_bits, ("D1",), 1, diagonal),
            OperandRegister("O", 16, ("D2",), 2),
        )
    if family == "imc":
        return (
            OperandRegister("I", input_bits, ("D1",), 1, diagonal),
            OperandRegister("O", input_bits + weight_bits, ("D2",), 2),
        )
    raise SpecError(
        "<template>", "dataflow", f"no CarbonSpot registers for {family!r} ({', '.join(REGISTER_FAMILIES)})"
    )


def register_instances(spans: tuple[str, ...], axes: dict[str, int]) -> int:
    """How many copies of a register the array has: one per position along the axes it does not span."""
    n = 1
    for axis, size in axes.items():
        if axis not in spans:
            n *= size
    return n


def register_area_per_instance_mm2(bits: int, dff_area_mm2: float, instances: int, once: bool) -> float:
    """Area one register instance carries in the accelerator's sum (instances x this).

    ``once`` (CarbonSpot): the level's ``bits`` of flip-flops counted once in total, spread over the
    instances; otherwise every instance has its own."""
    per_pe = bits * dff_area_mm2
    return per_pe / instances if once else per_pe


ZIGZAG_OUTPUT_BITS = 16
"""The output width ZigZag v2 sizes a layer's outputs at when it decides what fits a memory: the ONNX
parser's ``operand_precision`` ``O: 16`` (``O_final: 8`` is the width after the reduction), and
``operand_size_bit = elements x operand_precision``."""


@dataclass(frozen=True)
class _ZigZagGraph:
    """The network as ZigZag v2's ``SearchUnusedMemoryStage`` sees it: layers with weights in order, each
    one's successors after weightless layers are bypassed, and which layers start or end a branch."""

    layers: tuple[Layer, ...]
    successors: dict[str, tuple[str, ...]]
    predecessors: dict[str, tuple[str, ...]]

    def at_branch(self, name: str) -> bool:
        nxt = self.successors[name]
        return len(nxt) > 1 or (len(nxt) == 1 and len(self.predecessors[nxt[0]]) > 1)


def _zigzag_graph(network: Network) -> _ZigZagGraph:
    """Weightless layers are ZigZag's dummy nodes (its ONNX parser keeps only layers with a constant
    operand): ``remove_dummy_nodes_in_workload`` links their producers to their consumers."""
    weighted = tuple(lay for lay in network.layers if lay.weight_bits > 0)
    names = {lay.name for lay in weighted}
    order = {lay.name: i for i, lay in enumerate(network.layers)}
    succ: dict[str, set[str]] = {lay.name: set() for lay in network.layers}
    for e in network.edges:
        succ[e.producer].add(e.consumer)

    def weighted_successors(name: str) -> tuple[str, ...]:
        out: set[str] = set()
        todo, seen = list(succ[name]), set()
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            if n in names:
                out.add(n)
            else:
                todo.extend(succ[n])
        return tuple(sorted(out, key=order.__getitem__))

    following = {lay.name: weighted_successors(lay.name) for lay in weighted}
    preceding = {n: tuple(p.name for p in weighted if n in following[p.name]) for n in names}
    return _ZigZagGraph(weighted, following, preceding)


def _io_bits(layer: Layer, output_bits: int) -> int:
    """A layer's inputs at their precision and outputs at ``output_bits`` (ZigZag's ``operand_size_bit``)."""
    inputs = sum(layer.footprint(o) * o.bits for o in layer.operands if o.role == "I")
    return inputs + layer.footprint(layer.output) * output_bits


def zigzag_sram_keeps_weights(
    network: Network, sram_bits: int, output_bits: int = ZIGZAG_OUTPUT_BITS
) -> bool:
    """ZigZag v2's weight rule, which CarbonSpot's study ran for every hardware family, output-stationary
    included: a memory that serves all array dimensions and weights, inputs and outputs keeps the whole
    network's weights (the levels above stop serving them) when, for at least one layer off a branch point,
    ``all weights + that layer's inputs + its outputs <= the memory's size``.

    Why: CarbonSpot's ``expr.py`` (KULeuven-MICAS/carbonspot @ 0839b49) removes DRAM from the weights'
    levels only in its weight-stationary and IMC templates, but its ZigZag pipeline
    (``zigzag/api.py``: ``SearchUnusedMemoryStage`` then ``RemoveUnusedMemoryStage``) lowers the weights' top
    level on any hardware: ``zigzag/classes/stages/SearchUnusedMemoryStage.py`` @ f514704,
    ``update_top_mem_level``, the branch for layers that neither start nor end a branch
    (``required_IO_data_size + weight_size_entire_workload <= avail_mem_size`` and
    ``check_if_mem_serve_all_oa_dims``). Its published output-stationary energy at 512 KiB (AutoEncoder,
    32x32: 4.61e5 pJ) is below the 7.82e6 pJ that reading the 264 192 weight bytes from DRAM once costs.

    Layers without weights are bypassed (:func:`_zigzag_graph`). A layer starts a branch when it feeds more
    than one layer, ends one when the layer it feeds has more than one producer; the last layer is tested
    too. Inputs count at the layer's input precision, outputs at ``output_bits``."""
    g = _zigzag_graph(network)
    total_w = sum(lay.weight_bits for lay in g.layers)
    return any(
        not g.at_branch(lay.name) and total_w + _io_bits(lay, output_bits) <= sram_bits for lay in g.layers
    )


def zigzag_activations_on_chip(
    network: Network, sram_bits: int, output_bits: int = ZIGZAG_OUTPUT_BITS
) -> dict[str, tuple[bool, bool]]:
    """ZigZag v2's activation rule: per layer with weights, whether its inputs and its outputs stay in the
    SRAM (``True``) or go to the level above (DRAM), as ``SearchUnusedMemoryStage.update_top_mem_level``
    (KULeuven-MICAS/carbonspot @ f514704) decides them with ``workload_data_always_from_top_mem`` off, as
    CarbonSpot's pipeline runs it.

    - A layer off a branch point keeps its outputs in the SRAM when its inputs plus outputs fit
      (``required_total_size_IO <= avail_mem_size``); a layer that starts or ends a branch sends them up.
    - The first layer's inputs follow the same test (the network's input is taken as already on chip);
      every other layer reads its inputs where its first producer left its outputs.
    - The last layer's outputs stay in the SRAM when they fit (nothing sends them off chip).

    carbonloop's own rule (:mod:`carbonloop.model.interlayer`) differs: an output stays on chip over its
    whole live range, branches included, when the resident data and each layer's weight tiles fit, and the
    network's input and output always cross DRAM. Weightless layers are bypassed (:func:`_zigzag_graph`)."""
    g = _zigzag_graph(network)
    out_on_chip: dict[str, bool] = {}
    result: dict[str, tuple[bool, bool]] = {}
    for i, lay in enumerate(g.layers):
        fits = not g.at_branch(lay.name) and _io_bits(lay, output_bits) <= sram_bits
        out_on_chip[lay.name] = fits
        preds = g.predecessors[lay.name]
        inp = fits if i == 0 or not preds else out_on_chip[preds[0]]
        result[lay.name] = (inp, fits)
    return result


def sram_holds_network_weights(network: Network, sram_bits: int) -> bool:
    """CarbonSpot's weight test for its WS and IMC hardware: the SRAM is larger than all the network's
    weights (``expr.py`` ``get_accelerator``: ``sram_size > workload_size``)."""
    return sram_bits > sum(lay.weight_bits for lay in network.layers)


SRAM_WEIGHTS_HINT = "sram_weights"
SRAM_WEIGHTS_WHEN_NETWORK_FITS = "when_network_fits"


def sram_weights_hint(rules: CarbonSpotRules | None) -> dict[str, str]:
    """The hint a weight-stationary or IMC template carries under ``sram_weights_when_network_fits``."""
    if rules is None or not rules.sram_weights_when_network_fits:
        return {}
    return {SRAM_WEIGHTS_HINT: SRAM_WEIGHTS_WHEN_NETWORK_FITS}


def hardware_for_network(acc: Accelerator, network: Network) -> Accelerator:
    """The accelerator as CarbonSpot builds it for ``network``: under ``hints.sram_weights:
    when_network_fits`` the on-chip level below DRAM keeps no weights unless it is larger than all of the
    network's weights (``sram_size > workload_size`` in ``expr.py``, in bits here), so the weights go from
    DRAM to the level below it. Any other accelerator is returned as it is."""
    hints = acc.hints if isinstance(acc.hints, dict) else {}
    rule = hints.get(SRAM_WEIGHTS_HINT)
    if rule is None:
        return acc
    if rule != SRAM_WEIGHTS_WHEN_NETWORK_FITS:
        raise SpecError(
            acc.name,
            f"hints.{SRAM_WEIGHTS_HINT}",
            f"unknown rule {rule!r} (known: {SRAM_WEIGHTS_WHEN_NETWORK_FITS})",
        )
    if len(acc.memories) < 3:
        raise SpecError(
            acc.name,
            f"hints.{SRAM_WEIGHTS_HINT}",
            "needs a level between the SRAM and the array to receive the weights from DRAM",
        )
    sram = acc.memories[1]
    if "W" not in sram.operands or sram.size_bits is None:
        return acc
    if sram_holds_network_weights(network, sram.size_bits):
        return acc
    kept = replace(sram, operands=sram.operands - {"W"})
    return replace(acc, memories=(acc.memories[0], kept, *acc.memories[2:]))
