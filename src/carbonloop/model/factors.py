"""Prime factors and divisors of loop sizes, in time polynomial in the number of digits.

Trial division up to ``n`` (or even ``sqrt(n)``) takes minutes to hours for a dimension of 10^12 or a
large prime; the mapper must answer at once. Primality is decided by the Miller-Rabin test with the
first 13 primes as bases, which is deterministic below 3.3e24 (Sorenson and Webster, "Strong pseudoprimes
to twelve prime bases", Math. Comp. 86 (2017) 985-1003: the least strong pseudoprime to the first 13
prime bases is 3317044064679887385961981); composite parts are split with Brent's variant of Pollard's
rho (R. P. Brent, "An improved Monte Carlo factorization algorithm", BIT 20 (1980) 176-184), expected
time about n^(1/4) steps for the least factor, i.e. at most ~10^5 steps for the sizes allowed here.

Sizes above :data:`MAX_FACTOR_INT` are refused (ValueError): the mapper's own size limit is far below it.
"""

from __future__ import annotations

import math
from functools import lru_cache

MAX_FACTOR_INT = 3_317_044_064_679_887_385_961_980  # Miller-Rabin with 13 bases is exact below this
_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
_SMALL_PRIMES = (
    2,
    3,
    5,
    7,
    11,
    13,
    17,
    19,
    23,
    29,
    31,
    37,
    41,
    43,
    47,
    53,
    59,
    61,
    67,
    71,
    73,
    79,
    83,
    89,
    97,
)


def _check(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"expected a positive integer, got {n!r}")
    if n > MAX_FACTOR_INT:
        raise ValueError(f"{n} is above the factorization limit {MAX_FACTOR_INT}")


def is_prime(n: int) -> bool:
    """Deterministic Miller-Rabin for ``n <= MAX_FACTOR_INT``."""
    _check(n)
    if n < 2:
        return False
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for a in _BASES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _rho(n: int) -> int:
    """A non-trivial factor of the odd composite ``n`` (Brent's cycle detection, batched gcds)."""
    c = 1
    while True:
        y, r, q, g, m = 2, 1, 1, 1, 128
        x = ys = y
        while g == 1:
            x = y
            for _ in range(r):
                y = (y * y + c) % n
            k = 0
            while k < r and g == 1:
                ys = y
                for _ in range(min(m, r - k)):
                    y = (y * y + c) % n
                    q = q * abs(x - y) % n
                g = math.gcd(q, n)
                k += m
            r *= 2
        if g == n:  # the batch overshot: step back one at a time
            g = 1
            while g == 1:
                ys = (ys * ys + c) % n
                g = math.gcd(abs(x - ys), n)
        if g != n:
            return g
        c += 1  # a cycle without a factor: another polynomial


@lru_cache(maxsize=4096)
def _factorize(n: int) -> tuple[int, ...]:
    out: list[int] = []
    for p in _SMALL_PRIMES:
        while n % p == 0:
            out.append(p)
            n //= p
    stack = [n] if n > 1 else []
    while stack:
        m = stack.pop()
        if is_prime(m):
            out.append(m)
            continue
        f = _rho(m)
        stack.extend((f, m // f))
    return tuple(sorted(out))


def prime_factors(n: int) -> list[int]:
    """``12 -> [2, 2, 3]``, ascending, with multiplicity."""
    _check(n)
    return list(_factorize(n))


@lru_cache(maxsize=4096)
def _divisors(n: int) -> tuple[int, ...]:
    divs = [1]
    primes = _factorize(n)
    i = 0
    while i < len(primes):
        p, k = primes[i], 0
        while i < len(primes) and primes[i] == p:
            k += 1
            i += 1
        divs = [d * p**e for d in divs for e in range(k + 1)]
    return tuple(sorted(divs))


def divisors(n: int) -> tuple[int, ...]:
    """Every divisor of ``n``, ascending (at most 103,680 of them below 10^18)."""
    _check(n)
    return _divisors(n)
