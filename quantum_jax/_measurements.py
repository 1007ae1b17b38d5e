"""Measurement processes: what a circuit returns.

Each measurement computes *raw* quantities from the final state, all linear in the density matrix
(expectation values of fixed operators, probabilities), and then *post-processes* them classically
(Hamiltonian coefficients, ``Var(A) = <A^2> - <A>^2``). Gradient rules act on the raw quantities;
JAX's chain rule takes care of the post-processing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from . import _kernels, _recording
from ._gates import OBSERVABLES
from ._observables import Hamiltonian, Observable
from ._operation import is_concrete
from ._wires import Wires, as_wires

WireAxes = Mapping[Hashable, int]

# Diagonal terms of an expectation value are reduced together while their stacked diagonals hold at
# most this many entries (XLA may materialize the stack once: 32 MiB in float64); above, one by one.
_STACKED_DIAGONALS = 2**22


def _apply_observable(state: jax.Array, obs: Observable, axes: WireAxes) -> jax.Array:
    """``O|state>``; a Hamiltonian with coefficients is applied as the sum of its terms."""
    if isinstance(obs, Hamiltonian):
        coeffs = jnp.asarray(obs.coeffs)
        total = None
        for c, term in zip(coeffs, obs.ops):
            part = c.astype(state.dtype) * _apply_observable(state, term, axes)
            total = part if total is None else total + part
        return total
    for factor in obs.factors():
        state = _kernels.apply_operation(state, factor, [axes[w] for w in factor.wires])
    return state


def _diagonal(obs: Observable, axes: WireAxes, ndim: int) -> jax.Array | None:
    """``O``'s diagonal broadcast against the state, or ``None`` when ``O`` is not diagonal."""
    if isinstance(obs, Hamiltonian):
        diags = [_diagonal(o, axes, ndim) for o in obs.ops]
        if any(d is None for d in diags):
            return None
        return sum(c * d for c, d in zip(jnp.asarray(obs.coeffs), diags))  # type: ignore[operator]
    total: Any = None
    for f in obs.factors():
        identity = (
            f.permutation is not None
            and f.phases is None
            and tuple(f.permutation) == tuple(range(len(f.permutation)))
        )
        if identity:
            continue
        if not f.is_diagonal:
            return None
        d = _kernels._broadcast_to_axes(jnp.real(f.diagonal()), [axes[w] for w in f.wires], ndim)
        total = d if total is None else total * d
    return jnp.ones((1,) * ndim) if total is None else total


def _rotate(state: jax.Array, obs: Observable, axes: WireAxes) -> jax.Array:
    for gate in obs.diagonalizing_gates():
        state = _kernels.apply_operation(state, gate, [axes[w] for w in gate.wires])
    return state


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
        if not isinstance(self.obs, Hamiltonian):
            return self, None
        bare = object.__new__(Hamiltonian)
        object.__setattr__(bare, "coeffs", None)
        object.__setattr__(bare, "ops", self.obs.ops)
        return self._with_obs(bare), self.obs.coeffs

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


def _basis_labels(obs: Any, wires: Sequence[Hashable]) -> dict[Hashable, Any]:
    """The measurement basis each wire needs: ``"Z"`` for the computational basis."""
    if obs is None:
        return {w: "Z" for w in wires}
    labels: dict[Hashable, Any] = {}
    for factor in obs.factors():
        name = type(factor).__name__
        if name in ("PauliZ", "BasisStateProjector"):
            label: Any = "Z"
        elif name in ("PauliX", "PauliY", "Hadamard", "Identity"):
            label = name
        else:
            # A general matrix shares a basis only with the same matrix (compared when concrete).
            mat = factor.matrix()
            label = ("matrix", np.asarray(mat).tobytes()) if is_concrete(mat) else ("matrix", id(factor))
        for w in factor.wires:
            if name != "Identity":
                labels[w] = label
    return labels


