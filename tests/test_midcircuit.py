"""Mid-circuit measurements (``measure``, ``cond``, measurement values) against a branching reference.

The reference never defers anything: it simulates a measurement as it happens physically. Every
branch of the circuit is an unnormalised NumPy state vector together with the outcomes measured so
far; a measurement splits each branch into its two projections (the squared norm of each is its
probability weight), a reset flips the measured wire in the outcome-1 branch, post-selection drops the
other branch, and a conditional gate acts in the branches whose outcomes satisfy the condition.
Terminal statistics are weighted sums over the branches, divided by the total weight (1 without
post-selection). So the tests check the deferred-measurement principle itself, not only its plumbing.

Circuits are written once, as a list of steps, and built both as a quantum_jax quantum function and
as the reference; conditions and values are Python functions of the list of measurement values, which
evaluate on the library's measurement values and on the reference's outcome bits alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref

import quantum_jax as qml
from quantum_jax._deferred import defer
from quantum_jax._midcircuit import MeasurementValue, cond, measure
from quantum_jax.simulator import simulate

ATOL = 1e-10
GRAD_ATOL = 1e-8
Z_SCORE = 5.0


# --- circuits as data ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class P:
    """Parameter ``i`` of the circuit's parameter vector."""

    i: int


@dataclasses.dataclass(frozen=True)
class Gate:
    name: str
    params: tuple[Any, ...]
    wires: tuple[int, ...]

    def values(self, x: Any) -> list[Any]:
        return [x[p.i] if isinstance(p, P) else p for p in self.params]


@dataclasses.dataclass(frozen=True)
class Measure:
    wire: int
    reset: bool = False
    postselect: int | None = None


@dataclasses.dataclass(frozen=True)
class Cond:
    """``qml.cond(condition(values), true, false)``; ``true``/``false`` are gates (false optional)."""

    condition: Callable[[Sequence[Any]], Any]
    true: Gate
    false: Gate | None = None


@dataclasses.dataclass(frozen=True)
class Stat:
    """A terminal measurement: ``kind`` is expval/var/probs of an observable, wires or a value."""

    kind: str
    arg: Any


def build(steps: Sequence[Any], stats: Sequence[Stat], label: Callable[[int], Any] = lambda w: w):
    """The quantum function of a circuit, on wire labels ``label(w)``."""

    def gate(g: Gate, x: Any) -> Any:
        return lambda: getattr(qml, g.name)(*g.values(x), wires=[label(w) for w in g.wires])

    def qfunc(x):
        values: list[MeasurementValue] = []
        for step in steps:
            if isinstance(step, Gate):
                gate(step, x)()
            elif isinstance(step, Measure):
                values.append(measure(label(step.wire), reset=step.reset, postselect=step.postselect))
            else:
                false = None if step.false is None else gate(step.false, x)
                cond(step.condition(values), gate(step.true, x), false)()
        return tuple(_measurement(s, values, label) for s in stats)

    return qfunc


def _measurement(s: Stat, values: list[MeasurementValue], label: Callable[[int], Any]) -> Any:
    if s.kind == "expval_value":
        return qml.expval(s.arg(values))
    if s.kind == "var_value":
        return qml.var(s.arg(values))
    if s.kind == "probs_value":
        return qml.probs(op=values[s.arg])
    if s.kind == "expval_z":
        return qml.expval(qml.PauliZ(label(s.arg)))
    if s.kind == "expval_x":
        return qml.expval(qml.PauliX(label(s.arg)))
    if s.kind == "probs":
        return qml.probs(wires=[label(w) for w in s.arg])
    if s.kind == "density_matrix":
        return qml.density_matrix(wires=[label(w) for w in s.arg])
    raise KeyError(s.kind)


