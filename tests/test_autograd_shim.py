"""The PennyLane-style array type (quantum_jax.numpy) and qml.grad / qml.jacobian (quantum_jax._autograd).

Circuits are replaced by plain JAX functions with known derivatives:

* seed 002's circuit, <Z> after RX(p0) RY(p1) on |0>, is cos(p0) cos(p1);
* seed 000's cost_fn is cos(p0) cos(p1) + cos(p2): tape2's probs(wires=0)[0] - probs(wires=0)[1] after
  RX(p2) is cos(p2), and x (RY on the other wire, before a CNOT) does not change it.
"""

import copy
import pickle
import warnings

import jax
import jax.numpy as jnp
import numpy as onp
import pytest

from quantum_jax import numpy as np
from quantum_jax._autograd import grad, jacobian

SEED002_GRAD = [-0.5104386525165021, -0.10267819945693196]
SEED000_GRAD = [-0.0978434, -0.19767681, -0.29552021]
SEED000_HESSIAN = [
    [-0.97517033, 0.01983384, 0.0],
    [0.01983384, -0.97517033, 0.0],
    [0.0, 0.0, -0.95533649],
]


def circuit(params):
    return jnp.cos(params[0]) * jnp.cos(params[1])


def circuit2(phi1, phi2):
    return jnp.cos(phi1) * jnp.cos(phi2)


def cost_fn(params, x):
    return jnp.cos(params[0]) * jnp.cos(params[1]) + jnp.cos(params[2]) + 0.0 * jnp.sin(x[0])


# ---------------------------------------------------------------------------------------------------
# quantum_jax.numpy


def test_x64_is_on_and_arrays_are_float64():
    assert jax.config.jax_enable_x64
    assert np.array([0.1]).dtype == onp.float64
    assert np.zeros(2).dtype == onp.float64
    assert jnp.asarray(np.array([0.1])).dtype == jnp.float64


def test_array_tensor_asarray_default_requires_grad_true():
    for make in (np.array, np.asarray, np.tensor):
        t = make([0.1, 0.2])
        assert isinstance(t, np.tensor) and isinstance(t, onp.ndarray)
        assert t.requires_grad is True
        assert make([0.1], requires_grad=False).requires_grad is False


def test_requires_grad_is_mutable_and_survives():
    x = np.array([0.5, 1.5], requires_grad=True)
    x.requires_grad = False
    assert x.requires_grad is False
    assert x[0].requires_grad is False and x[1:].requires_grad is False
    assert copy.deepcopy(x).requires_grad is False
    assert copy.copy(x).requires_grad is False
    restored = pickle.loads(pickle.dumps(x))
    assert restored.requires_grad is False and onp.array_equal(restored, x)
    x.requires_grad = True
    assert x.requires_grad is True and x[0].requires_grad is True


def test_printing_like_numpy():
    x = np.array([0.1, 0.2])
    assert repr(x) == "tensor([0.1, 0.2], requires_grad=True)"
    assert repr(np.array([0.1, 0.2], requires_grad=False)) == "tensor([0.1, 0.2], requires_grad=False)"
    assert str(x) == "[0.1 0.2]"
    assert repr(x[0]) == "tensor(0.1, requires_grad=True)"


def test_operations_return_tensors_with_pennylane_flags():
    a = np.array([1.0, 2.0])
    b = np.array([3.0, 4.0], requires_grad=False)
    for result in (a + b, a * 2.0, np.sin(a), a @ b, a.sum(), -a, np.sum(a), np.stack([a, b])):
        assert isinstance(result, np.tensor)
        assert result.requires_grad is True
    for result in (b + 1.0, np.cos(b), b.mean(), 2.0 * b):
        assert isinstance(result, np.tensor)
        assert result.requires_grad is False
    assert np.zeros(3).requires_grad is True
    assert np.zeros(3, requires_grad=False).requires_grad is False
    assert np.array(b).requires_grad is False  # inherited
    onp.testing.assert_allclose(np.sin(a), onp.sin([1.0, 2.0]))


def test_in_place_arithmetic_keeps_the_object_and_its_flag():
    t = np.array([1.0, 2.0], requires_grad=False)
    alias = t
    t += 1.0
    t *= np.array([2.0, 2.0])
    assert t is alias and t.requires_grad is False
    onp.testing.assert_allclose(t, [4.0, 6.0])


