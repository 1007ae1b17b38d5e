"""Random circuits, every measurement kind, observables, tapes and devices vs the dense reference."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref
from circuit_builders import build, build_obs, random_circuit, random_params, random_single_obs, rng_for

import quantum_jax as qml
from quantum_jax.simulator import final_state, simulate
from quantum_jax.tape import JacobianTape, QuantumTape, Tape

ATOL = 1e-10

# Compiling one circuit as a whole is much cheaper than compiling each eager operation of a deep
# random circuit; eager execution is compared with this in test_jit_matches_eager_on_random_circuits.
jit_simulate = jax.jit(simulate, static_argnums=1)


def subset(rng: np.random.Generator, n: int, low: int = 1, high: int | None = None) -> tuple[int, ...]:
    """Distinct wires in random order."""
    high = n if high is None else min(high, n)
    return tuple(int(w) for w in rng.permutation(n)[: rng.integers(low, high + 1)])


def random_hamiltonian(rng: np.random.Generator, n: int, terms: int = 3) -> tuple:
    obs = []
    for _ in range(terms):
        ws = subset(rng, n, 1, 2)
        kind = rng.integers(3)
        if kind == 0:
            obs.append(random_single_obs(rng, ws))
        elif kind == 1:
            obs.append(("Projector", ws, rng.integers(0, 2, size=len(ws))))
        else:
            obs.append(("Projector", ws, ref.random_state(rng, 2 ** len(ws))))
    return ("Hamiltonian", rng.normal(size=terms), obs)


# --- random circuits, every measurement at once ----------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_random_circuit_all_measurements(n):
    rng = rng_for("random-circuit", n)
    specs = random_circuit(rng, n, depth=8 if n > 2 else 6)
    psi = ref.run(specs, n)
    e_obs = random_single_obs(rng, subset(rng, n, 1, 3))
    v_obs = random_single_obs(rng, subset(rng, n, 1, 3))
    ham = random_hamiltonian(rng, n)
    p_wires = subset(rng, n)
    p_obs = random_single_obs(rng, subset(rng, n, 1, 2))
    dm_wires = subset(rng, n, 1, 3)
    measurements = [
        qml.state(),
        qml.probs(),
        qml.probs(wires=list(p_wires)),
        qml.probs(op=build_obs(p_obs)),
        qml.expval(build_obs(e_obs)),
        qml.var(build_obs(v_obs)),
        qml.expval(build_obs(ham)),
        qml.var(build_obs(ham)),
        qml.density_matrix(wires=list(dm_wires)),
    ]
    tape = Tape([build(s) for s in specs], measurements)
    out = jit_simulate(tape, tuple(range(n)))
    want = [
        psi,
        ref.probs(psi, None, n),
        ref.probs(psi, p_wires, n),
        ref.probs_of_op(psi, p_obs, n),
        ref.expval(psi, e_obs, n),
        ref.var(psi, v_obs, n),
        ref.expval(psi, ham, n),
        ref.var(psi, ham, n),
        ref.density_matrix(psi, dm_wires, n),
    ]
    assert len(out) == len(want)
    for m, got, exp in zip(measurements, out, want, strict=True):
        assert np.shape(got) == np.shape(exp) == m.shape(n), m
        np.testing.assert_allclose(got, exp, atol=ATOL, err_msg=repr(m))
    # sanity of the reference itself: a normalized state, probabilities that sum to one
    assert np.isclose(np.linalg.norm(psi), 1) and np.isclose(out[1].sum(), 1)


def test_jit_matches_eager_on_a_random_circuit():
    n = 3
    rng = rng_for("jit-circuit", n)
    specs = random_circuit(rng, n, depth=6)
    ham = random_hamiltonian(rng, n, terms=2)
    tape = Tape(
        [build(s) for s in specs],
        [qml.state(), qml.expval(build_obs(ham)), qml.var(build_obs(ham)), qml.probs(wires=[n - 1, 0])],
    )
    wires = tuple(range(n))
    eager = simulate(tape, wires)
    jitted = jax.jit(lambda t: simulate(t, wires))(tape)
    psi = ref.run(specs, n)
    for e, j in zip(eager, jitted, strict=True):
        np.testing.assert_allclose(j, e, atol=ATOL)
    np.testing.assert_allclose(eager[0], psi, atol=ATOL)
    np.testing.assert_allclose(np.ravel(final_state(tape, wires)), psi, atol=ATOL)
    np.testing.assert_allclose(eager[1], ref.expval(psi, ham, n), atol=ATOL)
    np.testing.assert_allclose(eager[2], ref.var(psi, ham, n), atol=ATOL)
    np.testing.assert_allclose(eager[3], ref.probs(psi, (n - 1, 0), n), atol=ATOL)


def test_vmap_over_stacked_tapes_matches_loop():
    """Tapes are pytrees: tapes of equal structure stack leaf-wise and run under one vmap."""
    rng = rng_for("vmap-tapes")
    n = 3
    structure = random_circuit(rng, n, depth=8, prep=False)
    structure.insert(0, ref.Op("StatePrep", (ref.random_state(rng, 4),), (2, 0)))
    ham_obs = [("PauliZ", (0,)), ("Tensor", [("PauliX", (1,)), ("PauliY", (2,))])]
    batch = []
    for _ in range(3):
        specs = [
            ref.Op(s.name, random_params(s.name, len(s.wires), rng), s.wires, s.word, s.adjoint)
            if s.name != "StatePrep"
            else ref.Op("StatePrep", (ref.random_state(rng, 4),), s.wires)
            for s in structure
        ]
        ham = ("Hamiltonian", rng.normal(size=2), ham_obs)
        batch.append((specs, ham))
    tapes = [
        Tape(
            [build(s) for s in specs],
            [qml.expval(build_obs(ham)), qml.var(build_obs(ham)), qml.probs(wires=[1, 2])],
        )
        for specs, ham in batch
    ]
    assert len({jax.tree_util.tree_structure(t) for t in tapes}) == 1
    stacked = jax.tree_util.tree_map(lambda *xs: jnp.stack([jnp.asarray(x) for x in xs]), *tapes)
    wires = (0, 1, 2)
    got = jax.jit(jax.vmap(lambda t: simulate(t, wires)))(stacked)
    for b, (specs, ham) in enumerate(batch):
        loop = jit_simulate(tapes[b], wires)
        psi = ref.run(specs, n)
        want = [ref.expval(psi, ham, n), ref.var(psi, ham, n), ref.probs(psi, (1, 2), n)]
        for g, lp, w in zip(got, loop, want, strict=True):
            np.testing.assert_allclose(g[b], lp, atol=ATOL)
            np.testing.assert_allclose(g[b], w, atol=ATOL)


# --- observables -----------------------------------------------------------------------------
def _circuit_state(rng, n, depth=8):
    specs = random_circuit(rng, n, depth=depth, prep=False)
    return specs, [build(s) for s in specs], ref.run(specs, n)


def test_tensor_products_hermitian_and_projectors():
    rng = rng_for("observables")
    n = 4
    _specs, ops, psi = _circuit_state(rng, n)
    herm = ref.random_hermitian(rng, 4)
    vec = ref.random_state(rng, 4)
    observables = [
        ("Tensor", [("PauliZ", (0,)), ("PauliX", (2,)), ("PauliY", (1,))]),
        ("Tensor", [("Hermitian", (3, 1), herm), ("Hadamard", (0,))]),
        ("Tensor", [("Identity", (2,)), ("PauliZ", (3,))]),
        ("Hermitian", (2, 0), herm),
        ("Hermitian", (1,), ref.random_hermitian(rng, 2)),
        ("Projector", (3, 0), np.array([1, 0])),
        ("Projector", (2,), np.array([1])),
        ("Projector", (1, 3), vec),
        ("Projector", (0,), ref.random_state(rng, 2)),
        ("Tensor", [("Projector", (2, 1), np.array([0, 1])), ("PauliX", (0,))]),
        ("Identity", (1,)),
    ]
    var_observables = observables[::2]
    measurements = [qml.expval(build_obs(o)) for o in observables]
    measurements += [qml.var(build_obs(o)) for o in var_observables]
    out = jit_simulate(Tape(ops, measurements), tuple(range(n)))
    want = [ref.expval(psi, o, n) for o in observables] + [ref.var(psi, o, n) for o in var_observables]
    for m, g, w in zip(measurements, out, want, strict=True):
        np.testing.assert_allclose(g, w, atol=ATOL, err_msg=repr(m))
    # the Tensor flattens nested products and keeps the factor order
    t = build_obs(observables[0])
    assert [f.name for f in t.obs] == ["PauliZ", "PauliX", "PauliY"] and t.wires == (0, 2, 1)


def test_probs_of_observables_and_wire_orders():
    rng = rng_for("probs")
    n = 4
    _specs, ops, psi = _circuit_state(rng, n)
    herm = ref.random_hermitian(rng, 4)
    observables = [
        ("PauliX", (2,)), ("PauliY", (0,)), ("PauliZ", (3,)), ("Hadamard", (1,)), ("Identity", (0,)),
        ("Hermitian", (3, 1), herm),
        ("Tensor", [("PauliX", (1,)), ("PauliY", (3,))]),
        ("Tensor", [("Hadamard", (0,)), ("Hermitian", (2,), ref.random_hermitian(rng, 2))]),
        ("Projector", (2, 0), np.array([1, 1])),
    ]  # fmt: skip
    wire_sets = [(0,), (3,), (2, 0), (0, 2), (3, 1, 2), (1, 0, 3, 2), (0, 1, 2, 3)]
    measurements = [qml.probs(op=build_obs(o)) for o in observables]
    measurements += [qml.probs(wires=list(ws)) for ws in wire_sets]
    out = jit_simulate(Tape(ops, measurements), tuple(range(n)))
    want = [ref.probs_of_op(psi, o, n) for o in observables] + [ref.probs(psi, ws, n) for ws in wire_sets]
    for m, g, w in zip(measurements, out, want, strict=True):
        np.testing.assert_allclose(g, w, atol=ATOL, err_msg=repr(m))


def test_hamiltonian_expval_and_var():
    rng = rng_for("hamiltonian")
    n = 3
    _specs, ops, psi = _circuit_state(rng, n)
    ham = (
        "Hamiltonian",
        [0.5, -1.3, 2.0, 0.7, -0.2],
        [
            ("PauliZ", (0,)),
            ("Tensor", [("PauliX", (0,)), ("PauliX", (1,))]),
            ("Tensor", [("PauliY", (2,)), ("Hadamard", (0,))]),
            ("Hermitian", (1, 2), ref.random_hermitian(rng, 4)),
            ("Projector", (2,), np.array([1])),
        ],
    )
    h = build_obs(ham)
    assert h.wires == (0, 1, 2)
    # and a one-term Hamiltonian: c <A>, c^2 Var(A)
    one = ("Hamiltonian", [3.0], [("Tensor", [("PauliX", (1,)), ("PauliZ", (2,))])])
    measurements = [qml.expval(h), qml.var(h), qml.expval(build_obs(one)), qml.var(build_obs(one))]
    out = jit_simulate(Tape(ops, measurements), (0, 1, 2))
    want = [ref.expval(psi, ham, n), ref.var(psi, ham, n), ref.expval(psi, one, n), ref.var(psi, one, n)]
    np.testing.assert_allclose(out, want, atol=ATOL)
    assert ref.var(psi, ham, n) > 1e-3 and abs(want[3] - 9 * ref.var(psi, one[2][0], n)) < 1e-12


def test_observable_arithmetic():
    rng = rng_for("arithmetic")
    n = 3
    _specs, ops, psi = _circuit_state(rng, n)
    z0, x1, y2 = ("PauliZ", (0,)), ("PauliX", (1,)), ("PauliY", (2,))
    herm = ref.random_hermitian(rng, 2)
    cases = [
        (lambda: 2 * qml.PauliZ(0) + qml.PauliX(1), ("Hamiltonian", [2.0, 1.0], [z0, x1])),
        (lambda: qml.PauliZ(0) - qml.PauliX(1), ("Hamiltonian", [1.0, -1.0], [z0, x1])),
        (lambda: qml.PauliZ(0) @ qml.PauliX(1), ("Tensor", [z0, x1])),
        (
            lambda: qml.PauliX(1) * 0.5 - 3 * qml.PauliZ(0) @ qml.PauliY(2),  # (3 * Z0) @ Y2: distributes
            ("Hamiltonian", [0.5, -3.0], [x1, ("Tensor", [z0, y2])]),
        ),
        (lambda: -qml.PauliY(2), ("Hamiltonian", [-1.0], [y2])),
        (
            lambda: (qml.PauliZ(0) + qml.PauliX(1)) - (0.25 * qml.Hermitian(herm, wires=2) + qml.PauliY(2)),
            ("Hamiltonian", [1.0, 1.0, -0.25, -1.0], [z0, x1, ("Hermitian", (2,), herm), y2]),
        ),
        (lambda: 2 * (qml.PauliZ(0) + qml.PauliX(1)), ("Hamiltonian", [2.0, 2.0], [z0, x1])),
        (
            lambda: qml.Hamiltonian([0.3], [qml.PauliZ(0)]) + qml.PauliX(1) @ qml.PauliY(2),
            ("Hamiltonian", [0.3, 1.0], [z0, ("Tensor", [x1, y2])]),
        ),
        (
            lambda: (qml.PauliZ(0) - 2 * qml.PauliX(1)) @ (0.5 * qml.PauliY(2)),
            ("Hamiltonian", [0.5, -1.0], [("Tensor", [z0, y2]), ("Tensor", [x1, y2])]),
        ),
    ]  # fmt: skip
    measurements, built = [], []
    for make, spec in cases:
        with QuantumTape() as tape:
            obs = make()
            qml.expval(obs)
            qml.var(make())
        # observables built inside the recording do not become operations
        assert tape.operations == () and len(tape.measurements) == 2, repr(obs)
        if spec[0] == "Hamiltonian":
            assert isinstance(obs, qml.Hamiltonian)
            np.testing.assert_allclose(obs.coeffs, spec[1])
        else:
            assert isinstance(obs, qml.Tensor)
        measurements += tape.measurements
        built.append(obs)
    out = jit_simulate(Tape(ops, measurements), tuple(range(n)))
    for i, (obs, (_, spec)) in enumerate(zip(built, cases, strict=True)):
        np.testing.assert_allclose(out[2 * i], ref.expval(psi, spec, n), atol=ATOL, err_msg=repr(obs))
        np.testing.assert_allclose(out[2 * i + 1], ref.var(psi, spec, n), atol=ATOL, err_msg=repr(obs))


def test_legacy_measurement_syntax():
    tape = Tape([qml.RY(0.7, wires=0)], [qml.expval.PauliZ(0), qml.var.PauliX(0)])
    out = simulate(tape)
    np.testing.assert_allclose(out, [np.cos(0.7), 1 - np.sin(0.7) ** 2], atol=ATOL)


# --- recording -------------------------------------------------------------------------------
@pytest.mark.parametrize("tape_cls", [QuantumTape, JacobianTape], ids=["QuantumTape", "JacobianTape"])
def test_recording_matches_explicit_tape(tape_cls):
    rng = rng_for("record", tape_cls.__name__)
    n = 3
    specs = random_circuit(rng, n, depth=8)
    obs = ("Tensor", [("PauliZ", (2,)), ("PauliX", (0,))])
    with tape_cls() as tape:
        for s in specs:
            build(s)
        qml.expval(build_obs(obs))
        qml.probs(wires=[1])
        qml.state()
    names = [(f"Adjoint({s.name})" if s.adjoint else s.name) for s in specs]
    assert [op.name for op in tape.operations] == names
    assert [op.wires for op in tape.operations] == [s.wires for s in specs]
    assert [type(m).__name__ for m in tape.measurements] == ["ExpectationMP", "ProbabilityMP", "StateMP"]
    psi = ref.run(specs, n)
    out = jit_simulate(tape, tuple(range(n)))
    np.testing.assert_allclose(out[0], ref.expval(psi, obs, n), atol=ATOL)
    np.testing.assert_allclose(out[1], ref.probs(psi, (1,), n), atol=ATOL)
    np.testing.assert_allclose(out[2], psi, atol=ATOL)
    # the recorded tape is a pytree; it round-trips to a plain Tape with the same results
    leaves, treedef = jax.tree_util.tree_flatten(tape)
    again = jax.tree_util.tree_unflatten(treedef, leaves)
    for a, b in zip(jit_simulate(again, tuple(range(n))), out, strict=True):
        np.testing.assert_allclose(a, b, atol=0)


def test_nested_tapes_record_independently():
    with QuantumTape() as outer:
        qml.RX(0.3, wires=0)
        with QuantumTape() as inner:
            qml.RY(0.4, wires=1)
            qml.expval(qml.PauliZ(1))
        qml.CNOT(wires=[0, 1])
        with JacobianTape() as inner2:
            qml.Hadamard(wires=2)
            qml.probs(wires=[2])
        qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
    assert [op.name for op in outer.operations] == ["RX", "CNOT"]
    assert [op.name for op in inner.operations] == ["RY"]
    assert [op.name for op in inner2.operations] == ["Hadamard"]
    assert len(outer.measurements) == len(inner.measurements) == len(inner2.measurements) == 1
    np.testing.assert_allclose(simulate(inner)[0], np.cos(0.4), atol=ATOL)
    np.testing.assert_allclose(simulate(inner2)[0], [0.5, 0.5], atol=ATOL)
    psi = ref.run([ref.Op("RX", (0.3,), (0,)), ref.Op("CNOT", (), (0, 1))], 2)
    obs = ("Tensor", [("PauliZ", (0,)), ("PauliZ", (1,))])
    np.testing.assert_allclose(simulate(outer)[0], ref.expval(psi, obs, 2), atol=ATOL)
    # nothing leaks out of the contexts
    qml.RX(0.1, wires=0)
    assert [op.name for op in outer.operations] == ["RX", "CNOT"]


def test_recording_inside_jit():
    def circuit(x, y):
        with QuantumTape() as tape:
            qml.RX(x, wires=0)
            qml.RY(y, wires=1)
            qml.CNOT(wires=[0, 1])
            qml.expval(qml.PauliZ(1))
            qml.var(qml.PauliX(0) @ qml.PauliZ(1))
        return simulate(tape)

    x, y = 0.37, -1.2
    psi = ref.run([ref.Op("RX", (x,), (0,)), ref.Op("RY", (y,), (1,)), ref.Op("CNOT", (), (0, 1))], 2)
    xz = ("Tensor", [("PauliX", (0,)), ("PauliZ", (1,))])
    want = [ref.expval(psi, ("PauliZ", (1,)), 2), ref.var(psi, xz, 2)]
    np.testing.assert_allclose(jax.jit(circuit)(x, y), want, atol=ATOL)
    # and under grad: d<Z1>/dx for <Z1> = cos(x) cos(y)
    grad = jax.jit(jax.grad(lambda a: circuit(a, y)[0]))
    np.testing.assert_allclose(grad(x), -np.sin(x) * np.cos(y), atol=ATOL)


def test_tape_parameters_roundtrip():
    ops = [qml.RX(0.1, wires=0), qml.Rot(0.2, 0.3, 0.4, wires=1), qml.CNOT(wires=[0, 1])]
    tape = Tape(ops, [qml.expval(qml.PauliZ(1))])
    assert tape.get_parameters() == [0.1, 0.2, 0.3, 0.4] and tape.num_params == 4
    new = tape.with_parameters([0.5, 0.6, 0.7, 0.8])
    assert new.get_parameters() == [0.5, 0.6, 0.7, 0.8] and tape.get_parameters() == [0.1, 0.2, 0.3, 0.4]
    specs = [ref.Op("RX", (0.5,), (0,)), ref.Op("Rot", (0.6, 0.7, 0.8), (1,)), ref.Op("CNOT", (), (0, 1))]
    psi = ref.run(specs, 2)
    np.testing.assert_allclose(simulate(new)[0], ref.expval(psi, ("PauliZ", (1,)), 2), atol=ATOL)


# --- devices ---------------------------------------------------------------------------------
def test_device_with_string_labels():
    rng = rng_for("labels")
    labels = ["anc", "q1", "q0", "out"]
    dev = qml.device("default.qubit", wires=labels)
    assert dev.wires == tuple(labels) and dev.num_wires == 4
    assert qml.device("lightning.qubit", wires=3).wires == (0, 1, 2)
    n = 4
    specs = random_circuit(rng, n, depth=8)
    obs = ("Tensor", [("PauliY", (2,)), ("Hermitian", (0,), ref.random_hermitian(rng, 2))])
    ham = random_hamiltonian(rng, n)
    tape = Tape(
        [build(s, labels) for s in specs],
        [
            qml.state(), qml.probs(), qml.probs(wires=["out", "anc"]), qml.expval(build_obs(obs, labels)),
            qml.var(build_obs(ham, labels)), qml.density_matrix(wires=["q0", "anc"]),
        ],
    )  # fmt: skip
    out = jit_simulate(tape, dev.wires)
    psi = ref.run(specs, n)
    want = [
        psi, ref.probs(psi, None, n), ref.probs(psi, (3, 0), n), ref.expval(psi, obs, n),
        ref.var(psi, ham, n), ref.density_matrix(psi, (2, 0), n),
    ]  # fmt: skip
    for g, w in zip(out, want, strict=True):
        np.testing.assert_allclose(g, w, atol=ATOL)


def test_device_wires_unused_by_the_circuit_stay_in_zero():
    dev = qml.device("default.qubit", wires=["x", "y", "z"])
    tape = Tape([qml.Hadamard(wires="y")], [qml.state(), qml.probs(), qml.density_matrix(wires=["z", "y"])])
    state, probs, dm = simulate(tape, wires=dev.wires)
    np.testing.assert_allclose(state, [1 / np.sqrt(2), 0, 1 / np.sqrt(2), 0, 0, 0, 0, 0], atol=ATOL)
    np.testing.assert_allclose(probs, [0.5, 0, 0.5, 0, 0, 0, 0, 0], atol=ATOL)
    want_dm = np.zeros((4, 4))
    want_dm[:2, :2] = 0.5  # |z y> = |0> (x) |+>
    np.testing.assert_allclose(dm, want_dm, atol=ATOL)
    # without device wires the tape's own wires are used, in order of appearance
    (state,) = simulate(Tape([qml.PauliX(wires="b"), qml.Identity(wires="a")], [qml.state()]))
    np.testing.assert_allclose(state, [0, 0, 1, 0], atol=0)


def _tensor_reference(specs: list, n: int) -> np.ndarray:
    """The final state by contracting each gate's matrix with its own axes (no 2^n x 2^n matrix)."""
    psi = np.zeros((2,) * n, complex)
    psi[(0,) * n] = 1
    for op in specs:
        k = len(op.wires)
        gate = np.reshape(op.matrix(), (2,) * (2 * k))
        psi = np.tensordot(gate, psi, axes=(list(range(k, 2 * k)), list(op.wires)))
        psi = np.moveaxis(psi, list(range(k)), list(op.wires))
    return psi.reshape(-1)


