"""The gate families beyond the basic library: fermionic gates, ``ctrl``, ``pow``, phases and markers.

Matrices are checked against the dense NumPy reference (``tests/reference.py``: textbook formulas and
generator exponentials), shift rules against the analytic derivative ``d/dx exp(-i x G) = -i G
exp(-i x G)`` of the reference generators and against backprop, and every bad input against its error.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref
from circuit_builders import ALL_GATES, GATE_CLASSES, GATE_NAMES, build, random_op, random_params, rng_for

import quantum_jax as qml
from quantum_jax import _arithmetic
from quantum_jax._controlled import Controlled
from quantum_jax._gates import ECR, Barrier, DiagonalQubitUnitary, GlobalPhase, IsingXY, Pow, pow
from quantum_jax._observables import Observable
from quantum_jax._operation import spectrum_frequencies
from quantum_jax.simulator import final_state
from quantum_jax.tape import Tape

ATOL = 1e-10
N = 5  # the register of the simulator checks


def random_wires(rng: np.random.Generator, k: int, n: int = N) -> tuple[int, ...]:
    return tuple(int(w) for w in rng.permutation(n)[:k])


def base_spec(name: str, rng: np.random.Generator, wires: tuple[int, ...]) -> ref.Op:
    return random_op(name, wires, rng)


def default_width(name: str) -> int:
    fixed, _ = ref.GATE_SIGNATURES[name]
    return fixed or max(2, ref.MIN_WIRES.get(name, 1))


def simulate_on(psi: np.ndarray, *ops: qml.Operation, n: int = N) -> np.ndarray:
    return np.ravel(final_state(Tape([qml.StatePrep(psi, wires=range(n)), *ops], [qml.state()])))


# --- the reference itself ----------------------------------------------------------------------
def test_reference_generators_exponentiate_to_the_reference_matrices():
    rng = rng_for("ref-generators")
    for name, g in ref.GENERATORS.items():
        np.testing.assert_allclose(g, g.conj().T, atol=0, err_msg=name)
        k = int(np.log2(g.shape[0]))
        for t in rng.uniform(-7, 7, size=3):
            want = ref.gate_matrix(name, (t,), k)
            np.testing.assert_allclose(ref.expm_hermitian(t, g), want, atol=1e-13, err_msg=name)


def test_reference_orbital_rotation_is_two_excitations_between_fermionic_swaps():
    """Anselmetti et al. (2021): ``F G(t)_{01} G(t)_{23} F`` with ``F = FermionicSWAP(pi)`` on wires 1, 2."""
    t = 0.77
    fswap = ref.embed(ref.fermionic_swap(np.pi), [1, 2], 4)
    givens = ref.embed(ref.excitation(t, 4, 1, 2), [0, 1], 4) @ ref.embed(
        ref.excitation(t, 4, 1, 2), [2, 3], 4
    )
    np.testing.assert_allclose(fswap @ givens @ fswap, ref.gate_matrix("OrbitalRotation", (t,)), atol=1e-13)
    np.testing.assert_allclose(ref.fermionic_swap(np.pi), np.diag([1, 1, 1, -1]) @ ref.SWAP, atol=1e-15)


def test_reference_principal_power_and_controlled_by():
    np.testing.assert_allclose(ref.principal_power(ref.X, 0.5), ref.gate_matrix("SX"), atol=1e-14)
    np.testing.assert_allclose(ref.principal_power(ref.Z, 0.5), np.diag([1, 1j]), atol=1e-14)
    u = ref.random_unitary(rng_for("ref-power"), 4)
    np.testing.assert_allclose(np.linalg.matrix_power(ref.principal_power(u, 1 / 3), 3), u, atol=1e-12)
    np.testing.assert_allclose(ref.controlled_by(ref.X, [1]), ref.gate_matrix("CNOT"), atol=0)
    np.testing.assert_allclose(ref.controlled_by(ref.X, [1, 1]), ref.gate_matrix("Toffoli"), atol=0)
    np.testing.assert_allclose(
        ref.controlled_by(ref.X, [0]),
        np.kron(ref.X, ref.I2) @ ref.gate_matrix("CNOT") @ np.kron(ref.X, ref.I2),
        atol=0,
    )


# --- documented behaviour of the fermionic gates ---------------------------------------------------
def test_orbital_rotation_on_two_electrons_matches_pennylanes_documented_state():
    tape = Tape([qml.BasisState(np.array([1, 1, 0, 0]), wires=range(4)), qml.OrbitalRotation(0.1, range(4))])
    want = np.zeros(16)
    want[[3, 6, 9, 12]] = [0.00249792, 0.04991671, -0.04991671, 0.99750208]
    np.testing.assert_allclose(np.ravel(final_state(tape)), want, atol=1e-8)


def test_fermionic_swap_matches_pennylanes_documented_state():
    tape = Tape([qml.PauliX(1), qml.FermionicSWAP(0.1, wires=[0, 1])])
    want = [0, 0.99750208 + 0.04991671j, 0.00249792 - 0.04991671j, 0]
    np.testing.assert_allclose(np.ravel(final_state(tape, wires=[0, 1])), want, atol=1e-8)


def test_excitations_rotate_their_planes_and_phase_the_rest():
    t = 0.9
    c, s = np.cos(t / 2), np.sin(t / 2)
    # |10> -> c |10> - s |01>; |01> -> c |01> + s |10>; |00> gets the phase of the variant
    for name, phase in [
        ("SingleExcitation", 1),
        ("SingleExcitationPlus", np.exp(0.5j * t)),
        ("SingleExcitationMinus", np.exp(-0.5j * t)),
    ]:
        m = np.asarray(GATE_CLASSES[name](t, wires=[0, 1]).matrix())
        np.testing.assert_allclose(m @ [0, 0, 1, 0], [0, -s, c, 0], atol=1e-14, err_msg=name)
        np.testing.assert_allclose(m @ [0, 1, 0, 0], [0, c, s, 0], atol=1e-14, err_msg=name)
        np.testing.assert_allclose(m @ [1, 0, 0, 0], [phase, 0, 0, 0], atol=1e-14, err_msg=name)
    for name, phase in [
        ("DoubleExcitation", 1),
        ("DoubleExcitationPlus", np.exp(0.5j * t)),
        ("DoubleExcitationMinus", np.exp(-0.5j * t)),
    ]:
        m = np.asarray(GATE_CLASSES[name](t, wires=range(4)).matrix())
        np.testing.assert_allclose(m[:, 12], c * np.eye(16)[12] - s * np.eye(16)[3], atol=1e-14)
        np.testing.assert_allclose(m[:, 3], c * np.eye(16)[3] + s * np.eye(16)[12], atol=1e-14)
        np.testing.assert_allclose(m[:, 5], phase * np.eye(16)[5], atol=1e-14, err_msg=name)


def test_special_angles():
    np.testing.assert_allclose(IsingXY(np.pi, wires=[0, 1]).matrix(), ref.ISWAP, atol=1e-15)
    fswap = qml.FermionicSWAP(np.pi, wires=[0, 1]).matrix()
    np.testing.assert_allclose(fswap, ref.SWAP @ np.diag([1, 1, 1, -1]), atol=1e-15)
    e = np.asarray(ECR(wires=[0, 1]).matrix())
    np.testing.assert_allclose(e @ e, np.eye(4), atol=1e-15)  # (X I - Y X) / sqrt 2 squares to I
    np.testing.assert_allclose(e, (np.kron(ref.X, ref.I2) - np.kron(ref.Y, ref.X)) / np.sqrt(2), atol=1e-15)


# --- spectra and frequencies ----------------------------------------------------------------------
def test_spectrum_frequencies():
    assert spectrum_frequencies((-0.5, 0.5)) == (1.0,)
    assert spectrum_frequencies((0.5, -0.5, 0.0, 0.0)) == (0.5, 1.0)
    assert spectrum_frequencies((-1, -0.5, 0, 0.5, 1)) == (0.5, 1.0, 1.5, 2.0)
    assert spectrum_frequencies((0.25,)) == ()
    assert spectrum_frequencies((0.0, 0.3, 1.0)) == (0.3, 0.7, 1.0)


@pytest.mark.parametrize("name", sorted(ref.GENERATORS))
def test_declared_spectrum_is_the_generators_eigenvalues(name):
    """The declared ``spectrum`` (and the frequencies derived from it) against the reference generator."""
    eig = np.linalg.eigvalsh(ref.GENERATORS[name])
    k = int(np.log2(len(eig)))
    op = GATE_CLASSES[name](0.3, wires=range(k))
    np.testing.assert_allclose(op.spectrum[0], np.unique(np.round(eig, 12)), atol=1e-12)
    diffs = {round(b - a, 9) for a in eig for b in eig if b - a > 1e-9}
    np.testing.assert_allclose(op.frequencies[0], sorted(diffs), atol=1e-9)


def test_new_gate_frequencies():
    expected = {
        "IsingXY": (0.5, 1.0), "SingleExcitation": (0.5, 1.0), "SingleExcitationPlus": (1.0,),
        "SingleExcitationMinus": (1.0,), "DoubleExcitation": (0.5, 1.0), "DoubleExcitationPlus": (1.0,),
        "DoubleExcitationMinus": (1.0,), "OrbitalRotation": (0.5, 1.0, 1.5, 2.0), "FermionicSWAP": (1.0,),
    }  # fmt: skip
    for name, freqs in expected.items():
        assert GATE_CLASSES[name].frequencies == (freqs,), name
    assert GlobalPhase(0.2).frequencies == ((),)  # a global phase never changes an expectation value
    assert DiagonalQubitUnitary([1, 1j], wires=0).frequencies == (None,)


# --- shift rules against the analytic derivative -------------------------------------------------
def analytic_grad(u: np.ndarray, g: np.ndarray, psi: np.ndarray, obs: np.ndarray) -> float:
    """``d/dx <psi| U^dag O U |psi>`` at ``U = exp(-i x G)``: ``2 Re <U psi| O (-i G) U psi>``."""
    phi = u @ psi
    return float(2 * np.real(np.vdot(phi, obs @ (-1j * g @ phi))))


@pytest.mark.parametrize("controlled", [False, True], ids=["plain", "ctrl"])
@pytest.mark.parametrize("name", sorted(ref.GENERATORS))
def test_shift_rule_matches_analytic_derivative(name, controlled):
    """``jax.grad`` of a QNode by parameter-shift equals the generator's analytic derivative and backprop.

    The controlled variant (a control wire with a random control value) tests the rule derived from the
    controlled generator's spectrum (the base's eigenvalues and 0).
    """
    rng = rng_for("shift", name, controlled)
    g = ref.GENERATORS[name]
    k = int(np.log2(g.shape[0]))
    n = k + 1
    wires = random_wires(rng, k, n)
    spare = next(w for w in range(n) if w not in wires)
    value = int(rng.integers(0, 2))
    psi, obs = ref.random_state(rng, 2**n), ref.random_hermitian(rng, 2**n)
    x = float(rng.uniform(-np.pi, np.pi))
    if controlled:
        projector = np.diag([1.0 - value, value])  # the generator |v><v| (x) G
        g_full = ref.embed(np.kron(projector, g), (spare, *wires), n)
    else:
        g_full = ref.embed(g, wires, n)
    want = analytic_grad(ref.expm_hermitian(x, g_full), g_full, psi, obs)
    dev = qml.device("default.qubit", wires=n)

    def circuit(t):
        qml.StatePrep(psi, wires=range(n))
        gate = GATE_CLASSES[name](t, wires=list(wires))
        if controlled:
            qml.ctrl(gate, control=spare, control_values=[value])
        return qml.expval(qml.Hermitian(obs, wires=range(n)))

    for method in ("parameter-shift", "backprop"):
        got = jax.grad(qml.QNode(circuit, dev, diff_method=method))(x)
        np.testing.assert_allclose(got, want, atol=ATOL, err_msg=method)


def test_multi_parameter_controlled_and_powered_gates_differentiate_by_every_method():
    """Controlled and powered gates of several parameters: every method against backprop and the reference.

    Backprop differentiates the dense matrices (independent of the declared spectra); the reference is
    differentiated by central differences.
    """
    rng = rng_for("multi-param")
    n = 4
    psi, obs = ref.random_state(rng, 2**n), ref.random_hermitian(rng, 2**n)
    x = rng.uniform(-np.pi, np.pi, size=9)

    def circuit(t):
        qml.StatePrep(psi, wires=range(n))
        qml.ctrl(qml.Rot(t[0], t[1], t[2], wires=1), control=[0, 3], control_values=[1, 0])
        pow(qml.U3(t[3], t[4], t[5], wires=2), 2)
        qml.ctrl(pow(qml.CRot(t[6], t[7], 0.3, wires=[3, 0]), -3), control=2)
        pow(qml.ctrl(IsingXY(t[8], wires=[1, 2]), control=0), 1.5)
        return qml.expval(qml.Hermitian(obs, wires=range(n)))

    def reference(t):
        rot = ref.controlled_by(ref.rot(*t[:3]), [1, 0])
        crot_cubed = np.linalg.matrix_power(ref.controlled(ref.rot(t[6], t[7], 0.3)).conj().T, 3)
        ops = [
            (rot, (0, 3, 1)),
            (np.linalg.matrix_power(ref.u3(*t[3:6]), 2), (2,)),
            (ref.controlled_by(crot_cubed, [1]), (2, 3, 0)),
            (ref.controlled_by(ref.isingxy(1.5 * t[8]), [1]), (0, 1, 2)),
        ]
        phi = psi
        for m, ws in ops:
            phi = ref.embed(m, ws, n) @ phi
        return np.vdot(phi, obs @ phi).real

    h = 1e-6
    want = [(reference(x + h * e) - reference(x - h * e)) / (2 * h) for e in np.eye(len(x))]
    dev = qml.device("default.qubit", wires=n)
    back = jax.grad(qml.QNode(circuit, dev, diff_method="backprop"))(jnp.asarray(x))
    np.testing.assert_allclose(back, want, atol=1e-7)
    np.testing.assert_allclose(qml.QNode(circuit, dev)(jnp.asarray(x)), reference(x), atol=ATOL)
    for method in ("parameter-shift", "adjoint"):
        got = jax.grad(qml.QNode(circuit, dev, diff_method=method))(jnp.asarray(x))
        np.testing.assert_allclose(got, back, atol=ATOL, err_msg=method)


# --- ctrl over the whole registry --------------------------------------------------------------------
@pytest.mark.parametrize("name", GATE_NAMES)
def test_ctrl_of_every_gate_matches_reference(name):
    """``ctrl`` of each registered gate: matrix, kind, leaves, simulation and adjoint."""
    rng = rng_for("ctrl", name)
    k = default_width(name)
    c = 1 if k >= 4 else int(rng.integers(1, 3))
    all_wires = random_wires(rng, k + c)
    controls, targets = all_wires[:c], all_wires[c:]
    values = [int(v) for v in rng.integers(0, 2, size=c)]
    spec = base_spec(name, rng, targets)
    base = build(spec)
    op = qml.ctrl(base, control=controls, control_values=values)
    assert (
        isinstance(op, Controlled)
        and op.wires == all_wires
        and op.control_values == [bool(v) for v in values]
    )
    want = ref.controlled_by(spec.matrix(), values)
    np.testing.assert_allclose(op.matrix(), want, atol=ATOL)
    # the kind of gate is kept: permutations gather, diagonals multiply
    assert (op.permutation is not None) == (base.permutation is not None)
    assert op.is_diagonal == base.is_diagonal
    if op.is_diagonal:
        np.testing.assert_allclose(op.diagonal(), np.diag(want), atol=ATOL)
    # the parameters are the base's leaves
    leaves, treedef = jax.tree_util.tree_flatten(op)
    assert len(leaves) == len(jax.tree_util.tree_leaves(base))
    rebuilt = jax.tree_util.tree_unflatten(treedef, leaves)
    assert type(rebuilt) is Controlled and rebuilt.hyper == op.hyper
    np.testing.assert_allclose(rebuilt.matrix(), want, atol=ATOL)
    psi = ref.random_state(rng, 2**N)
    full = ref.embed(want, all_wires, N)
    np.testing.assert_allclose(simulate_on(psi, op), full @ psi, atol=ATOL)
    adj = qml.adjoint(qml.ctrl(build(spec), control=controls, control_values=values))
    np.testing.assert_allclose(simulate_on(psi, adj), full.conj().T @ psi, atol=ATOL)


def test_every_controlled_parametrized_gate_under_jit_of_vmap():
    """All controlled parametrized gates in one circuit, vmapped over parameter sets (one compile)."""
    rng = rng_for("ctrl-vmap")
    names = [n for n in GATE_NAMES if ref.GATE_SIGNATURES[n][1] and default_width(n) <= 3]
    layout = []  # (structure of the base: a spec, control wire, control value)
    for name in names:
        ws = random_wires(rng, default_width(name) + 1)
        layout.append((random_op(name, ws[1:], rng), ws[0], int(rng.integers(0, 2))))
    batch = [[random_params(s.name, len(s.wires), rng) for s, _, _ in layout] for _ in range(3)]

    def f(params, psi):
        ops = [
            qml.ctrl(build(s, params=p), control=cw, control_values=[v])
            for p, (s, cw, v) in zip(params, layout, strict=True)
        ]
        return final_state(Tape([qml.StatePrep(psi, wires=range(N)), *ops]))

    stacked = [
        tuple(jnp.stack([jnp.asarray(b[i][j]) for b in batch]) for j in range(len(batch[0][i])))
        for i in range(len(layout))
    ]
    psis = np.stack([ref.random_state(rng, 2**N) for _ in batch])
    got = jax.jit(jax.vmap(f))(stacked, jnp.asarray(psis))
    for b, params in enumerate(batch):
        phi = psis[b]
        for p, (s, cw, v) in zip(params, layout, strict=True):
            m = dataclasses.replace(s, params=p).matrix()
            phi = ref.embed(ref.controlled_by(m, [v]), (cw, *s.wires), N) @ phi
        np.testing.assert_allclose(np.ravel(got[b]), phi, atol=ATOL)


def test_ctrl_merges_nested_controls_and_keeps_gathers():
    op = qml.ctrl(qml.ctrl(qml.PauliX(0), control=1), control=[2, 3], control_values=[0, 1])
    assert type(op) is Controlled and type(op.base) is qml.PauliX
    assert op.control_wires == (2, 3, 1) and op.control_values == [False, True, True]
    np.testing.assert_allclose(op.matrix(), ref.controlled_by(ref.X, [0, 1, 1]), atol=0)
    # a controlled X is a gather whose permutation is a multi-controlled NOT's
    assert qml.ctrl(qml.PauliX(1), control=0).permutation == qml.CNOT.permutation
    assert qml.ctrl(qml.CNOT(wires=[1, 2]), control=0).permutation == qml.Toffoli.permutation
    assert qml.ctrl(qml.SWAP(wires=[1, 2]), control=0).permutation == qml.CSWAP.permutation
    np.testing.assert_allclose(qml.ctrl(qml.PauliZ(1), control=0).diagonal(), [1, 1, 1, -1], atol=0)


def test_ctrl_names_and_repr():
    op = qml.ctrl(qml.RX(0.5, wires=0), control=[1, 2], control_values=[1, 0])
    assert op.name == "C(RX)" and op.target_wires == (0,)
    assert repr(op) == "Controlled(RX(0.5, wires=[0]), control_wires=[1, 2], control_values=[True, False])"
    assert repr(qml.ctrl(qml.S(0), control=1)) == "Controlled(S(wires=[0]), control_wires=[1])"
    assert qml.MultiControlledX(wires=[0, 1]).name == "MultiControlledX"


def test_ctrl_of_function_and_class_records_controlled_operations_in_order():
    def block(x):
        qml.RY(x, wires=0)
        qml.CNOT(wires=[0, 2])
        qml.S(wires=2)

    with qml.tape.QuantumTape() as tape:
        returned = qml.ctrl(qml.RX, control=1)(0.5, wires=0)
        qml.ctrl(block, control=3, control_values=0)(0.25)
        qml.expval(qml.PauliZ(2))
    assert isinstance(returned, Controlled) and returned is tape.operations[0]
    assert [op.name for op in tape.operations] == ["C(RX)", "C(RY)", "C(CNOT)", "C(S)"]
    assert [op.wires for op in tape.operations] == [(1, 0), (3, 0), (3, 0, 2), (3, 2)]
    got = np.ravel(
        final_state(Tape([qml.Hadamard(w) for w in range(4)] + list(tape.operations)), wires=range(4))
    )
    ops = [
        (ref.controlled_by(ref.rx(0.5), [1]), (1, 0)),
        (ref.controlled_by(ref.ry(0.25), [0]), (3, 0)),
        (ref.controlled_by(ref.gate_matrix("CNOT"), [0]), (3, 0, 2)),
        (ref.controlled_by(np.diag([1, 1j]), [0]), (3, 2)),
    ]
    phi = np.full(16, 0.25, dtype=complex)
    for m, ws in ops:
        phi = ref.embed(m, ws, 4) @ phi
    np.testing.assert_allclose(got, phi, atol=ATOL)


def test_ctrl_inside_a_jitted_qnode():
    dev = qml.device("default.qubit", wires=2)

    @jax.jit
    @qml.qnode(dev)
    def circuit(x):
        qml.Hadamard(0)
        qml.ctrl(qml.RY, control=0)(x, wires=1)
        return qml.expval(qml.PauliZ(1))

    x = 0.8
    np.testing.assert_allclose(circuit(x), 0.5 + 0.5 * np.cos(x), atol=ATOL)
    np.testing.assert_allclose(jax.grad(circuit)(x), -0.5 * np.sin(x), atol=ATOL)


# --- the controlled gates --------------------------------------------------------------------------
def test_multi_controlled_x_flips_the_target_on_the_control_pattern():
    for values in ([1, 1], [0, 1], [0, 0], [True, False]):
        m = np.asarray(qml.MultiControlledX(wires=[0, 1, 2], control_values=values).matrix())
        for x in range(8):
            bits = ref.bits_of(x, 3)
            flip = bits[:2] == [int(v) for v in values]
            target = [*bits[:2], bits[2] ^ int(flip)]
            np.testing.assert_allclose(m @ np.eye(8)[x], ref.basis_vector(target), atol=0)
    op = qml.MultiControlledX(wires=["a", "b", "c", "d"])
    assert op.permutation == (*range(14), 15, 14)
    assert op.control_wires == ("a", "b", "c") and op.target_wires == ("d",)


def test_controlled_qubit_unitary_signatures():
    rng = rng_for("cqu")
    u = ref.random_unitary(rng, 4)
    new = qml.ControlledQubitUnitary(u, wires=[3, 0, 1, 2], control_values=[0, 1])
    assert new.control_wires == (3, 0) and new.target_wires == (1, 2)
    old = qml.ControlledQubitUnitary(u, control_wires=[3, 0], wires=[1, 2], control_values=[0, 1])
    from_op = qml.ControlledQubitUnitary(
        qml.QubitUnitary(u, wires=[1, 2]), wires=[3, 0, 1, 2], control_values=[0, 1]
    )
    want = ref.controlled_by(u, [0, 1])
    for op in (new, old, from_op):
        assert op.wires == (3, 0, 1, 2) and op.hyper == new.hyper
        np.testing.assert_allclose(op.matrix(), want, atol=ATOL)
    assert new.frequencies == (None,) and new.num_params == 1
    with qml.tape.QuantumTape() as tape:
        qml.ControlledQubitUnitary(qml.QubitUnitary(u, wires=[1, 2]), wires=[0, 1, 2])
    assert [op.name for op in tape.operations] == ["ControlledQubitUnitary"]


# --- powers --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", GATE_NAMES)
def test_powers_of_every_gate_match_reference(name):
    """Integer powers keep the gate's kind; powers of scalable gates scale their parameters."""
    rng = rng_for("pow", name)
    k = default_width(name)
    wires = random_wires(rng, k)
    spec = base_spec(name, rng, wires)
    m = spec.matrix()
    base = build(spec)
    for z in (2, -1, 3, 0):
        op = pow(build(spec), z)
        want = np.linalg.matrix_power(m if z >= 0 else m.conj().T, abs(z))
        np.testing.assert_allclose(op.matrix(), want, atol=ATOL, err_msg=f"z={z}")
        if isinstance(base, Observable):  # the measurable power, as ``base ** z``
            assert isinstance(op, _arithmetic.Pow) and op.z == z and op.wires == base.wires
            continue
        assert isinstance(op, Pow) and op.z == z and op.wires == base.wires
        if base.permutation is not None:
            assert op.permutation is not None
        assert op.is_diagonal == base.is_diagonal
    for z in (0.5, -1 / 3):
        op = pow(build(spec), z)
        if base.scalable:
            want = dataclasses.replace(spec, params=tuple(z * np.asarray(p) for p in spec.params)).matrix()
        else:
            want = ref.principal_power(m, z)
        np.testing.assert_allclose(op.matrix(), want, atol=1e-9, err_msg=f"z={z}")
    psi = ref.random_state(rng, 2**N)
    got = simulate_on(psi, pow(build(spec), 2), pow(build(spec), -3), pow(build(spec), 0.5))
    z_half = ref.embed(np.asarray(pow(build(spec), 0.5).matrix()), wires, N)
    want = (
        z_half @ ref.embed(np.linalg.matrix_power(m.conj().T, 3), wires, N) @ ref.embed(m @ m, wires, N) @ psi
    )
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_power_frequencies():
    rx, crx = qml.RX(0.3, wires=0), qml.CRX(0.3, wires=[0, 1])
    assert pow(rx, 2).frequencies == ((2.0,),) and pow(rx, -0.5).frequencies == ((0.5,),)
    assert pow(crx, 1.5).frequencies == ((0.75, 1.5),)
    assert pow(qml.PhaseShift(0.2, wires=0), -2).frequencies == ((2.0,),)
    assert pow(qml.SingleExcitation(0.2, wires=[0, 1]), 3).frequencies == ((1.5, 3.0),)
    assert pow(qml.RX(0.3, wires=0), 0).frequencies == ((),)
    # an integer power of a gate that does not scale: sums of the base's exponents
    rot = pow(qml.Rot(0.1, 0.2, 0.3, wires=0), 2)
    assert rot.mode == "int" and rot.frequencies == ((1.0, 2.0),) * 3
    assert pow(qml.U3(0.1, 0.2, 0.3, wires=0), -3).frequencies == ((1.0, 2.0, 3.0),) * 3
    # a control adds the exponent 0 to a power's exponents {-3/2, -1/2, 1/2, 3/2}
    want = ((0.5, 1.0, 1.5, 2.0, 3.0),) * 3
    assert qml.ctrl(pow(qml.Rot(0.1, 0.2, 0.3, wires=0), 3), control=1).frequencies == want
    assert pow(qml.QubitUnitary(np.eye(2), wires=0), 2).frequencies == (None,)