def branches(steps: Sequence[Any], x: Any, n: int) -> list[tuple[list[int], np.ndarray]]:
    """The reference: every branch's outcomes and unnormalised state after the circuit."""
    zero = ref.basis_vector([0] * n)
    out: list[tuple[list[int], np.ndarray]] = [([], zero)]

    def apply(g: Gate, psi: np.ndarray) -> np.ndarray:
        mat = ref.gate_matrix(g.name, [float(v) for v in g.values(x)], len(g.wires))
        return ref.embed(mat, g.wires, n) @ psi

    for step in steps:
        if isinstance(step, Gate):
            out = [(o, apply(step, psi)) for o, psi in out]
        elif isinstance(step, Measure):
            split = []
            for o, psi in out:
                for b in (0, 1):
                    if step.postselect is not None and b != step.postselect:
                        continue
                    phi = ref.embed(np.diag([1.0 - b, b]).astype(complex), [step.wire], n) @ psi
                    if step.reset and b:
                        phi = ref.embed(ref.X, [step.wire], n) @ phi
                    split.append(([*o, b], phi))
            out = split
        else:
            new = []
            for o, psi in out:
                if step.condition(o):
                    psi = apply(step.true, psi)
                elif step.false is not None:
                    psi = apply(step.false, psi)
                new.append((o, psi))
            out = new
    return out


def reference(steps: Sequence[Any], stats: Sequence[Stat], x: Any, n: int) -> list[np.ndarray]:
    """Every terminal statistic from the branches (weighted, renormalised by the total weight)."""
    bs = branches(steps, np.asarray(x, dtype=float), n)
    weights = np.array([np.vdot(psi, psi).real for _, psi in bs])
    total = weights.sum()
    assert total > 0, "the reference has no post-selected branch"
    w = weights / total
    units = [psi / np.sqrt(wt) if wt > 0 else psi for (_, psi), wt in zip(bs, weights, strict=True)]
    outs = [o for o, _ in bs]
    results = []
    for s in stats:
        if s.kind in ("expval_value", "var_value"):
            f = np.array([float(s.arg(o)) for o in outs])
            mean = w @ f
            results.append(np.asarray(mean if s.kind == "expval_value" else w @ f**2 - mean**2))
        elif s.kind == "probs_value":
            results.append(np.array([w @ [o[s.arg] == b for o in outs] for b in (0, 1)], dtype=float))
        elif s.kind in ("expval_z", "expval_x"):
            obs = ("PauliZ" if s.kind == "expval_z" else "PauliX", [s.arg])
            results.append(
                np.asarray(sum(wi * ref.expval(u, obs, n) for wi, u in zip(w, units, strict=True)))
            )
        elif s.kind == "probs":
            results.append(sum(wi * ref.probs(u, s.arg, n) for wi, u in zip(w, units, strict=True)))
        elif s.kind == "density_matrix":
            results.append(sum(wi * ref.density_matrix(u, s.arg, n) for wi, u in zip(w, units, strict=True)))
    return results


def central_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    grad = np.zeros_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


def assert_close(got: Sequence[Any], want: Sequence[Any], atol: float = ATOL) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(np.asarray(g), w, atol=atol, rtol=0)


# --- a circuit exercising measure, reset, reuse, cond on combinations and an else branch ------------
RICH_STEPS = [
    Gate("RY", (P(0),), (0,)),
    Gate("CNOT", (), (0, 1)),
    Gate("RX", (P(1),), (1,)),
    Measure(0),
    Measure(1, reset=True),
    Cond(lambda m: m[0], Gate("RY", (P(2),), (2,))),
    Cond(lambda m: (m[0] + m[1]) == 1, Gate("RX", (P(1),), (0,)), Gate("Hadamard", (), (0,))),
    Gate("RY", (P(0),), (1,)),
    Gate("CNOT", (), (2, 1)),
    Measure(1),
    Cond(lambda m: m[2] & m[1], Gate("RZ", (P(2),), (2,))),
    Gate("Hadamard", (), (2,)),
]
RICH_STATS = [
    Stat("expval_z", 2),
    Stat("expval_x", 0),
    Stat("expval_value", lambda m: m[0] + 2 * m[1] - m[2] / 2),
    Stat("var_value", lambda m: 3 * m[1] - m[2]),
    Stat("probs_value", 1),
    Stat("probs", (0, 2)),
    Stat("density_matrix", (2,)),
]
X0 = np.array([0.83, -1.21, 0.57])


