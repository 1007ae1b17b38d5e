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

from . import _kernels, _recording
from ._gates import OBSERVABLES
from ._observables import Hamiltonian, Observable
from ._wires import Wires, as_wires

WireAxes = Mapping[Hashable, int]


def _apply_observable(state: jax.Array, obs: Observable, axes: WireAxes) -> jax.Array:
    for factor in obs.factors():
        state = _kernels.apply_operation(state, factor, [axes[w] for w in factor.wires])
    return state


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

    def postprocess(self, raw: Any, coeffs: Any) -> jax.Array:
        """The measurement's value from its raw quantities and Hamiltonian coefficients."""
        return raw

    def shape(self, num_wires: int) -> tuple[int, ...]:
        """The shape of the result on a device with ``num_wires`` wires."""
        raise NotImplementedError


def _term_ops(obs: Observable) -> tuple[Observable, ...]:
    return obs.ops if isinstance(obs, Hamiltonian) else obs.terms()[1]


class ExpectationMP(MeasurementProcess):
    """The expectation value ``<psi|O|psi>``; built by :func:`expval`."""

    def raw(self, state: jax.Array, axes: WireAxes) -> jax.Array:
        return jnp.stack(
            [_kernels.expectation(state, _apply_observable(state, o, axes)) for o in _term_ops(self.obs)]
        )

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

    def shape(self, num_wires: int) -> tuple[int, ...]:
        return (2 ** (len(self.measured_wires) or num_wires),)


class StateMP(MeasurementProcess):
    """The full statevector (complex); built by :func:`state`."""

    differentiable = False

    def raw(self, state: jax.Array, axes: WireAxes) -> jax.Array:
        return jnp.reshape(state, (-1,))

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
