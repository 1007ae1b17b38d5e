"""Gradient transforms in PennyLane's form: ``transform(tape) -> (tapes, fn)``, and on QNodes.

Run the returned tapes with :func:`execute` (any ``gradient_fn``) and pass the results to ``fn`` to get
the Jacobian (or Hessian) of the tape's result with respect to its trainable parameters. The same
objects are accepted as ``execute(..., gradient_fn=param_shift)``, where the rules run inside JAX's
differentiation instead.

Applied to a QNode, ``transform(qnode)(*args)`` is the Jacobian (Hessian) of the QNode with respect to
its trainable arguments, in PennyLane's layout: per measurement (a tuple when there are several), per
argument (a tuple when there are several), an array of shape ``(*measurement shape, *argument shape)``.
Transforms with a rule inside JAX (``param_shift``, ``finite_diff``, ``param_shift_hessian``) are
``jax.jacobian`` (``jax.hessian``) of the QNode run with that rule; the others (``spsa_grad``,
``hadamard_grad``) run their tapes and chain the result with the Jacobian of the QNode's classical
processing (arguments to gate parameters), as PennyLane does.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _recording
from ._hermitian import Hermitian
from ._measurements import ExpectationMP, MeasurementProcess, ProbabilityMP, VarianceMP
from ._methods import (
    FiniteDiff,
    ParamShift,
    fallback_recipe,
    finite_diff_recipe,
    finite_diff_step,
    leaf_recipes,
    method_from_kwargs,
)
from ._operation import Operation
from ._precision import match_call
from ._shift_rules import Recipe, second_derivative_rule
from ._tape import Tape
from ._tape_transforms import TapeTransform, TransformedQNode, run_like_qnode, to_numpy, wants_numpy

Shift = tuple[tuple[int, float, float], ...]  # (parameter index, multiplier, shift) per shifted parameter
PostProcess = Callable[[Sequence[Any]], jax.Array]


def _flat(result: Any) -> jax.Array:
    """One tape's result as a flat vector: an ``execute`` array, or a tuple of measurement values."""
    if isinstance(result, (tuple, list)):
        parts = [jnp.ravel(jnp.asarray(r)) for r in result]
        return jnp.concatenate(parts) if parts else jnp.zeros((0,))
    return jnp.ravel(jnp.asarray(result))


def _trainable(tape: Tape, argnum: Any) -> list[int]:
    params = tape.get_parameters()
    scalar = [
        i
        for i, p in enumerate(params)
        if jnp.ndim(p) == 0 and jnp.issubdtype(jnp.result_type(p), jnp.floating)
    ]
    if argnum is None:
        return scalar
    idx = [argnum] if isinstance(argnum, int) else list(argnum)
    for i in idx:
        if i not in scalar:
            raise ValueError(
                f"argnum: parameter {i} is not a real scalar parameter of the tape "
                f"(it has {len(params)} parameters; real scalars are {scalar})."
            )
    return idx


def _squared(obs: Any) -> Any:
    """``A^2`` as an observable, or ``None`` when ``A`` is involutory (``A^2 = I``)."""
    if obs.is_involutory:
        return None
    if obs.terms()[0] is not None:
        raise ValueError(
            "the variance of a Hamiltonian has no tape-transform gradient here; differentiate it with "
            "jax.grad through execute/qnode instead."
        )
    if len(obs.factors()) > 1:
        raise ValueError(f"variance gradient: cannot square the observable {obs!r}; use jax.grad.")
    with _recording.paused():
        mat = obs.matrix()
        return Hermitian(mat @ mat, wires=obs.wires)


class _Linearized:
    """A tape's measurements rewritten as linear ones (``var(A)`` -> ``expval(A)``, ``expval(A^2)``)."""

    def __init__(self, tape: Tape) -> None:
        ms: list[Any] = []
        extra: list[Any] = []
        self.var_index: list[tuple[int, int | None]] = []  # (measurement index, extra index or None)
        with _recording.paused():
            for k, m in enumerate(tape.measurements):
                if isinstance(m, VarianceMP):
                    sq = _squared(m.obs)
                    ms.append(ExpectationMP(m.obs))
                    if sq is not None:
                        extra.append(ExpectationMP(sq))
                    self.var_index.append((k, None if sq is None else len(extra) - 1))
                elif isinstance(m, (ExpectationMP, ProbabilityMP)):
                    ms.append(m)
                else:
                    raise ValueError(
                        f"{type(m).__name__} cannot be differentiated by a gradient transform; "
                        "use diff_method='backprop'."
                    )
        self.n_extra = len(extra)
        self.tape = Tape(tape.operations, tuple(ms + extra))
        self.original = tape

    def sizes(self, total: int) -> list[int]:
        """Flat size of each original measurement, given the flat size of a linearized result."""
        total -= self.n_extra
        known = [None if _device_sized(m) else int(np.prod(m.shape(0))) for m in self.original.measurements]
        unknown = known.count(None)
        if unknown:
            each = (total - sum(k for k in known if k is not None)) // unknown
            known = [each if k is None else k for k in known]
        return known  # type: ignore[return-value]


