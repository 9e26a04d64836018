"""User constraints on the mapspace and on the search (docs/mapper.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Constraints:
    """Limits on the mapspace (which mappings exist) and on the search order (which are visited first).

    - ``spatial``: fixed unrollings per array axis, ``{"X": [("K", 16)], "Y": [("C", 4), ("FX", 3)]}``;
      axes not named are searched.
    - ``hints``: dims allowed per axis (overrides ``dataflow`` and the accelerator's ``hints.spatial``).
    - ``dataflow``: ``output_stationary``/``os``, ``weight_stationary``/``ws``, ``input_stationary``/``is``,
      ``row_stationary``/``rs``: named per-axis hints (spatial.DATAFLOWS).
    - ``max_mixed``: at most this many dims unrolled together on one axis (None: the accelerator's
      ``hints.max_mixed``, else 2).
    - ``bypass``: also search which operands each inner level keeps (among those the hardware lets it
      keep); off, every level keeps every operand it can.
    - ``resident``: ``((level name, roles), ...)``, operands whose whole tensor that level holds for the layer
      (loaded before it and kept after it, as ZigZag's per-layer top memory level puts them): no loop
      relevant to them sits above the level, so they cross its upper boundary once, and the level's tile of
      them is the whole tensor (the capacity check sees it).
    - ``generated_spatial``: on an accelerator whose hints name a spatial generator (ZigZag's, under the
      ``carbonspot`` profile), search only the unrollings it builds; off, the hints' whole mapspace
      (what a layer falls back to when none of the generated unrollings fits: docs/mapper.md).
    - ``top_spatial`` / ``utilization_slack``: spatial candidates always searched: the best
      ``top_spatial`` by utilization, or (if set) every one within ``utilization_slack`` (a fraction) of
      the best. The others are searched only while their lower bound can still beat the best found.
    """

    spatial: dict[str, list[tuple[str, int]]] | None = None
    hints: dict[str, list[str]] | None = None
    dataflow: str | None = None
    max_mixed: int | None = None
    bypass: bool = False
    resident: tuple[tuple[str, tuple[str, ...]], ...] = ()
    generated_spatial: bool = True
    top_spatial: int = 3
    utilization_slack: float | None = None
