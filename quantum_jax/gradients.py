"""Gradient transforms: ``param_shift``, ``finite_diff``, ``param_shift_hessian``, ``spsa_grad`` and more.

Each takes a tape (giving ``(tapes, fn)``) or a QNode (giving a function of the QNode's arguments that
returns its Jacobian, or Hessian, in PennyLane's layout).
"""

from ._hadamard import hadamard_grad as hadamard_grad
from ._spsa import spsa_grad as spsa_grad
from ._transforms import GradientTransform as GradientTransform
from ._transforms import finite_diff as finite_diff
from ._transforms import param_shift as param_shift
from ._transforms import param_shift_hessian as param_shift_hessian

__all__ = [
    "GradientTransform",
    "finite_diff",
    "hadamard_grad",
    "param_shift",
    "param_shift_hessian",
    "spsa_grad",
]
