"""ZigZag v2's spatial generator (``carbonloop.mapper.zigzag_spatial``), the ``zigzag_spatial_generator``
rule of the ``carbonspot`` profile: unrollings derived by hand, and the compute cycles CarbonSpot published
(Sun et al., IEEE TCAD 2025; KULeuven-MICAS/carbonspot @ f514704, its DSE results'
``lat_mac_computation_cycles``, shipped in ``carbonloop/explore/data/carbonspot_dse_results.csv``)."""

from __future__ import annotations

import dataclasses
import math
from importlib.resources import files

import pandas as pd
import pytest

from carbonloop.errors import SpecError
from carbonloop.hardware.imc import imc
from carbonloop.hardware.templates import digital
from carbonloop.mapper.constraints import Constraints
from carbonloop.mapper.search import search_layer
from carbonloop.mapper.spatial import spatial_candidates
from carbonloop.mapper.zigzag_spatial import _with_mixes, zigzag_spatial_unrollings
from carbonloop.model.conventions import get_conventions
from carbonloop.workload import zoo


def _profile(acc):
    return dataclasses.replace(acc, conventions=get_conventions("carbonspot"))


def _layer(network: str, name: str):
    return next(x for x in zoo.get(network).layers if x.name == name)


def test_a_mix_with_a_repeated_dim_replaces_the_smaller_mix():
    # C 4 and FX 3 on a 32-wide axis: factors C2, C2, FX3. (C2, FX3) = 6 is listed (the second C2 gives the
    # same mix); (C2, C2, FX3) merges to (C4, FX3) = 12, no smaller on either dim, so it replaces (C2, FX3)
    listed = _with_mixes([(("C", 4),), (("FX", 3),)], ["C", "FX"], 32)
    assert listed == [(("C", 4),), (("FX", 3),), (("C", 4), ("FX", 3))]


def test_depthwise_layer_on_the_imc_macro_gets_the_window_and_its_diagonal():
    # DS-CNN dw1 (64 groups, OY 25 x OX 5, FY 3 x FX 3) on CarbonSpot's 32x32 DIMC. D1 (the input register's
    # axis) takes K, OX, OY: K is 1 here and the 8-bit input register caps OX and OY at 8 / 8 = 1. D2 takes
    # FX 3, FY 3 and their mix 9, largest first: one unrolling (the next one, FX 3 alone, is a third event).
    # The diagonal then adds on D1 what the 32 rows of D2 can hold beside the window: OX 5 needs
    # (5 + 3 - 1) x 3 = 21 rows; OY 25 would need (25 + 3 - 1) x 3 = 81; OY 5 fits (21) but is no larger
    # than OX 5 (found first); OX 5 x OY 5 needs 7 x 7 = 49. So D1 OX 5.
    acc = _profile(imc("dimc", 32, 32, 1, 524288, profile="carbonspot"))
    assert zigzag_spatial_unrollings(_layer("ds_cnn", "dw1"), acc) == [
        {"D2": (("FX", 3), ("FY", 3)), "D1": (("OX", 5),)}
    ]


def test_the_top_size_keeps_both_unrollings_of_equal_size():
    # ResNet8 s1_conv1 (K 16, C 16, 3x3) on the 32x32 DIMC: D1 K 16; D2's largest mixes (C 8, FX 3) and
    # (C 8, FY 3), 24 each: both are yielded, then the next size stops the generator. Each gets its diagonal:
    # OX 2 beside (C 8, FX 3) needs 8 x (2 + 3 - 1) = 32 rows (OY's window is not on D2: one row), K 16 x OX 2
    # = 32 columns; the other takes OY 2 the same way
    acc = _profile(imc("dimc", 32, 32, 1, 524288, profile="carbonspot"))
    assert zigzag_spatial_unrollings(_layer("resnet8", "s1_conv1"), acc) == [
        {"D1": (("K", 16), ("OX", 2)), "D2": (("C", 8), ("FX", 3))},
        {"D1": (("K", 16), ("OY", 2)), "D2": (("C", 8), ("FY", 3))},
    ]


def test_output_stationary_keeps_its_unrolling_without_a_diagonal():
    # OS: the output register is private (no axis), so no diagonal. D1 K 32 (of 64); D2 OY 25 alone, then
    # OX 5 x OY 5 = 25 of the same size (both yielded)
    acc = _profile(digital(32, 32, 524288, "os", profile="carbonspot"))
    assert zigzag_spatial_unrollings(_layer("ds_cnn", "pw1"), acc) == [
        {"D1": (("K", 32),), "D2": (("OY", 25),)},
        {"D1": (("K", 32),), "D2": (("OX", 5), ("OY", 5))},
    ]


