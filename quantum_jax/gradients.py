"""Gradient transforms: ``qml.gradients.param_shift``, ``finite_diff``, ``param_shift_hessian``."""

from ._transforms import GradientTransform as GradientTransform
from ._transforms import finite_diff as finite_diff
from ._transforms import param_shift as param_shift
from ._transforms import param_shift_hessian as param_shift_hessian

__all__ = ["GradientTransform", "finite_diff", "param_shift", "param_shift_hessian"]
