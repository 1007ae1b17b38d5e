"""Templates against dense NumPy constructions written here from each template's definition.

Every reference below is built from explicit matrices (``reference.py``'s gate formulas, Kronecker
products, eigendecompositions of Hermitian generators) or a closed form (the Fourier matrix, the
Grover reflection, Jordan-Wigner excitation operators, Suzuki's product formula); none of them calls
quantum_jax.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref
from circuit_builders import rng_for

import quantum_jax as qml
from quantum_jax import _templates

ATOL = 1e-10
CNOT = ref.controlled(ref.X)
CZ = ref.controlled(ref.Z)
ONE_WIRE = {"RX": ref.rx, "RY": ref.ry, "RZ": ref.rz}


# --- helpers ---------------------------------------------------------------------------------
def state_after(fn, n, psi):
    """The state of ``n`` wires prepared in ``psi`` after ``fn()`` records its gates."""
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev)
    def circuit(psi):
        qml.StatePrep(psi, wires=range(n))
        fn()
        return qml.state()

    return np.asarray(circuit(psi))


def random_state(n, *key):
    return ref.random_state(rng_for("templates", *key), 2**n)


def check_unitary(fn, n, expected, *key):
    """``fn`` maps a random state ``psi`` to ``expected @ psi``."""
    psi = random_state(n, *key)
    np.testing.assert_allclose(state_after(fn, n, psi), expected @ psi, atol=ATOL)


def product(mats):
    """``mats[-1] @ ... @ mats[0]``: the unitary of gates applied in list order."""
    out = np.eye(mats[0].shape[0], dtype=complex)
    for m in mats:
        out = m @ out
    return out


def on(mat, wires, n):
    return ref.embed(np.asarray(mat, dtype=complex), list(wires), n)


def exp_i(hermitian, t):
    """``exp(-i t H)`` from the eigendecomposition of a Hermitian ``H``."""
    w, v = np.linalg.eigh(hermitian)
    return (v * np.exp(-1j * t * w)) @ v.conj().T


def pauli(word, wires, n):
    return on(ref.pauli_word(word), wires, n)


def annihilator(j, n):
    """The Jordan-Wigner ``c_j`` (``|1>`` occupied): ``Z`` on the wires before ``j``, ``|0><1|`` on ``j``."""
    lower = np.array([[0, 1], [0, 0]], dtype=complex)
    return functools.reduce(np.kron, [ref.Z] * j + [lower] + [ref.I2] * (n - j - 1))


def excitation(theta, created, annihilated, n):
    """``exp(theta/2 (c_created... c_annihilated... - h.c.))`` by eigendecomposition."""
    c = [annihilator(j, n) for j in range(n)]
    op = np.eye(2**n, dtype=complex)
    for j in created:
        op = op @ c[j].conj().T
    for j in annihilated:
        op = op @ c[j]
    # theta/2 (A - A^dag) = -i t H with H = i theta/2 (A - A^dag) Hermitian and t = 1
    return exp_i(1j * theta / 2 * (op - op.conj().T), 1.0)


def flips(bits, n):
    return product([on(ref.X, [w], n) for w, b in enumerate(bits) if b] or [np.eye(2**n)])


# --- the template object -----------------------------------------------------------------------
def test_templates_record_their_gates_once_in_order():
    w = np.arange(12.0).reshape(2, 2, 3) / 7
    with qml.tape.QuantumTape() as tape:
        qml.Hadamard(wires=0)
        t = qml.StronglyEntanglingLayers(w, wires=[0, 1])
        qml.expval(qml.PauliZ(0))
    assert tape.operations[1:] == t.operations
    assert [op.name for op in t.operations] == ["Rot", "Rot", "CNOT", "CNOT"] * 2
    assert [op.wires for op in t.operations[2:4]] == [(0, 1), (1, 0)]
    np.testing.assert_allclose([float(p) for p in t.operations[4].params], w[1, 0])


def test_template_is_a_pytree_with_its_data():
    t = qml.BasicEntanglerLayers([[0.1, 0.2]], wires=["a", "b"], rotation=qml.RY)
    leaves, tree = jax.tree_util.tree_flatten(t)
    assert [float(x) for x in leaves] == [0.1, 0.2]
    back = jax.tree_util.tree_unflatten(tree, [2 * x for x in leaves])
    assert type(back) is qml.BasicEntanglerLayers and back.wires == ("a", "b")
    assert [float(op.params[0]) for op in back.operations[:2]] == [0.2, 0.4]
    assert back.hyperparameters == {"rotation": qml.RY}
    assert t.decomposition() == list(t.operations)
    assert repr(t) == "BasicEntanglerLayers(wires=['a', 'b'], 3 operations)"


def test_a_template_built_outside_a_quantum_function_keeps_its_decomposition():
    t = qml.QFT(wires=[0, 1])
    assert [(op.name, op.wires) for op in t.operations] == [
        ("Hadamard", (0,)),
        ("ControlledPhaseShift", (1, 0)),
        ("Hadamard", (1,)),
        ("SWAP", (0, 1)),
    ]
    np.testing.assert_allclose(float(t.operations[1].params[0]), np.pi / 2)


@pytest.mark.parametrize("name", _templates.__all__)
def test_every_template_is_exported(name):
    assert getattr(qml, name) is getattr(_templates, name)


# --- embeddings ------------------------------------------------------------------------------
@pytest.mark.parametrize("rotation", ["X", "Y", "Z"])
def test_angle_embedding_rotates_the_first_wires(rotation):
    f = np.array([0.3, -1.2, 2.5])
    gate = ONE_WIRE["R" + rotation]
    expected = functools.reduce(np.kron, [gate(x) for x in f] + [ref.I2])
    check_unitary(lambda: qml.AngleEmbedding(f, wires=range(4), rotation=rotation), 4, expected, rotation)


def test_angle_embedding_errors():
    with pytest.raises(ValueError, match=r"AngleEmbedding: 'features' has 3 entries but wires=\(0, 1\)"):
        qml.AngleEmbedding([0.1, 0.2, 0.3], wires=[0, 1])
    with pytest.raises(ValueError, match="AngleEmbedding: 'rotation' must be 'X', 'Y' or 'Z'; got 'W'"):
        qml.AngleEmbedding([0.1], wires=[0], rotation="W")
    with pytest.raises(ValueError, match=r"AngleEmbedding: 'features' must have shape \(N,\)"):
        qml.AngleEmbedding(0.1, wires=[0])
    with pytest.raises(TypeError, match="AngleEmbedding: missing the 'wires' argument"):
        qml.AngleEmbedding([0.1], wires=None)


def test_angle_embedding_broadcasts_a_batch_of_features():
    f = np.array([[0.3, -1.2], [0.7, 0.1]])
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(f):
        qml.AngleEmbedding(f, wires=[0, 1])
        return qml.state()

    out = np.asarray(circuit(f))
    for row, x in zip(out, f, strict=True):
        np.testing.assert_allclose(row, np.kron(ref.rx(x[0]), ref.rx(x[1]))[:, 0], atol=ATOL)


def amplitude_state(n, *args, **kwargs):
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev)
    def circuit():
        qml.AmplitudeEmbedding(*args, wires=range(n), **kwargs)
        return qml.state()

    return np.asarray(circuit())


def test_amplitude_embedding_prepares_the_features():
    v = random_state(3, "amplitude")
    np.testing.assert_allclose(amplitude_state(3, v), v, atol=ATOL)


def test_amplitude_embedding_normalizes_and_pads():
    raw = np.array([3.0, -1.0, 2.0, 5.0])
    np.testing.assert_allclose(amplitude_state(2, raw, normalize=True), raw / np.sqrt(39.0), atol=ATOL)
    ints = np.array([1, 1, 1, 1])
    np.testing.assert_allclose(amplitude_state(2, ints, normalize=True), np.full(4, 0.5), atol=ATOL)
    short = np.array([1.0, 2.0, 2.0])  # padded with 0.5, then normalized (PennyLane 0.45)
    expected = np.array([1.0, 2.0, 2.0, 0.5, 0.5, 0.5, 0.5, 0.5]) / np.sqrt(10.25)
    np.testing.assert_allclose(amplitude_state(3, short, pad_with=0.5), expected, atol=ATOL)


def test_amplitude_embedding_is_differentiable_by_backprop():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, diff_method="backprop")
    def circuit(a):
        qml.AmplitudeEmbedding(jnp.stack([a, 1.0]), wires=[0], normalize=True)
        return qml.expval(qml.PauliZ(0))

    # <Z> = (a^2 - 1) / (a^2 + 1), d/da = 4a / (a^2 + 1)^2
    a = 0.7
    np.testing.assert_allclose(float(circuit(a)), (a**2 - 1) / (a**2 + 1), atol=ATOL)
    np.testing.assert_allclose(float(jax.grad(circuit)(a)), 4 * a / (a**2 + 1) ** 2, atol=ATOL)


def test_amplitude_embedding_errors():
    with pytest.raises(ValueError, match="AmplitudeEmbedding: 'features' has length 5 but 3 wires need 8"):
        qml.AmplitudeEmbedding(np.ones(5) / np.sqrt(5), wires=range(3))
    with pytest.raises(ValueError, match="has length 9, more than the 8 amplitudes of 3 wires"):
        qml.AmplitudeEmbedding(np.ones(9), wires=range(3), pad_with=0.0)
    with pytest.raises(
        ValueError, match="AmplitudeEmbedding: 'features' has norm 2, not 1; pass normalize=True"
    ):
        qml.AmplitudeEmbedding([1.0, 1.0, 1.0, 1.0], wires=range(2))
    with pytest.raises(ValueError, match="AmplitudeEmbedding: 'features' must have shape"):
        qml.AmplitudeEmbedding(np.ones((2, 2, 4)), wires=range(2))


def test_amplitude_embedding_of_a_batch_broadcasts():
    rng = np.random.default_rng(11)
    features = rng.normal(size=(3, 3))  # three vectors, padded to 4 amplitudes and normalized
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(f):
        qml.AmplitudeEmbedding(f, wires=range(2), pad_with=0.0)
        return qml.state()

    states = circuit(features)
    padded = np.concatenate([features, np.zeros((3, 1))], axis=1)
    expected = padded / np.linalg.norm(padded, axis=1, keepdims=True)
    assert states.shape == (3, 4)
    np.testing.assert_allclose(states, expected, atol=1e-12)
    with pytest.raises(ValueError, match="AmplitudeEmbedding: 'features' has norm 2, not 1"):
        qml.AmplitudeEmbedding(np.ones((2, 4)), wires=range(2))


def test_basis_embedding_flips_the_one_bits_anywhere_in_a_circuit():
    psi = random_state(3, "basis")
    expected = flips([1, 0, 1], 3) @ psi
    np.testing.assert_allclose(
        state_after(lambda: qml.BasisEmbedding([1, 0, 1], wires=range(3)), 3, psi), expected
    )
    np.testing.assert_allclose(state_after(lambda: qml.BasisEmbedding(5, wires=range(3)), 3, psi), expected)


def test_basis_embedding_of_traced_bits_is_exactly_x_to_the_bits():
    dev = qml.device("default.qubit", wires=3)

    @jax.jit
    @qml.qnode(dev)
    def circuit(bits):
        qml.BasisEmbedding(bits, wires=range(3))
        return qml.state()

    for bits in ([0, 1, 1], [1, 0, 0]):
        np.testing.assert_allclose(np.asarray(circuit(jnp.array(bits))), ref.basis_vector(bits), atol=ATOL)


def test_basis_embedding_errors():
    with pytest.raises(
        ValueError, match=r"BasisEmbedding: 'features' has shape \(2,\) but there are 3 wires"
    ):
        qml.BasisEmbedding([1, 0], wires=range(3))
    with pytest.raises(ValueError, match=r"BasisEmbedding: 'features' must hold only 0 and 1; got \[1, 2\]"):
        qml.BasisEmbedding([1, 2], wires=range(2))
    with pytest.raises(
        ValueError, match=r"BasisEmbedding: integer 'features' must be in \[0, 4\) for 2 wires"
    ):
        qml.BasisEmbedding(4, wires=range(2))


def iqp_reference(f, n_repeats, pairs, n):
    """``[exp(-i/2 (sum_i f_i Z_i + sum_(i,j) f_i f_j Z_i Z_j)) H^n]^n_repeats`` as matrices."""
    generator = sum(f[i] * pauli("Z", [i], n) for i in range(n))
    generator = generator + sum(f[i] * f[j] * pauli("ZZ", [i, j], n) for i, j in pairs)
    hadamards = functools.reduce(np.kron, [ref.H] * n)
    return np.linalg.matrix_power(exp_i(generator, 0.5) @ hadamards, n_repeats)


def test_iqp_embedding_closed_form():
    f = np.array([0.4, -1.1, 0.9])
    all_pairs = [(0, 1), (0, 2), (1, 2)]
    check_unitary(lambda: qml.IQPEmbedding(f, wires=range(3)), 3, iqp_reference(f, 1, all_pairs, 3), "iqp")
    pattern = [(2, 0), (1, 2)]
    check_unitary(
        lambda: qml.IQPEmbedding(f, wires=range(3), n_repeats=2, pattern=pattern),
        3,
        iqp_reference(f, 2, pattern, 3),
        "iqp2",
    )


def test_iqp_embedding_errors():
    with pytest.raises(ValueError, match=r"IQPEmbedding: 'features' must have shape \(3,\)"):
        qml.IQPEmbedding([0.1, 0.2], wires=range(3))
    with pytest.raises(ValueError, match="IQPEmbedding: every entry of 'pattern' must be two distinct wires"):
        qml.IQPEmbedding([0.1, 0.2], wires=range(2), pattern=[[0, 5]])
    with pytest.raises(ValueError, match="IQPEmbedding: 'n_repeats' must be a positive integer; got 0"):
        qml.IQPEmbedding([0.1, 0.2], wires=range(2), n_repeats=0)


def qaoa_embedding_reference(f, w, n, field):
    """Gate by gate: the feature layer, then per weight row the couplings and local fields."""
    features = [on(ref.rx(x), [i], n) for i, x in enumerate(f)]
    features += [on(ref.H, [i], n) for i in range(len(f), n)]
    gates = []
    for row in w:
        gates += features
        if n == 1:
            gates.append(on(field(row[0]), [0], n))
        elif n == 2:
            gates += [on(ref.pauli_exp(row[0], "ZZ"), [0, 1], n), on(field(row[1]), [0], n)]
            gates.append(on(field(row[2]), [1], n))
        else:
            gates += [on(ref.pauli_exp(row[i], "ZZ"), [i, (i + 1) % n], n) for i in range(n)]
            gates += [on(field(row[n + i]), [i], n) for i in range(n)]
    return product([*gates, *features])


@pytest.mark.parametrize(("n", "n_features", "field"), [(1, 1, "Y"), (2, 1, "X"), (3, 3, "Z"), (4, 2, "Y")])
def test_qaoa_embedding_gate_by_gate(n, n_features, field):
    rng = rng_for("qaoa-embedding", n)
    f = rng.uniform(-2, 2, size=n_features)
    w = rng.uniform(-2, 2, size=qml.QAOAEmbedding.shape(n_layers=2, n_wires=n))
    expected = qaoa_embedding_reference(f, w, n, ONE_WIRE["R" + field])
    check_unitary(lambda: qml.QAOAEmbedding(f, w, wires=range(n), local_field=field), n, expected, "qaoa", n)


def test_qaoa_embedding_shape_and_errors():
    assert [qml.QAOAEmbedding.shape(3, m) for m in (1, 2, 3, 5)] == [(3, 1), (3, 3), (3, 6), (3, 10)]
    with pytest.raises(ValueError, match=r"QAOAEmbedding: 'weights' must have shape \(n_layers, 6\)"):
        qml.QAOAEmbedding([0.1], np.zeros((2, 5)), wires=range(3))
    with pytest.raises(ValueError, match="QAOAEmbedding: 'features' has 3 entries but wires"):
        qml.QAOAEmbedding([0.1, 0.2, 0.3], np.zeros((1, 3)), wires=range(2))
    with pytest.raises(
        ValueError, match=r"QAOAEmbedding: 'local_field' must be one of qml.RX, qml.RY, qml.RZ"
    ):
        qml.QAOAEmbedding([0.1], np.zeros((1, 1)), wires=[0], local_field="W")
    assert (
        qml.QAOAEmbedding([0.1], np.zeros((1, 1)), wires=[0], local_field=qml.RZ).operations[1].name == "RZ"
    )


# --- layered ansatzes ------------------------------------------------------------------------
def strongly_entangling_reference(w, ranges, entangler, n):
    gates = []
    for layer, r in zip(w, ranges, strict=True):
        gates += [on(ref.rot(*layer[i]), [i], n) for i in range(n)]
        gates += [on(entangler, [i, (i + r) % n], n) for i in range(n)] if n > 1 else []
    return product(gates)


@pytest.mark.parametrize(("n", "layers"), [(1, 2), (2, 2), (4, 4)])
def test_strongly_entangling_layers_default_ranges(n, layers):
    w = rng_for("sel", n).uniform(-np.pi, np.pi, size=qml.StronglyEntanglingLayers.shape(layers, n))
    ranges = [layer % (n - 1) + 1 for layer in range(layers)] if n > 1 else [0] * layers
    expected = strongly_entangling_reference(w, ranges, CNOT, n)
    check_unitary(lambda: qml.StronglyEntanglingLayers(w, wires=range(n)), n, expected, "sel", n)


def test_strongly_entangling_layers_custom_ranges_and_imprimitive():
    w = rng_for("sel-custom").uniform(-np.pi, np.pi, size=(2, 4, 3))
    expected = strongly_entangling_reference(w, [2, 3], CZ, 4)
    fn = lambda: qml.StronglyEntanglingLayers(w, wires=range(4), ranges=[2, 3], imprimitive=qml.CZ)  # noqa: E731
    check_unitary(fn, 4, expected, "sel-custom")


def test_strongly_entangling_layers_shape_and_errors():
    assert qml.StronglyEntanglingLayers.shape(n_layers=2, n_wires=5) == (2, 5, 3)
    match = r"StronglyEntanglingLayers: 'weights' must have shape \(n_layers, 3, 3\).*got shape \(2, 2, 3\)"
    with pytest.raises(ValueError, match=match + r"\. See StronglyEntanglingLayers.shape"):
        qml.StronglyEntanglingLayers(np.zeros((2, 2, 3)), wires=range(3))
    with pytest.raises(ValueError, match="'ranges' has 1 entries but 'weights' has 2 layers"):
        qml.StronglyEntanglingLayers(np.zeros((2, 3, 3)), wires=range(3), ranges=[1])
    with pytest.raises(ValueError, match=r"'ranges' \[3\] are multiples of the number of wires \(3\)"):
        qml.StronglyEntanglingLayers(np.zeros((2, 3, 3)), wires=range(3), ranges=[1, 3])


@pytest.mark.parametrize("n", [1, 2, 3])
def test_basic_entangler_layers(n):
    w = rng_for("bel", n).uniform(-np.pi, np.pi, size=qml.BasicEntanglerLayers.shape(n_layers=2, n_wires=n))
    ring = [(0, 1)] if n == 2 else [(i, (i + 1) % n) for i in range(n)] if n > 2 else []
    gates = []
    for layer in w:
        gates += [on(ref.rz(x), [i], n) for i, x in enumerate(layer)] + [on(CNOT, p, n) for p in ring]
    check_unitary(
        lambda: qml.BasicEntanglerLayers(w, wires=range(n), rotation=qml.RZ), n, product(gates), "bel", n
    )


def test_basic_entangler_layers_errors():
    with pytest.raises(ValueError, match=r"BasicEntanglerLayers: 'weights' must have shape \(n_layers, 3\)"):
        qml.BasicEntanglerLayers(np.zeros((2, 2)), wires=range(3))
    with pytest.raises(TypeError, match="BasicEntanglerLayers: missing the 'wires' argument"):
        qml.BasicEntanglerLayers(np.zeros((2, 2)))


@pytest.mark.parametrize("n", [3, 4])
def test_simplified_two_design(n):
    rng = rng_for("s2d", n)
    init_shape, shape = qml.SimplifiedTwoDesign.shape(n_layers=2, n_wires=n)
    init, w = rng.uniform(-np.pi, np.pi, size=init_shape), rng.uniform(-np.pi, np.pi, size=shape)
    pairs = [(i, i + 1) for i in range(0, n - 1, 2)] + [(i, i + 1) for i in range(1, n - 1, 2)]
    gates = [on(ref.ry(x), [i], n) for i, x in enumerate(init)]
    for layer in w:
        for (a, b), (x, y) in zip(pairs, layer, strict=True):
            gates += [on(CZ, [a, b], n), on(ref.ry(x), [a], n), on(ref.ry(y), [b], n)]
    check_unitary(lambda: qml.SimplifiedTwoDesign(init, w, wires=range(n)), n, product(gates), "s2d", n)


def test_simplified_two_design_shapes_and_errors():
    assert qml.SimplifiedTwoDesign.shape(n_layers=3, n_wires=1) == [(1,), (3,)]
    assert qml.SimplifiedTwoDesign.shape(n_layers=3, n_wires=4) == [(4,), (3, 3, 2)]
    with pytest.raises(
        ValueError, match=r"SimplifiedTwoDesign: 'initial_layer_weights' must have shape \(3,\)"
    ):
        qml.SimplifiedTwoDesign(np.zeros(2), np.zeros((1, 2, 2)), wires=range(3))
    with pytest.raises(
        ValueError, match=r"SimplifiedTwoDesign: 'weights' must have shape \(n_layers, 2, 2\)"
    ):
        qml.SimplifiedTwoDesign(np.zeros(3), np.zeros((1, 3, 2)), wires=range(3))


def recorded_unitary(ops, n):
    """The unitary of recorded gates, from their names, wires and parameters (reference matrices)."""
    mats = [
        on(ref.gate_matrix(op.name, [float(p) for p in op.params], len(op.wires)), op.wires, n) for op in ops
    ]
    return product(mats)


def test_random_layers_are_seeded_and_use_every_weight_in_order():
    w = rng_for("random-layers").uniform(
        -np.pi, np.pi, size=qml.RandomLayers.shape(n_layers=2, n_rotations=5)
    )
    a = qml.RandomLayers(w, wires=range(3), seed=11)
    b = qml.RandomLayers(w, wires=range(3), seed=11)
    c = qml.RandomLayers(w, wires=range(3), seed=12)
    structure = [(op.name, op.wires) for op in a.operations]
    assert structure == [(op.name, op.wires) for op in b.operations]
    assert structure != [(op.name, op.wires) for op in c.operations]
    rotations = [op for op in a.operations if op.params]
    assert {op.name for op in rotations} <= {"RX", "RY", "RZ"}
    np.testing.assert_allclose([float(op.params[0]) for op in rotations], w.ravel())
    assert {op.name for op in a.operations if not op.params} <= {"CNOT"}
    check_unitary(
        lambda: qml.RandomLayers(w, wires=range(3), seed=11), 3, recorded_unitary(a.operations, 3), "rl"
    )


def test_random_layers_options_and_errors():
    t = qml.RandomLayers(
        np.ones((1, 30)), wires=[0, 1], ratio_imprim=0.5, imprimitive=qml.CZ, rotations=[qml.RY]
    )
    assert {op.name for op in t.operations} == {"RY", "CZ"}
    assert all(len(set(op.wires)) == 2 for op in t.operations if op.name == "CZ")
    one_wire = qml.RandomLayers(np.ones((1, 4)), wires=[0], ratio_imprim=0.9).operations
    assert len(one_wire) == 4 and all(op.wires == (0,) for op in one_wire)
    with pytest.raises(ValueError, match=r"RandomLayers: 'ratio_imprim' must be in \[0, 1\); got 1.0"):
        qml.RandomLayers(np.ones((1, 2)), wires=[0, 1], ratio_imprim=1.0)
    with pytest.raises(
        ValueError, match=r"RandomLayers: 'weights' must have shape \(n_layers, n_rotations\)"
    ):
        qml.RandomLayers(np.ones(3), wires=[0, 1])
    with pytest.raises(ValueError, match=r"RandomLayers: 'rotations' must be one of qml.RX, qml.RY, qml.RZ"):
        qml.RandomLayers(np.ones((1, 2)), wires=[0, 1], rotations=[qml.Hadamard])
    assert qml.RandomLayers.shape(n_layers=2, n_rotations=7) == (2, 7)


# --- time evolution --------------------------------------------------------------------------
TERMS = [(0.7, "XX", [0, 1]), (-0.4, "Z", [1]), (0.25, "YZ", [2, 0]), (1.1, "X", [2])]


def hamiltonian(terms, identity=None):
    """A quantum_jax Hamiltonian with the given ``(coefficient, word, wires)`` terms."""
    letters = {"X": qml.PauliX, "Y": qml.PauliY, "Z": qml.PauliZ, "I": qml.Identity}
    ops = []
    for _, word, wires in terms:
        factors = [letters[c](w) for c, w in zip(word, wires, strict=True)]
        ops.append(functools.reduce(lambda a, b: a @ b, factors))
    coeffs = [c for c, _, _ in terms]
    if identity is not None:
        coeffs, ops = [*coeffs, identity], [*ops, qml.Identity(0) @ qml.Identity(1)]
    return qml.Hamiltonian(coeffs, ops)


def term_matrices(terms, n):
    return [c * pauli(word, wires, n) for c, word, wires in terms]


@pytest.mark.parametrize("steps", [1, 3])
def test_approx_time_evolution_is_the_first_order_trotter_product(steps):
    t = 0.9
    one_step = product([exp_i(h, t / steps) for h in term_matrices(TERMS, 3)])
    expected = np.linalg.matrix_power(one_step, steps)
    ham = hamiltonian(TERMS, identity=0.3)  # the identity term is a dropped global phase
    check_unitary(lambda: qml.ApproxTimeEvolution(ham, t, steps), 3, expected, "ate", steps)


def test_approx_time_evolution_converges_to_the_exact_evolution():
    t, ham = 0.8, hamiltonian(TERMS)
    exact = exp_i(sum(term_matrices(TERMS, 3)), t)
    psi = random_state(3, "ate-exact")
    errors = [
        np.linalg.norm(state_after(lambda n=n: qml.ApproxTimeEvolution(ham, t, n), 3, psi) - exact @ psi)
        for n in (4, 32)
    ]
    assert errors[1] < errors[0] / 6 and errors[1] < 0.02


def test_approx_time_evolution_merges_equal_words():
    # 0.3 Z0 + 0.5 X0 + 0.2 Z0 @ I1: one rotation about Z0 with 0.5, then one about X0 (PennyLane's pauli_rep)
    ham = qml.Hamiltonian([0.3, 0.5, 0.2], [qml.PauliZ(0), qml.PauliX(0), qml.PauliZ(0) @ qml.Identity(1)])
    t = qml.ApproxTimeEvolution(ham, 0.6, 1)
    assert [(op.pauli_word, op.wires) for op in t.operations] == [("Z", (0,)), ("X", (0,))]
    expected = exp_i(0.5 * pauli("X", [0], 2), 0.6) @ exp_i(0.5 * pauli("Z", [0], 2), 0.6)
    check_unitary(lambda: qml.ApproxTimeEvolution(ham, 0.6, 1), 2, expected, "ate-merge")


def test_approx_time_evolution_angles_match_pennylanes_documented_decomposition():
    ham = qml.Hamiltonian([0.1, 0.2, 0.3], [qml.PauliZ(0) @ qml.PauliZ(1), qml.PauliX(0), qml.PauliX(1)])
    ops = qml.ApproxTimeEvolution(ham, 0.5, 1).operations
    assert [(op.pauli_word, op.wires) for op in ops] == [("ZZ", (0, 1)), ("X", (0,)), ("X", (1,))]
    np.testing.assert_allclose([float(op.params[0]) for op in ops], [0.1, 0.2, 0.3])


def test_time_evolution_accepts_operator_sums():
    summed = qml.dot([0.4, -0.9], [qml.PauliX(0) @ qml.PauliY(1), qml.PauliZ(1)])

    def angles(template):
        return [(op.pauli_word, op.wires, round(float(op.params[0]), 12)) for op in template.operations]

    xy, z = ("XY", (0, 1)), ("Z", (1,))
    # ApproxTimeEvolution: 2 t c / n per term and step; TrotterProduct: -2 (t/2) c, symmetric order 2
    assert angles(qml.ApproxTimeEvolution(summed, 0.3, 2)) == [(*xy, 0.12), (*z, -0.27)] * 2
    assert angles(qml.TrotterProduct(summed, 0.3, order=2)) == [
        (*xy, -0.12),
        (*z, 0.27),
        (*z, 0.27),
        (*xy, -0.12),
    ]


def test_time_evolution_errors():
    not_pauli = qml.Hamiltonian([1.0], [qml.Hadamard(0)])
    for template in (lambda h: qml.ApproxTimeEvolution(h, 0.1, 1), lambda h: qml.TrotterProduct(h, 0.1)):
        with pytest.raises(ValueError, match=r"'hamiltonian' term Hadamard.*is not a product of PauliX"):
            template(not_pauli + qml.PauliZ(0))
        with pytest.raises(TypeError, match=r"'hamiltonian' must be a qml.Hamiltonian of Pauli words"):
            template(qml.PauliZ(0))
    with pytest.raises(ValueError, match="ApproxTimeEvolution: 'n' must be a positive integer; got 0"):
        qml.ApproxTimeEvolution(hamiltonian(TERMS), 0.1, 0)
    with pytest.raises(
        ValueError, match="TrotterProduct: 'order' must be 1 or a positive even integer; got 3"
    ):
        qml.TrotterProduct(hamiltonian(TERMS), 0.1, order=3)
    with pytest.raises(
        ValueError, match=r"TrotterProduct: 'hamiltonian' has 1 term\(s\); it needs at least 2"
    ):
        qml.TrotterProduct(qml.Hamiltonian([1.0], [qml.PauliZ(0)]), 0.1)


def suzuki(hs, x, order):
    """Suzuki's ``S_order(x)`` for ``exp(i x sum_j hs[j])``, as matrices multiplied left to right."""
    if order == 1:
        return functools.reduce(np.matmul, [exp_i(h, -x) for h in hs])
    if order == 2:
        return functools.reduce(np.matmul, [exp_i(h, -x / 2) for h in [*hs, *hs[::-1]]])
    p = 1 / (4 - 4 ** (1 / (order - 1)))
    outer = np.linalg.matrix_power(suzuki(hs, p * x, order - 2), 2)
    return outer @ suzuki(hs, (1 - 4 * p) * x, order - 2) @ outer


