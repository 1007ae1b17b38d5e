"""Measurements on density matrices, and the information measurements of any state.

The density-matrix simulator (``_mixed``) ends with a ``(2,) * 2n`` density tensor ``rho`` whose first
``n`` axes are the ket (row) wires and last ``n`` the bra (column) wires, in the device's wire order.
:func:`density_raw` gives every measurement process's raw quantities from it, the same quantities its
``raw`` gives from a pure state (so post-processing and the gradient rules are shared):

* ``<O> = Tr(O rho)``: the diagonal of ``rho`` against ``O``'s diagonal, or ``O`` applied to the ket
  axes and the trace;
* ``probs``: the diagonal of ``V rho V^dagger``, ``V`` the observable's diagonalizing gates;
* ``var``: ``Tr(O_i O_j rho)`` for the Gram matrix of the terms;
* with shots, :class:`DensitySampler` draws from the diagonal.

The information measurements (``purity``, ``vn_entropy``, ``mutual_info``) take as raw quantity the
reduced density matrix of their wires (linear in the state, so shift rules apply) and compute
``Tr(rho_A^2)``, ``S(rho_A) = -Tr(rho_A log rho_A)`` and ``I(A:B) = S(A) + S(B) - S(AB)`` from it in
post-processing (Nielsen & Chuang, sections 11.3 and 11.3.4). They work on the statevector device too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _kernels
from ._measurements import (
    CountsMP,
    DensityMatrixMP,
    ExpectationMP,
    MeasurementProcess,
    ProbabilityMP,
    SampleMP,
    StateMP,
    VarianceMP,
)
from ._observables import Observable, apply_observable, observable_diagonal, rotate_to_eigenbasis
from ._sampling import Sampler
from ._wires import Wires, as_wires

WireAxes = Mapping[Hashable, int]


# --- density-tensor kernels ------------------------------------------------------------------------
def as_matrix(rho: jax.Array) -> jax.Array:
    """The ``(2^n, 2^n)`` matrix of a ``(2,) * 2n`` density tensor."""
    d = 2 ** (rho.ndim // 2)
    return jnp.reshape(rho, (d, d))


def dagger(rho: jax.Array) -> jax.Array:
    """The adjoint of a ``(2,) * 2n`` tensor read as an operator (ket and bra halves swapped, conjugated)."""
    n = rho.ndim // 2
    return jnp.conj(jnp.transpose(rho, tuple(range(n, 2 * n)) + tuple(range(n))))


def conjugated(rho: jax.Array, act: Callable[[jax.Array], jax.Array]) -> jax.Array:
    """``U rho U^dagger`` for the linear map ``act`` that applies ``U`` to the ket axes of a tensor.

    ``U (U rho)^dagger = U rho U^dagger`` for Hermitian ``rho``: the ket-side map twice, no bra-side one.
    """
    return act(dagger(act(rho)))


def diagonal(rho: jax.Array) -> jax.Array:
    """The real diagonal of ``rho`` as a ``(2,) * n`` tensor of probabilities."""
    n = rho.ndim // 2
    return jnp.reshape(jnp.real(jnp.diagonal(as_matrix(rho))), (2,) * n)


def trace(rho: jax.Array) -> jax.Array:
    """``Re Tr`` of a ``(2,) * 2n`` tensor read as an operator."""
    return jnp.real(jnp.trace(as_matrix(rho)))


def partial_trace(rho: jax.Array, keep: Sequence[int]) -> jax.Array:
    """The reduced ``(2^k, 2^k)`` density matrix of the ket axes ``keep`` (in that order).

    Example:
        >>> import numpy as onp
        >>> rho = onp.kron(onp.diag([1.0, 0.0]), onp.eye(2) / 2).reshape((2,) * 4)
        >>> partial_trace(rho, [0]).tolist()
        [[1.0, 0.0], [0.0, 0.0]]
    """
    n = rho.ndim // 2
    keep = list(keep)
    rest = [a for a in range(n) if a not in keep]
    order = keep + rest + [n + a for a in keep] + [n + a for a in rest]
    dk, dr = 2 ** len(keep), 2 ** len(rest)
    blocks = jnp.reshape(jnp.transpose(rho, order), (dk, dr, dk, dr))
    return jnp.einsum("arbr->ab", blocks)


def _expectations(rho: jax.Array, terms: Sequence[Observable], axes: WireAxes) -> jax.Array:
    n = rho.ndim // 2
    probs = None
    values = []
    for o in terms:
        diag = observable_diagonal(o, axes, n)
        if diag is None:
            values.append(trace(apply_observable(rho, o, axes)))
            continue
        probs = diagonal(rho) if probs is None else probs
        values.append(jnp.sum(probs * jnp.broadcast_to(diag, probs.shape).astype(probs.dtype)))
    return jnp.stack(values)


def _variance(m: VarianceMP, rho: jax.Array, axes: WireAxes) -> tuple[jax.Array, jax.Array]:
    terms = m.terms()
    applied = [apply_observable(rho, o, axes) for o in terms]
    means = jnp.stack([trace(a) for a in applied])
    gram = jnp.stack([jnp.stack([trace(apply_observable(a, o, axes)) for a in applied]) for o in terms])
    return means, gram


def _rotated(rho: jax.Array, obs: Observable | None, axes: WireAxes) -> jax.Array:
    if obs is None:
        return rho
    return conjugated(rho, lambda r: rotate_to_eigenbasis(r, obs, axes))


def _probabilities(m: ProbabilityMP, rho: jax.Array, axes: WireAxes) -> jax.Array:
    probs = diagonal(_rotated(rho, m.obs, axes))
    wires = m.measured_wires or tuple(axes)
    keep = [axes[w] for w in wires]
    others = tuple(a for a in range(probs.ndim) if a not in keep)
    marg = jnp.sum(probs, axis=others) if others else probs
    kept = sorted(keep)
    return jnp.reshape(jnp.transpose(marg, tuple(kept.index(a) for a in keep)), (-1,))


def _needs_shots(m: MeasurementProcess, rho: jax.Array, axes: WireAxes) -> Any:
    return m.raw(jnp.zeros((2,) * (rho.ndim // 2), rho.dtype), axes)  # raises: no shots


# Each measurement class's raw quantities from a density tensor (subclasses use their base's entry).
_DENSITY_RAW: dict[type, Callable[[Any, jax.Array, WireAxes], Any]] = {
    ExpectationMP: lambda m, rho, axes: _expectations(rho, m.terms(), axes),
    VarianceMP: _variance,
    ProbabilityMP: _probabilities,
    StateMP: lambda m, rho, axes: as_matrix(rho),
    DensityMatrixMP: lambda m, rho, axes: partial_trace(rho, [axes[w] for w in m.wires]),
    SampleMP: _needs_shots,
    CountsMP: _needs_shots,
}


def register_density_raw(cls: type, fn: Callable[[Any, jax.Array, WireAxes], Any]) -> None:
    """Declare how measurements of class ``cls`` read a density tensor (``fn(m, rho, axes)``).

    Example:
        >>> register_density_raw(PurityMP, _information_raw)
    """
    _DENSITY_RAW[cls] = fn


def density_raw(m: MeasurementProcess, rho: jax.Array, axes: WireAxes) -> Any:
    """The raw quantities of measurement ``m`` from the ``(2,) * 2n`` density tensor ``rho``.

    Example:
        >>> import numpy as onp
        >>> import quantum_jax as qml
        >>> rho = onp.diag([0.25, 0.75]).astype(complex)
        >>> density_raw(qml.probs(wires=[0]), rho, {0: 0}).tolist()
        [0.25, 0.75]
    """
    for cls in type(m).__mro__:
        if cls in _DENSITY_RAW:
            return _DENSITY_RAW[cls](m, rho, axes)
    raise ValueError(
        f"{type(m).__name__} cannot be measured on a density matrix (default.mixed); measure expval, var, "
        "probs, sample, counts, state, density_matrix, purity, vn_entropy or mutual_info."
    )


class DensitySampler(Sampler):
    """The shot sampler of a density tensor: each group's samples are drawn from the diagonal of ``rho``.

    Args:
        rho: the final ``(2,) * 2n`` density tensor.
        axes: each wire's (ket) axis in ``rho``.
        key: the PRNG key of this draw.
        shots: the number of samples per group.
        units: the terms to sample (see ``_sampling.sampling_units``).
    """

    def __init__(
        self, rho: jax.Array, axes: WireAxes, key: jax.Array, shots: int, units: Sequence[Any]
    ) -> None:
        """Group the ``units`` as the statevector sampler does; nothing is drawn yet."""
        super().__init__(rho, axes, key, shots, units)

    def _draw(self, g: int) -> jax.Array:
        if g not in self._draws:
            rho = self.state
            done: set[Any] = set()
            for obs in self._group_obs[g]:
                for factor in obs.factors():
                    if tuple(factor.wires) in done:
                        continue
                    done.add(tuple(factor.wires))
                    rho = _rotated(rho, factor, self.axes)
            probs = jnp.reshape(diagonal(rho), (-1,))
            self._draws[g] = _kernels.sample_indices(probs, jax.random.fold_in(self.key, g), self.shots)
        return self._draws[g]


# --- information measurements --------------------------------------------------------------------
def _entropy(rho: jax.Array, log_base: float | None) -> jax.Array:
    """``-sum lambda log lambda`` over ``rho``'s eigenvalues (``0 log 0 = 0``); natural log by default."""
    lam = jnp.linalg.eigvalsh(rho)
    positive = lam > 1e-14
    safe = jnp.where(positive, lam, 1.0)
    s = -jnp.sum(jnp.where(positive, safe * jnp.log(safe), 0.0))
    return s if log_base is None else s / np.log(log_base)


