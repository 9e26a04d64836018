"""The mapper's limit on per-operand memories: evaluation of a given mapping only, this release.

The mapper enumerates one spatial placement shared by every operand (each axis
unrolled at the innermost level spanning it), sizes a level's tile from every loop below it, checks each
level's capacity on its own and never enumerates the order of virtual levels. On an accelerator whose
spans nest only per operand, or that splits a memory into virtual levels, those tiles and capacities
would be wrong, so its "proven optimum" would be wrong too: :func:`search_layer` refuses to search
there (and so every caller: the pipeline, the network search, the exploration).
"""

from __future__ import annotations

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator


def require_searchable(acc: Accelerator) -> None:
    """Raise a one-line SpecError when the mapper cannot search ``acc`` exactly (docs/model.md)."""
    why = []
    if not acc.spans_nested:
        why.append("its levels' spans nest only per operand")
    if acc.has_virtual_levels:
        groups = sorted({acc.memories[g[0]].physical_name for g in acc.physical_groups() if len(g) > 1})
        why.append(f"it splits {', '.join(repr(n) for n in groups)} into virtual levels")
    if why:
        raise SpecError(
            f"<accelerator {acc.name}>",
            "memories",
            "per-operand memories: evaluation of a given mapping only this release; the mapper cannot "
            f"search this accelerator yet ({' and '.join(why)}); give a mapping",
        )