def _jacobian(
    tape: Tape, terms_per_param: list[Recipe], trainable: list[int]
) -> tuple[list[Tape], PostProcess]:
    lin = _Linearized(tape)
    base = lin.tape
    params = base.get_parameters()
    tapes: list[Tape] = [base]
    index: dict[Shift, int] = {(): 0}
    plan: list[list[tuple[float, int]]] = []
    for p, recipe in zip(trainable, terms_per_param, strict=True):
        row = []
        for c, a, s in recipe:
            key: Shift = () if (a == 1.0 and s == 0.0) else ((p, a, s),)
            if key not in index:
                new = list(params)
                new[p] = a * params[p] + s
                index[key] = len(tapes)
                tapes.append(base.with_parameters(new))
            row.append((c, index[key]))
        plan.append(row)
    needs_base = bool(lin.var_index) or any(i == 0 for row in plan for _, i in row)
    if not needs_base:
        tapes = tapes[1:]
        plan = [[(c, i - 1) for c, i in row] for row in plan]

    def fn(results: Sequence[Any]) -> jax.Array:
        flat = [_flat(r) for r in results]
        jac = jnp.stack([sum(c * flat[i] for c, i in row) for row in plan], axis=-1) if plan else None
        if jac is None:
            return jnp.zeros((0,))
        if lin.var_index:
            value = flat[0]
            sizes = lin.sizes(value.shape[0])
            starts = np.cumsum([0, *sizes])
            n_orig = int(starts[-1])
            for k, extra in lin.var_index:
                q = int(starts[k])
                d_sq = 0.0 if extra is None else jac[n_orig + extra]
                jac = jac.at[q].set(d_sq - 2 * value[q] * jac[q])
            jac = jac[:n_orig]
        else:
            jac = jac[: jac.shape[0] - lin.n_extra] if lin.n_extra else jac
        return _reshape(jac, tape, len(trainable))

    return tapes, fn


def _device_sized(m: Any) -> bool:
    """Whether ``m``'s result size depends on the device (``probs()`` of all its wires)."""
    return isinstance(m, ProbabilityMP) and not m.measured_wires


def _reshape(flat: jax.Array, tape: Tape, *n: int) -> jax.Array:
    """``flat``'s leading axis split per measurement, when they share a shape known without a device."""
    shapes = {m.shape(0) for m in tape.measurements}
    if len(shapes) == 1 and not any(_device_sized(m) for m in tape.measurements):
        return jnp.reshape(flat, (len(tape.measurements), *next(iter(shapes)), *n))
    return flat


