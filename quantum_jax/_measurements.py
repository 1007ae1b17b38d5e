"""Measurement processes: what a circuit returns.

Each measurement computes *raw* quantities from the final state, all linear in the density matrix
(expectation values of fixed operators, probabilities), and then *post-processes* them classically
(Hamiltonian coefficients, ``Var(A) = <A^2> - <A>^2``). Gradient rules act on the raw quantities;
JAX's chain rule takes care of the post-processing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from . import _kernels, _recording
from ._observables import Observable, apply_observable, observable_diagonal, rotate_to_eigenbasis
from ._sampling import Sampler
from ._shots import Shots
from ._wires import Wires, as_wires

WireAxes = Mapping[Hashable, int]

# Diagonal terms of an expectation value are reduced together while their stacked diagonals hold at
# most this many entries (XLA may materialize the stack once: 32 MiB in float64); above, one by one.
_STACKED_DIAGONALS = 2**22


@dataclasses.dataclass(frozen=True, eq=False)
class MeasurementProcess:
    """Abstract base of the measurements a circuit returns.

    Attributes:
        obs: the observable measured, or ``None``.
        wires: the wires measured when there is no observable (static).
    """

    obs: Any = None
    wires: Wires = ()

    differentiable: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)

        def flatten(m: MeasurementProcess) -> tuple[tuple[Any], Wires]:
            return (m.obs,), m.wires

        def unflatten(wires: Wires, children: Sequence[Any]) -> MeasurementProcess:
            m = object.__new__(cls)
            object.__setattr__(m, "obs", children[0])
            object.__setattr__(m, "wires", wires)
            return m

        jax.tree_util.register_pytree_node(cls, flatten, unflatten)

    def __post_init__(self) -> None:
        if self.obs is not None and not isinstance(self.obs, Observable):
            raise TypeError(
                f"{type(self).__name__}: expected an observable such as qml.PauliZ(0), got {self.obs!r}."
            )
        if self.obs is not None:
            _recording.forget(self.obs)
        _recording.record(self)

    @property
    def measured_wires(self) -> Wires:
        """The wires this measurement reads (the observable's, else ``wires``)."""
        return tuple(self.obs.wires) if self.obs is not None else self.wires

    def split(self) -> tuple[MeasurementProcess, Any]:
        """``(self without Hamiltonian coefficients, the coefficients or None)``."""
        if self.obs is None:
            return self, None
        bare, coeffs = self.obs.split()
        return (self, None) if coeffs is None else (self._with_obs(bare), coeffs)

    def terms(self) -> tuple[Observable, ...]:
        """The observables whose values make up the raw vector (see ``Observable.measured_terms``)."""
        return self.obs.measured_terms()

    def _with_obs(self, obs: Any) -> MeasurementProcess:
        m = object.__new__(type(self))
        object.__setattr__(m, "obs", obs)
        object.__setattr__(m, "wires", self.wires)
        return m

    def raw(self, state: jax.Array, axes: WireAxes) -> Any:
        """Raw quantities (linear in the density matrix) from the final ``state``."""
        raise NotImplementedError

    def sampled(self, sampler: Sampler, index: int) -> Any:
        """Raw quantities estimated from the samples ``sampler`` draws (this is measurement ``index``)."""
        raise ValueError(
            f"{type(self).__name__} cannot be estimated from shots; use a device with shots=None."
        )

    def postprocess(self, raw: Any, coeffs: Any) -> jax.Array:
        """The measurement's value from its raw quantities and Hamiltonian coefficients."""
        return raw

    def shape(self, num_wires: int) -> tuple[int, ...]:
        """The shape of the result on a device with ``num_wires`` wires."""
        raise NotImplementedError


class ExpectationMP(MeasurementProcess):
    """The expectation value ``<psi|O|psi>``; built by :func:`expval`."""

    def raw(self, state: jax.Array, axes: WireAxes) -> jax.Array:
        values: list[Any] = []
        diagonal: list[tuple[int, jax.Array]] = []
        for o in self.terms():
            diag = observable_diagonal(o, axes, state.ndim)
            if diag is None:
                values.append(_kernels.expectation(state, apply_observable(state, o, axes)))
            else:
                diagonal.append((len(values), diag))
                values.append(None)
        if not diagonal:
            return jnp.stack(values)
        probs = jnp.real(state * jnp.conj(state))  # one |psi|^2 serves every diagonal term
        if len(diagonal) * state.size > _STACKED_DIAGONALS:
            for j, d in diagonal:
                values[j] = jnp.sum(probs * d.astype(probs.dtype))
            return jnp.stack(values)
        # One reduction over the stacked diagonals: one kernel, one pass over |psi|^2.
        stacked = _kernels.stack([jnp.broadcast_to(d.astype(probs.dtype), state.shape) for _, d in diagonal])
        sums = jnp.sum(probs[None] * stacked, axis=tuple(range(1, state.ndim + 1)))
        if len(diagonal) == len(values):
            return sums
        for k, (j, _) in enumerate(diagonal):
            values[j] = sums[k]
        return jnp.stack(values)

    def sampled(self, sampler: Sampler, index: int) -> jax.Array:
        means = []
        for j, o in enumerate(self.terms()):
            idx = sampler.indices(o.wires, (index, j))
            means.append(jnp.mean(jnp.asarray(o.eigvals(), sampler.real)[idx]))
        return jnp.stack(means)

    def postprocess(self, raw: jax.Array, coeffs: Any) -> jax.Array:
        return raw[0] if coeffs is None else jnp.dot(jnp.asarray(coeffs, raw.dtype), raw)

    def shape(self, num_wires: int) -> tuple[int, ...]:
        return ()


class VarianceMP(MeasurementProcess):
    """The variance ``<O^2> - <O>^2``; built by :func:`var`."""

    def raw(self, state: jax.Array, axes: WireAxes) -> tuple[jax.Array, jax.Array]:
        applied = [apply_observable(state, o, axes) for o in self.terms()]
        means = jnp.stack([_kernels.expectation(state, a) for a in applied])
        flat = jnp.stack([jnp.ravel(a) for a in applied])
        gram = jnp.real(jnp.conj(flat) @ flat.T)
        return means, gram

    def sampled(self, sampler: Sampler, index: int) -> tuple[jax.Array, jax.Array]:
        terms = self.terms()
        if len(terms) != 1:
            raise ValueError(
                "var of a Hamiltonian cannot be estimated from shots (its terms need not commute); "
                "measure the terms' expvals, or use shots=None."
            )
        idx = sampler.indices(terms[0].wires, (index, 0))
        e = jnp.asarray(terms[0].eigvals(), sampler.real)[idx]
        return jnp.mean(e)[None], jnp.mean(e**2)[None, None]

    def postprocess(self, raw: tuple[jax.Array, jax.Array], coeffs: Any) -> jax.Array:
        means, gram = raw
        if coeffs is None:
            return gram[0, 0] - means[0] ** 2
        c = jnp.asarray(coeffs, means.dtype)
        return c @ gram @ c - jnp.dot(c, means) ** 2

    def shape(self, num_wires: int) -> tuple[int, ...]:
        return ()


class ProbabilityMP(MeasurementProcess):
    """Computational-basis probabilities of ``wires`` (or in the eigenbasis of ``obs``)."""

    def raw(self, state: jax.Array, axes: WireAxes) -> jax.Array:
        if self.obs is not None:
            state = rotate_to_eigenbasis(state, self.obs, axes)
        wires = self.measured_wires or tuple(axes)
        return _kernels.marginal_probabilities(state, [axes[w] for w in wires])

    def sampled(self, sampler: Sampler, index: int) -> jax.Array:
        wires = self.measured_wires or sampler.wires
        idx = sampler.indices(wires, (index, 0))
        return jnp.bincount(idx, length=2 ** len(wires)).astype(sampler.real) / sampler.shots

    def shape(self, num_wires: int) -> tuple[int, ...]:
        return (2 ** (len(self.measured_wires) or num_wires),)


class SampleMP(MeasurementProcess):
    """Samples: an observable's eigenvalues, or the bits of ``wires``; built by :func:`sample`."""

    differentiable = False

    def raw(self, state: jax.Array, axes: WireAxes) -> jax.Array:
        raise ValueError("sample() needs a device with shots; create it with qml.device(..., shots=N).")

    def sampled(self, sampler: Sampler, index: int) -> jax.Array:
        wires = self.measured_wires or sampler.wires
        idx = sampler.indices(wires, (index, 0))
        if self.obs is not None:
            return jnp.asarray(self.obs.eigvals(), sampler.real)[idx]
        return (idx[:, None] >> jnp.arange(len(wires) - 1, -1, -1)) & 1

    def shape(self, num_wires: int) -> tuple[int, ...]:
        return (-1,) if self.obs is not None else (-1, len(self.wires) or num_wires)


class CountsMP(MeasurementProcess):
    """How often each outcome occurred: ``{bitstring or eigenvalue: count}``; built by :func:`counts`."""

    differentiable = False

    def raw(self, state: jax.Array, axes: WireAxes) -> jax.Array:
        raise ValueError("counts() needs a device with shots; create it with qml.device(..., shots=N).")

    def sampled(self, sampler: Sampler, index: int) -> jax.Array:
        wires = self.measured_wires or sampler.wires
        return jnp.bincount(sampler.indices(wires, (index, 0)), length=2 ** len(wires))

    def postprocess(self, raw: jax.Array, coeffs: Any) -> dict[Any, jax.Array]:  # type: ignore[override]
        if self.obs is None:
            k = int(np.log2(raw.shape[-1]))
            return {format(i, f"0{k}b"): raw[..., i] for i in range(raw.shape[-1])}
        eig = np.asarray(self.obs.eigvals())
        out: dict[Any, jax.Array] = {}
        keys = np.round(eig, 12)  # one key per distinct eigenvalue; each outcome counted under exactly one
        for value in np.unique(keys):
            out[float(value)] = jnp.sum(raw[..., keys == value], axis=-1)
        return out

    def shape(self, num_wires: int) -> tuple[int, ...]:
        return ()


class StateMP(MeasurementProcess):
    """The full statevector (complex); built by :func:`state`."""

    differentiable = False

    def raw(self, state: jax.Array, axes: WireAxes) -> jax.Array:
        return jnp.reshape(state, (-1,))

    def sampled(self, sampler: Sampler, index: int) -> jax.Array:
        raise ValueError("state() is not available with shots (hardware cannot return it); use shots=None.")

    def shape(self, num_wires: int) -> tuple[int, ...]:
        return (2**num_wires,)


class DensityMatrixMP(MeasurementProcess):
    """The reduced density matrix of ``wires`` (complex); built by :func:`density_matrix`."""

    differentiable = False

    def raw(self, state: jax.Array, axes: WireAxes) -> jax.Array:
        return _kernels.reduced_density_matrix(state, [axes[w] for w in self.wires])

    def shape(self, num_wires: int) -> tuple[int, ...]:
        return (2 ** len(self.wires),) * 2


def _obs_arg(fn_name: str, op: Any) -> Observable:
    if not isinstance(op, Observable):
        raise TypeError(f"{fn_name}: 'op' must be an observable such as qml.PauliZ(0), got {op!r}.")
    if not op.is_hermitian:
        raise ValueError(
            f"{fn_name}: 'op' {op!r} is not Hermitian, so it cannot be measured; use real coefficients and "
            "commuting factors."
        )
    return op


def expval(op: Observable) -> ExpectationMP:
    """The expectation value of an observable.

    Example:
        >>> import quantum_jax as qml
        >>> qml.expval(qml.PauliZ(0))
        ExpectationMP(obs=PauliZ(wires=[0]), wires=())
    """
    return ExpectationMP(_obs_arg("expval", op))


def var(op: Observable) -> VarianceMP:
    """The variance of an observable.

    Example:
        >>> import quantum_jax as qml
        >>> qml.var(qml.PauliX(1))
        VarianceMP(obs=PauliX(wires=[1]), wires=())
    """
    return VarianceMP(_obs_arg("var", op))


def probs(wires: Any = None, op: Observable | None = None) -> ProbabilityMP:
    """Probabilities of the basis states of ``wires``, or of ``op``'s eigenstates.

    ``wires`` defaults to all device wires if omitted.

    Example:
        >>> import quantum_jax as qml
        >>> qml.probs(wires=[1, 0]).wires
        (1, 0)
    """
    if op is not None:
        if wires is not None:
            raise ValueError("probs: pass either 'wires' or 'op', not both.")
        return ProbabilityMP(_obs_arg("probs", op))
    return ProbabilityMP(None, () if wires is None else as_wires(wires, "probs"))


def state() -> StateMP:
    """The full statevector, ordered by the device's wires.

    Example:
        >>> import quantum_jax as qml
        >>> qml.state()
        StateMP(obs=None, wires=())
    """
    return StateMP()


def density_matrix(wires: Any) -> DensityMatrixMP:
    """The reduced density matrix of ``wires``.

    Example:
        >>> import quantum_jax as qml
        >>> qml.density_matrix(wires=[0]).wires
        (0,)
    """
    return DensityMatrixMP(None, as_wires(wires, "density_matrix"))


def _diagonalizable(fn_name: str, op: Any) -> Observable:
    op = _obs_arg(fn_name, op)
    if op.terms()[0] is not None:
        raise ValueError(
            f"{fn_name}: a Hamiltonian's terms need not share an eigenbasis, so it cannot be sampled as one "
            "observable; sample its terms, or measure expval."
        )
    return op


def sample(op: Observable | None = None, wires: Any = None) -> SampleMP:
    """Samples of an observable's eigenvalues, or of the computational-basis bits of ``wires``.

    Needs a device with shots. Without arguments, samples every device wire.

    Example:
        >>> import quantum_jax as qml
        >>> qml.sample(qml.PauliZ(0))
        SampleMP(obs=PauliZ(wires=[0]), wires=())
    """
    if op is not None:
        if wires is not None:
            raise ValueError("sample: pass either an observable or 'wires', not both.")
        return SampleMP(_diagonalizable("sample", op))
    return SampleMP(None, () if wires is None else as_wires(wires, "sample"))


def counts(op: Observable | None = None, wires: Any = None) -> CountsMP:
    """Counts of each outcome: bitstrings of ``wires``, or an observable's eigenvalues.

    Every possible outcome is a key (zero counts included), so the result has a fixed structure under
    ``jit``. Needs a device with shots.

    Example:
        >>> import quantum_jax as qml
        >>> qml.counts(wires=[0, 1]).wires
        (0, 1)
    """
    if op is not None:
        if wires is not None:
            raise ValueError("counts: pass either an observable or 'wires', not both.")
        return CountsMP(_diagonalizable("counts", op))
    return CountsMP(None, () if wires is None else as_wires(wires, "counts"))


def postprocess(
    measurements: Sequence[MeasurementProcess],
    raws: Sequence[Any],
    coeffs: Sequence[Any],
    shots: Shots | None = None,
) -> list[Any]:
    """Measurement values from raw quantities; a shot vector stacks bins when their shapes agree."""
    out: list[Any] = []
    for m, r, c in zip(measurements, raws, coeffs, strict=True):
        if shots is None or not shots.vector:
            out.append(m.postprocess(r, c))
            continue
        values = [m.postprocess(rb, c) for rb in r]
        shapes = {jnp.shape(v) for v in values if not isinstance(v, dict)}
        if len(shapes) == 1 and not isinstance(values[0], dict):
            out.append(jnp.stack(values))
        else:
            out.append(tuple(values))
    return out
