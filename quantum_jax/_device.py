"""Devices: immutable descriptions of where circuits run."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Hashable
from typing import Any

import numpy as np

from ._memory import check_memory
from ._shots import as_shots
from ._wires import Wires, as_wires

DEVICE_NAMES = (
    "default.qubit",
    "lightning.qubit",
    "default.qubit.jax",
    "default.qubit.autograd",
    "default.mixed",
)
# The devices that simulate density matrices (``_mixed``): a density matrix of n wires is as large as a
# statevector of 2n, which the memory guard counts.
MIXED_DEVICES = ("default.mixed",)


@dataclasses.dataclass(frozen=True)
class Device:
    """An immutable statevector simulator description.

    Attributes:
        name: the device name (``"default.qubit"``; ``"lightning.qubit"`` names the same simulator).
        wires: the wire labels, in the order of the statevector's axes; ``None``: each circuit runs on
            the wires it uses, in order of first appearance.
        shots: ``None`` for exact (analytic) results.
        seed: the seed of the default PRNG key used when sampling.
    """

    name: str
    wires: Wires | None
    shots: Any = None
    seed: int | None = None

    @property
    def mixed(self) -> bool:
        """Whether it simulates density matrices (``"default.mixed"``: noise channels allowed)."""
        return self.name in MIXED_DEVICES

    @property
    def num_wires(self) -> int | None:
        """The number of wires, or ``None`` for a device without fixed wires."""
        return None if self.wires is None else len(self.wires)

    def axes(self) -> dict[Hashable, int]:
        """Map from wire label to statevector axis."""
        return {w: i for i, w in enumerate(self.wires or ())}

    def __repr__(self) -> str:
        wires = None if self.wires is None else list(self.wires)
        return f"<Device {self.name!r}: wires={wires}, shots={self.shots}>"


def device(name: str, wires: Any = None, shots: Any = None, seed: int | None = None) -> Device:
    """Create a device.

    Args:
        name: ``"default.qubit"`` or ``"lightning.qubit"`` (both are this library's statevector
            simulator), or ``"default.mixed"``, the density-matrix simulator that runs noise channels.
        wires: the number of wires, or an iterable of wire labels; ``None`` (the default) lets each
            circuit run on the wires it uses, in order of first appearance (as PennyLane's
            ``qml.device("default.qubit")``).
        shots: ``None`` for exact expectation values; a positive int; or a shot vector such as
            ``[100, 1000, (10, 5)]`` (one result per bin, stacked on a leading axis).
        seed: the seed of the default sampling key (``jax.random.key(seed)``); drawn at random, once,
            when shots are given without a seed. Pass ``key=`` to execute or a QNode call for
            explicit control.

    Returns:
        An immutable :class:`Device`.

    Raises:
        ValueError: for an unknown name or an invalid wire count.
        MemoryError: if the statevector could not fit in memory.

    Example:
        >>> import quantum_jax as qml
        >>> qml.device("default.qubit", wires=["a", "b"]).wires
        ('a', 'b')
    """
    if name not in DEVICE_NAMES:
        raise ValueError(f"device: unknown name {name!r}; available devices: {', '.join(DEVICE_NAMES)}.")
    labels: Wires | None = None
    if wires is None:
        pass
    elif isinstance(wires, (int, np.integer)) and not isinstance(wires, bool):
        if wires < 1:
            raise ValueError(f"device: 'wires' must be at least 1, got {wires}.")
        labels = tuple(range(int(wires)))
    else:
        labels = as_wires(wires, "device")
        if not labels:
            raise ValueError("device: 'wires' must not be empty.")
    shot_spec = as_shots(shots, "device")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"device: 'seed' must be an integer, got {seed!r}.")
    if shot_spec is not None and seed is None:
        seed = int.from_bytes(os.urandom(4), "little")  # drawn once, kept on the device: reproducible
    if labels is not None:
        check_memory(len(labels) * (2 if name in MIXED_DEVICES else 1))
    return Device(name, labels, shot_spec, None if seed is None else int(seed))
