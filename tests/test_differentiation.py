"""Derivatives of executed tapes: every differentiation method against every other and the reference.

Random circuits over the whole parametrized gate set are differentiated once, twice and three times by
parameter-shift, backprop, adjoint and finite differences (all composed with ``jit`` and ``vmap``); the
gradient transforms' ``(tapes, fn)`` form is checked against ``jax.jacobian``; the shift rules are
checked on trigonometric polynomials; ``max_diff`` and the finite-difference fallback are exercised.

XLA's CPU compiler dominates the cost of these tests, so the big derivative graphs are compiled with
cheaper code-generation options (:func:`fast_jit`); the values computed are the same.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref

import quantum_jax as qml
import quantum_jax._core
import quantum_jax._execute
from quantum_jax._shift_rules import frequency_rule, second_derivative_rule

param_shift = qml.gradients.param_shift
finite_diff = qml.gradients.finite_diff

EXACT = dict(rtol=1e-10, atol=1e-10)  # analytic methods against each other (float64)
FD_CENTER = {"h": 1e-5, "approx_order": 2, "strategy": "center"}

# Debug options of XLA's CPU backend that cut compile time of these graphs several-fold.
_FAST_XLA = {"xla_cpu_use_fusion_emitters": False, "xla_backend_optimization_level": 0}


def fast_jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``jax.jit(fn)``, compiled with cheaper XLA options (default ones if this XLA rejects them)."""
    jitted = jax.jit(fn)
    compiled: dict[Any, Any] = {}

    def call(*args: Any) -> Any:
        key = tuple((jnp.shape(a), jnp.result_type(a)) for a in jax.tree_util.tree_leaves(args))
        if key not in compiled:
            lowered = jitted.lower(*args)
            try:
                compiled[key] = lowered.compile(_FAST_XLA)
            except Exception:  # an XLA without these options
                compiled[key] = lowered.compile()
        return compiled[key](*args)

    return call


def derivatives(f: Callable[[Any], Any], inner: Callable[..., Any] = jax.jacrev) -> Callable[[Any], tuple]:
    """``x -> (f(x), J(x), H(x))`` traced once: ``H = jacfwd(inner(f))`` and J, f(x) are its primals."""

    def with_value(x: Any) -> tuple[Any, Any]:
        y = f(x)
        return y, y

    def jac_with_aux(x: Any) -> tuple[Any, Any]:
        j, y = inner(with_value, has_aux=True)(x)
        return j, (y, j)

    def all_three(x: Any) -> tuple[Any, Any, Any]:
        h, (y, j) = jax.jacfwd(jac_with_aux, has_aux=True)(x)
        return y, j, h

    return all_three


def assert_close(actual: Any, expected: Any, what: str, **tol: float) -> None:
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), err_msg=what, **(tol or EXACT))


# ---------------------------------------------------------------------------------------------------
# Random circuits over the parametrized gate set


@dataclasses.dataclass(frozen=True)
class Gate:
    name: str
    wires: tuple[int, ...]
    num_params: int
    word: str | None = None
    adjoint: bool = False

    def build(self, params: Sequence[Any]) -> qml.Operation:
        if self.name == "PauliRot":
            op = qml.PauliRot(params[0], self.word, wires=list(self.wires))
        else:
            op = getattr(qml, self.name)(*params, wires=list(self.wires))
        return qml.adjoint(op) if self.adjoint else op

    def reference(self, params: Sequence[float]) -> ref.Op:
        return ref.Op(self.name, tuple(float(p) for p in params), self.wires, self.word, self.adjoint)


def to_qml(obs: tuple) -> Any:
    """A quantum_jax observable from a reference observable tuple (no Hamiltonians)."""
    if obs[0] == "Tensor":
        return functools.reduce(operator.matmul, [to_qml(f) for f in obs[1]])
    if obs[0] == "Hermitian":
        return qml.Hermitian(obs[2], wires=list(obs[1]))
    return getattr(qml, obs[0])(wires=list(obs[1]))


FIXED = ("Hadamard", "S", "T", "SX", "PauliY", "CNOT", "CZ", "CY", "SWAP", "ISWAP", "Toffoli", "CSWAP")
PAULI = ("PauliX", "PauliY", "PauliZ")

# (register size, seed, parametrized gates: name, optional Pauli word, optional forced adjoint).
# Together the groups hold every parametrized gate; each also holds an adjoint and a PauliRot.
GROUPS: dict[str, tuple[int, int, list[tuple[Any, ...]]]] = {
    "2q": (2, 101, [("RX",), ("U2",), ("CRY",), ("IsingXX",), ("PauliRot", "XY"), ("Rot", None, True),
                    ("PhaseShift",)]),
    "3q": (3, 202, [("RY",), ("U3", None, True), ("CRZ",), ("IsingYY",), ("MultiRZ",), ("CRot", None, True),
                    ("U1",), ("PauliRot", "ZIZ")]),
    "4q": (4, 303, [("RZ",), ("CRX", None, True), ("IsingZZ",), ("ControlledPhaseShift",),
                    ("PauliRot", "YXIZ")]),
}  # fmt: skip
ADJOINT_HESSIAN = ("2q",)  # adjoint Hessians compile slowly: checked on the smallest circuit only