@pytest.mark.parametrize(("order", "steps"), [(1, 2), (2, 1), (4, 2)])
def test_trotter_product_is_suzukis_formula(order, steps):
    t = 1.3
    hs = [*term_matrices(TERMS, 3), 0.45 * np.eye(8)]  # the identity term gives a global phase
    expected = np.linalg.matrix_power(suzuki(hs, t / steps, order), steps)
    ham = hamiltonian(TERMS, identity=0.45)
    check_unitary(lambda: qml.TrotterProduct(ham, t, n=steps, order=order), 3, expected, "trotter", order)


def test_trotter_product_approaches_exp_of_plus_i_h_t_with_order():
    t, ham = 0.5, hamiltonian(TERMS)
    exact = exp_i(sum(term_matrices(TERMS, 3)), -t)  # exp(+i H t): PennyLane's sign
    psi = random_state(3, "trotter-order")
    errors = [
        np.linalg.norm(state_after(lambda k=k: qml.TrotterProduct(ham, t, order=k), 3, psi) - exact @ psi)
        for k in (1, 2, 4)
    ]
    assert errors[0] > 5 * errors[1] > 25 * errors[2]


def test_trotter_product_reproduces_pennylanes_documented_example():
    # PennyLane's TrotterProduct documentation: H = 0.25 X0 + 0.75 Z0, Hadamard(0), time 2.4, order 2
    ham = qml.Hamiltonian([0.25, 0.75], [qml.PauliX(0), qml.PauliZ(0)])
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit():
        qml.Hadamard(wires=0)
        qml.TrotterProduct(ham, time=2.4, order=2)
        return qml.state()

    expected = [-0.13259524 + 0.59790098j, 0, -0.13259524 - 0.77932754j, 0]
    np.testing.assert_allclose(np.asarray(circuit()), expected, atol=1e-8)