def test_power_kinds_and_modes():
    assert pow(qml.CNOT(wires=[0, 1]), 3).permutation == (0, 1, 3, 2)
    assert pow(qml.CNOT(wires=[0, 1]), 2).is_identity
    cy2 = pow(qml.CY(wires=[0, 1]), 2)  # the phases -i, i of CY cancel
    assert cy2.permutation == (0, 1, 2, 3) and cy2.phases is None and cy2.is_identity
    iswap = pow(qml.ISWAP(wires=[0, 1]), 2)  # ISWAP^2 = diag(1, -1, -1, 1) as a trivial permutation
    assert iswap.permutation == (0, 1, 2, 3) and iswap.phases == (1, -1, -1, 1) and not iswap.is_identity
    assert pow(qml.PauliZ(0), 0.5).mode == "diagonal"
    np.testing.assert_allclose(pow(qml.PauliZ(0), 0.5).diagonal(), [1, 1j], atol=1e-15)  # Z^(1/2) = S
    np.testing.assert_allclose(pow(qml.PauliX(0), 0.5).matrix(), ref.gate_matrix("SX"), atol=1e-15)
    assert pow(qml.Hadamard(0), 0.5).mode == "constant" and pow(qml.Identity(0), 0.5).is_identity
    assert pow(qml.Rot(0.1, 0.2, 0.3, wires=0), 0.5).mode == "matrix"
    assert pow(qml.RX(0.1, wires=0), 0.5).mode == "scale" and pow(qml.RX(0.1, wires=0), 0.5).scalable
    adj = pow(qml.adjoint(qml.RX(0.4, wires=0)), 0.5)  # (RX(x)^dagger)^z = RX(-z x)
    assert adj.mode == "scale" and adj.frequencies == ((0.5,),)
    np.testing.assert_allclose(adj.matrix(), ref.rx(-0.2), atol=1e-15)
    assert qml.adjoint(qml.PhaseShift(0.3, wires=0)).spectrum == ((0.0, 1.0),)
    assert repr(pow(qml.RX(0.5, wires=0), 2)) == "RX(0.5, wires=[0])**2"
    assert pow(qml.RX(0.5, wires=0), 2).name == "RX**2"