@dataclasses.dataclass(frozen=True)
class Circuit:
    """A random circuit, its measurements (as reference observables) and a batch of parameter points.

    The differentiated vector ``theta`` is the gate parameters followed by the Hamiltonian's
    coefficients. ``full`` tapes measure expvals, variances and probabilities; the others expvals only.
    """

    n: int
    gates: tuple[Gate, ...]
    tensor: tuple
    herm: tuple
    ham_terms: tuple[tuple, ...]
    var_pauli: tuple
    var_herm: tuple
    probs_wires: tuple[int, ...]
    thetas: np.ndarray  # shape (batch, num_gate_params + len(ham_terms))

    @property
    def num_gate_params(self) -> int:
        return sum(g.num_params for g in self.gates)

    def ops(self, params: Sequence[Any]) -> list[qml.Operation]:
        out, i = [], 0
        for g in self.gates:
            out.append(g.build([params[i + k] for k in range(g.num_params)]))
            i += g.num_params
        return out

    def tape(self, theta: Any, full: bool = True) -> qml.tape.Tape:
        p, c = theta[: self.num_gate_params], theta[self.num_gate_params :]
        ms = [
            qml.expval(to_qml(self.tensor)),
            qml.expval(to_qml(self.herm)),
            qml.expval(qml.Hamiltonian(c, [to_qml(t) for t in self.ham_terms])),
        ]
        if full:
            ms += [
                qml.var(to_qml(self.var_pauli)),
                qml.var(to_qml(self.var_herm)),
                qml.probs(wires=list(self.probs_wires)),
            ]
        return qml.tape.Tape(self.ops(p), ms)

    def state(self, theta: np.ndarray) -> np.ndarray:
        """The final state by the NumPy reference simulator."""
        p = np.asarray(theta, dtype=float)[: self.num_gate_params]
        ops, i = [], 0
        for g in self.gates:
            ops.append(g.reference(p[i : i + g.num_params]))
            i += g.num_params
        return ref.run(ops, self.n)

    def reference(self, theta: np.ndarray) -> np.ndarray:
        """The full tape's flat result by the NumPy reference simulator."""
        c = np.asarray(theta, dtype=float)[self.num_gate_params :]
        psi = self.state(theta)
        out = [
            ref.expval(psi, self.tensor, self.n),
            ref.expval(psi, self.herm, self.n),
            ref.expval(psi, ("Hamiltonian", c, list(self.ham_terms)), self.n),
            ref.var(psi, self.var_pauli, self.n),
            ref.var(psi, self.var_herm, self.n),
        ]
        return np.concatenate([out, ref.probs(psi, self.probs_wires, self.n)])


def random_circuit(key: str, batch: int = 2) -> Circuit:
    n, seed, entries = GROUPS[key]
    rng = np.random.default_rng(seed)
    fixed_names = [f for f in FIXED if (ref.GATE_SIGNATURES[f][0] or 1) <= n]
    gates: list[Gate] = []
    for i in rng.permutation(len(entries)):
        name, word, forced = (*entries[i], None, None)[:3]
        fixed_wires, num_params = ref.GATE_SIGNATURES[name]
        k = len(word) if word else fixed_wires or int(rng.integers(2, n + 1))
        wires = tuple(int(w) for w in rng.permutation(n)[:k])
        adjoint = bool(forced) if forced is not None else bool(rng.random() < 0.2)
        gates.append(Gate(name, wires, num_params, word, adjoint))
        if rng.random() < 0.35:  # a fixed gate in between
            fixed = str(rng.choice(fixed_names))
            fk = ref.GATE_SIGNATURES[fixed][0]
            fixed_on = tuple(int(w) for w in rng.permutation(n)[:fk])
            gates.append(Gate(fixed, fixed_on, 0, None, bool(rng.random() < 0.3)))
    a, b, *_ = (int(w) for w in rng.permutation(n))
    tensor = ("Tensor", [(str(rng.choice(PAULI)), (a,)), (str(rng.choice(PAULI)), (b,))])
    herm = ("Hermitian", (b, a), ref.random_hermitian(rng, 4))
    ham_terms = (
        (str(rng.choice(PAULI)), (a,)),
        ("Tensor", [("PauliZ", (b,)), (str(rng.choice(PAULI)), (a,))]),
        ("Hermitian", (b,), ref.random_hermitian(rng, 2)),
    )
    var_pauli = (str(rng.choice(PAULI)), (int(rng.integers(n)),))
    var_herm = ("Hermitian", (a,), ref.random_hermitian(rng, 2))
    num_params = sum(g.num_params for g in gates)
    angles = rng.uniform(-np.pi, np.pi, (batch, num_params))
    coeffs = rng.uniform(-1.5, 1.5, (batch, len(ham_terms)))
    thetas = np.concatenate([angles, coeffs], axis=1)
    return Circuit(n, tuple(gates), tensor, herm, ham_terms, var_pauli, var_herm, (b, a), thetas)


def test_groups_cover_the_parametrized_gate_set():
    names = {entry[0] for _, _, entries in GROUPS.values() for entry in entries}
    parametrized = {
        name
        for name, (_, k) in ref.GATE_SIGNATURES.items()
        if k and name != "QubitUnitary" and name not in ref.EXTENDED_GATES
    }
    assert names == parametrized
    words = [entry[1] for _, _, entries in GROUPS.values() for entry in entries if entry[0] == "PauliRot"]
    assert len(words) >= 3 and any(set(w) <= {"I", "Z"} for w in words)
    assert sum(bool(set(w) - {"I", "Z"}) for w in words) >= 2  # non-diagonal words
    circuits = [random_circuit(k) for k in GROUPS]
    assert all(any(g.adjoint and g.num_params for g in c.gates) for c in circuits)
    assert sum(g.num_params == 0 for c in circuits for g in c.gates) >= 3
    assert any(g.num_params == 0 and g.adjoint for c in circuits for g in c.gates)


