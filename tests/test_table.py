"""Circuits that do not repeat run as a table of fused blocks (``_table``): fusion, values, derivatives.

The fusion is checked on its own against dense NumPy products; whole circuits against the dense
reference simulator (``reference.run``) over the whole gate registry; derivatives of every method
against each other and finite differences; and the compiled program's size against circuit depth.
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref
from circuit_builders import build, random_circuit, rng_for

import quantum_jax as qml
from quantum_jax._program import TABLE_MIN_STEPS, compile_program
from quantum_jax._table import Table, fuse


def _dense(mat: np.ndarray, axes: tuple[int, ...], n: int) -> np.ndarray:
    return ref.embed(mat, list(axes), n)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("width", [2, 3])
def test_fusion_applies_the_same_operator(seed: int, width: int) -> None:
    """The blocks, applied in order, multiply to the product of the gates, each gate used once."""
    rng = rng_for("fusion", seed, width)
    n = 5
    gates, mats = [], {}
    for op in range(60):
        k = int(rng.choice([1, 1, 2, 2, 3]))
        axes = tuple(int(a) for a in rng.permutation(n)[:k])
        gates.append((op, axes))
        mats[op] = ref.random_unitary(rng, 2**k)
    blocks = fuse(gates, width)
    expected = np.eye(2**n, dtype=complex)
    for op, axes in gates:
        expected = _dense(mats[op], axes, n) @ expected
    got = np.eye(2**n, dtype=complex)
    for block in blocks:
        assert len(block.axes) <= max(width, *(len(p) for _, p in block.gates))
        assert list(block.axes) == sorted(block.axes)
        for op, pos in block.gates:
            assert tuple(block.axes[p] for p in pos) == gates[op][1]
            got = _dense(mats[op], gates[op][1], n) @ got
    assert sorted(op for b in blocks for op, _ in b.gates) == list(range(60))
    np.testing.assert_allclose(got, expected, atol=1e-12)
    assert len(blocks) < 45  # two-wire fusion absorbs the one-wire gates


def _has_table(ops: list, wires: list) -> bool:
    program = compile_program([op for op in ops if not op.is_state_preparation], wires)
    return any(isinstance(s, Table) for s in program.segments)


@pytest.mark.parametrize("seed", range(3))
def test_random_circuits_over_the_registry(seed: int) -> None:
    """Long random circuits (all gates, adjoints, state preparations) equal the dense reference."""
    rng = rng_for("table circuit", seed)
    n = 5
    # Gates on up to three wires, and one wider gate, which the table runs around as a step.
    spec = random_circuit(rng, n, depth=120)
    wide = [op for op in spec if len(op.wires) > 3 and op.name not in ("BasisState", "StatePrep")]
    spec = [op for op in spec if len(op.wires) <= 3 or op.name in ("BasisState", "StatePrep")]
    spec[len(spec) // 2 : len(spec) // 2] = wide[:1]
    labels = ["a", 3, "q", 0, "w1"]
    ops = [build(op, labels) for op in spec]
    tape = qml.tape.Tape(ops, [qml.state()])
    assert _has_table(ops, labels)
    want = ref.run(spec, n)
    jitted = jax.jit(lambda t: qml.simulator.simulate(t, wires=labels)[0])(tape)
    np.testing.assert_allclose(np.asarray(jitted), want, atol=1e-11)


def _rqc(n: int, depth: int, seed: int = 0) -> tuple[list[tuple[str, tuple[int, ...]]], int]:
    """A random circuit of rotations and a CZ/CNOT/ISWAP brickwork (no layer repeats)."""
    rng = rng_for("rqc", n, depth, seed)
    spec: list[tuple[str, tuple[int, ...]]] = []
    for layer in range(depth):
        spec += [(str(rng.choice(["RX", "RY", "RZ", "Rot"])), (w,)) for w in range(n)]
        spec += [(str(rng.choice(["CZ", "CNOT", "ISWAP"])), (w, w + 1)) for w in range(layer % 2, n - 1, 2)]
    count = sum(3 if g == "Rot" else 1 if g.startswith("R") else 0 for g, _ in spec)
    return spec, count


def _rqc_circuit(spec: list[tuple[str, tuple[int, ...]]], x: jax.Array) -> None:
    k = 0
    for name, wires in spec:
        size = 3 if name == "Rot" else 1 if name.startswith("R") else 0
        getattr(qml, name)(*[x[k + i] for i in range(size)], wires=list(wires))
        k += size


def _rqc_reference(spec: list[tuple[str, tuple[int, ...]]], x: np.ndarray, n: int) -> np.ndarray:
    ops, k = [], 0
    for name, wires in spec:
        size = 3 if name == "Rot" else 1 if name.startswith("R") else 0
        ops.append(ref.Op(name, tuple(float(v) for v in x[k : k + size]), wires))
        k += size
    return ref.run(ops, n)


def _qnode(spec: list, n: int, method: str) -> qml.QNode:
    @qml.qnode(qml.device("default.qubit", wires=n), interface="jax", diff_method=method)
    def circuit(x: jax.Array) -> jax.Array:
        _rqc_circuit(spec, x)
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(n - 1))

    return circuit


def _reference_value(spec: list, x: np.ndarray, n: int) -> float:
    return ref.expval(_rqc_reference(spec, x, n), ("Tensor", [("PauliZ", (0,)), ("PauliX", (n - 1,))]), n)


def test_gradients_agree_across_methods() -> None:
    """Backprop (through the scan), parameter-shift, adjoint and finite differences agree."""
    n = 4
    spec, count = _rqc(n, 12)
    x = jnp.asarray(rng_for("rqc x").uniform(-np.pi, np.pi, count))
    with qml.tape.QuantumTape() as tape:
        _rqc_circuit(spec, x)
    assert _has_table(list(tape.operations), list(range(n)))
    value = _qnode(spec, n, "backprop")(x)
    assert float(value) == pytest.approx(_reference_value(spec, np.asarray(x), n), abs=1e-12)
    grads = {m: jax.jit(jax.grad(_qnode(spec, n, m)))(x) for m in ("backprop", "parameter-shift", "adjoint")}
    eps = 1e-6
    basis = np.eye(count)
    fd = [
        (
            _reference_value(spec, np.asarray(x) + eps * e, n)
            - _reference_value(spec, np.asarray(x) - eps * e, n)
        )
        / (2 * eps)
        for e in basis
    ]
    np.testing.assert_allclose(grads["backprop"], fd, atol=1e-7)
    np.testing.assert_allclose(grads["parameter-shift"], grads["backprop"], atol=1e-10)
    np.testing.assert_allclose(grads["adjoint"], grads["backprop"], atol=1e-10)


def test_hessian_and_vmap_through_the_table() -> None:
    """Forward-over-reverse Hessians by backprop equal parameter-shift's; vmap equals a loop."""
    n = 3
    spec, count = _rqc(n, 12, seed=1)
    x = jnp.asarray(rng_for("rqc hessian").uniform(-np.pi, np.pi, count))
    h_bp = jax.jit(jax.hessian(_qnode(spec, n, "backprop")))(x)
    h_ps = jax.jit(jax.hessian(_qnode(spec, n, "parameter-shift")))(x)
    np.testing.assert_allclose(h_bp, h_ps, atol=1e-9)
    xs = x[None] + 0.1 * jnp.arange(3.0)[:, None]
    f = _qnode(spec, n, "backprop")
    np.testing.assert_allclose(jax.vmap(f)(xs), [f(v) for v in xs], atol=1e-12)
    np.testing.assert_allclose(jax.vmap(jax.grad(f))(xs), [jax.grad(f)(v) for v in xs], atol=1e-12)