@pytest.mark.parametrize("n", [6, 7])
def test_fused_program_matches_a_tensor_reference(n, monkeypatch):
    """Runs merged into 2-wire blocks, axis reorders, diagonal runs, wide dense gates, gathers.

    Permutation gates are gathered in one pass; at 7 wires the gather's indices are computed inside the
    program (as they are above ``STORED_INDEX_WIRES``).
    """
    from quantum_jax import _kernels, _program

    if n == 7:
        monkeypatch.setattr(_kernels, "STORED_INDEX_WIRES", 6)
    rng = rng_for("fused-program", n)
    specs = random_circuit(rng, n, depth=60, prep=False)
    # a layer that must become 2-wire blocks followed by one gather (a CNOT ring with a CZ and a Y)
    specs += [ref.Op("RX", (0.3 + w,), (w,)) for w in range(n)]
    specs += [ref.Op("CNOT", (), (w, (w + 1) % n)) for w in range(n)]
    specs += [ref.Op("CZ", (), (0, n - 1)), ref.Op("PauliY", (), (1,))]
    ops = [build(s) for s in specs]
    program = _program.compile_program(ops, tuple(range(n)))
    kinds = {type(step).__name__ for step in program.steps}
    assert {"Front", "Monomial", "Diagonal"} <= kinds, kinds
    assert any(isinstance(s, _program.Front) and s.runs and len(s.runs) == 2 for s in program.steps)
    state = jax.jit(lambda t: final_state(t, tuple(range(n))))(Tape(ops, [qml.state()]))
    np.testing.assert_allclose(np.ravel(state), _tensor_reference(specs, n), atol=ATOL)


