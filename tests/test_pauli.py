"""The Pauli algebra: ``PauliWord``, ``PauliSentence``, ``pauli_rep``, ``pauli_sentence`` and decomposition.

Every product, sum and matrix is checked against dense NumPy matrices built here from the textbook
Pauli matrices (wire order: the first wire is the most significant bit).
"""

from __future__ import annotations

import functools
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref

import quantum_jax as qml
from quantum_jax import pauli
from quantum_jax._pauli import all_words, is_negligible, pauli_coefficients
from quantum_jax.pauli import PauliSentence, PauliWord

RNG = np.random.default_rng(20240611)


def dense_word(letters: dict, order: list) -> np.ndarray:
    """Kronecker product over ``order`` of the letters (identity where absent)."""
    return functools.reduce(np.kron, [ref.PAULIS[letters.get(w, "I")] for w in order], np.eye(1))


def random_word(wires: list) -> dict:
    return {w: str(RNG.choice(list("IXYZ"))) for w in wires}


# --- PauliWord -------------------------------------------------------------------------------------
def test_word_drops_identities_and_is_an_immutable_hashable_mapping():
    w = PauliWord({0: "X", 1: "I", "a": "Z"})
    assert dict(w) == {0: "X", "a": "Z"} and w.wires == (0, "a") and len(w) == 2
    assert w == PauliWord({"a": "Z", 0: "X"}) and hash(w) == hash(PauliWord({"a": "Z", 0: "X"}))
    assert w != PauliWord({0: "X"})
    assert len({w, PauliWord({"a": "Z", 0: "X"}), PauliWord({})}) == 2
    with pytest.raises(TypeError):
        w[0] = "Y"  # type: ignore[index]
    assert PauliWord({}) == PauliWord({0: "I"}) and repr(PauliWord({})) == "I"
    assert repr(w) == "X(0) @ Z(a)"
    import pickle

    assert pickle.loads(pickle.dumps(w)) == w


def test_word_rejects_bad_letters():
    with pytest.raises(ValueError, match=r"PauliWord: the letter on wire 1 is 'W'; use one of"):
        PauliWord({0: "X", 1: "W"})
    with pytest.raises(ValueError, match=r"PauliWord: the letter on wire 0 is 'XY'"):
        PauliWord({0: "XY"})


@pytest.mark.parametrize(("a", "b"), list(itertools.product("IXYZ", repeat=2)))
def test_letter_products_with_phases_match_matrices(a, b):
    word, phase = PauliWord({0: a}).matmul(PauliWord({0: b}))
    np.testing.assert_allclose(phase * dense_word(dict(word), [0]), ref.PAULIS[a] @ ref.PAULIS[b], atol=1e-15)
    sentence = PauliWord({0: a}) @ PauliWord({0: b})
    np.testing.assert_allclose(sentence.to_mat([0]), ref.PAULIS[a] @ ref.PAULIS[b], atol=1e-15)


def test_xy_is_i_z_and_yx_is_minus_i_z():
    assert PauliWord({0: "X"}).matmul(PauliWord({0: "Y"})) == (PauliWord({0: "Z"}), 1j)
    assert PauliWord({0: "Y"}).matmul(PauliWord({0: "X"})) == (PauliWord({0: "Z"}), -1j)
    assert PauliWord({0: "Z"}) @ PauliWord({0: "X"}) == PauliSentence({PauliWord({0: "Y"}): 1j})


def test_word_products_on_several_wires_match_dense_products():
    wires = [0, "b", 2, 3]
    for _ in range(20):
        a, b = random_word(wires[:3]), random_word(wires[1:])
        got = (PauliWord(a) @ PauliWord(b)).to_mat(wires)
        np.testing.assert_allclose(got, dense_word(a, wires) @ dense_word(b, wires), atol=1e-14)


def test_commutes_with_matches_the_commutator():
    wires = [0, 1, 2]
    for _ in range(30):
        a, b = random_word(wires), random_word(wires)
        ma, mb = dense_word(a, wires), dense_word(b, wires)
        assert PauliWord(a).commutes_with(PauliWord(b)) == np.allclose(ma @ mb, mb @ ma)