def test_jax_numpy_names_submodules_and_random():
    assert np.pi == onp.pi
    vals, vecs = np.linalg.eigh(np.array([[2.0, 0.0], [0.0, 1.0]]))
    assert isinstance(vals, np.tensor) and isinstance(vecs, np.tensor)
    onp.testing.assert_allclose(vals, [1.0, 2.0])
    outer = np.add.outer(np.array([1.0, 2.0]), np.array([10.0]))
    assert isinstance(outer, np.tensor) and outer.shape == (2, 1)
    r = np.random.uniform(size=3, requires_grad=False)
    assert isinstance(r, np.tensor) and r.shape == (3,) and r.requires_grad is False
    with pytest.raises(AttributeError, match="no_such_function"):
        np.no_such_function  # noqa: B018


def test_names_work_on_tracers_inside_jit_and_grad():
    seen = {}

    def f(p):
        row = np.array([p[0], 1.0])
        whole = np.array(p)
        also = np.asarray(p, requires_grad=False)
        t = np.tensor(p)
        values = (row, whole, also, t, np.sin(p), p * np.array([1.0, 2.0]), np.array([1.0, 2.0]) * p)
        seen["is_jax"] = [isinstance(v, jax.Array) and not isinstance(v, onp.ndarray) for v in values]
        return np.sum(np.sin(whole) * row) + np.sum(also * t)

    p = jnp.array([0.3, 0.7])
    value = jax.jit(f)(p)
    assert all(seen["is_jax"])
    onp.testing.assert_allclose(value, onp.sin(0.3) * 0.3 + onp.sin(0.7) + 0.3**2 + 0.7**2)
    g = jax.grad(f)(p)
    onp.testing.assert_allclose(g, [onp.cos(0.3) * 0.3 + onp.sin(0.3) + 0.6, onp.cos(0.7) + 1.4])


def test_tensor_mixes_with_jax_arrays():
    t = np.array([1.0, 2.0])
    assert isinstance(t * jnp.array([2.0, 3.0]), jax.Array)
    assert isinstance(jnp.array([2.0, 3.0]) * t, jax.Array)
    onp.testing.assert_allclose(jax.jit(lambda a: a * 2)(t), [2.0, 4.0])


# ---------------------------------------------------------------------------------------------------
# grad: seed 002


def test_seed002_argnum_0_on_a_list():
    dcircuit = grad(circuit, argnum=0)
    result = dcircuit([0.54, 0.12])
    assert isinstance(result, onp.ndarray) and result.shape == (2,) and result.dtype == onp.float64
    onp.testing.assert_allclose(result, SEED002_GRAD, rtol=0, atol=1e-8)


def test_seed002_argnum_list_on_two_scalars():
    dcircuit2 = grad(circuit2, argnum=[0, 1])
    result = dcircuit2(0.54, 0.12)
    assert isinstance(result, tuple) and len(result) == 2
    assert all(isinstance(r, onp.ndarray) and r.shape == () for r in result)
    onp.testing.assert_allclose(result, SEED002_GRAD, rtol=0, atol=1e-8)
    assert repr(result) == "(array(-0.51043865), array(-0.1026782))"


def test_argnum_int_selects_one_argument():
    onp.testing.assert_allclose(grad(circuit2, argnum=1)(0.54, 0.12), SEED002_GRAD[1], atol=1e-12)
    onp.testing.assert_allclose(grad(circuit2, argnum=-2)(0.54, 0.12), SEED002_GRAD[0], atol=1e-12)


def test_argnum_one_element_list_gives_a_tuple():
    result = grad(circuit2, argnum=[1])(0.54, 0.12)
    assert isinstance(result, tuple) and len(result) == 1


def test_argnum_differentiates_untrainable_tensors_and_integers():
    x = np.array([0.54, 0.12], requires_grad=False)
    onp.testing.assert_allclose(grad(circuit, argnum=0)(x), SEED002_GRAD, atol=1e-12)
    onp.testing.assert_allclose(grad(lambda n: n**2, argnum=0)(3), 6.0)


# ---------------------------------------------------------------------------------------------------
# grad: argnum=None and trainability


def test_seed000_gradient_of_both_trainable_arguments():
    params = np.array([0.1, 0.2, 0.3], requires_grad=True)
    x = np.array([0.5], requires_grad=True)
    onp.testing.assert_allclose(cost_fn(params, x), 1.930506816327422, atol=1e-12)
    dparams, dx = grad(cost_fn)(params, x)
    onp.testing.assert_allclose(dparams, SEED000_GRAD, atol=1e-8)
    onp.testing.assert_allclose(dx, [0.0], atol=1e-12)
    assert type(dparams) is onp.ndarray and dx.shape == (1,)


