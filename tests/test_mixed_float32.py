"""Single precision on ``default.mixed``: float32 parameters simulate in complex64, float32 results.

The suite runs with ``jax_enable_x64`` on (conftest): the precision must follow the parameters' dtypes.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import reference as ref

import quantum_jax as qml

TOL32 = 2e-5


def test_noisy_circuit_in_single_precision() -> None:
    dev = qml.device("default.mixed", wires=2)
    f32 = np.float32

    @qml.qnode(dev, interface="jax")
    def circuit(x: Any) -> Any:
        qml.RX(x[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.DepolarizingChannel(f32(0.1), wires=1)
        qml.ThermalRelaxationError(f32(0.2), f32(1.0), f32(1.5), f32(0.3), wires=0)
        qml.RY(x[1], wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1)), qml.density_matrix(wires=[0, 1])

    x = jnp.asarray([0.7, -0.4], jnp.float32)
    zz, rho = circuit(x)
    assert zz.dtype == jnp.float32 and rho.dtype == jnp.complex64
    ops = [
        ref.Op("RX", (0.7,), (0,)),
        ref.Op("CNOT", (), (0, 1)),
        ref.Op("DepolarizingChannel", (0.1,), (1,)),
        ref.Op("ThermalRelaxationError", (0.2, 1.0, 1.5, 0.3), (0,)),
        ref.Op("RY", (-0.4,), (1,)),
    ]
    expected = ref.run_mixed(ops, 2)
    np.testing.assert_allclose(np.asarray(rho), expected, atol=TOL32, rtol=0)
    zz_ref = ref.expval_rho(expected, ("Tensor", [("PauliZ", (0,)), ("PauliZ", (1,))]), 2)
    assert abs(float(zz) - zz_ref) < TOL32
    grad = jax.grad(lambda x: circuit(x)[0])(x)
    assert grad.dtype == jnp.float32