def executor(circ: Circuit, gradient_fn: Any, full: bool = True, **kwargs: Any) -> Callable[[Any], Any]:
    dev = qml.device("default.qubit", wires=circ.n)

    def f(theta: Any) -> Any:
        return qml.execute([circ.tape(theta, full)], dev, gradient_fn, interface="jax", **kwargs)[0]

    return f


def reference_jacobian(circ: Circuit, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the NumPy reference simulator (independent of quantum_jax)."""
    cols = []
    for i in range(theta.shape[0]):
        e = np.zeros_like(theta)
        e[i] = h
        cols.append((circ.reference(theta + e) - circ.reference(theta - e)) / (2 * h))
    return np.stack(cols, axis=-1)


@pytest.mark.parametrize("key", list(GROUPS))
def test_random_circuit_derivatives_agree(key):
    """Values, Jacobians and Hessians of expval / var / probs of a random circuit, under jit(vmap(...)).

    Parameter-shift == backprop == adjoint (expvals) to 1e-10, finite differences to 1e-5, and the
    values and Jacobian against the NumPy reference.
    """
    circ = random_circuit(key)
    thetas = jnp.asarray(circ.thetas)
    batch, dim = thetas.shape
    n_exp, p = 3, circ.num_gate_params

    y_ps, j_ps, h_ps = fast_jit(jax.vmap(derivatives(executor(circ, param_shift))))(thetas)
    y_bp, j_bp, h_bp = fast_jit(jax.vmap(derivatives(executor(circ, "backprop"), jax.jacfwd)))(thetas)
    out = y_ps.shape[1]
    assert out == 5 + 2 ** len(circ.probs_wires)
    assert j_ps.shape == (batch, out, dim) and h_ps.shape == (batch, out, dim, dim)
    for theta, y in zip(circ.thetas, np.asarray(y_ps), strict=True):
        assert_close(y, circ.reference(theta), "values against the reference")
    j_ref = reference_jacobian(circ, circ.thetas[0])
    assert_close(j_bp[0], j_ref, "Jacobian vs reference", atol=1e-6, rtol=0)

    assert_close(y_ps, y_bp, "values: param_shift vs backprop")
    assert_close(j_ps, j_bp, "Jacobian: param_shift vs backprop")
    assert_close(h_ps, h_bp, "Hessian: param_shift vs backprop")

    adjoint = executor(circ, "device", full=False)
    if key in ADJOINT_HESSIAN:
        _, j_adj, h_adj = fast_jit(jax.vmap(derivatives(adjoint, jax.jacfwd)))(thetas)
        assert_close(h_adj, h_bp[:, :n_exp], "Hessian: adjoint vs backprop")
    else:
        j_adj = fast_jit(jax.vmap(jax.jacfwd(adjoint)))(thetas)
    assert_close(j_adj, j_bp[:, :n_exp], "Jacobian: adjoint vs backprop")

    j_fd = fast_jit(jax.vmap(jax.jacfwd(executor(circ, finite_diff, gradient_kwargs=FD_CENTER))))(thetas)
    assert_close(j_fd, j_bp, "Jacobian: finite_diff vs backprop", atol=1e-5, rtol=0)

    # Structure of the exact derivatives.
    assert_close(h_ps[:, :, p:, p:], np.zeros_like(h_ps[:, :, p:, p:]), "coefficients enter linearly")
    assert np.abs(h_ps[:, 2, :p, p:]).max() > 1e-3  # mixed coefficient-angle block is not trivially zero
    terms = [[ref.expval(circ.state(th), t, circ.n) for t in circ.ham_terms] for th in circ.thetas]
    assert_close(j_ps[:, 2, p:], terms, "d<H>/d(coefficient) = <term>")
    assert_close(h_ps, np.swapaxes(h_ps, -1, -2), "symmetric Hessian")
    assert_close(j_ps[:, 5:].sum(axis=1), np.zeros((batch, dim)), "probabilities keep summing to one")


def test_derivative_orders_commute_and_third_derivatives():
    """jacfwd(jacrev) == jacrev(jacfwd) == jacrev(jacrev) for parameter-shift; third derivatives too.

    The third derivatives equal backprop's, on a circuit with two-term and four-term (controlled)
    parameters.
    """
    dev = qml.device("default.qubit", wires=2)

    def tape(p: Any) -> qml.tape.Tape:
        ops = [
            qml.RX(p[0], wires=0),
            qml.CRY(p[1], wires=[0, 1]),
            qml.adjoint(qml.IsingXX(p[2], wires=[0, 1])),
        ]
        return qml.tape.Tape(ops, [qml.expval(qml.PauliZ(0) @ qml.PauliY(1)), qml.var(qml.PauliX(1))])

    def f(method: Any, max_diff: int = 3) -> Callable[[Any], Any]:
        return lambda p: qml.execute([tape(p)], dev, method, interface="jax", max_diff=max_diff)[0]

    ps, bp = f(param_shift), f("backprop")
    points = jnp.array([[0.3, -1.1, 0.7], [1.4, 0.5, -2.2]])

    def orders(p: Any) -> tuple[Any, ...]:
        return (
            jax.jacfwd(jax.jacrev(ps))(p),
            jax.jacrev(jax.jacfwd(ps))(p),
            jax.jacrev(jax.jacrev(ps))(p),
            jax.jacfwd(jax.jacfwd(jax.jacrev(ps)))(p),
        )

    fr, rf, rr, third_ps = fast_jit(jax.vmap(orders))(points)
    assert_close(fr, rf, "jacfwd(jacrev) vs jacrev(jacfwd)")
    assert_close(fr, rr, "jacfwd(jacrev) vs jacrev(jacrev)")
    third_bp = fast_jit(jax.vmap(jax.jacfwd(jax.jacfwd(jax.jacfwd(bp)))))(points)
    assert third_ps.shape == (2, 2, 3, 3, 3)
    assert np.abs(third_bp).max() > 0.1
    assert_close(third_ps, third_bp, "third derivatives: param_shift vs backprop")
    assert_close(third_ps, np.swapaxes(third_ps, -1, -3), "third derivative symmetric")


def small_tape(p: Any) -> qml.tape.Tape:
    ops = [qml.RX(p[0], wires=0), qml.CRZ(p[1], wires=[0, 1]), qml.Hadamard(1), qml.U2(p[2], p[0], wires=1)]
    return qml.tape.Tape(ops, [qml.expval(qml.PauliX(1)), qml.expval(qml.PauliZ(0) @ qml.PauliY(1))])


@pytest.mark.parametrize("method", [param_shift, "device"], ids=["param_shift", "adjoint"])
def test_eager_jit_and_vmap_derivatives_agree(method):
    """The same gradient and Hessian eagerly, under jax.jit, and under jax.vmap."""
    dev = qml.device("default.qubit", wires=2)
    weights = jnp.array([1.0, -0.5])

    def cost(m: Any) -> Callable[[Any], Any]:
        return lambda p: jnp.dot(qml.execute([small_tape(p)], dev, m, interface="jax")[0], weights)

    f, f_bp = cost(method), cost("backprop")
    points = jnp.array([[0.4, -0.8, 1.9], [2.5, 0.1, -1.2], [-0.3, 3.0, 0.6]])
    both = fast_jit(
        jax.vmap(lambda p: (jax.grad(f)(p), jax.hessian(f)(p), jax.grad(f_bp)(p), jax.hessian(f_bp)(p)))
    )
    g_vmap, h_vmap, g_bp, h_bp = both(points)
    assert_close(g_vmap, g_bp, "vmap gradient vs backprop")
    assert_close(h_vmap, h_bp, "vmap Hessian vs backprop")
    assert np.abs(np.asarray(h_bp)).max() > 0.1
    assert_close(jax.grad(f)(points[0]), g_bp[0], "eager gradient")
    if method is param_shift:
        assert_close(jax.jit(jax.hessian(f))(points[1]), h_bp[1], "jit Hessian")


def test_adjoint_rejects_probs_and_var():
    dev = qml.device("default.qubit", wires=1)
    for measure in (lambda: qml.probs(wires=[0]), lambda: qml.var(qml.PauliZ(0))):

        def f(x: Any, measure: Callable[[], Any] = measure) -> Any:
            tape = qml.tape.Tape([qml.RX(x, wires=0)], [measure()])
            return jnp.sum(qml.execute([tape], dev, "device", interface="jax")[0])

        assert np.isfinite(float(f(0.3)))  # the forward pass alone is fine
        with pytest.raises(ValueError, match="adjoint differentiation supports expval"):
            jax.grad(f)(0.3)
        with pytest.raises(ValueError, match="adjoint differentiation supports expval"):
            jax.jit(jax.grad(f))(0.3)


def prepared_cost(method: Any, with_basis_state: bool) -> Callable[[Any], Any]:
    """StatePrep of ``cos x |0> + sin x |1>`` on wire 1, then ``<Z_1>`` = cos(2x).

    With ``with_basis_state``, also BasisState |1> on wire 0 (the CNOT then flips wire 1).
    """
    dev = qml.device("default.qubit", wires=2)

    def cost(x: Any) -> Any:
        ops = [qml.BasisState(np.array([1]), wires=[0])] if with_basis_state else []
        ops += [qml.StatePrep(jnp.array([jnp.cos(x), jnp.sin(x)]), wires=1), qml.CNOT(wires=[0, 1])]
        sign = -1.0 if with_basis_state else 1.0  # the CNOT flips wire 1 when wire 0 is |1>
        tape = qml.tape.Tape(ops, [qml.expval(qml.PauliZ(1))])
        return sign * qml.execute([tape], dev, method, interface="jax")[0][0]

    return cost


def _fresh_traces() -> None:
    """Forget earlier traces, so that the fallback warning is raised again.

    The warning is raised when a derivative is first traced; another test in this process may already
    have traced the same structure.
    """
    jax.clear_caches()
    quantum_jax._core.circuit_function.cache_clear()
    quantum_jax._execute._single.cache_clear()
    quantum_jax._execute._batched.cache_clear()


def test_traced_state_preparation():
    _fresh_traces()
    x = 0.3
    assert_close(jax.grad(prepared_cost("device", False))(x), -2 * math.sin(2 * x), "adjoint")
    assert_close(jax.grad(prepared_cost("backprop", True))(x), -2 * math.sin(2 * x), "backprop")
    with pytest.warns(UserWarning, match="no shift rule"):
        g = jax.grad(prepared_cost(param_shift, True))(x)
    assert_close(g, -2 * math.sin(2 * x), "param_shift (finite-difference fallback)", atol=1e-7, rtol=0)


def test_adjoint_with_traced_state_prep_and_basis_state():
    assert_close(jax.grad(prepared_cost("device", True))(0.3), -2 * math.sin(0.6), "adjoint")


# ---------------------------------------------------------------------------------------------------
# Classical processing of parameters


def test_chain_rule_through_classical_processing():
    """RX(2x) and Rot(x, x**2, sin x): first and second derivatives in x by every method.

    Checked against central differences of the NumPy reference.
    """
    dev = qml.device("default.qubit", wires=2)

    def tape(x: Any) -> qml.tape.Tape:
        ops = [qml.RX(2 * x, wires=0), qml.Rot(x, x**2, jnp.sin(x), wires=1), qml.CNOT(wires=[0, 1])]
        return qml.tape.Tape(ops, [qml.expval(qml.PauliZ(1)), qml.expval(qml.PauliY(0) @ qml.PauliX(1))])

    def reference(x: float) -> np.ndarray:
        ops = [
            ref.Op("RX", (2 * x,), (0,)),
            ref.Op("Rot", (x, x**2, math.sin(x)), (1,)),
            ref.Op("CNOT", (), (0, 1)),
        ]
        psi = ref.run(ops, 2)
        return np.array([ref.expval(psi, ("PauliZ", (1,)), 2),
                         ref.expval(psi, ("Tensor", [("PauliY", (0,)), ("PauliX", (1,))]), 2)])  # fmt: skip

    xs = np.array([0.37, -1.3])
    h = 1e-4
    d1 = np.stack([(reference(x + h) - reference(x - h)) / (2 * h) for x in xs])
    d2 = np.stack([(reference(x + h) - 2 * reference(x) + reference(x - h)) / h**2 for x in xs])

    results = {}
    for name, method in [("param_shift", param_shift), ("adjoint", "device"), ("backprop", "backprop")]:

        def f(x: Any, method: Any = method) -> Any:
            return qml.execute([tape(x)], dev, method, interface="jax")[0]

        _, j, hess = fast_jit(jax.vmap(derivatives(f)))(jnp.asarray(xs))
        assert_close(j, d1, f"{name}: first derivative", atol=1e-7, rtol=0)
        assert_close(hess, d2, f"{name}: second derivative", atol=1e-5, rtol=0)
        results[name] = (j, hess)
    for name in ("param_shift", "adjoint"):
        assert_close(results[name][0], results["backprop"][0], f"{name} vs backprop: first derivative")
        assert_close(results[name][1], results["backprop"][1], f"{name} vs backprop: second derivative")
    # eagerly, and with the processing spread over an array argument
    v = jnp.array([0.37, 2.0])

    def g(v: Any) -> Any:
        return qml.execute([tape(v[0] * v[1] / 2)], dev, param_shift, interface="jax")[0][0]

    assert_close(jax.grad(g)(v), np.array([v[1], v[0]]) / 2 * d1[0, 0], "eager chain rule", atol=1e-7, rtol=0)


# ---------------------------------------------------------------------------------------------------
# max_diff


def ry_cost(method: Any, max_diff: int) -> Callable[[Any], Any]:
    """``<Z>`` after ``RY(x)``: ``cos(x)``."""
    dev = qml.device("default.qubit", wires=1)

    def cost(x: Any) -> Any:
        tape = qml.tape.Tape([qml.RY(x, wires=0)], [qml.expval(qml.PauliZ(0))])
        return qml.execute([tape], dev, method, interface="jax", max_diff=max_diff)[0][0]

    return cost


@pytest.mark.parametrize("method", [param_shift, finite_diff], ids=["param_shift", "finite_diff"])
def test_max_diff_limits_the_derivative_order(method):
    x = 0.6
    tol = {} if method is param_shift else dict(atol=1e-6, rtol=0)
    assert_close(jax.jit(jax.grad(ry_cost(method, 1)))(x), -math.sin(x), "gradient with max_diff=1", **tol)
    with pytest.raises(ValueError, match="max_diff=1"):
        jax.grad(jax.grad(ry_cost(method, 1)))(x)
    with pytest.raises(ValueError, match="max_diff=1"):
        jax.jit(jax.hessian(ry_cost(method, 1)))(x)
    with pytest.raises(ValueError, match="max_diff=2"):
        jax.jit(jax.grad(jax.grad(jax.grad(ry_cost(method, 2)))))(x)
    if method is param_shift:
        d2 = jax.jit(jax.grad(jax.grad(ry_cost(method, 2))))(x)
        assert_close(d2, -math.cos(x), "second derivative with max_diff=2")
        d3 = jax.jit(jax.grad(jax.grad(jax.grad(ry_cost(method, 3)))))(x)
        assert_close(d3, math.sin(x), "third derivative with max_diff=3")


def test_max_diff_does_not_limit_backprop():
    d3 = jax.jit(jax.grad(jax.grad(jax.grad(ry_cost("backprop", 1)))))(0.6)
    assert_close(d3, math.sin(0.6), "third derivative by backprop with max_diff=1")


# ---------------------------------------------------------------------------------------------------
# The transform API: (tapes, fn)

DEV2 = qml.device("default.qubit", wires=2)
HERM = np.array([[1.0, 0.5j], [-0.5j, -2.0]])


def transform_tape(p: Any, measurements: Callable[[], list[Any]]) -> qml.tape.Tape:
    ops = [
        qml.RX(p[0], wires=0),
        qml.IsingYY(p[1], wires=[0, 1]),
        qml.Hadamard(wires=1),
        qml.Rot(p[2], p[3], p[4], wires=1),
        qml.CNOT(wires=[1, 0]),
    ]
    return qml.tape.Tape(ops, measurements())


MEASUREMENT_SETS = {
    "expvals": lambda: [qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliX(0) @ qml.PauliY(1))],
    "probs": lambda: [qml.probs(wires=[1, 0])],
    "mixed": lambda: [qml.expval(qml.PauliZ(1)), qml.probs(wires=[0])],
    "var": lambda: [qml.var(qml.PauliX(1)), qml.var(qml.Hermitian(HERM, wires=0))],
}
P5 = np.array([0.3, -0.9, 1.2, 0.45, -2.0])


@functools.cache
def backprop_derivatives(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Jacobian and Hessian of a transform tape's result by backprop (``jax.jacobian``/``jax.hessian``)."""

    def f(q: Any) -> Any:
        return qml.execute([transform_tape(q, MEASUREMENT_SETS[kind])], DEV2, "backprop", interface="jax")[0]

    _, j, h = fast_jit(derivatives(f))(jnp.asarray(P5))
    return np.asarray(j), np.asarray(h)


@pytest.mark.parametrize("kind", list(MEASUREMENT_SETS))
def test_param_shift_transform_equals_jax_jacobian(kind):
    tape = transform_tape(P5, MEASUREMENT_SETS[kind])
    tapes, fn = param_shift(tape)
    assert len(tapes) == 2 * 5 + (1 if kind == "var" else 0)  # variances need the unshifted tape
    jac = fn(qml.execute(tapes, DEV2, None))
    expected, _ = backprop_derivatives(kind)
    assert jac.shape == expected.shape
    assert_close(jac, expected, f"param_shift transform ({kind})")


@pytest.mark.parametrize("kind", ["expvals", "mixed"])
def test_finite_diff_transform_equals_jax_jacobian(kind):
    tapes, fn = finite_diff(transform_tape(P5, MEASUREMENT_SETS[kind]), **FD_CENTER)
    assert len(tapes) == 2 * 5
    jac = fn(qml.execute(tapes, DEV2, None))
    expected, _ = backprop_derivatives(kind)
    assert jac.shape == expected.shape
    assert_close(jac, expected, f"finite_diff transform ({kind})", atol=1e-8, rtol=0)


@pytest.mark.parametrize("kind", ["expvals", "probs"])
def test_param_shift_hessian_transform(kind):
    n = 5
    tapes, fn = qml.gradients.param_shift_hessian(transform_tape(P5, MEASUREMENT_SETS[kind]))
    assert len(tapes) == 1 + n + 2 * n * (n - 1)
    hess = fn(qml.execute(tapes, DEV2, None))
    _, expected = backprop_derivatives(kind)
    assert hess.shape == expected.shape
    assert_close(hess, expected, f"param_shift_hessian ({kind})")


def controlled_tape(q: Any) -> qml.tape.Tape:
    return qml.tape.Tape(
        [qml.RX(q[0], wires=0), qml.CRY(q[1], wires=[0, 1]), qml.CRot(q[2], q[3], q[4], wires=[1, 0])],
        [qml.expval(qml.PauliX(0) @ qml.PauliZ(1))],
    )


def test_transforms_with_four_term_rules_and_argnum():
    p = np.array([0.5, 1.7, -0.6, 0.9, 2.3])

    def f(q: Any) -> Any:
        return qml.execute([controlled_tape(q)], DEV2, "backprop", interface="jax")[0]

    _, jac, hess = fast_jit(derivatives(f))(jnp.asarray(p))
    tape = controlled_tape(p)

    tapes, fn = param_shift(tape)
    assert len(tapes) == 2 + 4 * 4  # RX: two terms; CRY and CRot's three parameters: four each
    assert_close(fn(qml.execute(tapes, DEV2, None)), jac, "four-term rules")
    tapes, fn = param_shift(tape, argnum=[0, 3])
    assert len(tapes) == 2 + 4
    assert_close(fn(qml.execute(tapes, DEV2, None)), jac[..., [0, 3]], "argnum subset")

    tapes, fn = qml.gradients.param_shift_hessian(tape)
    assert_close(fn(qml.execute(tapes, DEV2, None)), hess, "Hessian with four-term rules")
    tapes, fn = qml.gradients.param_shift_hessian(tape, argnum=[0, 1])
    assert_close(fn(qml.execute(tapes, DEV2, None)), hess[..., :2, :2], "Hessian of an argnum subset")


# ---------------------------------------------------------------------------------------------------
# gradient_kwargs reach the rules


def rx_cost(gradient_fn: Any, **kwargs: Any) -> Callable[[Any], Any]:
    """``<Z>`` after ``RX(x)``: ``cos(x)``."""
    dev = qml.device("default.qubit", wires=1)

    def cost(x: Any) -> Any:
        tape = qml.tape.Tape([qml.RX(x, wires=0)], [qml.expval(qml.PauliZ(0))])
        return qml.execute([tape], dev, gradient_fn, interface="jax", **kwargs)[0][0]

    return cost


def first_and_second(f: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, Any]]:
    return jax.jit(lambda x: (jax.grad(f)(x), jax.grad(jax.grad(f))(x)))


