"""Primality of constants: proven methods only, a factor for composites, unknown past the bounds."""

from __future__ import annotations

import random

import sympy

from mathagent.verifiers.formal import primes
from mathagent.verifiers.formal.primes import IsPrime, NotPrime, PrimalityUnknown, primality


def test_small_numbers_agree_with_trial_division():
    for n in range(0, 3000):
        r = primality(n)
        assert isinstance(r, IsPrime) == sympy.isprime(n), n
        if isinstance(r, NotPrime) and r.factor is not None:
            assert n % r.factor == 0 and 1 < r.factor < n


def test_random_numbers_never_get_a_wrong_answer():
    rng = random.Random(15)
    for _ in range(300):
        n = rng.randrange(2, 10 ** rng.randrange(3, 30))
        r = primality(n)
        if isinstance(r, IsPrime):
            assert sympy.isprime(n), n
        elif isinstance(r, NotPrime):
            assert not sympy.isprime(n), n


def test_strong_pseudoprimes_are_caught_with_a_factor():
    for n, factor in [(318665857834031151167461, 399165290221), (3317044064679887385961981, 1287836182261)]:
        r = primality(n)
        assert isinstance(r, NotPrime) and r.factor == factor


def test_above_the_proven_bound_without_a_certificate_is_unknown(monkeypatch):
    # 2^89 - 1 is prime; with the certificate search disabled, passing Miller-Rabin proves nothing.
    monkeypatch.setattr(primes, "CERT_DEPTH", 0)
    r = primality(2**89 - 1)
    assert isinstance(r, PrimalityUnknown) and "proven only below" in r.reason
    monkeypatch.undo()
    assert isinstance(primality(2**89 - 1), IsPrime)


def test_undecided_primality_never_proves(monkeypatch):
    from mathagent.verifiers.formal import check_statement

    monkeypatch.setattr(primes, "CERT_DEPTH", 0)
    n = 2**89 - 1
    # in this process: the monkeypatched certificate depth does not reach a verifier worker
    assert check_statement(f"theorem t : Nat.Prime {n} := sorry", 1.0, isolate=False).kind == "unknown"
    assert check_statement(f"theorem t : ¬ Nat.Prime {n} := sorry", 1.0, isolate=False).kind == "unknown"
    assert check_statement(f"theorem t : Nat.Prime {n} ∨ True := sorry", 1.0, isolate=False).kind == "proved"
