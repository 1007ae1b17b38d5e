"""Operator arithmetic: ``qml.sum``, ``prod``, ``s_prod``, ``dot``, ``@ + - * / **`` and ``qml.simplify``.

Every matrix, expectation value, variance, probability and gradient is checked against dense NumPy: the
observables' matrices are written here with ``reference.embed`` (wire 0 the most significant bit), the
states come from ``reference.run``, gradients from central finite differences of the reference. Shot
estimates must lie within 5 standard errors of the exact values.
"""

from __future__ import annotations

import functools
import operator

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref

import quantum_jax as qml
from quantum_jax import _arithmetic
from quantum_jax.pauli import PauliSentence, PauliWord
from quantum_jax.tape import QuantumTape

N = 3
RNG = np.random.default_rng(7)
A = ref.random_hermitian(RNG, 2)
B = ref.random_hermitian(RNG, 2)
M1, M2 = ref.random_hermitian(RNG, 2), ref.random_hermitian(RNG, 2)
C = np.kron(ref.X, M1) + np.kron(ref.I2, M2)  # on wires (1, 2): commutes with X on wire 1
Z_SCORE = 5.0


def E(mat: np.ndarray, wires) -> np.ndarray:  # noqa: N802 -- reads as the embedding E(m) of the text
    """``mat`` on ``wires`` of the 3-wire register."""
    return ref.embed(np.asarray(mat, dtype=complex), list(wires), N)


# --- the expressions measured below, with their dense matrices ---------------------------------------
# Builders: call them inside a quantum function. An expression that is built but not measured stays in
# the recording as an operation (as in PennyLane), so build only what is measured.
BUILDERS = [
    lambda: qml.PauliX(1) @ qml.Hermitian(C, wires=[1, 2]),  # a product on shared wires: dense
    lambda: qml.PauliZ(0) @ qml.PauliZ(0) @ qml.PauliY(2),  # a Tensor with a dense factor
    lambda: qml.sum(
        qml.PauliX(1) @ qml.Hermitian(C, wires=[1, 2]),
        qml.s_prod(0.7, qml.PauliZ(0)),
        qml.Hermitian(A, wires=0),
    ),  # a sum containing a dense product: dense
    lambda: qml.dot(
        [0.3, -0.8, 1.1], [qml.PauliZ(0), qml.PauliX(1) @ qml.PauliY(2), qml.Hermitian(A, wires=0)]
    ),
    lambda: qml.s_prod(-1.3, qml.PauliY(1) @ qml.PauliZ(2)),
    lambda: qml.Hermitian(A, wires=2) ** 2,
    lambda: qml.prod(qml.Hermitian(A, wires=0), qml.PauliX(2)),  # disjoint: measured factor by factor
    lambda: 0.5 * (qml.PauliX(1) @ qml.Hermitian(C, wires=[1, 2])) + qml.PauliZ(0),  # with a dense term
]


def observables() -> list:
    return [build() for build in BUILDERS]


DENSE = [
    E(ref.X, [1]) @ E(C, [1, 2]),
    E(ref.Z, [0]) @ E(ref.Z, [0]) @ E(ref.Y, [2]),
    E(ref.X, [1]) @ E(C, [1, 2]) + 0.7 * E(ref.Z, [0]) + E(A, [0]),
    0.3 * E(ref.Z, [0]) - 0.8 * E(ref.X, [1]) @ E(ref.Y, [2]) + 1.1 * E(A, [0]),
    -1.3 * E(ref.Y, [1]) @ E(ref.Z, [2]),
    E(A @ A, [2]),
    E(A, [0]) @ E(ref.X, [2]),
    0.5 * E(ref.X, [1]) @ E(C, [1, 2]) + E(ref.Z, [0]),
]
KINDS = ["Prod", "Tensor", "Sum", "Sum", "SProd", "Pow", "Prod", "Hamiltonian"]
SINGLE = [0, 1, 2, 4, 5, 6]  # measured as one operator (or one term): their variance can be sampled
DENSE_OPS = [0, 2, 5]  # diagonalized from their dense matrix: sampled and probs(op=...) below


def reference_ops(x) -> list[ref.Op]:
    return [
        ref.Op("Hadamard", (), (2,)),
        ref.Op("RX", (x[0],), (0,)),
        ref.Op("RY", (x[1],), (1,)),
        ref.Op("CNOT", (), (0, 1)),
        ref.Op("RZ", (x[2],), (2,)),
        ref.Op("RY", (x[3],), (2,)),
        ref.Op("CNOT", (), (1, 2)),
        ref.Op("RX", (x[4],), (0,)),
    ]


def apply_circuit(x) -> None:
    qml.Hadamard(wires=2)
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.RZ(x[2], wires=2)
    qml.RY(x[3], wires=2)
    qml.CNOT(wires=[1, 2])
    qml.RX(x[4], wires=0)


X0 = np.array([0.4, -1.1, 0.8, 2.2, -0.6])


def ref_state(x) -> np.ndarray:
    return ref.run(reference_ops(x), N)