def _layers(rng: np.random.Generator, n: int, count: int) -> list:
    """``count`` layers of one random structure (a random circuit, then a CNOT ring).

    Each layer has its own angles: scalar parameters shifted by ``0.1 * layer``.
    """
    layer = random_circuit(rng, n, depth=10, prep=False)
    layer += [ref.Op("CNOT", (), (w, (w + 1) % n)) for w in range(n)]

    def moved(op, k):
        params = tuple(
            p + 0.1 * k if np.ndim(p) == 0 and not isinstance(p, complex) else p for p in op.params
        )
        return dataclasses.replace(op, params=params)

    return [moved(op, k) for k in range(count) for op in layer]


@pytest.mark.parametrize("n", [3, 5])
def test_repeated_layers_run_as_one_scanned_body(n):
    """A circuit of repeated layers compiles to a segment scanned over the layers.

    The state matches the tensor reference, and so it does when one layer's parameters are float32
    (the layers are then unrolled).
    """
    from quantum_jax import _program

    count = 4
    specs = _layers(rng_for("layers", n), n, count)
    ops = [build(s) for s in specs]
    program = _program.compile_program(ops, tuple(range(n)))
    # (the first layer may differ: its gates ahead of any entangling gate build the product state)
    assert max(len(s.reps) for s in program.segments) >= count - 1
    run = jax.jit(lambda t: final_state(t, tuple(range(n))))
    np.testing.assert_allclose(
        np.ravel(run(Tape(ops, [qml.state()]))), _tensor_reference(specs, n), atol=ATOL
    )
    per_layer = len(ops) // count
    mixed = [
        jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.float32) if jnp.ndim(x) == 0 else x, op)
        if i >= per_layer * (count - 1) and all(not jnp.iscomplexobj(p) for p in op.params)
        else op
        for i, op in enumerate(ops)
    ]
    got = np.ravel(run(Tape(mixed, [qml.state()])))
    np.testing.assert_allclose(got, _tensor_reference(specs, n), atol=1e-6)