def test_toggling_requires_grad_changes_what_is_differentiated():
    params = np.array([0.1, 0.2, 0.3])
    x = np.array([0.5])
    assert isinstance(grad(cost_fn)(params, x), tuple)
    x.requires_grad = False
    result = grad(cost_fn)(params, x)
    assert isinstance(result, onp.ndarray) and result.shape == (3,)
    params.requires_grad = False
    x.requires_grad = True
    result = grad(cost_fn)(params, x)
    assert result.shape == (1,)


def test_argnum_none_jax_arrays_trainable_python_values_and_numpy_arrays_not():
    def f(a, b, c, d):
        return jnp.sum(a * b) + jnp.sum(c * d)

    result = grad(f)(jnp.array([1.0, 2.0]), 3.0, onp.array([4.0]), [5.0])
    onp.testing.assert_allclose(result, [3.0, 3.0])


def test_nothing_trainable_warns_and_returns_empty_tuple():
    dcircuit2 = grad(circuit2)
    with pytest.warns(UserWarning, match="nothing to differentiate"):
        assert dcircuit2(0.54, 0.12) == ()
    onp.testing.assert_allclose(dcircuit2.forward, onp.cos(0.54) * onp.cos(0.12))
    with pytest.warns(UserWarning, match="circuit"):
        assert grad(circuit)(np.array([0.5, 0.1], requires_grad=False)) == ()
    with pytest.warns(UserWarning, match="nothing to differentiate"):
        assert jacobian(circuit)([0.5, 0.1]) == ()


def test_keyword_arguments_are_passed_but_never_differentiated():
    def f(p, scale=1.0, shift=None):
        return scale * jnp.cos(p[0]) * jnp.cos(p[1]) + shift[0]

    scale = np.array(2.0, requires_grad=True)
    shift = np.array([1.0], requires_grad=True)
    result = grad(f)(np.array([0.54, 0.12]), scale=scale, shift=shift)
    assert isinstance(result, onp.ndarray)
    onp.testing.assert_allclose(result, 2 * onp.array(SEED002_GRAD), atol=1e-8)
    with pytest.warns(UserWarning):
        assert grad(f)([0.54, 0.12], scale=scale, shift=shift) == ()


def test_forward_value_is_recorded():
    g = grad(circuit)
    g(np.array([0.54, 0.12]))
    onp.testing.assert_allclose(g.forward, onp.cos(0.54) * onp.cos(0.12))


def test_size_one_output_is_accepted_like_autograd():
    result = grad(lambda p: jnp.sin(p) * 2.0)(np.array([0.3]))
    onp.testing.assert_allclose(result, [2 * onp.cos(0.3)])


def test_func_sees_jax_arrays_and_inputs_are_not_mutated():
    seen = []

    def f(p, x, data, scale=None):
        seen.extend(isinstance(v, jax.Array) and not isinstance(v, onp.ndarray) for v in (p, x, scale))
        return jnp.sum(p**2) * x[0] * scale + data[0]

    params = np.array([0.1, 0.2, 0.3])
    x = np.array([0.5], requires_grad=False)
    scale = np.array(2.0, requires_grad=False)
    data = [1.0, 2.0]
    before = (params.copy(), x.copy(), list(data))
    grad(f)(params, x, data, scale=scale)
    jacobian(grad(f))(params, x, data, scale=scale)
    assert len(seen) == 6 and all(seen)
    onp.testing.assert_array_equal(params, before[0])
    onp.testing.assert_array_equal(x, before[1])
    assert data == before[2]
    assert isinstance(params, np.tensor) and params.requires_grad is True
    assert x.requires_grad is False and scale.requires_grad is False


# ---------------------------------------------------------------------------------------------------
# jacobian, nesting and JAX transformations


def test_seed000_hessian_with_x_untrainable():
    params = np.array([0.1, 0.2, 0.3], requires_grad=True)
    x = np.array([0.5], requires_grad=True)
    x.requires_grad = False
    hessian = jacobian(grad(cost_fn))(params, x)
    assert isinstance(hessian, onp.ndarray) and hessian.shape == (3, 3)
    onp.testing.assert_allclose(hessian, SEED000_HESSIAN, atol=1e-8)


def test_hessian_of_known_function():
    def f(p):  # f = p0^2 p1 + sin(p2): Hessian [[2 p1, 2 p0, 0], [2 p0, 0, 0], [0, 0, -sin p2]]
        return p[0] ** 2 * p[1] + jnp.sin(p[2])

    p = np.array([1.5, -0.5, 0.25])
    expected = [[-1.0, 3.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, -onp.sin(0.25)]]
    onp.testing.assert_allclose(jacobian(grad(f))(p), expected, atol=1e-12)
    onp.testing.assert_allclose(jacobian(jacobian(f))(p), expected, atol=1e-12)
    onp.testing.assert_allclose(grad(grad(jnp.sin))(0.3 * jnp.ones(())), -onp.sin(0.3))