def test_word_to_mat_embeds_on_a_wire_order():
    w = PauliWord({1: "X", 0: "Y"})
    np.testing.assert_allclose(w.to_mat(), np.kron(ref.X, ref.Y), atol=0)  # the word's own order
    np.testing.assert_allclose(
        w.to_mat([0, 2, 1]), ref.embed(np.kron(ref.Y, ref.X), [0, 2], 3)
    )  # wire 1 third
    np.testing.assert_allclose(w.to_mat([2, 1, 0], coeff=0.5), 0.5 * dense_word({1: "X", 0: "Y"}, [2, 1, 0]))
    np.testing.assert_allclose(PauliWord({}).to_mat(), [[1.0]])
    with pytest.raises(ValueError, match=r"to_mat: 'wire_order' \[0\] lacks the wires \[1\] of X\(1\)"):
        PauliWord({1: "X"}).to_mat([0])


def test_word_scalar_and_additive_arithmetic():
    x0, z1 = PauliWord({0: "X"}), PauliWord({1: "Z"})
    order = [0, 1]
    cases = {
        "mul": (2.5 * x0, 2.5 * dense_word({0: "X"}, order)),
        "rmul": (x0 * 2.5, 2.5 * dense_word({0: "X"}, order)),
        "div": (x0 / 4, 0.25 * dense_word({0: "X"}, order)),
        "add": (x0 + z1, dense_word({0: "X"}, order) + dense_word({1: "Z"}, order)),
        "sub": (x0 - z1, dense_word({0: "X"}, order) - dense_word({1: "Z"}, order)),
        "scalar": (x0 + 2, dense_word({0: "X"}, order) + 2 * np.eye(4)),
        "rscalar": (3 - x0, 3 * np.eye(4) - dense_word({0: "X"}, order)),
        "neg": (-z1, -dense_word({1: "Z"}, order)),
    }
    for name, (got, want) in cases.items():
        assert isinstance(got, PauliSentence), name
        np.testing.assert_allclose(got.to_mat(order), want, atol=1e-15, err_msg=name)
    assert x0.__mul__("two") is NotImplemented and x0.__matmul__(3) is NotImplemented
    assert x0.__truediv__(x0) is NotImplemented


# --- PauliSentence ---------------------------------------------------------------------------------
def random_sentence(wires: list, terms: int = 4) -> tuple[PauliSentence, np.ndarray]:
    s, mat = PauliSentence(), np.zeros((2 ** len(wires),) * 2, complex)
    for _ in range(terms):
        word, c = random_word(wires), complex(RNG.normal(), RNG.normal())
        s = s + PauliWord(word) * c
        mat = mat + c * dense_word(word, wires)
    return s, mat


def test_sentence_algebra_matches_dense_matrices():
    wires = [0, 1, 2]
    for _ in range(5):
        (a, ma), (b, mb) = random_sentence(wires), random_sentence(wires)
        c = complex(RNG.normal(), RNG.normal())
        checks = {
            "add": (a + b, ma + mb),
            "sub": (a - b, ma - mb),
            "mul": (a * c, c * ma),
            "rmul": (c * a, c * ma),
            "div": (a / c, ma / c),
            "matmul": (a @ b, ma @ mb),
            "word": (a @ PauliWord({1: "Y"}), ma @ dense_word({1: "Y"}, wires)),
            "radd": (1.5 + a, 1.5 * np.eye(8) + ma),
            "rsub": (1.5 - a, 1.5 * np.eye(8) - ma),
            "neg": (-a, -ma),
        }
        for name, (got, want) in checks.items():
            np.testing.assert_allclose(got.to_mat(wires), want, atol=1e-12, err_msg=name)
    assert a.__add__("x") is NotImplemented and a.__mul__(a) is NotImplemented
    assert a.__matmul__(2.0) is NotImplemented and a.__sub__(None) is NotImplemented
    assert a.__rsub__(None) is NotImplemented and a.__truediv__(a) is NotImplemented


