"""The mapper in bounded memory and time (issue #13): a memory ceiling changes how the search is cut
into chunks, never its result; divisors of any allowed size come at once; the budget stops the
enumeration of tilings too; sizes past the documented limits are refused with a SpecError."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import carbonloop.mapper.pool as pool_mod
from carbonloop.errors import SpecError
from carbonloop.hardware.library import load_accelerator
from carbonloop.mapper import Budget, Constraints, search_layer, search_network
from carbonloop.mapper.search import MAX_IMPERFECT_DIM
from carbonloop.model.evaluate import evaluate
from carbonloop.model.factors import divisors, is_prime, prime_factors
from carbonloop.workload import zoo
from carbonloop.workload.builders import conv1d, conv2d

# --- divisors and prime factors ---------------------------------------------------------------------


def _brute_divisors(n: int) -> tuple[int, ...]:
    return tuple(d for d in range(1, n + 1) if n % d == 0)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=20000))
def test_divisors_equal_trial_division_on_small_numbers(n):
    assert divisors(n) == _brute_divisors(n)
    f = prime_factors(n)
    assert math.prod(f) == n and f == sorted(f)
    assert all(len(_brute_divisors(p)) == 2 for p in f)  # each factor is prime by trial division


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=2, max_value=10**6), st.integers(min_value=2, max_value=10**6))
def test_divisors_of_products_are_closed_and_complete(a, b):
    """Every divisor divides n, and a x b's divisors include every product of a divisor of a and of b."""
    n = a * b
    ds = divisors(n)
    assert all(n % d == 0 for d in ds) and list(ds) == sorted(set(ds))
    da, db = set(divisors(a)), set(divisors(b))
    assert {x * y for x in (1, a) for y in db} <= set(ds)
    assert da <= set(ds) and db <= set(ds)


def test_divisors_of_large_numbers():
    # 10^12 = 2^12 x 5^12: (12 + 1)^2 = 169 divisors, every 2^i 5^j
    assert divisors(10**12) == tuple(sorted(2**i * 5**j for i in range(13) for j in range(13)))
    # 2^40: its 41 powers of two
    assert divisors(2**40) == tuple(2**i for i in range(41))
    # 1000000000039 is the smallest 13-digit prime and 999999999989 the largest 12-digit prime
    # (OEIS A003617 and A003618); 1000003 is the smallest 7-digit prime (A003617)
    assert divisors(1_000_000_000_039) == (1, 1_000_000_000_039)
    assert is_prime(999_999_999_989) and is_prime(1_000_003)
    n = 999_999_999_989 * 1_000_003
    assert divisors(n) == (1, 1_000_003, 999_999_999_989, n)
    assert prime_factors(2**61 - 1) == [2**61 - 1]  # a Mersenne prime
    with pytest.raises(ValueError):
        divisors(0)


# --- a memory ceiling gives the same result --------------------------------------------------------

CASES = [
    ("resnet8", 1, "tpu_like", "edp", "objective"),
    ("resnet8", 2, "os_array_16x16", "edp", "objective"),
    ("ds_cnn", 1, "aimc_28nm", "latency", "objective"),
    ("resnet8", 2, "two_level", "weighted:a=1,b=0.5", "objective"),
]


@pytest.mark.parametrize("net,index,preset,objective,mode", CASES)
def test_a_tiny_memory_ceiling_gives_the_same_optimum_and_mapping(
    monkeypatch, net, index, preset, objective, mode
):
    """With 64-row chunks (so that small layers need several passes) and a ceiling of one byte (the
    floors: 64 tilings kept per pass, 64 rows per model call) the search takes several passes over
    its pools and finds exactly what one pass with everything in memory finds."""
    monkeypatch.setattr(pool_mod, "CHUNK_ROWS", 64)
    layer = zoo.get(net).layers[index]
    acc = load_accelerator(preset)
    passes: list[bool] = []
    select = pool_mod.Pool.select

    def spy(self, run, after):
        sel = select(self, run, after)
        passes.append(sel.complete)
        return sel

    monkeypatch.setattr(pool_mod.Pool, "select", spy)
    whole = search_layer(layer, acc, objective, mode=mode, max_memory_bytes=2**40)
    assert all(passes), "with everything in memory every pass is complete"
    passes.clear()
    tiny = search_layer(layer, acc, objective, mode=mode, max_memory_bytes=1)
    assert not all(passes), "the premise: the tiny ceiling needs more than one pass somewhere"
    assert whole.optimal and tiny.optimal
    assert tiny.value == whole.value
    assert tiny.mapping == whole.mapping
    assert tiny.evaluated == whole.evaluated
    assert [(p.energy_pj, p.latency_cycles) for p in tiny.front] == [
        (p.energy_pj, p.latency_cycles) for p in whole.front
    ]
    assert (tiny.energy_floor_pj, tiny.latency_floor_cycles) == (
        whole.energy_floor_pj,
        whole.latency_floor_cycles,
    )


