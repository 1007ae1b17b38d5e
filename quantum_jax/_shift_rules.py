"""Parameter-shift recipes derived from a generator's spectrum.

For ``U(x) = exp(-i x G)`` whose eigenvalue differences take the distinct positive values
``Omega_1..Omega_R``, every expectation value is a trigonometric polynomial
``f(x) = a_0 + sum_l a_l cos(Omega_l x) + b_l sin(Omega_l x)``. Its odd part at ``R`` shifts gives
``f(x + x_m) - f(x - x_m) = 2 sum_l b_l sin(Omega_l x_m)``, an ``R x R`` linear system for the
``b_l``, and ``f'(x) = sum_l Omega_l b_l``: a rule with ``2R`` evaluations. For an equidistant
spectrum ``Omega_l = l Omega`` the shifts ``x_m = (2m - 1) pi / (2 R Omega)`` reproduce the closed form
of Wierichs, Izaac, Wang, Lin, "General parameter-shift rules for quantum gradients",
Quantum 6, 677 (2022), Eq. (17) — two terms ``+-pi/2`` with ``+-1/2`` for a single frequency, four for
``(1/2, 1)``.

A recipe is a tuple of ``(coefficient, multiplier, shift)`` terms:
``f'(x) = sum c * f(a * x + s)``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

Recipe = tuple[tuple[float, float, float], ...]


def _is_equidistant(freqs: Sequence[float]) -> bool:
    base = freqs[0]
    return all(math.isclose(f, (i + 1) * base, rel_tol=1e-9) for i, f in enumerate(freqs))


@functools.cache
def frequency_rule(frequencies: tuple[float, ...], shifts: tuple[float, ...] | None = None) -> Recipe:
    """The first-derivative recipe for a parameter whose generator has these frequencies.

    Args:
        frequencies: the distinct positive eigenvalue differences of the generator (any order).
        shifts: ``R`` positive shifts to use instead of the default equidistant ones.

    Returns:
        ``2R`` terms ``(coefficient, 1.0, shift)``; no terms when there is no frequency (a constant).

    Example:
        >>> frequency_rule((1.0,))
        ((0.5, 1.0, 1.5707963267948966), (-0.5, 1.0, -1.5707963267948966))
    """
    freqs = sorted({round(float(f), 12) for f in frequencies if f > 0})
    r = len(freqs)
    if r == 0:
        return ()
    if shifts is None:
        base = freqs[0] if _is_equidistant(freqs) else max(freqs)
        xs = np.array([(2 * m - 1) * np.pi / (2 * r * base) for m in range(1, r + 1)])
    else:
        xs = np.asarray(shifts, dtype=float)
        if xs.shape != (r,):
            raise ValueError(f"shifts: need {r} shift(s) for frequencies {tuple(freqs)}, got {shifts}.")
    system = 2 * np.sin(np.outer(xs, freqs))  # [m, l] = 2 sin(Omega_l x_m)
    if abs(np.linalg.det(system)) < 1e-10:
        raise ValueError(f"shifts {tuple(xs)} cannot resolve frequencies {tuple(freqs)}; choose others.")
    weights = np.linalg.solve(system.T, np.asarray(freqs))
    plus = tuple((float(w), 1.0, float(x)) for w, x in zip(weights, xs, strict=True))
    minus = tuple((-float(w), 1.0, -float(x)) for w, x in zip(weights, xs, strict=True))
    return tuple(t for pair in zip(plus, minus, strict=True) for t in pair)


def period(frequencies: tuple[float, ...]) -> float | None:
    """The period ``2 pi / Omega`` of an equidistant spectrum ``l * Omega``, else ``None``."""
    freqs = sorted({float(f) for f in frequencies if f > 0})
    if not freqs or not _is_equidistant(freqs):
        return None
    return 2 * np.pi / freqs[0]


def second_derivative_rule(frequencies: tuple[float, ...]) -> Recipe:
    """The recipe for ``f''(x)``: the first-derivative rule applied twice, equal shifts merged.

    Shifts are merged modulo the period, so a single frequency needs ``f(x + pi)`` and ``f(x)`` only.

    Example:
        >>> second_derivative_rule((1.0,))
        ((0.5, 1.0, 3.141592653589793), (-0.5, 1.0, 0.0))
    """
    first = frequency_rule(tuple(frequencies))
    per = period(tuple(frequencies))
    merged: dict[float, list[float]] = {}
    for c1, _, s1 in first:
        for c2, _, s2 in first:
            s = s1 + s2
            if per is not None:
                s = (s + per / 2) % per - per / 2  # into [-per/2, per/2)
                if math.isclose(s, -per / 2):
                    s = per / 2
            entry = merged.setdefault(round(s, 9), [float(s), 0.0])
            entry[1] += c1 * c2
    return tuple((c, 1.0, s) for s, c in merged.values() if abs(c) > 1e-14)


def as_recipe(terms: Sequence[Sequence[float]]) -> Recipe:
    """Validate a user recipe: a sequence of ``(coefficient, multiplier, shift)`` triples."""
    out = []
    for t in terms:
        if len(t) != 3:
            raise ValueError(
                f"gradient_recipes: each term must be (coefficient, multiplier, shift), got {tuple(t)}."
            )
        out.append((float(t[0]), float(t[1]), float(t[2])))
    return tuple(out)
