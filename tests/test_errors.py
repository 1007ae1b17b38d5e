"""Bad inputs raise clear errors (checked by message), eagerly and, for structure errors, under jit."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import quantum_jax as qml
from quantum_jax.simulator import final_state, simulate
from quantum_jax.tape import QuantumTape, Tape


def under_jit(build):
    """Run ``build(x)`` while jax.jit traces ``x`` (structure errors must surface at trace time)."""
    return jax.jit(build)(jnp.asarray(0.3))


# --- wires -----------------------------------------------------------------------------------
def test_wire_not_on_the_device():
    dev = qml.device("default.qubit", wires=2)
    tape = Tape([qml.RX(0.1, wires=0), qml.CNOT(wires=[0, 5])], [qml.expval(qml.PauliZ(0))])
    with pytest.raises(ValueError, match=r"wires \[5\] are not on the device .*CNOT"):
        simulate(tape, wires=dev.wires)
    with pytest.raises(ValueError, match=r"wires \[5\] are not on the device"):
        final_state(tape, wires=dev.wires)
    with pytest.raises(ValueError, match=r"wires \['c'\] are not on the device"):
        under_jit(lambda x: simulate(Tape([qml.RX(x, wires="c")], [qml.state()]), wires=("a", "b")))


def test_measurement_on_wires_the_device_lacks():
    dev = qml.device("default.qubit", wires=["a", "b"])
    for m in (
        lambda: qml.probs(wires=["b", "z"]), lambda: qml.expval(qml.PauliZ("z")),
        lambda: qml.density_matrix(wires=["z"]), lambda: qml.probs(op=qml.PauliX("z")),
    ):  # fmt: skip
        tape = Tape([qml.Hadamard(wires="a")], [m()])
        with pytest.raises(ValueError, match=r"wires \['z'\] are not on the device"):
            simulate(tape, wires=dev.wires)
        with pytest.raises(ValueError, match=r"wires \['z'\] are not on the device"):
            under_jit(lambda x, m=m: simulate(Tape([qml.RX(x, wires="a")], [m()]), wires=dev.wires))


def test_duplicate_wires():
    with pytest.raises(ValueError, match=r"CNOT: wires=\(0, 0\) repeat \(0,\)"):
        qml.CNOT(wires=[0, 0])
    with pytest.raises(ValueError, match=r"MultiRZ: wires=.* repeat \('a',\)"):
        qml.MultiRZ(0.1, wires=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"probs: .* repeat"):
        qml.probs(wires=[1, 1])
    with pytest.raises(ValueError, match=r"device: .* repeat"):
        qml.device("default.qubit", wires=["x", "x"])
    with pytest.raises(ValueError, match=r"CRX: wires=\(1, 1\) repeat"):
        under_jit(lambda x: qml.CRX(x, wires=[1, 1]).params[0])
    with pytest.raises(ValueError, match=r"Tensor: .* overlap"):
        qml.Tensor(qml.PauliZ(0), qml.PauliX(0))  # ``@`` on shared wires is a Prod (see test_arithmetic)


def test_wrong_wire_count():
    with pytest.raises(ValueError, match=r"CNOT acts on 2 wire\(s\) but got wires=\(0,\)"):
        qml.CNOT(wires=[0])
    with pytest.raises(ValueError, match=r"RX acts on 1 wire\(s\) but got wires=\(0, 1\)"):
        qml.RX(0.1, wires=[0, 1])
    with pytest.raises(ValueError, match=r"Toffoli acts on 3 wire\(s\)"):
        under_jit(lambda x: qml.Toffoli(wires=[0, 1]).wires)
    with pytest.raises(ValueError, match=r"IsingZZ acts on 2 wire\(s\)"):
        under_jit(lambda x: qml.IsingZZ(x, wires=[0, 1, 2]).params[0])
    with pytest.raises(TypeError, match=r"missing the 'wires' argument"):
        qml.Hadamard()


def test_bad_wire_labels():
    with pytest.raises(TypeError, match=r"wire label 1.0 is a float"):
        qml.RX(0.1, wires=1.0)
    with pytest.raises(TypeError, match=r"not hashable"):
        qml.RX(0.1, wires=[[0]])
    with pytest.raises(ValueError, match=r"'wires' must be at least 1"):
        qml.device("default.qubit", wires=0)


def test_wrong_parameter_count():
    with pytest.raises(TypeError, match=r"RX takes 1 parameter\(s\) but 0 were given"):
        qml.RX(wires=0)
    with pytest.raises(TypeError, match=r"Rot takes 3 parameter\(s\) but 2 were given"):
        qml.Rot(0.1, 0.2, wires=0)
    with pytest.raises(TypeError, match=r"CNOT takes 0 parameter\(s\) but 1 were given"):
        qml.CNOT(0.5, wires=[0, 1])
    with pytest.raises(TypeError, match=r"U3 takes 3 parameter\(s\) but 1 were given"):
        under_jit(lambda x: qml.U3(x, wires=0).params[0])


# --- parameter values ------------------------------------------------------------------------
def test_non_unitary_qubit_unitary():
    with pytest.raises(ValueError, match=r"QubitUnitary: 'U' is not unitary"):
        qml.QubitUnitary(np.array([[1.0, 1.0], [0.0, 1.0]]), wires=0)
    with pytest.raises(ValueError, match=r"QubitUnitary: 'U' is not unitary"):
        qml.QubitUnitary(np.eye(2) * 1.001, wires=0)
    with pytest.raises(ValueError, match=r"QubitUnitary: 'U' must be a square 2\^k x 2\^k matrix"):
        qml.QubitUnitary(np.eye(3), wires=0)
    with pytest.raises(ValueError, match=r"QubitUnitary: 'U' is 4x4 but wires=\(0,\) need a 2x2 matrix"):
        qml.QubitUnitary(np.eye(4), wires=0)
    with pytest.raises(ValueError, match=r"QubitUnitary: 'U' is 2x2 but wires=\(0, 1\)"):
        under_jit(lambda x: qml.QubitUnitary(jnp.eye(2) * x, wires=[0, 1]).params[0])
    # a float32 unitary is unitary to float32 precision and is accepted
    q = np.linalg.qr(np.arange(16).reshape(4, 4) + 1j * np.eye(4))[0]
    assert qml.QubitUnitary(q.astype(np.complex64), wires=[0, 1]).wires == (0, 1)


def test_non_hermitian_observables():
    with pytest.raises(ValueError, match=r"Hermitian: 'A' is not Hermitian"):
        qml.Hermitian(np.array([[1.0, 2.0], [0.0, 1.0]]), wires=0)
    with pytest.raises(ValueError, match=r"Hermitian: 'A' is not Hermitian"):
        qml.Hermitian(np.array([[0, 1j], [1j, 0]]), wires=0)
    with pytest.raises(ValueError, match=r"Hermitian: 'A' must be a square"):
        qml.Hermitian(np.ones((2, 3)), wires=0)
    with pytest.raises(ValueError, match=r"Hermitian: 'A' is 2x2 but wires=\(0, 1\)"):
        qml.Hermitian(np.eye(2), wires=[0, 1])
    with pytest.raises(ValueError, match=r"Hamiltonian: 'coeffs' must be real"):
        qml.Hamiltonian(np.array([1j]), [qml.PauliZ(0)])
    with pytest.raises(ValueError, match=r"Hamiltonian: 'coeffs' has shape \(2,\) but there are 1"):
        qml.Hamiltonian([1.0, 2.0], [qml.PauliZ(0)])
    with pytest.raises(TypeError, match=r"Hamiltonian: 'observables' must hold"):
        qml.Hamiltonian([1.0], [qml.RX(0.1, wires=0)])
    with pytest.raises(ValueError, match=r"Projector: basis 'state' must hold only 0 and 1"):
        qml.Projector([0, 2], wires=[0, 1])
    with pytest.raises(ValueError, match=r"Projector: state vector 'state' must have norm 1"):
        qml.Projector([1.0, 1.0], wires=[0])
    with pytest.raises(ValueError, match=r"Projector: 'state' has 3 entries but wires"):
        qml.Projector([1, 0, 0], wires=[0, 1])


def test_state_prep_not_normalized():
    with pytest.raises(ValueError, match=r"StatePrep: 'state' must have norm 1, got 1.41421"):
        qml.StatePrep(np.array([1.0, 1.0]), wires=0)
    with pytest.raises(ValueError, match=r"StatePrep: 'state' has shape \(2,\) but wires=\(0, 1\) need 4"):
        qml.StatePrep(np.array([1.0, 0.0]), wires=[0, 1])
    with pytest.raises(ValueError, match=r"StatePrep: 'state' has shape \(4,\) but wires=\(0,\) need 2"):
        under_jit(lambda x: qml.StatePrep(jnp.array([1.0, 0, 0, 0]) * x, wires=[0]).params[0])


def test_basis_state_with_non_binary_entries():
    with pytest.raises(ValueError, match=r"BasisState: 'n' must hold only 0 and 1, got \[1, 2\]"):
        qml.BasisState(np.array([1, 2]), wires=[0, 1])
    with pytest.raises(ValueError, match=r"BasisState: 'n' must hold only 0 and 1"):
        qml.BasisState([0.5], wires=[0])
    with pytest.raises(ValueError, match=r"BasisState: 'n' has shape \(3,\) but wires=\(0, 1\)"):
        qml.BasisState(np.array([1, 0, 1]), wires=[0, 1])


def test_state_preparation_after_a_gate():
    match = r"prepares a state after other gates; state preparations must come first"
    with pytest.raises(ValueError, match=match):
        Tape([qml.Hadamard(wires=0), qml.BasisState(np.array([1]), wires=[1])], [])
    with pytest.raises(ValueError, match=match), QuantumTape():
        qml.RX(0.1, wires=0)
        qml.StatePrep(np.array([0.6, 0.8]), wires=1)
    with pytest.raises(ValueError, match=match):
        under_jit(lambda x: Tape([qml.RX(x, wires=0), qml.StatePrep(jnp.array([1.0, 0.0]), wires=1)]).wires)
    with pytest.raises(ValueError, match=r"prepares wires that were already prepared"):
        Tape([qml.BasisState(np.array([1]), wires=[0]), qml.StatePrep(np.array([0.6, 0.8]), wires=0)], [])
    with pytest.raises(ValueError, match=r"adjoint: StatePrep prepares a state and has no adjoint"):
        qml.adjoint(qml.StatePrep(np.array([0.6, 0.8]), wires=0))


def test_pauli_rot_word_mismatch():
    with pytest.raises(ValueError, match=r"PauliRot: 'pauli_word' 'XY' has 2 letters but wires=\(0,\)"):
        qml.PauliRot(0.1, "XY", wires=0)
    with pytest.raises(ValueError, match=r"'pauli_word' must be a non-empty string of I, X, Y, Z; got 'XA'"):
        qml.PauliRot(0.1, "XA", wires=[0, 1])
    with pytest.raises(ValueError, match=r"PauliRot: 'pauli_word' must be a non-empty string"):
        qml.PauliRot(0.1, "", wires=[])
    with pytest.raises(ValueError, match=r"PauliRot: 'pauli_word' 'Z' has 1 letters but wires=\(0, 1\)"):
        under_jit(lambda x: qml.PauliRot(x, "Z", wires=[0, 1]).params[0])


def test_non_observable_measured():
    for fn in (qml.expval, qml.var):
        with pytest.raises(TypeError, match=rf"{fn.__name__}: 'op' must be an observable such as .*, got RX"):
            fn(qml.RX(0.1, wires=0))
        with pytest.raises(TypeError, match=r"must be an observable"):
            fn(0.5)
    with pytest.raises(TypeError, match=r"probs: 'op' must be an observable"):
        qml.probs(op=qml.CNOT(wires=[0, 1]))
    with pytest.raises(ValueError, match=r"probs: pass either 'wires' or 'op', not both"):
        qml.probs(wires=[0], op=qml.PauliZ(0))
    with pytest.raises(AttributeError, match=r"expval.RX: unknown observable; available: PauliX"):
        qml.expval.RX(0.1, wires=0)
    with pytest.raises(TypeError, match=r"expval: 'op' must be an observable"):
        under_jit(lambda x: qml.expval(qml.RY(x, wires=0)))
    with pytest.raises(TypeError, match=r"Tape: 'measurements' must hold measurement processes"):
        Tape([], [qml.PauliZ(0)])
    with pytest.raises(TypeError, match=r"Tape: 'operations' must hold gates"):
        Tape([qml.expval(qml.PauliZ(0))], [])
    with pytest.raises(TypeError, match=r"Hamiltonian has no shared eigenbasis"):
        simulate(Tape([qml.RX(0.2, wires=0)], [qml.probs(op=qml.PauliZ(0) + qml.PauliX(0))]))


# --- devices ---------------------------------------------------------------------------------
def test_unknown_device_name():
    available = r"available devices: default.qubit, lightning.qubit"
    with pytest.raises(ValueError, match=rf"unknown name 'default.qutrit'; {available}"):
        qml.device("default.qutrit", wires=1)


def test_circuit_too_large_for_memory():
    with pytest.raises(MemoryError, match=r"simulating 60 wires needs about .* GiB .* use fewer wires"):
        qml.device("default.qubit", wires=60)
    tape = Tape([qml.Hadamard(wires=w) for w in range(60)], [qml.expval(qml.PauliZ(0))])
    with pytest.raises(MemoryError, match=r"simulating 60 wires"):
        simulate(tape)
    with pytest.raises(MemoryError, match=r"simulating 60 wires"):
        final_state(tape)
    with pytest.raises(MemoryError, match=r"simulating 60 wires"):
        under_jit(lambda x: simulate(Tape([qml.RX(x, wires=w) for w in range(60)], [qml.state()]))[0])
    # a small device on 60 labels is refused as well
    with pytest.raises(MemoryError, match=r"simulating 60 wires"):
        qml.device("default.qubit", wires=[f"q{i}" for i in range(60)])


# --- tapes -----------------------------------------------------------------------------------
def test_tape_records_only_once():
    with QuantumTape() as tape:
        qml.RX(0.1, wires=0)
    with pytest.raises(RuntimeError, match=r"a tape can be recorded only once"), tape:
        pass
    with pytest.raises(ValueError, match=r"with_parameters: 'params' has 2 entries; this tape has 1"):
        tape.with_parameters([0.1, 0.2])


def test_failed_constructions_are_not_recorded():
    with QuantumTape() as tape:
        qml.RX(0.1, wires=0)
        for bad in (
            lambda: qml.PauliRot(0.1, "XY", wires=[0]),
            lambda: qml.QubitUnitary(np.eye(4), wires=[0]),
            lambda: qml.StatePrep(np.array([1.0, 0.0]), wires=[0, 1]),
            lambda: qml.BasisState(np.array([1, 0]), wires=[0]),
            lambda: qml.CNOT(wires=[0]),
            lambda: qml.RX(wires=0),
        ):
            with pytest.raises((ValueError, TypeError)):
                bad()
        qml.expval(qml.PauliZ(0))
    assert [op.name for op in tape.operations] == ["RX"]
    assert len(tape.measurements) == 1


# --- no mutation of user inputs --------------------------------------------------------------
def test_inputs_are_not_mutated():
    u = np.linalg.qr(np.array([[1.0, 2.0], [3.0, 4.0]]) + 1j * np.eye(2))[0]
    vec = np.array([0.6, 0.0, 0.0, 0.8j])
    bits = np.array([1, 0])
    herm = np.array([[1.0, 0.5 - 0.1j], [0.5 + 0.1j, -0.3]])
    coeffs = np.array([0.5, -1.5])
    params = np.array([0.1, 0.2, 0.3])
    wires = [2, 0]
    originals = [x.copy() for x in (u, vec, bits, herm, coeffs, params)]
    wires_copy = list(wires)
    ops = [
        qml.StatePrep(vec, wires=wires), qml.BasisState(bits, wires=[1, 3]), qml.QubitUnitary(u, wires=[1]),
        qml.Rot(*params, wires=wires[0]), qml.MultiRZ(params[0], wires=wires),
    ]  # fmt: skip
    h = qml.Hamiltonian(coeffs, [qml.Hermitian(herm, wires=[0]), qml.PauliZ(1) @ qml.PauliX(2)])
    tape = Tape(ops, [qml.expval(h), qml.var(h), qml.probs(wires=wires), qml.state()])
    ops_before = tape.operations
    out = jax.jit(lambda t: simulate(t, (0, 1, 2, 3)))(tape)
    (2.0 * h, h + qml.PauliX(0), h @ qml.PauliY(3))  # arithmetic builds new objects
    for x, orig in zip((u, vec, bits, herm, coeffs, params), originals, strict=True):
        np.testing.assert_array_equal(x, orig)
    assert wires == wires_copy
    assert tape.operations is ops_before and len(h.ops) == 2
    np.testing.assert_array_equal(np.asarray(h.coeffs), coeffs)
    assert np.isfinite(out[0])
