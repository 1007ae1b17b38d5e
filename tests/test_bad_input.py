"""Bad input, kind by kind: each raises a clear error (checked by message), eagerly and under ``jax.jit``.

Every kind is one :class:`Case`: a function of one value ``x`` (a float eagerly, a tracer under jit)
that must raise ``exc`` with a message matching ``match``. Under jit the error must come while
tracing (``jax.jit(fn).trace(x)`` runs nothing), not as an internal error at run time. The kinds of
``tests/test_errors.py`` are not repeated here; ``docs/errors.md`` lists both, and
:func:`test_every_documented_error_kind_is_tested` checks that every row of it is exercised and that
its documented message is the message raised.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import test_errors

import quantum_jax as qml
from quantum_jax.tape import Tape

DEV = qml.device("default.qubit", wires=2)
SHOTS_DEV = qml.device("default.qubit", wires=2, shots=10, seed=1)
DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "errors.md")


@dataclasses.dataclass(frozen=True)
class Case:
    kind: str
    exc: type[BaseException]
    match: str
    fn: Callable[[Any], Any]
    jit: bool = True  # also raised while jax.jit traces fn


def rx_z(x: Any) -> Any:
    qml.RX(x, wires=0)
    return qml.expval(qml.PauliZ(0))


def qnode(func: Callable[..., Any], dev: Any = DEV, **kw: Any) -> qml.QNode:
    return qml.QNode(func, dev, interface="jax", **kw)


def sample_qnode(x: Any, key: Any) -> Any:
    return qnode(lambda x: (qml.RX(x, wires=0), qml.sample(qml.PauliZ(0)))[1], SHOTS_DEV)(x, key=key)


def returns(value: Any) -> Callable[[Any], Any]:
    def func(x: Any) -> Any:
        qml.RX(x, wires=0)
        return value() if callable(value) else value

    return func


def big_circuit(x: Any) -> Any:
    for w in range(60):
        qml.RX(x, wires=w)
    return qml.expval(qml.PauliZ(0))


def keyword_data(x: Any, weights: Any = None) -> Any:
    qml.RY(weights, wires=0)
    return qml.expval(qml.PauliZ(0))


NUMERIC = r"must be a number or an array of numbers"
CASES = [
    # --- parameters ----------------------------------------------------------------------------
    Case(
        "non-numeric-parameter",
        TypeError,
        rf"RX: parameter 0 {NUMERIC}, got 'abc' \(str\)",
        lambda x: qml.RX("abc", wires=0),
    ),
    Case(
        "none-parameter",
        TypeError,
        rf"Rot: parameter 1 {NUMERIC}, got None \(NoneType\)",
        lambda x: qml.Rot(x, None, x, wires=0),
    ),
    Case(
        "mixed-type-list",
        TypeError,
        rf"RX: parameter 0 {NUMERIC}, got .*'a'",
        lambda x: qml.RX([x, "a"], wires=0),
    ),
    Case(
        "mixed-type-matrix",
        TypeError,
        rf"QubitUnitary: 'U' {NUMERIC}, got \[\['1', '0'\], \['0', 'a'\]\]",
        lambda x: qml.QubitUnitary([[1, 0], [0, "a"]], wires=0),
    ),
    Case(
        "ragged-list",
        TypeError,
        r"StatePrep: 'state' must be .* got the ragged nested list",
        lambda x: qml.StatePrep([[1.0], [0.0, 1.0]], wires=0),
    ),
    Case(
        "keyword-data",
        TypeError,
        rf"RY: parameter 0 {NUMERIC}, got {{'a': 1}} \(dict\)",
        lambda x: qnode(keyword_data)(x, weights={"a": 1}),
    ),
    Case(
        "coefficients-not-numbers",
        TypeError,
        rf"Hamiltonian: 'coeffs' {NUMERIC}, got None",
        lambda x: qml.Hamiltonian(None, [qml.PauliZ(0)]),
    ),
    Case(
        "parameter-shape-does-not-fit",
        ValueError,
        r"RX: parameter 0 has shape \(2, 2\), but it takes a scalar, or a batch of them with ONE leading "
        r"axis",
        lambda x: qnode(rx_z)(x * jnp.ones((2, 2))),
    ),
    Case(
        "broadcast-batch-mismatch",
        ValueError,
        r"parameter broadcasting: Rot on wires \[0\] has a batch of 3 but .* has a batch of 2; broadcast",
        lambda x: qnode(
            lambda: (qml.Rot(x * jnp.ones(2), x * jnp.ones(3), x, wires=0), qml.expval(qml.PauliZ(0)))[1]
        )(),
    ),
    Case(
        "matrix-shape-does-not-fit",
        ValueError,
        r"QubitUnitary: 'U' must be a square 2\^k x 2\^k matrix \(or a batch of them\), "
        r"got shape \(2, 2, 2, 2\)",
        lambda x: qml.QubitUnitary(x * jnp.ones((2, 2, 2, 2)), wires=0),
    ),
    Case(
        "state-shape-does-not-fit",
        ValueError,
        r"StatePrep: 'state' has shape \(2, 3\) but wires=\(0,\) need 2 amplitudes \(or a batch of them",
        lambda x: qml.StatePrep(jnp.ones((2, 3)) / np.sqrt(3) + 0 * x, wires=0),
    ),
    Case(
        "hamiltonian-coefficient-count",
        ValueError,
        r"Hamiltonian: 'coeffs' has shape \(2,\) but there are 1 observables",
        lambda x: qml.Hamiltonian(x * jnp.ones(2), [qml.PauliZ(0)]),
    ),
    Case(
        "constant-not-unitary-under-jit",
        ValueError,
        r"QubitUnitary: 'U' is not unitary",
        lambda x: qml.QubitUnitary(np.array([[1.0, 1.0], [0.0, 1.0]]), wires=0),
    ),
    Case(
        "constant-not-binary-under-jit",
        ValueError,
        r"BasisState: 'n' must hold only 0 and 1, got \[1, 2\]",
        lambda x: qml.BasisState(np.array([1, 2]), wires=[0, 1]),
    ),
    Case(
        "nan-state-vector",
        ValueError,
        r"StatePrep: 'state' must have norm 1, got nan",
        lambda x: qml.StatePrep(np.array([np.nan, 0.0]), wires=0),
    ),
    Case(
        "diagonal-not-unitary",
        ValueError,
        r"DiagonalQubitUnitary: 'D' is not unitary \(max \|\|D_i\| - 1\| = 1\)",
        lambda x: qml.DiagonalQubitUnitary(np.array([1.0, 2.0]), wires=0),
    ),
    Case(
        "diagonal-wrong-size",
        ValueError,
        r"DiagonalQubitUnitary: 'D' has 3 entries but wires=\(0,\) need 2",
        lambda x: qml.DiagonalQubitUnitary(np.ones(3), wires=0),
    ),
    Case(
        "bad-control-values",
        ValueError,
        r"MultiControlledX: 'control_values' must hold only 0/1",
        lambda x: qml.MultiControlledX(wires=[0, 1, 2], control_values=[1, 2]),
    ),
    Case(
        "controlled-unitary-too-few-wires",
        ValueError,
        r"ControlledQubitUnitary: 'U' acts on 1 wire\(s\), so 'wires' needs at least 2",
        lambda x: qml.ControlledQubitUnitary(np.eye(2), wires=[0]),
    ),
    Case(
        "control-overlaps-target",
        ValueError,
        r"ctrl: control wires \[0\] overlap the target wires \[0\]",
        lambda x: qml.ctrl(qml.RX(x, wires=0), control=0),
    ),
    Case(
        "ctrl-of-non-operation",
        TypeError,
        r"ctrl: 'op' must be an operation or a callable",
        lambda x: qml.ctrl(3, control=0),
    ),
    Case(
        "adjoint-of-non-operation",
        TypeError,
        r"adjoint: expected an operation or a callable, got 3",
        lambda x: qml.adjoint(3),
    ),
    # --- wires ---------------------------------------------------------------------------------
    Case(
        "qnode-gate-on-missing-wire",
        ValueError,
        r"wires \[9\] are not on the device \(its wires are \[0, 1\]\)",
        lambda x: qnode(lambda x: (qml.RX(x, wires=9), qml.expval(qml.PauliZ(0)))[1])(x),
    ),
    Case(
        "qnode-measurement-on-missing-wire",
        ValueError,
        r"wires \['q'\] are not on the device .*DensityMatrixMP",
        lambda x: qnode(returns(lambda: qml.density_matrix(wires=["q"])))(x),
    ),
    Case(
        "device-without-wires",
        ValueError,
        r"device: 'wires' must not be empty",
        lambda x: qml.device("default.qubit", wires=[]),
    ),
    Case(
        "too-many-qubits-qnode",
        MemoryError,
        r"simulating 60 wires needs about .* GiB .* use fewer wires",
        lambda x: qml.QNode(big_circuit, qml.device("default.qubit"), interface="jax")(x),
    ),
    # --- devices, methods, interfaces --------------------------------------------------------------
    Case(
        "qnode-device-not-a-device",
        TypeError,
        r"QNode: 'device' must come from qml.device\(...\), got 'default.qubit'",
        lambda x: qml.QNode(rx_z, "default.qubit"),
    ),
    Case(
        "unknown-diff-method",
        ValueError,
        r"QNode: unknown diff_method 'magic'; use one of 'best', 'backprop'",
        lambda x: qnode(rx_z, diff_method="magic"),
    ),
    Case(
        "unknown-interface",
        ValueError,
        r"unknown interface 'jaxx'; use one of autograd, jax",
        lambda x: qml.QNode(rx_z, DEV, interface="jaxx"),
    ),
    Case(
        "foreign-interface",
        ValueError,
        r"interface='torch' is not supported: quantum_jax computes with JAX",
        lambda x: qml.QNode(rx_z, DEV, interface="torch"),
    ),
    Case(
        "unknown-gradient-fn",
        ValueError,
        r"execute: unknown gradient_fn 'magic'; use qml.gradients.param_shift",
        lambda x: qml.execute([], DEV, gradient_fn="magic"),
    ),
    Case(
        "unknown-mode",
        ValueError,
        r"execute: 'mode' must be 'best', 'forward' or 'backward', got 'sideways'",
        lambda x: qml.execute([], DEV, mode="sideways"),
    ),
    Case(
        "unknown-gate",
        AttributeError,
        r"module 'quantum_jax' has no attribute 'FooGate'",
        lambda x: qml.FooGate(x, wires=0),
    ),
    Case(
        "unexpected-gradient-kwargs",
        TypeError,
        r"param_shift: unexpected gradient_kwargs \['stepsize'\]",
        lambda x: qnode(rx_z, diff_method="parameter-shift", stepsize=1),
    ),
    Case(
        "finite-diff-strategy",
        ValueError,
        r"finite_diff: 'strategy' must be 'forward', 'backward' or 'center'",
        lambda x: qnode(rx_z, diff_method="finite-diff", strategy="sideways"),
    ),
    Case(
        "finite-diff-step",
        ValueError,
        r"finite_diff: 'h' must be positive, got -1.0",
        lambda x: qnode(rx_z, diff_method="finite-diff", h=-1.0),
    ),
    Case(
        "execute-non-tape",
        TypeError,
        r"execute: 'tapes' must hold tapes, got 3",
        lambda x: qml.execute([3], DEV),
    ),
    Case(
        "execute-bad-max-diff",
        ValueError,
        r"execute: 'max_diff' must be a positive integer, got 0",
        lambda x: qml.execute([], DEV, max_diff=0),
    ),
    Case(
        "device-seed-not-integer",
        TypeError,
        r"device: 'seed' must be an integer, got 1.5",
        lambda x: qml.device("default.qubit", wires=1, seed=1.5),
    ),
    Case(
        "tracker-non-device",
        TypeError,
        r"Tracker: 'dev' must be a device made by qml.device\(...\) or None",
        lambda x: qml.Tracker(3),
    ),
    # --- shots -----------------------------------------------------------------------------------
    Case(
        "shots-not-positive",
        ValueError,
        r"device: 'shots' must be positive, got -1; use shots=None",
        lambda x: qml.device("default.qubit", wires=1, shots=-1),
    ),
    Case(
        "shots-float",
        TypeError,
        r"QNode: 'shots' must be an integer, got the float 10.0; pass int\(10.0\)",
        lambda x: qnode(rx_z)(x, shots=10.0),
    ),
    Case(
        "shots-not-a-number",
        TypeError,
        r"device: 'shots' must be a positive integer, got '10'",
        lambda x: qml.device("default.qubit", wires=1, shots="10"),
    ),
    Case(
        "shot-vector-empty",
        ValueError,
        r"device: a shot vector must not be empty",
        lambda x: qml.device("default.qubit", wires=1, shots=[]),
    ),
    Case(
        "shot-vector-entry",
        ValueError,
        r"device: shot-vector entry \(10, 2, 3\) must be \(shots, copies\)",
        lambda x: qml.device("default.qubit", wires=1, shots=[(10, 2, 3)]),
    ),
    Case(
        "shot-vector-zero-bin",
        ValueError,
        r"set_shots: 'shots' must be positive, got 0",
        lambda x: qml.set_shots(qnode(rx_z), shots=[10, 0]),
    ),
    Case(
        "sample-without-shots",
        ValueError,
        r"sample\(\) needs a device with shots",
        lambda x: qnode(returns(lambda: qml.sample(qml.PauliZ(0))))(x),
    ),
    Case(
        "counts-without-shots",
        ValueError,
        r"counts\(\) needs a device with shots",
        lambda x: qnode(returns(lambda: qml.counts(qml.PauliZ(0))))(x),
    ),
    Case(
        "backprop-with-shots",
        ValueError,
        r"backprop differentiation needs the exact statevector",
        lambda x: qnode(rx_z, SHOTS_DEV, diff_method="backprop")(x),
    ),
    # --- PRNG keys ---------------------------------------------------------------------------------
    Case(
        "key-integer",
        TypeError,
        r"QNode: 'key' must be a JAX PRNG key, got the integer 3; pass jax.random.key\(3\)",
        lambda x: sample_qnode(x, 3),
    ),
    Case(
        "key-wrong-dtype",
        TypeError,
        r"QNode: 'key' must be a JAX PRNG key \(jax.random.key\(seed\)\), got an array "
        r"of dtype float(32|64) and shape \(2,\)",
        lambda x: sample_qnode(x, x * jnp.ones(2)),
    ),
    Case(
        "key-batch",
        ValueError,
        r"QNode: 'key' must be a single PRNG key, got shape \(3,\); vmap over keys",
        lambda x: sample_qnode(x, jax.random.split(jax.random.key(0), 3)),
    ),
    # --- QNode returns -----------------------------------------------------------------------------
    Case(
        "qnode-returns-number",
        TypeError,
        r"QNode 'func' returned 3.0; a quantum function must return a measurement",
        lambda x: qnode(returns(3.0))(x),
    ),
    Case(
        "qnode-returns-operator",
        TypeError,
        r"QNode 'func' returned PauliZ\(wires=\[0\]\); a quantum function must",
        lambda x: qnode(returns(lambda: qml.PauliZ(0)))(x),
    ),
    Case(
        "qnode-returns-mixed-list",
        TypeError,
        r"QNode 'func' returned 3 \(int\), which is not a measurement",
        lambda x: qnode(returns(lambda: [qml.expval(qml.PauliZ(0)), 3]))(x),
    ),
    # --- differentiation -------------------------------------------------------------------------
    Case(
        "max-diff-exceeded",
        ValueError,
        r"a derivative of order 2 was requested but max_diff=1 allows derivatives "
        r"up to order 1",
        lambda x: jax.hessian(qnode(rx_z, diff_method="parameter-shift", max_diff=1))(x),
    ),
    Case(
        "max-diff-invalid",
        ValueError,
        r"QNode: 'max_diff' must be a positive integer or None, got 0",
        lambda x: qnode(rx_z, max_diff=0),
    ),
    Case(
        "state-under-parameter-shift",
        ValueError,
        r"StateMP cannot be differentiated by ParamShift: state\(\) and "
        r"density_matrix\(\) are complex amplitudes \(use diff_method='backprop'\)",
        lambda x: jax.jacobian(
            lambda v: jnp.real(qnode(returns(qml.state), diff_method="parameter-shift")(v))
        )(x),
    ),
    Case(
        "samples-differentiated",
        ValueError,
        r"SampleMP cannot be differentiated by ParamShift",
        lambda x: jax.grad(
            lambda v: jnp.sum(
                qnode(returns(lambda: qml.sample(qml.PauliZ(0))), SHOTS_DEV, diff_method="parameter-shift")(v)
            )
        )(x),
    ),
    Case(
        "adjoint-non-expval",
        ValueError,
        r"adjoint differentiation supports expval measurements only, got VarianceMP",
        lambda x: jax.grad(qnode(returns(lambda: qml.var(qml.PauliZ(0))), diff_method="adjoint"))(x),
    ),
    Case(
        "gradient-transform-of-state",
        ValueError,
        r"StateMP cannot be differentiated by a gradient transform",
        lambda x: qml.gradients.param_shift(Tape([qml.RX(x, wires=0)], [qml.state()])),
    ),
]


def trace_under_jit(fn: Callable[[Any], Any]) -> None:
    """Trace (and only trace) ``fn`` under jit: an error raised here is raised at trace time."""
    jax.jit(fn).trace(jnp.asarray(0.3))


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_bad_input(case: Case):
    with pytest.raises(case.exc, match=case.match):
        case.fn(0.3)
    if case.jit:
        with pytest.raises(case.exc, match=case.match):
            trace_under_jit(case.fn)


def test_at_least_thirty_kinds():
    assert len({c.kind for c in CASES}) == len(CASES) >= 30


def test_failed_construction_leaves_nothing_recorded():
    with qml.tape.QuantumTape() as tape:
        qml.RX(0.1, wires=0)
        for case in CASES[:6]:
            with pytest.raises(case.exc):
                case.fn(0.3)
    assert [op.name for op in tape.operations] == ["RX"]


# --- NaN and inf: NaN results, never a crash or a hang ----------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("method", ["backprop", "parameter-shift", "adjoint", "finite-diff"])
def test_nan_and_inf_parameters_give_nan(bad, method):
    f = qnode(lambda x: (qml.RX(x, wires=0), qml.CNOT(wires=[0, 1]), qml.expval(qml.PauliZ(1)))[2],
              diff_method=method)  # fmt: skip
    assert np.isnan(float(f(bad))) and np.isnan(float(jax.jit(f)(bad)))
    assert np.isnan(float(jax.grad(f)(bad)))
    assert float(f(0.0)) == pytest.approx(1.0, abs=1e-14)  # the next call is unaffected


def test_nan_in_one_row_of_a_batch_stays_in_that_row():
    f = qnode(rx_z)
    out = np.asarray(f(jnp.array([0.0, np.nan, np.pi])))
    assert np.isnan(out[1]) and out[0] == pytest.approx(1.0, abs=1e-14) and out[2] == pytest.approx(-1.0)
    out = np.asarray(jax.vmap(f)(jnp.array([np.nan, 0.0])))
    assert np.isnan(out[0]) and out[1] == pytest.approx(1.0, abs=1e-14)


def test_nan_probs_and_samples_do_not_crash():
    probs = qnode(returns(lambda: qml.probs(wires=[0, 1])))(np.nan)
    assert probs.shape == (4,) and np.isnan(np.asarray(probs)).all()
    samples = qnode(returns(lambda: qml.sample(qml.PauliZ(0))), SHOTS_DEV)(np.nan)
    assert samples.shape == (10,)


# --- the Errors page ---------------------------------------------------------------------------
# Kinds tested in tests/test_errors.py, by the test that exercises them.
TEST_ERRORS_KINDS = {
    "wire-not-on-device": "test_wire_not_on_the_device",
    "measurement-on-missing-wire": "test_measurement_on_wires_the_device_lacks",
    "duplicate-wires": "test_duplicate_wires",
    "overlapping-tensor": "test_duplicate_wires",
    "wrong-wire-count": "test_wrong_wire_count",
    "missing-wires": "test_wrong_wire_count",
    "float-wire-label": "test_bad_wire_labels",
    "unhashable-wire-label": "test_bad_wire_labels",
    "device-wire-count": "test_bad_wire_labels",
    "wrong-parameter-count": "test_wrong_parameter_count",
    "not-unitary": "test_non_unitary_qubit_unitary",
    "matrix-not-square": "test_non_unitary_qubit_unitary",
    "matrix-size-does-not-fit": "test_non_unitary_qubit_unitary",
    "not-hermitian": "test_non_hermitian_observables",
    "complex-coefficients": "test_non_hermitian_observables",
    "hamiltonian-non-observable": "test_non_hermitian_observables",
    "projector-state": "test_non_hermitian_observables",
    "state-not-normalised": "test_state_prep_not_normalized",
    "basis-state-not-binary": "test_basis_state_with_non_binary_entries",
    "state-preparation-after-gate": "test_state_preparation_after_a_gate",
    "pauli-word": "test_pauli_rot_word_mismatch",
    "measuring-a-gate": "test_non_observable_measured",
    "probs-wires-and-op": "test_non_observable_measured",
    "unknown-observable": "test_non_observable_measured",
    "tape-contents": "test_non_observable_measured",
    "no-shared-eigenbasis": "test_non_observable_measured",
    "unknown-device": "test_unknown_device_name",
    "too-many-qubits": "test_circuit_too_large_for_memory",
    "tape-recorded-twice": "test_tape_records_only_once",
    "with-parameters-count": "test_tape_records_only_once",
}


def documented_rows() -> list[tuple[str, str, str]]:
    """``(kind, exception, message)`` of each row of docs/errors.md's tables."""
    rows = []
    with open(DOCS) as f:
        for line in f:
            m = re.match(r"\| `([a-z0-9-]+)` \| `(\w+)` \| (.*?) \|", line)
            if m:
                rows.append((m.group(1), m.group(2), m.group(3).replace("\\|", "|")))
    return rows


def documented_pattern(message: str) -> str:
    """The documented message as a regex: literal text, ``…`` standing for any text, backticks dropped."""
    text = message.strip().strip("`")
    return ".*".join(re.escape(part) for part in text.split("…"))


def test_every_documented_error_kind_is_tested():
    rows = documented_rows()
    kinds = [k for k, _, _ in rows]
    assert len(kinds) == len(set(kinds)) and len(kinds) >= 60
    cases = {c.kind: c for c in CASES}
    assert set(cases) | set(TEST_ERRORS_KINDS) == set(kinds)
    for kind, exc, message in rows:
        if kind in TEST_ERRORS_KINDS:
            assert callable(getattr(test_errors, TEST_ERRORS_KINDS[kind]))
            continue
        case = cases[kind]
        with pytest.raises(case.exc) as info:
            case.fn(0.3)
        assert exc == type(info.value).__name__, kind
        assert re.search(documented_pattern(message), str(info.value)), (kind, str(info.value))