@pytest.mark.parametrize("kind", ["fixed", "free", "labels"])
def test_values_match_the_branching_reference(kind):
    labels = ["a", "q1", "z"]
    label = (lambda w: labels[w]) if kind == "labels" else (lambda w: w)
    wires = None if kind == "free" else ([label(w) for w in range(3)])
    dev = qml.device("default.qubit", wires=wires)
    circuit = qml.QNode(build(RICH_STEPS, RICH_STATS, label), dev, interface="jax")
    want = reference(RICH_STEPS, RICH_STATS, X0, 3)
    assert_close(circuit(jnp.asarray(X0)), want)
    # the values are not trivial: conditions and resets change them
    assert abs(float(want[0])) < 0.95 and 0.05 < want[4][1] < 0.95


def test_jit_vmap_and_a_device_without_spare_wires():
    steps = [Gate("RX", (P(0),), (0,)), Measure(0), Cond(lambda m: m[0], Gate("RY", (P(1),), (0,)))]
    stats = [Stat("expval_z", 0), Stat("expval_value", lambda m: m[0])]
    dev = qml.device("default.qubit", wires=1)  # the auxiliary qubit is appended, not taken from here
    circuit = qml.QNode(build(steps, stats), dev, interface="jax")
    xs = np.array([[0.3, 1.1], [2.0, -0.4], [1.3, 0.9]])
    got = jax.jit(jax.vmap(circuit))(jnp.asarray(xs))
    for r, x in enumerate(xs):
        assert_close([g[r] for g in got], reference(steps, stats, x, 1))


def test_parameter_broadcasting_with_postselection():
    dev = qml.device("default.qubit", wires=2)
    ys = np.array([0.2, 1.4, 2.9])

    @qml.qnode(dev, interface="jax")
    def circuit(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=1)
        qml.CNOT(wires=[1, 0])
        m = measure(0, postselect=1)
        cond(m, qml.RX)(y, wires=1)
        return qml.expval(qml.PauliZ(1)), qml.probs(wires=[0, 1])

    steps = [
        Gate("RX", (P(0),), (0,)),
        Gate("RY", (P(1),), (1,)),
        Gate("CNOT", (), (1, 0)),
        Measure(0, postselect=1),
        Cond(lambda m: m[0], Gate("RX", (P(1),), (1,))),
    ]
    got = circuit(0.4, jnp.asarray(ys))
    assert got[0].shape == (3,) and got[1].shape == (3, 4)
    for r, y in enumerate(ys):
        want = reference(steps, [Stat("expval_z", 1), Stat("probs", (0, 1))], [0.4, y], 2)
        assert_close([got[0][r], got[1][r]], want)


def test_teleportation():
    phi, theta, omega = 0.7, 1.9, -0.4
    dev = qml.device("default.qubit")

    @qml.qnode(dev, interface="jax")
    def teleport():
        qml.Rot(phi, theta, omega, wires=0)
        qml.Hadamard(wires=1)
        qml.CNOT(wires=[1, 2])
        qml.CNOT(wires=[0, 1])
        qml.Hadamard(wires=0)
        m0, m1 = measure(0), measure(1)
        cond(m1, qml.PauliX)(wires=2)
        cond(m0, qml.PauliZ)(wires=2)
        return qml.density_matrix(wires=[2]), qml.probs(op=m0), qml.expval(m0 & m1)

    psi = ref.rot(phi, theta, omega) @ ref.basis_vector([0])
    rho, p0, both = teleport()
    np.testing.assert_allclose(np.asarray(rho), np.outer(psi, psi.conj()), atol=ATOL)
    np.testing.assert_allclose(np.asarray(p0), [0.5, 0.5], atol=ATOL)
    np.testing.assert_allclose(float(both), 0.25, atol=ATOL)


def test_reset_and_reuse():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, interface="jax")
    def circuit(x, y):
        qml.RX(x, wires=0)
        m0 = measure(0, reset=True)
        p_after_reset = qml.probs(wires=[0])  # recorded here, measured at the end: wire 0 is reused below
        qml.RY(y, wires=0)
        m1 = measure(0)
        return qml.expval(m0), qml.expval(m1), p_after_reset

    x, y = 1.1, 0.6
    e0, e1, p = circuit(x, y)
    np.testing.assert_allclose(float(e0), np.sin(x / 2) ** 2, atol=ATOL)
    np.testing.assert_allclose(float(e1), np.sin(y / 2) ** 2, atol=ATOL)  # the reset made wire 0 |0>
    np.testing.assert_allclose(np.asarray(p), [np.cos(y / 2) ** 2, np.sin(y / 2) ** 2], atol=ATOL)