def test_fractional_powers_of_unitaries_with_repeated_eigenvalues():
    """A Pauli word, CNOT and a degenerate diagonal: any eigenbasis of a repeated eigenvalue serves."""
    word = np.kron(np.kron(ref.X, ref.Z), ref.Y)  # eigenvalues +1 and -1, four times each
    cnot = ref.controlled(ref.X)  # eigenvalues 1, 1, 1, -1
    for m, wires in ((word, [0, 1, 2]), (cnot, [0, 1]), (np.diag([1, 1, 1j, 1j]), [2, 0])):
        for z in (0.5, -1 / 3, 2.5):
            op = pow(qml.QubitUnitary(m, wires=wires), z)
            assert op.mode == "matrix"
            got = np.asarray(op.matrix())
            np.testing.assert_allclose(got, ref.principal_power(m, z), atol=1e-12, err_msg=f"z={z}")
            np.testing.assert_allclose(got @ got.conj().T, np.eye(len(m)), atol=1e-12)
        root = np.asarray(pow(qml.QubitUnitary(m, wires=wires), 0.5).matrix())
        np.testing.assert_allclose(root @ root, m, atol=1e-12)
    half = pow(qml.CNOT(wires=[0, 1]), 0.5)  # a gate without parameters: its constant power
    assert half.mode == "constant"
    np.testing.assert_allclose(np.asarray(half.matrix()), ref.principal_power(cnot, 0.5), atol=1e-12)
    with pytest.raises(ValueError, match="pow: the matrix has no orthonormal eigenbasis"):
        pow(qml.QubitUnitary(np.array([[1.0, 1.0], [0.0, 1.0]]), wires=0, unitary_check=False), 0.5)


