"""One colour and marker map for every figure of a sweep, static (matplotlib) and interactive (plotly).

A colour belongs to a name (an accelerator type, a carbon component, an SRAM size), never to the position
of a trace in a panel, so every panel and its legend agree, and both renderers draw the same colours.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# colourblind-safe qualitative palette (Okabe & Ito, "Color Universal Design", 2008)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
TYPE_COLOURS = {"digital_os": PALETTE[0], "digital_ws": PALETTE[1], "aimc": PALETTE[2], "dimc": PALETTE[3]}
COMPONENT_COLOURS = {
    "operational": "#4C72B0",
    "idle_leakage": "#64B5CD",  # PA only: the chip idling between frames
    "epa": "#DD8452",
    "gpa": "#55A868",
    "mpa": "#C44E52",
    "dram": "#8172B3",
    "package": "#937860",
}
FRONT_COLOUR = "#000000"
NEUTRAL = "#808080"  # legend swatch of a marker whose points are coloured by another key
# matplotlib marker -> plotly symbol
MARKERS = {"digital_os": "o", "digital_ws": "s", "aimc": "^", "dimc": "D"}
PLOTLY_SYMBOLS = {"o": "circle", "s": "square", "^": "triangle-up", "D": "diamond", "x": "x"}
# viridis at 0, 1/4, 1/2, 3/4, 1 (matplotlib's colormap; van der Walt & Smith, 2015)
_VIRIDIS = ("#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725")


def marker(accel_type: str) -> str:
    """The matplotlib marker of an accelerator type (``x`` for a type this map does not know)."""
    return MARKERS.get(accel_type, "x")


def plotly_symbol(matplotlib_marker: str) -> str:
    """The plotly symbol drawing the same shape as a matplotlib marker."""
    return PLOTLY_SYMBOLS.get(matplotlib_marker, "circle")


def type_colours(types: Iterable[str]) -> dict[str, str]:
    """A colour per accelerator type: the fixed ones, then the rest of the palette in sorted order."""
    known = dict(TYPE_COLOURS)
    spare = [c for c in PALETTE if c not in known.values()]
    for i, t in enumerate(sorted(t for t in set(types) if t not in known)):
        known[t] = spare[i % len(spare)]
    return known


def _hex_rgb(h: str) -> tuple[int, int, int]:
    return int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)


def viridis(fraction: float) -> str:
    """Viridis at ``fraction`` in [0, 1], linearly between five anchors (close enough to tell sizes apart)."""
    f = min(max(fraction, 0.0), 1.0) * (len(_VIRIDIS) - 1)
    i = min(int(f), len(_VIRIDIS) - 2)
    a, b = _hex_rgb(_VIRIDIS[i]), _hex_rgb(_VIRIDIS[i + 1])
    t = f - i
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return f"#{r:02X}{g:02X}{bl:02X}"


def sram_colours(sizes: Sequence[float]) -> dict[float, str]:
    """One viridis colour per SRAM size, smallest darkest, spaced by rank (sizes grow by powers of 2)."""
    ordered = sorted(set(sizes))
    n = len(ordered)
    return {s: viridis(i / (n - 1) if n > 1 else 0.0) for i, s in enumerate(ordered)}