def ref_values(x) -> np.ndarray:
    psi = ref_state(x)
    ev = [np.vdot(psi, m @ psi).real for m in DENSE]
    var = [np.vdot(psi, m @ m @ psi).real - e**2 for m, e in zip(DENSE, ev, strict=True)]
    return np.array(ev + var)


def ref_jacobian(x, h: float = 1e-6) -> np.ndarray:
    cols = [(ref_values(x + h * e) - ref_values(x - h * e)) / (2 * h) for e in np.eye(len(x))]
    return np.stack(cols, axis=1)


@functools.cache
def exact_qnode(diff_method: str):
    dev = qml.device("default.qubit", wires=N)

    @qml.qnode(dev, diff_method=diff_method, interface="jax")
    def circuit(x):
        apply_circuit(x)
        ms = [qml.expval(o) for o in observables()]
        if diff_method != "adjoint":
            ms += [qml.var(o) for o in observables()]
        return tuple(ms)

    return lambda x: jnp.stack(circuit(x))


def eigen_groups(mat: np.ndarray, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct eigenvalues of ``mat`` (ascending) and the probability of each in ``psi``."""
    lam, vecs = np.linalg.eigh(mat)
    p = np.abs(vecs.conj().T @ psi) ** 2
    keys = np.round(lam, 9)
    distinct = np.unique(keys)
    return distinct, np.array([p[keys == k].sum() for k in distinct])


OWN_WIRES = {0: (1, 2), 2: (1, 2, 0), 5: (2,)}  # the wires of the dense operators: in order of appearance


def local(index: int) -> np.ndarray:
    """The dense matrix of observable ``index`` on its own wires (in their order)."""
    wires = OWN_WIRES[index]
    k, r = 2 ** len(wires), 2 ** (N - len(wires))
    order = list(wires) + [w for w in range(N) if w not in wires]
    full = DENSE[index].reshape((2,) * 2 * N).transpose(order + [N + w for w in order]).reshape(k, r, k, r)
    return full[:, 0, :, 0]  # it acts as the identity on the other wires


# --- construction: which class each operator makes ----------------------------------------------------
def test_operators_make_the_classes_of_pennylane():
    z0, x0, z1 = qml.PauliZ(0), qml.PauliX(0), qml.PauliZ(1)
    assert isinstance(x0 @ z0, qml.Prod) and isinstance(z0 @ z1, qml.Tensor)
    assert isinstance(x0 + z1, qml.Hamiltonian) and isinstance(x0 - z1, qml.Hamiltonian)
    assert isinstance(2.0 * x0, qml.Hamiltonian) and isinstance(x0 / 2, qml.Hamiltonian)
    assert isinstance(-x0, qml.Hamiltonian)
    assert isinstance(1j * x0, qml.SProd) and not (1j * x0).is_hermitian
    assert isinstance(x0**2, _arithmetic.Pow) and isinstance(x0 * z0, qml.Prod)
    assert isinstance(sum([x0, z1, qml.PauliY(2)]), qml.Hamiltonian)  # builtin sum starts from 0
    assert isinstance(qml.prod(x0, z1), qml.Prod) and isinstance(qml.sum(x0, z1), qml.Sum)
    nonherm = qml.prod(qml.PauliX(0), qml.PauliZ(0))
    assert isinstance(nonherm + z1, qml.Sum) and isinstance(z1 - nonherm, qml.Sum)
    assert (0 + nonherm) is nonherm


def test_matrices_of_operators_and_their_embedding():
    x, y = 0.37, -1.2
    rx, ry = ref.rx(x), ref.ry(y)
    cases = [
        (qml.PauliX(0) @ qml.PauliZ(0), ref.X @ ref.Z, [0]),
        (qml.prod(qml.RX(x, wires=0), qml.RY(y, wires=0)), rx @ ry, [0]),
        (qml.prod(qml.RX(x, wires=1), qml.RY(y, wires=0)), np.kron(ry, rx), [0, 1]),
        (qml.sum(qml.RX(x, wires=0), qml.RY(y, wires=1)), np.kron(rx, ref.I2) + np.kron(ref.I2, ry), [0, 1]),
        (qml.s_prod(2j, qml.RX(x, wires=0)), 2j * rx, [0]),
        (qml.dot([0.5, -1.0], [qml.PauliZ(1), qml.CNOT(wires=[0, 1])]),
         0.5 * np.kron(ref.I2, ref.Z) - ref.controlled(ref.X), [0, 1]),
        (qml.Hermitian(A, wires=0) ** 3, np.linalg.matrix_power(A, 3), [0]),
        (qml.PauliX(0) ** -1, ref.X, [0]),
        (qml.PauliX(0) - qml.prod(qml.PauliX(0), qml.PauliZ(0)), ref.X - ref.X @ ref.Z, [0]),
        ((qml.PauliX(0) + qml.PauliZ(1)) @ qml.PauliY(0),
         (np.kron(ref.X, ref.I2) + np.kron(ref.I2, ref.Z)) @ np.kron(ref.Y, ref.I2), [0, 1]),
        (qml.PauliZ(0) * qml.Hermitian(A, wires=0), ref.Z @ A, [0]),
    ]  # fmt: skip
    for op, want, wires in cases:
        np.testing.assert_allclose(qml.matrix(op, wire_order=wires), want, atol=1e-12, err_msg=repr(op))
        order = [2, *reversed(wires)]  # reversed and with an idle wire
        positions = [order.index(w) for w in wires]
        np.testing.assert_allclose(
            qml.matrix(op, wire_order=order),
            ref.embed(want, positions, len(order)),
            atol=1e-12,
            err_msg=repr(op),
        )


def test_the_expressions_matrices_and_measurement_modes():
    with QuantumTape() as tape:
        obs = observables()
    # every operand was absorbed by its expression; the composites are operations until measured
    assert [type(o).__name__ for o in tape.operations] == ["Prod", "Sum", "Sum", "SProd", "Pow", "Prod"]
    for k, (op, want, kind) in enumerate(zip(obs, DENSE, KINDS, strict=True)):
        assert type(op).__name__ == kind, k
        assert op.is_hermitian, k
        np.testing.assert_allclose(qml.matrix(op, wire_order=range(N)), want, atol=1e-12, err_msg=str(k))
    assert obs[0].factors() == (obs[0],) and obs[2].terms()[0] is None  # dense
    assert {k: obs[k].wires for k in OWN_WIRES} == OWN_WIRES
    assert obs[3].terms()[0].tolist() == [0.3, -0.8, 1.1] and obs[4].terms()[0].tolist() == [-1.3]
    assert len(obs[6].factors()) == 2  # measured like a Tensor
    with pytest.raises(TypeError, match=r"a Sum of products is a linear combination"):
        obs[3].factors()
    with pytest.raises(TypeError, match=r"an SProd of products is a linear combination"):
        obs[4].factors()


def test_qml_pow_of_an_observable_is_its_measurable_power():
    """``qml.pow(A, k)`` of an observable is ``A ** k``: measurable, with the dense matrix power's values."""
    powers = [
        (lambda: qml.PauliX(0), E(ref.X, [0]), 2),
        (lambda: qml.Hermitian(A, wires=2), E(A, [2]), 2),
        (lambda: qml.Hermitian(C, wires=[1, 2]), E(C, [1, 2]), 3),
        (lambda: qml.PauliZ(0) @ qml.PauliY(2), E(ref.Z, [0]) @ E(ref.Y, [2]), 2),
        (lambda: 0.5 * qml.PauliZ(0) + qml.PauliX(1), 0.5 * E(ref.Z, [0]) + E(ref.X, [1]), 2),
        (lambda: qml.PauliY(1), E(ref.Y, [1]), -1),
    ]
    dev = qml.device("default.qubit", wires=N)

    @qml.qnode(dev, interface="jax")
    def circuit(x):
        apply_circuit(x)
        return [qml.expval(qml.pow(b(), k)) for b, _, k in powers] + [
            qml.var(qml.pow(b(), k)) for b, _, k in powers
        ]

    psi = ref_state(X0)
    dense = [np.linalg.matrix_power(m, k) for _, m, k in powers]
    ev = [np.vdot(psi, m @ psi).real for m in dense]
    var = [np.vdot(psi, m @ m @ psi).real - e**2 for m, e in zip(dense, ev, strict=True)]
    np.testing.assert_allclose(np.asarray(circuit(jnp.asarray(X0))), ev + var, atol=1e-10)
    for build, _, k in powers:
        op = qml.pow(build(), k)
        assert isinstance(op, _arithmetic.Pow) and op.z == k and op.is_hermitian


def test_qml_pow_and_the_power_operator_agree():
    """Both routes build the same operator: the same class, wires, matrix and Hermiticity."""
    bases = [
        lambda: qml.PauliX(0),
        lambda: qml.Hadamard(1),
        lambda: qml.Hermitian(C, wires=[1, 2]),
        lambda: qml.PauliZ(0) @ qml.PauliX(1),
        lambda: qml.prod(qml.PauliX(0), qml.PauliZ(0)),  # not Hermitian: a power, not measurable
        lambda: qml.sum(qml.PauliZ(0), qml.Hermitian(A, wires=1)),
    ]
    for build in bases:
        for k in (2, 3, 0, -2, 2.0):
            via_pow, via_operator = qml.pow(build(), k), build() ** int(k)
            assert type(via_pow) is type(via_operator) and via_pow.wires == via_operator.wires
            assert via_pow.is_hermitian == via_operator.is_hermitian
            np.testing.assert_allclose(qml.matrix(via_pow), qml.matrix(via_operator), atol=1e-12)
    np.testing.assert_allclose(qml.matrix(qml.pow(qml.Hermitian(A, wires=0), 2)), A @ A, atol=1e-12)
    with QuantumTape() as tape:
        qml.pow(qml.PauliX(0), 2)
        qml.PauliZ(1) ** 3
    assert [op.name for op in tape.operations] == ["Pow", "Pow"]  # each replaces its base


def test_lazy_false_flattens_nested_operators():
    inner = qml.prod(qml.PauliX(0), qml.PauliZ(1))
    flat = qml.prod(inner, qml.PauliY(2), lazy=False)
    assert [type(o).__name__ for o in flat.operands] == ["PauliX", "PauliZ", "PauliY"]
    assert len(qml.prod(qml.prod(qml.PauliX(0), qml.PauliZ(1)), qml.PauliY(2)).operands) == 2
    s = qml.sum(qml.sum(qml.PauliX(0), qml.PauliZ(1)), qml.PauliY(2), lazy=False)
    assert len(s.operands) == 3
    sp = qml.s_prod(0.5, qml.s_prod(4.0, qml.PauliZ(0)), lazy=False)
    assert float(sp.scalar) == 2.0 and isinstance(sp.base, qml.PauliZ)
    assert isinstance(qml.s_prod(0.5, qml.s_prod(4.0, qml.PauliZ(0))).base, qml.SProd)


def test_hermiticity_and_involution_are_decided_from_data():
    z0, x0 = qml.PauliZ(0), qml.PauliX(0)
    facts = {
        "Z0 Z0": (z0 @ qml.PauliZ(0), True, True),
        "X0 Z0": (x0 @ qml.PauliZ(0), False, False),
        "X0 Y1 (prod)": (qml.prod(qml.PauliX(0), qml.PauliY(1)), True, True),
        "A A": (qml.Hermitian(A, wires=0) @ qml.Hermitian(A, wires=0), True, False),
        "A B": (qml.Hermitian(A, wires=0) @ qml.Hermitian(B, wires=0), False, False),
        "X1 C": (qml.PauliX(1) @ qml.Hermitian(C, wires=[1, 2]), True, False),
        "RX RY": (qml.prod(qml.RX(0.1, wires=0), qml.RY(0.2, wires=0)), False, False),
        "sum": (qml.sum(qml.PauliX(0), qml.Hermitian(A, wires=1)), True, False),
        "sum with a gate": (qml.sum(qml.PauliX(0), qml.RX(0.3, wires=0)), False, False),
        "real scale": (qml.s_prod(-1.0, qml.PauliX(0)), True, True),
        "scale 2": (qml.s_prod(2.0, qml.PauliX(0)), True, False),
        "complex scale": (qml.s_prod(0.5j, qml.PauliX(0)), False, False),
        "zero imaginary": (qml.s_prod(2.0 + 0j, qml.PauliX(0)), True, False),
        "pow": (qml.PauliY(0) ** 2, True, True),
        "pow of A": (qml.Hermitian(A, wires=0) ** 2, True, False),
        "tensor with non-Hermitian": (
            qml.Tensor(qml.prod(qml.PauliX(0), qml.PauliZ(0)), qml.PauliZ(1)),
            False,
            False,
        ),
    }
    for name, (op, hermitian, involutory) in facts.items():
        assert op.is_hermitian is hermitian, name
        assert op.is_involutory is involutory, name
        m = np.asarray(qml.matrix(op))
        assert np.allclose(m, m.conj().T, atol=1e-12) == hermitian, name  # the claims agree with the matrix
        if hermitian:
            assert np.allclose(m @ m, np.eye(len(m))) == involutory, name
    assert not jnp.iscomplexobj(qml.s_prod(2.0 + 0j, qml.PauliX(0)).scalar)


def test_composites_are_pytrees_with_their_numbers_as_leaves():
    op = qml.dot([0.5, 2.0], [qml.PauliZ(0), qml.RX(0.3, wires=1)])
    leaves, treedef = jax.tree_util.tree_flatten(op)
    assert [float(v) for v in leaves] == [0.5, 2.0, 0.3]
    rebuilt = jax.tree_util.tree_unflatten(treedef, [1.0, -1.0, 0.0])
    np.testing.assert_allclose(qml.matrix(rebuilt), np.kron(ref.Z, ref.I2) - np.eye(4), atol=1e-14)
    assert rebuilt.is_hermitian is op.is_hermitian is False
    grad = jax.grad(lambda c: jnp.real(qml.matrix(qml.s_prod(c, qml.PauliZ(0)))[1, 1]))(0.7)
    assert float(grad) == -1.0


def test_eigendecomposition_of_dense_and_non_hermitian_operators():
    op = qml.PauliX(1) @ qml.Hermitian(C, wires=[1, 2])
    m = np.asarray(qml.matrix(op))
    np.testing.assert_allclose(op.eigvals(), np.linalg.eigvalsh(m), atol=1e-12)
    (gate,) = op.diagonalizing_gates()
    u = np.asarray(qml.matrix(gate))
    np.testing.assert_allclose(u @ m @ u.conj().T, np.diag(np.linalg.eigvalsh(m)), atol=1e-12)
    assert gate.wires == (1, 2)
    prod = qml.prod(qml.Hermitian(A, wires=0), qml.PauliX(2))  # disjoint: the factors' data
    np.testing.assert_allclose(prod.eigvals(), np.kron(np.linalg.eigvalsh(A), [1, -1]), atol=1e-12)
    assert [type(g).__name__ for g in prod.diagonalizing_gates()] == ["QubitUnitary", "Hadamard"]
    nonherm = qml.prod(qml.RX(0.4, wires=0), qml.RY(0.3, wires=0))
    want = np.linalg.eigvals(ref.rx(0.4) @ ref.ry(0.3))
    np.testing.assert_allclose(
        sorted(np.asarray(qml.eigvals(nonherm)), key=np.angle), sorted(want, key=np.angle)
    )
    np.testing.assert_allclose(
        sorted(np.asarray(nonherm.eigvals()), key=np.angle), sorted(want, key=np.angle)
    )
    with pytest.raises(ValueError, match=r"RX\(0.4, wires=\[0\]\) @ RY\(0.3, wires=\[0\]\) is not Hermitian"):
        nonherm.diagonalizing_gates()


# --- measurement -------------------------------------------------------------------------------------
def test_exact_expvals_variances_and_probabilities():
    circuit = exact_qnode("backprop")
    np.testing.assert_allclose(circuit(jnp.asarray(X0)), ref_values(X0), atol=1e-10)
    dev = qml.device("default.qubit", wires=N)

    @qml.qnode(dev)
    def probs(x):
        apply_circuit(x)
        return [qml.probs(op=BUILDERS[k]()) for k in DENSE_OPS]

    psi = ref_state(X0)
    for k, got in zip(DENSE_OPS, probs(jnp.asarray(X0)), strict=True):
        lam = np.linalg.eigvalsh(local(k))  # the order of the eigenvalues the probabilities belong to
        distinct, want = eigen_groups(DENSE[k], psi)
        got_groups = [float(np.sum(np.asarray(got)[np.isclose(lam, v, atol=1e-8)])) for v in distinct]
        np.testing.assert_allclose(got_groups, want, atol=1e-10, err_msg=str(k))


@pytest.mark.parametrize("diff_method", ["backprop", "parameter-shift", "adjoint", "finite-diff"])
def test_gradients_match_finite_differences_of_the_reference(diff_method):
    circuit = exact_qnode(diff_method)
    x = jnp.asarray(X0)
    jac = jax.jacobian(circuit)(x)
    want = ref_jacobian(X0)
    if diff_method == "adjoint":
        want = want[: len(DENSE)]
    atol = 1e-5 if diff_method == "finite-diff" else 1e-7
    np.testing.assert_allclose(jac, want, atol=atol)
    np.testing.assert_allclose(circuit(x), ref_values(X0)[: len(want)], atol=1e-10)


@pytest.mark.parametrize("diff_method", ["backprop", "parameter-shift", "adjoint"])
def test_coefficients_of_sums_and_scalar_products_are_differentiable(diff_method):
    dev = qml.device("default.qubit", wires=N)

    @qml.qnode(dev, diff_method=diff_method, interface="jax")
    def circuit(x, coeffs, scale):
        apply_circuit(x)
        lin = qml.dot(coeffs, [qml.PauliZ(0), qml.PauliX(1) @ qml.PauliY(2), qml.Hermitian(A, wires=0)])
        return qml.expval(lin), qml.expval(qml.s_prod(scale, qml.PauliY(1) @ qml.PauliZ(2)))

    def total(x, coeffs, scale):
        a, b = circuit(x, coeffs, scale)
        return a + b

    coeffs, scale = jnp.array([0.3, -0.8, 1.1]), -1.3
    grads = jax.grad(total, argnums=(1, 2))(jnp.asarray(X0), coeffs, scale)
    psi = ref_state(X0)
    terms = [E(ref.Z, [0]), E(ref.X, [1]) @ E(ref.Y, [2]), E(A, [0])]
    np.testing.assert_allclose(grads[0], [np.vdot(psi, t @ psi).real for t in terms], atol=1e-10)
    np.testing.assert_allclose(grads[1], np.vdot(psi, E(ref.Y, [1]) @ E(ref.Z, [2]) @ psi).real, atol=1e-10)


def test_jit_and_vmap_over_coefficients_and_traced_matrices():
    dev = qml.device("default.qubit", wires=N)

    @qml.qnode(dev, interface="jax")
    def circuit(x, coeffs, mat):
        apply_circuit(x)
        square = qml.Hermitian(mat, wires=0) @ qml.Hermitian(mat, wires=0)  # traced: assumed to commute
        return qml.expval(qml.dot(coeffs, [qml.PauliZ(0), qml.PauliX(1) @ qml.PauliY(2)])), qml.expval(square)

    batch = jnp.array([[0.5, 1.0], [-2.0, 0.25]])
    got = jax.jit(jax.vmap(circuit, in_axes=(None, 0, None)))(jnp.asarray(X0), batch, jnp.asarray(A))
    psi = ref_state(X0)
    z, xy = (np.vdot(psi, m @ psi).real for m in (E(ref.Z, [0]), E(ref.X, [1]) @ E(ref.Y, [2])))
    np.testing.assert_allclose(got[0], batch[:, 0] * z + batch[:, 1] * xy, atol=1e-10)
    np.testing.assert_allclose(got[1], [np.vdot(psi, E(A @ A, [0]) @ psi).real] * 2, atol=1e-10)


def shot_bounds(psi: np.ndarray, shots: int) -> np.ndarray:
    """Per observable: 5 standard errors of the mean estimate (conservative for several terms)."""
    sigma = []
    for k, m in enumerate(DENSE):
        if k == 3:  # three terms sampled in groups: |c_1| s_1 + |c_2| s_2 + |c_3| s_3 bounds the error
            parts = [(0.3, E(ref.Z, [0])), (0.8, E(ref.X, [1]) @ E(ref.Y, [2])), (1.1, E(A, [0]))]
        elif k == 7:
            parts = [(0.5, E(ref.X, [1]) @ E(C, [1, 2])), (1.0, E(ref.Z, [0]))]
        else:
            parts = [(1.0, m)]
        total = 0.0
        for c, t in parts:
            mu = np.vdot(psi, t @ psi).real
            total += c * np.sqrt(max(np.vdot(psi, t @ t @ psi).real - mu**2, 0.0))
        sigma.append(total)
    return Z_SCORE * np.array(sigma) / np.sqrt(shots)


def test_shots_estimate_expvals_variances_probabilities_and_samples():
    shots = 20_000
    dev = qml.device("default.qubit", wires=N, shots=shots, seed=11)

    @qml.qnode(dev, interface="jax")
    def circuit(x):
        apply_circuit(x)
        obs = observables()
        out = [qml.expval(o) for o in obs] + [qml.var(obs[k]) for k in SINGLE]
        return tuple(out + [qml.probs(op=obs[0])] + [qml.sample(obs[k]) for k in DENSE_OPS])

    res = circuit(jnp.asarray(X0))
    psi = ref_state(X0)
    exact = ref_values(X0)
    bound = shot_bounds(psi, shots)
    ev = np.array(res[: len(DENSE)])
    assert np.all(np.abs(ev - exact[: len(DENSE)]) <= bound), (ev, exact[: len(DENSE)], bound)
    for j, k in enumerate(SINGLE):
        lam, p = eigen_groups(DENSE[k], psi)
        mu = p @ lam
        m4 = p @ (lam - mu) ** 4
        se = np.sqrt(max(m4 - (p @ (lam - mu) ** 2) ** 2, 1e-12) / shots)
        assert abs(res[len(DENSE) + j] - exact[len(DENSE) + k]) <= Z_SCORE * se + 1e-3, k
    probs = np.asarray(res[len(DENSE) + len(SINGLE)])
    lam0 = np.linalg.eigvalsh(local(0))
    distinct, want = eigen_groups(DENSE[0], psi)
    got = np.array([probs[np.isclose(lam0, v, atol=1e-8)].sum() for v in distinct])
    assert np.all(np.abs(got - want) <= Z_SCORE * np.sqrt(want * (1 - want) / shots) + 1e-9)
    for k, samples in zip(DENSE_OPS, res[len(DENSE) + len(SINGLE) + 1 :], strict=True):
        samples = np.asarray(samples)
        lam, p = eigen_groups(DENSE[k], psi)
        assert samples.shape == (shots,)
        assert np.all(np.min(np.abs(samples[:, None] - lam[None, :]), axis=1) < 1e-8), k  # eigenvalues only
        assert abs(samples.mean() - exact[k]) <= bound[k], k


def test_parameter_shift_gradient_with_shots():
    shots = 20_000
    dev = qml.device("default.qubit", wires=N, shots=shots, seed=5)

    @qml.qnode(dev, diff_method="parameter-shift", interface="jax")
    def circuit(x):
        apply_circuit(x)
        return qml.expval(BUILDERS[0]())

    g = jax.grad(circuit)(jnp.asarray(X0))
    want = ref_jacobian(X0)[0]
    # each two-term rule is (f(x + s) - f(x - s)) / 2 of two estimates: its standard error is at most
    # sigma_max / sqrt(2 shots), with sigma_max <= the spectral norm
    assert np.all(np.abs(np.asarray(g) - want) <= Z_SCORE * np.linalg.norm(DENSE[0], 2) / np.sqrt(2 * shots))
    assert np.abs(want).max() > 0.05  # the gradient is not trivially zero


def test_a_product_applied_as_a_gate():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, interface="jax")
    def circuit(a, b):
        qml.Hadamard(wires=1)
        qml.prod(qml.RX(a, wires=0), qml.RY(b, wires=0), qml.CNOT(wires=[1, 0]))  # CNOT acts first
        return qml.state()

    a, b = 0.3, -0.9
    want = ref.run([ref.Op("Hadamard", (), (1,)), ref.Op("CNOT", (), (1, 0)), ref.Op("RY", (b,), (0,)),
                    ref.Op("RX", (a,), (0,))], 2)  # fmt: skip
    np.testing.assert_allclose(circuit(a, b), want, atol=1e-12)
    with QuantumTape() as tape:
        qml.prod(qml.RX(a, wires=0), qml.RY(b, wires=0))
    assert [type(o).__name__ for o in tape.operations] == ["Prod"]