def test_power_is_a_pytree_and_replaces_its_base_in_the_recording():
    with qml.tape.QuantumTape() as tape:
        p = pow(qml.Rot(0.1, 0.2, 0.3, wires=0), 2)
        scaled = pow(qml.RX(0.4, wires=1), 3, lazy=False)
        frac = pow(qml.U3(0.1, 0.2, 0.3, wires=1), 0.5)
    assert tape.operations == (p, scaled, frac)
    assert type(scaled) is qml.RX and float(scaled.params[0]) == pytest.approx(1.2)
    leaves, treedef = jax.tree_util.tree_flatten(p)
    assert [float(v) for v in leaves] == [0.1, 0.2, 0.3]
    np.testing.assert_allclose(jax.tree_util.tree_unflatten(treedef, leaves).matrix(), p.matrix(), atol=0)
    (matrix,) = jax.tree_util.tree_leaves(frac)  # a non-integer power of a dense matrix holds the power
    np.testing.assert_allclose(matrix, ref.principal_power(ref.u3(0.1, 0.2, 0.3), 0.5), atol=1e-12)
    assert frac.ndim_params == (2,) and frac.frequencies == (None,)


# --- global phase and barrier --------------------------------------------------------------------
def test_global_phase_in_a_circuit():
    """No wires or some wires: the state is multiplied by ``exp(-i phi)``; expectation values are not."""
    dev = qml.device("default.qubit", wires=2)

    def gates(phi):
        qml.RX(0.7, wires=0)
        GlobalPhase(phi)
        GlobalPhase(2 * phi, wires=[1])
        qml.CNOT(wires=[0, 1])

    def state(phi):
        gates(phi)
        return qml.state()

    def expval(phi):
        gates(phi)
        return qml.expval(qml.PauliZ(1))

    phi = 0.4
    plain = ref.run([ref.Op("RX", (0.7,), (0,)), ref.Op("CNOT", (), (0, 1))], 2)
    np.testing.assert_allclose(qml.QNode(state, dev)(phi), np.exp(-3j * phi) * plain, atol=ATOL)
    for method in ("parameter-shift", "backprop", "adjoint", "finite-diff"):
        node = qml.QNode(expval, dev, diff_method=method)
        np.testing.assert_allclose(node(phi), np.cos(0.7), atol=ATOL)
        np.testing.assert_allclose(jax.grad(node)(phi), 0.0, atol=1e-8, err_msg=method)
    np.testing.assert_allclose(GlobalPhase(phi).matrix(), [[np.exp(-1j * phi)]], atol=1e-15)
    np.testing.assert_allclose(
        GlobalPhase(phi, wires=[0, 1]).matrix(), np.exp(-1j * phi) * np.eye(4), atol=1e-15
    )