def test_shifts_kwarg():
    x = 0.8
    for s in (0.3, 2.5):
        d1, d2 = first_and_second(rx_cost(param_shift, gradient_kwargs={"shifts": s}))(x)
        assert_close(d1, -math.sin(x), f"gradient with shift {s}")
        assert_close(d2, -math.cos(x), f"second derivative with shift {s}")
    # a shift of pi cannot resolve the frequency: proof that the option reaches the rule
    with pytest.raises(ValueError, match="cannot resolve"):
        jax.grad(rx_cost(param_shift, gradient_kwargs={"shifts": math.pi}))(x)
    # the transform puts it into its shifted tapes
    tape = qml.tape.Tape([qml.RX(x, wires=0)], [qml.expval(qml.PauliZ(0))])
    tapes, fn = param_shift(tape, shifts=0.3)
    assert sorted(float(t.get_parameters()[0]) for t in tapes) == pytest.approx([x - 0.3, x + 0.3])
    assert_close(fn(qml.execute(tapes, DEV2, None)), [[-math.sin(x)]], "transform with shifts")


def test_gradient_recipes_kwarg():
    x = 0.8
    # f'(x) = -1/2 f(-x + pi/2) + 1/2 f(-x - pi/2) for f = cos: a recipe with a multiplier
    mirrored = ((-0.5, -1.0, math.pi / 2), (0.5, -1.0, -math.pi / 2))
    # a deliberately 'wrong' recipe is used as given: 2 f(x + 0.1)
    odd = ((2.0, 1.0, 0.1),)
    both = jax.jit(lambda x: (
        jax.grad(rx_cost(param_shift, gradient_kwargs={"gradient_recipes": [mirrored]}))(x),
        jax.grad(rx_cost(param_shift, gradient_kwargs={"gradient_recipes": {0: odd}}))(x),
    ))  # fmt: skip
    d_mirrored, d_odd = both(x)
    assert_close(d_mirrored, -math.sin(x), "recipe with a multiplier")
    assert_close(d_odd, 2 * math.cos(x + 0.1), "custom recipe")
    tape = qml.tape.Tape([qml.RX(x, wires=0)], [qml.expval(qml.PauliZ(0))])
    tapes, fn = param_shift(tape, gradient_recipes=[odd])
    assert len(tapes) == 1
    assert_close(fn(qml.execute(tapes, DEV2, None)), [[2 * math.cos(x + 0.1)]], "transform, custom recipe")