# --- subroutines -----------------------------------------------------------------------------
def fourier(n):
    dim = 2**n
    return np.exp(2j * np.pi * np.outer(np.arange(dim), np.arange(dim)) / dim) / np.sqrt(dim)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_qft_is_the_fourier_matrix(n):
    check_unitary(lambda: qml.QFT(wires=range(n)), n, fourier(n), "qft", n)


def test_adjoint_qft_is_the_inverse_fourier_matrix_on_labelled_wires():
    order = [2, 0, 1]  # QFT on wires (2, 0, 1): wire 2 is its most significant bit
    perm = np.transpose(np.eye(8).reshape(2, 2, 2, 8), (*order, 3)).reshape(8, 8)
    expected = perm.T @ fourier(3).conj().T @ perm
    check_unitary(lambda: qml.adjoint(qml.QFT)(wires=order), 3, expected, "iqft")


@pytest.mark.parametrize("n", [2, 3])
def test_grover_operator_is_the_reflection_about_the_uniform_state(n):
    s = np.full(2**n, 2 ** (-n / 2))
    fn = lambda: qml.GroverOperator(wires=range(n), work_wires=[n])  # noqa: E731
    psi = random_state(n + 1, "grover", n)
    expected = np.kron(2 * np.outer(s, s) - np.eye(2**n), ref.I2) @ psi
    np.testing.assert_allclose(state_after(fn, n + 1, psi), expected, atol=ATOL)