def test_controlled_global_phase_is_a_phase_shift_with_its_shift_rule():
    dev = qml.device("default.qubit", wires=1)

    def circuit(phi):
        qml.Hadamard(0)
        qml.ctrl(GlobalPhase(phi), control=0)
        qml.Hadamard(0)
        return qml.expval(qml.PauliZ(0))

    op = qml.ctrl(GlobalPhase(0.3), control=0)
    np.testing.assert_allclose(op.matrix(), np.diag([1, np.exp(-0.3j)]), atol=1e-15)
    assert op.frequencies == ((1.0,),)
    phi = 0.9  # <Z> = cos(phi)
    for method in ("parameter-shift", "backprop"):
        np.testing.assert_allclose(
            jax.grad(qml.QNode(circuit, dev, diff_method=method))(phi), -np.sin(phi), atol=ATOL
        )


def test_barrier_does_nothing():
    rng = rng_for("barrier")
    psi = ref.random_state(rng, 2**N)
    got = simulate_on(psi, Barrier(), Barrier(wires=[3, 1]), Barrier(wires=range(N), only_visual=True))
    np.testing.assert_allclose(got, psi, atol=0)
    assert Barrier().wires == () and Barrier(wires=[2, 0]).is_identity
    np.testing.assert_allclose(Barrier(wires=[0, 1]).matrix(), np.eye(4), atol=0)


