"""quantum_jax: simulate and differentiate quantum circuits with JAX."""

from . import simulator as simulator
from . import tape as tape
from ._device import Device as Device
from ._device import device as device
from ._gates import CNOT, CRX, CRY, CRZ, CSWAP, CY, CZ, ISWAP, RX, RY, RZ, S, SWAP, SX, T, U1, U2, U3  # noqa: F401
from ._gates import (  # noqa: F401
    Adjoint, BasisState, ControlledPhaseShift, CPhase, CRot, Hadamard, Identity, IsingXX, IsingYY,
    IsingZZ, MultiRZ, PauliRot, PauliX, PauliY, PauliZ, PhaseShift, QubitStateVector, QubitUnitary,
    Rot, StatePrep, Toffoli, adjoint,
)  # fmt: skip
from ._measurements import density_matrix, expval, probs, state, var  # noqa: F401
from ._observables import Hamiltonian, Hermitian, Projector, Tensor  # noqa: F401
from ._operation import Operation as Operation

__version__ = "0.1.0"