def test_sentence_combines_equal_words_and_keeps_real_coefficients_real():
    x = PauliWord({0: "X"})
    s = x + x * 2.0 + PauliWord({0: "Y"}) @ PauliWord({0: "Y"})
    assert s == PauliSentence({x: 3.0, PauliWord({}): 1})
    # a real coefficient times a phase-free product stays real (no complex dtype creeps in)
    r = (PauliWord({0: "Z"}) * 0.5) @ (PauliWord({0: "Z", 1: "X"}) * 2.0)
    assert r == PauliSentence({PauliWord({1: "X"}): 1.0}) and isinstance(r[PauliWord({1: "X"})], float)
    p = (x @ PauliWord({0: "Y"})) @ (PauliWord({0: "Y"}) @ x)  # (i Z)(-i Z) = 1
    assert p == PauliSentence({PauliWord({}): 1})


def test_sentence_wires_simplify_and_repr():
    s = PauliSentence({PauliWord({2: "Z", 0: "X"}): 0.5, PauliWord({1: "Y"}): 1e-12, PauliWord({}): 2})
    assert s.wires == (2, 0, 1)
    s.simplify()
    assert set(s) == {PauliWord({2: "Z", 0: "X"}), PauliWord({})}
    s.simplify(tol=1.0)
    assert set(s) == {PauliWord({})}
    assert repr(PauliSentence()) == "0 * I"
    assert repr(PauliSentence({PauliWord({0: "X"}): 0.5, PauliWord({}): 1})) == "0.5 * X(0)\n+ 1 * I"
    assert str(PauliSentence({PauliWord({0: "X"}): 0.5})) == "0.5 * X(0)"


def test_sentence_to_mat_empty_is_zero_and_checks_keys():
    np.testing.assert_allclose(PauliSentence().to_mat([0, 1]), np.zeros((4, 4)))
    np.testing.assert_allclose(PauliSentence().to_mat(), np.zeros((1, 1)))
    s = PauliSentence({PauliWord({"a": "X"}): 2.0})
    np.testing.assert_allclose(s.to_mat(["b", "a"]), 2.0 * np.kron(np.eye(2), ref.X))
    with pytest.raises(TypeError, match=r"PauliSentence: keys must be PauliWord instances, got 'XZ'"):
        PauliSentence({"XZ": 1.0})


def test_negligible_coefficients_are_kept_when_traced():
    assert is_negligible(1e-10, 1e-8) and not is_negligible(1e-3, 1e-8)

    def kept(c: jax.Array) -> jax.Array:
        s = PauliSentence({PauliWord({0: "X"}): c})
        s.simplify()
        return jnp.asarray(len(s))

    assert int(jax.jit(kept)(0.0)) == 1  # traced: cannot be compared, so kept
    assert int(kept(jnp.asarray(0.0))) == 0


def test_sentence_with_jax_coefficients_is_differentiable():
    def f(c: jax.Array) -> jax.Array:
        s = PauliWord({0: "X"}) * c[0] + PauliWord({0: "Z"}) * c[1]
        m = (s @ s).to_mat([0])
        return jnp.real(jnp.trace(m))  # tr(H^2) = 2 (c0^2 + c1^2)

    np.testing.assert_allclose(jax.grad(f)(jnp.array([0.3, -0.7])), [4 * 0.3, 4 * -0.7], atol=1e-12)


# --- operation() -------------------------------------------------------------------------------------
def test_word_operation_builds_paulis_and_tensors():
    op = PauliWord({0: "Z", 2: "X"}).operation()
    assert isinstance(op, qml.Tensor) and [type(f).__name__ for f in op.obs] == ["PauliZ", "PauliX"]
    np.testing.assert_allclose(qml.matrix(op), np.kron(ref.Z, ref.X), atol=0)
    assert isinstance(PauliWord({1: "Y"}).operation(), qml.PauliY)
    ident = PauliWord({}).operation(wire_order=["w"])
    assert isinstance(ident, qml.Identity) and ident.wires == ("w",)
    with pytest.raises(
        ValueError, match=r"operation\(\): the identity word acts on no wire; pass wire_order"
    ):
        PauliWord({}).operation()