def test_diagonal_qubit_unitary_differentiates_by_backprop():
    dev = qml.device("default.qubit", wires=2)

    def circuit(a):
        qml.Hadamard(0)
        qml.Hadamard(1)
        DiagonalQubitUnitary(jnp.exp(1j * jnp.array([0.0, a, 0.0, 0.0])), wires=[0, 1])
        qml.Hadamard(1)
        return qml.expval(qml.PauliZ(1))

    a = 0.6  # wire 0 in |0>: wire 1 ends in H (|0> + e^{ia} |1>) / sqrt 2, <Z> = cos a; in |1>: <Z> = 1
    node = qml.QNode(circuit, dev, diff_method="backprop")
    np.testing.assert_allclose(node(a), (1 + np.cos(a)) / 2, atol=ATOL)
    np.testing.assert_allclose(jax.grad(node)(a), -np.sin(a) / 2, atol=ATOL)


# --- bad input -----------------------------------------------------------------------------------
def test_wrong_wire_counts():
    with pytest.raises(ValueError, match="SingleExcitation acts on 2 wire"):
        qml.SingleExcitation(0.1, wires=[0, 1, 2])
    with pytest.raises(ValueError, match="DoubleExcitation acts on 4 wire"):
        qml.DoubleExcitation(0.1, wires=[0, 1])
    with pytest.raises(ValueError, match="OrbitalRotation acts on 4 wire"):
        qml.OrbitalRotation(0.1, wires=[0, 1, 2])
    with pytest.raises(ValueError, match="IsingXY acts on 2 wire"):
        IsingXY(0.1, wires=[0])
    with pytest.raises(ValueError, match="ECR acts on 2 wire"):
        ECR(wires=[0, 1, 2])
    with pytest.raises(ValueError, match="MultiControlledX: needs at least 2 wires"):
        qml.MultiControlledX(wires=[0])
    with pytest.raises(
        ValueError, match=r"ControlledQubitUnitary: 'U' acts on 1 wire\(s\), so 'wires' needs at least 2"
    ):
        qml.ControlledQubitUnitary(np.eye(2), wires=[0])
    with pytest.raises(
        ValueError, match="ControlledQubitUnitary: 'U' is 2x2 but wires=\\(1, 2\\) need a 4x4"
    ):
        qml.ControlledQubitUnitary(np.eye(2), control_wires=[0], wires=[1, 2])
    with pytest.raises(TypeError, match="missing the 'wires' argument"):
        qml.MultiControlledX()