FD_FORMULAS = {
    ("forward", 1): lambda f, x, h: (f(x + h) - f(x)) / h,
    ("backward", 1): lambda f, x, h: (f(x) - f(x - h)) / h,
    ("center", 2): lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h),
    ("forward", 2): lambda f, x, h: (-3 * f(x) + 4 * f(x + h) - f(x + 2 * h)) / (2 * h),
}


def test_finite_diff_kwargs():
    """h, approx_order and strategy reach the stencil: a coarse step gives the stencil's exact value."""
    x, h = 0.8, 0.25
    cases = [
        ({"h": h, "strategy": strategy, "approx_order": order}, rule(math.cos, x, h))
        for (strategy, order), rule in FD_FORMULAS.items()
    ]
    grads = jax.jit(lambda x: [jax.grad(rx_cost(finite_diff, gradient_kwargs=kw))(x) for kw, _ in cases])(x)
    tape = qml.tape.Tape([qml.RX(x, wires=0)], [qml.expval(qml.PauliZ(0))])
    for (kwargs, expected), g in zip(cases, grads, strict=True):
        assert abs(expected + math.sin(x)) > 1e-3  # distinguishable from the derivative
        assert_close(g, expected, f"execute {kwargs}")
        tapes, fn = finite_diff(tape, **kwargs)
        assert_close(fn(qml.execute(tapes, DEV2, None)), [[expected]], f"transform {kwargs}")
    default = jax.jit(jax.grad(rx_cost(finite_diff)))(x)
    assert_close(default, FD_FORMULAS["forward", 1](math.cos, x, 1e-7), "default: forward, h=1e-7", atol=1e-9)