def test_sentence_operation_is_a_hamiltonian_or_a_sum():
    s = PauliWord({0: "Z"}) * 0.5 + PauliWord({0: "X", 1: "X"}) * -1.5 + 2.0
    h = s.operation()
    assert isinstance(h, qml.Hamiltonian)
    np.testing.assert_allclose(qml.matrix(h, wire_order=[0, 1]), s.to_mat([0, 1]), atol=1e-14)
    assert isinstance(PauliSentence({PauliWord({0: "X"}): 1}).operation(), qml.PauliX)
    c = (PauliWord({0: "X"}) @ PauliWord({0: "Y"})) + PauliWord({1: "Z"})  # i Z0 + Z1
    op = c.operation()
    assert isinstance(op, qml.Sum) and not op.is_hermitian
    np.testing.assert_allclose(qml.matrix(op, wire_order=[0, 1]), c.to_mat([0, 1]), atol=1e-14)
    zero = PauliSentence().operation(wire_order=[3])
    np.testing.assert_allclose(qml.matrix(zero), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"operation\(\): the sentence acts on no wire"):
        PauliSentence({PauliWord({}): 1.0}).operation()


# --- pauli_rep and pauli_sentence -----------------------------------------------------------------------
def test_pauli_rep_of_single_observables():
    assert qml.PauliX(0).pauli_rep == PauliSentence({PauliWord({0: "X"}): 1.0})
    assert qml.PauliY("a").pauli_rep == PauliSentence({PauliWord({"a": "Y"}): 1.0})
    assert qml.PauliZ(1).pauli_rep == PauliSentence({PauliWord({1: "Z"}): 1.0})
    assert qml.Identity(0).pauli_rep == PauliSentence({PauliWord({}): 1.0})
    assert qml.Hadamard(0).pauli_rep is None
    assert qml.Hermitian(np.diag([1.0, -1.0]), wires=0).pauli_rep is None
    assert qml.Projector([1], wires=0).pauli_rep is None  # measured in the Z basis, but not Z


def test_pauli_rep_of_products_and_sums_matches_their_matrices():
    order = [0, 1, 2]
    exprs = [
        qml.PauliZ(0) @ qml.PauliX(2),
        qml.Hamiltonian([0.5, -1.2], [qml.PauliZ(0), qml.PauliY(1) @ qml.PauliX(2)]),
        qml.PauliX(0) @ qml.PauliY(0),
        qml.sum(qml.PauliX(1), qml.s_prod(0.3j, qml.PauliZ(1))),
        qml.prod(qml.PauliX(0) + qml.PauliZ(1), qml.PauliY(0)),
        qml.PauliX(0) ** 3,
        (qml.PauliX(0) + qml.PauliY(1)) ** 2,
        qml.dot([1.0, 2.0], [qml.PauliZ(0), qml.Identity(1)]),
    ]
    for op in exprs:
        rep = op.pauli_rep
        assert rep is not None, op
        np.testing.assert_allclose(
            rep.to_mat(order), qml.matrix(op, wire_order=order), atol=1e-12, err_msg=repr(op)
        )
    assert (qml.PauliX(0) ** -1).pauli_rep is None
    assert (qml.PauliZ(0) @ qml.Hadamard(1)).pauli_rep is None
    assert qml.sum(qml.PauliZ(0), qml.Hermitian(np.eye(2), wires=1)).pauli_rep is None
    assert qml.prod(qml.RX(0.1, wires=0), qml.PauliZ(0)).pauli_rep is None


def test_pauli_sentence_function():
    ps = pauli.pauli_sentence(qml.PauliX(0) @ qml.PauliY(0))
    assert ps == PauliSentence({PauliWord({0: "Z"}): 1j})
    w = PauliWord({0: "X"})
    assert pauli.pauli_sentence(w) == PauliSentence({w: 1})
    assert pauli.pauli_sentence(ps) is ps
    with pytest.raises(
        ValueError, match=r"pauli_sentence: Hadamard\(wires=\[0\]\) is not a Pauli expression"
    ):
        pauli.pauli_sentence(qml.Hadamard(0))
    with pytest.raises(ValueError, match=r"pauli_sentence: RX\(0.1, wires=\[0\]\) is not a Pauli expression"):
        pauli.pauli_sentence(qml.RX(0.1, wires=0))