def test_wrong_matrix_shapes_and_non_unitary_matrices():
    with pytest.raises(ValueError, match="ControlledQubitUnitary: 'U' must be a square 2\\^k x 2\\^k matrix"):
        qml.ControlledQubitUnitary(np.eye(3), wires=[0, 1, 2])
    with pytest.raises(ValueError, match="ControlledQubitUnitary: 'U' must be a square"):
        qml.ControlledQubitUnitary(np.ones((2, 4)), wires=[0, 1, 2])
    with pytest.raises(ValueError, match="ControlledQubitUnitary: 'U' is not unitary"):
        qml.ControlledQubitUnitary(np.array([[1, 1], [0, 1]]), wires=[0, 1])
    qml.ControlledQubitUnitary(np.array([[1, 1], [0, 1]]), wires=[0, 1], unitary_check=False)  # opt out
    with pytest.raises(
        ValueError, match="DiagonalQubitUnitary: 'D' has 2 entries but wires=\\(0, 1\\) need 4"
    ):
        DiagonalQubitUnitary([1, 1], wires=[0, 1])
    with pytest.raises(ValueError, match="DiagonalQubitUnitary: 'D' is not unitary"):
        DiagonalQubitUnitary([1, 0.5], wires=[0])
    with pytest.raises(ValueError, match="DiagonalQubitUnitary: 'D' must be a vector"):
        DiagonalQubitUnitary(np.ones((2, 2, 2)), wires=[0])


def test_bad_control_values():
    with pytest.raises(ValueError, match="ctrl: 'control_values' has 1 entries but there are 2 control wire"):
        qml.ctrl(qml.RX(0.1, wires=0), control=[1, 2], control_values=[1])
    with pytest.raises(ValueError, match="ctrl: 'control_values' must hold only 0/1"):
        qml.ctrl(qml.RX(0.1, wires=0), control=[1], control_values=[2])
    with pytest.raises(ValueError, match="MultiControlledX: 'control_values' has 3 entries"):
        qml.MultiControlledX(wires=[0, 1, 2], control_values=[1, 0, 1])
    with pytest.raises(ValueError, match="MultiControlledX: 'control_values' must hold only 0/1"):
        qml.MultiControlledX(wires=[0, 1], control_values=["1"])
    with pytest.raises(ValueError, match="ControlledQubitUnitary: 'control_values' must hold only 0/1"):
        qml.ControlledQubitUnitary(np.eye(2), wires=[0, 1], control_values=[0.5])