def test_an_operation_conditioned_on_its_own_wire():
    # PennyLane 0.45 allows conditioning gates on the measured wire (the outcome lives on an auxiliary
    # qubit): flipping wire 0 where it was measured 1 leaves it |0>, whatever the outcome.
    steps = [Gate("RY", (P(0),), (0,)), Measure(0), Cond(lambda m: m[0], Gate("PauliX", (), (0,)))]
    stats = [Stat("probs", (0,)), Stat("expval_value", lambda m: m[0])]
    circuit = qml.QNode(build(steps, stats), qml.device("default.qubit", wires=1), interface="jax")
    got = circuit(jnp.asarray([1.2]))
    assert_close(got, reference(steps, stats, [1.2], 1))
    np.testing.assert_allclose(np.asarray(got[0]), [1.0, 0.0], atol=ATOL)


# --- post-selection --------------------------------------------------------------------------------
POST_STEPS = [
    Gate("RY", (P(0),), (0,)),
    Gate("CNOT", (), (0, 1)),
    Gate("RX", (P(1),), (1,)),
    Measure(1, postselect=1),
    Cond(lambda m: m[0], Gate("RY", (P(1),), (0,))),
    Measure(0, reset=True),
    Gate("RX", (P(0),), (0,)),
]
POST_STATS = [
    Stat("expval_z", 0),
    Stat("expval_value", lambda m: m[0] + m[1]),
    Stat("var_value", lambda m: m[1]),
    Stat("probs", (0, 1)),
    Stat("density_matrix", (1,)),
]


def test_postselection_renormalises():
    circuit = qml.QNode(build(POST_STEPS, POST_STATS), qml.device("default.qubit", wires=2), interface="jax")
    x = np.array([1.3, 0.8])
    got = circuit(jnp.asarray(x))
    want = reference(POST_STEPS, POST_STATS, x, 2)
    assert_close(got, want)
    np.testing.assert_allclose(float(np.sum(got[3])), 1.0, atol=ATOL)  # renormalised
    np.testing.assert_allclose(np.asarray(got[3])[[0, 2]], 0.0, atol=ATOL)  # wire 1 was kept at |1>


def test_postselection_of_probability_zero_is_nan_free():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, interface="jax")
    def circuit(x):
        qml.RX(x, wires=1)
        measure(0, postselect=1)  # wire 0 is |0>: the kept outcome never happens
        return qml.expval(qml.PauliZ(1)), qml.probs(wires=[1])

    e, p = circuit(0.3)
    assert float(e) == 0.0 and np.all(np.asarray(p) == 0.0)
    g = jax.grad(lambda x: circuit(x)[0])(0.3)
    assert float(g) == 0.0


# --- gradients -------------------------------------------------------------------------------------
def _scalar(stats_values: Sequence[Any]) -> Any:
    """A scalar mixing every kind of statistic (for gradients)."""
    e_z, e_x, e_val, v_val, p_val = stats_values[:5]
    return e_z + 0.7 * e_x - 0.4 * e_val + 0.3 * v_val + 1.5 * p_val[1]


@pytest.mark.parametrize("method", ["backprop", "parameter-shift", "adjoint-expval", "finite-diff"])
def test_gradients_through_conditionals(method):
    stats = RICH_STATS[:5]
    if method == "adjoint-expval":  # adjoint differentiates expectation values only
        stats = [RICH_STATS[0], RICH_STATS[1], RICH_STATS[2]]
    kwargs = {"approx_order": 2, "strategy": "center", "h": 1e-6} if method == "finite-diff" else {}
    diff_method = "adjoint" if method == "adjoint-expval" else method
    dev = qml.device("default.qubit", wires=3)
    circuit = qml.QNode(build(RICH_STEPS, stats), dev, interface="jax", diff_method=diff_method, **kwargs)

    def combine(vals: Sequence[Any]) -> Any:
        if len(vals) == 3:
            return vals[0] + 0.7 * vals[1] - 0.4 * vals[2]
        return _scalar(vals)

    got = jax.grad(lambda x: combine(circuit(x)))(jnp.asarray(X0))
    want = central_gradient(lambda x: float(combine(reference(RICH_STEPS, stats, x, 3))), X0)
    assert np.abs(want).max() > 0.05  # a test that cannot fail is no test
    np.testing.assert_allclose(np.asarray(got), want, atol=GRAD_ATOL, rtol=0)