def test_the_mapper_searches_only_the_generated_unrollings():
    acc = _profile(imc("dimc", 32, 32, 1, 524288, profile="carbonspot"))
    layer = _layer("ds_cnn", "dw1")
    cands = spatial_candidates(layer, acc)
    assert [c.label() for c in cands] == ["D1:OX5 D2:FX3xFY3"]
    result = search_layer(layer, acc, "edp", budget=300)
    # 25 x 5 x 64 x 9 = 72 000 MACs over 5 x 9 = 45 PEs: 1 600 passes of 8 bit-serial cycles = 12 800
    assert result.cost.latency_breakdown_cycles["compute"] == 12_800
    # without the rule the mapper searches the mapspace and finds a faster unrolling
    free = _profile(imc("dimc", 32, 32, 1, 524288, profile="carbonspot-zigzag_spatial_generator"))
    assert len(spatial_candidates(layer, free)) > 1


TINY = {"ds_cnn": "ds_cnn", "mobilenet": "mobilenet_v1", "resnet8": "resnet8", "ae": "autoencoder"}
FAMILIES = {
    "pdigital_os": ("digital", "os"),
    "pdigital_ws": ("digital", "ws"),
    "AIMC": ("imc", "aimc"),
    "DIMC": ("imc", "dimc"),
}


def _published_compute_cycles() -> pd.DataFrame:
    with files("carbonloop.explore.data").joinpath("carbonspot_dse_results.csv").open() as fh:
        ref = pd.read_csv(fh)
    ref = ref[ref.workload.isin(list(TINY)) & ref.acc_type.isin(list(FAMILIES))]
    return ref[["workload", "acc_type", "dim", "lat_mac_computation_cycles"]].drop_duplicates()


def _generated_compute_cycles(network: str, acc) -> set[int]:
    """Every network total the generated unrollings can give (one per layer): passes x cycles a pass."""
    per_pass = acc.array.imc.cycles_per_mac_pass if acc.array.is_imc else 1
    totals = {0}
    for layer in zoo.get(network).layers:
        options = set()
        for unrolling in zigzag_spatial_unrollings(layer, acc):
            factor: dict[str, int] = {}
            for loops in unrolling.values():
                for d, f in loops:
                    factor[d] = factor.get(d, 1) * f
            options.add(math.prod(-(-n // factor.get(d, 1)) for d, n in layer.sizes.items()) * per_pass)
        totals = {t + o for t in totals for o in options}
    return totals


def test_compute_cycles_are_carbonspots_on_the_tiny_study():
    # The compute cycles depend on the spatial unrolling alone: CarbonSpot's published ones, for the four
    # Tiny networks on the four families at 32-1024, are reproduced exactly but for MobileNet at 64 and 128
    # on the diagonal families (ours 6 % fewer: a layer whose diagonal ZigZag takes smaller, not found yet;
    # docs/validation.md). A rule changed in the generator moves these totals by whole layers.
    rows = _published_compute_cycles()
    hits, misses = 0, []
    for r in rows.itertuples():
        family, kind = FAMILIES[r.acc_type]
        dim = int(r.dim)
        if family == "digital":
            acc = digital(dim, dim, 524288, kind, profile="carbonspot")
        else:
            acc = imc(kind, dim, dim, 1, 524288, profile="carbonspot")
        if int(r.lat_mac_computation_cycles) in _generated_compute_cycles(TINY[r.workload], _profile(acc)):
            hits += 1
        else:
            misses.append((r.workload, r.acc_type, dim))
    assert len(rows) == 96
    assert sorted(misses) == sorted(
        ("mobilenet", t, d) for t in ("AIMC", "DIMC", "pdigital_ws") for d in (64, 128)
    )
    assert hits == 90


def test_no_diagonal_without_the_diagonal_register():
    # the weight_diagonal_mapping rule off: the input register is an ordinary one, nothing is added on D1
    acc = _profile(digital(32, 32, 524288, "ws", profile="carbonspot-weight_diagonal_mapping"))
    assert zigzag_spatial_unrollings(_layer("ds_cnn", "dw1"), acc) == [{"D2": (("FX", 3), ("FY", 3))}]


def test_a_layer_whose_generated_unrolling_fits_nowhere_is_searched_over_the_mapspace():
    # AutoEncoder fc0 (K 128, C 640) on a 128x128 WS array with 8 KiB of SRAM: ZigZag's unrolling K 128 x
    # C 128 needs a 128 x 128 x 8 b = 16 KiB weight tile in the SRAM, which holds 8 KiB: no mapping of it
    # fits. The layer falls back to the hints' mapspace (the point is kept) and finds a smaller unrolling
    acc = _profile(digital(128, 128, 8192, "ws", profile="carbonspot"))
    layer = zoo.get("autoencoder").layers[0]
    assert zigzag_spatial_unrollings(layer, acc) == [{"D1": (("K", 128),), "D2": (("C", 128),)}]
    with pytest.raises(SpecError, match="every tile overflows"):
        search_layer(
            layer,
            acc,
            "edp",
            budget=300,
            constraints=Constraints(spatial={"D1": [("K", 128)], "D2": [("C", 128)]}),
        )
    result = search_layer(layer, acc, "edp", budget=300)
    assert 0 < result.cost.spatial_utilization < 1