def test_float32_computes_in_complex64() -> None:
    """float32 parameters run the table in complex64, within float32 accuracy of the reference."""
    n = 5
    spec, count = _rqc(n, 10, seed=2)
    x = rng_for("rqc f32").uniform(-np.pi, np.pi, count)
    state = qml.simulator.final_state(qml.tape.Tape(_ops(spec, jnp.asarray(x, jnp.float32))))
    assert state.dtype == jnp.complex64
    np.testing.assert_allclose(np.ravel(state), _rqc_reference(spec, x, n), atol=2e-5)


def _ops(spec: list, x: jax.Array) -> list:
    with qml.tape.QuantumTape() as tape:
        _rqc_circuit(spec, x)
    return list(tape.operations)


def _state_kernels(n: int, depth: int) -> int:
    """How many operations of the lowered forward program take or make a whole state."""
    spec, count = _rqc(n, depth, seed=3)

    def forward(x: jax.Array) -> jax.Array:
        return qml.simulator.simulate(qml.tape.Tape(_ops(spec, x), [qml.expval(qml.PauliZ(0))]))[0]

    text = jax.jit(forward).lower(jnp.zeros(count)).as_text()
    state = "x".join(["2"] * n) + "xcomplex<f64>"
    return len(re.findall(rf"= stablehlo\.\w+.*tensor<{state}>", text))


def test_compiled_program_does_not_grow_with_depth() -> None:
    """Doubling a non-repeating circuit's depth adds no state kernels (they belong to the branches)."""
    shallow, deep = _state_kernels(6, 20), _state_kernels(6, 60)
    assert TABLE_MIN_STEPS <= 6 * 20
    assert deep <= shallow + 4  # a branch or two more, for wire tuples the deeper circuit adds
    assert shallow < 6 * 20 // 2  # an unrolled program has a state kernel per step