def test_gradients_through_scanned_layers_match_finite_differences():
    """Backprop, parameter-shift and adjoint agree with the reference on a 4-layer circuit.

    Backprop runs through the scan, parameter-shift runs the scan in a vmapped batch and adjoint the
    unrolled steps; all are checked against central differences of the NumPy reference.
    """
    n, count = 3, 4
    dev = qml.device("default.qubit", wires=n)

    def structure(p):
        ops = []
        for k in range(count):
            for w in range(n):
                ops += [ref.Op("RX", (p[k, w, 0],), (w,)), ref.Op("RY", (p[k, w, 1],), (w,))]
            ops.append(ref.Op("IsingZZ", (p[k, 0, 2],), (0, 1)))
            ops += [ref.Op("CNOT", (), (w, (w + 1) % n)) for w in range(n)]
        return ops

    def reference(p):
        psi = _tensor_reference(structure(p), n).reshape((2,) * n)
        z = np.array([1.0, -1.0])
        return float(np.sum(np.abs(psi) ** 2 * z[:, None, None] * z[None, None, :]))

    p0 = np.random.default_rng(7).uniform(0, 2 * np.pi, (count, n, 3))
    want = np.zeros_like(p0)
    for idx in np.ndindex(p0.shape):
        e = np.zeros_like(p0)
        e[idx] = 1e-6
        want[idx] = (reference(p0 + e) - reference(p0 - e)) / 2e-6
    for method in ("backprop", "parameter-shift", "adjoint"):

        @qml.qnode(dev, diff_method=method, interface="jax")
        def circuit(p):
            for op in structure(p):
                build(op)
            return qml.expval(qml.PauliZ(0) @ qml.PauliZ(2))

        got = jax.jit(jax.grad(circuit))(jnp.asarray(p0))
        np.testing.assert_allclose(got, want, atol=1e-7, err_msg=method)


