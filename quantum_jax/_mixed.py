"""The density-matrix simulator: a pure, jittable function of a tape with noise channels.

A density matrix of ``n`` wires is a vector of ``4^n`` entries: the statevector of ``2n`` wires, the
``n`` ket wires then ``n`` bra wires (``rho[a, b]`` is amplitude ``a * 2^n + b``). In that picture
``rho -> U rho U^dagger`` is the gate ``U`` on the ket wires and ``conj(U)`` on the bra wires, and a
channel ``rho -> sum_k K_k rho K_k^dagger`` is one dense matrix, its superoperator
``S = sum_k K_k (x) conj(K_k)``, on its ket and bra wires (the "vectorized" or Liouville picture; Wood,
Biamonte & Cory, Quantum Inf. Comput. 15, 759 (2015)). So the circuit becomes a tape of ``2n`` wires
that the statevector simulator runs unchanged (``_program``, ``_simulator``): its fused passes, its
scanned repeated layers and its memory guard, with no second gate library. :class:`Conjugate` is a
gate's conjugate on the bra wires (the data the gate declares, conjugated), :class:`Superoperator` a
channel's matrix, :class:`DensityPreparation` a preparation's density matrix as the state it starts in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from ._channels import prepared_density
from ._density import DensitySampler, density_raw
from ._gates import Modified, Monomial, _rebuilt
from ._operation import Operation
from ._sampling import sampling_units
from ._shots import Shots
from ._simulator import final_state, resolve_wires
from ._tape import Tape


@dataclasses.dataclass(frozen=True)
class Bra:
    """The bra (column) copy of a wire label in the doubled tape."""

    wire: Hashable


def doubled_wires(wires: Sequence[Hashable]) -> tuple[Hashable, ...]:
    """The ``2n`` wires of the doubled tape: the ket wires (the labels), then their :class:`Bra` copies.

    Example:
        >>> doubled_wires(["a", 1])
        ('a', 1, Bra(wire='a'), Bra(wire=1))
    """
    return (*wires, *(Bra(w) for w in wires))


def _bra(wires: Sequence[Hashable]) -> tuple[Hashable, ...]:
    return tuple(Bra(w) for w in wires)


class Conjugate(Modified):
    """The complex conjugate ``conj(U)`` of a gate, acting on the bra wires (not a recorded gate).

    It is the kind of gate its base is: the same permutation with conjugated phases, the conjugated
    diagonal, or the conjugated matrix.
    """

    @property
    def base(self) -> Operation:
        """The gate conjugated (on these wires: its data does not depend on the labels)."""
        cls, hyper = self.hyper
        return _rebuilt(cls, self.params, self.wires, hyper)  # type: ignore[arg-type]

    def _monomial(self) -> Monomial | None:
        base = self.base
        if base.permutation is None:
            return None
        phases = None if base.phases is None else tuple(complex(p).conjugate() for p in base.phases)
        return tuple(base.permutation), phases

    def diagonal(self) -> jax.Array:
        """The base's diagonal, conjugated."""
        return jnp.conj(self.base.diagonal())

    def matrix(self) -> jax.Array:
        """The base's matrix, conjugated (not transposed)."""
        return jnp.conj(self.base.matrix())

    @property
    def name(self) -> str:
        return f"Conjugate({self.base.name})"


class Superoperator(Operation):
    """A channel's superoperator on its ket wires then its bra wires (not a recorded gate)."""

    @property
    def ndim_params(self) -> tuple[int, ...] | None:  # type: ignore[override]
        """The channel's parameter ranks."""
        return self.hyper[0].ndim_params  # type: ignore[attr-defined]

    def matrix(self) -> jax.Array:
        """``sum_k K_k (x) conj(K_k)`` of the channel (see ``Channel.superoperator``)."""
        parts: Any = self.hyper  # (the class, its static data, its number of wires)
        cls, hyper, k = parts
        channel: Any = _rebuilt(cls, self.params, self.wires[:k], hyper)
        return jnp.asarray(channel.superoperator())