def test_grover_operator_errors():
    with pytest.raises(ValueError, match=r"GroverOperator: needs at least 2 wires; got wires=\(0,\)"):
        qml.GroverOperator(wires=[0])
    with pytest.raises(ValueError, match=r"GroverOperator: 'work_wires' \(1,\) overlap wires"):
        qml.GroverOperator(wires=[0, 1], work_wires=[1])


def test_permute_moves_each_wires_state():
    perm, n = [3, 0, 2, 1], 4
    # |b> -> |b'> with b'[i] = b[perm[i]]: wire i receives what wire perm[i] held
    expected = np.zeros((16, 16))
    for x in range(16):
        b = ref.bits_of(x, n)
        expected[int("".join(str(b[p]) for p in perm), 2), x] = 1
    check_unitary(lambda: qml.Permute(perm, wires=range(n)), n, expected, "permute")
    labelled = qml.Permute(["c", "a", "b"], wires=["a", "b", "c"])
    assert [op.wires for op in labelled.operations] == [("a", "c"), ("b", "c")]


def test_permute_errors():
    with pytest.raises(ValueError, match="Permute: a permutation needs at least 2 wires"):
        qml.Permute([0], wires=[0])
    with pytest.raises(ValueError, match="Permute: 'permutation' has 2 entries but wires="):
        qml.Permute([1, 0], wires=[0, 1, 2])
    with pytest.raises(ValueError, match=r"Permute: 'permutation' names wires \[5\] that are not in wires"):
        qml.Permute([0, 5], wires=[0, 1])
    with pytest.raises(ValueError, match=r"Permute: wires=.* repeat"):
        qml.Permute([0, 0], wires=[0, 1])


