"""Conformance of every registered gate with the dense NumPy reference.

The registry is ``_gates.GATES`` with ``_fermionic.FERMIONIC_GATES`` and ``_controlled.CONTROLLED_GATES``
(``circuit_builders.ALL_GATES``).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref
from circuit_builders import ALL_GATES, GATE_NAMES, MATRIX_GATES, build, random_op, random_params, rng_for

import quantum_jax as qml
from quantum_jax.simulator import final_state, simulate
from quantum_jax.tape import Tape

ATOL = 1e-10
gate_classes = pytest.mark.parametrize("cls", ALL_GATES, ids=GATE_NAMES)
parametrized_classes = pytest.mark.parametrize(
    "cls", [c for c in ALL_GATES if ref.GATE_SIGNATURES[c.__name__][1]],
    ids=[n for n in GATE_NAMES if ref.GATE_SIGNATURES[n][1]],
)  # fmt: skip
# Classes of ``_gates.py`` not yet exported by ``quantum_jax/__init__.py`` (none: every gate is public).
PENDING_EXPORT: frozenset[str] = frozenset()


def wire_counts(name: str) -> list[int]:
    fixed, _ = ref.GATE_SIGNATURES[name]
    return [fixed] if fixed is not None else [k for k in (1, 2, 3) if k >= ref.MIN_WIRES.get(name, 1)]


# Every application test uses a 5-wire register (one state shape, so JAX's compiled kernels are
# shared between tests): non-adjacent wires in increasing order, and non-adjacent reversed ones.
N = 5
LAYOUTS = {
    "spread": {1: (3,), 2: (0, 3), 3: (0, 2, 4), 4: (0, 1, 3, 4)},
    "reversed": {1: (1,), 2: (4, 1), 3: (4, 2, 0), 4: (4, 3, 1, 0)},
}
# the wire count used for the gates that take any number of wires, per layout
ANY_WIRES = {"spread": 3, "reversed": 2, "labels": 1}


def any_wires(name: str, layout: str) -> int:
    return max(ANY_WIRES[layout], ref.MIN_WIRES.get(name, 1))


def layout_wires(name: str, layout: str) -> tuple[int, ...]:
    fixed, _ = ref.GATE_SIGNATURES[name]
    return LAYOUTS[layout][fixed or any_wires(name, layout)]


def prepared_tape(psi: np.ndarray, n: int, gate: qml.Operation) -> Tape:
    return Tape([qml.StatePrep(psi, wires=range(n)), gate], [qml.state()])


# --- the registry ----------------------------------------------------------------------------
def test_registry_is_exactly_the_reference_gate_set():
    assert len(GATE_NAMES) == len(set(GATE_NAMES))
    assert set(GATE_NAMES) == set(ref.GATE_SIGNATURES)
    missing = {cls.__name__ for cls in ALL_GATES if getattr(qml, cls.__name__, None) is not cls}
    assert missing <= PENDING_EXPORT, sorted(missing - PENDING_EXPORT)


def test_aliases():
    assert qml.CPhase is qml.ControlledPhaseShift
    assert qml.QubitStateVector is qml.StatePrep
    np.testing.assert_allclose(qml.U1(0.7, wires=0).matrix(), ref.phase_shift(0.7), atol=ATOL)


def test_reference_self_consistency():
    """Spot checks of the reference against identities that hold independently of its code paths."""
    # CNOT with control 1, target 0 on two wires
    cnot_10 = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]])
    np.testing.assert_allclose(ref.embed(ref.gate_matrix("CNOT"), [1, 0], 2), cnot_10)
    np.testing.assert_allclose(ref.embed(ref.X, [0], 2), np.kron(ref.X, ref.I2))
    np.testing.assert_allclose(ref.embed(ref.X, [2], 3), np.kron(np.eye(4), ref.X))
    np.testing.assert_allclose(ref.rx(np.pi), -1j * ref.X, atol=1e-15)
    np.testing.assert_allclose(ref.ry(np.pi), -1j * ref.Y, atol=1e-15)
    np.testing.assert_allclose(ref.rz(np.pi), -1j * ref.Z, atol=1e-15)
    t, p, d = 0.3, -1.1, 2.4
    np.testing.assert_allclose(ref.u3(t, p, d), np.exp(0.5j * (p + d)) * ref.rot(d, t, p), atol=1e-14)
    np.testing.assert_allclose(ref.u2(p, d), ref.u3(np.pi / 2, p, d), atol=1e-14)
    xx = np.kron(ref.X, ref.X)
    np.testing.assert_allclose(ref.pauli_exp(t, "XX"), np.cos(t / 2) * np.eye(4) - 1j * np.sin(t / 2) * xx)
    np.testing.assert_allclose(ref.pauli_exp(np.pi, "ZZ"), -1j * np.diag([1, -1, -1, 1]), atol=1e-15)
    np.testing.assert_allclose(ref.gate_matrix("SX") @ ref.gate_matrix("SX"), ref.X, atol=1e-15)
    np.testing.assert_allclose(ref.gate_matrix("T") @ ref.gate_matrix("T"), ref.gate_matrix("S"), atol=1e-15)
    # probability and density-matrix helpers on |psi> = |01> (x) |+>
    psi = np.kron(np.kron([1, 0], [0, 1]), np.array([1, 1]) / np.sqrt(2))
    np.testing.assert_allclose(ref.probs(psi, [1], 3), [0, 1])
    np.testing.assert_allclose(ref.probs(psi, [2, 1], 3), [0, 0.5, 0, 0.5])
    np.testing.assert_allclose(ref.density_matrix(psi, [2], 3), np.full((2, 2), 0.5))
    np.testing.assert_allclose(ref.probs_of_op(psi, ("PauliX", (2,)), 3), [1, 0], atol=1e-15)


@gate_classes
def test_signature(cls):
    num_wires, num_params = ref.GATE_SIGNATURES[cls.__name__]
    assert cls.num_wires == num_wires
    assert cls.num_params == num_params


def test_wires_may_be_given_positionally():
    assert qml.RX(0.3, 0).wires == (0,) and qml.RX(0.3, 0).params == (0.3,)
    assert qml.CNOT([1, 0]).wires == (1, 0)
    assert qml.Rot(0.1, 0.2, 0.3, "a").wires == ("a",)
    assert qml.RX(0.3, wires=np.int64(2)).wires == (2,)
    assert type(qml.RX(0.3, wires=np.int64(2)).wires[0]) is int


# --- matrices --------------------------------------------------------------------------------
@gate_classes
def test_matrix_is_unitary_and_matches_reference(cls):
    rng = rng_for("matrix", cls.__name__)
    for k in wire_counts(cls.__name__):
        for _ in range(2):
            spec = random_op(cls.__name__, range(k), rng)
            op = build(spec)
            m = np.asarray(op.matrix())
            assert m.shape == (2**k, 2**k)
            np.testing.assert_allclose(m @ m.conj().T, np.eye(2**k), atol=ATOL)
            np.testing.assert_allclose(m, spec.matrix(), atol=ATOL)


def test_pauli_rot_all_words_match_reference():
    rng = rng_for("paulirot-words")
    for word in ["X", "Y", "I", "ZZ", "IZ", "YI", "II", "XYZ", "ZIZ"]:
        theta = float(rng.uniform(-7, 7))
        op = qml.PauliRot(theta, word, wires=range(len(word)))
        assert op.pauli_word == word
        np.testing.assert_allclose(op.matrix(), ref.pauli_exp(theta, word), atol=ATOL)
        n = len(word) + 1
        psi = ref.random_state(rng, 2**n)
        wires = list(range(n))[::-1][: len(word)]
        got = final_state(Tape([qml.StatePrep(psi, wires=range(n)), qml.PauliRot(theta, word, wires=wires)]))
        want = ref.embed(ref.pauli_exp(theta, word), wires, n) @ psi
        np.testing.assert_allclose(np.ravel(got), want, atol=ATOL)
        adj = qml.adjoint(qml.PauliRot(theta, word, wires=wires))
        np.testing.assert_allclose(adj.matrix(), ref.pauli_exp(-theta, word), atol=ATOL)
        back = final_state(Tape([qml.StatePrep(want, wires=range(n)), adj]))
        np.testing.assert_allclose(np.ravel(back), psi, atol=ATOL)


# --- application through the simulator -------------------------------------------------------
@gate_classes
@pytest.mark.parametrize("layout", ["spread", "reversed"])
def test_simulated_gate_matches_dense_reference(cls, layout):
    rng = rng_for("apply", cls.__name__, layout)
    wires = layout_wires(cls.__name__, layout)
    spec = random_op(cls.__name__, wires, rng)
    psi = ref.random_state(rng, 2**N)
    want = ref.embed(spec.matrix(), wires, N) @ psi
    tape = prepared_tape(psi, N, build(spec))
    if layout == "spread":
        state = final_state(tape)
        assert state.shape == (2,) * N
        np.testing.assert_allclose(np.ravel(state), want, atol=ATOL)
    else:
        (state,) = simulate(tape)
        assert state.shape == (2**N,)
        np.testing.assert_allclose(state, want, atol=ATOL)


@gate_classes
def test_gate_on_labelled_wires_in_device_order(cls):
    """No state preparation; string wire labels; the device orders the wires unlike the tape."""
    rng = rng_for("labels", cls.__name__)
    name = cls.__name__
    k = ref.GATE_SIGNATURES[name][0] or any_wires(name, "labels")
    labels = ["c", "a", "e", "b", "d"]  # device axis i carries the label labels[i]
    wires = tuple(int(w) for w in rng.permutation(N)[:k])
    # a layer of Hadamards and T gates first (every amplitude nonzero, with relative phases)
    layer = [ref.Op(g, (), (w,)) for w in (3, 0, 4, 1, 2) for g in ("Hadamard", "T")]
    spec = random_op(name, wires, rng)
    want = ref.run([*layer, spec], N)
    dev = qml.device("default.qubit", wires=labels)
    tape = Tape([build(o, labels) for o in [*layer, spec]], [qml.state()])
    assert tape.wires == ("b", "c", "d", "a", "e") != dev.wires
    (got,) = simulate(tape, wires=dev.wires)
    np.testing.assert_allclose(got, want, atol=ATOL)


# --- jit, vmap -------------------------------------------------------------------------------
def _gate_fn(spec: ref.Op, n: int):
    def f(params, psi):
        gate = build(spec, params=params)
        return final_state(prepared_tape(psi, n, gate))

    return f


@parametrized_classes
def test_jit_of_vmap_matches_eager_loop(cls):
    """``jit(vmap(f))`` over a batch of parameters (and states) equals eager ``f`` in a Python loop."""
    rng = rng_for("vmap", cls.__name__)
    name = cls.__name__
    wires = layout_wires(name, "spread")
    spec = random_op(name, wires, rng)
    f = _gate_fn(spec, N)
    batch = 3
    psis = np.stack([ref.random_state(rng, 2**N) for _ in range(batch)])
    param_sets = [random_params(name, len(wires), rng) for _ in range(batch)]
    stacked = tuple(jnp.stack([jnp.asarray(ps[i]) for ps in param_sets]) for i in range(len(spec.params)))
    got = jax.jit(jax.vmap(f))(stacked, jnp.asarray(psis))
    assert got.shape == (batch,) + (2,) * N
    for b in range(batch):
        eager = f(tuple(jnp.asarray(p) for p in param_sets[b]), psis[b])
        np.testing.assert_allclose(got[b], eager, atol=ATOL)
        want = ref.embed(dataclasses.replace(spec, params=param_sets[b]).matrix(), wires, N) @ psis[b]
        np.testing.assert_allclose(np.ravel(got[b]), want, atol=ATOL)


def test_fixed_gates_under_jit_of_vmap():
    """Every gate without parameters, in one circuit, batched over the input state (one compile)."""
    rng = rng_for("vmap-fixed")
    fixed = [n for n in GATE_NAMES if not ref.GATE_SIGNATURES[n][1]]
    assert len(fixed) == 18
    specs = [random_op(n, layout_wires(n, "spread"), rng) for n in fixed]

    def f(psi):
        return final_state(Tape([qml.StatePrep(psi, wires=range(N)), *[build(s) for s in specs]]))

    psis = np.stack([ref.random_state(rng, 2**N) for _ in range(3)])
    got = jax.jit(jax.vmap(f))(jnp.asarray(psis))
    for b in range(3):
        np.testing.assert_allclose(got[b], f(psis[b]), atol=ATOL)
        want = ref.run([ref.Op("StatePrep", (psis[b],), tuple(range(N))), *specs], N)
        np.testing.assert_allclose(np.ravel(got[b]), want, atol=ATOL)


# --- adjoint ---------------------------------------------------------------------------------
@gate_classes
def test_adjoint(cls):
    rng = rng_for("adjoint", cls.__name__)
    name = cls.__name__
    for k in wire_counts(name):
        op = build(random_op(name, range(k), rng))
        adj = qml.adjoint(op)
        assert adj.wires == op.wires and adj.params == op.params
        np.testing.assert_allclose(adj.matrix(), np.asarray(op.matrix()).conj().T, atol=ATOL)
    wires = layout_wires(name, "reversed")
    spec = random_op(name, wires, rng)
    op = build(spec)
    adj = qml.adjoint(build(spec))
    np.testing.assert_allclose(adj.matrix(), spec.matrix().conj().T, atol=ATOL)
    psi = ref.random_state(rng, 2**N)
    # the adjoint alone, through the simulator
    got = final_state(prepared_tape(psi, N, adj))
    want = ref.embed(spec.matrix().conj().T, wires, N) @ psi
    np.testing.assert_allclose(np.ravel(got), want, atol=ATOL)
    # the adjoint undoes the gate
    back = final_state(Tape([qml.StatePrep(psi, wires=range(N)), op, adj]))
    np.testing.assert_allclose(np.ravel(back), psi, atol=ATOL)
    # adjoint of adjoint is the gate itself
    again = qml.adjoint(qml.adjoint(build(spec)))
    assert type(again) is cls
    np.testing.assert_allclose(again.matrix(), spec.matrix(), atol=ATOL)


def test_adjoint_of_class_and_function_records_reversed_adjoints():
    with qml.tape.QuantumTape() as tape:
        qml.adjoint(qml.RX)(0.5, wires=0)

        def block(x):
            qml.RY(x, wires=0)
            qml.CNOT(wires=[0, 1])
            qml.S(wires=1)

        qml.adjoint(block)(0.25)
        qml.expval(qml.PauliZ(1))
    names = [op.name for op in tape.operations]
    assert names == ["Adjoint(RX)", "Adjoint(S)", "Adjoint(CNOT)", "Adjoint(RY)"]
    assert [op.wires for op in tape.operations] == [(0,), (1,), (0, 1), (0,)]
    got = final_state(tape)
    want = ref.run(
        [
            ref.Op("RX", (0.5,), (0,), adjoint=True), ref.Op("S", (), (1,), adjoint=True),
            ref.Op("CNOT", (), (0, 1), adjoint=True), ref.Op("RY", (0.25,), (0,), adjoint=True),
        ],
        2,
    )  # fmt: skip
    np.testing.assert_allclose(np.ravel(got), want, atol=ATOL)


# --- pytrees ---------------------------------------------------------------------------------
@gate_classes
def test_gate_is_a_pytree(cls):
    rng = rng_for("pytree", cls.__name__)
    name = cls.__name__
    k = max(wire_counts(name))
    spec = random_op(name, tuple(range(k))[::-1], rng)
    op = build(spec)
    leaves, treedef = jax.tree_util.tree_flatten(op)
    assert len(leaves) == ref.GATE_SIGNATURES[name][1]
    for leaf, p in zip(leaves, spec.params, strict=True):
        np.testing.assert_array_equal(np.asarray(leaf), np.asarray(p))
    rebuilt = jax.tree_util.tree_unflatten(treedef, leaves)
    assert type(rebuilt) is cls and rebuilt.wires == op.wires and rebuilt.hyper == op.hyper
    np.testing.assert_allclose(rebuilt.matrix(), op.matrix(), atol=0)
    # equal structure with other parameter values: equal treedefs
    other = build(dataclasses.replace(spec, params=random_params(name, k, rng)))
    assert jax.tree_util.tree_structure(other) == treedef
    # different wires: a different structure
    moved = build(dataclasses.replace(spec, wires=tuple(w + 1 for w in spec.wires)))
    assert jax.tree_util.tree_structure(moved) != treedef
    # tree_map reaches the parameters only: negating them gives the gate at the negated parameters
    negated = jax.tree_util.tree_map(lambda x: -jnp.asarray(x), op)
    assert type(negated) is cls and negated.wires == op.wires and negated.hyper == op.hyper
    want = dataclasses.replace(spec, params=tuple(-np.asarray(p) for p in spec.params)).matrix()
    np.testing.assert_allclose(negated.matrix(), want, atol=ATOL)
    # the adjoint is a pytree with the same leaves
    adj = qml.adjoint(build(spec))
    adj_leaves, adj_def = jax.tree_util.tree_flatten(adj)
    assert len(adj_leaves) == len(leaves)
    adj_again = jax.tree_util.tree_unflatten(adj_def, adj_leaves)
    np.testing.assert_allclose(adj_again.matrix(), adj.matrix(), atol=0)


# --- parameter frequencies (the data the parameter-shift rules read) --------------------------
@parametrized_classes
def test_declared_frequencies_describe_expectation_values(cls):
    """``<psi|U(x)^dag O U(x)|psi>`` has exactly the declared frequencies in each parameter.

    For each parameter, a least-squares fit on the declared frequencies reproduces the expectation
    value exactly, and every declared frequency is present (for a random state and observable).
    """
    rng = rng_for("freq", cls.__name__)
    name = cls.__name__
    for k in wire_counts(name):
        spec = random_op(name, range(k), rng)
        freqs = build(spec).frequencies
        assert len(freqs) == len(spec.params)
        psi = ref.random_state(rng, 2**k)
        obs = ref.random_hermitian(rng, 2**k)
        for i, omegas in enumerate(freqs):
            if name in MATRIX_GATES:
                assert omegas is None
                continue
            xs = rng.uniform(-2 * np.pi, 2 * np.pi, size=15)
            ys = []
            for x in xs:
                params = list(spec.params)
                params[i] = x
                u = dataclasses.replace(spec, params=tuple(params)).matrix()
                phi = u @ psi
                ys.append(np.vdot(phi, obs @ phi).real)
            basis = [np.ones_like(xs)]
            for w in omegas:
                basis += [np.cos(w * xs), np.sin(w * xs)]
            a = np.stack(basis, axis=1)
            coef, *_ = np.linalg.lstsq(a, np.asarray(ys), rcond=None)
            np.testing.assert_allclose(a @ coef, ys, atol=1e-9, err_msg=f"{name} parameter {i}: {omegas}")
            # every declared frequency is present (for a random state and observable)
            for j in range(len(omegas)):
                assert np.hypot(coef[1 + 2 * j], coef[2 + 2 * j]) > 1e-6, (name, i, omegas)


# --- state preparation -----------------------------------------------------------------------
def test_basis_state_on_a_subset_of_wires():
    for wires, bits in [((3, 1), (1, 0)), ((4, 0, 2), (1, 1, 0))]:
        ops = [
            ref.Op("BasisState", (np.array(bits),), wires), ref.Op("RX", (0.4,), (2,)),
            ref.Op("CNOT", (), (1, 0)),
        ]  # fmt: skip
        want = ref.run(ops, N)
        tape = Tape([build(o) for o in ops], [qml.state(), qml.probs(wires=list(wires))])
        state, probs = simulate(tape, wires=range(N))
        np.testing.assert_allclose(state, want, atol=ATOL)
        np.testing.assert_allclose(probs, ref.probs(want, wires, N), atol=ATOL)
    # bare basis states: every bitstring on 3 wires
    for index in range(8):
        bits = ref.bits_of(index, 3)
        (state,) = simulate(Tape([qml.BasisState(np.array(bits), wires=[0, 1, 2])], [qml.state()]))
        np.testing.assert_allclose(state, np.eye(8)[index], atol=0)


def test_state_prep_on_a_subset_of_wires():
    rng = rng_for("stateprep-subset")
    n = N
    for wires in [(2, 0), (4, 1, 3), (4, 3, 2, 1, 0)]:
        vec = ref.random_state(rng, 2 ** len(wires))
        ops = [ref.Op("StatePrep", (vec,), wires), ref.Op("Hadamard", (), (1,)), ref.Op("CZ", (), (1, 3))]
        want = ref.run(ops, n)
        (state,) = simulate(Tape([build(o) for o in ops], [qml.state()]), wires=range(n))
        np.testing.assert_allclose(state, want, atol=ATOL)
    # QubitStateVector is the same operation
    vec = ref.random_state(rng, 4)
    (state,) = simulate(Tape([qml.QubitStateVector(vec, wires=[1, 0])], [qml.state()]))
    np.testing.assert_allclose(state, ref.run([ref.Op("StatePrep", (vec,), (0, 1))], 2), atol=ATOL)


def test_several_state_preparations_on_disjoint_wires():
    rng = rng_for("multi-prep")
    n = 5
    vec = ref.random_state(rng, 4)
    ops = [
        ref.Op("StatePrep", (vec,), (3, 1)),
        ref.Op("BasisState", (np.array([1, 1]),), (4, 0)),
        ref.Op("CRY", (0.9,), (0, 2)),
        ref.Op("ISWAP", (), (2, 3)),
    ]
    want = ref.run(ops, n)
    (state,) = simulate(Tape([build(o) for o in ops], [qml.state()]), wires=range(n))
    np.testing.assert_allclose(state, want, atol=ATOL)


def test_state_preparations_jit_and_vmap():
    rng = rng_for("prep-jit")
    n = 3

    def f(vec, bits):
        tape = Tape(
            [qml.StatePrep(vec, wires=[2, 0]), qml.BasisState(bits, wires=[1]), qml.CNOT(wires=[1, 2])],
            [qml.state()],
        )
        return simulate(tape, wires=range(n))[0]

    vecs = np.stack([ref.random_state(rng, 4) for _ in range(3)])
    bits = np.array([[0], [1], [1]])
    batched = jax.vmap(f)(vecs, bits)
    jitted = jax.jit(f)
    for b in range(3):
        want = ref.run(
            [
                ref.Op("StatePrep", (vecs[b],), (2, 0)),
                ref.Op("BasisState", (bits[b],), (1,)),
                ref.Op("CNOT", (), (1, 2)),
            ],
            n,
        )
        np.testing.assert_allclose(batched[b], want, atol=ATOL)
        np.testing.assert_allclose(jitted(vecs[b], bits[b]), want, atol=ATOL)
        np.testing.assert_allclose(f(vecs[b], bits[b]), want, atol=ATOL)


def test_state_preparations_are_pytrees():
    prep = qml.StatePrep(np.array([0.6, 0.8j]), wires=[1])
    basis = qml.BasisState(np.array([1, 0]), wires=["a", "b"])
    for op in (prep, basis):
        leaves, treedef = jax.tree_util.tree_flatten(op)
        assert len(leaves) == 1
        rebuilt = jax.tree_util.tree_unflatten(treedef, leaves)
        assert type(rebuilt) is type(op) and rebuilt.wires == op.wires
        np.testing.assert_array_equal(rebuilt.params[0], op.params[0])