def test_a_network_under_a_tiny_ceiling_matches_the_default(monkeypatch):
    """Network EDP: the first pass per layer, then the hull pass over a lambda range (mode "hull"),
    with 64-row chunks: a one-byte ceiling (several passes) gives the same mappings and numbers."""
    monkeypatch.setattr(pool_mod, "CHUNK_ROWS", 64)
    passes: list[bool] = []
    select = pool_mod.Pool.select

    def spy(self, run, after):
        sel = select(self, run, after)
        passes.append(sel.complete)
        return sel

    monkeypatch.setattr(pool_mod.Pool, "select", spy)
    net = zoo.get("ds_cnn")
    acc = load_accelerator("edge_tpu_like")
    a = search_network(net, acc, "edp", max_memory_bytes=2**40)
    passes.clear()
    b = search_network(net, acc, "edp", max_memory_bytes=1)
    assert not all(passes), "the premise: the tiny ceiling needs more than one pass somewhere"
    assert a.value == b.value and a.optimal and b.optimal
    assert [c.mapping for c in a.layers] == [c.mapping for c in b.layers]
    assert a.per_layer_value == b.per_layer_value and a.per_layer_value is not None
    assert (a.lambda_lo, a.lambda_hi) == (b.lambda_lo, b.lambda_hi) and a.lambda_lo is not None
    assert a.network_gain == b.network_gain == 1 - a.value / a.per_layer_value


def test_max_memory_bytes_must_be_a_positive_integer():
    layer = conv1d(M=8, P=8, R=3)
    acc = load_accelerator("two_level")
    for bad in (0, -5, 1.5, True):
        with pytest.raises(SpecError, match="max_memory_bytes"):
            search_layer(layer, acc, "edp", max_memory_bytes=bad)  # type: ignore[arg-type]


# --- sizes past what trial division could do, and the limits -----------------------------------------


@pytest.mark.parametrize("m", [10**12, 1_000_000_000_039, 2**40])
def test_huge_dims_are_mapped_at_once_with_perfect_factors(m):
    """conv1d with M = 10^12 (the issue's case: it printed nothing in 120 s), a 13-digit prime and 2^40.
    Perfect factors are divisors, so the loops of M over the levels and the array multiply to M."""
    layer = conv1d(M=m, P=16, R=3)
    acc = load_accelerator("two_level")
    res = search_layer(layer, acc, "edp")
    assert res.optimal
    m_factors = [lp.factor for lv in res.mapping.levels for lp in lv.temporal if lp.dim == "M"]
    m_factors += [
        lp.factor for lv in res.mapping.levels for _, loops in lv.spatial for lp in loops if lp.dim == "M"
    ]
    assert math.prod(m_factors) == m
    assert all(m % f == 0 for f in m_factors)
    cost = evaluate(layer, acc, res.mapping)
    assert res.value == pytest.approx(cost.energy_pj * cost.latency_cycles, rel=1e-12)


def test_sizes_past_the_limits_are_refused_with_a_spec_error():
    acc = load_accelerator("two_level")
    with pytest.raises(SpecError, match=r"layers\.conv1d\.dims: .*2\*\*53"):
        search_layer(conv1d(M=2**50, P=2**4, R=3), acc, "edp")  # 3 x 2^54 MACs
    with pytest.raises(SpecError, match=r"layers\.conv1d\.dims\.M: .*imperfect"):
        search_layer(conv1d(M=MAX_IMPERFECT_DIM + 1, P=4, R=3), acc, "edp", imperfect=True)


# --- the budget bounds the enumeration too -----------------------------------------------------------


def test_a_spent_budget_stops_the_enumeration_of_tilings(monkeypatch):
    """Budget(seconds=0) with 64-row model calls: the first pool bounds one call's tilings, scores the
    best of them (a result must exist) and stops; its lower bound is below the true optimum."""
    layer = conv2d("c", K=32, C=32, OY=16, OX=16, FY=3, FX=3)
    acc = load_accelerator("tpu_like")
    calls = []
    bound = pool_mod.Pool._bound

    def spy(self, s, F):
        calls.append(F.shape[0])
        return bound(self, s, F)

    monkeypatch.setattr(pool_mod.Pool, "_bound", spy)
    quick = search_layer(layer, acc, "edp", budget=Budget(seconds=0.0), max_memory_bytes=1)
    assert len(calls) == 1 and calls[0] <= 64
    assert not quick.optimal and 0 < quick.gap <= 1
    monkeypatch.setattr(pool_mod.Pool, "_bound", bound)
    full = search_layer(layer, acc, "edp", constraints=Constraints())
    assert full.optimal
    assert quick.lower_bound <= full.value * (1 + 1e-9) <= quick.value * (1 + 1e-9)