# --- quantum chemistry -----------------------------------------------------------------------
def givens(theta, dim, low, high):
    """The rotation ``|low> -> cos |low> + sin |high>`` by ``theta/2``, identity elsewhere."""
    g = np.eye(dim, dtype=complex)
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    g[low, low], g[high, high], g[high, low], g[low, high] = c, c, s, -s
    return g


def test_all_singles_doubles():
    w, n = np.array([0.3, -0.8, 1.2]), 4
    singles, doubles, hf = [[0, 2], [1, 3]], [[0, 1, 2, 3]], [1, 1, 0, 0]
    gates = [flips(hf, n), on(givens(w[2], 16, 3, 12), doubles[0], n)]
    gates += [on(givens(w[j], 4, 1, 2), s, n) for j, s in enumerate(singles)]
    fn = lambda: qml.AllSinglesDoubles(w, range(n), hf, singles, doubles)  # noqa: E731
    check_unitary(fn, n, product(gates), "asd")


def test_all_singles_doubles_errors():
    with pytest.raises(ValueError, match="AllSinglesDoubles: needs at least 2 wires"):
        qml.AllSinglesDoubles([0.1], [0], [1], [[0, 0]])
    with pytest.raises(ValueError, match="AllSinglesDoubles: 'singles' and 'doubles' are both empty"):
        qml.AllSinglesDoubles([], range(4), [1, 1, 0, 0])
    with pytest.raises(
        ValueError, match=r"every entry of 'doubles' must be 4 wires of \(0, 1, 2, 3\); got \[0, 1, 2\]"
    ):
        qml.AllSinglesDoubles([0.1], range(4), [1, 1, 0, 0], doubles=[[0, 1, 2]])
    with pytest.raises(ValueError, match=r"AllSinglesDoubles: 'weights' must have shape \(2,\)"):
        qml.AllSinglesDoubles([0.1], range(4), [1, 1, 0, 0], [[0, 2], [1, 3]])
    with pytest.raises(ValueError, match="AllSinglesDoubles: 'hf_state' must be 4 integers 0 or 1"):
        qml.AllSinglesDoubles([0.1], range(4), [1.0, 1.0, 0.0, 0.0], [[0, 2]])