def test_gradient_kwargs_are_validated():
    with pytest.raises(TypeError, match="unexpected gradient_kwargs"):
        jax.grad(rx_cost(param_shift, gradient_kwargs={"h": 0.1}))(0.3)
    with pytest.raises(ValueError, match="strategy"):
        jax.grad(rx_cost(finite_diff, gradient_kwargs={"strategy": "sideways"}))(0.3)


# ---------------------------------------------------------------------------------------------------
# Shift rules


def trig_poly(rng: np.random.Generator, freqs: Sequence[float]) -> tuple[Callable, Callable, Callable]:
    """A random ``a0 + sum a_l cos(w_l x) + b_l sin(w_l x)`` with its first and second derivatives."""
    a0, a, b = rng.normal(), rng.normal(size=len(freqs)), rng.normal(size=len(freqs))
    w = np.asarray(freqs, dtype=float)

    def f(x: float) -> float:
        return a0 + np.sum(a * np.cos(w * x) + b * np.sin(w * x))

    def df(x: float) -> float:
        return np.sum(w * (-a * np.sin(w * x) + b * np.cos(w * x)))

    def d2f(x: float) -> float:
        return np.sum(-(w**2) * (a * np.cos(w * x) + b * np.sin(w * x)))

    return f, df, d2f