def test_repeated_layers_without_parameters():
    """Layers with no parameters at all (gate data that is the same in every repetition) scan too."""
    from quantum_jax import _program

    n, count = 3, 4
    layer = [ref.Op("Hadamard", (), (0,)), ref.Op("S", (), (1,)), ref.Op("T", (), (2,))]
    layer += [ref.Op("CNOT", (), (w, (w + 1) % n)) for w in range(n)]
    specs = layer * count
    ops = [build(s) for s in specs]
    program = _program.compile_program(ops, tuple(range(n)))
    assert max(len(s.reps) for s in program.segments) >= count - 1
    state = jax.jit(lambda t: final_state(t, tuple(range(n))))(Tape(ops, [qml.state()]))
    np.testing.assert_allclose(np.ravel(state), _tensor_reference(specs, n), atol=ATOL)


@pytest.mark.parametrize("prep", [False, True])
def test_gates_before_any_entangling_gate_build_a_product_state(prep):
    """One-wire gates ahead of every entangling gate are applied to |0...0> as one product state.

    Here on some wires only, with a wire left idle; after a state preparation they run as gates.
    """
    from quantum_jax import _program

    n = 5
    specs = [ref.Op("RX", (0.3,), (3,)), ref.Op("RY", (0.7,), (1,)), ref.Op("Hadamard", (), (4,))]
    specs += [ref.Op("RZ", (1.1,), (1,)), ref.Op("Rot", (0.2, 0.5, -0.4), (0,))]
    specs += [ref.Op("CNOT", (), (3, 1)), ref.Op("CRY", (0.9,), (4, 2)), ref.Op("RX", (0.6,), (3,))]
    ops = [build(s) for s in specs]
    program = _program.compile_program(ops, tuple(range(n)))
    assert program.product
    if prep:
        specs = [ref.Op("BasisState", (np.array([1, 0, 1, 1, 0]),), tuple(range(n))), *specs]
        ops = [build(specs[0]), *ops]
    state = jax.jit(lambda t: final_state(t, tuple(range(n))))(Tape(ops, [qml.state()]))
    psi = np.zeros((2,) * n, complex)
    psi[(1, 0, 1, 1, 0) if prep else (0,) * n] = 1
    for op in specs[int(prep) :]:
        k = len(op.wires)
        gate = np.reshape(op.matrix(), (2,) * (2 * k))
        psi = np.moveaxis(
            np.tensordot(gate, psi, axes=(list(range(k, 2 * k)), list(op.wires))),
            list(range(k)),
            list(op.wires),
        )
    np.testing.assert_allclose(np.ravel(state), psi.reshape(-1), atol=ATOL)