class GradientTransform(TapeTransform):
    """A gradient transform: on a tape ``(tapes, fn)``, on a QNode its Jacobian function.

    A :class:`~quantum_jax.transforms.TapeTransform` (tapes, QNodes and the decorator form alike) whose
    QNode form is the Jacobian function rather than a transformed QNode.

    Args:
        fn: the tape-level function ``fn(tape, **options) -> (tapes, fn)``.
        method_kind: the differentiation method with the same rule inside JAX (``"param_shift"``,
            ``"finite_diff"``), which also makes it usable as ``execute``'s ``gradient_fn``; ``None``
            for a transform that only runs its tapes.
        order: 1 for a Jacobian, 2 for a Hessian.
        device_options: for the QNode form, the options a device implies (``device_wires``).

    Example:
        >>> import quantum_jax as qml
        >>> @qml.qnode(qml.device("default.qubit", wires=1))
        ... def circuit(x):
        ...     qml.RX(2 * x, wires=0)
        ...     return qml.expval(qml.PauliZ(0))
        >>> round(float(qml.gradients.param_shift(circuit)(0.25)), 6)  # -2 sin(2x)
        -0.958851
    """

    _purpose = "differentiate"
    _kind = "gradient transform"

    def __init__(
        self,
        fn: Callable[..., tuple[list[Tape], PostProcess]],
        method_kind: str | None,
        order: int = 1,
        device_options: Callable[[Any], dict[str, Any]] | None = None,
    ) -> None:
        """Wrap ``fn``; see the class documentation."""
        super().__init__(fn)
        self.method_kind = method_kind
        self.order = order
        self.device_options = device_options

    def _on_qnode(self, qnode: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The QNode's Jacobian function (the gradient's options by keyword only)."""
        if args:
            raise TypeError(
                f"{self.__name__}: pass the options of a QNode's gradient by keyword, got {args!r}."
            )
        return _qnode_gradient(self, qnode, kwargs)


def _param_shift(
    tape: Tape,
    argnum: int | Sequence[int] | None = None,
    shifts: float | None = None,
    gradient_recipes: Any = None,
    fallback_h: float = 1e-6,
) -> tuple[list[Tape], PostProcess]:
    """Parameter-shift Jacobian tapes of ``tape``.

    Each trainable parameter is shifted by its gate's rule (two terms at +-pi/2 for a single frequency,
    four for controlled rotations, ``2R`` terms for ``R`` equidistant frequencies).

    Args:
        tape: the tape to differentiate.
        argnum: indices of the tape parameters to differentiate (default: every real scalar).
        shifts: the shift of every two-term rule (default pi/2).
        gradient_recipes: per parameter index, a custom recipe of ``(coefficient, multiplier, shift)``.
        fallback_h: central-difference step for parameters with no rule.

    Returns:
        ``(tapes, fn)``: ``fn(execute(tapes, dev, None))`` has shape ``(*result shape, len(argnum))``.

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=1)
        >>> tape = qml.tape.Tape([qml.RX(0.5, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> tapes, fn = qml.gradients.param_shift(tape)
        >>> len(tapes), round(float(fn(qml.execute(tapes, dev, None))[0, 0]), 6)
        (2, -0.479426)
    """
    method = method_from_kwargs(
        "param_shift",
        {
            k: v
            for k, v in dict(shifts=shifts, gradient_recipes=gradient_recipes, fallback_h=fallback_h).items()
            if v is not None
        },
    )
    assert isinstance(method, ParamShift)
    trainable = _trainable(tape, argnum)
    recipes = leaf_recipes(method, tape.canonical())
    terms = [
        r if (r := recipes[p]) is not None else fallback_recipe(method, f"tape parameter {p}")
        for p in trainable
    ]
    return _jacobian(tape.canonical(), terms, trainable)


def _finite_diff(
    tape: Tape,
    argnum: int | Sequence[int] | None = None,
    h: float | None = None,
    approx_order: int = 1,
    strategy: str = "forward",
) -> tuple[list[Tape], PostProcess]:
    """Finite-difference Jacobian tapes of ``tape``.

    Args:
        tape: the tape to differentiate.
        argnum: indices of the tape parameters to differentiate (default: every real scalar).
        h: the step; ``None`` picks it per parameter from its precision: 1e-7 for float64
            (PennyLane's default), ``eps ** (1 / (approx_order + 1))`` for float32.
        approx_order: the order of the truncation error.
        strategy: ``"forward"``, ``"backward"`` or ``"center"``.

    Returns:
        ``(tapes, fn)`` as for :func:`param_shift`; the unshifted tape is shared by all parameters.

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=1)
        >>> tape = qml.tape.Tape([qml.RX(0.5, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> tapes, fn = qml.gradients.finite_diff(tape, h=1e-6, approx_order=2, strategy="center")
        >>> round(float(fn(qml.execute(tapes, dev, None))[0, 0]), 6)
        -0.479426
    """
    FiniteDiff(h, approx_order, strategy)  # validates
    trainable = _trainable(tape, argnum)
    params = tape.get_parameters()
    steps = [finite_diff_step(h, approx_order, params[p]) for p in trainable]
    recipes = [finite_diff_recipe(step, approx_order, strategy) for step in steps]
    return _jacobian(tape.canonical(), recipes, trainable)


def _param_shift_hessian(
    tape: Tape, argnum: int | Sequence[int] | None = None
) -> tuple[list[Tape], PostProcess]:
    """Parameter-shift Hessian tapes of ``tape``, with shared evaluations.

    Diagonal entries use the second-derivative rule (for a single frequency: shifts of +pi and the
    unshifted circuit); off-diagonal entries the product of two first-order rules (+-pi/2 pairs), upper
    triangle only; the unshifted circuit runs once. For ``N`` two-term parameters that is
    ``1 + N + 2N(N-1)`` circuits.

    Args:
        tape: a tape of expval and probs measurements.
        argnum: indices of the tape parameters (default: every real scalar).

    Returns:
        ``(tapes, fn)``; ``fn(results)`` has shape ``(*result shape, N, N)``.

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=1)
        >>> tape = qml.tape.Tape([qml.RX(0.5, wires=0), qml.RY(0.3, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> tapes, fn = qml.gradients.param_shift_hessian(tape)
        >>> len(tapes)
        7
    """
    tape = tape.canonical()
    for m in tape.measurements:
        if not isinstance(m, (ExpectationMP, ProbabilityMP)):
            raise ValueError(
                f"param_shift_hessian supports expval and probs, got {type(m).__name__}; "
                "use jax.hessian through execute/qnode."
            )
    trainable = _trainable(tape, argnum)
    plan, tapes = _hessian_plan(tape, trainable)
    n = len(trainable)

    def fn(results: Sequence[Any]) -> jax.Array:
        flat = [_flat(r) for r in results]
        hess = jnp.zeros((flat[0].shape[0], n, n), flat[0].dtype)
        for (a, b), row in plan.items():
            val = sum(c * flat[i] for c, i in row)
            hess = hess.at[:, a, b].set(val).at[:, b, a].set(val)
        return _reshape(hess, tape, n, n)

    return tapes, fn


def _hessian_plan(
    tape: Tape, trainable: list[int]
) -> tuple[dict[tuple[int, int], list[tuple[float, int]]], list[Tape]]:
    """Per upper-triangle entry ``(a, b)``, its ``(coefficient, tape index)`` terms, and the tapes.

    Shifted tapes are shared between entries: a tape is keyed by its sorted nonzero shifts.
    """
    recipes = leaf_recipes(ParamShift(), tape)
    params = tape.get_parameters()
    freqs = [
        op.frequencies[j] if j < len(op.frequencies) else None
        for op in tape.operations
        for j in range(len(op.params))
    ]
    tapes: list[Tape] = []
    index: dict[Shift, int] = {}

    def tape_for(key: Shift) -> int:
        key = tuple(sorted(k for k in key if not (k[1] == 1.0 and k[2] == 0.0)))
        if key not in index:
            new = list(params)
            for p, a, s in key:
                new[p] = a * new[p] + s
            index[key] = len(tapes)
            tapes.append(tape.with_parameters(new))
        return index[key]

    plan: dict[tuple[int, int], list[tuple[float, int]]] = {}
    for a, p in enumerate(trainable):
        freq = freqs[p]
        if freq is None or recipes[p] is None:
            raise ValueError(f"param_shift_hessian: tape parameter {p} has no shift rule.")
        plan[(a, a)] = [(c, tape_for(((p, 1.0, s),))) for c, _, s in second_derivative_rule(tuple(freq))]
        for b in range(a + 1, len(trainable)):
            q = trainable[b]
            plan[(a, b)] = [
                (c1 * c2, tape_for(((p, 1.0, s1), (q, 1.0, s2))))
                for c1, _, s1 in recipes[p]  # type: ignore[union-attr]
                for c2, _, s2 in recipes[q]  # type: ignore[union-attr]
            ]
    return plan, tapes


# ---------------------------------------------------------------------------------------------------
# Gradient transforms applied to QNodes

_QNODE_METHOD = {"param_shift": "parameter-shift", "finite_diff": "finite-diff"}


def _is_shim_tensor(x: Any) -> bool:
    return isinstance(x, np.ndarray) and hasattr(x, "requires_grad")


def _positions(argnums: Any, args: tuple[Any, ...], name: str) -> tuple[list[int], bool]:
    """The QNode arguments to differentiate, and whether the result is per argument (not a tuple).

    ``argnums=None`` follows PennyLane: with ``quantum_jax.numpy`` tensors among the arguments, the
    trainable ones (``requires_grad=True``, or JAX arrays); otherwise the first argument, as JAX does.
    """
    n = len(args)
    if argnums is None:
        if any(_is_shim_tensor(a) for a in args):
            chosen = [
                i
                for i, a in enumerate(args)
                if (_is_shim_tensor(a) and a.requires_grad) or isinstance(a, jax.Array)
            ]
            if not chosen:
                raise ValueError(
                    f"{name}: no QNode argument is trainable (every tensor has requires_grad=False); "
                    "mark one trainable or pass argnums=."
                )
            return chosen, len(chosen) == 1
        if not n:
            raise ValueError(f"{name}: the QNode was called without positional arguments to differentiate.")
        return [0], True
    single = not isinstance(argnums, (list, tuple))
    wanted = [argnums] if single else list(argnums)
    for a in wanted:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or not -n <= a < n:
            raise ValueError(
                f"{name}: 'argnums' must name positional arguments of the QNode call (it got {n}), "
                f"got argnums={argnums!r}."
            )
    return [int(a) % n for a in wanted], single


def _differentiable(value: Any) -> jax.Array:
    array = jnp.asarray(value.view(np.ndarray) if _is_shim_tensor(value) else value)
    if not jnp.issubdtype(array.dtype, jnp.inexact):
        array = array.astype(jnp.result_type(float))
    return array


def _stopped(x: Any) -> Any:
    return jax.lax.stop_gradient(x) if isinstance(x, jax.core.Tracer) else x


def _shallow_structure(op: Operation) -> Any:
    """``op``'s pytree structure with its parameters as the leaves (whatever each parameter holds)."""

    def is_parameter(x: Any) -> bool:
        return x is not op

    return jax.tree_util.tree_structure(op, is_leaf=is_parameter)


def _masked(func: Callable[..., Any], keep: set[int], name: str) -> Callable[..., Any]:
    """``func`` recording its gates with only the parameters ``keep`` (tape order) differentiable.

    Every other gate parameter, and the observables' data, are constants of the derivative.
    """

    @functools.wraps(func)
    def masked(*args: Any, **kwargs: Any) -> Any:
        with _recording.recording() as items:
            out = func(*args, **kwargs)
        replaced: dict[int, Any] = {}
        index = 0
        for item in items:
            if isinstance(item, Operation):
                shallow = _shallow_structure(item)
                params = [
                    p if index + j in keep else jax.tree_util.tree_map(_stopped, p)
                    for j, p in enumerate(item.params)
                ]
                index += len(item.params)
                item = jax.tree_util.tree_unflatten(shallow, params)
            elif isinstance(item, MeasurementProcess):
                replaced[id(item)] = item = jax.tree_util.tree_map(_stopped, item)
            _recording.record(item)
        if out_of_range := sorted(i for i in keep if not 0 <= i < index):
            raise ValueError(
                f"{name}: 'argnum' {out_of_range} are not tape parameters (the tape has {index}, "
                f"indexed 0..{index - 1})."
            )
        if isinstance(out, (list, tuple)):
            return type(out)(replaced.get(id(m), m) for m in out)
        return replaced.get(id(out), out)

    return masked


def _with_method(obj: Any, kind: str, options: dict[str, Any], argnum: Any, name: str) -> Any:
    """A copy of the QNode differentiated by ``kind``, with ``argnum`` gate parameters only."""
    method = method_from_kwargs(kind, options)
    keep = None if argnum is None else {int(argnum)} if isinstance(argnum, (int, np.integer)) else set(argnum)

    def change(q: Any) -> Any:
        new = copy.copy(q)
        new.diff_method = _QNODE_METHOD[kind]
        new.gradient_kwargs = dict(options)
        new.method = method
        new.max_diff = None
        if keep is not None:
            new.func = _masked(q.func, keep, name)
        return new

    return obj.map_base(change) if isinstance(obj, TransformedQNode) else change(obj)


def _pick(per_arg: Any, single: bool, order: int) -> Any:
    """One output's derivatives in PennyLane's layout (Hessians: each argument's own block)."""
    if order == 2:
        per_arg = tuple(per_arg[i][i] for i in range(len(per_arg)))
    return per_arg[0] if single else tuple(per_arg)


def _replaced(args: tuple[Any, ...], positions: list[int], values: Sequence[Any]) -> list[Any]:
    full = list(args)
    for p, v in zip(positions, values, strict=True):
        full[p] = v
    return full


def _qnode_gradient(transform: GradientTransform, obj: Any, options: dict[str, Any]) -> Callable[..., Any]:
    """The function ``(*args, **kwargs) ->`` the QNode's Jacobian (Hessian) with respect to its arguments."""
    options = dict(options)
    argnums = options.pop("argnums", None)
    argnum = options.pop("argnum", None)
    name = transform.__name__
    if transform.method_kind is None:
        return _by_tapes(transform, obj, options, argnums, argnum)
    runner = _with_method(obj, transform.method_kind, options, argnum, name)
    differentiate = jax.jacobian if transform.order == 1 else jax.hessian

    @functools.wraps(obj.func)
    def derivative(*args: Any, **kwargs: Any) -> Any:
        positions, single = _positions(argnums, args, name)
        match_call(getattr(obj, "interface", "auto"), (args, kwargs), name)
        structure: list[Any] = []

        def f(*values: Any) -> Any:
            out = runner(*_replaced(args, positions, values), **kwargs)
            structure.append(jax.tree_util.tree_structure(out))
            return out

        primals = [_differentiable(args[p]) for p in positions]
        out = differentiate(f, argnums=tuple(range(len(positions))))(*primals)
        treedef = structure[-1]
        result = treedef.unflatten([_pick(x, single, transform.order) for x in treedef.flatten_up_to(out)])
        return to_numpy(result) if wants_numpy(obj.interface, (args, kwargs)) else result

    return derivative


def _classical_jacobian(
    obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any], positions: list[int], trainable: list[int]
) -> tuple[jax.Array, ...]:
    """Per differentiated argument, ``d(trainable gate parameters) / d(argument)``: ``(n, *arg shape)``."""

    def params_of(*values: Any) -> jax.Array:
        params = obj.construct(_replaced(args, positions, values), kwargs).get_parameters()
        if not trainable:
            return jnp.zeros((0,))
        return jnp.stack([jnp.asarray(params[i], jnp.result_type(float)) for i in trainable])

    primals = [_differentiable(args[p]) for p in positions]
    return tuple(jax.jacobian(params_of, argnums=tuple(range(len(positions))))(*primals))


def _by_tapes(
    transform: GradientTransform, obj: Any, options: dict[str, Any], argnums: Any, argnum: Any
) -> Callable[..., Any]:
    """The QNode form of a transform without a rule inside JAX: its tapes, then the chain rule."""
    name = transform.__name__
    base = obj.base if isinstance(obj, TransformedQNode) else obj

    @functools.wraps(obj.func)
    def derivative(*args: Any, **kwargs: Any) -> Any:
        positions, single = _positions(argnums, args, name)
        shots = base.device.shots
        if shots is not None and shots.vector:
            raise NotImplementedError(f"{name}: a QNode on a device with a shot vector is not supported.")
        match_call(getattr(base, "interface", "auto"), (args, kwargs), name)
        tape = obj.construct(args, kwargs)
        trainable = _trainable(tape, argnum)
        opts = {**(transform.device_options(base.device) if transform.device_options else {}), **options}
        tapes, fn = transform(tape, argnum=trainable, **opts)
        num_wires = base.device.num_wires or len(tape.wires)
        shapes = [m.shape(num_wires) for m in tape.measurements]
        total = sum(int(np.prod(s)) for s in shapes)
        qjac = fn(run_like_qnode(base, tapes)) if trainable else jnp.zeros((total, 0))
        rows = jnp.reshape(qjac, (total, len(trainable)))
        cjac = _classical_jacobian(obj, args, kwargs, positions, trainable)
        per_m, start = [], 0
        for shape in shapes:
            q = jnp.reshape(rows[start : start + int(np.prod(shape))], (*shape, len(trainable)))
            start += int(np.prod(shape))
            per_m.append(_pick([jnp.tensordot(q, c, axes=[[-1], [0]]) for c in cjac], single, 1))
        result = per_m[0] if getattr(base, "_single", len(per_m) == 1) else tuple(per_m)
        return to_numpy(result) if wants_numpy(obj.interface, (args, kwargs)) else result

    return derivative


param_shift = GradientTransform(_param_shift, "param_shift")
finite_diff = GradientTransform(_finite_diff, "finite_diff")
param_shift_hessian = GradientTransform(_param_shift_hessian, "param_shift", order=2)