def apply_recipe(recipe: Sequence[tuple[float, float, float]], f: Callable[[float], float], x: float) -> Any:
    return sum(c * f(m * x + s) for c, m, s in recipe)


def test_two_term_rule():
    rule = frequency_rule((1.0,))
    assert len(rule) == 2
    assert {(round(c, 15), m, round(s, 15)) for c, m, s in rule} == {
        (0.5, 1.0, round(math.pi / 2, 15)), (-0.5, 1.0, round(-math.pi / 2, 15))
    }  # fmt: skip


def test_four_term_rule_is_the_closed_form():
    """Wierichs et al. (2022): f' = c+ [f(x+pi/2) - f(x-pi/2)] - c- [f(x+3pi/2) - f(x-3pi/2)]."""
    r2 = math.sqrt(2)
    c_plus, c_minus = (r2 + 1) / (4 * r2), (r2 - 1) / (4 * r2)
    expected = {
        math.pi / 2: c_plus, -math.pi / 2: -c_plus, 3 * math.pi / 2: -c_minus, -3 * math.pi / 2: c_minus,
    }  # fmt: skip
    rule = frequency_rule((0.5, 1.0))
    assert len(rule) == 4
    got = {round(s, 12): c for c, m, s in rule if m == 1.0}
    assert len(got) == 4
    for s, c in expected.items():
        assert got[round(s, 12)] == pytest.approx(c, abs=1e-14)
    assert frequency_rule((1.0, 0.5)) == rule  # order of the frequencies does not matter