@pytest.mark.parametrize("wires", [[0, 1], [0, 1, 2, 3], [1, 2, 3]])
def test_fermionic_single_excitation_is_the_jordan_wigner_exponential(wires):
    n, theta = 4, 0.83
    # the wires [r, ..., p] are the contiguous orbitals from r = wires[0] to p = wires[-1]
    expected = excitation(theta, [wires[-1]], [wires[0]], n)
    check_unitary(lambda: qml.FermionicSingleExcitation(theta, wires=wires), n, expected, "fse", len(wires))


@pytest.mark.parametrize(("wires1", "wires2"), [([0, 1], [2, 3]), ([0, 1, 2], [3, 4]), ([0, 1], [2, 3, 4])])
def test_fermionic_double_excitation_is_the_jordan_wigner_exponential(wires1, wires2):
    n, theta = 5, -1.17
    s, r, q, p = wires1[0], wires1[-1], wires2[0], wires2[-1]
    expected = excitation(theta, [p, q], [r, s], n)
    fn = lambda: qml.FermionicDoubleExcitation(theta, wires1=wires1, wires2=wires2)  # noqa: E731
    check_unitary(fn, n, expected, "fde", len(wires1), len(wires2))


def test_fermionic_excitation_errors():
    with pytest.raises(ValueError, match="FermionicSingleExcitation: needs at least 2 wires"):
        qml.FermionicSingleExcitation(0.1, wires=[0])
    with pytest.raises(ValueError, match=r"FermionicSingleExcitation: 'weight' must have shape \(\)"):
        qml.FermionicSingleExcitation(np.zeros((2, 2)), wires=[0, 1])
    with pytest.raises(ValueError, match="FermionicDoubleExcitation: 'wires2' needs at least two wires"):
        qml.FermionicDoubleExcitation(0.1, wires1=[0, 1], wires2=[2])
    with pytest.raises(ValueError, match=r"FermionicDoubleExcitation: wires=.* repeat"):
        qml.FermionicDoubleExcitation(0.1, wires1=[0, 1], wires2=[1, 2])