# --- simplify ----------------------------------------------------------------------------------------
def coefficient_map(h: qml.Hamiltonian) -> dict[str, float]:
    return {repr(o): float(c) for c, o in zip(h.coeffs, h.ops, strict=True)}


def test_simplify_pauli_sums_into_hamiltonians():
    op = qml.sum(
        qml.sum(qml.PauliX(0), qml.PauliZ(1)), qml.s_prod(2.0, qml.PauliX(0)), qml.s_prod(0.0, qml.PauliY(2))
    )
    h = qml.simplify(op)
    assert isinstance(h, qml.Hamiltonian)
    assert coefficient_map(h) == {"PauliX(wires=[0])": 3.0, "PauliZ(wires=[1])": 1.0}
    dist = qml.simplify(qml.prod(qml.PauliX(0) + qml.PauliZ(0), qml.PauliY(1)))
    assert coefficient_map(dist) == {
        "PauliX(wires=[0]) @ PauliY(wires=[1])": 1.0,
        "PauliZ(wires=[0]) @ PauliY(wires=[1])": 1.0,
    }
    nested = qml.simplify(qml.s_prod(2.0, qml.s_prod(3.0, qml.PauliZ(0))))
    assert coefficient_map(nested) == {"PauliZ(wires=[0])": 6.0}
    square = qml.simplify((qml.PauliZ(0) + qml.PauliX(0)) ** 2)  # Z X + X Z = 0
    assert coefficient_map(square) == {"Identity(wires=[0])": 2.0}