class Sampler:
    """Draws computational-basis samples of the final state for the measurements of one circuit.

    Measurement terms are grouped greedily into qubit-wise commuting groups (every wire measured in
    one basis within a group). Each group rotates the state once and draws ONE set of full-register
    samples that all its terms share, so their outcomes are correlated as on hardware; different
    groups draw independently (as separate executions would), from keys folded from ``key``.
    """

    def __init__(
        self,
        state: jax.Array,
        axes: WireAxes,
        key: jax.Array,
        shots: int,
        units: Sequence[tuple[tuple[int, int], Any, Sequence[Hashable]]],
    ) -> None:
        self.state = state
        self.axes = axes
        self.key = key
        self.shots = shots
        self.wires = tuple(axes)
        self.real = jnp.finfo(state.dtype).dtype
        self._groups: list[dict[Hashable, Any]] = []
        self._group_obs: list[list[Any]] = []
        self._group_of: dict[tuple[int, int], int] = {}
        for tag, obs, wires in units:
            labels = _basis_labels(obs, wires)
            for g, merged in enumerate(self._groups):
                if all(merged.get(w, label) == label for w, label in labels.items()):
                    merged.update(labels)
                    break
            else:
                g = len(self._groups)
                self._groups.append(dict(labels))
                self._group_obs.append([])
            if obs is not None:
                self._group_obs[g].append(obs)
            self._group_of[tag] = g
        self._draws: dict[int, jax.Array] = {}

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

    def indices(self, obs: Any, wires: Sequence[Hashable], tag: tuple[int, int]) -> jax.Array:
        """Sampled outcome indices over ``wires`` (in ``obs``'s eigenbasis) for the term ``tag``."""
        full = self._draw(self._group_of[tag])
        n = len(self.axes)
        shifts = jnp.asarray([n - 1 - self.axes[w] for w in wires])
        bits = (full[:, None] >> shifts) & 1
        return bits @ (2 ** jnp.arange(len(wires) - 1, -1, -1))


def sampling_units(
    measurements: Sequence[MeasurementProcess], wires: Sequence[Hashable]
) -> list[tuple[tuple[int, int], Any, Sequence[Hashable]]]:
    """``((measurement, term), observable or None, wires)`` for every term each measurement samples."""
    units: list[tuple[tuple[int, int], Any, Sequence[Hashable]]] = []
    for i, m in enumerate(measurements):
        if m.obs is None:
            units.append(((i, 0), None, m.wires or tuple(wires)))
        else:
            units += [((i, j), o, o.wires) for j, o in enumerate(_term_ops(m.obs))]
    return units


def _term_ops(obs: Observable) -> tuple[Observable, ...]:
    """The observables whose expectation values form the raw vector: a coefficient-free Hamiltonian
    (see ``MeasurementProcess.split``) is measured term by term, anything else as one operator."""
    if isinstance(obs, Hamiltonian) and obs.coeffs is None:
        return obs.ops
    return (obs,)


class ExpectationMP(MeasurementProcess):
    """The expectation value ``<psi|O|psi>``; built by :func:`expval`."""

    def raw(self, state: jax.Array, axes: WireAxes) -> jax.Array:
        values: list[Any] = []
        diagonal: list[tuple[int, jax.Array]] = []
        for o in _term_ops(self.obs):
            diag = _diagonal(o, axes, state.ndim)
            if diag is None:
                values.append(_kernels.expectation(state, _apply_observable(state, o, axes)))
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
        for j, o in enumerate(_term_ops(self.obs)):
            idx = sampler.indices(o, o.wires, (index, j))
            means.append(jnp.mean(jnp.asarray(o.eigvals(), sampler.real)[idx]))
        return jnp.stack(means)

    def postprocess(self, raw: jax.Array, coeffs: Any) -> jax.Array:
        return raw[0] if coeffs is None else jnp.dot(jnp.asarray(coeffs, raw.dtype), raw)

    def shape(self, num_wires: int) -> tuple[int, ...]:
        return ()


