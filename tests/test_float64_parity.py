"""Float64 parity with PennyLane when JAX's x64 mode starts OFF (each case in a fresh interpreter).

PennyLane computes in float64; PennyLane-style calls given float64 data must too, and return the
closed-form values to 1e-12. JAX-interface calls follow JAX's setting and warn once before computing
float64 input in float32.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

X, Y = 0.123456789012345, 0.3


def run_fresh(body: str) -> dict:
    """Run ``body`` in a new interpreter with x64 off; it prints one JSON object, returned here."""
    script = "import json, warnings\nimport numpy as np\nimport jax\nassert not jax.config.jax_enable_x64\n"
    script += "import quantum_jax as qml\n" + textwrap.dedent(body)
    env = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


EXPECTED = float(np.cos(X) * np.cos(Y))


@pytest.mark.parametrize("interface", ["autograd", "numpy", "auto"])
def test_execute_with_numpy_float64_parameters_computes_in_float64(interface):
    got = run_fresh(f"""
        dev = qml.device("default.qubit", wires=1)
        ops = [qml.RX(np.float64({X!r}), wires=0), qml.RY(np.array({Y!r}), wires=0)]
        tape = qml.tape.Tape(ops, [qml.expval(qml.PauliZ(0))])
        (res,) = qml.execute([tape], dev, None, interface={interface!r})
        x64 = jax.config.jax_enable_x64
        print(json.dumps({{"value": float(res[0]), "dtype": str(res.dtype), "x64": x64}}))
    """)
    assert got["dtype"] == "float64" and got["x64"] is True
    assert got["value"] == pytest.approx(EXPECTED, abs=1e-12)


@pytest.mark.parametrize(
    ("interface", "arg"), [("auto", "X"), ("autograd", "np.float64(X)"), ("auto", "np.array(X)")]
)
def test_pennylane_style_qnode_computes_in_float64(interface, arg):
    got = run_fresh(f"""
        X, Y = {X!r}, {Y!r}
        dev = qml.device("default.qubit", wires=1)

        @qml.qnode(dev, interface={interface!r})
        def circuit(x):
            qml.RX(x, wires=0)
            qml.RY(Y, wires=0)
            return qml.expval(qml.PauliZ(0))

        value = circuit({arg})
        print(json.dumps({{"value": float(value), "dtype": str(np.asarray(value).dtype)}}))
    """)
    assert got["dtype"] == "float64"
    assert got["value"] == pytest.approx(EXPECTED, abs=1e-12)


def test_jax_interface_follows_x64_and_warns_once_before_downcasting():
    got = run_fresh(f"""
        dev = qml.device("default.qubit", wires=1)

        @qml.qnode(dev, interface="jax")
        def circuit(x):
            qml.RX(x, wires=0)
            return qml.expval(qml.PauliZ(0))

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            first = circuit(np.float64({X!r}))
            second = circuit(np.float64({Y!r}))
        messages = [str(w.message) for w in caught]
        print(json.dumps({{"dtype": str(first.dtype), "x64": jax.config.jax_enable_x64, "messages": messages,
                           "second": float(second)}}))
    """)
    assert got["dtype"] == "float32" and got["x64"] is False
    assert len(got["messages"]) == 1
    assert "float64 input is computed in float32 because JAX's x64 mode is off" in got["messages"][0]
    assert got["second"] == pytest.approx(np.cos(Y), abs=1e-6)


def test_float32_input_to_a_jax_interface_qnode_does_not_warn():
    got = run_fresh("""
        dev = qml.device("default.qubit", wires=1)

        @qml.qnode(dev, interface="jax")
        def circuit(x):
            qml.RX(x, wires=0)
            return qml.expval(qml.PauliZ(0))

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            circuit(np.float32(0.3))
        print(json.dumps({"count": len(caught), "x64": jax.config.jax_enable_x64}))
    """)
    assert got == {"count": 0, "x64": False}