def test_simplify_products_of_paulis_with_phases():
    xy = qml.simplify(qml.PauliX(0) @ qml.PauliY(0))
    assert isinstance(xy, qml.SProd) and complex(xy.scalar) == 1j and isinstance(xy.base, qml.PauliZ)
    assert isinstance(qml.simplify(qml.PauliX(0) @ qml.PauliX(0)), qml.Identity)
    t = qml.simplify(qml.prod(qml.PauliZ(0), qml.PauliX(1)))
    assert isinstance(t, qml.Tensor) and repr(t) == "PauliZ(wires=[0]) @ PauliX(wires=[1])"
    zero = qml.simplify(qml.PauliX(0) - qml.PauliX(0))
    np.testing.assert_allclose(qml.matrix(zero), np.zeros((2, 2)))


def test_simplify_general_operators():
    herm = qml.simplify(
        qml.sum(qml.Hermitian(A, wires=0), qml.s_prod(2.0, qml.Hermitian(A, wires=0)), qml.PauliZ(1))
    )
    assert isinstance(herm, qml.Hamiltonian) and len(herm.ops) == 2
    np.testing.assert_allclose(sorted(np.asarray(herm.coeffs)), [1.0, 3.0])
    np.testing.assert_allclose(
        qml.matrix(herm, wire_order=[0, 1]), np.kron(3 * A, ref.I2) + np.kron(ref.I2, ref.Z), atol=1e-12
    )
    scaled = qml.simplify(
        qml.prod(qml.s_prod(2.0, qml.Hermitian(A, wires=0)), qml.s_prod(3.0, qml.RX(0.1, wires=1)))
    )
    assert isinstance(scaled, qml.SProd) and float(scaled.scalar) == 6.0 and isinstance(scaled.base, qml.Prod)
    np.testing.assert_allclose(qml.matrix(scaled), 6 * np.kron(A, ref.rx(0.1)), atol=1e-12)
    dist = qml.simplify(qml.prod(qml.Hermitian(A, wires=0), qml.PauliX(1) + qml.Hermitian(B, wires=1)))
    assert isinstance(dist, qml.Hamiltonian) and len(dist.ops) == 2
    np.testing.assert_allclose(qml.matrix(dist, wire_order=[0, 1]), np.kron(A, ref.X + B), atol=1e-12)
    h = qml.Hermitian(A, wires=0)
    one = qml.simplify(h**1)
    assert isinstance(one, qml.Hermitian) and np.array_equal(one.matrix(), A)
    assert isinstance(qml.simplify(h**0), qml.Identity)
    p = qml.simplify(qml.Hermitian(A, wires=0) ** 2)
    assert isinstance(p, _arithmetic.Pow) and p.z == 2
    gate = qml.RX(0.2, wires=0)
    assert qml.simplify(gate) is gate
    dropped = qml.simplify(qml.sum(qml.Hermitian(A, wires=0), qml.s_prod(0.0, qml.Hermitian(B, wires=1))))
    assert isinstance(dropped, qml.Hermitian)