@pytest.mark.parametrize(
    "freqs", [(1.0,), (0.5, 1.0), (1.0, 2.0, 3.0), (0.5, 1.0, 1.5), (0.7, 1.4, 2.1, 2.8), (1.0, 1.7, 3.1)]
)
def test_frequency_rules_differentiate_trig_polynomials_exactly(freqs):
    rng = np.random.default_rng(len(freqs) * 7 + int(10 * freqs[0]))
    rule = frequency_rule(freqs)
    assert len(rule) == 2 * len(freqs)
    second = second_derivative_rule(freqs)
    for _ in range(3):
        f, df, d2f = trig_poly(rng, freqs)
        for x in rng.uniform(-4, 4, size=3):
            assert apply_recipe(rule, f, x) == pytest.approx(df(x), abs=1e-10)
            assert apply_recipe(second, f, x) == pytest.approx(d2f(x), abs=1e-9)


def test_frequency_rule_with_custom_shifts():
    rng = np.random.default_rng(5)
    f, df, _ = trig_poly(rng, (1.0, 2.0, 3.0))
    rule = frequency_rule((1.0, 2.0, 3.0), (0.2, 0.9, 1.3))
    assert sorted({abs(round(s, 12)) for _, _, s in rule}) == [0.2, 0.9, 1.3]
    assert apply_recipe(rule, f, 0.4) == pytest.approx(df(0.4), abs=1e-10)
    with pytest.raises(ValueError, match="need 3 shift"):
        frequency_rule((1.0, 2.0, 3.0), (0.2,))
    assert frequency_rule(()) == ()


def test_second_derivative_rule():
    rule = second_derivative_rule((1.0,))
    assert {(round(c, 15), round(s, 15)) for c, _, s in rule} == {(0.5, round(math.pi, 15)), (-0.5, 0.0)}
    # a single frequency needs f(x + pi) and f(x) only; shifts are reduced modulo the period
    for freqs in [(0.5, 1.0), (1.0, 2.0, 3.0)]:
        period = 2 * math.pi / freqs[0]
        shifts = [s for _, _, s in second_derivative_rule(freqs)]
        assert all(-period / 2 <= s <= period / 2 for s in shifts)
        assert len(set(np.round(shifts, 9))) == len(shifts)


# ---------------------------------------------------------------------------------------------------
# The finite-difference fallback


def test_traced_qubit_unitary_falls_back_to_finite_differences():
    def cost_on(dev: Any) -> Callable[[Any], Any]:
        def cost(x: Any) -> Any:
            c, s = jnp.cos(x / 2), jnp.sin(x / 2)
            u = jnp.array([[c, -s], [s, c]], dtype=complex)  # RY(x), built from traced values
            ops = [qml.Hadamard(1), qml.QubitUnitary(u, wires=0), qml.CNOT(wires=[0, 1])]
            tape = qml.tape.Tape(ops, [qml.expval(qml.PauliZ(0) @ qml.PauliX(1))])
            return qml.execute([tape], dev, param_shift, interface="jax")[0][0]

        return cost

    _fresh_traces()
    x = 0.9
    cost = cost_on(qml.device("default.qubit", wires=2))
    assert float(cost(x)) == pytest.approx(math.cos(x), abs=1e-12)
    with pytest.warns(UserWarning, match="no shift rule"):
        g = jax.grad(cost)(x)
    assert float(g) == pytest.approx(-math.sin(x), abs=1e-6)
    # under jit (another register, so that the rule is traced afresh)
    with pytest.warns(UserWarning, match="no shift rule"):
        g = jax.jit(jax.grad(cost_on(qml.device("default.qubit", wires=[0, 1, 2]))))(x)
    assert float(g) == pytest.approx(-math.sin(x), abs=1e-6)