def test_jacobian_shapes_follow_output_then_argument():
    def f(p):  # (3,) -> (2,)
        return jnp.stack([p[0] * p[1], jnp.sum(p**2)])

    p = np.array([1.0, 2.0, 3.0])
    jac = jacobian(f)(p)
    assert jac.shape == (2, 3)
    onp.testing.assert_allclose(jac, [[2.0, 1.0, 0.0], [2.0, 4.0, 6.0]])

    def g(m, v):  # (2, 2), (3,) -> (3, 2)
        return jnp.outer(v, jnp.sum(m, axis=0))

    m = np.array([[1.0, 2.0], [3.0, 4.0]])
    v = np.array([1.0, 2.0, 3.0])
    jm, jv = jacobian(g)(m, v)
    assert jm.shape == (3, 2, 2, 2) and jv.shape == (3, 2, 3)
    onp.testing.assert_allclose(jv[:, 0, :], 4.0 * onp.eye(3))
    onp.testing.assert_allclose(jm[2, 1], [[0.0, 3.0], [0.0, 3.0]])
    assert jacobian(g, argnum=1)(m, v).shape == (3, 2, 3)
    assert jacobian(circuit)(np.array([0.54, 0.12])).shape == (2,)


def test_grad_under_jit_of_an_outer_function():
    @jax.jit
    def outer(p):
        return grad(circuit)(p) * 2.0

    result = outer(jnp.array([0.54, 0.12]))
    assert isinstance(result, jax.Array)
    onp.testing.assert_allclose(result, 2 * onp.array(SEED002_GRAD), atol=1e-8)
    onp.testing.assert_allclose(outer(np.array([0.54, 0.12])), 2 * onp.array(SEED002_GRAD), atol=1e-8)

    @jax.jit
    def step(p, x):
        return p - 0.1 * grad(cost_fn, argnum=0)(p, x)

    new = step(jnp.array([0.1, 0.2, 0.3]), jnp.array([0.5]))
    onp.testing.assert_allclose(new, onp.array([0.1, 0.2, 0.3]) - 0.1 * onp.array(SEED000_GRAD), atol=1e-8)


def test_grad_under_vmap_and_jax_grad():
    batch = jnp.array([[0.54, 0.12], [0.0, 0.0]])
    result = jax.vmap(grad(circuit))(batch)
    onp.testing.assert_allclose(result, [SEED002_GRAD, [0.0, 0.0]], atol=1e-8)
    hessian = jax.jacobian(grad(circuit))(jnp.array([0.54, 0.12]))
    assert hessian.shape == (2, 2)


# ---------------------------------------------------------------------------------------------------
# errors


def test_grad_of_non_scalar_output_names_the_shape():
    with pytest.raises(TypeError, match=r"shape \(2,\).*jacobian"):
        grad(lambda p: jnp.sin(p))(np.array([0.1, 0.2]))
    with pytest.raises(TypeError, match="tuple"):
        grad(lambda p: (p[0], p[1]))(np.array([0.1, 0.2]))


def test_argnum_out_of_range():
    with pytest.raises(ValueError, match=r"argnum=2 is out of range: circuit2 was called with 2 positional"):
        grad(circuit2, argnum=2)(0.54, 0.12)
    with pytest.raises(ValueError, match=r"argnum=\[0, 3\].*2 positional arguments"):
        jacobian(circuit2, argnum=[0, 3])(0.54, 0.12)
    with pytest.raises(ValueError, match=r"argnum=1 .*1 positional argument\b"):
        grad(circuit, argnum=1)([0.54, 0.12])


def test_argnum_of_wrong_type():
    with pytest.raises(TypeError, match=r"argnum='0'.*2 positional arguments"):
        grad(circuit2, argnum="0")(0.54, 0.12)
    with pytest.raises(TypeError, match=r"argnum=1.0"):
        jacobian(circuit2, argnum=1.0)(0.54, 0.12)
    with pytest.raises(TypeError, match=r"argnum=True"):
        grad(circuit2, argnum=True)(0.54, 0.12)
    with pytest.raises(TypeError, match=r"argnum=\[0, None\]"):
        grad(circuit2, argnum=[0, None])(0.54, 0.12)


def test_argnum_repeated_and_undifferentiable_argument():
    with pytest.raises(ValueError, match="twice"):
        grad(circuit2, argnum=[0, -2])(0.54, 0.12)
    with pytest.raises(TypeError, match="positional argument 0"):
        grad(lambda s: 1.0, argnum=0)("text")


def test_no_warning_when_something_is_trainable():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad(circuit)(np.array([0.54, 0.12]))