def test_public_names():
    assert sorted(pauli.__all__) == ["PauliSentence", "PauliWord", "pauli_decompose", "pauli_sentence"]
    assert qml.pauli.PauliWord is PauliWord and qml.pauli_decompose is pauli.pauli_decompose


# --- pauli_decompose --------------------------------------------------------------------------------
def test_pauli_coefficients_are_traces_with_every_word():
    m = ref.random_hermitian(RNG, 4) + 1j * ref.random_hermitian(RNG, 4)
    words = all_words(2)
    assert words[:5] == ["II", "IX", "IY", "IZ", "XI"] and len(words) == 16
    want = [np.trace(ref.pauli_word(w) @ m) / 4 for w in words]
    np.testing.assert_allclose(pauli_coefficients(m), want, atol=1e-14)
    for bad in (np.eye(3), np.ones((2, 4)), np.ones(4), np.ones((1, 1))):
        with pytest.raises(ValueError, match=r"pauli_decompose: 'H' must be a square 2\^n x 2\^n matrix"):
            pauli_coefficients(bad)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_pauli_decompose_round_trips_random_hermitian_matrices(n):
    m = ref.random_hermitian(RNG, 2**n)
    h = qml.pauli_decompose(m)
    assert isinstance(h, qml.Hamiltonian) and len(h.ops) == 4**n  # a random matrix has every term
    assert not jnp.iscomplexobj(h.coeffs)
    np.testing.assert_allclose(qml.matrix(h, wire_order=range(n)), m, atol=1e-12)
    # without hidden identities every term acts on every wire, in order
    assert all(o.wires == tuple(range(n)) for o in h.ops)
    hidden = qml.pauli_decompose(m, hide_identity=True)
    np.testing.assert_allclose(qml.matrix(hidden, wire_order=range(n)), m, atol=1e-12)
    assert all("Identity" not in repr(o) for o in hidden.ops[1:])


def test_pauli_decompose_options():
    m = np.kron(ref.Z, ref.X) * 0.5 + 0.25 * np.eye(4)
    h = qml.pauli_decompose(m, wire_order=["a", "b"], hide_identity=True)
    assert len(h.ops) == 2  # only the nonzero terms
    np.testing.assert_allclose(qml.matrix(h, wire_order=["a", "b"]), m, atol=1e-14)
    assert {o.wires for o in h.ops} == {("a",), ("a", "b")}
    ps = qml.pauli_decompose(m, wire_order=["a", "b"], pauli=True)
    assert ps == PauliSentence({PauliWord({}): 0.25, PauliWord({"a": "Z", "b": "X"}): 0.5})
    zero = qml.pauli_decompose(np.zeros((2, 2)))
    np.testing.assert_allclose(qml.matrix(zero), np.zeros((2, 2)))
    # a non-Hermitian matrix, when allowed, has complex coefficients
    a = ref.random_hermitian(RNG, 4) + 1j * ref.random_hermitian(RNG, 4)
    op = qml.pauli_decompose(a, check_hermitian=False)
    assert isinstance(op, qml.Sum) and not op.is_hermitian
    np.testing.assert_allclose(qml.matrix(op, wire_order=[0, 1]), a, atol=1e-12)
    np.testing.assert_allclose(
        qml.pauli_decompose(a, check_hermitian=False, pauli=True).to_mat([0, 1]), a, atol=1e-12
    )
    single = qml.pauli_decompose(np.array([[0, -1j], [1j, 0]]) * 1j, check_hermitian=False)
    assert isinstance(single, qml.SProd)
    np.testing.assert_allclose(qml.matrix(single), 1j * ref.Y, atol=1e-15)


def test_pauli_decompose_errors():
    with pytest.raises(ValueError, match=r"pauli_decompose: 'H' is not Hermitian"):
        qml.pauli_decompose(np.array([[0.0, 1.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match=r"pauli_decompose: 'wire_order' has 3 wires but 'H' acts on 2"):
        qml.pauli_decompose(np.eye(4), wire_order=[0, 1, 2])
    with pytest.raises(ValueError, match=r"pauli_decompose: 'H' must be a square"):
        qml.pauli_decompose(np.eye(3))