@pytest.mark.parametrize("method", ["backprop", "parameter-shift"])
def test_gradients_with_postselection(method):
    circuit = qml.QNode(
        build(POST_STEPS, POST_STATS[:4]), qml.device("default.qubit"), interface="jax", diff_method=method
    )
    x = np.array([1.3, 0.8])

    def f(vals: Sequence[Any]) -> Any:
        return vals[0] - 0.6 * vals[1] + 0.9 * vals[2] + 2.0 * vals[3][3]

    got = jax.grad(lambda v: f(circuit(v)))(jnp.asarray(x))
    want = central_gradient(lambda v: float(f(reference(POST_STEPS, POST_STATS[:4], v, 2))), x)
    assert np.abs(want).max() > 0.05
    np.testing.assert_allclose(np.asarray(got), want, atol=GRAD_ATOL, rtol=0)


# --- shots -----------------------------------------------------------------------------------------
def test_shots_sample_counts_and_expvals_within_five_standard_errors():
    shots = 4000
    steps = [
        Gate("RY", (P(0),), (0,)),
        Gate("CNOT", (), (0, 1)),
        Gate("RX", (P(1),), (1,)),
        Measure(0),
        Measure(1),
        Cond(lambda m: m[0] | m[1], Gate("RY", (P(1),), (2,))),
    ]
    dev = qml.device("default.qubit", wires=3, shots=shots, seed=7)

    @qml.qnode(dev, interface="jax")
    def circuit(x):
        qml.RY(x[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RX(x[1], wires=1)
        m0, m1 = measure(0), measure(1)
        cond(m0 | m1, qml.RY)(x[1], wires=2)
        return (
            qml.sample(m0),
            qml.counts(m0 + m1),
            qml.expval(m1),
            qml.probs(op=m0),
            qml.expval(qml.PauliZ(2)),
        )

    x = np.array([1.1, 0.7])
    sample, counts, e_m1, p_m0, e_z = circuit(jnp.asarray(x), key=jax.random.key(3))
    exact = reference(
        steps,
        [
            Stat("expval_value", lambda m: m[0]),
            Stat("expval_value", lambda m: m[1]),
            Stat("expval_z", 2),
            Stat("expval_value", lambda m: m[0] + m[1]),
        ],
        x,
        3,
    )
    q0, q1, z2 = (float(v) for v in exact[:3])
    se = lambda p: np.sqrt(p * (1 - p) / shots)  # noqa: E731
    assert sample.shape == (shots,) and set(np.unique(np.asarray(sample))) <= {0.0, 1.0}
    assert abs(float(np.mean(sample)) - q0) < Z_SCORE * se(q0)
    assert abs(float(e_m1) - q1) < Z_SCORE * se(q1)
    assert abs(float(p_m0[1]) - q0) < Z_SCORE * se(q0)
    assert abs(float(e_z) - z2) < Z_SCORE * np.sqrt((1 - z2**2) / shots)
    assert sorted(counts) == [0.0, 1.0, 2.0] and sum(int(c) for c in counts.values()) == shots
    # counts of the outcome m0 + m1 == 2 (both 1)
    both = sum(np.vdot(psi, psi).real for o, psi in branches(steps, x, 3) if o[0] + o[1] == 2)
    assert abs(int(counts[2.0]) / shots - both) < Z_SCORE * se(both)


def test_shots_with_postselection_draw_every_shot_from_the_postselected_state():
    shots = 4000
    circuit = qml.QNode(
        build(POST_STEPS, [Stat("expval_z", 0), Stat("expval_value", lambda m: m[0] + m[1])]),
        qml.device("default.qubit", wires=2, shots=shots, seed=11),
        interface="jax",
    )
    x = np.array([1.3, 0.8])
    e_z, e_val = circuit(jnp.asarray(x), key=jax.random.key(5))
    want_z, want_val = reference(
        POST_STEPS, [Stat("expval_z", 0), Stat("expval_value", lambda m: m[0] + m[1])], x, 2
    )
    assert abs(float(e_z) - float(want_z)) < Z_SCORE * np.sqrt((1 - float(want_z) ** 2) / shots)
    # m1 is post-selected to 1, so m0 + m1 = 1 + m0: its spread is that of m0
    p0 = float(want_val) - 1.0
    assert abs(float(e_val) - float(want_val)) < Z_SCORE * np.sqrt(p0 * (1 - p0) / shots)


# --- values, their arithmetic and the tape ----------------------------------------------------------
COMBINATIONS = {
    "m0 + m1": (lambda a, b: a + b),
    "m0 - 2 * m1": (lambda a, b: a - 2 * b),
    "3 - m0": (lambda a, b: 3 - a),
    "m0 * m1 + 0.5": (lambda a, b: a * b + 0.5),
    "m0 / 2 + 1 / (m1 + 1)": (lambda a, b: a / 2 + 1 / (b + 1)),
    "m0 & m1": (lambda a, b: a & b),
    "m0 | m1": (lambda a, b: a | b),
    "m0 == m1": (lambda a, b: a == b),
    "m0 != 1": (lambda a, b: a != 1),
    "m0 < m1": (lambda a, b: a < b),
    "m0 >= m1": (lambda a, b: a >= b),
    "-(m0 ** 2) + m1": (lambda a, b: -(a**2) + b),
}


@pytest.mark.parametrize("name", list(COMBINATIONS))
def test_combination_tables(name):
    fn = COMBINATIONS[name]
    m0, m1 = measure(0), measure(1)
    value = fn(m0, m1)
    assert isinstance(value, MeasurementValue)
    want = [float(fn(a, b)) for a in (0, 1) for b in (0, 1)]
    wires = value.wires
    got = []
    for a in (0, 1):
        for b in (0, 1):
            bits = {m0.wires[0]: a, m1.wires[0]: b}
            got.append(value.branches[tuple(bits[w] for w in wires)])
    assert got == want


def test_inversion_and_merged_wires():
    m0, m1, m2 = measure(0), measure(1), measure(2)
    assert (~m0).table == (1.0, 0.0)
    assert (~(m0 & m2)).table == (1.0, 1.0, 1.0, 0.0)
    assert (m0 + m1 + m2).wires == (*m0.wires, *m1.wires, *m2.wires)
    assert sum([m0, m1]).table == (0.0, 1.0, 1.0, 2.0)  # sum() starts from 0


def test_equal_circuits_defer_to_equal_structures():
    def qfunc(x):
        qml.RX(x, wires=0)
        m = measure(0, reset=True)
        cond(m, qml.RY)(x, wires=1)
        return qml.expval(m), qml.probs(op=m)

    dev = qml.device("default.qubit", wires=2)
    node = qml.QNode(qfunc, dev)
    first, second = defer(node.construct((0.1,), {})).tape, defer(node.construct((0.2,), {})).tape
    assert jax.tree_util.tree_structure(first) == jax.tree_util.tree_structure(second)
    assert [op.name for op in first.operations] == ["RX", "CNOT", "CNOT", "C(RY)"]


def test_execute_runs_recorded_tapes():
    with qml.tape.QuantumTape() as tape:
        qml.Hadamard(wires=0)
        m = measure(0)
        cond(m, qml.PauliX(wires=1))
        qml.expval(qml.PauliZ(1))
        qml.expval(m)
    (res,) = qml.execute([tape], qml.device("default.qubit", wires=2), gradient_fn=None)
    np.testing.assert_allclose(np.asarray(res), [0.0, 0.5], atol=ATOL)


def test_cond_false_branch_and_python_bools():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, interface="jax")
    def circuit(x):
        qml.RX(x, wires=0)
        m = measure(0)
        cond(m, qml.RY, qml.RX)(x, wires=1)
        cond(True, qml.PauliX)(wires=0)  # a Python bool simply chooses the branch
        cond(0, qml.PauliX(wires=1), qml.PauliZ(wires=1))
        return qml.expval(qml.PauliZ(1)), qml.expval(qml.PauliZ(0))

    x = 0.9
    p1 = np.sin(x / 2) ** 2
    e1, e0 = circuit(x)
    np.testing.assert_allclose(float(e1), np.cos(x), atol=ATOL)  # RY(x) and RX(x) both give cos(x)
    np.testing.assert_allclose(float(e0), -(1 - 2 * p1), atol=ATOL)  # the unconditional X flipped wire 0


# --- errors -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [2, -1, 0.5, True, "1"])
def test_postselect_must_be_0_or_1(bad):
    with pytest.raises(ValueError, match=r"'postselect' must be None, 0 or 1"):
        measure(0, postselect=bad)


def test_measure_takes_one_wire_and_a_bool_reset():
    with pytest.raises(ValueError, match="only one wire can be measured"):
        measure([0, 1])
    with pytest.raises(TypeError, match="'reset' must be True or False"):
        measure(0, reset="yes")


def test_cond_needs_a_measurement_condition():
    with pytest.raises(TypeError, match="'condition' must be a measurement value"):
        cond(qml.PauliZ(0), qml.PauliX)
    with pytest.raises(TypeError, match="'condition' must be a measurement value"):
        cond("m0", qml.PauliX)
    with pytest.raises(TypeError, match="'true_fn' must be an operation"):
        cond(measure(0), 3)


def test_cond_on_a_traced_value_raises():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, interface="jax")
    def circuit(x):
        cond(x > 0, qml.PauliX)(wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(TypeError, match="'condition' is a traced JAX value"):
        jax.jit(circuit)(0.5)


def test_branches_may_record_gates_only():
    dev = qml.device("default.qubit", wires=2)

    def measuring(wires):
        measure(wires)

    @qml.qnode(dev)
    def circuit():
        m = measure(0)
        cond(m, measuring)(wires=1)
        return qml.expval(qml.PauliZ(1))

    with pytest.raises(ValueError, match="'true_fn' makes a mid-circuit measurement"):
        circuit()

    @qml.qnode(dev)
    def circuit2():
        m = measure(0)
        cond(m, lambda: qml.expval(qml.PauliZ(0)))()
        return qml.expval(qml.PauliZ(1))

    with pytest.raises(ValueError, match="only gates can be applied conditionally"):
        circuit2()


def test_a_value_from_another_circuit_is_rejected():
    stale = measure(0)
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit():
        qml.Hadamard(wires=0)
        cond(stale, qml.PauliX)(wires=1)
        return qml.expval(qml.PauliZ(1))

    with pytest.raises(ValueError, match="which is not made before it in this circuit"):
        circuit()


def test_values_are_not_numbers():
    m = measure(0)
    with pytest.raises(TypeError, match="no truth value"):
        bool(m)
    with pytest.raises(TypeError, match="combine measurement values with other measurement values"):
        m + qml.PauliZ(0)
    with pytest.raises(TypeError, match="traced JAX value"):
        jax.jit(lambda x: (m * x).table)(1.0)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit():
        qml.RX(measure(0), wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(TypeError, match="is not a number: it cannot be a gate parameter"):
        circuit()


def test_wrapped_conditionals_are_rejected():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit():
        m = measure(0)
        qml.adjoint(cond(m, qml.RX(0.3, wires=1)))
        return qml.expval(qml.PauliZ(1))

    with pytest.raises(ValueError, match="wraps a mid-circuit measurement or a conditional"):
        circuit()


def test_measurements_of_every_wire_and_state_are_rejected():
    dev = qml.device("default.qubit", wires=2)
    for make in (qml.state, qml.probs):

        @qml.qnode(dev)
        def circuit(make=make):
            qml.Hadamard(wires=0)
            measure(0)
            return make()

        with pytest.raises(ValueError, match="of every wire is not available"):
            circuit()


def test_adjoint_cannot_undo_a_postselection():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, diff_method="adjoint")
    def circuit(x):
        qml.RX(x, wires=0)
        measure(0, postselect=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(ValueError, match="adjoint differentiation cannot run a circuit that post-selects"):
        circuit(0.2)


def test_the_plain_simulator_refuses_mid_circuit_measurements():
    with qml.tape.QuantumTape() as tape:
        qml.Hadamard(wires=0)
        measure(0)
        qml.expval(qml.PauliZ(0))
    with pytest.raises(ValueError, match=r"runs only through qml\.execute or a QNode"):
        simulate(tape)


def test_sampling_a_value_without_shots_raises():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit():
        m = measure(0)
        return qml.sample(m)

    with pytest.raises(ValueError, match="needs a device with shots"):
        circuit()