class DensityPreparation(Operation):
    """A preparation's density matrix, read as the state of its ket and bra wires (not a recorded op)."""

    is_state_preparation = True

    @property
    def ndim_params(self) -> tuple[int, ...] | None:  # type: ignore[override]
        """The preparation's parameter ranks."""
        return self.hyper[0].ndim_params  # type: ignore[attr-defined]

    def state_vector(self) -> jax.Array:
        """``vec(rho)``: entry ``a * 2^k + b`` is ``rho[a, b]``."""
        parts: Any = self.hyper  # (the class, its static data, its number of wires)
        cls, hyper, k = parts
        prep = _rebuilt(cls, self.params, self.wires[:k], hyper)
        return jnp.reshape(prepared_density(prep), (-1,))


def _doubled(op: Operation) -> list[Operation]:
    """What ``op`` of the tape becomes on the doubled wires."""
    k = len(op.wires)
    if op.is_state_preparation:
        return [
            _rebuilt(DensityPreparation, op.params, (*op.wires, *_bra(op.wires)), (type(op), op.hyper, k))
        ]
    if op.is_channel:
        return [_rebuilt(Superoperator, op.params, (*op.wires, *_bra(op.wires)), (type(op), op.hyper, k))]
    return [op, _rebuilt(Conjugate, op.params, _bra(op.wires), (type(op), op.hyper))]


def doubled_tape(tape: Tape) -> Tape:
    """The tape of ``2n`` wires whose final state is ``vec(rho)`` of ``tape`` (measurements dropped).

    Example:
        >>> import quantum_jax as qml
        >>> tape = qml.tape.Tape([qml.RX(0.1, wires=0), qml.BitFlip(0.2, wires=0)], [])
        >>> [op.name for op in doubled_tape(tape).operations]
        ['RX', 'Conjugate(RX)', 'Superoperator']
    """
    return Tape(tuple(d for op in tape.operations for d in _doubled(op)), ())


def final_density(tape: Tape, wires: Sequence[Hashable] | None = None) -> jax.Array:
    """The ``(2,) * 2n`` density tensor after the tape (ket axes, then bra axes, in the order of ``wires``).

    Example:
        >>> import quantum_jax as qml
        >>> tape = qml.tape.Tape([qml.Hadamard(0), qml.PhaseFlip(0.5, wires=0)], [])
        >>> final_density(tape).reshape(2, 2).real.round(6).tolist()
        [[0.5, 0.0], [0.0, 0.5]]
    """
    wires = resolve_wires(tape, wires)
    return final_state(doubled_tape(tape), doubled_wires(wires))


def simulate_mixed_raw(
    tape: Tape, wires: Sequence[Hashable] | None = None, shots: Shots | None = None, key: Any = None
) -> tuple[Any, ...]:
    """Each measurement's raw quantities from the final density matrix (the counterpart of ``simulate_raw``).

    Example:
        >>> import quantum_jax as qml
        >>> tape = qml.tape.Tape([qml.BitFlip(0.25, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> float(simulate_mixed_raw(tape)[0][0])
        0.5
    """
    wires = resolve_wires(tape, wires)
    rho = final_density(tape, wires)
    axes = {w: i for i, w in enumerate(wires)}
    if shots is None:
        return tuple(density_raw(m, rho, axes) for m in tape.measurements)
    units = sampling_units(tape.measurements, wires)
    per_bin = []
    for b, count in enumerate(shots.bins):
        sampler = DensitySampler(rho, axes, jax.random.fold_in(key, b), count, units)
        per_bin.append([m.sampled(sampler, i) for i, m in enumerate(tape.measurements)])
    if not shots.vector:
        return tuple(per_bin[0])
    return tuple(tuple(b[i] for b in per_bin) for i in range(len(tape.measurements)))