def test_bad_ctrl_arguments():
    with pytest.raises(TypeError, match="ctrl: 'op' must be an operation or a callable"):
        qml.ctrl(3, control=0)
    with pytest.raises(ValueError, match=r"ctrl: control wires \[1, 0\] overlap the target wires \[0\]"):
        qml.ctrl(qml.RX(0.1, wires=0), control=[1, 0])
    with pytest.raises(ValueError, match="ctrl: control wires \\[2\\] overlap"):
        qml.ctrl(lambda: qml.CNOT(wires=[1, 2]), control=2)()
    with pytest.raises(ValueError, match="ControlledQubitUnitary: control wires \\[1\\] overlap"):
        qml.ControlledQubitUnitary(np.eye(2), control_wires=[1], wires=[1])
    with pytest.raises(ValueError, match="ctrl: BasisState prepares a state and cannot be controlled"):
        qml.ctrl(qml.BasisState(np.array([1]), wires=[0]), control=1)
    with pytest.raises(ValueError, match="ctrl: wires=\\(1, 1\\) repeat"):
        qml.ctrl(qml.RX(0.1, wires=0), control=[1, 1])


def test_bad_pow_arguments():
    with pytest.raises(TypeError, match="pow: 'base' must be an operation"):
        pow("RX", 2)
    for z in ("2", 1j, True, jnp.array([1, 2])):
        with pytest.raises(TypeError, match="pow: 'z' must be a concrete real number"):
            pow(qml.RX(0.1, wires=0), z)
    with pytest.raises(ValueError, match="pow: 'z' must be finite"):
        pow(qml.RX(0.1, wires=0), float("inf"))
    with pytest.raises(ValueError, match="pow: StatePrep prepares a state"):
        pow(qml.StatePrep(np.array([1, 0]), wires=0), 2)
    with pytest.raises(TypeError, match="pow: 'z' must be a concrete real number"):
        jax.jit(lambda z: pow(qml.RX(0.1, wires=0), z).matrix())(2.0)

    def fractional(x):
        return pow(qml.Rot(x, 0.2, 0.3, wires=0), 0.5).matrix()

    with pytest.raises(
        ValueError, match=r"pow: the non-integer power 0\.5 of Rot .* needs concrete parameters"
    ):
        jax.jit(fractional)(0.1)
    # integer powers and scalable gates trace fine
    np.testing.assert_allclose(
        jax.jit(lambda x: pow(qml.Rot(x, 0.2, 0.3, wires=0), 2).matrix())(0.1),
        np.linalg.matrix_power(ref.rot(0.1, 0.2, 0.3), 2),
        atol=ATOL,
    )


def test_registry_classes_are_the_public_ones():
    """The fermionic and controlled families are exported through their modules' ``__all__``."""
    for cls in ALL_GATES:
        if cls.__module__ != "quantum_jax._gates":
            assert getattr(qml, cls.__name__) is cls
    assert qml.Controlled is Controlled
    for name in ("ctrl", "Controlled", "ControlledQubitUnitary", "MultiControlledX", "SingleExcitation"):
        assert name in qml.__all__, name


class _FrequenciesOnly(qml.Operation, wires=1, params=1, frequencies=((1.0,),)):
    """A rotation declaring only its frequencies, not its spectrum (as a gate of another module might)."""

    def matrix(self):
        c, s = jnp.cos(self.params[0] / 2), jnp.sin(self.params[0] / 2)
        return jnp.array([[c, -1j * s], [-1j * s, c]])


def test_gates_without_a_declared_spectrum():
    """A power's frequencies follow from the base's frequencies; a control needs the spectrum itself."""
    op = _FrequenciesOnly(0.3, wires=0)
    assert op.spectrum is None
    assert pow(_FrequenciesOnly(0.3, wires=0), 2).frequencies == ((1.0, 2.0),)
    assert pow(_FrequenciesOnly(0.3, wires=0), -3).frequencies == ((1.0, 2.0, 3.0),)
    controlled = qml.ctrl(_FrequenciesOnly(0.3, wires=0), control=1)
    assert controlled.spectrum is None and controlled.frequencies == (None,)  # no shift rule: a fallback
    np.testing.assert_allclose(controlled.matrix(), ref.controlled_by(ref.rx(0.3), [1]), atol=1e-15)


def test_parameter_broadcasting_through_the_new_gates():
    """A leading batch axis on a diagonal, a controlled and a powered gate's parameters runs the batch."""
    dev = qml.device("default.qubit", wires=2)
    a = np.array([0.1, 0.5, -1.3])

    @qml.qnode(dev)
    def circuit(d, x):
        qml.Hadamard(0)
        qml.Hadamard(1)
        DiagonalQubitUnitary(d, wires=0)
        qml.ctrl(qml.RY(x, wires=1), control=0)
        pow(qml.RZ(x, wires=1), 2)
        return qml.expval(qml.PauliX(0) @ qml.PauliX(1))

    d = np.stack([np.ones(3), np.exp(1j * a)], axis=1)
    got = circuit(jnp.asarray(d), jnp.asarray(a))
    assert got.shape == (3,)
    for b in range(3):
        ops = [
            ref.Op("Hadamard", (), (0,)),
            ref.Op("Hadamard", (), (1,)),
            ref.Op("DiagonalQubitUnitary", (d[b],), (0,)),
            ref.Op("CRY", (a[b],), (0, 1)),
            ref.Op("RZ", (2 * a[b],), (1,)),
        ]
        obs = ("Tensor", [("PauliX", (0,)), ("PauliX", (1,))])
        np.testing.assert_allclose(got[b], ref.expval(ref.run(ops, 2), obs, 2), atol=ATOL)