class VarianceMP(MeasurementProcess):
    """The variance ``<O^2> - <O>^2``; built by :func:`var`."""

    def raw(self, state: jax.Array, axes: WireAxes) -> tuple[jax.Array, jax.Array]:
        applied = [_apply_observable(state, o, axes) for o in _term_ops(self.obs)]
        means = jnp.stack([_kernels.expectation(state, a) for a in applied])
        flat = jnp.stack([jnp.ravel(a) for a in applied])
        gram = jnp.real(jnp.conj(flat) @ flat.T)
        return means, gram

    def sampled(self, sampler: Sampler, index: int) -> tuple[jax.Array, jax.Array]:
        terms = _term_ops(self.obs)
        if len(terms) != 1:
            raise ValueError(
                "var of a Hamiltonian cannot be estimated from shots (its terms need not commute); "
                "measure the terms' expvals, or use shots=None."
            )
        idx = sampler.indices(terms[0], terms[0].wires, (index, 0))
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
            state = _rotate(state, self.obs, axes)
        wires = self.measured_wires or tuple(axes)
        return _kernels.marginal_probabilities(state, [axes[w] for w in wires])

    def sampled(self, sampler: Sampler, index: int) -> jax.Array:
        wires = self.measured_wires or sampler.wires
        idx = sampler.indices(self.obs, wires, (index, 0))
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
        idx = sampler.indices(self.obs, wires, (index, 0))
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
        return jnp.bincount(sampler.indices(self.obs, wires, (index, 0)), length=2 ** len(wires))

    def postprocess(self, raw: jax.Array, coeffs: Any) -> dict[Any, jax.Array]:
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


class _MeasurementFunction:
    """A measurement constructor that also accepts the oldest PennyLane syntax ``expval.PauliZ(0)``."""

    def __init__(self, fn: Callable[..., MeasurementProcess]) -> None:
        self._fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__
        self.__wrapped__ = fn

    def __call__(self, *args: Any, **kwargs: Any) -> MeasurementProcess:
        return self._fn(*args, **kwargs)

    def __getattr__(self, name: str) -> Callable[..., MeasurementProcess]:
        if name not in OBSERVABLES:
            raise AttributeError(
                f"{self.__name__}.{name}: unknown observable; available: {', '.join(OBSERVABLES)}."
            )
        cls = OBSERVABLES[name]
        return lambda *a, **k: self._fn(cls(*a, **k))

    def __repr__(self) -> str:
        return f"<measurement {self.__name__}>"


def _obs_arg(fn_name: str, op: Any) -> Observable:
    if not isinstance(op, Observable):
        raise TypeError(f"{fn_name}: 'op' must be an observable such as qml.PauliZ(0), got {op!r}.")
    if not getattr(op, "is_observable", True):
        raise TypeError(f"{fn_name}: {op!r} is a gate, not an observable.")
    return op


@_MeasurementFunction
def expval(op: Observable) -> ExpectationMP:
    """The expectation value of an observable.

    Example:
        >>> import quantum_jax as qml
        >>> qml.expval(qml.PauliZ(0))
        ExpectationMP(obs=PauliZ(wires=[0]), wires=())
    """
    return ExpectationMP(_obs_arg("expval", op))


@_MeasurementFunction
def var(op: Observable) -> VarianceMP:
    """The variance of an observable.

    Example:
        >>> import quantum_jax as qml
        >>> qml.var(qml.PauliX(1))
        VarianceMP(obs=PauliX(wires=[1]), wires=())
    """
    return VarianceMP(_obs_arg("var", op))


def probs(wires: Any = None, op: Observable | None = None) -> ProbabilityMP:
    """Probabilities of the basis states of ``wires`` (all device wires if omitted), or of ``op``'s
    eigenstates.

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
    if isinstance(op, Hamiltonian):
        raise ValueError(
            f"{fn_name}: a Hamiltonian's terms need not share an eigenbasis, so it cannot be sampled as one "
            "observable; sample its terms, or measure expval."
        )
    return op


@_MeasurementFunction
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


@_MeasurementFunction
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