def test_simplify_inside_a_circuit_replaces_the_recorded_operator():
    with QuantumTape() as tape:
        qml.simplify(qml.prod(qml.PauliX(0), qml.PauliZ(0)))  # X Z = -i Y, applied as a gate
    assert [type(o).__name__ for o in tape.operations] == ["SProd"]
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, interface="jax")
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.simplify(qml.sum(qml.PauliZ(0), qml.PauliZ(0), qml.PauliX(1))))

    np.testing.assert_allclose(circuit(0.5), 2 * np.cos(0.5), atol=1e-12)


# --- errors ----------------------------------------------------------------------------------------------
def test_dot_errors():
    with pytest.raises(
        ValueError, match=r"dot: 'coeffs' has 3 entries but 'ops' has 2; pass one coefficient"
    ):
        qml.dot([1.0, 2.0, 3.0], [qml.PauliX(0), qml.PauliZ(0)])
    with pytest.raises(ValueError, match=r"dot: 'coeffs' and 'ops' are empty"):
        qml.dot([], [])
    with pytest.raises(TypeError, match=r"dot: 'ops'\[1\] must be an operation or observable"):
        qml.dot([1.0, 2.0], [qml.PauliX(0), "Z"])


def test_dot_forms():
    single = qml.dot([0.5], [qml.PauliX(0)])
    assert isinstance(single, qml.SProd)
    ps = qml.dot([0.5, 2.0], [qml.PauliX(0) @ qml.PauliY(0), PauliWord({1: "Z"})], pauli=True)
    assert ps == PauliSentence({PauliWord({0: "Z"}): 0.5j, PauliWord({1: "Z"}): 2.0})
    from_words = qml.dot([1.0, -1.0], [PauliWord({0: "X"}), PauliWord({0: "Z"}) * 2.0])
    np.testing.assert_allclose(qml.matrix(from_words), ref.X - 2 * ref.Z, atol=1e-14)


