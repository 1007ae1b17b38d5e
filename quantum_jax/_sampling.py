"""Sampling the final state as hardware would: qubit-wise commuting groups sharing their shots.

Measurement terms are grouped greedily into qubit-wise commuting groups, every wire measured in one
basis within a group (each observable declares its basis, see ``_observables``). Each group rotates
the state into its basis once and draws ONE set of full-register samples that all its terms share, so
their outcomes are correlated as on hardware; different groups draw independently (as separate
executions would), from keys folded from the call's key.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from . import _kernels
from ._observables import Observable

WireAxes = Mapping[Hashable, int]
Unit = tuple[tuple[int, int], Any, Sequence[Hashable]]
"""``((measurement index, term index), observable or None, wires)``: one sampled term."""

_ANY_BASIS = "I"  # the identity fits any basis


def basis_labels(obs: Observable | None, wires: Sequence[Hashable]) -> dict[Hashable, Hashable]:
    """The measurement basis each wire needs: ``"Z"`` (computational) for the bare wires."""
    if obs is None:
        return dict.fromkeys(wires, "Z")
    labels: dict[Hashable, Hashable] = {}
    for factor in obs.factors():
        label = factor.basis_label()  # type: ignore[attr-defined]
        if label != _ANY_BASIS:
            labels.update(dict.fromkeys(factor.wires, label))
    return labels


def sampling_units(measurements: Sequence[Any], wires: Sequence[Hashable]) -> list[Unit]:
    """A :data:`Unit` for every term each measurement samples (all ``wires`` for bare ``probs()``)."""
    units: list[Unit] = []
    for i, m in enumerate(measurements):
        if m.obs is None:
            units.append(((i, 0), None, m.wires or tuple(wires)))
        else:
            units += [((i, j), o, o.wires) for j, o in enumerate(m.obs.measured_terms())]
    return units


class Sampler:
    """Draws computational-basis samples of the final state for the measurements of one circuit.

    Args:
        state: the final ``(2,) * n`` state.
        axes: each wire's axis in ``state``.
        key: the PRNG key of this draw; group ``g`` samples with ``fold_in(key, g)``.
        shots: the number of samples per group.
        units: the terms to sample (see :func:`sampling_units`).
    """

    def __init__(
        self, state: jax.Array, axes: WireAxes, key: jax.Array, shots: int, units: Sequence[Unit]
    ) -> None:
        """Group the ``units`` into qubit-wise commuting groups; nothing is drawn yet."""
        self.state = state
        self.axes = axes
        self.key = key
        self.shots = shots
        self.wires = tuple(axes)
        self.real = jnp.finfo(state.dtype).dtype
        self._groups: list[dict[Hashable, Hashable]] = []
        self._group_obs: list[list[Any]] = []
        self._group_of: dict[tuple[int, int], int] = {}
        for tag, obs, wires in units:
            self._group_of[tag] = self._join(basis_labels(obs, wires), obs)
        self._draws: dict[int, jax.Array] = {}

    def _join(self, labels: dict[Hashable, Hashable], obs: Any) -> int:
        """The first group whose bases agree with ``labels`` (merged into it), else a new group."""
        g = next((i for i, merged in enumerate(self._groups) if self._agrees(merged, labels)), None)
        if g is None:
            g = len(self._groups)
            self._groups.append(dict(labels))
            self._group_obs.append([])
        else:
            self._groups[g].update(labels)
        if obs is not None:
            self._group_obs[g].append(obs)
        return g

    @staticmethod
    def _agrees(merged: dict[Hashable, Hashable], labels: dict[Hashable, Hashable]) -> bool:
        """Whether ``labels`` agree with a group's ``merged`` bases on every wire they share."""
        return all(merged.get(w, label) == label for w, label in labels.items())

    def _draw(self, g: int) -> jax.Array:
        if g not in self._draws:
            state = self.state
            done: set[Any] = set()
            for obs in self._group_obs[g]:
                for factor in obs.factors():
                    if tuple(factor.wires) in done:  # factors on shared wires agree, by grouping
                        continue
                    done.add(tuple(factor.wires))
                    for gate in factor.diagonalizing_gates():
                        state = _kernels.apply_operation(state, gate, [self.axes[w] for w in gate.wires])
            probs = _kernels.marginal_probabilities(state, list(range(state.ndim)))
            self._draws[g] = _kernels.sample_indices(probs, jax.random.fold_in(self.key, g), self.shots)
        return self._draws[g]

    def indices(self, wires: Sequence[Hashable], tag: tuple[int, int]) -> jax.Array:
        """Sampled outcome indices over ``wires`` (in the term's eigenbasis) for the term ``tag``."""
        full = self._draw(self._group_of[tag])
        n = len(self.axes)
        shifts = jnp.asarray([n - 1 - self.axes[w] for w in wires])
        bits = (full[:, None] >> shifts) & 1
        return bits @ (2 ** jnp.arange(len(wires) - 1, -1, -1))