def uccsd_reference(weights, s_wires, d_wires, init, n):
    gates = [flips(init, n)]
    for row in weights:
        for i, (w1, w2) in enumerate(d_wires):
            gates.append(excitation(row[len(s_wires) + i], [w2[-1], w2[0]], [w1[-1], w1[0]], n))
        gates += [excitation(row[j], [s[-1]], [s[0]], n) for j, s in enumerate(s_wires)]
    return product(gates)


S_WIRES, D_WIRES, INIT = [[0, 1, 2], [1, 2, 3]], [[[0, 1], [2, 3]]], [1, 1, 0, 0]


@pytest.mark.parametrize("n_repeats", [1, 2])
def test_uccsd(n_repeats):
    w = rng_for("uccsd", n_repeats).uniform(-1, 1, size=(n_repeats, 3))
    expected = uccsd_reference(w, S_WIRES, D_WIRES, INIT, 4)
    weights = w[0] if n_repeats == 1 else w  # PennyLane accepts 1-D weights for one repetition
    fn = lambda: qml.UCCSD(weights, range(4), S_WIRES, D_WIRES, INIT, n_repeats=n_repeats)  # noqa: E731
    check_unitary(fn, 4, expected, "uccsd", n_repeats)


def test_uccsd_errors():
    with pytest.raises(ValueError, match="UCCSD: 's_wires' and 'd_wires' are both empty"):
        qml.UCCSD([], range(4), [], [], INIT)
    with pytest.raises(ValueError, match="UCCSD: every entry of 'd_wires' must be two wire lists"):
        qml.UCCSD([0.1], range(4), [], [[[0, 1], [2, 3], [1]]], INIT)
    with pytest.raises(ValueError, match=r"UCCSD: 'weights' must have shape \(2, 3\).*needs n_repeats=1"):
        qml.UCCSD(np.zeros(3), range(4), S_WIRES, D_WIRES, INIT, n_repeats=2)
    with pytest.raises(ValueError, match=r"UCCSD: 'weights' must have shape \(3,\)"):
        qml.UCCSD(np.zeros(2), range(4), S_WIRES, D_WIRES, INIT)
    with pytest.raises(ValueError, match="UCCSD: 'init_state' must be 4 integers 0 or 1"):
        qml.UCCSD(np.zeros(3), range(4), S_WIRES, D_WIRES, [1, 1, 0])
    with pytest.raises(ValueError, match="UCCSD: 'n_repeats' must be a positive integer; got 0"):
        qml.UCCSD(np.zeros(3), range(4), S_WIRES, D_WIRES, INIT, n_repeats=0)