def test_measuring_a_non_hermitian_expression_is_an_error_naming_it():
    with pytest.raises(
        ValueError, match=r"expval: 'op' PauliX\(wires=\[0\]\) @ PauliZ\(wires=\[0\]\) is not Hermitian"
    ):
        qml.expval(qml.PauliX(0) @ qml.PauliZ(0))
    with pytest.raises(ValueError, match=r"var: 'op' 0.5j \* PauliZ\(wires=\[0\]\) is not Hermitian"):
        qml.var(qml.s_prod(0.5j, qml.PauliZ(0)))
    with pytest.raises(ValueError, match=r"probs: 'op' RX.* @ RY.* is not Hermitian"):
        qml.probs(op=qml.prod(qml.RX(0.1, wires=0), qml.RY(0.2, wires=0)))
    with pytest.raises(ValueError, match=r"sample: 'op' PauliX\(wires=\[0\]\) \+ RX.* is not Hermitian"):
        qml.sample(qml.sum(qml.PauliX(0), qml.RX(0.1, wires=0)))
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit():
        return qml.expval(qml.PauliY(0) @ qml.PauliZ(0))

    with pytest.raises(ValueError, match=r"expval: 'op' .* is not Hermitian, so it cannot be measured"):
        circuit()


def test_construction_errors():
    with pytest.raises(ValueError, match=r"Hamiltonian: the term .* is not Hermitian"):
        qml.Hamiltonian([1.0], [qml.PauliX(0) @ qml.PauliZ(0)])
    with pytest.raises(ValueError, match=r"Tensor: .* overlap on wires"):
        qml.Tensor(qml.PauliZ(0), qml.PauliX(0))
    with pytest.raises(ValueError, match=r"Prod: needs at least one operator in 'factors'"):
        qml.prod()
    with pytest.raises(ValueError, match=r"Sum: needs at least one operator in 'summands'"):
        qml.sum()
    with pytest.raises(TypeError, match=r"Prod: 'factors'\[1\] must be an operation or observable .* got 3"):
        qml.prod(qml.PauliX(0), 3)
    with pytest.raises(TypeError, match=r"SProd: 'scalar' must be a number, got 'a'"):
        qml.s_prod("a", qml.PauliX(0))
    with pytest.raises(TypeError, match=r"SProd: 'scalar' must be a number, got True"):
        qml.s_prod(True, qml.PauliX(0))
    with pytest.raises(TypeError, match=r"Pow: 'z' must be an integer exponent, got 0.5"):
        qml.PauliX(0) ** 0.5
    with pytest.raises(TypeError, match=r"simplify: 'op' must be an operator, got 2"):
        qml.simplify(2)
    with pytest.raises(TypeError):
        qml.PauliX(0) @ 2.0  # not an operator