def _reduce(rho: jax.Array, size: int, keep_first: bool) -> jax.Array:
    """The reduced matrix of the first (``keep_first``) or the last ``size`` qubits of ``rho``."""
    k = int(np.log2(rho.shape[0]))
    if keep_first:
        blocks = jnp.reshape(rho, (2**size, 2 ** (k - size), 2**size, 2 ** (k - size)))
        return jnp.einsum("arbr->ab", blocks)
    blocks = jnp.reshape(rho, (2 ** (k - size), 2**size, 2 ** (k - size), 2**size))
    return jnp.einsum("rarb->ab", blocks)


@dataclasses.dataclass(frozen=True, eq=False)
class InformationMP(MeasurementProcess):
    """Abstract base of the measurements computed from the reduced density matrix of ``wires``.

    Attributes:
        log_base: the logarithm's base (``None``: natural), static.
        first: how many of ``wires`` form the first subsystem (``mutual_info``), static.
    """

    log_base: float | None = None
    first: int = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Not MeasurementProcess's registration: these carry the static log base and first too.
        def flatten(m: InformationMP) -> tuple[tuple[Any], tuple[Any, ...]]:
            return (m.obs,), (m.wires, m.log_base, m.first)

        def unflatten(aux: tuple[Any, ...], children: Sequence[Any]) -> InformationMP:
            m = object.__new__(cls)
            for name, value in zip(("obs", "wires", "log_base", "first"), (children[0], *aux), strict=True):
                object.__setattr__(m, name, value)
            return m

        jax.tree_util.register_pytree_node(cls, flatten, unflatten)

    def raw(self, state: jax.Array, axes: WireAxes) -> jax.Array:
        """The reduced density matrix of ``wires`` of a pure state."""
        return _kernels.reduced_density_matrix(state, [axes[w] for w in self.wires])

    def shape(self, num_wires: int) -> tuple[int, ...]:
        return ()


