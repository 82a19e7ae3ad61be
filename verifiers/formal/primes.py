"""Primality of constants, decided only by methods proven for the size of the number.

`primality(n)` returns one of three frozen outcomes:

* `IsPrime(n, method)`: proven prime: trial division (n < 10^6), Miller-Rabin with the first 13
  prime bases below their proven bound ψ13 = 3317044064679887385961981 (Sorenson and Webster,
  "Strong pseudoprimes to twelve prime bases", Math. Comp. 2017), or a Pocklington certificate
  (n - 1 factored past √n, every factor proven prime the same way);
* `NotPrime(n, factor, witness)`: n < 2, or proven composite: a nontrivial factor when one is found
  (trial division, then bounded Pollard rho and elliptic-curve factoring), otherwise a Miller-Rabin witness base (a strong
  witness is itself a proof of compositeness);
* `PrimalityUnknown(n, reason)`: above ψ13, Miller-Rabin found no witness and no certificate was
  found within the work bounds.  Callers must not treat this as prime.

Everything is bounded (trial division limit, Pollard rho steps, number of ECM curves, certificate recursion depth), and
deterministic (fixed seeds), so the same number always gets the same outcome.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

SMALL_LIMIT = 10**6  # below this, trial division up to 1000 decides
TRIAL_LIMIT = 1000
MR_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
PSI_13 = 3317044064679887385961981  # smallest strong pseudoprime to all of MR_BASES
ECM_CURVES = 16  # bounded elliptic-curve factoring (sympy.ntheory.ecm)
RHO_STEPS = 50_000  # bounded Pollard rho, for factors up to about 10^9
CERT_DEPTH = 6
MAX_BITS = 4096  # larger numbers are not tested at all


@dataclass(frozen=True)
class IsPrime:
    n: int
    method: str


@dataclass(frozen=True)
class NotPrime:
    n: int
    factor: int | None  # a nontrivial factor, when one was found
    witness: int | None = None  # a Miller-Rabin witness base otherwise

    @property
    def proof(self) -> str:
        if self.factor is not None:
            return f"{self.factor} · {self.n // self.factor}"
        if self.n < 2:
            return f"{self.n} < 2"
        return f"Miller-Rabin witness {self.witness}"


@dataclass(frozen=True)
class PrimalityUnknown:
    n: int
    reason: str


Primality = Union[IsPrime, NotPrime, PrimalityUnknown]


def _small_factor(n: int) -> int | None:
    for p in range(2, min(TRIAL_LIMIT, math.isqrt(n)) + 1):
        if n % p == 0:
            return p
    return None


def warm() -> None:
    """Import the number theory this module uses (sympy.ntheory), so callers can pay for it outside a timed check."""
    import sympy.ntheory  # noqa: F401


def _prime_factors(n: int) -> list[int]:
    """Prime factors of n found by bounded ECM (probable primes; callers prove what they rely on)."""
    from sympy.ntheory import ecm

    try:
        return sorted(int(f) for f in ecm(n, B1=10_000, B2=100_000, max_curve=ECM_CURVES, seed=1234))
    except ValueError:  # "Increase the bounds": not fully factored within the curves
        return []


def _find_factor(n: int) -> int | None:
    """A nontrivial factor: bounded Pollard rho (small factors), then bounded ECM (two large factors)."""
    from sympy.ntheory.factor_ import pollard_rho

    f = pollard_rho(n, retries=1, seed=1234, max_steps=RHO_STEPS)
    if f and 1 < f < n:
        return int(f)
    return next((f for f in _prime_factors(n) if 1 < f < n), None)


def _mr_witness(n: int) -> int | None:
    """First base of MR_BASES that proves n composite (n odd, > 41)."""
    from sympy.ntheory.primetest import mr

    for a in MR_BASES:
        if not mr(n, [a]):
            return a
    return None


def primality(n: int, depth: int = 0) -> Primality:
    """Prime, composite (with a factor when found) or unknown; never a guess."""
    if n < 2:
        return NotPrime(n, None)
    if n.bit_length() > MAX_BITS:
        return PrimalityUnknown(n, f"a {n.bit_length()}-bit number is too large to test")
    f = _small_factor(n)
    if f is not None:
        return NotPrime(n, None) if f == n else NotPrime(n, f)
    if n < SMALL_LIMIT:
        return IsPrime(n, "trial division")
    witness = _mr_witness(n)
    if witness is not None:
        return NotPrime(n, _find_factor(n), witness)
    if n < PSI_13:
        return IsPrime(n, "Miller-Rabin with bases 2..41 (proven below ψ13)")
    if depth < CERT_DEPTH and _pocklington(n, depth):
        return IsPrime(n, "Pocklington certificate")
    f = _find_factor(n)
    if f is not None:
        return NotPrime(n, f)
    return PrimalityUnknown(n, "no Miller-Rabin witness and no primality certificate within the work bounds "
                               f"(Miller-Rabin is proven only below {PSI_13})")


def _pocklington(n: int, depth: int) -> bool:
    """n - 1 = F·R with F's prime factors proven prime and F² > n, plus Pocklington's condition per q | F."""
    m = n - 1
    factors: dict[int, int] = {}
    for p in range(2, TRIAL_LIMIT):
        while m % p == 0:
            factors[p] = factors.get(p, 0) + 1
            m //= p
    if m > 1 and _factored_part(factors) ** 2 <= n:
        for q in _prime_factors(m):
            if not isinstance(primality(q, depth + 1), IsPrime):
                continue
            while m % q == 0:
                factors[q] = factors.get(q, 0) + 1
                m //= q
    if _factored_part(factors) ** 2 <= n:
        return False
    for q in factors:
        if not any(pow(a, n - 1, n) == 1 and math.gcd(pow(a, (n - 1) // q, n) - 1, n) == 1
                   for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)):
            return False
    return True


def _factored_part(factors: dict[int, int]) -> int:
    F = 1
    for q, e in factors.items():
        F *= q**e
    return F
