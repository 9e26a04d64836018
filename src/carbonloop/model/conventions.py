"""Modelling conventions: where tools disagree on what to count, each choice is one named switch here.

The model (accesses, energy, latency) reads these switches and nothing else to decide between
conventions, so the mapper, which scores through the model, searches under any set of them unchanged.

Named sets:

- ``carbonloop`` (the default): the physically exact model. Every data movement is counted, words
  are charged in fractions of a level's width, partial sums are as wide as they need to be at each
  level, single-buffered levels stall compute while they refill, and every instance of every level
  leaks over the run time.
- ``timeloop``: the rules of Timeloop's model (NVlabs/timeloop, ``src/loop-analysis/nest-analysis.cpp``
  and ``src/model/buffer.cpp``), as checked on the 2020 ISPASS tutorial exercises' reference outputs
  (Accelergy-Project/timeloop-accelergy-exercises at 2d5510807128e9bd5f1cad0705cdf2ec4612fd4e). See
  docs/model.md for the size of each difference on a real layer.
- ``zigzag``: ZigZag 3.9.1's rules (partial-sum precision after its stationary merge-down, its per-port
  latency model, no leakage, its periodic counts: stationary register reads, mirrored partial-sum
  transfers, sums sent up at the parent's precision, word totals truncated); ``carbonspot`` is the ZigZag
  v2 that CarbonSpot's study ran (word totals kept fractional) with what the study did on top (latency
  without loading, weights on chip when the network's fit the SRAM).

Not yet a switch (docs/model.md lists it): Timeloop reads a spatial fan-out that feeds the MACs directly
once per fill. It occurs in none of the 17 validation cases.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from carbonloop.errors import SpecError


@dataclass(frozen=True)
class Conventions:
    """Named counting and costing rules (each ``True`` is the physically exact choice)."""

    name: str = "carbonloop"

    drain_reads: bool = True
    """Count a read at the child for every partial or final sum it sends up to its parent. Timeloop
    charges the parent's update only (its child-level reads are the read-modify-write reads)."""

    overlap_after_reset: bool = True
    """Credit the overlap of consecutive sliding-window tiles at every tile transition. Timeloop keeps
    the overlap only when the transition is a step of the innermost loop that moves the window (the
    tile's step): when an outer loop steps and inner loops reset, the whole new tile is fetched."""

    fractional_words: bool = True
    """Charge an access by the bits moved over the level's width (a 8-bit read from a 64-bit SRAM costs
    1/8 of a row access). Timeloop charges whole blocks: ``ceil(accesses / block_size)`` vector
    accesses per action, data space and instance, with ``block_size = width / datawidth``."""

    operand_word_bits: bool = True
    """Words are as wide as the operand's precision at that level (partial sums wider until the
    reduction completes). Timeloop uses each level's ``datawidth`` for every data space it holds."""

    ignore_cluster_size: bool = True
    """Every instance pays its own vector accesses. Timeloop shares a vector access among the
    ``cluster_size`` instances of a cluster: a level's ``width`` is the cluster's (each instance gets
    ``width / (datawidth x cluster_size)`` elements per access) and one access is paid per utilized
    cluster, ``min(instances in use, instances / cluster_size)`` (``carbonloop.model.instance_costs``)."""

    leakage_in_energy: bool = True
    """Add each level's static power over the layer's run time to its energy (leakage x instances x
    cycles x clock; pJ = mW x ns), as Timeloop does (NVlabs/timeloop ``src/model/buffer.cpp``, the
    ``leak`` action per instance-cycle): a chip leaks while it computes, so a slower mapping of the same
    accesses costs more energy and the mapper weighs that. Leakage only adds a non-negative term that
    grows with latency, so the mapper's energy bounds stay lower bounds (their latency is a lower bound
    too). ZigZag 3.9.1 and CarbonSpot leave leakage out of their energy (``zigzag/cost_model/cost_model.py``
    sums access and MAC energies only): their sets turn this off. The compute array's own leakage is not
    modelled (docs/model.md)."""

    leak_idle_instances: bool = True
    """Every physical instance of a level leaks over the run, used by the mapping or not. Timeloop leaks
    only the utilized instances (its stats: per-instance-cycle leakage x cycles x utilized instances; the
    Simba-like example's PEAccuBuffer, 48 of 64 instances used, prints 0.003416 x 48 x 225 792 =
    37 022.66 pJ)."""

    merge_overlapping_multicast: bool = True
    """A parent reads the union of its children's tiles once: sliding windows that overlap across a spatial
    fan-out share the overlap. Timeloop merges only children whose new data is identical (NVlabs/timeloop
    ``src/loop-analysis/nest-analysis.cpp``, ComputeAccurateMulticastedAccesses compares the children's
    deltas for equality), one spatial stage at a time (a stage: one array axis of one level); overlapping
    windows are each read in full. ZigZag merges the windows of the spatial unrolling but not a child's
    window in time with its neighbours': a level sends each child its whole tile times the children holding
    distinct data (``merge_spatial_windows``); ResNet-18's conv1 (FX unrolled 7 over a stride-2 OX loop in
    time): SRAM input reads 7 a cycle, not the window's 2 new ones."""

    merge_spatial_windows: bool = True
    """Read only where ``merge_overlapping_multicast`` is off: the spatially unrolled dims of a sliding
    window share their overlap wherever they are unrolled, each child's own tile still sent whole, as ZigZag
    counts (``decouple_pr_loop``, ``zigzag/mapping/mapping_assist_funcs.py``: the window dims unrolled at and
    below a memory level become its distinct offsets; the level's fan-out is their ratio to those below
    its child, rounded: ``mem_bw_boost``; the same in the ZigZag v2 of KULeuven-MICAS/carbonspot @ f514704).
    Off, Timeloop's rule: children merge only when their tiles are identical, one array stage at a time
    (:func:`carbonloop.model.accesses.distinct_child_tiles`). A depthwise layer on a compute-in-memory
    array, OX over the wordlines' D1 and FX over D2, reads OX + FX - 1 inputs a column, not OX x FX."""

    strided_diagonal_rows: bool = True
    """A compute-in-memory macro holds the distinct inputs of its unrolling in its rows: a diagonal mapping
    (OX over the wordline beside FX over the bitline) at stride s reads ``s (OX - 1) + FX`` input rows, and
    a mapping that needs more rows than the macro has cannot run. ZigZag-IMC counts ``OX + FX - 1`` rows
    whatever the stride (KULeuven-MICAS/zigzag-imc @ 49b125a ``DimcArrayUnit``:
    ``calculate_mapped_rows_total_when_diagonal_mapping_found`` adds ``OXu - 1`` rows to ``FXu``; its
    spatial generator checks the same count against the bitline), so a stride-2 depthwise layer gets a
    diagonal twice as wide as its rows allow, charged for fewer rows. Off: the rows at unit steps."""

    unpaired_wordline_rows: bool = True
    """A compute-in-memory macro gives every input its unrolling reads a row, so an output dim unrolled on
    the wordline (OX) takes rows of its own even when its window's kernel dim is not on the bitline: a 1x1
    kernel's OX pixels beside C on the bitline read OX x C inputs. ZigZag-IMC counts a mapping's rows from
    the bitline loops alone, adding ``OX - 1`` rows only to a kernel dim (FX) unrolled there
    (KULeuven-MICAS/zigzag-imc @ 49b125a ``DimcArrayUnit.get_mapped_oa_dim`` and
    ``calculate_mapped_rows_total_when_diagonal_mapping_found``: C has no window partner and adds none), so
    a pointwise layer with OX on the wordline is charged, fitted and reloaded as C rows, in its multiplier,
    DAC and wordline energy and its weight-loading cycles. Off under ``zigzag`` and ``carbonspot``."""

    imc_stalls_from_ports: bool = True
    """A compute-in-memory layer stalls on its memories' ports like any array (the latency model of the
    set). ZigZag-IMC, which CarbonSpot ran, replaces the stall of an IMC layer by the weight reloads alone:
    one row-by-row write of the mapped rows each time the cells are filled, the first fill included
    (:func:`carbonloop.model.zigzag_latency.imc_weight_loading_latency`); a layer whose inputs or outputs
    starve the macro is not slowed. Off under ``carbonspot``."""

    imc_runs_pool_and_add: bool = True
    """A compute-in-memory accelerator costs every layer of the workload, its additions and poolings too:
    the chip runs them (on the macro's periphery or its memories' path), so they take energy and cycles.
    ZigZag 3.9.1 skips layers of type ``Pooling`` and ``Add`` when the operational array is an IMC array
    (KULeuven-MICAS/zigzag 3.9.1 ``zigzag/stages/workload_iterator.py``, ``WorkloadStage.run``): they cost
    nothing and are not in its totals (its ONNX reader never makes them layers, on any array). Off under
    ``zigzag``: those layers are listed as not costed (``WorkloadResult.not_costed``). The ZigZag v2 that
    CarbonSpot ran has no such rule (it skips only dummy nodes), so ``carbonspot`` keeps it on."""

    refill_stalls: bool = True
    """A single-buffered level stalls compute while it refills, and the first tiles load and the last
    drain outside the steady state. Timeloop counts cycles as the slowest of compute and each level's
    bandwidth-limited transfer time, with no refill, load or drain cycles."""

    psum_width_by_level: bool = True
    """A level holds partial sums at their wide precision unless the loops below it cover the whole
    reduction. ZigZag (``zigzag/mapping/mapping.py``, ``get_psum_flags``) first sinks each level's innermost
    loops irrelevant to the outputs into the level below (an output stays in its register across them),
    then charges a level's outputs at the final precision when no reduction loop is left at or above it."""

    level_roofline_latency: bool = True
    """Latency from each level's traffic over its bandwidth with refills (``refill_stalls``). Without it,
    ZigZag's per-port model (``carbonloop.model.zigzag_latency``): transfer windows per operand and port,
    stall or slack per port, the worst port stalls the layer, plus on-loading and off-loading."""

    read_per_mac: bool = True
    """The innermost memory of an input operand is read for every MAC it feeds. ZigZag reads it once per
    run of the innermost temporal loops irrelevant to the operand (the word stays at the memory's output
    pins: ``mac_level_data_stationary_cycle``, KULeuven-MICAS/zigzag 3.9.1 ``zigzag/mapping/temporal_mapping.py``
    ``innermost_stationary_loop_merge_down``, the period of ``rd_out_to_low`` in ``zigzag/mapping/mapping.py``
    ``Mapping.calc_req_mem_bw_and_data_transfer_rate``; the same in the ZigZag v2 that CarbonSpot ran,
    KULeuven-MICAS/zigzag-imc @ 49b125a ``zigzag/classes/mapping/combined_mapping.py``)
    (:mod:`carbonloop.model.zigzag_counts`)."""

    first_update_needs_no_read: bool = True
    """The first sum a level receives for an output is written without reading anything back, and a child
    is sent nothing before its first sum. ZigZag mirrors the transfers of a level that holds partial sums
    (its ``psum_flag``): it reads a sum back for every update, the first included, and a child whose parent
    holds partial sums receives one for every sum it sends up (``zigzag/mapping/mapping.py``,
    ``calc_req_mem_bw_and_data_transfer_rate``: ``rd_out_to_low`` copies ``wr_in_by_low``, ``wr_in_by_high``
    copies ``rd_out_to_high``; zigzag-imc @ 49b125a the same). With a spatial reduction above a register that
    is a read and a write of the register every cycle (:mod:`carbonloop.model.zigzag_counts`)."""

    drain_reads_at_level_bits: bool = True
    """A read that sends sums up to the parent costs the level's own word (the partial sum's width where
    the level holds partial sums). ZigZag charges it at the precision the parent holds: final where no
    reduction is left at or above the parent (``zigzag/mapping/mapping.py``, ``calc_data_access``:
    ``rd_out_to_high`` precision; zigzag-imc @ 49b125a the same)."""

    fractional_word_totals: bool = True
    """Word counts are bits moved over the level's width, fractions kept. ZigZag 3.9.1 truncates each
    operand's, level's and direction's total to a whole number (``zigzag/cost_model/cost_model.py``,
    ``CostModelEvaluation._calc_memory_access``: ``int(...)``): a layer's 10 outputs of 8 b written to a
    512 b SRAM cost 0 words. The ZigZag v2 that CarbonSpot ran keeps the fraction (KULeuven-MICAS/carbonspot
    @ f514704, ``zigzag/classes/cost_model/cost_model.py``, ``calc_memory_word_access``), so the
    ``carbonspot`` set leaves this on."""

    padded_units_move_data: bool = True
    """A spatial loop padded past its dimension (ResNet-18's fc: K = 1000 as 16 units x 63 steps) moves
    its padded units' tiles too, so transfers and their latency are the padded ones. ZigZag 3.9.1 sizes
    the transfers that set its latency by the units holding real data, ``int(1000 / 63) = 15``
    (``zigzag/stages/mapping/spatial_mapping_conversion.py``, ``generate_limited_user_spatial_mapping``
    with ``allow_decimal_sm_loop_size`` off; applied in :mod:`carbonloop.model.zigzag_latency`). Its
    energy takes the fraction, 1000 / 63 = 15.87 units, which carbonloop does not model (it counts the
    padded accesses: +0.8 % on that fc). The ZigZag v2 that CarbonSpot ran rounds up instead
    (KULeuven-MICAS/carbonspot @ f514704 ``zigzag/classes/stages/SpatialMappingConversionStage.py``:
    ``int(np.ceil(...))``), as carbonloop does, so ``carbonspot`` leaves this on."""

    loading_in_latency: bool = True
    """Count loading the first tiles and draining the last in the latency. CarbonSpot reads ZigZag's
    ``latency_total0`` ("computation": ideal cycles plus stalls) and leaves both out."""

    weights_from_dram: bool = True
    """Every layer fetches its weights from the outermost level. CarbonSpot (KULeuven-MICAS/carbonspot @
    0839b49, ``expr.py``, ``memory_hierarchy_dut_for_pdigital_ws`` / ``_imc``) builds weight-stationary and
    IMC hardware whose DRAM does not serve weights when the SRAM is larger than the network's weights: they
    never come from DRAM. Its output-stationary template keeps DRAM serving weights, but the ZigZag v2 the
    study ran drops it anyway when all the network's weights plus one non-branch layer's inputs and outputs
    fit the SRAM (``SearchUnusedMemoryStage``; :func:`carbonloop.hardware.carbonspot.zigzag_sram_keeps_weights`):
    the published OS energies at 512 KiB are below what the weights' DRAM reads alone cost (AutoEncoder 32x32:
    4.61e5 pJ against 7.82e6 pJ). A network-level rule, applied by
    :func:`carbonloop.model.interlayer.keep_activations_on_chip` (which applies the OS part once it calls
    ``zigzag_sram_keeps_weights`` for output-stationary hardware; issue 15)."""

    activations_by_live_range: bool = True
    """An output stays on chip for its consumers when it fits beside everything resident over its whole live
    range, branches included, and the network's input and last output cross DRAM
    (:func:`carbonloop.model.interlayer.keep_activations_on_chip`, after the layers are mapped). ZigZag v2,
    as CarbonSpot ran it, fixes each layer's top memory level per operand before mapping
    (``SearchUnusedMemoryStage.update_top_mem_level``, KULeuven-MICAS/carbonspot @ f514704): a layer off a
    branch point keeps its inputs and outputs in the SRAM when they fit it, its consumer reads them there,
    the first layer's input and the last layer's output included; a layer that starts or ends a branch
    sends its outputs to DRAM. The mapper then holds those operands (and resident weights) whole in the
    SRAM (:mod:`carbonloop.pipeline.top_memory`)."""

    network_objective: bool = True
    """An objective that does not decompose over layers (EDP) is minimized for the network, (sum E) x
    (sum L) (:func:`carbonloop.mapper.network.search_network`, exact over each layer's hull). ZigZag
    minimizes each layer's own (its reduce stage, e.g. ``MinimalEDPStage``, runs inside ``WorkloadStage``,
    once per layer: KULeuven-MICAS/zigzag 3.9.1 ``zigzag/api.py``; the same stage order in the ZigZag v2
    CarbonSpot ran) and sums the layers' bests."""

    def describe(self) -> dict[str, bool]:
        """The switches and their values (for reports and JSON)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "name"}


CARBONLOOP = Conventions()
TIMELOOP = Conventions(
    name="timeloop",
    drain_reads=False,
    overlap_after_reset=False,
    fractional_words=False,
    operand_word_bits=False,
    ignore_cluster_size=False,
    leakage_in_energy=True,
    leak_idle_instances=False,
    merge_overlapping_multicast=False,
    merge_spatial_windows=False,
    refill_stalls=False,
)

ZIGZAG = Conventions(
    name="zigzag",
    unpaired_wordline_rows=False,
    strided_diagonal_rows=False,
    merge_overlapping_multicast=False,
    leakage_in_energy=False,
    psum_width_by_level=False,
    level_roofline_latency=False,
    read_per_mac=False,
    first_update_needs_no_read=False,
    drain_reads_at_level_bits=False,
    fractional_word_totals=False,
    padded_units_move_data=False,
    network_objective=False,
    imc_runs_pool_and_add=False,
)
"""ZigZag 3.9.1's rules (KULeuven-MICAS/zigzag: ``zigzag/mapping/mapping.py``, ``zigzag/cost_model/cost_model.py``)."""
CARBONSPOT = Conventions(
    name="carbonspot",
    unpaired_wordline_rows=False,
    imc_stalls_from_ports=False,
    strided_diagonal_rows=False,
    merge_overlapping_multicast=False,
    leakage_in_energy=False,
    psum_width_by_level=False,
    level_roofline_latency=False,
    read_per_mac=False,
    first_update_needs_no_read=False,
    drain_reads_at_level_bits=False,
    loading_in_latency=False,
    weights_from_dram=False,
    activations_by_live_range=False,
    network_objective=False,
)
"""The ZigZag v2 CarbonSpot's study ran (KULeuven-MICAS/carbonspot @ f514704: fractional word totals, a padded
unrolling rounded up) with what the study did on top: latency without loading, weights resident when they fit."""

NAMED: dict[str, Conventions] = {c.name: c for c in (CARBONLOOP, TIMELOOP, ZIGZAG, CARBONSPOT)}


def get_conventions(
    name: str | Conventions, source: str = "<conventions>", field: str = "conventions"
) -> Conventions:
    """The named set of conventions (``carbonloop``, ``timeloop``, ``zigzag``, ``carbonspot``); a Conventions
    passes through."""
    if isinstance(name, Conventions):
        return name
    found = NAMED.get(str(name).strip().lower())
    if found is None:
        raise SpecError(source, field, f"unknown conventions {name!r} (known: {', '.join(NAMED)})")
    return found