def _information_raw(m: InformationMP, rho: jax.Array, axes: WireAxes) -> jax.Array:
    return partial_trace(rho, [axes[w] for w in m.wires])


class PurityMP(InformationMP):
    """``Tr(rho_A^2)`` of the wires ``A``; built by :func:`purity`."""

    def postprocess(self, raw: jax.Array, coeffs: Any) -> jax.Array:
        return jnp.real(jnp.sum(raw * jnp.conj(raw)))  # Tr(rho^2) = sum |rho_ij|^2 for Hermitian rho


class VnEntropyMP(InformationMP):
    """The von Neumann entropy ``-Tr(rho_A log rho_A)``; built by :func:`vn_entropy`."""

    def postprocess(self, raw: jax.Array, coeffs: Any) -> jax.Array:
        return _entropy(raw, self.log_base)


class MutualInfoMP(InformationMP):
    """``S(A) + S(B) - S(AB)`` of the ``first`` wires and the rest; built by :func:`mutual_info`."""

    def postprocess(self, raw: jax.Array, coeffs: Any) -> jax.Array:
        a = _reduce(raw, self.first, True)
        b = _reduce(raw, len(self.wires) - self.first, False)
        return _entropy(a, self.log_base) + _entropy(b, self.log_base) - _entropy(raw, self.log_base)


for _cls in (PurityMP, VnEntropyMP, MutualInfoMP):
    register_density_raw(_cls, _information_raw)


def _log_base(owner: str, log_base: Any) -> float | None:
    if log_base is None:
        return None
    if isinstance(log_base, bool) or not isinstance(log_base, (int, float)) or log_base <= 0 or log_base == 1:
        raise ValueError(
            f"{owner}: 'log_base' must be a positive number other than 1 (or None), got {log_base!r}."
        )
    return float(log_base)


def _info_wires(owner: str, wires: Any) -> Wires:
    out = as_wires(wires, owner)
    if not out:
        raise ValueError(f"{owner}: 'wires' must name at least one wire.")
    return out


def purity(wires: Any) -> PurityMP:
    """The purity ``Tr(rho_A^2)`` of the reduced state of ``wires`` (1 for a pure state, ``2^-k`` at least).

    Example:
        >>> import quantum_jax as qml
        >>> qml.purity(wires=[0]).wires
        (0,)
    """
    return PurityMP(None, _info_wires("purity", wires))


def vn_entropy(wires: Any, log_base: float | None = None) -> VnEntropyMP:
    """The von Neumann entropy of the reduced state of ``wires`` (natural log unless ``log_base``).

    Example:
        >>> import quantum_jax as qml
        >>> qml.vn_entropy(wires=[0], log_base=2).log_base
        2.0
    """
    return VnEntropyMP(None, _info_wires("vn_entropy", wires), _log_base("vn_entropy", log_base))


def mutual_info(wires0: Any, wires1: Any, log_base: float | None = None) -> MutualInfoMP:
    """The mutual information ``S(A) + S(B) - S(AB)`` between ``wires0`` (A) and ``wires1`` (B).

    Example:
        >>> import quantum_jax as qml
        >>> qml.mutual_info(wires0=[0], wires1=[1]).wires
        (0, 1)
    """
    a = _info_wires("mutual_info", wires0)
    b = _info_wires("mutual_info", wires1)
    if set(a) & set(b):
        raise ValueError(
            f"mutual_info: 'wires0' {list(a)} and 'wires1' {list(b)} overlap; the two subsystems must be "
            "disjoint."
        )
    return MutualInfoMP(None, a + b, _log_base("mutual_info", log_base), len(a))