def test_reprs():
    assert repr(qml.PauliX(0) @ qml.PauliZ(0)) == "PauliX(wires=[0]) @ PauliZ(wires=[0])"
    assert (
        repr(qml.sum(qml.PauliX(0), qml.s_prod(0.5, qml.PauliZ(1))))
        == "PauliX(wires=[0]) + 0.5 * PauliZ(wires=[1])"
    )
    assert repr(qml.s_prod(1 + 2j, qml.PauliX(0))) == "(1+2j) * PauliX(wires=[0])"
    assert repr(qml.prod(qml.sum(qml.PauliX(0), qml.PauliZ(0)), qml.PauliY(0))).startswith("(PauliX")
    assert repr(qml.PauliX(0) ** 2) == "(PauliX(wires=[0]))**2"


def test_public_names():
    assert sorted(_arithmetic.__all__) == [
        "Prod", "SProd", "Sum", "dot", "pauli_decompose", "prod", "s_prod", "simplify", "sum",
    ]  # fmt: skip
    for name in _arithmetic.__all__:
        assert getattr(qml, name) is getattr(_arithmetic, name)


def test_an_operator_sum_and_builtin_reduce_agree():
    ops = [qml.PauliX(0), qml.PauliZ(1), qml.Hermitian(A, wires=0)]
    a, b = functools.reduce(operator.add, ops), qml.sum(*ops)
    np.testing.assert_allclose(qml.matrix(a, wire_order=[0, 1]), qml.matrix(b, wire_order=[0, 1]), atol=1e-14)