# --- repetition ------------------------------------------------------------------------------
def test_layer_applies_the_template_per_entry():
    w = rng_for("layer").uniform(-np.pi, np.pi, size=(3, 1, 2))
    gates = []
    for row in w[:, 0]:
        gates += [on(ref.rx(row[0]), [0], 2), on(ref.rx(row[1]), [1], 2), on(CNOT, [0, 1], 2)]
    fn = lambda: qml.layer(qml.BasicEntanglerLayers, 3, w, wires=[0, 1])  # noqa: E731
    check_unitary(fn, 2, product(gates), "layer")

    def block(x, y, wires):
        qml.RY(x, wires=wires[0])
        qml.CZ(wires=wires)
        return y

    assert qml.layer(block, 2, [0.1, 0.2], ["a", "b"], wires=[0, 1]) == ["a", "b"]


def test_layer_errors():
    with pytest.raises(ValueError, match="layer: positional argument 1 has length 1 but depth=2"):
        qml.layer(qml.RX, 2, [0.1, 0.2], [0])
    with pytest.raises(ValueError, match="layer: 'depth' must be a positive integer; got -1"):
        qml.layer(qml.RX, -1)


# --- differentiation and transforms ----------------------------------------------------------
ZZ = pauli("ZZ", [0, 1], 3)


def reference_energy(w):
    psi = strongly_entangling_reference(w, [1, 2], CNOT, 3)[:, 0]
    return float(np.vdot(psi, ZZ @ psi).real)


def sel_energy(method):
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev, diff_method=method)
    def circuit(w):
        qml.StronglyEntanglingLayers(w, wires=range(3))
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    return circuit


def test_gradients_through_a_template_backprop_parameter_shift_and_finite_differences():
    w = rng_for("grad").uniform(-np.pi, np.pi, size=(2, 3, 3))
    backprop = np.asarray(jax.grad(sel_energy("backprop"))(jnp.asarray(w)))
    shift = np.asarray(jax.grad(sel_energy("parameter-shift"))(jnp.asarray(w)))
    np.testing.assert_allclose(backprop, shift, atol=1e-10)
    h, fd = 1e-5, np.zeros_like(w)
    for idx in np.ndindex(w.shape):
        e = np.zeros_like(w)
        e[idx] = h
        fd[idx] = (reference_energy(w + e) - reference_energy(w - e)) / (2 * h)
    np.testing.assert_allclose(backprop, fd, atol=1e-7)


def test_jit_and_vmap_over_template_weights():
    rng = rng_for("jit-vmap")
    batch = rng.uniform(-np.pi, np.pi, size=(3, 2, 3, 3))
    circuit = sel_energy("backprop")
    np.testing.assert_allclose(
        float(jax.jit(circuit)(jnp.asarray(batch[0]))), reference_energy(batch[0]), atol=ATOL
    )
    out = np.asarray(jax.vmap(circuit)(jnp.asarray(batch)))
    np.testing.assert_allclose(out, [reference_energy(w) for w in batch], atol=ATOL)


def test_gradients_through_trotter_time_and_coefficients():
    dev = qml.device("default.qubit", wires=2)
    words = [("XX", [0, 1]), ("Z", [1]), ("Y", [0])]

    def make(method):
        @qml.qnode(dev, diff_method=method)
        def circuit(coeffs, t):
            ham = qml.Hamiltonian(coeffs, [qml.PauliX(0) @ qml.PauliX(1), qml.PauliZ(1), qml.PauliY(0)])
            qml.TrotterProduct(ham, t, n=2, order=2)
            return qml.expval(qml.PauliZ(0))

        return circuit

    def reference(coeffs, t):
        hs = [c * pauli(word, wires, 2) for c, (word, wires) in zip(coeffs, words, strict=True)]
        psi = np.linalg.matrix_power(suzuki(hs, t / 2, 2), 2)[:, 0]
        return float(np.vdot(psi, pauli("Z", [0], 2) @ psi).real)

    coeffs, t = np.array([0.6, -0.3, 0.9]), 0.7
    args = (jnp.asarray(coeffs), t)
    np.testing.assert_allclose(float(make("backprop")(*args)), reference(coeffs, t), atol=ATOL)
    backprop = jax.grad(make("backprop"), argnums=(0, 1))(*args)
    shift = jax.grad(make("parameter-shift"), argnums=(0, 1))(*args)
    np.testing.assert_allclose(np.asarray(backprop[0]), np.asarray(shift[0]), atol=1e-10)
    np.testing.assert_allclose(float(backprop[1]), float(shift[1]), atol=1e-10)
    h = 1e-6
    fd_t = (reference(coeffs, t + h) - reference(coeffs, t - h)) / (2 * h)
    np.testing.assert_allclose(float(backprop[1]), fd_t, atol=1e-7)


def test_uccsd_gradient_parameter_shift_matches_backprop():
    dev = qml.device("default.qubit", wires=4)

    def make(method):
        @qml.qnode(dev, diff_method=method)
        def circuit(w):
            qml.UCCSD(w, range(4), S_WIRES, D_WIRES, INIT)
            return qml.expval(qml.PauliZ(0) @ qml.PauliZ(2))

        return circuit

    w = jnp.asarray([0.2, -0.5, 0.9])
    zz = pauli("ZZ", [0, 2], 4)
    psi = uccsd_reference(np.asarray(w)[None], S_WIRES, D_WIRES, INIT, 4)[:, 0]
    np.testing.assert_allclose(float(make("backprop")(w)), np.vdot(psi, zz @ psi).real, atol=ATOL)
    np.testing.assert_allclose(
        np.asarray(jax.grad(make("backprop"))(w)),
        np.asarray(jax.grad(make("parameter-shift"))(w)),
        atol=1e-10,
    )
