"""quantum_jax: simulate and differentiate quantum circuits with JAX.

``import quantum_jax as qml`` gives a PennyLane-compatible namespace. The autograd-style shim
(``qml.grad``, ``qml.jacobian``, ``quantum_jax.numpy``) is imported on first use, and importing it turns
on JAX's float64 mode (see ``quantum_jax.numpy``); the rest of the library leaves JAX's settings alone.
"""

import typing as _typing

from . import (
    _arithmetic,
    _channels,
    _controlled,
    _fermionic,
    _matrix,
    _metric_tensor,
    _midcircuit,
    _optimizers,
    _templates,
)
from . import gradients as gradients
from . import math as math
from . import noise as noise
from . import pauli as pauli
from . import qaoa as qaoa
from . import simulator as simulator
from . import tape as tape
from . import transforms as transforms
from ._arithmetic import *  # noqa: F403
from ._channels import *  # noqa: F403
from ._controlled import *  # noqa: F403
from ._density import mutual_info as mutual_info
from ._density import purity as purity
from ._density import vn_entropy as vn_entropy
from ._device import Device as Device
from ._device import device as device
from ._drawer import draw as draw
from ._drawer import specs as specs
from ._drawer_mpl import draw_mpl as draw_mpl
from ._execute import execute as execute
from ._fermionic import *  # noqa: F403
from ._gates import (
    CNOT,
    CRX,
    CRY,
    CRZ,
    CSWAP,
    CY,
    CZ,
    ECR,
    ISWAP,
    RX,
    RY,
    RZ,
    SWAP,
    SX,
    U1,
    U2,
    U3,
    Adjoint,
    Barrier,
    BasisState,
    ControlledPhaseShift,
    CPhase,
    CRot,
    DiagonalQubitUnitary,
    GlobalPhase,
    Hadamard,
    Identity,
    IsingXX,
    IsingXY,
    IsingYY,
    IsingZZ,
    MultiRZ,
    PauliRot,
    PauliX,
    PauliY,
    PauliZ,
    PhaseShift,
    Pow,
    QubitStateVector,
    QubitUnitary,
    Rot,
    S,
    StatePrep,
    T,
    Toffoli,
    adjoint,
    pow,
)  # fmt: skip

# PennyLane's short names
from ._gates import Hadamard as H  # noqa: N817
from ._gates import Identity as I  # noqa: N817
from ._gates import PauliX as X
from ._gates import PauliY as Y
from ._gates import PauliZ as Z
from ._hermitian import Hermitian as Hermitian
from ._hermitian import Projector as Projector
from ._legacy import counts as counts
from ._legacy import expval as expval
from ._legacy import sample as sample
from ._legacy import var as var
from ._matrix import *  # noqa: F403
from ._measurements import MeasurementProcess as MeasurementProcess
from ._measurements import density_matrix as density_matrix
from ._measurements import probs as probs
from ._measurements import state as state
from ._metric_tensor import *  # noqa: F403
from ._midcircuit import *  # noqa: F403
from ._observables import Hamiltonian as Hamiltonian
from ._observables import Observable as Observable
from ._observables import Tensor as Tensor
from ._operation import Operation as Operation
from ._optimizers import *  # noqa: F403
from ._qnode import QNode as QNode
from ._qnode import qnode as qnode
from ._set_shots import set_shots as set_shots
from ._shots import Shots as Shots
from ._tape_transforms import batch_input as batch_input
from ._tape_transforms import defer_measurements as defer_measurements
from ._templates import *  # noqa: F403
from ._tracker import Tracker as Tracker

__version__ = "0.1.0"

if _typing.TYPE_CHECKING:  # imported on first use at run time, see __getattr__
    from . import numpy as numpy
    from ._autograd import grad as grad
    from ._autograd import jacobian as jacobian

_SHIM = {"grad", "jacobian"}


def __getattr__(name: str) -> object:
    """The PennyLane shim (``grad``, ``jacobian``, ``numpy``), imported on first use: it turns on x64."""
    if name in _SHIM:
        from . import _autograd

        return getattr(_autograd, name)
    if name == "numpy":
        import importlib

        return importlib.import_module(".numpy", __name__)
    raise AttributeError(f"module 'quantum_jax' has no attribute {name!r}")


__all__ = [
    "CNOT", "CRX", "CRY", "CRZ", "CSWAP", "CY", "CZ", "ISWAP", "RX", "RY", "RZ", "SWAP", "SX", "U1", "U2",
    "U3", "Adjoint", "BasisState", "CPhase", "CRot", "ControlledPhaseShift", "Device", "Hadamard",
    "Hamiltonian", "Hermitian", "Identity", "IsingXX", "IsingYY", "IsingZZ", "MeasurementProcess", "MultiRZ",
    "Observable", "Operation", "PauliRot", "PauliX", "PauliY", "PauliZ", "PhaseShift", "Projector", "QNode",
    "QubitStateVector", "QubitUnitary", "Rot", "S", "Shots", "StatePrep", "T", "Tensor", "Toffoli", "Tracker",
    "adjoint", "counts", "density_matrix", "device", "execute", "expval", "grad", "gradients", "jacobian",
    "numpy", "probs", "qnode", "sample", "simulator", "state", "tape", "var",
]  # fmt: skip
# The names of the library's families, each listed in its own module's ``__all__``.
__all__ += [
    "H",
    "I",
    "X",
    "Y",
    "Z",
    "Barrier",
    "DiagonalQubitUnitary",
    "ECR",
    "GlobalPhase",
    "IsingXY",
    "Pow",
    "pow",
    "batch_input",
    "defer_measurements",
    "draw",
    "draw_mpl",
    "math",
    "pauli",
    "set_shots",
    "specs",
    "transforms",
    "qaoa",
    *_arithmetic.__all__,
    *_controlled.__all__,
    *_fermionic.__all__,
    *_matrix.__all__,
    *_metric_tensor.__all__,
    *_midcircuit.__all__,
    *_optimizers.__all__,
    *_templates.__all__,
]
# Mixed states and noise (issue 16): the channels, the information measurements, the noise model.
__all__ += [*_channels.__all__, "mutual_info", "noise", "purity", "vn_entropy"]
